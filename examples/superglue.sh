#!/bin/sh
# examples/superglue.sh SUPERGLUE_DIR OUT MODEL [TASK] -- SuperGLUE tasks
# (JSON lines, e.g. the FewGLUE files in ../shared/data/superglue) converted
# to TSV with jq (pipelines/superglue.sh), then the baselines of MODEL on one
# of them as a custom task, and the line to make them transfer targets.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
src=$1 out=$2 model=$3 task=${4:-CB}
sh "$here/pipelines/superglue.sh" "$src" "$out" BoolQ CB RTE WiC
t=$(echo "$task" | tr 'A-Z' 'a-z')
space-gen --baselines "$model" | head -n 4 > "$out/baselines.tsv"
train-eval -q --model "$model" --task custom --task-name "$t" --text-a sentence1 --text-b sentence2 \
    --label label --data "$out/$t" ${TRAIN_ARGS:---epochs 1} "$out/baselines.tsv" | cut -f1,2,3,4
echo "superglue: use them as transfer tasks with TASKS_FILE=$out/tasks.tsv" >&2
