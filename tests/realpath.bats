#!/usr/bin/env bats
# The real-model path: make search / transfer / baselines / report on a
# random-weight BERT-base-shaped checkpoint (model-init; no weights exist
# here) with the real bert-base-uncased vocabulary and the real RTE files,
# at a tiny budget. Skips without ../shared.
load test_helper

setup_file() {
    [ -e "$SHARED/data/glue/RTE/train.tsv" ] && [ -e "$SHARED/models/bert-base-uncased/vocab.txt" ] || return 0
    export BB="$BATS_FILE_TMPDIR/bert-base"
    model-init --layers 12 --hidden 768 --heads 12 --intermediate 3072 --max-position 512 \
        --vocab "$SHARED/models/bert-base-uncased/vocab.txt" --seed 1 "$BB" >/dev/null
    cp "$SHARED/models/bert-base-uncased/vocab.txt" "$BB/"
}

@test "make search on a BERT-base-shaped checkpoint and real RTE, then transfer and report" {
    require_shared data/glue/RTE/train.tsv
    require_shared models/bert-base-uncased/vocab.txt
    out="$BATS_TEST_TMPDIR/rte"
    budget="EVALS=2 BATCH=2 INIT=2 EPOCHS=1 MAX_TRAIN=8 MAX_LEN=24 BATCH_SIZE=8 TRAIN_EXTRA=--max-dev=16"
    run make -s -C "$ROOT" search OUT="$out" MODEL="$BB" TASK=rte DATA="$SHARED/data/glue/RTE" $budget
    assert_success
    h="$out/search/history.tsv"
    [ "$(tail -n +2 "$h" | wc -l)" -eq 2 ]
    run awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c["task"], $c["metric"], $c["status"], ($c["params"] > 0) }' "$h"
    assert_line --index 0 "rte accuracy ok 1"
    assert_line --index 1 "rte accuracy ok 1"
    # the space is BERT-base's: 12 layer flags, sizes up to 768
    grep -q "^l11	bool" "$out/search/space.tsv"
    grep -q "^hidden	const	768" "$out/search/space.tsv"
    # a BERT-base baseline record is the published count (12 layers, r = 8 LoRA on q and v)
    run make -s -C "$ROOT" report OUT="$out" MODEL="$BB" TASK=rte DATA="$SHARED/data/glue/RTE" $budget SEEDS=1
    assert_success
    [ -s "$out/report/report.md" ]
    run awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["id"] == "bl-lora-8" { print $c["params"], $c["status"] }' "$out/baselines/rte/history.tsv"
    assert_output "294912 ok"
}
