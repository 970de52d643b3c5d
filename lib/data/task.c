/* task.c -- what a task is (see task.h): the built-in GLUE tasks, custom
 * tasks, file format names, and scoring predictions with the task's
 * metrics. Loading a dataset: task_load.c; subsets: task_subset.c. */
#include "data/task.h"
#include "data/task_internal.h"
#include "data/metrics.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- built-in GLUE tasks ---- */

typedef struct {
    const char *name, *alias1, *alias2;
    int n_labels, regression;
    const char *names[3];
    const char *off_labels[3];          /* official label tokens in index order */
    const char *off_a, *off_b, *off_label;
    const char *hf_a, *hf_b;            /* HF label column is always "label" */
    const char *sig;                    /* official header, TAB-joined */
    int sig_prefix, headerless;         /* headerless: field count of the official file */
    const char *metrics[3];
} builtin;

#define MNLI_SIG "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\t" \
                 "sentence1_parse\tsentence2_parse\tsentence1\tsentence2"

static const builtin builtins[] = {
    {"cola", NULL, NULL, 2, 0, {"unacceptable", "acceptable"}, {"0", "1"},
     "4", NULL, "2", "sentence", NULL, NULL, 0, 4, {"matthews", "accuracy"}},
    {"sst2", "sst-2", NULL, 2, 0, {"negative", "positive"}, {"0", "1"},
     "sentence", NULL, "label", "sentence", NULL, "sentence\tlabel", 0, 0, {"accuracy"}},
    {"mrpc", NULL, NULL, 2, 0, {"not_equivalent", "equivalent"}, {"0", "1"},
     "#1 String", "#2 String", "Quality", "sentence1", "sentence2",
     "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String", 0, 0, {"accuracy", "f1"}},
    {"qqp", NULL, NULL, 2, 0, {"not_duplicate", "duplicate"}, {"0", "1"},
     "question1", "question2", "is_duplicate", "question1", "question2",
     "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate", 0, 0, {"accuracy", "f1"}},
    {"stsb", "sts-b", NULL, 1, 1, {NULL}, {NULL},
     "sentence1", "sentence2", "score", "sentence1", "sentence2",
     "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore", 0, 0,
     {"spearman", "pearson"}},
    {"mnli", "mnli-m", "mnli_matched", 3, 0, {"entailment", "neutral", "contradiction"},
     {"entailment", "neutral", "contradiction"},
     "sentence1", "sentence2", "gold_label", "premise", "hypothesis", MNLI_SIG, 1, 0, {"accuracy"}},
    {"mnli-mm", "mnli_mismatched", NULL, 3, 0, {"entailment", "neutral", "contradiction"},
     {"entailment", "neutral", "contradiction"},
     "sentence1", "sentence2", "gold_label", "premise", "hypothesis", MNLI_SIG, 1, 0, {"accuracy"}},
    {"qnli", NULL, NULL, 2, 0, {"entailment", "not_entailment"}, {"entailment", "not_entailment"},
     "question", "sentence", "label", "question", "sentence", "index\tquestion\tsentence\tlabel", 0, 0,
     {"accuracy"}},
    {"rte", NULL, NULL, 2, 0, {"entailment", "not_entailment"}, {"entailment", "not_entailment"},
     "sentence1", "sentence2", "label", "sentence1", "sentence2", "index\tsentence1\tsentence2\tlabel", 0, 0,
     {"accuracy"}},
    {"wnli", NULL, NULL, 2, 0, {"not_entailment", "entailment"}, {"0", "1"},
     "sentence1", "sentence2", "label", "sentence1", "sentence2", "index\tsentence1\tsentence2\tlabel", 0, 0,
     {"accuracy"}},
};
#define N_BUILTINS ((int)(sizeof builtins / sizeof builtins[0]))

const char *task_known(void) { return "cola, sst2, mrpc, qqp, stsb, mnli, mnli-mm, qnli, rte, wnli"; }

static char *sdup(const char *s) { return s ? xstrdup(s) : NULL; }

char **task_strv_dup(const char *const *a, int n)
{
    if (!a || !a[0])
        return NULL;
    char **v = xmalloc((size_t)n * sizeof *v);
    for (int i = 0; i < n; i++)
        v[i] = xstrdup(a[i]);
    return v;
}

void task_strv_free(char **a, int n)
{
    if (!a)
        return;
    for (int i = 0; i < n; i++)
        free(a[i]);
    free(a);
}

int task_lookup(const char *name, task_spec *sp, char *err, size_t errlen)
{
    memset(sp, 0, sizeof *sp);
    const builtin *b = NULL;
    for (int i = 0; name && i < N_BUILTINS && !b; i++)
        if (!strcmp(name, builtins[i].name) || (builtins[i].alias1 && !strcmp(name, builtins[i].alias1)) ||
            (builtins[i].alias2 && !strcmp(name, builtins[i].alias2)))
            b = &builtins[i];
    if (!b) {
        snprintf(err, errlen, "unknown task '%s' (known: %s)", name ? name : "", task_known());
        return -1;
    }
    sp->name = xstrdup(b->name);
    sp->regression = b->regression;
    sp->n_labels = b->n_labels;
    sp->label_names = b->regression ? NULL : task_strv_dup(b->names, b->n_labels);
    sp->file_labels[TASK_FMT_OFFICIAL] = b->regression ? NULL : task_strv_dup(b->off_labels, b->n_labels);
    sp->file_labels[TASK_FMT_HF] = NULL; /* integer class index */
    sp->text_a[0] = sdup(b->off_a);
    sp->text_b[0] = sdup(b->off_b);
    sp->label_col[0] = sdup(b->off_label);
    sp->text_a[1] = sdup(b->hf_a);
    sp->text_b[1] = sdup(b->hf_b);
    sp->label_col[1] = xstrdup("label");
    sp->official_sig = sdup(b->sig);
    sp->official_sig_prefix = b->sig_prefix;
    sp->headerless_official = b->headerless;
    for (int k = 0; k < 3 && b->metrics[k]; k++)
        sp->metrics[sp->n_metrics++] = xstrdup(b->metrics[k]);
    sp->positive = 1;
    return 0;
}

void task_spec_free(task_spec *sp)
{
    if (!sp)
        return;
    free(sp->name);
    task_strv_free(sp->label_names, sp->n_labels);
    for (int f = 0; f < 2; f++) {
        task_strv_free(sp->file_labels[f], sp->n_labels);
        free(sp->text_a[f]);
        free(sp->text_b[f]);
        free(sp->label_col[f]);
    }
    free(sp->official_sig);
    for (int k = 0; k < sp->n_metrics; k++)
        free(sp->metrics[k]);
    memset(sp, 0, sizeof *sp);
}

/* Split a comma-separated list into owned strings; -1 on an empty item. */
static int split_commas(const char *s, char ***out, int *n)
{
    *out = NULL;
    *n = 0;
    int cap = 0;
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0) {
            task_strv_free(*out, *n);
            *out = NULL;
            *n = 0;
            return -1;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            *out = xrealloc(*out, (size_t)cap * sizeof **out);
        }
        char *v = xmalloc(len + 1);
        memcpy(v, p, len);
        v[len] = 0;
        (*out)[(*n)++] = v;
        if (!e)
            return 0;
        p = e + 1;
    }
}

/* Metrics must suit the task: regression metrics for regression, class
 * metrics otherwise, f1 only with exactly two classes (n_labels 0: unknown yet). */
int task_check_metrics(const task_spec *sp, char *err, size_t errlen)
{
    for (int k = 0; k < sp->n_metrics; k++) {
        int id = metric_id(sp->metrics[k]);
        if (id < 0) {
            snprintf(err, errlen, "unknown metric '%s' (known: %s)", sp->metrics[k], metric_known());
            return -1;
        }
        if (metric_regression(id) != sp->regression) {
            snprintf(err, errlen, "metric '%s' is for %s tasks", sp->metrics[k],
                     metric_regression(id) ? "regression" : "classification");
            return -1;
        }
        if (id == MET_F1 && sp->n_labels > 2) {
            snprintf(err, errlen, "metric 'f1' needs exactly 2 classes, the task has %d", sp->n_labels);
            return -1;
        }
    }
    return 0;
}

int task_custom(task_spec *sp, const char *text_a, const char *text_b, const char *label_col,
                const char *labels, int regression, const char *metrics, char *err, size_t errlen)
{
    memset(sp, 0, sizeof *sp);
    if (!text_a || !*text_a || !label_col || !*label_col) {
        snprintf(err, errlen, "a custom task needs a text column and a label column");
        return -1;
    }
    if (text_b && !*text_b)
        text_b = NULL;
    if (regression && labels) {
        snprintf(err, errlen, "a regression task has no label set");
        return -1;
    }
    sp->name = xstrdup("custom");
    sp->custom = 1;
    sp->regression = regression;
    sp->positive = 1;
    for (int f = 0; f < 2; f++) {
        sp->text_a[f] = xstrdup(text_a);
        sp->text_b[f] = sdup(text_b);
        sp->label_col[f] = xstrdup(label_col);
    }
    if (regression) {
        sp->n_labels = 1;
    } else if (labels) {
        char **v;
        int n;
        if (split_commas(labels, &v, &n) < 0) {
            snprintf(err, errlen, "empty label in label list '%s'", labels);
            task_spec_free(sp);
            return -1;
        }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++)
                if (!strcmp(v[i], v[j])) {
                    snprintf(err, errlen, "label '%s' given twice in '%s'", v[i], labels);
                    task_strv_free(v, n);
                    task_spec_free(sp);
                    return -1;
                }
        if (n < 2) {
            snprintf(err, errlen, "a classification task needs at least 2 labels, got '%s'", labels);
            task_strv_free(v, n);
            task_spec_free(sp);
            return -1;
        }
        sp->n_labels = n;
        sp->label_names = v;
        sp->file_labels[0] = task_strv_dup((const char *const *)v, n);
        sp->file_labels[1] = task_strv_dup((const char *const *)v, n);
    } else {
        sp->collect_labels = 1;
    }
    if (metrics) {
        char **v;
        int n;
        if (split_commas(metrics, &v, &n) < 0 || n > TASK_MAX_METRICS) {
            snprintf(err, errlen, "bad metric list '%s' (1 to %d comma-separated names)", metrics,
                     TASK_MAX_METRICS);
            task_strv_free(v, n);
            task_spec_free(sp);
            return -1;
        }
        for (int i = 0; i < n; i++) {
            int id = metric_id(v[i]);
            sp->metrics[sp->n_metrics++] = xstrdup(id >= 0 ? metric_name(id) : v[i]);
        }
        task_strv_free(v, n);
    } else if (regression) {
        sp->metrics[sp->n_metrics++] = xstrdup("spearman");
        sp->metrics[sp->n_metrics++] = xstrdup("pearson");
    } else {
        sp->metrics[sp->n_metrics++] = xstrdup("accuracy");
    }
    if (task_check_metrics(sp, err, errlen) < 0) {
        task_spec_free(sp);
        return -1;
    }
    return 0;
}

int task_format_parse(const char *s)
{
    if (!s)
        return -2;
    if (!strcmp(s, "auto"))
        return TASK_FMT_AUTO;
    if (!strcmp(s, "official") || !strcmp(s, "glue"))
        return TASK_FMT_OFFICIAL;
    if (!strcmp(s, "hf"))
        return TASK_FMT_HF;
    return -2;
}

const char *task_format_name(int fmt)
{
    return fmt == TASK_FMT_OFFICIAL ? "official" : fmt == TASK_FMT_HF ? "hf" : "auto";
}

/* ---- scoring ---- */

void task_score(const task_spec *sp, const task_dataset *ds, const int *pred_class, const double *pred_value,
                double *out)
{
    long n = ds->n;
    int *yt = NULL;
    double *vt = NULL;
    if (sp->regression) {
        vt = xmalloc((size_t)(n ? n : 1) * sizeof *vt);
        for (long i = 0; i < n; i++)
            vt[i] = ds->ex[i].value;
    } else {
        yt = xmalloc((size_t)(n ? n : 1) * sizeof *yt);
        for (long i = 0; i < n; i++)
            yt[i] = ds->ex[i].label;
    }
    for (int k = 0; k < sp->n_metrics; k++) {
        int id = metric_id(sp->metrics[k]);
        if (sp->regression)
            out[k] = pred_value ? metric_reg(id, vt, pred_value, n) : NAN;
        else if (id == MET_F1)
            out[k] = pred_class ? metric_f1(yt, pred_class, n, sp->positive) : NAN;
        else
            out[k] = pred_class ? metric_class(id, yt, pred_class, n, sp->n_labels) : NAN;
    }
    free(yt);
    free(vt);
}
