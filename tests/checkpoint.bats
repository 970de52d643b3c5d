#!/usr/bin/env bats
# Checkpoint directories (config.json + model.safetensors): model-init writes
# them, model-info loads and validates them exactly as train-eval does. Every
# bad input is exit 1 with a message naming the file (and the tensor).
load test_helper
bats_require_minimum_version 1.5.0

# Tiny model: V=50 H=16 L=2 NH=2 I=24 P=12 TV=2.
INIT_ARGS="--layers 2 --hidden 16 --heads 2 --intermediate 24 --vocab-size 50 --max-position 12"

setup_file() {
    model-init $INIT_ARGS --seed 7 "$BATS_FILE_TMPDIR/base"
}

setup() {
    cp -r "$BATS_FILE_TMPDIR/base" "$BATS_TEST_TMPDIR/m"
    M="$BATS_TEST_TMPDIR/m"
}

# st_edit FILE PERL: rewrite the safetensors JSON header ($h) with PERL code,
# keeping the data bytes and fixing the 8-byte header length.
st_edit() {
    perl -e '
        my ($f, $code) = @ARGV;
        open(my $fh, "<:raw", $f) or die "$f: $!";
        local $/; my $d = <$fh>; close $fh;
        my $n = unpack("Q<", substr($d, 0, 8));
        my $h = substr($d, 8, $n); my $rest = substr($d, 8 + $n);
        eval $code; die $@ if $@;
        $h .= " " x ((8 - length($h) % 8) % 8);
        open($fh, ">:raw", $f) or die "$f: $!";
        print $fh pack("Q<", length $h), $h, $rest; close $fh;
    ' "$1" "$2"
}

info() { model-info "$@"; }
value() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' <<<"$output"; }

@test "model-init + model-info: config and exact parameter counts" {
    run --separate-stderr info "$M"
    assert_success
    [ "${lines[0]}" = "key	value" ]
    [ "$(value hidden_size)" = 16 ]
    [ "$(value num_hidden_layers)" = 2 ]
    [ "$(value vocab_size)" = 50 ]
    # embeddings (50+12+2)*16 + 2*16; per layer 4(16*16+16) + 4*16 + (16*24+24) + (24*16+16); pooler 16*16+16
    emb=$(( (50 + 12 + 2) * 16 + 2 * 16 ))
    layer=$(( 4 * (16 * 16 + 16) + 4 * 16 + (16 * 24 + 24) + (24 * 16 + 16) ))
    [ "$(value params_base)" = $(( emb + 2 * layer + 16 * 16 + 16 )) ]
    [ "$(value params_added)" = 0 ]
    # no PEFT: the AutoPEFT head (2 labels by default) is what would be trained
    [ "$(value params_trainable)" = $(( 16 * 16 + 16 + 2 * 16 + 2 )) ]
}

@test "model-info -v logs the OpenBLAS kernel on stderr" {
    run --separate-stderr info -v "$M"
    assert_success
    [[ "$stderr" == *"model-info: openblas core="* ]]
}

@test "model-init --vocab takes the vocabulary size from the file's lines" {
    printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nworld\n' > "$BATS_TEST_TMPDIR/vocab.txt"
    model-init --layers 1 --hidden 8 --heads 2 --vocab "$BATS_TEST_TMPDIR/vocab.txt" "$BATS_TEST_TMPDIR/v"
    run --separate-stderr info "$BATS_TEST_TMPDIR/v"
    assert_success
    [ "$(value vocab_size)" = 6 ]
}

@test "model-init is deterministic for a seed" {
    model-init $INIT_ARGS --seed 7 "$BATS_TEST_TMPDIR/again"
    cmp "$M/model.safetensors" "$BATS_TEST_TMPDIR/again/model.safetensors"
    model-init $INIT_ARGS --seed 8 "$BATS_TEST_TMPDIR/other"
    ! cmp -s "$M/model.safetensors" "$BATS_TEST_TMPDIR/other/model.safetensors"
}

@test "F16 and BF16 checkpoints load (converted to float)" {
    run --separate-stderr info "$M"
    base=$(value params_base)
    [ "$base" -gt 0 ]
    for dt in f16 bf16; do
        model-init $INIT_ARGS --seed 7 --dtype "$dt" "$BATS_TEST_TMPDIR/$dt"
        want=$(echo "$dt" | tr a-z A-Z)
        head -c 400 "$BATS_TEST_TMPDIR/$dt/model.safetensors" | grep -aq "\"dtype\":\"$want\""
        run --separate-stderr info "$BATS_TEST_TMPDIR/$dt"
        assert_success
        [ "$(value params_base)" = "$base" ] || fail "$dt: params_base $(value params_base)"
    done
    # half the size of the F32 file (plus header)
    f32=$(stat -c %s "$M/model.safetensors"); f16=$(stat -c %s "$BATS_TEST_TMPDIR/f16/model.safetensors")
    [ "$f16" -lt $(( f32 / 2 + 8192 )) ]
}

@test "a checkpoint with a head and the bert. prefix / LayerNorm gamma,beta names loads" {
    model-init $INIT_ARGS --labels 3 --head hf "$BATS_TEST_TMPDIR/h"
    st_edit "$BATS_TEST_TMPDIR/h/model.safetensors" '
        $h =~ s/"(embeddings|encoder)\./"bert.$1./g;
        $h =~ s/LayerNorm\.weight"/LayerNorm.gamma"/g; $h =~ s/LayerNorm\.bias"/LayerNorm.beta"/g;'
    grep -aq '"bert.encoder.layer.1.output.LayerNorm.gamma"' "$BATS_TEST_TMPDIR/h/model.safetensors"
    run --separate-stderr info "$BATS_TEST_TMPDIR/h"
    assert_success
    [ "$(value head)" = hf ]
    [ "$(value num_labels)" = 3 ]
}

@test "bad input: truncated model.safetensors" {
    truncate -s -100 "$M/model.safetensors"
    run --separate-stderr info "$M"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "model-info: $M/model.safetensors: "* ]] || fail "$stderr"
    [[ "$stderr" == *"tensor '"* ]] || fail "no tensor named: $stderr"
    [ -z "$output" ]
}

@test "bad input: safetensors shorter than its header length" {
    head -c 20 "$BATS_FILE_TMPDIR/base/model.safetensors" > "$M/model.safetensors"
    run --separate-stderr info "$M"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "model-info: $M/model.safetensors: "* ]] || fail "$stderr"
}

@test "bad input: corrupt header JSON" {
    printf 'X' | dd of="$M/model.safetensors" bs=1 seek=8 conv=notrunc status=none
    run --separate-stderr info "$M"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "model-info: $M/model.safetensors"* ]] || fail "$stderr"
    [ -z "$output" ]
}

@test "bad input: config.json disagrees with a tensor shape" {
    sed -i 's/"intermediate_size":[^,]*,/"intermediate_size": 20,/' "$M/config.json"
    grep -q '"intermediate_size": 20' "$M/config.json"
    run --separate-stderr info "$M"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "model-info: $M/model.safetensors: tensor 'encoder.layer.0.intermediate.dense.weight': shape [24, 16] disagrees with $M/config.json (expected [20, 16])" ]] || fail "$stderr"
}

@test "bad input: a required tensor is missing" {
    st_edit "$M/model.safetensors" '$h =~ s/"encoder\.layer\.1\.attention\.self\.key\.weight":\{[^{}]*\},// or die "no match"'
    ! grep -aq 'layer.1.attention.self.key.weight' "$M/model.safetensors"
    run --separate-stderr info "$M"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "model-info: $M/model.safetensors: missing tensor 'encoder.layer.1.attention.self.key.weight'" ]] || fail "$stderr"
}

@test "bad input: an unsupported dtype (I8)" {
    # LayerNorm bias: F32 [16] = 64 bytes -> I8 [64] (same bytes, valid file)
    st_edit "$M/model.safetensors" '$h =~ s/("embeddings\.LayerNorm\.bias":\{"dtype":)"F32","shape":\[16\]/$1"I8","shape":[64]/ or die "no match"'
    run --separate-stderr info "$M"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "model-info: $M/model.safetensors: tensor 'embeddings.LayerNorm.bias': unsupported dtype I8"* ]] || fail "$stderr"
}

@test "bad input: an unsupported dtype (F8_E4M3)" {
    st_edit "$M/model.safetensors" '$h =~ s/("embeddings\.LayerNorm\.weight":\{"dtype":)"F32","shape":\[16\]/$1"F8_E4M3","shape":[64]/ or die "no match"'
    run --separate-stderr info "$M"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"$M/model.safetensors: tensor 'embeddings.LayerNorm.weight': unsupported dtype F8_E4M3"* ]] || fail "$stderr"
}

@test "bad input: config.json is not JSON" {
    printf '{ "hidden_size": 16,\n  oops }\n' > "$M/config.json"
    run --separate-stderr info "$M"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "model-info: $M/config.json"* ]] || fail "$stderr"
    [ -z "$output" ]
}

@test "bad input: config.json lacks a required key" {
    sed -i '/"hidden_size"/d' "$M/config.json"
    run --separate-stderr info "$M"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "model-info: $M/config.json"*"hidden_size"* ]] || fail "$stderr"
}

@test "bad input: missing directory or files" {
    run --separate-stderr info "$BATS_TEST_TMPDIR/nope"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"$BATS_TEST_TMPDIR/nope/config.json"* ]] || fail "$stderr"
    rm "$M/model.safetensors"
    run --separate-stderr info "$M"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"$M/model.safetensors"* ]] || fail "$stderr"
}

@test "usage errors exit 2" {
    run --separate-stderr model-init --hidden 10 --heads 3 "$BATS_TEST_TMPDIR/x"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "model-init: "*"divisible"* ]]
    run --separate-stderr model-init --dtype f8 "$BATS_TEST_TMPDIR/x"
    [ "$status" -eq 2 ]
    run --separate-stderr model-init --head autopeft "$BATS_TEST_TMPDIR/x"
    [ "$status" -eq 2 ]
    run --separate-stderr model-init
    [ "$status" -eq 2 ]
    run --separate-stderr model-info
    [ "$status" -eq 2 ]
    [ ! -e "$BATS_TEST_TMPDIR/x" ]
}

@test "config.json written by model-init is valid JSON that jq reads back" {
    command -v jq >/dev/null || skip "jq not installed"
    model-init --layers 3 --hidden 24 --heads 4 --vocab-size 50 --labels 3 "$BATS_TEST_TMPDIR/j" >/dev/null
    run jq -r '[.num_hidden_layers, .hidden_size, .num_attention_heads, .vocab_size, (.id2label | length), .model_type] | @tsv' \
        "$BATS_TEST_TMPDIR/j/config.json"
    assert_success
    assert_output "$(printf '3\t24\t4\t50\t3\tbert')"
}
