/* Fuzz the trec_eval -m syntax ("ndcg_cut.10,100", "P.5", "all_trec"):
 * a spec is rejected with a message or gives a well-formed measure set. */

#include "base/mem.h"
#include "fuzz_util.h"
#include "metrics/measures.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = rb_strndup((const char *)data, size);
    rb_measure_set set;
    rb_error err = {0};
    int k, i;

    FUZZ_ASSERT(spec != NULL);
    rb_measures_init(&set);
    if (rb_measures_add(&set, spec, &err) == 0) {
        for (k = 0; k < RB_M_KIND_COUNT; k++) {
            FUZZ_ASSERT(set.ncutoffs[k] >= 0 &&
                        set.ncutoffs[k] <= RB_MAX_CUTOFFS);
            for (i = 1; i < set.ncutoffs[k]; i++)
                FUZZ_ASSERT(set.cutoffs[k][i - 1] < set.cutoffs[k][i]);
            for (i = 0; i < set.ncutoffs[k]; i++)
                FUZZ_ASSERT(set.cutoffs[k][i] > 0);
        }
    } else {
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
    }
    rb_free(spec);
    return 0;
}
