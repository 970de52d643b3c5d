# pipelines/plot-front.gp -- score against parameters of every evaluated
# configuration, with the Pareto front highlighted.
#   gnuplot -e "history='H'; front='F'; out='OUT.png'" pipelines/plot-front.gp
# Columns are found by header name (TSV with a header row).
set terminal pngcairo size 900,600 noenhanced
set output out
set datafile separator "\t"
set datafile columnheaders
set key bottom right
set logscale x
set grid
set xlabel "parameters added (% of the base model)"
set ylabel "dev score"
set title "AutoPEFT search: every configuration and the Pareto front"
plot history using (column("params_pct") > 0 ? column("params_pct") : NaN):(column("score")) \
         with points pt 7 ps 0.8 lc rgb "#8899aa" title "evaluated", \
     front using (column("params_pct") > 0 ? column("params_pct") : NaN):(column("score")) \
         smooth unique with lines lw 2 lc rgb "#cc3311" notitle, \
     front using (column("params_pct") > 0 ? column("params_pct") : NaN):(column("score")) \
         with points pt 7 ps 1.3 lc rgb "#cc3311" title "Pareto front"
