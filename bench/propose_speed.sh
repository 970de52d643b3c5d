#!/bin/sh
# bench/propose_speed.sh -- time one propose(1) call (BO, batch 4) with a
# history of N evaluated records, for the BERT-base (15 dims) and
# BERT-large (27 dims) AutoPEFT spaces. Prints the median of RUNS runs.
# Usage: bench/propose_speed.sh [N=200] [RUNS=5]
# The budget from the issue: at most 5 s per proposal on a 2-core machine.
set -eu
N=${1:-200}
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${AUTOPEFT_BIN:-$ROOT/bin}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# synthetic noisy evaluator: score from module sizes and kept layers,
# params counted exactly (biases included, as peft_params_added)
evaluate() { # $1 = hidden, $2 = layers
    awk -F'\t' -v OFS='\t' -v H="$1" -v NL="$2" 'BEGIN{srand(7)}
    NR==1{for(i=1;i<=NF;i++)c[$i]=i; print $0,"score","params"; next}
    {L=0; up=0; for(i=0;i<NL;i++){L+=$(c["l" i]); if(i>=NL/2) up+=$(c["l" i])}
     sa=$(c["sa"]); pa=$(c["pa"]); pt=$(c["pt"]);
     p=L*((sa>0)*(2*H*sa+sa+H)+(pa>0)*(2*H*pa+pa+H)+2*H*pt);
     s=0.5+0.04*log(1+pa)+0.02*log(1+sa)-0.01*log(1+pt)+0.3*up/NL+0.1*(L-up)/NL+0.01*(rand()-0.5);
     printf "%s\t%.6f\t%d\n", $0, s, p}'
}

for model in "768 12 base" "1024 24 large"; do
    set -- $model
    "$BIN/space-gen" --hidden "$1" --layers "$2" > "$T/$3.space"
    "$BIN/space-gen" --space "$T/$3.space" --sample "$N" --seed 3 | evaluate "$1" "$2" > "$T/$3.tsv"
    dims=$(head -1 "$T/$3.tsv" | awk -F'\t' '{print NF-3}')
    times=""
    for r in $(seq 1 "$RUNS"); do
        "$BIN/propose" --space "$T/$3.space" --history "$T/$3.tsv" --batch 4 --seed "$r" \
            > "$T/out.tsv" 2> "$T/err.txt"
        t=$(sed -n 's/.*, \([0-9.]*\) s$/\1/p' "$T/err.txt" | tail -1)
        times="$times $t"
    done
    med=$(echo $times | tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    echo "propose $3: $N observations x $dims dims, batch 4: median ${med} s over $RUNS runs (all:$times)"
done
