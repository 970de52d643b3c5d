#!/bin/sh
# bench/propose_speed.sh -- time one propose(1) call (BO, batch 4) with a
# history of N evaluated records, for the BERT-base (15 dims) and
# BERT-large (27 dims) AutoPEFT spaces, with the default objectives
# (score:max GP + exact params) and with two GP objectives (score:max,
# cost:min). Prints the median wall time and the median CPU time
# (user+sys; close to the wall time on an idle machine, since propose runs
# single-threaded) of RUNS runs of the whole process.
# The budget from the issue: at most 5 s per proposal on a 2-core machine.
# Usage: bench/propose_speed.sh [N=200] [RUNS=5]
set -eu
N=${1:-200}
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${AUTOPEFT_BIN:-$ROOT/bin}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# synthetic noisy evaluator: score from module sizes and kept layers,
# params counted exactly (biases included, as peft_params_added), and a
# copy of params as 'cost' for the two-GP case
evaluate() { # $1 = hidden, $2 = layers
    awk -F'\t' -v OFS='\t' -v H="$1" -v NL="$2" 'BEGIN{srand(7)}
    NR==1{for(i=1;i<=NF;i++)c[$i]=i; print $0,"score","params","cost"; next}
    {L=0; up=0; for(i=0;i<NL;i++){L+=$(c["l" i]); if(i>=NL/2) up+=$(c["l" i])}
     sa=$(c["sa"]); pa=$(c["pa"]); pt=$(c["pt"]);
     p=L*((sa>0)*(2*H*sa+sa+H)+(pa>0)*(2*H*pa+pa+H)+2*H*pt);
     s=0.5+0.04*log(1+pa)+0.02*log(1+sa)-0.01*log(1+pt)+0.3*up/NL+0.1*(L-up)/NL+0.01*(rand()-0.5);
     printf "%s\t%.6f\t%d\t%d\n", $0, s, p, p}'
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

for model in "768 12 base" "1024 24 large"; do
    set -- $model
    "$BIN/space-gen" --hidden "$1" --layers "$2" > "$T/$3.space"
    "$BIN/space-gen" --space "$T/$3.space" --sample "$N" --seed 3 | evaluate "$1" "$2" > "$T/$3.tsv"
    dims=$(head -1 "$T/$3.tsv" | awk -F'\t' '{print NF-4}')
    for objs in score:max,params:min score:max,cost:min; do
        wall=""; cpu=""
        for r in $(seq 1 "$RUNS"); do
            /usr/bin/time -f "%e %U %S" -o "$T/time.txt" "$BIN/propose" --space "$T/$3.space" \
                --history "$T/$3.tsv" --objectives "$objs" --batch 4 --seed "$r" \
                > "$T/out.tsv" 2> "$T/err.txt"
            grep -q "by bayesian optimisation" "$T/err.txt"
            [ "$(wc -l < "$T/out.tsv")" -eq 5 ]
            wall="$wall $(awk '{print $1}' "$T/time.txt")"
            cpu="$cpu $(awk '{printf "%.2f", $2 + $3}' "$T/time.txt")"
        done
        echo "propose $3 ($N obs x $dims dims, $objs, batch 4): median wall $(echo $wall | median) s, cpu $(echo $cpu | median) s over $RUNS runs (wall:$wall)"
    done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
