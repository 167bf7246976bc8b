#ifndef RB_DATASET_H
#define RB_DATASET_H

/*
 * A BEIR dataset in memory: documents, queries and one split's judgments,
 * ids interned. Document index i is id i of `doc_ids`, so retrievers refer
 * to documents by index and runs can borrow the table.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/intern.h"
#include "data/qrels.h"

typedef struct rb_dataset {
    char *name;           /* folder's base name */
    char *path;           /* folder as given */
    char *split;          /* qrels split, e.g. "test" */
    char fingerprint[65]; /* SHA-256 of the three files' lines, hex */

    rb_intern *doc_ids;
    const char **doc_titles;   /* by document index; "" when absent */
    const char **doc_texts;
    size_t ndocs;

    rb_intern *query_ids;
    const char **query_texts;  /* by query index */
    size_t nqueries;

    rb_qrels *qrels;           /* the split's judgments, as read */
    /* Queries to evaluate: those with judgments in the split, in the order
     * of queries.jsonl. Entries are query indexes. */
    uint32_t *eval_queries;
    size_t neval;

    size_t qrels_unknown_docs;     /* judgments naming no document */
    size_t qrels_unknown_queries;  /* judgments naming no query */

    rb_arena arena;                /* holds titles and texts */
} rb_dataset;

typedef struct rb_load_options {
    const char *split;   /* NULL means "test" */
    int strict;          /* unknown ids in qrels are errors */
    int skip_corpus;     /* load queries and qrels only */
} rb_load_options;

/* Load the dataset in folder dir. Files may be plain or gzip-compressed
 * (corpus.jsonl or corpus.jsonl.gz, ...). Returns NULL with err set to
 * `FILE:LINE: problem` on bad input. The caller frees with
 * rb_dataset_free. */
rb_dataset *rb_dataset_load(const char *dir, const rb_load_options *opt,
                            rb_error *err);
void rb_dataset_free(rb_dataset *ds);

/* Locate a dataset file ("corpus.jsonl", "qrels/test.tsv") in dir, trying
 * the name as given and with ".gz". Returns a new string, or NULL when
 * neither exists (errno ENOENT) or memory runs out (errno ENOMEM). */
char *rb_dataset_file(const char *dir, const char *name);

/* The text that keyword retrievers index: title + " " + text, in a new
 * string (rb_free); NULL when memory runs out. */
char *rb_dataset_doc_content(const rb_dataset *ds, size_t doc);

/* Index of a query id, or -1. */
long rb_dataset_find_query(const rb_dataset *ds, const char *qid);

#endif
