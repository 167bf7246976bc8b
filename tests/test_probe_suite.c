/*
 * Reading probe suites: each bad line is reported with its number and
 * the reason, and the good lines around it still load.
 */

#include <unistd.h>

#include "base/hash.h"
#include "base/mem.h"
#include "check.h"
#include "encoder/probe.h"

static char tmpdir[] = "/tmp/rb-probe-suite-XXXXXX";

static rb_probe_suite *load_text(const char *text)
{
    char path[256];
    rb_error err = {0};
    rb_probe_suite *s;
    FILE *fp;

    snprintf(path, sizeof path, "%s/suite.jsonl", tmpdir);
    fp = fopen(path, "w");
    if (!fp)
        return NULL;
    fputs(text, fp);
    fclose(fp);
    s = rb_probe_suite_load(path, &err);
    if (!s)
        fprintf(stderr, "load: %s\n", err.msg);
    return s;
}

/* The problem of line `line`, or NULL. */
static const char *problem_at(const rb_probe_suite *s, long line)
{
    size_t i;

    for (i = 0; i < s->nproblems; i++)
        if (s->problems[i].line == line)
            return s->problems[i].message;
    return NULL;
}

static int contains(const char *s, const char *part)
{
    if (!s || !strstr(s, part)) {
        fprintf(stderr, "  \"%s\" lacks \"%s\"\n", s ? s : "(none)", part);
        return 0;
    }
    return 1;
}

static void test_both_forms_load_with_tags(void)
{
    rb_probe_suite *s = load_text(
        "{\"id\": \"a\", \"text\": \"x [MASK] y\", \"expected\": \"w\", "
        "\"tags\": [\"t1\", \"t2\", \"t1\"]}\n"
        "\n"
        "{\"id\": \"b\", \"text\": \"plain words\", \"target\": \"words\", "
        "\"note\": \"kept\", \"metadata\": {\"source\": 1}}\n");

    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_EQ_INT(s->n, 2);
    CHECK_EQ_INT(s->nproblems, 0);
    CHECK_EQ_INT(s->lines, 2);
    CHECK_STR(s->probes[0].id, "a");
    CHECK_EQ_INT(s->probes[0].line, 1);
    CHECK(!s->probes[0].by_target);
    CHECK_STR(s->probes[0].expected, "w");
    CHECK_EQ_INT(s->probes[0].ntags, 2);     /* "t1" once */
    CHECK_STR(s->probes[0].tags[1], "t2");
    CHECK_EQ_INT(s->probes[1].line, 3);
    CHECK(s->probes[1].by_target);
    CHECK_STR(s->probes[1].expected, "words");
    CHECK_EQ_INT(s->probes[1].ntags, 0);
    rb_probe_suite_free(s);
}

static void test_each_bad_line_is_reported_and_the_rest_loads(void)
{
    rb_probe_suite *s = load_text(
        "{\"id\": \"ok1\", \"text\": \"[MASK]\", \"expected\": \"w\"}\n"
        "{\"id\": \"x\", \"text\": \n"
        "[1, 2]\n"
        "{\"text\": \"[MASK]\", \"expected\": \"w\"}\n"
        "{\"id\": 7, \"text\": \"[MASK]\", \"expected\": \"w\"}\n"
        "{\"id\": \"n1\", \"expected\": \"w\"}\n"
        "{\"id\": \"n2\", \"text\": \"[MASK] w\", \"expected\": \"w\", "
        "\"target\": \"w\"}\n"
        "{\"id\": \"n3\", \"text\": \"[MASK]\"}\n"
        "{\"id\": \"ok1\", \"text\": \"[MASK]\", \"expected\": \"v\"}\n"
        "{\"id\": \"n4\", \"text\": \"[MASK]\", \"expected\": \"w\", "
        "\"tags\": \"one\"}\n"
        "{\"id\": \"n5\", \"text\": \"[MASK]\", \"expected\": \"w\", "
        "\"tags\": [\"a\", 3]}\n"
        "{\"id\": \"n6\", \"text\": \"[MASK]\", \"expected\": \"w\", "
        "\"tag\": [\"a\"]}\n"
        "{\"id\": \"n7\", \"text\": \"\", \"expected\": \"w\"}\n"
        "{\"id\": \"n8\", \"id\": \"n9\", \"text\": \"[MASK]\", "
        "\"expected\": \"w\"}\n"
        "{\"id\": \"ok2\", \"text\": \"[MASK]\", \"expected\": \"w\"}\n");

    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_EQ_INT(s->n, 2);
    CHECK_STR(s->probes[0].id, "ok1");
    CHECK_STR(s->probes[1].id, "ok2");
    CHECK_EQ_INT(s->probes[1].line, 15);
    CHECK_EQ_INT(s->nproblems, 13);
    CHECK(contains(problem_at(s, 2), "malformed JSON"));
    CHECK(contains(problem_at(s, 3), "not a JSON object"));
    CHECK(contains(problem_at(s, 4), "\"id\" is missing"));
    CHECK(contains(problem_at(s, 5), "\"id\" must be a non-empty string"));
    CHECK(contains(problem_at(s, 6), "\"text\" is missing"));
    CHECK(contains(problem_at(s, 7), "both \"expected\" and \"target\""));
    CHECK(contains(problem_at(s, 8), "neither \"expected\" nor "
                   "\"target\""));
    CHECK(contains(problem_at(s, 9), "duplicate id \"ok1\" (first on line "
                   "1)"));
    CHECK(contains(problem_at(s, 10), "\"tags\" must be an array"));
    CHECK(contains(problem_at(s, 11), "tag 2 must be a non-empty string"));
    CHECK(contains(problem_at(s, 12), "unknown field \"tag\""));
    CHECK(contains(problem_at(s, 13), "\"text\" must be a non-empty"));
    CHECK(contains(problem_at(s, 14), "malformed JSON"));   /* repeated key */
    CHECK(s->problems[8].id && strcmp(s->problems[8].id, "n4") == 0);
    rb_probe_suite_free(s);
}

static void test_fingerprint_is_the_file_sha256(void)
{
    static const char text[] =
        "{\"id\": \"a\", \"text\": \"[MASK]\", \"expected\": \"w\"}\n";
    rb_probe_suite *s = load_text(text);
    rb_sha256 *sha = rb_sha256_new();
    char hex[65];

    rb_sha256_update(sha, text, strlen(text));
    rb_sha256_final(sha, hex);
    CHECK(s != NULL);
    if (s)
        CHECK_STR(s->sha256, hex);
    rb_probe_suite_free(s);
}

static void test_missing_file_is_an_error(void)
{
    rb_error err = {0};
    rb_probe_suite *s = rb_probe_suite_load("/nonexistent/suite.jsonl",
                                            &err);

    CHECK(s == NULL);
    CHECK(strstr(err.msg, "/nonexistent/suite.jsonl") != NULL);
}

static void test_shipped_suite_loads_cleanly(void)
{
    char path[1024];
    rb_error err = {0};
    rb_probe_suite *s;
    size_t i, tagged = 0;

    snprintf(path, sizeof path, "%s/eval/probes/general.jsonl",
             RB_SOURCE_DIR);
    s = rb_probe_suite_load(path, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_EQ_INT(s->nproblems, 0);
    CHECK(s->n >= 40 && s->n <= 60);
    for (i = 0; i < s->n; i++)
        tagged += s->probes[i].ntags > 0;
    CHECK_EQ_INT(tagged, s->n);
    rb_probe_suite_free(s);
}

/* Every allocation failing in turn: an error, never a crash or leak. */
static void test_allocation_failures(void)
{
    static const char text[] =
        "{\"id\": \"a\", \"text\": \"[MASK]\", \"expected\": \"w\", "
        "\"tags\": [\"t\"]}\n{bad\n"
        "{\"id\": \"a\", \"text\": \"[MASK]\", \"expected\": \"w\"}\n";
    char path[256];
    rb_probe_suite *s;
    long n;
    int failed = 0, ok = 0;
    FILE *fp;

    snprintf(path, sizeof path, "%s/alloc.jsonl", tmpdir);
    fp = fopen(path, "w");
    fputs(text, fp);
    fclose(fp);
    for (n = 1; n < 400 && !ok; n++) {
        rb_error err = {0};

        rb_mem_fail_after(n);
        s = rb_probe_suite_load(path, &err);
        rb_mem_fail_after(0);
        if (s) {
            ok = 1;
            CHECK_EQ_INT(s->n, 1);
            CHECK_EQ_INT(s->nproblems, 2);
        } else {
            failed++;
            CHECK(err.set);
        }
        rb_probe_suite_free(s);
    }
    CHECK(ok);
    CHECK(failed > 3);
}

int main(void)
{
    char cmd[300];
    int rc;

    if (!mkdtemp(tmpdir))
        return 1;
    RUN_TEST(test_both_forms_load_with_tags);
    RUN_TEST(test_each_bad_line_is_reported_and_the_rest_loads);
    RUN_TEST(test_fingerprint_is_the_file_sha256);
    RUN_TEST(test_missing_file_is_an_error);
    RUN_TEST(test_shipped_suite_loads_cleanly);
    RUN_TEST(test_allocation_failures);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    rc = system(cmd);
    (void)rc;
    return check_report();
}
