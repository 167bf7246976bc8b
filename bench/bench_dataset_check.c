/*
 * Throughput of the dataset checker and the statistics on a generated
 * BEIR folder, next to the strict loader reading the same files.
 *
 *   bench_dataset_check [DOCS [REPEATS]]     (defaults 200000 and 5)
 *
 * Prints JSON: the commit, the machine, the folder's size, and for each
 * step the median, minimum and maximum seconds over the repeats (after
 * one warm-up run), the same for CPU seconds (steadier on a busy
 * machine) with MB per CPU second at the median, and the peak resident
 * size of a process running the step once.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/timer.h"
#include "data/dataset.h"
#include "data/dataset_check.h"
#include "data/dataset_stats.h"
#include "data/fetch.h"
#include "rb_version.h"

static const char *const words[] = {
    "retrieval", "ranking", "query", "document", "index", "term",
    "vector", "dense", "sparse", "score", "relevance", "judgment",
    "corpus", "token", "analysis", "neural", "lexical", "baseline",
    "evaluation", "metric", "precision", "recall", "fusion", "encoder",
};
#define NWORDS (sizeof words / sizeof words[0])

static unsigned long next_random(unsigned long *s)
{
    *s = *s * 6364136223846793005ul + 1442695040888963407ul;
    return *s >> 33;
}

/* Write a folder of n documents of 20 to 200 words, n / 100 queries with
 * 20 judgments each. Returns the bytes written. */
static long generate(const char *dir, long n)
{
    char path[600];
    unsigned long seed = 42;
    long i, j, bytes = 0;
    FILE *f;

    snprintf(path, sizeof path, "%s/qrels", dir);
    rb_mkdirs(path, NULL);
    snprintf(path, sizeof path, "%s/corpus.jsonl", dir);
    f = fopen(path, "w");
    for (i = 0; i < n; i++) {
        long len = 20 + (long)(next_random(&seed) % 181);

        fprintf(f, "{\"_id\": \"doc%ld\", \"title\": \"Title %ld\", "
                "\"text\": \"", i, i);
        for (j = 0; j < len; j++)
            fprintf(f, "%s%s", j ? " " : "",
                    words[next_random(&seed) % NWORDS]);
        fputs("\"}\n", f);
    }
    bytes += ftell(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/queries.jsonl", dir);
    f = fopen(path, "w");
    for (i = 0; i < n / 100; i++)
        fprintf(f, "{\"_id\": \"q%ld\", \"text\": \"%s %s\"}\n", i,
                words[next_random(&seed) % NWORDS],
                words[next_random(&seed) % NWORDS]);
    bytes += ftell(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/qrels/test.tsv", dir);
    f = fopen(path, "w");
    fputs("query-id\tcorpus-id\tscore\n", f);
    for (i = 0; i < n / 100; i++)
        for (j = 0; j < 20; j++)
            fprintf(f, "q%ld\tdoc%ld\t%lu\n", i, (i * 20 + j) % n,
                    next_random(&seed) % 3);
    bytes += ftell(f);
    fclose(f);
    return bytes;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

enum step { STEP_CHECK, STEP_STATS, STEP_LOAD };

static int run_step(enum step s, const char *dir)
{
    rb_error err = {{0}, 0};

    if (s == STEP_CHECK) {
        rb_check_report *r = rb_dataset_check(dir, NULL, &err);

        rb_check_report_free(r);
        return r ? 0 : -1;
    }
    if (s == STEP_STATS) {
        rb_dataset_stats *st = rb_dataset_stats_compute(dir, NULL, NULL,
                                                        &err);

        rb_dataset_stats_free(st);
        return st ? 0 : -1;
    }
    {
        rb_dataset *ds = rb_dataset_load(dir, NULL, &err);

        rb_dataset_free(ds);
        return ds ? 0 : -1;
    }
}

/* Peak resident MB of a child process running the step once. */
static double peak_rss_mb(enum step s, const char *dir)
{
    struct rusage ru;
    int status;
    pid_t pid = fork();

    if (pid == 0)
        _exit(run_step(s, dir) < 0 ? 1 : 0);
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
        return -1;
    return (double)ru.ru_maxrss / 1024;
}

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void time_step(enum step s, const char *name, const char *dir,
                      int reps, long bytes, int last)
{
    double *t = calloc((size_t)reps, sizeof *t), med, rss, cpu_med;
    double *cpu = calloc((size_t)reps, sizeof *cpu);
    int i;

    rss = peak_rss_mb(s, dir);   /* also the warm-up: page cache */
    for (i = 0; i < reps; i++) {
        double t0 = rb_now(), c0 = cpu_now();

        if (run_step(s, dir) < 0) {
            fprintf(stderr, "bench: %s failed\n", name);
            exit(1);
        }
        t[i] = rb_now() - t0;
        cpu[i] = cpu_now() - c0;
    }
    med = median(t, reps);
    cpu_med = median(cpu, reps);
    printf("    \"%s\": {\"median_s\": %.4f, \"min_s\": %.4f, "
           "\"max_s\": %.4f, \"cpu_median_s\": %.4f, \"cpu_min_s\": "
           "%.4f, \"cpu_max_s\": %.4f, \"mb_per_cpu_s\": %.1f, "
           "\"peak_rss_mb\": %.1f}%s\n", name, med, t[0], t[reps - 1],
           cpu_med, cpu[0], cpu[reps - 1], (double)bytes / 1e6 / cpu_med,
           rss, last ? "" : ",");
    free(t);
    free(cpu);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    char dir[] = "/tmp/rb-bench-check-XXXXXX", host[256] = "";
    rb_error err = {{0}, 0};
    long bytes;

    if (n < 100 || reps < 1 || !mkdtemp(dir)) {
        fprintf(stderr, "usage: bench_dataset_check [DOCS>=100 "
                "[REPEATS>=1]]\n");
        return 2;
    }
    gethostname(host, sizeof host - 1);
    bytes = generate(dir, n);
    printf("{\n  \"benchmark\": \"dataset_check\",\n  \"commit\": \"%s\",\n"
           "  \"host\": \"%s\",\n  \"cpus\": %ld,\n  \"documents\": %ld,\n"
           "  \"bytes\": %ld,\n  \"repeats\": %d,\n"
           "  \"steps\": {\n", RB_GIT_COMMIT, host,
           sysconf(_SC_NPROCESSORS_ONLN), n, bytes, reps);
    time_step(STEP_CHECK, "check", dir, reps, bytes, 0);
    time_step(STEP_STATS, "stats", dir, reps, bytes, 0);
    time_step(STEP_LOAD, "loader", dir, reps, bytes, 1);
    printf("  }\n}\n");
    rb_remove_tree(dir, &err);
    return 0;
}
