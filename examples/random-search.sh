#!/bin/sh
# examples/random-search.sh OUT MODEL N -- TRAIN-EVAL-TASK-ARGS...
# propose swapped for plain random sampling, with the same filters around it:
#
#   space-gen MODEL | space-gen --space - --sample N | train-eval ... | pareto
#
# e.g. examples/random-search.sh out/random data/encoder 16 -- --task custom \
#        --text-a sentence --label label --data out/demo/data/wn-pos --max-train 2000 --epochs 2 --lr 3e-3
set -eu
out=$1 model=$2 n=$3
shift 3
[ "${1:-}" = "--" ] && shift
mkdir -p "$out"
space-gen "$model" | space-gen --space - --sample "$n" --seed 1 > "$out/configs.tsv"
train-eval -q --model "$model" "$@" "$out/configs.tsv" > "$out/history.tsv.tmp"
mv "$out/history.tsv.tmp" "$out/history.tsv"
pareto "$out/history.tsv" > "$out/front.tsv"
echo "random-search: $n random configurations, $(($(wc -l < "$out/front.tsv") - 1)) on the front: $out/front.tsv" >&2
