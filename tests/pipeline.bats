#!/usr/bin/env bats
# pipelines/: the resumable search loop (search.sh), parallel evaluation
# (evaluate.sh), kills at every step, reproducibility, failed launches, bad
# histories, and the whole workflow (autopeft.mk) on a tiny random model.
load test_helper

setup_file() {
    export FIX="$BATS_FILE_TMPDIR/fix"
    mkdir -p "$FIX"
    cd "$FIX"
    { printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'; for w in a b c d e f g h; do echo $w; done; } > vocab.txt
    model-init --layers 2 --hidden 16 --heads 2 --vocab vocab.txt --max-position 16 --seed 3 model >/dev/null
    cp vocab.txt model/
    # two tasks: the label depends on the first letter (t1) or the second (t2)
    for t in t1 t2; do
        mkdir -p $t
        awk -v t=$t 'BEGIN { x = (t == "t1" ? 11 : 29); print "sentence\tlabel"
            for (i = 0; i < 80; i++) { x = (x * 16807) % 2147483647; a = substr("abcdefgh", x % 8 + 1, 1)
                x = (x * 16807) % 2147483647; b = substr("abcdefgh", x % 8 + 1, 1)
                print a " " b "\t" ((t == "t1" ? a : b) < "e" ? 1 : 0) } }' > $t/train.tsv
        cp $t/train.tsv $t/dev.tsv
    done
    cp t1/train.tsv task.tsv
}

TE_ARGS="-q --task custom --text-a sentence --label label --epochs 1 --batch 16 --lr 1e-2"

search() { # search OUT EVALS [BATCH]
    sh "$ROOT/pipelines/search.sh" "$1" "$FIX/model" "$2" "${3:-4}" 4 7 -- $TE_ARGS \
        --train "$FIX/task.tsv" --dev "$FIX/task.tsv"
}

@test "a search evaluates the budget, never twice the same configuration, and writes the front" {
    run search "$BATS_TEST_TMPDIR/s" 10
    assert_success
    h="$BATS_TEST_TMPDIR/s/history.tsv"
    [ "$(tail -n +2 "$h" | wc -l)" -eq 10 ]
    n=$(tail -n +2 "$h" | cut -f2-6 | sort -u | wc -l)
    [ "$n" -eq 10 ]
    [ "$(tail -n +2 "$h" | cut -f1 | sort -u | wc -l)" -eq 10 ]
    f="$BATS_TEST_TMPDIR/s/front.tsv"
    [ -s "$f" ]
    tail -n +2 "$f" | while IFS= read -r l; do grep -qxF "$l" "$h" || exit 1; done
    run pareto "$h"
    assert_success
    assert_equal "$output" "$(cat "$f")"
    # nothing is left behind
    run ls "$BATS_TEST_TMPDIR/s"
    assert_output "$(printf 'front.tsv\nhistory.tsv\nspace.tsv')"
}

@test "the same seed and JOBS give the same records, apart from the seconds column" {
    JOBS=2 run search "$BATS_TEST_TMPDIR/a" 8
    assert_success
    JOBS=2 run search "$BATS_TEST_TMPDIR/b" 8
    assert_success
    run sh "$ROOT/pipelines/same-records.sh" "$BATS_TEST_TMPDIR/a/history.tsv" "$BATS_TEST_TMPDIR/b/history.tsv"
    assert_success
    # and same-records.sh does notice a changed score
    sed '3s/\tok\t/\tok\t/; 3s/0\.[0-9]*/0.123456/' "$BATS_TEST_TMPDIR/b/history.tsv" > "$BATS_TEST_TMPDIR/c.tsv"
    run sh "$ROOT/pipelines/same-records.sh" "$BATS_TEST_TMPDIR/a/history.tsv" "$BATS_TEST_TMPDIR/c.tsv"
    assert_failure
}

# kill_every_step FILE...: a search of 5 evaluations in batches of 2 (CONFIRM
# from the environment), killed with kill -9 at its k-th kill point for every
# k and then resumed, must end with each FILE of its directory equal to an
# uninterrupted search's, and no id twice in it. Sets $steps to the number of
# kill points tried.
kill_every_step() {
    local ref="$BATS_TEST_TMPDIR/ref" k=1 out f
    JOBS=1 run search "$ref" 5 2
    assert_success
    while :; do
        out="$BATS_TEST_TMPDIR/k$k"
        # run in its own session: the kill takes out the whole process group, as a user's kill -9 would
        AUTOPEFT_KILL_AT=$k AUTOPEFT_KILL_COUNT="$BATS_TEST_TMPDIR/count" JOBS=1 \
            setsid sh -c 'sh "$0"/pipelines/search.sh "$1" "$2" 5 2 4 7 -- '"$TE_ARGS"' --train "$3" --dev "$3" 2>/dev/null' \
            "$ROOT" "$out" "$FIX/model" "$FIX/task.tsv" || true
        reached=$(cat "$BATS_TEST_TMPDIR/count")
        rm -f "$BATS_TEST_TMPDIR/count"
        [ "$reached" -ge "$k" ] || break   # the run finished before step k: every step was tried
        JOBS=1 run search "$out" 5 2
        assert_success
        for f in "$@"; do
            [ "$(tail -n +2 "$out/$f" | cut -f1 | sort | uniq -d)" = "" ] || fail "kill at step $k: duplicated ids in $f"
            run sh "$ROOT/pipelines/same-records.sh" "$ref/$f" "$out/$f"
            [ "$status" -eq 0 ] || fail "kill at step $k: $f differs from an uninterrupted search: $output"
        done
        k=$((k + 1))
    done
    steps=$((k - 1))
}

@test "a search killed with kill -9 after any step resumes to the same records, none lost or duplicated" {
    kill_every_step history.tsv front.tsv
    [ "$steps" -ge 10 ] # the loop has at least ten steps that change a file
}

@test "a search killed with kill -9 around every command that writes a file resumes to the same records" {
    # Not only at the scripts' own kill points: wrappers on PATH count every
    # command of the search that changes a file (the tools, and awk, head, ...
    # writing to a regular file: before they write a byte, when the shell has
    # just created or truncated it, and after; mv, rm, mkdir, cp: after) and
    # kill the whole run at the K-th, for every K.
    ref="$BATS_TEST_TMPDIR/ref"
    JOBS=1 run search "$ref" 3 2
    assert_success
    W="$BATS_TEST_TMPDIR/wrap"
    mkdir -p "$W"
    for c in space-gen propose train-eval pareto awk cat cp cut grep head mkdir mv rm sed sort tail tr; do
        real=$(command -v "$c")
        cat > "$W/$c" <<EOF
#!/bin/sh
step() { n=0; [ -s "\$KILL_COUNT" ] && read -r n < "\$KILL_COUNT"; n=\$((n + 1)); echo "\$n" > "\$KILL_COUNT"
    [ "\$n" -ne "\$KILL_AT" ] || kill -9 0; }
if [ -f /proc/self/fd/1 ]; then step; "$real" "\$@"; rc=\$?; step; exit \$rc; fi
case $c in mv | rm | mkdir | cp) "$real" "\$@"; rc=\$?; step; exit \$rc ;; esac
exec "$real" "\$@"
EOF
        chmod +x "$W/$c"
    done
    k=1
    while :; do
        out="$BATS_TEST_TMPDIR/w$k"
        KILL_AT=$k KILL_COUNT="$BATS_TEST_TMPDIR/wcount" JOBS=1 PATH="$W:$PATH" \
            setsid sh -c 'sh "$0"/pipelines/search.sh "$1" "$2" 3 2 4 7 -- '"$TE_ARGS"' --train "$3" --dev "$3" 2>/dev/null' \
            "$ROOT" "$out" "$FIX/model" "$FIX/task.tsv" > /dev/null || true
        reached=$(cat "$BATS_TEST_TMPDIR/wcount")
        rm -f "$BATS_TEST_TMPDIR/wcount"
        [ "$reached" -ge "$k" ] || break   # the run finished before step k: every step was tried
        JOBS=1 run search "$out" 3 2
        [ "$status" -eq 0 ] || fail "kill at step $k: the resumed search failed: $output"
        run sh "$ROOT/pipelines/same-records.sh" "$ref/history.tsv" "$out/history.tsv"
        [ "$status" -eq 0 ] || fail "kill at step $k: the history differs from an uninterrupted search: $output"
        run sh "$ROOT/pipelines/same-records.sh" "$ref/front.tsv" "$out/front.tsv"
        [ "$status" -eq 0 ] || fail "kill at step $k: the front differs"
        run ls "$out"
        [ "$output" = "$(printf 'front.tsv\nhistory.tsv\nspace.tsv')" ] || fail "kill at step $k: left behind: $output"
        rm -rf "$out"
        k=$((k + 1))
    done
    echo "$((k - 1)) kill points"
    [ "$k" -gt 20 ]
}

@test "confirm.awk: a configuration's score is the mean of its ok runs, with its search score and run counts" {
    printf 'id\tsa\tscore\tstatus\na\t2\t0.800000\tok\nb\t4\t0.500000\tok\nc\t8\t\terror\n' > "$BATS_TEST_TMPDIR/h.tsv"
    printf 'id\tconfig_id\tseed\tscore\tstatus\na~s1\ta\t1\t0.600000\tok\nb~s1\tb\t1\t\terror\nc~s1\tc\t1\t0.9\tok\na~s2\ta\t2\t0.700000\tok\n' > "$BATS_TEST_TMPDIR/c.tsv"
    run awk -f "$ROOT/pipelines/confirm.awk" "$BATS_TEST_TMPDIR/c.tsv" "$BATS_TEST_TMPDIR/h.tsv"
    assert_success
    assert_output "$(printf 'id\tsa\tscore\tstatus\tsearch_score\tn_seeds\tconfirm_runs\na\t2\t0.700000\tok\t0.800000\t3\t2\nb\t4\t0.500000\tok\t0.500000\t1\t1\nc\t8\t\terror\t\t0\t1')"
    # without confirmation runs: the history, and the added columns
    run awk -f "$ROOT/pipelines/confirm.awk" /dev/null "$BATS_TEST_TMPDIR/h.tsv"
    assert_success
    assert_line --index 1 "$(printf 'a\t2\t0.800000\tok\t0.800000\t1\t0')"
    # a confirmation file without config_id is refused, naming it
    run awk -f "$ROOT/pipelines/confirm.awk" "$BATS_TEST_TMPDIR/h.tsv" "$BATS_TEST_TMPDIR/h.tsv"
    assert_failure
    assert_output --partial "h.tsv:1: need columns config_id and score"
}

@test "CONFIRM=1: every front configuration gets a second seed, and the front is taken on the mean scores" {
    out="$BATS_TEST_TMPDIR/c"
    CONFIRM=1 run search "$out" 10
    assert_success
    [ -s "$out/confirm.tsv" ] && [ -s "$out/scores.tsv" ]
    # one confirmation run per front configuration, with seed SEED + 1001 = 1008
    run awk -F '\t' 'FNR == 1 { f++; delete c; for (i = 1; i <= NF; i++) c[$i] = i; next }
        f == 1 { n[$c["config_id"]]++; if ($c["seed"] != 1008 || $c["status"] != "ok") bad = bad " seed/status:" $c["id"]; sc[$c["config_id"]] = $c["score"]; next }
        f == 2 { own[$c["id"]] = $c["score"]; next }
        { id = $c["id"]; if (n[id] != 1) bad = bad " runs:" id
          m = (own[id] + sc[id]) / 2; d = $c["score"] - m; if (d < -1e-6 || d > 1e-6) bad = bad " mean:" id
          if ($c["search_score"] != own[id] || $c["n_seeds"] != 2) bad = bad " cols:" id }
        END { if (bad != "") { print bad; exit 1 } }' "$out/confirm.tsv" "$out/history.tsv" "$out/front.tsv"
    assert_success
    # the front is the Pareto front of the mean scores
    run pareto "$out/scores.tsv"
    assert_success
    assert_equal "$output" "$(cat "$out/front.tsv")"
    # the history is what CONFIRM=0 gives; a second run evaluates nothing more
    JOBS=1 run search "$BATS_TEST_TMPDIR/plain" 10
    run sh "$ROOT/pipelines/same-records.sh" "$BATS_TEST_TMPDIR/plain/history.tsv" "$out/history.tsv"
    assert_success
    cp "$out/confirm.tsv" "$BATS_TEST_TMPDIR/c0.tsv"
    CONFIRM=1 run search "$out" 10
    assert_success
    cmp "$out/confirm.tsv" "$BATS_TEST_TMPDIR/c0.tsv"
    run ls "$out"
    assert_output "$(printf 'confirm.tsv\nfront.tsv\nhistory.tsv\nscores.tsv\nspace.tsv')"
    CONFIRM=x run search "$BATS_TEST_TMPDIR/bad" 2
    assert_failure
    assert_output --partial "CONFIRM must be a non-negative integer, not 'x'"
}

@test "CONFIRM=1: a search killed with kill -9 after any step resumes to the same records and confirmations" {
    export CONFIRM=1
    kill_every_step history.tsv confirm.tsv front.tsv scores.tsv
    [ "$steps" -ge 12 ]
}

@test "a merge interrupted after the history was replaced adds nothing twice (the 'pending' fault)" {
    out="$BATS_TEST_TMPDIR/m"
    run search "$out" 4
    assert_success
    # as if killed between the rename of the new history and the cleanup:
    # the round's record files are still there, and the round is proposed again
    mkdir -p "$out/history.tsv.d"
    head -n 1 "$out/history.tsv" | cut -f1-5 > "$out/round.tsv"
    tail -n +2 "$out/history.tsv" | cut -f1-5 >> "$out/round.tsv"
    for id in $(tail -n +2 "$out/history.tsv" | cut -f1); do
        { head -n 1 "$out/history.tsv"; grep "^$id	" "$out/history.tsv"; } > "$out/history.tsv.d/$id.tsv"
    done
    touch "$out/history.tsv.tmp.12345.p" "$out/history.tsv.tmp.999"
    run search "$out" 6
    assert_success
    [ "$(tail -n +2 "$out/history.tsv" | wc -l)" -eq 6 ]
    [ "$(tail -n +2 "$out/history.tsv" | cut -f1 | sort | uniq -d)" = "" ]
    [ ! -e "$out/history.tsv.d" ]
    [ -z "$(ls "$out" | grep tmp)" ] # stray temp files are removed
}

@test "a header-only history starts the search from zero" {
    out="$BATS_TEST_TMPDIR/h"
    mkdir -p "$out"
    printf 'id\tsa\tpa\tpt\tl0\tl1\tscore\tparams\n' > "$out/history.tsv"
    run search "$out" 4
    assert_success
    refute_output --partial "Illegal number"
    [ "$(tail -n +2 "$out/history.tsv" | wc -l)" -eq 4 ]
    assert_output --partial "done: 4 evaluated (4 ok)"
}

@test "an output directory with spaces in its name works" {
    out="$BATS_TEST_TMPDIR/with space/and more"
    run search "$out" 6 2
    assert_success
    [ "$(tail -n +2 "$out/history.tsv" | wc -l)" -eq 6 ]
}

@test "a launcher that fails makes its records status=error, and the search goes on" {
    out="$BATS_TEST_TMPDIR/l"
    LAUNCH=false run search "$out" 4
    assert_success
    [ "$(tail -n +2 "$out/history.tsv" | wc -l)" -eq 4 ]
    run awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c["status"] ": " $c["message"] }' "$out/history.tsv"
    assert_line --index 0 "error: evaluation failed: exit status 1"
    # a launcher that works (a prefix that just runs the command) gives ok records
    LAUNCH="env" run search "$BATS_TEST_TMPDIR/l2" 2
    assert_success
    assert_output --partial "(2 ok)"
}

@test "an evaluator killed by a signal gives status=error with the signal, others are kept" {
    out="$BATS_TEST_TMPDIR/f"
    space-gen "$FIX/model" > "$BATS_TEST_TMPDIR/space.tsv"
    propose -q --space "$BATS_TEST_TMPDIR/space.tsv" --batch 3 --seed 1 > "$BATS_TEST_TMPDIR/c.tsv"
    victim=$(sed -n 3p "$BATS_TEST_TMPDIR/c.tsv" | cut -f1)
    cat > "$BATS_TEST_TMPDIR/flaky" <<EOF
#!/bin/sh
for a; do last=\$a; done
if grep -q "^$victim	" "\$last"; then kill -9 \$\$; fi
exec train-eval "\$@"
EOF
    chmod +x "$BATS_TEST_TMPDIR/flaky"
    EVALUATOR="$BATS_TEST_TMPDIR/flaky" run sh "$ROOT/pipelines/evaluate.sh" "$BATS_TEST_TMPDIR/c.tsv" "$out.tsv" -- \
        --model "$FIX/model" $TE_ARGS --train "$FIX/task.tsv" --dev "$FIX/task.tsv"
    assert_success
    [ "$(tail -n +2 "$out.tsv" | wc -l)" -eq 3 ]
    run awk -F '\t' -v v="$victim" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print ($1 == v) ": " $c["status"] ": " $c["message"] }' "$out.tsv"
    assert_line "1: error: evaluation failed: killed by signal 9: Killed"
    [ "$(grep -c '^0: ok' <<< "$output")" -eq 2 ]
    [ -e "$out.tsv.logs/$victim.log" ] # the failed evaluation's log is kept
}

@test "a bad history stops the search with FILE:LINE and leaves the results untouched" {
    out="$BATS_TEST_TMPDIR/bad"
    run search "$out" 4
    assert_success
    sed -i '3s/\t[01]\t/\tmaybe\t/' "$out/history.tsv"
    sum=$(cksum < "$out/history.tsv")
    run search "$out" 8
    assert_failure
    assert_output --partial "history.tsv:3:"
    [ "$(cksum < "$out/history.tsv")" = "$sum" ]
    [ ! -e "$out/round.tsv" ]
}

@test "evaluate.sh refuses duplicate ids and ids that cannot name a file" {
    printf 'id\tsa\tl0\tl1\na\t2\t1\t1\na\t4\t1\t1\n' > "$BATS_TEST_TMPDIR/dup.tsv"
    run sh "$ROOT/pipelines/evaluate.sh" "$BATS_TEST_TMPDIR/dup.tsv" "$BATS_TEST_TMPDIR/r.tsv" -- --model "$FIX/model"
    assert_failure
    assert_output --partial "dup.tsv:3: duplicate id 'a'"
    [ ! -e "$BATS_TEST_TMPDIR/r.tsv" ]
    printf 'id\tsa\tl0\tl1\n../x\t2\t1\t1\n' > "$BATS_TEST_TMPDIR/slash.tsv"
    run sh "$ROOT/pipelines/evaluate.sh" "$BATS_TEST_TMPDIR/slash.tsv" "$BATS_TEST_TMPDIR/r.tsv" -- --model "$FIX/model"
    assert_failure
    assert_output --partial "cannot name a file"
}

@test "evaluations run in parallel: two at once with JOBS=2" {
    # an evaluator that records when it starts and ends
    cat > "$BATS_TEST_TMPDIR/slow" <<EOF
#!/bin/sh
for a; do last=\$a; done
echo "start \$(date +%s.%N)" >> "$BATS_TEST_TMPDIR/trace"
sleep 1
echo "end \$(date +%s.%N)" >> "$BATS_TEST_TMPDIR/trace"
awk -F '\t' -v OFS='\t' 'NR == 1 { print \$0, "score", "status"; next } { print \$0, 0.5, "ok" }' "\$last"
EOF
    chmod +x "$BATS_TEST_TMPDIR/slow"
    printf 'id\tx\na\t1\nb\t2\nc\t3\nd\t4\n' > "$BATS_TEST_TMPDIR/four.tsv"
    t0=$(date +%s)
    JOBS=2 THREADS=none EVALUATOR="$BATS_TEST_TMPDIR/slow" run sh "$ROOT/pipelines/evaluate.sh" "$BATS_TEST_TMPDIR/four.tsv" "$BATS_TEST_TMPDIR/p.tsv"
    assert_success
    t1=$(date +%s)
    [ $((t1 - t0)) -lt 4 ] # 4 x 1 s, 2 at a time
    run cut -f1 "$BATS_TEST_TMPDIR/p.tsv"
    assert_output "$(printf 'id\na\nb\nc\nd')" # in the order of the configurations
    # the trace shows two evaluations running at once
    run awk '{ d += ($1 == "start") ? 1 : -1; if (d > m) m = d } END { print m }' <(sort -k2 -n "$BATS_TEST_TMPDIR/trace")
    assert_output 2
}

@test "the whole workflow (search with CONFIRM, transfer, baselines, rescore, report) runs on a tiny model" {
    command -v gnuplot >/dev/null || skip "gnuplot not installed"
    out="$BATS_TEST_TMPDIR/w"
    printf 't2\t--task\tcustom\t--text-a\tsentence\t--label\tlabel\t--data\t%s\n' "$FIX/t2" > "$BATS_TEST_TMPDIR/tasks.tsv"
    run make -s -C "$ROOT" report OUT="$out" MODEL="$FIX/model" TASK=t1 \
        TASK_ARGS="--task custom --text-a sentence --label label --data $FIX/t1" TASKS_FILE="$BATS_TEST_TMPDIR/tasks.tsv" \
        EVALS=6 BATCH=3 INIT=3 SEEDS=2 CONFIRM=1 EPOCHS=1 LR=1e-2 BATCH_SIZE=16 MAX_LEN=8
    assert_success
    r="$out/report/report.md"
    [ -s "$r" ]
    grep -q '^## t1$' "$r"
    grep -q '^## t2$' "$r"
    grep -q '^## t1: the front re-trained with 2 seeds$' "$r"
    grep -q '^| baseline: LoRA | 3 |' "$r"
    grep -q '^| bl-full | baseline full | full fine-tuning | all |' "$r"
    grep -q '^## Time per stage' "$r"
    # the search confirmed its front (CONFIRM=1), and the report says so
    [ "$(tail -n +2 "$out/search/confirm.tsv" | wc -l)" -ge "$(tail -n +2 "$out/search/front.tsv" | wc -l)" ]
    grep -q '^The search confirmed its front before it ended (CONFIRM)' "$r"
    for f in t1.png t2.png t1-rescore.png; do
        [ "$(head -c 4 "$out/report/$f" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "$f is not a PNG"
    done
    grep -q '<svg' "$out/report/t1.svg"
    # every front configuration went to t2, with stable ids
    [ "$(tail -n +2 "$out/transfer/t2/history.tsv" | wc -l)" -eq "$(tail -n +2 "$out/search/front.tsv" | wc -l)" ]
    tail -n +2 "$out/transfer/t2/history.tsv" | cut -f1 | grep -qv '@t2$' && fail "transfer ids lack @t2"
    # 13 baselines on each task (4 families x 3 sizes + full; hidden 16 gives
    # fewer distinct sizes), with full fine-tuning counted as the whole model
    run awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["family"] == "full" { print $c["params_pct"], $c["status"] }' "$out/baselines/t2/history.tsv"
    assert_output "100.000000 ok"
    # the re-scoring: each front configuration SEEDS times with new seeds
    run awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c["n_seeds"] }' "$out/rescore/front-stats.tsv"
    refute_output --partial 0
    # running it again does nothing new and gives the same report tables
    cp "$r" "$BATS_TEST_TMPDIR/r1.md"
    run make -s -C "$ROOT" report OUT="$out" MODEL="$FIX/model" TASK=t1 \
        TASK_ARGS="--task custom --text-a sentence --label label --data $FIX/t1" TASKS_FILE="$BATS_TEST_TMPDIR/tasks.tsv" \
        EVALS=6 BATCH=3 INIT=3 SEEDS=2 CONFIRM=1 EPOCHS=1 LR=1e-2 BATCH_SIZE=16 MAX_LEN=8
    assert_success
    refute_output --partial "to evaluate"
    diff <(sed '/^## Time per stage/,$d' "$BATS_TEST_TMPDIR/r1.md") <(sed '/^## Time per stage/,$d' "$r")
}
