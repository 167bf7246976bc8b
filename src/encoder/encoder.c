#include "encoder/encoder.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/pool.h"
#include "base/utf8.h"
#include "encoder/backend.h"
#include "encoder/cuda_module.h"
#include "text/unicode.h"

#define CPU_BATCH_SIZE 32
#define CPU_BATCH_TOKENS 2048
#define CUDA_BATCH_SIZE 128

struct rb_encoder {
    const rb_model *m;
    const rb_backend_ops *ops;
    void *backend;
    int nworkers;
    int threads;                /* for tokenization */
    size_t max_length, batch_size, max_tokens;
    int padded;                 /* batches cost longest * count tokens */
    unsigned pooling;
    int normalize;
    size_t dim;
    char device[8];
    char precision[8];
    rb_wordpiece_scratch **scratch;   /* one per thread */
};

void rb_encoder_options_default(rb_encoder_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->normalize = -1;
}

/* ---- choosing a backend ---- */

static int choose_device(rb_encoder *e, const char *device, rb_error *err)
{
    int automatic = !device || !device[0] || strcmp(device, "auto") == 0;

    if (!automatic && strcmp(device, "cpu") != 0 &&
        strcmp(device, "cuda") != 0)
        return rb_error_set(err, "unknown device \"%s\" (cpu, cuda, auto)",
                            device);
    if (!automatic && strcmp(device, "cpu") == 0) {
        e->ops = &rb_cpu_backend;
        return 0;
    }
    {
        char why[600];
        const rb_cuda_module *cu = rb_cuda_usable(why, sizeof why);

        if (cu) {
            e->ops = cu->encoder;
            return 0;
        }
        if (!automatic)
            return rb_error_set(err, "device \"cuda\": %s", why);
        rb_debug("%s: encoding on the CPU", why);
    }
    e->ops = &rb_cpu_backend;
    return 0;
}

static int configure(rb_encoder *e, const rb_encoder_options *opt,
                     rb_backend_config *cfg, rb_error *err)
{
    const rb_model *m = e->m;
    int cuda = strcmp(e->ops->name, "cuda") == 0;

    e->max_length = opt->max_length ? opt->max_length : m->max_length;
    if (e->max_length < 2 || e->max_length > (size_t)m->cfg.max_positions)
        return rb_error_set(err, "maximum length %zu is outside 2 to %d "
                            "(the model's positions)", e->max_length,
                            m->cfg.max_positions);
    e->batch_size = opt->batch_size ? opt->batch_size
                    : cuda ? CUDA_BATCH_SIZE : CPU_BATCH_SIZE;
    e->padded = cuda;
    if (cuda) {
        e->max_tokens = e->batch_size * e->max_length;
    } else {
        e->max_tokens = opt->batch_tokens ? opt->batch_tokens
                                          : CPU_BATCH_TOKENS;
        if (e->max_tokens < e->max_length)
            e->max_tokens = e->max_length;
    }
    e->pooling = opt->pooling ? opt->pooling : m->pooling;
    e->normalize = opt->normalize >= 0 ? opt->normalize : m->normalize;
    e->dim = rb_model_pooled_dim(m, e->pooling);
    snprintf(e->precision, sizeof e->precision, "%s",
             opt->precision ? opt->precision : cuda ? "fp16" : "fp32");
    snprintf(e->device, sizeof e->device, "%s", e->ops->name);
    e->threads = rb_threads_resolve(opt->threads);
    cfg->threads = e->threads;
    cfg->max_tokens = e->max_tokens;
    cfg->max_seqs = e->batch_size;
    cfg->max_length = e->max_length;
    cfg->precision = e->precision;
    cfg->device = opt->gpu;
    return 0;
}

rb_encoder *rb_encoder_new(const rb_model *m, const rb_encoder_options *opt,
                           rb_error *err)
{
    rb_encoder_options defaults;
    rb_backend_config cfg;
    rb_encoder *e = rb_calloc(1, sizeof *e);
    int i;

    if (!e) {
        rb_error_oom(err);
        return NULL;
    }
    if (!opt) {
        rb_encoder_options_default(&defaults);
        opt = &defaults;
    }
    e->m = m;
    if (choose_device(e, opt->device, err) < 0 ||
        configure(e, opt, &cfg, err) < 0 ||
        e->ops->create(m, &cfg, &e->backend, err) < 0)
        goto fail;
    e->nworkers = e->ops->workers(e->backend);
    e->scratch = rb_calloc((size_t)e->threads, sizeof *e->scratch);
    if (!e->scratch) {
        rb_error_oom(err);
        goto fail;
    }
    for (i = 0; i < e->threads; i++) {
        e->scratch[i] = rb_wordpiece_scratch_new();
        if (!e->scratch[i]) {
            rb_error_oom(err);
            goto fail;
        }
    }
    return e;

fail:
    rb_encoder_free(e);
    return NULL;
}

void rb_encoder_free(rb_encoder *e)
{
    int i;

    if (!e)
        return;
    if (e->backend)
        e->ops->destroy(e->backend);
    for (i = 0; e->scratch && i < e->threads; i++)
        rb_wordpiece_scratch_free(e->scratch[i]);
    rb_free(e->scratch);
    rb_free(e);
}

const rb_model *rb_encoder_model(const rb_encoder *e) { return e->m; }
const char *rb_encoder_device(const rb_encoder *e) { return e->device; }
const char *rb_encoder_precision(const rb_encoder *e)
{
    return e->precision;
}
size_t rb_encoder_dim(const rb_encoder *e) { return e->dim; }
size_t rb_encoder_max_length(const rb_encoder *e) { return e->max_length; }

json_t *rb_encoder_describe(const rb_encoder *e)
{
    char pooling[96];
    json_t *backend = e->ops->describe(e->backend), *out;

    rb_pooling_format(e->pooling, pooling, sizeof pooling);
    out = json_pack("{s:s, s:s, s:I, s:I, s:s, s:b, s:I}",
                    "device", e->device, "precision", e->precision,
                    "max_length", (json_int_t)e->max_length,
                    "batch_size", (json_int_t)e->batch_size,
                    "pooling", pooling, "normalize", e->normalize,
                    "dim", (json_int_t)e->dim);
    if (out && backend)
        json_object_update(out, backend);
    json_decref(backend);
    return out;
}

/* ---- tokenization ---- */

typedef struct tokenize_job {
    rb_encoder *e;
    const char *const *texts;
    const size_t *lens;
    size_t chunk;
    rb_ids *parts;          /* one per chunk */
    size_t *lengths;        /* tokens of each text */
    rb_error *errs;         /* one per thread */
} tokenize_job;

/* Lowercase a whole text code point by code point (sentence-transformers'
 * do_lower_case). */
static int lowercase_text(const char *text, size_t len, rb_buf *out)
{
    size_t i = 0;

    rb_buf_reset(out);
    while (i < len) {
        uint32_t cp, low[RB_UNICODE_LOWER_MAX];
        size_t k, n;
        int bad;
        char enc[4];

        i += rb_utf8_decode(text + i, len - i, &cp, &bad);
        n = rb_unicode_lower_full(cp, low);
        for (k = 0; k < n; k++)
            if (rb_buf_append(out, enc, rb_utf8_encode(low[k], enc)) < 0)
                return -1;
    }
    return rb_buf_putc(out, '\0') < 0 ? -1 : 0;
}

static int tokenize_range(void *arg, size_t begin, size_t end, int thread)
{
    tokenize_job *job = arg;
    rb_encoder *e = job->e;
    rb_ids *out = &job->parts[begin / job->chunk];
    rb_buf lowered = RB_BUF_INIT;
    size_t i;
    int rc = 0;

    for (i = begin; i < end && rc == 0; i++) {
        const char *text = job->texts[i];
        size_t len = job->lens[i], before = out->n;

        if (e->m->lowercase_input) {
            if (lowercase_text(text, len, &lowered) < 0) {
                rc = rb_error_oom(&job->errs[thread]);
                break;
            }
            text = lowered.data;
            len = lowered.len - 1;
        }
        rc = rb_wordpiece_encode(e->m->tokenizer, e->scratch[thread], text,
                                 len, e->max_length, out,
                                 &job->errs[thread]);
        job->lengths[i] = out->n - before;
    }
    rb_buf_release(&lowered);
    return rc;
}

int rb_encoder_tokenize(rb_encoder *e, const char *const *texts,
                        const size_t *lens, size_t n, int32_t **ids,
                        size_t **offsets, rb_error *err)
{
    tokenize_job job;
    size_t nchunks, i, total = 0;
    int rc = -1, t;

    *ids = NULL;
    *offsets = rb_malloc((n + 1) * sizeof **offsets);
    memset(&job, 0, sizeof job);
    job.e = e;
    job.texts = texts;
    job.lens = lens;
    job.chunk = n / (size_t)e->threads + 1;
    nchunks = n / job.chunk + 1;
    job.parts = rb_calloc(nchunks, sizeof *job.parts);
    job.lengths = rb_calloc(n + 1, sizeof *job.lengths);
    job.errs = rb_calloc((size_t)e->threads, sizeof *job.errs);
    if (!*offsets || !job.parts || !job.lengths || !job.errs) {
        rb_error_oom(err);
        goto done;
    }
    if (rb_parallel_for(n, job.chunk, e->threads, tokenize_range,
                        &job) < 0) {
        for (t = 0; t < e->threads; t++)
            if (job.errs[t].set)
                rb_error_set(err, "%s", job.errs[t].msg);
        goto done;
    }
    for (i = 0; i < nchunks; i++)
        total += job.parts[i].n;
    *ids = rb_malloc((total ? total : 1) * sizeof **ids);
    if (!*ids) {
        rb_error_oom(err);
        goto done;
    }
    total = 0;
    for (i = 0; i < nchunks; i++) {
        if (job.parts[i].n)
            memcpy(*ids + total, job.parts[i].v,
                   job.parts[i].n * sizeof **ids);
        total += job.parts[i].n;
    }
    (*offsets)[0] = 0;
    for (i = 0; i < n; i++)
        (*offsets)[i + 1] = (*offsets)[i] + job.lengths[i];
    rc = 0;

done:
    for (i = 0; job.parts && i < nchunks; i++)
        rb_ids_release(&job.parts[i]);
    rb_free(job.parts);
    rb_free(job.lengths);
    rb_free(job.errs);
    if (rc < 0) {
        rb_free(*ids);
        rb_free(*offsets);
        *ids = NULL;
        *offsets = NULL;
    }
    return rc;
}

/* ---- batching and running ---- */

typedef struct span {
    size_t first, count;    /* a run of the length-sorted order */
} span;

typedef struct run_job {
    rb_encoder *e;
    const int32_t *ids;
    const size_t *offsets;
    const size_t *order;
    const span *batches;
    float *pooled, *hidden;
    /* Per worker: */
    int32_t **bids;
    size_t **boffs;
    float **bpooled, **bhidden;
    rb_error *errs;
    atomic_size_t done;
    rb_encode_progress progress;
    void *progress_arg;
} run_job;

static size_t seq_len(const size_t *offsets, size_t s)
{
    return offsets[s + 1] - offsets[s];
}

typedef struct sort_key {
    size_t len, index;
} sort_key;

/* Longest first; equal lengths keep their input order. */
static int by_length_desc(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;

    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* order[0..n): sequence indexes, longest first. */
static int sort_by_length(const size_t *offsets, size_t n, size_t *order)
{
    sort_key *keys = rb_malloc((n ? n : 1) * sizeof *keys);
    size_t i;

    if (!keys)
        return -1;
    for (i = 0; i < n; i++) {
        keys[i].len = seq_len(offsets, i);
        keys[i].index = i;
    }
    qsort(keys, n, sizeof *keys, by_length_desc);
    for (i = 0; i < n; i++)
        order[i] = keys[i].index;
    rb_free(keys);
    return 0;
}

/* Cut the sorted order into batches of at most batch_size sequences and
 * max_tokens tokens (counting padding where the backend pads). */
static size_t make_batches(const rb_encoder *e, const size_t *offsets,
                           const size_t *order, size_t n, span *out)
{
    size_t i = 0, nb = 0;

    while (i < n) {
        size_t longest = seq_len(offsets, order[i]), count = 0, tokens = 0;

        while (i + count < n && count < e->batch_size) {
            size_t len = seq_len(offsets, order[i + count]);
            size_t need = e->padded ? longest * (count + 1) : tokens + len;

            if (count > 0 && need > e->max_tokens)
                break;
            tokens += len;
            count++;
        }
        out[nb].first = i;
        out[nb].count = count;
        nb++;
        i += count;
    }
    return nb;
}

static int run_batch(void *arg, size_t begin, size_t end, int w)
{
    run_job *job = arg;
    rb_encoder *e = job->e;
    size_t bi, h = (size_t)e->m->cfg.hidden;

    for (bi = begin; bi < end; bi++) {
        const span *sp = &job->batches[bi];
        rb_token_batch b;
        size_t j, ntok = 0;

        job->boffs[w][0] = 0;
        for (j = 0; j < sp->count; j++) {
            size_t s = job->order[sp->first + j];
            size_t len = seq_len(job->offsets, s);

            memcpy(job->bids[w] + ntok, job->ids + job->offsets[s],
                   len * sizeof *job->ids);
            ntok += len;
            job->boffs[w][j + 1] = ntok;
        }
        b.ids = job->bids[w];
        b.offsets = job->boffs[w];
        b.nseq = sp->count;
        if (e->ops->forward(e->backend, w, &b, e->pooling, e->normalize,
                            job->hidden ? job->bhidden[w] : NULL,
                            job->pooled ? job->bpooled[w] : NULL,
                            &job->errs[w]) < 0)
            return -1;
        for (j = 0; j < sp->count; j++) {
            size_t s = job->order[sp->first + j];

            if (job->pooled)
                memcpy(job->pooled + s * e->dim, job->bpooled[w] + j * e->dim,
                       e->dim * sizeof(float));
            if (job->hidden)
                memcpy(job->hidden + job->offsets[s] * h,
                       job->bhidden[w] + b.offsets[j] * h,
                       seq_len(job->offsets, s) * h * sizeof(float));
        }
        atomic_fetch_add(&job->done, sp->count);
        if (w == 0 && job->progress)
            job->progress(job->progress_arg, atomic_load(&job->done));
    }
    return 0;
}

static void free_worker_buffers(run_job *job, int nw)
{
    int w;

    for (w = 0; w < nw; w++) {
        if (job->bids)
            rb_free(job->bids[w]);
        if (job->boffs)
            rb_free(job->boffs[w]);
        if (job->bpooled)
            rb_free(job->bpooled[w]);
        if (job->bhidden)
            rb_free(job->bhidden[w]);
    }
    rb_free(job->bids);
    rb_free(job->boffs);
    rb_free(job->bpooled);
    rb_free(job->bhidden);
    rb_free(job->errs);
}

static int alloc_worker_buffers(run_job *job, int nw, rb_error *err)
{
    rb_encoder *e = job->e;
    size_t h = (size_t)e->m->cfg.hidden;
    int w;

    job->bids = rb_calloc((size_t)nw, sizeof *job->bids);
    job->boffs = rb_calloc((size_t)nw, sizeof *job->boffs);
    job->bpooled = rb_calloc((size_t)nw, sizeof *job->bpooled);
    job->bhidden = rb_calloc((size_t)nw, sizeof *job->bhidden);
    job->errs = rb_calloc((size_t)nw, sizeof *job->errs);
    if (!job->bids || !job->boffs || !job->bpooled || !job->bhidden ||
        !job->errs)
        return rb_error_oom(err);
    for (w = 0; w < nw; w++) {
        job->bids[w] = rb_malloc(e->max_tokens * sizeof(int32_t));
        job->boffs[w] = rb_malloc((e->batch_size + 1) * sizeof(size_t));
        if (!job->bids[w] || !job->boffs[w])
            return rb_error_oom(err);
        if (job->pooled &&
            !(job->bpooled[w] = rb_malloc(e->batch_size * e->dim *
                                          sizeof(float))))
            return rb_error_oom(err);
        if (job->hidden &&
            !(job->bhidden[w] = rb_malloc(e->max_tokens * h *
                                          sizeof(float))))
            return rb_error_oom(err);
    }
    return 0;
}

/* Run sequences (ids, offsets; n of them) through the backend. */
static int run_sequences(rb_encoder *e, const int32_t *ids,
                         const size_t *offsets, size_t n, float *pooled,
                         float *hidden, rb_encode_progress progress,
                         void *arg, rb_error *err)
{
    run_job job;
    size_t *order = rb_malloc((n ? n : 1) * sizeof *order);
    span *batches = rb_malloc((n ? n : 1) * sizeof *batches);
    size_t i, nb;
    int rc = -1, w, nw = e->nworkers;

    memset(&job, 0, sizeof job);
    if (!order || !batches) {
        rb_error_oom(err);
        goto done;
    }
    for (i = 0; i < n; i++) {
        size_t len = seq_len(offsets, i);

        if (len == 0 || len > e->max_length) {
            rb_error_set(err, "sequence %zu has %zu tokens (1 to %zu "
                         "allowed)", i, len, e->max_length);
            goto done;
        }
    }
    if (sort_by_length(offsets, n, order) < 0) {
        rb_error_oom(err);
        goto done;
    }
    nb = make_batches(e, offsets, order, n, batches);
    if ((size_t)nw > nb)
        nw = nb ? (int)nb : 1;
    job.e = e;
    job.ids = ids;
    job.offsets = offsets;
    job.order = order;
    job.batches = batches;
    job.pooled = pooled;
    job.hidden = hidden;
    job.progress = progress;
    job.progress_arg = arg;
    atomic_init(&job.done, 0);
    if (alloc_worker_buffers(&job, nw, err) < 0)
        goto done;
    if (e->ops->begin)
        e->ops->begin(e->backend);
    rc = rb_parallel_for(nb, 1, nw, run_batch, &job);
    if (e->ops->end)
        e->ops->end(e->backend);
    if (rc < 0)
        for (w = 0; w < nw; w++)
            if (job.errs[w].set)
                rb_error_set(err, "%s", job.errs[w].msg);

done:
    free_worker_buffers(&job, nw);
    rb_free(order);
    rb_free(batches);
    return rc;
}

int rb_encoder_encode(rb_encoder *e, const char *const *texts,
                      const size_t *lens, size_t n, float *out,
                      rb_encode_progress progress, void *arg, rb_error *err)
{
    int32_t *ids;
    size_t *offsets;
    int rc;

    if (n == 0)
        return 0;
    if (rb_encoder_tokenize(e, texts, lens, n, &ids, &offsets, err) < 0)
        return -1;
    rc = run_sequences(e, ids, offsets, n, out, NULL, progress, arg, err);
    rb_free(ids);
    rb_free(offsets);
    return rc;
}

int rb_encoder_forward(rb_encoder *e, const rb_token_batch *b,
                       float *hidden, float *pooled, rb_error *err)
{
    size_t t;

    if (b->nseq == 0)
        return 0;
    if (b->offsets[0] != 0)
        return rb_error_set(err, "token offsets must start at 0");
    for (t = 0; t < b->offsets[b->nseq]; t++)
        if (b->ids[t] < 0 || b->ids[t] >= e->m->cfg.vocab_size)
            return rb_error_set(err, "token id %d is outside the "
                                "vocabulary (%d)", (int)b->ids[t],
                                e->m->cfg.vocab_size);
    return run_sequences(e, b->ids, b->offsets, b->nseq, pooled, hidden,
                         NULL, NULL, err);
}
