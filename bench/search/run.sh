#!/bin/bash
# bench/search/run.sh -- search benchmark: propose vs uniform random search,
# Optuna NSGA-II and Optuna multivariate TPE, on BraninCurrin (two grids),
# DTLZ2, ZDT1 and an AutoPEFT-like synthetic problem. Not part of `make check`.
#
#   bench/search/run.sh            5 seeds, budgets 50 and 100 (HV also at 86
#                                  on BraninCurrin, for the BoTorch figures),
#                                  writes the search section of bench/RESULTS.md
#   bench/search/run.sh --quick    smoke check: 1 seed, budget 50, no RESULTS.md
#
# Every run is one history TSV (config records + objectives + status) made by
# the real pipeline: the method writes config records, the problem's
# evaluator (a filter, eval/*.awk) appends the objectives. The hypervolume of
# every method and budget is `pareto --hv` over the first BUDGET records of
# the history (all methods are budget-agnostic, so this equals a run stopped
# at BUDGET; propose's last batch is shortened to land on the largest budget).
#
# Environment: B (build dir for make, default build), PYTHON (default
# /usr/bin/python3: needs optuna 3.1 and numpy).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"
# OPENBLAS_CORETYPE is left alone: SKYLAKEX dies with SIGILL on CPUs
# without AVX-512 (e.g. the AMD EPYC this was measured on). OpenBLAS runs
# single-threaded: the runs themselves go in parallel (--jobs).
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"

usage() {
    cat <<EOF
Usage: bench/search/run.sh [OPTIONS]
  --quick             1 seed, budget 50, summary to stdout only (no RESULTS.md)
  --seeds N           seeds 1..N (default 5)
  --budgets LIST      comma list of evaluation budgets (default 50,100)
  --problems LIST     default branincurrin101,branincurrin1001,dtlz2,zdt1,autopeft
  --methods LIST      default propose,random,tpe,nsga2
  --init N            propose's initial random design and TPE's startup trials (default 10)
  --batch N           batch size of propose and Optuna (default 4)
  --jobs N            runs in parallel (default 2)
  --out DIR           work dir for histories and results (default bench/search/out)
  --results FILE      markdown file whose search section is (re)written
                      (default bench/RESULTS.md; --quick: none)
  --no-build          do not run make first
  --summary-only      recompute HVs and the summary from existing histories
EOF
}

SEEDS=5 BUDGETS=50,100 JOBS=2 INIT=10 BATCH=4 BUILD=1 QUICK=0 SUMMARY_ONLY=0
PROBLEMS=branincurrin101,branincurrin1001,dtlz2,zdt1,autopeft
METHODS=propose,random,tpe,nsga2
OUT="$HERE/out"
RESULTS="$ROOT/bench/RESULTS.md"
CMDLINE="${B:+B=$B }bench/search/run.sh${*:+ $*}"

# --one PROBLEM METHOD SEED: internal, one run (called through xargs).
if [ "${1:-}" = "--one" ]; then
    ONE=1
    shift
    P="$1" M="$2" S="$3"
    OUT="$_SB_OUT" INIT="$_SB_INIT" BATCH="$_SB_BATCH" BUDGETS="$_SB_BUDGETS"
else
    ONE=0
    while [ $# -gt 0 ]; do
        case "$1" in
        --quick) QUICK=1 SEEDS=1 BUDGETS=50 RESULTS= ;;
        --seeds) SEEDS="$2"; shift ;;
        --budgets) BUDGETS="$2"; shift ;;
        --problems) PROBLEMS="$2"; shift ;;
        --methods) METHODS="$2"; shift ;;
        --init) INIT="$2"; shift ;;
        --batch) BATCH="$2"; shift ;;
        --jobs) JOBS="$2"; shift ;;
        --out) OUT="$2"; shift ;;
        --results) RESULTS="$2"; shift ;;
        --no-build) BUILD=0 ;;
        --summary-only) SUMMARY_ONLY=1 BUILD=0 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
        esac
        shift
    done
fi

# The problem table: space file, evaluator command, objectives, reference point.
problem() {
    local ev="awk -f $HERE/eval/common.awk"
    case "$1" in
    branincurrin101)
        SPACE="$HERE/spaces/branincurrin101.tsv"
        EVAL="awk -v N=100 -f $HERE/eval/common.awk -f $HERE/eval/branincurrin.awk"
        OBJ=branin:min,currin:min REF=18,6 ;;
    branincurrin1001)
        SPACE="$HERE/spaces/branincurrin1001.tsv"
        EVAL="awk -v N=1000 -f $HERE/eval/common.awk -f $HERE/eval/branincurrin.awk"
        OBJ=branin:min,currin:min REF=18,6 ;;
    dtlz2)
        SPACE="$HERE/spaces/dtlz2.tsv"
        EVAL="awk -v D=6 -v N=20 -f $HERE/eval/common.awk -f $HERE/eval/dtlz2.awk"
        OBJ=f1:min,f2:min REF=1.1,1.1 ;;
    zdt1)
        SPACE="$HERE/spaces/zdt1.tsv"
        EVAL="awk -v D=10 -v N=20 -f $HERE/eval/common.awk -f $HERE/eval/zdt1.awk"
        OBJ=f1:min,f2:min REF=1.1,11 ;;
    branincurrin-noisy) # BoTorch's noise: sd 15.19 on branin, 0.63 on currin (eval/branincurrin.awk)
        SPACE="$HERE/spaces/branincurrin1001.tsv"
        EVAL="awk -v N=1000 -v NOISE=1 -v NSEED=${S:-1} -f $HERE/eval/common.awk -f $HERE/eval/branincurrin.awk"
        OBJ=branin:min,currin:min REF=18,6 ;;
    autopeft-noisy) # seed noise: sd 0.02 on the score (2 points, the seed spread of the embedded default)
        SPACE="$OUT/autopeft.space.tsv"
        EVAL="$ev -v NOISE=0.02 -v NSEED=${S:-1} -f $HERE/eval/autopeft.awk"
        OBJ=score:max,params:min REF=0.70,28465382 ;;
    autopeft)
        SPACE="$OUT/autopeft.space.tsv" # space-gen --layers 12 --hidden 768 --heads 12
        EVAL="$ev -f $HERE/eval/autopeft.awk"
        OBJ=score:max,params:min REF=0.70,28465382 ;;
    *) echo "run.sh: unknown problem '$1'" >&2; exit 2 ;;
    esac
}

maxbudget() { tr , '\n' <<<"$BUDGETS" | sort -n | tail -1; }

run_propose() { # hist
    local hist="$1" n=0 k m tmp
    tmp="$(mktemp -d)"
    rm -f "$hist" "$hist.part" "$OUT/log/$P-$M-s$S.log"
    while [ "$n" -lt "$B_MAX" ]; do
        k=$((B_MAX - n < BATCH ? B_MAX - n : BATCH))
        # the history file is missing before the first batch (= no history)
        if ! propose --space "$SPACE" --history "$hist.part" --batch "$k" --init "$INIT" --seed "$S" \
            --objectives "$OBJ" --ref "$REF" >"$tmp/new.tsv" 2>>"$OUT/log/$P-$M-s$S.log"; then
            echo "run.sh: propose failed after $n evaluations ($P seed $S): $(tail -1 "$OUT/log/$P-$M-s$S.log")" >&2
            break
        fi
        m=$(($(wc -l <"$tmp/new.tsv") - 1))
        if [ "$m" -le 0 ]; then
            echo "run.sh: propose returned no configuration after $n evaluations ($P seed $S)" >&2
            break
        fi
        sh -c "$EVAL" <"$tmp/new.tsv" >"$tmp/eval.tsv"
        if [ "$n" -eq 0 ]; then
            cp "$tmp/eval.tsv" "$hist.part"
        else
            tail -n +2 "$tmp/eval.tsv" >>"$hist.part"
        fi
        n=$((n + m))
    done
    [ ! -f "$hist.part" ] || mv "$hist.part" "$hist"
    rm -rf "$tmp"
}

one_run() {
    problem "$P"
    local hist="$OUT/hist/$P-$M-s$S.tsv" t0 t1
    t0=$(date +%s.%N)
    case "$M" in
    propose) run_propose "$hist" ;;
    random)
        # distinct uniformly random valid configurations (no repeats)
        space-gen --space "$SPACE" --sample "$B_MAX" --seed "$S" | sh -c "$EVAL" >"$hist.part"
        mv "$hist.part" "$hist" ;;
    tpe | nsga2)
        "$PYTHON" "$HERE/optuna_run.py" --space "$SPACE" --eval "$EVAL" --objectives "$OBJ" \
            --sampler "$M" --budget "$B_MAX" --batch "$BATCH" --seed "$S" --init "$INIT" \
            --population 20 --out "$hist" 2>"$OUT/log/$P-$M-s$S.log" ;;
    *) echo "run.sh: unknown method '$M'" >&2; exit 2 ;;
    esac
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' >"$OUT/time/$P-$M-s$S"
    echo "done $P $M seed $S ($(cat "$OUT/time/$P-$M-s$S") s)" >&2
}

# The tools run from a snapshot in $OUT/bin (taken below), so rebuilding bin/
# while the benchmark runs cannot break it.
export PATH="$OUT/bin:$ROOT/bin:$PATH" _SB_OUT="$OUT" _SB_INIT="$INIT" _SB_BATCH="$BATCH" _SB_BUDGETS="$BUDGETS"
B_MAX="$(maxbudget)"
export B_MAX

if [ "$ONE" = 1 ]; then
    one_run
    exit 0
fi

mkdir -p "$OUT/hist" "$OUT/time" "$OUT/log" "$OUT/bin"
if [ "$BUILD" = 1 ]; then
    make -C "$ROOT" B="${B:-build}" bin/space-gen bin/pareto bin/propose >&2
fi
if [ "$SUMMARY_ONLY" = 0 ]; then
    tools="space-gen pareto"
    case ",$METHODS," in *,propose,*) tools="$tools propose" ;; esac
    for t in $tools; do
        [ -x "$ROOT/bin/$t" ] || { echo "run.sh: bin/$t is missing (make bin/$t)" >&2; exit 1; }
        cp "$ROOT/bin/$t" "$OUT/bin/$t.tmp" && mv "$OUT/bin/$t.tmp" "$OUT/bin/$t"
        "$OUT/bin/$t" --version >/dev/null || { echo "run.sh: $OUT/bin/$t does not run" >&2; exit 1; }
    done
fi
case ",$PROBLEMS," in *,autopeft,* | *,autopeft-noisy,*)
    space-gen --layers 12 --hidden 768 --heads 12 -o "$OUT/autopeft.space.tsv" ;;
esac

T_START=$(date +%s)
if [ "$SUMMARY_ONLY" = 0 ]; then
    # propose runs first (the slowest), then the baselines
    for m in $(tr , ' ' <<<"$METHODS"); do
        for p in $(tr , ' ' <<<"$PROBLEMS"); do
            for s in $(seq 1 "$SEEDS"); do echo "$p $m $s"; done
        done
    done | xargs -P "$JOBS" -n 3 "$HERE/run.sh" --one || echo "run.sh: some runs failed (see above)" >&2
fi
T_END=$(date +%s)

# ---- hypervolumes: problem method budget seed hv evals distinct wall_s ----
RES="$OUT/results.tsv"
printf 'problem\tmethod\tbudget\tseed\thv\tevals\tdistinct\twall_s\n' >"$RES.part"
for p in $(tr , ' ' <<<"$PROBLEMS"); do
    problem "$p"
    dims=$(awk -F'\t' 'NR > 1 && $1 !~ /^#/ && ($2 == "int" || $2 == "choice" || $2 == "bool") { printf "%s%s", s, $1; s = "," }' "$SPACE")
    bl="$BUDGETS"
    case "$p" in branincurrin*) bl="$BUDGETS,86" ;; esac
    for m in $(tr , ' ' <<<"$METHODS"); do
        for s in $(seq 1 "$SEEDS"); do
            hist="$OUT/hist/$p-$m-s$s.tsv"
            [ -f "$hist" ] || { echo "run.sh: missing $hist" >&2; continue; }
            wall=$(cat "$OUT/time/$p-$m-s$s" 2>/dev/null || echo nan)
            for b in $(tr , '\n' <<<"$bl" | sort -nu); do
                [ "$b" -le "$B_MAX" ] || continue
                hv=$(head -n $((b + 1)) "$hist" | pareto --hv --ref "$REF" --objectives "$OBJ" | awk 'NR == 2 { print $1 }')
                read -r ev di < <(head -n $((b + 1)) "$hist" | awk -F'\t' -v dims="$dims" '
                    NR == 1 { nd = split(dims, d, ","); for (i = 1; i <= NF; i++) c[$i] = i; next }
                    { k = ""; for (j = 1; j <= nd; j++) k = k "\t" $(c[d[j]]); if (!(k in seen)) { seen[k] = 1; u++ }; n++ }
                    END { print n + 0, u + 0 }')
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$m" "$b" "$s" "$hv" "$ev" "$di" "$wall" >>"$RES.part"
            done
        done
    done
done
mv "$RES.part" "$RES"

MACHINE="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS"
"$PYTHON" "$HERE/summarize.py" --results "$RES" --maxhv "$HERE/maxhv.tsv" \
    --date "$(date -u '+%Y-%m-%d %H:%M UTC')" --machine "$MACHINE" --command "$CMDLINE" \
    --seeds "$SEEDS" --init "$INIT" --batch "$BATCH" --elapsed $((T_END - T_START)) \
    --out "$OUT/summary.md"
if [ -n "$RESULTS" ]; then
    "$PYTHON" "$HERE/summarize.py" --splice "$OUT/summary.md" --into "$RESULTS"
    echo "run.sh: wrote the search section of $RESULTS" >&2
fi
cat "$OUT/summary.md"
