# The change in nDCG@10 per query between two retrievers: one bar per
# query, sorted from the largest gain to the largest loss, gains and
# losses in two colours, the queries at both ends named.
#
# Variables that rankbench sets before this template:
#   rb_data              the data file: rank, change, query id
#   rb_title, rb_subtitle, rb_xlabel, rb_ylabel
#   rb_n                 queries
#   rb_ylim, rb_ytics    the y range is [-rb_ylim, rb_ylim]; a tick list
#   rb_box_width         bar width in query slots
#   rb_gains, rb_losses, rb_ties
#                        how many queries gain, lose, stay the same
#   rb_gain_title, rb_loss_title, rb_tie_title
#                        the key's three entries
#   rb_best_text, rb_best_y, rb_worst_text, rb_worst_y
#                        the labels at both ends ("" for none)

rb_gain = rb_color[1]
rb_loss = rb_color[2]

set label 1 rb_title at screen 0.5, 0.963 center font ",17"
set label 2 rb_subtitle at screen 0.5, 0.922 center textcolor rgb rb_faint
set tmargin at screen 0.86
set bmargin at screen 0.12
set lmargin at screen 0.11
set rmargin at screen 0.97
set xrange [0.5 : rb_n + 0.5]
set yrange [-rb_ylim : rb_ylim]
unset xtics
eval "set ytics (" . rb_ytics . ") nomirror out scale 0.6"
set grid ytics lt 1 lc rgb rb_grid lw 1
set border 2
set xlabel rb_xlabel offset 0, 0.8
set ylabel rb_ylabel
set xzeroaxis lt 1 lc rgb rb_ink lw 1
set key top right reverse Left samplen 1.5 spacing 1.2 \
    box lc rgb rb_grid opaque width 1
set boxwidth rb_box_width
# The names of the first and last query: above the tallest bar and
# below the deepest one, where no other bar reaches.
set label 3 rb_best_text at first 1 - rb_box_width / 2, rb_best_y \
    left offset 0, 0.8 textcolor rgb rb_ink front
set label 4 rb_worst_text at first rb_n + rb_box_width / 2, rb_worst_y \
    right offset 0, -0.9 textcolor rgb rb_ink front

# Only classes with queries are drawn from the data (a plot without
# points makes gnuplot warn); an empty class still gets its key entry.
gain_plot = rb_gains > 0 ? \
    "rb_data using 1 : ($2 > 0 ? $2 : NaN) with boxes" : "keyentry with boxes"
loss_plot = rb_losses > 0 ? \
    "rb_data using 1 : ($2 < 0 ? $2 : NaN) with boxes" : "keyentry with boxes"
tie_plot = (rb_ties > 0 ? \
    "rb_data using 1 : ($2 == 0 ? 0 : NaN)" : "keyentry") . \
    " with points pt 7 ps 0.5"
eval "plot " . gain_plot . " lc rgb rb_gain title rb_gain_title, " . \
    loss_plot . " lc rgb rb_loss title rb_loss_title, " . \
    tie_plot . " lc rgb rb_faint title rb_tie_title"
