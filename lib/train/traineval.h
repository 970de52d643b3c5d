/* traineval.h -- train one PEFT configuration on a task and score it: the
 * logic behind train-eval(1), kept out of main() so it can be tested.
 *
 *   te_data     a task's train and dev sets, tokenised once (WordPiece)
 *   te_run()    build the model for one peft_config from the checkpoint,
 *               train with AdamW + linear schedule + clipping, evaluate on
 *               dev every --eval-every steps (or each epoch), and report the
 *               best and the final dev scores
 *
 * Batches are padded to their longest sequence (dynamic padding). Results are
 * deterministic for a given seed and OpenBLAS thread count. */
#ifndef AUTOPEFT_TRAINEVAL_H
#define AUTOPEFT_TRAINEVAL_H

#include <stdint.h>
#include <stdio.h>

#include "engine/bert.h"
#include "data/task.h"
#include "data/wordpiece.h"

typedef struct {
    const char *model_dir;    /* checkpoint directory (config.json, model.safetensors) */
    int epochs;               /* 0: evaluate the model as loaded */
    double lr;                /* peak learning rate */
    double prefix_lr;         /* peak learning rate of the prefix tensors; 0: lr */
    double full_lr;           /* peak learning rate of a full fine-tuning record; 0: lr */
    int batch;                /* examples per step */
    int max_len;              /* tokens per example after truncation */
    uint64_t seed;            /* init of new tensors, data order, dropout */
    long eval_every;          /* evaluate every N steps; 0: at the end of each epoch */
    int patience;             /* stop after N evaluations without improvement; 0: never */
    double warmup;            /* fraction of the steps with linear warm-up */
    double weight_decay;      /* AdamW decoupled weight decay */
    double clip;              /* global gradient-norm clip; <= 0: none */
    double dropout;           /* hidden and attention dropout; < 0: the checkpoint's config */
    int full;                 /* full fine-tuning */
    int quiet;                /* no progress lines */
    int verbose;              /* also log the model built for each record */
    FILE *log;                /* progress stream (stderr) */
    const char *load;         /* NULL, or a directory written by save: start from its modules */
    const char *save;         /* NULL, or a directory to write the trained modules to (the
                                 weights of the best evaluation): config.json, modules.safetensors */
    const char *const *save_meta; /* extra metadata pairs for modules.safetensors (NULL-terminated) */
    int keep_logits;          /* fill te_result.pred_logits */
    const char *labels;       /* the task's labels as a JSON array: saved, and checked on load */
} te_options;

void te_options_default(te_options *o);

/* A tokenised dataset: example i has len[i] tokens at ids + off[i]. */
typedef struct {
    long n;
    long *off;
    int *len;
    int32_t *ids, *tt;
    int *label;               /* class index (classification) */
    float *target;            /* value (regression) */
    long tokens;              /* sum of len */
} te_set;

/* Tokenise ds with t into s (max_len tokens per example, [CLS] A [SEP] B
 * [SEP], longest-first truncation). Returns 0, or -1 with "FILE:LINE:
 * message" in err (invalid UTF-8). name is the file name for messages. */
int te_encode(te_set *s, const task_dataset *ds, wp_tokenizer *t, int max_len, const char *name,
              char *err, size_t errlen);
void te_set_free(te_set *s);

/* The outcome of one configuration. */
#define TE_MAX_METRICS TASK_MAX_METRICS
typedef struct {
    int ok;                       /* 0: failed, message says why */
    char message[512];
    double best[TE_MAX_METRICS];  /* metrics at the evaluation with the best main metric */
    double final[TE_MAX_METRICS]; /* metrics at the last evaluation */
    double epochs;                /* epochs actually trained (early stopping may cut) */
    long steps;
    double seconds;
    long long params, trainable, base;
    double params_pct;
    double final_loss;
    int *pred_class;              /* dev predictions at the best evaluation (owned) */
    double *pred_value;
    float *pred_logits;           /* (dev n, outputs) at the best evaluation, if keep_logits */
    int n_out;                    /* outputs per example */
    int save_failed;              /* ok, but writing o->save failed (message says why) */
} te_result;

void te_result_free(te_result *r);

/* Train and evaluate one configuration. Never exits: failures (a model that
 * cannot be built, NaN loss, ...) come back as r->ok == 0 with a message.
 * id names the configuration in progress lines. */
void te_run(const te_options *o, const peft_config *pc, const task_spec *sp, const te_set *train,
            const te_set *dev, const task_dataset *dev_ds, const char *id, te_result *r);


#endif
