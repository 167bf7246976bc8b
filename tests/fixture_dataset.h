#ifndef RB_FIXTURE_DATASET_H
#define RB_FIXTURE_DATASET_H

/*
 * Small in-memory datasets for retriever tests, built the way the loader
 * builds them (so rb_dataset_free releases them): every query is
 * evaluated, in the order given.
 */

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "data/dataset.h"

typedef struct fixture_doc {
    const char *id, *title, *text;
} fixture_doc;

typedef struct fixture_query {
    const char *id, *text;
} fixture_query;

static inline rb_dataset *fixture_dataset(const fixture_doc *docs,
                                          size_t ndocs,
                                          const fixture_query *queries,
                                          size_t nqueries)
{
    rb_dataset *ds = rb_calloc(1, sizeof *ds);
    size_t i;

    if (!ds)
        return NULL;
    ds->name = rb_strdup("fixture");
    ds->path = rb_strdup("fixture");
    ds->split = rb_strdup("test");
    memset(ds->fingerprint, 'f', 64);
    ds->doc_ids = rb_intern_new();
    ds->query_ids = rb_intern_new();
    ds->doc_titles = rb_calloc(ndocs + 1, sizeof *ds->doc_titles);
    ds->doc_texts = rb_calloc(ndocs + 1, sizeof *ds->doc_texts);
    ds->query_texts = rb_calloc(nqueries + 1, sizeof *ds->query_texts);
    ds->eval_queries = rb_calloc(nqueries + 1, sizeof *ds->eval_queries);
    for (i = 0; i < ndocs; i++) {
        const char *title = docs[i].title ? docs[i].title : "";

        rb_intern_add(ds->doc_ids, docs[i].id, strlen(docs[i].id), NULL);
        ds->doc_titles[i] = rb_arena_strndup(&ds->arena, title,
                                             strlen(title));
        ds->doc_texts[i] = rb_arena_strndup(&ds->arena, docs[i].text,
                                            strlen(docs[i].text));
    }
    ds->ndocs = ndocs;
    for (i = 0; i < nqueries; i++) {
        rb_intern_add(ds->query_ids, queries[i].id, strlen(queries[i].id),
                      NULL);
        ds->query_texts[i] = rb_arena_strndup(&ds->arena, queries[i].text,
                                              strlen(queries[i].text));
        ds->eval_queries[i] = (uint32_t)i;
    }
    ds->nqueries = nqueries;
    ds->neval = nqueries;
    return ds;
}

/* The shared collections folder, or NULL when absent. */
static inline const char *fixture_shared_dir(void)
{
    const char *dir = getenv("RB_SHARED_DIR");

    if (!dir || !*dir)
        dir = RB_SHARED_DIR;
    return dir;
}

#endif
