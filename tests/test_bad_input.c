/*
 * The catalogue of bad input (docs/bad-input.md) for the file readers:
 * TREC runs, TREC and BEIR qrels, results files, and the loader cases
 * that test_loader does not already cover. Each case is a file's contents
 * and the message its reader must give; every message names the file,
 * and the line where there is one.
 */

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "check.h"
#include "data/dataset.h"
#include "data/import_trec.h"
#include "data/qrels.h"
#include "data/run.h"
#include "report/results.h"

static char tmp_root[] = "/tmp/rb_badinput_XXXXXX";

typedef struct bad_case {
    const char *name;       /* file name, shown in the message */
    const char *data;
    size_t len;             /* 0: strlen(data) */
    const char *want;       /* expected message after "DIR/" */
} bad_case;

static char *put(const char *name, const char *data, size_t len)
{
    char *path = rb_path_join(tmp_root, name);
    FILE *f = fopen(path, "wb");

    fwrite(data, 1, len ? len : strlen(data), f);
    fclose(f);
    return path;
}

/* The message must be exactly "TMP/" + want. */
static void check_message(const char *what, const char *got,
                          const char *want)
{
    char full[1200];

    snprintf(full, sizeof full, "%s/%s", tmp_root, want);
    if (strcmp(got, full) != 0) {
        fprintf(stderr, "  %s:\n    got  \"%s\"\n    want \"%s\"\n", what,
                got, full);
        CHECK(strcmp(got, full) == 0);
    }
}

typedef int (*reader)(const char *path, rb_error *err);

static int read_run(const char *path, rb_error *err)
{
    rb_run *run = rb_run_read_trec(path, err);

    rb_run_free(run);
    return run ? 0 : -1;
}

static int read_qrels(const char *path, rb_error *err)
{
    rb_qrels *q = rb_qrels_read(path, err);

    rb_qrels_free(q);
    return q ? 0 : -1;
}

static int read_results(const char *path, rb_error *err)
{
    json_t *r = rb_results_load(path, err);

    json_decref(r);
    return r ? 0 : -1;
}

static void check_cases(const bad_case *cases, size_t n, reader read)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char *path = put(cases[i].name, cases[i].data, cases[i].len);
        rb_error err = {0};

        CHECK(read(path, &err) < 0);
        check_message(cases[i].name, err.msg, cases[i].want);
        unlink(path);
        rb_free(path);
    }
}

#define NCASES(a) (sizeof a / sizeof a[0])

static void test_bad_trec_runs(void)
{
    static const bad_case cases[] = {
        {"empty.run", "", 0, "empty.run: no results found"},
        {"blank.run", "\n  \n\t\n", 0, "blank.run: no results found"},
        {"short.run", "1 Q0 a 1 2.5\n", 0,
         "short.run:1: expected 6 fields (qid Q0 docno rank score tag), "
         "found fewer"},
        {"long.run", "1 Q0 a 1 2.5 t\n1 Q0 b 2 2 t extra\n", 0,
         "long.run:2: expected 6 fields (qid Q0 docno rank score tag), "
         "found more"},
        {"word.run", "1 Q0 a 1 high t\n", 0,
         "word.run:1: score \"high\" is not a number"},
        {"nan.run", "1 Q0 a 1 nan t\n", 0,
         "nan.run:1: score \"nan\" is not a number"},
        {"inf.run", "1 Q0 a 1 -inf t\n", 0,
         "inf.run:1: score \"-inf\" is not a number"},
        {"huge.run", "1 Q0 a 1 1e999 t\n", 0,
         "huge.run:1: score \"1e999\" is not a number"},
        {"comma.run", "1 Q0 a 1 2,5 t\n", 0,
         "comma.run:1: score \"2,5\" is not a number"},
        {"dup.run", "1 Q0 a 1 3 t\n2 Q0 a 1 3 t\n1 Q0 a 2 1 t\n", 0,
         "dup.run: query \"1\" retrieves document \"a\" more than once"},
        {"nul.run", "1 Q0 a 1 3 t\n1 Q0 b\0c 2 1 t\n", 27,
         "nul.run:2: contains a NUL byte"},
        {"gzip.run", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x33", 11,
         "gzip.run: compressed data is truncated"},
        {"corrupt.run", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff"
         "\xff\xff", 14,
         "corrupt.run: corrupt compressed data (invalid block type)"},
    };

    check_cases(cases, NCASES(cases), read_run);
}

static void test_bad_trec_qrels(void)
{
    static const bad_case cases[] = {
        {"empty.qrels", "", 0, "empty.qrels: file is empty"},
        {"blank.qrels", "\n \n", 0, "blank.qrels: no judgments found"},
        {"short.qrels", "1 0 a\n", 0,
         "short.qrels:1: expected 4 fields (qid iter docno grade), found "
         "fewer"},
        {"long.qrels", "1 0 a 1\n1 0 b 1 x\n", 0,
         "long.qrels:2: expected 4 fields (qid iter docno grade), found "
         "more"},
        {"real.qrels", "1 0 a 1.5\n", 0,
         "real.qrels:1: grade \"1.5\" is not an integer"},
        {"big.qrels", "1 0 a 99999999999\n", 0,
         "big.qrels:1: grade \"99999999999\" is not an integer"},
        {"dup.qrels", "1 0 a 1\n1 0 a 2\n", 0,
         "dup.qrels:2: duplicate judgment for query \"1\" and document "
         "\"a\""},
        {"nul.qrels", "1 0 a 1\n1 0 \0 1\n", 15,
         "nul.qrels:2: contains a NUL byte"},
        {"spaces.tsv", "query-id\tcorpus-id\tscore\nq1 d1 1\n", 0,
         "spaces.tsv:2: expected 3 tab-separated columns (query-id, "
         "corpus-id, score)"},
        {"noquery.tsv", "query-id\tcorpus-id\tscore\n\td1\t1\n", 0,
         "noquery.tsv:2: empty query id"},
        {"nodoc.tsv", "query-id\tcorpus-id\tscore\nq1\t\t1\n", 0,
         "nodoc.tsv:2: empty document id"},
        {"header.tsv", "query-id\tcorpus-id\tscore\n", 0,
         "header.tsv: no judgments found"},
    };

    check_cases(cases, NCASES(cases), read_qrels);
}

static void test_bad_results_files(void)
{
    static const bad_case cases[] = {
        {"empty.json", "", 0,
         "empty.json:1: not valid JSON: '[' or '{' expected near end of "
         "file"},
        {"broken.json", "{\"schema\": \"rankbench.results\",\n  oops}", 0,
         "broken.json:2: not valid JSON: string or '}' expected near "
         "'oops'"},
        {"list.json", "[1, 2]", 0,
         "list.json: not a rankbench results file (no \"schema\": "
         "\"rankbench.results\")"},
        {"other.json", "{\"schema\": \"something.else\"}", 0,
         "other.json: not a rankbench results file (no \"schema\": "
         "\"rankbench.results\")"},
        {"noversion.json", "{\"schema\": \"rankbench.results\"}", 0,
         "noversion.json: \"schema_version\" is missing"},
        {"v2.json", "{\"schema\": \"rankbench.results\", "
         "\"schema_version\": 2}", 0,
         "v2.json: results schema version 2 is not supported (this "
         "rankbench reads version 1)"},
        {"textversion.json", "{\"schema\": \"rankbench.results\", "
         "\"schema_version\": \"1\"}", 0,
         "textversion.json: \"schema_version\" is missing"},
        {"noretrievers.json", "{\"schema\": \"rankbench.results\", "
         "\"schema_version\": 1, \"retrievers\": {}}", 0,
         "noretrievers.json: \"retrievers\" is missing or not a list"},
        {"dupkey.json", "{\"schema\": \"rankbench.results\", "
         "\"schema\": \"x\"}", 0,
         "dupkey.json:1: not valid JSON: duplicate object key near "
         "'\"schema\"'"},
    };

    check_cases(cases, NCASES(cases), read_results);
}

static void test_unreadable_files(void)
{
    char *dir = rb_path_join(tmp_root, "a-folder");
    char *missing = rb_path_join(tmp_root, "missing.run");
    rb_error err = {0};

    mkdir(dir, 0755);
    CHECK(read_run(missing, &err) < 0);
    check_message("missing run", err.msg,
                  "missing.run: No such file or directory");
    rb_error_clear(&err);
    CHECK(read_run(dir, &err) < 0);
    check_message("folder as run", err.msg, "a-folder: Is a directory");
    rb_error_clear(&err);
    CHECK(read_qrels(dir, &err) < 0);
    check_message("folder as qrels", err.msg, "a-folder:1: Is a directory");
    rb_error_clear(&err);
    CHECK(read_results(missing, &err) < 0);
    CHECK(strstr(err.msg, "missing.run: unable to open") != NULL);
    CHECK(strstr(err.msg, "No such file or directory") != NULL);
    rb_free(dir);
    rb_free(missing);
}

/* Loader cases beyond test_loader's: one bad file in a good dataset. */
static void check_dataset(const char *name, const char *corpus,
                          const char *queries, const char *qrels,
                          const char *want)
{
    static const char good_corpus[] =
        "{\"_id\": \"d1\", \"title\": \"t\", \"text\": \"a\"}\n"
        "{\"_id\": \"d2\", \"text\": \"b\"}\n";
    static const char good_queries[] = "{\"_id\": \"q1\", \"text\": \"x\"}\n";
    static const char good_qrels[] =
        "query-id\tcorpus-id\tscore\nq1\td1\t1\n";
    char *dir = rb_path_join(tmp_root, name), sub[600], *p;
    rb_error err = {0};
    rb_dataset *ds;

    snprintf(sub, sizeof sub, "%s/qrels", dir);
    rb_mkdirs(sub, NULL);
    snprintf(sub, sizeof sub, "%s/corpus.jsonl", name);
    rb_free(put(sub, corpus ? corpus : good_corpus, 0));
    snprintf(sub, sizeof sub, "%s/queries.jsonl", name);
    rb_free(put(sub, queries ? queries : good_queries, 0));
    snprintf(sub, sizeof sub, "%s/qrels/test.tsv", name);
    rb_free(put(sub, qrels ? qrels : good_qrels, 0));
    ds = rb_dataset_load(dir, NULL, &err);
    CHECK(ds == NULL);
    check_message(name, err.msg, want);
    rb_dataset_free(ds);
    p = dir;
    rb_free(p);
}

static void test_bad_dataset_files(void)
{
    check_dataset("emptyid", "{\"_id\": \"\", \"text\": \"a\"}\n", NULL,
                  NULL, "emptyid/corpus.jsonl:1: \"_id\" is empty");
    check_dataset("numtext", "{\"_id\": \"d1\", \"text\": 5}\n", NULL,
                  NULL, "numtext/corpus.jsonl:1: \"text\" is not a string");
    check_dataset("numtitle", "{\"_id\": \"d1\", \"title\": [],"
                  " \"text\": \"a\"}\n", NULL, NULL,
                  "numtitle/corpus.jsonl:1: \"title\" is not a string");
    check_dataset("notext", "{\"_id\": \"d1\", \"title\": \"t\"}\n", NULL,
                  NULL, "notext/corpus.jsonl:1: \"text\" is missing");
    check_dataset("nulid", "{\"_id\": \"d\\u0000\", \"text\": \"a\"}\n",
                  NULL, NULL,
                  "nulid/corpus.jsonl:1: \"_id\" contains a NUL character");
    check_dataset("dupkey", "{\"_id\": \"d1\", \"_id\": \"d2\", "
                  "\"text\": \"a\"}\n", NULL, NULL,
                  "dupkey/corpus.jsonl:1: not valid JSON: duplicate "
                  "object key near '\"_id\"'");
    check_dataset("trailing", "{\"_id\": \"d1\", \"text\": \"a\"} x\n",
                  NULL, NULL,
                  "trailing/corpus.jsonl:1: not valid JSON: end of file "
                  "expected near 'x'");
    check_dataset("noqueries", NULL, "\n\n", NULL,
                  "noqueries/queries.jsonl: no queries found");
    check_dataset("nojudged", NULL, NULL,
                  "query-id\tcorpus-id\tscore\nq7\td1\t1\n",
                  "nojudged/qrels/test.tsv: no judged query is in "
                  "queries.jsonl");
    check_dataset("utf8qrels", NULL, NULL,
                  "query-id\tcorpus-id\tscore\nq1\td\xff\t1\n",
                  "utf8qrels/qrels/test.tsv: invalid UTF-8 in document id");
}

/* The loader's messages for cases test_loader checks in part, in full. */
static void test_dataset_messages_in_full(void)
{
    static const char header[] = "query-id\tcorpus-id\tscore\n";
    char qrels[200];
    rb_error err = {0};

    check_dataset("json", "{\"_id\": \"d1\", \"text\": \"a\"}\n{oops\n",
                  NULL, NULL, "json/corpus.jsonl:2: not valid JSON: string "
                  "or '}' expected near 'oops'");
    check_dataset("utf8", "{\"_id\": \"d1\", \"text\": \"caf\xc3\"}\n",
                  NULL, NULL, "utf8/corpus.jsonl:1: invalid UTF-8 at byte 27");
    check_dataset("header", NULL, NULL, "q1\td1\t1\n",
                  "header/qrels/test.tsv:1: missing header line "
                  "\"query-id<TAB>corpus-id<TAB>score\"");
    snprintf(qrels, sizeof qrels, "%sq1\td1\n", header);
    check_dataset("columns", NULL, NULL, qrels,
                  "columns/qrels/test.tsv:2: expected 3 tab-separated "
                  "columns (query-id, corpus-id, score)");
    snprintf(qrels, sizeof qrels, "%sq1\td1\t1\nq1\td1\t2\n", header);
    check_dataset("twice", NULL, NULL, qrels,
                  "twice/qrels/test.tsv:3: duplicate judgment for query "
                  "\"q1\" and document \"d1\"");
    {
        char *gone = rb_path_join(tmp_root, "gone");

        CHECK(rb_dataset_load(gone, NULL, &err) == NULL);
        check_message("missing folder", err.msg,
                      "gone: no such dataset folder");
        rb_free(gone);
    }
}

/* Truncated gzip in the loader: the line where the data ran out. */
static void test_truncated_gzip_corpus(void)
{
    char *dir = rb_path_join(tmp_root, "truncgz"), *path;
    char line[64];
    rb_error err = {0};
    gzFile gz;
    struct stat st;
    int i;

    check_dataset("truncgz", "", NULL, NULL,
                  "truncgz/corpus.jsonl: no documents found");
    path = rb_path_join(dir, "corpus.jsonl");
    unlink(path);
    rb_free(path);
    path = rb_path_join(dir, "corpus.jsonl.gz");
    gz = gzopen(path, "wb");
    for (i = 0; i < 3000; i++) {
        snprintf(line, sizeof line, "{\"_id\": \"d%d\", \"text\": \"%d\"}\n",
                 i, i * 7919);
        gzputs(gz, line);
    }
    gzclose(gz);
    stat(path, &st);
    CHECK(truncate(path, st.st_size / 2) == 0);
    CHECK(rb_dataset_load(dir, NULL, &err) == NULL);
    CHECK(strstr(err.msg, "truncgz/corpus.jsonl.gz:") != NULL);
    CHECK(strstr(err.msg, ": compressed data is truncated") != NULL);
    rb_free(path);
    rb_free(dir);
}

static void test_corrupt_gzip_corpus(void)
{
    static const char corrupt[] =
        "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff\xff\xff";

    check_dataset("corruptgz", "", NULL, NULL,
                  "corruptgz/corpus.jsonl: no documents found");
    rb_free(put("corruptgz/corpus.jsonl", corrupt, sizeof corrupt - 1));
    {
        char *dir = rb_path_join(tmp_root, "corruptgz");
        rb_error err = {0};

        CHECK(rb_dataset_load(dir, NULL, &err) == NULL);
        check_message("corrupt gzip", err.msg,
                      "corruptgz/corpus.jsonl:1: corrupt compressed data "
                      "(invalid block type)");
        rb_free(dir);
    }
}

/* With strict loading, a judgment naming an unknown document or query is
 * an error (without, it is counted and warned about). */
static void test_strict_unknown_ids(void)
{
    static const char unknown_doc[] =
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\tnope\t1\n";
    static const char unknown_query[] =
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq9\td1\t1\n";
    rb_load_options strict = {NULL, 1, 0};
    const char *names[] = {"strictdoc", "strictquery"};
    const char *qrels[] = {unknown_doc, unknown_query};
    const char *want[] = {
        "strictdoc/qrels/test.tsv: document \"nope\" judged for query "
        "\"q1\" is not in corpus.jsonl",
        "strictquery/qrels/test.tsv: query \"q9\" is not in queries.jsonl",
    };
    size_t i;

    for (i = 0; i < 2; i++) {
        char *dir = rb_path_join(tmp_root, names[i]), sub[600];
        rb_error err = {0};
        rb_dataset *ds;

        snprintf(sub, sizeof sub, "%s/qrels", dir);
        rb_mkdirs(sub, NULL);
        snprintf(sub, sizeof sub, "%s/corpus.jsonl", names[i]);
        rb_free(put(sub, "{\"_id\": \"d1\", \"text\": \"a\"}\n", 0));
        snprintf(sub, sizeof sub, "%s/queries.jsonl", names[i]);
        rb_free(put(sub, "{\"_id\": \"q1\", \"text\": \"a\"}\n", 0));
        snprintf(sub, sizeof sub, "%s/qrels/test.tsv", names[i]);
        rb_free(put(sub, qrels[i], 0));
        ds = rb_dataset_load(dir, NULL, &err);
        CHECK(ds != NULL);
        rb_dataset_free(ds);
        ds = rb_dataset_load(dir, &strict, &err);
        CHECK(ds == NULL);
        check_message(names[i], err.msg, want[i]);
        rb_dataset_free(ds);
        rb_free(dir);
    }
}

/* Importing a TREC collection: inputs that would give a folder the loader
 * refuses are refused by the importer, with the file and line. */
static int import(const char *topics, size_t tlen, const char *qrels,
                  size_t qlen, const char *docs, rb_error *err)
{
    char *t = put("imp-topics", topics, tlen), *q = put("imp-qrels", qrels,
                                                         qlen);
    char *d = put("imp-docs", docs, 0), *out = rb_path_join(tmp_root,
                                                            "imported");
    const char *doc_list[1] = {d};
    rb_import_trec_options opt = {0};
    rb_import_trec_summary sum;
    int rc;

    opt.topics = t;
    opt.qrels = q;
    opt.docs = doc_list;
    opt.ndocs = 1;
    opt.out = out;
    opt.force = 1;
    rc = rb_import_trec(&opt, &sum, err);
    rb_free(t);
    rb_free(q);
    rb_free(d);
    rb_free(out);
    return rc;
}

static void test_import_refuses_what_cannot_load(void)
{
    static const char topics[] = "<top>\n<num> Number: 301\n<title> sun\n"
                                 "</top>\n";
    static const char nul_topics[] = "301\tsun\n30\0" "2\tmoon\n";
    static const char qrels[] = "301 0 D1 1\n";
    static const char nul_qrels[] = "301 0 D1 1\n301 0 D\0" "2 1\n";
    static const char docs[] = "<DOC><DOCNO>D1</DOCNO><TEXT>sun</TEXT>"
                               "</DOC>\n";
    static const char nul_docs[] = "<DOC><DOCNO>D1</DOCNO><TEXT>s\0un"
                                   "</TEXT></DOC>\n";
    char *out = rb_path_join(tmp_root, "imported");
    rb_error err = {0};

    CHECK(import(nul_topics, sizeof nul_topics - 1, qrels, 0, docs,
                 &err) < 0);
    check_message("NUL in topics", err.msg,
                  "imp-topics:2: contains a NUL byte");
    rb_error_clear(&err);
    CHECK(import(topics, 0, nul_qrels, sizeof nul_qrels - 1, docs,
                 &err) < 0);
    check_message("NUL in qrels", err.msg,
                  "imp-qrels:2: contains a NUL byte");
    rb_error_clear(&err);
    CHECK(import(topics, 0, "999 0 D1 1\n", 0, docs, &err) < 0);
    check_message("no judged topic", err.msg,
                  "imp-qrels: no judgment names one of the topics");
    CHECK(!rb_path_exists(out));
    rb_error_clear(&err);
    /* A NUL inside a document's text reads as a space. */
    {
        char *d = put("imp-nuldocs", nul_docs, sizeof nul_docs - 1);
        char *t = put("imp-topics", topics, 0);
        char *q = put("imp-qrels", qrels, 0);
        const char *doc_list[1] = {d};
        rb_import_trec_options opt = {0};
        rb_import_trec_summary sum;
        rb_dataset *ds;

        opt.topics = t;
        opt.qrels = q;
        opt.docs = doc_list;
        opt.ndocs = 1;
        opt.out = out;
        opt.force = 1;
        CHECK(rb_import_trec(&opt, &sum, &err) == 0);
        ds = rb_dataset_load(out, NULL, &err);
        CHECK(ds != NULL);
        if (ds)
            CHECK_STR(ds->doc_texts[0], "s un");
        rb_dataset_free(ds);
        rb_free(d);
        rb_free(t);
        rb_free(q);
    }
    rb_free(out);
}

static void test_bad_dataset_layout(void)
{
    rb_load_options split = {"../x", 0, 0};
    char *dir = rb_path_join(tmp_root, "nocorpus"), sub[600];
    rb_error err = {0};

    snprintf(sub, sizeof sub, "%s/qrels", dir);
    rb_mkdirs(sub, NULL);
    rb_free(put("nocorpus/queries.jsonl", "{\"_id\":\"q\",\"text\":\"\"}",
                0));
    rb_free(put("nocorpus/qrels/test.tsv",
                "query-id\tcorpus-id\tscore\nq\td\t1\n", 0));
    CHECK(rb_dataset_load(dir, NULL, &err) == NULL);
    check_message("no corpus", err.msg,
                  "nocorpus/corpus.jsonl: not found (nor corpus.jsonl.gz)");
    rb_error_clear(&err);
    CHECK(rb_dataset_load(dir, &split, &err) == NULL);
    CHECK_STR(err.msg, "\"../x\": not a valid split name");
    rb_free(dir);
}

int main(void)
{
    char cmd[300];

    if (!mkdtemp(tmp_root))
        return 1;
    rb_log_set_level(RB_LOG_ERROR);
    RUN_TEST(test_bad_trec_runs);
    RUN_TEST(test_bad_trec_qrels);
    RUN_TEST(test_bad_results_files);
    RUN_TEST(test_unreadable_files);
    RUN_TEST(test_bad_dataset_files);
    RUN_TEST(test_dataset_messages_in_full);
    RUN_TEST(test_truncated_gzip_corpus);
    RUN_TEST(test_corrupt_gzip_corpus);
    RUN_TEST(test_strict_unknown_ids);
    RUN_TEST(test_import_refuses_what_cannot_load);
    RUN_TEST(test_bad_dataset_layout);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_root);
    if (system(cmd) != 0)
        return 1;
    return check_report();
}
