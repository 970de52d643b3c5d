# pipelines/lib.sh -- shell functions shared by the pipeline scripts (sourced).

say() { echo "${0##*/}: $*" >&2; }
die() { echo "${0##*/}: $*" >&2; exit 1; }

# records FILE: the number of records in a TSV file with a header (0 when the
# file is absent, empty or holds only a header).
records() {
    if [ -s "$1" ]; then awk 'NR > 1 && $0 != "" { n++ } END { print n + 0 }' "$1"; else echo 0; fi
}

# ncores: the cores this process may use.
ncores() { nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1; }

# kill_point: fault injection for the tests. With AUTOPEFT_KILL_AT=K and
# AUTOPEFT_KILL_COUNT=FILE, the K-th call (counted in FILE across every
# script of the run) kills the whole process group with SIGKILL, as a user's
# kill -9 would. Called after every command that changes a file.
kill_point() {
    [ -n "${AUTOPEFT_KILL_AT:-}" ] || return 0
    _k=$(($(cat "$AUTOPEFT_KILL_COUNT" 2>/dev/null || echo 0) + 1))
    echo "$_k" > "$AUTOPEFT_KILL_COUNT"
    [ "$_k" -ne "$AUTOPEFT_KILL_AT" ] || kill -9 0
}

# publish TMP DEST: move a finished temp file into place (atomic rename).
publish() { mv -f "$1" "$2" && kill_point; }
