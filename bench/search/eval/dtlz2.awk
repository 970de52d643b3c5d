# dtlz2.awk -- DTLZ2 with M=2 objectives (minimised) and D dimensions
# (default D=6) on a grid: columns x0..x{D-1} in 0..N (default N=20), x/N.
#   g  = sum_{i=1..D-1} (x_i - 0.5)^2
#   f1 = (1 + g) cos(x0 pi/2),  f2 = (1 + g) sin(x0 pi/2)
# Usage: awk -v D=6 -v N=20 -f common.awk -f dtlz2.awk
BEGIN { PROG = "eval-dtlz2"; if (D == "") D = 6; if (N == "") N = 20; PI = atan2(0, -1) }
FNR == 1 { cols(); for (i = 0; i < D; i++) need("x" i); print $0, "f1" OFS "f2" OFS "status"; next }
{
    g = 0
    for (i = 1; i < D; i++) { x = intval("x" i, 0, N) / N; g += (x - 0.5) * (x - 0.5) }
    t = intval("x0", 0, N) / N * PI / 2
    printf "%s\t%.12g\t%.12g\tok\n", $0, (1 + g) * cos(t), (1 + g) * sin(t)
}
