#!/bin/sh
# bench/embedded/acceptance.sh [OUT] -- the acceptance measurements of the
# embedded default (issue 11) on a finished `make demo` (OUT, default
# out/demo), printed as markdown for bench/RESULTS.md:
#
#   1. on every task, the best PEFT configuration against the best shortcut
#      (bench/shortcuts.py, needs /usr/bin/python3 with scikit-learn)
#   2. full fine-tuning from data/encoder against full fine-tuning from
#      random weights of the same shape, at several learning rates
#      (LRS, default "1e-4 3e-4 1e-3 3e-3"; the demo's budget otherwise)
#   3. the span of the search's scores and how many are at chance
#   4. the front re-scored with 2 other seeds (OUT/rescore/front-runs.tsv):
#      the move of each point in dev standard errors
#   5. on each transfer task, the transferred front's hypervolume against
#      each single-module baseline family's
#
# Standard errors are binomial, sqrt(p (1 - p) / n), n the dev size. A score
# "at chance" is within 2 standard errors of 1 / (number of classes).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
PATH=$here/bin:$PATH
out=${1:-out/demo}
model=${MODEL:-$here/data/encoder}
data=$out/data
LRS=${LRS:-1e-4 3e-4 1e-3 3e-3}
. "$here/bench/embedded/lib.sh"
# the demo's training arguments (the learning-rate sweep's --lr and
# --full-lr come after them and win) and seeds
BUDGET=$(demo_var TRAIN_ARGS)
SEED=$(demo_var SEED) SEEDS=$(demo_var SEEDS)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tasks="wn-pos wn-order wn-cloze"
search_task=$(awk -F '\t' 'NR == 2 { print $1 }' "$out/tasks.tsv")
transfer_tasks=$(awk -F '\t' 'NR > 2 { print $1 }' "$out/tasks.tsv")
# okscores FILE [FAMILYFILTER]: the scores of FILE's ok records (full fine-tuning left out)
okscores() { awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    (!("status" in c) || $c["status"] == "ok") && !(("full" in c) && $c["full"] == 1) && !(("family" in c) && $c["family"] == "full") { print $c["score"] }' "$@"; }
se() { awk -v p="$1" -v n="$2" 'BEGIN { printf "%.4f", sqrt(p * (1 - p) / n) }'; }

echo "### Embedded default: acceptance ($(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
echo
echo "Encoder: \`${model#"$here"/}\`, $(jq -r '"\(.num_hidden_layers) layers, hidden \(.hidden_size), \(.num_attention_heads) heads"' "$model/config.json")."
echo "Demo training (pipelines/demo.mk): \`$BUDGET\`; dev sets of $(ndev wn-pos) (standard error at p = 0.9: $(se 0.9 "$(ndev wn-pos)"))."
echo

# 1. best PEFT against the best shortcut
echo "#### 1. Best PEFT configuration against the best shortcut (at least +5 points)"
echo
if /usr/bin/python3 -c 'import sklearn' 2>/dev/null; then
    /usr/bin/python3 "$here/bench/shortcuts.py" --data "$data" --train-size 2000 --out "$tmp/shortcuts.md" > /dev/null
    shortcut_ok=1
else
    echo "(no /usr/bin/python3 with scikit-learn: shortcuts skipped)"; shortcut_ok=0
fi
echo "| task | best shortcut (dev) | best PEFT configuration (dev) | difference | pass |"
echo "|---|---|---|---|---|"
for t in $tasks; do
    files=""
    [ -s "$out/search/history.tsv" ] && [ "$t" = "$search_task" ] && files="$out/search/history.tsv"
    [ -s "$out/transfer/$t/history.tsv" ] && files="$files $out/transfer/$t/history.tsv"
    [ -s "$out/baselines/$t/history.tsv" ] && files="$files $out/baselines/$t/history.tsv"
    best=$(for f in $files; do okscores "$f"; done | sort -g | tail -1)
    if [ "$shortcut_ok" = 1 ]; then
        sc=$(awk -F '|' -v t="$t" '$2 ~ "^ *" t " *$" && $5 ~ /±/ { split($5, v, " "); sub(/^ */, "", $4); sub(/ *$/, "", $4); print v[1] " (" $4 ")" }' "$tmp/shortcuts.md" | sort -g | tail -1)
    else sc="?"; fi
    awk -v t="$t" -v b="${best:-0}" -v s="$sc" 'BEGIN { split(s, x, " "); d = 100 * (b - x[1]);
        printf "| %s | %s | %.4f | %+.1f | %s |\n", t, s, b, d, (d >= 5 ? "yes" : "no") }'
done
echo
if [ "$shortcut_ok" = 1 ]; then echo "All shortcuts:"; echo; cat "$tmp/shortcuts.md"; echo; fi

# 2. full fine-tuning, pretrained against random
echo "#### 2. Full fine-tuning: data/encoder against random weights of the same shape (at least +10 points)"
echo
jq -r '"--layers \(.num_hidden_layers) --hidden \(.hidden_size) --heads \(.num_attention_heads) --intermediate \(.intermediate_size) --max-position \(.max_position_embeddings)"' "$model/config.json" > "$tmp/shape"
model-init $(cat "$tmp/shape") --vocab "$model/vocab.txt" --seed 7 "$tmp/random" > /dev/null
cp "$model/vocab.txt" "$tmp/random/"
space-gen --baselines "$model" | awk -F '\t' 'NR == 1 || $1 == "bl-full"' > "$tmp/full.tsv"
for t in $tasks; do for lr in $LRS; do for m in pretrained random; do echo "$t $lr $m"; done; done; done > "$tmp/jobs"
run_one() {
    t=$1 lr=$2 m=$3
    if [ "$m" = pretrained ]; then d=$model; else d=$tmp/random; fi
    train-eval --model "$d" --task custom --text-a sentence --label label --data "$data/$t" --task-name "$t" \
        $BUDGET --lr "$lr" --full-lr "$lr" --threads 1 "$tmp/full.tsv" 2>/dev/null |
        awk -F '\t' -v t="$t" -v lr="$lr" -v m="$m" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print t "\t" lr "\t" m "\t" $c["score"] "\t" $c["status"] }'
}
while read -r t lr m; do run_one "$t" "$lr" "$m" > "$tmp/ft.$t.$lr.$m" & 
    while [ "$(jobs -p | wc -l)" -ge 2 ]; do sleep 1; done
done < "$tmp/jobs"
wait
cat "$tmp"/ft.* > "$tmp/ft.tsv"
echo "| task | lr | pretrained | random |"
echo "|---|---|---|---|"
for t in $tasks; do for lr in $LRS; do
    awk -F '\t' -v t="$t" -v lr="$lr" '$1 == t && $2 == lr { s[$3] = ($5 == "ok" ? sprintf("%.4f", $4) : $5) }
        END { printf "| %s | %s | %s | %s |\n", t, lr, s["pretrained"], s["random"] }' "$tmp/ft.tsv"
done; done
echo
echo "| task | best pretrained | best random | difference | pass |"
echo "|---|---|---|---|---|"
for t in $tasks; do
    awk -F '\t' -v t="$t" '$1 == t && $5 == "ok" { if ($4 > b[$3]) { b[$3] = $4; l[$3] = $2 } }
        END { d = 100 * (b["pretrained"] - b["random"]); printf "| %s | %.4f (lr %s) | %.4f (lr %s) | %+.1f | %s |\n", t, b["pretrained"], l["pretrained"], b["random"], l["random"], d, (d >= 10 ? "yes" : "no") }' "$tmp/ft.tsv"
done
echo

# 3. the search's span and its scores at chance
echo "#### 3. The search on $search_task: span at least 10 points, at most 1 in 20 at chance"
echo
thr=$(chance "$search_task")
okscores "$out/search/history.tsv" | awk -v thr="$thr" '{ s[NR] = $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
    END { for (i = 1; i <= NR; i++) if (s[i] <= thr) c++
        printf "| evaluations (ok) | min | max | span | at chance (<= %.4f) | pass |\n|---|---|---|---|---|---|\n", thr
        printf "| %d | %.4f | %.4f | %.1f points | %d | %s |\n", NR, lo, hi, 100 * (hi - lo), c, ((100 * (hi - lo) >= 10 && c * 20 <= NR) ? "yes" : "no") }'
echo

# 4. the front re-scored with 2 other seeds
echo "#### 4. The front re-scored with 2 other seeds: each point moves by at most 2 dev standard errors"
echo
if [ -s "$out/rescore/front-runs.tsv" ]; then
    echo "| configuration | % params | search score | seed runs | mean of 2 other seeds | move (SE) | largest single move (SE) | pass |"
    echo "|---|---|---|---|---|---|---|---|"
    n=$(ndev "$search_task")
    awk -F '\t' -v n="$n" '
        FNR == 1 { f++; delete c; for (i = 1; i <= NF; i++) c[$i] = i; next }
        f == 1 { orig[$c["id"]] = $c["score"]; pct[$c["id"]] = $c["params_pct"]; order[++no] = $c["id"]; next }
        $c["status"] == "ok" { id = $c["config_id"]; if (cnt[id] < 2) { cnt[id]++; sc[id, cnt[id]] = $c["score"] } }
        END { for (j = 1; j <= no; j++) { id = order[j]; o = orig[id]; se = sqrt(o * (1 - o) / n)
                if (cnt[id] < 2) { printf "| %s | %.3f | %.4f | %d | - | - | - | no |\n", id, pct[id], o, cnt[id]; bad++; continue }
                m = (sc[id, 1] + sc[id, 2]) / 2; mv = (m - o) / se
                m1 = (sc[id, 1] - o) / se; m2 = (sc[id, 2] - o) / se; big = (m1 * m1 > m2 * m2) ? m1 : m2
                ok = (mv >= -2 && mv <= 2); if (!ok) bad++
                printf "| %s | %.3f | %.4f | %.4f, %.4f | %.4f | %+.2f | %+.2f | %s |\n", id, pct[id], o, sc[id, 1], sc[id, 2], m, mv, big, (ok ? "yes" : "no") }
              printf "\n%d of %d front points move by more than 2 standard errors (mean of the 2 seeds against the search score).\n", bad, no }' \
        "$out/search/front.tsv" "$out/rescore/front-runs.tsv"
    if [ -s "$out/search/confirm.tsv" ]; then
        echo
        echo "The search score of a front point is the mean of its search run and its $(awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "n_seeds") c = i; next } $c > m { m = $c } END { print m - 1 }' "$out/search/front.tsv") confirmation run(s) (CONFIRM, seeds $((SEED + 1001)) and up); the re-scoring seeds are $((SEED + 1)) to $((SEED + SEEDS))."
    fi
else
    echo "(no $out/rescore/front-runs.tsv: run make demo to the end)"
fi
echo

# 5. transferred front against the single-module families
echo "#### 5. Transferred front against each single-module baseline family (hypervolume, score x % params)"
echo
echo "| task | reference point | transferred front | serial adapter | parallel adapter | prefix | LoRA | pass |"
echo "|---|---|---|---|---|---|---|---|"
for t in $transfer_tasks; do
    h=$out/transfer/$t/history.tsv b=$out/baselines/$t/history.tsv
    [ -s "$h" ] && [ -s "$b" ] || { echo "| $t | (missing) | | | | | | no |"; continue; }
    # the report's reference point: the worst score, 1.1 x the largest % params (full fine-tuning left out)
    set -- $(awk -F '\t' 'FNR == 1 { delete c; for (i = 1; i <= NF; i++) c[$i] = i; next }
        ($c["status"] == "ok") && !(("family" in c) && $c["family"] == "full") { s = $c["score"] + 0; p = $c["params_pct"] + 0
            if (!n++ || s < lo) lo = s; if (p > hi) hi = p }
        END { printf "%.6f %.6f\n", lo, 1.1 * hi }' "$h" "$b")
    rs=$1 rp=$2
    hvof() { if [ "$(awk 'END { print NR }' "$1")" -le 1 ]; then echo 0; else pareto --objectives score:max,params_pct:min --hv --ref "$rs,$rp" "$1" | awk -F '\t' 'NR == 2 { printf "%.4f", $1 }'; fi; }
    awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next } $c["status"] == "ok"' "$h" > "$tmp/tr.tsv"
    front=$(hvof "$tmp/tr.tsv")
    line="| $t | ($rs, $rp) | $front"; pass=yes
    for fam in sa pa pt lora; do
        awk -F '\t' -v f="$fam" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next } $c["status"] == "ok" && $c["family"] == f' "$b" > "$tmp/fam.tsv"
        v=$(hvof "$tmp/fam.tsv")
        line="$line | $v"
        awk -v a="$front" -v b="$v" 'BEGIN { exit !(a + 0 < b + 0) }' && pass=no
    done
    echo "$line | $pass |"
done
