/* Fusion of runs and the hybrid retriever. */

#include "check.h"

#include "base/mem.h"
#include "retrieve/fusion.h"

/* A run from a compact description: "q1 d1:3 d2:2; q2 d5:1". */
static rb_run *make_run(const char *spec)
{
    rb_run *run = rb_run_new("t");
    char buf[512], *query, *save_q = NULL;

    snprintf(buf, sizeof buf, "%s", spec);
    for (query = strtok_r(buf, ";", &save_q); query;
         query = strtok_r(NULL, ";", &save_q)) {
        char *tok, *save_t = NULL;
        long qi = -1;

        for (tok = strtok_r(query, " ", &save_t); tok;
             tok = strtok_r(NULL, " ", &save_t)) {
            char *colon = strchr(tok, ':');

            if (!colon) {
                qi = rb_run_query_index(run, tok, strlen(tok));
                continue;
            }
            rb_run_push_str(run, (size_t)qi, tok, (size_t)(colon - tok),
                            atof(colon + 1));
        }
    }
    return run;
}

/* "d3 0.0327 d1 0.0163 ..." with 10 significant digits. */
static void describe_query(const rb_run *run, const char *qid, char *out,
                           size_t size)
{
    long qi = rb_run_find_query(run, qid);
    size_t i, len = 0;

    out[0] = '\0';
    if (qi < 0)
        return;
    for (i = 0; i < run->queries[qi].n && len < size; i++) {
        const rb_result *r = &run->queries[qi].results[i];

        len += (size_t)snprintf(out + len, size - len, "%s%s %.10g",
                                i ? " " : "", rb_run_doc(run, r->doc),
                                r->score);
    }
}

static rb_run *fuse2(rb_run *a, rb_run *b, rb_fusion_options *opt,
                     double wa, double wb, size_t da, size_t db)
{
    rb_fusion_input in[2] = {{a, wa, da}, {b, wb, db}};
    rb_run *out = rb_run_new("fused");
    rb_error err = {0};

    if (rb_fuse(in, 2, opt, out, &err) < 0) {
        fprintf(stderr, "fuse: %s\n", err.msg);
        rb_run_free(out);
        return NULL;
    }
    return out;
}

static void test_rrf_sums_reciprocal_ranks(void)
{
    rb_run *a = make_run("q1 d1:3 d2:2 d3:1");
    rb_run *b = make_run("q1 d3:10 d4:5");
    rb_fusion_options opt = RB_FUSION_OPTIONS_INIT;
    rb_run *f = fuse2(a, b, &opt, 1, 1, 1000, 1000);
    char got[512], want[512];

    /* d3: 1/63 + 1/61; d1: 1/61; d2 and d4 tie at 1/62 and go by docno
     * descending, as trec_eval orders them. */
    snprintf(want, sizeof want, "d3 %.10g d1 %.10g d4 %.10g d2 %.10g",
             1.0 / 63 + 1.0 / 61, 1.0 / 61, 1.0 / 62, 1.0 / 62);
    describe_query(f, "q1", got, sizeof got);
    CHECK_STR(got, want);
    rb_run_free(f);
    rb_run_free(a);
    rb_run_free(b);
}

static void test_rrf_ranks_follow_trec_order_not_file_order(void)
{
    /* Stored out of order, with a tie: trec order is d9 (5), then d2 and
     * d1 tied at 1 by docno descending: d2 before d1. */
    rb_run *a = make_run("q1 d1:1 d9:5 d2:1");
    rb_run *b = make_run("q1 d7:1");
    rb_fusion_options opt = RB_FUSION_OPTIONS_INIT;
    rb_run *f = fuse2(a, b, &opt, 1, 1, 1000, 1000);
    char got[512], want[512];

    snprintf(want, sizeof want, "d9 %.10g d7 %.10g d2 %.10g d1 %.10g",
             1.0 / 61, 1.0 / 61, 1.0 / 62, 1.0 / 63);
    describe_query(f, "q1", got, sizeof got);
    CHECK_STR(got, want);
    rb_run_free(f);
    rb_run_free(a);
    rb_run_free(b);
}

static void test_rrf_weights_depth_and_k(void)
{
    rb_run *a = make_run("q1 d1:3 d2:2 d3:1");
    rb_run *b = make_run("q1 d3:10 d4:5");
    rb_fusion_options opt = RB_FUSION_OPTIONS_INIT;
    rb_run *f;
    char got[512], want[512];

    opt.k = 10;
    f = fuse2(a, b, &opt, 2, 0.5, 1, 1000);
    /* a contributes d1 only (depth 1), weight 2; b weight 0.5. */
    snprintf(want, sizeof want, "d1 %.10g d3 %.10g d4 %.10g", 2.0 / 11,
             0.5 / 11, 0.5 / 12);
    describe_query(f, "q1", got, sizeof got);
    CHECK_STR(got, want);
    rb_run_free(f);
    rb_run_free(a);
    rb_run_free(b);
}

static void test_wsum_minmax(void)
{
    rb_run *a = make_run("q1 d1:3 d2:2 d3:1");
    rb_run *b = make_run("q1 d3:10 d4:5");
    rb_fusion_options opt = RB_FUSION_OPTIONS_INIT;
    rb_run *f;
    char got[512], want[512];

    opt.method = RB_FUSE_WSUM;
    f = fuse2(a, b, &opt, 0.7, 0.3, 1000, 1000);
    /* a: 1, .5, 0; b: 1, 0. d1 .7, d2 .35, d3 0 + .3, d4 0. */
    snprintf(want, sizeof want, "d1 %.10g d2 %.10g d3 %.10g d4 %.10g",
             0.7, 0.35, 0.3, 0.0);
    describe_query(f, "q1", got, sizeof got);
    CHECK_STR(got, want);
    rb_run_free(f);
    rb_run_free(a);
    rb_run_free(b);
}

static void test_normalizations(void)
{
    rb_run *a = make_run("q1 d1:4 d2:2 d3:0");
    rb_run *b = make_run("q1 d9:1");
    rb_fusion_options opt = RB_FUSION_OPTIONS_INIT;
    rb_run *f;
    char got[512], want[512];
    double sd = sqrt(8.0 / 3.0);

    opt.method = RB_FUSE_COMBSUM;
    opt.norm = RB_NORM_ZSCORE;
    f = fuse2(a, b, &opt, 1, 1, 1000, 1000);
    /* mean 2, population sd sqrt(8/3); b's single score has sd 0. */
    snprintf(want, sizeof want, "d1 %.10g d9 %.10g d2 %.10g d3 %.10g",
             2 / sd, 0.0, 0.0, -2 / sd);
    describe_query(f, "q1", got, sizeof got);
    CHECK_STR(got, want);
    rb_run_free(f);

    opt.norm = RB_NORM_MAX;
    f = fuse2(a, b, &opt, 1, 1, 1000, 1000);
    snprintf(want, sizeof want, "d9 %.10g d1 %.10g d2 %.10g d3 %.10g",
             1.0, 1.0, 0.5, 0.0);
    describe_query(f, "q1", got, sizeof got);
    CHECK_STR(got, want);
    rb_run_free(f);

    opt.norm = RB_NORM_SUM;
    f = fuse2(a, b, &opt, 1, 1, 1000, 1000);
    snprintf(want, sizeof want, "d9 %.10g d1 %.10g d2 %.10g d3 %.10g",
             1.0, 4.0 / 6, 2.0 / 6, 0.0);
    describe_query(f, "q1", got, sizeof got);
    CHECK_STR(got, want);
    rb_run_free(f);

    opt.norm = RB_NORM_NONE;
    f = fuse2(a, b, &opt, 1, 1, 1000, 1000);
    snprintf(want, sizeof want, "d1 4 d2 2 d9 1 d3 0");
    describe_query(f, "q1", got, sizeof got);
    CHECK_STR(got, want);
    rb_run_free(f);

    /* A list of equal scores is all at its best under min-max. */
    opt.norm = RB_NORM_MINMAX;
    f = fuse2(b, b, &opt, 1, 1, 1000, 1000);
    describe_query(f, "q1", got, sizeof got);
    CHECK_STR(got, "d9 2");
    rb_run_free(f);
    rb_run_free(a);
    rb_run_free(b);
}

static void test_combmnz_multiplies_by_hits(void)
{
    rb_run *a = make_run("q1 d1:3 d2:2 d3:1");
    rb_run *b = make_run("q1 d3:10 d4:5 d2:0");
    rb_fusion_options opt = RB_FUSION_OPTIONS_INIT;
    rb_run *f;
    char got[512], want[512];

    opt.method = RB_FUSE_COMBMNZ;
    f = fuse2(a, b, &opt, 1, 1, 1000, 1000);
    /* a: 1, .5, 0; b: d3 1, d4 .5, d2 0. d1 1*1, d2 (.5+0)*2,
     * d3 (0+1)*2, d4 .5*1. */
    snprintf(want, sizeof want, "d3 %.10g d2 %.10g d1 %.10g d4 %.10g",
             2.0, 1.0, 1.0, 0.5);
    describe_query(f, "q1", got, sizeof got);
    CHECK_STR(got, want);
    rb_run_free(f);
    rb_run_free(a);
    rb_run_free(b);
}

static void test_queries_union_and_limit(void)
{
    rb_run *a = make_run("q2 d1:3 d2:2; q1 d5:1");
    rb_run *b = make_run("q3 d3:10; q1 d6:2 d7:1");
    rb_fusion_options opt = RB_FUSION_OPTIONS_INIT;
    rb_run *f;
    char got[512], want[512];

    opt.limit = 1;
    f = fuse2(a, b, &opt, 1, 1, 1000, 1000);
    CHECK_EQ_INT(f->nqueries, 3);
    CHECK_STR(rb_run_qid(f, 0), "q2");
    CHECK_STR(rb_run_qid(f, 1), "q1");
    CHECK_STR(rb_run_qid(f, 2), "q3");
    describe_query(f, "q2", got, sizeof got);
    snprintf(want, sizeof want, "d1 %.10g", 1.0 / 61);
    CHECK_STR(got, want);
    /* q1: d6 and d5 tie at 1/61, docno descending puts d6 first. */
    describe_query(f, "q1", got, sizeof got);
    snprintf(want, sizeof want, "d6 %.10g", 1.0 / 61);
    CHECK_STR(got, want);
    rb_run_free(f);
    rb_run_free(a);
    rb_run_free(b);
}

static void test_shared_table_and_determinism(void)
{
    rb_intern *docs = rb_intern_new();
    rb_run *a = rb_run_new_borrowed("a", docs);
    rb_run *b = rb_run_new_borrowed("b", docs);
    rb_run *out1 = rb_run_new_borrowed("f", docs);
    rb_run *out2 = rb_run_new_borrowed("f", docs);
    rb_fusion_options opt = RB_FUSION_OPTIONS_INIT;
    rb_fusion_input in[2] = {{a, 1, 1000}, {b, 1, 1000}};
    rb_error err = {0};
    char doc[16];
    size_t i, before;

    rb_run_query_index(a, "q", 1);
    rb_run_query_index(b, "q", 1);
    for (i = 0; i < 300; i++) {
        snprintf(doc, sizeof doc, "doc%zu", i);
        rb_run_push_str(a, 0, doc, strlen(doc), (double)(i % 17));
        rb_run_push_str(b, 0, doc, strlen(doc), (double)((i * 7) % 23));
    }
    before = rb_intern_count(docs);
    opt.method = RB_FUSE_WSUM;
    CHECK_EQ_INT(rb_fuse(in, 2, &opt, out1, &err), 0);
    CHECK_EQ_INT(rb_fuse(in, 2, &opt, out2, &err), 0);
    CHECK_EQ_INT(rb_intern_count(docs), before);
    CHECK_EQ_INT(out1->queries[0].n, 300);
    for (i = 0; i < 300; i++) {
        const rb_result *x = &out1->queries[0].results[i];
        const rb_result *y = &out2->queries[0].results[i];

        CHECK(x->doc == y->doc && x->score == y->score);
        if (i)
            CHECK(x[-1].score >= x->score);
    }
    rb_run_free(out1);
    rb_run_free(out2);
    rb_run_free(a);
    rb_run_free(b);
    rb_intern_free(docs);
}

static void test_fuse_rejects_bad_options(void)
{
    rb_run *a = make_run("q1 d1:1");
    rb_run *out = rb_run_new("f");
    rb_fusion_options opt = RB_FUSION_OPTIONS_INIT;
    rb_fusion_input in[1] = {{a, -1, 10}};
    rb_error err = {0};

    CHECK_EQ_INT(rb_fuse(in, 0, &opt, out, &err), -1);
    CHECK_STR(err.msg, "fusion needs at least one run");
    rb_error_clear(&err);
    CHECK_EQ_INT(rb_fuse(in, 1, &opt, out, &err), -1);
    CHECK_STR(err.msg, "fusion input 1: weight must be a non-negative "
              "number");
    rb_error_clear(&err);
    in[0].weight = 1;
    opt.k = 0;
    CHECK_EQ_INT(rb_fuse(in, 1, &opt, out, &err), -1);
    CHECK_STR(err.msg, "the RRF constant k must be a positive number, "
              "not 0");
    rb_error_clear(&err);
    opt.k = 60;
    CHECK_EQ_INT(rb_fuse(in, 1, &opt, out, &err), 0);
    CHECK_EQ_INT(rb_fuse(in, 1, &opt, out, &err), -1);
    CHECK_STR(err.msg, "fusion output query \"q1\" already has results");
    rb_run_free(out);
    rb_run_free(a);
}

static void test_fuse_survives_allocation_failures(void)
{
    rb_run *a = make_run("q1 d1:3 d2:2 d3:1; q2 d1:1");
    rb_run *b = make_run("q1 d3:10 d4:5; q3 d9:1");
    rb_fusion_options opt = RB_FUSION_OPTIONS_INIT;
    rb_fusion_input in[2] = {{a, 1, 1000}, {b, 1, 1000}};
    long n;
    int ok = 0;

    for (n = 1; n < 200 && !ok; n++) {
        rb_run *out = rb_run_new("f");
        rb_error err = {0};
        int rc;

        if (!out)
            continue;
        rb_mem_fail_after(n);
        rc = rb_fuse(in, 2, &opt, out, &err);
        rb_mem_fail_after(0);
        if (rc == 0)
            ok = 1;
        else
            CHECK_STR(err.msg, "out of memory");
        rb_run_free(out);
    }
    CHECK(ok);
    rb_run_free(a);
    rb_run_free(b);
}

/* A dataset with just the query tables the hybrid reads. */
typedef struct fake_runs {
    const char *names[2];
    const rb_run *runs[2];
} fake_runs;

static const rb_run *find_fake(void *arg, const char *name)
{
    fake_runs *f = arg;
    int i;

    for (i = 0; i < 2; i++)
        if (strcmp(f->names[i], name) == 0)
            return f->runs[i];
    return NULL;
}

static int create_hybrid(const char *json, const rb_context *ctx,
                         void **state, rb_error *err)
{
    json_t *params = json ? json_loads(json, 0, NULL) : NULL;
    int rc;

    rb_error_clear(err);
    rc = rb_retriever_check_params(&rb_hybrid_retriever, params, err);
    if (rc == 0)
        rc = rb_hybrid_retriever.create(params, ctx, state, err);
    json_decref(params);
    return rc;
}

static void test_hybrid_parameters_are_validated(void)
{
    rb_context ctx = {0};
    rb_error err = {0};
    void *state = NULL;

    CHECK_EQ_INT(create_hybrid(NULL, &ctx, &state, &err), -1);
    CHECK_STR(err.msg, "hybrid: \"fuse\" is missing: give the names of "
              "the retrievers to fuse");
    CHECK_EQ_INT(create_hybrid("{\"fuse\": [\"bm25\"]}", &ctx, &state,
                               &err), -1);
    CHECK_STR(err.msg, "hybrid: \"fuse\" must be an array of two or more "
              "retriever names");
    CHECK_EQ_INT(create_hybrid("{\"fuse\": [\"a\", \"a\"]}", &ctx, &state,
                               &err), -1);
    CHECK_STR(err.msg, "hybrid: \"fuse\" names \"a\" twice");
    CHECK_EQ_INT(create_hybrid("{\"fuse\": [\"a\", \"b\"], \"method\": "
                               "\"borda\"}", &ctx, &state, &err), -1);
    CHECK_STR(err.msg, "hybrid: \"method\" must be one of rrf, wsum, "
              "combsum, combmnz");
    CHECK_EQ_INT(create_hybrid("{\"fuse\": [\"a\", \"b\"], \"method\": "
                               "\"wsum\", \"k\": 10}", &ctx, &state, &err),
                 -1);
    CHECK_STR(err.msg, "hybrid: \"k\" applies to method rrf only");
    CHECK_EQ_INT(create_hybrid("{\"fuse\": [\"a\", \"b\"], \"norm\": "
                               "\"zscore\"}", &ctx, &state, &err), -1);
    CHECK_STR(err.msg, "hybrid: \"norm\" does not apply to rrf, which "
              "fuses ranks");
    CHECK_EQ_INT(create_hybrid("{\"fuse\": [\"a\", \"b\"], \"weights\": "
                               "[1]}", &ctx, &state, &err), -1);
    CHECK_STR(err.msg, "hybrid: \"weights\" has 1 entries for 2 inputs");
    CHECK_EQ_INT(create_hybrid("{\"fuse\": [\"a\", \"b\"], \"weights\": "
                               "{\"c\": 1}}", &ctx, &state, &err), -1);
    CHECK_STR(err.msg, "hybrid: \"weights\" names \"c\", which is not "
              "among the fused retrievers");
    CHECK_EQ_INT(create_hybrid("{\"fuse\": [\"a\", \"b\"], \"depth\": "
                               "-3}", &ctx, &state, &err), -1);
    CHECK_STR(err.msg, "hybrid: the depth of \"a\" must be a whole number "
              ">= 0 (0: all results)");
    CHECK_EQ_INT(create_hybrid("{\"fuse\": [\"a\", \"b\"], \"alpha\": 1}",
                               &ctx, &state, &err), -1);
    CHECK(strstr(err.msg, "unknown parameter \"alpha\"") != NULL);

    CHECK_EQ_INT(create_hybrid("{\"fuse\": [\"bm25\", \"ilike\"]}", &ctx,
                               &state, &err), 0);
    {
        json_t *d = rb_hybrid_retriever.describe(state);
        char *text = json_dumps(d, JSON_COMPACT);

        CHECK_STR(text, "{\"fuse\":[\"bm25\",\"ilike\"],\"method\":\"rrf\","
                  "\"k\":60.0,\"weights\":[1.0,1.0],\"depth\":[1000,1000]}");
        free(text);
        json_decref(d);
    }
    rb_hybrid_retriever.destroy(state);
}

static void test_hybrid_search_fuses_context_runs(void)
{
    rb_dataset ds;
    rb_intern *docs = rb_intern_new();
    rb_run *bm25 = rb_run_new_borrowed("bm25", docs);
    rb_run *dense = rb_run_new_borrowed("dense", docs);
    rb_run *out = rb_run_new_borrowed("hybrid", docs);
    fake_runs fake = {{"bm25", "dense"}, {bm25, dense}};
    rb_context ctx = {0};
    uint32_t eval[2];
    rb_error err = {0};
    void *state = NULL;
    char got[256], want[256];

    memset(&ds, 0, sizeof ds);
    ds.query_ids = rb_intern_new();
    rb_intern_add(ds.query_ids, "qa", 2, NULL);
    eval[0] = rb_intern_add(ds.query_ids, "qc", 2, NULL);
    eval[1] = rb_intern_add(ds.query_ids, "qb", 2, NULL);
    ds.eval_queries = eval;
    ds.neval = 2;
    rb_run_query_index(bm25, "qb", 2);
    rb_run_query_index(bm25, "qc", 2);
    rb_run_push_str(bm25, 0, "x", 1, 2.0);
    rb_run_push_str(bm25, 0, "y", 1, 1.0);
    rb_run_push_str(bm25, 1, "z", 1, 1.0);
    rb_run_query_index(dense, "qb", 2);
    rb_run_push_str(dense, 0, "y", 1, 0.9);
    ctx.find_run = find_fake;
    ctx.find_run_arg = &fake;
    CHECK_EQ_INT(create_hybrid("{\"fuse\": [\"bm25\", \"dense\"], "
                               "\"weights\": {\"dense\": 2}}", &ctx,
                               &state, &err), 0);
    CHECK_EQ_INT(rb_hybrid_retriever.index(state, &ds, &ctx, &err), 0);
    CHECK_EQ_INT(rb_hybrid_retriever.search(state, &ds, &ctx, 10, out,
                                            &err), 0);
    CHECK_EQ_INT(out->nqueries, 2);
    CHECK_STR(rb_run_qid(out, 0), "qc");
    CHECK_STR(rb_run_qid(out, 1), "qb");
    describe_query(out, "qb", got, sizeof got);
    snprintf(want, sizeof want, "y %.10g x %.10g", 1.0 / 62 + 2.0 / 61,
             1.0 / 61);
    CHECK_STR(got, want);
    rb_hybrid_retriever.destroy(state);

    CHECK_EQ_INT(create_hybrid("{\"fuse\": [\"bm25\", \"splade\"]}", &ctx,
                               &state, &err), 0);
    rb_run_free(out);
    out = rb_run_new_borrowed("hybrid", docs);
    CHECK_EQ_INT(rb_hybrid_retriever.search(state, &ds, &ctx, 10, out,
                                            &err), -1);
    CHECK_STR(err.msg, "hybrid: input \"splade\" has no run; list it among "
              "the retrievers to run");
    rb_hybrid_retriever.destroy(state);
    rb_run_free(out);
    rb_run_free(bm25);
    rb_run_free(dense);
    rb_intern_free(docs);
    rb_intern_free(ds.query_ids);
}

int main(void)
{
    RUN_TEST(test_rrf_sums_reciprocal_ranks);
    RUN_TEST(test_rrf_ranks_follow_trec_order_not_file_order);
    RUN_TEST(test_rrf_weights_depth_and_k);
    RUN_TEST(test_wsum_minmax);
    RUN_TEST(test_normalizations);
    RUN_TEST(test_combmnz_multiplies_by_hits);
    RUN_TEST(test_queries_union_and_limit);
    RUN_TEST(test_shared_table_and_determinism);
    RUN_TEST(test_fuse_rejects_bad_options);
    RUN_TEST(test_fuse_survives_allocation_failures);
    RUN_TEST(test_hybrid_parameters_are_validated);
    RUN_TEST(test_hybrid_search_fuses_context_runs);
    return check_report();
}
