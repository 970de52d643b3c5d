/* metrics.h -- evaluation metrics with scikit-learn / SciPy semantics.
 *
 * Each function matches the named reference (scikit-learn 1.2, SciPy 1.10)
 * to ~1e-15 relative; tests/unit/test_metrics.c checks them against golden
 * values from tests/ref/metrics_golden.py.
 *
 *   accuracy  sklearn.metrics.accuracy_score               (n = 0 -> NaN)
 *   f1        sklearn.metrics.f1_score(pos_label=positive, average="binary");
 *             every label other than `positive` counts as negative. With no
 *             true positive the score is 0 (sklearn's zero_division result).
 *   matthews  sklearn.metrics.matthews_corrcoef, binary and multiclass
 *             (Gorodkin's R_K); 0 when a denominator is zero (one class only
 *             in y_true or in y_pred). Labels must be in [0, n_classes),
 *             otherwise NaN.
 *   pearson   scipy.stats.pearsonr statistic. NaN when n < 2 (SciPy raises),
 *             when either input is constant (SciPy warns and returns NaN) or
 *             when any value is NaN/inf. n = 2 gives +-1.
 *   spearman  scipy.stats.spearmanr statistic: Pearson correlation of the
 *             average ranks (ties get the mean of their ranks, as
 *             scipy.stats.rankdata(method="average")). NaN when n < 2, when
 *             either input is constant, or when any value is NaN/inf.
 *
 * Class labels are int arrays of class indices; regression values are double.
 */
#ifndef AUTOPEFT_METRICS_H
#define AUTOPEFT_METRICS_H

enum { MET_ACCURACY = 0, MET_F1, MET_MATTHEWS, MET_PEARSON, MET_SPEARMAN, MET_COUNT };

/* Metric by name: accuracy (acc), f1, matthews (mcc, matthews_correlation),
 * pearson (pearsonr), spearman (spearmanr). -1 if unknown. */
int metric_id(const char *name);
const char *metric_name(int id);   /* canonical name */
int metric_regression(int id);     /* 1 for pearson/spearman */
const char *metric_known(void);    /* "accuracy, f1, matthews, pearson, spearman" */

double metric_accuracy(const int *y_true, const int *y_pred, long n);
double metric_f1(const int *y_true, const int *y_pred, long n, int positive);
double metric_matthews(const int *y_true, const int *y_pred, long n, int n_classes);
double metric_pearson(const double *x, const double *y, long n);
double metric_spearman(const double *x, const double *y, long n);

/* Average ranks (1-based, ties averaged) of x[n] into rank[n]. */
void metric_rank_average(const double *x, double *rank, long n);

/* Classification metric `id` (accuracy, f1 with positive class 1, matthews);
 * NaN for a regression metric. */
double metric_class(int id, const int *y_true, const int *y_pred, long n, int n_classes);
/* Regression metric `id` (pearson, spearman); NaN for a class metric. */
double metric_reg(int id, const double *y_true, const double *y_pred, long n);

#endif
