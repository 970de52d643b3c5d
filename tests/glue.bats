#!/usr/bin/env bats
# The real GLUE files in ../shared/data/glue (skipped when ../shared is
# absent): row counts, label distributions, format detection, and text that
# must survive intact. Expected numbers were computed independently with
# Python's csv module (HF exports) and plain str.split (official files) when
# these tests were written; CoLA and MSRP counts are also the published ones.
bats_require_minimum_version 1.5.0
load test_helper

G=data/glue

# counts TASK FILE [OPTIONS]: "format part rows class=count ..." per part.
counts() {
    local task=$1 file=$2
    shift 2
    task-info --task "$task" "$@" "$SHARED/$G/$file" |
        awk -F'\t' 'NR > 1 { k = $3 " " $4 " " $5; if (!(k in s)) { o[++n] = k; s[k] = k }
                              s[k] = s[k] " " $6 "=" $8 }
                    END { for (i = 1; i <= n; i++) print s[o[i]] }'
}

@test "CoLA official files: rows and labels (1/0 = 6023/2528, 365/162, 354/162)" {
    require_shared $G/CoLA/in_domain_train.tsv
    run counts cola CoLA/in_domain_train.tsv
    assert_success
    assert_output "official all 8551 0=2528 1=6023"
    run counts cola CoLA/in_domain_dev.tsv
    assert_output "official all 527 0=162 1=365"
    run counts cola CoLA/out_of_domain_dev.tsv
    assert_output "official all 516 0=162 1=354"
}

@test "CoLA: quotes are literal and every sentence is the 4th field, byte for byte" {
    require_shared $G/CoLA/in_domain_train.tsv
    f="$SHARED/$G/CoLA/in_domain_train.tsv"
    run task-info --task cola --show 100000 "$f"
    assert_success
    assert_line --index 3057 "$f	all	3057	acceptable	Susan whispered \"Shut up\".	"
    assert_line --index 3058 "$f	all	3058	acceptable	Susan whispered \"Shut up\" at them.	"
    # the whole text column equals the file's 4th field
    diff <(task-info --task cola --show 100000 "$f" | tail -n +2 | cut -f5) <(cut -f4 "$f")
}

@test "MRPC Hugging Face export: 3668 / 408 / 1725 rows" {
    require_shared $G/MRPC/train.tsv
    run counts mrpc MRPC/train.tsv
    assert_success
    assert_output "hf all 3668 0=1194 1=2474"
    run counts mrpc MRPC/validation.tsv
    assert_output "hf all 408 0=129 1=279"
    run counts mrpc MRPC/test.tsv
    assert_output "hf all 1725 0=578 1=1147"
}

@test "MRPC export: \"\" quoting is undone" {
    require_shared $G/MRPC/train.tsv
    run task-info --task mrpc --show 1 "$SHARED/$G/MRPC/train.tsv"
    assert_success
    assert_line --index 1 --partial "	2	equivalent	Amrozi accused his brother , whom he called \" the witness \" , of deliberately distorting his evidence .	Referring to him as only \" the witness \" , Amrozi"
}

@test "MRPC originals (UTF-8 BOM): 4076 (2753 positive) and 1725 (1147 positive)" {
    require_shared $G/MRPC/msr_paraphrase_train.txt
    run counts mrpc MRPC/msr_paraphrase_train.txt
    assert_success
    assert_output "official all 4076 0=1323 1=2753"
    run counts mrpc MRPC/msr_paraphrase_test.txt
    assert_output "official all 1725 0=578 1=1147"
}

@test "MRPC originals: the 511 pairs with a quote-initial sentence survive intact" {
    require_shared $G/MRPC/msr_paraphrase_train.txt
    f="$SHARED/$G/MRPC/msr_paraphrase_train.txt"
    run bash -c "task-info --task mrpc --show 100000 '$f' | awk -F'\t' 'NR > 1 && (\$5 ~ /^\"/ || \$6 ~ /^\"/)' | wc -l"
    assert_output 511
    # both text columns equal the file's 4th and 5th fields
    diff <(task-info --task mrpc --show 100000 "$f" | tail -n +2 | cut -f5,6) <(tail -n +2 "$f" | cut -f4,5)
}

@test "RTE export: 2490 and 277 rows (0 = entailment)" {
    require_shared $G/RTE/train.tsv
    run counts rte RTE/train.tsv
    assert_success
    assert_output "hf all 2490 0=1249 1=1241"
    run counts rte RTE/validation.tsv
    assert_output "hf all 277 0=146 1=131"
}

@test "forcing the wrong format is an error with FILE:LINE, forcing the right one works" {
    require_shared $G/RTE/train.tsv
    run --separate-stderr task-info --task rte --format official "$SHARED/$G/RTE/train.tsv"
    [ "$status" -eq 1 ] && [ -z "$output" ]
    [[ "$stderr" == "task-info: $SHARED/$G/RTE/train.tsv:2: label '1' is not in the label set {entailment, not_entailment} (integer labels: a Hugging Face export? use format hf)" ]]
    run --separate-stderr task-info --task cola --format hf "$SHARED/$G/CoLA/in_domain_dev.tsv"
    [ "$status" -eq 1 ] && [ -z "$output" ]
    [[ "$stderr" == "task-info: $SHARED/$G/CoLA/in_domain_dev.tsv:1: missing column 'sentence'"* ]]
    run counts cola CoLA/in_domain_dev.tsv --format official
    assert_output "official all 527 0=162 1=365"
    run counts rte RTE/validation.tsv --format hf
    assert_output "hf all 277 0=146 1=131"
}

@test "standard input is detected like a file" {
    require_shared $G/CoLA/in_domain_dev.tsv
    run bash -c "task-info --task cola < '$SHARED/$G/CoLA/in_domain_dev.tsv' | cut -f1,3,5,8"
    assert_success
    assert_output "file	format	rows	count
-	official	527	162
-	official	527	365"
    run bash -c "task-info --task mrpc - < '$SHARED/$G/MRPC/validation.tsv' | cut -f3,8"
    assert_output "format	count
hf	129
hf	279"
}

@test "a stratified dev split of RTE train is deterministic and leaves a disjoint train part" {
    require_shared $G/RTE/train.tsv
    run counts rte RTE/train.tsv --dev-from-train 0.1 --seed 5
    assert_success
    assert_output "hf train 2241 0=1124 1=1117
hf dev 249 0=125 1=124"
    f="$SHARED/$G/RTE/train.tsv"
    a=$(task-info --task rte --dev-from-train 0.1 --seed 5 --show 100000 "$f" | tail -n +2 | cut -f2,3 | sort)
    b=$(task-info --task rte --dev-from-train 0.1 --seed 5 --show 100000 "$f" | tail -n +2 | cut -f2,3 | sort)
    c=$(task-info --task rte --dev-from-train 0.1 --seed 6 --show 100000 "$f" | tail -n +2 | cut -f2,3 | sort)
    [ "$a" = "$b" ]
    [ "$a" != "$c" ]
    # every source line is in exactly one part
    [ "$(printf '%s\n' "$a" | cut -f2 | sort -u | wc -l)" -eq 2490 ]
    [ "$(printf '%s\n' "$a" | wc -l)" -eq 2490 ]
    [ "$(printf '%s\n' "$a" | grep -c '^dev')" -eq 249 ]
    # --max-train caps the train part only; stratified quotas 502/498
    run counts rte RTE/train.tsv --dev-from-train 0.1 --max-train 1000
    assert_output "hf train 1000 0=502 1=498
hf dev 249 0=125 1=124"
    run counts cola CoLA/in_domain_train.tsv --train-frac 0.1
    assert_output "official all 855 0=253 1=602"
}
