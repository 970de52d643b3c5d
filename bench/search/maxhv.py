#!/usr/bin/python3
"""maxhv.py -- the largest hypervolume reachable on each benchmark problem,
computed independently of the C tools and the awk evaluators (numpy
re-implementations of the same formulas, every configuration of the grid or
the analytic Pareto set), written to bench/search/maxhv.tsv:

    problem  ref  maxhv  continuous  how

Run with Debian's Python: /usr/bin/python3 bench/search/maxhv.py
tests/bench-search.bats checks the branincurrin101 value against
space-gen --grid | evaluator | pareto --hv.
"""
import math
import os

import numpy as np


def hv2(Y, ref):
    """Exact 2-D hypervolume (both objectives minimised)."""
    Y = Y[(Y[:, 0] < ref[0]) & (Y[:, 1] < ref[1])]
    Y = Y[np.lexsort((Y[:, 1], Y[:, 0]))]
    hv, best = 0.0, ref[1]
    for y0, y1 in Y:
        if y1 < best:
            hv += (ref[0] - y0) * (best - y1)
            best = y1
    return hv


def branin_currin(a, b):
    u, v = 15 * a - 5, 15 * b
    t1 = v - 5.1 / (4 * math.pi ** 2) * u * u + 5 / math.pi * u - 6
    br = t1 * t1 + 10 * (1 - 1 / (8 * math.pi)) * np.cos(u) + 10
    with np.errstate(divide="ignore"):
        f = np.where(b == 0, 1.0, 1 - np.exp(-1 / (2 * np.where(b == 0, 1, b))))
    cu = f * (2300 * a ** 3 + 1900 * a ** 2 + 2092 * a + 60) / (100 * a ** 3 + 500 * a ** 2 + 4 * a + 20)
    return br, cu


def bc_grid(n, ref=(18.0, 6.0)):
    g = np.arange(n + 1) / n
    fronts = []
    for i in range(0, n + 1, 256):  # chunks keep memory small for n = 1000
        A, B = np.meshgrid(g[i:i + 256], g, indexing="ij")
        br, cu = branin_currin(A.ravel(), B.ravel())
        Y = np.stack([br, cu], 1)
        fronts.append(Y[(Y[:, 0] < ref[0]) & (Y[:, 1] < ref[1])])
    return hv2(np.concatenate(fronts), ref)


def autopeft_max(ref_score=0.70, ref_params=28465382.0, H=768, L=12):
    """Every valid configuration of the space, scored as eval/autopeft.awk does."""
    M = 2147483647
    sizes = np.array([0, 1, 3, 6, 12, 24, 48, 96, 192, 384, 768], dtype=np.int64)
    sa, pa, pt = (x.ravel() for x in np.meshgrid(sizes, sizes, sizes, indexing="ij"))
    masks = np.arange(1 << L, dtype=np.int64)
    bits = (masks[:, None] >> np.arange(L)) & 1  # (4096, L)
    # hash of the module sizes, then of the flags l0..l{L-1}
    h = np.full(sa.shape, 12345, dtype=np.int64)
    for v in (sa, pa, pt):
        h = (h * 1000003 + v + 1) % M
    H2 = np.repeat(h[:, None], 1 << L, axis=1)  # (1331, 4096)
    for l in range(L):
        H2 = (H2 * 1000003 + bits[None, :, l] + 1) % M

    def pm(x):
        x = (x * 16807) % M
        return np.where(x == 0, 1, x)

    H2 = pm(pm(pm(H2)))
    u1 = H2 / M
    u2 = pm(H2) / M
    z = np.sqrt(-2 * np.log(u1)) * np.cos(2 * math.pi * u2)
    per = (np.where(sa > 0, 2 * H * sa + sa + H, 0) + np.where(pa > 0, 2 * H * pa + pa + H, 0)
           + np.where(pt > 0, 2 * H * pt, 0))
    cap = np.log(1 + sa + 1.5 * pa + 0.6 * pt)
    w = 0.5 + np.arange(L) / (L - 1)
    kept = bits.sum(1)
    wsum = bits @ w
    params = per[:, None] * kept[None, :]
    C = cap[:, None] * wsum[None, :]
    score = (0.50 + 0.38 * (1 - np.exp(-C / 25)) + 0.015 * ((sa > 0) & (pa > 0))[:, None]
             - 0.01 * (pt > 96)[:, None] + 0.005 * z)
    score = np.round(score, 6)  # the evaluator prints %.6f
    ok = ((sa + pa + pt) > 0)[:, None] & (kept > 0)[None, :]
    Y = np.stack([-score[ok], params[ok].astype(float)], 1)
    return hv2(Y, (-ref_score, ref_params)), int(ok.sum())


def main():
    out = []
    out.append(("branincurrin101", "18,6", bc_grid(100), 59.36, "all 101x101 grid points"))
    out.append(("branincurrin1001", "18,6", bc_grid(1000), 59.36, "all 1001x1001 grid points"))
    # DTLZ2 (M=2, D=6, grid 0..20/20): the Pareto set is x1..x5 = 0.5 (on the
    # grid), x0 free: front points (cos(i pi/40), sin(i pi/40)), i = 0..20.
    t = np.arange(21) / 20 * math.pi / 2
    out.append(("dtlz2", "1.1,1.1", hv2(np.stack([np.cos(t), np.sin(t)], 1), (1.1, 1.1)),
                1.21 - math.pi / 4, "analytic Pareto set on the grid"))
    # ZDT1 (D=10, grid 0..20/20): the Pareto set is x1..x9 = 0, x0 free:
    # front points (i/20, 1 - sqrt(i/20)).
    f1 = np.arange(21) / 20
    out.append(("zdt1", "1.1,11", hv2(np.stack([f1, 1 - np.sqrt(f1)], 1), (1.1, 11.0)),
                1.1 * 11 - 1 / 3, "analytic Pareto set on the grid"))
    hv, n = autopeft_max()
    out.append(("autopeft", "0.70,28465382", hv, float("nan"), f"all {n} valid configurations"))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "maxhv.tsv")
    with open(path, "w") as f:
        f.write("problem\tref\tmaxhv\tcontinuous\thow\n")
        for p, r, m, c, how in out:
            f.write(f"{p}\t{r}\t{m!r}\t{c:.6g}\t{how}\n")
    print(open(path).read(), end="")


if __name__ == "__main__":
    main()
