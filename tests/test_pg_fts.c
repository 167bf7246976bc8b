/* pg-fts on a real throwaway server: OR queries, ts_rank_cd scores and
 * normalization, configuration checks, documents changed in SQL. */

#include <math.h>

#include "data/run.h"
#include "pg_test.h"
#include "retrieve/pg_dataset.h"
#include "retrieve/retriever.h"

extern const rb_retriever_ops rb_pg_fts_retriever;

static rb_pg_temp *cluster;

static const pg_test_doc docs[] = {
    {"a", "Running cats", "The cats were running after cats"},
    {"b", "Cats", ""},
    {"c", "", "A dog is running"},
    {"d", "Birds", "birds sing"},
};

static const pg_test_query queries[] = {
    {"q1", "cats running"},
    {"q2", "the of and"},
    {"q3", "sing"},
};

static rb_run *search_with(const rb_dataset *ds, const char *params_json,
                           rb_error *err)
{
    const rb_retriever_ops *ops = &rb_pg_fts_retriever;
    rb_context ctx;
    json_t *params = params_json ? json_loads(params_json, 0, NULL) : NULL;
    rb_run *run = rb_run_new_borrowed("pg-fts", ds->doc_ids);
    void *state = NULL;
    int rc;

    memset(&ctx, 0, sizeof ctx);
    ctx.threads = 2;
    ctx.pg_conninfo = rb_pg_temp_conninfo(cluster);
    rc = ops->create(params, &ctx, &state, err);
    if (rc == 0)
        rc = ops->index(state, ds, &ctx, err);
    if (rc == 0)
        rc = ops->search(state, ds, &ctx, 10, run, err);
    if (state)
        ops->destroy(state);
    json_decref(params);
    if (rc != 0) {
        rb_run_free(run);
        return NULL;
    }
    return run;
}

/* ts_rank_cd of a document against a tsquery written by hand. */
static double rank_by_hand(PGconn *c, const char *title, const char *body,
                           const char *tsquery, int norm)
{
    const char *values[4];
    char normtext[16];
    PGresult *res;
    double r = -1;

    snprintf(normtext, sizeof normtext, "%d", norm);
    values[0] = title;
    values[1] = body;
    values[2] = tsquery;
    values[3] = normtext;
    res = PQexecParams(c, "SELECT ts_rank_cd(to_tsvector('english', "
                       "$1 || ' ' || $2), $3::tsquery, $4::integer)::float8",
                       4, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        r = strtod(PQgetvalue(res, 0, 0), NULL);
    PQclear(res);
    return r;
}

static void test_or_query_ranked_by_cover_density(void)
{
    rb_dataset *ds = pg_test_dataset("fts", docs, 4, queries, 3);
    rb_error err = {{0}, 0};
    rb_run *run = search_with(ds, NULL, &err);
    PGconn *c = pg_test_connect(cluster);
    size_t i;

    CHECK(run != NULL);
    if (!run) {
        fprintf(stderr, "%s\n", err.msg);
        goto done;
    }
    /* q1 matches a, b (cats) and c (running): an OR, not an AND. */
    CHECK_EQ_INT(run->queries[0].n, 3);
    for (i = 0; i < run->queries[0].n; i++) {
        uint32_t d = run->queries[0].results[i].doc;

        CHECK_NEAR(run->queries[0].results[i].score,
                   rank_by_hand(c, docs[d].title, docs[d].text,
                                "cat | run", 0), 0);
    }
    CHECK_STR(rb_run_doc(run, run->queries[0].results[0].doc), "a");
    CHECK_EQ_INT(run->queries[1].n, 0);
    CHECK_EQ_INT(run->queries[2].n, 1);
done:
    PQfinish(c);
    rb_run_free(run);
    pg_test_dataset_free(ds);
}

static void test_normalization_is_selectable(void)
{
    rb_dataset *ds = pg_test_dataset("fts-norm", docs, 4, queries, 3);
    rb_error err = {{0}, 0};
    rb_run *plain = search_with(ds, NULL, &err);
    rb_run *norm = search_with(ds, "{\"normalization\": 32}", &err);

    CHECK(plain && norm);
    if (plain && norm && plain->queries[0].n == norm->queries[0].n) {
        size_t i;

        /* Flag 32 maps rank r to r / (r + 1). */
        for (i = 0; i < plain->queries[0].n; i++) {
            double r = plain->queries[0].results[i].score;

            CHECK_NEAR(norm->queries[0].results[i].score, r / (r + 1),
                       1e-6);
        }
    } else {
        CHECK(0);
    }
    rb_run_free(plain);
    rb_run_free(norm);
    pg_test_dataset_free(ds);
}

static void test_unknown_configuration_is_an_error(void)
{
    rb_dataset *ds = pg_test_dataset("fts-cfg", docs, 4, queries, 3);
    rb_error err = {{0}, 0};
    rb_run *run = search_with(ds, "{\"config\": \"klingon\"}", &err);

    CHECK(run == NULL);
    CHECK(strstr(err.msg, "klingon") != NULL);
    CHECK(strstr(err.msg, "pg-fts") != NULL);
    rb_error_clear(&err);
    run = search_with(ds, "{\"config\": \"x; DROP\"}", &err);
    CHECK(run == NULL);
    CHECK(strstr(err.msg, "\"config\"") != NULL);
    /* Another configuration is a column of its own. */
    rb_error_clear(&err);
    run = search_with(ds, "{\"config\": \"simple\"}", &err);
    CHECK(run != NULL);
    /* "the" is no stop word under "simple": document a has it. */
    CHECK(run && run->queries[1].n == 1);
    rb_run_free(run);
    pg_test_dataset_free(ds);
}

static void test_changed_documents_are_searched_as_changed(void)
{
    rb_dataset *ds = pg_test_dataset("fts-change", docs, 4, queries, 3);
    rb_error err = {{0}, 0};
    rb_run *run = search_with(ds, NULL, &err);
    PGconn *c = pg_test_connect(cluster);
    char schema[RB_PG_SCHEMA_MAX], sql[256];
    PGresult *res;

    CHECK(run && run->queries[2].n == 1);
    rb_run_free(run);
    CHECK(rb_pg_schema_name(ds, schema, &err) == 0);
    snprintf(sql, sizeof sql, "UPDATE %s.docs SET body = 'they sing' "
             "WHERE id = 'b'", schema);
    res = PQexec(c, sql);
    CHECK(PQresultStatus(res) == PGRES_COMMAND_OK);
    PQclear(res);
    run = search_with(ds, NULL, &err);
    CHECK(run && run->queries[2].n == 2);
    rb_run_free(run);
    PQfinish(c);
    pg_test_dataset_free(ds);
}

int main(void)
{
    cluster = pg_test_start();
    RUN_TEST(test_or_query_ranked_by_cover_density);
    RUN_TEST(test_normalization_is_selectable);
    RUN_TEST(test_unknown_configuration_is_an_error);
    RUN_TEST(test_changed_documents_are_searched_as_changed);
    rb_pg_temp_stop(cluster);
    return check_report();
}
