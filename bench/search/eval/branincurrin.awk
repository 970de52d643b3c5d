# branincurrin.awk -- BoTorch's BraninCurrin (both objectives minimised) on an
# integer grid: columns x0, x1 in 0..N (default N=100) map to [0,1] as x/N.
#   branin = Branin(15*x0 - 5, 15*x1)   (a=1, b=5.1/(4 pi^2), c=5/pi, r=6, s=10, t=1/(8 pi))
#   currin = (1 - exp(-1/(2*x1))) * (2300 x0^3 + 1900 x0^2 + 2092 x0 + 60)
#                                 / (100 x0^3 + 500 x0^2 + 4 x0 + 20)     (x1 = 0: factor 1)
# Reference point (18, 6). Usage: awk -v N=100 -f common.awk -f branincurrin.awk
# With -v NOISE=1 (and -v NSEED=S): Gaussian noise with the standard
# deviations of BoTorch's multi-objective tutorial (15.19 on branin, 0.63 on
# currin) is added, and the noiseless values go to branin_true, currin_true.
BEGIN { PROG = "eval-branincurrin"; if (N == "") N = 100; PI = atan2(0, -1) }
FNR == 1 { cols(); need("x0"); need("x1"); print $0, "branin" OFS "currin" OFS (NOISE ? "branin_true" OFS "currin_true" OFS : "") "status"; next }
{
    a = intval("x0", 0, N) / N
    b = intval("x1", 0, N) / N
    u = 15 * a - 5
    v = 15 * b
    t1 = v - 5.1 / (4 * PI * PI) * u * u + 5 / PI * u - 6
    br = t1 * t1 + 10 * (1 - 1 / (8 * PI)) * cos(u) + 10
    f = (b == 0) ? 1 : 1 - exp(-1 / (2 * b))
    cu = f * (2300 * a * a * a + 1900 * a * a + 2092 * a + 60) / (100 * a * a * a + 500 * a * a + 4 * a + 20)
    if (NOISE) {
        k = $(col["x0"]) "_" $(col["x1"])
        printf "%s\t%.12g\t%.12g\t%.12g\t%.12g\tok\n", $0, br + 15.19 * hnormal("b" k), cu + 0.63 * hnormal("c" k), br, cu
    } else {
        printf "%s\t%.12g\t%.12g\tok\n", $0, br, cu
    }
}
