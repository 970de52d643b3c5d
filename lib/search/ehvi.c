/* ehvi.c -- exact 1-/2-objective expected hypervolume improvement (ehvi.h). */
#include "search/ehvi.h"
#include "search/pareto.h"

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

int ehvi_front2(const double *pts, int n, const double *ref, double *front)
{
    return (int)pareto_front2d(pts, ref, front, n);
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
    return pareto_hv2d_sorted(front, ref, m);
}

double ehvi1(double best, double mu, double sigma)
{
    return ehvi_epos(best, mu, sigma);
}
