/* Fuzz the results file reader (what compare, plot and gate read): any
 * input is rejected with a message or yields an object whose retrievers
 * and metrics can be looked up safely. */

#include "fuzz_util.h"
#include "report/results.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("results.json", data, size);
    rb_error err = {0};
    json_t *res = rb_results_load(path, &err), *list, *entry, *measures;
    size_t i, j;

    if (!res) {
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
        return 0;
    }
    list = json_object_get(res, "retrievers");
    measures = json_object_get(res, "measures");
    FUZZ_ASSERT(json_is_array(list));
    json_array_foreach(list, i, entry) {
        json_t *name = json_object_get(entry, "name"), *m;

        if (json_is_string(name))
            FUZZ_ASSERT(rb_results_retriever(res,
                                             json_string_value(name)));
        json_array_foreach(measures, j, m) {
            double v;

            if (json_is_string(m))
                rb_results_metric(entry, json_string_value(m), &v);
        }
    }
    FUZZ_ASSERT(rb_results_retriever(res, "\x01 no such retriever") == NULL);
    json_decref(res);
    return 0;
}
