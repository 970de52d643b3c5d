#!/usr/bin/env bats
# pareto(1): filter, --rank, --hv (against the deap/optuna golden cases), bad input.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    cd "$BATS_TEST_TMPDIR"
    printf 'id\tscore\tparams\tstatus\n' > runs.tsv
    printf 'a\t0.80\t10\tok\n' >> runs.tsv
    printf 'b\t0.70\t5\tok\n' >> runs.tsv
    printf 'c\t0.60\t20\tok\n' >> runs.tsv
    printf 'd\t0.99\t1\terror\n' >> runs.tsv
    printf 'e\t0.80\t10\tok\n' >> runs.tsv
    printf 'f\t0.75\t12\tok\n' >> runs.tsv
    printf 'g\t0.90\t30\tok\n' >> runs.tsv
}

@test "pareto: keeps non-dominated records unchanged, in input order, duplicates kept" {
    run --separate-stderr pareto runs.tsv
    assert_success
    assert_output "$(printf 'id\tscore\tparams\tstatus\na\t0.80\t10\tok\nb\t0.70\t5\tok\ne\t0.80\t10\tok\ng\t0.90\t30\tok')"
    [ -z "$stderr" ]
}

@test "pareto: stdin and '-' work, output identical to the file argument" {
    run bash -c 'pareto < runs.tsv; echo ---; cat runs.tsv | pareto -; echo ---; pareto runs.tsv'
    assert_success
    a=$(echo "$output" | awk '/^---$/{n++; next} n==0')
    b=$(echo "$output" | awk '/^---$/{n++; next} n==1')
    c=$(echo "$output" | awk '/^---$/{n++; next} n==2')
    [ "$a" = "$c" ] && [ "$b" = "$c" ] && [ -n "$c" ]
}

@test "pareto: records whose status is not ok are ignored; --any-status uses them" {
    run pareto runs.tsv
    refute_output --partial $'d\t0.99'
    run pareto --any-status runs.tsv
    assert_success
    # d (0.99, 1) dominates everything else
    assert_output "$(printf 'id\tscore\tparams\tstatus\nd\t0.99\t1\terror')"
    # failed rows may have empty objectives: no error, they are skipped
    printf 'id\tscore\tparams\tstatus\nx\t\t\terror\ny\t0.5\t3\tok\n' > f.tsv
    run pareto f.tsv
    assert_success
    assert_output "$(printf 'id\tscore\tparams\tstatus\ny\t0.5\t3\tok')"
    # without a status column every record counts
    cut -f1-3 runs.tsv > nostatus.tsv
    run pareto nostatus.tsv
    assert_output "$(printf 'id\tscore\tparams\nd\t0.99\t1')"
}

@test "pareto --rank: adds a rank column to every record (non-dominated sorting)" {
    run --separate-stderr pareto --rank runs.tsv
    assert_success
    assert_output "$(printf 'id\tscore\tparams\tstatus\trank\na\t0.80\t10\tok\t1\nb\t0.70\t5\tok\t1\nc\t0.60\t20\tok\t3\ne\t0.80\t10\tok\t1\nf\t0.75\t12\tok\t2\ng\t0.90\t30\tok\t1')"
    # an existing rank column is overwritten in place, so ranking is idempotent
    pareto --rank runs.tsv > ranked.tsv
    run pareto --rank ranked.tsv
    assert_output "$(cat ranked.tsv)"
    # rank 1 records are exactly what the filter keeps
    run bash -c "pareto --rank runs.tsv | awk -F'\t' 'NR==1 || \$5==1' | cut -f1-4"
    assert_output "$(pareto runs.tsv)"
}

@test "pareto --objectives: other columns, directions and more than two objectives" {
    printf 'x\tacc\tcost\tlat\n1\t0.9\t5\t2\n2\t0.8\t4\t2\n3\t0.8\t5\t2\n4\t0.7\t6\t1\n5\t0.7\t6\t3\n' > m.tsv
    run pareto --objectives acc:max,cost:min,lat:min m.tsv
    assert_success
    assert_output "$(printf 'x\tacc\tcost\tlat\n1\t0.9\t5\t2\n2\t0.8\t4\t2\n4\t0.7\t6\t1')"
    run pareto -o cost:max m.tsv
    assert_output "$(printf 'x\tacc\tcost\tlat\n4\t0.7\t6\t1\n5\t0.7\t6\t3')"
    run pareto --objectives=lat:min,acc:max --rank m.tsv
    assert_output "$(printf 'x\tacc\tcost\tlat\trank\n1\t0.9\t5\t2\t1\n2\t0.8\t4\t2\t2\n3\t0.8\t5\t2\t2\n4\t0.7\t6\t1\t1\n5\t0.7\t6\t3\t3')"
}

@test "pareto --hv: small hand-checked case and the output record" {
    # minimisation frame: (-0.8,10) (-0.7,5), ref (-0.5,30): 0.3*20 + 0.2*5 = 7
    run --separate-stderr pareto --hv --ref 0.5,30 runs.tsv
    assert_success
    [ "$(echo "$output" | head -1)" = "$(printf 'hypervolume\tn_points\tn_front')" ]
    echo "$output" | awk -F'\t' 'NR==2 { d = $1 - 7; if (d < 0) d = -d; exit !(d < 1e-12 && $2 == 6 && $3 == 2) }'
    # only records strictly better than the reference in every objective
    # count: with ref (0.75, 30) just a and e (a duplicate pair): 0.05 * 20
    run pareto --hv --ref 0.75,30 runs.tsv
    echo "$output" | awk -F'\t' 'NR==2 { d = $1 - 1; if (d < 0) d = -d; exit !(d < 1e-12 && $3 == 1) }'
    run pareto --hv --ref 0.95,40 runs.tsv
    assert_output "$(printf 'hypervolume\tn_points\tn_front\n0\t6\t0')"
}

@test "pareto --hv reproduces the deap/optuna golden hypervolumes within 1e-9" {
    g="$ROOT/tests/golden/hv"
    [ -s "$g/cases.tsv" ]
    n=0
    while IFS=$'\t' read -r case objs ref npts hd ho; do
        [ "$case" = case ] && continue
        out=$(pareto --hv --objectives "$objs" --ref "$ref" "$g/$case.tsv" | tail -1)
        echo "$case: $out (deap $hd, optuna $ho)"
        echo "$out" | awk -F'\t' -v hd="$hd" -v ho="$ho" -v np="$npts" '{
            t = 1e-9 * (hd > 0 ? hd : 1); a = $1 - hd; b = $1 - ho
            if (a < 0) a = -a; if (b < 0) b = -b
            exit !(a <= t && b <= t && $2 == np) }'
        n=$((n + 1))
    done < "$g/cases.tsv"
    [ "$n" -ge 10 ]
}

@test "pareto --hv: flipping an objective's direction (negated column and ref) leaves it unchanged" {
    g="$ROOT/tests/golden/hv"
    want=$(awk -F'\t' '$1=="3d_random" {print $5}' "$g/cases.tsv")
    awk -F'\t' 'BEGIN{OFS="\t"} NR==1 {print; next} {$2 = ($2 ~ /^-/) ? substr($2, 2) : "-" $2; print}' "$g/3d_random.tsv" > neg.tsv
    run pareto --hv --objectives f1:min,f2:max,f3:min --ref 1,-1,1 neg.tsv
    assert_success
    echo "$output" | awk -F'\t' -v w="$want" 'NR==2 { d = $1 - w; if (d < 0) d = -d; exit !(d <= 1e-9 * w) }'
}

@test "pareto: CSV in, CSV out (by extension or --csv), quoting preserved" {
    printf 'id,score,params,note\na,0.8,10,"x, y"\nb,0.7,20,z\n' > r.csv
    run --separate-stderr pareto r.csv
    assert_success
    assert_output "$(printf 'id,score,params,note\na,0.8,10,"x, y"')"
    run bash -c 'pareto --csv < r.csv'
    assert_output "$(printf 'id,score,params,note\na,0.8,10,"x, y"')"
}

@test "pareto: several files are pooled; their headers must match" {
    head -4 runs.tsv > p1.tsv
    (head -1 runs.tsv; tail -n +5 runs.tsv) > p2.tsv
    run pareto p1.tsv p2.tsv
    assert_output "$(pareto runs.tsv)"
    cut -f1-3 runs.tsv > other.tsv
    run --separate-stderr pareto p1.tsv other.tsv
    assert_failure 1
    [ -z "$output" ]
    [[ "$stderr" == *"other.tsv:1: header differs"* ]]
}

@test "pareto: missing objective column is an error with FILE:LINE and no output" {
    run --separate-stderr pareto --objectives score:max,cost:min runs.tsv
    assert_failure 1
    [ -z "$output" ]
    [[ "$stderr" == "pareto: runs.tsv:1: missing column 'cost'" ]]
}

@test "pareto: NaN, inf, empty and non-numeric objectives are errors with FILE:LINE, no partial output" {
    for bad in nan NaN inf -Infinity '' abc 0.5x ' 0.5' 1e999; do
        cp runs.tsv bad.tsv
        printf 'z\t%s\t3\tok\n' "$bad" >> bad.tsv
        for mode in "" --rank "--hv --ref 0,100"; do
            run --separate-stderr pareto $mode bad.tsv
            assert_failure 1
            [ -z "$output" ]
            [[ "$stderr" == "pareto: bad.tsv:9: column 'score': not a finite number: '$bad'" ]]
        done
    done
}

@test "pareto: ragged record is an error with FILE:LINE" {
    cp runs.tsv rag.tsv
    printf 'z\t0.5\n' >> rag.tsv
    run --separate-stderr pareto rag.tsv
    assert_failure 1
    [ -z "$output" ]
    [[ "$stderr" == *"rag.tsv:9: expected 4 fields"* ]]
}

@test "pareto: bad --objectives / --ref / option combinations are usage errors (exit 2)" {
    for spec in score score:up ':max' 'score:max,' 'a:min,a:max' ''; do
        run --separate-stderr pareto --objectives "$spec" runs.tsv
        if [ -z "$spec" ]; then assert_success; continue; fi   # empty = default spec
        assert_failure 2
        [ -z "$output" ]
        [[ "$stderr" == *"bad --objectives"* ]]
    done
    for ref in 0.5 0.5,1,2 x,1 nan,1 '0.5,' ''; do
        run --separate-stderr pareto --hv --ref "$ref" runs.tsv
        assert_failure 2
        [ -z "$output" ]
        [[ "$stderr" == *"bad --ref"* ]]
    done
    run --separate-stderr pareto --hv runs.tsv
    assert_failure 2
    [[ "$stderr" == *"--hv needs --ref"* ]]
    run --separate-stderr pareto --ref 1,2 runs.tsv
    assert_failure 2
    run --separate-stderr pareto --hv --rank --ref 1,2 runs.tsv
    assert_failure 2
    run --separate-stderr pareto --bogus runs.tsv
    assert_failure 2
    [[ "$stderr" == *"unknown option '--bogus'"* ]]
    run --separate-stderr pareto runs.tsv --objectives
    assert_failure 2
}

@test "pareto: empty input is an error; a header alone gives a header alone" {
    : > empty.tsv
    run --separate-stderr pareto empty.tsv
    assert_failure 1
    [ -z "$output" ]
    [[ "$stderr" == *"empty.tsv:1: empty input: no header"* ]]
    head -1 runs.tsv > hdr.tsv
    run pareto hdr.tsv
    assert_success
    assert_output "$(head -1 runs.tsv)"
    run pareto --rank hdr.tsv
    assert_output "$(printf 'id\tscore\tparams\tstatus\trank')"
    run pareto --hv --ref 0,100 hdr.tsv
    assert_output "$(printf 'hypervolume\tn_points\tn_front\n0\t0\t0')"
    run --separate-stderr pareto missing-file.tsv
    assert_failure 1
    [[ "$stderr" == *"missing-file.tsv: cannot open"* ]]
}

@test "pareto: --help and --version go to stdout and exit 0" {
    run pareto --help
    assert_success
    assert_output --partial "Usage: pareto"
    run pareto --version
    assert_success
    assert_output --regexp '^pareto \(autopeft\) [0-9.]+$'
}

@test "pareto: a closed downstream pipe is quiet" {
    awk 'BEGIN { print "id\tscore\tparams"; for (i = 0; i < 200000; i++) print i "\t" i "\t" i }' > big.tsv
    run --separate-stderr bash -c 'pareto --rank big.tsv | head -1'
    assert_success
    assert_output "$(printf 'id\tscore\tparams\trank')"
    [ -z "$stderr" ]
}
