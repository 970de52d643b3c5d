#!/bin/sh
# pipelines/timed.sh TIMES STAGE COMMAND... -- run COMMAND; on success append
# "STAGE<TAB>SECONDS<TAB>FINISHED" to TIMES (one line per run: a resumed stage
# has several).
set -eu
times=$1 stage=$2
shift 2
t0=$(date +%s)
"$@"
t1=$(date +%s)
mkdir -p "$(dirname "$times")"
[ -s "$times" ] || printf 'stage\tseconds\tfinished\n' > "$times"
printf '%s\t%s\t%s\n' "$stage" $((t1 - t0)) "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$times"
