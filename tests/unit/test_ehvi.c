/* test_ehvi.c -- exact EHVI (lib/search/ehvi.c) against
 *   1. golden values from numerical integration with scipy
 *      (tests/ref/ehvi_golden.py -> tests/golden/ehvi/cases.txt), 2-D and
 *      1-D (one objective known exactly);
 *   2. Monte-Carlo integration of the brute-force improvement
 *      HV(P u {z}) - HV(P) (pareto_hv2d), with a 5-standard-error bound;
 *   3. hvi2 (strip formula) against the brute-force improvement. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "search/ehvi.h"
#include "search/pareto.h"
#include "util/util.h"

#ifndef GOLDEN_DIR
#define GOLDEN_DIR "tests/golden/ehvi"
#endif

/* brute-force improvement via the hypervolume of P u {z} */
static double hvi_brute(const double *pts, int n, const double *ref, const double *z, double *buf)
{
    memcpy(buf, pts, sizeof(double) * 2 * (size_t)n);
    buf[2 * n] = z[0];
    buf[2 * n + 1] = z[1];
    return pareto_hv2d(buf, ref, n + 1) - pareto_hv2d(pts, ref, n);
}

static void test_golden(void)
{
    FILE *f = fopen(GOLDEN_DIR "/cases.txt", "r");
    CHECK_MSG(f != NULL, "cannot open %s", GOLDEN_DIR "/cases.txt");
    if (!f) return;
    char line[8192];
    int ncase = 0, n1d = 0;
    double maxerr2 = 0, maxerr1 = 0, maxrel = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        char *p = line, *e;
        int n = (int)strtol(p, &e, 10);
        p = e;
        double v[7];
        for (int k = 0; k < 7; k++) { v[k] = strtod(p, &e); p = e; }
        double *pts = xmalloc(sizeof(double) * 2 * (size_t)(n + 1));
        double *fr = xmalloc(sizeof(double) * 2 * (size_t)(n + 1));
        for (int k = 0; k < 2 * n; k++) { pts[k] = strtod(p, &e); CHECK(e != p); p = e; }
        double ref[2] = {v[0], v[1]}, mu[2] = {v[2], v[3]}, sg[2] = {v[4], v[5]};
        int m = ehvi_front2(pts, n, ref, fr);
        double got = ehvi2(fr, m, ref, mu, sg), err = fabs(got - v[6]);
        if (sg[0] == 0 || sg[1] == 0) {
            n1d++;
            if (err > maxerr1) maxerr1 = err;
        } else if (err > maxerr2)
            maxerr2 = err;
        if (fabs(v[6]) > 1e-6 && err / fabs(v[6]) > maxrel) maxrel = err / fabs(v[6]);
        CHECK_MSG(err <= 1e-8 + 1e-7 * fabs(v[6]), "case %d: ehvi %.15g golden %.15g", ncase, got,
                  v[6]);
        ncase++;
        free(pts);
        free(fr);
    }
    fclose(f);
    CHECK(ncase >= 20);
    CHECK(n1d >= 8);
    printf("  golden: %d cases (%d with one exact objective): max|err| 2-D %.2e, 1-D %.2e, "
           "max rel %.2e\n",
           ncase, n1d, maxerr2, maxerr1, maxrel);
}

static void test_mc(void)
{
    rng_t r;
    rng_seed(&r, 7);
    const int NS = 200000;
    double worst_z = 0;
    for (int c = 0; c < 12; c++) {
        int n = 1 + (int)rng_below(&r, 8);
        double pts[2 * 10], fr[2 * 10], buf[2 * 11];
        for (int i = 0; i < n; i++) {
            double t = rng_uniform(&r);
            pts[2 * i] = t;
            pts[2 * i + 1] = 1 - t + 0.1 * rng_normal(&r);
        }
        double ref[2] = {1.1, 1.2};
        double mu[2] = {rng_uniform(&r), rng_uniform(&r)};
        double sg[2] = {0.05 + 0.3 * rng_uniform(&r), 0.05 + 0.3 * rng_uniform(&r)};
        if (c % 3 == 1) sg[0] = 0; /* params known exactly */
        if (c % 3 == 2) sg[1] = 0;
        int m = ehvi_front2(pts, n, ref, fr);
        double exact = ehvi2(fr, m, ref, mu, sg);
        double s = 0, s2 = 0;
        for (int k = 0; k < NS; k++) {
            double z[2] = {mu[0] + sg[0] * rng_normal(&r), mu[1] + sg[1] * rng_normal(&r)};
            double h = hvi_brute(pts, n, ref, z, buf);
            s += h;
            s2 += h * h;
        }
        double mean = s / NS, var = s2 / NS - mean * mean;
        double se = sqrt((var > 0 ? var : 0) / NS);
        /* cases whose improvement region lies far in the tail can have se = 0:
         * then only the absolute 1e-9 slack applies */
        double zsc = se > 0 ? fabs(exact - mean) / se : 0;
        if (zsc > worst_z) worst_z = zsc;
        CHECK_MSG(fabs(exact - mean) <= 5 * se + 1e-9, "mc case %d: exact %.8g mc %.8g se %.2e", c,
                  exact, mean, se);
    }
    printf("  mc: 12 cases x %d samples, worst |exact-mc|/se = %.2f (bound 5)\n", NS, worst_z);
    /* one objective */
    double best = 0.3, mu = 0.5, sg = 0.4, s = 0, s2 = 0;
    for (int k = 0; k < NS; k++) {
        double z = mu + sg * rng_normal(&r), h = z < best ? best - z : 0;
        s += h;
        s2 += h * h;
    }
    double ex = ehvi1(best, mu, sg), se = sqrt((s2 / NS - (s / NS) * (s / NS)) / NS);
    printf("  ehvi1: exact %.6f mc %.6f se %.1e\n", ex, s / NS, se);
    CHECK(fabs(ex - s / NS) < 5 * se);
}

static void test_hvi(void)
{
    rng_t r;
    rng_seed(&r, 11);
    double maxd = 0;
    for (int c = 0; c < 2000; c++) {
        int n = (int)rng_below(&r, 9);
        double pts[2 * 9], fr[2 * 9], buf[2 * 10];
        for (int i = 0; i < 2 * n; i++) pts[i] = rng_uniform(&r);
        double ref[2] = {0.9, 0.95};
        double z[2] = {rng_uniform(&r) * 1.2 - 0.1, rng_uniform(&r) * 1.2 - 0.1};
        int m = ehvi_front2(pts, n, ref, fr);
        double a = hvi2(fr, m, ref, z), b = hvi_brute(pts, n, ref, z, buf);
        if (fabs(a - b) > maxd) maxd = fabs(a - b);
        /* deterministic EHVI (both sigma 0) is the improvement itself */
        double sg0[2] = {0, 0};
        double e = ehvi2(fr, m, ref, z, sg0);
        CHECK(fabs(e - a) < 1e-12);
        CHECK(fabs(hv2(fr, m, ref) - pareto_hv2d(pts, ref, n)) < 1e-12);
    }
    printf("  hvi2 vs brute force: 2000 cases max|diff| = %.2e\n", maxd);
    CHECK(maxd < 1e-12);
    /* psi identities: P(b) = psi(b,b); T(-inf,b) = P(b); EHVI >= 0 and
     * monotone as the mean improves */
    CHECK(fabs(ehvi_epos(1.0, 0.2, 0.3) - ehvi_psi(1.0, 1.0, 0.2, 0.3)) < 1e-15);
    CHECK(fabs(ehvi_etrunc(-INFINITY, 1.0, 0.2, 0.3) - ehvi_epos(1.0, 0.2, 0.3)) < 1e-15);
    double fr[4] = {0.2, 0.6, 0.5, 0.3}, ref[2] = {1, 1};
    double prev = -1;
    for (int k = 0; k < 20; k++) {
        double mu[2] = {1.0 - 0.05 * k, 1.0 - 0.05 * k}, sg[2] = {0.1, 0.1};
        double e = ehvi2(fr, 2, ref, mu, sg);
        CHECK(e >= prev);
        prev = e;
    }
}

int main(void)
{
    test_golden();
    test_mc();
    test_hvi();
    return check_status("test_ehvi");
}
