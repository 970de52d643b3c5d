/* metrics.c -- see metrics.h. The formulas follow the reference code
 * operation by operation where that matters for the last bits (F1 through
 * precision and recall, MCC through the float64 covariance form). */
#include "data/metrics.h"
#include "util/util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *name; int id; } metric_names[] = {
    {"accuracy", MET_ACCURACY}, {"acc", MET_ACCURACY},
    {"f1", MET_F1},
    {"matthews", MET_MATTHEWS}, {"mcc", MET_MATTHEWS}, {"matthews_correlation", MET_MATTHEWS},
    {"pearson", MET_PEARSON}, {"pearsonr", MET_PEARSON},
    {"spearman", MET_SPEARMAN}, {"spearmanr", MET_SPEARMAN},
};

int metric_id(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof metric_names / sizeof metric_names[0]; i++)
        if (!strcmp(name, metric_names[i].name))
            return metric_names[i].id;
    return -1;
}

const char *metric_name(int id)
{
    static const char *canon[MET_COUNT] = {"accuracy", "f1", "matthews", "pearson", "spearman"};
    return (id >= 0 && id < MET_COUNT) ? canon[id] : "?";
}

int metric_regression(int id) { return id == MET_PEARSON || id == MET_SPEARMAN; }

const char *metric_known(void) { return "accuracy, f1, matthews, pearson, spearman"; }

double metric_accuracy(const int *y_true, const int *y_pred, long n)
{
    if (n <= 0)
        return NAN;
    long ok = 0;
    for (long i = 0; i < n; i++)
        ok += y_true[i] == y_pred[i];
    return (double)ok / (double)n;
}

double metric_f1(const int *y_true, const int *y_pred, long n, int positive)
{
    long tp = 0, pred_pos = 0, true_pos = 0;
    for (long i = 0; i < n; i++) {
        int t = y_true[i] == positive, p = y_pred[i] == positive;
        tp += t && p;
        pred_pos += p;
        true_pos += t;
    }
    /* sklearn: precision/recall are 0 on a zero denominator; denom 0 -> 1 */
    double precision = pred_pos ? (double)tp / (double)pred_pos : 0.0;
    double recall = true_pos ? (double)tp / (double)true_pos : 0.0;
    double denom = precision + recall;
    if (denom == 0.0)
        denom = 1.0;
    return 2.0 * precision * recall / denom;
}

double metric_matthews(const int *y_true, const int *y_pred, long n, int n_classes)
{
    if (n <= 0 || n_classes <= 0)
        return NAN;
    /* t_sum[k]: true count of class k; p_sum[k]: predicted count (n_classes) */
    long *t_sum = xcalloc((size_t)n_classes * 2, sizeof *t_sum);
    long *p_sum = t_sum + n_classes;
    long correct = 0;
    for (long i = 0; i < n; i++) {
        int t = y_true[i], p = y_pred[i];
        if (t < 0 || t >= n_classes || p < 0 || p >= n_classes) {
            free(t_sum);
            return NAN;
        }
        t_sum[t]++;
        p_sum[p]++;
        correct += t == p;
    }
    /* Exact integer sums are exact in float64 for n < 9e7, as in sklearn. */
    double tp = 0, pp = 0, tt = 0;
    for (int k = 0; k < n_classes; k++) {
        tp += (double)t_sum[k] * (double)p_sum[k];
        pp += (double)p_sum[k] * (double)p_sum[k];
        tt += (double)t_sum[k] * (double)t_sum[k];
    }
    free(t_sum);
    double ns = (double)n;
    double cov_ytyp = (double)correct * ns - tp;
    double cov_ypyp = ns * ns - pp;
    double cov_ytyt = ns * ns - tt;
    if (cov_ypyp * cov_ytyt == 0)
        return 0.0;
    return cov_ytyp / sqrt(cov_ytyt * cov_ypyp);
}

static int all_finite(const double *x, long n)
{
    for (long i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

static int is_constant(const double *x, long n)
{
    for (long i = 1; i < n; i++)
        if (x[i] != x[0])
            return 0;
    return 1;
}

/* Centered correlation sum(xm*ym)/sqrt(sum(xm^2) sum(ym^2)), clipped to
 * [-1, 1]; long double accumulation keeps it within a few ulps of the exact
 * value (and so of NumPy's pairwise sums). */
static double corr_centered(const double *x, const double *y, long n)
{
    long double sx = 0, sy = 0;
    for (long i = 0; i < n; i++) {
        sx += x[i];
        sy += y[i];
    }
    double mx = (double)(sx / n), my = (double)(sy / n);
    long double sxx = 0, syy = 0, sxy = 0;
    for (long i = 0; i < n; i++) {
        long double dx = (long double)x[i] - mx, dy = (long double)y[i] - my;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    if (sxx == 0 || syy == 0)
        return NAN;
    double r = (double)(sxy / sqrtl(sxx * syy));
    if (r > 1.0)
        r = 1.0;
    if (r < -1.0)
        r = -1.0;
    return r;
}

static double sign(double v) { return (v > 0) - (v < 0); }

double metric_pearson(const double *x, const double *y, long n)
{
    if (n < 2 || !all_finite(x, n) || !all_finite(y, n) || is_constant(x, n) || is_constant(y, n))
        return NAN;
    if (n == 2)
        return sign(x[1] - x[0]) * sign(y[1] - y[0]);
    return corr_centered(x, y, n);
}

typedef struct { double v; long i; } vi_pair;

static int cmp_vi(const void *a, const void *b)
{
    const vi_pair *p = a, *q = b;
    if (p->v < q->v) return -1;
    if (p->v > q->v) return 1;
    return (p->i > q->i) - (p->i < q->i);
}

void metric_rank_average(const double *x, double *rank, long n)
{
    if (n <= 0)
        return;
    vi_pair *s = xmalloc((size_t)n * sizeof *s);
    for (long i = 0; i < n; i++) {
        s[i].v = x[i];
        s[i].i = i;
    }
    qsort(s, (size_t)n, sizeof *s, cmp_vi);
    for (long i = 0; i < n;) {
        long j = i + 1;
        while (j < n && s[j].v == s[i].v)
            j++;
        double r = 0.5 * (double)(i + 1 + j); /* mean of ranks i+1..j */
        for (long k = i; k < j; k++)
            rank[s[k].i] = r;
        i = j;
    }
    free(s);
}

double metric_spearman(const double *x, const double *y, long n)
{
    if (n < 2 || !all_finite(x, n) || !all_finite(y, n) || is_constant(x, n) || is_constant(y, n))
        return NAN;
    double *rx = xmalloc((size_t)n * 2 * sizeof *rx); /* (2, n) ranks */
    double *ry = rx + n;
    metric_rank_average(x, rx, n);
    metric_rank_average(y, ry, n);
    double r = corr_centered(rx, ry, n);
    free(rx);
    return r;
}

double metric_class(int id, const int *y_true, const int *y_pred, long n, int n_classes)
{
    switch (id) {
    case MET_ACCURACY: return metric_accuracy(y_true, y_pred, n);
    case MET_F1: return metric_f1(y_true, y_pred, n, 1);
    case MET_MATTHEWS: return metric_matthews(y_true, y_pred, n, n_classes);
    default: return NAN;
    }
}

double metric_reg(int id, const double *y_true, const double *y_pred, long n)
{
    switch (id) {
    case MET_PEARSON: return metric_pearson(y_true, y_pred, n);
    case MET_SPEARMAN: return metric_spearman(y_true, y_pred, n);
    default: return NAN;
    }
}
