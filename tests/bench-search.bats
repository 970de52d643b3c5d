#!/usr/bin/env bats
# The search benchmark's problems (bench/search): evaluators against values
# computed independently with numpy (bench/search/maxhv.py's formulas, run at
# authoring time), and the BraninCurrin grid's maximum hypervolume.
load test_helper
bats_require_minimum_version 1.5.0

EV="$ROOT/bench/search/eval"
bc() { awk -v N=100 -f "$EV/common.awk" -f "$EV/branincurrin.awk" "$@"; }

@test "bench-search: BraninCurrin evaluator matches BoTorch's formulas at known points" {
    # x0 x1 branin currin  (/usr/bin/python3, numpy float64, BoTorch's definitions)
    cat >"$BATS_TEST_TMPDIR/want.tsv" <<'EOF'
0	0	308.12909601160663	3.0
100	100	145.87219087939556	4.005316104976526
50	50	24.129964413622268	7.40512391329881
12	83	0.4154302360897546	5.562369640356118
100	0	10.960889035651505	10.179487179487179
0	100	17.508299515778166	1.1804080208620997
54	15	0.4095164059492671	11.054387838622585
96	17	0.4100165477277855	9.67544192027623
EOF
    { printf 'id\tx0\tx1\textra\n'; awk -F'\t' '{ printf "p%d\t%s\t%s\tkeep\n", NR, $1, $2 }' "$BATS_TEST_TMPDIR/want.tsv"; } >"$BATS_TEST_TMPDIR/in.tsv"
    run --separate-stderr bc "$BATS_TEST_TMPDIR/in.tsv"
    [ "$status" -eq 0 ] || fail "status $status: $stderr"
    [ "${lines[0]}" = "$(printf 'id\tx0\tx1\textra\tbranin\tcurrin\tstatus')" ] || fail "header: ${lines[0]}"
    [ "${#lines[@]}" -eq 9 ] || fail "expected 8 records, got $((${#lines[@]} - 1))"
    # compare with relative tolerance 1e-10 (the evaluator prints 12 digits)
    run bash -c "printf '%s\n' \"\$1\" | tail -n +2 | paste - '$BATS_TEST_TMPDIR/want.tsv' | awk -F'\t' '
        function bad(a, b) { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; return d > 1e-10 * (s > 1 ? s : 1) }
        \$2 != \$8 || \$3 != \$9 || \$4 != \"keep\" || \$7 != \"ok\" || bad(\$5, \$10) || bad(\$6, \$11) { print \"mismatch: \" \$0; n++ }
        END { exit n > 0 }'" _ "$output"
    [ "$status" -eq 0 ] || fail "$output"
}

@test "bench-search: hypervolume of the whole 101x101 BraninCurrin grid equals maxhv.tsv" {
    want=$(awk -F'\t' '$1 == "branincurrin101" { print $3 }' "$ROOT/bench/search/maxhv.tsv")
    [ -n "$want" ] || fail "no branincurrin101 row in maxhv.tsv"
    run --separate-stderr bash -c "set -o pipefail; space-gen --space '$ROOT/bench/search/spaces/branincurrin101.tsv' --grid |
        awk -v N=100 -f '$EV/common.awk' -f '$EV/branincurrin.awk' | pareto --hv --ref 18,6 --objectives branin:min,currin:min"
    [ "$status" -eq 0 ] || fail "status $status: $stderr"
    [ "${lines[0]}" = "$(printf 'hypervolume\tn_points\tn_front')" ] || fail "header: ${lines[0]}"
    read -r hv n nf <<<"${lines[1]}"
    [ "$n" -eq 10201 ] || fail "n_points $n"
    awk -v a="$hv" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-9 * b) }' ||
        fail "grid HV $hv != $want (maxhv.tsv)"
}

@test "bench-search: AutoPEFT evaluator's params equal space-gen --params (lib/config/peft.h)" {
    space-gen --layers 12 --hidden 768 --heads 12 >"$BATS_TEST_TMPDIR/s.tsv"
    run --separate-stderr bash -c "set -o pipefail; space-gen --space '$BATS_TEST_TMPDIR/s.tsv' --sample 200 --seed 3 --params |
        awk -f '$EV/common.awk' -f '$EV/autopeft.awk'"
    [ "$status" -eq 0 ] || fail "status $status: $stderr"
    [ "${#lines[@]}" -eq 201 ] || fail "expected 200 records"
    # columns: id sa pa pt l0..l11 ($5-$16) params params_pct ($17-$18), then score params status ($19-$21)
    run bash -c "printf '%s\n' \"\$1\" | awk -F'\t' 'NR > 1 && (\$17 != \$20 || \$21 != \"ok\" || \$19 < 0.4 || \$19 > 1) { print; n++ } END { exit n > 0 }'" _ "$output"
    [ "$status" -eq 0 ] || fail "$output"
}

@test "bench-search: evaluators reject a missing column or an out-of-range value with FILE:LINE" {
    printf 'id\tx0\n' >"$BATS_TEST_TMPDIR/a.tsv"
    run --separate-stderr bc "$BATS_TEST_TMPDIR/a.tsv"
    [ "$status" -eq 1 ]
    [ -z "$output" ] || fail "partial output: $output"
    [ "$stderr" = "eval-branincurrin: $BATS_TEST_TMPDIR/a.tsv:1: missing column 'x1'" ] || fail "$stderr"
    printf 'id\tx0\tx1\np\t3\t4\nq\t101\t4\n' >"$BATS_TEST_TMPDIR/b.tsv"
    run --separate-stderr bc "$BATS_TEST_TMPDIR/b.tsv"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "eval-branincurrin: $BATS_TEST_TMPDIR/b.tsv:3: column 'x0': expected an integer in 0..100, not '101'" ]] || fail "$stderr"
}
