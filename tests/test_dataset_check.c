/*
 * The dataset checker on folders generated here: a clean one, one with
 * every kind of problem at known lines, missing and compressed files, and
 * allocation failures at every step.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/fileio.h"
#include "base/hash.h"
#include "base/mem.h"
#include "check.h"
#include "data/dataset.h"
#include "data/dataset_check.h"
#include "data/fetch.h"

static char root[64];

/* Write data to root/dir/name, creating folders. */
static void put(const char *dir, const char *name, const char *data,
                size_t len)
{
    char path[512], *slash;
    FILE *f;

    snprintf(path, sizeof path, "%s/%s/%s", root, dir, name);
    slash = strrchr(path, '/');
    *slash = '\0';
    rb_mkdirs(path, NULL);
    *slash = '/';
    f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fwrite(data, 1, len, f);
    fclose(f);
}

static void puts_file(const char *dir, const char *name, const char *data)
{
    put(dir, name, data, strlen(data));
}

static char *folder(const char *dir)
{
    static char path[512];

    snprintf(path, sizeof path, "%s/%s", root, dir);
    return path;
}

static rb_check_report *check_dir(const char *dir, const char *split,
                                  int strict, size_t max)
{
    rb_check_options opt = {split, strict, max};
    rb_error err = {{0}, 0};
    rb_check_report *r = rb_dataset_check(folder(dir), &opt, &err);

    if (!r)
        fprintf(stderr, "check failed: %s\n", err.msg);
    return r;
}

/* The problem of a kind in a file (by suffix) at a line, or NULL. */
static const rb_check_problem *find(const rb_check_report *r,
                                    rb_check_kind kind, const char *file,
                                    long line)
{
    size_t i, n = strlen(file);

    for (i = 0; i < r->nproblems; i++) {
        const rb_check_problem *p = &r->problems[i];
        size_t m = strlen(p->file);

        if (p->kind == kind && p->line == line && m >= n &&
            strcmp(p->file + m - n, file) == 0)
            return p;
    }
    return NULL;
}

static const rb_check_split *split_named(const rb_check_report *r,
                                         const char *name)
{
    size_t i;

    for (i = 0; i < r->nsplits; i++)
        if (strcmp(r->splits[i].name, name) == 0)
            return &r->splits[i];
    return NULL;
}

static void sha_of(const char *const *parts, char hex[65])
{
    rb_sha256 *sha = rb_sha256_new();

    for (; *parts; parts++)
        rb_sha256_update(sha, *parts, strlen(*parts));
    rb_sha256_final(sha, hex);
}

/* ---------------------------------------------------------------------- */

static const char good_corpus[] =
    "{\"_id\": \"d1\", \"title\": \"Alpha\", \"text\": \"first doc\"}\n"
    "{\"_id\": \"d2\", \"title\": \"Beta\", \"text\": \"second doc\"}\n"
    "{\"_id\": \"d3\", \"title\": \"Gamma\", \"text\": \"third doc\"}\n";
static const char good_queries[] =
    "{\"_id\": \"q1\", \"text\": \"alpha\"}\n"
    "{\"_id\": \"q2\", \"text\": \"beta gamma\"}\n";
static const char good_test[] =
    "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\nq2\td3\t0\n";
static const char good_dev[] = "query-id\tcorpus-id\tscore\nq1\td2\t1\n";

static void make_good(const char *dir)
{
    puts_file(dir, "corpus.jsonl", good_corpus);
    puts_file(dir, "queries.jsonl", good_queries);
    puts_file(dir, "qrels/test.tsv", good_test);
    puts_file(dir, "qrels/dev.tsv", good_dev);
}

static void test_clean_folder_has_no_problems(void)
{
    rb_check_report *r;
    const rb_check_split *t;

    make_good("good");
    r = check_dir("good", NULL, 0, 20);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_EQ_INT(r->errors, 0);
    CHECK_EQ_INT(r->warnings, 0);
    CHECK_EQ_INT(r->nproblems, 0);
    CHECK_EQ_INT(r->corpus.records, 3);
    CHECK_EQ_INT(r->queries.records, 2);
    CHECK_EQ_INT(r->nsplits, 2);
    CHECK_STR(r->splits[0].name, "dev");
    CHECK_STR(r->splits[1].name, "test");
    t = split_named(r, "test");
    CHECK_EQ_INT(t->judgments, 3);
    CHECK_EQ_INT(t->queries, 2);
    CHECK_EQ_INT(t->documents, 3);
    CHECK_EQ_INT(t->relevant, 2);
    CHECK_EQ_INT(t->ngrades, 3);
    CHECK_EQ_INT(t->grades[0].grade, 0);
    CHECK_EQ_INT(t->grades[2].grade, 2);
    CHECK_EQ_INT(t->grades[2].count, 1);
    CHECK_STR(r->fingerprint_split, "test");
    rb_check_report_free(r);
}

static void test_fingerprint_hashes_role_names_and_lines(void)
{
    const char *parts[] = {"corpus\n", good_corpus, "queries\n",
                           good_queries, "qrels\n", good_test, NULL};
    const char *dev_parts[] = {"corpus\n", good_corpus, "queries\n",
                               good_queries, "qrels\n", good_dev, NULL};
    char want[65], want_dev[65], got[65];
    rb_error err = {{0}, 0};
    rb_check_report *r;

    make_good("fp");
    sha_of(parts, want);
    sha_of(dev_parts, want_dev);
    r = check_dir("fp", NULL, 0, 20);
    CHECK_STR(r->fingerprint, want);
    rb_check_report_free(r);
    r = check_dir("fp", "dev", 0, 20);
    CHECK_STR(r->fingerprint_split, "dev");
    CHECK_STR(r->fingerprint, want_dev);
    rb_check_report_free(r);
    CHECK_EQ_INT(rb_dataset_fingerprint_files(folder("fp"), NULL, got,
                                              &err), 0);
    CHECK_STR(got, want);
}

/* The checker and the loader agree on the fingerprint. */
static void test_fingerprint_equals_the_loaders(void)
{
    const char *dirs[] = {"good", "crlf", "gz"};
    size_t i;

    for (i = 0; i < 3; i++) {
        rb_error err = {{0}, 0};
        rb_dataset *ds = rb_dataset_load(folder(dirs[i]), NULL, &err);
        rb_check_report *r = check_dir(dirs[i], NULL, 0, 20);

        CHECK(ds != NULL && r != NULL);
        if (ds && r)
            CHECK_STR(r->fingerprint, ds->fingerprint);
        rb_dataset_free(ds);
        rb_check_report_free(r);
    }
    {
        rb_load_options opt = {"dev", 0, 0};
        rb_error err = {{0}, 0};
        rb_dataset *ds = rb_dataset_load(folder("good"), &opt, &err);
        rb_check_report *r = check_dir("good", "dev", 0, 20);

        CHECK(ds && r && strcmp(r->fingerprint, ds->fingerprint) == 0);
        rb_dataset_free(ds);
        rb_check_report_free(r);
    }
}

static void test_fingerprint_ignores_crlf_and_compression(void)
{
    const char *parts[] = {"corpus\n", good_corpus, "queries\n",
                           good_queries, "qrels\n", good_test, NULL};
    char want[65], path[600];
    rb_check_report *r;
    gzFile gz;

    sha_of(parts, want);
    puts_file("crlf", "corpus.jsonl",
              "{\"_id\": \"d1\", \"title\": \"Alpha\", \"text\": \"first "
              "doc\"}\r\n{\"_id\": \"d2\", \"title\": \"Beta\", \"text\": "
              "\"second doc\"}\r\n{\"_id\": \"d3\", \"title\": \"Gamma\", "
              "\"text\": \"third doc\"}\r\n");
    puts_file("crlf", "queries.jsonl", good_queries);
    puts_file("crlf", "qrels/test.tsv", good_test);
    r = check_dir("crlf", NULL, 0, 20);
    CHECK_STR(r->fingerprint, want);
    CHECK_EQ_INT(r->errors, 0);
    rb_check_report_free(r);

    puts_file("gz", "queries.jsonl", good_queries);
    puts_file("gz", "qrels/test.tsv", good_test);
    snprintf(path, sizeof path, "%s/gz/corpus.jsonl.gz", root);
    gz = gzopen(path, "wb");
    gzputs(gz, good_corpus);
    gzclose(gz);
    r = check_dir("gz", NULL, 0, 20);
    CHECK_STR(r->fingerprint, want);
    CHECK_EQ_INT(r->corpus.records, 3);
    CHECK(strstr(r->corpus.file, "corpus.jsonl.gz") != NULL);
    rb_check_report_free(r);
}

/* ---------------------------------------------------------------------- */

static const char bad_corpus[] =
    "\xEF\xBB\xBF{\"_id\": \"d1\", \"title\": \"T1\", \"text\": \"one\"}\n"
    "{\"_id\": \"d2\", \"title\": \"T2\", \"text\": \"two\"}\n"
    "\n"
    "{\"_id\": \"d2\", \"title\": \"x\", \"text\": \"dup\"}\n"
    "not json {\n"
    "[1, 2]\n"
    "{\"title\": \"no id\", \"text\": \"x\"}\n"
    "{\"_id\": \"d8\", \"title\": \"t\"}\n"
    "{\"_id\": \"d9\", \"title\": 5, \"text\": \"x\"}\n"
    "{\"_id\": \"d 10\", \"title\": \"T\", \"text\": \"x\"}\n"
    "{\"_id\": \"d11\", \"title\": \"\", \"text\": \"has text\"}\n"
    "{\"_id\": \"d12\", \"title\": \"Only title\", \"text\": \"\"}\n"
    "{\"_id\": \"d13\", \"title\": \"\", \"text\": \"  \"}\n"
    "{\"_id\": \"d14\", \"title\": \"T\", \"text\": \"bad \xff byte\"}\n"
    "{\"_id\": \"d15\", \"title\": \"a\\u0000b\", \"text\": \"x\"}\n"
    "{\"_id\": \"q1\", \"title\": \"self\", \"text\": \"selfdoc\"}\n"
    "{\"_id\": \"\", \"text\": \"x\"}\n";
static const char bad_queries[] =
    "{\"_id\": \"q1\", \"text\": \"first\"}\n"
    "{\"_id\": \"q2\", \"text\": \"\"}\n"
    "{\"_id\": \"q1\", \"text\": \"again\"}\n"
    "{\"_id\": \"q3\", \"text\": \"never judged\"}\n"
    "{\"_id\": \"q4\", \"text\": \"no relevant\"}\n"
    "{\"_id\": \"q5\", \"text\": \"relevant missing\"}\n";
static const char bad_test[] =
    "query-id\tcorpus-id\tscore\n"
    "q1\td1\t1\n"
    "q1\td1\t2\n"
    "q1\tdX\t1\n"
    "qZ\td2\t1\n"
    "q2\td2\tx\n"
    "q2\td2\n"
    "\td2\t1\n"
    "q4\td2\t0\n"
    "q5\tdY\t1\n"
    "q1\tq1\t1\n"
    "\n"
    "q2\td\xff\t1\n";

static void make_bad(const char *dir)
{
    puts_file(dir, "corpus.jsonl", bad_corpus);
    puts_file(dir, "queries.jsonl", bad_queries);
    puts_file(dir, "qrels/test.tsv", bad_test);
    puts_file(dir, "qrels/dev.tsv", "q2\td2\t1\n");
}

static void test_every_problem_is_reported_with_its_line(void)
{
    rb_check_report *r;
    const rb_check_problem *p;

    make_bad("bad");
    r = check_dir("bad", NULL, 0, 0);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK(find(r, RB_CHECK_BOM, "/corpus.jsonl", 1) != NULL);
    CHECK(find(r, RB_CHECK_BLANK_LINE, "/corpus.jsonl", 3) != NULL);
    p = find(r, RB_CHECK_DUPLICATE_ID, "/corpus.jsonl", 4);
    CHECK(p && strstr(p->message, "\"d2\" (first at line 2)"));
    CHECK(find(r, RB_CHECK_BAD_JSON, "/corpus.jsonl", 5) != NULL);
    p = find(r, RB_CHECK_BAD_JSON, "/corpus.jsonl", 6);
    CHECK(p && strstr(p->message, "expected a JSON object"));
    p = find(r, RB_CHECK_BAD_FIELD, "/corpus.jsonl", 7);
    CHECK(p && strcmp(p->message, "\"_id\" is missing") == 0);
    p = find(r, RB_CHECK_BAD_FIELD, "/corpus.jsonl", 8);
    CHECK(p && strcmp(p->message, "\"text\" is missing") == 0);
    p = find(r, RB_CHECK_BAD_FIELD, "/corpus.jsonl", 9);
    CHECK(p && strcmp(p->message, "\"title\" is not a string") == 0);
    CHECK(find(r, RB_CHECK_ID_WHITESPACE, "/corpus.jsonl", 10) != NULL);
    CHECK(find(r, RB_CHECK_EMPTY_TITLE, "/corpus.jsonl", 11) != NULL);
    CHECK(find(r, RB_CHECK_EMPTY_TEXT, "/corpus.jsonl", 12) != NULL);
    CHECK(find(r, RB_CHECK_EMPTY_DOCUMENT, "/corpus.jsonl", 13) != NULL);
    p = find(r, RB_CHECK_INVALID_UTF8, "/corpus.jsonl", 14);
    CHECK(p && strcmp(p->message, "invalid UTF-8 at byte 43") == 0);
    p = find(r, RB_CHECK_BAD_FIELD, "/corpus.jsonl", 15);
    CHECK(p && strstr(p->message, "NUL"));
    p = find(r, RB_CHECK_BAD_FIELD, "/corpus.jsonl", 17);
    CHECK(p && strcmp(p->message, "\"_id\" is empty") == 0);

    CHECK(find(r, RB_CHECK_EMPTY_QUERY, "/queries.jsonl", 2) != NULL);
    p = find(r, RB_CHECK_DUPLICATE_ID, "/queries.jsonl", 3);
    CHECK(p && strstr(p->message, "(first at line 1)"));
    p = find(r, RB_CHECK_UNJUDGED_QUERY, "/queries.jsonl", 4);
    CHECK(p && strstr(p->message, "\"q3\""));

    p = find(r, RB_CHECK_DUPLICATE_JUDGMENT, "/qrels/test.tsv", 3);
    CHECK(p && strstr(p->message, "(first at line 2)"));
    CHECK(find(r, RB_CHECK_UNKNOWN_DOCUMENT, "/qrels/test.tsv", 4));
    CHECK(find(r, RB_CHECK_UNKNOWN_QUERY, "/qrels/test.tsv", 5));
    p = find(r, RB_CHECK_QRELS_FORMAT, "/qrels/test.tsv", 6);
    CHECK(p && strstr(p->message, "not an integer"));
    p = find(r, RB_CHECK_QRELS_FORMAT, "/qrels/test.tsv", 7);
    CHECK(p && strstr(p->message, "found 2"));
    p = find(r, RB_CHECK_QRELS_FORMAT, "/qrels/test.tsv", 8);
    CHECK(p && strstr(p->message, "empty query id"));
    p = find(r, RB_CHECK_NO_RELEVANT, "/qrels/test.tsv", 9);
    CHECK(p && strstr(p->message, "\"q4\""));
    CHECK(find(r, RB_CHECK_UNKNOWN_DOCUMENT, "/qrels/test.tsv", 10));
    p = find(r, RB_CHECK_RELEVANT_MISSING, "/qrels/test.tsv", 10);
    CHECK(p && strstr(p->message, "\"q5\""));
    CHECK(find(r, RB_CHECK_SELF_JUDGED, "/qrels/test.tsv", 11) != NULL);
    CHECK(find(r, RB_CHECK_BLANK_LINE, "/qrels/test.tsv", 12) != NULL);
    CHECK(find(r, RB_CHECK_INVALID_UTF8, "/qrels/test.tsv", 13) != NULL);
    p = find(r, RB_CHECK_QRELS_FORMAT, "/qrels/dev.tsv", 1);
    CHECK(p && strstr(p->message, "header"));
    rb_check_report_free(r);
}

static void test_counts_and_severities_add_up(void)
{
    rb_check_report *r = check_dir("bad", NULL, 0, 0);
    const rb_check_split *t;
    size_t i, errors = 0;

    if (!r) {
        CHECK(r != NULL);
        return;
    }
    CHECK_EQ_INT(r->counts[RB_CHECK_BAD_FIELD], 5);
    CHECK_EQ_INT(r->counts[RB_CHECK_QRELS_FORMAT], 4);
    CHECK_EQ_INT(r->counts[RB_CHECK_DUPLICATE_ID], 2);
    CHECK_EQ_INT(r->counts[RB_CHECK_BLANK_LINE], 2);
    CHECK_EQ_INT(r->counts[RB_CHECK_UNKNOWN_DOCUMENT], 2);
    CHECK_EQ_INT(r->errors, 17);
    CHECK_EQ_INT(r->warnings, 14);
    CHECK_EQ_INT(r->nproblems, 31);
    for (i = 0; i < r->nproblems; i++)
        errors += r->problems[i].severity == RB_CHECK_ERROR;
    CHECK_EQ_INT(errors, 17);
    CHECK_EQ_INT(r->corpus.records, 7);
    CHECK_EQ_INT(r->corpus.empty_titles, 2);
    CHECK_EQ_INT(r->corpus.empty_texts, 2);
    CHECK_EQ_INT(r->corpus.empty_records, 1);
    CHECK_EQ_INT(r->corpus.duplicates, 1);
    CHECK_EQ_INT(r->queries.records, 5);
    CHECK_EQ_INT(r->unjudged_queries, 1);
    t = split_named(r, "test");
    CHECK_EQ_INT(t->judgments, 6);
    CHECK_EQ_INT(t->queries, 4);
    CHECK_EQ_INT(t->documents, 5);
    CHECK_EQ_INT(t->relevant, 5);
    CHECK_EQ_INT(t->unknown_doc_judgments, 2);
    CHECK_EQ_INT(t->unknown_query_judgments, 1);
    CHECK_EQ_INT(t->missing_documents, 2);
    CHECK_EQ_INT(t->missing_relevant, 2);
    CHECK_EQ_INT(t->queries_no_relevant, 1);
    CHECK_EQ_INT(t->queries_relevant_missing, 1);
    CHECK_EQ_INT(split_named(r, "dev")->judgments, 1);
    /* Sorted: corpus, then queries, then qrels, each by line. */
    for (i = 1; i < r->nproblems; i++)
        CHECK(r->problems[i - 1].file_id < r->problems[i].file_id ||
              (r->problems[i - 1].file_id == r->problems[i].file_id &&
               r->problems[i - 1].line <= r->problems[i].line));
    CHECK(strstr(r->problems[0].file, "corpus.jsonl") != NULL);
    CHECK(strstr(r->problems[r->nproblems - 1].file, "test.tsv") != NULL);
    rb_check_report_free(r);
}

static void test_strict_makes_unknown_ids_errors(void)
{
    rb_check_report *r = check_dir("bad", NULL, 1, 0);

    CHECK_EQ_INT(r->errors, 20);
    CHECK_EQ_INT(find(r, RB_CHECK_UNKNOWN_QUERY, "/qrels/test.tsv",
                      5)->severity, RB_CHECK_ERROR);
    rb_check_report_free(r);
}

static void test_json_report_has_counts_and_problems(void)
{
    rb_check_report *r = check_dir("bad", NULL, 0, 3);
    json_t *j = rb_check_report_json(r), *probs;

    CHECK(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "schema")),
              "rankbench.dataset-check");
    CHECK(json_is_false(json_object_get(j, "ok")));
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "errors")), 17);
    CHECK_EQ_INT(json_integer_value(json_object_get(
        json_object_get(j, "problem_counts"), "bad-field")), 5);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(
        json_object_get(j, "splits"), "test"), "judgments")), 6);
    probs = json_object_get(j, "problems");
    CHECK_EQ_INT(json_array_size(probs), r->nproblems);
    CHECK_STR(json_string_value(json_object_get(json_array_get(probs, 0),
                                                "kind")),
              "byte-order-mark");
    CHECK_EQ_INT(json_integer_value(json_object_get(
        json_array_get(probs, 0), "line")), 1);
    json_decref(j);
    rb_check_report_free(r);
}

/* ---------------------------------------------------------------------- */

static void test_missing_files_are_errors_in_the_report(void)
{
    rb_check_report *r;
    rb_error err = {{0}, 0};
    char path[600];

    snprintf(path, sizeof path, "%s/empty", root);
    rb_mkdirs(path, NULL);
    r = check_dir("empty", NULL, 0, 20);
    CHECK(r != NULL);
    CHECK_EQ_INT(r->counts[RB_CHECK_MISSING_FILE], 3);
    CHECK_EQ_INT(r->errors, 3);
    CHECK(r->fingerprint_split == NULL);
    CHECK(find(r, RB_CHECK_MISSING_FILE, "/corpus.jsonl", 0) != NULL);
    CHECK(find(r, RB_CHECK_MISSING_FILE, "/qrels", 0) != NULL);
    rb_check_report_free(r);

    snprintf(path, sizeof path, "%s/no-such-folder", root);
    CHECK(rb_dataset_check(path, NULL, &err) == NULL);
    CHECK(strstr(err.msg, "no such dataset folder") != NULL);
}

static void test_split_option_names_the_fingerprint_split(void)
{
    rb_error err = {{0}, 0};
    rb_check_report *r = check_dir("good", "train", 0, 20);

    CHECK_EQ_INT(r->errors, 1);
    CHECK(find(r, RB_CHECK_MISSING_FILE, "/qrels/train.tsv", 0) != NULL);
    CHECK(r->fingerprint_split == NULL);
    rb_check_report_free(r);
    {
        rb_check_options opt = {"../x", 0, 20};

        CHECK(rb_dataset_check(folder("good"), &opt, &err) == NULL);
        CHECK(strstr(err.msg, "not a valid split name") != NULL);
    }
    /* Without a test split the first split by name is fingerprinted. */
    puts_file("devonly", "corpus.jsonl", good_corpus);
    puts_file("devonly", "queries.jsonl", good_queries);
    puts_file("devonly", "qrels/dev.tsv", good_dev);
    r = check_dir("devonly", NULL, 0, 20);
    CHECK_STR(r->fingerprint_split, "dev");
    rb_check_report_free(r);
}

static void test_truncated_gzip_is_a_read_error(void)
{
    char path[600];
    gzFile gz;
    FILE *f;
    long size;
    rb_check_report *r;
    char big[200];
    int i;

    puts_file("trunc", "queries.jsonl", good_queries);
    puts_file("trunc", "qrels/test.tsv", good_test);
    snprintf(path, sizeof path, "%s/trunc/corpus.jsonl.gz", root);
    gz = gzopen(path, "wb");
    for (i = 0; i < 2000; i++) {
        snprintf(big, sizeof big, "{\"_id\": \"d%d\", \"title\": \"t\", "
                 "\"text\": \"x %d\"}\n", i, i * 7919);
        gzputs(gz, big);
    }
    gzclose(gz);
    f = fopen(path, "r+b");
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fclose(f);
    CHECK(truncate(path, size / 2) == 0);
    r = check_dir("trunc", NULL, 0, 20);
    CHECK_EQ_INT(r->counts[RB_CHECK_READ_ERROR], 1);
    CHECK(r->fingerprint_split == NULL);
    CHECK(r->problems[0].kind == RB_CHECK_READ_ERROR &&
          strstr(r->problems[0].message, "truncated"));
    rb_check_report_free(r);
}

static void test_text_only_corpus_gives_one_title_warning(void)
{
    rb_check_report *r;

    puts_file("notitles", "corpus.jsonl",
              "{\"_id\": \"a\", \"text\": \"x\"}\n"
              "{\"_id\": \"b\", \"title\": \"\", \"text\": \"y\"}\n"
              "{\"_id\": \"c\", \"text\": \"z\"}\n");
    puts_file("notitles", "queries.jsonl", good_queries);
    puts_file("notitles", "qrels/test.tsv",
              "query-id\tcorpus-id\tscore\nq1\ta\t1\nq2\tb\t1\n");
    r = check_dir("notitles", NULL, 0, 20);
    CHECK_EQ_INT(r->counts[RB_CHECK_EMPTY_TITLE], 1);
    CHECK_EQ_INT(r->warnings, 1);
    CHECK(find(r, RB_CHECK_EMPTY_TITLE, "/corpus.jsonl", 0) != NULL);
    CHECK_EQ_INT(r->corpus.empty_titles, 3);
    rb_check_report_free(r);
}

static void test_listing_is_capped_per_kind_but_counted(void)
{
    char corpus[4096] = "";
    rb_check_report *r;
    int i;

    for (i = 0; i < 30; i++)
        snprintf(corpus + strlen(corpus), sizeof corpus - strlen(corpus),
                 "{\"_id\": \"d%d\", \"title\": \"t\", \"text\": \"\"}\n",
                 i);
    puts_file("many", "corpus.jsonl", corpus);
    puts_file("many", "queries.jsonl", "{\"_id\": \"q\", \"text\": \"x\"}\n");
    puts_file("many", "qrels/test.tsv",
              "query-id\tcorpus-id\tscore\nq\td1\t1\n");
    r = check_dir("many", NULL, 0, 5);
    CHECK_EQ_INT(r->counts[RB_CHECK_EMPTY_TEXT], 30);
    CHECK_EQ_INT(r->warnings, 30);
    CHECK_EQ_INT(r->nproblems, 5);
    CHECK_EQ_INT(r->problems[4].line, 5);
    rb_check_report_free(r);
    r = check_dir("many", NULL, 0, 0);
    CHECK_EQ_INT(r->nproblems, 30);
    rb_check_report_free(r);
}

static void test_allocation_failures_end_cleanly(void)
{
    rb_check_options opt = {NULL, 0, 0};
    long n;
    int failures = 0;

    for (n = 1; n < 100000; n++) {
        rb_error err = {{0}, 0};
        rb_check_report *r;

        rb_mem_fail_after(n);
        r = rb_dataset_check(folder("bad"), &opt, &err);
        rb_mem_fail_after(0);
        if (r) {
            CHECK_EQ_INT(r->errors, 17);
            rb_check_report_free(r);
            break;
        }
        failures++;
        if (strcmp(err.msg, "out of memory") != 0) {
            fprintf(stderr, "allocation %ld: %s\n", n, err.msg);
            CHECK(0);
            break;
        }
    }
    CHECK(failures > 50);
    CHECK(n < 100000);
}

int main(void)
{
    rb_error err = {{0}, 0};

    snprintf(root, sizeof root, "/tmp/rb-check-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_clean_folder_has_no_problems);
    RUN_TEST(test_fingerprint_hashes_role_names_and_lines);
    RUN_TEST(test_fingerprint_ignores_crlf_and_compression);
    RUN_TEST(test_fingerprint_equals_the_loaders);
    RUN_TEST(test_every_problem_is_reported_with_its_line);
    RUN_TEST(test_counts_and_severities_add_up);
    RUN_TEST(test_strict_makes_unknown_ids_errors);
    RUN_TEST(test_json_report_has_counts_and_problems);
    RUN_TEST(test_missing_files_are_errors_in_the_report);
    RUN_TEST(test_split_option_names_the_fingerprint_split);
    RUN_TEST(test_truncated_gzip_is_a_read_error);
    RUN_TEST(test_text_only_corpus_gives_one_title_warning);
    RUN_TEST(test_listing_is_capped_per_kind_but_counted);
    RUN_TEST(test_allocation_failures_end_cleanly);
    rb_remove_tree(root, &err);
    return check_report();
}
