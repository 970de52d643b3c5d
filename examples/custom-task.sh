#!/bin/sh
# examples/custom-task.sh OUT MODEL TRAIN DEV TEXT LABEL [EVALS] -- an AutoPEFT
# search on any TSV task: columns TEXT (the input) and LABEL (the class), a
# header row, TAB-separated. Uses the same Makefile pipeline as make demo,
# without transfer tasks.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=$1 model=$2 train=$3 dev=$4 text=$5 label=$6 evals=${7:-12}
mkdir -p "$out/data"
cp "$train" "$out/data/train.tsv"
cp "$dev" "$out/data/dev.tsv"
make -s -C "$here" search OUT="$(cd "$out" && pwd)" MODEL="$model" TASK=my-task \
    TASK_ARGS="--task custom --text-a $text --label $label --data $(cd "$out" && pwd)/data" \
    EVALS="$evals" BATCH=4 INIT=4 ${MAKE_ARGS:-}
cut -f1-4 "$out/search/front.tsv"
