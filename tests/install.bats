#!/usr/bin/env bats
# make install honours PREFIX and DESTDIR (and only install uses them).
load test_helper

@test "make install puts tools and man pages under DESTDIR/PREFIX" {
    d="$BATS_TEST_TMPDIR/root"
    # MAKEFLAGS from an enclosing `make check` carries SANITIZE/WERROR, so
    # nothing is rebuilt with other flags here.
    run make -s -C "$ROOT" install DESTDIR="$d" PREFIX=/opt/ap
    assert_success
    for t in "$ROOT"/bin/*.c; do
        n=$(basename "$t" .c)
        [ -x "$d/opt/ap/bin/$n" ] || fail "bin/$n not installed"
    done
    [ -f "$d/opt/ap/share/man/man1/train-eval.1" ]
    [ -f "$d/opt/ap/share/man/man7/autopeft.7" ]
    [ -f "$d/opt/ap/share/man/man5/autopeft-space.5" ]
    "$d/opt/ap/bin/pareto" --version | grep -q 'pareto (autopeft)'
    run make -s -C "$ROOT" uninstall DESTDIR="$d" PREFIX=/opt/ap
    assert_success
    [ ! -e "$d/opt/ap/bin/pareto" ]
}
