#!/usr/bin/python3
"""make_tokenizer_golden.py -- golden WordPiece tokenizations for
tests/unit/test_wordpiece.c (not run by CI).

Peer: Hugging Face tokenizers.js (npm @huggingface/tokenizers, installed in a
scratch directory outside the repository) through tests/ref/tokenizer_peer.mjs,
cross-checked against bert_tokenizer_ref.py (a Python port of HF's slow
BertTokenizer). Truncation ('longest_first') is not in tokenizers.js, so it is
applied to the peer's untruncated token lists by the port's
truncate_longest_first (HF truncate_sequences).

    mkdir -p /tmp/tokpeer && (cd /tmp/tokpeer && npm install @huggingface/tokenizers)
    TOKPEER=/tmp/tokpeer /usr/bin/python3 tests/ref/make_tokenizer_golden.py

Writes tests/golden/tokenizer/{uncased,cased,glue}.tsv, the lines on which the
two peers agree (tokens from the JS peer), and port_only.tsv: the cases where
tokenizers.js deviates from HF's Python BertTokenizer (tokens from the port,
with a note naming the deviation). Columns:
    case  lower  max_len  pair  text_a  text_b  tokens  ids  type_ids
Texts are escaped: \\\\ \\t \\n \\r and \\xHH for other C0 bytes and DEL."""
import csv
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_tokenizer_ref as ref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("AUTOPEFT_SHARED", os.path.join(ROOT, "..", "shared"))
VOCAB = os.path.join(SHARED, "models", "bert-base-uncased", "vocab.txt")
GLUE = os.path.join(SHARED, "data", "glue")
OUT = os.path.join(ROOT, "tests", "golden", "tokenizer")
PEER = os.path.join(ROOT, "tests", "ref", "tokenizer_peer.mjs")

LONG = "a" * 100
TRICKY = [
    # --- accents and case
    "Ångström", "café résumé naïve coöperate", "ÉCOLE élève Über straße", "Crème brûlée à la mode",
    "e\u0301cole (decomposed e + combining acute)", "A\u030angstro\u0308m decomposed", "São Paulo, Brasil",
    "Dvořák, Łódź, Kraków, Ørsted, Þór", "İstanbul ıi I", "ΟΔΟΣ ΑΣ. ΣΑΣ Σ ΌΣΟΣ", "Ελληνικά: ή, ό, ώ",
    "Ǆ ǅ ǆ dz digraphs", "ﬁnance ﬂow (ligatures)", "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３", "ⅰⅱⅲ Ⅳ ① ②",
    "Straße STRASSE ß", "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞß", "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ",
    # --- CJK and other scripts
    "每个字都分开", "我爱北京天安门。", "日本語のテキスト、ひらがなとカタカナ。", "中文English混合mixed文字",
    "한국어 텍스트입니다", "漢字かな交じり文", "Ｃｈｉｎａ中国", "\u3400\u4dbf\u4e00\u9fff", "\uf900\ufa0e compatibility",
    "\U0002F800 \U00020000\U0002A6D6x \u2e80 \u3000ideographic space\u3000end", "unassigned\u0378here", "Русский текст, Ё ё Й й", "Україна їжак ґанок",
    "العربية مع التشكيل: مُحَمَّد", "עברית עם ניקוד: שָׁלוֹם", "हिन्दी पाठ, क्षत्रिय", "ภาษาไทย สวัสดี", "ქართული ენა",
    "Tiếng Việt có dấu: Nguyễn", "NFC: a\u0387b \u212b \u2126 \uf9b2 caf\u0065\u0301", "Yorùbá àti Ìgbò", "ʻōlelo Hawaiʻi",
    # --- emoji and symbols
    "I love it 😀😀 so much 🎉", "family: 👨\u200d👩\u200d👧 flag: 🇩🇪 skin: 👍🏽", "♥ ★ ☃ ✓ ✗ ∞ ≈ ≠ ± × ÷",
    "€100, £50, ¥1000, $20, ₹5, ¢", "E = mc² and H₂O, ½ ¼ ¾", "© ® ™ § ¶ † ‡ • °C", "→ ← ↑ ↓ ⇒ ∀x∃y",
    # --- punctuation, ASCII and Unicode P*
    "Hello, world! How's it going?", "¿Qué tal? ¡Muy bien!", "em—dash en–dash hyphen-minus ‐ ‑ ‒ ―",
    "«guillemets» ‹single› „German“ “curly” ‘quotes’", "ellipsis… middle·dot ・ katakana", "a.b,c;d:e!f?g",
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "under_score snake_case_name", "back`tick and ^caret and ~tilde",
    "email: someone@example.com url: https://example.org/a?b=c&d=e#f", "don't won't it's y'all o'clock",
    "U.S.A. e.g. i.e. etc.", "3.14159 1,000,000 -42 +7 10% 2nd 1990s", "#hashtag @mention $TICKER",
    "⁅bracket⁆ ⟨angle⟩ 【lenticular】 「corner」 『white』", "§1.2(a)(iii)", "Chapter 1 — The Beginning...",
    "۔ Arabic full stop، comma؛ semicolon؟", "। Devanagari danda ॥", "‰ ‱ ′ ″ ‴ ※ ‼ ⁇ ⁈",
    # --- whitespace and control characters
    "tab\tseparated\twords", "new\nline\r\nand\rreturns", "  leading and trailing spaces  ", "multiple     spaces",
    "nbsp\u00a0here thin\u2009space em\u2003space", "line\u2028separator para\u2029graph", "zero\u200bwidth\u200cnon\u200djoiner",
    "bom\ufeffinside", "soft\u00adhyphen", "bell\x07 backspace\x08 escape\x1b del\x7f", "vertical\x0btab form\x0cfeed",
    "file\x1csep group\x1dsep rec\x1esep unit\x1fsep", "nel\x85next", "replacement\ufffdchar", "private\ue000use",
    "\x01\x02\x03 start", "only\u200eLRM\u200fRLM marks", "word\u2060joiner",
    # --- special tokens written in the text
    "[CLS] hello [SEP]", "a[SEP]b[MASK]c", "[UNK] unknown [PAD]", "[cls] lower-case is not special",
    "[CLS][SEP][MASK]", "[ MASK ] spaced", "[MASKED] [CLSX]",
    # --- long words
    LONG, LONG + "b", "x" * 250, "a" * 99 + "é", "é" * 101, "word " + "z" * 150 + " word", LONG + "!" + LONG,
    "supercalifragilisticexpialidocious antidisestablishmentarianism", "pneumonoultramicroscopicsilicovolcanoconiosis",
    "unaffable unbelievable unwanted", "xylophonist zygomorphic qwertyuiop asdfghjkl", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    # --- empty and degenerate
    "", " ", "\t\n", "\x00", "!", "...", "a", "A", "é", "😀", "中",
    # --- mixed
    "The café's crème brûlée costs €5.50 — worth it!", "COVID-19 vaccines (mRNA-1273, BNT162b2) were approved.",
    "He said: \"I'll be back,\" and left.", "C++ and C# are languages; so is Python3.11.", "k8s, i18n, l10n, a11y",
    "AT&T, Procter & Gamble, Ben & Jerry's", "9/11, 24/7, 50-50, 3:30pm, 10:45 a.m.", "ALL CAPS SENTENCE HERE",
    "MiXeD CaSe WoRdS", "camelCaseIdentifier and PascalCase", "O'Neill McDonald D'Angelo",
    "The quick brown fox jumps over the lazy dog.", "Pack my box with five dozen liquor jugs.",
]

PAIRS = [
    ("Ångström is a unit.", "每个字 matters here — really?"),
    ("The cat sat on the mat.", "A dog slept on the rug."),
    ("short", "a much much longer second sentence with many many words in it"),
    ("a much much longer first sentence with many many words in it", "short"),
    ("equal length one two", "same size three four"),
    ("", "only the second text"),
    ("only the first text", ""),
    ("tab\there", "new\nline"),
    ("[CLS] literal", "literal [SEP]"),
    ("😀 emoji", "🎉 party"),
]


def esc(s):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def run_peer(texts, lower):
    env = dict(os.environ)
    env.setdefault("TOKPEER", "/tmp/tokpeer")
    p = subprocess.run(["node", PEER, VOCAB, "1" if lower else "0"],
                       input=json.dumps([[t, None] for t in texts]).encode(),
                       capture_output=True, env=env, check=True)
    res = json.loads(p.stdout)
    return [r["tokens"][1:-1] for r in res]  # strip [CLS] ... [SEP]


def run_peer_pairs(pairs, lower):
    env = dict(os.environ)
    env.setdefault("TOKPEER", "/tmp/tokpeer")
    p = subprocess.run(["node", PEER, VOCAB, "1" if lower else "0"],
                       input=json.dumps([[a, b] for a, b in pairs]).encode(),
                       capture_output=True, env=env, check=True)
    return json.loads(p.stdout)


def read_glue():
    cola, mrpc, rte = [], [], []
    with open(os.path.join(GLUE, "CoLA", "in_domain_dev.tsv"), encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i % 5 == 0:
                cola.append(line.rstrip("\n").split("\t")[3])
    for name, dst, step in (("MRPC", mrpc, 4), ("RTE", rte, 4)):
        with open(os.path.join(GLUE, name, "validation.tsv"), encoding="utf-8", newline="") as f:
            rd = csv.DictReader(f, delimiter="\t")
            for i, row in enumerate(rd):
                if i % step == 0:
                    dst.append((row["sentence1"], row["sentence2"]))
    return cola[:80], mrpc[:60], rte[:40]


def main():
    vocab = ref.load_vocab(VOCAB)
    os.makedirs(OUT, exist_ok=True)
    cola, mrpc, rte = read_glue()
    stats = {}
    rows_by_file = {"uncased": [], "cased": [], "glue": [], "port_only": []}
    disagreements = []

    def add(file, case, lower, max_len, a, b, a_tok, b_tok, note=""):
        toks, types = ref.encode(a_tok, b_tok, max_len)
        ids = ref.to_ids(toks, vocab)
        row = [case, str(int(lower)), str(max_len), str(int(b is not None)), esc(a),
               esc(b if b is not None else ""), " ".join(toks), " ".join(map(str, ids)),
               " ".join(map(str, types))]
        if note:
            row.append(note)
        rows_by_file[file].append(row)

    def tok_both(texts, lower):
        js = run_peer(texts, lower)
        py = [ref.tokenize(t, vocab, lower) for t in texts]
        return js, py

    # singles (tricky) in both cases, plus single-text truncation
    for lower, file in ((True, "uncased"), (False, "cased")):
        js, py = tok_both(TRICKY, lower)
        for i, (t, j, p) in enumerate(zip(TRICKY, js, py)):
            case = "%s-%03d" % (file, i)
            if j == p:
                add(file, case, lower, 512, t, None, j, None)
                if lower and len(j) > 3:
                    add(file, case + "-t", lower, 3 + len(j) // 2, t, None, j, None)
            else:
                disagreements.append((case, t, j, p))
                add("port_only", case, lower, 512, t, None, p, None,
                    "tokenizers.js gives: " + " ".join(j))
    # pairs: untruncated (checked against the JS template) and truncated
    for lower, file in ((True, "uncased"), (False, "cased")):
        jsp = run_peer_pairs([(a, b) for a, b in PAIRS if a and b], lower)
        k = 0
        for i, (a, b) in enumerate(PAIRS):
            ja, jb = run_peer([a, b], lower)
            pa, pb = ref.tokenize(a, vocab, lower), ref.tokenize(b, vocab, lower)
            assert (ja, jb) == (pa, pb), (a, b, ja, jb, pa, pb)
            if a and b:  # tokenizers.js treats an empty pair text as no pair
                toks, types = ref.encode(ja, jb, 10 ** 6)
                assert jsp[k]["tokens"] == toks and jsp[k]["type_ids"] == types, (a, b, jsp[k])
                k += 1
            for ml in (512, 3, 4, 5, 7, 8, 9, 12, 16):
                add(file, "%s-pair%02d-%d" % (file, i, ml), lower, ml, a, b, ja, jb)
    # GLUE sentences, uncased; pairs at max_len 128 and 32
    for name, items in (("cola", cola),):
        js, py = tok_both(items, True)
        for i, (t, j, p) in enumerate(zip(items, js, py)):
            assert j == p, (t, j, p)
            add("glue", "%s-%03d" % (name, i), True, 128, t, None, j, None)
    for name, items in (("mrpc", mrpc), ("rte", rte)):
        flat = [x for ab in items for x in ab]
        js, py = tok_both(flat, True)
        jsp = run_peer_pairs(items, True)
        for i, (a, b) in enumerate(items):
            ja, jb = js[2 * i], js[2 * i + 1]
            assert (ja, jb) == (py[2 * i], py[2 * i + 1]), (a, b)
            toks, types = ref.encode(ja, jb, 10 ** 6)
            assert jsp[i]["tokens"] == toks and jsp[i]["type_ids"] == types
            for ml in (128, 32):
                add("glue", "%s-%03d-%d" % (name, i, ml), True, ml, a, b, ja, jb)

    hdr = ["case", "lower", "max_len", "pair", "text_a", "text_b", "tokens", "ids", "type_ids"]
    for file, rows in rows_by_file.items():
        with open(os.path.join(OUT, file + ".tsv"), "w", encoding="utf-8", newline="") as f:
            f.write("\t".join(hdr + (["note"] if file == "port_only" else [])) + "\n")
            for r in rows:
                assert all("\t" not in x and "\n" not in x for x in r), r
                f.write("\t".join(r) + "\n")
        stats[file] = len(rows)
    for case, t, j, p in disagreements:
        print("DIFF %s %r\n  js: %s\n  py: %s" % (case, t, " ".join(j), " ".join(p)))
    print("rows:", stats, "disagreements:", len(disagreements))


if __name__ == "__main__":
    main()
