#!/usr/bin/env bats
# The conventions of autopeft(7) that every tool shares.
load test_helper

tools() { for s in "$ROOT"/bin/*.c; do basename "$s" .c; done; }

@test "every tool answers --help and --version on stdout with exit 0" {
    for t in $(tools); do
        run --separate-stderr "$t" --help
        [ "$status" -eq 0 ] || fail "$t --help: status $status"
        [ -n "$output" ] || fail "$t --help printed nothing on stdout"
        [ -z "$stderr" ] || fail "$t --help wrote to stderr: $stderr"
        run --separate-stderr "$t" --version
        [ "$status" -eq 0 ] || fail "$t --version: status $status"
        [[ "$output" == *"$t (autopeft) "* ]] || fail "$t --version: '$output'"
    done
}

@test "every tool rejects an unknown option with usage status 2" {
    for t in $(tools); do
        run --separate-stderr "$t" --no-such-option
        [ "$status" -eq 2 ] || fail "$t --no-such-option: status $status (want 2)"
        [[ "$stderr" == "$t: "* ]] || fail "$t: message does not start with '$t: ': $stderr"
    done
}

@test "every tool reports an option without its value with usage status 2" {
    for t in $(tools); do
        # the first option of the table that takes a value
        o=$(grep -oE '\{"[a-z][a-z0-9-]*", *required_argument' "$ROOT/bin/$t.c" | head -1 | sed -E 's/^\{"([^"]*)".*/--\1/')
        [ -n "$o" ] || continue
        run --separate-stderr "$t" "$o"
        [ "$status" -eq 2 ] || fail "$t $o: status $status (want 2)"
        [[ "$stderr" == "$t: option '$o' needs a value"* ]] || fail "$t $o: $stderr"
    done
}

@test "options: --opt=VALUE, -o VALUE, -oVALUE, after the files, negative values, -- and - as stdin" {
    printf 'id\tscore\tparams\n1\t0.5\t10\n2\t0.6\t20\n3\t0.4\t30\n' > "$BATS_TEST_TMPDIR/h.tsv"
    cd "$BATS_TEST_TMPDIR"
    want=$(pareto --objectives score:max h.tsv)
    [ "$(pareto --objectives=score:max h.tsv)" = "$want" ]
    [ "$(pareto h.tsv -o score:max)" = "$want" ]
    [ "$(pareto -oscore:max - < h.tsv)" = "$want" ]
    [ "$(pareto --obj score:max -- h.tsv)" = "$want" ]   # an unambiguous prefix
    run pareto --hv --ref -1,100 h.tsv                  # a value that begins with a dash
    [ "$status" -eq 0 ]
    [ "${lines[1]}" = $'143\t3\t2' ]
    run --separate-stderr propose -qx
    [ "$status" -eq 2 ]
    [[ "$stderr" == "propose: unknown option '-x'"* ]]
    run --separate-stderr pareto --rank=1
    [ "$status" -eq 2 ]
    [[ "$stderr" == "pareto: unknown option '--rank=1'"* ]]
}

# The folders of lib/ are layers (README "Layout"): a folder includes only
# the folders below it, so the search tools never reach the engine, and the
# engine never reaches the search or the training loop.
@test "lib/ layers: each folder includes only the folders below it" {
    declare -A below=(
        [util]=""
        [data]="util"
        [config]="util data"
        [engine]="util config"
        [search]="util data config"
        [train]="util data config engine"
    )
    n=0
    for d in "$ROOT"/lib/*/; do
        d=$(basename "$d")
        [ -n "${below[$d]+x}" ] || fail "lib/$d: a folder that README's layout does not name"
        for f in "$ROOT"/lib/$d/*.[ch]; do
            while IFS= read -r inc; do
                n=$((n + 1))
                [[ "$inc" == */* ]] || fail "${f#$ROOT/}: '#include \"$inc\"' has no folder"
                to=${inc%%/*}
                [ "$to" = "$d" ] && continue
                [[ " ${below[$d]} " == *" $to "* ]] ||
                    fail "${f#$ROOT/}: includes $inc, but lib/$d may include only: ${below[$d]:-nothing}"
            done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
        done
    done
    [ "$n" -gt 100 ] || fail "only $n includes seen"
    [ -z "$(ls "$ROOT"/lib/*.[ch] 2>/dev/null)" ] || fail "files at the top of lib/: $(ls "$ROOT"/lib/*.[ch])"
}
