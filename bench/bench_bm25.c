/*
 * BM25 search throughput: single-thread top-k search of every evaluated
 * query, query analysis included, on real collections (by default the
 * shared Cranfield, CISI and CACM). Each repetition runs the query set as
 * many times as fit in --min-time seconds; the figure is queries per
 * second of wall time (and, less sensitive to other processes on a shared
 * machine, of the thread's CPU time), reported as median and spread over
 * the repetitions, with the exhaustive scorer's rate for comparison and
 * the nDCG@10 of the run. Searchers remember query words' stems by
 * default (as bm25s's stemmer does); the rate with every word stemmed
 * afresh is reported too.
 *
 *   bench_bm25 [--reps N] [--min-time S] [-k K] [--out FILE] [DIR...]
 *
 * Prints one JSON object (also written to FILE with --out).
 */

#include <getopt.h>
#include <math.h>

#include "base/fileio.h"
#include "base/pool.h"
#include "base/timer.h"
#include "bench_common.h"
#include "data/dataset.h"
#include "metrics/measures.h"
#include "retrieve/bm25.h"

typedef struct bench_options {
    int reps;
    double min_time;
    size_t k;
    const char *out;
} bench_options;

typedef int (*search_fn)(rb_bm25_searcher *, const char *, size_t, size_t,
                         const rb_bm25_hit **, size_t *, size_t *,
                         rb_error *);

/* One repetition: whole passes over the queries until min_time has gone
 * by. Stores queries per second of wall time and of thread CPU time. */
static void one_rep(const rb_dataset *ds, rb_bm25_searcher *s, search_fn fn,
                    size_t k, double min_time, double *wall_rate,
                    double *cpu_rate)
{
    size_t done = 0, e;
    double t0 = rb_now(), c0 = bench_thread_cpu(), t;

    do {
        for (e = 0; e < ds->neval; e++) {
            const char *q = ds->query_texts[ds->eval_queries[e]];
            const rb_bm25_hit *h;
            size_t n;
            rb_error err = {0};

            if (fn(s, q, strlen(q), k, &h, &n, NULL, &err) < 0) {
                fprintf(stderr, "bench_bm25: %s\n", err.msg);
                exit(1);
            }
        }
        done += ds->neval;
        t = rb_now() - t0;
    } while (t < min_time);
    *wall_rate = (double)done / t;
    *cpu_rate = (double)done / (bench_thread_cpu() - c0);
}

/* {"wall": summary, "cpu": summary} of queries per second. */
static json_t *measure_rate(const rb_dataset *ds, rb_bm25_searcher *s,
                            search_fn fn, size_t k, int reps,
                            double min_time)
{
    double *wall = rb_malloc((size_t)reps * sizeof *wall);
    double *cpu = rb_malloc((size_t)reps * sizeof *cpu);
    double w, c;
    json_t *out;
    int r;

    one_rep(ds, s, fn, k, min_time / 4, &w, &c);  /* warm-up */
    for (r = 0; r < reps; r++)
        one_rep(ds, s, fn, k, min_time, &wall[r], &cpu[r]);
    out = json_pack("{s:o, s:o}", "wall", bench_summary(wall, (size_t)reps),
                    "cpu", bench_summary(cpu, (size_t)reps));
    rb_free(wall);
    rb_free(cpu);
    return out;
}

/* nDCG@10 and recall@100 of a top-1000 run, every judged query, nothing
 * dropped. */
static json_t *quality(const rb_dataset *ds, rb_bm25_searcher *s)
{
    rb_run *run = rb_run_new_borrowed("bm25", ds->doc_ids);
    rb_eval_options opt = RB_EVAL_OPTIONS_INIT;
    rb_measure_set set;
    rb_error err = {0};
    rb_eval *ev;
    json_t *out;
    size_t e, i;

    for (e = 0; e < ds->neval; e++) {
        uint32_t qi = ds->eval_queries[e];
        const char *qid = rb_intern_str(ds->query_ids, qi);
        const char *q = ds->query_texts[qi];
        long ri = rb_run_query_index(run, qid, strlen(qid));
        const rb_bm25_hit *h;
        size_t n = 0;

        rb_bm25_search(s, q, strlen(q), 1000, &h, &n, NULL, &err);
        for (i = 0; i < n; i++)
            rb_run_push(run, (size_t)ri, h[i].doc, h[i].score);
    }
    rb_measures_init(&set);
    rb_measures_add(&set, "ndcg_cut.10", &err);
    rb_measures_add(&set, "recall.100", &err);
    ev = rb_evaluate(ds->qrels, run, &set, &opt, &err);
    if (!ev) {
        fprintf(stderr, "bench_bm25: %s\n", err.msg);
        exit(1);
    }
    out = json_pack("{s:f, s:f}", "ndcg_cut_10",
                    ev->means[rb_eval_measure_index(ev, "ndcg_cut_10")],
                    "recall_100",
                    ev->means[rb_eval_measure_index(ev, "recall_100")]);
    rb_eval_free(ev);
    rb_run_free(run);
    return out;
}

static json_t *bench_dataset(const char *dir, const bench_options *bo)
{
    rb_load_options lo = {NULL, 0, 0};
    rb_error err = {0};
    rb_dataset *ds = rb_dataset_load(dir, &lo, &err);
    rb_analyzer_config cfg;
    rb_analyzer *a;
    rb_bm25_params p;
    rb_bm25_build_options opt;
    rb_bm25_source src;
    rb_bm25_index *ix;
    rb_bm25_searcher *s;
    rb_bm25_stats st;
    json_t *out;
    double t0, build_s;

    if (!ds) {
        fprintf(stderr, "bench_bm25: %s\n", err.msg);
        exit(1);
    }
    rb_analyzer_config_default(&cfg);
    a = rb_analyzer_new(&cfg, &err);
    rb_bm25_params_default(&p);
    rb_bm25_source_dataset(&src, ds);
    opt.threads = rb_threads_resolve(0);
    opt.progress = 0;
    opt.collection_fingerprint = ds->fingerprint;
    t0 = rb_now();
    ix = rb_bm25_build(&src, a, &p, &opt, &err);
    build_s = rb_now() - t0;
    if (!ix) {
        fprintf(stderr, "bench_bm25: %s\n", err.msg);
        exit(1);
    }
    rb_bm25_get_stats(ix, &st);
    s = rb_bm25_searcher_new(ix, a, &err);
    fprintf(stderr, "bench_bm25: %s: %zu documents, %zu queries\n",
            ds->name, ds->ndocs, ds->neval);
    out = json_pack("{s:s, s:I, s:I, s:f, s:I, s:I, s:I, s:o, s:o, s:o}",
                    "dataset", ds->name, "documents", (json_int_t)ds->ndocs,
                    "queries", (json_int_t)ds->neval, "build_s", build_s,
                    "index_bytes", (json_int_t)st.bytes,
                    "terms", (json_int_t)st.nterms,
                    "postings", (json_int_t)st.npostings,
                    "quality", quality(ds, s),
                    "queries_per_s",
                    measure_rate(ds, s, rb_bm25_search, bo->k, bo->reps,
                                 bo->min_time),
                    "exhaustive_queries_per_s",
                    measure_rate(ds, s, rb_bm25_search_exhaustive, bo->k,
                                 bo->reps > 3 ? 3 : bo->reps,
                                 bo->min_time));
    /* the same without the stem cache: every query word stemmed again */
    rb_bm25_searcher_cache_stems(s, 0);
    json_object_set_new(out, "uncached_stems_queries_per_s",
                        measure_rate(ds, s, rb_bm25_search, bo->k,
                                     bo->reps, bo->min_time));
    rb_bm25_searcher_free(s);
    rb_bm25_free(ix);
    rb_analyzer_free(a);
    rb_dataset_free(ds);
    return out;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_bm25 [--reps N] [--min-time S] [-k K] "
            "[--out FILE] [DATASET_DIR...]\n"
            "default datasets: cranfield, cisi and cacm under "
            "$RB_SHARED_DIR/datasets (../shared by default)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"reps", required_argument, NULL, 'r'},
        {"min-time", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    bench_options bo = {10, 0.3, 100, NULL};
    const char *shared = getenv("RB_SHARED_DIR");
    json_t *result, *list = json_array();
    char *text;
    int c, i;

    while ((c = getopt_long(argc, argv, "k:", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': bo.reps = atoi(optarg); break;
        case 't': bo.min_time = atof(optarg); break;
        case 'k': bo.k = (size_t)atol(optarg); break;
        case 'o': bo.out = optarg; break;
        default: usage();
        }
    }
    if (bo.reps < 1 || bo.min_time <= 0 || bo.k < 1)
        usage();
    if (optind < argc) {
        for (i = optind; i < argc; i++)
            json_array_append_new(list, bench_dataset(argv[i], &bo));
    } else {
        static const char *const names[] = {"cranfield", "cisi", "cacm"};
        char path[1024];

        for (i = 0; i < 3; i++) {
            snprintf(path, sizeof path, "%s/datasets/%s",
                     shared ? shared : "../shared", names[i]);
            if (!rb_path_exists(path)) {
                fprintf(stderr, "bench_bm25: %s not found\n", path);
                return 1;
            }
            json_array_append_new(list, bench_dataset(path, &bo));
        }
    }
    result = json_pack("{s:s, s:o, s:{s:s, s:f, s:f, s:i, s:I, s:i, s:s},"
                       " s:o}",
                       "benchmark", "bm25-search", "context",
                       bench_context(), "config", "variant", "lucene",
                       "k1", 0.9, "b", 0.4, "threads", 1,
                       "k", (json_int_t)bo.k, "reps", bo.reps,
                       "analyzer", "english stop words, english Snowball",
                       "results", list);
    text = json_dumps(result, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    puts(text);
    if (bo.out) {
        rb_error err = {0};

        if (rb_write_file_atomic(bo.out, text, strlen(text), &err) < 0) {
            fprintf(stderr, "bench_bm25: %s\n", err.msg);
            return 1;
        }
    }
    free(text);
    json_decref(result);
    return 0;
}
