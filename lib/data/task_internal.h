/* task_internal.h -- helpers shared by the files that implement task.h
 * and by nothing else:
 *   task.c         what a task is: built-in GLUE tasks, custom tasks,
 *                  format names, scoring
 *   task_load.c    reading a labelled TSV into a dataset
 *   task_subset.c  deterministic subsets and dev splits */
#ifndef AUTOPEFT_TASK_INTERNAL_H
#define AUTOPEFT_TASK_INTERNAL_H

#include <stddef.h>

#include "data/task.h"

/* Owned copies of n strings (NULL if a is NULL or a[0] is NULL); free. */
char **task_strv_dup(const char *const *a, int n);
void task_strv_free(char **a, int n);
/* The task's metrics suit it (regression or class metrics, f1 only with 2
 * classes; n_labels 0: unknown yet). 0, or -1 with err. */
int task_check_metrics(const task_spec *sp, char *err, size_t errlen);
/* Append a copy of *e (its strings now belong to ds). */
void task_ds_push(task_dataset *ds, const task_example *e);

#endif
