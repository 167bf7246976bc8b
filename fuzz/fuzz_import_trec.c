/* fuzz-needs: src/data/import_trec.c */
/* Fuzz the TREC collection importer (`rankbench datasets import-trec`):
 * topics, qrels or documents come from the fuzzer (the first byte picks
 * which, the format and the encoding; it is not part of the file). Any
 * input is imported into a folder that loads, or refused with a message
 * and no folder left behind. */

#include "base/fileio.h"
#include "data/dataset.h"
#include "data/fetch.h"
#include "data/import_trec.h"
#include "fuzz_util.h"

static const char good_topics[] =
    "<top>\n<num> Number: 301\n<title> solar wind\n"
    "<desc> Description:\nparticles from the sun\n</top>\n"
    "<top>\n<num> Number: 302\n<title> moon\n</top>\n";
static const char good_qrels[] = "301 0 D1 1\n301 0 D2 0\n302 0 D2 2\n";
static const char good_docs[] =
    "<DOC>\n<DOCNO> D1 </DOCNO>\n<TEXT>\nthe solar wind\n</TEXT>\n</DOC>\n"
    "<DOC>\n<DOCNO>D2</DOCNO>\n<HEADLINE>moon</HEADLINE>\n"
    "<TEXT>a moon and caf\xe9</TEXT>\n</DOC>\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const fields[] = {
        "title", "title+description", "description+narrative", "title",
    };
    rb_import_trec_options opt = {0};
    rb_import_trec_summary sum;
    rb_error err = {0};
    char topics[512], qrels[512], docs[512], out[512];
    const char *doc_list[1];
    unsigned which = 0, mode = 0;

    if (size > 0) {
        which = data[0] % 3;
        mode = data[0] / 3;
        data++;
        size--;
    }
    snprintf(topics, sizeof topics, "%s",
             which == 0 ? fuzz_write("topics", data, size)
                        : fuzz_write("topics", good_topics,
                                     sizeof good_topics - 1));
    snprintf(qrels, sizeof qrels, "%s",
             which == 1 ? fuzz_write("qrels", data, size)
                        : fuzz_write("qrels", good_qrels,
                                     sizeof good_qrels - 1));
    snprintf(docs, sizeof docs, "%s",
             which == 2 ? fuzz_write("docs", data, size)
                        : fuzz_write("docs", good_docs,
                                     sizeof good_docs - 1));
    snprintf(out, sizeof out, "%s/out", fuzz_dir());
    doc_list[0] = docs;
    opt.topics = topics;
    opt.qrels = qrels;
    opt.docs = doc_list;
    opt.ndocs = 1;
    opt.out = out;
    opt.query_fields = fields[mode % 4];
    opt.format = (rb_docs_format)((mode / 4) % 3);
    opt.encoding = (rb_text_encoding)((mode / 12) % 3);
    opt.force = 1;
    if (rb_import_trec(&opt, &sum, &err) == 0) {
        rb_dataset *ds = rb_dataset_load(out, NULL, &err);

        /* What the importer writes, the loader must read. */
        if (!ds)
            fprintf(stderr, "imported folder does not load: %s\n", err.msg);
        FUZZ_ASSERT(ds != NULL);
        rb_dataset_free(ds);
        rb_remove_tree(out, NULL);
    } else {
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
        FUZZ_ASSERT(!rb_path_exists(out));
    }
    return 0;
}
