/*
 * Dataset statistics on a tiny folder whose values are worked out by
 * hand: term counts, quantiles, vocabulary, judgments per query, charts.
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/mem.h"
#include "check.h"
#include "data/dataset_stats.h"
#include "data/fetch.h"
#include "report/gnuplot.h"

static char root[64];

static void put(const char *name, const char *data)
{
    char path[512];

    snprintf(path, sizeof path, "%s/%s", root, name);
    if (rb_write_file_atomic(path, data, strlen(data), NULL) < 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

static char *read_all(const char *path)
{
    char *data = NULL;
    size_t n;

    if (rb_read_file(path, &data, &n, NULL) < 0)
        return NULL;
    return data;
}

/* Plain words: the analyzer without stop words or stemming, keeping
 * one-letter words, which is also what a build without it counts. */
static json_t *plain_words(void)
{
    return json_pack("{s:s, s:s, s:i}", "stopwords", "none", "stemmer",
                     "none", "min_length", 1);
}

static rb_dataset_stats *tiny(void)
{
    rb_error err = {{0}, 0};
    json_t *plain = plain_words();
    rb_dataset_stats *st = rb_dataset_stats_compute(root, NULL, plain,
                                                    &err);

    json_decref(plain);
    if (!st)
        fprintf(stderr, "stats failed: %s\n", err.msg);
    return st;
}

static void test_summary_interpolates_quantiles(void)
{
    size_t v[] = {6, 0, 3, 1, 4};
    rb_count_summary s;

    rb_count_summary_of(v, 5, &s);
    CHECK_EQ_INT(s.n, 5);
    CHECK_EQ_INT(s.total, 14);
    CHECK_EQ_INT(s.min, 0);
    CHECK_EQ_INT(s.max, 6);
    CHECK_EQ_INT(s.zeros, 1);
    CHECK_NEAR(s.mean, 2.8, 1e-12);
    CHECK_NEAR(s.median, 3.0, 1e-12);
    CHECK_NEAR(s.p90, 5.2, 1e-12);
    CHECK_NEAR(s.p99, 5.92, 1e-12);
    CHECK_NEAR(s.stddev, 2.1354156504062622, 1e-12);
    CHECK_EQ_INT(v[0], 0);   /* sorted in place */
    CHECK_EQ_INT(v[4], 6);
    {
        size_t two[] = {2, 5};

        rb_count_summary_of(two, 2, &s);
        CHECK_NEAR(s.median, 3.5, 1e-12);
        rb_count_summary_of(two, 0, &s);
        CHECK_EQ_INT(s.n, 0);
        CHECK_NEAR(s.mean, 0.0, 0);
    }
}

static void test_document_terms_and_vocabulary(void)
{
    rb_dataset_stats *st = tiny();

    if (!st) {
        CHECK(st != NULL);
        return;
    }
    CHECK_EQ_INT(st->documents, 5);
    CHECK_EQ_INT(st->doc_tokens.total, 14);
    CHECK_EQ_INT(st->doc_tokens.zeros, 1);
    CHECK_EQ_INT(st->doc_tokens.max, 6);
    CHECK_NEAR(st->doc_tokens.mean, 2.8, 1e-12);
    CHECK_NEAR(st->doc_tokens.median, 3.0, 1e-12);
    CHECK_EQ_INT(st->vocabulary, 13);
    rb_dataset_stats_free(st);
}

static void test_queries_measured_are_the_judged_ones(void)
{
    rb_dataset_stats *st = tiny();

    CHECK_EQ_INT(st->queries_total, 3);
    CHECK_EQ_INT(st->queries, 2);
    CHECK_EQ_INT(st->query_tokens.total, 4);
    CHECK_NEAR(st->query_tokens.mean, 2.0, 1e-12);
    CHECK_EQ_INT(st->query_vocabulary, 4);
    CHECK_EQ_INT(st->query_terms_unseen, 1);
    rb_dataset_stats_free(st);
}

static void test_judgments_per_query_and_grades(void)
{
    rb_dataset_stats *st = tiny();

    CHECK_STR(st->split, "test");
    CHECK_EQ_INT(st->judgments, 5);
    CHECK_EQ_INT(st->judged_queries, 3);
    CHECK_EQ_INT(st->relevant, 4);
    CHECK_NEAR(st->judged_per_query.mean, 5.0 / 3.0, 1e-12);
    CHECK_NEAR(st->judged_per_query.median, 1.0, 1e-12);
    CHECK_EQ_INT(st->judged_per_query.max, 3);
    CHECK_EQ_INT(st->relevant_per_query.max, 2);
    CHECK_EQ_INT(st->ngrades, 3);
    CHECK_EQ_INT(st->grades[0].grade, 0);
    CHECK_EQ_INT(st->grades[0].count, 1);
    CHECK_EQ_INT(st->grades[1].grade, 1);
    CHECK_EQ_INT(st->grades[1].count, 3);
    CHECK_EQ_INT(st->grades[2].grade, 2);
    rb_dataset_stats_free(st);
}

static void test_json_carries_the_values(void)
{
    rb_dataset_stats *st = tiny();
    json_t *j = rb_dataset_stats_json(st);

    CHECK(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "schema")),
              "rankbench.dataset-stats");
    CHECK_NEAR(json_real_value(json_object_get(json_object_get(
        json_object_get(j, "documents"), "tokens"), "p90")), 5.2, 1e-12);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(
        j, "vocabulary"), "corpus_terms")), 13);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(
        json_object_get(j, "judgments"), "grades"), "1")), 3);
    json_decref(j);
    rb_dataset_stats_free(st);
}

static void test_without_the_split_all_queries_are_measured(void)
{
    rb_error err = {{0}, 0};
    rb_dataset_stats *st = rb_dataset_stats_compute(root, "dev", NULL,
                                                    &err);

    CHECK(st != NULL);
    CHECK(st->split == NULL);
    CHECK_EQ_INT(st->queries, 3);
    CHECK_EQ_INT(st->judged_queries, 0);
    rb_dataset_stats_free(st);
}

static void test_malformed_input_names_file_and_line(void)
{
    char bad[600];
    rb_error err = {{0}, 0};

    snprintf(bad, sizeof bad, "%s/broken", root);
    rb_mkdirs(bad, NULL);
    put("broken/corpus.jsonl", "{\"_id\": \"a\", \"text\": \"x\"}\n"
        "{\"_id\": \"b\", \"text\": 7}\n");
    put("broken/queries.jsonl", "{\"_id\": \"q\", \"text\": \"x\"}\n");
    CHECK(rb_dataset_stats_compute(bad, NULL, NULL, &err) == NULL);
    CHECK(strstr(err.msg, "broken/corpus.jsonl:2: \"text\" is not a "
                 "string") != NULL);
}

/* Number of temporary files (NAME.tmp.XXXXXX) left in dir. */
static int temporary_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static void test_chart_data_and_rendering(void)
{
    rb_dataset_stats *st = tiny();
    rb_error err = {{0}, 0}, gp_err = {{0}, 0};
    char dir[600], path[700], *data;
    rb_gnuplot gp;
    int rc, have_gp = rb_gnuplot_open(&gp, NULL, 0, &gp_err) == 0;

    if (have_gp)
        rb_gnuplot_release(&gp);
    snprintf(dir, sizeof dir, "%s/plots", root);
    rc = rb_dataset_stats_plot(st, dir, &err);
    CHECK_EQ_INT(rc, have_gp ? 0 : 1);
    snprintf(path, sizeof path, "%s/doc_lengths.dat", dir);
    data = read_all(path);
    CHECK(data != NULL);
    if (data) {
        const char *body = strchr(data, '\n');

        CHECK(data[0] == '#');
        CHECK_STR(body ? body + 1 : "", "0\t1\n1\t1\n3\t1\n4\t1\n6\t1\n");
    }
    free(data);
    snprintf(path, sizeof path, "%s/judgments_per_query.dat", dir);
    data = read_all(path);
    CHECK(data && strstr(data, "\n1\t2\n3\t1\n") != NULL);
    free(data);
    snprintf(path, sizeof path, "%s/doc_lengths.gp", dir);
    data = read_all(path);
    CHECK(data && strstr(data, "rb_width = 1\nrb_xmax = 7\n") != NULL);
    CHECK(data && strstr(data, "# ---- plots/histogram.gp ----") != NULL);
    free(data);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/doc_lengths.svg", dir);
        data = read_all(path);
        CHECK(data && strstr(data, "<svg") != NULL);
        CHECK(data && strstr(data, "terms per document") != NULL);
        free(data);
        snprintf(path, sizeof path, "%s/query_lengths.png", dir);
        data = read_all(path);
        CHECK(data && memcmp(data, "\x89PNG", 4) == 0);
        free(data);
        CHECK(temporary_files(dir) == 0);
    } else {
        printf("no charts drawn: %s\n", err.msg);
    }
    rb_dataset_stats_free(st);
}

static void test_allocation_failures_end_cleanly(void)
{
    json_t *plain = plain_words();
    long n;
    int failures = 0;

    for (n = 1; n < 100000; n++) {
        rb_error err = {{0}, 0};
        rb_dataset_stats *st;

        rb_mem_fail_after(n);
        st = rb_dataset_stats_compute(root, NULL, plain, &err);
        rb_mem_fail_after(0);
        if (st) {
            CHECK_EQ_INT(st->vocabulary, 13);
            rb_dataset_stats_free(st);
            break;
        }
        failures++;
        if (strcmp(err.msg, "out of memory") != 0) {
            fprintf(stderr, "allocation %ld: %s\n", n, err.msg);
            CHECK(0);
            break;
        }
    }
    CHECK(failures > 10);
    json_decref(plain);
}

/* The default analysis is the analyzer's when it is in the build; plain
 * words otherwise, and settings they cannot honour are refused. */
static void test_default_analysis_names_itself(void)
{
    rb_error err = {{0}, 0};
    rb_dataset_stats *st = rb_dataset_stats_compute(root, NULL, NULL, &err);
    json_t *stem = json_pack("{s:s}", "stemmer", "english");

    CHECK(st != NULL);
    CHECK(st && st->tokenizer[0] == '{');
    rb_dataset_stats_free(st);
    st = rb_dataset_stats_compute(root, NULL, stem, &err);
    CHECK(st != NULL);
    rb_dataset_stats_free(st);
    json_decref(stem);
}

int main(void)
{
    rb_error err = {{0}, 0};
    char qdir[100];

    snprintf(root, sizeof root, "/tmp/rb-stats-XXXXXX");
    if (!mkdtemp(root))
        return 1;
    snprintf(qdir, sizeof qdir, "%s/qrels", root);
    rb_mkdirs(qdir, NULL);
    put("corpus.jsonl",
        "{\"_id\": \"d1\", \"title\": \"Hello World\", \"text\": "
        "\"hello again\"}\n"
        "{\"_id\": \"d2\", \"title\": \"\", \"text\": "
        "\"Caf\xC3\xA9, na\xC3\xAFve\xE2\x80\x94r\xC3\xA9sum\xC3\xA9!\"}\n"
        "{\"_id\": \"d3\", \"title\": \"A\", \"text\": \"b c d e f\"}\n"
        "{\"_id\": \"d4\", \"title\": \"\", \"text\": \"\"}\n"
        "{\"_id\": \"d5\", \"title\": \"x\", \"text\": \"  \"}\n");
    put("queries.jsonl",
        "{\"_id\": \"q1\", \"text\": \"hello there\"}\n"
        "{\"_id\": \"q2\", \"text\": \"Caf\xC3\xA9 B\"}\n"
        "{\"_id\": \"q3\", \"text\": \"unjudged words\"}\n");
    put("qrels/test.tsv", "query-id\tcorpus-id\tscore\n"
        "q1\td1\t1\nq1\td2\t0\nq1\td3\t2\nq2\td4\t1\nqX\td1\t1\n");
    RUN_TEST(test_summary_interpolates_quantiles);
    RUN_TEST(test_document_terms_and_vocabulary);
    RUN_TEST(test_queries_measured_are_the_judged_ones);
    RUN_TEST(test_judgments_per_query_and_grades);
    RUN_TEST(test_json_carries_the_values);
    RUN_TEST(test_without_the_split_all_queries_are_measured);
    RUN_TEST(test_malformed_input_names_file_and_line);
    RUN_TEST(test_chart_data_and_rendering);
    RUN_TEST(test_allocation_failures_end_cleanly);
    RUN_TEST(test_default_analysis_names_itself);
    rb_remove_tree(root, &err);
    return check_report();
}
