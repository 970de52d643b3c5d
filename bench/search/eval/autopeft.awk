# autopeft.awk -- a synthetic stand-in for training: an AutoPEFT-like problem
# on the real space of `space-gen --layers 12 --hidden 768 --heads 12`.
# Objectives: score (max) and params (min). Columns sa, pa, pt (sizes,
# 0 = off) and l0..l{L-1} (1 = layer kept). H=768, L=12 by default.
#
#   params = exact added parameters, as lib/config/peft.h counts them:
#            sum over kept layers of [sa>0](2H sa + sa + H) + [pa>0](2H pa + pa + H)
#                                   + [pt>0](2H pt)
#   score  = 0.50 + 0.38 (1 - exp(-C/25)) + 0.015 [sa>0 and pa>0]
#            - 0.01 [pt > 96] + 0.005 z
#     C    = sum over kept layers l of w_l log(1 + sa + 1.5 pa + 0.6 pt),
#            w_l = 0.5 + l/(L-1)  (upper layers matter more)
#     z    = a standard normal drawn from a hash of the configuration's
#            values (sa, pa, pt, l0..), so the same configuration always
#            gets the same score (like a fixed training seed).
# Diminishing returns per layer (log) and overall (1 - exp), a synergy
# bonus for serial + parallel adapters and a small penalty for long prefixes.
# With -v NOISE=SD (and -v NSEED=S): the score is measured with seed noise,
# score + SD * (a normal from hnormal), as a training run with another seed
# would give; the noiseless score goes to score_true.
# Usage: awk [-v H=768 -v L=12] -f common.awk -f autopeft.awk
BEGIN {
    PROG = "eval-autopeft"
    if (H == "") H = 768
    if (L == "") L = 12
    PI = atan2(0, -1)
    M = 2147483647
}
function flag(name,   v) {
    v = $(col[name])
    if (v == "1" || v == "true") return 1
    if (v == "0" || v == "false") return 0
    fail("column '" name "': expected 0 or 1, not '" v "'")
}
# Park-Miller step (exact in double precision: h*16807 < 2^46).
function pm(h) { h = (h * 16807) % M; return h == 0 ? 1 : h }
FNR == 1 {
    cols(); need("sa"); need("pa"); need("pt")
    for (l = 0; l < L; l++) need("l" l)
    print $0, "score" OFS "params" OFS (NOISE ? "score_true" OFS : "") "status"
    next
}
{
    sa = intval("sa", 0, H); pa = intval("pa", 0, H); pt = intval("pt", 0, H)
    h = 12345
    h = (h * 1000003 + sa + 1) % M
    h = (h * 1000003 + pa + 1) % M
    h = (h * 1000003 + pt + 1) % M
    per = (sa > 0 ? 2 * H * sa + sa + H : 0) + (pa > 0 ? 2 * H * pa + pa + H : 0) + (pt > 0 ? 2 * H * pt : 0)
    cap = log(1 + sa + 1.5 * pa + 0.6 * pt)
    params = 0; C = 0; kept = 0
    for (l = 0; l < L; l++) {
        on = flag("l" l)
        h = (h * 1000003 + on + 1) % M
        if (on) { kept++; params += per; C += (0.5 + l / (L - 1)) * cap }
    }
    if (kept == 0 || sa + pa + pt == 0) fail("invalid configuration: no layer kept or no module on")
    h = pm(pm(pm(h)))
    u1 = h / M
    h = pm(h)
    u2 = h / M
    z = sqrt(-2 * log(u1)) * cos(2 * PI * u2)
    score = 0.50 + 0.38 * (1 - exp(-C / 25)) + 0.015 * (sa > 0 && pa > 0) - 0.01 * (pt > 96) + 0.005 * z
    if (NOISE) {
        k = sa "_" pa "_" pt; for (l = 0; l < L; l++) k = k "_" $(col["l" l])
        printf "%s\t%.6f\t%.0f\t%.6f\tok\n", $0, score + NOISE * hnormal(k), params, score
    } else {
        printf "%s\t%.6f\t%.0f\tok\n", $0, score, params
    }
}
