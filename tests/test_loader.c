/* The BEIR loader: good folders load, every kind of bad input is rejected
 * with FILE:LINE: problem. */

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/fileio.h"
#include "base/mem.h"
#include "check.h"
#include "data/dataset.h"

static char tmp_root[] = "/tmp/rb_loader_XXXXXX";

static const char good_corpus[] =
    "{\"_id\": \"d1\", \"title\": \"Solar wind\", \"text\": \"charged "
    "particles\"}\n"
    "{\"_id\": \"d2\", \"title\": \"\", \"text\": \"title-less\"}\n"
    "{\"_id\": \"d3\", \"title\": \"only a title\", \"text\": \"\"}\n";
static const char good_queries[] =
    "{\"_id\": \"q1\", \"text\": \"solar wind\"}\n"
    "{\"_id\": \"q2\", \"text\": \"unjudged query\"}\n"
    "{\"_id\": \"q3\", \"text\": \"titles\", \"metadata\": {\"a\": 1}}\n";
static const char good_qrels[] =
    "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq3\td2\t1\n";

static void write_file(const char *dir, const char *name, const char *data)
{
    char *path = rb_path_join(dir, name);
    FILE *f = fopen(path, "wb");

    fputs(data, f);
    fclose(f);
    rb_free(path);
}

/* Make a dataset folder; NULL arguments take the good files. */
static char *make_dataset(const char *name, const char *corpus,
                          const char *queries, const char *qrels)
{
    char *dir = rb_path_join(tmp_root, name), *qdir;

    mkdir(dir, 0755);
    qdir = rb_path_join(dir, "qrels");
    mkdir(qdir, 0755);
    rb_free(qdir);
    write_file(dir, "corpus.jsonl", corpus ? corpus : good_corpus);
    write_file(dir, "queries.jsonl", queries ? queries : good_queries);
    write_file(dir, "qrels/test.tsv", qrels ? qrels : good_qrels);
    return dir;
}

/* Load and expect failure with a message containing `want`. */
static void expect_error(const char *name, const char *corpus,
                         const char *queries, const char *qrels,
                         const char *want)
{
    char *dir = make_dataset(name, corpus, queries, qrels);
    rb_error err = {0};
    rb_dataset *ds = rb_dataset_load(dir, NULL, &err);

    CHECK(ds == NULL);
    if (!strstr(err.msg, want)) {
        fprintf(stderr, "  %s: got \"%s\", want \"%s\"\n", name, err.msg,
                want);
        CHECK(strstr(err.msg, want) != NULL);
    }
    rb_dataset_free(ds);
    rb_free(dir);
}

static void test_good_dataset_loads(void)
{
    char *dir = make_dataset("good", NULL, NULL, NULL);
    rb_error err = {0};
    rb_dataset *ds = rb_dataset_load(dir, NULL, &err);

    CHECK(ds != NULL);
    if (!ds) {
        fprintf(stderr, "  %s\n", err.msg);
        return;
    }
    CHECK_EQ_INT(ds->ndocs, 3);
    CHECK_EQ_INT(ds->nqueries, 3);
    CHECK_STR(ds->doc_titles[1], "");
    CHECK_STR(ds->doc_texts[2], "");
    CHECK_STR(ds->split, "test");
    /* Only judged queries are evaluated, in queries.jsonl order. */
    CHECK_EQ_INT(ds->neval, 2);
    CHECK_STR(rb_intern_str(ds->query_ids, ds->eval_queries[0]), "q1");
    CHECK_STR(rb_intern_str(ds->query_ids, ds->eval_queries[1]), "q3");
    CHECK_EQ_INT(strlen(ds->fingerprint), 64);
    {
        char *content = rb_dataset_doc_content(ds, 0);

        CHECK_STR(content, "Solar wind charged particles");
        rb_free(content);
    }
    rb_dataset_free(ds);
    rb_free(dir);
}

static void write_gz(const char *path, const char *data, size_t len)
{
    gzFile gz = gzopen(path, "wb");

    gzwrite(gz, data, (unsigned)len);
    gzclose(gz);
}

static void test_gzip_gives_same_fingerprint(void)
{
    char *plain = make_dataset("plain", NULL, NULL, NULL);
    char *gzdir = make_dataset("gz", NULL, NULL, NULL);
    char *path = rb_path_join(gzdir, "corpus.jsonl");
    char gzpath[512];
    rb_error err = {0};
    rb_dataset *a, *b;

    unlink(path);
    snprintf(gzpath, sizeof gzpath, "%s.gz", path);
    write_gz(gzpath, good_corpus, strlen(good_corpus));
    a = rb_dataset_load(plain, NULL, &err);
    b = rb_dataset_load(gzdir, NULL, &err);
    CHECK(a && b);
    if (a && b) {
        CHECK_STR(a->fingerprint, b->fingerprint);
        CHECK_EQ_INT(b->ndocs, 3);
    }
    rb_dataset_free(a);
    rb_dataset_free(b);
    rb_free(path);
    rb_free(plain);
    rb_free(gzdir);
}

static void test_truncated_gzip_is_an_error(void)
{
    char *dir = make_dataset("truncgz", NULL, NULL, NULL);
    char *path = rb_path_join(dir, "corpus.jsonl"), gzpath[512];
    char big[20000];
    rb_error err = {0};
    rb_dataset *ds;
    struct stat st;
    size_t i, n = 0;

    for (i = 0; n + 100 < sizeof big; i++)
        n += (size_t)snprintf(big + n, sizeof big - n,
                              "{\"_id\": \"d%zu\", \"text\": \"w%zu x\"}\n",
                              i, i * 7919);
    unlink(path);
    snprintf(gzpath, sizeof gzpath, "%s.gz", path);
    write_gz(gzpath, big, n);
    stat(gzpath, &st);
    CHECK(truncate(gzpath, st.st_size / 2) == 0);
    ds = rb_dataset_load(dir, NULL, &err);
    CHECK(ds == NULL);
    CHECK(strstr(err.msg, "corpus.jsonl.gz:") != NULL);
    CHECK(strstr(err.msg, "truncated") != NULL);
    rb_dataset_free(ds);
    rb_free(path);
    rb_free(dir);
}

static void test_bad_inputs_name_file_and_line(void)
{
    expect_error("notjson", "{\"_id\": \"d1\", \"text\": \"a\"}\n{oops\n",
                 NULL, NULL, "corpus.jsonl:2: not valid JSON");
    expect_error("noid", "{\"title\": \"x\", \"text\": \"a\"}\n", NULL,
                 NULL, "corpus.jsonl:1: \"_id\" is missing");
    expect_error("numid", "{\"_id\": 7, \"text\": \"a\"}\n", NULL, NULL,
                 "corpus.jsonl:1: \"_id\" is not a string");
    expect_error("dupid", "{\"_id\": \"d1\", \"text\": \"a\"}\n"
                 "{\"_id\": \"d1\", \"text\": \"b\"}\n", NULL, NULL,
                 "corpus.jsonl:2: duplicate id \"d1\"");
    expect_error("dupq", NULL, "{\"_id\": \"q1\", \"text\": \"a\"}\n"
                 "{\"_id\": \"q1\", \"text\": \"b\"}\n", NULL,
                 "queries.jsonl:2: duplicate id \"q1\"");
    expect_error("notobject", "[1, 2]\n", NULL, NULL,
                 "corpus.jsonl:1: expected a JSON object");
    expect_error("qnotext", NULL, "{\"_id\": \"q1\"}\n", NULL,
                 "queries.jsonl:1: \"text\" is missing");
    expect_error("badutf8", "{\"_id\": \"d1\", \"text\": \"caf\xc3\"}\n",
                 NULL, NULL, "corpus.jsonl:1: invalid UTF-8");
    expect_error("column", NULL, NULL,
                 "query-id\tcorpus-id\tscore\nq1\td1\n",
                 "test.tsv:2: expected 3 tab-separated columns");
    expect_error("grade", NULL, NULL,
                 "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\thigh\n",
                 "test.tsv:3: grade \"high\" is not an integer");
    expect_error("noheader", NULL, NULL, "q1\td1\t1\n",
                 "test.tsv:1: missing header line");
    expect_error("emptyqrels", NULL, NULL, "",
                 "test.tsv: no judgments found");
    expect_error("headeronly", NULL, NULL, "query-id\tcorpus-id\tscore\n",
                 "test.tsv: no judgments found");
    expect_error("dupjudgment", NULL, NULL,
                 "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td1\t2\n",
                 "test.tsv:3: duplicate judgment");
    expect_error("emptycorpus", "", NULL, NULL,
                 "corpus.jsonl: no documents found");
}

static void test_unknown_ids_counted_or_strict(void)
{
    char *dir = make_dataset("unknown", NULL, NULL,
                             "query-id\tcorpus-id\tscore\nq1\td1\t1\n"
                             "q1\tnope\t1\nq9\td1\t1\n");
    rb_load_options strict = {NULL, 1, 0};
    rb_error err = {0};
    rb_dataset *ds = rb_dataset_load(dir, NULL, &err);

    CHECK(ds != NULL);
    if (ds) {
        CHECK_EQ_INT(ds->qrels_unknown_docs, 1);
        CHECK_EQ_INT(ds->qrels_unknown_queries, 1);
        CHECK_EQ_INT(ds->neval, 1);
    }
    rb_dataset_free(ds);
    ds = rb_dataset_load(dir, &strict, &err);
    CHECK(ds == NULL);
    CHECK(strstr(err.msg, "nope") != NULL || strstr(err.msg, "q9"));
    rb_dataset_free(ds);
    rb_free(dir);
}

static void test_missing_folder_and_split(void)
{
    rb_load_options dev = {"dev", 0, 0};
    char *dir = make_dataset("nosplit", NULL, NULL, NULL);
    rb_error err = {0};
    rb_dataset *ds = rb_dataset_load("/nonexistent/rb", NULL, &err);

    CHECK(ds == NULL);
    CHECK(strstr(err.msg, "no such dataset folder") != NULL);
    rb_error_clear(&err);
    ds = rb_dataset_load(dir, &dev, &err);
    CHECK(ds == NULL);
    CHECK(strstr(err.msg, "qrels/dev.tsv") != NULL);
    rb_free(dir);
}

static void test_shared_collections_load(void)
{
    static const struct {
        const char *name;
        size_t docs, queries, eval;
    } want[] = {
        {"cranfield", 1400, 225, 225},
        {"cisi", 1460, 112, 76},
        {"cacm", 3204, 64, 52},
    };
    size_t i;

    for (i = 0; i < 3; i++) {
        char dir[512];
        rb_error err = {0};
        rb_dataset *ds;

        snprintf(dir, sizeof dir, "%s/datasets/%s", RB_SHARED_DIR,
                 want[i].name);
        ds = rb_dataset_load(dir, NULL, &err);
        CHECK(ds != NULL);
        if (!ds) {
            fprintf(stderr, "  %s\n", err.msg);
            continue;
        }
        CHECK_EQ_INT(ds->ndocs, want[i].docs);
        CHECK_EQ_INT(ds->nqueries, want[i].queries);
        CHECK_EQ_INT(ds->neval, want[i].eval);
        rb_dataset_free(ds);
    }
}

int main(void)
{
    if (!mkdtemp(tmp_root))
        return 1;
    RUN_TEST(test_good_dataset_loads);
    RUN_TEST(test_gzip_gives_same_fingerprint);
    RUN_TEST(test_truncated_gzip_is_an_error);
    RUN_TEST(test_bad_inputs_name_file_and_line);
    RUN_TEST(test_unknown_ids_counted_or_strict);
    RUN_TEST(test_missing_folder_and_split);
    if (rb_path_exists(RB_SHARED_DIR "/datasets/cacm"))
        RUN_TEST(test_shared_collections_load);
    else
        printf("skipped: shared collections absent (%s)\n", RB_SHARED_DIR);
    {
        char cmd[600];

        snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_root);
        if (system(cmd) != 0)
            return 1;
    }
    return check_report();
}
