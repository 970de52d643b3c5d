#!/bin/sh
# pipelines/same-records.sh A B -- exit 0 if two record files hold the same
# records apart from the wall-clock 'seconds' column (the only column that
# differs between two runs of the same search); print the differences
# otherwise.
set -eu
strip() {
    awk -F '\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") s = i }
        { out = ""; sep = ""; for (i = 1; i <= NF; i++) if (i != s) { out = out sep $i; sep = OFS }; print out }' "$1"
}
a=$(mktemp) b=$(mktemp)
trap 'rm -f "$a" "$b"' EXIT
strip "$1" > "$a"
strip "$2" > "$b"
diff "$a" "$b"
