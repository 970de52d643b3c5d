#!/usr/bin/env bats
# transfer(1): the mapping rules (sizes by ratio to the hidden size, layers by
# relative depth), budgets, target tasks, exact parameter counts, bad input.
load test_helper

cfg() { # cfg FILE HIDDEN LAYERS
    printf '{"vocab_size":30522,"hidden_size":%d,"num_hidden_layers":%d,"num_attention_heads":%d,"intermediate_size":%d,"max_position_embeddings":512,"type_vocab_size":2}\n' \
        "$2" "$3" $(($2 / 64)) $((4 * $2)) > "$1"
}

setup() {
    cd "$BATS_TEST_TMPDIR"
    cfg base.json 768 12
    cfg large.json 1024 24
    cfg six.json 768 6
    cfg eighteen.json 768 18
    # evaluated records of the base model: id sa pa pt l0..l11 score
    {
        printf 'id\tsa\tpa\tpt'; for l in $(seq 0 11); do printf '\tl%d' $l; done; printf '\tscore\tparams_pct\tstatus\n'
        printf 'a\t48\t0\t0\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t1\t0.70\t0.2\tok\n'
        printf 'b\t12\t3\t96\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t0.80\t1.5\tok\n'
        printf 'c\t768\t0\t0\t0\t1\t0\t1\t0\t1\t0\t1\t0\t1\t0\t1\t0.90\t9.0\tok\n'
        printf 'd\t1\t0\t0\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t0.99\t0.1\terror\n'
    } > ev.tsv
}

col() { # col NAME FILE: the column as lines
    awk -F '\t' -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } { print $c }' "$2"
}
layers() { # layers FILE: l0..lN as a string per record
    awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^l[0-9]+$/) c[substr($i, 2) + 0] = i; n = length(c); next }
        { s = ""; for (l = 0; l < n; l++) s = s $c[l]; print s }' "$1"
}

@test "without a model, configurations are copied; failed records are skipped" {
    run transfer ev.tsv
    assert_success
    assert_line --index 0 "$(printf 'id\tsa\tpa\tpt\tl0\tl1\tl2\tl3\tl4\tl5\tl6\tl7\tl8\tl9\tl10\tl11\tsource_id\tsource_score')"
    [ "${#lines[@]}" -eq 4 ]
    refute_output --partial "0.99"
}

@test "12 -> 24 layers: source layer i covers target layers 2i and 2i+1; sizes keep their ratio to H" {
    transfer --from base.json --to large.json ev.tsv > out.tsv
    run layers out.tsv
    assert_line --index 0 "110000000000000000000011"
    assert_line --index 1 "111111111111111111111111"
    assert_line --index 2 "001100110011001100110011"
    # 48/768 = 64/1024; 12 -> 16; 3 -> 4; 96 -> 128; 768 -> 1024
    run col sa out.tsv
    assert_output "$(printf '64\n16\n1024')"
    run col pa out.tsv
    assert_output "$(printf '0\n4\n0')"
    run col pt out.tsv
    assert_output "$(printf '0\n128\n0')"
    # the output is valid in the target's space, and ids are the target's
    space-gen large.json > large.space
    # (propose checks every history record against the space and its constraints)
    run propose -q --space large.space --history out.tsv -o source_score:max,params:min --batch 1 --init 100
    assert_success
    run col source_id out.tsv
    assert_output "$(printf 'a\nb\nc')"
}

@test "24 -> 12 layers: a target layer is on if either source layer it covers is" {
    transfer --from base.json --to large.json ev.tsv > big.tsv
    transfer --from large.json --to base.json big.tsv > back.tsv
    run layers back.tsv
    assert_line --index 0 "100000000001"
    assert_line --index 2 "010101010101"
    run col sa back.tsv
    assert_output "$(printf '48\n12\n768')"
}

@test "12 -> 6 and 12 -> 18: the general overlap rule" {
    transfer --from base.json --to six.json ev.tsv > six.tsv
    run layers six.tsv
    assert_line --index 0 "100001"
    assert_line --index 2 "111111"
    transfer --from base.json --to eighteen.json ev.tsv > e.tsv
    run layers e.tsv
    # source 0 covers [0, 1/12) -> target 0 and 1 ([0,1/18), [1/18,2/18)): 0*18 < 2*12 and 1*12 < 1*18
    assert_line --index 0 "110000000000000011"
    assert_line --index 2 "011011011011011011"
}

@test "a hidden-size change rounds to the target grid on a log scale" {
    cfg h384.json 384 12
    printf 'id\tsa\tpa\tpt\tl0\tl1\tl2\tl3\tl4\tl5\tl6\tl7\tl8\tl9\tl10\tl11\nx\t3\t1\t768\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\n' > x.tsv
    run transfer --from base.json --to h384.json x.tsv
    assert_success
    # 3 * 384/768 = 1.5: the grid of H=384 has 1, 3, 6, ...: log-nearest to 1.5 is 1 (|log 1.5| < |log 2|)
    run col sa <(transfer --from base.json --to h384.json x.tsv)
    assert_output 1
    run col pa <(transfer --from base.json --to h384.json x.tsv)
    assert_output 1
    run col pt <(transfer --from base.json --to h384.json x.tsv)
    assert_output 384
}

@test "params and params_pct are the exact counts on the target model (the train-eval function)" {
    transfer --from base.json --to large.json ev.tsv > out.tsv
    # b on BERT-large: sa 16, pa 4, pt 128 in all 24 layers:
    #   (2*1024*16 + 16 + 1024) + (2*1024*4 + 4 + 1024) + 2*1024*128 = 305172 per layer
    run paste <(col id out.tsv) <(col params out.tsv) <(col params_pct out.tsv)
    assert_line --index 1 "$(printf '%s\t%d\t%s' "$(col id out.tsv | sed -n 2p)" $((24 * 305172)) \
        "$(awk 'BEGIN { printf "%.6f", 100 * 24 * 305172 / 335141888 }')")"
}

@test "--budget picks the best-scoring configuration at or under each budget" {
    run transfer --budget 0.5,2,5 ev.tsv
    assert_success
    assert_line --index 1 --partial "$(printf 'a\t48')"
    assert_line --index 2 --partial "$(printf 'b\t12')"
    [ "${#lines[@]}" -eq 3 ]   # 5% picks b again: written once
    run col budget <(transfer --budget 0.5,2,5 ev.tsv)
    assert_output "$(printf '0.5\n2,5')"
    run transfer --budget 0.05 ev.tsv
    assert_success
    assert_output --partial "no configuration at or under 0.05%"
    # with --from the percentages are exact counts (b adds 1.886%), not the column (1.5)
    run col id <(transfer --budget 1.6 ev.tsv)
    assert_output b
    run col source_id <(transfer --from base.json --budget 1.6 ev.tsv)
    assert_output a
}

@test "--task writes one record per target task, with stable unique ids" {
    transfer --from base.json --task rte,mrpc ev.tsv > t1.tsv
    transfer --from base.json --task rte,mrpc ev.tsv > t2.tsv
    cmp t1.tsv t2.tsv
    run col task t1.tsv
    assert_output "$(printf 'rte\nmrpc\nrte\nmrpc\nrte\nmrpc')"
    [ "$(col id t1.tsv | sort -u | wc -l)" -eq 6 ]
    col id t1.tsv | grep -q '@rte$'
    # train-eval takes the output: its task column is the one it fills
    run transfer --task 'bad/name' ev.tsv
    assert_failure 2
}

@test "a configuration that cannot be mapped is an error naming it, and nothing is written" {
    printf 'id\tsa\tlora\tl0\tl1\tl2\tl3\tl4\tl5\tl6\tl7\tl8\tl9\tl10\tl11\nok1\t2\t0\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\nlo\t0\t8\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\n' > lo.tsv
    run --separate-stderr transfer --from base.json --to large.json --modules sa,pa,pt lo.tsv
    assert_failure 1
    [ -z "$output" ]
    [[ "$stderr" == *"lo.tsv:3: configuration 'lo' cannot be mapped: module lora (size 8) is not in the target space"* ]]
    run transfer --from base.json --to large.json lo.tsv
    assert_success
    run col lora <(transfer --from base.json --to large.json lo.tsv)
    assert_output "$(printf '0\n8')"
}

@test "bad input: clear messages, exit 1 or 2, nothing on stdout" {
    run --separate-stderr transfer --from base.json ev-missing.tsv
    assert_failure 1
    [ -z "$output" ]
    printf 'id\tsa\tl0\tl1\na\t2\t1\t1\n' > two.tsv
    run --separate-stderr transfer --from base.json two.tsv
    assert_failure 1
    [[ "$stderr" == *"records have 2 layer flags but base.json has 12 layers"* ]]
    printf 'id\tsa\n' > nol.tsv
    run --separate-stderr transfer nol.tsv
    assert_failure 1
    [[ "$stderr" == *"nol.tsv:1: missing column 'l0'"* ]]
    printf 'id\tsa\tl0\tscore\na\tx\t1\t0.5\n' > bad.tsv
    run --separate-stderr transfer bad.tsv
    assert_failure 1
    [[ "$stderr" == *"bad.tsv:2: column 'sa': 'x' is not an integer"* ]]
    printf 'id\tsa\tl0\tscore\tparams_pct\na\t2\t1\thigh\t1\n' > bs.tsv
    run --separate-stderr transfer --budget 1 bs.tsv
    assert_failure 1
    [[ "$stderr" == *"bs.tsv:2: column 'score': 'high' is not a number"* ]]
    run transfer --to large.json ev.tsv
    assert_failure 2
    run transfer --budget -1 ev.tsv
    assert_failure 2
    run transfer --from nope.json ev.tsv
    assert_failure 1
    run transfer --bogus
    assert_failure 2
}

@test "--help and --version" {
    run transfer --help
    assert_success
    assert_line --index 0 --partial "Usage: transfer"
    run transfer --version
    assert_success
    assert_output --partial "transfer (autopeft)"
}
