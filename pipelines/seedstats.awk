# pipelines/seedstats.awk -- the runs of each configuration over several
# seeds, summarised: awk -f pipelines/seedstats.awk RUNS.tsv
# RUNS.tsv: evaluated records with a 'config_id' column naming the
# configuration each run belongs to, a 'score' column and a 'status' column
# (runs whose status is not ok are counted in n_failed, not in the
# statistics). Output, one record per configuration in order of first
# appearance: id (= config_id), the configuration columns of its first run
# (family, sa, pa, pt, lora, l0..., full: those present), then score_mean, score_sd (sample standard
# deviation, n - 1), score_se (sd / sqrt(n)), score_min, score_max, n_seeds,
# n_failed, seeds (the seeds of the ok runs), params, params_pct.
BEGIN { FS = OFS = "\t" }
NR == 1 {
    for (i = 1; i <= NF; i++) c[$i] = i
    if (!("config_id" in c) || !("score" in c)) { print "seedstats.awk: " FILENAME ":1: need columns config_id and score" > "/dev/stderr"; bad = 1; exit 1 }
    head = "id"
    for (i = 1; i <= NF; i++) if ($i ~ /^(family|sa|pa|pt|lora|full|l[0-9]+)$/) { head = head OFS $i; keepc[++nk] = i }
    print head, "score_mean", "score_sd", "score_se", "score_min", "score_max", "n_seeds", "n_failed", "seeds", "params", "params_pct"
    next
}
$0 == "" { next }
{
    k = $c["config_id"]
    if (!(k in first)) {
        order[++n] = k; first[k] = 1
        cfg = ""; for (j = 1; j <= nk; j++) cfg = cfg OFS $keepc[j]
        conf[k] = cfg
        par[k] = ("params" in c) ? $c["params"] : ""
        pct[k] = ("params_pct" in c) ? $c["params_pct"] : ""
    }
    if (("status" in c) && $c["status"] != "ok") { fail[k]++; next }
    x = $c["score"] + 0
    m[k]++; s[k] += x; ss[k] += x * x
    if (!(k in lo) || x < lo[k]) lo[k] = x
    if (!(k in hi) || x > hi[k]) hi[k] = x
    sd_[k] = sd_[k] (sd_[k] == "" ? "" : ",") (("seed" in c) ? $c["seed"] : "")
    v[k, m[k]] = x
}
END {
    if (bad) exit 1
    for (i = 1; i <= n; i++) {
        k = order[i]
        if (m[k] == 0) { print k conf[k], "", "", "", "", "", 0, fail[k] + 0, "", par[k], pct[k]; continue }
        mean = s[k] / m[k]
        var = 0; for (j = 1; j <= m[k]; j++) var += (v[k, j] - mean) ^ 2
        sd = m[k] > 1 ? sqrt(var / (m[k] - 1)) : 0
        printf "%s%s\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%d\t%d\t%s\t%s\t%s\n", k, conf[k], mean, sd, sd / sqrt(m[k]), lo[k], hi[k], m[k], fail[k] + 0, sd_[k], par[k], pct[k]
    }
}
