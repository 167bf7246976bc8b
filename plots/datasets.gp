# nDCG@10 of each retriever on each dataset: groups of vertical bars,
# one group per dataset, one colour per retriever (past the seventh,
# colours repeat with a hatched fill).
#
# Variables that rankbench sets before this template:
#   rb_data              the data file: one block per retriever,
#                        x, nDCG@10, dataset number
#   rb_title, rb_subtitle
#   rb_key_w             the key's width, a screen fraction
#   rb_n, rb_names[]     retrievers, in the order of the blocks
#   rb_ngroups, rb_groups[], rb_group_x[]
#                        dataset labels and the centres of their groups
#   rb_xmin, rb_xmax, rb_ymax, rb_ytics
#   rb_values, rb_values_rotate
#                        print values on the bars; turn them upright

set label 1 rb_title at screen 0.5, 0.963 center font ",17"
set label 2 rb_subtitle at screen 0.5, 0.922 center textcolor rgb rb_faint
set tmargin at screen 0.86
set bmargin at screen 0.16
set lmargin at screen 0.08
set xrange [rb_xmin : rb_xmax]
set yrange [0 : rb_ymax]
set xtics () scale 0 nomirror
do for [d = 1:rb_ngroups] {
    set xtics add (rb_groups[d] rb_group_x[d])
}
eval "set ytics (" . rb_ytics . ") nomirror out scale 0.6"
set grid ytics lt 1 lc rgb rb_grid lw 1
set border 3
set ylabel "nDCG@10 (0 to 1)"
# The key sits in a right margin as wide as its longest name.
set rmargin at screen 1 - rb_key_w - 0.01
set key at screen 1 - rb_key_w, screen 0.49 left center vertical Left \
    reverse samplen 2.5 spacing 1.3 width 0
set boxwidth 0.9
# The plot command is put together as text because gnuplot evaluates a
# "plot for" clause once even when its range is empty. Only variable
# names go into the text, never their values.
rb_solid = rb_n < rb_ncolors ? rb_n : rb_ncolors
cmd = "plot for [i = 1:rb_solid] rb_data index (i - 1) using 1 : 2 " . \
      "with boxes lc rgb rb_lc(i) fs solid 1.0 noborder title rb_names[i]"
if (rb_n > rb_ncolors) {
    cmd = cmd . ", for [i = rb_ncolors + 1:rb_n] rb_data index (i - 1) " . \
          "using 1 : 2 with boxes lc rgb rb_lc(i) fs pattern 4 border " . \
          "title rb_names[i]"
}
if (rb_values) {
    cmd = cmd . ", for [i = 1:rb_n] rb_data index (i - 1) using 1 : 2 : " . \
          "(sprintf('%.3f', $2)) with labels textcolor rgb rb_ink " . \
          (rb_values_rotate ? "rotate by 90 left offset 0, 0.4" \
                            : "center offset 0, 0.7") . " notitle"
}
eval cmd
