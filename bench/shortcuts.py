#!/usr/bin/python3
"""bench/shortcuts.py -- the obvious shortcuts of each embedded task, scored as
the encoder is: trained on the first N training rows (the demo's budget,
--max-train 2000; the files are class-interleaved, so any prefix is
balanced), scored on dev (and test).

  /usr/bin/python3 bench/shortcuts.py [--data DIR] [--train-size N] [--out FILE]

Shortcuts (scikit-learn 1.2, Debian's python3-sklearn):
  majority     the most frequent training label
  first word   the label most often seen with the text's first word (unseen
               first word: majority)
  length       logistic regression on the number of words
  bag of words logistic regression on word counts (C chosen on dev from
               0.1, 0.3, 1, 3, 10: an optimistic choice, in the shortcut's favour)
  bag of 1-2-grams  the same on word unigrams and bigrams
  mask context (wn-cloze only) the label most often seen with the words right
               before and after [MASK] (then with either one; unseen: majority)
Prints a markdown table with dev sizes and standard errors
(sqrt(p (1 - p) / n)) and writes it to --out if given.
"""
import argparse
import collections
import csv
import math
import os
import sys

from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    h = rows[0]
    return [(r[h.index("sentence")], r[h.index("label")]) for r in rows[1:]]


def lookup(train, dev, key):
    maj = collections.Counter(y for _, y in train).most_common(1)[0][0]
    tab = collections.defaultdict(collections.Counter)
    for x, y in train:
        tab[key(x)][y] += 1
    return [tab[key(x)].most_common(1)[0][0] if tab[key(x)] else maj for x, _ in dev]


def acc(pred, dev):
    return sum(p == y for p, (_, y) in zip(pred, dev)) / len(dev)


def logreg(train, dev, feats, Cs=(0.1, 0.3, 1, 3, 10)):
    best = 0
    for C in Cs:
        Xtr, Xdv = feats(train, dev)
        m = LogisticRegression(C=C, max_iter=5000).fit(Xtr, [y for _, y in train])
        best = max(best, m.score(Xdv, [y for _, y in dev]))
    return best


def bow(ngram):
    def f(train, dev):
        v = CountVectorizer(token_pattern=r"[^ ]+", ngram_range=(1, ngram), lowercase=False)
        return v.fit_transform([x for x, _ in train]), v.transform([x for x, _ in dev])
    return f


def length(train, dev):
    return [[len(x.split())] for x, _ in train], [[len(x.split())] for x, _ in dev]


def context(train, dev):
    def around(x):
        w = x.split()
        i = next((k for k, t in enumerate(w) if "[MASK]" in t), 0)
        return (w[i - 1] if i > 0 else "<s>", w[i + 1] if i + 1 < len(w) else "</s>")
    maj = collections.Counter(y for _, y in train).most_common(1)[0][0]
    both, left, right = (collections.defaultdict(collections.Counter) for _ in range(3))
    for x, y in train:
        a, b = around(x)
        both[(a, b)][y] += 1
        left[a][y] += 1
        right[b][y] += 1
    out = []
    for x, _ in dev:
        a, b = around(x)
        for t, k in ((both, (a, b)), (right, b), (left, a)):
            if t[k]:
                out.append(t[k].most_common(1)[0][0])
                break
        else:
            out.append(maj)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="out/demo/data")
    ap.add_argument("--train-size", type=int, default=2000)
    ap.add_argument("--out")
    a = ap.parse_args()
    lines = [f"Shortcuts at the demo's training size ({a.train_size} examples, the first rows of "
             "train.tsv, balanced), scored on dev and test; ± is the standard error of the accuracy.", "",
             "| task | dev n | shortcut | dev accuracy | test accuracy |", "|---|---|---|---|---|"]
    for t in ["wn-pos", "wn-order", "wn-cloze"]:
        d = os.path.join(a.data, t)
        train = load(os.path.join(d, "train.tsv"))[: a.train_size]
        dev, test = load(os.path.join(d, "dev.tsv")), load(os.path.join(d, "test.tsv"))
        res = []
        for name, fn in [("majority", lambda tr, ev: acc(lookup(tr, ev, lambda x: 0), ev)),
                         ("first word", lambda tr, ev: acc(lookup(tr, ev, lambda x: (x.split() or [""])[0]), ev)),
                         ("length", lambda tr, ev: logreg(tr, ev, length)),
                         ("bag of words", lambda tr, ev: logreg(tr, ev, bow(1))),
                         ("bag of 1-2-grams", lambda tr, ev: logreg(tr, ev, bow(2)))] + \
                ([("mask context", lambda tr, ev: acc(context(tr, ev), ev))] if t == "wn-cloze" else []):
            pd, pt = fn(train, dev), fn(train, test)
            se = math.sqrt(pd * (1 - pd) / len(dev))
            res.append((name, pd, pt))
            lines.append(f"| {t} | {len(dev)} | {name} | {pd:.3f} ± {se:.3f} | {pt:.3f} |")
        best = max(res, key=lambda r: r[1])
        lines.append(f"| {t} | {len(dev)} | **best shortcut: {best[0]}** | **{best[1]:.3f}** | {best[2]:.3f} |")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if a.out:
        open(a.out, "w").write(text)


if __name__ == "__main__":
    main()
