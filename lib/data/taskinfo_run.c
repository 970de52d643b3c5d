/* taskinfo_run.c -- see taskinfo_run.h */
#include "data/taskinfo_run.h"

#include <stdlib.h>
#include <string.h>

#include "data/record.h"
#include "util/util.h"

void taskinfo_opts_default(taskinfo_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = TASK_FMT_AUTO;
    o->train_frac = 1;
    o->max_train = -1;
    o->show = -1;
    o->seed = 42;
}

typedef struct {
    const char *file, *part;
    task_dataset ds;
} part_t;

/* Control whitespace would break the TSV record: show it as a space. */
static char *flat(const char *s)
{
    char *t = xstrdup(s ? s : "");
    for (char *p = t; *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r')
            *p = ' ';
    return t;
}

void taskinfo_run(const taskinfo_opts *o, char *const *args, int nfiles)
{
    const char *task = o->task, *text_a = o->text_a, *text_b = o->text_b, *label = o->label;
    const char *labels = o->labels, *metric = o->metric;
    int regression = o->regression, format = o->format;
    double dev_frac = o->dev_frac, train_frac = o->train_frac;
    long max_train = o->max_train, show = o->show, seed = o->seed;
    int custom = text_a || text_b || label || labels || regression || metric;
    if (task && custom)
        die_usage("--task cannot be combined with the custom-task options");
    if (!task && !custom)
        die_usage("give --task NAME or a custom task (--text-a COL --label COL)");

    char err[1024];
    task_spec sp;
    if (task) {
        if (task_lookup(task, &sp, err, sizeof err))
            die_usage("%s", err);
    } else {
        if (!text_a || !label)
            die_usage("a custom task needs --text-a COL and --label COL");
        if (task_custom(&sp, text_a, text_b, label, labels, regression, metric, err, sizeof err))
            die_usage("%s", err);
    }

    const char *stdin_only[] = {"-"};
    const char *const *files = nfiles ? (const char *const *)args : stdin_only;
    if (!nfiles)
        nfiles = 1;

    /* Load everything first: nothing is printed unless every file is good. */
    part_t *parts = xcalloc((size_t)nfiles * 2, sizeof *parts);
    int np = 0;
    for (int i = 0; i < nfiles; i++) {
        task_dataset ds;
        if (task_load(&sp, files[i], format, &ds, err, sizeof err))
            die(EXIT_BADINPUT, "%s", err);
        const char *fname = strcmp(files[i], "-") ? files[i] : "-";
        if (dev_frac > 0) {
            task_dataset dev;
            task_split_dev(&ds, &sp, dev_frac, (uint64_t)seed, &dev);
            task_subsample(&ds, &sp, max_train, train_frac, (uint64_t)seed);
            parts[np++] = (part_t){fname, "train", ds};
            parts[np++] = (part_t){fname, "dev", dev};
        } else {
            task_subsample(&ds, &sp, max_train, train_frac, (uint64_t)seed);
            parts[np++] = (part_t){fname, "all", ds};
        }
    }

    rec_writer *w = rec_writer_new(stdout, REC_TSV);
    rec_row row = {0};
    if (show >= 0) {
        static const char *hdr[] = {"file", "part", "line", "label", "text_a", "text_b"};
        if (rec_write(w, 6, hdr, err, sizeof err))
            die(EXIT_BADINPUT, "%s", err);
        for (int p = 0; p < np; p++) {
            const task_dataset *ds = &parts[p].ds;
            for (long i = 0; i < ds->n && i < show; i++) {
                const task_example *e = &ds->ex[i];
                row_clear(&row);
                row_push(&row, parts[p].file);
                row_push(&row, parts[p].part);
                row_pushf(&row, "%ld", e->line);
                if (sp.regression)
                    row_pushf(&row, "%.17g", e->value);
                else
                    row_push(&row, sp.label_names[e->label]);
                char *a = flat(e->text_a), *b = flat(e->text_b);
                row_push(&row, a);
                row_push(&row, e->text_b ? b : "");
                free(a);
                free(b);
                if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err))
                    die(EXIT_BADINPUT, "%s", err);
            }
        }
    } else {
        static const char *hdr[] = {"file", "task", "format", "part", "rows", "class", "label", "count"};
        if (rec_write(w, 8, hdr, err, sizeof err))
            die(EXIT_BADINPUT, "%s", err);
        long *counts = xcalloc((size_t)(sp.n_labels > 0 ? sp.n_labels : 1), sizeof *counts);
        for (int p = 0; p < np; p++) {
            const task_dataset *ds = &parts[p].ds;
            task_label_counts(&sp, ds, counts);
            int nrow = sp.regression ? 1 : sp.n_labels;
            for (int k = 0; k < nrow; k++) {
                row_clear(&row);
                row_push(&row, parts[p].file);
                row_push(&row, sp.name);
                row_push(&row, task_format_name(ds->format));
                row_push(&row, parts[p].part);
                row_pushf(&row, "%ld", ds->n);
                if (sp.regression) {
                    row_push(&row, "-");
                    row_push(&row, "(regression)");
                    row_pushf(&row, "%ld", ds->n);
                } else {
                    row_pushf(&row, "%d", k);
                    row_push(&row, sp.label_names[k]);
                    row_pushf(&row, "%ld", counts[k]);
                }
                if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err))
                    die(EXIT_BADINPUT, "%s", err);
            }
        }
        free(counts);
    }
    out_flush();
    row_free(&row);
    rec_writer_free(w);
    for (int p = 0; p < np; p++)
        task_dataset_free(&parts[p].ds);
    free(parts);
    task_spec_free(&sp);
}
