#!/usr/bin/env bats
# Every man page has the standard sections, and the examples in its EXAMPLES
# section run (each page's examples run in order, in a fresh directory, with
# bin/ on PATH and $ROOT set; any failing command fails the test).
load test_helper

@test "every tool in bin/ has a man page" {
    for src in "$ROOT"/bin/*.c; do
        t=$(basename "$src" .c)
        [ -f "$ROOT/man/$t.1" ] || fail "no man page man/$t.1 for bin/$t"
    done
}

@test "every man page has the standard sections" {
    for m in "$ROOT"/man/*.[1-8]; do
        case "$m" in *.1) secs="NAME SYNOPSIS DESCRIPTION OPTIONS EXIT.STATUS FILES EXAMPLES SEE.ALSO" ;;
                     *) secs="NAME DESCRIPTION SEE.ALSO" ;; esac
        for s in $secs; do
            grep -Eq "^\.SH \"?$s\"?$" "$m" || fail "$(basename "$m"): missing section ${s/./ }"
        done
    done
}

@test "man pages render without warnings" {
    command -v groff >/dev/null || skip "groff not installed"
    for m in "$ROOT"/man/*.[1-8]; do
        out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$m" 2>&1) || fail "$m: groff failed"
        [ -z "$out" ] || fail "$(basename "$m"): $out"
    done
}

@test "the EXAMPLES of every section-1 man page run" {
    n=0
    for m in "$ROOT"/man/*.1; do
        ex=$("$ROOT/tests/man-examples.sh" "$m")
        [ -n "$ex" ] || fail "$(basename "$m"): no runnable \$ examples"
        d=$(mktemp -d "$BATS_TEST_TMPDIR/ex.XXXXXX")
        run bash -c "cd '$d' && set -e -o pipefail && $ex"
        [ "$status" -eq 0 ] || fail "$(basename "$m") examples failed (status $status): $output"
        n=$((n + 1))
    done
    [ "$n" -gt 0 ]
}

@test "every long option in a tool's --help is documented in its man page" {
    for src in "$ROOT"/bin/*.c; do
        t=$(basename "$src" .c)
        page=$(tr -d '\\' < "$ROOT/man/$t.1")
        for o in $("$ROOT/bin/$t" --help | grep -oE '(^|[ ,])--[a-z][a-z0-9-]*' | sed 's/^[ ,]*//' | sort -u); do
            grep -qE -- "$o([^a-z0-9-]|$)" <<< "$page" || fail "$t: $o is in --help but not in man/$t.1"
        done
    done
}
