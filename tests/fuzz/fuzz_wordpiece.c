/* fuzz_wordpiece.c -- libFuzzer harness: the WordPiece vocabulary loader
 * (wp_vocab_load_mem) and tokenizer (wp_encode, wp_join_tokens).
 *
 * Input: one byte of options (bit 0: do_lower_case; bits 1-6: max_len - 3),
 * then the vocabulary (vocab.txt lines) up to the first NUL byte, then
 * text A up to the next NUL, then, if there is one, text B. Oracles for a
 * vocabulary that loads: [UNK] [CLS] [SEP] are found, every token maps back
 * to an id with the same text; for texts that encode: the length is in
 * [2, max_len], the sequence is [CLS] ... [SEP] with valid ids and pads,
 * type ids are 0 or 1, and the same text encodes the same way twice (the
 * tokenizer's reused scratch buffers do not leak state between calls). */
#include "fuzz.h"
#include "data/wordpiece.h"

#define MAXLEN_MAX 66

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int lower = data[0] & 1, max_len = 3 + ((data[0] >> 1) & 63);
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    const char *z = memchr(p, 0, (size_t)(end - p));
    size_t vlen = z ? (size_t)(z - p) : (size_t)(end - p);
    const char *a = z ? z + 1 : end, *b = NULL;
    const char *za = memchr(a, 0, (size_t)(end - a));
    size_t alen = za ? (size_t)(za - a) : (size_t)(end - a), blen = 0;
    if (za) {
        b = za + 1;
        blen = (size_t)(end - b);
    }

    /* copies of exactly the right size, so ASan sees any over-read */
    char *vb = malloc(vlen + 1), *ab = malloc(alen + 1), *bb = malloc(blen + 1);
    FUZZ_CHECK(vb && ab && bb);
    memcpy(vb, p, vlen);
    memcpy(ab, a, alen);
    if (b)
        memcpy(bb, b, blen);

    wp_vocab v;
    char err[512] = "";
    if (wp_vocab_load_mem(&v, "vocab.txt", vb, vlen, err, sizeof err)) {
        FUZZ_CHECK(err[0] != 0);
        goto out;
    }
    FUZZ_CHECK(v.n > 0 && v.unk_id >= 0 && v.cls_id >= 0 && v.sep_id >= 0);
    FUZZ_CHECK(v.unk_id < v.n && v.cls_id < v.n && v.sep_id < v.n && v.pad_id < v.n && v.mask_id < v.n);
    for (int i = 0; i < v.n; i++) {
        const char *t = wp_vocab_token(&v, i);
        FUZZ_CHECK(t != NULL);
        int id = wp_vocab_id(&v, t, v.len[i]);
        FUZZ_CHECK(id >= i && id < v.n && v.len[id] == v.len[i]); /* a duplicate maps to its last line */
    }
    FUZZ_CHECK(wp_vocab_token(&v, -1) == NULL && wp_vocab_token(&v, v.n) == NULL);

    wp_tokenizer t;
    wp_init(&t, &v, lower);
    int32_t ids[MAXLEN_MAX], types[MAXLEN_MAX], ids2[MAXLEN_MAX], types2[MAXLEN_MAX];
    int len = -1, len2 = -1;
    int rc = wp_encode(&t, ab, alen, b ? bb : NULL, blen, max_len, ids, types, &len);
    int rc2 = wp_encode(&t, ab, alen, b ? bb : NULL, blen, max_len, ids2, types2, &len2);
    FUZZ_CHECK(rc == rc2);
    if (rc == 0) {
        FUZZ_CHECK(len >= 2 && len <= max_len && len == len2);
        FUZZ_CHECK(!memcmp(ids, ids2, sizeof(int32_t) * (size_t)max_len));
        FUZZ_CHECK(!memcmp(types, types2, sizeof(int32_t) * (size_t)max_len));
        FUZZ_CHECK(ids[0] == v.cls_id && ids[len - 1] == v.sep_id);
        int32_t pad = v.pad_id >= 0 ? v.pad_id : 0;
        for (int i = 0; i < max_len; i++) {
            FUZZ_CHECK(ids[i] >= 0 && ids[i] < v.n);
            FUZZ_CHECK(types[i] == 0 || types[i] == 1);
            if (i >= len)
                FUZZ_CHECK(ids[i] == pad && types[i] == 0);
        }
        char *s = NULL;
        size_t cap = 0;
        size_t n = wp_join_tokens(&v, ids, len, &s, &cap);
        FUZZ_CHECK(s && n == strlen(s) && n < cap);
        free(s);
    } else {
        FUZZ_CHECK(rc == WP_EUTF8 || (b && rc == WP_EUTF8_B));
    }
    wp_free(&t);
    wp_vocab_free(&v);
out:
    free(vb);
    free(ab);
    free(bb);
    return 0;
}
