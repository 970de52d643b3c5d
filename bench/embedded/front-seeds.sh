#!/bin/sh
# bench/embedded/front-seeds.sh [OUT [FIRST LAST]] -- how criterion 4 of the
# embedded default (the front re-scored with 2 other seeds moves each point
# by at most 2 dev standard errors) depends on which 2 seeds: the front of a
# finished `make demo` (OUT, default out/demo) is trained again with seeds
# SEED+FIRST .. SEED+LAST (default 3 6: seeds 45 to 48, beside the demo's own
# re-scoring seeds 43 and 44), with the demo's training arguments, and the
# criterion is scored for every pair of consecutive seeds (43+44, 45+46, ...).
# Also printed: each seed's shared effect (the mean over configurations of a
# run's difference from its configuration's mean over these seeds: the data
# order is the seed's, the same for every configuration) and the runs at
# chance (within 2 SE of 1 / classes). Runs go to OUT/front-seeds/runs.tsv (resumable: pipelines/evaluate.sh).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
PATH=$here/bin:$PATH
. "$here/pipelines/lib.sh"
. "$here/bench/embedded/lib.sh"
out=${1:-out/demo} first=${2:-3} last=${3:-6}
data=$out/data
seed=$(demo_var SEED) train_args=$(demo_var TRAIN_ARGS)
task=$(awk -F '\t' 'NR == 2 { print $1 }' "$out/tasks.tsv")
d=$out/front-seeds
mkdir -p "$d"
reseed "$out/search/front.tsv" "$seed" "$first" "$last" > "$d/configs.tsv.tmp.$$"
publish "$d/configs.tsv.tmp.$$" "$d/configs.tsv"
# shellcheck disable=SC2086
sh "$here/pipelines/evaluate.sh" "$d/configs.tsv" "$d/runs.tsv" -- --model "${MODEL:-$here/data/encoder}" -q \
    --task-name "$task" --seed "$seed" $train_args --task custom --text-a sentence --label label --data "$data/$task"
n=$(ndev "$task") chance=$(chance "$task")
echo "Front of $out ($(records "$out/search/front.tsv") configurations) on $task, dev n = $n; training: $train_args"
echo
echo "| seeds | points moving by more than 2 SE | moves (SE, mean of the 2 seeds against the search score) |"
echo "|---|---|---|"
awk -F '\t' -v n="$n" -v chance="$chance" -v s0=$((seed + 1)) -v s1=$((seed + last)) '
    FNR == 1 { f++; delete c; for (i = 1; i <= NF; i++) c[$i] = i; next }
    f == 1 { o[$c["id"]] = $c["score"]; ord[++no] = $c["id"]; next }
    $c["status"] == "ok" { sc[$c["config_id"], $c["seed"]] = $c["score"]; has[$c["config_id"], $c["seed"]] = 1 }
    END {
        for (a = s0; a < s1; a += 2) {
            bad = 0; list = ""
            for (j = 1; j <= no; j++) { id = ord[j]
                if (!has[id, a] || !has[id, a + 1]) { list = list " -"; continue }
                p = o[id]; mv = ((sc[id, a] + sc[id, a + 1]) / 2 - p) / sqrt(p * (1 - p) / n)
                if (mv < -2 || mv > 2) bad++
                list = list sprintf(" %+.2f", mv) }
            printf "| %d, %d | %d of %d |%s |\n", a, a + 1, bad, no, list }
        printf "\n| seed | shared effect (mean over configurations of run - configuration mean) | runs at chance (<= %s) |\n|---|---|---|\n", chance
        for (j = 1; j <= no; j++) { id = ord[j]; k = 0; m = 0
            for (s = s0; s <= s1; s++) if (has[id, s] && sc[id, s] > chance) { m += sc[id, s]; k++ }
            cm[id] = k ? m / k : 0 }
        for (s = s0; s <= s1; s++) { e = 0; k = 0; ch = 0
            for (j = 1; j <= no; j++) { id = ord[j]; if (!has[id, s]) continue
                if (sc[id, s] <= chance) { ch++; continue }
                e += sc[id, s] - cm[id]; k++ }
            printf "| %d | %+.4f | %d |\n", s, k ? e / k : 0, ch } }' \
    "$out/search/front.tsv" "$out/rescore/front-runs.tsv" "$d/runs.tsv"
