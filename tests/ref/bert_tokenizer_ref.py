"""bert_tokenizer_ref.py -- an independent Python port of Hugging Face's slow
BertTokenizer (transformers/models/bert/tokenization_bert.py: BasicTokenizer +
WordpieceTokenizer, plus PreTrainedTokenizer.tokenize's split on special
tokens and tokenization_utils_base.truncate_sequences 'longest_first'),
written from a reading of that code. Used by make_tokenizer_golden.py to
cross-check the JavaScript peer (tokenizers.js) and for truncation.

Run with Debian's /usr/bin/python3 (standard library only)."""
import unicodedata

SPECIALS = ["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"]


def load_vocab(path):
    vocab = {}
    # HF: open(..., "r", encoding="utf-8") (universal newlines), rstrip("\n")
    with open(path, "r", encoding="utf-8") as f:
        for i, line in enumerate(f.readlines()):
            vocab[line.rstrip("\n")] = i
    return vocab


def is_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(cp):
    ranges = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
              (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]
    return any(a <= cp <= b for a, b in ranges)


def clean(text):
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or is_control(ch):
            continue
        out.append(" " if is_whitespace(ch) else ch)
    return "".join(out)


def space_cjk(text):
    return "".join(" %s " % ch if is_cjk(ord(ch)) else ch for ch in text)


def strip_accents(text):
    return "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if unicodedata.category(ch) != "Mn")


def split_punct(word):
    pieces, cur = [], []
    for ch in word:
        if is_punctuation(ch):
            if cur:
                pieces.append("".join(cur))
                cur = []
            pieces.append(ch)
        else:
            cur.append(ch)
    if cur:
        pieces.append("".join(cur))
    return pieces


def basic_tokenize(text, lower=True):
    text = space_cjk(clean(text))
    text = unicodedata.normalize("NFC", text)
    out = []
    for word in text.split():
        if word in SPECIALS:
            out.append(word)
            continue
        if lower:
            word = strip_accents(word.lower())
        out.extend(split_punct(word))
    return " ".join(out).split()


def wordpiece(word, vocab, max_chars=100):
    if len(word) > max_chars:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        found = None
        while end > start:
            cand = ("##" if start > 0 else "") + word[start:end]
            if cand in vocab:
                found = cand
                break
            end -= 1
        if found is None:
            return ["[UNK]"]
        pieces.append(found)
        start = end
    return pieces


def split_specials(text):
    """Left-to-right split on literal special tokens (none is a prefix of
    another, so this equals HF's trie split)."""
    parts, i, s = [], 0, 0
    while i < len(text):
        hit = next((t for t in SPECIALS if text.startswith(t, i)), None)
        if hit is None:
            i += 1
            continue
        parts.append((text[s:i], False))
        parts.append((hit, True))
        i += len(hit)
        s = i
    parts.append((text[s:], False))
    return parts


def tokenize(text, vocab, lower=True):
    toks = []
    for part, special in split_specials(text):
        if special:
            toks.append(part)
            continue
        for w in basic_tokenize(part, lower):
            toks.extend([w] if w in SPECIALS else wordpiece(w, vocab))
    return toks


def to_ids(tokens, vocab):
    return [vocab.get(t, vocab["[UNK]"]) for t in tokens]


def truncate_longest_first(a, b, max_len):
    """HF truncate_sequences('longest_first', truncation_side='right') after
    num_special_tokens_to_add: 2 for a single text, 3 for a pair."""
    special = 2 if b is None else 3
    remove = len(a) + (len(b) if b is not None else 0) + special - max_len
    if remove <= 0:
        return a, b
    if b is None:
        assert len(a) > remove
        return a[:-remove], None
    first = min(abs(len(b) - len(a)), remove)
    second = remove - first
    if len(a) > len(b):
        ra, rb = first + second // 2, second - second // 2
    else:
        ra, rb = second // 2, first + second - second // 2
    return (a[:-ra] if ra > 0 else a), (b[:-rb] if rb > 0 else b)


def encode(a_tokens, b_tokens, max_len):
    a, b = truncate_longest_first(a_tokens, b_tokens, max_len)
    toks = ["[CLS]"] + a + ["[SEP]"]
    types = [0] * len(toks)
    if b is not None:
        toks += b + ["[SEP]"]
        types += [1] * (len(b) + 1)
    return toks, types
