#!/usr/bin/env bats
# Every script in examples/ runs, on small settings.
load test_helper

setup_file() {
    export FIX="$BATS_FILE_TMPDIR/fix"
    mkdir -p "$FIX" && cd "$FIX"
    { printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'; for w in a b c d e f g h; do echo $w; done; } > vocab.txt
    model-init --layers 2 --hidden 16 --heads 2 --vocab vocab.txt --max-position 64 --seed 3 model >/dev/null
    cp vocab.txt model/
    awk 'BEGIN { x = 11; print "text\tclass"; for (i = 0; i < 48; i++) { x = (x * 16807) % 2147483647
        a = substr("abcdefgh", x % 8 + 1, 1); print a " b\t" (a < "e" ? "low" : "high") } }' > task.tsv
}

@test "examples/random-search.sh: propose swapped for space-gen --sample" {
    run sh "$ROOT/examples/random-search.sh" "$BATS_TEST_TMPDIR/r" "$FIX/model" 5 -- --task custom \
        --text-a text --label class --train "$FIX/task.tsv" --dev "$FIX/task.tsv" --epochs 1
    assert_success
    [ "$(tail -n +2 "$BATS_TEST_TMPDIR/r/history.tsv" | wc -l)" -eq 5 ]
    [ -s "$BATS_TEST_TMPDIR/r/front.tsv" ]
}

@test "examples/custom-evaluator.sh: train-eval swapped for another program" {
    run sh "$ROOT/examples/custom-evaluator.sh" "$BATS_TEST_TMPDIR/c" "$FIX/model" 12
    assert_success
    h="$BATS_TEST_TMPDIR/c/history.tsv"
    [ "$(tail -n +2 "$h" | wc -l)" -eq 12 ]
    # its params are train-eval's exact counts: the same as space-gen --params, by id
    space-gen "$FIX/model" > "$BATS_TEST_TMPDIR/space.tsv"
    space-gen --space "$BATS_TEST_TMPDIR/space.tsv" --grid --params > "$BATS_TEST_TMPDIR/all.tsv"
    run awk -F '\t' 'NR == FNR { if (FNR == 1) { for (i = 1; i <= NF; i++) a[$i] = i; next } p[$1] = $a["params"]; next }
        FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { n++; if (p[$1] != $c["params"]) bad++ } END { print n, bad + 0 }' \
        "$BATS_TEST_TMPDIR/all.tsv" "$h"
    assert_output "12 0"
    # and the search used the scores: propose reads them back without complaint
    run propose -q --space "$BATS_TEST_TMPDIR/space.tsv" --history "$h" --batch 1
    assert_success
}

@test "examples/custom-task.sh: a search on a custom TSV task through make" {
    MAKE_ARGS="EPOCHS=1 LR=1e-2 BATCH_SIZE=16 MAX_LEN=8" run sh "$ROOT/examples/custom-task.sh" \
        "$BATS_TEST_TMPDIR/t" "$FIX/model" "$FIX/task.tsv" "$FIX/task.tsv" text class 6
    assert_success
    [ "$(tail -n +2 "$BATS_TEST_TMPDIR/t/search/history.tsv" | wc -l)" -eq 6 ]
    grep -q '	my-task	' "$BATS_TEST_TMPDIR/t/search/history.tsv"
}

@test "examples/superglue.sh: SuperGLUE JSON lines converted with jq and trained on" {
    require_shared data/superglue/CB/train.jsonl
    run sh "$ROOT/examples/superglue.sh" "$SHARED/data/superglue" "$BATS_TEST_TMPDIR/sg" "$FIX/model" CB
    assert_success
    [ "$(tail -n +2 "$BATS_TEST_TMPDIR/sg/cb/train.tsv" | wc -l)" -eq 32 ]
    [ "$(wc -l < "$BATS_TEST_TMPDIR/sg/tasks.tsv")" -eq 4 ]
    assert_line --partial "bl-sa-1	sa	1	0"
}

@test "examples/transfer-12-to-24.sh: a front carried from 12 to 24 layers and evaluated" {
    run sh "$ROOT/examples/transfer-12-to-24.sh" "$BATS_TEST_TMPDIR/x"
    assert_success
    f="$BATS_TEST_TMPDIR/x/front-on-large.tsv"
    grep -q 'l23' "$f"
    # every transferred record was trained on the 24-layer model
    n=$(tail -n +2 "$f" | wc -l)
    [ "$n" -ge 1 ]
    [ "$(awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["status"] == "ok"' "$BATS_TEST_TMPDIR/x/large.tsv" | wc -l)" -eq "$n" ]
}
