# Shared set-up for every rankbench chart: the terminal, fonts and the
# palette. rankbench copies this file into each chart script it writes,
# after the chart's data variables and before the chart's own template.
#
# The script draws CHART.png, or CHART.svg when run as
#     gnuplot -e "rb_format='svg'" CHART.gp
# Both formats come from the same commands; the SVG font and line scale
# make its text as large, relative to the picture, as the PNG's.

if (!exists("rb_format")) rb_format = "png"
if (!exists("rb_output")) rb_output = rb_chart . "." . rb_format

set encoding utf8
if (rb_format eq "svg") {
    set terminal svg size 1200,800 fixed noenhanced \
        font "DejaVu Sans,12" fontscale 1.3333 linewidth 1.3333 \
        background "#ffffff"
} else {
    if (rb_format ne "png") {
        exit error "rb_format must be 'svg' or 'png'"
    }
    set terminal pngcairo size 1200,800 noenhanced \
        font "DejaVu Sans,12" linewidth 1.0 background "#ffffff"
}
set output rb_output

# Okabe and Ito's colour-blind-safe palette, in the order that reads best
# on white. Yellow is left out: it is too faint for lines and small
# marks. Series past the seventh repeat the colours with dashed lines and
# other point shapes.
array rb_color[7] = ["#0072B2", "#D55E00", "#009E73", "#E69F00", \
                     "#CC79A7", "#56B4E9", "#000000"]
rb_ncolors = 7
rb_lc(i) = rb_color[(i - 1) % rb_ncolors + 1]
rb_dt(i) = (i - 1) / rb_ncolors + 1
rb_pt(i) = word("7 5 9 11 13 15 4 6 8 10 12 14 1 2 3", (i - 1) % 15 + 1) + 0

rb_ink = "#333333"      # text and axes
rb_grid = "#d9d9d9"     # grid lines
rb_faint = "#777777"    # notes and subtitles

set border lc rgb rb_ink
set tics textcolor rgb rb_ink
set key textcolor rgb rb_ink
set title textcolor rgb rb_ink
set xlabel textcolor rgb rb_ink
set ylabel textcolor rgb rb_ink
set style fill solid 1.0 noborder
set datafile separator "\t"
set datafile missing "NaN"
