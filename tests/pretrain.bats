#!/usr/bin/env bats
# pretrain(1): end to end on a tiny corpus the tests write themselves
# (masking, batching and learning are unit-tested in tests/unit/test_pretrain.c).
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    cd "$BATS_TEST_TMPDIR"
    { printf '%s\n' '[PAD]' '[UNK]' '[CLS]' '[SEP]' '[MASK]'; for w in a b c d e f g h the cat sat on mat .; do echo "$w"; done; } > vocab.txt
    # cyclic patterns over a..h (lengths 4..8) plus a few English lines
    awk 'BEGIN { w = "abcdefgh"
        for (i = 0; i < 96; i++) { n = 4 + i % 5; s = ""
            for (j = 0; j < n; j++) s = s (j ? " " : "") substr(w, j + 1, 1)
            print s; if (i % 16 == 0) print "The cat sat on the mat." } }' > corpus.txt
}

# -q unless progress is wanted (tiny_loud)
tiny_loud() { pretrain --threads 1 --vocab vocab.txt --layers 2 --hidden 32 --heads 2 --intermediate 64 \
              --max-position 32 --max-len 16 --batch 16 "$@"; }
tiny() { tiny_loud -q "$@"; }

col() { # col NAME: column NAME of the TSV on stdin
    awk -F '\t' -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } { print $k }'
}

@test "pretrain: writes a complete checkpoint that model-info loads, and a summary record" {
    run --separate-stderr tiny --corpus corpus.txt --out ck --steps 20
    assert_success
    [ -z "$stderr" ]
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[0]}" = $'steps\tloss\tmasked_acc\tseconds\tparams' ]
    [ "$(printf '%s\n' "$output" | col steps)" = 20 ]
    [ -f ck/config.json ] && [ -f ck/model.safetensors ]
    cmp vocab.txt ck/vocab.txt
    ls ck | grep -c tmp | grep -qx 0
    run --separate-stderr model-info ck
    assert_success
    kv() { printf '%s\n' "$output" | awk -F '\t' -v k="$1" '$1 == k { print $2 }'; }
    [ "$(kv vocab_size)" = 19 ]
    [ "$(kv num_hidden_layers)" = 2 ]
    [ "$(kv hidden_size)" = 32 ]
    [ "$(kv num_attention_heads)" = 2 ]
    [ "$(kv intermediate_size)" = 64 ]
    [ "$(kv max_position_embeddings)" = 32 ]
    [ "$(kv full)" = 0 ]
    # the summary's params is the encoder's size as model-info counts it
    base=$(kv params_base)
    run tiny --corpus corpus.txt --out ck2 --steps 1
    [ "$(printf '%s\n' "$output" | col params)" = "$base" ]
    # the MLM head is kept, under BertForMaskedLM names
    grep -aq 'cls.predictions.transform.dense.weight' ck/model.safetensors
    grep -aq 'cls.predictions.bias' ck/model.safetensors
}

@test "pretrain: the checkpoint feeds train-eval (--model DIR, vocab from DIR)" {
    tiny --corpus corpus.txt --out ck --steps 10 >/dev/null
    { printf 'sentence\tlabel\n'; for i in $(seq 20); do printf 'a b c\t1\nd e f\t0\n'; done; } > t.tsv
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\nx\t4\t0\t0\t0\t1\t1\n' > cfg.tsv
    run --separate-stderr train-eval -q --model ck --task custom --text-a sentence --label label \
        --train t.tsv --dev t.tsv --epochs 1 --batch 8 --max-len 16 cfg.tsv
    assert_success
    [ "$(printf '%s\n' "$output" | col status)" = ok ]
}

@test "pretrain: the loss falls on a learnable corpus" {
    run --separate-stderr tiny_loud --corpus corpus.txt --out ck --steps 150 --lr 2e-3 --dropout 0 --log-every 50
    assert_success
    loss=$(printf '%s\n' "$output" | col loss)
    acc=$(printf '%s\n' "$output" | col masked_acc)
    first=$(printf '%s\n' "$stderr" | awk '/step 1\// { for (i = 1; i < NF; i++) if ($i == "loss") print $(i + 1) }')
    echo "loss $first -> $loss, masked accuracy $acc"
    awk -v f="$first" -v l="$loss" -v a="$acc" 'BEGIN { exit !(f > 2.5 && l < 0.3 * f && a > 0.7) }'
    # progress lines: step, loss, accuracy, tokens/s, ETA
    printf '%s\n' "$stderr" | grep -q '^pretrain: step 50/150 epoch [0-9.]* loss [0-9.]* acc [0-9.]* lr [0-9.e+-]* tok/s [0-9]* elapsed [0-9ms]* eta [0-9ms]*$'
    [ "$(printf '%s\n' "$stderr" | grep -c '^pretrain: step ')" -eq 4 ]
}

@test "pretrain: deterministic in --seed; stdin corpus; --epochs sets the steps" {
    tiny --corpus corpus.txt --out a --steps 8 --seed 3 >/dev/null
    tiny --corpus - --out b --steps 8 --seed 3 < corpus.txt >/dev/null
    tiny --corpus corpus.txt --out c --steps 8 --seed 4 >/dev/null
    cmp a/model.safetensors b/model.safetensors
    ! cmp -s a/model.safetensors c/model.safetensors
    # 102 texts, batch 16: 2 epochs = ceil(204 / 16) = 13 steps
    run tiny --corpus corpus.txt --out d --epochs 2
    assert_success
    [ "$(printf '%s\n' "$output" | col steps)" = 13 ]
    run tiny --corpus corpus.txt --out d --epochs 1 --max-lines 32
    [ "$(printf '%s\n' "$output" | col steps)" = 2 ]
}

@test "pretrain: --init continues from a checkpoint; --out may be the same directory" {
    tiny --corpus corpus.txt --out ck --steps 5 >/dev/null
    cp ck/model.safetensors before.safetensors
    run --separate-stderr pretrain -q --threads 1 --vocab vocab.txt --corpus corpus.txt --init ck --out ck \
        --max-len 16 --batch 16 --steps 5
    assert_success
    ! cmp -s before.safetensors ck/model.safetensors
    run model-info ck
    assert_success
    # architecture flags conflict with --init
    run --separate-stderr pretrain --vocab vocab.txt --corpus corpus.txt --init ck --out x --layers 3
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--layers cannot be combined with --init"* ]]
    # vocabulary of another size
    head -n 15 vocab.txt > small.txt
    run --separate-stderr pretrain --vocab small.txt --corpus corpus.txt --init ck --out x --max-len 16
    [ "$status" -eq 1 ]
    [[ "$stderr" == "pretrain: ck/config.json: vocab_size 19 differs from the 15 tokens of small.txt" ]]
    # --max-len beyond the checkpoint's positions
    run --separate-stderr pretrain --vocab vocab.txt --corpus corpus.txt --init ck --out x --max-len 64
    [ "$status" -eq 1 ]
    [[ "$stderr" == "pretrain: ck/config.json: --max-len 64 exceeds max_position_embeddings 32" ]]
    [ ! -e x ]
}

@test "pretrain: --save-every keeps the progress of a killed run" {
    # pretrain itself in the background (not through a shell function, so
    # that $! is its pid); the step count bounds it should the kill miss
    pretrain -q --threads 1 --vocab vocab.txt --layers 2 --hidden 32 --heads 2 --intermediate 64 \
        --max-position 32 --max-len 16 --batch 16 --corpus corpus.txt --out ck --steps 20000 \
        --save-every 3 > out.txt 2>&1 &
    pid=$!
    for i in $(seq 300); do [ -f ck/vocab.txt ] && break; sleep 0.1; done
    kill "$pid"
    wait "$pid" || true
    ! kill -0 "$pid" 2>/dev/null
    [ -f ck/vocab.txt ]
    [ ! -s out.txt ]   # no summary record for a killed run
    run model-info ck
    assert_success
}

@test "pretrain: bad corpus lines are reported with FILE:LINE, nothing written" {
    printf '\n  \n\n' > empty.txt
    run --separate-stderr tiny --corpus empty.txt --out o --steps 2
    [ "$status" -eq 1 ]
    [ "$stderr" = "pretrain: empty.txt: empty corpus (no non-blank line)" ]
    [ -z "$output" ] && [ ! -e o ]
    printf 'a b c\nd \377\376 e\n' > bad.txt
    run --separate-stderr tiny --corpus bad.txt --out o --steps 2
    [ "$status" -eq 1 ]
    [ "$stderr" = "pretrain: bad.txt:2: invalid UTF-8" ]
    [ -z "$output" ] && [ ! -e o ]
    printf 'zzz\nqqq\n' > unk.txt
    run --separate-stderr tiny --corpus unk.txt --out o --steps 2
    [ "$status" -eq 1 ]
    [[ "$stderr" == "pretrain: unk.txt: no text has a maskable token"* ]]
    run --separate-stderr tiny --corpus missing.txt --out o --steps 2
    [ "$status" -eq 1 ]
    [[ "$stderr" == "pretrain: missing.txt: cannot open corpus"* ]]
}

@test "pretrain: missing or invalid vocabulary" {
    run --separate-stderr pretrain --corpus corpus.txt --vocab nope.txt --out o
    [ "$status" -eq 1 ]
    [[ "$stderr" == "pretrain: nope.txt: cannot open vocabulary"* ]]
    printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\na\nb\n' > nomask.txt
    run --separate-stderr pretrain --corpus corpus.txt --vocab nomask.txt --out o
    [ "$status" -eq 1 ]
    [ "$stderr" = "pretrain: nomask.txt: vocabulary has no [MASK] token" ]
    printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n\377\n' > badutf.txt
    run --separate-stderr pretrain --corpus corpus.txt --vocab badutf.txt --out o
    [ "$status" -eq 1 ]
    [[ "$stderr" == "pretrain: badutf.txt:6: "* ]]
    [ -z "$output" ] && [ ! -e o ]
}

@test "pretrain: usage errors exit 2" {
    run --separate-stderr pretrain --corpus corpus.txt --vocab vocab.txt --out o --hidden 30 --heads 4
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--hidden 30 is not divisible by --heads 4"* ]]
    run --separate-stderr pretrain --corpus corpus.txt --vocab vocab.txt --out o --max-len 200 --max-position 128
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--max-len 200 exceeds --max-position 128"* ]]
    run --separate-stderr pretrain --corpus corpus.txt --vocab vocab.txt --out o --steps 3 --epochs 1
    [ "$status" -eq 2 ]
    run --separate-stderr pretrain --corpus corpus.txt --vocab vocab.txt
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"missing --out DIR"* ]]
    run --separate-stderr pretrain --corpus corpus.txt --vocab vocab.txt --out o --mask-prob 0
    [ "$status" -eq 2 ]
    run --separate-stderr pretrain --corpus corpus.txt --vocab vocab.txt --out o --bogus
    [ "$status" -eq 2 ]
    [ ! -e o ]
    run pretrain --help
    assert_success
    [[ "$output" == Usage:* ]]
    run pretrain --version
    assert_success
    [[ "$output" == "pretrain (autopeft) "* ]]
}

@test "pretrain: --dtype f16 writes half-precision weights that load" {
    run tiny --corpus corpus.txt --out ck32 --steps 10
    assert_success
    run tiny --corpus corpus.txt --out ck16 --steps 10 --dtype f16
    assert_success
    s32=$(stat -c %s ck32/model.safetensors) s16=$(stat -c %s ck16/model.safetensors)
    # the tensor data halves; the JSON header is the same size
    [ "$s16" -lt $((s32 * 6 / 10)) ]
    run grep -c '"F16"' ck16/model.safetensors
    assert_success
    run model-info ck16
    assert_success
    run tiny --corpus corpus.txt --out ck --steps 10 --dtype f64
    assert_failure 2
    assert_output --partial "--dtype: 'f64' is not f32, f16 or bf16"
}

@test "pretrain: --init from a checkpoint without dropout, with --dropout 0.1, trains and saves the rate" {
    run tiny --corpus corpus.txt --out ck0 --steps 2 --dropout 0
    assert_success
    # the masks were sized for the checkpoint's rate (0): this crashed
    run pretrain -q --threads 1 --vocab vocab.txt --corpus corpus.txt --init ck0 --out ck1 \
        --max-len 16 --batch 16 --steps 2 --dropout 0.1
    assert_success
    grep -q '"hidden_dropout_prob":[[:space:]]*0.1' ck1/config.json
}
