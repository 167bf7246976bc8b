/* trec_eval-exact measures: hand-computed cases for each semantic rule,
 * (the golden trec_eval outputs are checked by test_golden). */

#include <stdio.h>

#include "base/mem.h"
#include "check.h"
#include "data/qrels.h"
#include "data/run.h"
#include "metrics/measures.h"

static rb_qrels *qrels_of(const char *const *lines, size_t n)
{
    rb_qrels *q = rb_qrels_new();
    size_t i;

    for (i = 0; i < n; i += 3)
        rb_qrels_add(q, lines[i], strlen(lines[i]), lines[i + 1],
                     strlen(lines[i + 1]), atoi(lines[i + 2]), NULL);
    rb_qrels_seal(q);
    return q;
}

static void push(rb_run *run, const char *qid, const char *doc, double s)
{
    long qi = rb_run_query_index(run, qid, strlen(qid));

    rb_run_push_str(run, (size_t)qi, doc, strlen(doc), s);
}

static double measure(const rb_eval *ev, const char *qid, const char *name)
{
    long m = rb_eval_measure_index(ev, name);
    size_t q;

    if (m < 0)
        return -1;
    if (!qid)
        return ev->means[m];
    for (q = 0; q < ev->nqueries; q++)
        if (strcmp(ev->qids[q], qid) == 0)
            return rb_eval_value(ev, q, (size_t)m);
    return -2;
}

static rb_eval *evaluate(const rb_qrels *q, const rb_run *r,
                         const char *const *specs, size_t nspecs,
                         const rb_eval_options *opt)
{
    rb_measure_set set;
    rb_error err = {0};
    size_t i;
    rb_eval *ev;

    rb_measures_init(&set);
    for (i = 0; i < nspecs; i++)
        rb_measures_add(&set, specs[i], &err);
    ev = rb_evaluate(q, r, &set, opt, &err);
    if (!ev)
        fprintf(stderr, "  evaluate: %s\n", err.msg);
    return ev;
}

static void test_ties_broken_by_docno_descending(void)
{
    static const char *const j[] = {"1", "a", "1"};
    static const char *const m[] = {"P.1", "recip_rank"};
    rb_qrels *q = qrels_of(j, 3);
    rb_run *r = rb_run_new("t");
    rb_eval *ev;

    /* Same score: "b" sorts before "a" (descending), so rank 2. */
    push(r, "1", "a", 1.0);
    push(r, "1", "b", 1.0);
    ev = evaluate(q, r, m, 2, NULL);
    CHECK_NEAR(measure(ev, "1", "P_1"), 0.0, 1e-12);
    CHECK_NEAR(measure(ev, "1", "recip_rank"), 0.5, 1e-12);
    rb_eval_free(ev);
    rb_run_free(r);
    rb_qrels_free(q);
}

static void test_rank_column_ignored_scores_rule(void)
{
    static const char *const j[] = {"1", "x", "1"};
    static const char *const m[] = {"recip_rank"};
    rb_qrels *q = qrels_of(j, 3);
    rb_run *r = rb_run_new("t");
    rb_eval *ev;

    push(r, "1", "y", 0.5);
    push(r, "1", "x", 0.9);   /* listed second, scored highest */
    ev = evaluate(q, r, m, 1, NULL);
    CHECK_NEAR(measure(ev, "1", "recip_rank"), 1.0, 1e-12);
    rb_eval_free(ev);
    rb_run_free(r);
    rb_qrels_free(q);
}

static void test_ndcg_uses_grades_and_ideal_order(void)
{
    static const char *const j[] = {"1", "a", "3", "1", "b", "1",
                                    "1", "c", "-1", "1", "d", "0"};
    static const char *const m[] = {"ndcg_cut.3"};
    rb_qrels *q = qrels_of(j, 12);
    rb_run *r = rb_run_new("t");
    rb_eval *ev;
    double dcg = 1 / 1.0 + 3 / log2(3.0);   /* b at 1, a at 2, c at 3 */
    double idcg = 3 / 1.0 + 1 / log2(3.0);

    push(r, "1", "b", 3);
    push(r, "1", "a", 2);
    push(r, "1", "c", 1);
    ev = evaluate(q, r, m, 1, NULL);
    CHECK_NEAR(measure(ev, "1", "ndcg_cut_3"), dcg / idcg, 1e-12);
    rb_eval_free(ev);
    rb_run_free(r);
    rb_qrels_free(q);
}

static void test_short_runs_and_no_relevant(void)
{
    static const char *const j[] = {"1", "a", "1", "1", "b", "1",
                                    "2", "z", "0"};
    static const char *const m[] = {"P.10", "recall.10", "map",
                                    "ndcg_cut.10", "num_rel"};
    rb_qrels *q = qrels_of(j, 9);
    rb_run *r = rb_run_new("t");
    rb_eval *ev;

    push(r, "1", "a", 1);
    push(r, "2", "z", 1);
    ev = evaluate(q, r, m, 5, NULL);
    /* P@10 divides by 10 even with one result. */
    CHECK_NEAR(measure(ev, "1", "P_10"), 0.1, 1e-12);
    CHECK_NEAR(measure(ev, "1", "recall_10"), 0.5, 1e-12);
    CHECK_NEAR(measure(ev, "1", "map"), 0.5, 1e-12);
    /* A query with no relevant documents scores 0 and counts. */
    CHECK_NEAR(measure(ev, "2", "recall_10"), 0.0, 1e-12);
    CHECK_NEAR(measure(ev, "2", "ndcg_cut_10"), 0.0, 1e-12);
    CHECK_EQ_INT(ev->nqueries, 2);
    CHECK_NEAR(measure(ev, NULL, "recall_10"), 0.25, 1e-12);
    CHECK_NEAR(measure(ev, NULL, "num_rel"), 2, 1e-12);
    rb_eval_free(ev);
    rb_run_free(r);
    rb_qrels_free(q);
}

static void test_complete_and_relevance_level(void)
{
    static const char *const j[] = {"1", "a", "2", "1", "b", "1",
                                    "2", "c", "1"};
    static const char *const m[] = {"P.2", "num_q"};
    rb_qrels *q = qrels_of(j, 9);
    rb_run *r = rb_run_new("t");
    rb_eval_options opt = RB_EVAL_OPTIONS_INIT;
    rb_eval *ev;

    push(r, "1", "a", 2);
    push(r, "1", "b", 1);
    push(r, "3", "c", 1);   /* no judgments: ignored */
    ev = evaluate(q, r, m, 2, &opt);
    CHECK_NEAR(measure(ev, NULL, "num_q"), 1, 1e-12);
    CHECK_NEAR(measure(ev, NULL, "P_2"), 1.0, 1e-12);
    rb_eval_free(ev);
    opt.complete = 1;       /* query 2 now counts as all zeros */
    ev = evaluate(q, r, m, 2, &opt);
    CHECK_NEAR(measure(ev, NULL, "num_q"), 2, 1e-12);
    CHECK_NEAR(measure(ev, NULL, "P_2"), 0.5, 1e-12);
    rb_eval_free(ev);
    opt.complete = 0;
    opt.rel_level = 2;      /* only "a" is relevant */
    ev = evaluate(q, r, m, 2, &opt);
    CHECK_NEAR(measure(ev, NULL, "P_2"), 0.5, 1e-12);
    rb_eval_free(ev);
    rb_run_free(r);
    rb_qrels_free(q);
}

static void test_ignore_identical_ids_counts_relevant(void)
{
    static const char *const j[] = {"7", "7", "1", "7", "x", "1"};
    static const char *const m[] = {"P.1"};
    rb_qrels *q = qrels_of(j, 6);
    rb_run *r = rb_run_new("t");
    rb_eval_options opt = RB_EVAL_OPTIONS_INIT;
    rb_eval *ev;

    push(r, "7", "7", 2);
    push(r, "7", "y", 1);
    opt.ignore_identical_ids = 1;
    ev = evaluate(q, r, m, 1, &opt);
    CHECK_EQ_INT(ev->dropped_identical, 1);
    CHECK_EQ_INT(ev->dropped_identical_relevant, 1);
    CHECK_NEAR(measure(ev, "7", "P_1"), 0.0, 1e-12);
    rb_eval_free(ev);
    rb_run_free(r);
    rb_qrels_free(q);
}

static void test_measure_spec_errors(void)
{
    rb_measure_set set;
    rb_error err = {0};

    rb_measures_init(&set);
    CHECK(rb_measures_add(&set, "ndcg_cut.10,100", &err) == 0);
    CHECK_EQ_INT(set.ncutoffs[RB_M_NDCG_CUT], 2);
    CHECK(rb_measures_add(&set, "P.x", &err) < 0);
    CHECK(strstr(err.msg, "bad cutoff") != NULL);
    rb_error_clear(&err);
    CHECK(rb_measures_add(&set, "nDCG", &err) < 0);
    CHECK(strstr(err.msg, "unknown measure \"nDCG\"") != NULL);
    rb_error_clear(&err);
    CHECK(rb_measures_add(&set, "map.10", &err) < 0);
}

int main(void)
{
    RUN_TEST(test_ties_broken_by_docno_descending);
    RUN_TEST(test_rank_column_ignored_scores_rule);
    RUN_TEST(test_ndcg_uses_grades_and_ideal_order);
    RUN_TEST(test_short_runs_and_no_relevant);
    RUN_TEST(test_complete_and_relevance_level);
    RUN_TEST(test_ignore_identical_ids_counts_relevant);
    RUN_TEST(test_measure_spec_errors);
    return check_report();
}
