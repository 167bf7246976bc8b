#ifndef RB_FUZZ_DATASET_H
#define RB_FUZZ_DATASET_H

/*
 * The loader targets: one of the three BEIR files comes from the fuzzer,
 * the others are small valid files, and the folder is loaded as
 * `rankbench run` would load it.
 */

#include <ctype.h>

#include "base/mem.h"
#include "data/dataset.h"
#include "fuzz_util.h"

static const char fuzz_good_corpus[] =
    "{\"_id\": \"d1\", \"title\": \"Solar wind\", \"text\": \"charged\"}\n"
    "{\"_id\": \"d2\", \"title\": \"\", \"text\": \"title-less\"}\n"
    "{\"_id\": \"q1\", \"text\": \"same id as a query\"}\n";
static const char fuzz_good_queries[] =
    "{\"_id\": \"q1\", \"text\": \"solar wind\"}\n"
    "{\"_id\": \"q2\", \"text\": \"unjudged\"}\n";
static const char fuzz_good_qrels[] =
    "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\n";

enum fuzz_file { FUZZ_CORPUS, FUZZ_QUERIES, FUZZ_QRELS };

/* What a loaded dataset must satisfy whatever the input was. */
static inline void fuzz_check_dataset(const rb_dataset *ds, int skip_corpus)
{
    size_t i;

    FUZZ_ASSERT(skip_corpus || ds->ndocs > 0);
    FUZZ_ASSERT(ds->nqueries > 0);
    FUZZ_ASSERT(ds->neval > 0 && ds->neval <= ds->nqueries);
    FUZZ_ASSERT(strlen(ds->fingerprint) == 64);
    for (i = 0; i < 64; i++)
        FUZZ_ASSERT(isxdigit((unsigned char)ds->fingerprint[i]));
    FUZZ_ASSERT(rb_intern_count(ds->doc_ids) == ds->ndocs);
    FUZZ_ASSERT(rb_intern_count(ds->query_ids) == ds->nqueries);
    for (i = 0; i < ds->ndocs; i++) {
        char *content = rb_dataset_doc_content(ds, i);

        FUZZ_ASSERT(ds->doc_titles[i] && ds->doc_texts[i]);
        FUZZ_ASSERT(content != NULL);
        FUZZ_ASSERT(strlen(content) == strlen(ds->doc_titles[i]) + 1 +
                    strlen(ds->doc_texts[i]));
        rb_free(content);
    }
    for (i = 0; i < ds->neval; i++) {
        uint32_t q = ds->eval_queries[i];
        const char *qid = rb_intern_str(ds->query_ids, q);

        FUZZ_ASSERT(q < ds->nqueries);
        FUZZ_ASSERT(ds->query_texts[q] != NULL);
        FUZZ_ASSERT(rb_qrels_find_query(ds->qrels, qid) >= 0);
        FUZZ_ASSERT(rb_dataset_find_query(ds, qid) == (long)q);
    }
}

/* Load a folder whose `which` file holds the input. The first byte picks
 * the options (strict, skip the corpus) so both paths are explored; it is
 * not part of the file. */
static inline int fuzz_load_dataset(enum fuzz_file which,
                                    const uint8_t *data, size_t size)
{
    rb_load_options opt = {NULL, 0, 0};
    rb_error err = {0};
    rb_dataset *ds;
    char dir[512];

    if (size > 0) {
        opt.strict = data[0] & 1;
        opt.skip_corpus = which != FUZZ_CORPUS && (data[0] & 2);
        data++;
        size--;
    }
    snprintf(dir, sizeof dir, "%s", fuzz_mkdir("ds"));
    fuzz_mkdir("ds/qrels");
    if (which == FUZZ_CORPUS)
        fuzz_write("ds/corpus.jsonl", data, size);
    else
        fuzz_write("ds/corpus.jsonl", fuzz_good_corpus,
                   sizeof fuzz_good_corpus - 1);
    if (which == FUZZ_QUERIES)
        fuzz_write("ds/queries.jsonl", data, size);
    else
        fuzz_write("ds/queries.jsonl", fuzz_good_queries,
                   sizeof fuzz_good_queries - 1);
    if (which == FUZZ_QRELS)
        fuzz_write("ds/qrels/test.tsv", data, size);
    else
        fuzz_write("ds/qrels/test.tsv", fuzz_good_qrels,
                   sizeof fuzz_good_qrels - 1);
    ds = rb_dataset_load(dir, &opt, &err);
    if (ds)
        fuzz_check_dataset(ds, opt.skip_corpus);
    else
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
    rb_dataset_free(ds);
    return 0;
}

#endif
