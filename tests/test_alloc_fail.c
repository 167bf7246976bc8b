/*
 * Allocation failure: for every n, make the n-th allocation fail along the
 * loading, reading, evaluation and writing paths. Each attempt must end in
 * an "out of memory" error (or, where a failure is survivable, in exactly
 * the output of an unhindered run), never in a crash, and must leave no
 * memory behind. jansson's allocations are routed through rb_malloc so
 * that they fail in turn too.
 *
 * Leaks are measured per attempt: with LeakSanitizer in sanitizer builds,
 * with glibc's heap statistics otherwise.
 */

#include <dirent.h>
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "check.h"
#include "data/dataset.h"
#include "data/qrels.h"
#include "data/run.h"
#include "metrics/measures.h"
#include "report/results.h"

#if defined(__SANITIZE_ADDRESS__)
#define RB_HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RB_HAVE_LSAN 1
#endif
#endif
#ifdef RB_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* On /dev/shm when there is one: thousands of attempts each sync files. */
static char tmp_root[64];
static char *dataset_dir, *gz_dataset_dir, *trec_qrels_path, *run_path;
static rb_dataset *loaded;

/* ---- fixtures ---------------------------------------------------------- */

static void write_file(const char *path, const char *data)
{
    FILE *f = fopen(path, "wb");

    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(data, f);
    fclose(f);
}

static char *in_tmp(const char *name)
{
    return rb_path_join(tmp_root, name);
}

/* Enough documents, queries and judgments that the growable arrays and
 * intern tables resize several times. */
static void make_fixtures(void)
{
    rb_buf corpus = RB_BUF_INIT, queries = RB_BUF_INIT,
           qrels = RB_BUF_INIT, trec = RB_BUF_INIT, run = RB_BUF_INIT;
    char path[600];
    gzFile gz;
    int i, j;

    for (i = 0; i < 40; i++)
        rb_buf_printf(&corpus, "{\"_id\": \"d%d\", \"title\": \"title %d\", "
                      "\"text\": \"text of document %d\"}\n", i, i, i);
    for (i = 0; i < 12; i++)
        rb_buf_printf(&queries, "{\"_id\": \"q%d\", \"text\": \"query %d\"}\n",
                      i, i);
    rb_buf_puts(&qrels, "query-id\tcorpus-id\tscore\n");
    for (i = 0; i < 10; i++)
        for (j = 0; j < 6; j++) {
            int doc = (i * 7 + j * 3) % 40, grade = (i + j) % 3;

            rb_buf_printf(&qrels, "q%d\td%d\t%d\n", i, doc, grade);
            rb_buf_printf(&trec, "q%d 0 d%d %d\n", i, doc, grade);
        }
    rb_buf_puts(&qrels, "q3\tnot-in-corpus\t1\n");
    for (i = 0; i < 11; i++)
        for (j = 0; j < 25; j++)
            rb_buf_printf(&run, "q%d Q0 d%d %d %.3f alloc\n", i,
                          (i * 5 + j * 11) % 40, j + 1,
                          10.0 - j * 0.25 - (j % 4 == 0 ? 0 : 0.125));

    dataset_dir = in_tmp("ds");
    gz_dataset_dir = in_tmp("dsgz");
    snprintf(path, sizeof path, "%s/qrels", dataset_dir);
    rb_mkdirs(path, NULL);
    snprintf(path, sizeof path, "%s/qrels", gz_dataset_dir);
    rb_mkdirs(path, NULL);
    snprintf(path, sizeof path, "%s/corpus.jsonl", dataset_dir);
    write_file(path, corpus.data);
    snprintf(path, sizeof path, "%s/queries.jsonl", dataset_dir);
    write_file(path, queries.data);
    snprintf(path, sizeof path, "%s/qrels/test.tsv", dataset_dir);
    write_file(path, qrels.data);
    snprintf(path, sizeof path, "%s/corpus.jsonl.gz", gz_dataset_dir);
    gz = gzopen(path, "wb");
    gzwrite(gz, corpus.data, (unsigned)corpus.len);
    gzclose(gz);
    snprintf(path, sizeof path, "%s/queries.jsonl", gz_dataset_dir);
    write_file(path, queries.data);
    snprintf(path, sizeof path, "%s/qrels/test.tsv", gz_dataset_dir);
    write_file(path, qrels.data);
    trec_qrels_path = in_tmp("qrels.trec");
    write_file(trec_qrels_path, trec.data);
    run_path = in_tmp("run.trec");
    write_file(run_path, run.data);
    rb_buf_release(&corpus);
    rb_buf_release(&queries);
    rb_buf_release(&qrels);
    rb_buf_release(&trec);
    rb_buf_release(&run);
}

/* ---- the operations ---------------------------------------------------- */

/* Each operation does its whole job and frees everything, leaving a
 * summary of its output in *out (rb_free) so that a run that survived a
 * failed allocation can be compared with an unhindered one. */
typedef int (*operation)(rb_error *err, char **out);

static int summarise_dataset(const rb_dataset *ds, char **out)
{
    rb_buf b = RB_BUF_INIT;

    if (rb_buf_printf(&b, "%zu %zu %zu %zu %s %s", ds->ndocs, ds->nqueries,
                      ds->neval, ds->qrels_unknown_docs, ds->fingerprint,
                      ds->doc_texts[ds->ndocs - 1]) < 0)
        return -1;
    *out = b.data;
    return 0;
}

static int op_load(const char *dir, rb_error *err, char **out)
{
    rb_dataset *ds = rb_dataset_load(dir, NULL, err);
    int rc;

    if (!ds)
        return -1;
    rc = summarise_dataset(ds, out);
    rb_dataset_free(ds);
    return rc < 0 ? rb_error_oom(err) : 0;
}

static int op_load_plain(rb_error *err, char **out)
{
    return op_load(dataset_dir, err, out);
}

static int op_load_gz(rb_error *err, char **out)
{
    return op_load(gz_dataset_dir, err, out);
}

static int summarise_qrels(const rb_qrels *q, char **out)
{
    rb_buf b = RB_BUF_INIT;

    if (rb_buf_printf(&b, "%zu %zu %zu", q->nqueries, q->njudgments,
                      rb_intern_count(q->docs)) < 0)
        return -1;
    *out = b.data;
    return 0;
}

static int op_read_qrels(const char *path, rb_error *err, char **out)
{
    rb_qrels *q = rb_qrels_read(path, err);
    int rc;

    if (!q)
        return -1;
    rc = summarise_qrels(q, out);
    rb_qrels_free(q);
    return rc < 0 ? rb_error_oom(err) : 0;
}

static int op_read_trec_qrels(rb_error *err, char **out)
{
    return op_read_qrels(trec_qrels_path, err, out);
}

static int op_read_beir_qrels(rb_error *err, char **out)
{
    char path[600];

    snprintf(path, sizeof path, "%s/qrels/test.tsv", dataset_dir);
    return op_read_qrels(path, err, out);
}

static int op_read_run(rb_error *err, char **out)
{
    rb_run *run = rb_run_read_trec(run_path, err);
    rb_buf b = RB_BUF_INIT;
    size_t i, total = 0;

    if (!run)
        return -1;
    for (i = 0; i < run->nqueries; i++)
        total += run->queries[i].n;
    if (rb_buf_printf(&b, "%zu %zu %s", run->nqueries, total,
                      run->tag) < 0) {
        rb_run_free(run);
        return rb_error_oom(err);
    }
    rb_run_free(run);
    *out = b.data;
    return 0;
}

/* Read qrels and run, evaluate with every measure, print the means. */
static int op_evaluate(rb_error *err, char **out)
{
    rb_eval_options opt = RB_EVAL_OPTIONS_INIT;
    rb_measure_set set;
    rb_qrels *q = NULL;
    rb_run *run = NULL;
    rb_eval *ev = NULL;
    rb_buf b = RB_BUF_INIT;
    size_t m;
    int rc = -1;

    rb_measures_init(&set);
    if (rb_measures_add(&set, "all_trec", err) < 0)
        goto done;
    rb_measures_beir(&set);
    opt.complete = 1;
    opt.ignore_identical_ids = 1;
    q = rb_qrels_read(trec_qrels_path, err);
    run = q ? rb_run_read_trec(run_path, err) : NULL;
    ev = run ? rb_evaluate(q, run, &set, &opt, err) : NULL;
    if (!ev)
        goto done;
    for (m = 0; m < ev->nmeasures; m++)
        if (rb_buf_printf(&b, "%s=%.17g ", ev->names[m], ev->means[m]) < 0) {
            rb_error_oom(err);
            goto done;
        }
    *out = b.data;
    b.data = NULL;
    rc = 0;
done:
    rb_buf_release(&b);
    rb_eval_free(ev);
    rb_run_free(run);
    rb_qrels_free(q);
    return rc;
}

/* The path of `rankbench run` after searching: write the run, evaluate,
 * build the results document, write it, read it back. The dataset is
 * loaded beforehand (loading has its own test). */
static int op_results(rb_error *err, char **out)
{
    rb_eval_options opt = RB_EVAL_OPTIONS_INIT;
    rb_measure_set set;
    const rb_dataset *ds = loaded;
    rb_run *run = NULL;
    rb_eval *ev = NULL;
    json_t *res = NULL, *back = NULL, *timings, *config;
    char *results_path = in_tmp("results.json");
    char *run_out = in_tmp("out.trec");
    char *data = NULL;
    size_t len;
    int rc = -1;

    if (!results_path || !run_out) {
        rb_error_oom(err);
        goto done;
    }
    run = rb_run_read_trec(run_path, err);
    if (!run || rb_run_write_trec(run, run_out, err) < 0)
        goto done;
    rb_measures_init(&set);
    rb_measures_beir(&set);
    opt.ignore_identical_ids = 1;
    ev = rb_evaluate(ds->qrels, run, &set, &opt, err);
    if (!ev)
        goto done;
    config = json_pack("{s:i, s:s}", "k", 25, "split", "test");
    res = config ? rb_results_new(ds, config) : NULL;
    json_decref(config);
    if (!res) {
        rb_error_oom(err);
        goto done;
    }
    /* Fixed times, so that the summary is the same in every attempt. */
    if (json_object_set_new(res, "created", json_string("T")) < 0 ||
        json_object_set_new(res, "host", json_string("H")) < 0) {
        rb_error_oom(err);
        goto done;
    }
    timings = json_pack("{s:f, s:f}", "index_s", 0.5, "search_s", 0.25);
    if (!timings) {
        rb_error_oom(err);
        goto done;
    }
    if (rb_results_add_retriever(res, "alloc", json_object(), timings, ev,
                                 err) < 0 ||
        rb_results_write(res, results_path, err) < 0)
        goto done;
    back = rb_results_load(results_path, err);
    if (!back || rb_read_file(results_path, &data, &len, err) < 0)
        goto done;
    *out = data;
    data = NULL;
    rc = 0;
done:
    rb_free(data);
    json_decref(back);
    json_decref(res);
    rb_eval_free(ev);
    rb_run_free(run);
    rb_free(results_path);
    rb_free(run_out);
    return rc;
}

/* ---- the driver -------------------------------------------------------- */

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();

    return mi.uordblks + mi.hblkhd;
}

/* 1 when an attempt left memory behind. LeakSanitizer's check takes a
 * while, so sanitizer builds check once per operation (its report names
 * the allocation that leaked); other builds compare heap totals after each
 * attempt. */
static int leaked(size_t before)
{
#ifdef RB_HAVE_LSAN
    (void)before;
    return 0;
#else
    return heap_in_use() != before;
#endif
}

static int leaked_any(void)
{
#ifdef RB_HAVE_LSAN
    return __lsan_do_recoverable_leak_check() != 0;
#else
    return 0;
#endif
}

static int no_temporary_files(void)
{
    DIR *dir = opendir(tmp_root);
    struct dirent *e;
    int clean = 1;

    if (!dir)
        return 0;
    while ((e = readdir(dir)) != NULL)
        if (strstr(e->d_name, ".tmp."))
            clean = 0;
    closedir(dir);
    return clean;
}

/*
 * Run op once unhindered to learn how many allocations it makes and what
 * it produces, then once for each n with the n-th allocation failing.
 */
static void fail_each_allocation(const char *name, operation op)
{
    rb_error err = {0};
    char *want = NULL, *got;
    long total, n, failures = 0, survived = 0;
    int ok;

    /* Twice unhindered: the first call may set up lasting library state
     * (time zone, OpenSSL) that is not a leak. */
    for (n = 0; n < 2; n++) {
        rb_free(want);
        want = NULL;
        rb_mem_fail_after(0);
        ok = op(&err, &want) == 0;
        if (!ok) {
            fprintf(stderr, "  %s: fails unhindered: %s\n", name, err.msg);
            CHECK(ok);
            return;
        }
    }
    total = rb_mem_count();
    CHECK(total > 0);
    for (n = 1; n <= total; n++) {
        size_t before = heap_in_use();
        int rc;

        rb_error_clear(&err);
        got = NULL;
        rb_mem_fail_after(n);
        rc = op(&err, &got);
        rb_mem_fail_after(0);
        if (rc == 0) {
            /* A failure the code worked around must not change output. */
            survived++;
            if (strcmp(got, want) != 0) {
                fprintf(stderr, "  %s: allocation %ld failed, output "
                        "differs:\n    %.200s\n    %.200s\n", name, n, got,
                        want);
                CHECK(strcmp(got, want) == 0);
            }
            rb_free(got);
        } else {
            failures++;
            if (!strstr(err.msg, "out of memory")) {
                fprintf(stderr, "  %s: allocation %ld failed: wrong error "
                        "\"%s\"\n", name, n, err.msg);
                CHECK(strstr(err.msg, "out of memory") != NULL);
            }
            CHECK(got == NULL);
        }
        if (leaked(before)) {
            fprintf(stderr, "  %s: allocation %ld failed: memory leaked\n",
                    name, n);
            CHECK(0);
        }
        if (!no_temporary_files()) {
            fprintf(stderr, "  %s: allocation %ld failed: temporary file "
                    "left\n", name, n);
            CHECK(0);
        }
    }
    if (leaked_any()) {
        fprintf(stderr, "  %s: memory leaked (see the report above)\n",
                name);
        CHECK(0);
    }
    printf("%-16s %5ld allocations: %ld failed cleanly, %ld survived\n",
           name, total, failures, survived);
    rb_free(want);
}

static void test_load_plain(void)
{
    fail_each_allocation("load", op_load_plain);
}

static void test_load_gzip(void)
{
    fail_each_allocation("load .gz", op_load_gz);
}

static void test_read_trec_qrels(void)
{
    fail_each_allocation("TREC qrels", op_read_trec_qrels);
}

static void test_read_beir_qrels(void)
{
    fail_each_allocation("BEIR qrels", op_read_beir_qrels);
}

static void test_read_run(void)
{
    fail_each_allocation("TREC run", op_read_run);
}

static void test_evaluate(void)
{
    fail_each_allocation("evaluate", op_evaluate);
}

static void test_results(void)
{
    rb_error err = {0};

    loaded = rb_dataset_load(dataset_dir, NULL, &err);
    CHECK(loaded != NULL);
    if (loaded)
        fail_each_allocation("results", op_results);
    rb_dataset_free(loaded);
    loaded = NULL;
}

int main(int argc, char **argv)
{
    char cmd[600];

    (void)argc;
    (void)argv;
#ifndef RB_HAVE_LSAN
    /* glibc's heap statistics count chunks parked in the per-thread cache
     * as in use; run again without that cache so that they add up. */
    if (!getenv("RB_ALLOC_TEST_NO_TCACHE")) {
        setenv("RB_ALLOC_TEST_NO_TCACHE", "1", 1);
        setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
        execv("/proc/self/exe", argv);
        perror("execv");
        return 1;
    }
#endif
    snprintf(tmp_root, sizeof tmp_root, "%s/rb_allocfail_XXXXXX",
             rb_path_exists("/dev/shm") ? "/dev/shm" : "/tmp");
    if (!mkdtemp(tmp_root))
        return 1;
    rb_log_set_level(RB_LOG_ERROR);
    /* jansson allocates through rb_malloc, so its allocations fail too. */
    json_set_alloc_funcs(rb_malloc, rb_free);
    make_fixtures();
    RUN_TEST(test_load_plain);
    RUN_TEST(test_load_gzip);
    RUN_TEST(test_read_trec_qrels);
    RUN_TEST(test_read_beir_qrels);
    RUN_TEST(test_read_run);
    RUN_TEST(test_evaluate);
    RUN_TEST(test_results);
    rb_free(dataset_dir);
    rb_free(gz_dataset_dir);
    rb_free(trec_qrels_path);
    rb_free(run_path);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_root);
    if (system(cmd) != 0)
        return 1;
    return check_report();
}
