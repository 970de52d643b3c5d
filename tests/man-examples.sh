#!/bin/sh
# tests/man-examples.sh MAN.N -- print the runnable examples of a man page:
# every line of its EXAMPLES section that starts with "$ " (after optional
# indentation), with the roff escapes undone. Lines ending in a backslash
# continue on the next line. Used by tests/man.bats, as jq runs its manual.
awk '
/^\.SH/ { ex = ($0 ~ /EXAMPLES/) ; next }
!ex { next }
{
    line = $0
    gsub(/\\\\/, "\001", line)
    gsub(/\\-/, "-", line); gsub(/\\\(aq/, "\047", line); gsub(/\\\(dq/, "\"", line)
    gsub(/\\&/, "", line); gsub(/\\e/, "\\", line); gsub(/\001/, "\\", line)
    if (cont) { print line; cont = (line ~ /\\$/); next }
    if (line ~ /^[ \t]*\$ /) { sub(/^[ \t]*\$ /, "", line); print line; cont = (line ~ /\\$/) }
}' "$1"
