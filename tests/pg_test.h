#ifndef RB_PG_TEST_H
#define RB_PG_TEST_H

/*
 * Helpers for tests against a real PostgreSQL: each test program starts
 * its own throwaway cluster, and skips (exit 77) only when the server
 * programs are not installed. Datasets are built in memory.
 */

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/mem.h"
#include "check.h"
#include "data/dataset.h"
#include "retrieve/pg_conn.h"
#include "retrieve/pg_temp.h"

/* Start a cluster or skip the whole program when PostgreSQL is absent;
 * any other failure to start is a test failure. */
static inline rb_pg_temp *pg_test_start(void)
{
    char bindir[4096];
    rb_error err = {{0}, 0};
    rb_pg_temp *t = NULL;

    if (rb_pg_find_bindir(bindir, sizeof bindir, &err) != 0) {
        static char why[RB_ERROR_MAX + 64];

        snprintf(why, sizeof why, "no PostgreSQL server programs (%s)",
                 err.msg);
        CHECK_SKIP(why);
    }
    if (rb_pg_temp_start(&t, &err) != 0) {
        fprintf(stderr, "cannot start a throwaway cluster: %s\n", err.msg);
        exit(1);
    }
    return t;
}

static inline PGconn *pg_test_connect(const rb_pg_temp *t)
{
    rb_error err = {{0}, 0};
    PGconn *c = rb_pg_connect(rb_pg_temp_conninfo(t), &err);

    if (!c) {
        fprintf(stderr, "cannot connect: %s\n", err.msg);
        exit(1);
    }
    return c;
}

/* Run sql (no parameters) and return the first value as a new string. */
static inline char *pg_test_value(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    char *v = NULL;

    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
        v = rb_strdup(PQgetvalue(res, 0, 0));
    else
        fprintf(stderr, "query failed: %s: %s\n", sql,
                PQresultErrorMessage(res));
    PQclear(res);
    return v;
}

/* A small in-memory dataset: docs as {id, title, text} triples, queries
 * as {id, text} pairs, every query evaluated. The fingerprint hashes the
 * contents, so different contents get different schemas. */
typedef struct pg_test_doc {
    const char *id, *title, *text;
} pg_test_doc;

typedef struct pg_test_query {
    const char *id, *text;
} pg_test_query;

static inline rb_dataset *pg_test_dataset(const char *name,
                                          const pg_test_doc *docs,
                                          size_t ndocs,
                                          const pg_test_query *queries,
                                          size_t nqueries)
{
    rb_dataset *ds = rb_calloc(1, sizeof *ds);
    rb_sha256 *sha = rb_sha256_new();
    size_t i;

    if (!ds || !sha)
        exit(1);
    ds->name = rb_strdup(name);
    ds->path = rb_strdup(name);
    ds->split = rb_strdup("test");
    ds->doc_ids = rb_intern_new();
    ds->query_ids = rb_intern_new();
    ds->doc_titles = rb_calloc(ndocs + 1, sizeof *ds->doc_titles);
    ds->doc_texts = rb_calloc(ndocs + 1, sizeof *ds->doc_texts);
    ds->query_texts = rb_calloc(nqueries + 1, sizeof *ds->query_texts);
    ds->eval_queries = rb_calloc(nqueries + 1, sizeof *ds->eval_queries);
    rb_sha256_update(sha, name, strlen(name) + 1);
    for (i = 0; i < ndocs; i++) {
        rb_intern_add(ds->doc_ids, docs[i].id, strlen(docs[i].id), NULL);
        ds->doc_titles[i] = docs[i].title;
        ds->doc_texts[i] = docs[i].text;
        rb_sha256_update(sha, docs[i].id, strlen(docs[i].id) + 1);
        rb_sha256_update(sha, docs[i].title, strlen(docs[i].title) + 1);
        rb_sha256_update(sha, docs[i].text, strlen(docs[i].text) + 1);
    }
    for (i = 0; i < nqueries; i++) {
        rb_intern_add(ds->query_ids, queries[i].id, strlen(queries[i].id),
                      NULL);
        ds->query_texts[i] = queries[i].text;
        ds->eval_queries[i] = (uint32_t)i;
        rb_sha256_update(sha, queries[i].id, strlen(queries[i].id) + 1);
        rb_sha256_update(sha, queries[i].text,
                         strlen(queries[i].text) + 1);
    }
    ds->ndocs = ndocs;
    ds->nqueries = nqueries;
    ds->neval = nqueries;
    rb_sha256_final(sha, ds->fingerprint);
    return ds;
}

static inline void pg_test_dataset_free(rb_dataset *ds)
{
    rb_free(ds->name);
    rb_free(ds->path);
    rb_free(ds->split);
    rb_intern_free(ds->doc_ids);
    rb_intern_free(ds->query_ids);
    rb_free(ds->doc_titles);
    rb_free(ds->doc_texts);
    rb_free(ds->query_texts);
    rb_free(ds->eval_queries);
    rb_free(ds);
}

#endif
