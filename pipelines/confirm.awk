# pipelines/confirm.awk -- a search's history with every configuration's score
# replaced by its mean over the search run and the confirmation runs:
#   awk -f pipelines/confirm.awk CONFIRM HISTORY
# CONFIRM: confirmation runs (config_id, score, status columns; may be empty:
# give /dev/null); HISTORY: the search's records (id, score, status).
# Output: HISTORY's records in order with 'score' the mean of the ok runs
# (the search run and the configuration's ok confirmation runs; a record
# whose search run failed is left as it is), and three columns added:
# search_score (the search run's own score), n_seeds (ok runs in the mean)
# and confirm_runs (the configuration's confirmation records, ok or not).
BEGIN { FS = OFS = "\t" }
FNR == 1 { delete c; for (i = 1; i <= NF; i++) c[$i] = i }
FILENAME == ARGV[1] {
    if (FNR == 1) {
        if (!("config_id" in c) || !("score" in c)) { print "confirm.awk: " FILENAME ":1: need columns config_id and score" > "/dev/stderr"; bad = 1; exit 1 }
        next
    }
    if ($0 == "") next
    k = $c["config_id"]; runs[k]++
    if (("status" in c) && $c["status"] != "ok") next
    n[k]++; s[k] += $c["score"]
    next
}
FNR == 1 {
    if (!("id" in c) || !("score" in c)) { print "confirm.awk: " FILENAME ":1: need columns id and score" > "/dev/stderr"; bad = 1; exit 1 }
    sc = c["score"]
    print $0, "search_score", "n_seeds", "confirm_runs"
    next
}
$0 == "" { next }
{
    k = $c["id"]; own = $sc
    if (("status" in c) && $c["status"] != "ok") { print $0, own, 0, runs[k] + 0; next }
    m = 1 + n[k]
    if (m > 1) $sc = sprintf("%.6f", (own + s[k]) / m)
    print $0, own, m, runs[k] + 0
}
END { if (bad) exit 1 }
