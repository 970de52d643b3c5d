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
