/* fuzz-needs: src/encoder/probe_suite.c */
/* Fuzz the probe suite reader (`rankbench probe --suite`): bad lines
 * become problems with a line number and a message, good ones probes
 * with an id, a text and an expected word; the reader fails only when
 * the file cannot be read. */

#include "encoder/probe.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("suite.jsonl", data, size);
    rb_error err = {0};
    rb_probe_suite *s = rb_probe_suite_load(path, &err);
    size_t i, t;

    FUZZ_ASSERT(s != NULL);
    FUZZ_ASSERT(s->n + s->nproblems >= 1 || s->lines == 0 ||
                s->n + s->nproblems <= s->lines);
    for (i = 0; i < s->n; i++) {
        const rb_probe *p = &s->probes[i];

        FUZZ_ASSERT(p->id && p->text && p->expected);
        FUZZ_ASSERT(p->line >= 1);
        for (t = 0; t < p->ntags; t++)
            FUZZ_ASSERT(p->tags[t] != NULL);
    }
    for (i = 0; i < s->nproblems; i++)
        FUZZ_ASSERT(s->problems[i].message && s->problems[i].line >= 0);
    rb_probe_suite_free(s);
    return 0;
}
