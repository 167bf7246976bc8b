/* Every allocation of the pg-* retrievers fails in turn: each failure must
 * end in a clean error (no crash, no leak under the sanitizers), and the
 * server must be left usable for the next attempt. */

#include "base/mem.h"
#include "data/run.h"
#include "pg_test.h"
#include "retrieve/retriever.h"

extern const rb_retriever_ops rb_pg_ilike_retriever;
extern const rb_retriever_ops rb_pg_bm25_retriever;
extern const rb_retriever_ops rb_pg_fts_retriever;

static rb_pg_temp *cluster;

static const pg_test_doc docs[] = {
    {"a", "Cats", "cats chase mice"},
    {"b", "Dogs", "dogs chase cats"},
    {"c", "", "birds sing"},
};

static const pg_test_query queries[] = {
    {"q1", "cats"}, {"q2", "chase birds"}, {"q3", "x\xff"},
};

/* One attempt with allocation number n failing (0: none). */
static int attempt(const rb_retriever_ops *ops, const rb_dataset *ds,
                   long n, rb_error *err)
{
    rb_context ctx;
    rb_run *run;
    void *state = NULL;
    int rc;

    memset(&ctx, 0, sizeof ctx);
    ctx.threads = 2;
    ctx.pg_conninfo = rb_pg_temp_conninfo(cluster);
    rb_mem_fail_after(n);
    run = rb_run_new_borrowed(ops->name, ds->doc_ids);
    rc = run ? ops->create(NULL, &ctx, &state, err) : rb_error_oom(err);
    if (rc == 0)
        rc = ops->index(state, ds, &ctx, err);
    if (rc == 0)
        rc = ops->search(state, ds, &ctx, 10, run, err);
    rb_mem_fail_after(0);
    if (rc == 0)
        CHECK_EQ_INT(run->nqueries, 3);
    if (state)
        ops->destroy(state);
    rb_run_free(run);
    return rc;
}

static void fail_each_allocation(const rb_retriever_ops *ops)
{
    rb_dataset *ds = pg_test_dataset(ops->name, docs, 3, queries, 3);
    long n, failures = 0;

    for (n = 1; n < 5000; n++) {
        rb_error err = {{0}, 0};

        if (attempt(ops, ds, n, &err) == 0)
            break;
        CHECK(err.set && err.msg[0]);
        failures++;
    }
    CHECK(n < 5000);
    CHECK(failures > 10);
    fprintf(stderr, "%s: %ld allocation failures handled\n", ops->name,
            failures);
    pg_test_dataset_free(ds);
}

static void test_pg_bm25_survives_every_allocation_failure(void)
{
    fail_each_allocation(&rb_pg_bm25_retriever);
}

static void test_pg_ilike_survives_every_allocation_failure(void)
{
    fail_each_allocation(&rb_pg_ilike_retriever);
}

static void test_pg_fts_survives_every_allocation_failure(void)
{
    fail_each_allocation(&rb_pg_fts_retriever);
}

int main(void)
{
    cluster = pg_test_start();
    RUN_TEST(test_pg_bm25_survives_every_allocation_failure);
    RUN_TEST(test_pg_ilike_survives_every_allocation_failure);
    RUN_TEST(test_pg_fts_survives_every_allocation_failure);
    rb_pg_temp_stop(cluster);
    return check_report();
}
