/* pg-ilike returns exactly the run of the embedded ilike retriever, in
 * every mode, on the bundled sample, the shared collections and a
 * collection of non-ASCII and tie-heavy text. */

#include <unistd.h>

#include "base/pool.h"
#include "data/run.h"
#include "pg_test.h"
#include "retrieve/retriever.h"

extern const rb_retriever_ops rb_ilike_retriever;
extern const rb_retriever_ops rb_pg_ilike_retriever;

static rb_pg_temp *cluster;

static rb_run *run_with(const rb_retriever_ops *ops, const rb_dataset *ds,
                        const char *params_json, size_t k)
{
    json_t *params = params_json ? json_loads(params_json, 0, NULL) : NULL;
    rb_run *run = rb_run_new_borrowed(ops->name, ds->doc_ids);
    rb_error err = {{0}, 0};
    rb_context ctx;
    void *state = NULL;
    int rc;

    memset(&ctx, 0, sizeof ctx);
    ctx.threads = rb_threads_resolve(0) > 2 ? rb_threads_resolve(0) : 2;
    ctx.pg_conninfo = rb_pg_temp_conninfo(cluster);
    ctx.cache_dir = "/tmp";
    rc = ops->create(params, &ctx, &state, &err);
    if (rc == 0)
        rc = ops->index(state, ds, &ctx, &err);
    if (rc == 0)
        rc = ops->search(state, ds, &ctx, k, run, &err);
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", ops->name, err.msg);
    CHECK(rc == 0);
    if (state)
        ops->destroy(state);
    json_decref(params);
    return run;
}

/* Identical runs: same queries in order, same documents in order, same
 * scores. Returns the number of results compared. */
static size_t check_identical(const char *what, const rb_run *a,
                              const rb_run *b)
{
    size_t qi, i, n = 0;
    int reported = 0;

    CHECK_EQ_INT(a->nqueries, b->nqueries);
    for (qi = 0; qi < a->nqueries && qi < b->nqueries; qi++) {
        const rb_run_query *x = &a->queries[qi], *y = &b->queries[qi];

        CHECK_STR(rb_run_qid(a, qi), rb_run_qid(b, qi));
        if (x->n != y->n && !reported++)
            fprintf(stderr, "%s: query %s: %zu results against %zu\n",
                    what, rb_run_qid(a, qi), x->n, y->n);
        CHECK_EQ_INT(x->n, y->n);
        for (i = 0; i < x->n && i < y->n; i++, n++) {
            if ((x->results[i].doc != y->results[i].doc ||
                 x->results[i].score != y->results[i].score) &&
                !reported++)
                fprintf(stderr, "%s: query %s rank %zu: %s %g against "
                        "%s %g\n", what, rb_run_qid(a, qi), i + 1,
                        rb_run_doc(a, x->results[i].doc),
                        x->results[i].score,
                        rb_run_doc(b, y->results[i].doc),
                        y->results[i].score);
            CHECK_EQ_INT(x->results[i].doc, y->results[i].doc);
            CHECK(x->results[i].score == y->results[i].score);
        }
    }
    return n;
}

/* Every mode and a different analyzer when all_modes, else the default
 * mode only (the larger collections: ILIKE scans are slow). */
static void compare_modes(const char *name, const rb_dataset *ds,
                          int all_modes)
{
    static const char *const modes[] = {
        NULL, "{\"mode\": \"all\"}", "{\"mode\": \"phrase\"}",
        "{\"analyzer\": {\"stopwords\": \"none\", \"min_length\": 1}}",
    };
    size_t m;

    for (m = 0; m < (all_modes ? sizeof modes / sizeof modes[0] : 1);
         m++) {
        rb_run *native = run_with(&rb_ilike_retriever, ds, modes[m], 1000);
        rb_run *pg = run_with(&rb_pg_ilike_retriever, ds, modes[m], 1000);
        char what[128];
        size_t n;

        snprintf(what, sizeof what, "%s %s", name,
                 modes[m] ? modes[m] : "any");
        n = check_identical(what, native, pg);
        fprintf(stderr, "%s: %zu results identical\n", what, n);
        /* A comparison of nothing proves nothing, except for phrases. */
        if (m != 2)
            CHECK(n > 0);
        rb_run_free(native);
        rb_run_free(pg);
    }
}

static void compare_shared(const char *name, int all_modes)
{
    char dir[4096];
    rb_error err = {{0}, 0};
    rb_dataset *ds;

    snprintf(dir, sizeof dir, "%s/datasets/%s", RB_SHARED_DIR, name);
    if (access(dir, R_OK) != 0) {
        fprintf(stderr, "%s: not there, not compared\n", dir);
        return;
    }
    ds = rb_dataset_load(dir, NULL, &err);
    CHECK(ds != NULL);
    if (!ds)
        return;
    compare_modes(name, ds, all_modes);
    rb_dataset_free(ds);
}

static void test_identical_on_the_sample(void)
{
    rb_error err = {{0}, 0};
    rb_dataset *ds = rb_dataset_load(RB_SOURCE_DIR "/datasets/sample", NULL,
                                     &err);

    CHECK(ds != NULL);
    if (!ds)
        return;
    compare_modes("sample", ds, 1);
    rb_dataset_free(ds);
}

static void test_identical_on_cacm(void)
{
    compare_shared("cacm", 1);
}

static void test_identical_on_cisi(void)
{
    compare_shared("cisi", 0);
}

static void test_identical_on_cranfield(void)
{
    compare_shared("cranfield", 0);
}

/* Capitals beyond ASCII, words split by punctuation, equal scores that
 * only the id order separates, and a phrase across punctuation. */
static void test_identical_on_unicode_and_ties(void)
{
    static const pg_test_doc docs[] = {
        {"10", "ÉCOLE ΣΟΦΙΑ", "İstanbul straße"},
        {"9", "école", "sofia"},
        {"a", "Wing-Body flow", ""},
        {"B", "", "wing body flow"},
        {"b", "WING", "body"},
        {"z", "Ωmega", "ωmega ÀB"},
    };
    static const pg_test_query queries[] = {
        {"1", "École σοφία"},
        {"2", "wing-body flow"},
        {"3", "istanbul STRASSE straße"},
        {"4", "ΩMEGA àb"},
        {"5", "the of"},
        {"6", "wing wing body"},
    };
    rb_dataset *ds = pg_test_dataset("unicode", docs, 6, queries, 6);

    compare_modes("unicode", ds, 1);
    pg_test_dataset_free(ds);
}

int main(void)
{
    cluster = pg_test_start();
    RUN_TEST(test_identical_on_unicode_and_ties);
    RUN_TEST(test_identical_on_the_sample);
    RUN_TEST(test_identical_on_cacm);
    RUN_TEST(test_identical_on_cisi);
    RUN_TEST(test_identical_on_cranfield);
    rb_pg_temp_stop(cluster);
    return check_report();
}
