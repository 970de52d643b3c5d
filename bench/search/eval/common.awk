# common.awk -- prelude shared by the benchmark evaluators (bench/search/run.sh).
# An evaluator is a filter: TSV config records (id + one column per space
# dimension, any other columns) on stdin -> the same records with the
# objective columns and status=ok appended. Usage, e.g.:
#   awk -f common.awk -f branincurrin.awk < configs.tsv
# Errors: "PROG: FILE:LINE: message" on stderr, exit status 1.
BEGIN { FS = OFS = "\t"; failed = 0 }
function src() { return (FILENAME == "" || FILENAME == "-") ? "stdin" : FILENAME }
function fail(msg) {
    printf "%s: %s:%d: %s\n", PROG, src(), FNR, msg > "/dev/stderr"
    failed = 1
    exit 1
}
# Column index of NAME in the header (call on the header line).
function need(name) {
    if (!(name in col)) fail("missing column '" name "'")
    return col[name]
}
# Index the header's columns (call on the header line, then need(), then print).
function cols(   i) { for (i = 1; i <= NF; i++) col[$i] = i }
# Integer field NAME of the current record, checked to lie in lo..hi.
function intval(name, lo, hi,   v) {
    v = $(col[name])
    if (v !~ /^[0-9]+$/ || v + 0 < lo || v + 0 > hi)
        fail("column '" name "': expected an integer in " lo ".." hi ", not '" v "'")
    return v + 0
}
END { if (failed) exit 1 }
