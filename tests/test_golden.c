/* Every line of trec_eval 9.0.8's output on the golden runs in
 * ../shared/golden is reproduced; skipped when the files are absent. */

#include <stdio.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/mem.h"
#include "check.h"
#include "data/qrels.h"
#include "data/run.h"
#include "metrics/measures.h"

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

/* Format an evaluation exactly as trec_eval -q does. */
static char *format_trec_eval(const rb_eval *ev)
{
    rb_buf out = RB_BUF_INIT;
    size_t q, m;

    for (q = 0; q < ev->nqueries; q++)
        for (m = 0; m < ev->nmeasures; m++) {
            if (strcmp(ev->names[m], "num_q") == 0)
                continue;
            if (ev->is_int[m])
                rb_buf_printf(&out, "%-22s\t%s\t%lld\n", ev->names[m],
                              ev->qids[q],
                              (long long)rb_eval_value(ev, q, m));
            else
                rb_buf_printf(&out, "%-22s\t%s\t%.4f\n", ev->names[m],
                              ev->qids[q], rb_eval_value(ev, q, m));
        }
    for (m = 0; m < ev->nmeasures; m++) {
        if (ev->is_int[m])
            rb_buf_printf(&out, "%-22s\tall\t%lld\n", ev->names[m],
                          (long long)ev->means[m]);
        else
            rb_buf_printf(&out, "%-22s\tall\t%.4f\n", ev->names[m],
                          ev->means[m]);
    }
    return rb_buf_detach(&out);
}

static void golden(const char *qrels_name, const char *run_name)
{
    static const char *const m[] = {
        "num_q", "num_ret", "num_rel", "num_rel_ret", "map", "recip_rank",
        "ndcg_cut.1,3,5,10,100,1000", "P.1,3,5,10,100,1000",
        "recall.1,3,5,10,100,1000", "map_cut.1,3,5,10,100,1000",
    };
    char qpath[512], rpath[512], gpath[512];
    char *want = NULL, *got;
    size_t len;
    rb_error err = {0};
    rb_qrels *q;
    rb_run *r;
    rb_eval *ev;

    snprintf(qpath, sizeof qpath, "%s/golden/%s", RB_SHARED_DIR,
             qrels_name);
    snprintf(rpath, sizeof rpath, "%s/golden/%s.run", RB_SHARED_DIR,
             run_name);
    snprintf(gpath, sizeof gpath, "%s/golden/%s.trec_eval", RB_SHARED_DIR,
             run_name);
    q = rb_qrels_read(qpath, &err);
    r = rb_run_read_trec(rpath, &err);
    CHECK(q && r && rb_read_file(gpath, &want, &len, &err) == 0);
    if (!q || !r || !want) {
        fprintf(stderr, "  %s\n", err.msg);
        goto done;
    }
    ev = evaluate(q, r, m, sizeof m / sizeof m[0], NULL);
    got = format_trec_eval(ev);
    if (strcmp(got, want) != 0) {
        const char *a = got, *b = want;
        int line = 1;

        while (*a && *a == *b) {
            line += *a == '\n';
            a++;
            b++;
        }
        fprintf(stderr, "  %s: first difference at line %d\n", run_name,
                line);
        CHECK(strcmp(got, want) == 0);
    }
    rb_free(got);
    rb_eval_free(ev);
done:
    rb_free(want);
    rb_run_free(r);
    rb_qrels_free(q);
}

static void test_golden_outputs_reproduced(void)
{
    golden("edge.qrels", "edge");
    golden("cranfield.qrels", "cranfield-bm25-top100");
    golden("cacm.qrels", "cacm-bm25-top100");
}

int main(void)
{
    char probe[512];

    snprintf(probe, sizeof probe, "%s/golden/edge.trec_eval", RB_SHARED_DIR);
    if (!rb_path_exists(probe))
        CHECK_SKIP("golden files absent (../shared/golden)");
    RUN_TEST(test_golden_outputs_reproduced);
    return check_report();
}
