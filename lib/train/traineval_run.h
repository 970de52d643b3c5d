/* traineval_run.h -- train-eval(1) behind its options: the command-line
 * inputs as given (paths, names, limits), checked and run by traineval_run.
 * The per-configuration training itself is te_run (traineval.h). */
#ifndef AUTOPEFT_TRAINEVAL_RUN_H
#define AUTOPEFT_TRAINEVAL_RUN_H

#include "train/traineval.h"

typedef struct {
    te_options te;             /* training options; te.model_dir is --model */
    const char *task;          /* --task: a GLUE task or "custom" */
    const char *vocab;         /* --vocab; NULL: MODEL/vocab.txt */
    const char *train, *dev;   /* --train, --dev */
    const char *data;          /* --data DIR: DIR/train.tsv and DIR/dev.tsv (or validation.tsv) */
    const char *text_a, *text_b, *label, *labels, *metric; /* custom task columns and labels */
    int regression;            /* custom task: real-valued label */
    const char *task_name;     /* --task-name: the name written in the task column */
    const char *predictions;   /* --predictions template ({id}) */
    const char *save, *load;   /* --save, --load templates ({id}) */
    int format;                /* TASK_FMT_* */
    int max_len_set;           /* --max-len given (else capped at the model's positions) */
    int cased;                 /* no lower-casing or accent stripping */
    int threads;               /* OpenBLAS threads; 0: OpenBLAS's own */
    int csv;                   /* read and write CSV */
    int verbose;               /* log the OpenBLAS kernel and the data sizes */
    long max_train, max_dev;   /* -1: all */
    double train_frac;         /* 1: all */
    double dev_from_train;     /* 0: a dev file */
} traineval_opts;

void traineval_opts_default(traineval_opts *a);

/* Check the options (usage errors exit 2), load the model's config, the task
 * and the vocabulary, then train and evaluate every configuration record of
 * files (standard input when nfiles is 0), writing each evaluated record to
 * standard output as soon as it is done. Bad input exits 1; a configuration
 * that fails to train becomes a record with status=error. */
void traineval_run(const traineval_opts *a, char *const *files, int nfiles);

#endif
