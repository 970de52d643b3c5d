/* task.h -- GLUE and custom text-classification / regression tasks:
 * what the columns and labels are, loading a labelled TSV into memory, and
 * deterministic train subsets and dev splits (see task-info(1)).
 *
 * Built-in tasks (task_known()):
 *
 *   task     text columns official | HF     labels (index order)            metrics (main first)
 *   cola     4th field (no header) | sentence   unacceptable, acceptable   matthews, accuracy
 *   sst2     sentence                         negative, positive           accuracy
 *   mrpc     #1 String, #2 String | sentence1, sentence2
 *                                             not_equivalent, equivalent   accuracy, f1
 *   qqp      question1, question2             not_duplicate, duplicate     accuracy, f1
 *   stsb     sentence1, sentence2             regression (score | label)   spearman, pearson
 *   mnli     sentence1, sentence2 | premise, hypothesis
 *                                             entailment, neutral, contradiction  accuracy
 *   mnli-mm  as mnli (the mismatched dev set)
 *   qnli     question, sentence               entailment, not_entailment   accuracy
 *   rte      sentence1, sentence2             entailment, not_entailment   accuracy
 *   wnli     sentence1, sentence2             not_entailment, entailment   accuracy
 *   (aliases: sst-2, sts-b, mnli-m, mnli_matched, mnli_mismatched)
 *
 * Class indices are those of the Hugging Face `datasets` glue configs
 * (mnli: 0 entailment, 1 neutral, 2 contradiction), whatever the file format:
 * the official GLUE files write mnli/qnli/rte labels as words (matched by
 * name; the order of GLUE's own processors, contradiction/entailment/
 * neutral, is NOT the index order) and cola/sst2/mrpc/qqp/wnli labels as
 * 0/1 (the same indices as HF).
 *
 * File formats:
 *   TASK_FMT_OFFICIAL  GLUE release TSV: literal fields (REC_TSV, '"' is an
 *                      ordinary character). CoLA has no header (source,
 *                      label, original annotation, sentence). Headers:
 *                      sst2 "sentence label"; mrpc "Quality #1 ID #2 ID
 *                      #1 String #2 String" (also msr_paraphrase_*.txt,
 *                      UTF-8 BOM allowed); qqp "id qid1 qid2 question1
 *                      question2 is_duplicate"; stsb "index genre filename
 *                      year old_index source1 source2 sentence1 sentence2
 *                      score"; mnli "index promptID pairID genre
 *                      sentence1_binary_parse ... sentence1 sentence2 label1
 *                      ... gold_label"; qnli "index question sentence
 *                      label"; rte/wnli "index sentence1 sentence2 label".
 *   TASK_FMT_HF        `datasets` export: a header naming the HF columns
 *                      (any order, extra columns such as idx/index ignored),
 *                      integer labels (a float for stsb), CSV-style ""
 *                      quoting (REC_TSV_Q).
 *   TASK_FMT_AUTO      official if the header is exactly the official one
 *                      (for mnli: starts with it), or for cola if the first
 *                      line is a 4-field record with a 0/1 second field;
 *                      else HF if the HF columns are present; else an error.
 * For a custom task, OFFICIAL (and AUTO) means literal TSV and HF means
 * ""-quoted TSV; a path ending in .csv is read as CSV.
 *
 * Errors are returned as "FILE:LINE: message" in err (no exit).
 *
 * Implementation: task.c (what a task is, scoring), task_load.c (reading
 * a dataset), task_subset.c (subsets and dev splits). */
#ifndef AUTOPEFT_TASK_H
#define AUTOPEFT_TASK_H

#include <stddef.h>
#include <stdint.h>

enum { TASK_FMT_AUTO = -1, TASK_FMT_OFFICIAL = 0, TASK_FMT_HF = 1 };
#define TASK_MAX_METRICS 4

typedef struct {
    char *name;             /* "rte", "mnli-mm", ... or "custom" */
    int regression;         /* 1: one real-valued target */
    int n_labels;           /* classes; 1 for regression (one model output); 0 while
                               a custom task's labels are still to be collected */
    char **label_names;     /* (n_labels) canonical names in index order; NULL for regression */
    /* Per format, indexed by TASK_FMT_OFFICIAL / TASK_FMT_HF: */
    char **file_labels[2];  /* (n_labels) label tokens as written in such files, or
                               NULL: the label is the integer class index */
    char *text_a[2];        /* column holding the first text */
    char *text_b[2];        /* second text, or NULL for single-text tasks */
    char *label_col[2];     /* label column */
    char *official_sig;     /* official header, fields joined by TAB (NULL: none) */
    int official_sig_prefix;/* 1: the header need only start with official_sig */
    int headerless_official;/* 1 (cola): official files have no header; the
                               column "names" above are 1-based field numbers */
    int n_metrics;
    char *metrics[TASK_MAX_METRICS]; /* canonical metric names; [0] is the main one */
    int positive;           /* positive class index for F1 (1, as GLUE) */
    int custom;             /* built by task_custom() */
    int collect_labels;     /* custom classification without a label list: the
                               first task_load() collects the set (sorted) */
} task_spec;

typedef struct {
    char *text_a;   /* owned, valid UTF-8 */
    char *text_b;   /* owned; NULL for single-text tasks */
    int label;      /* class index; -1 for regression */
    double value;   /* regression target; the class index (as double) otherwise */
    long line;      /* physical line in the source file where the record starts */
} task_example;

typedef struct {
    task_example *ex;
    long n, cap;
    int format;     /* TASK_FMT_OFFICIAL or TASK_FMT_HF: how the file was read */
} task_dataset;

/* Comma-separated list of the built-in task names. */
const char *task_known(void);

/* Fill *sp (owned; free with task_spec_free) with the built-in task NAME.
 * Returns 0, or -1 with "unknown task 'NAME' (known: ...)" in err. */
int task_lookup(const char *name, task_spec *sp, char *err, size_t errlen);

/* A custom task. text_a (required), text_b (NULL for one text) and label_col
 * are column names. labels: comma-separated label set in index order, or NULL
 * to collect the distinct values of the first file loaded (sorted: numerically
 * if every label is a number, else bytewise). regression: the label is a
 * real number (labels must be NULL). metrics: comma-separated, main first, or
 * NULL for the default (accuracy; spearman,pearson for regression).
 * Returns 0 or -1 (err set, no FILE:LINE: these are usage errors). */
int task_custom(task_spec *sp, const char *text_a, const char *text_b, const char *label_col,
                const char *labels, int regression, const char *metrics, char *err, size_t errlen);

void task_spec_free(task_spec *sp);

/* "official", "hf" or "auto" -> TASK_FMT_*; -2 if unknown. */
int task_format_parse(const char *s);
const char *task_format_name(int fmt);

/* Load every example of PATH ("-" or NULL: stdin) into *ds (initialised
 * here; free with task_dataset_free). format: TASK_FMT_AUTO/OFFICIAL/HF.
 * For a custom task with collect_labels set, fills sp's label set.
 * Returns 0, or -1 with "FILE:LINE: message" in err: unreadable file, empty
 * file or no rows, undetectable format, missing column, wrong field count,
 * label outside the label set, non-finite or non-numeric regression label,
 * invalid UTF-8. */
int task_load(task_spec *sp, const char *path, int format, task_dataset *ds, char *err, size_t errlen);
void task_dataset_free(task_dataset *ds);

/* Count examples per class into counts[sp->n_labels] (classification). */
void task_label_counts(const task_spec *sp, const task_dataset *ds, long *counts);

/* For training data: 1 when a classification set of 2 or more examples has
 * only one class in it (a classifier trained on it can only learn to predict
 * that class), with "NAME: warning: ..." in msg; else 0. */
int task_one_class(const task_spec *sp, const task_dataset *ds, const char *name, char *msg, size_t n);

/* Keep a deterministic subset of ds, in file order: first the fraction frac
 * (round(frac*n), at least 1; frac >= 1 keeps all), then at most max_n
 * (max_n < 0: no cap). The choice is stratified by class for classification
 * (largest-remainder quotas per class, random members within a class) and
 * uniform for regression; it depends only on (ds, seed). */
void task_subsample(task_dataset *ds, const task_spec *sp, long max_n, double frac, uint64_t seed);

/* Move round(frac*n) examples of *train (clamped to 1..n-1 when n >= 2 and
 * 0 < frac < 1) into *dev (initialised here), stratified by class for
 * classification, deterministic in seed; both keep file order. */
void task_split_dev(task_dataset *train, const task_spec *sp, double frac, uint64_t seed, task_dataset *dev);

/* Evaluate predictions on ds: pred_class[n] (classification) or
 * pred_value[n] (regression); out[k] is sp->metrics[k]. */
void task_score(const task_spec *sp, const task_dataset *ds, const int *pred_class,
                const double *pred_value, double *out);

#endif
