#!/usr/bin/python3
"""Golden values for lib/data/metrics.c, computed by scikit-learn and SciPy.

Run with Debian's interpreter (python3-sklearn 1.2, python3-scipy 1.10):

    /usr/bin/python3 tests/ref/metrics_golden.py tests/golden/metrics

Writes two TSV files (literal TSV, one case per line):

  classification.tsv  case  metric  n_classes  y_true  y_pred  expected  ref
  regression.tsv      case  metric  x  y  expected  ref

y_true/y_pred/x/y are comma-separated lists; floats are written with repr(),
which round-trips exactly through strtod. `expected` is repr(float) or "nan".
`ref` names the reference call; when the reference raises instead of returning
a value (scipy.stats.pearsonr with n < 2), `ref` says so and `expected` is
"nan", the value the C code documents for that case.

metric is one of accuracy, f1, matthews (classification) or pearson, spearman
(regression). tests/unit/test_metrics.c reads these files.
"""
import math
import os
import sys
import warnings

import numpy as np
from scipy import stats
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

warnings.simplefilter("ignore")  # zero-division / constant-input warnings are expected

SEED = 20240611


def fmt(v):
    v = float(v)
    return "nan" if math.isnan(v) else repr(v)


def ints(a):
    return ",".join(str(int(v)) for v in a)


def floats(a):
    return ",".join(repr(float(v)) for v in a)


def classification_cases(rng):
    """(case, n_classes, y_true, y_pred) tuples."""
    cases = []
    # Random binary inputs at many sizes and class balances.
    for n in (1, 2, 3, 4, 5, 7, 10, 20, 50, 100, 257, 1000):
        for p in (0.5, 0.2, 0.9):
            for rep in range(2):
                yt = (rng.random(n) < p).astype(int)
                # predictions: agree with the truth with probability q
                q = rng.choice([0.5, 0.7, 0.95])
                flip = rng.random(n) >= q
                yp = np.where(flip, 1 - yt, yt)
                cases.append((f"bin_n{n}_p{p}_r{rep}", 2, yt, yp))
    # Edge cases.
    e = [
        ("all0_both", [0, 0, 0, 0], [0, 0, 0, 0]),
        ("all1_both", [1, 1, 1, 1, 1], [1, 1, 1, 1, 1]),
        ("true_all1_pred_mixed", [1, 1, 1, 1], [1, 0, 1, 0]),
        ("true_all0_pred_mixed", [0, 0, 0, 0, 0], [1, 0, 0, 1, 0]),
        ("pred_all1", [0, 1, 0, 1, 1], [1, 1, 1, 1, 1]),
        ("pred_all0", [0, 1, 0, 1, 1], [0, 0, 0, 0, 0]),
        ("perfect", [0, 1, 1, 0, 1, 0], [0, 1, 1, 0, 1, 0]),
        ("inverse", [0, 1, 1, 0, 1, 0], [1, 0, 0, 1, 0, 1]),
        ("n1_0_0", [0], [0]),
        ("n1_1_0", [1], [0]),
        ("n1_1_1", [1], [1]),
        ("n2_split", [0, 1], [1, 0]),
        ("n2_agree", [0, 1], [0, 1]),
        ("no_tp", [1, 1, 0, 0], [0, 0, 1, 1]),
        ("only_fp", [0, 0, 0], [1, 1, 0]),
        ("only_fn", [1, 1, 0], [0, 0, 0]),
    ]
    for name, yt, yp in e:
        cases.append((name, 2, np.array(yt), np.array(yp)))
    # Multiclass (accuracy and Matthews only).
    for k in (3, 4, 5):
        for n in (3, 10, 50, 300, 1000):
            for rep in range(2):
                yt = rng.integers(0, k, n)
                q = rng.choice([0.34, 0.6, 0.9])
                yp = np.where(rng.random(n) < q, yt, rng.integers(0, k, n))
                cases.append((f"mc{k}_n{n}_r{rep}", k, yt, yp))
    mc_edge = [
        ("mc3_constant_pred", 3, [0, 1, 2, 2, 1], [2, 2, 2, 2, 2]),
        ("mc3_constant_true", 3, [1, 1, 1, 1], [0, 1, 2, 1]),
        ("mc3_perfect", 3, [0, 1, 2, 0, 1, 2], [0, 1, 2, 0, 1, 2]),
        ("mc3_rotate", 3, [0, 1, 2, 0, 1, 2], [1, 2, 0, 1, 2, 0]),
        ("mc5_missing_classes", 5, [0, 4, 4, 0, 4], [4, 4, 0, 0, 0]),
        ("mc3_unused_class", 3, [0, 2, 2, 0, 2, 0, 0], [0, 2, 0, 0, 2, 2, 0]),
    ]
    for name, k, yt, yp in mc_edge:
        cases.append((name, k, np.array(yt), np.array(yp)))
    return cases


def regression_cases(rng):
    cases = []
    for n in (2, 3, 4, 5, 8, 10, 30, 100, 500, 800):
        for rep in range(3):
            x = rng.normal(size=n)
            rho = rng.choice([0.0, 0.3, 0.8, -0.6, 0.99])
            y = rho * x + math.sqrt(1 - rho * rho) * rng.normal(size=n)
            cases.append((f"normal_n{n}_r{rep}", x, y))
    # Ties: STS-B-like scores on a 0..5 grid, predictions rounded.
    for n in (5, 20, 100, 500):
        for rep in range(2):
            x = np.round(rng.uniform(0, 5, n) * 5) / 5
            y = np.round(x + rng.normal(scale=1.0, size=n))
            cases.append((f"ties_n{n}_r{rep}", x, y))
    # Heavy ties: few distinct values.
    for n in (6, 50, 400):
        x = rng.integers(0, 3, n).astype(float)
        y = rng.integers(0, 2, n).astype(float) + 0.5 * x
        cases.append((f"heavyties_n{n}", x, y))
    e = [
        ("const_x", [1.0, 1.0, 1.0, 1.0], [0.5, 2.0, -1.0, 3.0]),
        ("const_y", [0.5, 2.0, -1.0, 3.0], [7.0, 7.0, 7.0, 7.0]),
        ("const_both", [2.0, 2.0, 2.0], [2.0, 2.0, 2.0]),
        ("n1", [1.5], [2.5]),
        ("n2_pos", [0.0, 1.0], [3.0, 5.0]),
        ("n2_neg", [0.0, 1.0], [5.0, 3.0]),
        ("n3", [1.0, 2.0, 4.0], [1.0, 3.0, 2.0]),
        ("monotone_nonlinear", [1, 2, 3, 4, 5, 6], [1, 8, 27, 64, 125, 216]),
        ("perfect_neg", [1, 2, 3, 4], [-2, -4, -6, -8]),
        ("all_tied_pairs", [1, 1, 2, 2, 3, 3], [3, 3, 2, 2, 1, 1]),
        ("offset_1e3", list(1000.0 + rng.normal(size=50)), list(rng.normal(size=50))),
        ("scale_1e-6", list(1e-6 * rng.normal(size=40)), list(1e-6 * rng.normal(size=40))),
        ("outlier", [0, 1, 2, 3, 4, 100], [0, 1, 2, 3, 4, -5]),
    ]
    for name, x, y in e:
        cases.append((name, np.array(x, dtype=float), np.array(y, dtype=float)))
    return cases


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/golden/metrics"
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(SEED)

    with open(os.path.join(out, "classification.tsv"), "w") as f:
        f.write("case\tmetric\tn_classes\ty_true\ty_pred\texpected\tref\n")
        for name, k, yt, yp in classification_cases(rng):
            rows = [("accuracy", accuracy_score(yt, yp), "sklearn.metrics.accuracy_score"),
                    ("matthews", matthews_corrcoef(yt, yp), "sklearn.metrics.matthews_corrcoef")]
            if k == 2:
                rows.append(("f1", f1_score(yt, yp, pos_label=1, average="binary"),
                             "sklearn.metrics.f1_score(pos_label=1)"))
            for metric, v, ref in rows:
                f.write(f"{name}\t{metric}\t{k}\t{ints(yt)}\t{ints(yp)}\t{fmt(v)}\t{ref}\n")

    with open(os.path.join(out, "regression.tsv"), "w") as f:
        f.write("case\tmetric\tx\ty\texpected\tref\n")
        for name, x, y in regression_cases(rng):
            try:
                v = stats.pearsonr(x, y)[0]
                ref = "scipy.stats.pearsonr"
            except ValueError as e:  # n < 2
                v = float("nan")
                ref = "scipy.stats.pearsonr raised ValueError: " + str(e)
            f.write(f"{name}\tpearson\t{floats(x)}\t{floats(y)}\t{fmt(v)}\t{ref}\n")
            v = stats.spearmanr(x, y)[0]
            f.write(f"{name}\tspearman\t{floats(x)}\t{floats(y)}\t{fmt(v)}\tscipy.stats.spearmanr\n")


if __name__ == "__main__":
    main()
