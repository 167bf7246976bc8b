/*
 * From results to chart data: which numbers each chart shows, in what
 * order, and the layout decisions that depend on them (room for names,
 * axis ranges, tick marks, the notes under each panel). The drawing
 * itself is in the templates, plots/NAME.gp.
 */

#include "report/plot_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/utf8.h"
#include "report/plot.h"

/* The chart font's size in pixels (12 pt at 96 dpi). */
#define FONT_PX 16.0
/* The title's font (17 pt) in pixels and the widest a title may be, in
 * its ems (1140 pixels). */
#define TITLE_PX (17.0 * 4.0 / 3.0)
#define TITLE_MAX_EM (1140.0 / TITLE_PX)
/* Screen fractions of the common layout. */
#define LAYOUT_RIGHT 0.975
#define LAYOUT_GAP 0.035
#define LAYOUT_TOP 0.83
#define LAYOUT_BOTTOM 0.17

const char *const plot_quality_measure[PLOT_NQUALITY] = {
    "ndcg_cut_10", "P_10", "recall_100"
};
const char *const plot_quality_title[PLOT_NQUALITY] = {
    "nDCG@10", "P@10", "recall@100"
};

/* Advance widths of DejaVu Sans for ASCII 32..126, in hundredths of an
 * em (font metrics). */
static const unsigned char ascii_width[95] = {
    32, 40, 46, 84, 64, 95, 78, 27, 39, 39, 50, 84, 32, 36, 32, 34,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 34, 34, 84, 84, 84, 53,
    100, 68, 69, 70, 77, 63, 58, 77, 75, 29, 29, 66, 56, 86, 75, 79,
    60, 79, 69, 63, 61, 73, 68, 99, 69, 61, 69, 39, 34, 39, 84, 50,
    50, 61, 63, 55, 63, 62, 35, 63, 63, 28, 28, 58, 28, 97, 63, 61,
    63, 63, 41, 52, 39, 63, 59, 82, 59, 59, 52, 64, 34, 64, 84
};

/* Width of one code point in hundredths of an em; anything outside
 * ASCII counts as a full em, which errs on the side of room. */
static int char_width(uint32_t cp)
{
    if (cp >= 32 && cp < 127)
        return ascii_width[cp - 32];
    return cp < 32 ? ascii_width[0] : 100;
}

double plot_text_em(const char *s)
{
    size_t n = strlen(s), i = 0;
    long total = 0;

    while (i < n) {
        uint32_t cp;
        int bad;

        i += rb_utf8_decode(s + i, n - i, &cp, &bad);
        total += char_width(cp);
    }
    return (double)total / 100.0;
}

char *plot_fit_text(const char *s, double max_em)
{
    static const char ellipsis[] = "\xe2\x80\xa6";
    size_t n = strlen(s), i = 0, out_len = 0;
    long limit = (long)(max_em * 100.0), used = 0;
    long room = limit - char_width(0x2026);
    size_t cut = 0;         /* bytes that fit with the ellipsis after */
    char *out = rb_malloc(n + sizeof ellipsis);

    if (!out)
        return NULL;
    while (i < n) {
        uint32_t cp;
        int bad;
        size_t len = rb_utf8_decode(s + i, n - i, &cp, &bad);

        used += char_width(cp);
        if (used > limit) {
            memcpy(out + cut, ellipsis, sizeof ellipsis);
            return out;
        }
        if (cp < 32 || cp == 127) {
            out[out_len++] = ' ';
        } else {
            memcpy(out + out_len, s + i, len);
            out_len += len;
        }
        if (used <= room)
            cut = out_len;
        i += len;
    }
    out[out_len] = '\0';
    return out;
}

int gp_string(rb_buf *b, const char *s)
{
    int rc = rb_buf_putc(b, '\'');

    for (; *s && rc == 0; s++) {
        if (*s == '\'')
            rc = rb_buf_puts(b, "''");
        else if (*s == '\n')
            rc = rb_buf_puts(b, "' . \"\\n\" . '");
        else
            rc = rb_buf_putc(b, (unsigned char)*s < 32 ? ' ' : *s);
    }
    return rc ? -1 : rb_buf_putc(b, '\'');
}

int gp_set_str(rb_buf *b, const char *var, const char *value)
{
    if (rb_buf_printf(b, "%s = ", var) < 0 || gp_string(b, value) < 0)
        return -1;
    return rb_buf_putc(b, '\n');
}

int gp_set_num(rb_buf *b, const char *var, double value)
{
    return rb_buf_printf(b, "%s = %.6g\n", var, value);
}

int gp_set_str_array(rb_buf *b, const char *var, const char *const *values,
                     size_t n)
{
    size_t i;

    /* gnuplot has no empty arrays; a chart never declares one. */
    if (rb_buf_printf(b, "array %s[%zu] = [", var, n ? n : 1) < 0)
        return -1;
    for (i = 0; i < n; i++)
        if ((i && rb_buf_puts(b, ", \\\n    ") < 0) ||
            gp_string(b, values[i]) < 0)
            return -1;
    if (!n && rb_buf_puts(b, "''") < 0)
        return -1;
    return rb_buf_puts(b, "]\n");
}

int gp_set_num_array(rb_buf *b, const char *var, const double *values,
                     size_t n)
{
    size_t i;

    if (rb_buf_printf(b, "array %s[%zu] = [", var, n ? n : 1) < 0)
        return -1;
    for (i = 0; i < n; i++)
        if (rb_buf_printf(b, "%s%.6g", i ? ", " : "", values[i]) < 0)
            return -1;
    if (!n && rb_buf_puts(b, "0") < 0)
        return -1;
    return rb_buf_puts(b, "]\n");
}

/* ---- numbers and axes ---- */

/* A round step that cuts [0, span] into about `parts` intervals. */
static double nice_step(double span, int parts)
{
    double raw = span / parts, mag, norm;

    if (!(raw > 0))
        return 1.0;
    mag = pow(10.0, floor(log10(raw)));
    norm = raw / mag;
    if (norm < 1.5)
        return mag;
    if (norm < 3.0)
        return 2.0 * mag;
    if (norm < 7.0)
        return 5.0 * mag;
    return 10.0 * mag;
}

/* Decimals needed to print multiples of step exactly. */
static int step_decimals(double step)
{
    int d = (int)ceil(-log10(step) - 1e-9);

    return d < 0 ? 0 : d > 6 ? 6 : d;
}

static void format_rate(double v, char *out, size_t size);

/* The label of tick v on an axis of the given step; rates read 5k, 10k,
 * ... */
static void tick_label(double v, double step, int rate, char *out,
                       size_t size)
{
    if (rate)
        format_rate(v, out, size);
    else
        snprintf(out, size, "%.*f", step_decimals(step), v);
}

/* Tick list "(\"0\" 0, \"0.2\" 0.2, ...)" contents for 0..end. */
static int linear_tics(rb_buf *b, double step, double end, int rate)
{
    long i, count = (long)floor(end / step + 1e-9);

    for (i = 0; i <= count; i++) {
        double v = (double)i * step;
        char text[32];

        tick_label(v, step, rate, text, sizeof text);
        if (rb_buf_printf(b, "%s\"%s\" %.*f", i ? ", " : "", text,
                          step_decimals(step), v) < 0)
            return -1;
    }
    return 0;
}

/* The finest round step for ticks over 0..end (the data reach top)
 * whose labels still fit side by side in axis_px pixels. */
static double fitted_step(double top, double end, double axis_px, int rate)
{
    int parts;

    for (parts = 5; parts > 1; parts--) {
        double step = nice_step(top, parts);
        long count = (long)floor(end / step + 1e-9) + 1;
        char widest[32];

        tick_label((double)(count - 1) * step, step, rate, widest,
                   sizeof widest);
        if ((double)count * (plot_text_em(widest) * FONT_PX + 20.0) <=
            axis_px)
            return step;
    }
    return nice_step(top, 1);
}

/* A rate with three significant digits and a k/M/G suffix. */
static void format_rate(double v, char *out, size_t size)
{
    static const char *const unit[] = {"", "k", "M", "G", "T"};
    int u = 0;

    while (v >= 999.5 && u < 4) {
        v /= 1000.0;
        u++;
    }
    snprintf(out, size, "%.3g%s", v, unit[u]);
}

/* Tick list contents for a log axis: every power of ten in [lo, hi]. */
static int log_tics(rb_buf *b, double lo, double hi)
{
    int e, first = 1;

    for (e = (int)floor(log10(lo) + 1e-9); pow(10.0, e) <= hi * 1.0001;
         e++) {
        double v = pow(10.0, e);
        char text[32];

        if (e < 0)
            snprintf(text, sizeof text, "%.*f", -e, v);
        else
            format_rate(v, text, sizeof text);
        if (rb_buf_printf(b, "%s\"%s\" %.6g", first ? "" : ", ", text, v) <
            0)
            return -1;
        first = 0;
    }
    return 0;
}

/* The text of b, terminated even when empty; NULL when memory runs out. */
static const char *buf_text(rb_buf *b)
{
    return rb_buf_append(b, "", 0) < 0 ? NULL : b->data;
}

static int is_value(double v)
{
    return !isnan(v);
}

/* ---- titles ---- */

/* "sample · test split · 50 queries", without the dataset's name when
 * the title already has it. */
static int dataset_line(const plot_set *ps, int with_name, rb_buf *b)
{
    if (with_name && rb_buf_puts(b, ps->dataset) < 0)
        return -1;
    if (ps->split && rb_buf_printf(b, "%s%s split", with_name ?
                                   " \xc2\xb7 " : "", ps->split) < 0)
        return -1;
    if (ps->queries >= 0 &&
        rb_buf_printf(b, "%s%ld quer%s", b->len ? " \xc2\xb7 " : "",
                      ps->queries,
                      ps->queries == 1 ? "y" : "ies") < 0)
        return -1;
    return 0;
}

/* Set the title and subtitle, shortened to the picture's width. The
 * manifest keeps the title in full. */
static int set_titles(plot_chart *c, const char *title, const char *sub,
                      rb_error *err)
{
    char *t = plot_fit_text(title, TITLE_MAX_EM);
    char *s = plot_fit_text(sub, TITLE_MAX_EM * TITLE_PX / FONT_PX);
    int rc = t && s && gp_set_str(&c->vars, "rb_title", t) == 0 &&
             gp_set_str(&c->vars, "rb_subtitle", s) == 0 ? 0 : -1;

    rb_free(t);
    rb_free(s);
    c->title = rc == 0 ? rb_strdup(title) : NULL;
    return c->title ? 0 : rb_error_oom(err);
}

/* The screen fraction a key of these names takes at the right edge:
 * the line sample, the widest name and some room. */
static double key_width(const char *const *names, size_t n)
{
    double widest = 0;
    size_t i;

    for (i = 0; i < n; i++)
        widest = fmax(widest, plot_text_em(names[i]));
    return ((widest + 4.5) * FONT_PX + 16.0) / RB_PLOT_WIDTH;
}

/* ---- the leader's margin, written under a panel ---- */

typedef enum margin_kind {
    MARGIN_PERCENT,     /* relative change, "+166.1%" */
    MARGIN_POINTS,      /* difference of fractions, "+12.3 pp" */
    MARGIN_TIMES        /* ratio, "3.2×" */
} margin_kind;

/* The leader and runner-up of values (NAN = absent) over n entries;
 * earlier entries win ties. Returns how many entries have a value. */
static size_t top_two(const double *values, size_t n, size_t *first,
                      size_t *second)
{
    size_t i, count = 0;

    *first = *second = n;
    for (i = 0; i < n; i++) {
        if (!is_value(values[i]))
            continue;
        count++;
        if (*first == n || values[i] > values[*first]) {
            *second = *first;
            *first = i;
        } else if (*second == n || values[i] > values[*second]) {
            *second = i;
        }
    }
    return count;
}

/* Write the margin note for values into out; a name that would not fit
 * the panel's width (width_em) goes on a line of its own, shortened when
 * it still does not fit. */
static int margin_note(const plot_set *ps, const double *values,
                       margin_kind kind, double width_em, rb_buf *out)
{
    size_t first, second;
    const char *sep;
    char tail[96];
    char *name;
    double a, b;
    int rc;

    if (top_two(values, ps->n, &first, &second) < 2)
        return 0;
    a = values[first];
    b = values[second];
    if (a == b) {
        size_t i, tied = 0;

        for (i = 0; i < ps->n; i++)
            tied += is_value(values[i]) && values[i] == a;
        return rb_buf_printf(out, "%zu retrievers tie for the lead", tied);
    }
    if (kind == MARGIN_POINTS)
        snprintf(tail, sizeof tail, "leads by %+.1f pp", (a - b) * 100.0);
    else if (b <= 0)
        snprintf(tail, sizeof tail, "leads; the runner-up scores 0");
    else if (kind == MARGIN_TIMES)
        snprintf(tail, sizeof tail, "leads by %.3g\xc3\x97", a / b);
    else
        snprintf(tail, sizeof tail, "leads by %+.1f%%",
                 (a - b) / b * 100.0);
    name = plot_fit_text(ps->entries[first].label, width_em);
    if (!name)
        return -1;
    sep = plot_text_em(name) + 0.3 + plot_text_em(tail) <= width_em ? " "
                                                                   : "\n";
    rc = rb_buf_printf(out, "%s%s%s", name, sep, tail);
    rb_free(name);
    return rc;
}

/* ---- horizontal bar panels, shared by the quality and speed charts ---- */

/* The horizontal layout: width for names, then panels with gaps. */
static void bar_layout(const plot_set *ps, size_t npanels, double *left,
                       double *panel_w)
{
    double name_em = 0;
    size_t i;

    for (i = 0; i < ps->n; i++) {
        double em = plot_text_em(ps->entries[i].label);

        if (em > name_em)
            name_em = em;
    }
    *left = (name_em * FONT_PX + 28.0) / RB_PLOT_WIDTH;
    if (*left < 0.06)
        *left = 0.06;
    *panel_w = (LAYOUT_RIGHT - *left - LAYOUT_GAP * (double)(npanels - 1)) /
               (double)npanels;
}

/* The variables every bar chart shares: names and layout. */
static int bar_common_vars(const plot_set *ps, plot_chart *c,
                           size_t npanels, double left, double panel_w)
{
    const char **names = rb_calloc(ps->n, sizeof *names);
    size_t i;
    int rc;

    if (!names)
        return -1;
    for (i = 0; i < ps->n; i++)
        names[i] = ps->entries[i].label;
    rc = gp_set_num(&c->vars, "rb_n", (double)ps->n) < 0 ||
         gp_set_str_array(&c->vars, "rb_names", names, ps->n) < 0 ||
         gp_set_num(&c->vars, "rb_npanels", (double)npanels) < 0 ||
         gp_set_num(&c->vars, "rb_left", left) < 0 ||
         gp_set_num(&c->vars, "rb_panel_w", panel_w) < 0 ||
         gp_set_num(&c->vars, "rb_gap", LAYOUT_GAP) < 0 ||
         gp_set_num(&c->vars, "rb_top", LAYOUT_TOP) < 0 ||
         gp_set_num(&c->vars, "rb_bottom", LAYOUT_BOTTOM) < 0 ? -1 : 0;
    rb_free(names);
    return rc;
}

/* Data rows: row number, one value per panel (NaN when absent), the
 * retriever's name (for people reading the file). */
static int bar_data(const plot_set *ps, const double *values,
                    size_t npanels, const char *const *columns,
                    plot_chart *c)
{
    size_t i, p;

    if (rb_buf_puts(&c->data, "# row") < 0)
        return -1;
    for (p = 0; p < npanels; p++)
        if (rb_buf_printf(&c->data, "\t%s", columns[p]) < 0)
            return -1;
    if (rb_buf_puts(&c->data, "\tretriever\n") < 0)
        return -1;
    for (i = 0; i < ps->n; i++) {
        if (rb_buf_printf(&c->data, "%zu", i + 1) < 0)
            return -1;
        for (p = 0; p < npanels; p++) {
            double v = values[p * ps->n + i];

            if ((is_value(v) ? rb_buf_printf(&c->data, "\t%.17g", v)
                             : rb_buf_puts(&c->data, "\tNaN")) < 0)
                return -1;
        }
        if (rb_buf_puts(&c->data, "\t\"") < 0)
            return -1;
        for (const char *s = ps->entries[i].name; *s; s++)
            if (rb_buf_putc(&c->data, *s == '"' || (unsigned char)*s < 32
                                          ? '\'' : *s) < 0)
                return -1;
        if (rb_buf_puts(&c->data, "\"\n") < 0)
            return -1;
    }
    return 0;
}

/* Per-panel string arrays for a bar chart. */
typedef struct bar_strings {
    rb_buf titles[4], notes[4], tics[4];
    const char *titles_v[4], *notes_v[4], *tics_v[4];
} bar_strings;

static void bar_strings_release(bar_strings *s)
{
    int i;

    for (i = 0; i < 4; i++) {
        rb_buf_release(&s->titles[i]);
        rb_buf_release(&s->notes[i]);
        rb_buf_release(&s->tics[i]);
    }
}

static int bar_strings_vars(bar_strings *s, size_t npanels, plot_chart *c)
{
    size_t p;

    for (p = 0; p < npanels; p++) {
        s->titles_v[p] = buf_text(&s->titles[p]);
        s->notes_v[p] = buf_text(&s->notes[p]);
        s->tics_v[p] = buf_text(&s->tics[p]);
        if (!s->titles_v[p] || !s->notes_v[p] || !s->tics_v[p])
            return -1;
    }
    if (gp_set_str_array(&c->vars, "rb_panel_title", s->titles_v,
                         npanels) < 0 ||
        gp_set_str_array(&c->vars, "rb_panel_note", s->notes_v,
                         npanels) < 0 ||
        gp_set_str_array(&c->vars, "rb_panel_tics", s->tics_v,
                         npanels) < 0)
        return -1;
    return 0;
}

/* ---- quality ---- */

/* Per panel: axis end, tick list, note; per bar: the printed value. */
static int quality_panels(const plot_set *ps, const int *measures,
                          size_t npanels, double panel_w,
                          const double *values, plot_chart *c)
{
    bar_strings s;
    double xmax[PLOT_NQUALITY];
    const char **labels = rb_calloc(npanels * ps->n, sizeof *labels);
    char (*text)[16] = rb_calloc(npanels * ps->n, sizeof *text);
    size_t p, i;
    int rc = -1;

    memset(&s, 0, sizeof s);
    if (!labels || !text)
        goto done;
    for (p = 0; p < npanels; p++) {
        const double *v = values + p * ps->n;
        double top = 0, step, tic_end;
        int m = measures[p];

        for (i = 0; i < ps->n; i++) {
            if (is_value(v[i]) && v[i] > top)
                top = v[i];
            if (is_value(v[i]))
                snprintf(text[p * ps->n + i], 16, "%.3f", v[i]);
            else
                snprintf(text[p * ps->n + i], 16, "n/a");
            labels[p * ps->n + i] = text[p * ps->n + i];
        }
        if (top <= 0)
            top = 1.0;
        /* Room for the printed value after the longest bar. */
        xmax[p] = top * (1.0 + 64.0 / (panel_w * RB_PLOT_WIDTH));
        tic_end = top > 1.0 ? xmax[p] : fmin(1.0, xmax[p]);
        step = fitted_step(top, tic_end, panel_w * RB_PLOT_WIDTH, 0);
        if (rb_buf_puts(&s.titles[p], plot_quality_title[m]) < 0 ||
            linear_tics(&s.tics[p], step, tic_end, 0) < 0 ||
            margin_note(ps, v, m == 2 ? MARGIN_POINTS : MARGIN_PERCENT,
                        panel_w * RB_PLOT_WIDTH / FONT_PX, &s.notes[p]) < 0)
            goto done;
    }
    if (bar_strings_vars(&s, npanels, c) < 0 ||
        gp_set_num_array(&c->vars, "rb_panel_xmin", (double[3]){0, 0, 0},
                         npanels) < 0 ||
        gp_set_num_array(&c->vars, "rb_panel_xmax", xmax, npanels) < 0 ||
        gp_set_num_array(&c->vars, "rb_panel_log", (double[3]){0, 0, 0},
                         npanels) < 0 ||
        gp_set_str_array(&c->vars, "rb_labels", labels,
                         npanels * ps->n) < 0)
        goto done;
    rc = 0;
done:
    bar_strings_release(&s);
    rb_free(labels);
    rb_free(text);
    return rc;
}

int plot_build_quality(const plot_set *ps, plot_chart *c, rb_error *err)
{
    int measures[PLOT_NQUALITY];
    const char *columns[PLOT_NQUALITY];
    size_t npanels = 0, m, i;
    double left, panel_w, *values;
    rb_buf title = RB_BUF_INIT, sub = RB_BUF_INIT;
    int rc = -1;

    for (m = 0; m < PLOT_NQUALITY; m++)
        for (i = 0; i < ps->n; i++)
            if (is_value(ps->entries[i].quality[m])) {
                columns[npanels] = plot_quality_measure[m];
                measures[npanels++] = (int)m;
                break;
            }
    if (npanels == 0) {
        snprintf(c->skip, sizeof c->skip, "the results have none of "
                 "nDCG@10, P@10 and recall@100 (ndcg_cut_10, P_10, "
                 "recall_100)");
        return 0;
    }
    values = rb_calloc(npanels * ps->n, sizeof *values);
    if (!values)
        return rb_error_oom(err);
    for (m = 0; m < npanels; m++)
        for (i = 0; i < ps->n; i++)
            values[m * ps->n + i] = ps->entries[i].quality[measures[m]];
    bar_layout(ps, npanels, &left, &panel_w);
    if (rb_buf_printf(&title, "Retrieval quality on %s", ps->dataset) < 0 ||
        dataset_line(ps, 0, &sub) < 0 ||
        rb_buf_puts(&sub, " \xc2\xb7 scores from 0 to 1, higher is "
                    "better") < 0 ||
        (ps->n > 1 && rb_buf_printf(&sub, " \xc2\xb7 sorted by %s",
                                    plot_quality_title[measures[0]]) < 0) ||
        bar_common_vars(ps, c, npanels, left, panel_w) < 0 ||
        quality_panels(ps, measures, npanels, panel_w, values, c) < 0 ||
        bar_data(ps, values, npanels, columns, c) < 0) {
        rb_error_oom(err);
        goto done;
    }
    c->template_name = "bars";
    if (gp_set_num(&c->vars, "rb_first_color", 1) < 0) {
        rb_error_oom(err);
        goto done;
    }
    rc = set_titles(c, title.data, sub.data, err) < 0 ? -1 : 1;
done:
    rb_buf_release(&title);
    rb_buf_release(&sub);
    rb_free(values);
    return rc;
}

/* ---- speed ---- */

/* Axis of one speed panel: linear from 0, or logarithmic from the power
 * of ten below the slowest when speeds span more than a factor of 20.
 * The end leaves room for the printed value after the longest bar. */
static int speed_axis(const double *v, size_t n, double panel_px,
                      double *xmin, double *xmax, int *log_axis,
                      rb_buf *tics)
{
    double lo = INFINITY, hi = 0, room = 1.0 - 72.0 / panel_px;
    size_t i;

    for (i = 0; i < n; i++)
        if (is_value(v[i])) {
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
    *log_axis = hi / lo > 20.0;
    if (!*log_axis) {
        *xmin = 0;
        *xmax = hi / room;
        return linear_tics(tics, fitted_step(hi, *xmax, panel_px, 1),
                           *xmax, 1);
    }
    /* Just below a power of ten, so that its tick is drawn. */
    *xmin = pow(10.0, floor(log10(lo))) / 1.02;
    *xmax = pow(10.0, log10(*xmin) + (log10(hi) - log10(*xmin)) / room);
    return log_tics(tics, *xmin * 1.02, *xmax);
}

int plot_build_speed(const plot_set *ps, plot_chart *c, rb_error *err)
{
    static const char *const unit[2] = {"documents per second",
                                        "queries per second"};
    static const char *const title[2] = {"Indexing", "Search"};
    const char *columns[2];
    bar_strings s;
    double left, panel_w, xmin[2], xmax[2], logs[2], *values;
    const char **labels = NULL;
    char (*text)[24] = NULL;
    size_t npanels = 0, p, i;
    int which[2], rc = -1;
    rb_buf head = RB_BUF_INIT, sub = RB_BUF_INIT;

    memset(&s, 0, sizeof s);
    for (p = 0; p < 2; p++)
        for (i = 0; i < ps->n; i++) {
            const plot_entry *e = &ps->entries[i];

            if (is_value(p == 0 ? e->docs_per_s : e->queries_per_s)) {
                columns[npanels] = p == 0 ? "docs_per_s" : "queries_per_s";
                which[npanels++] = (int)p;
                break;
            }
        }
    if (npanels == 0) {
        snprintf(c->skip, sizeof c->skip, "the results have no timings "
                 "(timings.docs_per_s, timings.queries_per_s)");
        return 0;
    }
    values = rb_calloc(npanels * ps->n, sizeof *values);
    labels = rb_calloc(npanels * ps->n, sizeof *labels);
    text = rb_calloc(npanels * ps->n, sizeof *text);
    if (!values || !labels || !text)
        goto oom;
    bar_layout(ps, npanels, &left, &panel_w);
    for (p = 0; p < npanels; p++) {
        double *v = values + p * ps->n;
        int log_axis;

        for (i = 0; i < ps->n; i++) {
            const plot_entry *e = &ps->entries[i];
            char *t = text[p * ps->n + i];

            v[i] = which[p] == 0 ? e->docs_per_s : e->queries_per_s;
            if (is_value(v[i]))
                format_rate(v[i], t, 24);
            else
                snprintf(t, 24, which[p] == 0 && e->no_index ? "no index"
                                                             : "n/a");
            labels[p * ps->n + i] = t;
        }
        if (speed_axis(v, ps->n, panel_w * RB_PLOT_WIDTH, &xmin[p],
                       &xmax[p], &log_axis, &s.tics[p]) < 0)
            goto oom;
        logs[p] = log_axis;
        if (rb_buf_printf(&s.titles[p], "%s (%s)", title[which[p]],
                          which[p] == 0 ? "documents/s" : "queries/s") < 0 ||
            rb_buf_printf(&s.notes[p], "%s%s\n", unit[which[p]],
                          log_axis ? " (log scale)" : "") < 0 ||
            margin_note(ps, v, MARGIN_TIMES,
                        panel_w * RB_PLOT_WIDTH / FONT_PX, &s.notes[p]) < 0)
            goto oom;
    }
    if (rb_buf_printf(&head, "Indexing and search speed on %s",
                      ps->dataset) < 0 ||
        dataset_line(ps, 0, &sub) < 0 ||
        (ps->host && rb_buf_printf(&sub, " \xc2\xb7 on %s", ps->host) < 0) ||
        (ps->threads > 0 && rb_buf_printf(&sub, ", %ld thread%s",
                                          ps->threads,
                                          ps->threads == 1 ? "" : "s") < 0) ||
        rb_buf_puts(&sub, " \xc2\xb7 higher is better") < 0 ||
        bar_common_vars(ps, c, npanels, left, panel_w) < 0 ||
        bar_strings_vars(&s, npanels, c) < 0 ||
        gp_set_num_array(&c->vars, "rb_panel_xmin", xmin, npanels) < 0 ||
        gp_set_num_array(&c->vars, "rb_panel_xmax", xmax, npanels) < 0 ||
        gp_set_num_array(&c->vars, "rb_panel_log", logs, npanels) < 0 ||
        gp_set_num(&c->vars, "rb_first_color", 4) < 0 ||
        gp_set_str_array(&c->vars, "rb_labels", labels,
                         npanels * ps->n) < 0 ||
        bar_data(ps, values, npanels, columns, c) < 0)
        goto oom;
    c->template_name = "bars";
    rc = set_titles(c, head.data, sub.data, err) < 0 ? -1 : 1;
    goto done;
oom:
    rb_error_oom(err);
done:
    bar_strings_release(&s);
    rb_buf_release(&head);
    rb_buf_release(&sub);
    rb_free(values);
    rb_free(labels);
    rb_free(text);
    return rc;
}

/* ---- per-query differences ---- */

typedef struct query_delta {
    const char *qid;            /* borrowed from the results */
    double delta;
} query_delta;

/* Largest gain first; equal changes in query id order. */
static int compare_delta(const void *a, const void *b)
{
    const query_delta *x = a, *y = b;

    if (x->delta != y->delta)
        return x->delta > y->delta ? -1 : 1;
    return strcmp(x->qid, y->qid);
}

static const plot_entry *find_entry(const plot_set *ps, const char *name)
{
    size_t i;

    for (i = 0; i < ps->n; i++)
        if (strcmp(ps->entries[i].name, name) == 0)
            return &ps->entries[i];
    return NULL;
}

/* The per-query nDCG@10 table of an entry, or NULL. */
static const json_t *per_query_of(const plot_entry *e)
{
    const json_t *pq = json_object_get(e->json, "per_query");
    const char *qid;
    const json_t *row;

    if (!json_is_object(pq))
        return NULL;
    json_object_foreach((json_t *)pq, qid, row)
        if (json_is_number(json_object_get(row, "ndcg_cut_10")))
            return pq;
    return NULL;
}

/* Pick the two retrievers: named ones, or the runner-up (base) and the
 * leader (other). Returns 1, 0 with c->skip set, or -1. */
static int pick_pair(const plot_set *ps, const char *base_name,
                     const char *other_name, const plot_entry **base,
                     const plot_entry **other, plot_chart *c, rb_error *err)
{
    if (!base_name != !other_name)
        return rb_error_set(err, "the per-query chart needs both "
                            "retrievers of the pair named");
    if (base_name) {
        *base = find_entry(ps, base_name);
        *other = find_entry(ps, other_name);
        if (!*base || !*other)
            return rb_error_set(err, "no retriever \"%s\" in the results "
                                "of %s", !*base ? base_name : other_name,
                                ps->dataset);
        if (*base == *other)
            return rb_error_set(err, "the per-query chart needs two "
                                "different retrievers, not \"%s\" twice",
                                base_name);
    } else {
        if (ps->n < 2) {
            snprintf(c->skip, sizeof c->skip, "a per-query comparison "
                     "needs two retrievers; the results have one (%s)",
                     ps->entries[0].name);
            return 0;
        }
        *other = &ps->entries[0];
        *base = &ps->entries[1];
    }
    if (!per_query_of(*base) && !per_query_of(*other)) {
        snprintf(c->skip, sizeof c->skip, "neither %s nor %s has "
                 "per-query nDCG@10 (per_query.QID.ndcg_cut_10)",
                 (*other)->name, (*base)->name);
        return 0;
    }
    if (!per_query_of(*base) || !per_query_of(*other)) {
        snprintf(c->skip, sizeof c->skip, "%s has no per-query nDCG@10 "
                 "(per_query.QID.ndcg_cut_10)",
                 (per_query_of(*base) ? *other : *base)->name);
        return 0;
    }
    return 1;
}

/* The changes other - base over the queries both have, sorted. */
static int collect_deltas(const plot_entry *base, const plot_entry *other,
                          query_delta **out, size_t *count)
{
    const json_t *pb = per_query_of(base), *po = per_query_of(other);
    const char *qid;
    const json_t *row;
    size_t n = 0;
    query_delta *d = rb_calloc(json_object_size(pb), sizeof *d);

    if (!d)
        return -1;
    json_object_foreach((json_t *)pb, qid, row) {
        const json_t *vb = json_object_get(row, "ndcg_cut_10");
        const json_t *vo = json_object_get(json_object_get(po, qid),
                                           "ndcg_cut_10");

        if (!json_is_number(vb) || !json_is_number(vo))
            continue;
        d[n].qid = qid;
        d[n].delta = json_number_value(vo) - json_number_value(vb);
        n++;
    }
    qsort(d, n, sizeof *d, compare_delta);
    *out = d;
    *count = n;
    return 0;
}

/* Symmetric tick list for [-lim, lim] with signed labels. */
static int signed_tics(rb_buf *b, double step, double lim)
{
    int decimals = step_decimals(step);
    long i, k = (long)floor(lim / step + 1e-9);

    for (i = -k; i <= k; i++) {
        double v = (double)i * step;

        char text[32];

        if (i == 0)
            snprintf(text, sizeof text, "0");
        else
            snprintf(text, sizeof text, "%s%.*f", i > 0 ? "+" : "",
                     decimals, v);
        if (rb_buf_printf(b, "%s\"%s\" %.*f", i == -k ? "" : ", ", text,
                          decimals, v) < 0)
            return -1;
    }
    return 0;
}

/* The variables of the per-query chart other the deltas are known. */
static int per_query_vars(const plot_set *ps, const plot_entry *base,
                          const plot_entry *other, const query_delta *d,
                          size_t n, plot_chart *c)
{
    size_t gains = 0, losses = 0, i;
    double extreme = 0, lim, step;
    rb_buf t = RB_BUF_INIT, tics = RB_BUF_INIT;
    char text[160], *qid;
    int rc = -1;

    for (i = 0; i < n; i++) {
        gains += d[i].delta > 0;
        losses += d[i].delta < 0;
        extreme = fmax(extreme, fabs(d[i].delta));
    }
    lim = extreme > 0 ? fmin(extreme * 1.25, 1.05) : 0.1;
    step = nice_step(lim, 2);
    if (signed_tics(&tics, step, lim) < 0 ||
        gp_set_num(&c->vars, "rb_n", (double)n) < 0 ||
        gp_set_num(&c->vars, "rb_ylim", lim) < 0 ||
        gp_set_str(&c->vars, "rb_ytics", tics.data) < 0 ||
        gp_set_num(&c->vars, "rb_box_width", n > 150 ? 1.0 : 0.8) < 0 ||
        gp_set_num(&c->vars, "rb_gains", (double)gains) < 0 ||
        gp_set_num(&c->vars, "rb_losses", (double)losses) < 0 ||
        gp_set_num(&c->vars, "rb_ties", (double)(n - gains - losses)) < 0)
        goto done;
    rb_buf_reset(&t);
    if (rb_buf_printf(&t, "%s better on %zu quer%s", other->label, gains,
                      gains == 1 ? "y" : "ies") < 0 ||
        gp_set_str(&c->vars, "rb_gain_title", t.data) < 0)
        goto done;
    rb_buf_reset(&t);
    if (rb_buf_printf(&t, "%s better on %zu quer%s", base->label, losses,
                      losses == 1 ? "y" : "ies") < 0 ||
        gp_set_str(&c->vars, "rb_loss_title", t.data) < 0)
        goto done;
    rb_buf_reset(&t);
    if (rb_buf_printf(&t, "no change on %zu quer%s", n - gains - losses,
                      n - gains - losses == 1 ? "y" : "ies") < 0 ||
        gp_set_str(&c->vars, "rb_tie_title", t.data) < 0)
        goto done;
    /* The axis label names the pair when that fits the plot's height. */
    rb_buf_reset(&t);
    if (rb_buf_printf(&t, "change in nDCG@10 (%s \xe2\x88\x92 %s)",
                      other->label, base->label) < 0)
        goto done;
    if (plot_text_em(t.data) * FONT_PX > 0.7 * RB_PLOT_HEIGHT) {
        rb_buf_reset(&t);
        if (rb_buf_puts(&t, "change in nDCG@10") < 0)
            goto done;
    }
    if (gp_set_str(&c->vars, "rb_ylabel", t.data) < 0)
        goto done;
    rb_buf_reset(&t);
    if (rb_buf_printf(&t, "%zu quer%s with nDCG@10 from both, sorted from "
                      "the largest gain to the largest loss", n,
                      n == 1 ? "y" : "ies") < 0 ||
        gp_set_str(&c->vars, "rb_xlabel", t.data) < 0)
        goto done;

    /* Name the queries at both ends. */
    for (i = 0; i < 2; i++) {
        const query_delta *q = i == 0 ? &d[0] : &d[n - 1];
        int show = i == 0 ? q->delta > 0 : q->delta < 0;

        qid = plot_fit_text(q->qid, 10.0);
        if (!qid)
            goto done;
        snprintf(text, sizeof text, "%s: %+.3f", qid, q->delta);
        rb_free(qid);
        if (gp_set_str(&c->vars, i == 0 ? "rb_best_text" : "rb_worst_text",
                       show ? text : "") < 0 ||
            gp_set_num(&c->vars, i == 0 ? "rb_best_y" : "rb_worst_y",
                       q->delta) < 0)
            goto done;
    }
    (void)ps;
    rc = 0;
done:
    rb_buf_release(&t);
    rb_buf_release(&tics);
    return rc;
}

/* "Per-query nDCG@10: OTHER vs BASE", the names shortened alike when
 * the whole would not fit. */
static int pair_title(const plot_entry *base, const plot_entry *other,
                      rb_buf *title)
{
    static const char head[] = "Per-query nDCG@10: ", mid[] = " vs ";
    double room = TITLE_MAX_EM - plot_text_em(head) - plot_text_em(mid);
    char *a = plot_fit_text(other->label, room / 2);
    char *b = plot_fit_text(base->label, room / 2);
    int rc = -1;

    if (a && b) {
        int fits = plot_text_em(other->label) + plot_text_em(base->label) <=
                   room;

        rc = rb_buf_printf(title, "%s%s%s%s", head,
                           fits ? other->label : a, mid,
                           fits ? base->label : b);
    }
    rb_free(a);
    rb_free(b);
    return rc;
}

int plot_build_per_query(const plot_set *ps, const char *base_name,
                         const char *other_name, plot_chart *c,
                         rb_error *err)
{
    const plot_entry *base = NULL, *other = NULL;
    query_delta *d = NULL;
    rb_buf title = RB_BUF_INIT, sub = RB_BUF_INIT;
    size_t n = 0, i;
    int rc;

    rc = pick_pair(ps, base_name, other_name, &base, &other, c, err);
    if (rc <= 0)
        return rc;
    if (collect_deltas(base, other, &d, &n) < 0)
        return rb_error_oom(err);
    if (n == 0) {
        snprintf(c->skip, sizeof c->skip, "%s and %s have no query with "
                 "nDCG@10 in common", base->name, other->name);
        rb_free(d);
        return 0;
    }
    rc = -1;
    if (pair_title(base, other, &title) < 0 ||
        dataset_line(ps, 1, &sub) < 0 ||
        per_query_vars(ps, base, other, d, n, c) < 0 ||
        rb_buf_printf(&c->data, "# rank\tchange\tquery (%s - %s)\n",
                      other->name, base->name) < 0)
        goto oom;
    for (i = 0; i < n; i++) {
        if (rb_buf_printf(&c->data, "%zu\t%.17g\t\"", i + 1, d[i].delta) <
            0)
            goto oom;
        for (const char *s = d[i].qid; *s; s++)
            if (rb_buf_putc(&c->data, *s == '"' || (unsigned char)*s < 32
                                          ? '\'' : *s) < 0)
                goto oom;
        if (rb_buf_puts(&c->data, "\"\n") < 0)
            goto oom;
    }
    rc = set_titles(c, title.data, sub.data, err) < 0 ? -1 : 1;
    goto done;
oom:
    rb_error_oom(err);
done:
    rb_buf_release(&title);
    rb_buf_release(&sub);
    rb_free(d);
    return rc;
}

/* ---- recall at cutoffs ---- */

/* The k of a "recall_K" measure name, or 0. */
static long recall_cutoff(const char *key)
{
    const char *p;
    long k = 0;

    if (strncmp(key, "recall_", 7) != 0 || !key[7])
        return 0;
    for (p = key + 7; *p; p++) {
        if (*p < '0' || *p > '9' || k > 100000000L)
            return 0;
        k = k * 10 + (*p - '0');
    }
    return k;
}

static int compare_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;

    return x < y ? -1 : x > y;
}

/* Every cutoff with a recall value in any entry, ascending. */
static int recall_cutoffs(const plot_set *ps, long **out, size_t *count)
{
    size_t n = 0, cap = 0, i, j, kept = 0;
    long *ks = NULL;

    for (i = 0; i < ps->n; i++) {
        const json_t *m = json_object_get(ps->entries[i].json, "metrics");
        const char *key;
        const json_t *v;

        json_object_foreach((json_t *)m, key, v) {
            long k = recall_cutoff(key);

            if (k <= 0 || !json_is_number(v))
                continue;
            if (n == cap) {
                long *grown = rb_grow(ks, &cap, n + 1, sizeof *ks);

                if (!grown) {
                    rb_free(ks);
                    return -1;
                }
                ks = grown;
            }
            ks[n++] = k;
        }
    }
    if (n)
        qsort(ks, n, sizeof *ks, compare_long);
    for (j = 0; j < n; j++)
        if (kept == 0 || ks[kept - 1] != ks[j])
            ks[kept++] = ks[j];
    *out = ks;
    *count = kept;
    return 0;
}

static double recall_at(const plot_entry *e, long k)
{
    char key[32];
    const json_t *v;

    snprintf(key, sizeof key, "recall_%ld", k);
    v = json_object_get(json_object_get(e->json, "metrics"), key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Tick list for the cutoffs on a log axis, leaving out labels that would
 * crowd the one before (they keep their tick). */
static int cutoff_tics(rb_buf *b, const long *ks, size_t n, double xmin,
                       double xmax)
{
    double span = log10(xmax) - log10(xmin), last = -1e9;
    const double axis_px = 0.58 * RB_PLOT_WIDTH, min_gap_px = 44.0;
    size_t i;

    for (i = 0; i < n; i++) {
        double at = (log10((double)ks[i]) - log10(xmin)) / span * axis_px;
        char text[32];

        text[0] = '\0';
        if (at - last >= min_gap_px) {
            snprintf(text, sizeof text, "%ld", ks[i]);
            last = at;
        }
        if (rb_buf_printf(b, "%s\"%s\" %ld", i ? ", " : "", text, ks[i]) <
            0)
            return -1;
    }
    return 0;
}

/* Note for the few-points and missing-values cases. */
static int recall_note(const plot_set *ps, const long *ks, size_t nk,
                       const int *has, rb_buf *note)
{
    size_t i, missing = 0;

    if (nk < 4) {
        if (rb_buf_printf(note, "only %zu cutoff%s in the results (k = ",
                          nk, nk == 1 ? "" : "s") < 0)
            return -1;
        for (i = 0; i < nk; i++)
            if (rb_buf_printf(note, "%s%ld", i ? ", " : "", ks[i]) < 0)
                return -1;
        if (rb_buf_puts(note, nk == 1 ? ")" : "); lines join those "
                        "points") < 0)
            return -1;
    }
    for (i = 0; i < ps->n; i++)
        if (!has[i] && rb_buf_printf(note, "%s%s", missing++ ? ", " :
                                     note->len ? "\nno recall values: "
                                               : "no recall values: ",
                                     ps->entries[i].label) < 0)
            return -1;
    return buf_text(note) ? 0 : -1;
}

int plot_build_recall(const plot_set *ps, plot_chart *c, rb_error *err)
{
    long *ks = NULL;
    size_t nk = 0, i, j, nseries = 0;
    int *has = NULL, rc = -1;
    const char **names = NULL;
    double xmin, xmax;
    rb_buf title = RB_BUF_INIT, sub = RB_BUF_INIT, tics = RB_BUF_INIT;
    rb_buf note = RB_BUF_INIT;

    if (recall_cutoffs(ps, &ks, &nk) < 0)
        return rb_error_oom(err);
    if (nk == 0) {
        snprintf(c->skip, sizeof c->skip, "the results have no recall at "
                 "any cutoff (recall_K measures)");
        rb_free(ks);
        return 0;
    }
    has = rb_calloc(ps->n, sizeof *has);
    names = rb_calloc(ps->n, sizeof *names);
    if (!has || !names)
        goto oom;
    for (i = 0; i < ps->n; i++) {
        const plot_entry *e = &ps->entries[i];

        for (j = 0; j < nk; j++)
            has[i] |= is_value(recall_at(e, ks[j]));
        if (!has[i])
            continue;
        names[nseries] = e->label;
        if (rb_buf_printf(&c->data, "%s# %s\n# k\trecall\n",
                          nseries ? "\n\n" : "", e->name) < 0)
            goto oom;
        for (j = 0; j < nk; j++) {
            double v = recall_at(e, ks[j]);

            if (is_value(v) &&
                rb_buf_printf(&c->data, "%ld\t%.17g\n", ks[j], v) < 0)
                goto oom;
        }
        nseries++;
    }
    /* A margin around the cutoffs; a single one gets a decade's room. */
    xmin = (double)ks[0] / (nk == 1 ? 3.0 : 1.5);
    xmax = (double)ks[nk - 1] * (nk == 1 ? 3.0 : 1.5);
    if (cutoff_tics(&tics, ks, nk, xmin, xmax) < 0 ||
        recall_note(ps, ks, nk, has, &note) < 0 ||
        rb_buf_printf(&title, "Recall at k on %s", ps->dataset) < 0 ||
        dataset_line(ps, 0, &sub) < 0 ||
        rb_buf_puts(&sub, " \xc2\xb7 higher is better") < 0 ||
        gp_set_num(&c->vars, "rb_n", (double)nseries) < 0 ||
        gp_set_str_array(&c->vars, "rb_names", names, nseries) < 0 ||
        gp_set_num(&c->vars, "rb_key_w", key_width(names, nseries)) < 0 ||
        gp_set_num(&c->vars, "rb_xmin", xmin) < 0 ||
        gp_set_num(&c->vars, "rb_xmax", xmax) < 0 ||
        gp_set_str(&c->vars, "rb_xtics", tics.data) < 0 ||
        gp_set_str(&c->vars, "rb_note", note.data) < 0)
        goto oom;
    rc = set_titles(c, title.data, sub.data, err) < 0 ? -1 : 1;
    goto done;
oom:
    rb_error_oom(err);
done:
    rb_buf_release(&title);
    rb_buf_release(&sub);
    rb_buf_release(&tics);
    rb_buf_release(&note);
    rb_free(ks);
    rb_free(has);
    rb_free(names);
    return rc;
}

/* ---- nDCG@10 across datasets ---- */

/* Retriever names across sets in order of first appearance. */
static int union_names(const plot_set *sets, size_t nsets,
                       const plot_entry ***out, size_t *count)
{
    size_t cap = 0, n = 0, s, i, j;
    const plot_entry **names = NULL;

    for (s = 0; s < nsets; s++)
        for (i = 0; i < sets[s].n; i++) {
            const plot_entry *e = &sets[s].entries[i];
            const plot_entry **grown;

            for (j = 0; j < n; j++)
                if (strcmp(names[j]->name, e->name) == 0)
                    break;
            if (j < n)
                continue;
            grown = rb_grow(names, &cap, n + 1, sizeof *names);
            if (!grown) {
                rb_free(names);
                return -1;
            }
            names = grown;
            names[n++] = e;
        }
    *out = names;
    *count = n;
    return 0;
}

/* Group labels "name\nsplit" and the variables for bars and values. */
static int datasets_vars(const plot_set *sets, size_t nsets, size_t m,
                         double stride, plot_chart *c)
{
    const char **groups = rb_calloc(nsets, sizeof *groups);
    double *centre = rb_calloc(nsets, sizeof *centre);
    rb_buf *texts = rb_calloc(nsets, sizeof *texts);
    double bar_px = 0.6 * RB_PLOT_WIDTH / (stride * (double)nsets);
    size_t s;
    int rc = -1;

    if (!groups || !centre || !texts)
        goto done;
    for (s = 0; s < nsets; s++) {
        char *name = plot_fit_text(sets[s].dataset,
                                   fmax(4.0, stride * bar_px / FONT_PX));

        if (!name)
            goto done;
        rc = sets[s].split ? rb_buf_printf(&texts[s], "%s\n%s split", name,
                                           sets[s].split)
                           : rb_buf_puts(&texts[s], name);
        rb_free(name);
        if (rc < 0)
            goto done;
        rc = -1;
        groups[s] = texts[s].data;
        centre[s] = (double)s * stride + (double)(m - 1) / 2.0;
    }
    if (gp_set_num(&c->vars, "rb_ngroups", (double)nsets) < 0 ||
        gp_set_str_array(&c->vars, "rb_groups", groups, nsets) < 0 ||
        gp_set_num_array(&c->vars, "rb_group_x", centre, nsets) < 0 ||
        gp_set_num(&c->vars, "rb_xmin", -0.5 - (stride - (double)m) / 2) <
            0 ||
        gp_set_num(&c->vars, "rb_xmax", (double)nsets * stride - 0.5 -
                   (stride - (double)m) / 2) < 0 ||
        gp_set_num(&c->vars, "rb_values", nsets * m <= 40) < 0 ||
        gp_set_num(&c->vars, "rb_values_rotate", bar_px < 42) < 0)
        goto done;
    rc = 0;
done:
    if (texts)
        for (s = 0; s < nsets; s++)
            rb_buf_release(&texts[s]);
    rb_free(texts);
    rb_free(groups);
    rb_free(centre);
    return rc;
}

int plot_build_datasets(const plot_set *sets, size_t nsets, plot_chart *c,
                        rb_error *err)
{
    const plot_entry **all = NULL;
    const char **names = NULL;
    size_t nall = 0, m = 0, i, s;
    double top = 0, stride, step;
    rb_buf sub = RB_BUF_INIT, tics = RB_BUF_INIT;
    int rc = -1;

    if (union_names(sets, nsets, &all, &nall) < 0)
        return rb_error_oom(err);
    names = rb_calloc(nall ? nall : 1, sizeof *names);
    if (!names)
        goto oom;
    for (i = 0; i < nall; i++) {
        for (s = 0; s < nsets; s++) {
            const plot_entry *e = find_entry(&sets[s], all[i]->name);

            if (e && is_value(e->quality[0]))
                break;
        }
        if (s < nsets)
            names[m++] = all[i]->label;
    }
    if (m == 0) {
        snprintf(c->skip, sizeof c->skip, "none of the results has "
                 "nDCG@10 (ndcg_cut_10)");
        rc = 0;
        goto done;
    }

    /* Bars of one group side by side, a gap of about a third between. */
    stride = (double)m + fmax(1.0, 0.35 * (double)m);
    for (i = 0, m = 0; i < nall; i++) {
        size_t written = 0;

        for (s = 0; s < nsets; s++) {
            const plot_entry *e = find_entry(&sets[s], all[i]->name);

            if (!e || !is_value(e->quality[0]))
                continue;
            if (!written && rb_buf_printf(&c->data, "%s# %s\n# x\t"
                                          "ndcg_cut_10\tdataset\n",
                                          m ? "\n\n" : "", e->name) < 0)
                goto oom;
            if (rb_buf_printf(&c->data, "%.6g\t%.17g\t%zu\n",
                              (double)s * stride + (double)m,
                              e->quality[0], s + 1) < 0)
                goto oom;
            top = fmax(top, e->quality[0]);
            written++;
        }
        m += written > 0;
    }
    top = top > 0 ? top : 1.0;
    step = nice_step(top, 5);
    if (linear_tics(&tics, step, fmin(1.0, top * 1.15), 0) < 0 ||
        rb_buf_printf(&sub, "%zu datasets \xc2\xb7 scores from 0 to 1, "
                      "higher is better", nsets) < 0 ||
        gp_set_num(&c->vars, "rb_n", (double)m) < 0 ||
        gp_set_str_array(&c->vars, "rb_names", names, m) < 0 ||
        gp_set_num(&c->vars, "rb_key_w", key_width(names, m)) < 0 ||
        gp_set_num(&c->vars, "rb_ymax", top * 1.15) < 0 ||
        gp_set_str(&c->vars, "rb_ytics", tics.data) < 0 ||
        datasets_vars(sets, nsets, m, stride, c) < 0)
        goto oom;
    rc = set_titles(c, "nDCG@10 across datasets", sub.data, err) < 0 ? -1
                                                                     : 1;
    goto done;
oom:
    rb_error_oom(err);
done:
    rb_buf_release(&sub);
    rb_buf_release(&tics);
    rb_free(all);
    rb_free(names);
    return rc;
}
