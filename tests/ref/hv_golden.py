#!/usr/bin/python3
"""Golden hypervolume cases for pareto(1) / lib/search/pareto.c.

Run with Debian's Python (python3-deap, python3-optuna 3.1):

    /usr/bin/python3 tests/ref/hv_golden.py [OUTDIR]     # default tests/golden/hv

Writes, for each case, OUTDIR/CASE.tsv (a header of objective columns, one
point per row, in the objectives' own units) and one summary table
OUTDIR/cases.tsv with columns

    case  objectives  ref  n  hv_deap  hv_optuna

where `objectives` is the pareto --objectives spec, `ref` the --ref spec (own
units), hv_deap = deap.tools._hypervolume.hv.hypervolume (Fonseca et al.'s
C code) and hv_optuna = optuna._hypervolume.WFG().compute (optuna 3.1). Both
work in the minimisation frame, so max objectives (and their reference
coordinates) are negated first. deap ignores points that are not strictly
better than the reference point; optuna requires point <= ref, so points with
any coordinate worse than the reference are removed before calling it (they
contribute nothing by definition). The script asserts the two agree to 1e-12
relative before writing anything. Numbers are written with repr(), which
round-trips exactly through strtod.
"""
import math
import os
import sys

import numpy as np
from deap.tools._hypervolume import hv as deap_hv
from optuna._hypervolume import WFG


def branin_currin(x):
    """BoTorch's BraninCurrin (both minimised), x in [0,1]^2."""
    x0, x1 = x
    u, v = 15.0 * x0 - 5.0, 15.0 * x1
    t1 = v - 5.1 / (4 * math.pi ** 2) * u ** 2 + 5.0 / math.pi * u - 6.0
    t2 = 10.0 * (1.0 - 1.0 / (8.0 * math.pi)) * math.cos(u)
    branin = t1 ** 2 + t2 + 10.0
    f1 = 1.0 - math.exp(-1.0 / (2.0 * x1))
    currin = f1 * (2300 * x0 ** 3 + 1900 * x0 ** 2 + 2092 * x0 + 60) / (
        100 * x0 ** 3 + 500 * x0 ** 2 + 4 * x0 + 20)
    return branin, currin


def sphere_front(rng, n, d):
    """n points on the positive unit sphere: all mutually non-dominated."""
    p = np.abs(rng.normal(size=(n, d)))
    return p / np.linalg.norm(p, axis=1, keepdims=True)


def make_cases():
    rng = np.random.default_rng(20240607)
    cases = []

    def add(name, names, dirs, pts, ref):
        cases.append((name, names, dirs, np.asarray(pts, dtype=float), np.asarray(ref, dtype=float)))

    def fnames(d):
        return ["f%d" % (k + 1) for k in range(d)]

    def mins(d):
        return "m" * d

    # 2-D
    add("2d_single", fnames(2), mins(2), [[1.0, 2.0]], [3.0, 3.0])
    add("2d_random", fnames(2), mins(2), rng.uniform(0, 1.2, size=(40, 2)), [1.0, 1.0])
    ties = rng.integers(1, 7, size=(30, 2)).astype(float)          # ties, duplicates,
    add("2d_ties", fnames(2), mins(2), ties, [5.0, 5.0])               # points on the box edge
    add("2d_front", fnames(2), mins(2), sphere_front(rng, 50, 2), [1.0, 1.0])
    add("2d_outside", fnames(2), mins(2), [[2.0, 0.5], [0.5, 2.0], [1.0, 1.5]], [1.0, 1.5])  # hv 0
    # AutoPEFT-like: score (max) vs parameter percentage (min), ref (0.70, 26)
    score = rng.uniform(0.6, 0.95, size=60)
    params = rng.uniform(0.01, 40.0, size=60)
    add("2d_score_params", ["score", "params"], "Mm", np.stack([score, params], 1), [0.70, 26.0])
    # BraninCurrin, BoTorch reference point (18, 6)
    bc = [branin_currin(x) for x in rng.uniform(0, 1, size=(100, 2)) if x[1] > 0]
    add("2d_branincurrin", ["branin", "currin"], "mm", bc, [18.0, 6.0])
    # 3-D
    add("3d_random", fnames(3), mins(3), rng.uniform(0, 1.1, size=(60, 3)), [1.0, 1.0, 1.0])
    t3 = rng.integers(1, 6, size=(40, 3)).astype(float)
    add("3d_ties", fnames(3), mins(3), np.concatenate([t3, t3[:10]]), [4.0, 4.0, 4.0])  # + exact duplicates
    add("3d_front", fnames(3), mins(3), sphere_front(rng, 120, 3), [1.1, 1.1, 1.1])
    add("3d_mixed", ["acc", "cost", "lat"], "Mmm",
        np.stack([rng.uniform(0.5, 1.0, 40), rng.uniform(0, 10, 40), rng.uniform(1, 3, 40)], 1),
        [0.6, 8.0, 2.5])
    # 4-D
    add("4d_random", fnames(4), mins(4), rng.uniform(0, 1.1, size=(50, 4)), [1.0] * 4)
    t4 = rng.integers(0, 4, size=(40, 4)).astype(float)
    add("4d_ties", fnames(4), mins(4), np.concatenate([t4, t4[::4]]), [3.0] * 4)
    add("4d_front", fnames(4), mins(4), sphere_front(rng, 60, 4), [1.0] * 4)
    # 5-D
    add("5d_front", fnames(5), mins(5), sphere_front(rng, 30, 5), [1.0] * 5)
    return cases


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "golden", "hv")
    rows = []
    files = {}
    for name, names, dirs, pts, ref in make_cases():
        sign = np.array([-1.0 if c == "M" else 1.0 for c in dirs])
        y = pts * sign                      # minimisation frame
        r = ref * sign
        h_deap = float(deap_hv.hypervolume(y.copy(), r.copy()))
        inside = (y <= r).all(axis=1)
        yo = y[inside]
        h_opt = float(WFG().compute(yo, r)) if len(yo) else 0.0
        assert abs(h_deap - h_opt) <= 1e-12 * max(1.0, abs(h_deap)), (name, h_deap, h_opt)
        spec = ",".join("%s:%s" % (nm, "max" if c == "M" else "min") for nm, c in zip(names, dirs))
        refs = ",".join(repr(float(v)) for v in ref)
        rows.append("%s\t%s\t%s\t%d\t%r\t%r" % (name, spec, refs, len(pts), h_deap, h_opt))
        lines = ["\t".join(names)] + ["\t".join(repr(float(v)) for v in p) for p in pts]
        files[name] = "\n".join(lines) + "\n"
        print("%-18s n=%3d d=%d hv_deap=%.17g hv_optuna=%.17g" % (name, len(pts), len(names), h_deap, h_opt))
    os.makedirs(out, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(out, name + ".tsv"), "w") as f:
            f.write(text)
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        f.write("case\tobjectives\tref\tn\thv_deap\thv_optuna\n")
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
