/* gp.c -- GP regression with a Matern-5/2 ARD kernel and SAAS-style priors,
 * MAP-fitted by multi-start L-BFGS with analytic gradients (see gp.h). */
#include "search/gp.h"

#include <cblas.h>
#include <lapacke.h>
#include <lbfgs.h>
#include <math.h>
#include <string.h>

#define SQRT5 2.23606797749978969641
#define PI_ 3.14159265358979323846
#define LOG_2PI 1.83787706640934548356

static const double TAU_SCALE = 0.1, RHO_SCALE = 1.0;
static const double OS_A = 2.0, OS_B = 0.15;    /* outputscale Gamma(shape, rate) */
static const double NZ_A = 0.9, NZ_B = 10.0;    /* noise Gamma(shape, rate) */

void gp_init(gp *g, int d, int cap)
{
    memset(g, 0, sizeof *g);
    g->d = d;
    g->cap = cap;
    size_t cc = (size_t)cap * (size_t)cap;
    g->X = xcalloc((size_t)cap * (size_t)(d > 0 ? d : 1), sizeof(double));
    g->y = xcalloc((size_t)cap, sizeof(double));
    g->theta = xcalloc((size_t)GP_NHYP(d), sizeof(double));
    g->kappa = xcalloc((size_t)(d > 0 ? d : 1), sizeof(double));
    g->L = xcalloc(cc, sizeof(double));
    g->alpha = xcalloc((size_t)cap, sizeof(double));
    g->wA = xcalloc(cc, sizeof(double));
    g->wG = xcalloc(cc, sizeof(double));
    g->wK = xcalloc(cc, sizeof(double));
    g->wv = xcalloc((size_t)cap, sizeof(double));
    gp_default_theta(d, g->theta);
}

void gp_free(gp *g)
{
    free(g->X); free(g->y); free(g->theta); free(g->kappa); free(g->L); free(g->alpha);
    free(g->wA); free(g->wG); free(g->wK); free(g->wv);
    memset(g, 0, sizeof *g);
}

void gp_set_data(gp *g, const double *X, const double *y, int n)
{
    if (n > g->cap) die(1, "gp: %d observations exceed capacity %d", n, g->cap);
    g->n = n;
    memcpy(g->X, X, sizeof(double) * (size_t)n * (size_t)g->d);
    memcpy(g->y, y, sizeof(double) * (size_t)n);
    g->factored = 0;
}

void gp_default_theta(int d, double *theta)
{
    theta[0] = log(0.1);
    for (int i = 0; i < d; i++) theta[1 + i] = 0.0;
    theta[d + 1] = 0.0;
    theta[d + 2] = log(0.1 - GP_NOISE_MIN);
}

/* Unpack theta into kappa (d), s, noise. */
static void unpack(int d, const double *theta, double *kappa, double *s, double *noise)
{
    double tau = exp(theta[0]);
    for (int i = 0; i < d; i++) kappa[i] = tau * exp(theta[1 + i]);
    *s = exp(theta[d + 1]);
    *noise = GP_NOISE_MIN + exp(theta[d + 2]);
}

static inline double sqdist(const double *a, const double *b, const double *kappa, int d)
{
    double r2 = 0;
    for (int i = 0; i < d; i++) {
        double t = a[i] - b[i];
        r2 += kappa[i] * t * t;
    }
    return r2;
}

static inline double m52(double r2)
{
    double a = sqrt(5.0 * r2);
    return (1.0 + a + a * a / 3.0) * exp(-a);
}

double gp_kernel(const gp *g, const double *a, const double *b)
{
    return g->s * m52(sqdist(a, b, g->kappa, g->d));
}

double gp_log_prior(int d, const double *theta, double *grad)
{
    double lp = 0;
    /* HalfCauchy(beta): log p(x) = log(2/(pi beta)) - log(1 + (x/beta)^2) */
    for (int i = 0; i <= d; i++) {
        double beta = i == 0 ? TAU_SCALE : RHO_SCALE;
        double x = exp(theta[i]) / beta, x2 = x * x;
        lp += log(2.0 / (PI_ * beta)) - log1p(x2);
        if (grad) grad[i] += -2.0 * x2 / (1.0 + x2);
    }
    /* Gamma(a, rate b): log p(x) = a log b - lgamma(a) + (a-1) log x - b x */
    double s = exp(theta[d + 1]);
    lp += OS_A * log(OS_B) - lgamma(OS_A) + (OS_A - 1.0) * theta[d + 1] - OS_B * s;
    if (grad) grad[d + 1] += (OS_A - 1.0) - OS_B * s;
    double e = exp(theta[d + 2]), nz = GP_NOISE_MIN + e;
    lp += NZ_A * log(NZ_B) - lgamma(NZ_A) + (NZ_A - 1.0) * log(nz) - NZ_B * nz;
    if (grad) grad[d + 2] += ((NZ_A - 1.0) / nz - NZ_B) * e;
    return lp;
}

/* Build K (lower, col-major, ld cap) into out, the noise-free kernel into
 * A and dk/d(r^2) into G (lower triangles) for hyperparameters (kappa,s,noise). */
static void build_k(const gp *g, const double *kappa, double s, double noise, double *out,
                    double *A, double *G)
{
    int n = g->n, d = g->d, ld = g->cap;
    for (int k = 0; k < n; k++) {
        const double *xk = g->X + (size_t)k * d;
        for (int j = k; j < n; j++) {
            size_t o = (size_t)k * ld + j;
            double r2 = j == k ? 0.0 : sqdist(g->X + (size_t)j * d, xk, kappa, d);
            double a = sqrt(5.0 * r2), e = exp(-a);
            double kf = s * (1.0 + a + a * a / 3.0) * e;
            if (A) A[o] = kf;
            if (G) G[o] = -s * (5.0 / 6.0) * (1.0 + a) * e;
            out[o] = kf + (j == k ? noise : 0.0);
        }
    }
}

double gp_lml(gp *g, const double *theta, double *grad)
{
    int n = g->n, d = g->d, ld = g->cap;
    double s, noise;
    double kbuf[256];
    double *kappa = d <= 256 ? kbuf : xmalloc(sizeof(double) * (size_t)d);
    unpack(d, theta, kappa, &s, &noise);
    double *Lw = g->wK, *A = g->wA, *G = g->wG;
    build_k(g, kappa, s, noise, Lw, grad ? A : NULL, grad ? G : NULL);
    double lml = -HUGE_VAL;
    if (n == 0) {
        lml = 0;
        if (grad) memset(grad, 0, sizeof(double) * (size_t)GP_NHYP(d));
        goto done;
    }
    if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, Lw, ld) != 0) goto done;
    double *al = g->wv;
    memcpy(al, g->y, sizeof(double) * (size_t)n);
    LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', n, 1, Lw, ld, al, n);
    double quad = 0, logdet = 0;
    for (int j = 0; j < n; j++) {
        quad += g->y[j] * al[j];
        logdet += log(Lw[(size_t)j * ld + j]);
    }
    lml = -0.5 * quad - logdet - 0.5 * n * LOG_2PI;
    if (!grad) goto done;
    /* W = alpha alpha^T - K^-1 (lower triangle) */
    if (LAPACKE_dpotri(LAPACK_COL_MAJOR, 'L', n, Lw, ld) != 0) { lml = -HUGE_VAL; goto done; }
    memset(grad, 0, sizeof(double) * (size_t)GP_NHYP(d));
    double gs = 0, gn = 0;
    double *gk = grad + 1; /* accumulate d/dlog kappa_i in grad[1..d] */
    for (int k = 0; k < n; k++) {
        const double *xk = g->X + (size_t)k * d;
        size_t ok = (size_t)k * ld + k;
        double wkk = al[k] * al[k] - Lw[ok];
        gs += 0.5 * wkk * A[ok];
        gn += 0.5 * wkk;
        for (int j = k + 1; j < n; j++) {
            size_t o = (size_t)k * ld + j;
            double w = al[j] * al[k] - Lw[o];
            gs += w * A[o];
            double m = w * G[o];
            const double *xj = g->X + (size_t)j * d;
            for (int i = 0; i < d; i++) {
                double t = xj[i] - xk[i];
                gk[i] += m * t * t;
            }
        }
    }
    double gtau = 0;
    for (int i = 0; i < d; i++) {
        gk[i] *= kappa[i];
        gtau += gk[i];
    }
    grad[0] = gtau;
    grad[d + 1] = gs;
    grad[d + 2] = gn * exp(theta[d + 2]);
done:
    if (kappa != kbuf) free(kappa);
    return lml;
}

int gp_set_theta(gp *g, const double *theta)
{
    int n = g->n, ld = g->cap;
    memcpy(g->theta, theta, sizeof(double) * (size_t)GP_NHYP(g->d));
    unpack(g->d, theta, g->kappa, &g->s, &g->noise);
    g->factored = 0;
    build_k(g, g->kappa, g->s, g->noise, g->L, NULL, NULL);
    if (n > 0 && LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, g->L, ld) != 0) return -1;
    memcpy(g->alpha, g->y, sizeof(double) * (size_t)n);
    if (n > 0) LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', n, 1, g->L, ld, g->alpha, n);
    double quad = 0, logdet = 0;
    for (int j = 0; j < n; j++) {
        quad += g->y[j] * g->alpha[j];
        logdet += log(g->L[(size_t)j * ld + j]);
    }
    g->lml = -0.5 * quad - logdet - 0.5 * n * LOG_2PI;
    g->factored = 1;
    return 0;
}

/* ---- MAP fit ---- */

typedef struct {
    gp *g;
    double best_f;
    double *best_theta;
    int evals, max_evals; /* per restart */
} fit_ctx;

/* Cancel a restart that has used its evaluation budget (line searches that
 * keep failing near a flat ridge can otherwise burn thousands). */
static int fit_progress(void *inst, const lbfgsfloatval_t *x, const lbfgsfloatval_t *g,
                        const lbfgsfloatval_t fx, const lbfgsfloatval_t xnorm,
                        const lbfgsfloatval_t gnorm, const lbfgsfloatval_t step, int n, int k,
                        int ls)
{
    (void)x; (void)g; (void)fx; (void)xnorm; (void)gnorm; (void)step; (void)n; (void)k; (void)ls;
    fit_ctx *c = inst;
    return c->evals >= c->max_evals;
}

static lbfgsfloatval_t fit_eval(void *inst, const lbfgsfloatval_t *x, lbfgsfloatval_t *grad,
                                const int nv, const lbfgsfloatval_t step)
{
    (void)step;
    fit_ctx *c = inst;
    int d = c->g->d;
    c->evals++;
    /* keep the search in a sane box: outside it the objective is +huge */
    for (int i = 0; i < nv; i++)
        if (!(x[i] > -30.0 && x[i] < 30.0)) {
            memset(grad, 0, sizeof(double) * (size_t)nv);
            return 1e300;
        }
    double lml = gp_lml(c->g, x, grad);
    if (!(lml > -HUGE_VAL)) {
        memset(grad, 0, sizeof(double) * (size_t)nv);
        return 1e300;
    }
    double lp = gp_log_prior(d, x, grad);
    double f = -(lml + lp);
    for (int i = 0; i < nv; i++) grad[i] = -grad[i];
    if (f < c->best_f) {
        c->best_f = f;
        memcpy(c->best_theta, x, sizeof(double) * (size_t)nv);
    }
    return f;
}

double gp_fit(gp *g, rng_t *rng, int restarts, int max_iter)
{
    int d = g->d, nv = GP_NHYP(d);
    double *best = xmalloc(sizeof(double) * (size_t)nv);
    lbfgsfloatval_t *x = lbfgs_malloc(nv);
    if (!x) die(1, "out of memory");
    fit_ctx c = {g, HUGE_VAL, best, 0, 0};
    gp_default_theta(d, best);
    lbfgs_parameter_t par;
    lbfgs_parameter_init(&par);
    par.max_iterations = max_iter;
    par.epsilon = 1e-5;
    /* no "past" test: on near-deterministic objectives the log posterior
     * creeps along a ridge (noise -> floor) for many small steps, and a
     * relative-decrease test stops far from the optimum (measured: log
     * posterior 171 vs 734 on a deterministic 200 x 27 problem). The
     * evaluation budget ends the run instead. */
    par.past = 0;
    par.linesearch = LBFGS_LINESEARCH_BACKTRACKING_STRONG_WOLFE;
    par.max_linesearch = 30;
    if (restarts < 1) restarts = 1;
    for (int r = 0; r < restarts; r++) {
        gp_default_theta(d, x);
        if (r > 0) {
            /* random start: tau log-uniform in [0.01, 1], rho in [0.1, 10],
             * s in [0.5, 2], noise in [1e-3, 0.3] */
            x[0] = log(0.01) + rng_uniform(rng) * log(100.0);
            for (int i = 0; i < d; i++) x[1 + i] = log(0.1) + rng_uniform(rng) * log(100.0);
            x[d + 1] = log(0.5) + rng_uniform(rng) * log(4.0);
            x[d + 2] = log(1e-3) + rng_uniform(rng) * log(300.0);
        }
        lbfgsfloatval_t fx;
        /* evaluation budget: the first run (from the prior's centre) gets
         * max_iter evaluations, the random restarts half as many each */
        c.evals = 0;
        c.max_evals = r == 0 ? max_iter : (max_iter + 1) / 2;
        /* any return code is fine: fit_eval keeps the best point seen, and
         * line-search failures near the optimum are common and harmless */
        lbfgs(nv, x, &fx, fit_eval, fit_progress, &c, &par);
    }
    lbfgs_free(x);
    double post = -c.best_f;
    if (gp_set_theta(g, best) != 0) {
        /* cannot happen for a point that was evaluated, but be safe */
        gp_default_theta(d, best);
        if (gp_set_theta(g, best) != 0) die(1, "gp: kernel matrix is not positive definite");
    }
    free(best);
    return post;
}

void gp_predict(const gp *g, const double *Xs, int m, double *mean, double *var, double *work)
{
    int n = g->n, d = g->d, ld = g->cap;
    /* work: Ks (n, m) col-major: column c = k(X, xs_c) */
    for (int c = 0; c < m; c++) {
        const double *xs = Xs + (size_t)c * d;
        double *col = work + (size_t)c * n;
        for (int j = 0; j < n; j++) col[j] = g->s * m52(sqdist(g->X + (size_t)j * d, xs, g->kappa, d));
    }
    if (n == 0) {
        for (int c = 0; c < m; c++) { mean[c] = 0; var[c] = g->s; }
        return;
    }
    cblas_dgemv(CblasColMajor, CblasTrans, n, m, 1.0, work, n, g->alpha, 1, 0.0, mean, 1);
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, m, 1.0, g->L,
                ld, work, n);
    for (int c = 0; c < m; c++) {
        const double *v = work + (size_t)c * n;
        double v2 = cblas_ddot(n, v, 1, v, 1);
        double vr = g->s - v2;
        if (vr < 1e-12 * g->s) vr = 1e-12 * g->s;
        var[c] = vr;
    }
}

int gp_add_point(gp *g, const double *x, double y)
{
    int n = g->n, d = g->d, ld = g->cap;
    if (n >= g->cap) return -1;
    double *l = g->wv;
    for (int j = 0; j < n; j++) l[j] = g->s * m52(sqdist(g->X + (size_t)j * d, x, g->kappa, d));
    if (n > 0) cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, g->L, ld, l, 1);
    double dd = g->s + g->noise - (n > 0 ? cblas_ddot(n, l, 1, l, 1) : 0.0);
    if (!(dd > 0)) return -1;
    for (int j = 0; j < n; j++) g->L[(size_t)j * ld + n] = l[j];
    g->L[(size_t)n * ld + n] = sqrt(dd);
    memcpy(g->X + (size_t)n * d, x, sizeof(double) * (size_t)d);
    g->y[n] = y;
    g->n = ++n;
    memcpy(g->alpha, g->y, sizeof(double) * (size_t)n);
    LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', n, 1, g->L, ld, g->alpha, n);
    return 0;
}
