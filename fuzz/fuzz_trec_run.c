/* Fuzz the TREC run reader as `rankbench eval` uses it. A run that reads
 * must evaluate with every measure to values in range, and must survive
 * being written and read back with identical results and scores. */

#include <math.h>

#include "base/mem.h"
#include "data/qrels.h"
#include "data/run.h"
#include "fuzz_util.h"
#include "metrics/measures.h"

static rb_qrels *qrels;
static rb_measure_set all_measures;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const judged[][3] = {
        {"1", "a", "2"}, {"1", "b", "0"}, {"1", "c", "1"}, {"1", "d", "-1"},
        {"2", "x", "1"}, {"3", "2", "3"}, {"3", "y", "1"},
    };
    rb_error err = {0};
    size_t i;

    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    qrels = rb_qrels_new();
    FUZZ_ASSERT(qrels != NULL);
    for (i = 0; i < sizeof judged / sizeof judged[0]; i++)
        FUZZ_ASSERT(rb_qrels_add(qrels, judged[i][0], strlen(judged[i][0]),
                                 judged[i][1], strlen(judged[i][1]),
                                 atoi(judged[i][2]), &err) == 0);
    rb_qrels_seal(qrels);
    rb_measures_init(&all_measures);
    FUZZ_ASSERT(rb_measures_add(&all_measures, "all_trec", &err) == 0);
    return 0;
}

static void check_eval(const rb_run *run, int complete, int identical)
{
    rb_eval_options opt = RB_EVAL_OPTIONS_INIT;
    rb_error err = {0};
    rb_eval *ev;
    size_t m, q;

    opt.complete = complete;
    opt.ignore_identical_ids = identical;
    ev = rb_evaluate(qrels, run, &all_measures, &opt, &err);
    FUZZ_ASSERT(ev != NULL);
    for (m = 0; m < ev->nmeasures; m++) {
        FUZZ_ASSERT(isfinite(ev->means[m]) && ev->means[m] >= 0);
        if (!ev->is_int[m])
            FUZZ_ASSERT(ev->means[m] <= 1 + 1e-9);
        for (q = 0; q < ev->nqueries; q++) {
            double v = rb_eval_value(ev, q, m);

            FUZZ_ASSERT(isfinite(v));
            if (strcmp(ev->names[m], "gm_map") == 0) {
                /* Per query, trec_eval keeps the logarithm. */
                FUZZ_ASSERT(v <= 0);
                continue;
            }
            FUZZ_ASSERT(v >= 0);
            if (!ev->is_int[m])
                FUZZ_ASSERT(v <= 1 + 1e-9);
        }
    }
    rb_eval_free(ev);
}

static void check_same(const rb_run *a, const rb_run *b)
{
    size_t i, j;

    FUZZ_ASSERT(a->nqueries == b->nqueries);
    FUZZ_ASSERT(strcmp(a->tag, b->tag) == 0);
    for (i = 0; i < a->nqueries; i++) {
        const rb_run_query *qa = &a->queries[i], *qb = &b->queries[i];

        FUZZ_ASSERT(strcmp(rb_run_qid(a, i), rb_run_qid(b, i)) == 0);
        FUZZ_ASSERT(qa->n == qb->n);
        for (j = 0; j < qa->n; j++) {
            FUZZ_ASSERT(strcmp(rb_run_doc(a, qa->results[j].doc),
                               rb_run_doc(b, qb->results[j].doc)) == 0);
            FUZZ_ASSERT(qa->results[j].score == qb->results[j].score);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("run", data, size);
    rb_error err = {0};
    rb_run *run = rb_run_read_trec(path, &err), *back;
    char out[600];
    size_t i;

    if (!run) {
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
        return 0;
    }
    FUZZ_ASSERT(run->nqueries > 0);
    for (i = 0; i < run->nqueries; i++) {
        uint32_t dup;

        FUZZ_ASSERT(rb_run_find_duplicate(run, i, &dup) != 0);
    }
    check_eval(run, 0, 0);
    check_eval(run, 1, 1);
    snprintf(out, sizeof out, "%s.out", path);
    FUZZ_ASSERT(rb_run_write_trec(run, out, &err) == 0);
    back = rb_run_read_trec(out, &err);
    FUZZ_ASSERT(back != NULL);
    check_same(run, back);
    rb_run_free(back);
    rb_run_free(run);
    return 0;
}
