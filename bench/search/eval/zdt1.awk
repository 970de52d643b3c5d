# zdt1.awk -- ZDT1 (both objectives minimised) with D dimensions (default
# D=10) on a grid: columns x0..x{D-1} in 0..N (default N=20), x/N.
#   f1 = x0,  g = 1 + 9/(D-1) * sum_{i>=1} x_i,  f2 = g (1 - sqrt(f1/g))
# Usage: awk -v D=10 -v N=20 -f common.awk -f zdt1.awk
BEGIN { PROG = "eval-zdt1"; if (D == "") D = 10; if (N == "") N = 20 }
FNR == 1 { cols(); for (i = 0; i < D; i++) need("x" i); print $0, "f1" OFS "f2" OFS "status"; next }
{
    s = 0
    for (i = 1; i < D; i++) s += intval("x" i, 0, N) / N
    g = 1 + 9 / (D - 1) * s
    f1 = intval("x0", 0, N) / N
    printf "%s\t%.12g\t%.12g\tok\n", $0, f1, g * (1 - sqrt(f1 / g))
}
