/* pretrain.h -- masked-language-model pretraining of a small BERT encoder
 * (the library behind pretrain(1)).
 *
 * Three pieces, each unit-tested (tests/unit/test_pretrain.c):
 *
 *  mlm_corpus   a text corpus (one text per line, blank lines skipped)
 *               tokenised once into "[CLS] text [SEP]" sequences of at most
 *               max_len ids, stored back to back in one flat buffer;
 *  mlm_masker   BERT-style dynamic masking of one sequence: choose
 *               mask_prob of its maskable positions (stochastic rounding of
 *               mask_prob * n, at least one), replace 80% of the chosen by
 *               [MASK], 10% by a random maskable-vocabulary token, keep 10%;
 *               labels = original id at chosen positions, -100 elsewhere;
 *  pretrainer   the training loop state: a seeded shuffled order per epoch
 *               (batches run on across epoch boundaries), dynamic padding
 *               to the longest sequence of the batch, AdamW with linear
 *               warm-up/decay and gradient clipping, masked-token accuracy.
 *
 * Special tokens (never chosen for masking, never drawn as a random
 * replacement): [PAD] [UNK] [CLS] [SEP] [MASK] and every other vocabulary
 * entry written as "[...]" (e.g. [unused0]). A text whose tokens are all
 * special (e.g. only [UNK]) has nothing to predict and is skipped.
 *
 * Typical use (bin/pretrain.c):
 *
 *   mlm_corpus c; mlm_corpus_read(&c, f, "corpus.txt", &tok, &mk, 64, 0, err, n);
 *   pretrain_opts po; pretrain_opts_default(&po); po.steps = 1000;
 *   pretrainer p; pretrainer_init(&p, model, &c, &mk, &po, err, n);
 *   while (p.step < po.steps) pretrain_step(&p, &stats, err, n);
 *   pretrainer_free(&p);
 *
 * Everything is deterministic for a seed (OpenBLAS summation order aside). */
#ifndef AUTOPEFT_PRETRAIN_H
#define AUTOPEFT_PRETRAIN_H

#include <stdint.h>
#include <stdio.h>

#include "engine/bert.h"
#include "data/wordpiece.h"

/* ------------------------------------------------------------------ masking */

typedef struct {
    int V;                   /* vocabulary size */
    unsigned char *special;  /* (V) 1: never masked, never a random replacement */
    int32_t *normal;         /* ids with special == 0 */
    int n_normal;
    int mask_id;             /* [MASK] */
    int pad_id;              /* [PAD], 0 when the vocabulary has none */
    double mask_prob;        /* fraction of maskable positions chosen */
    double p_mask, p_random; /* of the chosen: 0.8 -> [MASK], 0.1 -> random, rest kept */
    int *cand;               /* scratch: candidate positions */
    int cand_cap;
} mlm_masker;

/* Set up masking for vocabulary v. Fails (err: "PATH: ...") when v has no
 * [MASK] token or no non-special token, or mask_prob is not in (0, 1]. */
int mlm_masker_init(mlm_masker *mk, const wp_vocab *v, const char *vocab_path, double mask_prob,
                    char *err, size_t errlen);
void mlm_masker_free(mlm_masker *mk);
/* Number of maskable (non-special) ids in ids[0..n). */
int mlm_maskable(const mlm_masker *mk, const int32_t *ids, int n);
/* Mask ids[0..n) in place and write labels[0..n) (original id at chosen
 * positions, -100 elsewhere), drawing from r. Returns the number of chosen
 * positions (0 when nothing is maskable). */
int mlm_mask(mlm_masker *mk, rng_t *r, int *ids, int *labels, int n);

/* ------------------------------------------------------------------- corpus */

typedef struct {
    int32_t *ids;   /* every sequence, [CLS] ... [SEP], back to back */
    long *off;      /* (n + 1): sequence i is ids[off[i] .. off[i+1]) */
    long n;         /* sequences */
    long n_ids;     /* total ids */
    long lines;     /* lines read */
    long blank;     /* blank lines skipped */
    long nothing;   /* texts skipped because no token is maskable */
    long truncated; /* texts cut at max_len */
    int max_len;
} mlm_corpus;

/* Read one text per line from f (named name in messages) until EOF or
 * max_lines non-blank lines (max_lines <= 0: no limit); strip the line
 * ending ("\n" or "\r\n"), skip lines of only spaces/tabs, encode the rest
 * as "[CLS] text [SEP]" truncated to max_len (>= 3). Errors (-1, err
 * "NAME:LINE: ..."): invalid UTF-8, read error; "NAME: ..." for a corpus
 * without any usable text. */
int mlm_corpus_read(mlm_corpus *c, FILE *f, const char *name, wp_tokenizer *t,
                    const mlm_masker *mk, int max_len, long max_lines, char *err, size_t errlen);
void mlm_corpus_free(mlm_corpus *c);

/* ----------------------------------------------------------------- training */

typedef struct {
    int batch;            /* sequences per step [32] */
    long steps;           /* total optimiser steps (schedule length) [required > 0] */
    double lr;            /* peak learning rate [5e-4] */
    double warmup;        /* warm-up fraction of steps [0.06]; HF: ceil(steps * warmup) */
    double weight_decay;  /* AdamW decoupled weight decay [0.01] */
    double clip;          /* global gradient-norm clip, <= 0 none [1.0] */
    uint64_t seed;        /* order, masks and dropout [42] */
} pretrain_opts;

void pretrain_opts_default(pretrain_opts *o);

/* What one step saw. */
typedef struct {
    float loss;       /* mean cross-entropy over the masked positions */
    long masked;      /* masked positions */
    long correct;     /* of which the argmax prediction was the original id */
    long tokens;      /* non-padding tokens in the batch */
    int B, T;         /* batch shape after dynamic padding */
    double lr;        /* learning rate used */
} pretrain_stats;

typedef struct {
    bert_model *m;          /* not owned */
    const mlm_corpus *c;    /* not owned */
    mlm_masker *mk;         /* not owned */
    pretrain_opts o;
    adamw opt;
    long warm;              /* warm-up steps */
    long step;              /* steps taken */
    long epoch;             /* completed passes over the corpus */
    rng_t order_rng, mask_rng;
    long *perm;             /* (n) current epoch order */
    long pos;               /* next index into perm */
    int *ids, *labels, *amask; /* (batch, max_len) */
    long *pick;             /* (batch) sequences of the batch */
} pretrainer;

/* Check the model against the corpus and options (MLM task, vocabulary
 * size, batch and sequence buffers), set up AdamW over m's trainable
 * tensors and shuffle the first epoch. */
int pretrainer_init(pretrainer *p, bert_model *m, const mlm_corpus *c, mlm_masker *mk,
                    const pretrain_opts *o, char *err, size_t errlen);
/* Fill p's buffers with the next batch (order, masking, dynamic padding)
 * and describe it in *b. Advances the order. */
void pretrain_next_batch(pretrainer *p, bert_batch *b);
/* Next batch + one optimiser step at lr * lr_linear_warmup(step, warm,
 * steps). Returns 0, or -1 with err set. */
int pretrain_step(pretrainer *p, pretrain_stats *s, char *err, size_t errlen);
/* Masked-token predictions of the last forward that equal the labels
 * (argmax over the vocabulary); *masked receives the masked count. */
long pretrain_count_correct(const bert_model *m, const int *labels, int B, int T, long *masked);
void pretrainer_free(pretrainer *p);

#endif
