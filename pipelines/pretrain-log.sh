#!/bin/sh
# pipelines/pretrain-log.sh LOG DIR -- pretrain's progress lines (LOG, its
# standard error) as DIR/pretrain-log.tsv (step, epoch, loss, masked_acc, lr)
# and a plot of loss and masked-token accuracy, DIR/pretrain.png.
set -eu
log=$1 dir=$2
awk 'BEGIN { OFS = "\t"; print "step", "epoch", "loss", "masked_acc", "lr" }
     / step [0-9]+\/[0-9]+ / {
        for (i = 1; i <= NF; i++) {
            if ($i == "step") { split($(i + 1), s, "/"); step = s[1] }
            else if ($i == "epoch") epoch = $(i + 1)
            else if ($i == "loss") loss = $(i + 1)
            else if ($i == "acc") acc = $(i + 1)
            else if ($i == "lr") lr = $(i + 1)
        }
        print step, epoch, loss, acc, lr }' "$log" > "$dir/pretrain-log.tsv.tmp"
mv "$dir/pretrain-log.tsv.tmp" "$dir/pretrain-log.tsv"
term=pngcairo
gnuplot -e 'set terminal pngcairo' 2>/dev/null || term=png
gnuplot <<GP
set terminal $term size 800,450 noenhanced
set output '$dir/pretrain.png.tmp'
set datafile separator tab
set grid
set xlabel 'step (64 sequences of 64 tokens)'
set ylabel 'MLM loss'
set y2label 'masked-token accuracy'
set y2tics
set ytics nomirror
set y2range [0:1]
set title 'masked-language modelling on WordNet glosses'
plot '$dir/pretrain-log.tsv' every ::1 using 1:3 with lines lw 2 title 'loss', \\
     '' every ::1 using 1:4 axes x1y2 with lines lw 2 title 'masked-token accuracy'
GP
mv "$dir/pretrain.png.tmp" "$dir/pretrain.png"
