#!/usr/bin/env bats
# space-gen --baselines, and train-eval's per-record columns full, seed and
# --task-name: one file of records drives every baseline and every seed.
load test_helper

setup_file() {
    export FIX="$BATS_FILE_TMPDIR/fix"
    mkdir -p "$FIX" && cd "$FIX"
    { printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'; for w in a b c d e f g h; do echo $w; done; } > vocab.txt
    model-init --layers 2 --hidden 16 --heads 2 --vocab vocab.txt --max-position 16 --seed 3 model >/dev/null
    cp vocab.txt model/
    awk 'BEGIN { x = 11; print "sentence\tlabel"
        for (i = 0; i < 64; i++) { x = (x * 16807) % 2147483647; a = substr("abcdefgh", x % 8 + 1, 1)
            print a "\t" (a < "e" ? 1 : 0) } }' > task.tsv
}

TE="-q --task custom --text-a sentence --label label --epochs 1 --batch 16 --lr 1e-2"

@test "BERT-base baselines: 3 sizes per family in every layer, and full fine-tuning" {
    run space-gen --baselines
    assert_success
    [ "${#lines[@]}" -eq 14 ]
    assert_line --index 0 "$(printf 'id\tfamily\tsa\tpa\tpt\tlora\tl0\tl1\tl2\tl3\tl4\tl5\tl6\tl7\tl8\tl9\tl10\tl11\tfull\tparams\tparams_pct')"
    run bash -c "space-gen --baselines | cut -f1,3-6,19-21"
    assert_line --index 1 "$(printf 'bl-sa-12\t12\t0\t0\t0\t0\t%d\t%s' $((12 * (2 * 768 * 12 + 12 + 768))) 0.210577)"
    assert_line --index 6 "$(printf 'bl-pa-192\t0\t192\t0\t0\t0\t%d\t%s' $((12 * (2 * 768 * 192 + 192 + 768))) 3.242959)"
    assert_line --index 8 "$(printf 'bl-pt-48\t0\t0\t48\t0\t0\t%d\t0.808109' $((12 * 2 * 768 * 48)))"
    assert_line --index 11 "$(printf 'bl-lora-8\t0\t0\t0\t8\t0\t%d\t0.269370' $((12 * 4 * 768 * 8)))"
    assert_line --index 13 "$(printf 'bl-full\t0\t0\t0\t0\t1\t109482240\t100.000000')"
}

@test "small models drop sizes that coincide" {
    run space-gen --baselines --hidden 16 --layers 2
    assert_success
    run bash -c "space-gen --baselines --hidden 16 --layers 2 | cut -f1 | tail -n +2 | paste -sd' '"
    assert_output "bl-sa-1 bl-sa-4 bl-pa-1 bl-pa-4 bl-pt-1 bl-pt-4 bl-lora-2 bl-lora-8 bl-lora-16 bl-full"
}

@test "--baselines refuses a space file, --sample, --grid and --params" {
    run space-gen --baselines --sample 3
    assert_failure 2
    run space-gen --baselines --space "$ROOT/examples/tiny.space"
    assert_failure 2
}

@test "train-eval runs every baseline record, full fine-tuning included, from one file" {
    space-gen --baselines "$FIX/model" > "$BATS_TEST_TMPDIR/b.tsv"
    run --separate-stderr train-eval --model "$FIX/model" $TE --train "$FIX/task.tsv" --dev "$FIX/task.tsv" "$BATS_TEST_TMPDIR/b.tsv"
    assert_success
    [ "${#lines[@]}" -eq 11 ]
    run awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c["id"], $c["status"], $c["params_pct"], ($c["trainable"] > 0) }' <(train-eval --model "$FIX/model" $TE --train "$FIX/task.tsv" --dev "$FIX/task.tsv" "$BATS_TEST_TMPDIR/b.tsv")
    base=$(model-info "$FIX/model" | awk -F '\t' '$1 == "params_base" { print $2 }')
    assert_line --index 0 "bl-sa-1 ok $(awk -v b="$base" 'BEGIN { printf "%.6f", 100 * 2 * (2 * 16 + 1 + 16) / b }') 1"
    assert_line --index 9 "bl-full ok 100.000000 1"
}

@test "a record's full column must be 0 or 1" {
    printf 'id\tsa\tl0\tl1\tfull\nx\t0\t1\t1\tyes\n' > "$BATS_TEST_TMPDIR/f.tsv"
    run --separate-stderr train-eval --model "$FIX/model" $TE --train "$FIX/task.tsv" --dev "$FIX/task.tsv" "$BATS_TEST_TMPDIR/f.tsv"
    assert_failure 1
    [[ "$stderr" == *"f.tsv:2: column 'full': 'yes' is not 0 or 1"* ]]
}

@test "a record's seed column replaces --seed for that record; --task-name names the task" {
    printf 'id\tsa\tl0\tl1\tseed\na\t4\t1\t1\t\nb\t4\t1\t1\t7\nc\t4\t1\t1\t42\n' > "$BATS_TEST_TMPDIR/s.tsv"
    out=$(train-eval --model "$FIX/model" $TE --task-name letters --train "$FIX/task.tsv" --dev "$FIX/task.tsv" --seed 42 "$BATS_TEST_TMPDIR/s.tsv")
    run awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c["id"], $c["seed"], $c["task"], $c["loss"] }' <<< "$out"
    a=$(sed -n 1p <<< "$output") b=$(sed -n 2p <<< "$output") c=$(sed -n 3p <<< "$output")
    [[ "$a" == "a 42 letters "* ]]
    [[ "$b" == "b 7 letters "* ]]
    # seed 42 by column = seed 42 by option: the same training run
    [ "${a#a 42 letters }" = "${c#c 42 letters }" ]
    # seed 7 is another run
    [ "${a#a 42 letters }" != "${b#b 7 letters }" ]
    printf 'id\tsa\tl0\tl1\tseed\na\t4\t1\t1\t-3\n' > "$BATS_TEST_TMPDIR/bad.tsv"
    run --separate-stderr train-eval --model "$FIX/model" $TE --train "$FIX/task.tsv" --dev "$FIX/task.tsv" "$BATS_TEST_TMPDIR/bad.tsv"
    assert_failure 1
    [[ "$stderr" == *"bad.tsv:2: column 'seed': '-3' is not a non-negative integer"* ]]
    run train-eval --model "$FIX/model" $TE --task-name "" --train "$FIX/task.tsv" --dev "$FIX/task.tsv" "$BATS_TEST_TMPDIR/s.tsv"
    assert_failure 2
}
