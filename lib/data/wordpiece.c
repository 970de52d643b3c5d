/* wordpiece.c -- see wordpiece.h. The pipeline follows HF's
 * PreTrainedTokenizer.tokenize + BertTokenizer._tokenize:
 *   split out literal special tokens
 *   -> clean (drop NUL, U+FFFD, C*; whitespace -> ' ') and space CJK ideographs
 *   -> per whitespace-separated word: NFC; special token? keep;
 *      lower (Python str.lower semantics) then NFD minus Mn (uncased only);
 *      split punctuation; WordPiece each piece. */
#include "data/wordpiece.h"
#include "util/hash.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* ---------------------------------------------------------------- vocab */


/* Look up PRE (plen bytes) followed by S (n bytes) without concatenating. */
static int vocab_find2(const wp_vocab *v, const char *pre, size_t plen, const char *s, size_t n)
{
    if (plen + n > (size_t)v->max_len)
        return -1;
    uint64_t h = fnv1a_bytes(fnv1a_bytes(FNV1A_INIT, pre, plen), s, n);
    for (uint64_t i = h & v->mask;; i = (i + 1) & v->mask) {
        int32_t id = v->slot[i];
        if (id < 0)
            return -1;
        if (v->len[id] == plen + n) {
            const char *tok = v->blob + v->off[id];
            if (!memcmp(tok, pre, plen) && !memcmp(tok + plen, s, n))
                return id;
        }
    }
}

int wp_vocab_id(const wp_vocab *v, const char *s, size_t len)
{
    return vocab_find2(v, "", 0, s, len);
}

const char *wp_vocab_token(const wp_vocab *v, int id)
{
    return id >= 0 && id < v->n ? v->blob + v->off[id] : NULL;
}

void wp_vocab_free(wp_vocab *v)
{
    free(v->blob);
    free(v->off);
    free(v->len);
    free(v->slot);
    memset(v, 0, sizeof *v);
}

int wp_vocab_load_mem(wp_vocab *v, const char *name, const char *data, size_t n,
                      char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    if (n > 0xffffffffu - 1) {
        errf(err, errlen, name, 0, "vocabulary too large");
        return -1;
    }
    /* Count lines: terminators "\n", "\r\n", "\r"; a final unterminated
     * line counts, a trailing terminator does not add an empty token. */
    long nl = 0;
    for (size_t i = 0; i < n; i++) {
        if (data[i] == '\r') {
            if (i + 1 < n && data[i + 1] == '\n')
                i++;
            nl++;
        } else if (data[i] == '\n')
            nl++;
    }
    if (n > 0 && data[n - 1] != '\n' && data[n - 1] != '\r')
        nl++;
    if (nl > 0x7fffffffL) {
        errf(err, errlen, name, 0, "vocabulary too large");
        return -1;
    }
    v->n = (int)nl;
    v->blob = xmalloc(n + 1);
    v->off = xmalloc(((size_t)nl + 1) * sizeof *v->off);
    v->len = xmalloc(((size_t)nl + 1) * sizeof *v->len);
    size_t cap = 16;
    while (cap < 2 * (size_t)nl)
        cap *= 2;
    v->mask = cap - 1;
    v->slot = xmalloc(cap * sizeof *v->slot);
    memset(v->slot, 0xff, cap * sizeof *v->slot);
    v->unk_id = v->cls_id = v->sep_id = v->pad_id = v->mask_id = -1;

    size_t o = 0, i = 0;
    for (int id = 0; id < v->n; id++) {
        size_t s = i;
        while (i < n && data[i] != '\n' && data[i] != '\r')
            i++;
        size_t l = i - s;
        /* validate UTF-8 */
        for (size_t k = s; k < i;) {
            utf8proc_int32_t c;
            utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)data + k,
                                                  (utf8proc_ssize_t)(i - k), &c);
            if (r < 0) {
                errf(err, errlen, name, id + 1, "invalid UTF-8");
                wp_vocab_free(v);
                return -1;
            }
            k += (size_t)r;
        }
        memcpy(v->blob + o, data + s, l);
        v->blob[o + l] = 0;
        v->off[id] = (uint32_t)o;
        v->len[id] = (uint32_t)l;
        if ((int)l > v->max_len)
            v->max_len = (int)l;
        o += l + 1;
        if (i < n) { /* skip the terminator */
            if (data[i] == '\r' && i + 1 < n && data[i + 1] == '\n')
                i++;
            i++;
        }
        /* insert; a duplicate takes the later id (HF builds a dict) */
        uint64_t h = fnv1a_bytes(FNV1A_INIT, data + s, l);
        for (uint64_t j = h & v->mask;; j = (j + 1) & v->mask) {
            int32_t e = v->slot[j];
            if (e < 0) {
                v->slot[j] = id;
                break;
            }
            if (v->len[e] == l && !memcmp(v->blob + v->off[e], data + s, l)) {
                v->slot[j] = id;
                break;
            }
        }
    }
    v->unk_id = wp_vocab_id(v, "[UNK]", 5);
    v->cls_id = wp_vocab_id(v, "[CLS]", 5);
    v->sep_id = wp_vocab_id(v, "[SEP]", 5);
    v->pad_id = wp_vocab_id(v, "[PAD]", 5);
    v->mask_id = wp_vocab_id(v, "[MASK]", 6);
    const char *missing = v->unk_id < 0 ? "[UNK]" : v->cls_id < 0 ? "[CLS]" : v->sep_id < 0 ? "[SEP]" : NULL;
    if (missing) {
        errf(err, errlen, name, 0, "vocabulary has no %s token", missing);
        wp_vocab_free(v);
        return -1;
    }
    return 0;
}

int wp_vocab_load(wp_vocab *v, const char *path, char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    FILE *f = fopen(path, "rb");
    if (!f) {
        errf(err, errlen, path, 0, "cannot open vocabulary: %s", strerror(errno));
        return -1;
    }
    char *buf;
    size_t n;
    int bad = read_all(f, path, &buf, &n, err, errlen);
    fclose(f);
    if (bad)
        return -1;
    int rc = wp_vocab_load_mem(v, path, buf, n, err, errlen);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------- unicode */

#define GROW(p, cap, need)                                                     \
    do {                                                                       \
        if ((long)(need) > (cap)) {                                            \
            long nc_ = (cap) ? (cap) : 64;                                     \
            while (nc_ < (long)(need))                                         \
                nc_ *= 2;                                                      \
            (p) = xrealloc((p), (size_t)nc_ * sizeof *(p));                    \
            (cap) = nc_;                                                       \
        }                                                                      \
    } while (0)

static void ids_push(wp_ids *o, int32_t id)
{
    GROW(o->v, o->cap, o->n + 1);
    o->v[o->n++] = id;
}

static int is_cjk(int32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

static int is_control(int32_t c) /* HF _is_control: category C*, except \t \n \r */
{
    if (c == '\t' || c == '\n' || c == '\r')
        return 0;
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO: case UTF8PROC_CATEGORY_CN:
        return 1;
    default:
        return 0;
    }
}

/* HF _is_whitespace (space, \t, \n, \r, Zs) plus Zl/Zp, on which Python's
 * str.split() (HF whitespace_tokenize) also splits. */
static int is_space(int32_t c)
{
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        return 1;
    if (c < 0x80)
        return 0;
    utf8proc_category_t k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_ZS || k == UTF8PROC_CATEGORY_ZL || k == UTF8PROC_CATEGORY_ZP;
}

static int is_punct(int32_t c) /* HF _is_punctuation */
{
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
        return 1;
    if (c < 0x80)
        return 0;
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
        return 1;
    default:
        return 0;
    }
}

/* Unicode Case_Ignorable (Mn Me Cf Lm Sk + Word_Break MidLetter, MidNumLet,
 * Single_Quote) and Cased (Lu Ll Lt + Other_Lowercase/Uppercase, approximated
 * by "has a case mapping"), used for Python's Final_Sigma rule. */
static int case_ignorable(int32_t c)
{
    switch (c) {
    case 0x27: case 0x2E: case 0x3A: case 0xB7: case 0x387: case 0x55F: case 0x5F4:
    case 0x2018: case 0x2019: case 0x2024: case 0x2027: case 0xFE13: case 0xFE52:
    case 0xFE55: case 0xFF07: case 0xFF0E: case 0xFF1A:
        return 1;
    }
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_SK:
        return 1;
    default:
        return 0;
    }
}

static int cased(int32_t c)
{
    utf8proc_category_t k = utf8proc_category(c);
    if (k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LL || k == UTF8PROC_CATEGORY_LT)
        return 1;
    if (c == 0xAA || c == 0xBA)
        return 1;
    return utf8proc_tolower(c) != c || utf8proc_toupper(c) != c;
}

/* Python's final-sigma test for the capital sigma at w[i]. */
static int final_sigma(const int32_t *w, long n, long i)
{
    long j = i - 1;
    while (j >= 0 && case_ignorable(w[j]))
        j--;
    if (j < 0 || !cased(w[j]))
        return 0;
    j = i + 1;
    while (j < n && case_ignorable(w[j]))
        j++;
    return j == n || !cased(w[j]);
}

/* ----------------------------------------------------------- tokenizer */

void wp_init(wp_tokenizer *t, const wp_vocab *v, int lower)
{
    memset(t, 0, sizeof *t);
    t->vocab = v;
    t->lower = lower;
    t->max_chars = WP_MAX_CHARS_PER_WORD;
}

void wp_free(wp_tokenizer *t)
{
    free(t->a.v);
    free(t->b.v);
    free(t->cp);
    free(t->cl);
    free(t->w1);
    free(t->w2);
    free(t->u8);
    free(t->boff);
    memset(t, 0, sizeof *t);
}

/* UTF-8 of w[0..n) into t->u8 (NUL-terminated); t->boff[i] = byte offset of
 * char i, boff[n] = total length. */
static long encode_u8(wp_tokenizer *t, const int32_t *w, long n)
{
    GROW(t->u8, t->u8_cap, 4 * n + 1);
    GROW(t->boff, t->boff_cap, n + 1);
    long o = 0;
    for (long i = 0; i < n; i++) {
        t->boff[i] = o;
        o += utf8proc_encode_char(w[i], (utf8proc_uint8_t *)t->u8 + o);
    }
    t->boff[n] = o;
    t->u8[o] = 0;
    return o;
}

/* Normalise w[0..n) (NFC when compose, else NFD) into *dst; returns length. */
static long normalize(wp_tokenizer *t, const int32_t *w, long n, int compose, int32_t **dst, long *dcap)
{
    long nb = encode_u8(t, w, n);
    utf8proc_option_t opt = UTF8PROC_STABLE | (compose ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE);
    GROW(*dst, *dcap, 4 * n + 4);
    utf8proc_ssize_t r;
    for (;;) {
        r = utf8proc_decompose((const utf8proc_uint8_t *)t->u8, nb, *dst, *dcap, opt);
        if (r < 0)
            die(1, "utf8proc: %s", utf8proc_errmsg(r)); /* input was validated */
        if (r <= *dcap)
            break;
        GROW(*dst, *dcap, r);
    }
    if (compose) {
        r = utf8proc_normalize_utf32(*dst, r, opt);
        if (r < 0)
            die(1, "utf8proc: %s", utf8proc_errmsg(r));
    }
    return (long)r;
}

static int special_id(const wp_vocab *v, int k)
{
    int id = k == 0 ? v->unk_id : k == 1 ? v->sep_id : k == 2 ? v->pad_id : k == 3 ? v->cls_id : v->mask_id;
    return id >= 0 ? id : v->unk_id; /* HF convert_tokens_to_ids falls back to [UNK] */
}
static const char *const SPECIAL[5] = {"[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"};

/* Index of the special token spelled at w[0..n) (whole or prefix when
 * prefix != 0), with its length in *len; -1 if none. */
static int match_special(const int32_t *w, long n, int prefix, long *len)
{
    if (n < 5 || w[0] != '[')
        return -1;
    for (int k = 0; k < 5; k++) {
        long l = (long)strlen(SPECIAL[k]);
        if (l > n || (!prefix && l != n))
            continue;
        long i = 0;
        while (i < l && w[i] == (unsigned char)SPECIAL[k][i])
            i++;
        if (i == l) {
            *len = l;
            return k;
        }
    }
    return -1;
}

/* WordPiece one basic token (w[0..n), n >= 1). */
static void wordpiece(wp_tokenizer *t, const int32_t *w, long n, wp_ids *out)
{
    const wp_vocab *v = t->vocab;
    if (n > t->max_chars) {
        ids_push(out, v->unk_id);
        return;
    }
    encode_u8(t, w, n);
    long n0 = out->n, start = 0;
    while (start < n) {
        long end = n;
        int id = -1;
        const char *pre = start > 0 ? "##" : "";
        size_t plen = start > 0 ? 2 : 0;
        /* skip candidates longer than any vocabulary token */
        while (end > start && (long)plen + t->boff[end] - t->boff[start] > v->max_len)
            end--;
        for (; end > start; end--) {
            id = vocab_find2(v, pre, plen, t->u8 + t->boff[start], (size_t)(t->boff[end] - t->boff[start]));
            if (id >= 0)
                break;
        }
        if (id < 0) {
            out->n = n0;
            ids_push(out, v->unk_id);
            return;
        }
        ids_push(out, id);
        start = end;
    }
}

/* One whitespace-free word of cleaned text. */
static void do_word(wp_tokenizer *t, const int32_t *w, long n, wp_ids *out)
{
    int simple = 1; /* all < U+0300: NFC is the identity */
    for (long i = 0; i < n && simple; i++)
        simple = w[i] < 0x300;
    if (!simple) {
        n = normalize(t, w, n, 1, &t->w1, &t->w1_cap);
        w = t->w1;
    }
    long sl;
    int k = match_special(w, n, 0, &sl);
    if (k >= 0) { /* HF never_split */
        ids_push(out, special_id(t->vocab, k));
        return;
    }
    if (t->lower) {
        int ascii = 1;
        for (long i = 0; i < n && ascii; i++)
            ascii = w[i] < 0x80;
        GROW(t->w2, t->w2_cap, 2 * n);
        long m = 0;
        if (ascii) {
            for (long i = 0; i < n; i++)
                t->w2[m++] = w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i];
            w = t->w2;
            n = m;
        } else {
            for (long i = 0; i < n; i++) {
                int32_t c = w[i];
                if (c == 0x130) { /* full lower-case mapping: i + combining dot */
                    t->w2[m++] = 'i';
                    t->w2[m++] = 0x307;
                } else if (c == 0x3A3)
                    t->w2[m++] = final_sigma(w, n, i) ? 0x3C2 : 0x3C3;
                else
                    t->w2[m++] = utf8proc_tolower(c);
            }
            /* strip accents: NFD, drop Mn */
            long d = normalize(t, t->w2, m, 0, &t->w1, &t->w1_cap);
            long o = 0;
            for (long i = 0; i < d; i++)
                if (utf8proc_category(t->w1[i]) != UTF8PROC_CATEGORY_MN)
                    t->w1[o++] = t->w1[i];
            w = t->w1;
            n = o;
        }
    }
    /* split punctuation; w is t->w1 or t->w2 and stays valid: wordpiece only
     * touches u8/boff */
    long s = 0;
    for (long i = 0; i < n; i++) {
        if (is_punct(w[i])) {
            if (i > s)
                wordpiece(t, w + s, i - s, out);
            wordpiece(t, w + i, 1, out);
            s = i + 1;
        }
    }
    if (n > s)
        wordpiece(t, w + s, n - s, out);
}

/* Clean, space CJK, split on whitespace, and tokenize cps[0..n). */
static void do_segment(wp_tokenizer *t, const int32_t *c, long n, wp_ids *out)
{
    GROW(t->cl, t->cl_cap, 3 * n + 1);
    long m = 0;
    for (long i = 0; i < n; i++) {
        int32_t x = c[i];
        if (x == 0 || x == 0xFFFD)
            continue;
        if (x < 0x80) {
            if (x == ' ' || x == '\t' || x == '\n' || x == '\r')
                t->cl[m++] = ' ';
            else if (x >= 0x20 && x != 0x7F)
                t->cl[m++] = x;
            continue;
        }
        if (is_control(x))
            continue;
        if (is_space(x))
            t->cl[m++] = ' ';
        else if (is_cjk(x)) {
            t->cl[m++] = ' ';
            t->cl[m++] = x;
            t->cl[m++] = ' ';
        } else
            t->cl[m++] = x;
    }
    long i = 0;
    while (i < m) {
        while (i < m && t->cl[i] == ' ')
            i++;
        long s = i;
        while (i < m && t->cl[i] != ' ')
            i++;
        if (i > s)
            do_word(t, t->cl + s, i - s, out);
    }
}

int wp_tokenize(wp_tokenizer *t, const char *text, size_t len, wp_ids *out)
{
    GROW(t->cp, t->cp_cap, (long)len + 1);
    long n = 0;
    for (size_t i = 0; i < len;) {
        unsigned char b = (unsigned char)text[i];
        if (b < 0x80) {
            t->cp[n++] = b;
            i++;
            continue;
        }
        utf8proc_int32_t c;
        utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &c);
        if (r < 0)
            return WP_EUTF8;
        t->cp[n++] = c;
        i += (size_t)r;
    }
    /* split out literal special tokens (HF added-token trie) */
    long s = 0;
    for (long i = 0; i < n;) {
        long sl;
        int k = t->cp[i] == '[' ? match_special(t->cp + i, n - i, 1, &sl) : -1;
        if (k < 0) {
            i++;
            continue;
        }
        do_segment(t, t->cp + s, i - s, out);
        ids_push(out, special_id(t->vocab, k));
        i += sl;
        s = i;
    }
    do_segment(t, t->cp + s, n - s, out);
    return WP_OK;
}

int wp_encode(wp_tokenizer *t, const char *a, size_t alen, const char *b, size_t blen,
              int max_len, int32_t *ids, int32_t *type_ids, int *len)
{
    if (max_len < 3)
        return WP_EMAXLEN;
    const wp_vocab *v = t->vocab;
    t->a.n = t->b.n = 0;
    if (wp_tokenize(t, a, alen, &t->a))
        return WP_EUTF8;
    if (b && wp_tokenize(t, b, blen, &t->b))
        return WP_EUTF8_B;
    long na = t->a.n, nb = t->b.n;
    long special = b ? 3 : 2;
    long excess = na + nb + special - max_len;
    if (excess > 0) {
        if (!b)
            na -= excess; /* max_len >= 3 keeps na >= 1 whenever excess > 0 */
        else {
            /* HF longest_first: equalise, then split the rest, B taking the
             * larger half (B loses on ties). */
            long first = labs(na - nb) < excess ? labs(na - nb) : excess;
            long second = excess - first;
            long ra, rb;
            if (na > nb) {
                ra = first + second / 2;
                rb = second - second / 2;
            } else {
                ra = second / 2;
                rb = first + second - second / 2;
            }
            na = na - ra > 0 ? na - ra : 0;
            nb = nb - rb > 0 ? nb - rb : 0;
        }
    }
    long o = 0;
    ids[o++] = v->cls_id;
    if (na)
        memcpy(ids + o, t->a.v, (size_t)na * sizeof *ids);
    o += na;
    ids[o++] = v->sep_id;
    long a_end = o;
    if (b) {
        if (nb)
            memcpy(ids + o, t->b.v, (size_t)nb * sizeof *ids);
        o += nb;
        ids[o++] = v->sep_id;
    }
    int32_t pad = v->pad_id >= 0 ? v->pad_id : 0;
    for (long i = o; i < max_len; i++)
        ids[i] = pad;
    if (type_ids)
        for (long i = 0; i < max_len; i++)
            type_ids[i] = i >= a_end && i < o;
    *len = (int)o;
    return WP_OK;
}

size_t wp_join_tokens(const wp_vocab *v, const int32_t *ids, long n, char **buf, size_t *cap)
{
    size_t need = 1;
    for (long i = 0; i < n; i++) {
        const char *s = wp_vocab_token(v, ids[i]);
        need += (s ? strlen(s) : 0) + 1;
    }
    if (!*buf || *cap < need) {
        *cap = need > 2 * *cap ? need : 2 * *cap;
        *buf = xrealloc(*buf, *cap);
    }
    size_t o = 0;
    for (long i = 0; i < n; i++) {
        const char *s = wp_vocab_token(v, ids[i]);
        size_t l = s ? strlen(s) : 0;
        if (i)
            (*buf)[o++] = ' ';
        memcpy(*buf + o, s ? s : "", l);
        o += l;
    }
    (*buf)[o] = 0;
    return o;
}
