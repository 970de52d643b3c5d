# bench/embedded/lib.sh -- shell functions shared by the embedded default's
# bench scripts (sourced; they set $here, the repository root, and $data,
# the demo's task directory).

# demo_var NAME: the value of pipelines/demo.mk's make variable NAME
# (TRAIN_ARGS, SEED, SEEDS, CONFIRM, ...), so no script keeps a copy.
demo_var() {
    make -s --no-print-directory -C "$here" -f pipelines/demo.mk \
        --eval "print-demo-var: ; @echo \$($1)" print-demo-var
}
# ndev TASK, nclass TASK: the dev set's size, the number of classes
ndev() { echo $(($(wc -l < "$data/$1/dev.tsv") - 1)); }
nclass() { awk -F '\t' 'NR > 1 { c[$2] } END { print length(c) }' "$data/$1/train.tsv"; }
# chance TASK: the highest score "at chance", 1 / classes + 2 standard errors
chance() { awk -v k="$(nclass "$1")" -v n="$(ndev "$1")" 'BEGIN { p = 1 / k; printf "%.4f", p + 2 * sqrt(p * (1 - p) / n) }'; }
