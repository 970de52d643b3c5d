#!/bin/bash
# bench/parallel-search.sh -- the speed-up of a whole search from running a
# batch's evaluations in parallel, measured against one at a time in the same
# run, on the embedded default (pipelines/search.sh on wn-pos):
#
#   one at a time   JOBS=1, THREADS=<cores>  (one train-eval, all cores to OpenBLAS)
#   parallel        JOBS=<cores>, THREADS=1  (one train-eval per core; the default)
#
# Rounds alternate the two settings (ROUNDS each, default 3) and the medians
# are compared; the histories of the two settings are also checked to hold
# the same configurations (the search is the same; only the float rounding of
# OpenBLAS at another thread count may move a score).
#
#   bench/parallel-search.sh [EVALS [ROUNDS]]     (defaults 16 and 3)
# Needs `make` (bin/) and the demo data (make demo, or data/wordnet-tasks.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EVALS=${1:-16} ROUNDS=${2:-3}
OUT="$ROOT/bench/out/parallel"
MODEL="${MODEL:-$ROOT/data/encoder}"
DATA="${DATA:-$ROOT/out/demo/data}"
export PATH="$ROOT/bin:$PATH"
cores=$(nproc)
[ -s "$DATA/wn-pos/train.tsv" ] || sh "$ROOT/data/wordnet-tasks.sh" /usr/share/wordnet "$DATA"
core=$(OPENBLAS_VERBOSE=2 train-eval --version 2>&1 | sed -n 's/^Core: //p')
rm -rf "$OUT"
mkdir -p "$OUT"
run() { # run NAME JOBS THREADS
    local d="$OUT/$1" t0 t1
    rm -rf "$d"
    t0=$(date +%s.%N)
    JOBS=$2 THREADS=$3 sh "$ROOT/pipelines/search.sh" "$d" "$MODEL" "$EVALS" 4 8 42 -- -q --task custom \
        --text-a sentence --label label --data "$DATA/wn-pos" --max-train 2000 --epochs 2 --lr 3e-3 \
        --batch 32 --max-len 48 --seed 42 2>/dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }'
}
printf 'round\tone_at_a_time_s\tparallel_s\n' > "$OUT/times.tsv"
for r in $(seq 1 "$ROUNDS"); do
    a=$(run "serial-$r" 1 "$cores")
    b=$(run "parallel-$r" "$cores" 1)
    printf '%s\t%s\t%s\n' "$r" "$a" "$b" | tee -a "$OUT/times.tsv"
done
same=$(cmp -s <(cut -f1-9 "$OUT/serial-1/history.tsv") <(cut -f1-9 "$OUT/parallel-1/history.tsv") && echo yes || echo no)
awk -F '\t' -v evals="$EVALS" -v cores="$cores" -v core="$core" -v same="$same" -v model="$(cat /proc/cpuinfo | grep -m1 'model name' | sed 's/.*: //')" '
    NR > 1 { a[++n] = $2; b[n] = $3 }
    function med(x, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
        return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }
    END {
        ma = med(a, n); mb = med(b, n)
        printf "parallel-search: %d evaluations of the embedded default (wn-pos), %d rounds, %d cores (%s, OpenBLAS %s)\n", evals, n, cores, model, core
        printf "  one at a time (JOBS=1, THREADS=%d): median %.1f s\n", cores, ma
        printf "  parallel (JOBS=%d, THREADS=1):      median %.1f s\n", cores, mb
        printf "  speed-up %.2fx; same configurations in both histories: %s\n", ma / mb, same
    }' "$OUT/times.tsv"
