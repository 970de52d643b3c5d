# pipelines/plot-task.gp -- one task of an AutoPEFT run: score against %
# parameters added (log scale), every evaluation, the front, the baselines by
# family, full fine-tuning as a horizontal line. Called by report.sh:
#   gnuplot -e "points='P'; front='F'; base='B'; full='S|NaN'; task='T'; what='W'; term='png|svg'; out='O'" plot-task.gp
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
set title sprintf("%s: the %s front and the baselines", task, what)
x(c) = (column("params_pct") > 0 ? column("params_pct") : NaN)
fam(f) = (strcol("family") eq f ? column("score") : NaN)
fullv = real(full)
set style line 1 lc rgb "#9aa5b1" pt 7 ps 0.9
set style line 2 lc rgb "#c0392b" pt 7 ps 1.6 lw 2.5
set style line 3 lc rgb "#1f77b4" pt 5 ps 1.4 lw 1.5
set style line 4 lc rgb "#2ca02c" pt 9 ps 1.6 lw 1.5
set style line 5 lc rgb "#9467bd" pt 11 ps 1.6 lw 1.5
set style line 6 lc rgb "#ff7f0e" pt 13 ps 1.6 lw 1.5
set style line 7 lc rgb "#333333" dt 2 lw 2
# x range: every PEFT point (full fine-tuning, at 100 %, is the line)
xlo = 1e9; xhi = 0
stats base using (strcol("family") ne "full" && column("params_pct") > 0 ? column("params_pct") : NaN) nooutput
if (STATS_records > 0) { xlo = STATS_min; xhi = STATS_max }
stats points using (column("params_pct") > 0 ? column("params_pct") : NaN) nooutput
has_points = STATS_records > 0
if (has_points) { xlo = (STATS_min < xlo ? STATS_min : xlo); xhi = (STATS_max > xhi ? STATS_max : xhi) }
if (xhi > 0) { set xrange [xlo / 1.6 : xhi * 1.6] }
plot \
  (has_points ? points : NaN) using (x(0)):(column("score")) with points ls 1 title "evaluated", \
  front using (x(0)):(column("score")) smooth unique with linespoints ls 2 title (what eq "search" ? "Pareto front" : "transferred front"), \
  base using (x(0)):(fam("sa")) with linespoints ls 3 title "serial adapter", \
  base using (x(0)):(fam("pa")) with linespoints ls 4 title "parallel adapter", \
  base using (x(0)):(fam("pt")) with linespoints ls 5 title "prefix tuning", \
  base using (x(0)):(fam("lora")) with linespoints ls 6 title "LoRA", \
  (fullv == fullv ? fullv : NaN) with lines ls 7 title "full fine-tuning"
