#ifndef RB_REPORT_MD_H
#define RB_REPORT_MD_H

/*
 * The report page: a Markdown file to paste into a blog post or a pull
 * request. For one results file it holds the table of the main measures
 * and timings (best value per column in bold), the charts that
 * rb_plot_results drew (read from their charts.json, PNG embedded with
 * links to the SVG, data and script), the run's and each retriever's
 * configuration, and the dataset with its fingerprint. For several
 * datasets an overview page holds the chart and a table across them.
 */

#include <stddef.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"

/* The folder, inside a results folder, where rb_report_write looks for
 * charts (and where `rankbench run --plots` draws them). */
#define RB_REPORT_CHARTS_DIR "plots"

/* Append the page for results to out. manifest is the charts.json of
 * the chart folder (NULL: no charts drawn); charts_href is the chart
 * folder's path relative to the page ("" when beside it, else ending in
 * "/"). The results must pass rb_plot_check_results. */
int rb_report_render(const json_t *results, const json_t *manifest,
                     const char *charts_href, rb_buf *out, rb_error *err);

/* Write the page for results to report_path atomically, embedding the
 * charts listed in charts_dir/charts.json (charts_dir NULL or without a
 * charts.json: a page without charts that says how to draw them) by the
 * relative path charts_href. */
int rb_report_write_file(const json_t *results, const char *report_path,
                         const char *charts_dir, const char *charts_href,
                         rb_error *err);

/* results_dir/report.md with the charts of results_dir/plots/: what
 * `rankbench run --plots` writes beside results.json. */
int rb_report_write(const json_t *results, const char *results_dir,
                    rb_error *err);

/* The overview page of n results files (one per dataset): nDCG@10 and
 * recall@100 of each retriever on each dataset, the datasets and their
 * fingerprints, the chart across datasets when charts_dir has one, and
 * links to each dataset's page (pages[i] relative to report_path; NULL
 * entries or pages NULL: no links). */
int rb_report_write_datasets(const json_t *const *results,
                             const char *const *pages, size_t n,
                             const char *report_path,
                             const char *charts_dir,
                             const char *charts_href, rb_error *err);

#endif
