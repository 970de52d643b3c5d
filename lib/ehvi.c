/* ehvi.c -- exact 1-/2-objective expected hypervolume improvement (ehvi.h). */
#include "ehvi.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double ehvi_psi(double a, double b, double mu, double sigma)
{
    if (!(sigma > 0)) return mu < b ? a - mu : 0.0;
    if (isinf(b)) return b > 0 ? a - mu : 0.0;
    double t = (b - mu) / sigma;
    return sigma * gsl_ran_ugaussian_pdf(t) + (a - mu) * gsl_cdf_ugaussian_P(t);
}

double ehvi_epos(double b, double mu, double sigma)
{
    if (!(sigma > 0)) return b > mu ? b - mu : 0.0;
    return ehvi_psi(b, b, mu, sigma);
}

double ehvi_etrunc(double a, double b, double mu, double sigma)
{
    if (!(b > a)) return 0.0;
    if (!(sigma > 0)) {
        double lo = mu > a ? mu : a;
        return b > lo ? b - lo : 0.0;
    }
    if (isinf(a)) return ehvi_psi(b, b, mu, sigma);
    double v = (b - a) * gsl_cdf_ugaussian_P((a - mu) / sigma) + ehvi_psi(b, b, mu, sigma) -
               ehvi_psi(b, a, mu, sigma);
    return v > 0 ? v : 0.0;
}

static int cmp2(const void *pa, const void *pb)
{
    const double *a = pa, *b = pb;
    if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
    if (a[1] != b[1]) return a[1] < b[1] ? -1 : 1;
    return 0;
}

int ehvi_front2(const double *pts, int n, const double *ref, double *front)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (pts[2 * i] < ref[0] && pts[2 * i + 1] < ref[1]) {
            front[2 * k] = pts[2 * i];
            front[2 * k + 1] = pts[2 * i + 1];
            k++;
        }
    qsort(front, (size_t)k, 2 * sizeof(double), cmp2);
    /* sweep: keep a point only if its y2 is strictly below every earlier y2 */
    int m = 0;
    double best2 = INFINITY;
    for (int i = 0; i < k; i++)
        if (front[2 * i + 1] < best2) {
            best2 = front[2 * i + 1];
            front[2 * m] = front[2 * i];
            front[2 * m + 1] = front[2 * i + 1];
            m++;
        }
    return m;
}

double ehvi2(const double *front, int m, const double *ref, const double *mu, const double *sigma)
{
    double s = 0;
    for (int i = 0; i <= m; i++) {
        double lo = i == 0 ? -INFINITY : front[2 * (i - 1)];
        double hi = i == m ? ref[0] : front[2 * i];
        double top = i == 0 ? ref[1] : front[2 * (i - 1) + 1];
        double p = ehvi_epos(top, mu[1], sigma[1]);
        if (p <= 0) continue;
        s += ehvi_etrunc(lo, hi, mu[0], sigma[0]) * p;
    }
    return s;
}

double hvi2(const double *front, int m, const double *ref, const double *z)
{
    double s = 0;
    for (int i = 0; i <= m; i++) {
        double lo = i == 0 ? -INFINITY : front[2 * (i - 1)];
        double hi = i == m ? ref[0] : front[2 * i];
        double top = i == 0 ? ref[1] : front[2 * (i - 1) + 1];
        double w = hi - (z[0] > lo ? z[0] : lo), h = top - z[1];
        if (w > 0 && h > 0) s += w * h;
    }
    return s;
}

double hv2(const double *front, int m, const double *ref)
{
    double s = 0;
    for (int i = 0; i < m; i++) {
        double hi = i + 1 < m ? front[2 * (i + 1)] : ref[0];
        s += (hi - front[2 * i]) * (ref[1] - front[2 * i + 1]);
    }
    return s;
}

double ehvi1(double best, double mu, double sigma)
{
    return ehvi_epos(best, mu, sigma);
}
