#!/bin/sh
# examples/custom-evaluator.sh OUT MODEL EVALS -- the whole resumable,
# parallel search loop with train-eval swapped for another program
# (examples/toy-evaluator): EVALUATOR names it, THREADS=none drops the
# --threads option that train-eval would get.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1 model=$2 evals=${3:-12}
EVALUATOR="$here/toy-evaluator" THREADS=none sh "$here/../pipelines/search.sh" "$out" "$model" "$evals" 4 4 1
pareto "$out/history.tsv"
