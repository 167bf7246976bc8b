# Recall at each cutoff k present in the results, one line per
# retriever, on a logarithmic k axis.
#
# Variables that rankbench sets before this template:
#   rb_data              the data file: one block per retriever, k recall
#   rb_title, rb_subtitle
#   rb_key_w             the key's width, a screen fraction
#   rb_n, rb_names[]     retrievers, in the order of the blocks
#   rb_xmin, rb_xmax     the k range; rb_xtics a tick list of the cutoffs
#   rb_note              a remark shown in the plot ("" for none), such
#                        as how few cutoffs there are

set label 1 rb_title at screen 0.5, 0.963 center font ",17"
set label 2 rb_subtitle at screen 0.5, 0.922 center textcolor rgb rb_faint
set label 3 rb_note at graph 0.02, graph 0.96 left front \
    textcolor rgb rb_faint
set tmargin at screen 0.86
set bmargin at screen 0.12
set lmargin at screen 0.09
set logscale x
set xrange [rb_xmin : rb_xmax]
set yrange [0 : 1.04]
eval "set xtics (" . rb_xtics . ") nomirror out scale 0.6"
set ytics 0, 0.2, 1 format "%.1f" nomirror out scale 0.6
set grid xtics ytics lt 1 lc rgb rb_grid lw 1
set border 3
set xlabel "cutoff k: documents retrieved per query (log scale)"
set ylabel "recall@k: fraction of the relevant documents found"
# The key sits in a right margin as wide as its longest name.
set rmargin at screen 1 - rb_key_w - 0.01
set key at screen 1 - rb_key_w, screen 0.49 left center vertical Left \
    reverse samplen 2.5 spacing 1.3 width 0

plot for [i = 1:rb_n] rb_data index (i - 1) using 1 : 2 \
    with linespoints lw 2 lc rgb rb_lc(i) dt rb_dt(i) pt rb_pt(i) ps 1.2 \
    title rb_names[i]
