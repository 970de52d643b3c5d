/* task.c -- see task.h. */
#include "task.h"
#include "metrics.h"
#include "record.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

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

static char **arrdup(const char *const *a, int n)
{
    if (!a || !a[0])
        return NULL;
    char **v = xmalloc((size_t)n * sizeof *v);
    for (int i = 0; i < n; i++)
        v[i] = xstrdup(a[i]);
    return v;
}

static void arrfree(char **a, int n)
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
    sp->label_names = b->regression ? NULL : arrdup(b->names, b->n_labels);
    sp->file_labels[TASK_FMT_OFFICIAL] = b->regression ? NULL : arrdup(b->off_labels, b->n_labels);
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
    arrfree(sp->label_names, sp->n_labels);
    for (int f = 0; f < 2; f++) {
        arrfree(sp->file_labels[f], sp->n_labels);
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
            arrfree(*out, *n);
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
static int check_metrics(const task_spec *sp, char *err, size_t errlen)
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
                    arrfree(v, n);
                    task_spec_free(sp);
                    return -1;
                }
        if (n < 2) {
            snprintf(err, errlen, "a classification task needs at least 2 labels, got '%s'", labels);
            arrfree(v, n);
            task_spec_free(sp);
            return -1;
        }
        sp->n_labels = n;
        sp->label_names = v;
        sp->file_labels[0] = arrdup((const char *const *)v, n);
        sp->file_labels[1] = arrdup((const char *const *)v, n);
    } else {
        sp->collect_labels = 1;
    }
    if (metrics) {
        char **v;
        int n;
        if (split_commas(metrics, &v, &n) < 0 || n > TASK_MAX_METRICS) {
            snprintf(err, errlen, "bad metric list '%s' (1 to %d comma-separated names)", metrics,
                     TASK_MAX_METRICS);
            arrfree(v, n);
            task_spec_free(sp);
            return -1;
        }
        for (int i = 0; i < n; i++) {
            int id = metric_id(v[i]);
            sp->metrics[sp->n_metrics++] = xstrdup(id >= 0 ? metric_name(id) : v[i]);
        }
        arrfree(v, n);
    } else if (regression) {
        sp->metrics[sp->n_metrics++] = xstrdup("spearman");
        sp->metrics[sp->n_metrics++] = xstrdup("pearson");
    } else {
        sp->metrics[sp->n_metrics++] = xstrdup("accuracy");
    }
    if (check_metrics(sp, err, errlen) < 0) {
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

/* ---- datasets ---- */

void task_dataset_free(task_dataset *ds)
{
    if (!ds)
        return;
    for (long i = 0; i < ds->n; i++) {
        free(ds->ex[i].text_a);
        free(ds->ex[i].text_b);
    }
    free(ds->ex);
    memset(ds, 0, sizeof *ds);
}

static void ds_push(task_dataset *ds, const task_example *e)
{
    if (ds->n == ds->cap) {
        ds->cap = ds->cap ? 2 * ds->cap : 256;
        ds->ex = xrealloc(ds->ex, (size_t)ds->cap * sizeof *ds->ex);
    }
    ds->ex[ds->n++] = *e;
}

/* Whole input in memory: files are read once, stdin can be inspected
 * before parsing, and messages keep the user's file name. */
static int slurp(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
    int stdin_ = !path || !strcmp(path, "-");
    FILE *f = stdin_ ? stdin : fopen(path, "rb");
    if (!f) {
        errf(err, errlen, path, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    int rc = read_all(f, stdin_ ? "-" : path, buf, len, err, errlen);
    if (!stdin_)
        fclose(f);
    return rc;
}

/* First line of buf split on TAB (BOM and CR stripped); owned strings. */
static int first_line_fields(const char *buf, size_t len, char ***out)
{
    const char *p = buf, *end = memchr(buf, '\n', len);
    size_t n = end ? (size_t)(end - buf) : len;
    if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) {
        p += 3;
        n -= 3;
    }
    if (n && p[n - 1] == '\r')
        n--;
    char *line = xmalloc(n + 1);
    memcpy(line, p, n);
    line[n] = 0;
    int nf = 1;
    for (size_t i = 0; i < n; i++)
        nf += line[i] == '\t';
    char **v = xmalloc((size_t)nf * sizeof *v);
    char *s = line;
    for (int i = 0; i < nf; i++) {
        char *t = strchr(s, '\t');
        if (t)
            *t = 0;
        v[i] = xstrdup(s);
        s = t ? t + 1 : s + strlen(s);
    }
    free(line);
    *out = v;
    return nf;
}

static int has_field(char **f, int nf, const char *name)
{
    for (int i = 0; i < nf; i++)
        if (!strcmp(f[i], name))
            return 1;
    return 0;
}

/* Decide the format of a built-in task's file from its first line. */
static int detect_format(const task_spec *sp, char **f, int nf, const char *name, char *err, size_t errlen)
{
    int hf = has_field(f, nf, sp->text_a[1]) && (!sp->text_b[1] || has_field(f, nf, sp->text_b[1])) &&
             has_field(f, nf, sp->label_col[1]);
    if (sp->headerless_official) {
        if (hf)
            return TASK_FMT_HF;
        if (nf == sp->headerless_official && sp->file_labels[0]) {
            int li = atoi(sp->label_col[0]) - 1;
            for (int k = 0; k < sp->n_labels; k++)
                if (!strcmp(f[li], sp->file_labels[0][k]))
                    return TASK_FMT_OFFICIAL;
        }
        errf(err, errlen, name, 1,
             "cannot detect the format: neither an official %s file (no header, %d fields, label in field %s) "
             "nor a Hugging Face export (columns %s, %s); give the format (official or hf)",
             sp->name, sp->headerless_official, sp->label_col[0], sp->text_a[1], sp->label_col[1]);
        return -2;
    }
    if (sp->official_sig) {
        size_t tot = 1;
        for (int i = 0; i < nf; i++)
            tot += strlen(f[i]) + 1;
        char *joined = xmalloc(tot);
        joined[0] = 0;
        for (int i = 0; i < nf; i++) {
            if (i)
                strcat(joined, "\t");
            strcat(joined, f[i]);
        }
        size_t sl = strlen(sp->official_sig);
        int off = sp->official_sig_prefix ? !strncmp(joined, sp->official_sig, sl)
                                          : !strcmp(joined, sp->official_sig);
        free(joined);
        if (off)
            return TASK_FMT_OFFICIAL;
    }
    if (hf)
        return TASK_FMT_HF;
    char sig[256];
    snprintf(sig, sizeof sig, "%s", sp->official_sig ? sp->official_sig : "");
    for (char *c = sig; *c; c++)
        if (*c == '\t')
            *c = ' ';
    errf(err, errlen, name, 1,
         "cannot detect the format: the header is neither the official %s header (%s) nor a Hugging Face "
         "export (columns %s%s%s, %s); give the format (official or hf)",
         sp->name, sig, sp->text_a[1], sp->text_b[1] ? ", " : "", sp->text_b[1] ? sp->text_b[1] : "",
         sp->label_col[1]);
    return -2;
}

/* Byte offset of the first invalid UTF-8 sequence in s, or -1. */
static long utf8_invalid_at(const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t len = (utf8proc_ssize_t)strlen(s), i = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, len - i, &cp);
        if (k <= 0)
            return (long)i;
        i += k;
    }
    return -1;
}

/* Sorting collected labels: numerically when all are numbers, else bytewise. */
typedef struct { const char *s; double v; } lab_key;
static int cmp_lab_str(const void *a, const void *b)
{
    return strcmp(((const lab_key *)a)->s, ((const lab_key *)b)->s);
}
static int cmp_lab_num(const void *a, const void *b)
{
    const lab_key *p = a, *q = b;
    if (p->v < q->v) return -1;
    if (p->v > q->v) return 1;
    return strcmp(p->s, q->s);
}

/* Turn the raw label strings of ds into a sorted label set on sp. */
static int collect_labels(task_spec *sp, task_dataset *ds, char **raw, const char *name, char *err,
                          size_t errlen)
{
    lab_key *k = xmalloc((size_t)ds->n * sizeof *k);
    int lab_numeric = 1;
    for (long i = 0; i < ds->n; i++) {
        k[i].s = raw[i];
        if (parse_double(raw[i], &k[i].v) < 0)
            lab_numeric = 0;
    }
    int (*cmp_lab)(const void *, const void *) = lab_numeric ? cmp_lab_num : cmp_lab_str;
    qsort(k, (size_t)ds->n, sizeof *k, cmp_lab);
    int nu = 0;
    for (long i = 0; i < ds->n; i++)
        if (i == 0 || strcmp(k[i].s, k[i - 1].s))
            k[nu++] = k[i];
    if (nu < 2) {
        errf(err, errlen, name, 0, "only one distinct label ('%s'): a classifier needs at least 2", k[0].s);
        free(k);
        return -1;
    }
    sp->n_labels = nu;
    sp->label_names = xmalloc((size_t)nu * sizeof(char *));
    for (int c = 0; c < nu; c++)
        sp->label_names[c] = xstrdup(k[c].s);
    sp->file_labels[0] = arrdup((const char *const *)sp->label_names, nu);
    sp->file_labels[1] = arrdup((const char *const *)sp->label_names, nu);
    sp->collect_labels = 0;
    for (long i = 0; i < ds->n; i++) {
        lab_key key = {raw[i], 0};
        if (lab_numeric)
            parse_double(raw[i], &key.v);
        lab_key *hit = bsearch(&key, k, (size_t)nu, sizeof *k, cmp_lab);
        ds->ex[i].label = (int)(hit - k);
        ds->ex[i].value = ds->ex[i].label;
    }
    free(k);
    if (check_metrics(sp, err, errlen) < 0) {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s", err);
        errf(err, errlen, name, 0, "%s", tmp);
        return -1;
    }
    return 0;
}

static void label_set_str(const task_spec *sp, int fmt, char *buf, size_t n)
{
    buf[0] = 0;
    size_t len = 0;
    for (int k = 0; k < sp->n_labels && len + 1 < n; k++) {
        int w;
        if (sp->file_labels[fmt])
            w = snprintf(buf + len, n - len, "%s%s", k ? ", " : "", sp->file_labels[fmt][k]);
        else
            w = snprintf(buf + len, n - len, "%s%d", k ? ", " : "", k);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

int task_load(task_spec *sp, const char *path, int format, task_dataset *ds, char *err, size_t errlen)
{
    memset(ds, 0, sizeof *ds);
    const char *name = (!path || !strcmp(path, "-")) ? "-" : path;
    char *buf;
    size_t len;
    if (slurp(path, &buf, &len, err, errlen) < 0)
        return -1;
    size_t nonblank = 0;
    for (size_t i = 0; i < len; i++)
        nonblank += buf[i] != '\n' && buf[i] != '\r';
    if (nonblank == 0) {
        errf(err, errlen, name, 1, "empty file: no examples");
        free(buf);
        return -1;
    }
    int fmt = format;
    if (fmt != TASK_FMT_OFFICIAL && fmt != TASK_FMT_HF && fmt != TASK_FMT_AUTO) {
        snprintf(err, errlen, "bad format %d", format);
        free(buf);
        return -1;
    }
    if (fmt == TASK_FMT_AUTO) {
        if (sp->custom) {
            fmt = TASK_FMT_OFFICIAL;
        } else {
            char **f;
            int nf = first_line_fields(buf, len, &f);
            fmt = detect_format(sp, f, nf, name, err, errlen);
            arrfree(f, nf);
            if (fmt < 0) {
                free(buf);
                return -1;
            }
        }
    }
    int headerless = !sp->custom && fmt == TASK_FMT_OFFICIAL && sp->headerless_official;
    int recfmt = fmt == TASK_FMT_HF ? REC_TSV_Q : REC_TSV;
    if (sp->custom && path && rec_format_for(path, 0) == REC_CSV)
        recfmt = REC_CSV;

    FILE *mf = fmemopen(buf, len, "r");
    if (!mf) {
        errf(err, errlen, name, 0, "cannot read: %s", strerror(errno));
        free(buf);
        return -1;
    }
    rec_reader *r = rec_open_stream(mf, name, recfmt, headerless ? REC_NOHEADER : REC_UNNAMED, err, errlen);
    if (!r) {
        fclose(mf);
        free(buf);
        return -1;
    }

    /* Columns: (3) text_a, text_b, label; -1 when absent. */
    int col[3] = {-1, -1, -1};
    const char *cname[3] = {sp->text_a[fmt], sp->text_b[fmt], sp->label_col[fmt]};
    int rc = 0;
    for (int c = 0; c < 3 && rc == 0; c++) {
        if (!cname[c])
            continue;
        if (headerless) {
            col[c] = atoi(cname[c]) - 1;
            continue;
        }
        col[c] = rec_col(r, cname[c]);
        if (col[c] < 0) {
            char hdr[300] = "";
            size_t hl = 0;
            for (int i = 0; i < rec_ncols(r) && hl + 1 < sizeof hdr; i++) {
                int w = snprintf(hdr + hl, sizeof hdr - hl, "%s%s", i ? ", " : "", rec_colname(r, i));
                if (w < 0)
                    break;
                hl += (size_t)w;
            }
            errf(err, errlen, name, 1, "missing column '%s' (task %s, %s format; the header has: %s)", cname[c],
                 sp->name, task_format_name(fmt), hdr);
            rc = -1;
        }
    }

    char **raw = NULL; /* collected label strings (custom tasks without a label set) */
    long rawcap = 0;
    int collecting = !sp->regression && sp->collect_labels;
    while (rc == 0) {
        int got = rec_next(r);
        if (got == 0)
            break;
        if (got < 0) {
            snprintf(err, errlen, "%s", rec_error(r));
            rc = -1;
            break;
        }
        long line = rec_line(r);
        if (headerless && rec_nfields(r) != sp->headerless_official) {
            errf(err, errlen, name, line, "expected %d fields (official %s layout), found %d",
                 sp->headerless_official, sp->name, rec_nfields(r));
            rc = -1;
            break;
        }
        for (int c = 0; c < 3; c++) {
            long at = col[c] >= 0 ? utf8_invalid_at(rec_field(r, col[c])) : -1;
            if (at >= 0) {
                errf(err, errlen, name, line, "invalid UTF-8 in column '%s' at byte %ld", cname[c], at + 1);
                rc = -1;
                break;
            }
        }
        if (rc)
            break;
        const char *ls = rec_field(r, col[2]);
        task_example e = {NULL, NULL, -1, 0, line};
        if (sp->regression) {
            if (parse_double(ls, &e.value) < 0) {
                errf(err, errlen, name, line, "regression label '%s' is not a finite number", ls);
                rc = -1;
                break;
            }
        } else if (collecting) {
            if (!*ls) {
                errf(err, errlen, name, line, "empty label");
                rc = -1;
                break;
            }
            if (ds->n >= rawcap) {
                rawcap = rawcap ? 2 * rawcap : 256;
                raw = xrealloc(raw, (size_t)rawcap * sizeof *raw);
            }
            raw[ds->n] = xstrdup(ls);
        } else if (sp->file_labels[fmt]) {
            for (int k = 0; k < sp->n_labels && e.label < 0; k++)
                if (!strcmp(ls, sp->file_labels[fmt][k]))
                    e.label = k;
            if (e.label < 0) {
                char set[256];
                long dummy;
                label_set_str(sp, fmt, set, sizeof set);
                int hint = !sp->custom && fmt == TASK_FMT_OFFICIAL && parse_long(ls, &dummy) == 0 &&
                           strcmp(sp->file_labels[fmt][0], "0");
                errf(err, errlen, name, line, "label '%s' is not in the label set {%s}%s", ls, set,
                     hint ? " (integer labels: a Hugging Face export? use format hf)" : "");
                rc = -1;
                break;
            }
            e.value = e.label;
        } else {
            long v;
            if (parse_long(ls, &v) < 0 || v < 0 || v >= sp->n_labels) {
                errf(err, errlen, name, line, "label '%s' is not a class index 0..%d%s", ls, sp->n_labels - 1,
                     !strcmp(ls, "-1") ? " (-1 marks an unlabelled test split)" : "");
                rc = -1;
                break;
            }
            e.label = (int)v;
            e.value = (double)v;
        }
        e.text_a = xstrdup(rec_field(r, col[0]));
        e.text_b = col[1] >= 0 ? xstrdup(rec_field(r, col[1])) : NULL;
        ds_push(ds, &e);
    }
    if (rc == 0 && ds->n == 0) {
        errf(err, errlen, name, 1, "no examples (header only)");
        rc = -1;
    }
    if (rc == 0 && collecting)
        rc = collect_labels(sp, ds, raw, name, err, errlen);
    if (raw) {
        for (long i = 0; i < ds->n; i++)
            free(raw[i]);
        free(raw);
    }
    rec_close(r);
    fclose(mf);
    free(buf);
    if (rc < 0) {
        task_dataset_free(ds);
        return -1;
    }
    ds->format = fmt;
    return 0;
}

void task_label_counts(const task_spec *sp, const task_dataset *ds, long *counts)
{
    for (int k = 0; k < sp->n_labels; k++)
        counts[k] = 0;
    if (sp->regression)
        return;
    for (long i = 0; i < ds->n; i++)
        if (ds->ex[i].label >= 0 && ds->ex[i].label < sp->n_labels)
            counts[ds->ex[i].label]++;
}

int task_one_class(const task_spec *sp, const task_dataset *ds, const char *name, char *msg, size_t n)
{
    if (sp->regression || sp->n_labels < 2 || ds->n < 2)
        return 0;
    long *c = xcalloc((size_t)sp->n_labels, sizeof *c);
    task_label_counts(sp, ds, c);
    int present = 0, k1 = 0;
    for (int k = 0; k < sp->n_labels; k++)
        if (c[k] > 0) {
            present++;
            k1 = k;
        }
    free(c);
    if (present != 1)
        return 0;
    errf(msg, n, name, 0,
         "warning: all %ld training examples have the label '%s', so the classifier can only learn to predict it",
         ds->n, sp->label_names ? sp->label_names[k1] : "?");
    return 1;
}

/* ---- deterministic subsets ---- */

/* Mark K of the n examples (mark[i] = 1), stratified by class for
 * classification: class c gets floor(K*n_c/n) plus one for the classes with
 * the largest remainders (ties: lower class first); members of a class are
 * a uniform random choice (partial Fisher-Yates over the class's indices in
 * file order). Regression: one stratum. */
static void choose(const task_dataset *ds, const task_spec *sp, long K, uint64_t seed, unsigned char *mark)
{
    long n = ds->n;
    int ns = sp->regression ? 1 : sp->n_labels;
    long *cnt = xcalloc((size_t)ns * 3, sizeof *cnt); /* (3, ns): count, quota, remainder */
    long *quota = cnt + ns, *rem = cnt + 2 * ns;
    for (long i = 0; i < n; i++)
        cnt[sp->regression ? 0 : ds->ex[i].label]++;
    long given = 0;
    for (int c = 0; c < ns; c++) {
        quota[c] = K * cnt[c] / n;
        rem[c] = K * cnt[c] % n;
        given += quota[c];
    }
    for (; given < K; given++) {
        int best = -1;
        for (int c = 0; c < ns; c++)
            if (quota[c] < cnt[c] && (best < 0 || rem[c] > rem[best]))
                best = c;
        quota[best]++;
        rem[best] = -1;
    }
    rng_t rng;
    rng_seed(&rng, seed);
    long *idx = xmalloc((size_t)n * sizeof *idx);
    for (int c = 0; c < ns; c++) {
        long m = 0;
        for (long i = 0; i < n; i++)
            if (sp->regression || ds->ex[i].label == c)
                idx[m++] = i;
        for (long j = 0; j < quota[c]; j++) {
            long t = j + (long)rng_below(&rng, (uint64_t)(m - j));
            long tmp = idx[j];
            idx[j] = idx[t];
            idx[t] = tmp;
            mark[idx[j]] = 1;
        }
    }
    free(idx);
    free(cnt);
}

/* Move the examples with mark[i] == want into out (file order). */
static void take(task_dataset *ds, const unsigned char *mark, task_dataset *keep, task_dataset *out)
{
    for (long i = 0; i < ds->n; i++)
        ds_push(mark[i] ? out : keep, &ds->ex[i]);
}

void task_subsample(task_dataset *ds, const task_spec *sp, long max_n, double frac, uint64_t seed)
{
    long n = ds->n, K = n;
    if (n == 0)
        return;
    if (frac < 1.0) {
        K = lround(frac * (double)n);
        if (K < 1)
            K = 1;
    }
    if (max_n >= 0 && K > max_n)
        K = max_n;
    if (K >= n)
        return;
    unsigned char *mark = xcalloc((size_t)n, 1);
    choose(ds, sp, K, seed, mark);
    task_dataset keep = {0}, drop = {0};
    take(ds, mark, &drop, &keep);
    keep.format = ds->format;
    free(mark);
    free(ds->ex);
    *ds = keep;
    task_dataset_free(&drop);
}

void task_split_dev(task_dataset *train, const task_spec *sp, double frac, uint64_t seed, task_dataset *dev)
{
    memset(dev, 0, sizeof *dev);
    dev->format = train->format;
    long n = train->n;
    long K = lround(frac * (double)n);
    if (n >= 2 && frac > 0 && frac < 1) {
        if (K < 1)
            K = 1;
        if (K > n - 1)
            K = n - 1;
    }
    if (K <= 0)
        return;
    if (K > n)
        K = n;
    unsigned char *mark = xcalloc((size_t)n, 1);
    choose(train, sp, K, seed, mark);
    task_dataset keep = {0};
    take(train, mark, &keep, dev);
    keep.format = train->format;
    free(mark);
    free(train->ex);
    *train = keep;
}

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
