#!/bin/sh
# examples/transfer-12-to-24.sh OUT -- a front found on a 12-layer model,
# carried to a 24-layer model with a larger hidden size and evaluated there.
# Both models are small random-weight checkpoints written by model-init (no
# weights are downloaded), so this shows the mechanics, not the scores:
#   12 layers, hidden 32  ->  24 layers, hidden 64
# module sizes double with the hidden size, source layer i turns on target
# layers 2i and 2i+1 (transfer(1)).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=$1
mkdir -p "$out"
cd "$out"
{ printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'; for w in a b c d e f g h; do echo $w; done; } > vocab.txt
model-init --layers 12 --hidden 32 --heads 2 --vocab vocab.txt --max-position 16 --seed 1 small >/dev/null
model-init --layers 24 --hidden 64 --heads 4 --vocab vocab.txt --max-position 16 --seed 2 large >/dev/null
cp vocab.txt small/ && cp vocab.txt large/
awk 'BEGIN { x = 5; print "sentence\tlabel"; for (i = 0; i < 64; i++) { x = (x * 16807) % 2147483647
     a = substr("abcdefgh", x % 8 + 1, 1); print a "\t" (a < "e" ? 1 : 0) } }' > task.tsv
args="-q --task custom --text-a sentence --label label --train task.tsv --dev task.tsv --epochs 1 --batch 16 --lr 1e-2"
# shellcheck disable=SC2086
sh "$here/pipelines/search.sh" search small 8 4 4 1 -- $args
transfer --from small --to large search/front.tsv > front-on-large.tsv
# shellcheck disable=SC2086
train-eval --model large $args front-on-large.tsv > large.tsv
cut -f1-4,17,18 front-on-large.tsv | head -3
awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c["id"], $c["source_id"], $c["score"], $c["status"] }' large.tsv
