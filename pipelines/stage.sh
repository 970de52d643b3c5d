#!/bin/sh
# pipelines/stage.sh STAGE -- one stage of the AutoPEFT workflow, driven by
# pipelines/autopeft.mk (which exports the variables below). Every stage is
# resumable: it evaluates only what its results files do not hold yet.
#
#   search     the search on the first task of OUT/tasks.tsv
#              (pipelines/search.sh) -> OUT/search/{history,front}.tsv
#   transfer   the front (transfer(1)) on every other task
#              -> OUT/transfer/configs.tsv, OUT/transfer/TASK/history.tsv
#   baselines  space-gen --baselines MODEL on every task
#              -> OUT/baselines/configs.tsv, OUT/baselines/TASK/history.tsv
#   rescore    the front and the baselines of the search task, SEEDS runs each
#              -> OUT/rescore/{runs,front-stats,baselines-stats,front}.tsv
#
# OUT/tasks.tsv: a header, then one task per line: NAME<TAB>ARG<TAB>ARG...
# where the ARGs are train-eval's task arguments (e.g. --task rte --data DIR).
# Variables: OUT MODEL SEED EVALS BATCH INIT SEEDS CONFIRM TRAIN_ARGS (split on
# spaces), and those of pipelines/evaluate.sh (JOBS, THREADS, LAUNCH).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
stage=${1:?usage: stage.sh search|transfer|baselines|rescore}
: "${OUT:?}" "${MODEL:?}" "${SEED:=42}" "${TRAIN_ARGS:=}"
tasks=$OUT/tasks.tsv
[ -s "$tasks" ] || die "$tasks: no task table"
TAB=$(printf '\t')

# task_args NAME: set "$@" to train-eval's arguments for task NAME
task_args() {
    _line=$(awk -F '\t' -v t="$1" 'NR > 1 && $1 == t { print; exit }' "$tasks")
    [ -n "$_line" ] || die "$tasks: no task '$1'"
    _ifs=$IFS; IFS=$TAB; set -f
    # shellcheck disable=SC2086
    set -- $_line
    set +f; IFS=$_ifs
    shift
    _args=$(printf '%s\n' "$@")
}
# evaluate CONFIGS RESULTS TASK [EXTRA...]: evaluate.sh with the task's
# arguments, the budget and the seed
evaluate() {
    _c=$1 _r=$2 _t=$3
    shift 3
    task_args "$_t"
    _old_ifs=$IFS; IFS='
'; set -f
    # shellcheck disable=SC2086
    set -- "$@" $_args
    set +f; IFS=$_old_ifs
    # shellcheck disable=SC2086
    sh "$here/evaluate.sh" "$_c" "$_r" -- --model "$MODEL" -q --task-name "$_t" --seed "$SEED" $TRAIN_ARGS "$@"
}
search_task=$(awk -F '\t' 'NR == 2 { print $1 }' "$tasks")
other_tasks=$(awk -F '\t' 'NR > 2 { print $1 }' "$tasks")
all_tasks=$(awk -F '\t' 'NR > 1 { print $1 }' "$tasks")

case $stage in
search)
    : "${EVALS:?}" "${BATCH:?}" "${INIT:?}"
    task_args "$search_task"
    _old_ifs=$IFS; IFS='
'; set -f
    # shellcheck disable=SC2086
    set -- $_args
    set +f; IFS=$_old_ifs
    # shellcheck disable=SC2086
    sh "$here/search.sh" "$OUT/search" "$MODEL" "$EVALS" "$BATCH" "$INIT" "$SEED" -- \
        -q --task-name "$search_task" --seed "$SEED" $TRAIN_ARGS "$@"
    ;;
transfer)
    mkdir -p "$OUT/transfer"
    [ -n "$other_tasks" ] || { say "no transfer tasks in $tasks"; exit 0; }
    list=$(printf '%s\n' $other_tasks | paste -sd, -)
    transfer --from "$MODEL" --task "$list" "$OUT/search/front.tsv" > "$OUT/transfer/configs.tsv.tmp.$$"
    publish "$OUT/transfer/configs.tsv.tmp.$$" "$OUT/transfer/configs.tsv"
    for t in $other_tasks; do
        mkdir -p "$OUT/transfer/$t"
        awk -F '\t' -v t="$t" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "task") c = i; print; next } $c == t' \
            "$OUT/transfer/configs.tsv" > "$OUT/transfer/$t/configs.tsv.tmp.$$"
        publish "$OUT/transfer/$t/configs.tsv.tmp.$$" "$OUT/transfer/$t/configs.tsv"
        say "transfer: $(records "$OUT/transfer/$t/configs.tsv") front configurations on $t"
        evaluate "$OUT/transfer/$t/configs.tsv" "$OUT/transfer/$t/history.tsv" "$t"
    done
    ;;
baselines)
    mkdir -p "$OUT/baselines"
    space-gen --baselines "$MODEL" > "$OUT/baselines/configs.tsv.tmp.$$"
    publish "$OUT/baselines/configs.tsv.tmp.$$" "$OUT/baselines/configs.tsv"
    for t in $all_tasks; do
        mkdir -p "$OUT/baselines/$t"
        say "baselines: $(records "$OUT/baselines/configs.tsv") configurations on $t"
        evaluate "$OUT/baselines/configs.tsv" "$OUT/baselines/$t/history.tsv" "$t"
    done
    ;;
rescore)
    : "${SEEDS:=3}"
    d=$OUT/rescore
    mkdir -p "$d"
    # the front: SEEDS new seeds each (the run that put it on the front is
    # left out: it was chosen for being good); a baseline: its own run plus
    # SEEDS - 1 new seeds (nothing chose it)
    reseed "$OUT/search/front.tsv" "$SEED" 1 "$SEEDS" > "$d/front-configs.tsv.tmp.$$"
    publish "$d/front-configs.tsv.tmp.$$" "$d/front-configs.tsv"
    evaluate "$d/front-configs.tsv" "$d/front-runs.tsv" "$search_task"
    awk -f "$here/seedstats.awk" "$d/front-runs.tsv" > "$d/front-stats.tsv.tmp.$$"
    publish "$d/front-stats.tsv.tmp.$$" "$d/front-stats.tsv"
    # baselines: SEEDS - 1 more runs each, then the statistics with the original run
    if [ "$SEEDS" -gt 1 ]; then
        reseed "$OUT/baselines/configs.tsv" "$SEED" 1 $((SEEDS - 1)) > "$d/baseline-configs.tsv.tmp.$$"
        publish "$d/baseline-configs.tsv.tmp.$$" "$d/baseline-configs.tsv"
        evaluate "$d/baseline-configs.tsv" "$d/baseline-runs.tsv" "$search_task"
    fi
    # the original baseline runs, as runs of their configurations
    awk -F '\t' -v OFS='\t' 'NR == 1 { print "config_id", $0; next } $0 != "" { print $1, $0 }' \
        "$OUT/baselines/$search_task/history.tsv" > "$d/baseline-orig.tsv.tmp.$$"
    if [ -s "$d/baseline-runs.tsv" ]; then
        awk -f "$here/merge.awk" "$d/baseline-orig.tsv.tmp.$$" "$d/baseline-runs.tsv" > "$d/baseline-all.tsv.tmp.$$"
    else
        cp "$d/baseline-orig.tsv.tmp.$$" "$d/baseline-all.tsv.tmp.$$"
    fi
    rm -f "$d/baseline-orig.tsv.tmp.$$"
    awk -f "$here/seedstats.awk" "$d/baseline-all.tsv.tmp.$$" > "$d/baselines-stats.tsv.tmp.$$"
    rm -f "$d/baseline-all.tsv.tmp.$$"
    publish "$d/baselines-stats.tsv.tmp.$$" "$d/baselines-stats.tsv"
    # the front again, on the means; points within their combined standard
    # error are ties; 'on_front' marks who stays
    pareto --objectives score_mean:max,params:min --tol score_mean=@score_se "$d/front-stats.tsv" > "$d/front.tsv.tmp.$$"
    awk -F '\t' -v OFS='\t' 'NR == FNR { if (FNR > 1) on[$1] = 1; next }
        FNR == 1 { print $0, "on_front"; next } { print $0, (($1 in on) ? 1 : 0) }' \
        "$d/front.tsv.tmp.$$" "$d/front-stats.tsv" > "$d/front-stats.tsv.tmp.$$"
    publish "$d/front-stats.tsv.tmp.$$" "$d/front-stats.tsv"
    publish "$d/front.tsv.tmp.$$" "$d/front.tsv"
    say "rescore: $(records "$d/front-stats.tsv") front configurations x $SEEDS seeds; $(records "$d/front.tsv") stay on the front"
    ;;
*) die "unknown stage '$stage'" ;;
esac
