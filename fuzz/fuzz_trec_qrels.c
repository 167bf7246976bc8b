/* Fuzz the qrels reader as `rankbench eval` uses it (TREC qrels, or BEIR
 * TSV when the header says so). A set that reads without error must
 * survive being written as TREC qrels and read back unchanged. */

#include "base/mem.h"
#include "data/qrels.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    return 0;
}

/* TREC files split on blanks: ids holding one cannot round-trip. */
static int ids_are_trec_safe(const rb_intern *tab)
{
    size_t i;

    for (i = 0; i < rb_intern_count(tab); i++)
        if (strpbrk(rb_intern_str(tab, (uint32_t)i), " \t\r\n\v\f"))
            return 0;
    return 1;
}

static void check_same(const rb_qrels *a, const rb_qrels *b)
{
    size_t i, j;

    FUZZ_ASSERT(a->nqueries == b->nqueries);
    FUZZ_ASSERT(a->njudgments == b->njudgments);
    for (i = 0; i < a->nqueries; i++) {
        const rb_qrels_query *qa = &a->queries[i];
        const char *qid = rb_intern_str(a->qids, qa->qid);
        long bi = rb_qrels_find_query(b, qid);

        FUZZ_ASSERT(bi >= 0 && b->queries[bi].n == qa->n);
        for (j = 0; j < qa->n; j++) {
            const char *doc = rb_intern_str(a->docs, qa->judged[j].doc);
            uint32_t bd = rb_intern_find(b->docs, doc, strlen(doc));
            int found, grade;

            FUZZ_ASSERT(bd != RB_INTERN_NONE);
            grade = rb_qrels_grade(b, (size_t)bi, bd, &found);
            FUZZ_ASSERT(found && grade == qa->judged[j].grade);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("qrels", data, size);
    rb_error err = {0};
    rb_qrels *q = rb_qrels_read(path, &err), *back;
    char out[600];

    if (!q) {
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
        return 0;
    }
    FUZZ_ASSERT(q->sealed && q->njudgments > 0 && q->nqueries > 0);
    if (ids_are_trec_safe(q->qids) && ids_are_trec_safe(q->docs)) {
        snprintf(out, sizeof out, "%s.out", path);
        FUZZ_ASSERT(rb_qrels_write_trec(q, out, &err) == 0);
        back = rb_qrels_read_trec(out, &err);
        FUZZ_ASSERT(back != NULL);
        check_same(q, back);
        rb_qrels_free(back);
    }
    rb_qrels_free(q);
    return 0;
}
