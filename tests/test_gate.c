/* Gate rules and checks at the library level. */

#include "check.h"

#include <unistd.h>

#include "base/mem.h"
#include "gate/gate.h"

static void test_drop_rules_parse(void)
{
    rb_gate_rules r;
    rb_error err = {0};

    rb_gate_rules_init(&r);
    CHECK_EQ_INT(rb_gate_rules_add_drop(&r, "ndcg_cut_10=0.005", 0, &err),
                 0);
    CHECK_EQ_INT(rb_gate_rules_add_drop(&r, "ndcg_cut_10=2%", 1, &err), 0);
    CHECK_EQ_INT(rb_gate_rules_add_drop(&r, "0.01", 0, &err), 0);
    CHECK_EQ_INT(rb_gate_rules_add_drop(&r, "recall_100=0.03", 1, &err), 0);
    CHECK_EQ_INT(r.ndrops, 3);
    CHECK_STR(r.drops[0].measure, "ndcg_cut_10");
    CHECK_NEAR(r.drops[0].abs, 0.005, 0);
    CHECK_NEAR(r.drops[0].rel, 0.02, 1e-15);
    CHECK_STR(r.drops[1].measure, "*");
    CHECK_NEAR(r.drops[1].abs, 0.01, 0);
    CHECK(r.drops[1].rel < 0);
    CHECK_NEAR(r.drops[2].rel, 0.03, 0);
    CHECK_EQ_INT(rb_gate_rules_add_drop(&r, "=1", 0, &err), -1);
    CHECK_STR(err.msg, "--max-drop \"=1\": expected MEASURE=VALUE");
    rb_error_clear(&err);
    CHECK_EQ_INT(rb_gate_rules_add_drop(&r, "map=-1", 0, &err), -1);
    CHECK_STR(err.msg, "--max-drop: the allowed drop of \"map\" must be a "
              "number >= 0, not \"-1\"");
    rb_error_clear(&err);
    CHECK_EQ_INT(rb_gate_rules_add_drop(&r, "map=1.5", 1, &err), -1);
    rb_gate_rules_release(&r);
}

static void test_slowdown_rules_parse(void)
{
    rb_gate_rules r;
    rb_error err = {0};

    rb_gate_rules_init(&r);
    CHECK_EQ_INT(rb_gate_rules_add_slowdown(&r, "search=1.5", &err), 0);
    CHECK_EQ_INT(rb_gate_rules_add_slowdown(&r, "encode_s=2", &err), 0);
    CHECK_EQ_INT(rb_gate_rules_add_slowdown(&r, "search=1.25", &err), 0);
    CHECK_EQ_INT(r.nslowdowns, 2);
    CHECK_STR(r.slowdowns[0].timing, "search_s");
    CHECK_NEAR(r.slowdowns[0].ratio, 1.25, 0);
    CHECK_STR(r.slowdowns[1].timing, "encode_s");
    CHECK_EQ_INT(rb_gate_rules_add_slowdown(&r, "queries_per_s=2", &err),
                 -1);
    CHECK(strstr(err.msg, "is not a duration") != NULL);
    rb_error_clear(&err);
    CHECK_EQ_INT(rb_gate_rules_add_slowdown(&r, "search=0", &err), -1);
    CHECK(rb_gate_is_duration("index_s") && !rb_gate_is_duration("docs_per_s")
          && !rb_gate_is_duration("threads"));
    rb_gate_rules_release(&r);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    fputs(text, f);
    fclose(f);
}

static void test_rules_file(void)
{
    char path[] = "/tmp/rb-rules-XXXXXX";
    int fd = mkstemp(path);
    rb_gate_rules r;
    rb_error err = {0};

    close(fd);
    rb_gate_rules_init(&r);
    write_file(path, "{\"max_drop\": {\"map\": 0.01}, \"max_drop_rel\": "
               "{\"P_10\": \"5%\"}, \"max_slowdown\": {\"index\": 2}, "
               "\"require_significance\": true, \"alpha\": 0.01, "
               "\"permutations\": 500, \"seed\": 7, \"timing_floor_s\": 0.2}");
    CHECK_EQ_INT(rb_gate_rules_load(&r, path, &err), 0);
    CHECK_EQ_INT(r.ndrops, 2);
    CHECK_NEAR(r.drops[1].rel, 0.05, 1e-15);
    CHECK_STR(r.slowdowns[0].timing, "index_s");
    CHECK(r.require_significance && r.alpha == 0.01 &&
          r.permutations == 500 && r.seed == 7 && r.timing_floor == 0.2);
    write_file(path, "{\"alpha\": 3}");
    CHECK_EQ_INT(rb_gate_rules_load(&r, path, &err), -1);
    CHECK(strstr(err.msg, "\"alpha\" must be between 0 and 1") != NULL);
    rb_error_clear(&err);
    write_file(path, "{\"max_drop\": {\"map\": \"x\"}}");
    CHECK_EQ_INT(rb_gate_rules_load(&r, path, &err), -1);
    CHECK(strstr(err.msg, "\"max_drop\": the allowed drop of \"map\"") !=
          NULL);
    rb_error_clear(&err);
    write_file(path, "{\"max_drop\": {}\n,,}");
    CHECK_EQ_INT(rb_gate_rules_load(&r, path, &err), -1);
    CHECK(strstr(err.msg, ":2: not valid JSON") != NULL);
    unlink(path);
    rb_gate_rules_release(&r);
}

/* A results object with one retriever, two queries. */
static json_t *results(const char *fp, double q1, double q2, double search)
{
    return json_pack("{s:s, s:i, s:{s:s, s:s, s:s}, s:[{s:s, s:{s:f, s:f}, "
                     "s:{s:f, s:f}, s:{s:{s:f}, s:{s:f}}}]}",
                     "schema", "rankbench.results", "schema_version", 1,
                     "dataset", "name", "d", "split", "test",
                     "fingerprint", fp, "retrievers", "name", "bm25",
                     "timings", "search_s", search, "queries_per_s", 10.0,
                     "metrics", "ndcg_cut_10", (q1 + q2) / 2, "P_1000",
                     0.001, "per_query", "a", "ndcg_cut_10", q1, "b",
                     "ndcg_cut_10", q2);
}

static void test_baseline_keeps_what_the_gate_needs(void)
{
    json_t *res = results("ff", 0.5, 0.7, 0.2), *b;
    const json_t *list[1];
    rb_error err = {0};
    char *text;

    list[0] = res;
    b = rb_gate_baseline_new(list, 1, NULL, NULL, &err);
    text = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK(strstr(text, "\"P_1000\"") == NULL);
    CHECK(strstr(text, "queries_per_s") == NULL);
    CHECK(strstr(text, "\"timings\":{\"search_s\":0.2") != NULL);
    CHECK(strstr(text, "\"per_query\":{\"a\":{\"ndcg_cut_10\":0.5}") !=
          NULL);
    CHECK(strstr(text, "\"fingerprint\":\"ff\"") != NULL);
    free(text);
    json_decref(b);
    json_decref(res);
}

static void test_checks_and_allowed_drops(void)
{
    json_t *base = results("ff", 0.5, 0.7, 0.2);
    json_t *cur = results("ff", 0.45, 0.65, 0.5), *bl;
    const json_t *list[1];
    rb_gate_rules r;
    rb_gate_report rep;
    rb_error err = {0};

    list[0] = base;
    bl = rb_gate_baseline_new(list, 1, NULL, NULL, &err);
    list[0] = cur;
    rb_gate_rules_init(&r);
    /* 10% of 0.6 is 0.06, above the absolute 0.04: 0.04 applies. */
    rb_gate_rules_add_drop(&r, "ndcg_cut_10=0.04", 0, &err);
    rb_gate_rules_add_drop(&r, "ndcg_cut_10=10%", 1, &err);
    rb_gate_rules_add_slowdown(&r, "search=2", &err);
    CHECK_EQ_INT(rb_gate_check_results(bl, list, 1, &r, &rep, &err), 0);
    CHECK_EQ_INT(rep.n, 2);
    CHECK_EQ_INT(rep.checks[0].verdict, RB_GATE_FAIL);
    CHECK_NEAR(rep.checks[0].allowed, 0.04, 1e-15);
    CHECK_NEAR(rep.checks[0].difference, -0.05, 1e-12);
    CHECK_EQ_INT(rep.checks[1].verdict, RB_GATE_FAIL);
    CHECK_NEAR(rep.checks[1].difference, 2.5, 1e-12);
    rb_gate_report_release(&rep);

    /* Two queries cannot make a drop significant at 0.05: 2 of the 4
     * sign flips reach it, p = 0.5. */
    r.require_significance = 1;
    CHECK_EQ_INT(rb_gate_check_results(bl, list, 1, &r, &rep, &err), 0);
    CHECK_EQ_INT(rep.checks[0].verdict, RB_GATE_PASS);
    CHECK(rep.checks[0].has_p);
    CHECK_NEAR(rep.checks[0].p, 0.5, 0);
    rb_gate_report_release(&rep);

    json_decref(cur);
    cur = results("ee", 0.5, 0.7, 0.2);
    list[0] = cur;
    CHECK_EQ_INT(rb_gate_check_results(bl, list, 1, &r, &rep, &err), -1);
    CHECK(strstr(err.msg, "different dataset than the baseline") != NULL);
    rb_gate_report_release(&rep);
    r.allow_dataset_change = 1;
    CHECK_EQ_INT(rb_gate_check_results(bl, list, 1, &r, &rep, &err), 0);
    CHECK(rep.dataset_changed && rep.failed == 0);
    rb_gate_report_release(&rep);
    rb_gate_rules_release(&r);
    json_decref(bl);
    json_decref(base);
    json_decref(cur);
}

static void test_checks_survive_allocation_failures(void)
{
    json_t *base = results("ff", 0.5, 0.7, 0.2);
    json_t *cur = results("ff", 0.45, 0.65, 0.5), *bl;
    const json_t *list[1];
    rb_gate_rules r;
    rb_error err = {0};
    long n;
    int ok = 0;

    list[0] = base;
    bl = rb_gate_baseline_new(list, 1, NULL, NULL, &err);
    list[0] = cur;
    rb_gate_rules_init(&r);
    r.require_significance = 1;
    rb_gate_rules_add_slowdown(&r, "search=2", &err);
    for (n = 1; n < 200 && !ok; n++) {
        rb_gate_report rep;
        int rc;

        rb_error_clear(&err);
        rb_mem_fail_after(n);
        rc = rb_gate_check_results(bl, list, 1, &r, &rep, &err);
        rb_mem_fail_after(0);
        if (rc == 0)
            ok = rep.n == 2;
        else
            CHECK_STR(err.msg, "out of memory");
        rb_gate_report_release(&rep);
    }
    CHECK(ok);
    rb_gate_rules_release(&r);
    json_decref(bl);
    json_decref(base);
    json_decref(cur);
}

int main(void)
{
    RUN_TEST(test_drop_rules_parse);
    RUN_TEST(test_slowdown_rules_parse);
    RUN_TEST(test_rules_file);
    RUN_TEST(test_baseline_keeps_what_the_gate_needs);
    RUN_TEST(test_checks_and_allowed_drops);
    RUN_TEST(test_checks_survive_allocation_failures);
    return check_report();
}
