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
# A standard normal drawn from a hash of KEY (a string) and NSEED (-v NSEED=,
# the run's noise seed): the same configuration in the same run gets the
# same draw, as a fixed training seed would give; another run, another draw.
function hnormal(key,   h, i, u1, u2) {
    h = (NSEED + 0) % 2147483647 + 1
    for (i = 1; i <= length(key); i++) h = (h * 31 + index(" 0123456789abcdefghijklmnopqrstuvwxyz_.-\t", substr(key, i, 1)) + 1) % 2147483647
    h = (h * 16807) % 2147483647; h = (h * 16807) % 2147483647; if (h == 0) h = 1
    u1 = h / 2147483647
    h = (h * 16807) % 2147483647; if (h == 0) h = 1
    u2 = h / 2147483647
    return sqrt(-2 * log(u1)) * cos(2 * atan2(0, -1) * u2)
}
END { if (failed) exit 1 }
