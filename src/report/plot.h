#ifndef RB_PLOT_H
#define RB_PLOT_H

/*
 * Charts of a results file (docs/results-schema.md), drawn by gnuplot.
 *
 * For each chart rankbench writes, into the output folder, NAME.dat (the
 * numbers, tab-separated, one commented header line) and NAME.gp (a
 * self-contained gnuplot script: the chart's variables, then the shared
 * plots/common.gp and the chart's template plots/NAME.gp), runs gnuplot
 * on it once per format and moves each picture into place only when
 * gnuplot succeeded. A reader can edit NAME.gp and redraw with
 *     gnuplot -e "rb_format='svg'" NAME.gp
 * It also writes charts.json, the list of charts drawn and of those left
 * out with the reason, which the report page reads.
 *
 * Charts of one results file:
 *   quality    nDCG@10, P@10 and recall@100 per retriever, with the
 *              leader's margin over the runner-up under each measure
 *   per_query  the change in nDCG@10 per query between two retrievers
 *   recall     recall at the cutoffs present (recall_K measures), log k
 *   speed      indexing (documents/s) and search (queries/s) speed
 * and of several results files (one per dataset):
 *   datasets   nDCG@10 per retriever, grouped by dataset
 *
 * Every picture is 1200x800 pixels, SVG or PNG (cairo) from the same
 * script, in a colour-blind-safe palette. Input is checked before gnuplot
 * runs, so bad results give a message about the results, not gnuplot's.
 */

#include <stddef.h>

#include <jansson.h>

#include "base/error.h"

/* The picture size of every chart, in pixels. */
#define RB_PLOT_WIDTH 1200
#define RB_PLOT_HEIGHT 800

/* The default formats and the name of the manifest in a chart folder. */
#define RB_PLOT_FORMATS "svg,png"
#define RB_PLOT_MANIFEST "charts.json"
#define RB_PLOT_MANIFEST_SCHEMA "rankbench.charts"

typedef struct rb_plot_options {
    /* Comma-separated list of "svg" and "png"; NULL: RB_PLOT_FORMATS. */
    const char *formats;
    /* Folder holding common.gp and the chart templates; NULL:
     * $RANKBENCH_PLOTS_DIR when set, else the plots/ folder of the
     * source tree rankbench was built from. */
    const char *template_dir;
    /* The gnuplot program; NULL: $RANKBENCH_GNUPLOT, else "gnuplot" on
     * PATH (see rb_gnuplot_open). */
    const char *gnuplot;
    /* The per-query chart shows pair_other minus pair_base; NULL for
     * both: the leader on nDCG@10 against the runner-up. */
    const char *pair_base;
    const char *pair_other;
    /* Limit for one gnuplot run in seconds; 0: 60. */
    double timeout_s;
    /* Write the data, scripts and manifest but run no gnuplot. */
    int scripts_only;
    /* Fail when gnuplot prints warnings (it normally only logs them). */
    int strict;
} rb_plot_options;

/* Defaults: both formats, templates and gnuplot looked up as above. */
void rb_plot_options_init(rb_plot_options *opts);

/* Check that results is a results object this version can chart:
 * schema "rankbench.results" version 1, a dataset, at least one
 * retriever with a unique name, and metric values that are numbers in
 * range. The message names the offending field. */
int rb_plot_check_results(const json_t *results, rb_error *err);

/* Draw every chart that the results support into out_dir (created when
 * missing) and write its charts.json. A chart the results cannot support
 * (one retriever for a per-query chart, no recall_K measures, no
 * timings) is left out and listed with the reason; files of that name
 * left by an earlier run are removed. Fails when the results are not
 * valid, when no chart at all can be drawn, when gnuplot is missing or
 * fails; no picture is left half-written. formats may be NULL. */
int rb_plot_results(const json_t *results, const char *out_dir,
                    const char *formats, rb_error *err);
/* The same with every option; opts may be NULL for the defaults. */
int rb_plot_results_with(const json_t *results, const char *out_dir,
                         const rb_plot_options *opts, rb_error *err);

/* The chart across datasets, datasets.{svg,png} in out_dir, from n
 * results files (one per dataset, n >= 2), and a charts.json listing
 * it. opts may be NULL. */
int rb_plot_datasets(const json_t *const *results, size_t n,
                     const char *out_dir, const rb_plot_options *opts,
                     rb_error *err);

#endif
