#!/bin/sh
# pipelines/search.sh -- one AutoPEFT search, resumable:
#
#   pipelines/search.sh OUT MODEL EVALS BATCH INIT SEED [-- TRAIN-EVAL-ARGS...]
#
#   space-gen MODEL > OUT/space.tsv
#   until OUT/history.tsv holds EVALS records:
#       propose --space OUT/space.tsv --history OUT/history.tsv --batch B
#               --init INIT --seed (SEED + records so far) > OUT/round.tsv
#       pipelines/evaluate.sh OUT/round.tsv OUT/history.tsv -- TRAIN-EVAL-ARGS
#       (the batch's evaluations run JOBS at a time; see evaluate.sh)
#       remove OUT/round.tsv
#   pareto OUT/history.tsv > OUT/front.tsv
#   (with CONFIRM=K > 0, the front's configurations are first run with K more
#   seeds and the front is taken on mean scores: OUT/confirm.tsv and
#   OUT/scores.tsv, see below)
#
# Every file is written to a temp file and renamed, and a round's proposals
# are kept until all of them are in the history, so a search killed at any
# moment and started again proposes nothing new until that round is done,
# then goes on exactly as an uninterrupted search would: the same seed and
# JOBS give the same history, apart from the wall-clock 'seconds' column
# (pipelines/same-records.sh compares two histories without it).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ $# -ge 6 ] || die "usage: search.sh OUT MODEL EVALS BATCH INIT SEED [-- TRAIN-EVAL-ARGS...]"
out=$1 model=$2 evals=$3 batch=$4 init=$5 seed=$6
shift 6
[ "${1:-}" = "--" ] && shift
for v in "$evals" "$batch" "$init" "$seed"; do
    case $v in '' | *[!0-9]*) die "EVALS, BATCH, INIT and SEED must be non-negative integers, not '$v'" ;; esac
done
[ "$batch" -gt 0 ] || die "BATCH must be at least 1"
confirm=${CONFIRM:-0}
case $confirm in '' | *[!0-9]*) die "CONFIRM must be a non-negative integer, not '$confirm'" ;; esac
mkdir -p "$out"
h=$out/history.tsv r=$out/round.tsv
rm -f "$out"/*.tmp.*
if [ -e "$h" ] && [ ! -s "$h" ]; then rm -f "$h"; fi

if [ ! -s "$out/space.tsv" ]; then
    space-gen "$model" > "$out/space.tsv.tmp.$$"
    publish "$out/space.tsv.tmp.$$" "$out/space.tsv"
fi
while :; do
    n=$(records "$h")
    if [ ! -s "$r" ]; then
        [ "$n" -lt "$evals" ] || break
        b=$batch
        [ $((evals - n)) -lt "$b" ] && b=$((evals - n))
        say "$n/$evals evaluated; proposing $b"
        if [ "$n" -gt 0 ]; then
            propose -q --space "$out/space.tsv" --history "$h" --batch "$b" --init "$init" --seed "$((seed + n))" > "$r.tmp.$$"
        else
            propose -q --space "$out/space.tsv" --batch "$b" --init "$init" --seed "$seed" > "$r.tmp.$$"
        fi
        publish "$r.tmp.$$" "$r"
    else
        say "$n/$evals evaluated; resuming the round in $r"
    fi
    sh "$here/evaluate.sh" "$r" "$h" -- --model "$model" "$@"
    rm -f "$r"
    kill_point
done
# confirmation: with CONFIRM=K, every configuration on the front gets K more
# runs (seeds SEED+1001 .. SEED+1000+K, into OUT/confirm.tsv) and the front is
# taken again on each configuration's mean score (OUT/scores.tsv, by
# confirm.awk), until every configuration on it has its K runs: a single
# lucky run no longer puts a configuration on the front.
if [ "$confirm" -gt 0 ]; then
    c=$out/confirm.tsv cr=$out/confirm-round.tsv
    while :; do
        awk -f "$here/confirm.awk" "$( [ -s "$c" ] && echo "$c" || echo /dev/null)" "$h" > "$out/scores.tsv.tmp.$$"
        pareto "$out/scores.tsv.tmp.$$" > "$out/front.tsv.tmp.$$"
        awk -F '\t' -v k="$confirm" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "confirm_runs") r = i; print; next }
            $0 != "" && $r < k' "$out/front.tsv.tmp.$$" > "$out/need.tsv.tmp.$$"
        [ "$(records "$out/need.tsv.tmp.$$")" -gt 0 ] || break
        reseed "$out/need.tsv.tmp.$$" "$seed" 1001 $((1000 + confirm)) > "$cr.tmp.$$"
        rm -f "$out/need.tsv.tmp.$$" "$out/scores.tsv.tmp.$$" "$out/front.tsv.tmp.$$"
        publish "$cr.tmp.$$" "$cr"
        say "confirming $(records "$cr") runs of front configurations"
        sh "$here/evaluate.sh" "$cr" "$c" -- --model "$model" "$@"
        rm -f "$cr"
        kill_point
    done
    rm -f "$out/need.tsv.tmp.$$"
    publish "$out/scores.tsv.tmp.$$" "$out/scores.tsv"
else
    pareto "$h" > "$out/front.tsv.tmp.$$"
fi
publish "$out/front.tsv.tmp.$$" "$out/front.tsv"
ok=$(awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") c = i; next } !c || $c == "ok" { n++ } END { print n + 0 }' "$h")
say "done: $(records "$h") evaluated ($ok ok), $(records "$out/front.tsv") on the Pareto front ($out/front.tsv)"
