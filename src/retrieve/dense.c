/*
 * The dense retriever: documents and queries embedded by a BERT-family
 * encoder (encoder/encoder.h), ranked by exact inner product.
 *
 * The corpus is encoded in chunks, so what grows with the corpus is the
 * embeddings matrix (documents x dimension floats), not the activations.
 * The matrix is cached on disk under a key made of the model's and the
 * dataset's fingerprints and every setting that changes an embedding, so a
 * second run encodes nothing. Search multiplies blocks of query vectors by
 * blocks of document vectors (BLAS, or cuBLAS when the encoder runs on a
 * GPU) and keeps each query's best k in a heap on the host; ties at the
 * cut keep the documents trec_eval would rank first.
 */

#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/pool.h"
#include "base/progress.h"
#include "base/timer.h"
#include "encoder/cuda_module.h"
#include "encoder/encoder.h"
#include "retrieve/params.h"
#include "retrieve/retriever.h"

#define CHUNK_DOCS 4096
#define QUERY_BLOCK 64
#define DOC_BLOCK 8192
#define CACHE_MAGIC "RBDENSE1"
#define CACHE_HEADER 88

static const char *const dense_params[] = {
    "model", "device", "precision", "query_prefix", "doc_prefix",
    "batch_size", "max_length", "pooling", "normalize", "cache", NULL,
};

typedef struct dense_state {
    rb_model *model;
    rb_encoder *enc;
    char *query_prefix, *doc_prefix;
    int use_cache;
    size_t dim, ndocs;
    float *docs;              /* owned, or inside the cache mapping */
    void *map;
    size_t map_size;
    char key[65];
    char *cache_path;
    int from_cache;
    double encode_s;
    const rb_cuda_module *cu;   /* GPU search, when the encoder is on one */
    void *gpu;
    int gpu_refused;
} dense_state;

static void dense_destroy(void *state)
{
    dense_state *st = state;

    if (!st)
        return;
    if (st->gpu)
        st->cu->search->destroy(st->gpu);
    if (st->map)
        munmap(st->map, st->map_size);
    else
        rb_free(st->docs);
    rb_encoder_free(st->enc);
    rb_model_free(st->model);
    rb_free(st->query_prefix);
    rb_free(st->doc_prefix);
    rb_free(st->cache_path);
    rb_free(st);
}

static int read_options(const json_t *params, const rb_context *ctx,
                        rb_encoder_options *opt, const char **model,
                        const char **qp, const char **dp, int *cache,
                        rb_error *err)
{
    const rb_params p = {params, "dense:", 1};
    const char *pooling = NULL;

    rb_encoder_options_default(opt);
    opt->device = ctx->device;
    opt->threads = ctx->threads;
    *model = ctx->model;
    if (rb_params_string(&p, "model", model, err) < 0 ||
        rb_params_string(&p, "device", &opt->device, err) < 0 ||
        rb_params_string(&p, "precision", &opt->precision, err) < 0 ||
        rb_params_string(&p, "query_prefix", qp, err) < 0 ||
        rb_params_string(&p, "doc_prefix", dp, err) < 0 ||
        rb_params_string(&p, "pooling", &pooling, err) < 0 ||
        rb_params_size(&p, "batch_size", &opt->batch_size, err) < 0 ||
        rb_params_size(&p, "max_length", &opt->max_length, err) < 0 ||
        rb_params_bool(&p, "normalize", &opt->normalize, err) < 0 ||
        rb_params_bool(&p, "cache", cache, err) < 0)
        return -1;
    if (pooling && rb_pooling_parse(pooling, &opt->pooling, err) < 0) {
        rb_error_prefix(err, "dense");
        return -1;
    }
    if (!*model)
        return rb_error_set(err, "dense: no model given (--model DIR or "
                            "the \"model\" parameter)");
    return 0;
}

static int dense_create(const json_t *params, const rb_context *ctx,
                        void **state, rb_error *err)
{
    dense_state *st = rb_calloc(1, sizeof *st);
    rb_encoder_options opt;
    const char *model = NULL, *qp = "", *dp = "";

    *state = NULL;
    if (!st)
        return rb_error_oom(err);
    st->use_cache = 1;
    if (read_options(params, ctx, &opt, &model, &qp, &dp, &st->use_cache,
                     err) < 0)
        goto fail;
    st->query_prefix = rb_strdup(qp);
    st->doc_prefix = rb_strdup(dp);
    if (!st->query_prefix || !st->doc_prefix) {
        rb_error_oom(err);
        goto fail;
    }
    st->model = rb_model_load(model, err);
    if (!st->model)
        goto fail;
    st->enc = rb_encoder_new(st->model, &opt, err);
    if (!st->enc)
        goto fail;
    st->dim = rb_encoder_dim(st->enc);
    rb_info("dense: model %s on %s (%s), %zu dimensions", st->model->dir,
            rb_encoder_device(st->enc), rb_encoder_precision(st->enc),
            st->dim);
    *state = st;
    return 0;

fail:
    rb_error_prefix(err, "dense");
    dense_destroy(st);
    return -1;
}

/* ---- cache ---- */

/* Key of the document embeddings: everything that changes them, which is
 * the model, the dataset, the document prefix and every encoder setting
 * but the thread count (device, precision, kernels, BLAS core, batching,
 * pooling, normalisation, maximum length). */
static int cache_key(dense_state *st, const rb_dataset *ds, rb_error *err)
{
    json_t *enc = rb_encoder_describe(st->enc);
    char *settings = NULL;
    rb_sha256 *sha = NULL;
    char head[256];
    int rc = -1;

    if (rb_model_fingerprint(st->model, err) < 0)
        goto done;
    if (enc)
        json_object_del(enc, "threads");
    settings = enc ? json_dumps(enc, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    sha = rb_sha256_new();
    if (!settings || !sha) {
        rb_error_oom(err);
        goto done;
    }
    snprintf(head, sizeof head, "rankbench dense v1\n%s\n%s\n%zu\n",
             st->model->fingerprint, ds->fingerprint, ds->ndocs);
    rb_sha256_update(sha, head, strlen(head));
    rb_sha256_update(sha, settings, strlen(settings) + 1);
    rb_sha256_update(sha, st->doc_prefix, strlen(st->doc_prefix) + 1);
    rb_sha256_final(sha, st->key);
    sha = NULL;
    rc = 0;

done:
    rb_sha256_free(sha);
    free(settings);
    json_decref(enc);
    return rc;
}

static int cache_load(dense_state *st, const rb_dataset *ds)
{
    struct stat sb;
    unsigned char *p;
    uint64_t n = 0;
    uint32_t dim = 0;
    int fd, i;

    fd = open(st->cache_path, O_RDONLY);
    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) != 0 || (size_t)sb.st_size < CACHE_HEADER) {
        close(fd);
        return -1;
    }
    p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return -1;
    for (i = 7; i >= 0; i--)
        n = n << 8 | p[8 + i];
    for (i = 3; i >= 0; i--)
        dim = dim << 8 | p[16 + i];
    if (memcmp(p, CACHE_MAGIC, 8) != 0 || memcmp(p + 24, st->key, 64) != 0 ||
        n != ds->ndocs || dim != st->dim ||
        (size_t)sb.st_size != CACHE_HEADER + n * dim * sizeof(float)) {
        rb_warn("dense: ignoring the unusable cache file %s",
                st->cache_path);
        munmap(p, (size_t)sb.st_size);
        return -1;
    }
    st->map = p;
    st->map_size = (size_t)sb.st_size;
    st->docs = (float *)(p + CACHE_HEADER);
    return 0;
}

static int cache_store(const dense_state *st, rb_error *err)
{
    rb_atomic_file af;
    unsigned char head[CACHE_HEADER];
    uint64_t n = st->ndocs;
    int i;

    memset(head, 0, sizeof head);
    memcpy(head, CACHE_MAGIC, 8);
    for (i = 0; i < 8; i++)
        head[8 + i] = (unsigned char)(n >> (8 * i));
    for (i = 0; i < 4; i++)
        head[16 + i] = (unsigned char)((uint32_t)st->dim >> (8 * i));
    memcpy(head + 24, st->key, 64);
    if (rb_atomic_open(&af, st->cache_path, err) < 0)
        return -1;
    if (fwrite(head, 1, sizeof head, af.fp) != sizeof head ||
        fwrite(st->docs, sizeof(float), st->ndocs * st->dim, af.fp) !=
        st->ndocs * st->dim) {
        rb_atomic_abort(&af);
        return rb_error_set(err, "%s: %s", st->cache_path, strerror(errno));
    }
    return rb_atomic_commit(&af, err);
}

/* ---- encoding ---- */

/* prefix + text, stripped of surrounding whitespace as BEIR does, in buf;
 * title and text joined by a space when there is a title. */
static int doc_text(const char *prefix, const char *title, const char *text,
                    rb_buf *buf)
{
    size_t begin, end;

    rb_buf_reset(buf);
    if (rb_buf_puts(buf, prefix) < 0)
        return -1;
    begin = buf->len;
    if (title && title[0] &&
        (rb_buf_puts(buf, title) < 0 || rb_buf_putc(buf, ' ') < 0))
        return -1;
    if (rb_buf_puts(buf, text ? text : "") < 0)
        return -1;
    end = buf->len;
    while (end > begin && (buf->data[end - 1] == ' ' ||
                           buf->data[end - 1] == '\t' ||
                           buf->data[end - 1] == '\n' ||
                           buf->data[end - 1] == '\r'))
        end--;
    while (begin < end && (buf->data[begin] == ' ' ||
                           buf->data[begin] == '\t' ||
                           buf->data[begin] == '\n' ||
                           buf->data[begin] == '\r'))
        begin++;
    memmove(buf->data + strlen(prefix), buf->data + begin, end - begin);
    buf->len = strlen(prefix) + end - begin;
    buf->data[buf->len] = '\0';
    return 0;
}

typedef struct progress_arg {
    rb_progress *bar;
    size_t base;
} progress_arg;

static void on_progress(void *arg, size_t done)
{
    progress_arg *p = arg;

    rb_progress_update(p->bar, p->base + done);
}

static int encode_docs(dense_state *st, const rb_dataset *ds, rb_error *err)
{
    rb_buf *bufs = rb_calloc(CHUNK_DOCS, sizeof *bufs);
    const char **texts = rb_calloc(CHUNK_DOCS, sizeof *texts);
    size_t *lens = rb_calloc(CHUNK_DOCS, sizeof *lens), c, i;
    rb_progress bar;
    progress_arg parg;
    double t0 = rb_now();
    int rc = -1;

    st->docs = rb_malloc((ds->ndocs ? ds->ndocs : 1) * st->dim *
                         sizeof(float));
    if (!bufs || !texts || !lens || !st->docs) {
        rb_error_oom(err);
        goto done;
    }
    rb_progress_start(&bar, "encoding", ds->ndocs);
    parg.bar = &bar;
    for (c = 0; c < ds->ndocs; c += CHUNK_DOCS) {
        size_t n = ds->ndocs - c < CHUNK_DOCS ? ds->ndocs - c : CHUNK_DOCS;

        for (i = 0; i < n; i++) {
            if (doc_text(st->doc_prefix, ds->doc_titles[c + i],
                         ds->doc_texts[c + i], &bufs[i]) < 0) {
                rb_error_oom(err);
                goto done;
            }
            texts[i] = bufs[i].data;
            lens[i] = bufs[i].len;
        }
        parg.base = c;
        if (rb_encoder_encode(st->enc, texts, lens, n, st->docs + c * st->dim,
                              on_progress, &parg, err) < 0)
            goto done;
    }
    rb_progress_finish(&bar);
    st->encode_s = rb_now() - t0;
    rb_info("dense: encoded %zu documents in %.1f s (%.0f/s)", ds->ndocs,
            st->encode_s, st->encode_s > 0 ? ds->ndocs / st->encode_s : 0);
    rc = 0;

done:
    for (i = 0; bufs && i < CHUNK_DOCS; i++)
        rb_buf_release(&bufs[i]);
    rb_free(bufs);
    rb_free(texts);
    rb_free(lens);
    return rc;
}

static int dense_index(void *state, const rb_dataset *ds,
                       const rb_context *ctx, rb_error *err)
{
    dense_state *st = state;
    char *dir = NULL;

    if (st->map)
        munmap(st->map, st->map_size);
    else
        rb_free(st->docs);
    st->map = NULL;
    st->docs = NULL;
    st->from_cache = 0;
    st->ndocs = ds->ndocs;
    rb_free(st->cache_path);
    st->cache_path = NULL;
    if (st->use_cache && ctx->cache_dir) {
        rb_buf path = RB_BUF_INIT;

        if (cache_key(st, ds, err) < 0)
            return -1;
        dir = rb_path_join(ctx->cache_dir, "dense");
        if (!dir || rb_buf_printf(&path, "%s/%s.emb", dir, st->key) < 0) {
            rb_free(dir);
            rb_buf_release(&path);
            return rb_error_oom(err);
        }
        st->cache_path = rb_buf_detach(&path);
        if (cache_load(st, ds) == 0) {
            st->from_cache = 1;
            rb_info("dense: document embeddings from %s", st->cache_path);
            rb_free(dir);
            return 0;
        }
        if (rb_mkdirs(dir, err) < 0) {
            rb_free(dir);
            return -1;
        }
        rb_free(dir);
    }
    if (encode_docs(st, ds, err) < 0)
        return -1;
    if (st->cache_path && cache_store(st, err) < 0)
        return -1;
    return 0;
}

/* ---- search ---- */

typedef struct hit {
    float score;
    uint32_t doc;
} hit;

typedef struct search_job {
    const dense_state *st;
    const rb_dataset *ds;
    const float *queries;     /* neval x dim */
    size_t nq, k;
    hit *heaps;               /* nq x k */
    size_t *heap_n;
    float **scores;           /* per worker: QUERY_BLOCK x DOC_BLOCK */
    rb_error *errs;           /* per worker */
} search_job;

/* a ranks above b: higher score, or the same score and the larger doc id
 * string (trec_eval breaks ties by docno descending). */
static int ranks_above(const rb_intern *ids, const hit *a, const hit *b)
{
    if (a->score != b->score)
        return a->score > b->score;
    return strcmp(rb_intern_str(ids, a->doc), rb_intern_str(ids, b->doc)) > 0;
}

/* A heap of the k best, the worst at the root. */
static void heap_offer(const rb_intern *ids, hit *h, size_t *n, size_t k,
                       hit x)
{
    size_t i;

    if (*n < k) {
        i = (*n)++;
        while (i > 0 && ranks_above(ids, &h[(i - 1) / 2], &x)) {
            h[i] = h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h[i] = x;
        return;
    }
    if (!ranks_above(ids, &x, &h[0]))
        return;
    i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const hit *worst = &x;

        if (l < k && ranks_above(ids, worst, &h[l]))
            worst = &h[m = l];
        if (r < k && ranks_above(ids, worst, &h[r]))
            worst = &h[m = r];
        if (m == i)
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = x;
}

/* s = queries [qb, qb + nq) x documents [db, db + nd), row by query. */
static int score_block(search_job *job, int w, size_t qb, size_t nq,
                       size_t db, size_t nd, float *s)
{
    const dense_state *st = job->st;
    size_t dim = st->dim;

    if (st->gpu)
        return st->cu->search->scores(st->gpu, qb, nq, db, nd, s,
                                      &job->errs[w]);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nq, (int)nd,
                (int)dim, 1.0f, job->queries + qb * dim, (int)dim,
                st->docs + db * dim, (int)dim, 0.0f, s, (int)nd);
    return 0;
}

static int search_block(void *arg, size_t begin, size_t end, int w)
{
    search_job *job = arg;
    const dense_state *st = job->st;
    const rb_intern *ids = job->ds->doc_ids;
    size_t qb, db;

    for (qb = begin * QUERY_BLOCK; qb < end * QUERY_BLOCK && qb < job->nq;
         qb += QUERY_BLOCK) {
        size_t nq = job->nq - qb < QUERY_BLOCK ? job->nq - qb : QUERY_BLOCK;

        for (db = 0; db < st->ndocs; db += DOC_BLOCK) {
            size_t nd = st->ndocs - db < DOC_BLOCK ? st->ndocs - db
                                                   : DOC_BLOCK, q, d;
            float *s = job->scores[w];

            if (score_block(job, w, qb, nq, db, nd, s) < 0)
                return -1;
            for (q = 0; q < nq; q++) {
                hit *heap = job->heaps + (qb + q) * job->k;

                for (d = 0; d < nd; d++) {
                    hit x = {s[q * nd + d], (uint32_t)(db + d)};

                    heap_offer(ids, heap, &job->heap_n[qb + q], job->k, x);
                }
            }
        }
    }
    return 0;
}

static int encode_queries(dense_state *st, const rb_dataset *ds, float *out,
                          rb_error *err)
{
    rb_buf *bufs = rb_calloc(ds->neval ? ds->neval : 1, sizeof *bufs);
    const char **texts = rb_calloc(ds->neval ? ds->neval : 1,
                                   sizeof *texts);
    size_t *lens = rb_calloc(ds->neval ? ds->neval : 1, sizeof *lens), i;
    int rc = -1;

    if (!bufs || !texts || !lens) {
        rb_error_oom(err);
        goto done;
    }
    for (i = 0; i < ds->neval; i++) {
        if (doc_text(st->query_prefix, NULL,
                     ds->query_texts[ds->eval_queries[i]], &bufs[i]) < 0) {
            rb_error_oom(err);
            goto done;
        }
        texts[i] = bufs[i].data;
        lens[i] = bufs[i].len;
    }
    rc = rb_encoder_encode(st->enc, texts, lens, ds->neval, out, NULL, NULL,
                           err);

done:
    for (i = 0; bufs && i < ds->neval; i++)
        rb_buf_release(&bufs[i]);
    rb_free(bufs);
    rb_free(texts);
    rb_free(lens);
    return rc;
}

/* With the encoder on a GPU, search there too: the corpus goes up once
 * (at the first search), the queries each time. Where that fails (the
 * corpus does not fit, say) the search runs on the CPU, with a warning. */
static void gpu_search_prepare(dense_state *st, const float *queries,
                               size_t nq)
{
    rb_error e = {{0}, 0};

    if (st->gpu_refused || strcmp(rb_encoder_device(st->enc), "cuda") != 0)
        return;
    if (!st->gpu) {
        st->cu = rb_cuda_module_get(NULL, 0);
        if (!st->cu || st->cu->search->create(st->docs, st->ndocs, st->dim,
                                              0, &st->gpu, &e) < 0) {
            rb_warn("dense: searching on the CPU: %s",
                    e.msg[0] ? e.msg : "no CUDA module");
            st->gpu = NULL;
            st->gpu_refused = 1;
            return;
        }
    }
    if (st->cu->search->queries(st->gpu, queries, nq, &e) < 0) {
        rb_warn("dense: searching on the CPU: %s", e.msg);
        st->cu->search->destroy(st->gpu);
        st->gpu = NULL;
        st->gpu_refused = 1;
    }
}

/* Rank the heap of query qi into the run. */
static int emit_query(const search_job *job, size_t qi, rb_run *run)
{
    const rb_dataset *ds = job->ds;
    uint32_t q = ds->eval_queries[qi];
    const char *qid = rb_intern_str(ds->query_ids, q);
    long ri = rb_run_query_index(run, qid, rb_intern_len(ds->query_ids, q));
    size_t i;

    if (ri < 0)
        return -1;
    for (i = 0; i < job->heap_n[qi]; i++) {
        const hit *h = &job->heaps[qi * job->k + i];

        if (rb_run_push(run, (size_t)ri, h->doc, (double)h->score) < 0)
            return -1;
    }
    return 0;
}

static int dense_search(void *state, const rb_dataset *ds,
                        const rb_context *ctx, size_t k, rb_run *run,
                        rb_error *err)
{
    dense_state *st = state;
    search_job job;
    int threads = rb_threads_resolve(ctx->threads), w, saved, failed;
    int rc = -1;
    size_t i, nblocks, nhits;

    memset(&job, 0, sizeof job);
    job.st = st;
    job.ds = ds;
    job.nq = ds->neval;
    job.k = k < st->ndocs ? k : st->ndocs;
    job.queries = rb_malloc((job.nq ? job.nq : 1) * st->dim * sizeof(float));
    nhits = job.nq * job.k;
    job.heaps = rb_malloc((nhits ? nhits : 1) * sizeof *job.heaps);
    job.heap_n = rb_calloc(job.nq ? job.nq : 1, sizeof *job.heap_n);
    job.scores = rb_calloc((size_t)threads, sizeof *job.scores);
    job.errs = rb_calloc((size_t)threads, sizeof *job.errs);
    if (!job.queries || !job.heaps || !job.heap_n || !job.scores ||
        !job.errs) {
        rb_error_oom(err);
        goto done;
    }
    for (w = 0; w < threads; w++)
        if (!(job.scores[w] = rb_malloc(QUERY_BLOCK * DOC_BLOCK *
                                        sizeof(float)))) {
            rb_error_oom(err);
            goto done;
        }
    if (job.nq && encode_queries(st, ds, (float *)job.queries, err) < 0)
        goto done;
    if (job.nq && job.k > 0)
        gpu_search_prepare(st, job.queries, job.nq);
    nblocks = (job.nq + QUERY_BLOCK - 1) / QUERY_BLOCK;
    saved = openblas_get_num_threads();
    openblas_set_num_threads(1);
    failed = job.k > 0 &&
             rb_parallel_for(nblocks, 1, threads, search_block, &job) < 0;
    openblas_set_num_threads(saved);
    if (failed) {
        for (w = 0; w < threads; w++)
            if (job.errs[w].msg[0]) {
                rb_error_set(err, "dense search: %s", job.errs[w].msg);
                break;
            }
        goto done;
    }
    for (i = 0; i < job.nq; i++)
        if (emit_query(&job, i, run) < 0) {
            rb_error_oom(err);
            goto done;
        }
    rb_run_sort_trec(run);
    rc = 0;

done:
    for (w = 0; job.scores && w < threads; w++)
        rb_free(job.scores[w]);
    rb_free(job.scores);
    rb_free(job.errs);
    rb_free((float *)job.queries);
    rb_free(job.heaps);
    rb_free(job.heap_n);
    return rc;
}

static json_t *dense_describe(void *state)
{
    dense_state *st = state;

    return json_pack("{s:o, s:o, s:s, s:s, s:s, s:s?, s:b, s:f}",
                     "model", rb_model_describe(st->model),
                     "encoder", rb_encoder_describe(st->enc),
                     "search", st->gpu ? "cuda" : "cpu",
                     "query_prefix", st->query_prefix,
                     "doc_prefix", st->doc_prefix,
                     "cache_file", st->cache_path,
                     "from_cache", st->from_cache,
                     "encode_docs_s", st->encode_s);
}

const rb_retriever_ops rb_dense_retriever = {
    "dense",
    "exact inner-product search over BERT-family sentence embeddings",
    dense_params,
    dense_create,
    dense_index,
    dense_search,
    dense_describe,
    dense_destroy,
};
