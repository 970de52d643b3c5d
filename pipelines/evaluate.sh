#!/bin/sh
# pipelines/evaluate.sh -- evaluate configuration records, several at a time,
# into a results file, resumably; locally or on a Slurm cluster:
#
#   pipelines/evaluate.sh CONFIGS RESULTS [-- EVALUATOR-ARGS...]
#
# Every record of CONFIGS (TSV with a header and an id column) whose id is not
# yet in RESULTS is evaluated by its own process,
#
#   $LAUNCH $EVALUATOR --threads $THREADS EVALUATOR-ARGS RESULTS.d/ID.in
#
# which writes RESULTS.d/ID.tsv (temp file, then rename) where it runs. When
# all are done, the new records are appended to RESULTS in the order of
# CONFIGS (merge.awk: columns by name; a temp file renamed over RESULTS), and
# the work files are removed. An evaluation that fails (a crash, a failed
# launch, a Slurm job cancelled, out of time or out of memory) gives its record
# status=error and the reason; it never stops the others. Killed at any
# moment, a second run evaluates only what is missing: finished records are
# kept, none is added twice, and evaluations still running on the cluster are
# waited for, not started again.
#
# EXECUTOR chooses how a batch runs:
#   local    processes on this machine, JOBS at a time [the default]
#   srun     one Slurm job step per evaluation (srun; inside an allocation or
#            not), JOBS at a time [all of them]
#   sbatch   one Slurm job array for the batch (sbatch --wait --array=0-N%JOBS):
#            one task per evaluation, at most JOBS at once [all of them]
#
# Environment:
#   JOBS       evaluations at once [local: the number of cores; Slurm: all]
#   THREADS    OpenBLAS threads of each evaluation [local: cores / JOBS, at
#              least 1; Slurm: the CPUs it was given, SLURM_CPUS_PER_TASK]
#   LAUNCH     prefix of every evaluator command, e.g. 'env X=1' [none]
#   EVALUATOR  the program that evaluates a record file [train-eval]; any
#              program that reads configuration records and writes them back
#              with a score will do (it gets --threads N unless THREADS=none)
#   CPUS, MEM, TIME_LIMIT, PARTITION, SLURM_ARGS
#              Slurm resources of one evaluation: --cpus-per-task, --mem,
#              --time, --partition, and any other srun/sbatch options
#   POLL       seconds between checks on jobs left running by a killed run [5]
set -eu
# (a job array's script is a copy in Slurm's spool directory: it finds the
# pipelines through AUTOPEFT_PIPELINES)
here=${AUTOPEFT_PIPELINES:-$(cd "$(dirname "$0")" && pwd)}
AUTOPEFT_PIPELINES=$here
export AUTOPEFT_PIPELINES
. "$here/lib.sh"
TAB=$(printf '\t')

# error_record DIR ID REASON: the configuration with status=error and REASON
error_record() {
    _t=$1/$2.tsv.tmp.$$
    { head -n 1 "$1/$2.in" | awk '{ print $0 "\tstatus\tmessage" }'
      tail -n +2 "$1/$2.in" | awk -v m="$3" '{ gsub(/[\t\r\n]/, " ", m); print $0 "\terror\t" m }'
    } > "$_t"
    publish "$_t" "$1/$2.tsv"
    say "$2: evaluation failed: $3"
}
# last_error FILE: the line of FILE that says why a job died: Slurm's own
# explanation (a limit, a cancellation) first, else the last error, else the
# last line
last_error() {
    [ -s "$1" ] || return 0
    # the most specific reason first: Slurm may log "exceeded memory limit"
    # and then a plain "STEP ... CANCELLED" for the same step
    _l=$(grep -i 'memory limit\|oom' "$1" | tail -n 1)
    [ -n "$_l" ] || _l=$(grep -i 'time limit\|due to' "$1" | tail -n 1)
    [ -n "$_l" ] || _l=$(grep -i 'exceeded\|cancelled' "$1" | tail -n 1)
    [ -n "$_l" ] || _l=$(grep -i 'error\|killed' "$1" | tail -n 1)
    [ -n "$_l" ] || _l=$(grep -v '^$' "$1" | tail -n 1)
    printf '%s' "$_l" | tr '\t\r' '  ' | cut -c1-300
}
# slurm_active JOB: is Slurm job (or step JOB.STEP) still pending or running?
slurm_active() { # JOB, JOB_TASK (array task) or JOB.STEP
    case $1 in
    *.*) squeue -h -s -j "${1%%.*}" -o %i 2>/dev/null | grep -qx "$1" ;;
    *) [ -n "$(squeue -h -j "$1" -o %i 2>/dev/null)" ] ;;
    esac
}

case ${1:-} in
--one)
    # evaluate one record where this runs: $2 = work dir, $3 = id, rest = args
    dir=$2 id=$3
    shift 3
    in=$dir/$id.in res=$dir/$id.tsv tmp=$dir/$id.tsv.tmp.$$
    [ -e "$res" ] && exit 0
    if [ -n "${SLURM_ARRAY_JOB_ID:-}" ]; then    # a task of a job array: JOB_TASK
        printf '%s\n' "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}" > "$dir/$id.job.tmp.$$"
        mv -f "$dir/$id.job.tmp.$$" "$dir/$id.job"
    elif [ -n "${SLURM_JOB_ID:-}" ]; then          # a job step: JOB.STEP
        printf '%s\n' "${SLURM_JOB_ID}${SLURM_STEP_ID:+.$SLURM_STEP_ID}" > "$dir/$id.job.tmp.$$"
        mv -f "$dir/$id.job.tmp.$$" "$dir/$id.job"
    fi
    th=${THREADS:-}
    [ -n "$th" ] || th=${SLURM_CPUS_PER_TASK:-1}
    set +e
    if [ "$th" = none ]; then
        ${LAUNCH:-} ${EVALUATOR:-train-eval} "$@" "$in" > "$tmp" 2> "$dir/$id.log"
    else
        OPENBLAS_NUM_THREADS=$th ${LAUNCH:-} ${EVALUATOR:-train-eval} --threads "$th" "$@" "$in" > "$tmp" 2> "$dir/$id.log"
    fi
    rc=$?
    set -e
    if [ "$rc" -eq 0 ] && [ "$(records "$tmp")" -eq 1 ]; then
        publish "$tmp" "$res"
        exit 0
    fi
    rm -f "$tmp"
    if [ "$rc" -gt 128 ]; then why="killed by signal $((rc - 128))"; else why="exit status $rc"; fi
    [ "$rc" -ne 0 ] || why="no record written"
    last=$(last_error "$dir/$id.log")
    error_record "$dir" "$id" "evaluation failed: $why${last:+: $last}"
    exit 0
    ;;
--srun)
    # on the submitting machine: one evaluation as a Slurm job step
    dir=$2 id=$3
    shift 3
    [ -e "$dir/$id.tsv" ] && exit 0
    set +e
    # shellcheck disable=SC2086
    srun --job-name="autopeft-$id" --ntasks=1 --cpus-per-task="${CPUS:-1}" ${MEM:+--mem="$MEM"} \
        ${TIME_LIMIT:+--time="$TIME_LIMIT"} ${PARTITION:+--partition="$PARTITION"} ${SLURM_ARGS:-} \
        sh "$here/evaluate.sh" --one "$dir" "$id" "$@" 2> "$dir/$id.srun.log"
    rc=$?
    set -e
    # the step wrote its record, or it was killed before it could
    [ -e "$dir/$id.tsv" ] || error_record "$dir" "$id" "slurm job step failed (srun exit status $rc): $(last_error "$dir/$id.srun.log")"
    exit 0
    ;;
--array-task)
    # a task of the batch's job array: the id is line SLURM_ARRAY_TASK_ID + 1 of the list
    dir=$2
    shift 2
    id=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$dir/sbatch.list")
    [ -n "$id" ] || { echo "evaluate.sh: no id for array task $SLURM_ARRAY_TASK_ID" >&2; exit 1; }
    exec sh "$here/evaluate.sh" --one "$dir" "$id" "$@"
    ;;
esac

[ $# -ge 2 ] || die "usage: evaluate.sh CONFIGS RESULTS [-- EVALUATOR-ARGS...]"
configs=$1 results=$2
shift 2
[ "${1:-}" = "--" ] && shift
[ -r "$configs" ] || die "$configs: cannot read"
EXECUTOR=${EXECUTOR:-local}
case $EXECUTOR in
local) ;;
srun | sbatch) command -v "$EXECUTOR" >/dev/null || die "EXECUTOR=$EXECUTOR: $EXECUTOR not found (is Slurm installed?)" ;;
*) die "EXECUTOR must be local, srun or sbatch, not '$EXECUTOR'" ;;
esac
cores=$(ncores)
if [ "$EXECUTOR" = local ]; then
    JOBS=${JOBS:-$cores}
    [ -n "${THREADS:-}" ] || THREADS=$(( cores / JOBS > 0 ? cores / JOBS : 1 ))
else
    JOBS=${JOBS:-1000000}
    THREADS=${THREADS:-}   # empty: each evaluation uses SLURM_CPUS_PER_TASK
fi
case $JOBS in '' | *[!0-9]* | 0) die "JOBS must be a positive integer, not '$JOBS'" ;; esac
LAUNCH=${LAUNCH:-}
EVALUATOR=${EVALUATOR:-train-eval}
POLL=${POLL:-5}
export JOBS THREADS LAUNCH EVALUATOR CPUS MEM TIME_LIMIT PARTITION SLURM_ARGS 2>/dev/null || true
dir=$results.d
mkdir -p "$dir"
rm -f "$results".tmp.*

# the records still to evaluate, in CONFIGS order; ids become file names
awk -F '\t' -v results="$results" '
    BEGIN { while ((getline l < results) > 0) { n++; if (n == 1) { split(l, h, "\t"); for (i in h) if (h[i] == "id") c = i } else if (c) { split(l, f, "\t"); done[f[c]] = 1 } } }
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == "id") ic = i
              if (!ic) { print FILENAME ":1: missing column '\''id'\''" > "/dev/stderr"; exit 1 }; next }
    $0 == "" { next }
    {
        id = $ic
        if (id == "" || id ~ /[\/ ]/ || id ~ /^\./) { print FILENAME ":" NR ": id '\''" id "'\'' cannot name a file" > "/dev/stderr"; exit 1 }
        if (id in seen) { print FILENAME ":" NR ": duplicate id '\''" id "'\''" > "/dev/stderr"; exit 1 }
        seen[id] = 1
        if (id in done) next
        print id
    }' "$configs" > "$dir/todo.tmp.$$" || { rm -f "$dir/todo.tmp.$$"; die "$configs: bad configuration records"; }
todo=$(cat "$dir/todo.tmp.$$")
rm -f "$dir/todo.tmp.$$"
# (each through a temp file: a kill while one is written must not leave an
# empty or partial one that the next run would take as complete)
for id in $todo; do
    [ -e "$dir/$id.in" ] && continue
    awk -F '\t' -v id="$id" 'NR == 1 { print; for (i = 1; i <= NF; i++) if ($i == "id") c = i; next } $c == id { print; exit }' \
        "$configs" > "$dir/$id.in.tmp.$$"
    publish "$dir/$id.in.tmp.$$" "$dir/$id.in"
done

# a run that was killed may have left evaluations running on the cluster:
# wait for them (their records appear where they run), never start them twice
if [ -s "$dir/sbatch.job" ]; then
    jid=$(cat "$dir/sbatch.job")
    if slurm_active "$jid"; then say "waiting for Slurm job array $jid, submitted by an earlier run"; fi
    while slurm_active "$jid"; do sleep "$POLL"; done
fi
for id in $todo; do
    [ -e "$dir/$id.tsv" ] || [ ! -s "$dir/$id.job" ] || {
        j=$(cat "$dir/$id.job")
        if slurm_active "$j"; then say "$id: waiting for Slurm job $j, started by an earlier run"; fi
        while slurm_active "$j"; do sleep "$POLL"; done
    }
done
# nothing runs now: temp files are leftovers of killed evaluations
rm -f "$dir"/*.tmp.*
# tasks of an earlier job array that ended without a record were killed by
# Slurm (cancelled, out of time or memory): that is their result
if [ -s "$dir/sbatch.job" ]; then
    jid=$(cat "$dir/sbatch.job")
    k=0
    while IFS= read -r id; do
        if [ ! -e "$dir/$id.tsv" ]; then
            st=$(scontrol show job -o "$jid" 2>/dev/null | tr ' ' '\n' | awk -v k="$k" -F= '
                $1 == "ArrayTaskId" { t = $2 } $1 == "JobState" && t == k { s = $2 } $1 == "Reason" && t == k && r == "" { r = $2 }
                END { if (s != "") print s (r != "" && r != "None" ? " (" r ")" : "") }')
            cp "$dir/slurm-${jid}_$k.out" "$dir/$id.slurm.log" 2>/dev/null || true
            error_record "$dir" "$id" "slurm job ${jid}_$k ended without a record: ${st:-state unknown}: $(last_error "$dir/$id.slurm.log")"
        fi
        k=$((k + 1))
    done < "$dir/sbatch.list"
    rm -f "$dir/sbatch.job" "$dir/sbatch.list"
fi

left=
for id in $todo; do [ -e "$dir/$id.tsv" ] || left="$left $id"; done
n=$(printf '%s\n' $left | grep -c . || true)
if [ "$n" -gt 0 ]; then
    case $EXECUTOR in
    local)
        say "$n to evaluate, $JOBS at a time ($THREADS thread(s) each)${LAUNCH:+ via $LAUNCH}"
        printf '%s\n' $left | xargs -P "$JOBS" -I '{}' sh "$here/evaluate.sh" --one "$dir" '{}' "$@"
        ;;
    srun)
        say "$n to evaluate as Slurm job steps, $JOBS at a time (${CPUS:-1} CPU(s) each)"
        printf '%s\n' $left | xargs -P "$JOBS" -I '{}' sh "$here/evaluate.sh" --srun "$dir" '{}' "$@"
        ;;
    sbatch)
        printf '%s\n' $left > "$dir/sbatch.list.tmp.$$"
        mv -f "$dir/sbatch.list.tmp.$$" "$dir/sbatch.list"
        cap=
        [ "$JOBS" -lt "$n" ] && cap="%$JOBS"
        say "$n to evaluate as a Slurm job array (${CPUS:-1} CPU(s) each${cap:+, at most $JOBS at once})"
        set +e
        # shellcheck disable=SC2086
        sbatch --parsable --wait --job-name=autopeft --array="0-$((n - 1))$cap" --cpus-per-task="${CPUS:-1}" \
            ${MEM:+--mem="$MEM"} ${TIME_LIMIT:+--time="$TIME_LIMIT"} ${PARTITION:+--partition="$PARTITION"} \
            --output="$dir/slurm-%A_%a.out" ${SLURM_ARGS:-} \
            "$here/evaluate.sh" --array-task "$dir" "$@" > "$dir/sbatch.job" 2> "$dir/sbatch.err"
        rc=$?
        set -e
        if [ ! -s "$dir/sbatch.job" ]; then
            rm -f "$dir/sbatch.job" "$dir/sbatch.list"
            die "sbatch failed (exit status $rc): $(last_error "$dir/sbatch.err")"
        fi
        sed -i 's/;.*//' "$dir/sbatch.job"   # --parsable: "JOBID[;CLUSTER]"
        jid=$(cat "$dir/sbatch.job")
        k=0
        while IFS= read -r id; do
            if [ ! -e "$dir/$id.tsv" ]; then
                st=$(scontrol show job -o "$jid" 2>/dev/null | tr ' ' '\n' | awk -v k="$k" -F= '
                    $1 == "ArrayTaskId" { t = $2 } $1 == "JobState" && t == k { s = $2 } $1 == "Reason" && t == k && r == "" { r = $2 }
                    END { if (s != "") print s (r != "" && r != "None" ? " (" r ")" : "") }')
                cp "$dir/slurm-${jid}_$k.out" "$dir/$id.slurm.log" 2>/dev/null || true
                error_record "$dir" "$id" "slurm job ${jid}_$k failed: ${st:-state unknown}: $(last_error "$dir/$id.slurm.log")"
            fi
            k=$((k + 1))
        done < "$dir/sbatch.list"
        rm -f "$dir/sbatch.job" "$dir/sbatch.list"
        ;;
    esac
fi

# merge, in CONFIGS order, every record that is ready (idempotent by id)
src=$results
[ -e "$src" ] || src=/dev/null
set -- "$src"
for id in $todo; do
    [ -e "$dir/$id.tsv" ] || die "$id: no record (evaluation interrupted?); run again to resume"
    set -- "$@" "$dir/$id.tsv"
done
if [ $# -gt 1 ]; then
    awk -f "$here/merge.awk" "$@" > "$results.tmp.$$"
    publish "$results.tmp.$$" "$results"
fi
# keep the logs of failed evaluations beside RESULTS; drop the rest
for id in $todo; do
    if grep -q "${TAB}error${TAB}" "$dir/$id.tsv" 2>/dev/null; then
        mkdir -p "$results.logs"
        for f in "$dir/$id.log" "$dir/$id.srun.log" "$dir/$id.slurm.log"; do
            [ -s "$f" ] && cat "$f"
        done > "$results.logs/$id.log" 2>/dev/null || true
    fi
done
rm -rf "$dir"
