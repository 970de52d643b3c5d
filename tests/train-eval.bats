#!/usr/bin/env bats
# train-eval: end to end on fixtures the tests make themselves (a tiny
# random-weight checkpoint written by model-init, and small TSV tasks).
load test_helper

setup_file() {
    export FIX="$BATS_FILE_TMPDIR/fix"
    mkdir -p "$FIX"
    cd "$FIX"
    { printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'; for w in a b c d e f g h i j k l m n o p q r s t u v w x y z; do echo $w; done; } > vocab.txt
    model-init --layers 2 --hidden 32 --heads 4 --vocab vocab.txt --max-position 32 --seed 1 model >/dev/null
    cp vocab.txt model/
    # Easy task: label 1 when at least two of the tokens are in {a, b, c}.
    # Park-Miller generator so that any awk gives the same file.
    awk 'BEGIN { x = 7; print "sentence\tlabel"
        for (i = 0; i < 600; i++) {
            x = (x * 16807) % 2147483647; n = 4 + x % 6; s = ""; c = 0
            for (j = 0; j < n; j++) { x = (x * 16807) % 2147483647; k = x % 12; if (k < 3) c++
                s = s (j ? " " : "") substr("abcdefghijkl", k + 1, 1) }
            print s "\t" (c >= 2 ? 1 : 0) } }' > all.tsv
    { head -n 1 all.tsv; sed -n '2,501p' all.tsv; } > train.tsv
    { head -n 1 all.tsv; sed -n '502,601p' all.tsv; } > dev.tsv
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\nhead\t0\t0\t0\t0\t1\t1\nmods\t8\t0\t0\t4\t1\t1\n' > cfg.tsv
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\nall\t8\t8\t4\t4\t1\t0\n' > all4.tsv
}

te() { train-eval -q --model "$FIX/model" --task custom --text-a sentence --label label \
       --train "$FIX/train.tsv" --dev "$FIX/dev.tsv" --batch 16 --lr 1e-2 "$@"; }

col() { # col NAME: print column NAME of the TSV on stdin (header-aware)
    awk -F '\t' -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } { print $k }'
}

@test "an easy task is learned with modules, and head-only scores lower" {
    run --separate-stderr te --epochs 10 "$FIX/cfg.tsv"
    assert_success
    [ "${#lines[@]}" -eq 3 ]
    head=$(printf '%s\n' "$output" | col score | sed -n 1p)
    mods=$(printf '%s\n' "$output" | col score | sed -n 2p)
    echo "head-only $head, modules $mods"
    awk -v h="$head" -v m="$mods" 'BEGIN { exit !(m >= 0.8 && m > h + 0.2) }'
    printf '%s\n' "$output" | col status | grep -qvx ok && fail "a status is not ok"
    true
}

@test "output has the input columns, then the documented ones" {
    run --separate-stderr te --epochs 1 "$FIX/cfg.tsv"
    assert_success
    assert_line --index 0 "$(printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\ttask\tmetric\tscore\tscore_final\tloss\tparams\tparams_pct\ttrainable\tepochs\tseconds\tseed\tstatus\tmessage')"
    run --separate-stderr te --epochs 1 "$FIX/all4.tsv"
    assert_success
    # params is exact: sa 8 + pa 8 + lora 4 + prefix 4 in one active layer, H = 32
    p=$(printf '%s\n' "$output" | col params | sed -n 1p)
    [ "$p" -eq $(( (2*32*8+8+32) * 2 + 4*32*4 + 2*32*4 )) ]
}

@test "same seed and threads give identical records but for seconds; another seed differs" {
    a=$(te --epochs 3 --seed 5 --threads 1 "$FIX/cfg.tsv" | cut -f1-16,18-)
    b=$(te --epochs 3 --seed 5 --threads 1 "$FIX/cfg.tsv" | cut -f1-16,18-)
    c=$(te --epochs 3 --seed 6 --threads 1 "$FIX/cfg.tsv" | cut -f1-16,18-)
    [ "$a" = "$b" ]
    sa=$(printf '%s\n' "$a" | col loss | tr '\n' ' ')
    sc=$(printf '%s\n' "$c" | col loss | tr '\n' ' ')
    echo "training loss, seed 5: $sa seed 6: $sc"
    [ "$sa" != "$sc" ]
}

@test "records stream: each one is written as soon as it is done" {
    # The first record must come out before the input is closed.
    run bash -c "set -o pipefail; cd '$FIX'; { sed -n '1,2p' cfg.tsv; sleep 3; sed -n 3p cfg.tsv; } |
        train-eval -q --model model --task custom --text-a sentence --label label --train train.tsv \
        --dev dev.tsv --epochs 1 --batch 16 | while IFS= read -r l; do echo \"\$(date +%s) \$l\"; done"
    assert_success
    t1=$(printf '%s\n' "${lines[1]}" | cut -d' ' -f1)
    t2=$(printf '%s\n' "${lines[2]}" | cut -d' ' -f1)
    [ $((t2 - t1)) -ge 2 ]
}

@test "--epochs 0 evaluates as loaded; --predictions writes one line per dev example" {
    run te --epochs 0 --predictions "$BATS_TEST_TMPDIR/pred-{id}.tsv" "$FIX/cfg.tsv"
    assert_success
    [ -f "$BATS_TEST_TMPDIR/pred-head.tsv" ] && [ -f "$BATS_TEST_TMPDIR/pred-mods.tsv" ]
    [ "$(wc -l < "$BATS_TEST_TMPDIR/pred-mods.tsv")" -eq 101 ]
    assert_equal "$(head -n 1 "$BATS_TEST_TMPDIR/pred-mods.tsv")" "$(printf 'index\tprediction')"
}

@test "--epochs 0 scores a checkpoint with a Hugging Face classification head as it is" {
    model-init --layers 2 --hidden 32 --heads 4 --vocab "$FIX/vocab.txt" --max-position 32 --labels 2 \
        --head hf --seed 9 "$BATS_TEST_TMPDIR/hf" >/dev/null
    cp "$FIX/vocab.txt" "$BATS_TEST_TMPDIR/hf/"
    run --separate-stderr train-eval -v --model "$BATS_TEST_TMPDIR/hf" --task custom --text-a sentence \
        --label label --labels 0,1 --dev "$FIX/dev.tsv" --epochs 0 --predictions "$BATS_TEST_TMPDIR/p1.tsv" "$FIX/cfg.tsv"
    assert_success
    [[ "$stderr" == *"head: hf"* || "$stderr" == *"head hf"* ]] || fail "$stderr"
    # the same checkpoint and inputs give the same predictions again (nothing was initialised at random)
    train-eval -q --model "$BATS_TEST_TMPDIR/hf" --task custom --text-a sentence --label label --labels 0,1 \
        --dev "$FIX/dev.tsv" --epochs 0 --seed 77 --predictions "$BATS_TEST_TMPDIR/p2.tsv" "$FIX/cfg.tsv" >/dev/null
    cmp "$BATS_TEST_TMPDIR/p1.tsv" "$BATS_TEST_TMPDIR/p2.tsv"
}

@test "--dev-from-train keeps the real dev set out" {
    run --separate-stderr train-eval --model "$FIX/model" --task custom --text-a sentence --label label \
        --train "$FIX/train.tsv" --epochs 1 --dev-from-train 0.2 -v "$FIX/cfg.tsv"
    assert_success
    [[ "$stderr" == *"400 train examples"*"100 dev examples"* ]] || fail "$stderr"
}

@test "--full trains every weight" {
    run te --epochs 1 --full "$FIX/cfg.tsv"
    assert_success
    t=$(printf '%s\n' "$output" | col trainable | sed -n 1p)
    # every base weight but the unused pooler, plus the head: embeddings
    # (31+32+2)*32+64, 2 layers of 12704, head 32*32+32+2*32+2
    [ "$t" -eq $(( 65*32 + 64 + 2*12704 + 1122 )) ]
}

@test "a configuration that fails gets status=error and the next one continues" {
    [ "${AUTOPEFT_SANITIZE:-0}" = 1 ] && skip "address space limits do not mix with AddressSanitizer"
    # Full fine-tuning of a model with a 1.5M-token vocabulary: its 192 MB of
    # weights fit in a 700 MB address space, but not with their gradients and
    # AdamW state (3 x 192 MB more); a serial adapter does.
    m="$BATS_TEST_TMPDIR/bigvocab"
    model-init --layers 2 --hidden 32 --heads 4 --vocab-size 1500000 --max-position 32 --seed 1 "$m" >/dev/null
    awk 'BEGIN { printf "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"; for (i = 0; i < 26; i++) print substr("abcdefghijklmnopqrstuvwxyz", i + 1, 1)
        for (i = 31; i < 1500000; i++) print "w" i }' > "$m/vocab.txt"
    printf 'id\tsa\tfull\tl0\tl1\nbig\t0\t1\t1\t1\nok\t4\t0\t1\t1\n' > "$BATS_TEST_TMPDIR/c.tsv"
    run --separate-stderr bash -c "ulimit -v 700000; train-eval -q --model '$m' --task custom --text-a sentence --label label \
        --train '$FIX/train.tsv' --dev '$FIX/dev.tsv' --batch 16 --epochs 1 '$BATS_TEST_TMPDIR/c.tsv'"
    assert_success
    printf '%s\n' "$output" | col status | tr '\n' ' ' | grep -qx 'error ok '
    printf '%s\n' "$output" | col message | sed -n 1p | grep -q 'cannot allocate'
}

@test "two threads without room for two OpenBLAS buffers: one thread, said once, same result" {
    [ "${AUTOPEFT_SANITIZE:-0}" = 1 ] && skip "address space limits do not mix with AddressSanitizer"
    # Each thread in sgemm needs a 128 MB OpenBLAS buffer, and OpenBLAS
    # retries for ever when it cannot map one. A 230 MB address space leaves
    # room for this small model and one buffer, not two (measured: the
    # fallback shows between about 200 and 260 MB): the engine must notice
    # before the first parallel region, run on one thread and say so.
    one=$(te --epochs 1 --threads 1 "$FIX/cfg.tsv" | cut -f1,8-12)
    run --separate-stderr timeout 120 bash -c "ulimit -v 230000; train-eval -q --model '$FIX/model' --task custom \
        --text-a sentence --label label --train '$FIX/train.tsv' --dev '$FIX/dev.tsv' --batch 16 --lr 1e-2 \
        --epochs 1 --threads 2 '$FIX/cfg.tsv'"
    assert_success
    [[ "$stderr" == *"work buffers of 128 MB: the engine runs on one thread"* ]] || fail "no fallback message: $stderr"
    [ "$(printf '%s\n' "$stderr" | grep -c 'runs on one thread')" -eq 1 ] || fail "said more than once: $stderr"
    [ "$(printf '%s\n' "$output" | cut -f1,8-12)" = "$one" ] || fail "differs from --threads 1: $output"
}

@test "a NaN loss ends that configuration with status=error" {
    # A regression target of 1e38 overflows the squared error to inf.
    { printf 'sentence\tlabel\n'; for i in 1 2 3 4 5 6 7 8; do printf 'a b c\t1e38\n'; done; } > "$BATS_TEST_TMPDIR/r.tsv"
    run --separate-stderr train-eval -q --model "$FIX/model" --task custom --text-a sentence --label label \
        --regression --train "$BATS_TEST_TMPDIR/r.tsv" --dev "$BATS_TEST_TMPDIR/r.tsv" --epochs 1 "$FIX/cfg.tsv"
    assert_success
    printf '%s\n' "$output" | col status | tr '\n' ' ' | grep -qx 'error error '
    printf '%s\n' "$output" | col message | sed -n 1p | grep -q 'not finite'
}

# ---- bad input: message with FILE:LINE, exit 1, nothing partial on stdout ----

bad() { # bad EXPECTED-MESSAGE-PART CMD...: exit 1, message on stderr, no record
    local want=$1; shift
    run --separate-stderr "$@"
    [ "$status" -eq 1 ] || fail "status $status (want 1); stderr: $stderr"
    [[ "$stderr" == *"$want"* ]] || fail "stderr '$stderr' lacks '$want'"
    [[ "$stderr" == train-eval:* ]] || fail "no 'train-eval:' prefix: $stderr"
    [ -z "$output" ] || fail "stdout not empty: $output"
}

@test "bad input: missing column in the task file" {
    printf 'text\tlabel\nab\t1\n' > "$BATS_TEST_TMPDIR/t.tsv"
    bad "missing column 'sentence'" train-eval --model "$FIX/model" --task custom --text-a sentence \
        --label label --train "$BATS_TEST_TMPDIR/t.tsv" --dev "$FIX/dev.tsv" "$FIX/cfg.tsv"
}

@test "bad input: missing column in the config records" {
    printf 'id\tsa\tl0\nx\t1\t1\n' > "$BATS_TEST_TMPDIR/c.tsv"
    bad "c.tsv:1: missing column 'l1'" te "$BATS_TEST_TMPDIR/c.tsv"
}

@test "bad input: unknown task (usage error)" {
    run --separate-stderr train-eval --model "$FIX/model" --task nosuch --train "$FIX/train.tsv" --dev "$FIX/dev.tsv"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"unknown task 'nosuch'"* ]]
}

@test "bad input: empty task file" {
    : > "$BATS_TEST_TMPDIR/empty.tsv"
    bad "empty.tsv" te --train "$BATS_TEST_TMPDIR/empty.tsv" "$FIX/cfg.tsv"
}

@test "bad input: empty config input gives no records and says so" {
    : > "$BATS_TEST_TMPDIR/none.tsv"
    bad "none.tsv:1: empty input" te "$BATS_TEST_TMPDIR/none.tsv"
}

@test "bad input: label outside the label set" {
    { cat "$FIX/dev.tsv"; printf 'a b\t7\n'; } > "$BATS_TEST_TMPDIR/d.tsv"
    bad "d.tsv:102:" train-eval --model "$FIX/model" --task custom --text-a sentence --label label \
        --labels 0,1 --train "$FIX/train.tsv" --dev "$BATS_TEST_TMPDIR/d.tsv" "$FIX/cfg.tsv"
}

@test "bad input: NaN in a numeric column (regression label, config size)" {
    printf 'sentence\tlabel\na b\t0.5\nc d\tnan\n' > "$BATS_TEST_TMPDIR/r.tsv"
    bad "r.tsv:3:" train-eval --model "$FIX/model" --task custom --text-a sentence --label label \
        --regression --train "$BATS_TEST_TMPDIR/r.tsv" --dev "$BATS_TEST_TMPDIR/r.tsv" "$FIX/cfg.tsv"
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\nx\tnan\t0\t0\t0\t1\t1\n' > "$BATS_TEST_TMPDIR/c.tsv"
    bad "c.tsv:2: column 'sa'" te "$BATS_TEST_TMPDIR/c.tsv"
}

@test "bad input: invalid UTF-8" {
    { head -n 3 "$FIX/train.tsv"; printf 'a \377 b\t1\n'; } > "$BATS_TEST_TMPDIR/u.tsv"
    bad "u.tsv:4:" te --train "$BATS_TEST_TMPDIR/u.tsv" "$FIX/cfg.tsv"
}

@test "bad input: layer flags that do not match the model's depth" {
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\tl2\nx\t1\t0\t0\t0\t1\t1\t1\n' > "$BATS_TEST_TMPDIR/c.tsv"
    bad "model has 2 layers" te "$BATS_TEST_TMPDIR/c.tsv"
}

@test "bad input: negative sizes" {
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\nx\t-4\t0\t0\t0\t1\t1\n' > "$BATS_TEST_TMPDIR/c.tsv"
    bad "c.tsv:2: column 'sa': size -4 is negative" te "$BATS_TEST_TMPDIR/c.tsv"
}

@test "bad input: a second input whose header has the same columns in another order" {
    # Records are copied column by column under the first input's header, so
    # the same width is not enough: each name must be in its place.
    printf 'sa\tid\tpa\tpt\tlora\tl0\tl1\n0\tx\t0\t0\t0\t1\t1\n' > "$BATS_TEST_TMPDIR/swapped.tsv"
    run --separate-stderr te --epochs 0 "$FIX/cfg.tsv" "$BATS_TEST_TMPDIR/swapped.tsv"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"swapped.tsv:1: header differs from the first input's"* ]]
    # the first input's records streamed out whole; nothing of the second
    [ "$(printf '%s\n' "$output" | col id | tr '\n' ' ')" = "head mods " ]
}

@test "bad input: a layer flag that is not 0 or 1" {
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\nx\t4\t0\t0\t0\t1\t2\n' > "$BATS_TEST_TMPDIR/c.tsv"
    bad "c.tsv:2: column 'l1'" te "$BATS_TEST_TMPDIR/c.tsv"
}

@test "bad input: a checkpoint directory without config.json" {
    mkdir -p "$BATS_TEST_TMPDIR/nomodel"
    bad "config.json" train-eval --model "$BATS_TEST_TMPDIR/nomodel" --task custom --text-a sentence \
        --label label --train "$FIX/train.tsv" --dev "$FIX/dev.tsv" "$FIX/cfg.tsv"
}

@test "bad input: a truncated model.safetensors is one error before any training, not a record per configuration" {
    cp -r "$FIX/model" "$BATS_TEST_TMPDIR/broken"
    head -c 1000 "$FIX/model/model.safetensors" > "$BATS_TEST_TMPDIR/broken/model.safetensors"
    run --separate-stderr train-eval -q --model "$BATS_TEST_TMPDIR/broken" --task custom --text-a sentence \
        --label label --train "$FIX/train.tsv" --dev "$FIX/dev.tsv" "$FIX/cfg.tsv"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "train-eval: $BATS_TEST_TMPDIR/broken/model.safetensors: header length "*"goes beyond the end of the file (1000 bytes)" ]]
    [ -z "$output" ]
}

@test "real GLUE RTE (HF export) evaluates as loaded on a random model" {
    require_shared data/glue/RTE/validation.tsv
    require_shared models/bert-base-uncased/vocab.txt
    model-init --layers 1 --hidden 16 --heads 2 --vocab "$SHARED/models/bert-base-uncased/vocab.txt" \
        --max-position 64 "$BATS_TEST_TMPDIR/m" >/dev/null
    printf 'id\tsa\tpa\tpt\tlora\tl0\nx\t0\t0\t0\t0\t1\n' > "$BATS_TEST_TMPDIR/c.tsv"
    run --separate-stderr train-eval --model "$BATS_TEST_TMPDIR/m" --vocab "$SHARED/models/bert-base-uncased/vocab.txt" \
        --task rte --dev "$SHARED/data/glue/RTE/validation.tsv" --epochs 0 --max-len 64 -v "$BATS_TEST_TMPDIR/c.tsv"
    assert_success
    [[ "$stderr" == *"277 dev examples"* ]] || fail "$stderr"
    printf '%s\n' "$output" | col status | grep -qx ok
}

@test "every module combination trains on real GLUE files (MRPC HF export, CoLA official)" {
    require_shared data/glue/MRPC/train.tsv
    require_shared data/glue/CoLA/in_domain_train.tsv
    require_shared models/bert-base-uncased/vocab.txt
    v="$SHARED/models/bert-base-uncased/vocab.txt"
    model-init --layers 2 --hidden 16 --heads 2 --vocab "$v" --max-position 64 "$BATS_TEST_TMPDIR/m" >/dev/null
    { printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\n'
      for sa in 0 4; do for pa in 0 4; do for pt in 0 2; do for lo in 0 2; do
          printf 'c%s%s%s%s\t%s\t%s\t%s\t%s\t1\t%s\n' $sa $pa $pt $lo $sa $pa $pt $lo $(( (sa + pa) % 8 == 0 ))
      done; done; done; done; } > "$BATS_TEST_TMPDIR/c.tsv"
    run --separate-stderr train-eval -q --model "$BATS_TEST_TMPDIR/m" --vocab "$v" --task mrpc \
        --train "$SHARED/data/glue/MRPC/train.tsv" --dev "$SHARED/data/glue/MRPC/validation.tsv" \
        --max-train 48 --epochs 1 --batch 16 --max-len 32 "$BATS_TEST_TMPDIR/c.tsv"
    assert_success
    [ "$(printf '%s\n' "$output" | col status | grep -cx ok)" -eq 16 ]
    [ "$(printf '%s\n' "$output" | col f1 | grep -c .)" -eq 16 ]
    run --separate-stderr train-eval -q --model "$BATS_TEST_TMPDIR/m" --vocab "$v" --task cola \
        --train "$SHARED/data/glue/CoLA/in_domain_train.tsv" --dev "$SHARED/data/glue/CoLA/in_domain_dev.tsv" \
        --max-train 48 --epochs 1 --batch 16 --max-len 32 "$BATS_TEST_TMPDIR/c.tsv"
    assert_success
    [ "$(printf '%s\n' "$output" | col metric | sort -u)" = matthews ]
    [ "$(printf '%s\n' "$output" | col status | grep -cx ok)" -eq 16 ]
}

@test "--prefix-lr trains the prefix tensors at their own rate, and only them" {
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\npt\t0\t0\t4\t0\t1\t1\n' > "$BATS_TEST_TMPDIR/pt.tsv"
    base=$(te --epochs 2 --seed 3 --threads 1 "$BATS_TEST_TMPDIR/pt.tsv" | col loss)
    same=$(te --epochs 2 --seed 3 --threads 1 --prefix-lr 1e-2 "$BATS_TEST_TMPDIR/pt.tsv" | col loss)
    slow=$(te --epochs 2 --seed 3 --threads 1 --prefix-lr 1e-4 "$BATS_TEST_TMPDIR/pt.tsv" | col loss)
    echo "loss: --lr only $base, --prefix-lr = --lr $same, --prefix-lr 1e-4 $slow"
    [ "$base" = "$same" ]
    [ "$base" != "$slow" ]
    # a configuration without a prefix is unaffected
    a=$(te --epochs 2 --seed 3 --threads 1 "$FIX/cfg.tsv" | cut -f1-16,18-)
    b=$(te --epochs 2 --seed 3 --threads 1 --prefix-lr 1e-4 "$FIX/cfg.tsv" | cut -f1-16,18-)
    [ "$a" = "$b" ]
}

@test "--full-lr trains full fine-tuning records at their own rate, and only them" {
    nosec() { awk -F '\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") s = i }
        { $s = ""; print }'; }
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\tfull\nfull\t0\t0\t0\t0\t1\t1\t1\n' > "$BATS_TEST_TMPDIR/full.tsv"
    # te trains at --lr 1e-2; --full-lr 1e-3 gives a full record exactly what --lr 1e-3 gives it
    own=$(te --epochs 2 --seed 3 --threads 1 --full-lr 1e-3 "$BATS_TEST_TMPDIR/full.tsv" | nosec)
    low=$(te --epochs 2 --seed 3 --threads 1 --lr 1e-3 "$BATS_TEST_TMPDIR/full.tsv" | nosec)
    base=$(te --epochs 2 --seed 3 --threads 1 "$BATS_TEST_TMPDIR/full.tsv" | nosec)
    echo "loss: --lr 1e-2 $(printf '%s\n' "$base" | col loss), --full-lr 1e-3 $(printf '%s\n' "$own" | col loss), --lr 1e-3 $(printf '%s\n' "$low" | col loss)"
    [ "$own" = "$low" ]
    [ "$(printf '%s\n' "$own" | col loss)" != "$(printf '%s\n' "$base" | col loss)" ]
    # so does --full (every record full) with --full-lr
    a=$(te --epochs 2 --seed 3 --threads 1 --full --full-lr 1e-3 "$FIX/cfg.tsv" | nosec)
    b=$(te --epochs 2 --seed 3 --threads 1 --full --lr 1e-3 "$FIX/cfg.tsv" | nosec)
    [ "$a" = "$b" ]
    # a PEFT record is unaffected
    a=$(te --epochs 2 --seed 3 --threads 1 "$FIX/cfg.tsv" | nosec)
    b=$(te --epochs 2 --seed 3 --threads 1 --full-lr 1e-4 "$FIX/cfg.tsv" | nosec)
    [ "$a" = "$b" ]
    for bad in abc -1; do
        run te --epochs 1 --full-lr "$bad" "$FIX/cfg.tsv"
        assert_failure 2
        assert_output --partial "--full-lr"
        refute_output --partial "$(printf 'head\t')"
    done
}

@test "--dropout sets the training dropout: the checkpoint's by default, 0 repeats exactly and changes the result" {
    # the fixture model's config.json has hidden and attention dropout 0.1
    grep -q '"hidden_dropout_prob":[[:space:]]*0.1' "$FIX/model/config.json"
    base=$(te --epochs 2 --seed 3 --threads 1 "$FIX/cfg.tsv" | cut -f1-16,18-)
    same=$(te --epochs 2 --seed 3 --threads 1 --dropout 0.1 "$FIX/cfg.tsv" | cut -f1-16,18-)
    off=$(te --epochs 2 --seed 3 --threads 1 --dropout 0 "$FIX/cfg.tsv" | cut -f1-16,18-)
    again=$(te --epochs 2 --seed 3 --threads 1 --dropout 0 "$FIX/cfg.tsv" | cut -f1-16,18-)
    echo "loss: default $(printf '%s\n' "$base" | col loss | tr '\n' ' ') --dropout 0 $(printf '%s\n' "$off" | col loss | tr '\n' ' ')"
    [ "$base" = "$same" ]
    [ "$off" = "$again" ]
    [ "$(printf '%s\n' "$base" | col loss)" != "$(printf '%s\n' "$off" | col loss)" ]
    # --dropout 0 trains as a checkpoint whose config.json says 0
    m0="$BATS_TEST_TMPDIR/m0"
    mkdir "$m0"
    ln -s "$FIX/model/model.safetensors" "$FIX/model/vocab.txt" "$m0/"
    sed -E 's/("(hidden|attention_probs)_dropout_prob":[[:space:]]*)0\.1/\10/' "$FIX/model/config.json" > "$m0/config.json"
    cfg0=$(train-eval -q --model "$m0" --task custom --text-a sentence --label label --train "$FIX/train.tsv" \
        --dev "$FIX/dev.tsv" --batch 16 --lr 1e-2 --epochs 2 --seed 3 --threads 1 "$FIX/cfg.tsv" | cut -f1-16,18-)
    [ "$off" = "$cfg0" ]
    for bad in 1 -0.1 abc; do
        run te --epochs 1 --dropout "$bad" "$FIX/cfg.tsv"
        assert_failure 2
        assert_output --partial "--dropout"
    done
}

@test "--prefix-lr rejects a value that is not a positive number" {
    run te --epochs 1 --prefix-lr abc "$FIX/cfg.tsv"
    assert_failure 2
    assert_output --partial "--prefix-lr"
    refute_output --partial "$(printf 'head\t')"
}

maxdiff() { # maxdiff A B: largest absolute difference over the logit_* columns of two --logits files
    paste "$1" "$2" | awk -F '\t' 'NR == 1 { n = NF / 2; next }
        { for (k = 3; k <= n; k++) { d = $k - $(k + n); if (d < 0) d = -d; if (d > m) m = d } }
        END { printf "%.3g\n", m + 0 }'
}

@test "--save keeps the best evaluation's modules; --load --epochs 0 gives the same predictions and score" {
    d=$BATS_TEST_TMPDIR
    printf 'id\tsa\tpa\tpt\tlora\tfull\tl0\tl1\nhead\t0\t0\t0\t0\t0\t1\t1\nmix\t8\t4\t3\t2\t0\t0\t1\nfull\t0\t0\t0\t0\t1\t1\t1\n' > "$d/c.tsv"
    # several evaluations with early stopping, so the best is not the last
    run --separate-stderr te --epochs 4 --eval-every 8 --save "$d/saved" --logits --predictions "$d/p1-{id}.tsv" "$d/c.tsv"
    assert_success
    for id in head mix full; do
        [ -s "$d/saved/$id/modules.safetensors" ] && [ -s "$d/saved/$id/config.json" ] || fail "$id not saved"
    done
    # the modules file holds the trained tensors only (no base weights) unless --full
    ! grep -aq 'encoder.layer.0.attention.self.query.weight' "$d/saved/mix/modules.safetensors"
    grep -aq 'encoder.layer.1.output.adapter.down.weight' "$d/saved/mix/modules.safetensors"
    grep -aq 'encoder.layer.0.attention.self.query.weight' "$d/saved/full/modules.safetensors"
    s1=$(printf '%s\n' "$output" | col score | tr '\n' ' ')
    assert_equal "$(head -n 1 "$d/p1-mix.tsv")" "$(printf 'index\tprediction\tlogit_0\tlogit_1')"
    run --separate-stderr te --epochs 0 --load "$d/saved" --logits --predictions "$d/p2-{id}.tsv" "$d/c.tsv"
    assert_success
    assert_equal "$(printf '%s\n' "$output" | col score | tr '\n' ' ')" "$s1"
    for id in head mix full; do
        cut -f1,2 "$d/p1-$id.tsv" > "$d/a" && cut -f1,2 "$d/p2-$id.tsv" > "$d/b" && cmp "$d/a" "$d/b"
        m=$(maxdiff "$d/p1-$id.tsv" "$d/p2-$id.tsv")
        echo "$id: largest logit difference $m"
        awk -v m="$m" 'BEGIN { exit !(m <= 1e-5) }'
    done
    # without --load the same records start from new modules and score otherwise
    run --separate-stderr te --epochs 0 --logits --predictions "$d/p3-{id}.tsv" "$d/c.tsv"
    ! cmp -s "$d/p1-mix.tsv" "$d/p3-mix.tsv"
}

@test "--save and --load with {id}, and a Hugging Face head (pooler and classifier saved)" {
    d=$BATS_TEST_TMPDIR
    model-init --layers 2 --hidden 32 --heads 4 --vocab "$FIX/vocab.txt" --max-position 32 --labels 2 \
        --head hf --seed 9 "$d/hf" >/dev/null
    cp "$FIX/vocab.txt" "$d/hf/"
    hf() { train-eval -q --model "$d/hf" --task custom --text-a sentence --label label --labels 0,1 \
        --train "$FIX/train.tsv" --dev "$FIX/dev.tsv" --batch 16 --lr 1e-2 "$@"; }
    hf --epochs 1 --save "$d/s-{id}" --logits --predictions "$d/p1.tsv" "$FIX/cfg.tsv" > "$d/r1"
    grep -aq 'pooler.dense.weight' "$d/s-mods/modules.safetensors"
    grep -aq 'classifier.weight' "$d/s-mods/modules.safetensors"
    hf --epochs 0 --load "$d/s-{id}" --logits --predictions "$d/p2.tsv" "$FIX/cfg.tsv" > "$d/r2"
    assert_equal "$(col score < "$d/r2")" "$(col score < "$d/r1")"
    m=$(maxdiff "$d/p1.tsv" "$d/p2.tsv")
    awk -v m="$m" 'BEGIN { exit !(m <= 1e-5) }' || fail "logits differ by $m"
}

@test "--load refuses modules saved for another configuration or label order, per record" {
    d=$BATS_TEST_TMPDIR
    te --epochs 1 --save "$d/saved" "$FIX/cfg.tsv" >/dev/null
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\nmods\t8\t0\t0\t2\t1\t1\nhead\t0\t0\t0\t0\t1\t1\n' > "$d/other.tsv"
    run --separate-stderr te --epochs 0 --load "$d/saved" "$d/other.tsv"
    assert_success
    assert_equal "$(printf '%s\n' "$output" | col status | tr '\n' ' ')" "error ok "
    [[ "$(printf '%s\n' "$output" | col message | sed -n 1p)" == *"modules.safetensors: saved for another configuration (sa 8 pa 0 pt 0 lora 4 layers 11), not this one (sa 8 pa 0 pt 0 lora 2 layers 11)"* ]]
    run --separate-stderr te --epochs 0 --labels 1,0 --load "$d/saved/head" "$FIX/cfg.tsv"
    [[ "$(printf '%s\n' "$output" | col message | sed -n 1p)" == *'saved with the labels ["0","1"], but the task'"'"'s are ["1","0"]'* ]]
    # a record with no saved directory
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\nnew\t8\t0\t0\t0\t1\t1\n' > "$d/new.tsv"
    run --separate-stderr te --epochs 0 --load "$d/saved" "$d/new.tsv"
    [[ "$(printf '%s\n' "$output" | col message)" == *"saved/new/modules.safetensors: cannot open: No such file or directory"* ]]
}

@test "--save: an unwritable location is found before any training" {
    run --separate-stderr te --epochs 1 --save /nonexistent/dir/s-{id} "$FIX/cfg.tsv"
    assert_failure 1
    assert_output ""
    [ "$stderr" = "train-eval: --save /nonexistent/dir/s-{id}: cannot write in /nonexistent/dir: No such file or directory" ]
    run --separate-stderr te --epochs 1 --save /nonexistent/dir "$FIX/cfg.tsv"
    assert_failure 1
    [ "$stderr" = "train-eval: --save /nonexistent/dir: cannot create the directory: No such file or directory" ]
    run --separate-stderr te --epochs 0 --load /nonexistent/dir "$FIX/cfg.tsv"
    assert_failure 1
    [ "$stderr" = "train-eval: --load /nonexistent/dir: No such file or directory" ]
}
