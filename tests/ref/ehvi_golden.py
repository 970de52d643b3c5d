#!/usr/bin/python3
"""Golden values for lib/search/ehvi.c: expected hypervolume improvement (2
objectives, minimised) by direct numerical integration with scipy.

EHVI(P, r, mu, sigma) = E[HVI(z)], z_k ~ N(mu_k, sigma_k^2) independent,
HVI(z) = HV(P u {z}) - HV(P). HVI here is computed by brute force on the
compressed grid of all coordinates (independent of the strip formula in
ehvi.c), and the expectation by scipy.integrate.nquad (2-D, both objectives
uncertain) or scipy.integrate.quad (1-D: one objective known exactly,
sigma = 0), with the front coordinates passed as break points.

Output (tests/golden/ehvi/cases.txt), one case per line, whitespace-separated:
    n r1 r2 mu1 mu2 sigma1 sigma2 ehvi  p1_1 p1_2 ... pn_1 pn_2
The n points are raw (some dominated, some beyond the reference point) so
the C test also exercises ehvi_front2.

Run: /usr/bin/python3 tests/ref/ehvi_golden.py > tests/golden/ehvi/cases.txt
"""
import sys
import numpy as np
from scipy import integrate
from scipy.stats import norm


def hv_grid(points, ref):
    """Hypervolume of the union of boxes [p, ref] by coordinate compression."""
    pts = [p for p in points if p[0] < ref[0] and p[1] < ref[1]]
    if not pts:
        return 0.0
    P = np.array(pts)
    xs = np.unique(np.concatenate([P[:, 0], [ref[0]]]))
    ys = np.unique(np.concatenate([P[:, 1], [ref[1]]]))
    # cell (i, j) = [xs[i], xs[i+1]] x [ys[j], ys[j+1]] is dominated iff some
    # p has p <= lower corner
    cx, cy = np.meshgrid(xs[:-1], ys[:-1], indexing="ij")
    dom = np.zeros(cx.shape, dtype=bool)
    for p in P:
        dom |= (p[0] <= cx) & (p[1] <= cy)
    w = np.diff(xs)[:, None] * np.diff(ys)[None, :]
    return float((w * dom).sum())


def hvi(points, ref, z):
    return hv_grid(points + [tuple(z)], ref) - hv_grid(points, ref)


def ehvi_numeric(points, ref, mu, sigma):
    base = hv_grid(points, ref)
    xs = sorted({p[0] for p in points if p[0] < ref[0]})
    ys = sorted({p[1] for p in points if p[1] < ref[1]})

    def f(z1, z2):
        return hv_grid(points + [(z1, z2)], ref) - base

    opts = dict(epsabs=1e-11, epsrel=1e-10, limit=200)
    if sigma[0] == 0 and sigma[1] == 0:
        return f(mu[0], mu[1])
    if sigma[0] == 0:
        lo = mu[1] - 12 * sigma[1]
        if lo >= ref[1]:
            return 0.0
        pts = [y for y in ys if lo < y < ref[1]]
        v, _ = integrate.quad(lambda t: f(mu[0], t) * norm.pdf(t, mu[1], sigma[1]),
                              lo, ref[1], points=pts or None, **opts)
        return v
    if sigma[1] == 0:
        lo = mu[0] - 12 * sigma[0]
        if lo >= ref[0]:
            return 0.0
        pts = [x for x in xs if lo < x < ref[0]]
        v, _ = integrate.quad(lambda t: f(t, mu[1]) * norm.pdf(t, mu[0], sigma[0]),
                              lo, ref[0], points=pts or None, **opts)
        return v
    lo1, lo2 = mu[0] - 10 * sigma[0], mu[1] - 10 * sigma[1]
    if lo1 >= ref[0] or lo2 >= ref[1]:
        return 0.0

    def inner(z1):
        pts = [y for y in ys if lo2 < y < ref[1]]
        v, _ = integrate.quad(lambda t: f(z1, t) * norm.pdf(t, mu[1], sigma[1]),
                              lo2, ref[1], points=pts or None,
                              epsabs=1e-12, epsrel=1e-11, limit=200)
        return v * norm.pdf(z1, mu[0], sigma[0])

    pts = [x for x in xs if lo1 < x < ref[0]]
    v, _ = integrate.quad(inner, lo1, ref[0], points=pts or None, **opts)
    return v


def random_front(rng, n):
    # points near the anti-diagonal plus some dominated / out-of-ref ones
    t = np.sort(rng.uniform(0, 1, n))
    pts = [(float(a), float(1 - a + rng.normal(0, 0.05))) for a in t]
    extra = [(float(rng.uniform(0.2, 1.3)), float(rng.uniform(0.5, 1.3))) for _ in range(2)]
    return pts + extra


def main():
    rng = np.random.default_rng(20240611)
    ref = (1.1, 1.15)
    cases = []
    # both objectives uncertain
    for k in range(10):
        pts = random_front(rng, int(rng.integers(1, 7)))
        mu = (float(rng.uniform(-0.1, 1.0)), float(rng.uniform(-0.1, 1.0)))
        sigma = (float(rng.uniform(0.02, 0.4)), float(rng.uniform(0.02, 0.4)))
        cases.append((pts, ref, mu, sigma))
    # one objective known exactly (params-like), either axis
    for k in range(8):
        pts = random_front(rng, int(rng.integers(1, 7)))
        mu = (float(rng.uniform(-0.1, 1.0)), float(rng.uniform(-0.1, 1.0)))
        s = float(rng.uniform(0.02, 0.4))
        sigma = (0.0, s) if k % 2 == 0 else (s, 0.0)
        cases.append((pts, ref, mu, sigma))
    # edge cases: empty front, mean beyond the reference, tiny sigma
    cases.append(([], ref, (0.5, 0.5), (0.2, 0.3)))
    cases.append(([], ref, (0.3, 0.7), (0.0, 0.1)))
    cases.append(([(0.2, 0.3), (0.6, 0.1)], ref, (1.3, 1.2), (0.3, 0.2)))
    cases.append(([(0.2, 0.3), (0.6, 0.1)], ref, (0.4, 0.2), (1e-3, 2e-3)))
    out = sys.stdout
    out.write("# n r1 r2 mu1 mu2 sigma1 sigma2 ehvi points... (tests/ref/ehvi_golden.py)\n")
    for pts, r, mu, sg in cases:
        v = ehvi_numeric(pts, r, mu, sg)
        fields = [str(len(pts))] + [repr(x) for x in (r[0], r[1], mu[0], mu[1], sg[0], sg[1], v)]
        for p in pts:
            fields += [repr(p[0]), repr(p[1])]
        out.write(" ".join(fields) + "\n")


if __name__ == "__main__":
    main()
