#ifndef RB_PROBE_REPORT_H
#define RB_PROBE_REPORT_H

/*
 * Masked-token probe reports (encoder/probe.h) as text, JSON and a chart.
 *
 * The text report has one line per probe,
 *
 *   CAP_001: expected=france got=[france(0.62), spain(0.08), ...] hit@1
 *
 * ending in "hit@1", "hit@K rank=R p=P" or "miss rank=R p=P" (rank over
 * the whole vocabulary, p the expected word's probability); a probe of
 * several pieces lists each piece and one bracketed list per piece. Then
 * accuracy@1, accuracy@K, MRR, mean probability and mean entropy for all
 * probes and per tag, the diagnostics and their warnings, and the lines
 * that could not run.
 *
 * The chart, probe_accuracy.{svg,png} with its .dat and .gp beside it,
 * shows accuracy@1, accuracy@K and MRR by tag as horizontal bars (the
 * plots/bars.gp template of the results charts).
 */

#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"
#include "encoder/probe.h"
#include "report/plot.h"

/* Describes the run in the report's header (all may be NULL). */
typedef struct rb_probe_context {
    const char *suite;          /* the suite's path as given */
    const char *model;          /* the model as given */
    const char *device;         /* "cpu", "cuda" */
} rb_probe_context;

/* Append the text report to out. Returns 0, or -1 when memory runs out. */
int rb_probe_report_text(const rb_probe_report *r,
                         const rb_probe_context *ctx, rb_buf *out);

/* The report as JSON (schema "rankbench.probe", version 1), without the
 * model's, encoder's and head's descriptions, which the caller adds; a
 * new reference, NULL when memory runs out. */
json_t *rb_probe_report_json(const rb_probe_report *r,
                             const rb_probe_context *ctx);

/* The name of the chart's files in the output folder. */
#define RB_PROBE_CHART "probe_accuracy"

/* Write the chart's data and script into out_dir and, when gnuplot can
 * be run, draw it in each format of opts (NULL: the defaults). *drawn
 * says whether pictures were made; when gnuplot is missing the call
 * still succeeds, with *drawn 0 and the reason in why. Fails on write
 * errors and when gnuplot fails. */
int rb_probe_report_chart(const rb_probe_report *r,
                          const rb_probe_context *ctx, const char *out_dir,
                          const rb_plot_options *opts, int *drawn,
                          char *why, size_t why_size, rb_error *err);

#endif
