/* fuzz-needs: src/data/dataset_check.c */
/* Fuzz `rankbench datasets check` and `stats`: one of the dataset's
 * files comes from the fuzzer (the first byte picks which, and is not
 * part of it); the checker must report on any content, and the
 * statistics must either compute or fail with a message. */

#include "data/dataset_check.h"
#include "data/dataset_stats.h"
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
    static const char *const names[] = {
        "ds/corpus.jsonl", "ds/queries.jsonl", "ds/qrels/test.tsv",
        "ds/qrels/dev.tsv",
    };
    rb_check_options opt = {NULL, 0, RB_CHECK_DEFAULT_MAX_PER_KIND};
    rb_check_report *report;
    rb_dataset_stats *stats;
    rb_error err = {0};
    char dir[512];
    unsigned which = 0;

    if (size > 0) {
        which = data[0] % 4;
        opt.strict = (data[0] >> 2) & 1;
        data++;
        size--;
    }
    snprintf(dir, sizeof dir, "%s", fuzz_mkdir("ds"));
    fuzz_mkdir("ds/qrels");
    fuzz_write(names[0], fuzz_good_corpus, sizeof fuzz_good_corpus - 1);
    fuzz_write(names[1], fuzz_good_queries, sizeof fuzz_good_queries - 1);
    fuzz_write(names[2], fuzz_good_qrels, sizeof fuzz_good_qrels - 1);
    fuzz_write(names[3], fuzz_good_qrels, sizeof fuzz_good_qrels - 1);
    fuzz_write(names[which], data, size);

    report = rb_dataset_check(dir, &opt, &err);
    FUZZ_ASSERT(report != NULL);
    {
        json_t *j = rb_check_report_json(report);

        FUZZ_ASSERT(j != NULL);
        json_decref(j);
    }
    rb_check_report_free(report);

    stats = rb_dataset_stats_compute(dir, which == 3 ? "dev" : NULL,
                                     NULL, &err);
    if (stats) {
        json_t *j = rb_dataset_stats_json(stats);

        FUZZ_ASSERT(j != NULL);
        json_decref(j);
        rb_dataset_stats_free(stats);
    } else {
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
    }
    return 0;
}
