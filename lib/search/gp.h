/* gp.h -- Gaussian-process regression for the BO surrogate of propose(1).
 *
 * Model (one GP per uncertain objective, inputs in the unit cube):
 *   f ~ GP(0, k),  y_j = f(x_j) + eps_j,  eps_j ~ N(0, noise)
 *   k(x,x') = s * m52(r),  r^2 = sum_i kappa_i (x_i - x'_i)^2
 *   m52(r)  = (1 + a + a^2/3) exp(-a),  a = sqrt(5) r        (Matern-5/2, ARD)
 *   kappa_i = 1/l_i^2 = tau * rho_i                          (SAAS)
 * Priors (densities of the constrained values, as GPyTorch/BoTorch MAP):
 *   tau ~ HalfCauchy(0.1), rho_i ~ HalfCauchy(1),
 *   s ~ Gamma(2, rate 0.15), noise ~ Gamma(0.9, rate 10).
 * The targets y are expected to be standardised (mean 0, sd 1) by the caller;
 * the prior mean is 0.
 *
 * Hyperparameter vector theta (GP_NHYP(d) doubles, unconstrained):
 *   theta[0]       = log tau
 *   theta[1..d]    = log rho_i
 *   theta[d+1]     = log s
 *   theta[d+2]     = log(noise - GP_NOISE_MIN)
 * MAP fit: maximise LML(theta) + log prior(theta) with multi-start L-BFGS
 * (liblbfgs) using analytic gradients:
 *   dLML/dtheta = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta),  alpha = K^-1 y
 *   dk/d(r^2)   = -s (5/6) (1 + a) exp(-a)
 *   dK_jk/dlog kappa_i = dk/d(r^2) * kappa_i (x_ji - x_ki)^2
 *   dlog kappa_i/dlog tau = dlog kappa_i/dlog rho_i = 1
 *
 * Linear algebra: column-major n x n matrices with leading dimension cap
 * (so a fantasy observation appends a row to L in place); Cholesky
 * LAPACKE_dpotrf (lower, K = L L^T), solves dpotrs / cblas_dtrsm,
 * inverse dpotri (for the gradient). */
#ifndef AUTOPEFT_GP_H
#define AUTOPEFT_GP_H

#include "util/util.h"

#define GP_NHYP(d) ((d) + 3)
#define GP_NOISE_MIN 1e-6

typedef struct {
    int d;          /* input dimension */
    int n;          /* observations (including fantasies) */
    int cap;        /* capacity: max observations */
    double *X;      /* (cap, d) row-major inputs */
    double *y;      /* (cap) targets */
    double *theta;  /* (GP_NHYP(d)) current hyperparameters */
    double *kappa;  /* (d) inverse squared lengthscales tau*rho_i */
    double s;       /* outputscale */
    double noise;   /* observation noise variance */
    double *L;      /* (cap, cap) col-major lower Cholesky factor of K */
    double *alpha;  /* (cap) K^-1 y */
    int factored;   /* 1 when L/alpha match X, y, theta */
    double lml;     /* log marginal likelihood at theta (after gp_factor) */
    /* workspace for the objective: (cap, cap) each */
    double *wA, *wG, *wK;
    double *wv;     /* (cap) */
} gp;

void gp_init(gp *g, int d, int cap);
void gp_free(gp *g);
/* Copy n observations (n <= cap): X (n, d) row-major, y (n). */
void gp_set_data(gp *g, const double *X, const double *y, int n);
/* Default starting point: tau 0.1, rho 1, s 1, noise 0.1. */
void gp_default_theta(int d, double *theta);
/* Set theta and factor K. 0 on success, -1 if K is not positive definite. */
int gp_set_theta(gp *g, const double *theta);

/* Log marginal likelihood at theta (does not change g->theta/L); grad
 * (GP_NHYP(d)) if non-NULL. Returns -HUGE_VAL if K is not PD. Uses the
 * workspace of g. */
double gp_lml(gp *g, const double *theta, double *grad);
/* Log prior density of theta (constrained-value densities, see above);
 * grad (GP_NHYP(d)) += d log prior / d theta if non-NULL. */
double gp_log_prior(int d, const double *theta, double *grad);

/* MAP fit: restarts L-BFGS runs, the first from gp_default_theta with a
 * budget of max_iter objective evaluations, the others from random draws
 * with max_iter/2 each; keeps the best point seen and factors. Returns the
 * best log posterior (LML + log prior). */
double gp_fit(gp *g, rng_t *rng, int restarts, int max_iter);

/* Posterior of the latent f at m points Xs (m, d) row-major: mean (m),
 * var (m, floored at 1e-12 s). work: (cap * m) doubles. */
void gp_predict(const gp *g, const double *Xs, int m, double *mean, double *var, double *work);
/* Kernel matrix entry k(a, b) under the current hyperparameters. */
double gp_kernel(const gp *g, const double *a, const double *b);

/* Kriging-believer fantasy: append observation (x, y) keeping theta;
 * extends L by one row in O(n^2) and recomputes alpha. -1 if full or the
 * update is not PD. */
int gp_add_point(gp *g, const double *x, double y);

#endif
