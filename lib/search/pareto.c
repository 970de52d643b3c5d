/* pareto.c -- see pareto.h. */
#include "search/pareto.h"

#include <math.h>
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int pareto_dominates(const double *a, const double *b, int d)
{
    int strict = 0;
    for (int k = 0; k < d; k++) {
        if (a[k] > b[k])
            return 0;
        if (a[k] < b[k])
            strict = 1;
    }
    return strict;
}

/* Lexicographic compare of rows a, b (length d): -1, 0, 1. */
static int lex_cmp(const double *a, const double *b, int d)
{
    for (int k = 0; k < d; k++) {
        if (a[k] < b[k])
            return -1;
        if (a[k] > b[k])
            return 1;
    }
    return 0;
}

/* Stable merge sort of idx[0..n-1] by the lexicographic order of rows of
 * y (., d); tmp is scratch of n longs. A point's dominators all come
 * strictly before it in this order. */
static void sort_idx_lex(const double *y, long *idx, long *tmp, long n, int d)
{
    for (long w = 1; w < n; w *= 2) {
        for (long lo = 0; lo < n; lo += 2 * w) {
            long mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            long i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                tmp[o++] = lex_cmp(y + idx[j] * d, y + idx[i] * d, d) < 0 ? idx[j++] : idx[i++];
            while (i < mid)
                tmp[o++] = idx[i++];
            while (j < hi)
                tmp[o++] = idx[j++];
        }
        memcpy(idx, tmp, (size_t)n * sizeof *idx);
    }
}

static long *lex_order(const double *y, long n, int d)
{
    long *idx = xmalloc((size_t)(n > 0 ? n : 1) * sizeof *idx);
    long *tmp = xmalloc((size_t)(n > 0 ? n : 1) * sizeof *tmp);
    for (long i = 0; i < n; i++)
        idx[i] = i;
    sort_idx_lex(y, idx, tmp, n, d);
    free(tmp);
    return idx;
}

long pareto_nondominated(const double *y, unsigned char *keep, long n, int d)
{
    if (n <= 0)
        return 0;
    if (d == 2) { /* O(n log n): the first front of the 2-D ranking */
        int *rank = xmalloc((size_t)n * sizeof *rank);
        pareto_rank(y, rank, n, 2);
        long m = 0;
        for (long i = 0; i < n; i++)
            m += keep[i] = rank[i] == 1;
        free(rank);
        return m;
    }
    long *idx = lex_order(y, n, d);
    long *front = xmalloc((size_t)n * sizeof *front); /* kept points so far */
    long m = 0;
    /* In lexicographic order every dominator of a point precedes it, and a
     * dominated dominator is itself dominated by a kept point, so checking
     * against the kept points is enough. */
    for (long t = 0; t < n; t++) {
        long i = idx[t];
        int dom = 0;
        for (long s = m - 1; s >= 0 && !dom; s--)
            dom = pareto_dominates(y + front[s] * d, y + i * d, d);
        keep[i] = !dom;
        if (!dom)
            front[m++] = i;
    }
    free(front);
    free(idx);
    return m;
}

void pareto_rank(const double *y, int *rank, long n, int d)
{
    if (n <= 0)
        return;
    long *idx = lex_order(y, n, d);
    if (d == 2) {
        /* last[k] = the most recently added member of front k+1: it has the
         * smallest second objective in its front, and a processed front
         * dominates point p iff its last member does. "Front k dominates p"
         * is monotone in k, so binary-search the first front that does not. */
        long *last = xmalloc((size_t)n * sizeof *last);
        long nf = 0;
        for (long t = 0; t < n; t++) {
            long i = idx[t];
            long lo = 0, hi = nf; /* answer in [lo, hi] */
            while (lo < hi) {
                long mid = lo + (hi - lo) / 2;
                if (pareto_dominates(y + last[mid] * 2, y + i * 2, 2))
                    lo = mid + 1;
                else
                    hi = mid;
            }
            last[lo] = i;
            if (lo == nf)
                nf++;
            rank[i] = (int)lo + 1;
        }
        free(last);
    } else {
        /* rank = 1 + max rank of the dominators, all processed earlier. */
        for (long t = 0; t < n; t++) {
            long i = idx[t];
            int r = 1;
            for (long s = 0; s < t; s++) {
                long j = idx[s];
                if (rank[j] >= r && pareto_dominates(y + j * d, y + i * d, d))
                    r = rank[j] + 1;
            }
            rank[i] = r;
        }
    }
    free(idx);
}

long pareto_count_front(const double *y, const double *ref, long n, int d)
{
    if (n <= 0)
        return 0;
    /* A dominator of a point inside the box is inside too, so the front of
     * the inside points is the front of all points, restricted. */
    double *in = xmalloc((size_t)n * (size_t)d * sizeof *in);
    long m = 0;
    for (long i = 0; i < n; i++) {
        int ok = 1;
        for (int k = 0; k < d && ok; k++)
            ok = y[i * d + k] < ref[k];
        if (ok)
            memcpy(in + (m++) * d, y + i * d, (size_t)d * sizeof *in);
    }
    unsigned char *keep = xmalloc((size_t)(m > 0 ? m : 1));
    pareto_nondominated(in, keep, m, d);
    long *idx = lex_order(in, m, d), cnt = 0, prev = -1;
    for (long t = 0; t < m; t++) { /* equal points are adjacent in this order */
        long i = idx[t];
        if (!keep[i])
            continue;
        if (prev < 0 || lex_cmp(in + prev * d, in + i * d, d) != 0)
            cnt++;
        prev = i;
    }
    free(idx);
    free(keep);
    free(in);
    return cnt;
}

/* ---- 2-D ---- */

static int cmp_row2(const void *pa, const void *pb)
{
    const double *a = pa, *b = pb;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    if (a[1] != b[1])
        return a[1] < b[1] ? -1 : 1;
    return 0;
}

double pareto_hv2d_sorted(const double *front, const double *ref, long m)
{
    double vol = 0, prev = ref[1];
    for (long i = 0; i < m; i++) {
        vol += (ref[0] - front[2 * i]) * (prev - front[2 * i + 1]);
        prev = front[2 * i + 1];
    }
    return vol;
}

long pareto_front2d(const double *y, const double *ref, double *front, long n)
{
    long m = 0;
    for (long i = 0; i < n; i++) {
        if (ref && !(y[2 * i] < ref[0] && y[2 * i + 1] < ref[1]))
            continue;
        front[2 * m] = y[2 * i];
        front[2 * m + 1] = y[2 * i + 1];
        m++;
    }
    qsort(front, (size_t)m, 2 * sizeof(double), cmp_row2);
    /* ascending x (ties: ascending y): keep a point iff its y is strictly
     * below every y before it */
    long k = 0;
    for (long i = 0; i < m; i++) {
        if (k > 0 && !(front[2 * i + 1] < front[2 * (k - 1) + 1]))
            continue;
        front[2 * k] = front[2 * i];
        front[2 * k + 1] = front[2 * i + 1];
        k++;
    }
    return k;
}

double pareto_hv2d(const double *y, const double *ref, long n)
{
    if (n <= 0)
        return 0;
    double *f = xmalloc((size_t)n * 2 * sizeof *f);
    long m = pareto_front2d(y, ref, f, n);
    double v = pareto_hv2d_sorted(f, ref, m);
    free(f);
    return v;
}

/* ---- d >= 3: WFG ---- */

static int cmp_first_desc(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? 1 : (a > b ? -1 : 0);
}

static double box_vol(const double *p, const double *ref, int d)
{
    double v = 1;
    for (int k = 0; k < d; k++)
        v *= ref[k] - p[k];
    return v;
}

static int same_row(const double *a, const double *b, int d)
{
    for (int k = 0; k < d; k++)
        if (a[k] != b[k]) /* numeric: -0.0 equals 0.0 */
            return 0;
    return 1;
}

/* Remove dominated rows and duplicates from pts (m, d) in place; returns
 * the new count. O(m^2 d). */
static long nd_compact(double *pts, long m, int d)
{
    long k = 0;
    for (long i = 0; i < m; i++) {
        const double *p = pts + i * d;
        int drop = 0;
        /* dominated by / equal to a kept row? */
        for (long j = 0; j < k && !drop; j++) {
            const double *q = pts + j * d;
            drop = pareto_dominates(q, p, d) || same_row(q, p, d);
        }
        if (drop)
            continue;
        /* drop kept rows that p dominates */
        long w = 0;
        for (long j = 0; j < k; j++)
            if (!pareto_dominates(p, pts + j * d, d)) {
                if (w != j)
                    memmove(pts + w * d, pts + j * d, (size_t)d * sizeof *pts);
                w++;
            }
        k = w;
        if (k != i)
            memmove(pts + k * d, p, (size_t)d * sizeof *pts);
        k++;
    }
    return k;
}

/* Hypervolume of pts (n, d), every point strictly inside ref. pts is
 * reordered. ws[l] holds n*d doubles of scratch for recursion level l. */
static double hv_rec(double *pts, const double *ref, double **ws, long n, int d)
{
    if (n == 0)
        return 0;
    if (d == 1) {
        double mn = pts[0];
        for (long i = 1; i < n; i++)
            if (pts[i] < mn)
                mn = pts[i];
        return ref[0] - mn;
    }
    if (d == 2) {
        /* pts is scratch: compact its front in place via a sort */
        qsort(pts, (size_t)n, 2 * sizeof(double), cmp_row2);
        double vol = 0, prev = ref[1];
        for (long i = 0; i < n; i++)
            if (pts[2 * i + 1] < prev) {
                vol += (ref[0] - pts[2 * i]) * (prev - pts[2 * i + 1]);
                prev = pts[2 * i + 1];
            }
        return vol;
    }
    if (n == 1)
        return box_vol(pts, ref, d);
    /* Sort by objective 0, worst first. For point k, every later point q
     * has q[0] <= p[0], so its limit max(p, q) has coordinate 0 equal to
     * p[0]: the exclusive hypervolume of p w.r.t. the later points is
     * (ref[0] - p[0]) * (box_{d-1}(p') - hv_{d-1}(limit set')), where '
     * drops objective 0. Summing over k telescopes to hv(pts). */
    qsort(pts, (size_t)n, (size_t)d * sizeof(double), cmp_first_desc);
    double *lim = ws[0];
    int e = d - 1;
    double vol = 0;
    for (long k = 0; k < n; k++) {
        const double *p = pts + k * d;
        long m = 0;
        for (long j = k + 1; j < n; j++) {
            const double *q = pts + j * d;
            double *row = lim + m * e;
            for (int c = 1; c < d; c++)
                row[c - 1] = p[c] > q[c] ? p[c] : q[c];
            m++;
        }
        if (e > 2)
            m = nd_compact(lim, m, e);
        double ex = box_vol(p + 1, ref + 1, e) - hv_rec(lim, ref + 1, ws + 1, m, e);
        vol += (ref[0] - p[0]) * ex;
    }
    return vol;
}

/* Copy the points of y strictly inside ref into out; returns the count. */
static long inside(const double *y, const double *ref, double *out, long n, int d)
{
    long m = 0;
    for (long i = 0; i < n; i++) {
        const double *p = y + i * d;
        int in = 1;
        for (int k = 0; k < d && in; k++)
            in = p[k] < ref[k];
        if (in)
            memcpy(out + (m++) * d, p, (size_t)d * sizeof *p);
    }
    return m;
}

/* Hypervolume of the points of y inside ref, using scratch pts (n*d) and
 * d levels of ws. */
static double hv_with(const double *y, const double *ref, double *pts, double **ws, long n, int d)
{
    long m = inside(y, ref, pts, n, d);
    if (d > 2)
        m = nd_compact(pts, m, d);
    return hv_rec(pts, ref, ws, m, d);
}

static double **ws_new(long n, int d)
{
    double **ws = xmalloc((size_t)d * sizeof *ws);
    for (int l = 0; l < d; l++)
        ws[l] = xmalloc((size_t)(n > 0 ? n : 1) * (size_t)d * sizeof(double));
    return ws;
}

static void ws_free(double **ws, int d)
{
    for (int l = 0; l < d; l++)
        free(ws[l]);
    free(ws);
}

double pareto_hv(const double *y, const double *ref, long n, int d)
{
    if (n <= 0 || d <= 0)
        return 0;
    if (d == 2)
        return pareto_hv2d(y, ref, n);
    double *pts = xmalloc((size_t)n * (size_t)d * sizeof *pts);
    double **ws = ws_new(n, d);
    double v = hv_with(y, ref, pts, ws, n, d);
    ws_free(ws, d);
    free(pts);
    return v;
}

void pareto_hv_contrib(const double *y, const double *ref, double *contrib, long n, int d)
{
    if (n <= 0 || d <= 0)
        return;
    double *lim = xmalloc((size_t)n * (size_t)d * sizeof *lim);
    double *pts = xmalloc((size_t)n * (size_t)d * sizeof *pts);
    double **ws = ws_new(n, d);
    for (long i = 0; i < n; i++) {
        const double *p = y + i * d;
        int in = 1;
        for (int k = 0; k < d && in; k++)
            in = p[k] < ref[k];
        if (!in) {
            contrib[i] = 0;
            continue;
        }
        /* others limited to p's box: max(p, q), inside ref iff q is */
        for (long j = 0; j < n; j++) {
            const double *q = y + (j < i ? j : j + 1) * d;
            if (j == n - 1)
                break;
            for (int k = 0; k < d; k++)
                lim[j * d + k] = p[k] > q[k] ? p[k] : q[k];
        }
        double c = box_vol(p, ref, d) - hv_with(lim, ref, pts, ws, n - 1, d);
        contrib[i] = c > 0 ? c : 0;
    }
    ws_free(ws, d);
    free(pts);
    free(lim);
}

long pareto_nondominated_tol(const double *y, const double *t, unsigned char *keep, long n, int d)
{
    if (!t)
        return pareto_nondominated(y, keep, n, d);
    long kept = 0;
    for (long i = 0; i < n; i++) {
        keep[i] = 1;
        for (long j = 0; j < n && keep[i]; j++) {
            if (j == i)
                continue;
            int better = 0, worse = 0;
            for (int k = 0; k < d; k++) {
                double tol = hypot(t[j * d + k], t[i * d + k]);
                double diff = y[j * d + k] - y[i * d + k];
                if (diff < -tol)
                    better = 1;
                else if (diff > tol)
                    worse = 1;
            }
            if (better && !worse)
                keep[i] = 0;
        }
        kept += keep[i];
    }
    return kept;
}
