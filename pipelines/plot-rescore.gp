# pipelines/plot-rescore.gp -- the re-trained front (mean +- 1 sd over seeds,
# yerrorbars) beside the single-run front, and the re-trained baselines.
#   gnuplot -e "front='F'; stats='S'; bstats='B'; task='T'; term='png|svg'; out='O'" plot-rescore.gp
if (term eq "svg") { set terminal svg size 960,640 dynamic noenhanced font "sans,13" } else { set terminal pngcairo size 1200,800 noenhanced font "sans,13" }
set output out
set datafile separator "\t"
set datafile columnheaders
set key below horizontal box opaque maxcols 4 spacing 1.2
set bmargin 8
set logscale x
set grid xtics ytics mxtics
set xlabel "parameters added (% of the base model, log scale)"
set ylabel "dev score"
set title sprintf("%s: the front re-trained with several seeds (mean +- 1 sd)", task)
x(c) = (column("params_pct") > 0 ? column("params_pct") : NaN)
ons(v) = (column("on_front") == v ? column("score_mean") : NaN)
notfull(v) = (strcol("family") ne "full" ? v : NaN)
stats stats using (column("params_pct") > 0 ? column("params_pct") : NaN) nooutput
xlo = STATS_min; xhi = STATS_max
stats bstats using (strcol("family") ne "full" && column("params_pct") > 0 ? column("params_pct") : NaN) nooutput
if (STATS_records > 0) { xlo = (STATS_min < xlo ? STATS_min : xlo); xhi = (STATS_max > xhi ? STATS_max : xhi) }
set xrange [xlo / 1.6 : xhi * 1.6]
plot \
  front using (x(0)):(column("score")) smooth unique with linespoints lc rgb "#c0392b" dt 2 pt 6 ps 1.4 lw 1.5 title "single-run front (search scores)", \
  stats using (x(0)):(ons(1)):(column("score_sd")) with yerrorbars lc rgb "#c0392b" pt 7 ps 1.4 lw 2 title "re-trained, stays on the front", \
  stats using (x(0)):(ons(0)):(column("score_sd")) with yerrorbars lc rgb "#e6a09a" pt 7 ps 1.4 lw 2 title "re-trained, leaves the front", \
  bstats using (x(0)):(notfull(column("score_mean"))):(column("score_sd")) with yerrorbars lc rgb "#1f77b4" pt 5 ps 1.2 lw 1.5 title "baselines, re-trained"
