/* The dense retriever on a small in-memory dataset and the tiny model:
 * exact top k, the embeddings cache, tie-breaking at the cut, thread
 * independence, prefixes and parameter errors. */

#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "check.h"
#include "encoder/encoder.h"
#include "retrieve/retriever.h"
#include "tiny_model.h"

extern const rb_retriever_ops rb_dense_retriever;

static char tmpdir[] = "/tmp/rb-dense-XXXXXX";
static char model_path[1100];

static const char *const doc_texts[] = {
    "hello world", "a b", "hello , a", "world ! world", "b b b a",
    "hello hello", "a , b , a", "world", "hellos worlds", "! , !",
    "a b", "hello world a",
};
static const char *const doc_names[] = {
    "d00", "d01", "d02", "d03", "d04", "d05", "d06", "d07", "d08", "d09",
    "d10", "d11",
};
#define NDOCS 12

static const char *const query_texts[] = {
    "hello world", "b b b a", "world", "a b",
};
#define NQUERIES 4

typedef struct test_data {
    rb_dataset ds;
    uint32_t eval[NQUERIES];
    const char *titles[NDOCS];
} test_data;

static void make_dataset(test_data *t)
{
    size_t i;

    memset(t, 0, sizeof *t);
    t->ds.name = "tiny";
    t->ds.split = "test";
    strcpy(t->ds.fingerprint, "feedface");
    t->ds.doc_ids = rb_intern_new();
    t->ds.query_ids = rb_intern_new();
    for (i = 0; i < NDOCS; i++) {
        rb_intern_add(t->ds.doc_ids, doc_names[i], strlen(doc_names[i]),
                      NULL);
        t->titles[i] = "";
    }
    t->ds.doc_titles = t->titles;
    t->ds.doc_texts = (const char **)doc_texts;
    t->ds.ndocs = NDOCS;
    for (i = 0; i < NQUERIES; i++) {
        char qid[8];

        snprintf(qid, sizeof qid, "q%zu", i);
        rb_intern_add(t->ds.query_ids, qid, strlen(qid), NULL);
        t->eval[i] = (uint32_t)i;
    }
    t->ds.query_texts = (const char **)query_texts;
    t->ds.nqueries = NQUERIES;
    t->ds.eval_queries = t->eval;
    t->ds.neval = NQUERIES;
}

static void free_dataset(test_data *t)
{
    rb_intern_free(t->ds.doc_ids);
    rb_intern_free(t->ds.query_ids);
}

static void context(rb_context *ctx, const char *cache, int threads)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->threads = threads;
    ctx->cache_dir = cache;
    ctx->model = model_path;
    ctx->device = "cpu";
    ctx->quiet = 1;
}

/* Create, index and search; the run (borrowing the dataset's ids) and
 * the retriever's description. */
static rb_run *run_dense(test_data *t, const char *params_json,
                         const rb_context *ctx, size_t k, json_t **desc)
{
    json_t *params = json_loads(params_json, 0, NULL);
    rb_error err = {0};
    void *state = NULL;
    rb_run *run = rb_run_new_borrowed("dense", t->ds.doc_ids);

    if (rb_retriever_check_params(&rb_dense_retriever, params, &err) < 0 ||
        rb_dense_retriever.create(params, ctx, &state, &err) < 0 ||
        rb_dense_retriever.index(state, &t->ds, ctx, &err) < 0 ||
        rb_dense_retriever.search(state, &t->ds, ctx, k, run, &err) < 0) {
        fprintf(stderr, "dense: %s\n", err.msg);
        rb_run_free(run);
        run = NULL;
    }
    if (desc)
        *desc = state ? rb_dense_retriever.describe(state) : NULL;
    if (state)
        rb_dense_retriever.destroy(state);
    json_decref(params);
    return run;
}

static int runs_equal(const rb_run *a, const rb_run *b)
{
    size_t q, i;

    if (a->nqueries != b->nqueries)
        return 0;
    for (q = 0; q < a->nqueries; q++) {
        if (a->queries[q].n != b->queries[q].n)
            return 0;
        for (i = 0; i < a->queries[q].n; i++)
            if (a->queries[q].results[i].doc != b->queries[q].results[i].doc
                || a->queries[q].results[i].score !=
                   b->queries[q].results[i].score)
                return 0;
    }
    return 1;
}

static void test_top_k_is_exact(void)
{
    test_data t;
    rb_context ctx;
    rb_run *run;
    rb_model *m;
    rb_encoder *e;
    rb_encoder_options opt;
    rb_error err = {0};
    size_t lens[NDOCS], i, q, d;
    float docs[NDOCS * TINY_HIDDEN], queries[NQUERIES * TINY_HIDDEN];

    make_dataset(&t);
    context(&ctx, NULL, 2);
    run = run_dense(&t, "{\"normalize\": true}", &ctx, 5, NULL);
    CHECK(run != NULL);
    /* The same embeddings by hand, and every score by brute force. */
    m = rb_model_load(model_path, &err);
    rb_encoder_options_default(&opt);
    opt.device = "cpu";
    opt.normalize = 1;
    e = m ? rb_encoder_new(m, &opt, &err) : NULL;
    CHECK(e != NULL);
    if (!run || !e) {
        rb_encoder_free(e);
        rb_model_free(m);
        rb_run_free(run);
        free_dataset(&t);
        return;
    }
    for (i = 0; i < NDOCS; i++)
        lens[i] = strlen(doc_texts[i]);
    CHECK(rb_encoder_encode(e, doc_texts, lens, NDOCS, docs, NULL, NULL,
                            &err) == 0);
    for (i = 0; i < NQUERIES; i++)
        lens[i] = strlen(query_texts[i]);
    CHECK(rb_encoder_encode(e, query_texts, lens, NQUERIES, queries, NULL,
                            NULL, &err) == 0);
    CHECK_EQ_INT(run->nqueries, NQUERIES);
    for (q = 0; q < run->nqueries && q < NQUERIES; q++) {
        const rb_run_query *rq = &run->queries[q];
        double scores[NDOCS];
        int above;

        CHECK_STR(rb_run_qid(run, q), q == 0 ? "q0" : q == 1 ? "q1"
                  : q == 2 ? "q2" : "q3");
        CHECK_EQ_INT(rq->n, 5);
        for (d = 0; d < NDOCS; d++) {
            double s = 0;

            for (i = 0; i < TINY_HIDDEN; i++)
                s += (double)queries[q * TINY_HIDDEN + i] *
                     docs[d * TINY_HIDDEN + i];
            scores[d] = s;
        }
        /* Descending scores that match the brute force, and no document
         * left out scores above the last one kept. */
        for (i = 0; i < rq->n; i++) {
            CHECK_NEAR(rq->results[i].score, scores[rq->results[i].doc],
                       1e-5);
            if (i)
                CHECK(rq->results[i].score <= rq->results[i - 1].score);
        }
        above = 0;
        for (d = 0; d < NDOCS; d++) {
            int kept = 0;

            for (i = 0; i < rq->n; i++)
                kept |= rq->results[i].doc == d;
            if (!kept && scores[d] > rq->results[rq->n - 1].score + 1e-5)
                above++;
        }
        CHECK_EQ_INT(above, 0);
    }
    /* Each query has a document with the same text: it comes first with
     * cosine 1. "a b" is both d01 and d10: the tie goes to "d10". */
    CHECK_STR(rb_run_doc(run, run->queries[0].results[0].doc), "d00");
    CHECK_NEAR(run->queries[0].results[0].score, 1.0, 1e-5);
    CHECK_STR(rb_run_doc(run, run->queries[1].results[0].doc), "d04");
    CHECK_STR(rb_run_doc(run, run->queries[2].results[0].doc), "d07");
    CHECK_STR(rb_run_doc(run, run->queries[3].results[0].doc), "d10");
    CHECK_STR(rb_run_doc(run, run->queries[3].results[1].doc), "d01");
    CHECK(run->queries[3].results[0].score ==
          run->queries[3].results[1].score);
    rb_encoder_free(e);
    rb_model_free(m);
    rb_run_free(run);
    free_dataset(&t);
}

static void test_tie_at_the_cut_keeps_larger_docno(void)
{
    test_data t;
    rb_context ctx;
    rb_run *run;

    make_dataset(&t);
    context(&ctx, NULL, 1);
    run = run_dense(&t, "{\"normalize\": true}", &ctx, 1, NULL);
    CHECK(run != NULL);
    if (run) {
        CHECK_EQ_INT(run->queries[3].n, 1);
        CHECK_STR(rb_run_doc(run, run->queries[3].results[0].doc), "d10");
    }
    rb_run_free(run);
    free_dataset(&t);
}

static void test_cache_is_reused(void)
{
    test_data t;
    rb_context ctx;
    rb_run *a, *b, *c;
    json_t *da = NULL, *db = NULL, *dc = NULL;
    char cache[1200];
    const char *file;
    FILE *fp;

    make_dataset(&t);
    snprintf(cache, sizeof cache, "%s/cache", tmpdir);
    context(&ctx, cache, 2);
    a = run_dense(&t, "{}", &ctx, 10, &da);
    b = run_dense(&t, "{}", &ctx, 10, &db);
    CHECK(a && b && da && db);
    if (!a || !b || !da || !db)
        goto done;
    CHECK(json_is_false(json_object_get(da, "from_cache")));
    CHECK(json_is_true(json_object_get(db, "from_cache")));
    CHECK(runs_equal(a, b));
    file = json_string_value(json_object_get(db, "cache_file"));
    CHECK(file != NULL && access(file, R_OK) == 0);
    /* A different setting gets its own entry. */
    c = run_dense(&t, "{\"doc_prefix\": \"a \"}", &ctx, 10, &dc);
    CHECK(c != NULL && dc != NULL);
    if (dc)
        CHECK(json_is_false(json_object_get(dc, "from_cache")));
    rb_run_free(c);
    json_decref(dc);
    /* A damaged cache file is ignored and rewritten. */
    fp = fopen(file, "r+b");
    if (fp) {
        fputs("garbage!", fp);
        fclose(fp);
    }
    json_decref(db);
    rb_run_free(b);
    b = run_dense(&t, "{}", &ctx, 10, &db);
    CHECK(b != NULL && db != NULL);
    if (b && db) {
        CHECK(json_is_false(json_object_get(db, "from_cache")));
        CHECK(runs_equal(a, b));
    }
    json_decref(db);
    db = NULL;
    rb_run_free(b);
    b = run_dense(&t, "{}", &ctx, 10, &db);
    if (db)
        CHECK(json_is_true(json_object_get(db, "from_cache")));

done:
    json_decref(da);
    json_decref(db);
    rb_run_free(a);
    rb_run_free(b);
    free_dataset(&t);
}

static void test_thread_count_and_prefixes(void)
{
    test_data t;
    rb_context one, two;
    rb_run *a, *b, *p;

    make_dataset(&t);
    context(&one, NULL, 1);
    context(&two, NULL, 2);
    a = run_dense(&t, "{}", &one, 12, NULL);
    b = run_dense(&t, "{}", &two, 12, NULL);
    p = run_dense(&t, "{\"query_prefix\": \"hello \"}", &two, 12, NULL);
    CHECK(a && b && p);
    if (a && b && p) {
        CHECK(runs_equal(a, b));
        CHECK(!runs_equal(a, p));
    }
    rb_run_free(a);
    rb_run_free(b);
    rb_run_free(p);
    free_dataset(&t);
}

static void test_parameter_errors(void)
{
    rb_context ctx;
    rb_error err = {0};
    void *state = NULL;
    json_t *params = json_loads("{\"batch_size\": \"big\"}", 0, NULL);

    context(&ctx, NULL, 1);
    CHECK(rb_dense_retriever.create(params, &ctx, &state, &err) == -1);
    CHECK(strstr(err.msg, "\"batch_size\" must be a positive integer"));
    json_decref(params);

    rb_error_clear(&err);
    params = json_loads("{\"pooling\": \"median\"}", 0, NULL);
    CHECK(rb_dense_retriever.create(params, &ctx, &state, &err) == -1);
    CHECK(strstr(err.msg, "unknown pooling mode \"median\""));
    json_decref(params);

    rb_error_clear(&err);
    params = json_loads("{\"colour\": 1}", 0, NULL);
    CHECK(rb_retriever_check_params(&rb_dense_retriever, params, &err) ==
          -1);
    CHECK(strstr(err.msg, "unknown parameter \"colour\""));
    json_decref(params);

    rb_error_clear(&err);
    ctx.model = NULL;
    CHECK(rb_dense_retriever.create(NULL, &ctx, &state, &err) == -1);
    CHECK(strstr(err.msg, "no model given"));
    rb_error_clear(&err);
    ctx.model = "/nonexistent/model";
    CHECK(rb_dense_retriever.create(NULL, &ctx, &state, &err) == -1);
    CHECK(strstr(err.msg, "dense: model \"/nonexistent/model\": no such "
                 "folder"));
    CHECK(rb_retriever_find("dense") == &rb_dense_retriever);
}

int main(void)
{
    tiny_spec s;
    char cmd[1200];
    int rc;

    rb_log_set_level(RB_LOG_WARN);
    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(model_path, sizeof model_path, "%s/model", tmpdir);
    tiny_spec_init(&s, "");
    if (tiny_write_model(model_path, &s) != 0)
        return 1;
    RUN_TEST(test_top_k_is_exact);
    RUN_TEST(test_tie_at_the_cut_keeps_larger_docno);
    RUN_TEST(test_cache_is_reused);
    RUN_TEST(test_thread_count_and_prefixes);
    RUN_TEST(test_parameter_errors);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    rc = system(cmd);
    (void)rc;
    return check_report();
}
