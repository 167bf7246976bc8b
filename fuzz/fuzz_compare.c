/* fuzz-needs: src/report/compare.c */
/* Fuzz the paired comparisons (`rankbench compare`, and those `run`
 * adds): a results file from the fuzzer has its retrievers compared with
 * the first. Bad per-query tables are rejected with a message; accepted
 * ones give p-values within [0, 1] and a summary that prints. */

#include <math.h>

#include "fuzz_util.h"
#include "report/compare.h"
#include "report/results.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    return 0;
}

static void check_p(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (json_is_number(v)) {
        double p = json_number_value(v);

        FUZZ_ASSERT(isfinite(p) && p >= 0 && p <= 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("results.json", data, size);
    rb_compare_options opt = RB_COMPARE_OPTIONS_INIT;
    rb_error err = {0};
    json_t *res = rb_results_load(path, &err), *c;
    size_t i;
    FILE *null;

    if (!res)
        return 0;
    opt.stats.permutations = 300;    /* keep each input fast */
    opt.stats.bootstrap = 300;
    opt.threads = 1;
    if (rb_compare_add_to_results(res, NULL, NULL, &opt, &err) < 0) {
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
        json_decref(res);
        return 0;
    }
    json_array_foreach(json_object_get(res, "comparisons"), i, c) {
        check_p(c, "p_t");
        check_p(c, "p_randomization");
        check_p(c, "p_bootstrap");
        check_p(c, "p_holm");
    }
    null = fopen("/dev/null", "w");
    rb_compare_print_summary(null, res);
    fclose(null);
    json_decref(res);
    return 0;
}
