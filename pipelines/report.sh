#!/bin/sh
# pipelines/report.sh OUT -- the report of an AutoPEFT run (pipelines/autopeft.mk):
#
#   OUT/report/report.md         per task: a summary (hypervolume of the front
#                                and of each baseline family under one
#                                reference point; for each baseline, the best
#                                front configuration at or under its parameter
#                                count and the score difference), a table of
#                                the front and the baselines, the plot; the
#                                re-trained front (mean, spread over seeds)
#                                against the re-trained baselines; stage times
#   OUT/report/TASK.png, .svg    score against % parameters added (log scale):
#                                every evaluation, the front, the baselines by
#                                family, full fine-tuning as a horizontal line
#   OUT/report/TASK-rescore.png  the re-trained front with error bars (+-1 sd
#                                over seeds) beside the search front
#
# Tables are made with awk, hypervolumes with pareto(1), plots with gnuplot.
# The reference point is REF=SCORE,PARAMS_PCT if set, else per task the
# worst score among the task's points and 1.1 x their largest params_pct
# (full fine-tuning excluded).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
out=${1:?usage: report.sh OUT}
rep=$out/report
mkdir -p "$rep"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
md=$tmp/report.md
search_task=$(awk -F '\t' 'NR == 2 { print $1 }' "$out/tasks.tsv")
tasks=$(awk -F '\t' 'NR > 1 { print $1 }' "$out/tasks.tsv")

# ok FILE: the records of FILE whose status is ok (header kept)
ok() { [ -s "$1" ] && awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") c = i; print; next } !c || $c == "ok"' "$1"; }

# hv FILE SCORE_REF PCT_REF [SCORECOL]: hypervolume of (score:max, params_pct:min)
hv() {
    if [ "$(records "$1")" -eq 0 ]; then echo 0; return; fi
    pareto --objectives "${4:-score}:max,params_pct:min" --hv --ref "$2,$3" "$1" | awk -F '\t' 'NR == 2 { printf "%.4f", $1 }'
}

# describe: awk functions turning a record into "modules" and "layers" text
DESCRIBE='
function modules(   s, k, n) {
    s = ""; n = split("sa pa pt lora", K, " ")
    for (k = 1; k <= n; k++) if ((K[k] in c) && $c[K[k]] + 0 > 0) s = s (s == "" ? "" : " + ") K[k] " " $c[K[k]]
    if (("full" in c) && $c["full"] == 1) s = "full fine-tuning" (s == "" ? "" : " + " s)
    return s == "" ? "head only" : s
}
function layers(   s, l, a, on, all) {
    s = ""; all = 1; a = -1
    for (l = 0; ("l" l) in c; l++) {
        on = $c["l" l] == 1
        if (!on) all = 0
        if (on && a < 0) a = l
        if (!on && a >= 0) { s = s (s == "" ? "" : ",") (a == l - 1 ? a : a "-" (l - 1)); a = -1 }
    }
    if (a >= 0) s = s (s == "" ? "" : ",") (a == l - 1 ? a : a "-" (l - 1))
    return all ? "all" : (s == "" ? "none" : s)
}'

{
    echo "# AutoPEFT report"
    echo
    echo "Model: \`${MODEL:-?}\`."
    if [ -s "${MODEL:-/nonexistent}/config.json" ]; then
        jq -r '"Encoder: \(.num_hidden_layers) layers, hidden \(.hidden_size), \(.num_attention_heads) heads, vocabulary \(.vocab_size)."' "$MODEL/config.json"
    fi
    echo "Search task: **$search_task**, $(records "$out/search/history.tsv") evaluations, $(records "$out/search/front.tsv") on the Pareto front."
    echo "Transfer tasks: $(echo $tasks | tr ' ' '\n' | tail -n +2 | paste -sd' ' - | sed 's/ /, /g; s/^$/none/')."
    echo "Scores are dev-set scores (the task's main metric; best per-epoch evaluation); % params is the share of the"
    echo "base model's parameters that a configuration adds (full fine-tuning: 100%, a whole copy per task)."
    echo
} > "$md"

for t in $tasks; do
    if [ "$t" = "$search_task" ]; then
        ok "$out/search/history.tsv" > "$tmp/points.tsv"
        cp "$out/search/front.tsv" "$tmp/front.tsv"
        what="search"
    else
        if [ -s "$out/transfer/$t/history.tsv" ]; then
            ok "$out/transfer/$t/history.tsv" > "$tmp/points.tsv"
            pareto -o score:max,params_pct:min "$out/transfer/$t/history.tsv" > "$tmp/front.tsv"
        else
            : > "$tmp/points.tsv"; : > "$tmp/front.tsv"
        fi
        what="transferred"
    fi
    if [ -s "$out/baselines/$t/history.tsv" ]; then ok "$out/baselines/$t/history.tsv" > "$tmp/base.tsv"; else : > "$tmp/base.tsv"; fi
    awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next } $c["family"] != "full"' "$tmp/base.tsv" > "$tmp/peft.tsv" 2>/dev/null || : > "$tmp/peft.tsv"
    # the reference point
    if [ -n "${REF:-}" ]; then
        rs=${REF%,*} rp=${REF#*,}
    else
        set -- $(awk -F '\t' 'FNR == 1 { delete c; for (i = 1; i <= NF; i++) c[$i] = i; next }
            $0 != "" && ("score" in c) && $c["score"] != "" { s = $c["score"] + 0; p = $c["params_pct"] + 0
                if (!n++ || s < lo) lo = s; if (p > hi) hi = p }
            END { printf "%.6f %.6f\n", (n ? lo : 0), (hi > 0 ? 1.1 * hi : 100) }' "$tmp/points.tsv" "$tmp/peft.tsv")
        rs=$1 rp=$2
    fi
    {
        echo "## $t"
        echo
        echo "Hypervolume of (score, % params) against the reference point (score $rs, $rp % params):"
        echo
        echo "| set | points | hypervolume |"
        echo "|---|---|---|"
        echo "| $what front | $(records "$tmp/front.tsv") | $(hv "$tmp/front.tsv" "$rs" "$rp") |"
        for fam in sa pa pt lora; do
            awk -F '\t' -v f="$fam" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next } $c["family"] == f' "$tmp/base.tsv" > "$tmp/fam.tsv" 2>/dev/null || : > "$tmp/fam.tsv"
            [ "$(records "$tmp/fam.tsv")" -gt 0 ] || continue
            case $fam in sa) n="serial adapter" ;; pa) n="parallel adapter" ;; pt) n="prefix tuning" ;; lora) n="LoRA" ;; esac
            echo "| baseline: $n | $(records "$tmp/fam.tsv") | $(hv "$tmp/fam.tsv" "$rs" "$rp") |"
        done
        echo
        if [ "$(records "$tmp/base.tsv")" -gt 0 ] && [ "$(records "$tmp/front.tsv")" -gt 0 ]; then
            echo "Each baseline against the best $what configuration at or under its parameter count:"
            echo
            echo "| baseline | % params | score | best front config at or under | its % params | its score | difference |"
            echo "|---|---|---|---|---|---|---|"
            awk -F '\t' 'NR == FNR { if (FNR == 1) { for (i = 1; i <= NF; i++) f[$i] = i; next }
                    if ($0 == "") next; n++; fid[n] = $f["id"]; fp[n] = $f["params"] + 0; fpc[n] = $f["params_pct"]; fs[n] = $f["score"] + 0; next }
                FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                $0 != "" {
                    b = 0; for (i = 1; i <= n; i++) if (fp[i] <= $c["params"] + 0 && (!b || fs[i] > fs[b])) b = i
                    if (b) printf "| %s | %.3f | %.4f | %s | %.3f | %.4f | %+.4f |\n", $c["id"], $c["params_pct"], $c["score"], fid[b], fpc[b], fs[b], fs[b] - $c["score"]
                    else printf "| %s | %.3f | %.4f | (none) | | | |\n", $c["id"], $c["params_pct"], $c["score"]
                }' "$tmp/front.tsv" "$tmp/base.tsv"
            echo
        fi
        echo "The $what front and the baselines:"
        echo
        echo "| id | kind | modules | layers | score | params | % params |"
        echo "|---|---|---|---|---|---|---|"
        for f in front base; do
            [ -s "$tmp/$f.tsv" ] || continue
            awk -F '\t' -v kind="$f" "$DESCRIBE"'
                FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                $0 != "" { printf "| %s | %s | %s | %s | %.4f | %s | %.3f |\n", $c["id"], (kind == "front" ? "front" : "baseline " $c["family"]), modules(), layers(), $c["score"], $c["params"], $c["params_pct"] }' "$tmp/$f.tsv"
        done
        echo
        echo "![$t]($t.png)"
        echo
    } >> "$md"
    # the plot: every point, the front, the baselines by family, full FT
    full=$(awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["family"] == "full" { print $c["score"]; exit }' "$tmp/base.tsv" 2>/dev/null || true)
    for term in png svg; do
        gnuplot -e "points='$tmp/points.tsv'; front='$tmp/front.tsv'; base='$tmp/base.tsv'; full='${full:-NaN}'; task='$t'; what='$what'; term='$term'; out='$tmp/$t.$term'" \
            "$here/plot-task.gp" 2> "$tmp/gnuplot.err" || { cat "$tmp/gnuplot.err" >&2; die "gnuplot failed on $t"; }
        mv "$tmp/$t.$term" "$rep/$t.$term"
    done
done

# re-trained front and baselines of the search task
rs_dir=$out/rescore
if [ -s "$rs_dir/front-stats.tsv" ]; then
    n_seeds=$(awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { if ($c["n_seeds"] > m) m = $c["n_seeds"] } END { print m + 0 }' "$rs_dir/front-stats.tsv")
    # one reference point for both fronts (single run and re-trained means)
    set -- $(awk -F '\t' 'FNR == 1 { delete c; for (i = 1; i <= NF; i++) c[$i] = i; next }
        $0 != "" { s = ("score_mean" in c) ? $c["score_mean"] : $c["score"]; if (s == "") next; s += 0; p = $c["params_pct"] + 0
            if (!n++ || s < lo) lo = s; if (p > hi) hi = p }
        END { printf "%.6f %.6f\n", lo, 1.1 * hi }' "$out/search/front.tsv" "$rs_dir/front-stats.tsv")
    if [ -n "${REF:-}" ]; then rs=${REF%,*} rp=${REF#*,}; else rs=$1 rp=$2; fi
    {
        echo "## $search_task: the front re-trained with $n_seeds seeds"
        echo
        echo "A single dev score is a noisy measurement, and the search keeps the configurations that were lucky"
        echo "once. Every front configuration was trained again with $n_seeds new seeds (its search run left out);"
        echo "every baseline with its own run and $((n_seeds - 1)) new seeds. The front is recomputed on the means, with"
        echo "points whose means differ by less than their combined standard error counted as ties"
        echo "(\`pareto --tol score_mean=@score_se\`); on_front = 0 marks configurations that leave it."
        if [ -s "$out/search/confirm.tsv" ]; then
            echo "The search confirmed its front before it ended (CONFIRM): a front configuration's search score"
            echo "is the mean of its search run and its confirmation runs (seeds SEED+1001 and up), none of them"
            echo "among the new seeds here."
        fi
        echo
        echo "| set | hypervolume (reference: score $rs, $rp % params) |"
        echo "|---|---|"
        echo "| search front (search scores) | $(hv "$out/search/front.tsv" "$rs" "$rp") |"
        echo "| re-trained front (means over seeds) | $(hv "$rs_dir/front.tsv" "$rs" "$rp" score_mean) |"
        echo
        echo "| id | modules | layers | search score | mean | sd | se | min-max | seeds | % params | on_front |"
        echo "|---|---|---|---|---|---|---|---|---|---|---|"
        awk -F '\t' "$DESCRIBE"'
            NR == FNR { if (FNR == 1) { for (i = 1; i <= NF; i++) f[$i] = i; next } ss[$f["id"]] = $f["score"]; next }
            FNR == 1 { delete c; for (i = 1; i <= NF; i++) c[$i] = i; next }
            $0 != "" { printf "| %s | %s | %s | %.4f | %.4f | %.4f | %.4f | %.4f-%.4f | %d | %.3f | %s |\n", $c["id"], modules(), layers(), ss[$c["id"]], $c["score_mean"], $c["score_sd"], $c["score_se"], $c["score_min"], $c["score_max"], $c["n_seeds"], $c["params_pct"], $c["on_front"] }' \
            "$out/search/front.tsv" "$rs_dir/front-stats.tsv"
        echo
        if [ -s "$rs_dir/baselines-stats.tsv" ]; then
            echo "Each re-trained baseline against the best re-trained front configuration at or under its"
            echo "parameter count. A difference is a win (or a loss) only when it exceeds the combined standard"
            echo "error sqrt(se_front^2 + se_baseline^2); otherwise it is a tie."
            echo
            echo "| baseline | % params | mean +- se | best front config at or under | its mean +- se | difference | combined se | verdict |"
            echo "|---|---|---|---|---|---|---|---|"
            awk -F '\t' 'NR == FNR { if (FNR == 1) { for (i = 1; i <= NF; i++) f[$i] = i; next }
                    if ($0 == "" || $f["score_mean"] == "") next; n++; fid[n] = $f["id"]; fp[n] = $f["params"] + 0; fm[n] = $f["score_mean"] + 0; fse[n] = $f["score_se"] + 0; next }
                FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                $0 != "" && $c["score_mean"] != "" {
                    b = 0; for (i = 1; i <= n; i++) if (fp[i] <= $c["params"] + 0 && (!b || fm[i] > fm[b])) b = i
                    if (!b) { printf "| %s | %.3f | %.4f +- %.4f | (none) | | | | |\n", $c["id"], $c["params_pct"], $c["score_mean"], $c["score_se"]; next }
                    d = fm[b] - $c["score_mean"]; se = sqrt(fse[b] ^ 2 + $c["score_se"] ^ 2)
                    v = d > se ? "win" : (d < -se ? "loss" : "tie")
                    printf "| %s | %.3f | %.4f +- %.4f | %s | %.4f +- %.4f | %+.4f | %.4f | %s |\n", $c["id"], $c["params_pct"], $c["score_mean"], $c["score_se"], fid[b], fm[b], fse[b], d, se, v
                }' "$rs_dir/front-stats.tsv" "$rs_dir/baselines-stats.tsv"
            echo
            awk -F '\t' 'NR == FNR { if (FNR == 1) { for (i = 1; i <= NF; i++) f[$i] = i; next }
                    if ($0 == "" || $f["score_mean"] == "") next; n++; fp[n] = $f["params"] + 0; fm[n] = $f["score_mean"] + 0; fse[n] = $f["score_se"] + 0; next }
                FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                $0 != "" && $c["score_mean"] != "" {
                    b = 0; for (i = 1; i <= n; i++) if (fp[i] <= $c["params"] + 0 && (!b || fm[i] > fm[b])) b = i
                    if (!b) { none++; next }
                    d = fm[b] - $c["score_mean"]; se = sqrt(fse[b] ^ 2 + $c["score_se"] ^ 2)
                    if (d > se) w++; else if (d < -se) l++; else t++
                }
                END { printf "Verdict over the baselines: %d wins, %d ties, %d losses%s.\n", w, t, l, (none ? sprintf(", %d with no front configuration as small", none) : "") }' \
                "$rs_dir/front-stats.tsv" "$rs_dir/baselines-stats.tsv"
            echo
        fi
        echo "![$search_task re-trained]($search_task-rescore.png)"
        echo
    } >> "$md"
    for term in png svg; do
        gnuplot -e "front='$out/search/front.tsv'; stats='$rs_dir/front-stats.tsv'; bstats='$rs_dir/baselines-stats.tsv'; task='$search_task'; term='$term'; out='$tmp/r.$term'" \
            "$here/plot-rescore.gp" 2> "$tmp/gnuplot.err" || { cat "$tmp/gnuplot.err" >&2; die "gnuplot failed on the re-trained front"; }
        mv "$tmp/r.$term" "$rep/$search_task-rescore.$term"
    done
fi

# stage times
if [ -s "$out/times.tsv" ]; then
    {
        echo "## Time per stage"
        echo
        echo "| stage | seconds | runs |"
        echo "|---|---|---|"
        awk -F '\t' 'NR > 1 { if (!($1 in s)) o[++n] = $1; s[$1] += $2; r[$1]++ } END { for (i = 1; i <= n; i++) printf "| %s | %d | %d |\n", o[i], s[o[i]], r[o[i]] }' "$out/times.tsv"
        echo
        echo "(The report's own time is added to times.tsv when it finishes.)"
    } >> "$md"
fi
mv "$md" "$rep/report.md"
say "wrote $rep/report.md"
