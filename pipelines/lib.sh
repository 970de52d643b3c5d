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

# reseed FILE SEED FROM TO: configuration records ID~sS (config_id ID, seed
# S) for the seeds S = SEED+FROM .. SEED+TO of every configuration of FILE
# (its id and configuration columns), for train-eval's per-record seed.
reseed() {
    awk -F '\t' -v OFS='\t' -v seed="$2" -v a="$3" -v b="$4" '
        NR == 1 { hl = "id" OFS "config_id" OFS "seed"
            for (i = 1; i <= NF; i++) { if ($i == "id") ci = i; else if ($i ~ /^(family|sa|pa|pt|lora|full|l[0-9]+)$/) { keep[i] = 1; hl = hl OFS $i } }
            print hl; next }
        $0 != "" { for (s = a; s <= b; s++) { line = $ci "~s" (seed + s) OFS $ci OFS (seed + s); for (i = 1; i <= NF; i++) if (keep[i]) line = line OFS $i; print line } }' "$1"
}
