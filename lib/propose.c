/* propose.c -- history reading and the proposal logic of propose(1)
 * (see propose.h): Sobol initial design, GP + exact EHVI Bayesian
 * optimisation, kriging-believer batches, discrete local search. */
#include "propose.h"

#include <errno.h>
#include <gsl/gsl_qrng.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ehvi.h"
#include "gp.h"
#include "hash.h"
#include "hashset.h"
#include "pareto.h"

#define SOBOL_MAX_DIM 40 /* GSL's gsl_qrng_sobol supports up to 40 dimensions */

/* ---- history ---- */

void history_free(history *h)
{
    for (int j = 0; h->ids && j < h->n; j++) free(h->ids[j]);
    free(h->ids);
    free(h->levels); free(h->y); free(h->ok); free(h->line);
    memset(h, 0, sizeof *h);
}

static int is_layer_flag_name(const char *n)
{
    if (n[0] != 'l' || !n[1]) return 0;
    for (const char *p = n + 1; *p; p++)
        if (*p < '0' || *p > '9') return 0;
    return 1;
}

/* An id in the form space_id() gives: 'c' and 12 lowercase hex digits. */
static int is_generated_id(const char *id)
{
    if (id[0] != 'c' || strlen(id) != 13)
        return 0;
    for (int i = 1; i < 13; i++)
        if (!isdigit((unsigned char)id[i]) && !(id[i] >= 'a' && id[i] <= 'f'))
            return 0;
    return 1;
}

int history_read(const space *s, obj_spec *obj, const char *path, int force_csv, history *h,
                 char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    int d = space_ndims(s), nobj = obj->n;
    h->d = d;
    h->nobj = nobj;
    if (!path) return 0;
    int is_stdin = !strcmp(path, "-");
    if (!is_stdin) {
        struct stat st;
        if (stat(path, &st) != 0) {
            if (errno == ENOENT) return 0; /* no history yet */
            errf(err, errlen, path, 0, "cannot open: %s", strerror(errno));
            return -1;
        }
        if (S_ISREG(st.st_mode) && st.st_size == 0) return 0;
    }
    rec_reader *r = rec_open(path, rec_format_for(is_stdin ? NULL : path, force_csv), 0, err, errlen);
    if (!r) return is_stdin && strstr(err, "empty input") ? 0 : -1;
    const char *fname = rec_name(r);
    int *colmap = xmalloc(sizeof(int) * (size_t)(d > 0 ? d : 1));
    int idc = rec_col(r, "id"), rc = -1;
    char objerr[512] = "";
    /* an objective the space computes exactly (params, params_pct) may be
     * missing from the history: it is computed from the configuration */
    int obj_ok = 1, computed = 0;
    for (int o = 0; o < nobj; o++) {
        obj->col[o] = rec_col(r, obj->name[o]);
        if (obj->col[o] >= 0) continue;
        if (propose_exact_objective(s, obj, o)) {
            computed = 1;
        } else if (obj_ok) {
            errf(objerr, sizeof objerr, rec_name(r), 1, "missing column '%s'", obj->name[o]);
            obj_ok = 0;
        }
    }
    int status_col = rec_col(r, "status");
    int nlayer = 0;
    for (int i = 0; i < d; i++) nlayer += space_dim_at(s, i)->role == ROLE_LAYER;
    uint64_t *idh = NULL;
    char **ids = NULL;
    hashset idset = {0};
    obj_status_warn sw = {0};
    int cap = 0;
    /* ids in the form propose and space-gen give (c + 12 hex digits, a hash
     * of the configuration) that are not the hash of the record's own
     * configuration: counted, and one warning at the end */
    long id_gen = 0, id_bad = 0, id_bad_line = 0;
    char id_bad_have[32] = "", id_bad_want[32] = "";
    if (idc < 0) {
        errf(err, errlen, fname, 1, "missing column 'id'");
        goto out;
    }
    if (space_colmap(s, r, colmap, err, errlen)) goto out;
    if (nlayer > 0)
        for (int c = 0; c < rec_ncols(r); c++) {
            const char *nm = rec_colname(r, c);
            if (is_layer_flag_name(nm) && space_find(s, nm) < 0) {
                errf(err, errlen, fname, 1,
                     "column '%s' is a layer flag the space does not have (it has %d layer flags)", nm,
                     nlayer);
                goto out;
            }
        }
    hashset_init(&idset, 256);
    int k;
    while ((k = rec_next(r)) == 1) {
        if (h->n == cap) {
            cap = cap ? 2 * cap : 64;
            h->levels = xrealloc(h->levels, sizeof(int) * (size_t)cap * (size_t)(d > 0 ? d : 1));
            h->y = xrealloc(h->y, sizeof(double) * (size_t)cap * (size_t)nobj);
            h->ok = xrealloc(h->ok, (size_t)cap);
            h->line = xrealloc(h->line, sizeof(long) * (size_t)cap);
            idh = xrealloc(idh, sizeof(uint64_t) * (size_t)cap);
            ids = xrealloc(ids, sizeof(char *) * (size_t)cap);
        }
        int i = h->n;
        long line = rec_line(r);
        const char *id = rec_field(r, idc);
        if (!*id) {
            errf(err, errlen, fname, line, "empty id");
            goto out;
        }
        uint64_t ih = fnv1a_str(FNV1A_INIT, id);
        if (hashset_has(&idset, ih))
            for (int j = 0; j < i; j++)
                if (idh[j] == ih && !strcmp(ids[j], id)) {
                    errf(err, errlen, fname, line, "duplicate id '%s' (first on line %ld)", id, h->line[j]);
                    goto out;
                }
        int *lv = h->levels + (size_t)i * d;
        if (space_parse_record(s, r, colmap, lv, err, errlen)) goto out;
        if (!space_valid(s, lv)) {
            errf(err, errlen, fname, line,
                 "configuration is outside the space (it violates a constraint, e.g. no module on or no layer kept)");
            goto out;
        }
        if (is_generated_id(id)) {
            char want[32];
            space_id(s, lv, want, sizeof want);
            id_gen++;
            if (strcmp(id, want) && !id_bad++) {
                id_bad_line = line;
                snprintf(id_bad_have, sizeof id_bad_have, "%s", id);
                snprintf(id_bad_want, sizeof id_bad_want, "%s", want);
            }
        }
        h->ok[i] = (unsigned char)obj_status_use(r, status_col, &sw);
        double *y = h->y + (size_t)i * nobj;
        if (h->ok[i]) {
            if (!obj_ok) {
                snprintf(err, errlen, "%s", objerr);
                goto out;
            }
            if (!computed) {
                if (obj_read_min(obj, r, y, err, errlen)) goto out;
            } else {
                for (int o = 0; o < nobj; o++) {
                    if (obj->col[o] < 0) {
                        y[o] = propose_exact_value(s, obj, o, lv);
                        continue;
                    }
                    const char *f = rec_field(r, obj->col[o]);
                    if (!*f || isspace((unsigned char)*f) || parse_double(f, &y[o])) {
                        errf(err, errlen, fname, line, "column '%s': not a finite number: '%s'", obj->name[o], f);
                        goto out;
                    }
                    if (obj_value_ok(obj->name[o], y[o])) {
                        errf(err, errlen, fname, line, "column '%s': negative parameter count: '%s'", obj->name[o],
                             f);
                        goto out;
                    }
                    if (obj->maximize[o]) y[o] = -y[o];
                }
            }
            h->n_ok++;
        } else {
            for (int o = 0; o < nobj; o++) y[o] = NAN;
        }
        h->line[i] = line;
        idh[i] = ih;
        ids[i] = xstrdup(id);
        hashset_add(&idset, ih);
        h->n++;
    }
    if (k < 0) {
        snprintf(err, errlen, "%s", rec_error(r));
        goto out;
    }
    if (id_bad)
        warnx("%s:%ld: warning: id '%s' is not the id of the record's configuration ('%s'); %ld of %ld such ids "
              "differ (records edited after they were proposed, or a history of another space?)",
              fname, id_bad_line, id_bad_have, id_bad_want, id_bad, id_gen);
    rc = 0;
out:
    obj_status_warn_free(&sw);
    if (rc) {
        for (int j = 0; j < h->n; j++) free(ids[j]);
        free(ids);
    } else {
        h->ids = ids; /* kept: propose --front writes them */
    }
    free(idh);
    free(colmap);
    hashset_free(&idset);
    rec_close(r);
    if (rc) history_free(h);
    return rc;
}

/* ---- objectives ---- */

int propose_exact_objective(const space *s, const obj_spec *obj, int k)
{
    if (!space_has_params(s)) return 0;
    if (!strcmp(obj->name[k], "params")) return 1;
    if (!strcmp(obj->name[k], "params_pct")) return space_base_params(s) > 0;
    return 0;
}

double propose_exact_value(const space *s, const obj_spec *obj, int k, const int *levels)
{
    double v = !strcmp(obj->name[k], "params") ? (double)space_params(s, levels)
                                                : space_params_pct(s, levels);
    return obj->maximize[k] ? -v : v;
}

void propose_defaults(propose_opts *o)
{
    memset(o, 0, sizeof *o);
    o->batch = 4;
    o->init = 10;
    o->seed = 0;
    o->gp_restarts = 3;
    o->gp_iters = 80;
    o->ls_starts = 12;
    o->ls_evals = 2500;
    o->n_random = 400;
}

/* ---- initial design ---- */

static int take(const space *s, hashset *ex, const int *lv, int *out, int *nout)
{
    if (!space_valid(s, lv)) return 0;
    uint64_t hh = space_hash(s, lv);
    if (hashset_has(ex, hh)) return 0;
    hashset_add(ex, hh);
    memcpy(out + (size_t)*nout * space_ndims(s), lv, sizeof(int) * (size_t)space_ndims(s));
    (*nout)++;
    return 1;
}

/* Fill out up to want configurations with random valid ones not in ex. */
static void random_fill(const space *s, rng_t *rng, hashset *ex, int *out, int *nout, int want)
{
    int d = space_ndims(s);
    int *lv = xmalloc(sizeof(int) * (size_t)(d > 0 ? d : 1));
    for (long t = 0; *nout < want && t < 20000L * want; t++) {
        space_sample(s, rng, lv);
        take(s, ex, lv, out, nout);
    }
    free(lv);
}

static void initial_design(const space *s, const history *h, const propose_opts *o, rng_t *rng,
                           hashset *ex, int *out, int *nout, FILE *explain)
{
    int d = space_ndims(s);
    if (d >= 1 && d <= SOBOL_MAX_DIM) {
        gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)d);
        double x[SOBOL_MAX_DIM], shift[SOBOL_MAX_DIM];
        int lv[SOBOL_MAX_DIM];
        /* deterministic random shift (Cranley-Patterson rotation) by seed;
         * skip the points earlier calls used (one per history record) */
        for (int i = 0; i < d; i++) shift[i] = rng_uniform(rng);
        for (int k = 0; k < h->n; k++) gsl_qrng_get(q, x);
        for (int t = 0; *nout < o->batch && t < 64 * o->batch + 1024; t++) {
            gsl_qrng_get(q, x);
            for (int i = 0; i < d; i++) {
                x[i] += shift[i];
                if (x[i] >= 1) x[i] -= 1;
            }
            space_decode(s, x, lv);
            if (take(s, ex, lv, out, nout) && explain)
                fprintf(explain, "propose: initial design: sobol point %d (shifted)\n", h->n + t);
        }
        gsl_qrng_free(q);
    }
    int before = *nout;
    random_fill(s, rng, ex, out, nout, o->batch);
    if (explain && *nout > before)
        fprintf(explain, "propose: initial design: %d uniform random configuration(s)\n", *nout - before);
}

/* ---- Bayesian optimisation ---- */

typedef struct {
    const space *s;
    const obj_spec *obj;
    int d, nobj;
    int exact[OBJ_MAX];
    gp *gp[OBJ_MAX];       /* NULL for exact objectives */
    double ym[OBJ_MAX], ys[OBJ_MAX]; /* standardisation of GP objectives */
    double ref[OBJ_MAX];   /* model frame */
    double *pts;           /* (npts, nobj) incumbent points, model frame */
    int npts;
    double *front;         /* (m, 2) prepared front (2 objectives) */
    int m;
    double best1;          /* 1 objective: min(ref, best) */
    hashset *ex;
    /* candidate buffers (maxm) */
    int maxm;
    double *X, *mu, *var, *work, *val, *tie;
    int *keep;
    long evals;
    /* best of the current pick */
    double bval, btie;
    int *blv;
    double bmu[OBJ_MAX], bsd[OBJ_MAX];
} acq;

/* model-frame value of GP objective k -> own units */
static double own_units(const acq *A, int k, double u)
{
    double y = A->exact[k] ? u : u * A->ys[k] + A->ym[k];
    return A->obj->maximize[k] ? -y : y;
}

static void acq_front(acq *A)
{
    if (A->nobj == 2) {
        A->m = ehvi_front2(A->pts, A->npts, A->ref, A->front);
    } else {
        double b = A->ref[0];
        for (int i = 0; i < A->npts; i++)
            if (A->pts[i] < b) b = A->pts[i];
        A->best1 = b;
    }
}

static int better(double v, double t, double bv, double bt)
{
    return v > bv || (v == bv && t > bt);
}

/* Evaluate m candidates (m <= maxm): val/tie per candidate (-1 for
 * configurations already taken). Updates the best of the pick. */
static void acq_eval(acq *A, const int *cand, int m)
{
    int d = A->d, nk = 0;
    for (int c = 0; c < m; c++) {
        A->val[c] = -1;
        A->tie[c] = -1;
        if (hashset_has(A->ex, space_hash(A->s, cand + (size_t)c * d))) continue;
        space_encode(A->s, cand + (size_t)c * d, A->X + (size_t)nk * d);
        A->keep[nk++] = c;
    }
    if (!nk) return;
    for (int k = 0; k < A->nobj; k++)
        if (A->gp[k])
            gp_predict(A->gp[k], A->X, nk, A->mu + (size_t)k * A->maxm, A->var + (size_t)k * A->maxm,
                       A->work);
    for (int j = 0; j < nk; j++) {
        int c = A->keep[j];
        const int *lv = cand + (size_t)c * d;
        double mu[OBJ_MAX], sd[OBJ_MAX], tie = 0;
        for (int k = 0; k < A->nobj; k++) {
            if (A->gp[k]) {
                mu[k] = A->mu[(size_t)k * A->maxm + j];
                sd[k] = sqrt(A->var[(size_t)k * A->maxm + j]);
                tie += sd[k];
            } else {
                mu[k] = propose_exact_value(A->s, A->obj, k, lv);
                sd[k] = 0;
            }
        }
        double v = A->nobj == 2 ? ehvi2(A->front, A->m, A->ref, mu, sd) : ehvi1(A->best1, mu[0], sd[0]);
        A->val[c] = v;
        A->tie[c] = tie;
        if (better(v, tie, A->bval, A->btie)) {
            A->bval = v;
            A->btie = tie;
            memcpy(A->blv, lv, sizeof(int) * (size_t)d);
            memcpy(A->bmu, mu, sizeof mu);
            memcpy(A->bsd, sd, sizeof sd);
        }
    }
    A->evals += nk;
}

/* Hill climbing with one-dimension moves from start. */
static void local_search(acq *A, const int *start, double v0, double t0, int *cur, int *nb, long budget)
{
    int d = A->d;
    memcpy(cur, start, sizeof(int) * (size_t)d);
    double cv = v0, ct = t0;
    while (A->evals < budget) {
        int m = space_neighbours(A->s, cur, nb, A->maxm);
        if (m <= 0) break;
        acq_eval(A, nb, m);
        int bj = -1;
        double bv = cv, bt = ct;
        for (int c = 0; c < m; c++)
            if (A->val[c] >= 0 && better(A->val[c], A->tie[c], bv, bt)) {
                bj = c;
                bv = A->val[c];
                bt = A->tie[c];
            }
        if (bj < 0) break;
        memcpy(cur, nb + (size_t)bj * d, sizeof(int) * (size_t)d);
        cv = bv;
        ct = bt;
    }
}

typedef struct { double v, t; int i; } scored;
static int cmp_scored(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->v != y->v) return x->v > y->v ? -1 : 1;
    if (x->t != y->t) return x->t > y->t ? -1 : 1;
    return x->i - y->i;
}

static int cmp_imp(const void *a, const void *b)
{
    const double *x = a, *y = b;
    return x[0] > y[0] ? -1 : x[0] < y[0] ? 1 : 0;
}

/* Fit the models of the objectives on the ok records of h: exact objectives
 * are computed, the others get a GP on their standardised values. X (n, d):
 * the encoded ok configurations, lvp their levels, yo scratch (n). A->pts gets
 * the exact values (model frame); GP objectives' columns are left to the
 * caller. */
static void models_fit(acq *A, const space *s, const obj_spec *obj, const history *h, const propose_opts *o,
                       rng_t *rng, const double *X, int **lvp, double *yo, int cap, FILE *explain)
{
    int d = space_ndims(s), nobj = obj->n, n = h->n_ok;
    /* objective values in the minimisation frame, ok rows only */
    for (int k = 0; k < nobj; k++) {
        A->exact[k] = propose_exact_objective(s, obj, k);
        double sum = 0, sum2 = 0;
        for (int i = 0, j = 0; i < h->n; i++)
            if (h->ok[i]) {
                double v = A->exact[k] ? propose_exact_value(s, obj, k, lvp[j]) : h->y[(size_t)i * nobj + k];
                yo[j++] = v;
                sum += v;
                sum2 += v * v;
            }
        if (A->exact[k]) {
            A->ym[k] = 0;
            A->ys[k] = 1;
            for (int j = 0; j < n; j++) A->pts[(size_t)j * nobj + k] = yo[j];
            continue;
        }
        double mean = sum / n, var = sum2 / n - mean * mean;
        double sd = var > 0 ? sqrt(var * n / (n > 1 ? n - 1 : 1)) : 0;
        if (!(sd > 1e-12 * (1 + fabs(mean)))) sd = 1;
        A->ym[k] = mean;
        A->ys[k] = sd;
        for (int j = 0; j < n; j++) yo[j] = (yo[j] - mean) / sd;
        A->gp[k] = xmalloc(sizeof(gp));
        gp_init(A->gp[k], d, cap);
        gp_set_data(A->gp[k], X, yo, n);
        double t0 = now_seconds();
        double post = gp_fit(A->gp[k], rng, o->gp_restarts, o->gp_iters);
        if (explain) {
            gp *g = A->gp[k];
            fprintf(explain,
                    "propose: gp '%s': %d observations, log posterior %.3f, outputscale %.3g, "
                    "noise %.3g (standardised; sd %.4g), fit %.2f s\n",
                    obj->name[k], n, post, g->s, g->noise, sd, now_seconds() - t0);
            double *imp = xmalloc(sizeof(double) * 2 * (size_t)d);
            for (int i = 0; i < d; i++) {
                imp[2 * i] = g->kappa[i];
                imp[2 * i + 1] = i;
            }
            qsort(imp, (size_t)d, 2 * sizeof(double), cmp_imp);
            fprintf(explain, "propose: gp '%s': lengthscales, most relevant first:", obj->name[k]);
            for (int i = 0; i < d; i++)
                fprintf(explain, " %s=%.3g", space_dim_at(s, (int)imp[2 * i + 1])->name,
                        1.0 / sqrt(imp[2 * i]));
            fputc('\n', explain);
            free(imp);
        }
    }
}

static int bo(const space *s, const obj_spec *obj, const history *h, const propose_opts *o,
              rng_t *rng, hashset *ex, int *out, int *nout, propose_info *info, FILE *explain,
              char *err, size_t errlen)
{
    int d = space_ndims(s), nobj = obj->n, B = o->batch, n = h->n_ok;
    acq A;
    memset(&A, 0, sizeof A);
    A.s = s;
    A.obj = obj;
    A.d = d;
    A.nobj = nobj;
    A.ex = ex;
    int cap = n + B;
    double *X = xmalloc(sizeof(double) * (size_t)n * (size_t)d);
    int **lvp = xmalloc(sizeof(int *) * (size_t)n);
    double *yo = xmalloc(sizeof(double) * (size_t)n);
    for (int i = 0, j = 0; i < h->n; i++)
        if (h->ok[i]) {
            lvp[j] = h->levels + (size_t)i * d;
            space_encode(s, lvp[j], X + (size_t)j * d);
            j++;
        }
    A.npts = n;
    A.pts = xmalloc(sizeof(double) * (size_t)cap * (size_t)nobj);
    A.front = xmalloc(sizeof(double) * (size_t)cap * 2);
    double ymin[OBJ_MAX], ymax[OBJ_MAX];
    models_fit(&A, s, obj, h, o, rng, X, lvp, yo, cap, explain);
    for (int k = 0; k < nobj; k++) {
        ymin[k] = HUGE_VAL;
        ymax[k] = -HUGE_VAL;
        for (int i = 0; i < h->n; i++)
            if (h->ok[i]) {
                double v = h->y[(size_t)i * nobj + k];
                if (A.exact[k]) continue;
                if (v < ymin[k]) ymin[k] = v;
                if (v > ymax[k]) ymax[k] = v;
            }
        if (A.exact[k])
            for (int j = 0; j < n; j++) {
                double v = A.pts[(size_t)j * nobj + k];
                if (v < ymin[k]) ymin[k] = v;
                if (v > ymax[k]) ymax[k] = v;
            }
    }
    info->n_fit = n;
    /* reference point (minimisation frame) -> model frame */
    for (int k = 0; k < nobj; k++) {
        double r;
        if (o->have_ref)
            r = o->ref[k];
        else {
            double range = ymax[k] - ymin[k];
            r = ymax[k] + 0.1 * (range > 0 ? range : (fabs(ymax[k]) > 0 ? fabs(ymax[k]) : 1.0));
        }
        A.ref[k] = (r - A.ym[k]) / A.ys[k];
    }
    if (explain) {
        fprintf(explain, "propose: reference point:");
        for (int k = 0; k < nobj; k++) fprintf(explain, " %s=%.6g", obj->name[k], own_units(&A, k, A.ref[k]));
        fputc('\n', explain);
    }
    /* buffers; incumbent points = posterior means at the observed inputs */
    A.maxm = space_max_neighbours(s);
    if (A.maxm < 256) A.maxm = 256;
    A.X = xmalloc(sizeof(double) * (size_t)A.maxm * (size_t)d);
    A.mu = xmalloc(sizeof(double) * (size_t)A.maxm * (size_t)nobj);
    A.var = xmalloc(sizeof(double) * (size_t)A.maxm * (size_t)nobj);
    A.work = xmalloc(sizeof(double) * (size_t)A.maxm * (size_t)cap);
    A.val = xmalloc(sizeof(double) * (size_t)A.maxm);
    A.tie = xmalloc(sizeof(double) * (size_t)A.maxm);
    A.keep = xmalloc(sizeof(int) * (size_t)A.maxm);
    A.blv = xmalloc(sizeof(int) * (size_t)d);
    double *tw = xmalloc(sizeof(double) * (size_t)n * (size_t)cap);
    for (int k = 0; k < nobj; k++)
        if (A.gp[k]) {
            double *tv = xmalloc(sizeof(double) * (size_t)n);
            gp_predict(A.gp[k], X, n, yo, tv, tw);
            for (int j = 0; j < n; j++) A.pts[(size_t)j * nobj + k] = yo[j];
            free(tv);
        }
    free(tw);
    acq_front(&A);

    /* per pick */
    int *cand = xmalloc(sizeof(int) * (size_t)A.maxm * (size_t)d);
    int *cur = xmalloc(sizeof(int) * (size_t)d);
    int *nb = xmalloc(sizeof(int) * (size_t)A.maxm * (size_t)d);
    int nstart_max = o->ls_starts > 0 ? o->ls_starts : 1;
    int *starts = xmalloc(sizeof(int) * (size_t)nstart_max * (size_t)d);
    double *sv = xmalloc(sizeof(double) * 2 * (size_t)nstart_max);
    int *fidx = xmalloc(sizeof(int) * (size_t)cap);
    int **plv = xmalloc(sizeof(int *) * (size_t)cap); /* configs of the incumbent points */
    for (int j = 0; j < n; j++) plv[j] = lvp[j];
    scored *sc = xmalloc(sizeof(scored) * (size_t)A.maxm);
    int rc = 0;
    for (int pick = 0; pick < B; pick++) {
        A.bval = -1;
        A.btie = -1;
        A.evals = 0;
        int ns = 0;
        /* random candidates; the best few become local-search starts */
        int nrs = nstart_max / 2 > 0 ? nstart_max / 2 : 1;
        scored topr[64];
        int ntop = 0;
        if (nrs > 64) nrs = 64;
        int *rnd = xmalloc(sizeof(int) * (size_t)nrs * (size_t)d);
        for (int done = 0; done < o->n_random;) {
            int m = o->n_random - done < A.maxm ? o->n_random - done : A.maxm;
            for (int c = 0; c < m; c++) space_sample(s, rng, cand + (size_t)c * d);
            acq_eval(&A, cand, m);
            for (int c = 0; c < m; c++) sc[c] = (scored){A.val[c], A.tie[c], c};
            qsort(sc, (size_t)m, sizeof *sc, cmp_scored);
            /* merge the chunk's best into topr */
            for (int c = 0; c < m && c < nrs; c++) {
                if (sc[c].v < 0) break;
                int pos = ntop;
                while (pos > 0 && better(sc[c].v, sc[c].t, topr[pos - 1].v, topr[pos - 1].t)) pos--;
                if (pos >= nrs) continue;
                int last = ntop < nrs ? ntop : nrs - 1;
                for (int q = last; q > pos; q--) {
                    topr[q] = topr[q - 1];
                    memcpy(rnd + (size_t)q * d, rnd + (size_t)(q - 1) * d, sizeof(int) * (size_t)d);
                }
                topr[pos] = sc[c];
                memcpy(rnd + (size_t)pos * d, cand + (size_t)sc[c].i * d, sizeof(int) * (size_t)d);
                if (ntop < nrs) ntop++;
            }
            done += m;
        }
        for (int q = 0; q < ntop && ns < nstart_max; q++, ns++) {
            memcpy(starts + (size_t)ns * d, rnd + (size_t)q * d, sizeof(int) * (size_t)d);
            sv[2 * ns] = topr[q].v;
            sv[2 * ns + 1] = topr[q].t;
        }
        free(rnd);
        /* starts at incumbent Pareto points (already evaluated: value -1) */
        int nf = 0;
        for (int j = 0; j < A.npts; j++) {
            int dom = 0;
            for (int q = 0; q < A.npts && !dom; q++)
                dom = pareto_dominates(A.pts + (size_t)q * nobj, A.pts + (size_t)j * nobj, nobj);
            if (!dom) fidx[nf++] = j;
        }
        for (int q = 0; q < nf && ns < nstart_max; q++) {
            int pick_j = q + (int)rng_below(rng, (uint64_t)(nf - q)); /* partial shuffle */
            int t = fidx[q];
            fidx[q] = fidx[pick_j];
            fidx[pick_j] = t;
            memcpy(starts + (size_t)ns * d, plv[fidx[q]], sizeof(int) * (size_t)d);
            sv[2 * ns] = -1;
            sv[2 * ns + 1] = -1;
            ns++;
        }
        for (int q = 0; q < ns && A.evals < o->ls_evals; q++)
            local_search(&A, starts + (size_t)q * d, sv[2 * q], sv[2 * q + 1], cur, nb, o->ls_evals);
        if (A.bval < 0) {
            /* the search met only taken configurations: any untaken one */
            for (long t = 0; t < 20000 && A.bval < 0; t++) {
                space_sample(s, rng, cand);
                if (!hashset_has(ex, space_hash(s, cand))) acq_eval(&A, cand, 1);
            }
            if (A.bval < 0) break; /* the space is (nearly) exhausted */
        }
        take(s, ex, A.blv, out, nout);
        if (explain) {
            char id[32];
            space_id(s, A.blv, id, sizeof id);
            fprintf(explain, "propose: pick %d %s: ehvi %.6g (%ld candidates)", pick + 1, id, A.bval,
                    A.evals);
            for (int k = 0; k < nobj; k++) {
                if (A.exact[k])
                    fprintf(explain, "; %s %.6g (exact)", obj->name[k], own_units(&A, k, A.bmu[k]));
                else
                    fprintf(explain, "; %s %.6g sd %.3g", obj->name[k], own_units(&A, k, A.bmu[k]),
                            A.bsd[k] * A.ys[k]);
            }
            fputc('\n', explain);
        }
        /* kriging believer: the pick's posterior mean becomes an observation */
        double x[512], *xp = d <= 512 ? x : xmalloc(sizeof(double) * (size_t)d);
        space_encode(s, A.blv, xp);
        for (int k = 0; k < nobj; k++)
            if (A.gp[k] && gp_add_point(A.gp[k], xp, A.bmu[k]) != 0) {
                snprintf(err, errlen, "internal error: fantasy update failed");
                rc = -1;
            }
        if (xp != x) free(xp);
        if (rc) break;
        memcpy(A.pts + (size_t)A.npts * nobj, A.bmu, sizeof(double) * (size_t)nobj);
        plv[A.npts] = out + (size_t)(*nout - 1) * d;
        A.npts++;
        acq_front(&A);
    }
    for (int k = 0; k < nobj; k++)
        if (A.gp[k]) {
            gp_free(A.gp[k]);
            free(A.gp[k]);
        }
    free(X); free(lvp); free(yo); free(A.pts); free(A.front); free(A.X); free(A.mu); free(A.var);
    free(A.work); free(A.val); free(A.tie); free(A.keep); free(A.blv); free(cand); free(cur);
    free(nb); free(starts); free(sv); free(fidx); free(plv); free(sc);
    return rc;
}

int propose_front(const space *s, const obj_spec *obj, const history *h, const propose_opts *o,
                  unsigned char *keep, double *mean, double *sd, char *err, size_t errlen)
{
    int d = space_ndims(s), nobj = obj->n, n = h->n_ok;
    if (nobj < 1 || nobj > 2) {
        snprintf(err, errlen, "propose supports 1 or 2 objectives (got %d)", nobj);
        return -1;
    }
    memset(keep, 0, (size_t)h->n);
    for (size_t i = 0; i < (size_t)h->n * (size_t)nobj; i++)
        mean[i] = sd[i] = NAN;
    if (n == 0)
        return 0;
    acq A;
    memset(&A, 0, sizeof A);
    A.s = s;
    A.obj = obj;
    A.d = d;
    A.nobj = nobj;
    double *X = xmalloc(sizeof(double) * (size_t)n * (size_t)d);
    int **lvp = xmalloc(sizeof(int *) * (size_t)n);
    double *yo = xmalloc(sizeof(double) * (size_t)n);
    int *row = xmalloc(sizeof(int) * (size_t)n);
    for (int i = 0, j = 0; i < h->n; i++)
        if (h->ok[i]) {
            lvp[j] = h->levels + (size_t)i * d;
            space_encode(s, lvp[j], X + (size_t)j * d);
            row[j++] = i;
        }
    A.pts = xmalloc(sizeof(double) * (size_t)n * (size_t)nobj);
    rng_t rng;
    rng_seed(&rng, o->seed);
    int model = n >= 2 && n >= (o->init > 2 ? o->init : 2);
    if (model) {
        models_fit(&A, s, obj, h, o, &rng, X, lvp, yo, n, NULL);
    } else { /* too few observations for a model: the observed values stand */
        for (int k = 0; k < nobj; k++) {
            A.exact[k] = propose_exact_objective(s, obj, k);
            A.ym[k] = 0;
            A.ys[k] = 1;
            for (int j = 0; j < n; j++)
                A.pts[(size_t)j * nobj + k] = A.exact[k] ? propose_exact_value(s, obj, k, lvp[j])
                                                         : h->y[(size_t)row[j] * nobj + k];
        }
    }
    double *var = xmalloc(sizeof(double) * (size_t)n), *work = xmalloc(sizeof(double) * (size_t)n * (size_t)n);
    double *ymin = xmalloc(sizeof(double) * (size_t)n * (size_t)nobj);
    for (int k = 0; k < nobj; k++) {
        if (A.gp[k]) {
            gp_predict(A.gp[k], X, n, yo, var, work);
            for (int j = 0; j < n; j++) {
                A.pts[(size_t)j * nobj + k] = yo[j];
                sd[(size_t)row[j] * nobj + k] = sqrt(var[j] > 0 ? var[j] : 0) * A.ys[k];
            }
        } else {
            for (int j = 0; j < n; j++) sd[(size_t)row[j] * nobj + k] = 0;
        }
        for (int j = 0; j < n; j++) {
            double u = A.pts[(size_t)j * nobj + k];
            ymin[(size_t)j * nobj + k] = A.exact[k] || !A.gp[k] ? u : u * A.ys[k] + A.ym[k];
            mean[(size_t)row[j] * nobj + k] = obj->maximize[k] ? -ymin[(size_t)j * nobj + k]
                                                                : ymin[(size_t)j * nobj + k];
        }
    }
    unsigned char *kp = xmalloc((size_t)n);
    pareto_nondominated(ymin, kp, n, nobj);
    for (int j = 0; j < n; j++) keep[row[j]] = kp[j];
    for (int k = 0; k < nobj; k++)
        if (A.gp[k]) {
            gp_free(A.gp[k]);
            free(A.gp[k]);
        }
    free(kp); free(ymin); free(var); free(work); free(X); free(lvp); free(yo); free(row); free(A.pts);
    (void)err;
    (void)errlen;
    return 0;
}

int propose_run(const space *s, const obj_spec *obj, const history *h, const propose_opts *o,
                int *out, propose_info *info, FILE *explain, char *err, size_t errlen)
{
    double t0 = now_seconds();
    memset(info, 0, sizeof *info);
    if (obj->n < 1 || obj->n > 2) {
        snprintf(err, errlen, "propose supports 1 or 2 objectives (got %d)", obj->n);
        return -1;
    }
    rng_t rng;
    rng_seed(&rng, o->seed);
    hashset ex;
    hashset_init(&ex, (size_t)h->n + (size_t)o->batch);
    for (int i = 0; i < h->n; i++) hashset_add(&ex, space_hash(s, h->levels + (size_t)i * h->d));
    int nout = 0, rc = 0;
    int init = o->init > 2 ? o->init : 2;
    if (h->n_ok < init) {
        initial_design(s, h, o, &rng, &ex, out, &nout, explain);
    } else {
        info->bo = 1;
        rc = bo(s, obj, h, o, &rng, &ex, out, &nout, info, explain, err, errlen);
    }
    hashset_free(&ex);
    info->n = nout;
    info->seconds = now_seconds() - t0;
    return rc;
}
