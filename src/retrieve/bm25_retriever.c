/*
 * The "bm25" retriever: the native engine behind the retriever interface.
 * Parameters: variant, k1, b, delta, analyzer, cache. The index is cached
 * in ctx->cache_dir under its key (collection fingerprint, analyzer,
 * parameters), so a second run with the same inputs skips indexing.
 */

#include <math.h>
#include <string.h>

#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/pool.h"
#include "base/progress.h"
#include "retrieve/bm25.h"
#include "retrieve/params.h"
#include "retrieve/retriever.h"

typedef struct bm25_state {
    rb_bm25_params params;
    rb_analyzer_config acfg;
    rb_analyzer *analyzer;
    int cache;
    rb_bm25_index *index;
} bm25_state;

static const char *const bm25_params[] = {
    "variant", "k1", "b", "delta", "analyzer", "cache", NULL
};

static int parse_params(bm25_state *st, const json_t *params, rb_error *err)
{
    const rb_params p = {params, "bm25:", 0};
    const char *variant = NULL;

    rb_bm25_params_default(&st->params);
    rb_analyzer_config_default(&st->acfg);
    st->cache = 1;
    if (!params)
        return 0;
    if (rb_params_string(&p, "variant", &variant, err) < 0)
        return -1;
    if (variant && rb_bm25_variant_parse(variant, &st->params.variant,
                                         err) < 0) {
        rb_error_prefix(err, "bm25");
        return -1;
    }
    st->params.delta = rb_bm25_default_delta(st->params.variant);
    if (rb_params_number(&p, "k1", -HUGE_VAL, HUGE_VAL, &st->params.k1,
                         err) < 0 ||
        rb_params_number(&p, "b", -HUGE_VAL, HUGE_VAL, &st->params.b,
                         err) < 0 ||
        rb_params_number(&p, "delta", -HUGE_VAL, HUGE_VAL,
                         &st->params.delta, err) < 0)
        return -1;
    if (json_object_get(params, "delta") &&
        rb_bm25_default_delta(st->params.variant) == 0)
        return rb_error_set(err, "bm25: \"delta\" applies only to the "
                            "bm25l and bm25+ variants, not \"%s\"",
                            rb_bm25_variant_name(st->params.variant));
    if (rb_params_bool(&p, "cache", &st->cache, err) < 0)
        return -1;
    if (rb_analyzer_config_from_json(json_object_get(params, "analyzer"),
                                     &st->acfg, err) < 0) {
        rb_error_prefix(err, "bm25");
        return -1;
    }
    if (rb_bm25_params_check(&st->params, err) < 0) {
        rb_error_prefix(err, "bm25");
        return -1;
    }
    return 0;
}

static void bm25_destroy(void *state)
{
    bm25_state *st = state;

    if (!st)
        return;
    rb_bm25_free(st->index);
    rb_analyzer_free(st->analyzer);
    rb_free(st);
}

static int bm25_create(const json_t *params, const rb_context *ctx,
                       void **state, rb_error *err)
{
    bm25_state *st = rb_calloc(1, sizeof *st);

    (void)ctx;
    if (!st)
        return rb_error_oom(err);
    if (parse_params(st, params, err) < 0) {
        bm25_destroy(st);
        return -1;
    }
    st->analyzer = rb_analyzer_new(&st->acfg, err);
    if (!st->analyzer) {
        bm25_destroy(st);
        return -1;
    }
    *state = st;
    return 0;
}

/* cache_dir/bm25-KEY.idx in a new string, or NULL without a cache. */
static char *cache_path(const bm25_state *st, const rb_context *ctx,
                        const char *key)
{
    char name[96];

    if (!st->cache || !ctx->cache_dir || !ctx->cache_dir[0])
        return NULL;
    snprintf(name, sizeof name, "bm25-%s.idx", key);
    return rb_path_join(ctx->cache_dir, name);
}

static int bm25_index(void *state, const rb_dataset *ds,
                      const rb_context *ctx, rb_error *err)
{
    bm25_state *st = state;
    rb_bm25_build_options opt;
    rb_bm25_source src;
    char key[65], *path;
    int absent = 0;

    rb_bm25_free(st->index);
    st->index = NULL;
    if (rb_bm25_key(ds->fingerprint, st->analyzer, &st->params, key) < 0)
        return rb_error_oom(err);
    path = cache_path(st, ctx, key);
    if (path) {
        rb_error lerr = {0};

        st->index = rb_bm25_load(path, key, ds->ndocs, &absent, &lerr);
        if (st->index) {
            rb_info("bm25: index loaded from %s", path);
            rb_free(path);
            return 0;
        }
        if (!absent)
            rb_warn("%s; rebuilding it", lerr.msg);
    }
    rb_bm25_source_dataset(&src, ds);
    opt.threads = ctx->threads > 0 ? ctx->threads : 1;
    opt.progress = !ctx->quiet;
    opt.collection_fingerprint = ds->fingerprint;
    st->index = rb_bm25_build(&src, st->analyzer, &st->params, &opt, err);
    if (!st->index) {
        rb_free(path);
        return -1;
    }
    if (path) {
        rb_error serr = {0};

        /* A cache that cannot be written costs time, not correctness. */
        if (rb_mkdirs(ctx->cache_dir, &serr) < 0 ||
            rb_bm25_save(st->index, path, &serr) < 0)
            rb_warn("bm25: index not cached: %s", serr.msg);
    }
    rb_free(path);
    return 0;
}

/* Searching the evaluated queries on several threads. */
typedef struct search_job {
    const bm25_state *st;
    const rb_dataset *ds;
    size_t k;
    rb_bm25_searcher **searchers;
    rb_error *errors;           /* one per thread */
    rb_bm25_hit **hits;         /* per evaluated query */
    size_t *nhits;
    size_t *malformed;
    rb_progress progress;
    int show_progress;
} search_job;

static int search_range(void *arg, size_t begin, size_t end, int thread)
{
    search_job *job = arg;
    size_t e;

    for (e = begin; e < end; e++) {
        uint32_t qi = job->ds->eval_queries[e];
        const char *text = job->ds->query_texts[qi];
        const rb_bm25_hit *hits;
        size_t n;

        if (rb_bm25_search(job->searchers[thread], text, strlen(text),
                           job->k, &hits, &n, &job->malformed[e],
                           &job->errors[thread]) < 0) {
            rb_error_prefix(&job->errors[thread], "query \"%s\"",
                            rb_intern_str(job->ds->query_ids, qi));
            return -1;
        }
        job->hits[e] = rb_malloc((n + 1) * sizeof **job->hits);
        if (!job->hits[e])
            return rb_error_oom(&job->errors[thread]);
        memcpy(job->hits[e], hits, n * sizeof *hits);
        job->nhits[e] = n;
    }
    if (thread == 0 && job->show_progress)
        rb_progress_update(&job->progress, end);
    return 0;
}

static void job_release(search_job *job, int nthreads)
{
    size_t e;
    int t;

    for (t = 0; job->searchers && t < nthreads; t++)
        rb_bm25_searcher_free(job->searchers[t]);
    for (e = 0; job->hits && e < job->ds->neval; e++)
        rb_free(job->hits[e]);
    rb_free(job->searchers);
    rb_free(job->errors);
    rb_free(job->hits);
    rb_free(job->nhits);
    rb_free(job->malformed);
}

/* Move the results into the run, queries in evaluation order. */
static int fill_run(search_job *job, rb_run *run, rb_error *err)
{
    size_t e, i, malformed = 0;

    for (e = 0; e < job->ds->neval; e++) {
        uint32_t qi = job->ds->eval_queries[e];
        const char *qid = rb_intern_str(job->ds->query_ids, qi);
        long ri = rb_run_query_index(run, qid, strlen(qid));

        if (ri < 0)
            return rb_error_oom(err);
        for (i = 0; i < job->nhits[e]; i++)
            if (rb_run_push(run, (size_t)ri, job->hits[e][i].doc,
                            job->hits[e][i].score) < 0)
                return rb_error_oom(err);
        malformed += job->malformed[e];
    }
    if (malformed)
        rb_warn("bm25: %zu malformed UTF-8 sequences in queries were "
                "replaced", malformed);
    return 0;
}

static int bm25_search(void *state, const rb_dataset *ds,
                       const rb_context *ctx, size_t k, rb_run *run,
                       rb_error *err)
{
    bm25_state *st = state;
    search_job job;
    int nthreads = ctx->threads > 0 ? ctx->threads : 1, t, rc = -1;

    if (!st->index)
        return rb_error_set(err, "bm25: search before index");
    memset(&job, 0, sizeof job);
    job.st = st;
    job.ds = ds;
    job.k = k;
    job.searchers = rb_calloc((size_t)nthreads, sizeof *job.searchers);
    job.errors = rb_calloc((size_t)nthreads, sizeof *job.errors);
    job.hits = rb_calloc(ds->neval + 1, sizeof *job.hits);
    job.nhits = rb_calloc(ds->neval + 1, sizeof *job.nhits);
    job.malformed = rb_calloc(ds->neval + 1, sizeof *job.malformed);
    if (!job.searchers || !job.errors || !job.hits || !job.nhits ||
        !job.malformed) {
        rb_error_oom(err);
        goto done;
    }
    for (t = 0; t < nthreads; t++) {
        job.searchers[t] = rb_bm25_searcher_new(st->index, st->analyzer,
                                                err);
        if (!job.searchers[t])
            goto done;
    }
    job.show_progress = !ctx->quiet;
    if (job.show_progress)
        rb_progress_start(&job.progress, "searching", ds->neval);
    rc = rb_parallel_for(ds->neval, 16, nthreads, search_range, &job);
    if (job.show_progress)
        rb_progress_finish(&job.progress);
    if (rc < 0) {
        for (t = 0; t < nthreads; t++)
            if (job.errors[t].set) {
                rb_error_set(err, "bm25: %s", job.errors[t].msg);
                break;
            }
        goto done;
    }
    rc = fill_run(&job, run, err);

done:
    job_release(&job, nthreads);
    return rc;
}

static json_t *bm25_describe(void *state)
{
    bm25_state *st = state;
    json_t *obj = json_object();

    if (!obj)
        return NULL;
    json_object_set_new(obj, "variant",
                        json_string(rb_bm25_variant_name(st->params.variant)));
    json_object_set_new(obj, "k1", json_real(st->params.k1));
    json_object_set_new(obj, "b", json_real(st->params.b));
    if (rb_bm25_default_delta(st->params.variant) > 0)
        json_object_set_new(obj, "delta", json_real(st->params.delta));
    json_object_set_new(obj, "analyzer", rb_analyzer_describe(st->analyzer));
    json_object_set_new(obj, "pruning", json_string("maxscore"));
    json_object_set_new(obj, "cache", json_boolean(st->cache));
    return obj;
}

const rb_retriever_ops rb_bm25_retriever = {
    "bm25",
    "native BM25 (lucene, robertson, atire, bm25l, bm25+), exact top-k "
    "with MaxScore",
    bm25_params,
    bm25_create,
    bm25_index,
    bm25_search,
    bm25_describe,
    bm25_destroy,
};
