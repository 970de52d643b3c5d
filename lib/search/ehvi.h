/* ehvi.h -- exact expected hypervolume improvement for one or two
 * objectives, all MINIMISED, with independent Gaussian predictions
 * z_k ~ N(mu_k, sigma_k^2); sigma_k = 0 means objective k is known exactly
 * (e.g. the parameter count, computed from the configuration).
 *
 * Notation. Reference point r = (r1, r2). The incumbent front, after
 * ehvi_front2(), is y(1..m): mutually non-dominated, each strictly better
 * than r in both objectives, sorted by y1 ascending (so y2 descending).
 * Sentinels: y1(0) = -inf, y2(0) = r2, y1(m+1) = r1.
 *
 * Cell decomposition. The region below r not dominated by the front is the
 * disjoint union of m+1 vertical strips
 *     S_i = [y1(i), y1(i+1)) x (-inf, y2(i)),   i = 0..m.
 * The hypervolume improvement of a point z is the measure of the part of
 * this region that z dominates:
 *     HVI(z) = sum_i (y1(i+1) - max(z1, y1(i)))^+ * (y2(i) - z2)^+ .
 * With z1, z2 independent the expectation factorises per strip:
 *     EHVI = sum_{i=0..m} T(y1(i), y1(i+1); mu1, sigma1) * P(y2(i); mu2, sigma2)
 * where, with psi(a,b,mu,sigma) = sigma phi((b-mu)/sigma) + (a-mu) Phi((b-mu)/sigma)
 * (= integral_{-inf}^{b} (a - z) N(z; mu, sigma^2) dz),
 *     P(b)    = E[(b - z)^+]              = psi(b, b, mu, sigma)
 *     T(a, b) = E[(b - max(z, a))^+]      (a < b)
 *             = (b - a) Phi((a-mu)/sigma) + psi(b, b, mu, sigma) - psi(b, a, mu, sigma)
 *     T(-inf, b) = psi(b, b, mu, sigma).
 * This is the 2-objective formula of Emmerich, Yang, Deutz, Wang, Fonseca
 * (2016), "A multicriteria generalization of Bayesian global optimization",
 * eqs. 17-18 (their sum over the m+1 cells of the staircase, each a product
 * of a psi-difference term along f1 and a psi term along f2), written per
 * strip. Cost: O(m log m) to prepare the front, O(m) per candidate.
 *
 * One objective known exactly (sigma1 = 0, z1 = p): T degenerates to the
 * deterministic width (y1(i+1) - max(p, y1(i)))^+, so
 *     EHVI = sum_{i : y1(i+1) > p} (y1(i+1) - max(p, y1(i))) * psi(y2(i), y2(i), mu2, sigma2),
 * the integral over the score axis of the known params slice (equally for
 * sigma2 = 0 with the roles swapped). Both sigmas 0 gives HVI(mu).
 *
 * One objective: EHVI = P(min(r, min front)) (expected improvement below
 * the best value, capped by the reference). */
#ifndef AUTOPEFT_EHVI_H
#define AUTOPEFT_EHVI_H

/* psi(a, b, mu, sigma) as above; sigma = 0 gives (a - mu) * [mu < b]. */
double ehvi_psi(double a, double b, double mu, double sigma);
/* E[(b - z)^+], z ~ N(mu, sigma^2). */
double ehvi_epos(double b, double mu, double sigma);
/* E[(b - max(z, a))^+], a < b; a = -INFINITY allowed. */
double ehvi_etrunc(double a, double b, double mu, double sigma);

/* Prepare a front (pareto_front2d from pareto.h): keep the points of pts (n, 2) strictly better than ref
 * in both objectives and non-dominated (duplicates once), sorted by the
 * first objective ascending, into front (n, 2). Returns the count m. */
int ehvi_front2(const double *pts, int n, const double *ref, double *front);
/* EHVI for a prepared front (m, 2). */
double ehvi2(const double *front, int m, const double *ref, const double *mu, const double *sigma);
/* Exact (deterministic) hypervolume improvement of point z. */
double hvi2(const double *front, int m, const double *ref, const double *z);
/* Hypervolume of a prepared front w.r.t. ref. */
double hv2(const double *front, int m, const double *ref);

/* One objective: best = min(ref, best front value). */
double ehvi1(double best, double mu, double sigma);

#endif
