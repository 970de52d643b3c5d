/* task_load.c -- reading a task's labelled TSV into a dataset (see
 * task.h): the whole input in memory, the format sniffed from the first
 * line (official GLUE or Hugging Face), labels mapped to class indices or
 * collected from the file, UTF-8 checked; label counts. */
#include "data/task.h"
#include "data/task_internal.h"
#include "data/record.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

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

void task_ds_push(task_dataset *ds, const task_example *e)
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
    sp->file_labels[0] = task_strv_dup((const char *const *)sp->label_names, nu);
    sp->file_labels[1] = task_strv_dup((const char *const *)sp->label_names, nu);
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
    if (task_check_metrics(sp, err, errlen) < 0) {
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
            task_strv_free(f, nf);
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
        task_ds_push(ds, &e);
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
