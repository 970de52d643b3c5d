#!/usr/bin/env bats
# propose(1): initial design, BO loop chained with an evaluator and pareto,
# determinism, never re-proposing (error rows included), bad input.

load test_helper
bats_require_minimum_version 1.5.0

# synthetic evaluator for a hidden-64, 4-layer space (columns id sa pa pt
# l0..l3): exact params, a score that likes pa and the upper layers.
# $1 = 1 to print the header. Configurations with pt = 64 "crash".
evaluate() {
    awk -F'\t' -v OFS='\t' -v hdr="$1" '
    NR==1 { if (hdr) print $0, "score", "params", "status"; next }
    { L = $5 + $6 + $7 + $8
      p = L * (($2 > 0) * (129 * $2 + 64) + ($3 > 0) * (129 * $3 + 64) + 128 * $4)
      st = ($4 == 64) ? "error" : "ok"
      print $0, 0.5 + 0.04 * log(1 + $3) + 0.02 * log(1 + $2) + 0.05 * ($7 + $8), p, st }'
}

setup() {
    cd "$BATS_TEST_TMPDIR"
    space-gen --hidden 64 --layers 4 > s.space
}

# a history of 12 evaluated records
make_history() {
    space-gen --space s.space --sample 12 --seed 5 | evaluate 1 > h.tsv
}

@test "propose: --help and --version" {
    run propose --help
    assert_success
    assert_output --partial "Usage: propose"
    run propose --version
    assert_success
    assert_output --partial "propose (autopeft)"
}

@test "propose: no history -> initial design, space-gen --sample layout, valid ids" {
    run --separate-stderr propose --space s.space --batch 5 --seed 3
    assert_success
    [ "${lines[0]}" = "$(space-gen --space s.space --sample 1 | head -1)" ]
    [ "${#lines[@]}" -eq 6 ]
    [[ "$stderr" == *"initial design"* ]]
    # every record is a configuration of the space with the canonical id:
    # the records read back as a valid history with the same ids
    printf '%s\n' "${lines[@]}" | awk '{print $0 "\t" (NR == 1 ? "status" : "error")}' > b.tsv
    run propose s.space --history b.tsv --init 100 -q
    assert_success
    ids=$(printf '%s\n' "${lines[@]}" | cut -f1 | sort -u | wc -l)
    [ "$ids" -eq 5 ]
}

@test "propose: missing, empty and header-only histories are empty histories" {
    run propose s.space --history nope.tsv -q
    assert_success
    [ "${#lines[@]}" -eq 5 ]
    : > empty.tsv
    run propose s.space --history empty.tsv -q
    assert_success
    [ "${#lines[@]}" -eq 5 ]
    propose s.space -q | head -1 > hdr.tsv
    run propose s.space --history hdr.tsv -q
    assert_success
    [ "${#lines[@]}" -eq 5 ]
}

@test "propose: deterministic for a seed (initial design and BO)" {
    make_history
    a=$(propose s.space --seed 7 -q)
    b=$(propose s.space --seed 7 -q)
    [ "$a" = "$b" ]
    a=$(propose s.space --history h.tsv --seed 7 -q)
    b=$(propose s.space --history h.tsv --seed 7 -q)
    [ "$a" = "$b" ]
    c=$(propose s.space --history h.tsv --seed 8 -q)
    [ -n "$c" ]
}

@test "propose: chains with an evaluator and pareto; never re-proposes; error rows kept out of the fit" {
    propose s.space --batch 10 --seed 1 -q | evaluate 1 > h.tsv
    for i in 1 2 3 4; do
        run bash -c 'set -o pipefail; propose --space s.space --history h.tsv --batch 4 --init 6 --seed 1 2>err.txt'
        assert_success
        grep -q "bayesian optimisation" err.txt
        printf '%s\n' "${lines[@]}" | evaluate 0 >> h.tsv
    done
    [ "$(wc -l < h.tsv)" -eq 27 ]
    # ids (and so configurations) are all distinct
    [ "$(tail -n +2 h.tsv | cut -f1 | sort -u | wc -l)" -eq 26 ]
    [ "$(tail -n +2 h.tsv | cut -f2-8 | sort -u | wc -l)" -eq 26 ]
    run bash -c 'set -o pipefail; pareto < h.tsv | tail -n +2 | wc -l'
    assert_success
    [ "$output" -ge 1 ]
    # --explain: lengthscales by dimension name, then one line per pick
    run --separate-stderr propose s.space --history h.tsv --init 6 --explain --seed 2
    assert_success
    [[ "$stderr" == *"lengthscales, most relevant first: "* ]]
    [[ "$stderr" == *"pick 4 c"*"ehvi "*"score "*" sd "*"params "*"(exact)"* ]]
    n_ok=$(awk -F'\t' 'NR>1 && $NF=="ok"' h.tsv | wc -l)
    [[ "$stderr" == *"gp 'score': $n_ok observations"* ]]
}

@test "propose: error rows are never proposed again, and a small space runs out" {
    # 3 x 2 = 6 configurations; 4 tried (2 of them failed)
    printf 'name\tkind\tvalues\trole\na\tint\t0:2\t-\nb\tbool\t-\t-\n' > t.space
    printf 'id\ta\tb\ty\tstatus\n' > t.tsv
    printf 'r1\t0\t0\t0.1\tok\nr2\t1\t0\t0.2\tok\nr3\t2\t1\t\terror\nr4\t2\t0\tnan\terror\n' >> t.tsv
    run --separate-stderr propose t.space --history t.tsv -o y:max --init 2 --batch 4
    assert_success
    [ "${#lines[@]}" -eq 3 ]
    printf '%s\n' "${lines[@]:1}" | cut -f2,3 | sort > got.txt
    printf '0\t1\n1\t1\n' > want.txt
    diff got.txt want.txt
    [[ "$stderr" == *"only 2 of 4"* ]]
}

# bad input: message FILE:LINE, exit 1, nothing on stdout
bad() { # $1 = expected stderr fragment, rest = args
    local want="$1"; shift
    run --separate-stderr propose "$@"
    [ "$status" -eq 1 ] || fail "status $status, stderr: $stderr"
    [ -z "$output" ] || fail "stdout not empty: $output"
    [[ "$stderr" == "propose: "*"$want"* ]] || fail "stderr: $stderr"
}

@test "propose: a space file that does not parse" {
    printf 'name\tkind\tvalues\trole\nsa\tchoice\t0,1,3:log\tsa\nfoo\tbar\n' > bad.space
    bad "bad.space:3: " bad.space
    bad "nope.space" nope.space
}

@test "propose: history columns missing or not in the space" {
    make_history
    cut -f1,3- h.tsv > nosa.tsv
    bad "nosa.tsv:1: missing column 'sa'" s.space --history nosa.tsv
    cut -f2- h.tsv > noid.tsv
    bad "noid.tsv:1: missing column 'id'" s.space --history noid.tsv
    awk -F'\t' -v OFS='\t' '{print $0, (NR==1 ? "l4" : 1)}' h.tsv > l4.tsv
    bad "l4.tsv:1: column 'l4' is a layer flag the space does not have" s.space --history l4.tsv
    # params is computed from the space when missing (tests/reliability.bats);
    # a score column cannot be
    awk -F '\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "score") $i = "other" } { print }' h.tsv > noscore.tsv
    bad "noscore.tsv:1: missing column 'score'" s.space --history noscore.tsv
}

@test "propose: values outside the space" {
    make_history
    awk -F'\t' -v OFS='\t' 'NR==4{$2=5}1' h.tsv > out.tsv
    bad "out.tsv:4: column 'sa': '5' is not in the space" s.space --history out.tsv
    awk -F'\t' -v OFS='\t' 'NR==3{$5=0;$6=0;$7=0;$8=0}1' h.tsv > inval.tsv
    bad "inval.tsv:3: configuration is outside the space" s.space --history inval.tsv
}

@test "propose: NaN, inf and non-numeric objectives in ok records" {
    make_history
    awk -F'\t' -v OFS='\t' 'NR==3{$9="nan"; $11="ok"}1' h.tsv > nan.tsv
    bad "nan.tsv:3: column 'score': not a finite number" s.space --history nan.tsv
    awk -F'\t' -v OFS='\t' 'NR==5{$10="inf"; $11="ok"}1' h.tsv > inf.tsv
    bad "inf.tsv:5: column 'params': not a finite number" s.space --history inf.tsv
    awk -F'\t' -v OFS='\t' 'NR==6{$9=""; $11="ok"}1' h.tsv > empty.tsv
    bad "empty.tsv:6: column 'score'" s.space --history empty.tsv
}

@test "propose: duplicate ids in the history" {
    make_history
    id2=$(sed -n 2p h.tsv | cut -f1)
    awk -F'\t' -v OFS='\t' -v id="$id2" 'NR==7{$1=id}1' h.tsv > dup.tsv
    bad "dup.tsv:7: duplicate id '$id2' (first on line 2)" s.space --history dup.tsv
}

@test "propose: usage errors exit 2" {
    run propose s.space --batch 0
    [ "$status" -eq 2 ]
    run propose s.space -o a:max,b:min,c:min
    [ "$status" -eq 2 ]
    run propose s.space --ref 0.5
    [ "$status" -eq 2 ]
    run propose --bogus s.space
    [ "$status" -eq 2 ]
    run propose
    [ "$status" -eq 2 ]
}
