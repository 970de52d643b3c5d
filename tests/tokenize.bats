#!/usr/bin/env bats
# tokenize(1): the filter around lib/data/wordpiece (whose exactness against the
# Hugging Face peers is checked by tests/unit/test_wordpiece.c).
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' '[PAD]' '[UNK]' '[CLS]' '[SEP]' '[MASK]' the cat sat on mat . un '##aff' '##able' '!' \
        > vocab.txt
}

@test "tokenize: single text, other columns pass through in order" {
    printf 'id\ttext\tlabel\n1\tThe cat sat on the mat.\tx\n2\tUnaffable cat!\ty\n' > in.tsv
    run --separate-stderr tokenize --vocab vocab.txt --text text in.tsv
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    [ "${lines[0]}" = $'id\ttext\tlabel\ttokens\tids\ttype_ids' ]
    [ "${lines[1]}" = $'1\tThe cat sat on the mat.\tx\t[CLS] the cat sat on the mat . [SEP]\t2 5 6 7 8 5 9 10 3\t0 0 0 0 0 0 0 0 0' ]
    [ "${lines[2]}" = $'2\tUnaffable cat!\ty\t[CLS] un ##aff ##able cat ! [SEP]\t2 11 12 13 6 14 3\t0 0 0 0 0 0 0' ]
    [ "${#lines[@]}" -eq 3 ]
}

@test "tokenize: pair, type ids and longest-first truncation (ties cut the second text)" {
    printf 'a\tb\nthe cat sat\ton the mat\nthe cat sat on\tthe mat\nun\tthe cat sat on the mat\n' > in.tsv
    run --separate-stderr tokenize --vocab vocab.txt --text a --text-pair b --max-len 6 in.tsv
    [ "$status" -eq 0 ]
    # 3+3 -> remove 3: 2+1
    [ "${lines[1]}" = $'the cat sat\ton the mat\t[CLS] the cat [SEP] on [SEP]\t2 5 6 3 8 3\t0 0 0 0 1 1' ]
    # 4+2 -> remove 3: equalise (2 from A), then the tie costs B one
    [ "${lines[2]}" = $'the cat sat on\tthe mat\t[CLS] the cat [SEP] the [SEP]\t2 5 6 3 5 3\t0 0 0 0 1 1' ]
    # 1+6 -> B loses 4
    [ "${lines[3]}" = $'un\tthe cat sat on the mat\t[CLS] un [SEP] the cat [SEP]\t2 11 3 5 6 3\t0 0 0 1 1 1' ]
}

@test "tokenize: --max-len cuts a single text at its end; default is 128" {
    printf 't\nthe cat sat on the mat\n' > in.tsv
    run tokenize --vocab vocab.txt --text t --max-len 4 in.tsv
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | sed -n 2p | cut -f2)" = '[CLS] the cat [SEP]' ]
    { printf 't\n'; for i in $(seq 200); do printf 'cat '; done; printf '\n'; } > long.tsv
    run tokenize --vocab vocab.txt --text t long.tsv
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | sed -n 2p | cut -f3 | wc -w)" -eq 128 ]
}

@test "tokenize: --cased keeps case; default lower-cases and strips accents" {
    printf 't\nThe Cät\n' > in.tsv
    run tokenize --vocab vocab.txt --text t in.tsv
    [ "$(printf '%s\n' "$output" | sed -n 2p | cut -f2)" = '[CLS] the cat [SEP]' ]
    run tokenize --cased --vocab vocab.txt --text t in.tsv
    [ "$(printf '%s\n' "$output" | sed -n 2p | cut -f2)" = '[CLS] [UNK] [UNK] [SEP]' ]
}

@test "tokenize: existing tokens/ids/type_ids columns are replaced in place" {
    printf 'ids\tt\tx\nold\tthe cat\tkeep\n' > in.tsv
    run tokenize --vocab vocab.txt --text t in.tsv
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = $'ids\tt\tx\ttokens\ttype_ids' ]
    [ "${lines[1]}" = $'2 5 6 3\tthe cat\tkeep\t[CLS] the cat [SEP]\t0 0 0 0' ]
}

@test "tokenize: CSV in, CSV out (quoted texts with commas and newlines)" {
    printf 'id,text\n1,"the cat, the mat"\n2,"the\ncat"\n' > in.csv
    run tokenize --vocab vocab.txt --text text in.csv
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 'id,text,tokens,ids,type_ids' ]
    [ "${lines[1]}" = '1,"the cat, the mat",[CLS] the cat [UNK] the mat [SEP],2 5 6 1 5 9 3,0 0 0 0 0 0 0' ]
    [ "${lines[2]}" = '2,"the' ]
    [ "${lines[3]}" = 'cat",[CLS] the cat [SEP],2 5 6 3,0 0 0 0' ]
}

@test "tokenize: stdin, '-' and several files share one header" {
    printf 't\nthe cat\n' > a.tsv
    printf 't\nthe mat\n' > b.tsv
    run bash -c 'cat b.tsv | tokenize --vocab vocab.txt --text t a.tsv - b.tsv'
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 4 ]
    [ "${lines[0]}" = $'t\ttokens\tids\ttype_ids' ]
    [ "$(printf '%s\n' "$output" | cut -f2 | tail -3 | tr '\n' '|')" = '[CLS] the cat [SEP]|[CLS] the mat [SEP]|[CLS] the mat [SEP]|' ]
}

@test "tokenize: inputs with different headers are an error" {
    printf 't\nthe cat\n' > a.tsv
    printf 't\tu\nthe mat\tx\n' > b.tsv
    run --separate-stderr tokenize --vocab vocab.txt --text t a.tsv b.tsv
    [ "$status" -eq 1 ]
    [ "$stderr" = "tokenize: b.tsv:1: header differs from the first input's" ]
}

@test "tokenize: missing text column" {
    printf 'x\nthe cat\n' > in.tsv
    run --separate-stderr tokenize --vocab vocab.txt --text text in.tsv
    [ "$status" -eq 1 ]
    [ "$stderr" = "tokenize: in.tsv:1: missing column 'text'" ]
    [ -z "$output" ]
    run --separate-stderr tokenize --vocab vocab.txt --text x --text-pair y in.tsv
    [ "$status" -eq 1 ]
    [ "$stderr" = "tokenize: in.tsv:1: missing column 'y'" ]
}

@test "tokenize: invalid UTF-8 names FILE:LINE and the column; no partial record" {
    printf 'a\tb\nthe cat\tthe mat\nthe \xff cat\tok\nthe\tmat\n' > in.tsv
    run --separate-stderr tokenize --vocab vocab.txt --text a --text-pair b in.tsv
    [ "$status" -eq 1 ]
    [ "$stderr" = "tokenize: in.tsv:3: invalid UTF-8 in column 'a'" ]
    [ "${#lines[@]}" -eq 2 ]           # header and line 2 only
    [[ "${lines[1]}" == $'the cat\tthe mat\t'* ]]
    printf 'a\tb\nthe cat\tthe \xc0\xaf mat\n' > in2.tsv
    run --separate-stderr tokenize --vocab vocab.txt --text a --text-pair b in2.tsv
    [ "$status" -eq 1 ]
    [ "$stderr" = "tokenize: in2.tsv:2: invalid UTF-8 in column 'b'" ]
}

@test "tokenize: missing or unreadable vocabulary" {
    printf 't\nthe cat\n' > in.tsv
    run --separate-stderr tokenize --vocab nope.txt --text t in.tsv
    [ "$status" -eq 1 ]
    [ "$stderr" = "tokenize: nope.txt: cannot open vocabulary: No such file or directory" ]
    [ -z "$output" ]
}

@test "tokenize: vocabulary without [UNK], [CLS] or [SEP]" {
    printf 't\nthe cat\n' > in.tsv
    for tok in '[UNK]' '[CLS]' '[SEP]'; do
        grep -vxF "$tok" vocab.txt > v2.txt
        run --separate-stderr tokenize --vocab v2.txt --text t in.tsv
        [ "$status" -eq 1 ]
        [ "$stderr" = "tokenize: v2.txt: vocabulary has no $tok token" ]
        [ -z "$output" ]
    done
}

@test "tokenize: vocabulary that is not UTF-8" {
    printf '[UNK]\n[CLS]\nbad\xfe\n[SEP]\n' > bad.txt
    printf 't\nx\n' > in.tsv
    run --separate-stderr tokenize --vocab bad.txt --text t in.tsv
    [ "$status" -eq 1 ]
    [ "$stderr" = "tokenize: bad.txt:3: invalid UTF-8" ]
}

@test "tokenize: usage errors exit 2" {
    printf 't\nx\n' > in.tsv
    run --separate-stderr tokenize --text t in.tsv
    [ "$status" -eq 2 ]
    [[ "$stderr" == "tokenize: --vocab FILE is required"* ]]
    run --separate-stderr tokenize --vocab vocab.txt in.tsv
    [ "$status" -eq 2 ]
    [[ "$stderr" == "tokenize: --text COL is required"* ]]
    for bad in 2 0 -5 abc 12x ''; do
        run --separate-stderr tokenize --vocab vocab.txt --text t --max-len "$bad" in.tsv
        [ "$status" -eq 2 ] || fail "--max-len '$bad': status $status"
        [[ "$stderr" == "tokenize: --max-len: "* ]]
    done
}

@test "tokenize: a missing input file is an error" {
    run --separate-stderr tokenize --vocab vocab.txt --text t nope.tsv
    [ "$status" -eq 1 ]
    [[ "$stderr" == "tokenize: nope.tsv"* ]]
}

@test "tokenize: MRPC dev with bert-base-uncased equals the committed golden ids" {
    require_shared models/bert-base-uncased/vocab.txt
    require_shared data/glue/MRPC/validation.tsv
    tokenize --quoted --vocab "$SHARED/models/bert-base-uncased/vocab.txt" \
        --text sentence1 --text-pair sentence2 "$SHARED/data/glue/MRPC/validation.tsv" > out.tsv
    [ "$(wc -l < out.tsv)" -eq 409 ]
    # the golden holds every 4th pair of the first 240 (max_len 128)
    awk -F'\t' 'NR > 1 && (NR - 2) % 4 == 0 && NR <= 241 { print $6 "|" $7 }' out.tsv > got
    awk -F'\t' '$1 ~ /^mrpc-.*-128$/ { print $8 "|" $9 }' "$ROOT/tests/golden/tokenizer/glue.tsv" > want
    [ "$(wc -l < want)" -eq 60 ]
    diff got want
}
