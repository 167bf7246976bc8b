#ifndef RB_PG_COMMON_H
#define RB_PG_COMMON_H

/*
 * What the pg-* retrievers share: their connections (one per search
 * thread, all to the server of ctx->pg_conninfo or the PG* environment),
 * loading the dataset and building a retriever's component once, and the
 * search loop that turns one SQL result per query into a run.
 */

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "base/error.h"
#include "data/dataset.h"
#include "data/run.h"
#include "retrieve/pg_dataset.h"
#include "retrieve/retriever.h"

typedef struct rb_pg_common {
    const char *name;        /* retriever name, for messages */
    char *conninfo;          /* NULL: the PG* environment */
    PGconn **conns;          /* conns[0] indexes; all search */
    char (*schemas)[RB_PG_SCHEMA_MAX]; /* each session's search_path */
    int nconns;              /* connections wanted (threads) */
    size_t rejected;         /* queries skipped for bad text, last run */
    json_t *server;          /* rb_pg_describe_server of conns[0] */
} rb_pg_common;

/* Start from ctx (no connection is made yet). */
int rb_pg_common_init(rb_pg_common *c, const char *name,
                      const rb_context *ctx, rb_error *err);
void rb_pg_common_release(rb_pg_common *c);

/* Connect when needed, install pg_trgm when needs_trgm, load ds and build
 * the component (see rb_pg_dataset_component; build may be NULL for
 * none). */
int rb_pg_common_index(rb_pg_common *c, const rb_dataset *ds,
                       int needs_trgm, const char *component,
                       rb_pg_build_fn build, void *arg, rb_error *err);

/* Search one query: run its SQL on conn and return rows whose first two
 * columns are the document index and the score, best first, at most k.
 * thread (0 .. nconns-1) selects per-thread state in arg. */
typedef int (*rb_pg_query_fn)(void *arg, int thread, PGconn *conn,
                              const char *text, size_t k, PGresult **res,
                              rb_error *err);

/* Search every evaluated query of ds into run. A query whose text is not
 * valid UTF-8 is skipped with a warning (no results; counted in
 * c->rejected) and the run goes on; any other failure stops the search
 * with an error naming the retriever and the query. */
int rb_pg_common_search(rb_pg_common *c, const rb_dataset *ds, size_t k,
                        rb_run *run, rb_pg_query_fn fn, void *arg,
                        rb_error *err);

/* Check a query's bytes: 0 when usable, else -1 with the reason in why
 * (an embedded NUL byte, or the offset of invalid UTF-8). */
int rb_pg_check_query(const char *text, size_t len, char *why, size_t size);

/* Encode strings as a PostgreSQL text[] literal for a parameter, every
 * element quoted. A new string (rb_free), NULL when memory runs out. */
char *rb_pg_text_array(const char *const *items, size_t n);

/* Merge the common describe fields ({"server": ...}) into obj, which the
 * call takes over. Returns obj, or NULL when obj is NULL or memory runs
 * out (obj is then released). */
json_t *rb_pg_common_describe(const rb_pg_common *c, json_t *obj);

#endif
