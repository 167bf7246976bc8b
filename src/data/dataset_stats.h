#ifndef RB_DATASET_STATS_H
#define RB_DATASET_STATS_H

/*
 * Descriptive statistics of a BEIR dataset: token lengths of documents
 * and queries, vocabulary sizes, and judgments per query for one split,
 * with gnuplot charts of the distributions.
 *
 * Lengths count the terms the keyword retrievers index: the output of
 * the analyzer (text/analyzer.h; by default its BM25 configuration) over
 * title + " " + text. The `tokenizer` field names the analysis used.
 */

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"

/* Summary of a distribution of counts. Quantiles interpolate linearly
 * between the closest ranks (numpy's default); the deviation is the
 * population one. All zero when n is 0. */
typedef struct rb_count_summary {
    size_t n;
    size_t total;
    size_t min, max;
    size_t zeros;        /* members equal to 0 */
    double mean, stddev;
    double median, p90, p99;
} rb_count_summary;

/* Fill s from n counts; sorts counts in place. */
void rb_count_summary_of(size_t *counts, size_t n, rb_count_summary *s);

typedef struct rb_stats_grade {
    int grade;
    size_t count;
} rb_stats_grade;

typedef struct rb_dataset_stats {
    char *dir;
    char *split;                 /* NULL when no qrels file was found */
    char *tokenizer;             /* the analysis used: the analyzer's
                                  * description as JSON text */

    size_t documents;
    rb_count_summary doc_tokens;
    size_t *doc_lengths;         /* sorted, one per document */

    size_t queries_total;        /* records in queries.jsonl */
    size_t queries;              /* queries measured: those judged in the
                                  * split, or all without qrels */
    rb_count_summary query_tokens;
    size_t *query_lengths;       /* sorted */

    size_t vocabulary;           /* distinct terms in the corpus */
    size_t query_vocabulary;     /* distinct terms in measured queries */
    size_t query_terms_unseen;   /* of those, not in the corpus */

    size_t judgments;            /* lines of the split's qrels */
    size_t judged_queries;       /* distinct queries in the qrels */
    size_t relevant;             /* judgments with grade > 0 */
    rb_count_summary judged_per_query;
    rb_count_summary relevant_per_query;
    size_t *judged_counts;       /* sorted, one per judged query */
    rb_stats_grade *grades;      /* ascending */
    size_t ngrades;
} rb_dataset_stats;

/* Compute statistics of the dataset in dir with the given split's qrels
 * (NULL means "test"; a dataset without that split is measured without
 * judgments). analysis holds analyzer settings over its defaults, as
 * rb_analyzer_config_from_json reads them, or is NULL. Without the
 * analyzer in the build only the plain-word settings are accepted
 * ({"stopwords": "none", "stemmer": "none", "min_length": 1}).
 * Malformed input is an error naming the file and line; run the checker
 * for a full list. Returns a new object (free it with
 * rb_dataset_stats_free) or NULL with err set. */
rb_dataset_stats *rb_dataset_stats_compute(const char *dir,
                                           const char *split,
                                           const json_t *analysis,
                                           rb_error *err);

void rb_dataset_stats_free(rb_dataset_stats *st);

/* The statistics as JSON (a new reference), NULL when memory runs out. */
json_t *rb_dataset_stats_json(const rb_dataset_stats *st);

/* Write histograms of document lengths, query lengths and judgments per
 * query into folder outdir (created when missing), in the style of the
 * other charts (docs/charts.md): for each chart NAME.dat, a
 * self-contained NAME.gp built from plots/common.gp and
 * plots/histogram.gp, and NAME.svg and NAME.png drawn by gnuplot. The
 * templates are read from $RANKBENCH_PLOTS_DIR, else the source tree's
 * plots/. Returns 0; 1 when gnuplot cannot be used (the data and
 * scripts are still written, err says why); -1 with err set. */
int rb_dataset_stats_plot(const rb_dataset_stats *st, const char *outdir,
                          rb_error *err);

#endif
