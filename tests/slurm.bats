#!/usr/bin/env bats
# The search's evaluations as Slurm jobs (EXECUTOR=srun and EXECUTOR=sbatch in
# pipelines/evaluate.sh), on a running Slurm: .ci/run starts a single-node
# one (tests/slurm/start.sh); elsewhere these tests skip.
load test_helper

setup_file() {
    export FIX="$BATS_FILE_TMPDIR/fix"
    mkdir -p "$FIX" && cd "$FIX"
    { printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'; for w in a b c d e f g h; do echo $w; done; } > vocab.txt
    model-init --layers 2 --hidden 16 --heads 2 --vocab vocab.txt --max-position 16 --seed 3 model >/dev/null
    cp vocab.txt model/
    awk 'BEGIN { x = 11; print "sentence\tlabel"
        for (i = 0; i < 80; i++) { x = (x * 16807) % 2147483647; a = substr("abcdefgh", x % 8 + 1, 1)
            x = (x * 16807) % 2147483647; b = substr("abcdefgh", x % 8 + 1, 1)
            print a " " b "\t" (a < "e" ? 1 : 0) } }' > task.tsv
    # records of 3 configurations to evaluate directly
    space-gen model > space.tsv
    propose -q --space space.tsv --batch 3 --seed 5 > three.tsv
}

setup() {
    command -v sinfo >/dev/null || skip "Slurm is not installed (CI starts one with tests/slurm/start.sh)"
    sinfo -h -o %T 2>/dev/null | grep -qE 'idle|mix|alloc' ||
        skip "no Slurm is running here (CI starts a single-node one with tests/slurm/start.sh)"
}

TE="-q --task custom --text-a sentence --label label --epochs 1 --batch 16 --lr 1e-2"

search() { # search OUT EVALS
    sh "$ROOT/pipelines/search.sh" "$1" "$FIX/model" "$2" 3 3 7 -- $TE --train "$FIX/task.tsv" --dev "$FIX/task.tsv"
}
evaluate() { # evaluate CONFIGS RESULTS
    sh "$ROOT/pipelines/evaluate.sh" "$1" "$2" -- --model "$FIX/model" $TE --train "$FIX/task.tsv" --dev "$FIX/task.tsv"
}
field() { # field COLUMN FILE: "id value" per record
    awk -F '\t' -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $1, $c[n] }' "$2"
}

@test "a search with srun steps and with an sbatch job array gives the records of a local search" {
    JOBS=1 THREADS=1 run search "$BATS_TEST_TMPDIR/local" 6
    assert_success
    EXECUTOR=srun run search "$BATS_TEST_TMPDIR/srun" 6
    assert_success
    assert_output --partial "as Slurm job steps"
    EXECUTOR=sbatch JOBS=2 run search "$BATS_TEST_TMPDIR/sbatch" 6
    assert_success
    assert_output --partial "as a Slurm job array (1 CPU(s) each, at most 2 at once)"
    for m in srun sbatch; do
        run sh "$ROOT/pipelines/same-records.sh" "$BATS_TEST_TMPDIR/local/history.tsv" "$BATS_TEST_TMPDIR/$m/history.tsv"
        [ "$status" -eq 0 ] || fail "$m differs from local: $output"
    done
}

@test "each evaluation's OpenBLAS threads follow the CPUs Slurm gave it" {
    cat > "$BATS_TEST_TMPDIR/show" <<'EOF'
#!/bin/sh
for a; do last=$a; done
t=; while [ $# -gt 1 ]; do [ "$1" = --threads ] && t=$2; shift; done
awk -F '\t' -v OFS='\t' -v t="$t" -v o="${OPENBLAS_NUM_THREADS:-}" -v c="${SLURM_CPUS_PER_TASK:-}" \
    'NR == 1 { print $0, "threads", "openblas", "cpus", "score", "status"; next } { print $0, t, o, c, 0.5, "ok" }' "$last"
EOF
    chmod +x "$BATS_TEST_TMPDIR/show"
    EXECUTOR=sbatch CPUS=2 EVALUATOR="$BATS_TEST_TMPDIR/show" run evaluate "$FIX/three.tsv" "$BATS_TEST_TMPDIR/t.tsv"
    assert_success
    run awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c["threads"], $c["openblas"], $c["cpus"] }' "$BATS_TEST_TMPDIR/t.tsv"
    assert_output "$(printf '2 2 2\n2 2 2\n2 2 2')"
    EXECUTOR=srun CPUS=1 EVALUATOR="$BATS_TEST_TMPDIR/show" run evaluate "$FIX/three.tsv" "$BATS_TEST_TMPDIR/u.tsv"
    assert_success
    run awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c["threads"], $c["cpus"] }' "$BATS_TEST_TMPDIR/u.tsv"
    assert_output "$(printf '1 1\n1 1\n1 1')"
}

@test "a job cancelled with scancel becomes status=error, and the others finish" {
    victim=$(sed -n 3p "$FIX/three.tsv" | cut -f1)
    cat > "$BATS_TEST_TMPDIR/slow" <<EOF
#!/bin/sh
for a; do last=\$a; done
grep -q "^$victim	" "\$last" && sleep 120
exec train-eval "\$@"
EOF
    chmod +x "$BATS_TEST_TMPDIR/slow"
    for m in sbatch srun; do
        r="$BATS_TEST_TMPDIR/c-$m.tsv"
        # cancel the victim's job as soon as it runs (its .job file names it)
        ( for i in $(seq 1 120); do
              j=$(cat "$r.d/$victim.job" 2>/dev/null) && [ -n "$j" ] && { scancel "${j%%.*}"; break; }
              sleep 0.5
          done ) &
        EXECUTOR=$m EVALUATOR="$BATS_TEST_TMPDIR/slow" run evaluate "$FIX/three.tsv" "$r"
        wait
        assert_success
        run field status "$r"
        assert_line "$victim error"
        [ "$(grep -c ' ok$' <<< "$output")" -eq 2 ] || fail "$m: $output"
        run field message "$r"
        assert_line --partial "$victim slurm job"
        assert_line --partial "CANCEL"
    done
}

@test "a job over its memory limit becomes status=error with Slurm's reason" {
    cat > "$BATS_TEST_TMPDIR/hog" <<'EOF'
#!/bin/sh
awk 'BEGIN { s = "x"; while (length(s) < 200000000) s = s s; system("sleep 5") }'
EOF
    chmod +x "$BATS_TEST_TMPDIR/hog"
    for m in srun sbatch; do
        MEM=40M EXECUTOR=$m EVALUATOR="$BATS_TEST_TMPDIR/hog" run evaluate "$FIX/three.tsv" "$BATS_TEST_TMPDIR/m-$m.tsv"
        assert_success
        run field message "$BATS_TEST_TMPDIR/m-$m.tsv"
        [ "$(grep -c 'memory limit' <<< "$output")" -eq 3 ] || fail "$m: $output"
        [ -s "$BATS_TEST_TMPDIR/m-$m.tsv.logs/$(sed -n 2p "$FIX/three.tsv" | cut -f1).log" ]
    done
}

@test "a job over its time limit becomes status=error with Slurm's reason" {
    [ "${AUTOPEFT_SANITIZE:-0}" = 1 ] && skip "takes a Slurm time limit (about 90 s); run in the normal pass"
    head -n 2 "$FIX/three.tsv" > "$BATS_TEST_TMPDIR/one.tsv"
    printf '#!/bin/sh\nsleep 300\n' > "$BATS_TEST_TMPDIR/sleeper"
    chmod +x "$BATS_TEST_TMPDIR/sleeper"
    TIME_LIMIT=1 EXECUTOR=sbatch EVALUATOR="$BATS_TEST_TMPDIR/sleeper" run evaluate "$BATS_TEST_TMPDIR/one.tsv" "$BATS_TEST_TMPDIR/tl.tsv"
    assert_success
    run field message "$BATS_TEST_TMPDIR/tl.tsv"
    assert_output --partial "TIMEOUT"
    assert_output --partial "TIME LIMIT"
}

@test "a search killed while its jobs run resumes: it waits for them, and loses and repeats nothing" {
    for m in sbatch srun; do
        out="$BATS_TEST_TMPDIR/k-$m"
        mkdir -p "$out"
        cat > "$BATS_TEST_TMPDIR/sleepy" <<EOF
#!/bin/sh
echo run >> "$out/starts"
sleep 3
exec train-eval "\$@"
EOF
        chmod +x "$BATS_TEST_TMPDIR/sleepy"
        # start the search in its own session and kill it (kill -9, whole group) while the jobs run
        EXECUTOR=$m EVALUATOR="$BATS_TEST_TMPDIR/sleepy" setsid sh -c \
            'sh "$0"/pipelines/search.sh "$1" "$2" 3 3 3 7 -- '"$TE"' --train "$3" --dev "$3" 2>/dev/null' \
            "$ROOT" "$out" "$FIX/model" "$FIX/task.tsv" &
        pid=$!
        for i in $(seq 1 60); do [ "$(wc -l < "$out/starts" 2>/dev/null || echo 0)" -ge 3 ] && break; sleep 0.25; done
        kill -9 -- -"$pid" 2>/dev/null || kill -9 "$pid"
        wait "$pid" 2>/dev/null || true
        [ ! -s "$out/history.tsv" ] || fail "$m: the search finished before it was killed"
        # resume while the jobs still run
        EXECUTOR=$m EVALUATOR="$BATS_TEST_TMPDIR/sleepy" run search "$out" 3
        assert_success
        assert_output --partial "waiting for Slurm job"
        [ "$(tail -n +2 "$out/history.tsv" | wc -l)" -eq 3 ]
        [ "$(tail -n +2 "$out/history.tsv" | cut -f1 | sort -u | wc -l)" -eq 3 ]
        run field status "$out/history.tsv"
        [ "$(grep -c ' ok$' <<< "$output")" -eq 3 ] || fail "$m: $output $(cut -f1,17- "$out/history.tsv")"
        # every configuration ran once: none was started again
        [ "$(wc -l < "$out/starts")" -eq 3 ] || fail "$m: $(wc -l < "$out/starts") starts for 3 configurations"
    done
}
