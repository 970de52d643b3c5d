#!/bin/sh
# pipelines/superglue.sh SRC OUT [TASK...] -- SuperGLUE (JSON lines) as TSV
# tasks for train-eval, converted with jq:
#
#   SRC/TASK/train.jsonl                  -> OUT/task/train.tsv
#   SRC/TASK/val.jsonl (or dev32.jsonl)   -> OUT/task/dev.tsv
#   OUT/tasks.tsv                          one line per task for TASKS_FILE
#                                          (NAME<TAB>train-eval arguments)
#
# TASKs (default: every one found of BoolQ CB RTE WiC): the columns are
# idx, sentence1, sentence2 and label, so each is a custom task:
#   train-eval --task custom --text-a sentence1 --text-b sentence2 --label label --data OUT/task
#   BoolQ  question, passage                   label true / false
#   CB     premise, hypothesis                 entailment / contradiction / neutral
#   RTE    premise, hypothesis                 entailment / not_entailment
#   WiC    "WORD : sentence1", sentence2       true / false (same sense?)
# TABs, CRs and newlines inside texts become spaces. A line that is not a JSON
# object with the task's fields is an error (jq names the file and line).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ $# -ge 2 ] || die "usage: superglue.sh SRC OUT [BoolQ|CB|RTE|WiC...]"
src=$1 out=$2
shift 2
[ $# -gt 0 ] || set -- BoolQ CB RTE WiC
command -v jq >/dev/null || die "jq not found (apt-get install jq)"
mkdir -p "$out"
: > "$out/tasks.tsv.tmp.$$"
for t in "$@"; do
    case $t in
    BoolQ) a='.question' b='.passage' ;;
    CB | RTE) a='.premise' b='.hypothesis' ;;
    WiC) a='(.word + " : " + .sentence1)' b='.sentence2' ;;
    *) die "unknown task '$t' (BoolQ, CB, RTE or WiC)" ;;
    esac
    [ -d "$src/$t" ] || { say "$src/$t: not found, skipped"; continue; }
    name=$(echo "$t" | tr 'A-Z' 'a-z')
    mkdir -p "$out/$name"
    for split in train dev; do
        f=
        if [ $split = train ]; then f=$src/$t/train.jsonl
        elif [ -s "$src/$t/val.jsonl" ]; then f=$src/$t/val.jsonl
        else f=$src/$t/dev32.jsonl; fi
        [ -s "$f" ] || die "$f: not found"
        # shellcheck disable=SC2016
        jq -r --arg f "$f" '
            def clean: if type == "string" then gsub("[\t\r\n]"; " ") else error("\($f): expected a string, got \(type)") end;
            def lab: if type == "boolean" then tostring elif type == "string" then . else error("\($f): label \(tojson) is not a string or boolean") end;
            if type != "object" then error("\($f): a line is not a JSON object") else . end
            | [(.idx | tostring), ('"$a"' | clean), ('"$b"' | clean), (.label | lab)] | @tsv' "$f" \
            > "$out/$name/$split.tsv.body.$$" || { rm -f "$out/$name/$split.tsv.body.$$"; die "$f: conversion failed"; }
        { printf 'idx\tsentence1\tsentence2\tlabel\n'; cat "$out/$name/$split.tsv.body.$$"; } > "$out/$name/$split.tsv.tmp.$$"
        rm -f "$out/$name/$split.tsv.body.$$"
        publish "$out/$name/$split.tsv.tmp.$$" "$out/$name/$split.tsv"
    done
    printf '%s\t--task\tcustom\t--text-a\tsentence1\t--text-b\tsentence2\t--label\tlabel\t--data\t%s\n' "$name" "$out/$name" >> "$out/tasks.tsv.tmp.$$"
    say "$t: $(records "$out/$name/train.tsv") train, $(records "$out/$name/dev.tsv") dev -> $out/$name"
done
publish "$out/tasks.tsv.tmp.$$" "$out/tasks.tsv"
