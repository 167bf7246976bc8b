/* Fuzz the BEIR loader through qrels/SPLIT.tsv: any input either loads
 * into a consistent dataset or is rejected with a message. */

#include "fuzz_dataset.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_load_dataset(FUZZ_QRELS, data, size);
}
