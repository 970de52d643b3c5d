/* test_pareto.c -- lib/search/pareto.c and lib/search/objectives.c.
 *
 * - hypervolume (d = 1..5) against an exact brute force: the cell
 *   decomposition of the coordinate grid (every cell whose lower corner is
 *   weakly dominated by a point is inside the dominated region), on many
 *   random sets with ties, duplicates and points outside the reference box;
 * - non-dominated filter and ranks against O(n^2) brute force (peeling
 *   fronts one at a time);
 * - pareto_front2d / pareto_hv2d_sorted invariants;
 * - hv contributions against hv(all) - hv(all but i);
 * - the committed golden cases tests/golden/hv (deap and optuna values,
 *   made by tests/ref/hv_golden.py) within 1e-9 relative;
 * - objective / reference specs and strict number parsing;
 * - timings of the hypervolume on 3-5 D fronts (printed). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "search/objectives.h"
#include "search/pareto.h"
#include "data/record.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- brute force ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* Exact hypervolume by grid cells. */
static double hv_brute(const double *y, const double *ref, long n, int d)
{
    double *g[8];
    long ng[8];
    double *in = xmalloc((size_t)(n + 1) * (size_t)d * sizeof *in);
    long m = 0;
    for (long i = 0; i < n; i++) {
        int ok = 1;
        for (int k = 0; k < d; k++)
            ok &= y[i * d + k] < ref[k];
        if (ok)
            memcpy(in + (m++) * d, y + i * d, (size_t)d * sizeof *y);
    }
    for (int k = 0; k < d; k++) {
        g[k] = xmalloc((size_t)(m + 1) * sizeof(double));
        for (long i = 0; i < m; i++)
            g[k][i] = in[i * d + k];
        g[k][m] = ref[k];
        qsort(g[k], (size_t)m + 1, sizeof(double), cmp_double);
        long u = 0;
        for (long i = 0; i <= m; i++)
            if (u == 0 || g[k][i] != g[k][u - 1])
                g[k][u++] = g[k][i];
        ng[k] = u;
    }
    long cell[8] = {0};
    double vol = 0;
    for (;;) {
        int last = 0;
        for (int k = 0; k < d; k++)
            if (cell[k] >= ng[k] - 1)
                last = 1;
        if (!last) {
            int cov = 0;
            for (long i = 0; i < m && !cov; i++) {
                int ok = 1;
                for (int k = 0; k < d && ok; k++)
                    ok = in[i * d + k] <= g[k][cell[k]];
                cov = ok;
            }
            if (cov) {
                double v = 1;
                for (int k = 0; k < d; k++)
                    v *= g[k][cell[k] + 1] - g[k][cell[k]];
                vol += v;
            }
        }
        int k = 0;
        while (k < d && ++cell[k] >= ng[k] - 1) {
            cell[k] = 0;
            k++;
        }
        if (k == d)
            break;
    }
    for (int k = 0; k < d; k++)
        free(g[k]);
    free(in);
    return vol;
}

/* Brute-force ranks: peel the non-dominated set repeatedly. */
static void rank_brute(const double *y, int *rank, long n, int d)
{
    for (long i = 0; i < n; i++)
        rank[i] = 0;
    long left = n;
    for (int r = 1; left > 0; r++) {
        int *cur = xcalloc((size_t)n, sizeof *cur);
        for (long i = 0; i < n; i++) {
            if (rank[i])
                continue;
            int dom = 0;
            for (long j = 0; j < n && !dom; j++)
                if (!rank[j] && j != i && pareto_dominates(y + j * d, y + i * d, d))
                    dom = 1;
            cur[i] = !dom;
        }
        for (long i = 0; i < n; i++)
            if (cur[i]) {
                rank[i] = r;
                left--;
            }
        free(cur);
    }
}

/* Random point set: kind 0 continuous in [0, 1.2)^d, 1 integers 0..4
 * (many ties and duplicates), 2 on the unit sphere (all non-dominated)
 * plus a few copies. */
static void random_set(rng_t *g, double *y, long n, int d, int kind)
{
    for (long i = 0; i < n; i++) {
        double nn = 0;
        for (int k = 0; k < d; k++) {
            double v;
            if (kind == 0)
                v = 1.2 * rng_uniform(g);
            else if (kind == 1)
                v = (double)rng_below(g, 5);
            else {
                v = fabs(rng_normal(g));
                nn += v * v;
            }
            y[i * d + k] = v;
        }
        if (kind == 2)
            for (int k = 0; k < d; k++)
                y[i * d + k] /= sqrt(nn) + 1e-300;
        if (kind == 2 && i > 2 && rng_below(g, 5) == 0) /* duplicate an earlier point */
            memcpy(y + i * d, y + rng_below(g, (uint64_t)i) * d, (size_t)d * sizeof *y);
    }
}

static void test_hv_brute(void)
{
    rng_t g;
    double y[40 * 5], ref[5];
    int cases = 0, bad = 0;
    double worst = 0;
    for (int d = 1; d <= 5; d++) {
        for (uint64_t seed = 1; seed <= 150; seed++) {
            rng_seed(&g, seed * 131 + (uint64_t)d);
            int kind = (int)(seed % 3);
            long n = 1 + (long)rng_below(&g, d <= 3 ? 25 : (d == 4 ? 12 : 8));
            random_set(&g, y, n, d, kind);
            for (int k = 0; k < d; k++)
                ref[k] = kind == 1 ? 3.0 + (double)rng_below(&g, 2) : 1.0;
            double a = pareto_hv(y, ref, n, d), b = hv_brute(y, ref, n, d);
            double rel = fabs(a - b) / (fabs(b) > 1e-300 ? fabs(b) : 1);
            if (rel > worst)
                worst = rel;
            if (!(rel <= 1e-12)) {
                if (bad++ < 5)
                    fprintf(stderr, "hv d=%d seed=%llu n=%ld kind=%d: %.17g vs brute %.17g\n", d,
                            (unsigned long long)seed, n, kind, a, b);
            }
            if (d == 2)
                CHECK(fabs(pareto_hv2d(y, ref, n) - a) <= 1e-12 * (1 + fabs(a)));
            cases++;
        }
    }
    CHECK_MSG(bad == 0, "%d of %d hypervolumes differ from brute force", bad, cases);
    printf("  ok   hypervolume vs grid brute force: %d sets, d=1..5, max rel diff %.3e\n", cases, worst);
}

static void test_hv_small(void)
{
    /* hand-checked values */
    double a[] = {1, 1, 2, 0.5, 3, 3};
    double r2[] = {3, 3};
    CHECK(pareto_hv(a, r2, 3, 2) == 4.5); /* (3,3) on the box edge: nothing */
    double c[] = {0, 0, 0};
    double r3[] = {1, 2, 3};
    CHECK(pareto_hv(c, r3, 1, 3) == 6);
    double two[] = {0, 0, 0, 0, 0, 0}; /* duplicates */
    CHECK(pareto_hv(two, r3, 2, 3) == 6);
    /* two boxes overlapping in 3-D: 1*2*3 + 2*1*3 - 1*1*3 = 9 */
    double ov[] = {0, 1, 0, 1, 0, 0};
    double rr[] = {2, 2, 3};
    CHECK(pareto_hv(ov, rr, 2, 3) == 9);
    CHECK(pareto_hv(ov, rr, 0, 3) == 0);
    double out[] = {5, 0, 0};
    CHECK(pareto_hv(out, r3, 1, 3) == 0);
}

static void test_filter_rank(void)
{
    rng_t g;
    double y[120 * 4];
    int rk[120], rb[120];
    unsigned char keep[120];
    int bad_rank = 0, bad_keep = 0, bad_front = 0, sets = 0;
    for (int d = 1; d <= 4; d++)
        for (uint64_t seed = 1; seed <= 120; seed++) {
            rng_seed(&g, seed * 7919 + (uint64_t)d);
            int kind = (int)(seed % 3);
            long n = 1 + (long)rng_below(&g, 120);
            random_set(&g, y, n, d, kind);
            pareto_rank(y, rk, n, d);
            rank_brute(y, rb, n, d);
            long cnt = pareto_nondominated(y, keep, n, d), cb = 0;
            for (long i = 0; i < n; i++) {
                bad_rank += rk[i] != rb[i];
                bad_keep += keep[i] != (rb[i] == 1);
                cb += rb[i] == 1;
            }
            bad_keep += cnt != cb;
            /* distinct front points inside a reference box */
            double ref[4];
            for (int k = 0; k < d; k++)
                ref[k] = kind == 1 ? 3 : 0.9;
            long fb = 0;
            for (long i = 0; i < n; i++) {
                int ok = rb[i] == 1;
                for (int k = 0; k < d && ok; k++)
                    ok = y[i * d + k] < ref[k];
                for (long j = 0; j < i && ok; j++)
                    ok = !(rb[j] == 1 && !memcmp(y + j * d, y + i * d, (size_t)d * sizeof *y));
                fb += ok;
            }
            bad_front += pareto_count_front(y, ref, n, d) != fb;
            sets++;
        }
    CHECK_MSG(bad_rank == 0, "%d ranks differ from brute force", bad_rank);
    CHECK_MSG(bad_keep == 0, "%d filter flags differ from brute force", bad_keep);
    CHECK_MSG(bad_front == 0, "%d front counts differ from brute force", bad_front);
    printf("  ok   ranks and filter vs O(n^2) peeling: %d sets, d=1..4\n", sets);
    /* duplicates share a rank; equal points do not dominate each other */
    double dup[] = {1, 1, 1, 1, 2, 2, 0, 3};
    pareto_rank(dup, rk, 4, 2);
    CHECK(rk[0] == 1 && rk[1] == 1 && rk[2] == 2 && rk[3] == 1);
    CHECK(pareto_nondominated(dup, keep, 4, 2) == 3);
    CHECK(!pareto_dominates(dup, dup + 2, 2));
    CHECK(pareto_dominates(dup, dup + 4, 2));
}

static void test_front2d(void)
{
    rng_t g;
    double y[200 * 2], f[200 * 2];
    int bad = 0;
    rng_seed(&g, 99);
    for (int t = 0; t < 200; t++) {
        long n = 1 + (long)rng_below(&g, 200);
        random_set(&g, y, n, 2, t % 3);
        double ref[2] = {t % 3 == 1 ? 3.0 : 1.0, t % 3 == 1 ? 4.0 : 1.0};
        long m = pareto_front2d(y, ref, f, n);
        /* sorted: x strictly increasing, y strictly decreasing, inside ref */
        for (long i = 0; i < m; i++) {
            bad += !(f[2 * i] < ref[0] && f[2 * i + 1] < ref[1]);
            if (i)
                bad += !(f[2 * i] > f[2 * i - 2] && f[2 * i + 1] < f[2 * i - 1]);
        }
        /* the distinct non-dominated points inside the box, exactly */
        unsigned char keep[200];
        pareto_nondominated(y, keep, n, 2);
        long want = 0;
        for (long i = 0; i < n; i++) {
            if (!keep[i] || !(y[2 * i] < ref[0] && y[2 * i + 1] < ref[1]))
                continue;
            int first = 1, found = 0;
            for (long j = 0; j < i; j++)
                if (keep[j] && y[2 * j] == y[2 * i] && y[2 * j + 1] == y[2 * i + 1])
                    first = 0;
            for (long k = 0; k < m; k++)
                found |= f[2 * k] == y[2 * i] && f[2 * k + 1] == y[2 * i + 1];
            bad += !found;
            want += first;
        }
        bad += want != m;
        double h = pareto_hv2d_sorted(f, ref, m), hb = hv_brute(y, ref, n, 2);
        bad += !(fabs(h - hb) <= 1e-12 * (1 + hb));
    }
    CHECK_MSG(bad == 0, "%d front2d violations", bad);
    double none[] = {2, 2};
    double r[] = {1, 1};
    CHECK(pareto_front2d(none, r, y, 1) == 0);
    CHECK(pareto_front2d(none, NULL, y, 1) == 1);
}

static void test_contrib(void)
{
    rng_t g;
    double y[30 * 4], c[30], rest[30 * 4];
    double worst = 0;
    int bad = 0;
    for (int d = 2; d <= 4; d++)
        for (uint64_t seed = 1; seed <= 30; seed++) {
            rng_seed(&g, seed + 1000 * (uint64_t)d);
            long n = 2 + (long)rng_below(&g, 12);
            int kind = (int)(seed % 3);
            random_set(&g, y, n, d, kind);
            double ref[4] = {kind == 1 ? 3 : 1, kind == 1 ? 3 : 1, kind == 1 ? 3 : 1, kind == 1 ? 3 : 1};
            pareto_hv_contrib(y, ref, c, n, d);
            double all = hv_brute(y, ref, n, d);
            for (long i = 0; i < n; i++) {
                long m = 0;
                for (long j = 0; j < n; j++)
                    if (j != i)
                        memcpy(rest + (m++) * d, y + j * d, (size_t)d * sizeof *y);
                double want = all - hv_brute(rest, ref, m, d);
                double diff = fabs(c[i] - want);
                if (diff > worst)
                    worst = diff;
                bad += !(diff <= 1e-12 * (1 + all));
            }
        }
    CHECK_MSG(bad == 0, "%d contributions differ", bad);
    printf("  ok   hv contributions vs brute force, max abs diff %.3e\n", worst);
}

/* ---- golden cases ---- */

static void test_golden(void)
{
    const char *dir = getenv("HV_GOLDEN_DIR");
    if (!dir || !*dir)
        dir = "tests/golden/hv";
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/cases.tsv", dir);
    rec_reader *cr = rec_open(path, REC_TSV, 0, err, sizeof err);
    CHECK_MSG(cr != NULL, "%s (run from the source root or set HV_GOLDEN_DIR)", err);
    if (!cr)
        return;
    int c_case = rec_col_req(cr, "case"), c_obj = rec_col_req(cr, "objectives"), c_ref = rec_col_req(cr, "ref");
    int c_n = rec_col_req(cr, "n"), c_deap = rec_col_req(cr, "hv_deap"), c_opt = rec_col_req(cr, "hv_optuna");
    int ncase = 0;
    double worst = 0;
    while (rec_next(cr) == 1) {
        obj_spec s;
        double ref[OBJ_MAX], hd, ho;
        long n;
        CHECK(obj_parse(&s, rec_field(cr, c_obj), err, sizeof err) == 0);
        CHECK(obj_parse_ref(&s, rec_field(cr, c_ref), ref, err, sizeof err) == 0);
        CHECK(parse_double(rec_field(cr, c_deap), &hd) == 0 && parse_double(rec_field(cr, c_opt), &ho) == 0);
        CHECK(parse_long(rec_field(cr, c_n), &n) == 0);
        snprintf(path, sizeof path, "%s/%s.tsv", dir, rec_field(cr, c_case));
        rec_reader *r = rec_open(path, REC_TSV, 0, err, sizeof err);
        CHECK_MSG(r != NULL, "%s", err);
        if (!r) {
            obj_free(&s);
            continue;
        }
        CHECK(obj_resolve(&s, r, err, sizeof err) == 0);
        double *y = xmalloc((size_t)n * (size_t)s.n * sizeof *y);
        long m = 0;
        while (m < n && rec_next(r) == 1)
            CHECK(obj_read_min(&s, r, y + (m++) * s.n, err, sizeof err) == 0);
        CHECK(m == n && rec_next(r) == 0);
        double h = pareto_hv(y, ref, m, s.n);
        double tol = 1e-9 * (fabs(hd) > 1e-300 ? fabs(hd) : 1);
        double dd = fabs(h - hd), dop = fabs(h - ho);
        if (dd > worst)
            worst = dd;
        CHECK_MSG(dd <= tol && dop <= tol, "%s: %.17g vs deap %.17g, optuna %.17g", rec_field(cr, c_case), h, hd,
                  ho);
        if (s.n == 2)
            CHECK(fabs(pareto_hv2d(y, ref, m) - hd) <= tol);
        free(y);
        rec_close(r);
        obj_free(&s);
        ncase++;
    }
    rec_close(cr);
    CHECK(ncase >= 10);
    printf("  ok   golden hypervolumes (deap, optuna): %d cases, max abs diff %.3e\n", ncase, worst);
}

/* ---- objectives ---- */

static char tmpdir[512];

static const char *write_file(const char *name, const char *text)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_objectives(void)
{
    obj_spec s;
    char err[512];
    CHECK(obj_parse(&s, NULL, err, sizeof err) == 0);
    CHECK(s.n == 2 && !strcmp(s.name[0], "score") && s.maximize[0] == 1 && !strcmp(s.name[1], "params") &&
          s.maximize[1] == 0);
    obj_free(&s);
    CHECK(obj_parse(&s, "a:b:min,x:max,y:min", err, sizeof err) == 0);
    CHECK(s.n == 3 && !strcmp(s.name[0], "a:b") && !s.maximize[0] && s.maximize[1]);
    obj_free(&s);
    const char *bad[] = {"score", "score:", ":max", "score:up", "score:max,", "a:min,a:max", "score:MAX", ",a:min"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        CHECK_MSG(obj_parse(&s, bad[i], err, sizeof err) == -1, "accepted '%s'", bad[i]);
        CHECK_MSG(strstr(err, "bad --objectives") != NULL, "message '%s'", err);
    }
    CHECK(obj_parse(&s, "score:max,params:min", err, sizeof err) == 0);
    double ref[2];
    CHECK(obj_parse_ref(&s, "0.7,26", ref, err, sizeof err) == 0);
    CHECK(ref[0] == -0.7 && ref[1] == 26);
    const char *badref[] = {"0.7", "0.7,26,1", "0.7,", "x,1", "nan,1", "inf,1", "", " 1,2", "1e999,2"};
    for (size_t i = 0; i < sizeof badref / sizeof *badref; i++) {
        err[0] = 0;
        CHECK_MSG(obj_parse_ref(&s, badref[i], ref, err, sizeof err) == -1, "accepted ref '%s'", badref[i]);
        CHECK_MSG(strstr(err, "bad --ref") != NULL, "message '%s'", err);
    }
    /* reading: strict numbers, FILE:LINE messages */
    const char *p = write_file("o.tsv", "id\tparams\tscore\n"
                                        "a\t10\t0.5\n"
                                        "b\t1e3\t-2\n"
                                        "c\t5\tNaN\n"
                                        "d\t5\tinf\n"
                                        "e\t\t0.1\n"
                                        "f\t 5\t0.1\n"
                                        "g\t5x\t0.1\n");
    rec_reader *r = rec_open(p, REC_TSV, 0, err, sizeof err);
    CHECK(r != NULL);
    CHECK(obj_resolve(&s, r, err, sizeof err) == 0);
    CHECK(s.col[0] == 2 && s.col[1] == 1);
    double y[2];
    CHECK(rec_next(r) == 1 && obj_read_min(&s, r, y, err, sizeof err) == 0 && y[0] == -0.5 && y[1] == 10);
    CHECK(rec_next(r) == 1 && obj_read(&s, r, y, err, sizeof err) == 0 && y[0] == -2 && y[1] == 1000);
    for (int line = 4; line <= 8; line++) {
        CHECK(rec_next(r) == 1);
        err[0] = 0;
        CHECK(obj_read_min(&s, r, y, err, sizeof err) == -1);
        char want[64];
        snprintf(want, sizeof want, "o.tsv:%d: column '", line);
        CHECK_MSG(strstr(err, want) && strstr(err, "not a finite number"), "line %d: '%s'", line, err);
    }
    rec_close(r);
    obj_spec s2;
    CHECK(obj_parse(&s2, "score:max,cost:min", err, sizeof err) == 0);
    r = rec_open(p, REC_TSV, 0, err, sizeof err);
    CHECK(obj_resolve(&s2, r, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "o.tsv:1: missing column 'cost'") != NULL, "'%s'", err);
    rec_close(r);
    obj_free(&s2);
    /* status */
    p = write_file("s.tsv", "status\tscore\tparams\nok\t1\t2\nfailed\t\t\n");
    r = rec_open(p, REC_TSV, 0, err, sizeof err);
    int sc = rec_col(r, "status");
    CHECK(rec_next(r) == 1 && obj_status_ok(r, sc));
    CHECK(rec_next(r) == 1 && !obj_status_ok(r, sc) && obj_status_ok(r, -1));
    rec_close(r);
    obj_free(&s);
}

/* ---- timings ---- */

static void test_timing(void)
{
    rng_t g;
    static double y[400 * 5];
    double ref[5] = {1, 1, 1, 1, 1};
    struct { int d; long n; } c[] = {{2, 400}, {3, 400}, {4, 200}, {5, 100}};
    for (size_t t = 0; t < sizeof c / sizeof *c; t++) {
        rng_seed(&g, 7 + t);
        random_set(&g, y, c[t].n, c[t].d, 2);
        double t0 = now_seconds();
        double h = pareto_hv(y, ref, c[t].n, c[t].d);
        double dt = now_seconds() - t0;
        CHECK(h > 0 && h < 1);
        printf("  time hypervolume of %ld points on the unit sphere, d=%d: %.4f s (hv %.6f)\n", c[t].n, c[t].d, dt,
               h);
    }
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_pareto.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_hv_small();
    test_hv_brute();
    test_filter_rank();
    test_front2d();
    test_contrib();
    test_golden();
    test_objectives();
    test_timing();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_status("test_pareto");
}
