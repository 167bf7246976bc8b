/* Comparisons of systems over per-query scores. */

#include "check.h"

#include <unistd.h>

#include "base/mem.h"
#include "base/rng.h"
#include "report/compare.h"

/* {qid: {"ndcg_cut_10": v, "map": v / 2}} for queries q<first>.. */
static json_t *per_query(const double *v, size_t n, size_t first)
{
    json_t *pq = json_object();
    size_t i;

    for (i = 0; i < n; i++) {
        char qid[16];

        snprintf(qid, sizeof qid, "q%zu", first + i);
        json_object_set_new(pq, qid, json_pack("{s:f, s:f}", "ndcg_cut_10",
                                               v[i], "map", v[i] / 2));
    }
    return pq;
}

static json_t *find(json_t *cmps, const char *base, const char *sys,
                    const char *measure)
{
    json_t *c;
    size_t i;

    json_array_foreach(cmps, i, c)
        if (strcmp(json_string_value(json_object_get(c, "baseline")),
                   base) == 0 &&
            strcmp(json_string_value(json_object_get(c, "system")),
                   sys) == 0 &&
            strcmp(json_string_value(json_object_get(c, "measure")),
                   measure) == 0)
            return c;
    return NULL;
}

static double num(json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

static void test_two_systems_values(void)
{
    double a[] = {0.1, 0.5, 0.3, 0.9, 0.0, 0.4};
    double b[] = {0.3, 0.6, 0.2, 1.0, 0.5, 0.4};
    double t, p;
    rb_compare_system sys[2];
    rb_compare_info info;
    rb_error err = {0};
    json_t *cmps, *c;

    sys[0].label = "bm25";
    sys[0].per_query = per_query(a, 6, 1);
    sys[1].label = "dense";
    sys[1].per_query = per_query(b, 6, 1);
    cmps = rb_compare_systems(sys, 2, 0, NULL, NULL, &info, &err);
    CHECK(cmps != NULL);
    if (!cmps)
        return;
    /* Default measures that both have: ndcg_cut_10 then map. */
    CHECK_EQ_INT(json_array_size(cmps), 2);
    CHECK_EQ_INT(info.common_queries, 6);
    CHECK_EQ_INT(info.holm, 0);
    c = find(cmps, "bm25", "dense", "ndcg_cut_10");
    CHECK(c != NULL);
    CHECK_NEAR(num(c, "baseline_mean"), 2.2 / 6, 1e-12);
    CHECK_NEAR(num(c, "system_mean"), 3.0 / 6, 1e-12);
    CHECK_NEAR(num(c, "difference"), 0.8 / 6, 1e-12);
    p = rb_ttest_paired(b, a, 6, &t);
    CHECK_NEAR(num(c, "t"), t, 1e-12);
    CHECK_NEAR(num(c, "p_t"), p, 1e-15);
    /* n = 6: the randomization test enumerates all 64 sign flips. */
    CHECK_NEAR(num(c, "p_randomization"),
               rb_randomization_test(b, a, 6, 10000, 0), 0);
    CHECK(json_is_boolean(json_object_get(c, "significant")));
    CHECK(json_is_true(json_object_get(c, "significant")) ==
          (num(c, "p_randomization") < 0.05));
    CHECK_EQ_INT(json_integer_value(json_object_get(c, "queries")), 6);
    CHECK_EQ_INT(json_integer_value(json_object_get(c, "dropped_queries")),
                 0);
    CHECK(json_array_size(json_object_get(c, "difference_ci")) == 2);
    CHECK(json_object_get(c, "p_holm") == NULL);
    CHECK(json_object_get(c, "gains") == NULL);
    json_decref(cmps);
    json_decref((json_t *)sys[0].per_query);
    json_decref((json_t *)sys[1].per_query);
}

static void test_gains_and_losses_with_texts(void)
{
    double a[] = {0.1, 0.5, 0.3, 0.9, 0.0, 0.4};
    double b[] = {0.3, 0.6, 0.2, 1.0, 0.5, 0.4};
    rb_compare_options opt = RB_COMPARE_OPTIONS_INIT;
    rb_compare_system sys[2];
    rb_compare_info info;
    rb_error err = {0};
    rb_dataset ds;
    const char *texts[] = {"first query", "second query", "third query"};
    json_t *cmps, *c, *gains, *losses;

    memset(&ds, 0, sizeof ds);
    ds.query_ids = rb_intern_new();
    rb_intern_add(ds.query_ids, "q5", 2, NULL);
    rb_intern_add(ds.query_ids, "q1", 2, NULL);
    rb_intern_add(ds.query_ids, "q3", 2, NULL);
    ds.query_texts = texts;
    ds.nqueries = 3;
    sys[0].label = "bm25";
    sys[0].per_query = per_query(a, 6, 1);
    sys[1].label = "dense";
    sys[1].per_query = per_query(b, 6, 1);
    opt.per_query = 2;
    cmps = rb_compare_systems(sys, 2, 0, &opt, &ds, &info, &err);
    CHECK(cmps != NULL);
    c = find(cmps, "bm25", "dense", "ndcg_cut_10");
    gains = json_object_get(c, "gains");
    losses = json_object_get(c, "losses");
    /* Gains: q5 +0.5, q1 +0.2 (then q2, q4 +0.1, cut at 2). Losses:
     * q3 -0.1 only; q6 did not change. */
    CHECK_EQ_INT(json_array_size(gains), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(gains, 0),
                                                "query")), "q5");
    CHECK_STR(json_string_value(json_object_get(json_array_get(gains, 0),
                                                "text")), "first query");
    CHECK_NEAR(num(json_array_get(gains, 0), "difference"), 0.5, 1e-15);
    CHECK_STR(json_string_value(json_object_get(json_array_get(gains, 1),
                                                "query")), "q1");
    CHECK_EQ_INT(json_array_size(losses), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(losses, 0),
                                                "text")), "third query");
    CHECK_NEAR(num(json_array_get(losses, 0), "baseline"), 0.3, 1e-15);
    CHECK_NEAR(num(json_array_get(losses, 0), "system"), 0.2, 1e-15);
    /* Only on the first measure. */
    CHECK(json_object_get(find(cmps, "bm25", "dense", "map"), "gains") ==
          NULL);
    json_decref(cmps);
    json_decref((json_t *)sys[0].per_query);
    json_decref((json_t *)sys[1].per_query);
    rb_intern_free(ds.query_ids);
}

static void random_scores(double *v, size_t n, double shift, uint64_t seed)
{
    rb_rng rng;
    size_t i;

    rb_rng_seed(&rng, seed);
    for (i = 0; i < n; i++) {
        v[i] = rb_rng_double(&rng) * 0.6 + shift;
    }
}

static void test_three_systems_holm_all_pairs(void)
{
    double a[40], b[40], c[40];
    rb_compare_system sys[3];
    rb_compare_info info;
    rb_error err = {0};
    json_t *cmps, *x;
    size_t i;

    random_scores(a, 40, 0.0, 1);
    random_scores(b, 40, 0.05, 2);
    random_scores(c, 40, 0.3, 3);
    sys[0].label = "a";
    sys[0].per_query = per_query(a, 40, 1);
    sys[1].label = "b";
    sys[1].per_query = per_query(b, 40, 1);
    sys[2].label = "c";
    sys[2].per_query = per_query(c, 40, 1);
    cmps = rb_compare_systems(sys, 3, -1, NULL, NULL, &info, &err);
    CHECK(cmps != NULL);
    CHECK_EQ_INT(info.comparisons, 3);
    CHECK_EQ_INT(info.holm, 1);
    CHECK_EQ_INT(json_array_size(cmps), 6);
    CHECK(find(cmps, "a", "b", "map") && find(cmps, "a", "c", "map") &&
          find(cmps, "b", "c", "map"));
    json_array_foreach(cmps, i, x) {
        json_t *holm = json_object_get(x, "p_holm");

        CHECK(num(holm, "t") >= num(x, "p_t"));
        CHECK(num(holm, "randomization") >= num(x, "p_randomization"));
        CHECK(num(holm, "bootstrap") >= num(x, "p_bootstrap"));
        CHECK(json_is_true(json_object_get(x, "significant")) ==
              (num(holm, "randomization") < 0.05));
    }
    CHECK(json_is_true(json_object_get(find(cmps, "a", "c", "ndcg_cut_10"),
                                       "significant")));
    json_decref(cmps);
    /* Against a baseline: two comparisons per measure. */
    cmps = rb_compare_systems(sys, 3, 1, NULL, NULL, &info, &err);
    CHECK_EQ_INT(json_array_size(cmps), 4);
    CHECK(find(cmps, "b", "a", "ndcg_cut_10") != NULL);
    CHECK(find(cmps, "b", "c", "ndcg_cut_10") != NULL);
    json_decref(cmps);
    for (i = 0; i < 3; i++)
        json_decref((json_t *)sys[i].per_query);
}

static void test_common_queries_and_strict(void)
{
    double a[] = {0.1, 0.5, 0.3, 0.9, 0.0};
    double b[] = {0.3, 0.6, 0.2, 1.0, 0.5};
    rb_compare_options opt = RB_COMPARE_OPTIONS_INIT;
    rb_compare_system sys[2];
    rb_compare_info info;
    rb_error err = {0};
    json_t *cmps, *c;

    sys[0].label = "x";
    sys[0].per_query = per_query(a, 5, 1);   /* q1..q5 */
    sys[1].label = "y";
    sys[1].per_query = per_query(b, 5, 3);   /* q3..q7 */
    cmps = rb_compare_systems(sys, 2, 0, NULL, NULL, &info, &err);
    CHECK(cmps != NULL);
    CHECK_EQ_INT(info.common_queries, 3);
    CHECK_EQ_INT(info.union_queries, 7);
    c = find(cmps, "x", "y", "ndcg_cut_10");
    CHECK_EQ_INT(json_integer_value(json_object_get(c, "queries")), 3);
    CHECK_EQ_INT(json_integer_value(json_object_get(c, "dropped_queries")),
                 4);
    /* q3, q4, q5: x has .3 .9 0, y has .3 .6 .2. */
    CHECK_NEAR(num(c, "baseline_mean"), 1.2 / 3, 1e-12);
    CHECK_NEAR(num(c, "system_mean"), 1.1 / 3, 1e-12);
    json_decref(cmps);
    opt.strict = 1;
    CHECK(rb_compare_systems(sys, 2, 0, &opt, NULL, &info, &err) == NULL);
    CHECK_STR(err.msg, "the systems were evaluated on different queries "
              "(3 in common, 7 in all); without strict mode the common "
              "ones are compared");
    json_decref((json_t *)sys[1].per_query);
    sys[1].per_query = per_query(b, 5, 5);   /* q5..q9: one in common */
    rb_error_clear(&err);
    CHECK(rb_compare_systems(sys, 2, 0, NULL, NULL, &info, &err) == NULL);
    CHECK_STR(err.msg, "1 query common to all systems: a paired test needs "
              "at least 2");
    json_decref((json_t *)sys[0].per_query);
    json_decref((json_t *)sys[1].per_query);
}

static void test_missing_measure_is_an_error(void)
{
    double a[] = {0.1, 0.5, 0.3};
    const char *measures[] = {"ndcg_cut_10", "P_5", NULL};
    rb_compare_options opt = RB_COMPARE_OPTIONS_INIT;
    rb_compare_system sys[2];
    rb_compare_info info;
    rb_error err = {0};

    sys[0].label = "x";
    sys[0].per_query = per_query(a, 3, 1);
    sys[1].label = "y";
    sys[1].per_query = per_query(a, 3, 1);
    opt.measures = measures;
    CHECK(rb_compare_systems(sys, 2, 0, &opt, NULL, &info, &err) == NULL);
    CHECK_STR(err.msg, "\"x\" has no measure \"P_5\" for query \"q1\"");
    rb_error_clear(&err);
    CHECK(rb_compare_systems(sys, 1, 0, &opt, NULL, &info, &err) == NULL);
    CHECK_STR(err.msg, "a comparison needs at least two systems");
    json_decref((json_t *)sys[0].per_query);
    json_decref((json_t *)sys[1].per_query);
}

static void test_independent_of_key_order_and_threads(void)
{
    double a[30], b[30];
    rb_compare_system sys[2], rev[2];
    rb_compare_info info;
    rb_error err = {0};
    json_t *one, *two, *reversed = json_object();
    const char *qid;
    json_t *row;
    size_t i, n;
    const char **keys;

    random_scores(a, 30, 0, 5);
    random_scores(b, 30, 0.02, 6);
    sys[0].label = "x";
    sys[0].per_query = per_query(a, 30, 1);
    sys[1].label = "y";
    sys[1].per_query = per_query(b, 30, 1);
    n = json_object_size(sys[1].per_query);
    keys = calloc(n, sizeof *keys);
    i = 0;
    json_object_foreach((json_t *)sys[1].per_query, qid, row)
        keys[i++] = qid;
    while (i > 0) {
        i--;
        json_object_set(reversed, keys[i],
                        json_object_get(sys[1].per_query, keys[i]));
    }
    rev[0] = sys[0];
    rev[1].label = "y";
    rev[1].per_query = reversed;
    one = rb_compare_systems(sys, 2, 0, NULL, NULL, &info, &err);
    two = rb_compare_systems(rev, 2, 0, NULL, NULL, &info, &err);
    CHECK(one && two && json_equal(one, two));
    json_decref(two);
    two = rb_compare_systems(sys, 2, 0, NULL, NULL, &info, &err);
    CHECK(json_equal(one, two));
    json_decref(two);
    {
        rb_compare_options opt = RB_COMPARE_OPTIONS_INIT;

        opt.threads = 1;
        two = rb_compare_systems(sys, 2, 0, &opt, NULL, &info, &err);
        CHECK(json_equal(one, two));
        json_decref(two);
        opt.threads = 3;
        two = rb_compare_systems(sys, 2, 0, &opt, NULL, &info, &err);
        CHECK(json_equal(one, two));
    }
    json_decref(one);
    json_decref(two);
    free(keys);
    json_decref(reversed);
    json_decref((json_t *)sys[0].per_query);
    json_decref((json_t *)sys[1].per_query);
}

static json_t *results_with(double shift)
{
    double a[50], b[50], c[50];

    random_scores(a, 50, 0, 11);
    random_scores(b, 50, -0.3, 12);
    random_scores(c, 50, shift, 11);
    return json_pack("{s:s, s:[{s:s, s:o}, {s:s, s:o}, {s:s, s:o}]}",
                     "schema", "rankbench.results", "retrievers",
                     "name", "bm25", "per_query", per_query(a, 50, 1),
                     "name", "ilike", "per_query", per_query(b, 50, 1),
                     "name", "hybrid", "per_query", per_query(c, 50, 1));
}

static void test_add_to_results_and_markers(void)
{
    json_t *res = results_with(0.1);
    rb_compare_options opt = RB_COMPARE_OPTIONS_INIT;
    rb_error err = {0};
    json_t *settings;
    char path[] = "/tmp/rb-compare-XXXXXX", line[512];
    int fd, found_row = 0, found_legend = 0;
    FILE *f;

    opt.per_query = 3;
    CHECK_EQ_INT(rb_compare_add_to_results(res, NULL, NULL, &opt, &err), 0);
    settings = json_object_get(res, "comparison_settings");
    CHECK_STR(json_string_value(json_object_get(settings, "baseline")),
              "bm25");
    CHECK_STR(json_string_value(json_object_get(settings, "test")),
              "randomization");
    CHECK(json_is_true(json_object_get(settings, "holm")));
    CHECK_EQ_INT(json_integer_value(json_object_get(settings,
                                                    "permutations")), 10000);
    CHECK_EQ_INT(json_array_size(json_object_get(res, "comparisons")), 4);
    CHECK_STR(rb_compare_marker(res, "hybrid", "ndcg_cut_10"), " ▲");
    CHECK_STR(rb_compare_marker(res, "ilike", "ndcg_cut_10"), " ▼");
    CHECK_STR(rb_compare_marker(res, "bm25", "ndcg_cut_10"), "");
    CHECK_STR(rb_compare_marker(res, "hybrid", "P_10"), "");

    fd = mkstemp(path);
    f = fdopen(fd, "w+");
    rb_compare_print_summary(f, res);
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "| hybrid | ", 11) == 0 &&
            strstr(line, " ▲ |") && strstr(line, "| <0.0001 |"))
            found_row = 1;
        if (strstr(line, "significantly better / worse than bm25 (paired "
                         "randomization test, p < 0.05, Holm-corrected)"))
            found_legend = 1;
    }
    fclose(f);
    unlink(path);
    CHECK(found_row);
    CHECK(found_legend);

    CHECK_EQ_INT(rb_compare_add_to_results(res, "splade", NULL, &opt, &err),
                 -1);
    CHECK_STR(err.msg, "baseline \"splade\" is not among the retrievers of "
              "this run");
    json_decref(res);
}

static void test_allocation_failures_end_in_errors(void)
{
    json_t *res = results_with(0.1);
    rb_compare_options opt = RB_COMPARE_OPTIONS_INIT;
    long n;
    int ok = 0;

    opt.per_query = 2;
    opt.stats.permutations = 100;
    opt.stats.bootstrap = 100;
    /* jansson allocates with malloc, so only rankbench's own allocations
     * are made to fail here. */
    for (n = 1; n < 400 && !ok; n++) {
        rb_error err = {0};
        json_t *copy = json_deep_copy(res);
        int rc;

        rb_mem_fail_after(n);
        rc = rb_compare_add_to_results(copy, NULL, NULL, &opt, &err);
        rb_mem_fail_after(0);
        if (rc == 0)
            ok = 1;
        else
            CHECK_STR(err.msg, "out of memory");
        json_decref(copy);
    }
    CHECK(ok);
    json_decref(res);
}

int main(void)
{
    RUN_TEST(test_two_systems_values);
    RUN_TEST(test_gains_and_losses_with_texts);
    RUN_TEST(test_three_systems_holm_all_pairs);
    RUN_TEST(test_common_queries_and_strict);
    RUN_TEST(test_missing_measure_is_an_error);
    RUN_TEST(test_independent_of_key_order_and_threads);
    RUN_TEST(test_add_to_results_and_markers);
    RUN_TEST(test_allocation_failures_end_in_errors);
    return check_report();
}
