#!/usr/bin/env bats
# space-gen(1): generating AutoPEFT spaces, reading space files
# (autopeft-space(5)), sampling and enumerating configurations.
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    cd "$BATS_TEST_TMPDIR"
    printf 'name\tkind\tvalues\trole\n' > hdr
}

bert_config() {
    cat > "${1:-config.json}" <<'EOF'
{"vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12,
 "num_attention_heads": 12, "intermediate_size": 3072,
 "max_position_embeddings": 512, "type_vocab_size": 2, "hidden_act": "gelu"}
EOF
}

# bad_space NAME LINE FRAGMENT: the space file NAME must be rejected with
# "space-gen: NAME:LINE: ...FRAGMENT...", exit 1 and nothing on stdout.
bad_space() {
    run --separate-stderr space-gen --space "$1" --sample 1
    [ "$status" -eq 1 ] || fail "$1: status $status (want 1)"
    [ -z "$output" ] || fail "$1: wrote to stdout: $output"
    [[ "$stderr" == "space-gen: $1:$2: "*"$3"* ]] || fail "$1: stderr '$stderr'"
}

@test "--help and --version" {
    run --separate-stderr space-gen --help
    assert_success
    assert_output --partial "Usage: space-gen"
    assert_output --partial "--sample N"
    [ -z "$stderr" ]
    run space-gen --version
    assert_success
    assert_output --regexp '^space-gen \(autopeft\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "default: the AutoPEFT space of BERT-base" {
    run --separate-stderr space-gen
    assert_success
    [ -z "$stderr" ]
    assert_line --index 0 "$(printf 'name\tkind\tvalues\trole')"
    for m in sa pa pt; do
        assert_line "$(printf '%s\tchoice\t0,1,3,6,12,24,48,96,192,384,768:log\t%s' $m $m)"
    done
    # 109,482,240: Hugging Face's count for bert-base-uncased (pooler included)
    assert_line "$(printf 'base_params\tconst\t109482240\t-')"
    assert_line "$(printf 'l11\tbool\t-\tlayer:11')"
    assert_line "$(printf 'any_module\tany\tsa,pa,pt\t-')"
    assert_line "$(printf 'any_layer\tany\tl0,l1,l2,l3,l4,l5,l6,l7,l8,l9,l10,l11\t-')"
    # 15 dimensions (3 sizes + 12 layer flags), no lora
    [ "$(awk -F'\t' '$2=="choice"||$2=="bool"||$2=="int"' <<<"$output" | wc -l)" -eq 15 ]
    refute_output --partial lora
    # the shipped example is this output
    diff <(echo "$output") "$ROOT/examples/bert-base.space"
}

@test "a config.json, a model directory and the same options give the same space" {
    bert_config
    mkdir model && bert_config model/config.json
    space-gen config.json > a
    space-gen model > b
    space-gen --hidden 768 --layers 12 --heads 12 --intermediate 3072 > c
    cmp a b
    cmp a c
}

@test "BERT-large: 27 dimensions, sizes down from 1024" {
    run space-gen --hidden 1024 --layers 24 --heads 16
    assert_success
    assert_line "$(printf 'sa\tchoice\t0,1,2,4,8,16,32,64,128,256,512,1024:log\tsa')"
    [ "$(grep -c 'layer:' <<<"$output")" -eq 24 ]
    # 335,141,888: the Hugging Face count for bert-large-uncased
    assert_line "$(printf 'base_params\tconst\t335141888\t-')"
}

@test "--modules adds lora ranks; a bad module is a usage error" {
    run space-gen --modules sa,lora
    assert_success
    assert_line "$(printf 'lora\tchoice\t0,1,2,4,8,16,32,64:log\tlora')"
    assert_line "$(printf 'any_module\tany\tsa,lora\t-')"
    refute_output --partial "$(printf 'pa\tchoice')"
    run --separate-stderr space-gen --modules sa,xx
    [ "$status" -eq 2 ]
    [[ "$stderr" == "space-gen: --modules: unknown module 'xx'"* ]]
}

@test "--sample: N distinct valid records, reproducible by seed" {
    space-gen --sample 200 --seed 3 > s1
    space-gen --sample 200 --seed 3 > s2
    space-gen --sample 200 --seed 4 > s3
    cmp s1 s2
    ! cmp -s s1 s3
    [ "$(head -1 s1)" = "$(printf 'id\tsa\tpa\tpt\tl0\tl1\tl2\tl3\tl4\tl5\tl6\tl7\tl8\tl9\tl10\tl11')" ]
    [ "$(tail -n +2 s1 | wc -l)" -eq 200 ]
    # ids: c + 12 hex, all distinct; configurations distinct
    [ "$(tail -n +2 s1 | cut -f1 | grep -Ec '^c[0-9a-f]{12}$')" -eq 200 ]
    [ "$(tail -n +2 s1 | cut -f1 | sort -u | wc -l)" -eq 200 ]
    [ "$(tail -n +2 s1 | cut -f2- | sort -u | wc -l)" -eq 200 ]
    # every record valid: a size from the list, flags 0/1, one module and one layer on
    run awk -F'\t' 'NR > 1 {
        for (i = 2; i <= 4; i++) if ($i !~ /^(0|1|3|6|12|24|48|96|192|384|768)$/) bad++
        for (i = 5; i <= 16; i++) { if ($i !~ /^[01]$/) bad++; on += $i }
        if ($2 + $3 + $4 == 0 || on == 0) bad++; on = 0
    } END { print bad + 0 }' s1
    assert_output 0
}

@test "--params: exact counts, checked against the formula" {
    space-gen --sample 100 --seed 9 --params > s
    [ "$(head -1 s | cut -f17,18)" = "$(printf 'params\tparams_pct')" ]
    run awk -F'\t' 'NR > 1 {
        H = 768; per = 0; L = 0
        if ($2 > 0) per += 2*H*$2 + $2 + H
        if ($3 > 0) per += 2*H*$3 + $3 + H
        if ($4 > 0) per += 2*H*$4
        for (i = 5; i <= 16; i++) L += $i
        p = per * L; pct = 100 * p / 109482240
        if (p != $17 || (pct - $18) > 1e-6 || ($18 - pct) > 1e-6) bad++
    } END { print bad + 0, NR - 1 }' s
    assert_output "0 100"
}

@test "--grid: every valid configuration of a small space" {
    # tiny.space: (4*5*4 - 1) module settings times (2^2 - 1) layer settings
    run space-gen --space "$ROOT/examples/tiny.space" --grid
    assert_success
    [ "${#lines[@]}" -eq $((1 + 79 * 3)) ]
    [ "$(printf '%s\n' "${lines[@]:1}" | cut -f1 | sort -u | wc -l)" -eq 237 ]
    assert_line --index 1 --regexp "^c[0-9a-f]{12}	0	0	1	0	1$"
    # unconstrained 101 x 101 grid
    [ "$(space-gen --space "$ROOT/examples/branincurrin.space" --grid | tail -n +2 | wc -l)" -eq 10201 ]
}

@test "--grid refuses a large space before writing anything" {
    run --separate-stderr space-gen --grid
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [[ "$stderr" == "space-gen: --grid: the space has "*"use --sample"* ]]
}

@test "--sample beyond the valid count fails up front; --replace allows repeats" {
    printf 'x\tint\t0:2\t-\ng\tany\tx\t-\n' | cat hdr - > s.space
    run --separate-stderr space-gen --space s.space --sample 3
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [[ "$stderr" == "space-gen: --sample 3: the space has only 2 valid configurations"* ]]
    run space-gen --space s.space --sample 2
    assert_success
    [ "$(printf '%s\n' "${lines[@]:1}" | cut -f2 | sort | tr '\n' ' ')" = "1 2 " ]
    run space-gen --space s.space --sample 50 --replace
    assert_success
    [ "${#lines[@]}" -eq 51 ]
    refute_output --regexp "	0$"
}

@test "--space: a space file round-trips; stdin '-'" {
    for f in "$ROOT"/examples/*.space "$ROOT"/bench/search/spaces/*.tsv; do
        space-gen --space "$f" > once
        space-gen --space - < once > twice
        cmp once twice || fail "$f does not round-trip"
    done
    # comments are dropped, the rest is kept
    space-gen --space "$ROOT/examples/tiny.space" > t
    ! grep -q '^#' t
    [ "$(grep -c . t)" -eq "$(grep -vc '^#' "$ROOT/examples/tiny.space")" ]
    run bash -c "cat '$ROOT/examples/hparams.space' | space-gen --space - --sample 2 --seed 5"
    assert_success
    assert_line --index 0 "$(printf 'id\tlr\tbatch\tepochs\tscheduler\twarmup')"
    [ "${#lines[@]}" -eq 3 ]
}

@test "a hand-written space with text choices and --csv output" {
    printf 'opt\tchoice\tsgd,adam\t-\nn\tint\t1:3\t-\n' | cat hdr - > h.space
    run space-gen --space h.space --grid --csv
    assert_success
    [ "${#lines[@]}" -eq 7 ]
    assert_line --index 0 "id,opt,n"
    assert_line --index 6 --regexp "^c[0-9a-f]{12},adam,3$"
}

@test "ids agree between --grid and --sample and do not depend on dim order" {
    printf 'a\tint\t0:3\t-\nb\tchoice\t1,2\t-\n' | cat hdr - > ab.space
    printf 'b\tchoice\t1,2\t-\na\tint\t0:3\t-\n' | cat hdr - > ba.space
    space-gen --space ab.space --grid | tail -n +2 | awk -F'\t' '{print $1, $2, $3}' | sort > g1
    space-gen --space ba.space --grid | tail -n +2 | awk -F'\t' '{print $1, $3, $2}' | sort > g2
    cmp g1 g2
    space-gen --space ab.space --sample 8 | tail -n +2 | awk -F'\t' '{print $1, $2, $3}' | sort > s1
    cmp g1 s1
}

@test "-o writes the file atomically and nothing to stdout" {
    run --separate-stderr space-gen --sample 5 -o out.tsv
    assert_success
    [ -z "$output" ]
    [ "$(wc -l < out.tsv)" -eq 6 ]
    [ "$(ls | grep -c 'out.tsv.tmp')" -eq 0 ]
    run space-gen --space "$ROOT/examples/tiny.space" --output sp
    assert_success
    cmp sp <(space-gen --space "$ROOT/examples/tiny.space")
}

@test "bad space files: FILE:LINE: message, exit 1, no output" {
    cat hdr > empty-dims; bad_space empty-dims 1 "no dimensions"
    : > empty; bad_space empty 1 "empty input"
    printf "# a comment\n" | cat - hdr > first; printf "x\tbool\t-\t-\n" >> first; bad_space first 1 "the header must come first"
    printf 'x\tfloat\t0:1\t-\n' | cat hdr - > kind; bad_space kind 2 "unknown kind 'float'"
    printf 'x\tint\t0:3\t-\ny\tint\t9:1\t-\n' | cat hdr - > range; bad_space range 3 "bad range '9:1'"
    printf 'x\tint\tlots\t-\n' | cat hdr - > range2; bad_space range2 2 "bad range 'lots'"
    printf 'x\tchoice\t\t-\n' | cat hdr - > choice; bad_space choice 2 "empty list of values"
    printf 'x\tchoice\t4,2\t-\n' | cat hdr - > order; bad_space order 2 "strictly increasing"
    printf 'x\tint\t0:3\t-\n# c\nx\tbool\t-\t-\n' | cat hdr - > dup; bad_space dup 4 "duplicate name 'x'"
    printf 'x\tint\t0:3\t-\ng\tany\tx,nope\t-\n' | cat hdr - > any; bad_space any 3 "unknown dimension 'nope'"
    printf 'x\tint\t0:3\t-\nx2 int 0:3 -\n' | cat hdr - > notab; bad_space notab 3 "expected 4 TAB-separated fields"
    printf 'name\tkind\nx\tint\n' > nocol; bad_space nocol 1 "missing column 'values'"
    printf 'x\tint\t0:3\tsize\n' | cat hdr - > role; bad_space role 2 "unknown role 'size'"
    printf 'x\tint\t0:3\tlayer:0\n' | cat hdr - > lrole; bad_space lrole 2 "needs a bool dimension"
    printf 'x\tint\t0:0\t-\ng\tany\tx\t-\n' | cat hdr - > never; bad_space never 3 "can never hold"
    printf 'hidden\tconst\tbig\t-\nx\tint\t0:1\t-\n' | cat hdr - > const; bad_space const 2 "not an integer"
    run --separate-stderr space-gen --space nonexistent.space
    [ "$status" -eq 1 ]
    [[ "$stderr" == "space-gen: nonexistent.space"* ]]
    run --separate-stderr space-gen --space - --grid < kind
    [ "$status" -eq 1 ]
    [[ "$stderr" == "space-gen: -:2: unknown kind 'float'"* ]]
}

@test "bad config.json: message naming the file, exit 1, no output" {
    printf '{"hidden_size": 768,\n "num_hidden_layers": }\n' > broken.json
    run --separate-stderr space-gen broken.json
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [[ "$stderr" == "space-gen: broken.json:2: "* ]]
    printf '{"hidden_size": 768}\n' > partial.json
    run --separate-stderr space-gen partial.json
    [ "$status" -eq 1 ]
    [[ "$stderr" == "space-gen: partial.json: missing required key"* ]]
    run --separate-stderr space-gen missing.json
    [ "$status" -eq 1 ]
    [[ "$stderr" == "space-gen: missing.json"* ]]
}

@test "--params needs a model" {
    run --separate-stderr space-gen --space "$ROOT/examples/branincurrin.space" --grid --params
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [[ "$stderr" == *"--params: the space has no model"* ]]
}

@test "usage errors exit 2" {
    bert_config
    for args in "--sample 0" "--sample x" "--sample" "--grid --sample 3" "--seed -1 --sample 2" \
                "--layers 65" "--hidden 0" "--hidden 100 --heads 3" "--params" "--csv" "--replace" \
                "config.json --hidden 768" "--space x --hidden 768" "--space x config.json" \
                "a.json b.json" "--nope"; do
        run --separate-stderr space-gen $args
        [ "$status" -eq 2 ] || fail "space-gen $args: status $status (want 2)"
        [ -z "$output" ] || fail "space-gen $args: wrote $output"
        [[ "$stderr" == "space-gen: "* ]] || fail "space-gen $args: $stderr"
    done
}

@test "a closed pipe ends the tool quietly" {
    run --separate-stderr bash -c "space-gen --space '$ROOT/examples/branincurrin.space' --grid | head -2"
    assert_success
    [ "${#lines[@]}" -eq 2 ]
    [ -z "$stderr" ]
}
