# Panels of horizontal bars, one bar per retriever in the same order in
# every panel, the value printed after each bar and a note (the leader's
# margin over the runner-up) under each panel. The quality chart (a
# panel per measure: nDCG@10, P@10, recall@100) and the speed chart
# (indexing and search rates) are drawn with it.
#
# Variables that rankbench sets before this template:
#   rb_data              the data file: row, one column per panel, name
#   rb_title, rb_subtitle
#   rb_n, rb_names[]     retrievers, top row first
#   rb_npanels           panels, and for each p: rb_panel_title[p],
#                        rb_panel_note[p] (the text under the panel),
#                        rb_panel_xmin[p], rb_panel_xmax[p],
#                        rb_panel_tics[p] (a gnuplot tick list),
#                        rb_panel_log[p] (1 for a log axis)
#   rb_labels[]          the printed values, (p - 1) * rb_n + row
#   rb_first_color       the palette entry of the first panel
#   rb_left, rb_panel_w, rb_gap, rb_top, rb_bottom
#                        the layout in screen fractions

set multiplot
set label 1 rb_title at screen 0.5, 0.963 center font ",17"
set label 2 rb_subtitle at screen 0.5, 0.922 center textcolor rgb rb_faint
# Few retrievers keep bars of the size that six would have, centred.
rb_rows = rb_n < 6 ? 6 : rb_n
set yrange [rb_n + 0.5 + (rb_rows - rb_n) / 2.0 : 0.5 - (rb_rows - rb_n) / 2.0]
set border 1
set xtics nomirror out scale 0.6
set ytics scale 0 nomirror
set grid xtics lt 1 lc rgb rb_grid lw 1
set tmargin at screen rb_top
set bmargin at screen rb_bottom
unset key
bar_half = 0.36

do for [p = 1:rb_npanels] {
    x0 = rb_left + (p - 1) * (rb_panel_w + rb_gap)
    set lmargin at screen x0
    set rmargin at screen x0 + rb_panel_w
    set title rb_panel_title[p] font ",14"
    set xlabel rb_panel_note[p] offset 0, -0.3
    set xrange [rb_panel_xmin[p] : rb_panel_xmax[p]]
    if (rb_panel_log[p]) {
        set logscale x
    } else {
        unset logscale x
    }
    eval "set xtics (" . rb_panel_tics[p] . ")"
    if (p == 1) {
        set ytics format "% h"
        plot rb_data using (rb_panel_xmin[p]) : 1 : (rb_panel_xmin[p]) \
                 : (column(p + 1)) : ($1 - bar_half) : ($1 + bar_half) \
                 : ytic(rb_names[int($1)]) \
                 with boxxyerror lc rgb rb_lc(rb_first_color + p - 1), \
             rb_data using (valid(p + 1) ? column(p + 1) : rb_panel_xmin[p]) \
                 : 1 : (rb_labels[(p - 1) * rb_n + int($1)]) \
                 with labels left offset 0.5, 0 textcolor rgb rb_ink
    } else {
        set ytics format ""
        plot rb_data using (rb_panel_xmin[p]) : 1 : (rb_panel_xmin[p]) \
                 : (column(p + 1)) : ($1 - bar_half) : ($1 + bar_half) \
                 with boxxyerror lc rgb rb_lc(rb_first_color + p - 1), \
             rb_data using (valid(p + 1) ? column(p + 1) : rb_panel_xmin[p]) \
                 : 1 : (rb_labels[(p - 1) * rb_n + int($1)]) \
                 with labels left offset 0.5, 0 textcolor rgb rb_ink
    }
    unset label 1
    unset label 2
}
unset multiplot
