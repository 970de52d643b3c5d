#!/bin/sh
# pipelines/evaluate.sh -- evaluate configuration records, several at a time,
# into a results file, resumably:
#
#   pipelines/evaluate.sh CONFIGS RESULTS [-- EVALUATOR-ARGS...]
#
# Every record of CONFIGS (TSV with a header and an id column) whose id is not
# yet in RESULTS is evaluated by its own process,
#
#   $LAUNCH $EVALUATOR --threads $THREADS EVALUATOR-ARGS RESULTS.d/ID.in
#
# JOBS at a time; each writes RESULTS.d/ID.tsv (temp file, then rename). When
# all are done, the new records are appended to RESULTS in the order of
# CONFIGS (merge.awk: columns by name; a temp file renamed over RESULTS), and
# their files are removed. A process that fails (a crash, a failed launch, a
# job killed by its scheduler) gives its record status=error and the reason;
# it never stops the others. Killed at any moment, a second run evaluates only
# what is missing: finished records are kept, none is added twice.
#
# Environment:
#   JOBS       evaluations at once [the number of cores]
#   THREADS    OpenBLAS threads of each evaluation [cores / JOBS, at least 1]
#   LAUNCH     prefix of every evaluation command, e.g. 'srun -n1 -c8' [none]
#   EVALUATOR  the program that evaluates a record file [train-eval]; any
#              program that reads configuration records and writes them back
#              with a score will do (it gets --threads N unless THREADS=none)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

if [ "${1:-}" = "--one" ]; then
    # internal: evaluate one record; $2 = work dir, $3 = id, rest = args
    dir=$2 id=$3
    shift 3
    in=$dir/$id.in res=$dir/$id.tsv tmp=$dir/$id.tsv.tmp.$$
    [ -e "$res" ] && exit 0
    set +e
    if [ "$THREADS" = none ]; then
        $LAUNCH $EVALUATOR "$@" "$in" > "$tmp" 2> "$dir/$id.log"
    else
        OPENBLAS_NUM_THREADS=$THREADS $LAUNCH $EVALUATOR --threads "$THREADS" "$@" "$in" > "$tmp" 2> "$dir/$id.log"
    fi
    rc=$?
    set -e
    if [ "$rc" -eq 0 ] && [ "$(records "$tmp")" -eq 1 ]; then
        publish "$tmp" "$res"
        exit 0
    fi
    # the evaluation failed: keep the configuration, say why
    if [ "$rc" -gt 128 ]; then why="killed by signal $((rc - 128))"; else why="exit status $rc"; fi
    [ "$rc" -ne 0 ] || why="no record written"
    last=$(grep -v '^$' "$dir/$id.log" 2>/dev/null | tail -n 1 | tr '\t\r' '  ' | cut -c1-300)
    { head -n 1 "$in" | awk '{ print $0 "\tstatus\tmessage" }'
      tail -n +2 "$in" | awk -v m="evaluation failed: $why${last:+: $last}" '{ print $0 "\terror\t" m }'
    } > "$tmp"
    publish "$tmp" "$res"
    say "$id: evaluation failed: $why"
    exit 0
fi

[ $# -ge 2 ] || die "usage: evaluate.sh CONFIGS RESULTS [-- EVALUATOR-ARGS...]"
configs=$1 results=$2
shift 2
[ "${1:-}" = "--" ] && shift
[ -r "$configs" ] || die "$configs: cannot read"
cores=$(ncores)
JOBS=${JOBS:-$cores}
case $JOBS in '' | *[!0-9]* | 0) die "JOBS must be a positive integer, not '$JOBS'" ;; esac
[ -n "${THREADS:-}" ] || THREADS=$(( cores / JOBS > 0 ? cores / JOBS : 1 ))
LAUNCH=${LAUNCH:-}
EVALUATOR=${EVALUATOR:-train-eval}
export JOBS THREADS LAUNCH EVALUATOR
dir=$results.d
mkdir -p "$dir"
rm -f "$dir"/*.tmp.* "$results".tmp.*

# the records still to evaluate, in CONFIGS order; ids become file names
awk -F '\t' -v dir="$dir" -v results="$results" '
    BEGIN { while ((getline l < results) > 0) { n++; if (n == 1) { split(l, h, "\t"); for (i in h) if (h[i] == "id") c = i } else if (c) { split(l, f, "\t"); done[f[c]] = 1 } } }
    NR == 1 { head = $0; for (i = 1; i <= NF; i++) if ($i == "id") ic = i
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
n=$(printf '%s' "$todo" | grep -c . || true)
if [ "$n" -gt 0 ]; then
    for id in $todo; do
        [ -e "$dir/$id.tsv" ] && continue
        awk -F '\t' -v id="$id" 'NR == 1 { print; for (i = 1; i <= NF; i++) if ($i == "id") c = i; next } $c == id { print; exit }' \
            "$configs" > "$dir/$id.in"
    done
    say "$n to evaluate, $JOBS at a time ($THREADS thread(s) each)${LAUNCH:+ via $LAUNCH}"
    printf '%s\n' $todo | xargs -P "$JOBS" -I '{}' sh "$here/evaluate.sh" --one "$dir" '{}' "$@"
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
    if grep -q "$(printf '\t')error$(printf '\t')" "$dir/$id.tsv" 2>/dev/null && [ -s "$dir/$id.log" ]; then
        mkdir -p "$results.logs" && cp "$dir/$id.log" "$results.logs/$id.log"
    fi
done
rm -rf "$dir"
