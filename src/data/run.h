#ifndef RB_RUN_H
#define RB_RUN_H

/*
 * A run: for each query, a ranked list of (document, score). It is the one
 * currency between retrievers, fusion, TREC files and evaluation.
 *
 * Document ids live in an intern table that the run owns, or borrows from a
 * dataset (rb_run_new_borrowed) so that a retriever can add results by
 * document index without hashing. Queries keep insertion order.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/intern.h"

typedef struct rb_result {
    uint32_t doc;     /* id in the run's document table */
    double score;
} rb_result;

typedef struct rb_run_query {
    uint32_t qid;     /* id in run->qids */
    rb_result *results;
    size_t n, cap;
} rb_run_query;

typedef struct rb_run {
    rb_intern *qids;
    rb_intern *docs;
    int owns_docs;
    rb_run_query *queries;   /* index == qid */
    size_t nqueries, cap;
    char *tag;               /* run tag, written in the sixth column */
} rb_run;

/* A new run with its own document table, or one borrowing docs (which must
 * outlive the run). NULL when memory runs out. */
rb_run *rb_run_new(const char *tag);
rb_run *rb_run_new_borrowed(const char *tag, rb_intern *docs);
void rb_run_free(rb_run *run);

/* Index of query qid, added when absent; -1 when memory runs out. */
long rb_run_query_index(rb_run *run, const char *qid, size_t qlen);
/* Index of query qid or -1 when the run has no such query. */
long rb_run_find_query(const rb_run *run, const char *qid);
/* Append a result to query qi. */
int rb_run_push(rb_run *run, size_t qi, uint32_t doc, double score);
/* Append a result by document string (interned in the run's table). */
int rb_run_push_str(rb_run *run, size_t qi, const char *doc, size_t dlen,
                    double score);
static inline const char *rb_run_doc(const rb_run *run, uint32_t doc)
{
    return rb_intern_str(run->docs, doc);
}
static inline const char *rb_run_qid(const rb_run *run, size_t qi)
{
    return rb_intern_str(run->qids, run->queries[qi].qid);
}

/* Order each query's results as trec_eval does: score descending, ties by
 * document id descending (byte comparison). */
void rb_run_sort_trec(rb_run *run);
/* The same order for one array of results whose ids belong to docs. */
void rb_results_sort_trec(rb_result *results, size_t n,
                          const rb_intern *docs);
/* Keep at most k results per query (after sorting). */
void rb_run_truncate(rb_run *run, size_t k);
/* Index of the first duplicate document in query qi after sorting by doc,
 * used to reject runs; returns 0 and sets *dup_doc when one is found. */
int rb_run_find_duplicate(const rb_run *run, size_t qi, uint32_t *dup_doc);

/* Read a TREC run ("qid Q0 docno rank score tag"); the rank column is
 * ignored. A duplicate docno within a query is an error. */
rb_run *rb_run_read_trec(const char *path, rb_error *err);
/* Write a TREC run atomically: queries in insertion order, results in
 * stored order with ranks 1.., scores printed so they read back exactly. */
int rb_run_write_trec(const rb_run *run, const char *path, rb_error *err);

/* Print a score in the shortest form that reads back to the same double. */
int rb_format_score(double score, char *out, size_t size);

#endif
