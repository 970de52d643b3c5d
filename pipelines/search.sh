#!/bin/sh
# pipelines/search.sh -- one AutoPEFT search, resumable:
#
#   space-gen MODEL/config.json > OUT/space.tsv
#   repeat until OUT/history.tsv holds EVALS records:
#       propose --space OUT/space.tsv --history OUT/history.tsv --batch BATCH |
#       train-eval --model MODEL TASK-ARGS >> (streamed to OUT/pending.tsv)
#       merge OUT/pending.tsv into OUT/history.tsv (atomically)
#   pareto < OUT/history.tsv > OUT/front.tsv
#
# Usage: search.sh OUT MODEL EVALS BATCH INIT SEED -- TRAIN-EVAL-ARGS...
# Every finished record survives a kill: train-eval flushes each record to
# OUT/pending.tsv as soon as it is done, and the next start merges the
# complete lines of pending.tsv into history.tsv (temp file + rename) before
# proposing again, so a killed search resumes where it stopped.
set -eu
out=$1 model=$2 evals=$3 batch=$4 init=$5 seed=$6
shift 6
[ "${1:-}" = "--" ] && shift
mkdir -p "$out"
say() { echo "search: $*" >&2; }

records() { # number of records in a TSV with header (0 if absent)
    [ -s "$1" ] && tail -n +2 "$1" | grep -c . || echo 0
}

merge_pending() { # append the complete lines of pending.tsv to history.tsv, atomically
    p=$out/pending.tsv h=$out/history.tsv
    [ -s "$p" ] || { rm -f "$p"; return 0; }
    tmp=$h.tmp.$$
    cp "$p" "$tmp.p"
    # a record cut by a kill has no final newline: drop it
    [ -z "$(tail -c 1 "$tmp.p")" ] || sed -i '$d' "$tmp.p"
    if [ -s "$h" ]; then { cat "$h"; tail -n +2 "$tmp.p"; } > "$tmp"; else cp "$tmp.p" "$tmp"; fi
    mv "$tmp" "$h"
    rm -f "$tmp.p" "$p"
}

[ -s "$out/space.tsv" ] || { space-gen "$model/config.json" > "$out/space.tsv.tmp" && mv "$out/space.tsv.tmp" "$out/space.tsv"; }
merge_pending
while :; do
    n=$(records "$out/history.tsv")
    [ "$n" -lt "$evals" ] || break
    b=$batch
    [ $((evals - n)) -lt "$b" ] && b=$((evals - n))
    say "$n/$evals evaluated; proposing $b"
    hist=
    [ -s "$out/history.tsv" ] && hist="--history $out/history.tsv"
    # shellcheck disable=SC2086
    propose -q --space "$out/space.tsv" $hist --batch "$b" --init "$init" --seed "$((seed + n))" > "$out/proposed.tsv"
    train-eval --model "$model" "$@" "$out/proposed.tsv" > "$out/pending.tsv"
    merge_pending
done
pareto "$out/history.tsv" > "$out/front.tsv.tmp" && mv "$out/front.tsv.tmp" "$out/front.tsv"
say "done: $(records "$out/history.tsv") evaluated, $(records "$out/front.tsv") on the Pareto front ($out/front.tsv)"
