/* BM25 on the shared classic collections: MaxScore returns exactly the
 * exhaustive ranking for every query, variant and depth, and the default
 * configuration scores what the reference engine (bm25s, lucene variant,
 * k1 0.9, b 0.4) scores on them. Skips when ../shared is absent. */

#include "check.h"
#include "fixture_dataset.h"
#include "base/fileio.h"
#include "metrics/measures.h"
#include "retrieve/bm25.h"

static const char *const collections[] = {"cranfield", "cisi", "cacm"};
/* nDCG@10 of bm25s on these machines, every judged query, no results
 * dropped */
static const double reference_ndcg10[] = {0.3227, 0.3687, 0.4874};

static rb_dataset *load(const char *name)
{
    char *dir = rb_path_join(fixture_shared_dir(), "datasets");
    char *path = dir ? rb_path_join(dir, name) : NULL;
    rb_load_options opt = {NULL, 0, 0};
    rb_error err = {0};
    rb_dataset *ds = NULL;

    if (path && rb_path_exists(path)) {
        ds = rb_dataset_load(path, &opt, &err);
        if (!ds)
            fprintf(stderr, "%s\n", err.msg);
        CHECK(ds != NULL);
    }
    rb_free(dir);
    rb_free(path);
    return ds;
}

static rb_bm25_index *build(const rb_dataset *ds, const rb_analyzer *a,
                            const rb_bm25_params *p)
{
    rb_bm25_build_options opt = {2, 0, ds->fingerprint};
    rb_bm25_source src;
    rb_error err = {0};

    rb_bm25_source_dataset(&src, ds);
    return rb_bm25_build(&src, a, p, &opt, &err);
}

/* Count the queries whose pruned and exhaustive rankings differ. */
static size_t differing_queries(const rb_dataset *ds, rb_bm25_searcher *s,
                                size_t k)
{
    size_t e, i, differ = 0;
    rb_bm25_hit *copy = rb_malloc((k + 1) * sizeof *copy);

    for (e = 0; e < ds->nqueries; e++) {
        const char *q = ds->query_texts[e];
        const rb_bm25_hit *h;
        size_t n = 0, n2 = 0;
        rb_error err = {0};

        CHECK_EQ_INT(rb_bm25_search(s, q, strlen(q), k, &h, &n, NULL,
                                    &err), 0);
        memcpy(copy, h, n * sizeof *h);
        CHECK_EQ_INT(rb_bm25_search_exhaustive(s, q, strlen(q), k, &h, &n2,
                                               NULL, &err), 0);
        if (n != n2) {
            differ++;
            continue;
        }
        for (i = 0; i < n; i++)
            if (copy[i].doc != h[i].doc || copy[i].score != h[i].score) {
                differ++;
                break;
            }
    }
    rb_free(copy);
    return differ;
}

static void test_pruned_equals_exhaustive(void)
{
    static const size_t depths[] = {1, 10, 100, 1000};
    rb_analyzer_config cfg;
    rb_analyzer *a;
    rb_error err = {0};
    size_t c, d;
    int v, found = 0;

    rb_analyzer_config_default(&cfg);
    a = rb_analyzer_new(&cfg, &err);
    for (c = 0; c < 3; c++) {
        rb_dataset *ds = load(collections[c]);

        if (!ds)
            continue;
        found++;
        for (v = 0; v < 5; v++) {
            rb_bm25_params p;
            rb_bm25_index *ix;
            rb_bm25_searcher *s;

            rb_bm25_params_default(&p);
            p.variant = (rb_bm25_variant)v;
            p.delta = rb_bm25_default_delta(p.variant);
            ix = build(ds, a, &p);
            CHECK(ix != NULL);
            if (!ix)
                continue;
            s = rb_bm25_searcher_new(ix, a, &err);
            for (d = 0; d < 4; d++) {
                size_t differ = differing_queries(ds, s, depths[d]);

                if (differ)
                    fprintf(stderr, "%s %s k=%zu: %zu queries differ\n",
                            collections[c], rb_bm25_variant_name(p.variant),
                            depths[d], differ);
                CHECK_EQ_INT(differ, 0);
            }
            rb_bm25_searcher_free(s);
            rb_bm25_free(ix);
        }
        rb_dataset_free(ds);
    }
    rb_analyzer_free(a);
    if (!found)
        CHECK_SKIP("no shared collections");
}

/* nDCG@10 of the default configuration, top 1000, every judged query. */
static double ndcg10(const rb_dataset *ds, const rb_bm25_index *ix,
                     const rb_analyzer *a)
{
    rb_error err = {0};
    rb_bm25_searcher *s = rb_bm25_searcher_new(ix, a, &err);
    rb_run *run = rb_run_new_borrowed("bm25", ds->doc_ids);
    rb_eval_options opt = RB_EVAL_OPTIONS_INIT;
    rb_measure_set set;
    rb_eval *ev;
    size_t e, i;
    double value = -1;

    for (e = 0; e < ds->neval; e++) {
        uint32_t qi = ds->eval_queries[e];
        const char *qid = rb_intern_str(ds->query_ids, qi);
        const char *q = ds->query_texts[qi];
        long ri = rb_run_query_index(run, qid, strlen(qid));
        const rb_bm25_hit *h;
        size_t n = 0;

        rb_bm25_search(s, q, strlen(q), 1000, &h, &n, NULL, &err);
        for (i = 0; i < n; i++)
            rb_run_push(run, (size_t)ri, h[i].doc, h[i].score);
    }
    rb_measures_init(&set);
    rb_measures_add(&set, "ndcg_cut.10", &err);
    ev = rb_evaluate(ds->qrels, run, &set, &opt, &err);
    if (ev) {
        long m = rb_eval_measure_index(ev, "ndcg_cut_10");

        value = m >= 0 ? ev->means[m] : -1;
        rb_eval_free(ev);
    } else {
        fprintf(stderr, "%s\n", err.msg);
    }
    rb_run_free(run);
    rb_bm25_searcher_free(s);
    return value;
}

static void test_quality_matches_the_reference_engine(void)
{
    rb_analyzer_config cfg;
    rb_analyzer *a;
    rb_error err = {0};
    size_t c;
    int found = 0;

    rb_analyzer_config_default(&cfg);
    a = rb_analyzer_new(&cfg, &err);
    for (c = 0; c < 3; c++) {
        rb_dataset *ds = load(collections[c]);
        rb_bm25_params p;
        rb_bm25_index *ix;
        double got;

        if (!ds)
            continue;
        found++;
        rb_bm25_params_default(&p);
        ix = build(ds, a, &p);
        got = ndcg10(ds, ix, a);
        printf("%s: nDCG@10 %.4f (reference %.4f)\n", collections[c], got,
               reference_ndcg10[c]);
        CHECK_NEAR(got, reference_ndcg10[c], 0.01);
        rb_bm25_free(ix);
        rb_dataset_free(ds);
    }
    rb_analyzer_free(a);
    if (!found)
        CHECK_SKIP("no shared collections");
}

int main(void)
{
    RUN_TEST(test_pruned_equals_exhaustive);
    RUN_TEST(test_quality_matches_the_reference_engine);
    return check_report();
}
