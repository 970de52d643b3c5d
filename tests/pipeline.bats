#!/usr/bin/env bats
# pipelines/search.sh: the whole chain space-gen | propose | train-eval |
# pareto on a tiny random-weight model, and resumption after a kill.
load test_helper

setup_file() {
    export FIX="$BATS_FILE_TMPDIR/fix"
    mkdir -p "$FIX"
    cd "$FIX"
    { printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'; for w in a b c d e f g h; do echo $w; done; } > vocab.txt
    model-init --layers 2 --hidden 16 --heads 2 --vocab vocab.txt --max-position 16 --seed 3 model >/dev/null
    cp vocab.txt model/
    awk 'BEGIN { x = 11; print "sentence\tlabel"
        for (i = 0; i < 80; i++) { x = (x * 16807) % 2147483647; a = substr("abcdefgh", x % 8 + 1, 1)
            x = (x * 16807) % 2147483647; b = substr("abcdefgh", x % 8 + 1, 1)
            print a " " b "\t" (a < "e" ? 1 : 0) } }' > task.tsv
}

search() { # search OUT EVALS
    sh "$ROOT/pipelines/search.sh" "$1" "$FIX/model" "$2" 4 4 7 -- -q --task custom --text-a sentence \
        --label label --train "$FIX/task.tsv" --dev "$FIX/task.tsv" --epochs 1 --batch 16 --lr 1e-2
}

@test "a search evaluates the budget, never twice the same configuration, and writes the front" {
    run search "$BATS_TEST_TMPDIR/s" 10
    assert_success
    h="$BATS_TEST_TMPDIR/s/history.tsv"
    [ "$(tail -n +2 "$h" | wc -l)" -eq 10 ]
    # the configuration columns (all but the evaluation ones) are unique
    n=$(tail -n +2 "$h" | cut -f2-6 | sort -u | wc -l)
    [ "$n" -eq 10 ]
    [ "$(tail -n +2 "$h" | cut -f1 | sort -u | wc -l)" -eq 10 ]
    f="$BATS_TEST_TMPDIR/s/front.tsv"
    [ -s "$f" ]
    # every front record is in the history, and pareto agrees with itself
    tail -n +2 "$f" | while IFS= read -r l; do grep -qxF "$l" "$h" || exit 1; done
    run pareto "$h"
    assert_success
    assert_equal "$output" "$(cat "$f")"
}

@test "a killed search resumes: finished records are kept, a cut record is dropped" {
    out="$BATS_TEST_TMPDIR/r"
    run search "$out" 4
    assert_success
    # simulate a kill in the middle of the next round: one finished record and
    # one cut off mid-line in pending.tsv
    head -n 2 "$out/history.tsv" > "$out/pending.tsv"
    sed -i '2s/^[^\t]*/cdeadbeef0001/' "$out/pending.tsv"
    printf 'cdeadbeef0002\t1\t2' >> "$out/pending.tsv"
    run search "$out" 8
    assert_success
    h="$out/history.tsv"
    [ "$(tail -n +2 "$h" | wc -l)" -eq 8 ]
    grep -q '^cdeadbeef0001' "$h"
    ! grep -q '^cdeadbeef0002' "$h"
    [ ! -e "$out/pending.tsv" ]
}

@test "the front plot script draws a PNG from a search history" {
    command -v gnuplot >/dev/null || skip "gnuplot not installed"
    run search "$BATS_TEST_TMPDIR/p" 6
    assert_success
    run gnuplot -e "history='$BATS_TEST_TMPDIR/p/history.tsv'; front='$BATS_TEST_TMPDIR/p/front.tsv'; out='$BATS_TEST_TMPDIR/f.png'" \
        "$ROOT/pipelines/plot-front.gp"
    assert_success
    [ "$(head -c 4 "$BATS_TEST_TMPDIR/f.png" | od -An -c | tr -d ' ')" = '211PNG' ]
}
