#!/usr/bin/env bats
# Scores that hold: seed statistics (pipelines/seedstats.awk), pareto on
# means with tolerances, and the rescore stage's choice of seeds.
load test_helper

# every test works in its own directory, never in the repository
setup() { cd "$BATS_TEST_TMPDIR"; }

@test "seedstats: mean, sample sd, se, min, max per configuration; failed runs counted apart" {
    printf 'id\tconfig_id\tseed\tsa\tl0\ttask\tscore\tparams\tparams_pct\tstatus\n' > r.tsv
    printf 'x~s43\tx\t43\t2\t1\tt\t0.50\t10\t0.1\tok\n' >> r.tsv
    printf 'y~s43\ty\t43\t4\t1\tt\t0.90\t20\t0.2\tok\n' >> r.tsv
    printf 'x~s44\tx\t44\t2\t1\tt\t0.70\t10\t0.1\tok\n' >> r.tsv
    printf 'x~s45\tx\t45\t2\t1\tt\t0.60\t10\t0.1\tok\n' >> r.tsv
    printf 'y~s44\ty\t44\t4\t1\tt\t\t20\t0.2\terror\n' >> r.tsv
    run awk -f "$ROOT/pipelines/seedstats.awk" r.tsv
    assert_success
    assert_line --index 0 "$(printf 'id\tsa\tl0\tscore_mean\tscore_sd\tscore_se\tscore_min\tscore_max\tn_seeds\tn_failed\tseeds\tparams\tparams_pct')"
    # x: 0.5 0.7 0.6 -> mean 0.6, sd 0.1 (n - 1), se 0.1/sqrt(3)
    assert_line --index 1 "$(printf 'x\t2\t1\t0.600000\t0.100000\t0.057735\t0.500000\t0.700000\t3\t0\t43,44,45\t10\t0.1')"
    assert_line --index 2 "$(printf 'y\t4\t1\t0.900000\t0.000000\t0.000000\t0.900000\t0.900000\t1\t1\t43\t20\t0.2')"
}

@test "seedstats needs config_id and score" {
    printf 'id\tscore\na\t1\n' > r.tsv
    run awk -f "$ROOT/pipelines/seedstats.awk" r.tsv
    assert_failure
    assert_output --partial "need columns config_id and score"
}

@test "pareto on means: within the combined standard error is a tie, and the spread is carried" {
    printf 'id\tscore_mean\tscore_se\tparams\na\t0.80\t0.01\t10\nb\t0.81\t0.01\t20\nc\t0.85\t0.01\t30\nd\t0.79\t0.001\t10\n' > m.tsv
    run pareto -o score_mean:max,params:min m.tsv
    assert_success
    assert_output "$(printf 'id\tscore_mean\tscore_se\tparams\na\t0.80\t0.01\t10\nb\t0.81\t0.01\t20\nc\t0.85\t0.01\t30')"
    # b is only 0.01 above a, within sqrt(0.01^2 + 0.01^2); d is 0.01 below a, also a tie,
    # and costs the same: a and d tie everywhere, so both stay
    run pareto -o score_mean:max,params:min --tol score_mean=@score_se m.tsv
    assert_success
    assert_output "$(printf 'id\tscore_mean\tscore_se\tparams\na\t0.80\t0.01\t10\nc\t0.85\t0.01\t30\nd\t0.79\t0.001\t10')"
    # a fixed tolerance: 0.005 separates a from b and d
    run pareto -o score_mean:max,params:min --tol score_mean=0.005 m.tsv
    assert_output "$(printf 'id\tscore_mean\tscore_se\tparams\na\t0.80\t0.01\t10\nb\t0.81\t0.01\t20\nc\t0.85\t0.01\t30')"
    # a tolerance in the other objective too: c beats b (0.04 in score, params
    # within 15), b beats d (0.02 > 0.01005), a ties d and differs from c by 20 params
    run pareto -o score_mean:max,params:min --tol score_mean=@score_se,params=15 m.tsv
    assert_output "$(printf 'id\tscore_mean\tscore_se\tparams\na\t0.80\t0.01\t10\nc\t0.85\t0.01\t30')"
}

@test "pareto --tol: bad specifications are usage errors; bad spreads are FILE:LINE errors" {
    printf 'id\tscore\tse\tparams\na\t0.8\tx\t1\n' > m.tsv
    run pareto --tol score m.tsv
    assert_failure 2
    run pareto --tol score=-1 m.tsv
    assert_failure 2
    run pareto --tol other=1 m.tsv
    assert_failure 2
    run pareto --rank --tol score=1 m.tsv
    assert_failure 2
    run --separate-stderr pareto --tol score=@se m.tsv
    assert_failure 1
    [[ "$stderr" == *"m.tsv:2: column 'se': 'x' is not a non-negative number"* ]]
    [ -z "$output" ]
}

@test "propose --front: the ok records whose posterior means are non-dominated" {
    space-gen --hidden 16 --layers 2 > s.space
    # a noisy score that rises with sa; params exact
    space-gen --space s.space --sample 40 --seed 2 --params | awk -F '\t' -v OFS='\t' '
        NR == 1 { print $0, "score", "status"; next }
        { x = (NR * 7919) % 101 / 100 - 0.5; print $0, 0.5 + 0.02 * log(1 + $2) + 0.03 * x, (NR == 5 ? "error" : "ok") }' > h.tsv
    run propose -q --space s.space --history h.tsv --front --seed 1
    assert_success
    assert_line --index 0 "$(printf 'id\tsa\tpa\tpt\tl0\tl1\tscore_mean\tscore_sd\tparams_mean\tparams_sd')"
    [ "${#lines[@]}" -ge 2 ]
    # every row is an ok history record, and the rows are non-dominated in their means
    bad=$(sed -n 5p h.tsv | cut -f1)
    refute_output --partial "$bad"
    for id in $(tail -n +2 <<< "$output" | cut -f1); do grep -q "^$id	" h.tsv || fail "$id is not in the history"; done
    run pareto -o score_mean:max,params_mean:min <(propose -q --space s.space --history h.tsv --front --seed 1)
    assert_output "$(propose -q --space s.space --history h.tsv --front --seed 1)"
    # params is exact: its sd is 0
    run awk -F '\t' 'NR > 1 && $10 != 0' <(propose -q --space s.space --history h.tsv --front --seed 1)
    assert_output ""
    # below --init there is no model: the observed front
    run propose -q --space s.space --history h.tsv --front --init 100
    assert_success
    [ "$(tail -n +2 <<< "$output" | cut -f1 | sort)" = "$(pareto -o score:max,params:min h.tsv | tail -n +2 | cut -f1 | sort)" ]
}
