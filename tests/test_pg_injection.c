/* Hostile query text against the pg-* retrievers on a real server: quotes,
 * backslashes, LIKE wildcards, semicolons, SQL comments, dollar quotes and
 * multi-kilobyte queries give exactly what the same SQL gives with the
 * text escaped by hand into a literal, never an SQL error; bad bytes are
 * rejected for their query only. */

#include "base/buf.h"
#include "data/run.h"
#include "pg_test.h"
#include "retrieve/pg_common.h"
#include "retrieve/pg_dataset.h"
#include "retrieve/pg_ilike.h"
#include "retrieve/retriever.h"
#include "text/analyzer.h"

extern const rb_retriever_ops rb_pg_ilike_retriever;
extern const rb_retriever_ops rb_pg_bm25_retriever;
extern const rb_retriever_ops rb_pg_fts_retriever;

static rb_pg_temp *cluster;
static PGconn *conn;
static char schema[RB_PG_SCHEMA_MAX];
static char big_query[24 * 1024];

static const pg_test_doc docs[] = {
    {"o", "O'Reilly's guide", "quotes 'single' and \"double\""},
    {"w", "Windows paths", "C:\\Program Files\\cats\\ and \\\\server"},
    {"p", "Percent", "a 50% discount on a_b and axb items"},
    {"s", "SQL", "SELECT * FROM docs; DROP TABLE docs; -- cats"},
    {"c", "Comments", "/* block */ cats $$dollar$$ quoting $1"},
    {"n", "Plain", "dogs and birds"},
};

#define NQUERIES 9
static pg_test_query queries[NQUERIES] = {
    {"quote", "O'Reilly's 'guide'"},
    {"backslash", "C:\\Program Files\\cats\\"},
    {"wildcards", "50% a_b %_%"},
    {"semicolon", "cats'; DROP TABLE docs; --"},
    {"comment", "/* cats */ dogs -- birds"},
    {"dollar", "$$ $1 $body$ dollar"},
    {"big", big_query},
    {"badutf8", "cats \xff\xfe dogs"},
    {"after", "birds"},
};

static rb_run *run_retriever(const rb_retriever_ops *ops,
                             const rb_dataset *ds, size_t *rejected)
{
    rb_context ctx;
    rb_error err = {{0}, 0};
    rb_run *run = rb_run_new_borrowed(ops->name, ds->doc_ids);
    json_t *desc;
    void *state = NULL;
    int rc;

    memset(&ctx, 0, sizeof ctx);
    ctx.threads = 2;
    ctx.pg_conninfo = rb_pg_temp_conninfo(cluster);
    rc = ops->create(NULL, &ctx, &state, &err);
    if (rc == 0)
        rc = ops->index(state, ds, &ctx, &err);
    if (rc == 0)
        rc = ops->search(state, ds, &ctx, 10, run, &err);
    if (rc != 0)
        fprintf(stderr, "%s failed: %s\n", ops->name, err.msg);
    CHECK(rc == 0);
    desc = state ? ops->describe(state) : NULL;
    *rejected = (size_t)json_integer_value(
        json_object_get(desc, "rejected_queries"));
    json_decref(desc);
    if (state)
        ops->destroy(state);
    return run;
}

/* sql with every "@Q@" replaced by lit, in a new buffer. */
static void substitute(rb_buf *out, const char *sql, const char *lit)
{
    const char *p;

    while ((p = strstr(sql, "@Q@")) != NULL) {
        rb_buf_append(out, sql, (size_t)(p - sql));
        rb_buf_puts(out, lit);
        sql = p + 3;
    }
    rb_buf_puts(out, sql);
}

/* Results of sql, in which "@Q@" stands for text escaped by hand into a
 * literal with PQescapeLiteral, compared with query qi of run. */
static void check_same_as_literal(const rb_run *run, size_t qi,
                                  const char *sql_template,
                                  const char *text)
{
    char *lit = PQescapeLiteral(conn, text, strlen(text));
    rb_buf sql = RB_BUF_INIT;
    PGresult *res;
    int i, n;

    CHECK(lit != NULL);
    rb_buf_printf(&sql, "SET search_path TO %s", schema);
    PQclear(PQexec(conn, sql.data));
    rb_buf_reset(&sql);
    substitute(&sql, sql_template, lit);
    PQfreemem(lit);
    res = PQexec(conn, sql.data);
    CHECK(PQresultStatus(res) == PGRES_TUPLES_OK);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fprintf(stderr, "%s\n", PQresultErrorMessage(res));
    n = PQntuples(res);
    CHECK_EQ_INT(run->queries[qi].n, n);
    for (i = 0; i < n && (size_t)i < run->queries[qi].n; i++) {
        CHECK_EQ_INT(run->queries[qi].results[i].doc,
                     atol(PQgetvalue(res, i, 0)));
        CHECK(run->queries[qi].results[i].score ==
              strtod(PQgetvalue(res, i, 1), NULL));
    }
    PQclear(res);
    rb_buf_release(&sql);
}

static void check_docs_intact(void)
{
    char sql[256], *v;

    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.docs", schema);
    v = pg_test_value(conn, sql);
    CHECK_STR(v, "6");
    rb_free(v);
}

static long query_pos(const rb_run *run, const char *qid)
{
    return rb_run_find_query(run, qid);
}

static void test_pg_bm25_hostile_queries(void)
{
    rb_dataset *ds = pg_test_dataset("hostile", docs, 6, queries,
                                     NQUERIES);
    size_t rejected = 0, i;
    rb_run *run = run_retriever(&rb_pg_bm25_retriever, ds, &rejected);

    CHECK_EQ_INT(run->nqueries, NQUERIES);
    for (i = 0; i + 2 < NQUERIES; i++)
        check_same_as_literal(run, (size_t)query_pos(run, queries[i].id),
                              "SELECT doc, score FROM bm25_search(@Q@, 10, "
                              "1.2, 0.75, 0.3)", queries[i].text);
    /* Values, not just agreement: the quote query finds O'Reilly first,
     * the comment query finds the dogs though "--" precedes birds. */
    CHECK(run->queries[0].n > 0 &&
          strcmp(rb_run_doc(run, run->queries[0].results[0].doc), "o") == 0);
    CHECK(run->queries[4].n >= 2);
    /* The bad query is skipped alone; the next one still runs. */
    CHECK_EQ_INT(rejected, 1);
    CHECK_EQ_INT(run->queries[query_pos(run, "badutf8")].n, 0);
    CHECK(run->queries[query_pos(run, "after")].n == 1);
    check_docs_intact();
    rb_run_free(run);
    pg_test_dataset_free(ds);
}

static void test_pg_fts_hostile_queries(void)
{
    rb_dataset *ds = pg_test_dataset("hostile", docs, 6, queries,
                                     NQUERIES);
    size_t rejected = 0, i;
    rb_run *run = run_retriever(&rb_pg_fts_retriever, ds, &rejected);
    static const char by_hand[] =
        "SELECT d.idx, ts_rank_cd(d.fts_english, q.query, 0)::float8 AS s "
        "FROM docs d, (SELECT string_agg('''' || replace(replace(l, '\\', "
        "'\\\\'), '''', '''''') || '''', ' | ')::tsquery AS query FROM "
        "unnest(tsvector_to_array(to_tsvector('english', @Q@))) l) q "
        "WHERE q.query IS NOT NULL AND d.fts_english @@ q.query "
        "ORDER BY s DESC, d.id COLLATE \"C\" DESC LIMIT 10";

    for (i = 0; i + 2 < NQUERIES; i++)
        check_same_as_literal(run, (size_t)query_pos(run, queries[i].id),
                              by_hand, queries[i].text);
    CHECK(run->queries[1].n > 0 &&
          strcmp(rb_run_doc(run, run->queries[1].results[0].doc), "w") == 0);
    CHECK_EQ_INT(rejected, 1);
    CHECK(run->queries[query_pos(run, "after")].n == 1);
    check_docs_intact();
    rb_run_free(run);
    pg_test_dataset_free(ds);
}

/* pg-ilike's statement with the query's analyzed terms pasted as an
 * escaped array literal. */
static void test_pg_ilike_hostile_queries(void)
{
    rb_dataset *ds = pg_test_dataset("hostile", docs, 6, queries,
                                     NQUERIES);
    size_t rejected = 0, i;
    rb_run *run = run_retriever(&rb_pg_ilike_retriever, ds, &rejected);
    rb_analyzer_config cfg;
    rb_analyzer *a;
    rb_analysis *an;
    rb_error err = {{0}, 0};

    rb_analyzer_config_default(&cfg);
    a = rb_analyzer_new(&cfg, &err);
    an = rb_analysis_new(a, &err);
    for (i = 0; i + 2 < NQUERIES; i++) {
        const char *const *terms;
        size_t nterms;
        char *array;
        rb_buf sql = RB_BUF_INIT;

        rb_analyze(an, queries[i].text, strlen(queries[i].text),
                   RB_ANALYZE_NO_STEM, &terms, &nterms, NULL);
        array = rb_pg_text_array(terms, nterms);
        /* The statement with $1 the literal, $2 = 1 and $3 = 10. */
        {
            const char *src = rb_pg_ilike_search_sql, *p;

            while ((p = strchr(src, '$')) != NULL) {
                rb_buf_append(&sql, src, (size_t)(p - src));
                rb_buf_puts(&sql, p[1] == '1' ? "@Q@" :
                            p[1] == '2' ? "1" : "10");
                src = p + 2;
            }
            rb_buf_puts(&sql, src);
        }
        check_same_as_literal(run, (size_t)query_pos(run, queries[i].id),
                              sql.data, array);
        rb_buf_release(&sql);
        rb_free(array);
    }
    CHECK_EQ_INT(rejected, 1);
    check_docs_intact();
    rb_analysis_free(an);
    rb_analyzer_free(a);
    rb_run_free(run);
    pg_test_dataset_free(ds);
}

/* The LIKE wildcards and the escape character inside a term match only
 * themselves. */
static void test_ilike_patterns_take_wildcards_literally(void)
{
    static const char *const cases[][2] = {
        {"{\"a_b\"}", "p"},            /* not "axb" */
        {"{\"50%\"}", "p"},
        {"{\"%\"}", "p"},              /* only the document with a % */
        {"{\"_\"}", "p"},
        {"{\"s\\\\c\"}", "w"},          /* one backslash: s\c */
        {"{\"'single'\"}", "o"},
    };
    char sql[256];
    size_t i;

    snprintf(sql, sizeof sql, "SET search_path TO %s", schema);
    PQclear(PQexec(conn, sql));
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *values[3] = {cases[i][0], "1", "10"};
        PGresult *res = PQexecParams(conn, rb_pg_ilike_search_sql, 3, NULL,
                                     values, NULL, NULL, 0);
        char idx_expected[16] = "";
        size_t d;

        for (d = 0; d < 6; d++)
            if (strcmp(docs[d].id, cases[i][1]) == 0)
                snprintf(idx_expected, sizeof idx_expected, "%zu", d);
        CHECK(PQresultStatus(res) == PGRES_TUPLES_OK);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            fprintf(stderr, "%s\n", PQresultErrorMessage(res));
        CHECK_EQ_INT(PQntuples(res), 1);
        if (PQntuples(res) == 1)
            CHECK_STR(PQgetvalue(res, 0, 0), idx_expected);
        PQclear(res);
    }
}

static void test_nul_and_invalid_utf8_are_reported(void)
{
    char why[128];

    CHECK(rb_pg_check_query("cats\0dogs", 9, why, sizeof why) != 0);
    CHECK(strstr(why, "NUL byte at offset 4") != NULL);
    CHECK(rb_pg_check_query("caf\xc3", 4, why, sizeof why) != 0);
    CHECK(strstr(why, "UTF-8 (byte 3)") != NULL);
    CHECK(rb_pg_check_query("caf\xc3\xa9", 5, why, sizeof why) == 0);
}

int main(void)
{
    rb_dataset *ds;
    rb_error err = {{0}, 0};
    size_t i;

    /* About 24 KB of words, quotes, backslashes and semicolons. */
    for (i = 0; i + 40 < sizeof big_query; i += 34)
        memcpy(big_query + i, "cats' \\dogs\\ \"birds\"; -- 50% a_b ", 34);
    cluster = pg_test_start();
    conn = pg_test_connect(cluster);
    ds = pg_test_dataset("hostile", docs, 6, queries, NQUERIES);
    if (rb_pg_schema_name(ds, schema, &err) != 0)
        return 1;
    pg_test_dataset_free(ds);
    RUN_TEST(test_pg_bm25_hostile_queries);
    RUN_TEST(test_pg_fts_hostile_queries);
    RUN_TEST(test_pg_ilike_hostile_queries);
    RUN_TEST(test_ilike_patterns_take_wildcards_literally);
    RUN_TEST(test_nul_and_invalid_utf8_are_reported);
    PQfinish(conn);
    rb_pg_temp_stop(cluster);
    return check_report();
}
