#ifndef RB_PLOT_FIXTURE_H
#define RB_PLOT_FIXTURE_H

/*
 * Results objects and scratch folders for the chart and report tests.
 * The results follow docs/results-schema.md with made-up numbers that
 * are the same on every run: retriever i has nDCG@10 0.70 - 0.05 i.
 */

#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture_spec {
    size_t retrievers;
    size_t name_length;     /* 0: short names bm25, ilike, ... */
    size_t queries;
    const long *cutoffs;    /* recall_K measures */
    size_t ncutoffs;
    int per_query;
    int timings;
} fixture_spec;

static const long fixture_beir_cutoffs[] = {1, 3, 5, 10, 100, 1000};

static fixture_spec fixture_default(void)
{
    fixture_spec s = {4, 0, 20, fixture_beir_cutoffs, 6, 1, 1};

    return s;
}

static void fixture_name(const fixture_spec *s, size_t i, char *out,
                         size_t size)
{
    static const char *const names[] = {"bm25", "bm25-robertson", "hybrid",
                                        "ilike"};
    size_t k;

    if (s->name_length == 0) {
        if (i < 4)
            snprintf(out, size, "%s", names[i]);
        else
            snprintf(out, size, "retriever-%zu", i);
        return;
    }
    snprintf(out, size, "r%02zu-", i);
    for (k = strlen(out); k < s->name_length && k + 1 < size; k++)
        out[k] = i == 3 ? 'W' : (char)('a' + k % 26);
    out[k] = '\0';
    if (i == 3)
        memset(out, 'W', k);
}

/* The per-query nDCG@10 of retriever i on query q. */
static double fixture_query_value(size_t i, size_t q)
{
    unsigned long h = (unsigned long)(i * 7919 + q * 104729 + 17);

    h = (h * 2654435761UL) % 1000;
    return (double)h / 1000.0;
}

static json_t *fixture_retriever(const fixture_spec *s, size_t i)
{
    char name[128];
    json_t *metrics, *entry, *pq;
    double ndcg = 0.70 - 0.05 * (double)i;
    size_t q, k;

    fixture_name(s, i, name, sizeof name);
    metrics = json_pack("{s:i, s:f, s:f, s:f, s:f}", "num_q",
                        (int)s->queries, "ndcg_cut_10", ndcg, "P_10",
                        ndcg / 7.0, "map", ndcg * 0.8, "recip_rank",
                        ndcg * 1.1 > 1 ? 1.0 : ndcg * 1.1);
    for (k = 0; k < s->ncutoffs; k++) {
        char key[32];
        double r = ndcg * (0.3 + 0.1 * (double)k);

        snprintf(key, sizeof key, "recall_%ld", s->cutoffs[k]);
        json_object_set_new(metrics, key, json_real(r > 1 ? 1 : r));
    }
    entry = json_pack("{s:s, s:{s:f, s:f}, s:o}", "name", name, "config",
                      "k1", 0.9, "b", 0.4, "metrics", metrics);
    if (s->timings)
        json_object_set_new(entry, "timings", json_pack(
            "{s:f, s:f, s:f, s:f, s:i}", "index_s", 0.01 * (double)(i + 1),
            "search_s", 0.002 * (double)(i + 1), "queries_per_s",
            (double)s->queries / (0.002 * (double)(i + 1)), "docs_per_s",
            324.0 / (0.01 * (double)(i + 1)), "threads", 2));
    if (s->per_query) {
        pq = json_object();
        for (q = 0; q < s->queries; q++) {
            char qid[32];

            snprintf(qid, sizeof qid, "q%zu", q + 1);
            json_object_set_new(pq, qid, json_pack(
                "{s:f}", "ndcg_cut_10", fixture_query_value(i, q)));
        }
        json_object_set_new(entry, "per_query", pq);
    }
    return entry;
}

static json_t *fixture_results(const fixture_spec *s)
{
    json_t *list = json_array();
    size_t i;

    for (i = 0; i < s->retrievers; i++)
        json_array_append_new(list, fixture_retriever(s, i));
    return json_pack(
        "{s:s, s:i, s:{s:s, s:s, s:s}, s:s, s:s, "
        "s:{s:s, s:s, s:s, s:s, s:i, s:i, s:i}, s:{s:i}, s:o, s:[]}",
        "schema", "rankbench.results", "schema_version", 1,
        "tool", "name", "rankbench", "version", "0.1.0", "commit",
        "0123456789ab", "created", "2026-01-01T00:00:00Z", "host",
        "test-host", "dataset", "name", "sample", "path", "datasets/sample",
        "split", "test", "fingerprint",
        "5b0c4d3e2f1a5b0c4d3e2f1a5b0c4d3e2f1a5b0c4d3e2f1a5b0c4d3e2f1a5b0c",
        "documents", 324, "queries", 48, "evaluated_queries",
        (int)s->queries, "config", "k", 1000, "retrievers", list,
        "comparisons");
}

/* The entry of retriever i (borrowed). */
static json_t *fixture_entry(json_t *results, size_t i)
{
    return json_array_get(json_object_get(results, "retrievers"), i);
}

/* ---- scratch folders ---- */

static char fixture_tmp[256];

static int fixture_rm(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void fixture_tmp_remove(void)
{
    if (fixture_tmp[0])
        nftw(fixture_tmp, fixture_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new empty folder under the scratch folder (removed at exit). */
static const char *fixture_dir(const char *name)
{
    static char path[512];

    if (!fixture_tmp[0]) {
        snprintf(fixture_tmp, sizeof fixture_tmp, "/tmp/rb-plot-test.XXXXXX");
        if (!mkdtemp(fixture_tmp)) {
            perror("mkdtemp");
            exit(1);
        }
        atexit(fixture_tmp_remove);
    }
    snprintf(path, sizeof path, "%s/%s", fixture_tmp, name);
    nftw(path, fixture_rm, 16, FTW_DEPTH | FTW_PHYS);
    mkdir(path, 0755);
    return path;
}

/* Contents of dir/name (free()), or NULL. */
static char *fixture_read(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    char *data;
    long n;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc((size_t)n + 1);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    if (data)
        data[n] = '\0';
    fclose(f);
    if (len)
        *len = data ? (size_t)n : 0;
    return data;
}

static int fixture_exists(const char *dir, const char *name)
{
    char path[1024];

    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

#endif
