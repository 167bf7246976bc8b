#ifndef RB_RETRIEVER_H
#define RB_RETRIEVER_H

/*
 * The retriever interface: a table of functions per engine. `rankbench run`
 * creates each requested retriever with its parameters (a JSON object from
 * the config or flags), indexes the dataset, then searches every evaluated
 * query, producing a run.
 */

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"
#include "data/dataset.h"
#include "data/run.h"

/* What every retriever may use besides its own parameters. */
typedef struct rb_context {
    int threads;            /* resolved thread count (>= 1) */
    const char *cache_dir;  /* where indexes and embeddings are cached */
    const char *pg_conninfo;/* PostgreSQL server, or NULL */
    const char *model;      /* encoder model folder or name, or NULL */
    const char *device;     /* "cpu", "cuda" or NULL for automatic */
    int quiet;
    /* Runs already computed in this invocation, by retriever name, so that
     * a fusion retriever can reuse them. NULL when unknown. */
    const rb_run *(*find_run)(void *arg, const char *name);
    void *find_run_arg;
} rb_context;

typedef struct rb_retriever_ops {
    const char *name;
    const char *summary;    /* one line for --help */
    /* Names of the parameters accepted, NULL-terminated, for error
     * messages and validation. */
    const char *const *params;

    /* Create the retriever from its parameters (an object; unknown keys
     * have been rejected against `params`). */
    int (*create)(const json_t *params, const rb_context *ctx,
                  void **state, rb_error *err);
    /* Build or load whatever search needs for ds. */
    int (*index)(void *state, const rb_dataset *ds, const rb_context *ctx,
                 rb_error *err);
    /* Search the queries ds->eval_queries, k results each, into run (which
     * borrows ds->doc_ids): one rb_run query per evaluated query, in
     * order, results in trec_eval order. */
    int (*search)(void *state, const rb_dataset *ds, const rb_context *ctx,
                  size_t k, rb_run *run, rb_error *err);
    /* Describe the effective configuration (parameters with defaults,
     * analyzer, model...) for the results file; a new reference. */
    json_t *(*describe)(void *state);
    void (*destroy)(void *state);
} rb_retriever_ops;

/* All retrievers compiled in, NULL-terminated. */
const rb_retriever_ops *const *rb_retrievers_all(void);
/* A retriever by name, or NULL. */
const rb_retriever_ops *rb_retriever_find(const char *name);
/* Check that params has only keys listed in ops->params. */
int rb_retriever_check_params(const rb_retriever_ops *ops,
                              const json_t *params, rb_error *err);

#endif
