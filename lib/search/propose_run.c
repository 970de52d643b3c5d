/* propose_run.c -- see propose_run.h */
#include "search/propose_run.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/objectives.h"
#include "data/record.h"
#include "search/space.h"
#include "util/blas.h"
#include "util/util.h"

/* --front: the ok history records whose predictions are non-dominated */
static void write_front(const space *s, const obj_spec *obj, const history *h, const propose_opts *o, int csv)
{
    char err[1024];
    int d = space_ndims(s), nobj = obj->n;
    size_t nh = (size_t)(h->n > 0 ? h->n : 1);
    unsigned char *keep = xmalloc(nh);
    double *mean = xmalloc(sizeof(double) * nh * (size_t)nobj), *sd = xmalloc(sizeof(double) * nh * (size_t)nobj);
    if (propose_front(s, obj, h, o, keep, mean, sd, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
    rec_writer *w = rec_writer_new(stdout, csv ? REC_CSV : REC_TSV);
    rec_row row = {0};
    row_push(&row, "id");
    for (int i = 0; i < d; i++)
        row_push(&row, space_dim_at(s, i)->name);
    for (int k = 0; k < nobj; k++) {
        row_pushf(&row, "%s_mean", obj->name[k]);
        row_pushf(&row, "%s_sd", obj->name[k]);
    }
    if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
    char id[32];
    for (int i = 0; i < h->n; i++) {
        if (!keep[i])
            continue;
        const int *lv = h->levels + (size_t)i * d;
        row_clear(&row);
        space_id(s, lv, id, sizeof id);
        row_push(&row, h->ids ? h->ids[i] : id);
        for (int j = 0; j < d; j++)
            row_push(&row, space_label(s, j, lv[j]));
        for (int k = 0; k < nobj; k++) {
            /* the shortest text that reads back as the same double, so that
             * pareto on this output finds the same front */
            double v = mean[(size_t)i * nobj + k];
            char b[64];
            for (int p = 6; p <= 17; p++) {
                snprintf(b, sizeof b, "%.*g", p, v);
                if (strtod(b, NULL) == v)
                    break;
            }
            row_push(&row, b);
            row_pushf(&row, "%.3g", sd[(size_t)i * nobj + k]);
        }
        if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err))
            die(EXIT_BADINPUT, "%s", err);
    }
    out_flush();
    rec_writer_free(w);
    row_free(&row);
    free(keep);
    free(mean);
    free(sd);
}

void propose_cli_run(const propose_cli_opts *a)
{
    const char *space_path = a->space, *hist = a->history, *spec = a->objectives, *refspec = a->ref;
    int explain = a->explain, quiet = a->quiet, force_csv = a->csv, front = a->front;
    propose_opts o = a->p;
    if (!space_path) die_usage("no space given (--space FILE)");
    /* The matrices are small (observations x observations): OpenBLAS threads
     * cost more than they save, badly so on a loaded machine (measured: 1.3 s
     * single-threaded vs 4-6 s with 2 threads for 200 observations). An
     * explicit OPENBLAS_NUM_THREADS is respected. */
    if (!getenv("OPENBLAS_NUM_THREADS")) blas_set_threads(1);

    char err[1024];
    obj_spec obj;
    if (obj_parse(&obj, spec, err, sizeof err)) die_usage("%s", err);
    if (obj.n > 2) die_usage("--objectives: propose supports 1 or 2 objectives (got %d)", obj.n);
    if (refspec) {
        if (obj_parse_ref(&obj, refspec, o.ref, err, sizeof err)) die_usage("%s", err);
        o.have_ref = 1;
    }
    if (hist && space_path && !strcmp(hist, "-") && !strcmp(space_path, "-"))
        die_usage("the space and the history cannot both be stdin");
    space *s = space_load(space_path, err, sizeof err);
    if (!s) die(EXIT_BADINPUT, "%s", err);
    history h;
    if (history_read(s, &obj, hist, force_csv, &h, err, sizeof err)) die(EXIT_BADINPUT, "%s", err);

    int d = space_ndims(s);
    if (front) {
        write_front(s, &obj, &h, &o, force_csv);
        history_free(&h);
        obj_free(&obj);
        space_free(s);
        return;
    }
    int *out = xmalloc(sizeof(int) * (size_t)o.batch * (size_t)(d > 0 ? d : 1));
    propose_info info;
    if (propose_run(s, &obj, &h, &o, out, &info, explain ? stderr : NULL, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);

    /* whole output built and validated per record by rec_write */
    rec_writer *w = rec_writer_new(stdout, force_csv ? REC_CSV : REC_TSV);
    const char **f = xmalloc(sizeof(char *) * (size_t)(d + 1));
    f[0] = "id";
    for (int i = 0; i < d; i++) f[1 + i] = space_dim_at(s, i)->name;
    if (rec_write(w, d + 1, f, err, sizeof err)) die(EXIT_BADINPUT, "%s", err);
    char id[32];
    for (int b = 0; b < info.n; b++) {
        const int *lv = out + (size_t)b * d;
        space_id(s, lv, id, sizeof id);
        f[0] = id;
        for (int i = 0; i < d; i++) f[1 + i] = space_label(s, i, lv[i]);
        if (rec_write(w, d + 1, f, err, sizeof err)) die(EXIT_BADINPUT, "%s", err);
    }
    out_flush();
    if (!quiet) {
        fprintf(stderr, "propose: %d configuration%s by %s (%d records, %d ok), %.2f s\n", info.n,
                info.n == 1 ? "" : "s", info.bo ? "bayesian optimisation" : "initial design", h.n,
                h.n_ok, info.seconds);
        if (info.n < o.batch)
            fprintf(stderr, "propose: only %d of %d: the space has no other untried configuration\n",
                    info.n, o.batch);
    }
    rec_writer_free(w);
    free(f);
    free(out);
    history_free(&h);
    obj_free(&obj);
    space_free(s);
}
