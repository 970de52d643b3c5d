#!/usr/bin/python3
"""fuzz_tokenizer.py [SEED] [N] -- compare bin/tokenize with the Python port
of HF's BertTokenizer (bert_tokenizer_ref.py) on N random texts (ASCII and
vocabulary words mixed with code points from many scripts, marks, symbols,
controls and supplementary planes), uncased and --cased. Not run by CI.

Code points that this Python's unicodedata calls unassigned (Cn) are not
generated: utf8proc may know a newer Unicode version, and HF's result for
them depends on the Python version (see port_only.tsv for unassigned ones).
Run with Debian's /usr/bin/python3 after building bin/tokenize."""
import os
import random
import subprocess
import sys
import tempfile
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_tokenizer_ref as ref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("AUTOPEFT_SHARED", os.path.join(ROOT, "..", "shared"))
VOCAB = os.path.join(SHARED, "models", "bert-base-uncased", "vocab.txt")
RANGES = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF),
          (0x900, 0x97F), (0xE00, 0xE7F), (0x1E00, 0x1FFF), (0x2000, 0x206F), (0x20A0, 0x214F),
          (0x2E80, 0x2FFF), (0x3000, 0x30FF), (0x3400, 0x3410), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3),
          (0xF900, 0xFAFF), (0xFB00, 0xFB4F), (0xFE00, 0xFE6F), (0xFF00, 0xFFEF), (0x1F300, 0x1FAFF),
          (0x20000, 0x2FA1F), (0x80, 0x9F), (0x1, 0x1F), (0x10000, 0x10FFFF), (0x100, 0xFFFF)]


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    rng = random.Random(seed)
    vocab = ref.load_vocab(VOCAB)
    words = [w for w in vocab if w.isalpha() and not w.startswith("##")]

    def rchar():
        a, b = rng.choice(RANGES)
        while True:
            c = rng.randint(a, b)
            if 0xD800 <= c <= 0xDFFF or c in (0, 9, 10, 13) or unicodedata.category(chr(c)) == "Cn":
                continue
            return chr(c)

    def rword():
        k = rng.random()
        if k < 0.4:
            w = rng.choice(words)
            return w.upper() if rng.random() < 0.2 else (w.capitalize() if rng.random() < 0.3 else w)
        if k < 0.8:
            return "".join(rchar() for _ in range(rng.randint(1, 6)))
        return rng.choice(words) + "".join(rchar() for _ in range(rng.randint(1, 3))) + rng.choice(words)

    texts = [rng.choice([" ", "", "  ", "\u00a0"]).join(rword() for _ in range(rng.randint(0, 12)))
             for _ in range(n)]
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", encoding="utf-8", delete=False) as f:
        # an id column keeps empty texts from being blank (ignored) lines
        f.write("id\ttext\n" + "".join("%d\t%s\n" % (i, t) for i, t in enumerate(texts)))
        path = f.name
    try:
        for lower in (True, False):
            cmd = [os.path.join(ROOT, "bin", "tokenize"), "--vocab", VOCAB, "--text", "text",
                   "--max-len", "100000", path] + ([] if lower else ["--cased"])
            out = subprocess.run(cmd, capture_output=True, check=True).stdout.decode().split("\n")[1:-1]
            bad = 0
            for t, line in zip(texts, out):
                got = line.split("\t")[2].split(" ")
                want = ["[CLS]"] + ref.tokenize(t, vocab, lower) + ["[SEP]"]
                if got != want:
                    bad += 1
                    if bad <= 5:
                        print("DIFF %r\n  got  %s\n  want %s" % (t, " ".join(got), " ".join(want)))
            print("%s: %d texts, %d differ" % ("uncased" if lower else "cased", len(out), bad))
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
