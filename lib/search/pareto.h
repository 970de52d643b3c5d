/* pareto.h -- Pareto dominance, non-dominated filtering and sorting, and
 * exact hypervolume (see pareto(1)).
 *
 * Conventions: a point set is a flat row-major array y of shape (n, d)
 * (point i is y[i*d .. i*d+d-1]); every objective is MINIMISED (negate
 * maximised objectives first, e.g. with obj_to_min() from objectives.h).
 * Sizes come last in argument lists.
 *
 * Dominance: a dominates b iff a[k] <= b[k] for all k and a[k] < b[k] for
 * some k. Equal points do not dominate each other, so duplicates share a
 * rank and are both kept by the filter.
 *
 * Hypervolume w.r.t. a reference point ref (d): the Lebesgue measure of
 * { z : z < ref and some point p <= z }. Only points strictly better than
 * ref in EVERY objective contribute (others are ignored). Exact:
 *   d == 1  ref - min;
 *   d == 2  sort + sweep, O(n log n);
 *   d >= 3  WFG (While, Bradstreet, Barone 2012: exclusive hypervolumes of
 *           limit sets) with the points sorted on the first objective so
 *           each recursion level drops one dimension; the 2-D sweep is the
 *           base case. 3-D costs O(n^2 log n); fine for hundreds of points
 *           in 3-5 D (see tests/unit/test_pareto.c for timings).
 * All functions are pure (no globals), thread-safe and allocate only
 * O(n*d) scratch. */
#ifndef AUTOPEFT_PARETO_H
#define AUTOPEFT_PARETO_H

/* 1 if a dominates b (both length d), else 0. */
int pareto_dominates(const double *a, const double *b, int d);

/* keep[i] = 1 if no point of y (n, d) dominates point i, else 0.
 * Returns the number kept. d == 2: O(n log n); otherwise an O(n log n)
 * sort and an O(n * front * d) scan. */
long pareto_nondominated(const double *y, unsigned char *keep, long n, int d);

/* Non-dominated filter with ties: per-point tolerances t (n, d), t may be
 * NULL (no tolerance). In objective k, points a and b differ only when
 * |y[a,k] - y[b,k]| > hypot(t[a,k], t[b,k]) (for standard errors: the
 * combined standard error); a dominates b iff it is nowhere worse beyond
 * that tolerance and somewhere better beyond it. keep[i] = 1 if no point
 * dominates i. With t == NULL this is pareto_nondominated. O(n^2 d). */
long pareto_nondominated_tol(const double *y, const double *t, unsigned char *keep, long n, int d);

/* Number of distinct non-dominated points of y (n, d) that are strictly
 * better than ref in every objective: the points that shape the
 * hypervolume. */
long pareto_count_front(const double *y, const double *ref, long n, int d);

/* Non-dominated sorting: rank[i] = 1 for the first front (non-dominated
 * points), 2 for points dominated only by rank-1 points, and in general
 * 1 + the largest rank among the points dominating i (Deb et al. 2002).
 * d == 2: O(n log n) (lexicographic sort + binary search over fronts);
 * otherwise O(n^2 d) with O(n) memory. */
void pareto_rank(const double *y, int *rank, long n, int d);

/* Exact hypervolume of y (n, d) w.r.t. ref (d). 0 when no point is
 * strictly better than ref in every objective. d >= 1. */
double pareto_hv(const double *y, const double *ref, long n, int d);

/* contrib[i] = exclusive hypervolume of point i: pareto_hv(all) minus
 * pareto_hv(all but i), computed directly as the volume of i's box minus
 * the hypervolume of the others limited to that box. Dominated points,
 * duplicates and points outside the reference box get 0. O(n) hypervolumes. */
void pareto_hv_contrib(const double *y, const double *ref, double *contrib, long n, int d);

/* ---- 2-D front utilities (reused by propose's exact EHVI) ---- */

/* Write the 2-D Pareto front of y (n, 2) into front (capacity n rows):
 * the non-dominated points, duplicates removed, restricted to points
 * strictly better than ref in both objectives (ref may be NULL: no box),
 * sorted by front[.][0] ascending, so front[.][1] is strictly descending.
 * Returns m, the number of rows written. y and front must not overlap. */
long pareto_front2d(const double *y, const double *ref, double *front, long n);

/* Hypervolume of a front as returned by pareto_front2d (sorted, mutually
 * non-dominated, strictly inside ref): sum of the m staircase rectangles
 *   (ref[0] - f[i][0]) * (f[i-1][1] - f[i][1]),  with f[-1][1] = ref[1].
 * O(m). */
double pareto_hv2d_sorted(const double *front, const double *ref, long m);

/* Hypervolume of any 2-D point set y (n, 2) (unsorted, may contain
 * dominated points or points outside the box). O(n log n); allocates a
 * copy. Same value as pareto_hv(y, ref, n, 2). */
double pareto_hv2d(const double *y, const double *ref, long n);

#endif
