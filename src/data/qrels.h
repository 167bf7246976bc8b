#ifndef RB_QRELS_H
#define RB_QRELS_H

/*
 * Relevance judgments: for each query, the judged documents and their
 * integer grades. Query ids and document ids are interned; queries keep the
 * order in which they first appear.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/intern.h"

typedef struct rb_judgment {
    uint32_t doc;    /* id in rb_qrels_docs() */
    int grade;
} rb_judgment;

typedef struct rb_qrels_query {
    uint32_t qid;          /* id in rb_qrels_qids() */
    rb_judgment *judged;   /* sorted by doc id once the qrels are sealed */
    size_t n, cap;
} rb_qrels_query;

typedef struct rb_qrels {
    rb_intern *qids;
    rb_intern *docs;
    rb_qrels_query *queries;   /* index == qid */
    size_t nqueries, cap;
    size_t njudgments;
    int sealed;
} rb_qrels;

/* A new, empty set; NULL when memory runs out. */
rb_qrels *rb_qrels_new(void);
void rb_qrels_free(rb_qrels *q);

/* Add one judgment. Returns 0, 1 when the (query, doc) pair was already
 * judged (the set is unchanged), or -1 when memory runs out. */
int rb_qrels_add(rb_qrels *q, const char *qid, size_t qlen,
                 const char *doc, size_t dlen, int grade, rb_error *err);

/* Sort each query's judgments for lookup. Called by the readers; call it
 * after adding judgments by hand. */
void rb_qrels_seal(rb_qrels *q);

/* Grade of doc (an id of rb_qrels_docs) for query index qi, or *found = 0
 * when it is not judged. Needs a sealed set. */
int rb_qrels_grade(const rb_qrels *q, size_t qi, uint32_t doc, int *found);

/* Index of query qid, or -1 when it has no judgments. */
long rb_qrels_find_query(const rb_qrels *q, const char *qid);

/* Read TREC qrels ("qid iter docno grade", whitespace separated). */
rb_qrels *rb_qrels_read_trec(const char *path, rb_error *err);
/* Read a BEIR qrels TSV ("query-id<TAB>corpus-id<TAB>score" header). */
rb_qrels *rb_qrels_read_beir(const char *path, rb_error *err);
/* Read either format, told apart by the BEIR header line. */
rb_qrels *rb_qrels_read(const char *path, rb_error *err);

/* Write TREC qrels atomically, queries and documents in insertion order. */
int rb_qrels_write_trec(const rb_qrels *q, const char *path, rb_error *err);

#endif
