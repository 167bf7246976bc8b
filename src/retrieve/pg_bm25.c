/*
 * pg-bm25: BM25 computed by SQL functions inside PostgreSQL (see
 * pg_bm25_sql.h for the objects), with the Lucene idf and optional
 * correction of misspelt query terms through pg_trgm.
 */

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/progress.h"
#include "retrieve/params.h"
#include "retrieve/pg_bm25_sql.h"
#include "retrieve/pg_common.h"
#include "retrieve/pg_conn.h"
#include "retrieve/retriever.h"

#define BM25_COMPONENT "bm25/1"
#define FILL_BATCH 500

typedef struct pg_bm25 {
    rb_pg_common common;
    double k1, b;
    int fuzzy;
    double fuzzy_threshold;
    long k;                  /* 0: the run's k */
    char k1_text[32], b_text[32], fuzzy_text[32];
} pg_bm25;

static const char *const pg_bm25_params[] = {
    "k1", "b", "fuzzy", "fuzzy_threshold", "k", NULL
};

static int pg_bm25_create(const json_t *params, const rb_context *ctx,
                          void **state, rb_error *err)
{
    const char *who = "pg-bm25";
    const rb_params p = {params, "pg-bm25: parameter", 0};
    pg_bm25 *s = rb_calloc(1, sizeof *s);

    if (!s)
        return rb_error_oom(err);
    s->k1 = 1.2;
    s->b = 0.75;
    s->fuzzy = 1;
    s->fuzzy_threshold = 0.3;
    if (rb_params_number(&p, "k1", 0, 1000, &s->k1, err) ||
        rb_params_number(&p, "b", 0, 1, &s->b, err) ||
        rb_params_bool(&p, "fuzzy", &s->fuzzy, err) ||
        rb_params_number(&p, "fuzzy_threshold", 0.01, 1,
                         &s->fuzzy_threshold, err) ||
        rb_params_long(&p, "k", 1, 1000000, &s->k, err) ||
        rb_pg_common_init(&s->common, who, ctx, err)) {
        rb_free(s);
        return -1;
    }
    /* %.17g reads back to the same double on the server. */
    snprintf(s->k1_text, sizeof s->k1_text, "%.17g", s->k1);
    snprintf(s->b_text, sizeof s->b_text, "%.17g", s->b);
    snprintf(s->fuzzy_text, sizeof s->fuzzy_text, "%.17g",
             s->fuzzy_threshold);
    *state = s;
    return 0;
}

static int run_all(PGconn *conn, const char *const *sql, rb_error *err)
{
    size_t i;

    for (i = 0; sql[i]; i++)
        if (rb_pg_command(conn, sql[i], err) != 0)
            return -1;
    return 0;
}

/* Tokenize every document on the server, in batches for progress. */
static int fill_documents(PGconn *conn, const rb_dataset *ds,
                          rb_error *err)
{
    rb_progress progress;
    size_t begin;
    int rc = 0;

    rb_progress_start(&progress, "pg-bm25", ds->ndocs);
    for (begin = 0; begin < ds->ndocs && rc == 0; begin += FILL_BATCH) {
        size_t end = begin + FILL_BATCH;
        char from[32], to[32];
        const char *values[2] = {from, to};

        if (end > ds->ndocs)
            end = ds->ndocs;
        snprintf(from, sizeof from, "%zu", begin);
        snprintf(to, sizeof to, "%zu", end);
        rc = rb_pg_exec(conn, rb_pg_bm25_fill_docs_sql, 2, values, NULL,
                        err);
        rb_progress_update(&progress, end);
    }
    rb_progress_finish(&progress);
    return rc;
}

static int pg_bm25_build(PGconn *conn, const rb_dataset *ds, void *arg,
                         rb_error *err)
{
    (void)arg;
    if (run_all(conn, rb_pg_bm25_schema_sql, err) != 0 ||
        fill_documents(conn, ds, err) != 0 ||
        run_all(conn, rb_pg_bm25_finish_sql, err) != 0)
        return -1;
    return 0;
}

static int pg_bm25_index(void *state, const rb_dataset *ds,
                         const rb_context *ctx, rb_error *err)
{
    pg_bm25 *s = state;

    (void)ctx;
    return rb_pg_common_index(&s->common, ds, 1, BM25_COMPONENT,
                              pg_bm25_build, s, err);
}

static int pg_bm25_query(void *arg, int thread, PGconn *conn,
                         const char *text, size_t k, PGresult **res,
                         rb_error *err)
{
    pg_bm25 *s = arg;
    char ktext[32];
    const char *values[5];

    (void)thread;
    snprintf(ktext, sizeof ktext, "%zu", k);
    values[0] = text;
    values[1] = ktext;
    values[2] = s->k1_text;
    values[3] = s->b_text;
    values[4] = s->fuzzy ? s->fuzzy_text : NULL;
    return rb_pg_exec(conn, rb_pg_bm25_search_sql, 5, values, res, err);
}

static int pg_bm25_search(void *state, const rb_dataset *ds,
                          const rb_context *ctx, size_t k, rb_run *run,
                          rb_error *err)
{
    pg_bm25 *s = state;

    (void)ctx;
    if (s->k > 0 && (size_t)s->k < k)
        k = (size_t)s->k;
    return rb_pg_common_search(&s->common, ds, k, run, pg_bm25_query, s,
                               err);
}

static json_t *pg_bm25_describe(void *state)
{
    pg_bm25 *s = state;
    json_t *obj = json_pack(
        "{s:s, s:f, s:f, s:b, s:f, s:s, s:I}",
        "idf", "lucene", "k1", s->k1, "b", s->b, "fuzzy", s->fuzzy,
        "fuzzy_threshold", s->fuzzy_threshold,
        "tokenizer", "ts_parse default, english stop words, english "
        "snowball", "rejected_queries", (json_int_t)s->common.rejected);

    if (obj && s->k > 0)
        json_object_set_new(obj, "k", json_integer(s->k));
    return rb_pg_common_describe(&s->common, obj);
}

static void pg_bm25_destroy(void *state)
{
    pg_bm25 *s = state;

    if (!s)
        return;
    rb_pg_common_release(&s->common);
    rb_free(s);
}

const rb_retriever_ops rb_pg_bm25_retriever = {
    "pg-bm25",
    "BM25 in PostgreSQL SQL functions (Lucene idf, pg_trgm fuzzy terms)",
    pg_bm25_params,
    pg_bm25_create,
    pg_bm25_index,
    pg_bm25_search,
    pg_bm25_describe,
    pg_bm25_destroy,
};
