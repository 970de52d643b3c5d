/* wordpiece.h -- BERT WordPiece tokenizer, equal to Hugging Face's (slow)
 * BertTokenizer: BasicTokenizer (clean text, space CJK ideographs, NFC,
 * whitespace split, lower-case + NFD accent stripping, punctuation split)
 * followed by greedy longest-match WordPiece with "##" continuations.
 * Unicode properties and normalisation come from utf8proc.
 *
 * Usage (train-eval encodes whole datasets through one tokenizer):
 *
 *   wp_vocab v; char err[512];
 *   if (wp_vocab_load(&v, "vocab.txt", err, sizeof err)) die(1, "%s", err);
 *   wp_tokenizer t; wp_init(&t, &v, 1);            // 1 = do_lower_case
 *   int32_t ids[128], type_ids[128]; int len;
 *   int rc = wp_encode(&t, a, strlen(a), b, strlen(b), 128, ids, type_ids, &len);
 *   ...
 *   wp_free(&t); wp_vocab_free(&v);
 *
 * The tokenizer owns growable scratch buffers that are reused across calls,
 * so encoding a dataset does no per-token allocation. A wp_tokenizer is not
 * thread-safe; use one per thread (they can share one wp_vocab). */
#ifndef AUTOPEFT_WORDPIECE_H
#define AUTOPEFT_WORDPIECE_H

#include <stddef.h>
#include <stdint.h>

#define WP_MAX_CHARS_PER_WORD 100 /* HF max_input_chars_per_word */

/* Error codes (negative). */
enum {
    WP_OK = 0,
    WP_EUTF8 = -1,   /* text A (or the only text) is not valid UTF-8 */
    WP_EUTF8_B = -2, /* text B of a pair is not valid UTF-8 */
    WP_EMAXLEN = -3, /* max_len < 3 */
};

/* Vocabulary: vocab.txt, one token per line, id = line index (0-based).
 * Lines end in "\n", "\r\n" or "\r" (Python universal newlines, as HF reads
 * it); a duplicated token maps to its last line, as in HF's dict. */
typedef struct {
    int n;            /* number of tokens */
    char *blob;       /* token bytes, each NUL-terminated */
    uint32_t *off;    /* (n) offset of token i in blob */
    uint32_t *len;    /* (n) byte length of token i */
    int32_t *slot;    /* (mask+1) open-addressing table of ids, -1 = empty */
    uint64_t mask;
    int max_len;      /* longest token in bytes */
    int unk_id, cls_id, sep_id; /* always present after a successful load */
    int pad_id, mask_id;        /* -1 when the vocabulary lacks them */
} wp_vocab;

/* Load PATH. Returns 0, or -1 with a message in err ("PATH: ..." or
 * "PATH:LINE: ..."): unreadable file, invalid UTF-8, more than 2^31 tokens,
 * or no [UNK] / [CLS] / [SEP] token. */
int wp_vocab_load(wp_vocab *v, const char *path, char *err, size_t errlen);
/* Same from memory; NAME is used in messages. */
int wp_vocab_load_mem(wp_vocab *v, const char *name, const char *data, size_t n,
                      char *err, size_t errlen);
void wp_vocab_free(wp_vocab *v);
/* Id of the token S (len bytes), or -1. */
int wp_vocab_id(const wp_vocab *v, const char *s, size_t len);
/* Token string of ID (NUL-terminated), or NULL when out of range. */
const char *wp_vocab_token(const wp_vocab *v, int id);

/* Growable id list. */
typedef struct { int32_t *v; long n, cap; } wp_ids;

typedef struct {
    const wp_vocab *vocab;
    int lower;            /* do_lower_case: lower-case and strip accents */
    int max_chars;        /* max_input_chars_per_word (100) */
    wp_ids a, b;          /* tokens of the texts being encoded */
    /* scratch, grown as needed */
    int32_t *cp;  long cp_cap;   /* decoded text */
    int32_t *cl;  long cl_cap;   /* cleaned text */
    int32_t *w1;  long w1_cap;   /* word under normalisation */
    int32_t *w2;  long w2_cap;
    char *u8;     long u8_cap;   /* UTF-8 of a word */
    long *boff;   long boff_cap; /* byte offset of each char in u8 */
} wp_tokenizer;

void wp_init(wp_tokenizer *t, const wp_vocab *v, int lower);
void wp_free(wp_tokenizer *t);

/* Tokenize TEXT (len bytes of UTF-8) and APPEND its wordpiece ids to OUT.
 * No [CLS]/[SEP] are added. Special tokens written literally in the text
 * ([UNK] [SEP] [PAD] [CLS] [MASK], case-sensitive) are kept whole, like
 * HF's added-token split. Returns 0 or WP_EUTF8 (OUT unchanged). */
int wp_tokenize(wp_tokenizer *t, const char *text, size_t len, wp_ids *out);

/* Encode "[CLS] A [SEP]" (b == NULL) or "[CLS] A [SEP] B [SEP]", truncated to
 * max_len tokens like HF truncation=True ('longest_first': while too long,
 * drop the last token of A if A is strictly longer than B, else of B).
 * ids, type_ids: caller buffers of max_len entries; type ids are 0 for
 * [CLS] A [SEP] and 1 for B [SEP]. Positions len..max_len-1 are filled with
 * the [PAD] id (0 when the vocabulary has none) and type 0. *len receives the
 * unpadded length. type_ids may be NULL. Returns 0, WP_EUTF8 (A invalid),
 * WP_EUTF8_B (B invalid) or WP_EMAXLEN (max_len < 3). */
int wp_encode(wp_tokenizer *t, const char *a, size_t alen, const char *b, size_t blen,
              int max_len, int32_t *ids, int32_t *type_ids, int *len);

/* Write the space-separated token strings of ids[0..n) into a growable,
 * NUL-terminated buffer (*buf, *cap; *buf may start NULL, it is reused and
 * grown as needed). Returns the string length. The token strings of ids are
 * the vocabulary entries (vocab.txt lines), as HF's convert_ids_to_tokens.
 * For the `tokens` column of tokenize(1). */
size_t wp_join_tokens(const wp_vocab *v, const int32_t *ids, long n, char **buf, size_t *cap);

#endif
