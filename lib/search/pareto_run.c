/* pareto_run.c -- see pareto_run.h */
#include "search/pareto_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/objectives.h"
#include "search/pareto.h"
#include "data/record.h"
#include "util/util.h"

typedef struct {
    char **f;         /* fields (owned) */
    const char *file; /* input name, for messages */
    long line;
} record;

/* Shortest "%.*g" that reads back as exactly v. */
static void fmt_double(char *buf, size_t n, double v)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void pareto_run(const pareto_opts *o, char *const *args, int nfiles)
{
    const char *spec = o->spec, *refspec = o->ref, *tolspec = o->tol;
    int do_rank = o->rank, do_hv = o->hv, any_status = o->any_status, force_csv = o->csv;
    static const char *stdin_only[] = {"-"};
    const char *const *files = nfiles > 0 ? (const char *const *)args : stdin_only;
    nfiles = nfiles > 0 ? nfiles : 1;

    char err[1024];
    obj_spec s;
    if (obj_parse(&s, spec, err, sizeof err))
        die_usage("%s", err);
    if (do_rank && do_hv)
        die_usage("--rank and --hv cannot be combined");
    if (do_hv && !refspec)
        die_usage("--hv needs --ref A,B[,...] (one number per objective)");
    if (refspec && !do_hv)
        die_usage("--ref is only used with --hv");
    double ref[OBJ_MAX];
    if (do_hv && obj_parse_ref(&s, refspec, ref, err, sizeof err))
        die_usage("%s", err);
    const int d = s.n;
    /* --tol: per objective, an absolute tolerance or a column of spreads */
    double tol_abs[OBJ_MAX] = {0};
    char *tol_name[OBJ_MAX] = {0};
    int tol_col[OBJ_MAX], any_tol = tolspec != NULL;
    if (tolspec && (do_hv || do_rank))
        die_usage("--tol applies to the filter, not to --rank or --hv");
    for (const char *p = tolspec; p && *p;) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        if (!eq)
            die_usage("--tol: '%.*s' is not NAME=X or NAME=@COL", (int)len, p);
        int k = 0;
        while (k < d && (strlen(s.name[k]) != (size_t)(eq - p) || strncmp(s.name[k], p, (size_t)(eq - p))))
            k++;
        if (k == d)
            die_usage("--tol: '%.*s' is not one of the objectives", (int)(eq - p), p);
        char *val = xmalloc(len + 1);
        memcpy(val, eq + 1, len - (size_t)(eq + 1 - p));
        val[len - (size_t)(eq + 1 - p)] = 0;
        if (val[0] == '@') {
            if (!val[1])
                die_usage("--tol: '%.*s': empty column name", (int)len, p);
            tol_name[k] = xstrdup(val + 1);
        } else if (parse_double(val, &tol_abs[k]) || tol_abs[k] < 0) {
            die_usage("--tol: '%s' is not a non-negative number", val);
        }
        free(val);
        p += len;
        if (*p == ',')
            p++;
    }
    double *tv = NULL;

    /* Read everything first: the output depends on all records, and an
     * error anywhere must leave stdout empty. */
    rec_row hdr = {0};
    int have_hdr = 0;
    int ncols = 0;
    int out_fmt = force_csv ? REC_CSV : rec_format_for(strcmp(files[0], "-") ? files[0] : NULL, 0);
    record *recs = NULL;
    double *y = NULL;
    long n = 0, cap = 0;
    for (int fi = 0; fi < nfiles; fi++) {
        const char *path = files[fi];
        int stdin_ = !strcmp(path, "-");
        rec_reader *r = rec_open(path, rec_format_for(stdin_ ? NULL : path, force_csv), 0, err, sizeof err);
        if (!r)
            die(EXIT_BADINPUT, "%s", err);
        if (!have_hdr) {
            rec_header_row(r, &hdr);
            ncols = hdr.n;
            have_hdr = 1;
        } else if (!rec_header_same(r, &hdr)) {
            die_at(rec_name(r), 1, "header differs from that of '%s'", files[0]);
        }
        int status_col = any_status ? -1 : rec_col(r, "status");
        /* an objective column may be missing when no record is ok (every
         * evaluation failed): that is an error only once an ok record needs it */
        char objerr[512] = "";
        if (obj_resolve(&s, r, objerr, sizeof objerr) && status_col < 0)
            die(EXIT_BADINPUT, "%s", objerr);
        for (int k = 0; k < d; k++) {
            tol_col[k] = -1;
            if (tol_name[k] && (tol_col[k] = rec_col(r, tol_name[k])) < 0)
                die_at(rec_name(r), 1, "missing column '%s' (named by --tol)", tol_name[k]);
        }
        const char *fname = path; /* argv strings live until exit */
        obj_status_warn sw = {0};
        int rc;
        while ((rc = rec_next(r)) == 1) {
            if (!obj_status_use(r, status_col, &sw))
                continue;
            if (*objerr)
                die(EXIT_BADINPUT, "%s", objerr);
            if (n == cap) {
                cap = cap ? 2 * cap : 256;
                recs = xrealloc(recs, (size_t)cap * sizeof *recs);
                y = xrealloc(y, (size_t)cap * (size_t)d * sizeof *y);
                if (any_tol)
                    tv = xrealloc(tv, (size_t)cap * (size_t)d * sizeof *tv);
            }
            for (int k = 0; any_tol && k < d; k++) {
                double t = tol_abs[k] / sqrt(2.0); /* hypot of two equal halves = X */
                if (tol_col[k] >= 0 && (parse_double(rec_field(r, tol_col[k]), &t) || t < 0))
                    die_at(rec_name(r), rec_line(r), "column '%s': '%s' is not a non-negative number",
                           tol_name[k], rec_field(r, tol_col[k]));
                tv[n * d + k] = t;
            }
            if (obj_read_min(&s, r, y + n * d, err, sizeof err))
                die(EXIT_BADINPUT, "%s", err);
            record *rc_ = &recs[n++];
            rc_->f = xmalloc((size_t)(ncols > 0 ? ncols : 1) * sizeof *rc_->f);
            for (int c = 0; c < ncols; c++)
                rc_->f[c] = xstrdup(rec_field(r, c));
            rc_->file = fname;
            rc_->line = rec_line(r);
        }
        if (rc < 0)
            die(EXIT_BADINPUT, "%s", rec_error(r));
        obj_status_warn_free(&sw);
        rec_close(r);
    }

    rec_writer *w = rec_writer_new(stdout, out_fmt);
    if (do_hv) {
        double h = pareto_hv(y, ref, n, d);
        long nf = pareto_count_front(y, ref, n, d);
        char hb[64], nb[32], fb[32];
        fmt_double(hb, sizeof hb, h);
        snprintf(nb, sizeof nb, "%ld", n);
        snprintf(fb, sizeof fb, "%ld", nf);
        const char *h1[] = {"hypervolume", "n_points", "n_front"}, *h2[] = {hb, nb, fb};
        if (rec_write(w, 3, h1, err, sizeof err) || rec_write(w, 3, h2, err, sizeof err))
            die(EXIT_BADINPUT, "%s", err);
    } else {
        /* output columns: the header, plus 'rank' if --rank and absent */
        int rank_col = -1, ncols_out = ncols;
        if (do_rank) {
            for (int c = 0; c < ncols; c++)
                if (!strcmp(hdr.v[c], "rank"))
                    rank_col = c;
            if (rank_col < 0)
                rank_col = ncols_out++;
        }
        int *rank = xmalloc((size_t)(n > 0 ? n : 1) * sizeof *rank);
        unsigned char *keep = xmalloc((size_t)(n > 0 ? n : 1));
        if (do_rank) {
            pareto_rank(y, rank, n, d);
            memset(keep, 1, (size_t)(n > 0 ? n : 1));
        } else {
            pareto_nondominated_tol(y, tv, keep, n, d);
        }
        /* A TSV output cannot hold TABs/newlines that came from CSV input:
         * check every field before the first byte is written. */
        if (out_fmt == REC_TSV)
            for (long i = 0; i < n; i++)
                for (int c = 0; keep[i] && c < ncols; c++)
                    if (strpbrk(recs[i].f[c], "\t\r\n"))
                        die_at(recs[i].file, recs[i].line,
                               "column '%s' contains a TAB or newline, which TSV output cannot hold", hdr.v[c]);
        const char **row = xmalloc((size_t)(ncols_out + 1) * sizeof *row);
        char rb[32];
        for (int c = 0; c < ncols; c++)
            row[c] = hdr.v[c];
        if (do_rank && rank_col == ncols)
            row[ncols] = "rank";
        if (rec_write(w, ncols_out, row, err, sizeof err))
            die(EXIT_BADINPUT, "header: %s", err);
        for (long i = 0; i < n; i++) {
            if (!keep[i])
                continue;
            for (int c = 0; c < ncols; c++)
                row[c] = recs[i].f[c];
            if (do_rank) {
                snprintf(rb, sizeof rb, "%d", rank[i]);
                row[rank_col] = rb;
            }
            if (rec_write(w, ncols_out, (const char *const *)row, err, sizeof err))
                die_at(recs[i].file, recs[i].line, "%s", err);
        }
        free(row);
        free(keep);
        free(rank);
    }
    rec_writer_free(w);
    out_flush();

    for (long i = 0; i < n; i++) {
        for (int c = 0; c < ncols; c++)
            free(recs[i].f[c]);
        free(recs[i].f);
    }
    row_free(&hdr);
    free(recs);
    free(y);
    free(tv);
    for (int k = 0; k < d; k++)
        free(tol_name[k]);
    obj_free(&s);
}
