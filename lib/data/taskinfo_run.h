/* taskinfo_run.h -- task-info(1) behind its options: load task files as
 * train-eval does (task.h) and print their row counts and label
 * distribution, or their first examples. */
#ifndef AUTOPEFT_TASKINFO_RUN_H
#define AUTOPEFT_TASKINFO_RUN_H

#include "data/task.h"

typedef struct {
    const char *task;          /* --task NAME (a GLUE task), or NULL for a custom task */
    const char *text_a, *text_b, *label, *labels, *metric; /* custom task */
    int regression;            /* custom task: real-valued label */
    int format;                /* TASK_FMT_* [auto] */
    double dev_frac;           /* --dev-from-train F; 0: none */
    double train_frac;         /* --train-frac [1] */
    long max_train;            /* --max-train; -1: all */
    long show;                 /* --show K; -1: print counts instead */
    long seed;                 /* --seed [42] */
} taskinfo_opts;

void taskinfo_opts_default(taskinfo_opts *o);

/* Check the task options (usage errors exit 2), load every file (standard
 * input when nfiles is 0) and only then print the TSV result to standard
 * output; bad input exits 1. */
void taskinfo_run(const taskinfo_opts *o, char *const *files, int nfiles);

#endif
