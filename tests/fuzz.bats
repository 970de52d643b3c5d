#!/usr/bin/env bats
# make fuzz: the libFuzzer harnesses of tests/fuzz/ (safetensors, record,
# space, hfconfig, wordpiece, history) build with clang and run on their
# seed corpora without a crash, a leak or a failed check.
bats_require_minimum_version 1.5.0
load test_helper

TARGETS="safetensors record space hfconfig wordpiece history"

setup() {
    command -v "${FUZZ_CC:-clang}" >/dev/null || skip "needs clang (FUZZ_CC) for the libFuzzer harnesses"
}

@test "make fuzz: every harness runs 2 s on its seed corpus without a crash" {
    before=$(find "$ROOT/tests/fuzz/corpus" -type f -exec cksum {} + | sort)
    run make -C "$ROOT" --no-print-directory fuzz FUZZ_SECONDS=2 FUZZ_OPTS="-timeout=25 -rss_limit_mb=2048 -seed=1"
    assert_success
    for t in $TARGETS; do
        assert_output --regexp "fuzz $t: ok, [1-9][0-9]* executions, no crash"
        # every seed was read (libFuzzer counts them on its "seed corpus" line)
        n=$(find "$ROOT/tests/fuzz/corpus/$t" -type f | wc -l)
        [ "$n" -ge 1 ] || fail "tests/fuzz/corpus/$t is empty"
        grep -q "INFO: seed corpus: files: $n " "$ROOT/build-fuzz/run/$t/log" ||
            fail "$t: seed corpus not read as $n files: $(grep 'seed corpus' "$ROOT/build-fuzz/run/$t/log")"
    done
    # the runs worked on copies: the repository's corpus is unchanged
    [ "$(find "$ROOT/tests/fuzz/corpus" -type f -exec cksum {} + | sort)" = "$before" ] ||
        fail "make fuzz changed tests/fuzz/corpus"
}
