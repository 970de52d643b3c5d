/* pretrain_run.h -- pretrain(1) behind its options: read and mask the
 * corpus, build (or load) the encoder, run the pretraining steps of
 * pretrain.h with progress lines, save the checkpoint (every --save-every
 * steps and at the end) and print the summary record. */
#ifndef AUTOPEFT_PRETRAIN_RUN_H
#define AUTOPEFT_PRETRAIN_RUN_H

#include "engine/bert.h"
#include "train/pretrain.h"
#include "engine/safetensors.h"

typedef struct {
    bert_config c;             /* architecture of a new model (--layers, --hidden, ...) */
    pretrain_opts po;          /* --batch, --lr, --warmup, --weight-decay, --clip */
    const char *corpus, *vocab, *out; /* --corpus FILE ("-": stdin), --vocab FILE, --out DIR */
    const char *init;          /* --init DIR: continue from a checkpoint, or NULL */
    const char *arch_flag;     /* the last architecture option given (excludes --init), or NULL */
    long steps;                /* --steps; 0: from --epochs */
    long threads;              /* OpenBLAS threads; 0: OpenBLAS's own */
    long max_lines;            /* --max-lines; 0: all */
    long save_every, log_every;
    long seed;
    int max_len;               /* tokens per sequence */
    int quiet, verbose;
    int lower;                 /* lower-case and strip accents (not --cased) */
    double epochs;             /* --epochs; 0: one epoch unless --steps */
    double mask_prob;          /* --mask-prob */
    double dropout;            /* --dropout; < 0: the checkpoint's (or the default) */
    st_dtype dtype;            /* --dtype of the saved weights */
} pretrain_cli_opts;

void pretrain_cli_opts_default(pretrain_cli_opts *a);

/* Check the options (usage errors exit 2) and pretrain; bad input exits 1. */
void pretrain_cli_run(const pretrain_cli_opts *a);

#endif
