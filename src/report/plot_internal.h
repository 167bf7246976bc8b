#ifndef RB_PLOT_INTERNAL_H
#define RB_PLOT_INTERNAL_H

/*
 * Shared between plot.c (checking results, running gnuplot, writing
 * files) and plot_charts.c (turning results into chart data and
 * variables). Not part of the library's interface.
 */

#include <stddef.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"

/* The widest a retriever name may be in a chart before it is shortened
 * with an ellipsis, in ems (about 30 average characters). */
#define PLOT_LABEL_MAX_EM 19.0

/* Index times below this many seconds mean "no indexing step": the
 * speed chart shows no indexing rate for them. */
#define PLOT_MIN_INDEX_S 1e-5

/* The three quality measures of the quality chart, in panel order. */
#define PLOT_NQUALITY 3

/* One retriever of a results file, as the charts see it. */
typedef struct plot_entry {
    const char *name;           /* as in the results (borrowed) */
    char *label;                /* shortened for charts */
    const json_t *json;         /* its entry in the results (borrowed) */
    size_t pos;                 /* index in the results' retrievers */
    double quality[PLOT_NQUALITY];  /* NAN when absent */
    double docs_per_s;          /* NAN when absent */
    int no_index;               /* index time near zero: no index built */
    double queries_per_s;       /* NAN when absent */
} plot_entry;

/* One results file: its dataset and retrievers, best nDCG@10 first. */
typedef struct plot_set {
    const json_t *results;      /* borrowed */
    const char *dataset;
    const char *split;          /* NULL when not recorded */
    long queries;               /* evaluated queries; -1 when unknown */
    const char *host;           /* NULL when not recorded */
    long threads;               /* -1 when unknown */
    plot_entry *entries;
    size_t n;
} plot_set;

/* A chart being prepared: the gnuplot variables that its template reads
 * and the contents of its data file. */
typedef struct plot_chart {
    const char *name;           /* file name without extension */
    const char *template_name;  /* plots/TEMPLATE.gp; NULL: the name */
    char *title;                /* one line, for the manifest and report */
    rb_buf vars;
    rb_buf data;
    char skip[512];             /* why it is left out, when it is */
} plot_chart;

extern const char *const plot_quality_measure[PLOT_NQUALITY];
extern const char *const plot_quality_title[PLOT_NQUALITY];

/* Fill ps from results already checked by rb_plot_check_results. */
int plot_set_init(plot_set *ps, const json_t *results, rb_error *err);
void plot_set_release(plot_set *ps);

/* The chart builders. Each returns 1 when the chart is ready, 0 when the
 * results cannot support it (c->skip says why), -1 on an error. */
int plot_build_quality(const plot_set *ps, plot_chart *c, rb_error *err);
int plot_build_per_query(const plot_set *ps, const char *base,
                         const char *other, plot_chart *c, rb_error *err);
int plot_build_recall(const plot_set *ps, plot_chart *c, rb_error *err);
int plot_build_speed(const plot_set *ps, plot_chart *c, rb_error *err);
int plot_build_datasets(const plot_set *sets, size_t n, plot_chart *c,
                        rb_error *err);

/* The chart formats: svg and png. */
#define PLOT_MAX_FORMATS 2

/* Parse a comma list of chart formats (NULL: RB_PLOT_FORMATS) into out,
 * each once in the order given, and their number into *n. Fails on an
 * unknown format or an empty list. The strings are static. */
int plot_parse_formats(const char *list,
                       const char *out[PLOT_MAX_FORMATS], size_t *n,
                       rb_error *err);

/* Append to script the whole NAME.gp of a chart: a header naming
 * drawn_by (such as "rankbench 1.0") and the template tname, rb_chart and
 * rb_data, the chart's variables vars (len bytes), then the text of
 * plots/common.gp and of plots/TNAME.gp. -1 when memory runs out. */
int plot_compose_script(rb_buf *script, const char *name,
                        const char *drawn_by, const char *tname,
                        const char *vars, size_t len, const char *common,
                        const char *template);

/* Writing gnuplot: a single-quoted string literal (never expanded by
 * gnuplot; a "\n" in s becomes a line break), and assignments. Each
 * returns 0 or -1 when memory runs out. */
int gp_string(rb_buf *b, const char *s);
int gp_set_str(rb_buf *b, const char *var, const char *value);
int gp_set_num(rb_buf *b, const char *var, double value);
int gp_set_str_array(rb_buf *b, const char *var, const char *const *values,
                     size_t n);
int gp_set_num_array(rb_buf *b, const char *var, const double *values,
                     size_t n);

/* Width of s in ems of the chart font (DejaVu Sans), estimated from its
 * advance widths. */
double plot_text_em(const char *s);
/* A copy of s that is at most max_em wide, shortened with an ellipsis,
 * with control characters turned into spaces (rb_free). */
char *plot_fit_text(const char *s, double max_em);

#endif
