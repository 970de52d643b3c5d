#!/usr/bin/env bats
# Every tool's options agree in three places: the option table its main gives
# to cli_getopt (the truth), its --help, and the OPTIONS section of its man
# page. An option added to, or removed from, only one of them fails here.
load test_helper

# The options of bin/TOOL.c's table, one per line: --NAME for each
# {"NAME", ..._argument, ...} entry (and --help, --version of
# CLI_STD_OPTIONS), -X for each letter of cli_getopt's short options (and -h).
table_opts() {
    local src="$ROOT/bin/$1.c"
    grep -oE '\{"[a-z][a-z0-9-]*", *(no|required|optional)_argument' "$src" | sed -E 's/^\{"([^"]*)".*/--\1/'
    grep -q CLI_STD_OPTIONS "$src" && printf '%s\n' --help --version -h
    grep -oE 'cli_getopt\([^"]*"[^"]*"' "$src" | sed -E 's/.*"([^"]*)"$/\1/' | tr -d ':' | grep -oE '[a-zA-Z]' | sed 's/^/-/'
}

# Options defined by the lines of TOOL --help that begin (after blanks) with
# an option: the text before the description (the first run of 2+ blanks).
help_opts() {
    "$BIN/$1" --help | grep -E '^ +-' | sed -E 's/^ +//; s/ {2,}.*//' |
        grep -oE '(^|[ ,|])--?[a-zA-Z][a-zA-Z0-9-]*' | sed -E 's/^[ ,|]//'
}

# Options in the tag lines (the line after each .TP) of man/TOOL.1's OPTIONS
# section, with font escapes and backslashes removed.
man_opts() {
    awk '/^\.SH /{on = ($2 == "OPTIONS")} on && tag {print; tag = 0} on && /^\.TP/{tag = 1}' "$ROOT/man/$1.1" |
        sed -E 's/\\f[BIRP]//g; s/\\//g; s/"/ /g' |
        grep -oE '(^|[ ,|])--?[a-zA-Z][a-zA-Z0-9-]*' | sed -E 's/^[ ,|]//'
}

sorted() { "$@" | sort -u; }

@test "each tool's option table, --help and man page OPTIONS list the same options" {
    n=0 bad=
    for src in "$ROOT"/bin/*.c; do
        t=$(basename "$src" .c)
        table=$(sorted table_opts "$t")
        [ -n "$table" ] || fail "$t: no option table found in bin/$t.c"
        help=$(sorted help_opts "$t")
        man=$(sorted man_opts "$t")
        [ "$help" = "$table" ] || bad+="$t: --help differs from the option table (< table, > help):
$(diff <(echo "$table") <(echo "$help") | grep '^[<>]')
"
        [ "$man" = "$table" ] || bad+="$t: man/$t.1 OPTIONS differs from the option table (< table, > man):
$(diff <(echo "$table") <(echo "$man") | grep '^[<>]')
"
        n=$((n + 1))
    done
    [ -z "$bad" ] || fail "$bad"
    [ "$n" -gt 0 ]
}

@test "every tool answers -h like --help" {
    for src in "$ROOT"/bin/*.c; do
        t=$(basename "$src" .c)
        run --separate-stderr "$t" -h
        [ "$status" -eq 0 ] || fail "$t -h: status $status"
        [ "$output" = "$("$t" --help)" ] || fail "$t -h differs from $t --help"
    done
}
