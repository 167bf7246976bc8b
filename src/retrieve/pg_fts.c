/*
 * pg-fts: PostgreSQL's own full-text search as a baseline. Each document
 * gets a stored tsvector column (generated from title and body, so it
 * follows any change) with a GIN index; a query becomes the OR of its
 * lexemes under the same text search configuration, ranked by ts_rank_cd
 * with a selectable normalization.
 */

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "retrieve/params.h"
#include "retrieve/pg_common.h"
#include "retrieve/pg_conn.h"
#include "retrieve/retriever.h"

#define CONFIG_MAX 40

typedef struct pg_fts {
    rb_pg_common common;
    char config[CONFIG_MAX + 1];   /* text search configuration */
    long normalization;            /* ts_rank_cd bit mask, 0..63 */
    char norm_text[16];
    char column[CONFIG_MAX + 8];   /* "fts_" + config */
    char component[CONFIG_MAX + 16];
    char *search_sql;
} pg_fts;

static const char *const pg_fts_params[] = {
    "config", "normalization", NULL
};

/* Configuration names become part of a column name: keep them to
 * lowercase letters, digits and underscores. */
static int config_name_ok(const char *s)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > CONFIG_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

static int pg_fts_create(const json_t *params, const rb_context *ctx,
                         void **state, rb_error *err)
{
    const char *who = "pg-fts";
    const rb_params p = {params, "pg-fts: parameter", 0};
    pg_fts *s = rb_calloc(1, sizeof *s);
    json_t *cfg = params ? json_object_get(params, "config") : NULL;

    if (!s)
        return rb_error_oom(err);
    strcpy(s->config, "english");
    if (cfg) {
        if (!json_is_string(cfg) || !config_name_ok(json_string_value(cfg))) {
            rb_free(s);
            return rb_error_set(err, "%s: parameter \"config\" must name a "
                                "text search configuration (lowercase "
                                "letters, digits, _)", who);
        }
        strcpy(s->config, json_string_value(cfg));
    }
    if (rb_params_long(&p, "normalization", 0, 63, &s->normalization,
                       err) != 0 ||
        rb_pg_common_init(&s->common, who, ctx, err) != 0) {
        rb_free(s);
        return -1;
    }
    snprintf(s->norm_text, sizeof s->norm_text, "%ld", s->normalization);
    snprintf(s->column, sizeof s->column, "fts_%s", s->config);
    snprintf(s->component, sizeof s->component, "fts/1/%s", s->config);
    *state = s;
    return 0;
}

/* The search statement for the column; the column name is the only
 * text put into it (validated and quoted), every value is a parameter:
 * $1 configuration, $2 query, $3 normalization, $4 k. Lexemes are quoted
 * for tsquery input by doubling quotes and backslashes. */
static char *make_search_sql(PGconn *conn, const char *column)
{
    char *col = PQescapeIdentifier(conn, column, strlen(column));
    rb_buf b = RB_BUF_INIT;
    int rc;

    if (!col)
        return NULL;
    rc = rb_buf_printf(
        &b,
        "WITH q AS (\n"
        "  SELECT string_agg('''' || replace(replace(l, '\\', '\\\\'),\n"
        "                                    '''', '''''') || '''',\n"
        "                    ' | ')::tsquery AS query\n"
        "  FROM unnest(tsvector_to_array(\n"
        "         to_tsvector($1::regconfig, $2::text))) AS l)\n"
        "SELECT d.idx, ts_rank_cd(d.%s, q.query, $3::integer)::float8\n"
        "         AS score\n"
        "FROM docs AS d, q\n"
        "WHERE q.query IS NOT NULL AND d.%s @@ q.query\n"
        "ORDER BY score DESC, d.id COLLATE \"C\" DESC\n"
        "LIMIT $4::integer", col, col);
    PQfreemem(col);
    if (rc != 0) {
        rb_buf_release(&b);
        return NULL;
    }
    return rb_buf_detach(&b);
}

static int pg_fts_build(PGconn *conn, const rb_dataset *ds, void *arg,
                        rb_error *err)
{
    pg_fts *s = arg;
    const char *values[1] = {s->config};
    char *col = NULL, *cfg = NULL, *index = NULL;
    char index_name[CONFIG_MAX + 16];
    rb_buf sql = RB_BUF_INIT;
    int rc = -1;

    (void)ds;
    /* A clear message for an unknown configuration. */
    if (rb_pg_exec(conn, "SELECT $1::regconfig", 1, values, NULL,
                   err) != 0)
        return -1;
    snprintf(index_name, sizeof index_name, "docs_%s", s->column);
    col = PQescapeIdentifier(conn, s->column, strlen(s->column));
    cfg = PQescapeLiteral(conn, s->config, strlen(s->config));
    index = PQescapeIdentifier(conn, index_name, strlen(index_name));
    if (!col || !cfg || !index) {
        rb_error_set(err, "postgresql: %s", PQerrorMessage(conn));
        goto done;
    }
    if (rb_buf_printf(&sql, "ALTER TABLE docs ADD COLUMN %s tsvector "
                      "GENERATED ALWAYS AS (to_tsvector(%s::regconfig, "
                      "title || ' ' || body)) STORED", col, cfg) != 0) {
        rb_error_oom(err);
        goto done;
    }
    if (rb_pg_command(conn, sql.data, err) != 0)
        goto done;
    rb_buf_reset(&sql);
    if (rb_buf_printf(&sql, "CREATE INDEX %s ON docs USING gin (%s)",
                      index, col) != 0) {
        rb_error_oom(err);
        goto done;
    }
    if (rb_pg_command(conn, sql.data, err) != 0 ||
        rb_pg_command(conn, "ANALYZE docs", err) != 0)
        goto done;
    rc = 0;
done:
    PQfreemem(col);
    PQfreemem(cfg);
    PQfreemem(index);
    rb_buf_release(&sql);
    return rc;
}

static int pg_fts_index(void *state, const rb_dataset *ds,
                        const rb_context *ctx, rb_error *err)
{
    pg_fts *s = state;

    (void)ctx;
    if (rb_pg_common_index(&s->common, ds, 0, s->component, pg_fts_build,
                           s, err) != 0)
        return -1;
    if (!s->search_sql) {
        s->search_sql = make_search_sql(s->common.conns[0], s->column);
        if (!s->search_sql)
            return rb_error_oom(err);
    }
    return 0;
}

static int pg_fts_query(void *arg, int thread, PGconn *conn,
                        const char *text, size_t k, PGresult **res,
                        rb_error *err)
{
    pg_fts *s = arg;
    char ktext[32];
    const char *values[4];

    (void)thread;
    snprintf(ktext, sizeof ktext, "%zu", k);
    values[0] = s->config;
    values[1] = text;
    values[2] = s->norm_text;
    values[3] = ktext;
    return rb_pg_exec(conn, s->search_sql, 4, values, res, err);
}

static int pg_fts_search(void *state, const rb_dataset *ds,
                         const rb_context *ctx, size_t k, rb_run *run,
                         rb_error *err)
{
    pg_fts *s = state;

    (void)ctx;
    if (!s->search_sql)
        return rb_error_set(err, "pg-fts: search before index");
    return rb_pg_common_search(&s->common, ds, k, run, pg_fts_query, s,
                               err);
}

static json_t *pg_fts_describe(void *state)
{
    pg_fts *s = state;
    json_t *obj = json_pack("{s:s, s:I, s:s, s:s, s:I}",
                            "config", s->config,
                            "normalization", (json_int_t)s->normalization,
                            "rank", "ts_rank_cd",
                            "query", "OR of the query's lexemes",
                            "rejected_queries",
                            (json_int_t)s->common.rejected);

    return rb_pg_common_describe(&s->common, obj);
}

static void pg_fts_destroy(void *state)
{
    pg_fts *s = state;

    if (!s)
        return;
    rb_pg_common_release(&s->common);
    rb_free(s->search_sql);
    rb_free(s);
}

const rb_retriever_ops rb_pg_fts_retriever = {
    "pg-fts",
    "PostgreSQL full-text search: tsvector, GIN, OR query, ts_rank_cd",
    pg_fts_params,
    pg_fts_create,
    pg_fts_index,
    pg_fts_search,
    pg_fts_describe,
    pg_fts_destroy,
};
