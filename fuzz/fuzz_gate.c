/* fuzz-needs: src/gate/gate.c */
/* Fuzz `rankbench gate`. The first byte picks what the input is (it is
 * not part of it): a baseline file checked against fixed results, a
 * results file checked against a fixed baseline, a rules file, or one
 * --max-drop or --max-slowdown argument. Anything is rejected with a
 * message or gives a report that can be printed in every format. */

#include "fuzz_util.h"
#include "gate/gate.h"
#include "report/results.h"

/* Two retrievers, three queries, per-query values and timings. */
static const char fixed_results[] =
    "{\"schema\": \"rankbench.results\", \"schema_version\": 1,"
    " \"dataset\": {\"name\": \"sample\", \"split\": \"test\","
    "  \"fingerprint\": \"ab12\"},"
    " \"measures\": [\"map\", \"ndcg_cut_10\"],"
    " \"retrievers\": ["
    "  {\"name\": \"bm25\", \"timings\": {\"index_s\": 0.5, \"search_s\": 0.2},"
    "   \"metrics\": {\"num_q\": 3, \"map\": 0.5, \"ndcg_cut_10\": 0.6},"
    "   \"per_query\": {\"q1\": {\"map\": 0.4, \"ndcg_cut_10\": 0.5},"
    "    \"q2\": {\"map\": 0.6, \"ndcg_cut_10\": 0.7},"
    "    \"q3\": {\"map\": 0.5, \"ndcg_cut_10\": 0.6}}},"
    "  {\"name\": \"ilike\", \"timings\": {\"search_s\": 0.1},"
    "   \"metrics\": {\"num_q\": 3, \"map\": 0.3, \"ndcg_cut_10\": 0.4},"
    "   \"per_query\": {\"q1\": {\"map\": 0.2, \"ndcg_cut_10\": 0.3},"
    "    \"q2\": {\"map\": 0.4, \"ndcg_cut_10\": 0.5},"
    "    \"q3\": {\"map\": 0.3, \"ndcg_cut_10\": 0.4}}}],"
    " \"comparisons\": []}";

static json_t *results, *baseline;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    rb_gate_rules rules;
    rb_error err = {0};
    json_error_t jerr;

    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    results = json_loads(fixed_results, 0, &jerr);
    FUZZ_ASSERT(results != NULL);
    rb_gate_rules_init(&rules);
    baseline = rb_gate_baseline_new((const json_t *const *)&results, 1,
                                    &rules, NULL, &err);
    rb_gate_rules_release(&rules);
    if (!baseline)
        fprintf(stderr, "fuzz_gate: %s\n", err.msg);
    FUZZ_ASSERT(baseline != NULL);
    return 0;
}

/* Check and print every output; the report must be consistent. */
static void check(const json_t *base, const json_t *res,
                  const rb_gate_rules *rules)
{
    rb_gate_report rep = {0};
    rb_error err = {0};
    char junit[600];
    FILE *null;

    if (rb_gate_check_results(base, &res, 1, rules, &rep, &err) < 0) {
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
        rb_gate_report_release(&rep);
        return;
    }
    FUZZ_ASSERT(rep.passed + rep.failed + rep.fresh == rep.n);
    null = fopen("/dev/null", "w");
    rb_gate_print_table(null, &rep);
    rb_gate_print_annotations(null, &rep);
    fclose(null);
    json_decref(rb_gate_report_json(&rep, rules));
    snprintf(junit, sizeof junit, "%s/junit.xml", fuzz_dir());
    FUZZ_ASSERT(rb_gate_write_junit(&rep, junit, &err) == 0);
    rb_gate_report_release(&rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rb_gate_rules rules;
    rb_error err = {0};
    unsigned which = size ? data[0] % 5 : 0;
    char *text, path[512];
    json_t *doc;

    if (size) {
        data++;
        size--;
    }
    rb_gate_rules_init(&rules);
    rules.permutations = 200;     /* keep each check fast */
    snprintf(path, sizeof path, "%s", fuzz_write("input.json", data, size));
    switch (which) {
    case 0:
        doc = rb_gate_baseline_load(path, &err);
        if (doc)
            check(doc, results, &rules);
        else
            FUZZ_ASSERT(err.set && err.msg[0] != '\0');
        json_decref(doc);
        break;
    case 1:
        doc = rb_results_load(path, &err);
        if (doc)
            check(baseline, doc, &rules);
        json_decref(doc);
        break;
    case 2:
        if (rb_gate_rules_load(&rules, path, &err) == 0) {
            if (rules.permutations > 2000)
                rules.permutations = 2000;
            check(baseline, results, &rules);
        } else {
            FUZZ_ASSERT(err.set && err.msg[0] != '\0');
        }
        break;
    default:
        text = strndup((const char *)data, size);
        FUZZ_ASSERT(text != NULL);
        if ((which == 3 ? rb_gate_rules_add_drop(&rules, text,
                                                 size && (data[0] & 1),
                                                 &err)
                        : rb_gate_rules_add_slowdown(&rules, text, &err))
            == 0)
            check(baseline, results, &rules);
        else
            FUZZ_ASSERT(err.set && err.msg[0] != '\0');
        free(text);
        break;
    }
    rb_gate_rules_release(&rules);
    return 0;
}
