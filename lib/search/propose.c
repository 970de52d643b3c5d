/* propose.c -- the proposal logic of propose(1) (see propose.h): Sobol
 * initial design, GP + exact EHVI Bayesian optimisation, kriging-believer
 * batches, discrete local search. Reading the history: history.c. */
#include "search/propose.h"

#include <gsl/gsl_qrng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "search/ehvi.h"
#include "search/gp.h"
#include "util/hashset.h"
#include "search/pareto.h"

#define SOBOL_MAX_DIM 40 /* GSL's gsl_qrng_sobol supports up to 40 dimensions */

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

static void acq_init(acq *A, const space *s, const obj_spec *obj)
{
    memset(A, 0, sizeof *A);
    A->s = s;
    A->obj = obj;
    A->d = space_ndims(s);
    A->nobj = obj->n;
}

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

/* The ok records of h as GP inputs: X (n_ok, d) encoded, lvp (n_ok) their
 * levels, row (n_ok, may be NULL) their index in h. */
static void ok_inputs(const space *s, const history *h, double *X, int **lvp, int *row)
{
    int d = space_ndims(s);
    for (int i = 0, j = 0; i < h->n; i++)
        if (h->ok[i]) {
            lvp[j] = h->levels + (size_t)i * d;
            space_encode(s, lvp[j], X + (size_t)j * d);
            if (row) row[j] = i;
            j++;
        }
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

/* The reference point in the model frame: --ref if given, else 10% of the
 * observed range beyond the worst value of each objective (exact objectives:
 * over their computed values). */
static void ref_point(acq *A, const history *h, const propose_opts *o, FILE *explain)
{
    int nobj = A->nobj, n = h->n_ok;
    double ymin[OBJ_MAX], ymax[OBJ_MAX];
    for (int k = 0; k < nobj; k++) {
        ymin[k] = HUGE_VAL;
        ymax[k] = -HUGE_VAL;
        for (int i = 0; i < h->n; i++)
            if (h->ok[i]) {
                double v = h->y[(size_t)i * nobj + k];
                if (A->exact[k]) continue;
                if (v < ymin[k]) ymin[k] = v;
                if (v > ymax[k]) ymax[k] = v;
            }
        if (A->exact[k])
            for (int j = 0; j < n; j++) {
                double v = A->pts[(size_t)j * nobj + k];
                if (v < ymin[k]) ymin[k] = v;
                if (v > ymax[k]) ymax[k] = v;
            }
    }
    /* reference point (minimisation frame) -> model frame */
    for (int k = 0; k < nobj; k++) {
        double r;
        if (o->have_ref)
            r = o->ref[k];
        else {
            double range = ymax[k] - ymin[k];
            r = ymax[k] + 0.1 * (range > 0 ? range : (fabs(ymax[k]) > 0 ? fabs(ymax[k]) : 1.0));
        }
        A->ref[k] = (r - A->ym[k]) / A->ys[k];
    }
    if (explain) {
        fprintf(explain, "propose: reference point:");
        for (int k = 0; k < nobj; k++) fprintf(explain, " %s=%.6g", A->obj->name[k], own_units(A, k, A->ref[k]));
        fputc('\n', explain);
    }
}

/* Candidate buffers of A, sized for the larger of a neighbourhood and 256
 * candidates; cap = observations + fantasies the GPs will hold. */
static void acq_alloc(acq *A, int cap)
{
    int d = A->d, nobj = A->nobj;
    A->maxm = space_max_neighbours(A->s);
    if (A->maxm < 256) A->maxm = 256;
    A->X = xmalloc(sizeof(double) * (size_t)A->maxm * (size_t)d);
    A->mu = xmalloc(sizeof(double) * (size_t)A->maxm * (size_t)nobj);
    A->var = xmalloc(sizeof(double) * (size_t)A->maxm * (size_t)nobj);
    A->work = xmalloc(sizeof(double) * (size_t)A->maxm * (size_t)cap);
    A->val = xmalloc(sizeof(double) * (size_t)A->maxm);
    A->tie = xmalloc(sizeof(double) * (size_t)A->maxm);
    A->keep = xmalloc(sizeof(int) * (size_t)A->maxm);
    A->blv = xmalloc(sizeof(int) * (size_t)d);
}

static void acq_free(acq *A)
{
    for (int k = 0; k < A->nobj; k++)
        if (A->gp[k]) {
            gp_free(A->gp[k]);
            free(A->gp[k]);
        }
    free(A->pts); free(A->front); free(A->X); free(A->mu); free(A->var);
    free(A->work); free(A->val); free(A->tie); free(A->keep); free(A->blv);
}

/* Incumbent points = the GPs' posterior means at the n observed inputs X
 * (noisy scores: the model's view of the front, not the observed one);
 * yo (n) is scratch. Then the front EHVI is measured against. */
static void incumbents_predict(acq *A, const double *X, double *yo, int n, int cap)
{
    int nobj = A->nobj;
    double *tw = xmalloc(sizeof(double) * (size_t)n * (size_t)cap);
    for (int k = 0; k < nobj; k++)
        if (A->gp[k]) {
            double *tv = xmalloc(sizeof(double) * (size_t)n);
            gp_predict(A->gp[k], X, n, yo, tv, tw);
            for (int j = 0; j < n; j++) A->pts[(size_t)j * nobj + k] = yo[j];
            free(tv);
        }
    free(tw);
    acq_front(A);
}

/* Scratch of one pick, allocated once for the batch. */
typedef struct {
    int *cand;       /* (maxm, d) candidates being scored */
    int *cur, *nb;   /* (d), (maxm, d) local search state */
    int nstart_max;  /* local-search starts per pick */
    int *starts;     /* (nstart_max, d) */
    double *sv;      /* (nstart_max, 2) value and tie of each start (-1: not scored) */
    int *fidx;       /* (cap) incumbent indices on the front */
    int **plv;       /* (cap) configurations of the incumbent points */
    scored *sc;      /* (maxm) */
} pick_bufs;

/* Candidate pool: o->n_random uniform random configurations, scored by
 * EHVI in chunks of maxm; the best few (half the starts, at most 64) become
 * local-search starts. Returns the number of starts written. */
static int random_starts(acq *A, const propose_opts *o, rng_t *rng, pick_bufs *P)
{
    int d = A->d, ns = 0;
    int nrs = P->nstart_max / 2 > 0 ? P->nstart_max / 2 : 1;
    scored topr[64];
    int ntop = 0;
    if (nrs > 64) nrs = 64;
    int *rnd = xmalloc(sizeof(int) * (size_t)nrs * (size_t)d);
    for (int done = 0; done < o->n_random;) {
        int m = o->n_random - done < A->maxm ? o->n_random - done : A->maxm;
        for (int c = 0; c < m; c++) space_sample(A->s, rng, P->cand + (size_t)c * d);
        acq_eval(A, P->cand, m);
        for (int c = 0; c < m; c++) P->sc[c] = (scored){A->val[c], A->tie[c], c};
        qsort(P->sc, (size_t)m, sizeof *P->sc, cmp_scored);
        /* merge the chunk's best into topr */
        for (int c = 0; c < m && c < nrs; c++) {
            const scored *sc = &P->sc[c];
            if (sc->v < 0) break;
            int pos = ntop;
            while (pos > 0 && better(sc->v, sc->t, topr[pos - 1].v, topr[pos - 1].t)) pos--;
            if (pos >= nrs) continue;
            int last = ntop < nrs ? ntop : nrs - 1;
            for (int q = last; q > pos; q--) {
                topr[q] = topr[q - 1];
                memcpy(rnd + (size_t)q * d, rnd + (size_t)(q - 1) * d, sizeof(int) * (size_t)d);
            }
            topr[pos] = *sc;
            memcpy(rnd + (size_t)pos * d, P->cand + (size_t)sc->i * d, sizeof(int) * (size_t)d);
            if (ntop < nrs) ntop++;
        }
        done += m;
    }
    for (int q = 0; q < ntop && ns < P->nstart_max; q++, ns++) {
        memcpy(P->starts + (size_t)ns * d, rnd + (size_t)q * d, sizeof(int) * (size_t)d);
        P->sv[2 * ns] = topr[q].v;
        P->sv[2 * ns + 1] = topr[q].t;
    }
    free(rnd);
    return ns;
}

/* More starts, up to nstart_max in all: incumbent Pareto points in random
 * order (already evaluated: value -1). Returns the new number of starts. */
static int front_starts(acq *A, rng_t *rng, pick_bufs *P, int ns)
{
    int d = A->d, nobj = A->nobj, nf = 0;
    for (int j = 0; j < A->npts; j++) {
        int dom = 0;
        for (int q = 0; q < A->npts && !dom; q++)
            dom = pareto_dominates(A->pts + (size_t)q * nobj, A->pts + (size_t)j * nobj, nobj);
        if (!dom) P->fidx[nf++] = j;
    }
    for (int q = 0; q < nf && ns < P->nstart_max; q++) {
        int pick_j = q + (int)rng_below(rng, (uint64_t)(nf - q)); /* partial shuffle */
        int t = P->fidx[q];
        P->fidx[q] = P->fidx[pick_j];
        P->fidx[pick_j] = t;
        memcpy(P->starts + (size_t)ns * d, P->plv[P->fidx[q]], sizeof(int) * (size_t)d);
        P->sv[2 * ns] = -1;
        P->sv[2 * ns + 1] = -1;
        ns++;
    }
    return ns;
}

static void explain_pick(const acq *A, int pick, FILE *explain)
{
    char id[32];
    space_id(A->s, A->blv, id, sizeof id);
    fprintf(explain, "propose: pick %d %s: ehvi %.6g (%ld candidates)", pick + 1, id, A->bval, A->evals);
    for (int k = 0; k < A->nobj; k++) {
        if (A->exact[k])
            fprintf(explain, "; %s %.6g (exact)", A->obj->name[k], own_units(A, k, A->bmu[k]));
        else
            fprintf(explain, "; %s %.6g sd %.3g", A->obj->name[k], own_units(A, k, A->bmu[k]),
                    A->bsd[k] * A->ys[k]);
    }
    fputc('\n', explain);
}

/* Kriging believer: the pick's posterior mean becomes an observation of
 * every GP and a new incumbent point (configuration lv), so the next pick
 * of the batch goes elsewhere. 0, or -1 with err. */
static int believe(acq *A, pick_bufs *P, const int *lv, char *err, size_t errlen)
{
    int d = A->d, nobj = A->nobj, rc = 0;
    double x[512], *xp = d <= 512 ? x : xmalloc(sizeof(double) * (size_t)d);
    space_encode(A->s, A->blv, xp);
    for (int k = 0; k < nobj; k++)
        if (A->gp[k] && gp_add_point(A->gp[k], xp, A->bmu[k]) != 0) {
            snprintf(err, errlen, "internal error: fantasy update failed");
            rc = -1;
        }
    if (xp != x) free(xp);
    if (rc) return rc;
    memcpy(A->pts + (size_t)A->npts * nobj, A->bmu, sizeof(double) * (size_t)nobj);
    P->plv[A->npts] = (int *)lv;
    A->npts++;
    acq_front(A);
    return 0;
}

/* Bayesian optimisation: fit the surrogates on the ok records, then pick
 * o->batch configurations one at a time, each the EHVI maximiser found by
 * local search from the best random candidates and the incumbent front,
 * followed by a kriging-believer update. */
static int bo(const space *s, const obj_spec *obj, const history *h, const propose_opts *o,
              rng_t *rng, hashset *ex, int *out, int *nout, propose_info *info, FILE *explain,
              char *err, size_t errlen)
{
    int d = space_ndims(s), nobj = obj->n, B = o->batch, n = h->n_ok;
    acq A;
    acq_init(&A, s, obj);
    A.ex = ex;
    int cap = n + B;
    double *X = xmalloc(sizeof(double) * (size_t)n * (size_t)d);
    int **lvp = xmalloc(sizeof(int *) * (size_t)n);
    double *yo = xmalloc(sizeof(double) * (size_t)n);
    ok_inputs(s, h, X, lvp, NULL);
    A.npts = n;
    A.pts = xmalloc(sizeof(double) * (size_t)cap * (size_t)nobj);
    A.front = xmalloc(sizeof(double) * (size_t)cap * 2);
    models_fit(&A, s, obj, h, o, rng, X, lvp, yo, cap, explain);
    info->n_fit = n;
    ref_point(&A, h, o, explain);
    acq_alloc(&A, cap);
    incumbents_predict(&A, X, yo, n, cap);

    pick_bufs P;
    P.cand = xmalloc(sizeof(int) * (size_t)A.maxm * (size_t)d);
    P.cur = xmalloc(sizeof(int) * (size_t)d);
    P.nb = xmalloc(sizeof(int) * (size_t)A.maxm * (size_t)d);
    P.nstart_max = o->ls_starts > 0 ? o->ls_starts : 1;
    P.starts = xmalloc(sizeof(int) * (size_t)P.nstart_max * (size_t)d);
    P.sv = xmalloc(sizeof(double) * 2 * (size_t)P.nstart_max);
    P.fidx = xmalloc(sizeof(int) * (size_t)cap);
    P.plv = xmalloc(sizeof(int *) * (size_t)cap);
    for (int j = 0; j < n; j++) P.plv[j] = lvp[j];
    P.sc = xmalloc(sizeof(scored) * (size_t)A.maxm);
    int rc = 0;
    for (int pick = 0; pick < B; pick++) {
        A.bval = -1;
        A.btie = -1;
        A.evals = 0;
        int ns = random_starts(&A, o, rng, &P);
        ns = front_starts(&A, rng, &P, ns);
        for (int q = 0; q < ns && A.evals < o->ls_evals; q++)
            local_search(&A, P.starts + (size_t)q * d, P.sv[2 * q], P.sv[2 * q + 1], P.cur, P.nb, o->ls_evals);
        if (A.bval < 0) {
            /* the search met only taken configurations: any untaken one */
            for (long t = 0; t < 20000 && A.bval < 0; t++) {
                space_sample(s, rng, P.cand);
                if (!hashset_has(ex, space_hash(s, P.cand))) acq_eval(&A, P.cand, 1);
            }
            if (A.bval < 0) break; /* the space is (nearly) exhausted */
        }
        take(s, ex, A.blv, out, nout);
        if (explain) explain_pick(&A, pick, explain);
        if ((rc = believe(&A, &P, out + (size_t)(*nout - 1) * d, err, errlen))) break;
    }
    acq_free(&A);
    free(X); free(lvp); free(yo);
    free(P.cand); free(P.cur); free(P.nb); free(P.starts); free(P.sv); free(P.fidx); free(P.plv); free(P.sc);
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
    acq_init(&A, s, obj);
    double *X = xmalloc(sizeof(double) * (size_t)n * (size_t)d);
    int **lvp = xmalloc(sizeof(int *) * (size_t)n);
    double *yo = xmalloc(sizeof(double) * (size_t)n);
    int *row = xmalloc(sizeof(int) * (size_t)n);
    ok_inputs(s, h, X, lvp, row);
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
    acq_free(&A);
    free(kp); free(ymin); free(var); free(work); free(X); free(lvp); free(yo); free(row);
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
