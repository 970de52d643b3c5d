/* test_wordpiece.c -- lib/data/wordpiece.c.
 * 1. A tiny vocabulary written by the test (always runs): vocab loading and
 *    errors, greedy longest match, accents, CJK, emoji, control characters,
 *    whitespace, long words, empty strings, Unicode punctuation, final sigma,
 *    special tokens, invalid UTF-8, pair truncation and padding.
 * 2. The real bert-base-uncased vocabulary from ../shared (skipped when
 *    absent): every line of the golden files tests/golden/tokenizer/ (*.tsv)
 *    (made by tests/ref/make_tokenizer_golden.py from Hugging Face
 *    tokenizers.js, cross-checked with a Python port of BertTokenizer) must
 *    match exactly: tokens, ids and type ids. */
#include "check.h"
#include "data/record.h"
#include "util/util.h"
#include "data/wordpiece.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *TINY =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"       /* 0-4 */
    "un\n##aff\n##able\nunaff\nwant\n##ed\n"      /* 5-10 */
    "a\n##a\nangstrom\ne\ncafe\n"                 /* 11-15 */
    "每\n个\n字\nab\n##cd\ncd\n"                   /* 16-21 */
    "😀\n¿\nhola\n?\n—\n,\n.\n!\n$\n5\n##€\n"       /* 22-32 */
    "σ\nς\nα\n##ς\n##σ\nhello\nHello\nworld\n"     /* 33-40 */
    "x\n##x\nb\n##b\n##α\n";                      /* 41-45 */

static wp_vocab V;
static wp_tokenizer T;

/* Tokenize S with the tiny vocab and return the ids joined by spaces. */
static const char *toks(const char *s, size_t n)
{
    static char out[4096];
    static wp_ids ids;
    ids.n = 0;
    int rc = wp_tokenize(&T, s, n, &ids);
    if (rc)
        return "ERROR";
    char *buf = NULL;
    size_t cap = 0;
    wp_join_tokens(T.vocab, ids.v, ids.n, &buf, &cap);
    snprintf(out, sizeof out, "%s", buf);
    free(buf);
    return out;
}
#define TOK(s) toks((s), strlen(s))
#define CHECK_TOK(s, want)                                                                   \
    do {                                                                                     \
        const char *got_ = TOK(s);                                                           \
        CHECK_MSG(!strcmp(got_, (want)), "tokenize(\"%s\") = \"%s\", want \"%s\"", (s), got_, \
                  (want));                                                                   \
    } while (0)

static void test_vocab(void)
{
    char err[512];
    CHECK(V.n == 46);
    CHECK(V.pad_id == 0 && V.unk_id == 1 && V.cls_id == 2 && V.sep_id == 3 && V.mask_id == 4);
    CHECK(wp_vocab_id(&V, "##aff", 5) == 6);
    CHECK(wp_vocab_id(&V, "每", strlen("每")) == 16);
    CHECK(wp_vocab_id(&V, "nope", 4) == -1);
    CHECK(!strcmp(wp_vocab_token(&V, 39), "Hello"));
    CHECK(wp_vocab_token(&V, 46) == NULL && wp_vocab_token(&V, -1) == NULL);

    /* CRLF and CR line ends, duplicate takes the later line, no final newline */
    wp_vocab v;
    const char *d = "[UNK]\r\n[CLS]\r[SEP]\nx\n\nx\ny";
    CHECK(wp_vocab_load_mem(&v, "mem", d, strlen(d), err, sizeof err) == 0);
    CHECK(v.n == 7);
    CHECK(v.cls_id == 1 && v.sep_id == 2 && v.pad_id == -1 && v.mask_id == -1);
    CHECK(wp_vocab_id(&v, "x", 1) == 5);   /* last of lines 3 and 5 */
    CHECK(wp_vocab_id(&v, "", 0) == 4);    /* the empty line is a token */
    CHECK(wp_vocab_id(&v, "y", 1) == 6);
    wp_vocab_free(&v);

    /* missing special tokens */
    d = "[CLS]\n[SEP]\nx\n";
    CHECK(wp_vocab_load_mem(&v, "v.txt", d, strlen(d), err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "v.txt") && strstr(err, "no [UNK]"), "err: %s", err);
    d = "[UNK]\n[SEP]\n";
    CHECK(wp_vocab_load_mem(&v, "v.txt", d, strlen(d), err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "no [CLS]"), "err: %s", err);
    d = "[UNK]\n[CLS]\n";
    CHECK(wp_vocab_load_mem(&v, "v.txt", d, strlen(d), err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "no [SEP]"), "err: %s", err);
    CHECK(wp_vocab_load_mem(&v, "v.txt", "", 0, err, sizeof err) == -1);
    /* invalid UTF-8 on line 3 */
    d = "[UNK]\n[CLS]\nbad\xff\n[SEP]\n";
    CHECK(wp_vocab_load_mem(&v, "v.txt", d, strlen(d), err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "v.txt:3:") && strstr(err, "invalid UTF-8"), "err: %s", err);
    /* missing file */
    CHECK(wp_vocab_load(&v, "/nonexistent/vocab.txt", err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "/nonexistent/vocab.txt") && strstr(err, "cannot open"), "err: %s", err);
}

static void test_wordpiece(void)
{
    CHECK_TOK("unaffable", "unaff ##able");      /* longest first piece wins over "un" */
    CHECK_TOK("wanted", "want ##ed");
    CHECK_TOK("unwanted", "[UNK]");               /* "un" + no "##want": whole word is [UNK] */
    CHECK_TOK("wanted unwanted wanted", "want ##ed [UNK] want ##ed");
    CHECK_TOK("xyz", "[UNK]");
    CHECK_TOK("abcd", "ab ##cd");
    CHECK_TOK("cd", "cd");
    /* 100 characters are tokenized, 101 become [UNK] */
    char w[256];
    memset(w, 'a', 100);
    w[100] = 0;
    wp_ids ids = {0};
    CHECK(wp_tokenize(&T, w, 100, &ids) == 0);
    CHECK(ids.n == 100 && ids.v[0] == 11 && ids.v[99] == 12);
    ids.n = 0;
    memset(w, 'a', 101);
    w[101] = 0;
    CHECK(wp_tokenize(&T, w, 101, &ids) == 0);
    CHECK(ids.n == 1 && ids.v[0] == V.unk_id);
    /* the limit counts characters, not bytes: 60 two-byte chars are fine */
    ids.n = 0;
    char e[256] = "";
    for (int i = 0; i < 60; i++)
        strcat(e, "\xc3\xa9"); /* é -> e, but "##e" is not in the vocab */
    CHECK(wp_tokenize(&T, e, strlen(e), &ids) == 0);
    CHECK(ids.n == 1 && ids.v[0] == V.unk_id);
    /* long word followed by punctuation: the limit applies per piece */
    char lw[256];
    memset(lw, 'a', 101);
    strcpy(lw + 101, "!x");
    CHECK_TOK(lw, "[UNK] ! x");
    free(ids.v);
}

static void test_basic(void)
{
    /* accents and case */
    CHECK_TOK("Ångström", "angstrom");
    CHECK_TOK("CAFÉ", "cafe");
    CHECK_TOK("cafe\xcc\x81", "cafe");           /* decomposed e + U+0301 */
    CHECK_TOK("é", "e");
    /* CJK ideographs are split even inside words */
    CHECK_TOK("每个字", "每 个 字");
    CHECK_TOK("ab每cd", "ab 每 cd");
    /* emoji are kept as words: known here, [UNK] when absent */
    CHECK_TOK("😀", "😀");
    CHECK_TOK("a😀b", "[UNK]");
    CHECK_TOK("😀😀", "[UNK]");
    /* control characters are dropped, whitespace splits */
    CHECK_TOK("a\x01" "b", "ab");
    CHECK_TOK("ab\x7f" "cd\x1f", "ab ##cd");
    CHECK_TOK("cafe\xe2\x80\x8b", "cafe");        /* U+200B ZERO WIDTH SPACE (Cf) */
    CHECK_TOK("ab\xef\xbf\xbd" "cd", "ab ##cd");  /* U+FFFD */
    CHECK_TOK("hello\tworld\nhello\r\nworld", "hello world hello world");
    CHECK_TOK("hello\xc2\xa0world\xe2\x80\xa8hello", "hello world hello"); /* NBSP, LINE SEPARATOR */
    CHECK_TOK("  hello   ", "hello");
    {   /* NUL inside the text (length-delimited API) */
        const char s[] = "ab\0cd";
        const char *got = toks(s, 5);
        CHECK_MSG(!strcmp(got, "ab ##cd"), "got %s", got);
    }
    /* empty and blank */
    CHECK_TOK("", "");
    CHECK_TOK(" \t\n ", "");
    /* punctuation: ASCII ranges and Unicode P* */
    CHECK_TOK("¿hola?", "¿ hola ?");
    CHECK_TOK("a—b", "a — b");
    CHECK_TOK("hello,world.", "hello , world .");
    CHECK_TOK("$5", "$ 5");
    CHECK_TOK("5€", "5 ##€");                     /* € is Sc, not punctuation */
    /* Python str.lower(): final sigma */
    CHECK_TOK("ΑΣ", "α ##ς");
    CHECK_TOK("Σ", "σ");
    CHECK_TOK("ΣΑ", "σ ##α");
    CHECK_TOK("ΑΣΑ", "α ##σ ##α");
    CHECK_TOK("ΑΣ.", "α ##ς .");                  /* '.' is case-ignorable */
    CHECK_TOK("ΑΣ,Α", "α ##ς , α");               /* ',' is not: final */
    /* special tokens written in the text stay whole */
    CHECK_TOK("[CLS]hello[SEP]", "[CLS] hello [SEP]");
    CHECK_TOK("[MASK]", "[MASK]");
    CHECK_TOK("[mask]", "[UNK] [UNK] [UNK]");     /* case-sensitive: "[", "mask", "]" */
}

static void test_cased(void)
{
    wp_tokenizer c;
    wp_init(&c, &V, 0);
    wp_ids ids = {0};
    const char *s = "Hello hello HELLO";
    CHECK(wp_tokenize(&c, s, strlen(s), &ids) == 0);
    CHECK(ids.n == 3 && ids.v[0] == 39 && ids.v[1] == 38 && ids.v[2] == V.unk_id);
    ids.n = 0;
    s = "caf\xc3\xa9"; /* no accent stripping when cased */
    CHECK(wp_tokenize(&c, s, strlen(s), &ids) == 0);
    CHECK(ids.n == 1 && ids.v[0] == V.unk_id);
    free(ids.v);
    wp_free(&c);
}

static void test_utf8_errors(void)
{
    const char *bad[] = {"\xff", "ab\xc0\xaf", "\xed\xa0\x80", "x\xe2\x82", "\xf4\x90\x80\x80", "\x80"};
    wp_ids ids = {0};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ids.n = 0;
        CHECK_MSG(wp_tokenize(&T, bad[i], strlen(bad[i]), &ids) == WP_EUTF8, "case %zu", i);
        CHECK(ids.n == 0);
    }
    free(ids.v);
    int32_t id[8], ty[8];
    int len;
    CHECK(wp_encode(&T, "\xff", 1, "ok", 2, 8, id, ty, &len) == WP_EUTF8);
    CHECK(wp_encode(&T, "ok", 2, "\xff", 1, 8, id, ty, &len) == WP_EUTF8_B);
    CHECK(wp_encode(&T, "ok", 2, NULL, 0, 2, id, ty, &len) == WP_EMAXLEN);
}

/* Encode with the tiny vocab: words "x" tokenize to one id each (41). */
static void test_truncation(void)
{
    int32_t id[16], ty[16];
    int len;
    /* A=5 B=3, max 8: remove 3 -> equalise (2 from A), then 1 more: A=3 B=3 is a
     * tie, so B loses: A=3, B=2. */
    CHECK(wp_encode(&T, "x x x x x", 9, "b b b", 5, 8, id, ty, &len) == 0);
    int32_t want1[8] = {2, 41, 41, 41, 3, 43, 43, 3};
    int32_t wty1[8] = {0, 0, 0, 0, 0, 1, 1, 1};
    CHECK(len == 8 && !memcmp(id, want1, sizeof want1) && !memcmp(ty, wty1, sizeof wty1));
    /* tie A=3 B=3, max 8 -> remove 1 from B */
    CHECK(wp_encode(&T, "x x x", 5, "b b b", 5, 8, id, ty, &len) == 0);
    int32_t want2[8] = {2, 41, 41, 41, 3, 43, 43, 3};
    CHECK(len == 8 && !memcmp(id, want2, sizeof want2));
    /* remove 2 at a tie: one from each */
    CHECK(wp_encode(&T, "x x x", 5, "b b b", 5, 7, id, ty, &len) == 0);
    int32_t want3[7] = {2, 41, 41, 3, 43, 43, 3};
    CHECK(len == 7 && !memcmp(id, want3, sizeof want3));
    /* B longer: B is cut first */
    CHECK(wp_encode(&T, "x", 1, "b b b b b", 9, 6, id, ty, &len) == 0);
    int32_t want4[6] = {2, 41, 3, 43, 43, 3};
    CHECK(len == 6 && !memcmp(id, want4, sizeof want4));
    /* max_len 3 with a pair: both emptied */
    CHECK(wp_encode(&T, "x x", 3, "b", 1, 3, id, ty, &len) == 0);
    int32_t want5[3] = {2, 3, 3};
    int32_t wty5[3] = {0, 0, 1};
    CHECK(len == 3 && !memcmp(id, want5, sizeof want5) && !memcmp(ty, wty5, sizeof wty5));
    /* single: cut from the end; padding with [PAD] and type 0 */
    CHECK(wp_encode(&T, "hello world hello world", 23, NULL, 0, 4, id, ty, &len) == 0);
    int32_t want6[4] = {2, 38, 40, 3};
    CHECK(len == 4 && !memcmp(id, want6, sizeof want6));
    CHECK(wp_encode(&T, "hello", 5, NULL, 0, 6, id, ty, &len) == 0);
    int32_t want7[6] = {2, 38, 3, 0, 0, 0};
    int32_t wty7[6] = {0, 0, 0, 0, 0, 0};
    CHECK(len == 3 && !memcmp(id, want7, sizeof want7) && !memcmp(ty, wty7, sizeof wty7));
    /* empty texts */
    CHECK(wp_encode(&T, "", 0, "", 0, 5, id, ty, &len) == 0);
    int32_t want8[5] = {2, 3, 3, 0, 0};
    int32_t wty8[5] = {0, 0, 1, 0, 0};
    CHECK(len == 3 && !memcmp(id, want8, sizeof want8) && !memcmp(ty, wty8, sizeof wty8));
    /* type_ids may be NULL */
    CHECK(wp_encode(&T, "hello", 5, "world", 5, 5, id, NULL, &len) == 0 && len == 5);
}

/* ---- golden files with the real vocabulary ---- */

static size_t unescape(const char *s, char *out)
{
    size_t o = 0;
    for (; *s; s++) {
        if (*s != '\\') {
            out[o++] = *s;
            continue;
        }
        s++;
        if (*s == 't') out[o++] = '\t';
        else if (*s == 'n') out[o++] = '\n';
        else if (*s == 'r') out[o++] = '\r';
        else if (*s == 'x') {
            char h[3] = {s[1], s[2], 0};
            out[o++] = (char)strtol(h, NULL, 16);
            s += 2;
        } else out[o++] = *s;
    }
    out[o] = 0;
    return o;
}

static void join_ints(const int32_t *v, int n, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = 0;
    for (int i = 0; i < n && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, i ? " %d" : "%d", (int)v[i]);
}

static void test_golden_file(const wp_vocab *v, const char *path, long *tot, long *ok)
{
    char err[512];
    rec_reader *r = rec_open(path, REC_TSV, 0, err, sizeof err);
    CHECK_MSG(r != NULL, "%s", err);
    if (!r)
        return;
    int c_case = rec_col(r, "case"), c_lower = rec_col(r, "lower"), c_ml = rec_col(r, "max_len");
    int c_pair = rec_col(r, "pair"), c_a = rec_col(r, "text_a"), c_b = rec_col(r, "text_b");
    int c_tok = rec_col(r, "tokens"), c_ids = rec_col(r, "ids"), c_ty = rec_col(r, "type_ids");
    CHECK(c_case >= 0 && c_lower >= 0 && c_ml >= 0 && c_pair >= 0 && c_a >= 0 && c_b >= 0 &&
          c_tok >= 0 && c_ids >= 0 && c_ty >= 0);
    wp_tokenizer tl, tc;
    wp_init(&tl, v, 1);
    wp_init(&tc, v, 0);
    int32_t *ids = xmalloc(512 * sizeof *ids), *ty = xmalloc(512 * sizeof *ty);
    char *a = xmalloc(1 << 16), *b = xmalloc(1 << 16);
    char *sid = xmalloc(1 << 16), *sty = xmalloc(1 << 16);
    char *stok = NULL;
    size_t stokcap = 0;
    long n = 0, good = 0;
    int rc;
    while ((rc = rec_next(r)) == 1) {
        n++;
        long ml = atol(rec_field(r, c_ml));
        int pair = atoi(rec_field(r, c_pair));
        size_t na = unescape(rec_field(r, c_a), a), nb = unescape(rec_field(r, c_b), b);
        int len = 0;
        int e = wp_encode(atoi(rec_field(r, c_lower)) ? &tl : &tc, a, na, pair ? b : NULL, nb,
                          (int)ml, ids, ty, &len);
        join_ints(ids, len, sid, 1 << 16);
        join_ints(ty, len, sty, 1 << 16);
        wp_join_tokens(v, ids, len, &stok, &stokcap);
        int same = e == 0 && !strcmp(sid, rec_field(r, c_ids)) && !strcmp(sty, rec_field(r, c_ty)) &&
                   !strcmp(stok, rec_field(r, c_tok));
        good += same;
        if (!same && n - good <= 5)
            fprintf(stderr, "  %s: %s\n    got  %s\n    want %s\n", path, rec_field(r, c_case), stok,
                    rec_field(r, c_tok));
    }
    CHECK_MSG(rc == 0, "%s", rec_error(r));
    CHECK_MSG(n > 0 && good == n, "%s: %ld of %ld lines match", path, good, n);
    printf("  golden %-40s %4ld lines, %4ld match\n", path, n, good);
    *tot += n;
    *ok += good;
    free(ids); free(ty); free(a); free(b); free(sid); free(sty); free(stok);
    wp_free(&tl);
    wp_free(&tc);
    rec_close(r);
}

static void test_real_vocab(void)
{
    const char *shared = getenv("AUTOPEFT_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/models/bert-base-uncased/vocab.txt", shared ? shared : "../shared");
    if (access(path, R_OK) != 0) {
        printf("  skipped: real-vocabulary tests (%s is absent)\n", path);
        return;
    }
    wp_vocab v;
    char err[512];
    CHECK_MSG(wp_vocab_load(&v, path, err, sizeof err) == 0, "%s", err);
    CHECK(v.n == 30522 && v.pad_id == 0 && v.unk_id == 100 && v.cls_id == 101 && v.sep_id == 102 &&
          v.mask_id == 103);
    const char *dir = getenv("TOKENIZER_GOLDEN");
    if (!dir)
        dir = "tests/golden/tokenizer";
    const char *files[] = {"uncased.tsv", "cased.tsv", "glue.tsv", "port_only.tsv"};
    long tot = 0, ok = 0;
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        test_golden_file(&v, p, &tot, &ok);
    }
    printf("  golden total: %ld lines, %ld match\n", tot, ok);

    /* speed: tokenize the golden texts repeatedly (informational) */
    wp_tokenizer t;
    wp_init(&t, &v, 1);
    const char *s = "The café's crème brûlée costs €5.50 — worth it! Pneumonoultramicroscopic 每个字.";
    wp_ids ids = {0};
    double t0 = now_seconds();
    long nt = 0;
    for (int i = 0; i < 20000; i++) {
        ids.n = 0;
        wp_tokenize(&t, s, strlen(s), &ids);
        nt += ids.n;
    }
    double dt = now_seconds() - t0;
    printf("  speed: %.0f tokens/s (%.2f MB/s of text)\n", nt / dt, 20000.0 * strlen(s) / dt / 1e6);
    free(ids.v);
    wp_free(&t);
    wp_vocab_free(&v);
}

int main(void)
{
    char err[512];
    char path[] = "/tmp/test_wordpiece_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(TINY, f);
    fclose(f);
    int rc = wp_vocab_load(&V, path, err, sizeof err);
    unlink(path);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc)
        return check_status("test_wordpiece");
    wp_init(&T, &V, 1);
    test_vocab();
    test_wordpiece();
    test_basic();
    test_cased();
    test_utf8_errors();
    test_truncation();
    wp_free(&T);
    wp_vocab_free(&V);
    test_real_vocab();
    return check_status("test_wordpiece");
}
