#ifndef RB_COMPARE_H
#define RB_COMPARE_H

/*
 * Paired comparisons of systems over per-query scores, as stored in a
 * results file (`retrievers[].per_query`, docs/results-schema.md) or
 * produced by rb_eval_to_json. For each pair and measure: the means over
 * the queries all systems share, the difference, bootstrap confidence
 * intervals, the p-values of the paired t, randomization and bootstrap
 * tests, Holm's correction with more than two systems, a significance
 * verdict, and optionally the queries that gain and lose most.
 * docs/statistics.md describes every field.
 *
 * How `rankbench run` uses it, after adding every retriever's entry:
 *
 *     rb_compare_options opt = RB_COMPARE_OPTIONS_INIT;
 *     opt.per_query = 10;
 *     rb_compare_add_to_results(results, baseline, ds, &opt, &err);
 *     ...
 *     printf(" %.4f%s |", mean, rb_compare_marker(results, name, m));
 *     ...
 *     rb_compare_print_summary(stdout, results);
 */

#include <jansson.h>
#include <stdio.h>

#include "base/error.h"
#include "data/dataset.h"
#include "metrics/stats.h"

typedef enum rb_compare_test {
    RB_TEST_T,
    RB_TEST_RANDOMIZATION,
    RB_TEST_BOOTSTRAP
} rb_compare_test;

typedef struct rb_compare_options {
    rb_paired_options stats;     /* trials, level and seed */
    rb_compare_test test;        /* whose p-value decides significance */
    double alpha;                /* significance level (0.05) */
    int strict;                  /* different query sets are an error */
    size_t per_query;            /* gains and losses to record (0: none) */
    /* Measures to compare (NULL-terminated), or NULL: those of
     * RB_COMPARE_DEFAULT_MEASURES that every system has. */
    const char *const *measures;
    /* Measure of the per-query gains and losses (NULL: the first
     * compared). */
    const char *per_query_measure;
    /* Threads for the random tests (0: all cores); results do not depend
     * on it. */
    int threads;
} rb_compare_options;

#define RB_COMPARE_OPTIONS_INIT \
    {RB_PAIRED_OPTIONS_INIT, RB_TEST_RANDOMIZATION, 0.05, 0, 0, NULL, NULL, 0}

/* The measures compared when none are named: nDCG@10 first. */
extern const char *const RB_COMPARE_DEFAULT_MEASURES[];

/* "t", "randomization", "bootstrap" and back (-1 for an unknown name). */
const char *rb_compare_test_name(rb_compare_test test);
int rb_compare_test_parse(const char *name, rb_compare_test *test);

/* One system: a label and its per-query object {qid: {measure: value}}
 * (borrowed). */
typedef struct rb_compare_system {
    const char *label;
    const json_t *per_query;
} rb_compare_system;

/* What rb_compare_systems found, for the caller to report. */
typedef struct rb_compare_info {
    size_t common_queries;   /* queries every system has */
    size_t union_queries;    /* queries any system has */
    size_t comparisons;      /* per measure */
    int holm;                /* whether p-values were Holm-adjusted */
} rb_compare_info;

/* Compare systems: each against systems[baseline] when baseline >= 0,
 * else every pair i < j (j against i). Queries are those every system
 * has; with opt->strict a difference in query sets is an error, otherwise
 * a warning saying how many were dropped. Query texts for the gains and
 * losses come from ds (may be NULL). Returns a new JSON array of
 * comparison objects (measure by measure, pairs in order), or NULL with
 * err set: a measure a system lacks, fewer than two queries in common,
 * fewer than two systems, memory. */
json_t *rb_compare_systems(const rb_compare_system *systems, size_t n,
                           long baseline, const rb_compare_options *opt,
                           const rb_dataset *ds, rb_compare_info *info,
                           rb_error *err);

/* For `rankbench run`: compare every retriever of a results object with
 * the one named baseline (NULL: the first), and store the comparisons in
 * results["comparisons"] and the settings (baseline, test, alpha, level,
 * trials, seed, Holm) in results["comparison_settings"]. Nothing is added
 * with fewer than two retrievers. Returns 0, or -1 with err set (no such
 * baseline, bad input as for rb_compare_systems). */
int rb_compare_add_to_results(json_t *results, const char *baseline,
                              const rb_dataset *ds,
                              const rb_compare_options *opt,
                              rb_error *err);

/* The marker to append to a table cell of retriever on measure: " ▲"
 * (with its leading space) when significantly better than the baseline of
 * results["comparison_settings"], " ▼" when significantly worse, "" when
 * not significant, not compared, or the baseline itself. Static
 * strings. */
const char *rb_compare_marker(const json_t *results, const char *retriever,
                              const char *measure);

/* The p-value of test ("t", "randomization", "bootstrap") in the
 * comparison c, Holm-adjusted when holm, as table text in out: "-" when
 * there is none, "<0.0001" when below that, else four decimals. */
void rb_compare_format_p(const json_t *c, const char *test, int holm,
                         char *out, size_t size);

/* Print under a results table: the legend of the markers and, for the
 * first compared measure, each retriever's mean with its confidence
 * interval, the difference from the baseline with its interval and the
 * three p-values, as a Markdown table. Prints nothing without
 * comparisons. */
void rb_compare_print_summary(FILE *out, const json_t *results);

#endif
