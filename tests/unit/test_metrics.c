/* test_metrics.c -- lib/data/metrics.c against scikit-learn / SciPy golden values
 * (tests/golden/metrics/{classification,regression}.tsv, written by tests/ref/metrics_golden.py).
 * Every value must agree within 1e-12 relative; a NaN in the golden file
 * must be NaN here; an exact 0 must be an exact 0. Run from the repo root
 * (as `make check` does) or set METRICS_GOLDEN to the directory. */
#include "check.h"
#include "data/metrics.h"
#include "data/record.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RTOL 1e-12

static const char *golden_dir(void)
{
    const char *d = getenv("METRICS_GOLDEN");
    return d ? d : "tests/golden/metrics";
}

/* Parse "a,b,c" into a growable double array; returns the count. */
static long parse_list(const char *s, double **out)
{
    long n = 0, cap = 16;
    double *v = xmalloc((size_t)cap * sizeof *v);
    const char *p = s;
    while (*p) {
        char *end;
        double x = strtod(p, &end);
        if (end == p)
            break;
        if (n == cap) {
            cap *= 2;
            v = xrealloc(v, (size_t)cap * sizeof *v);
        }
        v[n++] = x;
        p = *end == ',' ? end + 1 : end;
    }
    *out = v;
    return n;
}

static double worst_rel = 0;
static long n_compared = 0, n_nan = 0;

static void compare(const char *file, long line, const char *what, double got, const char *exp_s)
{
    n_compared++;
    if (!strcmp(exp_s, "nan")) {
        n_nan++;
        CHECK_MSG(isnan(got), "%s:%ld %s: expected nan, got %.17g", file, line, what, got);
        return;
    }
    double exp = strtod(exp_s, NULL);
    if (exp == 0) {
        CHECK_MSG(got == 0, "%s:%ld %s: expected exactly 0, got %.17g", file, line, what, got);
        return;
    }
    double rel = fabs(got - exp) / fabs(exp);
    if (!(rel <= worst_rel))
        worst_rel = rel;
    CHECK_MSG(rel <= RTOL, "%s:%ld %s: got %.17g expected %.17g (rel %.3e)", file, line, what, got, exp, rel);
}

static void run_classification(void)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/classification.tsv", golden_dir());
    rec_reader *r = rec_open(path, REC_TSV, 0, err, sizeof err);
    CHECK_MSG(r != NULL, "%s", err);
    if (!r)
        return;
    int c_case = rec_col(r, "case"), c_met = rec_col(r, "metric"), c_k = rec_col(r, "n_classes");
    int c_t = rec_col(r, "y_true"), c_p = rec_col(r, "y_pred"), c_e = rec_col(r, "expected");
    CHECK(c_case >= 0 && c_met >= 0 && c_k >= 0 && c_t >= 0 && c_p >= 0 && c_e >= 0);
    long rows = 0;
    int seen[MET_COUNT] = {0};
    while (rec_next(r) == 1) {
        double *t, *p;
        long nt = parse_list(rec_field(r, c_t), &t), np_ = parse_list(rec_field(r, c_p), &p);
        CHECK(nt == np_ && nt > 0);
        int *yt = xmalloc((size_t)nt * sizeof *yt), *yp = xmalloc((size_t)nt * sizeof *yp);
        for (long i = 0; i < nt; i++) {
            yt[i] = (int)t[i];
            yp[i] = (int)p[i];
        }
        int id = metric_id(rec_field(r, c_met));
        CHECK(id >= 0 && !metric_regression(id));
        if (id >= 0)
            seen[id]++;
        int k = atoi(rec_field(r, c_k));
        double got = metric_class(id, yt, yp, nt, k);
        char what[256];
        snprintf(what, sizeof what, "%s %s", rec_field(r, c_case), rec_field(r, c_met));
        compare(path, rec_line(r), what, got, rec_field(r, c_e));
        free(t); free(p); free(yt); free(yp);
        rows++;
    }
    CHECK_MSG(rec_error(r)[0] == 0, "%s", rec_error(r));
    rec_close(r);
    printf("  classification golden rows: %ld (accuracy %d, f1 %d, matthews %d)\n", rows,
           seen[MET_ACCURACY], seen[MET_F1], seen[MET_MATTHEWS]);
    CHECK(rows >= 300 && seen[MET_ACCURACY] && seen[MET_F1] && seen[MET_MATTHEWS]);
}

static void run_regression(void)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/regression.tsv", golden_dir());
    rec_reader *r = rec_open(path, REC_TSV, 0, err, sizeof err);
    CHECK_MSG(r != NULL, "%s", err);
    if (!r)
        return;
    int c_case = rec_col(r, "case"), c_met = rec_col(r, "metric"), c_x = rec_col(r, "x"),
        c_y = rec_col(r, "y"), c_e = rec_col(r, "expected");
    CHECK(c_case >= 0 && c_met >= 0 && c_x >= 0 && c_y >= 0 && c_e >= 0);
    long rows = 0;
    while (rec_next(r) == 1) {
        double *x, *y;
        long nx = parse_list(rec_field(r, c_x), &x), ny = parse_list(rec_field(r, c_y), &y);
        CHECK(nx == ny && nx > 0);
        int id = metric_id(rec_field(r, c_met));
        CHECK(id >= 0 && metric_regression(id));
        double got = metric_reg(id, x, y, nx);
        char what[256];
        snprintf(what, sizeof what, "%s %s", rec_field(r, c_case), rec_field(r, c_met));
        compare(path, rec_line(r), what, got, rec_field(r, c_e));
        free(x); free(y);
        rows++;
    }
    CHECK_MSG(rec_error(r)[0] == 0, "%s", rec_error(r));
    rec_close(r);
    printf("  regression golden rows: %ld\n", rows);
    CHECK(rows >= 100);
}

static void test_hand_cases(void)
{
    /* ranks with ties, as scipy.stats.rankdata(method="average") */
    double x[] = {3, 1, 3, 2, 3}, rk[5];
    metric_rank_average(x, rk, 5);
    CHECK(rk[0] == 4 && rk[1] == 1 && rk[2] == 4 && rk[3] == 2 && rk[4] == 4);
    /* names and aliases */
    CHECK(metric_id("mcc") == MET_MATTHEWS && metric_id("matthews") == MET_MATTHEWS);
    CHECK(metric_id("acc") == MET_ACCURACY && metric_id("spearmanr") == MET_SPEARMAN);
    CHECK(metric_id("bleu") == -1 && metric_id(NULL) == -1);
    CHECK(!strcmp(metric_name(MET_F1), "f1"));
    /* labels out of range make MCC undefined rather than reading past arrays */
    int yt[] = {0, 1, 2}, yp[] = {0, 1, 1};
    CHECK(isnan(metric_matthews(yt, yp, 3, 2)));
    CHECK(isnan(metric_accuracy(yt, yp, 0)));
    /* NaN / inf inputs give NaN */
    double a[] = {1, 2, NAN, 4}, b[] = {1, 2, 3, 4}, c[] = {1, INFINITY, 3, 4};
    CHECK(isnan(metric_pearson(a, b, 4)) && isnan(metric_spearman(b, a, 4)));
    CHECK(isnan(metric_pearson(b, c, 4)));
    /* a class metric asked for a regression id and vice versa */
    CHECK(isnan(metric_class(MET_PEARSON, yt, yp, 3, 3)) && isnan(metric_reg(MET_F1, b, b, 4)));
}

int main(void)
{
    test_hand_cases();
    run_classification();
    run_regression();
    printf("  compared %ld values (%ld NaN), worst relative difference %.3e (tol %.0e)\n",
           n_compared, n_nan, worst_rel, RTOL);
    return check_status("test_metrics");
}
