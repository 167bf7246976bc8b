/* pg-bm25 on a real throwaway server: the SQL tokenizer, scores against
 * the formula, fuzzy correction, re-indexing changed documents, reuse of
 * a loaded schema and clean failure of a load. */

#include <math.h>

#include "data/run.h"
#include "pg_test.h"
#include "retrieve/pg_dataset.h"
#include "retrieve/retriever.h"

extern const rb_retriever_ops rb_pg_bm25_retriever;

static rb_pg_temp *cluster;

static const pg_test_doc docs[] = {
    {"d1", "The cat", "sat on the mat"},
    {"d2", "Dogs and cats", "cats everywhere"},
    {"d3", "", "A dog"},
    {"d4", "Nothing here", ""},
};

static const pg_test_query queries[] = {
    {"q1", "cats"},
    {"q2", "dog mat"},
    {"q3", "everywere"},        /* misspelt */
    {"q4", "the and of"},       /* stop words only */
};

/* Lucene BM25 of one term: the formula the SQL must reproduce. */
static double lucene(double tf, double dl, double df, double n,
                     double avgdl, double k1, double b)
{
    double idf = log(1 + (n - df + 0.5) / (df + 0.5));

    return idf * tf / (tf + k1 * (1 - b + b * dl / avgdl));
}

static rb_context context(void)
{
    rb_context ctx;

    memset(&ctx, 0, sizeof ctx);
    ctx.threads = 2;
    ctx.pg_conninfo = rb_pg_temp_conninfo(cluster);
    ctx.quiet = 1;
    return ctx;
}

/* Create, index and search with params (JSON text or NULL). */
static rb_run *search_with(const rb_dataset *ds, const char *params_json,
                           size_t k, rb_error *err)
{
    const rb_retriever_ops *ops = &rb_pg_bm25_retriever;
    rb_context ctx = context();
    json_t *params = params_json ? json_loads(params_json, 0, NULL) : NULL;
    rb_run *run = rb_run_new_borrowed("pg-bm25", ds->doc_ids);
    void *state = NULL;
    int rc;

    rc = ops->create(params, &ctx, &state, err);
    if (rc == 0)
        rc = ops->index(state, ds, &ctx, err);
    if (rc == 0)
        rc = ops->search(state, ds, &ctx, k, run, err);
    if (state)
        ops->destroy(state);
    json_decref(params);
    if (rc != 0) {
        fprintf(stderr, "pg-bm25 failed: %s\n", err->msg);
        rb_run_free(run);
        return NULL;
    }
    return run;
}

static const rb_result *find_doc(const rb_run *run, const char *qid,
                                 const char *doc, size_t *n)
{
    long qi;
    size_t i;

    *n = 0;
    if (!run || (qi = rb_run_find_query(run, qid)) < 0)
        return NULL;
    *n = run->queries[qi].n;
    for (i = 0; i < run->queries[qi].n; i++)
        if (strcmp(rb_run_doc(run, run->queries[qi].results[i].doc),
                   doc) == 0)
            return &run->queries[qi].results[i];
    return NULL;
}

static void test_tokenizer_stems_and_drops_stop_words(void)
{
    rb_dataset *ds = pg_test_dataset("tok", docs, 4, queries, 4);
    rb_error err = {{0}, 0};
    rb_run *run = search_with(ds, NULL, 10, &err);
    PGconn *c = pg_test_connect(cluster);
    char schema[RB_PG_SCHEMA_MAX], sql[512];
    char *counts;

    CHECK(run != NULL);
    CHECK(rb_pg_schema_name(ds, schema, &err) == 0);
    snprintf(sql, sizeof sql, "SELECT string_agg(term || '=' || count, ' '"
             " ORDER BY term) FROM %s.bm25_tokenize_and_count("
             "'The Cats were RUNNING, and the cat runs; cat-like')",
             schema);
    counts = pg_test_value(c, sql);
    /* "cat-like" gives the compound and both parts. */
    CHECK_STR(counts, "cat=3 cat-lik=1 like=1 run=2");
    rb_free(counts);
    snprintf(sql, sizeof sql, "SELECT len || ' ' || terms::text FROM "
             "%s.bm25_docs WHERE doc = 1", schema);
    counts = pg_test_value(c, sql);
    CHECK_STR(counts, "4 {\"cat\": 2, \"dog\": 1, \"everywher\": 1}");
    rb_free(counts);
    PQfinish(c);
    rb_run_free(run);
    pg_test_dataset_free(ds);
}

static void test_scores_follow_lucene_formula(void)
{
    rb_dataset *ds = pg_test_dataset("formula", docs, 4, queries, 4);
    rb_error err = {{0}, 0};
    rb_run *run = search_with(ds, "{\"fuzzy\": false}", 10, &err);
    /* Lengths: d1 cat sat mat = 3; d2 dog cat cat everywher = 4;
     * d3 dog = 1; d4 noth = 1. */
    double avgdl = (3 + 4 + 1 + 1) / 4.0;
    const rb_result *r;
    size_t n;

    CHECK(run != NULL);
    r = find_doc(run, "q1", "d2", &n);
    CHECK_EQ_INT(n, 2);
    CHECK(r && fabs(r->score - lucene(2, 4, 2, 4, avgdl, 1.2, 0.75)) <
          1e-12);
    r = find_doc(run, "q1", "d1", &n);
    CHECK(r && fabs(r->score - lucene(1, 3, 2, 4, avgdl, 1.2, 0.75)) <
          1e-12);
    /* Best first. */
    CHECK(run && run->queries[0].n &&
          strcmp(rb_run_doc(run, run->queries[0].results[0].doc),
                 "d2") == 0);
    r = find_doc(run, "q2", "d1", &n);
    CHECK_EQ_INT(n, 3);
    CHECK(r && fabs(r->score - lucene(1, 3, 1, 4, avgdl, 1.2, 0.75)) <
          1e-12);
    r = find_doc(run, "q2", "d3", &n);
    CHECK(r && fabs(r->score - lucene(1, 1, 2, 4, avgdl, 1.2, 0.75)) <
          1e-12);
    /* Without fuzzy correction the misspelling finds nothing, and stop
     * words alone find nothing. */
    find_doc(run, "q3", "d2", &n);
    CHECK_EQ_INT(n, 0);
    find_doc(run, "q4", "d2", &n);
    CHECK_EQ_INT(n, 0);
    rb_run_free(run);
    pg_test_dataset_free(ds);
}

static void test_parameters_reach_the_formula(void)
{
    rb_dataset *ds = pg_test_dataset("params", docs, 4, queries, 4);
    rb_error err = {{0}, 0};
    rb_run *run = search_with(ds, "{\"k1\": 2.0, \"b\": 0.25, \"k\": 1}",
                              10, &err);
    double avgdl = 9 / 4.0;
    const rb_result *r;
    size_t n;

    CHECK(run != NULL);
    r = find_doc(run, "q1", "d2", &n);
    CHECK_EQ_INT(n, 1);
    CHECK(r && fabs(r->score - lucene(2, 4, 2, 4, avgdl, 2.0, 0.25)) <
          1e-12);
    rb_run_free(run);
    pg_test_dataset_free(ds);
}

static void test_fuzzy_corrects_misspelt_terms(void)
{
    rb_dataset *ds = pg_test_dataset("fuzzy", docs, 4, queries, 4);
    rb_error err = {{0}, 0};
    rb_run *on = search_with(ds, NULL, 10, &err);
    rb_run *strict = search_with(ds, "{\"fuzzy_threshold\": 0.9}", 10, &err);
    double avgdl = 9 / 4.0;
    const rb_result *r;
    size_t n;

    CHECK(on != NULL && strict != NULL);
    /* "everywer" is corrected to the indexed "everywher". */
    r = find_doc(on, "q3", "d2", &n);
    CHECK_EQ_INT(n, 1);
    CHECK(r && fabs(r->score - lucene(1, 4, 1, 4, avgdl, 1.2, 0.75)) <
          1e-12);
    /* A threshold above their similarity turns the correction down. */
    find_doc(strict, "q3", "d2", &n);
    CHECK_EQ_INT(n, 0);
    rb_run_free(on);
    rb_run_free(strict);
    pg_test_dataset_free(ds);
}

/* After changing documents in SQL, the incrementally kept statistics must
 * equal a recount from scratch. */
static void check_statistics_recount(PGconn *c, const char *schema)
{
    char sql[1024], *v;

    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (SELECT k AS term, count(*) AS df "
             "FROM %s.bm25_docs, jsonb_object_keys(terms) k GROUP BY k) a "
             "FULL JOIN %s.bm25_terms t USING (term) "
             "WHERE a.df IS DISTINCT FROM t.df", schema, schema);
    v = pg_test_value(c, sql);
    CHECK_STR(v, "0");
    rb_free(v);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM %s.docs d FULL JOIN %s.bm25_docs b "
             "ON b.doc = d.idx WHERE b.terms IS DISTINCT FROM (SELECT "
             "coalesce(jsonb_object_agg(term, count), '{}') FROM "
             "%s.bm25_tokenize_and_count(d.title || ' ' || d.body))",
             schema, schema, schema);
    v = pg_test_value(c, sql);
    CHECK_STR(v, "0");
    rb_free(v);
    snprintf(sql, sizeof sql,
             "SELECT (SELECT n = count(*) AND avgdl = avg(len) FROM "
             "%s.bm25_docs)::text FROM %s.bm25_stats", schema, schema);
    v = pg_test_value(c, sql);
    CHECK_STR(v, "true");
    rb_free(v);
}

static void test_reindexing_changed_documents_keeps_statistics(void)
{
    rb_dataset *ds = pg_test_dataset("reindex", docs, 4, queries, 4);
    rb_error err = {{0}, 0};
    rb_run *run = search_with(ds, NULL, 10, &err);
    PGconn *c = pg_test_connect(cluster);
    char schema[RB_PG_SCHEMA_MAX], sql[512], *v;
    PGresult *res;

    CHECK(run != NULL);
    rb_run_free(run);
    CHECK(rb_pg_schema_name(ds, schema, &err) == 0);
    /* d2 loses its cats and dogs; a new document arrives; d4 goes. */
    snprintf(sql, sizeof sql, "UPDATE %s.docs SET title = 'Birds', "
             "body = 'birds sing everywhere' WHERE id = 'd2'", schema);
    res = PQexec(c, sql);
    CHECK(PQresultStatus(res) == PGRES_COMMAND_OK);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fprintf(stderr, "%s\n", PQresultErrorMessage(res));
    PQclear(res);
    snprintf(sql, sizeof sql, "INSERT INTO %s.docs VALUES (4, 'd5', "
             "'Cats', 'many many cats')", schema);
    res = PQexec(c, sql);
    CHECK(PQresultStatus(res) == PGRES_COMMAND_OK);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fprintf(stderr, "%s\n", PQresultErrorMessage(res));
    PQclear(res);
    snprintf(sql, sizeof sql, "DELETE FROM %s.docs WHERE id = 'd4'",
             schema);
    res = PQexec(c, sql);
    CHECK(PQresultStatus(res) == PGRES_COMMAND_OK);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fprintf(stderr, "%s\n", PQresultErrorMessage(res));
    PQclear(res);
    check_statistics_recount(c, schema);

    /* cat is now in d1 and d5 only. */
    snprintf(sql, sizeof sql, "SELECT df FROM %s.bm25_terms WHERE term = "
             "'cat'", schema);
    v = pg_test_value(c, sql);
    CHECK_STR(v, "2");
    rb_free(v);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.bm25_terms WHERE "
             "term IN ('noth', 'dog')", schema);
    v = pg_test_value(c, sql);
    CHECK_STR(v, "1");
    rb_free(v);
    /* Scores use the new statistics: N = 4, lengths d1 3, d2 3 (bird
     * bird sing everywher = 4), d3 1, d5 4 (cat many many cat). */
    snprintf(sql, sizeof sql, "SELECT score FROM %s.bm25_search('cats', "
             "10, 1.2, 0.75, NULL) WHERE doc = 4", schema);
    v = pg_test_value(c, sql);
    CHECK(v && fabs(strtod(v, NULL) -
                    lucene(2, 4, 2, 4, (3 + 4 + 1 + 4) / 4.0, 1.2, 0.75))
          < 1e-12);
    rb_free(v);
    PQfinish(c);
    pg_test_dataset_free(ds);
}

static void test_second_index_reuses_schema(void)
{
    rb_dataset *ds = pg_test_dataset("reuse", docs, 4, queries, 4);
    PGconn *c = pg_test_connect(cluster);
    rb_error err = {{0}, 0};
    int loaded = -1;
    rb_run *run;

    CHECK(rb_pg_dataset_load(c, ds, "test", &loaded, &err) == 0);
    CHECK_EQ_INT(loaded, 1);
    run = search_with(ds, NULL, 10, &err);
    CHECK(run != NULL);
    rb_run_free(run);
    CHECK(rb_pg_dataset_load(c, ds, "test", &loaded, &err) == 0);
    CHECK_EQ_INT(loaded, 0);
    PQfinish(c);
    pg_test_dataset_free(ds);
}

static void test_failed_load_leaves_nothing(void)
{
    static const pg_test_doc bad[] = {
        {"b1", "fine", "text"},
        {"b2", "broken", "\xff\xfe not UTF-8"},
    };
    rb_dataset *ds = pg_test_dataset("bad", bad, 2, queries, 1);
    PGconn *c = pg_test_connect(cluster);
    rb_error err = {{0}, 0};
    char schema[RB_PG_SCHEMA_MAX], sql[256], *v;

    CHECK(rb_pg_dataset_load(c, ds, "test", NULL, &err) != 0);
    CHECK(strstr(err.msg, "\"bad\"") != NULL);
    CHECK(rb_pg_schema_name(ds, schema, &err) == 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_namespace WHERE "
             "nspname = '%s'", schema);
    v = pg_test_value(c, sql);
    CHECK_STR(v, "0");
    rb_free(v);
    /* The session is usable afterwards. */
    v = pg_test_value(c, "SELECT 7");
    CHECK_STR(v, "7");
    rb_free(v);
    PQfinish(c);
    pg_test_dataset_free(ds);
}

static void test_rejects_bad_parameters(void)
{
    const rb_retriever_ops *ops = &rb_pg_bm25_retriever;
    rb_context ctx = context();
    json_t *params = json_loads("{\"b\": 1.5}", 0, NULL);
    rb_error err = {{0}, 0};
    void *state = NULL;

    CHECK(ops->create(params, &ctx, &state, &err) != 0);
    CHECK(strstr(err.msg, "\"b\"") != NULL);
    json_decref(params);
}

int main(void)
{
    cluster = pg_test_start();
    RUN_TEST(test_tokenizer_stems_and_drops_stop_words);
    RUN_TEST(test_scores_follow_lucene_formula);
    RUN_TEST(test_parameters_reach_the_formula);
    RUN_TEST(test_fuzzy_corrects_misspelt_terms);
    RUN_TEST(test_reindexing_changed_documents_keeps_statistics);
    RUN_TEST(test_second_index_reuses_schema);
    RUN_TEST(test_failed_load_leaves_nothing);
    RUN_TEST(test_rejects_bad_parameters);
    rb_pg_temp_stop(cluster);
    return check_report();
}
