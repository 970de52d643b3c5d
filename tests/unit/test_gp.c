/* test_gp.c -- lib/search/gp.c against a direct dense computation (naive loops,
 * no LAPACK): log marginal likelihood and posterior mean/variance; analytic
 * gradients of the LML and of the log prior against central finite
 * differences; the kriging-believer Cholesky update against a refactor
 * from scratch; and a MAP fit that must find the relevant dimensions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "search/gp.h"
#include "util/util.h"

#define LOG2PI 1.83787706640934548356

/* CHECK_CLOSE for double arrays: max|a-b| <= atol + rtol*max|b| (printed) */
static void close_d(const char *name, const double *a, const double *b, int n, double atol,
                    double rtol)
{
    double mx = 0, d = 0;
    for (int i = 0; i < n; i++) {
        if (fabs(b[i]) > mx) mx = fabs(b[i]);
        double t = fabs(a[i] - b[i]);
        if (!(t <= d)) d = t;
    }
    double tol = atol + rtol * mx;
    int ok = d <= tol;
    CHECK_MSG(ok, "%s", name);
    printf("%s %-44s max|diff|=%.3e tol=%.3e\n", ok ? "  ok" : "FAIL", name, d, tol);
}

static double m52_ref(double r)
{
    double a = sqrt(5.0) * r;
    return (1 + a + 5.0 * r * r / 3.0) * exp(-a);
}

/* k(a,b) straight from the definition with lengthscales l_i = 1/sqrt(kappa_i) */
static double kern_ref(const double *theta, int d, const double *a, const double *b)
{
    double r2 = 0;
    for (int i = 0; i < d; i++) {
        double l = 1.0 / sqrt(exp(theta[0]) * exp(theta[1 + i]));
        double t = (a[i] - b[i]) / l;
        r2 += t * t;
    }
    return exp(theta[d + 1]) * m52_ref(sqrt(r2));
}

/* naive in-place Cholesky (lower, row-major n x n); returns log det */
static double chol_ref(double *A, int n)
{
    double ld = 0;
    for (int j = 0; j < n; j++) {
        double s = A[j * n + j];
        for (int k = 0; k < j; k++) s -= A[j * n + k] * A[j * n + k];
        A[j * n + j] = sqrt(s);
        ld += 2 * log(A[j * n + j]);
        for (int i = j + 1; i < n; i++) {
            double t = A[i * n + j];
            for (int k = 0; k < j; k++) t -= A[i * n + k] * A[j * n + k];
            A[i * n + j] = t / A[j * n + j];
        }
    }
    return ld;
}

/* solve L L^T x = b with the naive factor */
static void solve_ref(const double *L, int n, const double *b, double *x)
{
    for (int i = 0; i < n; i++) {
        double t = b[i];
        for (int k = 0; k < i; k++) t -= L[i * n + k] * x[k];
        x[i] = t / L[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {
        double t = x[i];
        for (int k = i + 1; k < n; k++) t -= L[k * n + i] * x[k];
        x[i] = t / L[i * n + i];
    }
}

static void make_data(rng_t *r, int n, int d, double *X, double *y)
{
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < d; i++) X[j * d + i] = rng_uniform(r);
        y[j] = sin(5 * X[j * d]) + 0.8 * cos(4 * X[j * d + 1]) + 0.05 * rng_normal(r);
    }
    /* one duplicate input (a re-evaluated configuration) */
    memcpy(X + (size_t)(n - 1) * d, X, sizeof(double) * (size_t)d);
}

static void random_theta(rng_t *r, int d, double *th)
{
    th[0] = log(0.1) + rng_normal(r) * 0.5;
    for (int i = 0; i < d; i++) th[1 + i] = rng_normal(r);
    th[d + 1] = rng_normal(r) * 0.3;
    th[d + 2] = log(0.05) + rng_normal(r) * 0.5;
}

static void test_dense(void)
{
    rng_t r;
    rng_seed(&r, 3);
    int n = 25, d = 4, m = 7;
    double X[25 * 4], y[25], th[GP_NHYP(4)], Xs[7 * 4];
    make_data(&r, n, d, X, y);
    random_theta(&r, d, th);
    for (int i = 0; i < m * d; i++) Xs[i] = rng_uniform(&r);
    memcpy(Xs, X + 3 * d, sizeof(double) * (size_t)d); /* one test point at a training input */
    gp g;
    gp_init(&g, d, n + 2);
    gp_set_data(&g, X, y, n);
    CHECK(gp_set_theta(&g, th) == 0);
    double lml = gp_lml(&g, th, NULL);

    /* dense reference */
    double noise = GP_NOISE_MIN + exp(th[d + 2]);
    double *K = xmalloc(sizeof(double) * (size_t)(n * n)), al[25];
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) K[a * n + b] = kern_ref(th, d, X + a * d, X + b * d) + (a == b ? noise : 0);
    double logdet = chol_ref(K, n);
    solve_ref(K, n, y, al);
    double q = 0;
    for (int j = 0; j < n; j++) q += y[j] * al[j];
    double lml_ref = -0.5 * q - 0.5 * logdet - 0.5 * n * LOG2PI;
    printf("  lml %.12f dense %.12f\n", lml, lml_ref);
    CHECK(fabs(lml - lml_ref) < 1e-9 * (1 + fabs(lml_ref)));
    CHECK(fabs(g.lml - lml_ref) < 1e-9 * (1 + fabs(lml_ref)));

    double mean[7], var[7], mref[7], vref[7], *work = xmalloc(sizeof(double) * (size_t)(g.cap * m));
    gp_predict(&g, Xs, m, mean, var, work);
    for (int c = 0; c < m; c++) {
        double ks[25], v[25];
        for (int j = 0; j < n; j++) ks[j] = kern_ref(th, d, X + j * d, Xs + c * d);
        solve_ref(K, n, ks, v);
        double mu = 0, kk = 0;
        for (int j = 0; j < n; j++) { mu += ks[j] * al[j]; kk += ks[j] * v[j]; }
        mref[c] = mu;
        vref[c] = exp(th[d + 1]) - kk;
    }
    close_d("posterior mean vs dense", mean, mref, m, 1e-10, 1e-9);
    close_d("posterior var vs dense", var, vref, m, 1e-10, 1e-9);

    /* kriging believer: add (x*, mean(x*)) and compare with a fresh factor */
    double xnew[4] = {0.3, 0.6, 0.1, 0.9}, mn, vn;
    gp_predict(&g, xnew, 1, &mn, &vn, work);
    CHECK(gp_add_point(&g, xnew, mn) == 0);
    double mean2[7], var2[7];
    gp_predict(&g, Xs, m, mean2, var2, work);
    gp h;
    gp_init(&h, d, n + 2);
    double X2[26 * 4], y2[26];
    memcpy(X2, X, sizeof X);
    memcpy(X2 + n * d, xnew, sizeof xnew);
    memcpy(y2, y, sizeof y);
    y2[n] = mn;
    gp_set_data(&h, X2, y2, n + 1);
    CHECK(gp_set_theta(&h, th) == 0);
    double mean3[7], var3[7];
    gp_predict(&h, Xs, m, mean3, var3, work);
    close_d("fantasy update mean vs refactor", mean2, mean3, m, 1e-10, 1e-9);
    close_d("fantasy update var vs refactor", var2, var3, m, 1e-10, 1e-9);
    close_d("believer keeps the posterior mean", mean2, mean, m, 1e-9, 1e-9);
    int shrunk = 1;
    for (int c = 0; c < m; c++) shrunk &= var2[c] <= var[c] + 1e-12;
    CHECK(shrunk);
    double vx;
    gp_predict(&g, xnew, 1, &mn, &vx, work);
    CHECK(vx < vn);
    gp_free(&h);
    gp_free(&g);
    free(K);
    free(work);
}

static void test_gradients(void)
{
    rng_t r;
    rng_seed(&r, 5);
    int n = 30, d = 6, nh = GP_NHYP(6);
    double X[30 * 6], y[30];
    make_data(&r, n, d, X, y);
    gp g;
    gp_init(&g, d, n);
    gp_set_data(&g, X, y, n);
    double worst = 0, worstp = 0;
    for (int t = 0; t < 5; t++) {
        double th[GP_NHYP(6)], gr[GP_NHYP(6)], fd[GP_NHYP(6)], gp_[GP_NHYP(6)], fdp[GP_NHYP(6)];
        random_theta(&r, d, th);
        gp_lml(&g, th, gr);
        memset(gp_, 0, sizeof gp_);
        gp_log_prior(d, th, gp_);
        for (int k = 0; k < nh; k++) {
            double h = 1e-5, tp[GP_NHYP(6)], tm[GP_NHYP(6)];
            memcpy(tp, th, sizeof th);
            memcpy(tm, th, sizeof th);
            tp[k] += h;
            tm[k] -= h;
            fd[k] = (gp_lml(&g, tp, NULL) - gp_lml(&g, tm, NULL)) / (2 * h);
            fdp[k] = (gp_log_prior(d, tp, NULL) - gp_log_prior(d, tm, NULL)) / (2 * h);
        }
        double sc = 0;
        for (int k = 0; k < nh; k++) {
            if (fabs(fd[k]) > sc) sc = fabs(fd[k]);
        }
        for (int k = 0; k < nh; k++) {
            double e = fabs(gr[k] - fd[k]) / (1 + sc);
            if (e > worst) worst = e;
            double ep = fabs(gp_[k] - fdp[k]);
            if (ep > worstp) worstp = ep;
        }
        close_d("LML gradient vs finite differences", gr, fd, nh, 1e-6, 1e-6);
        close_d("log prior gradient vs finite differences", gp_, fdp, nh, 1e-7, 1e-7);
    }
    printf("  gradient check: worst scaled LML error %.2e, prior %.2e\n", worst, worstp);
    gp_free(&g);
}

static void test_fit(void)
{
    rng_t r;
    rng_seed(&r, 9);
    int n = 60, d = 8, nt = 200;
    double *X = xmalloc(sizeof(double) * (size_t)(n * d)), y[60];
    make_data(&r, n, d, X, y);
    double ym = 0, ys = 0;
    for (int j = 0; j < n; j++) ym += y[j] / n;
    for (int j = 0; j < n; j++) ys += (y[j] - ym) * (y[j] - ym) / (n - 1);
    ys = sqrt(ys);
    for (int j = 0; j < n; j++) y[j] = (y[j] - ym) / ys;
    gp g;
    gp_init(&g, d, n);
    gp_set_data(&g, X, y, n);
    double t0 = now_seconds();
    double post = gp_fit(&g, &r, getenv("R") ? atoi(getenv("R")) : 3, 200);
    double dt = now_seconds() - t0;
    double th0[GP_NHYP(8)];
    gp_default_theta(d, th0);
    double post0 = gp_lml(&g, th0, NULL) + gp_log_prior(d, th0, NULL);
    printf("  fit: log posterior %.3f (default start %.3f) in %.3f s; kappa:", post, post0, dt);
    for (int i = 0; i < d; i++) printf(" %.3g", g.kappa[i]);
    printf("; noise %.3g s %.3g\n", g.noise, g.s);
    CHECK(post >= post0);
    CHECK(fabs(post - (g.lml + gp_log_prior(d, g.theta, NULL))) < 1e-8 * (1 + fabs(post)));
    double kmin_rel = fmin(g.kappa[0], g.kappa[1]), kmax_irr = 0;
    for (int i = 2; i < d; i++) kmax_irr = fmax(kmax_irr, g.kappa[i]);
    CHECK_MSG(kmin_rel > 5 * kmax_irr, "relevant %.3g vs irrelevant %.3g", kmin_rel, kmax_irr);
    /* held-out accuracy: RMSE well below the output sd (1 after scaling) */
    double *Xt = xmalloc(sizeof(double) * (size_t)(nt * d)), yt[200], mu[200], vr[200];
    double *work = xmalloc(sizeof(double) * (size_t)(n * nt));
    for (int j = 0; j < nt; j++) {
        for (int i = 0; i < d; i++) Xt[j * d + i] = rng_uniform(&r);
        yt[j] = (sin(5 * Xt[j * d]) + 0.8 * cos(4 * Xt[j * d + 1]) - ym) / ys;
    }
    gp_predict(&g, Xt, nt, mu, vr, work);
    double se = 0, cover = 0;
    for (int j = 0; j < nt; j++) {
        se += (mu[j] - yt[j]) * (mu[j] - yt[j]);
        cover += fabs(mu[j] - yt[j]) < 2 * sqrt(vr[j] + g.noise);
    }
    double rmse = sqrt(se / nt);
    printf("  held-out rmse %.4f (output sd 1), 2-sd coverage %.2f\n", rmse, cover / nt);
    CHECK(rmse < 0.2);
    CHECK(cover / nt > 0.8);
    gp_free(&g);
    free(X); free(Xt); free(work);
}

int main(void)
{
    test_dense();
    test_gradients();
    test_fit();
    return check_status("test_gp");
}
