# A histogram of counts: one bar per bin, bins of equal width starting at
# 0. `rankbench datasets stats --plots` draws document lengths, query
# lengths and judgments per query with it.
#
# Variables that rankbench sets before this template:
#   rb_data              the data file: bin start, count
#   rb_title, rb_subtitle
#   rb_xlabel, rb_ylabel
#   rb_width             the bin width
#   rb_xmax              the end of the last bin
#   rb_note              a remark shown in the plot ("" for none), such
#                        as the range the last bin gathers

set label 1 rb_title at screen 0.5, 0.963 center font ",17"
set label 2 rb_subtitle at screen 0.5, 0.922 center textcolor rgb rb_faint
set label 3 rb_note at graph 0.98, graph 0.95 right front \
    textcolor rgb rb_faint
set tmargin at screen 0.86
set bmargin at screen 0.12
set lmargin at screen 0.10
set rmargin at screen 0.96
set xrange [0 : rb_xmax]
set yrange [0 : *]
set xtics nomirror out scale 0.6
set ytics nomirror out scale 0.6
set grid ytics lt 1 lc rgb rb_grid lw 1
set border 3
set xlabel rb_xlabel
set ylabel rb_ylabel
set boxwidth rb_width * (rb_width > 1 ? 0.92 : 0.8) absolute
unset key

plot rb_data using ($1 + rb_width / 2.0) : 2 with boxes lc rgb rb_lc(1)
