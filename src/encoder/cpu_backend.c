/*
 * The CPU backend: BERT's forward pass in FP32 with OpenBLAS for the
 * matrix products and the kernels of cpu_kernels.c for the rest.
 *
 * A batch is packed without padding: its sequences' tokens lie back to
 * back, the linear layers run over all of them at once, and attention runs
 * per sequence over that sequence's own tokens, so no work is spent on
 * padding and no mask is needed. Parallelism is across batches: each
 * worker has its own buffers and runs BLAS on one thread, which keeps a
 * batch's arithmetic, and so its result, the same whatever the thread
 * count.
 */

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "base/mem.h"
#include "base/pool.h"
#include "encoder/backend.h"
#include "encoder/cpu_kernels.h"
#include "encoder/dtype.h"

typedef struct cpu_layer {
    const float *q_w, *q_b, *k_w, *k_b, *v_w, *v_b;
    const float *o_w, *o_b, *ln1_w, *ln1_b;
    const float *in_w, *in_b, *out_w, *out_b, *ln2_w, *ln2_b;
} cpu_layer;

typedef struct cpu_worker {
    float *x, *y, *q, *k, *v, *ctx, *inter, *scores;
} cpu_worker;

typedef struct cpu_state {
    const rb_model *m;
    size_t hidden, inter, heads, head_dim;
    float eps;
    float **owned;          /* converted copies of F16/BF16 tensors */
    size_t nowned;
    const float *word, *pos, *type, *eln_w, *eln_b;
    cpu_layer *layers;
    cpu_worker *workers;
    int nworkers;
    size_t max_tokens, max_length;
    int saved_blas_threads;
} cpu_state;

/* The tensor as FP32: in place when it already is (and aligned), else a
 * converted copy that the state owns. */
static const float *as_f32(cpu_state *st, const rb_tensor *t, rb_error *err)
{
    float *copy;

    if (t->dtype == RB_DTYPE_F32 && ((uintptr_t)t->data % sizeof(float)) == 0)
        return t->data;
    copy = rb_malloc(t->numel * sizeof *copy);
    if (!copy) {
        rb_error_oom(err);
        return NULL;
    }
    if (rb_tensor_to_f32(t, copy) < 0) {
        rb_free(copy);
        rb_error_set(err, "tensor \"%s\": dtype %s", t->name, t->dtype_name);
        return NULL;
    }
    st->owned[st->nowned++] = copy;
    return copy;
}

static int bind_weights(cpu_state *st, rb_error *err)
{
    const rb_model *m = st->m;
    size_t nl = (size_t)m->cfg.layers, i;

    st->owned = rb_calloc(5 + 16 * nl, sizeof *st->owned);
    st->layers = rb_calloc(nl, sizeof *st->layers);
    if (!st->owned || !st->layers)
        return rb_error_oom(err);
    if (!(st->word = as_f32(st, m->word_emb, err)) ||
        !(st->pos = as_f32(st, m->pos_emb, err)) ||
        !(st->type = as_f32(st, m->type_emb, err)) ||
        !(st->eln_w = as_f32(st, m->emb_ln_w, err)) ||
        !(st->eln_b = as_f32(st, m->emb_ln_b, err)))
        return -1;
    for (i = 0; i < nl; i++) {
        const rb_bert_layer *src = &m->layer[i];
        cpu_layer *l = &st->layers[i];

#define BIND(f) if (!(l->f = as_f32(st, src->f, err))) return -1
        BIND(q_w); BIND(q_b); BIND(k_w); BIND(k_b); BIND(v_w); BIND(v_b);
        BIND(o_w); BIND(o_b); BIND(ln1_w); BIND(ln1_b);
        BIND(in_w); BIND(in_b); BIND(out_w); BIND(out_b);
        BIND(ln2_w); BIND(ln2_b);
#undef BIND
    }
    return 0;
}

static int alloc_workers(cpu_state *st, rb_error *err)
{
    size_t t = st->max_tokens, h = st->hidden, l = st->max_length;
    int w;

    st->workers = rb_calloc((size_t)st->nworkers, sizeof *st->workers);
    if (!st->workers)
        return rb_error_oom(err);
    for (w = 0; w < st->nworkers; w++) {
        cpu_worker *wk = &st->workers[w];

        wk->x = rb_malloc(t * h * sizeof(float));
        wk->y = rb_malloc(t * h * sizeof(float));
        wk->q = rb_malloc(t * h * sizeof(float));
        wk->k = rb_malloc(t * h * sizeof(float));
        wk->v = rb_malloc(t * h * sizeof(float));
        wk->ctx = rb_malloc(t * h * sizeof(float));
        wk->inter = rb_malloc(t * st->inter * sizeof(float));
        wk->scores = rb_malloc(l * l * sizeof(float));
        if (!wk->x || !wk->y || !wk->q || !wk->k || !wk->v || !wk->ctx ||
            !wk->inter || !wk->scores)
            return rb_error_oom(err);
    }
    return 0;
}

static void cpu_destroy(void *state)
{
    cpu_state *st = state;
    size_t i;
    int w;

    if (!st)
        return;
    for (i = 0; i < st->nowned; i++)
        rb_free(st->owned[i]);
    rb_free(st->owned);
    rb_free(st->layers);
    for (w = 0; st->workers && w < st->nworkers; w++) {
        cpu_worker *wk = &st->workers[w];

        rb_free(wk->x);
        rb_free(wk->y);
        rb_free(wk->q);
        rb_free(wk->k);
        rb_free(wk->v);
        rb_free(wk->ctx);
        rb_free(wk->inter);
        rb_free(wk->scores);
    }
    rb_free(st->workers);
    rb_free(st);
}

static int cpu_create(const rb_model *m, const rb_backend_config *cfg,
                      void **state, rb_error *err)
{
    cpu_state *st = rb_calloc(1, sizeof *st);

    *state = NULL;
    if (!st)
        return rb_error_oom(err);
    st->m = m;
    st->hidden = (size_t)m->cfg.hidden;
    st->inter = (size_t)m->cfg.intermediate;
    st->heads = (size_t)m->cfg.heads;
    st->head_dim = st->hidden / st->heads;
    st->eps = (float)m->cfg.layer_norm_eps;
    st->max_tokens = cfg->max_tokens;
    st->max_length = cfg->max_length;
    st->nworkers = rb_threads_resolve(cfg->threads);
    if (cfg->precision && strcmp(cfg->precision, "fp32") != 0) {
        cpu_destroy(st);
        return rb_error_set(err, "the CPU backend computes in fp32, not "
                            "\"%s\"", cfg->precision);
    }
    if (bind_weights(st, err) < 0 || alloc_workers(st, err) < 0) {
        cpu_destroy(st);
        return -1;
    }
    *state = st;
    return 0;
}

static int cpu_workers(void *state)
{
    return ((cpu_state *)state)->nworkers;
}

/* Workers run BLAS single-threaded while a series of batches runs. */
static void cpu_begin(void *state)
{
    cpu_state *st = state;

    st->saved_blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
}

static void cpu_end(void *state)
{
    cpu_state *st = state;

    if (st->saved_blas_threads > 0)
        openblas_set_num_threads(st->saved_blas_threads);
}

/* y[m x n] = scale (x[m x k] w[n x k]^T + bias): the bias is written
 * first and BLAS adds the product onto it (beta = 1), which spares both a
 * pass to clear y and one to add the bias. */
static void linear(const float *x, size_t m, size_t k, const float *w,
                   const float *bias, float scale, size_t n, float *y)
{
    size_t i, j;

    for (j = 0; j < n; j++)
        y[j] = bias[j] * scale;
    for (i = 1; i < m; i++)
        memcpy(y + i * n, y, n * sizeof *y);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n,
                (int)k, scale, x, (int)k, w, (int)k, 1.0f, y, (int)n);
}

static void embed(const cpu_state *st, const rb_token_batch *b, float *x)
{
    size_t h = st->hidden, s, ntok = b->offsets[b->nseq];

    for (s = 0; s < b->nseq; s++) {
        size_t t, begin = b->offsets[s], end = b->offsets[s + 1];

        for (t = begin; t < end; t++) {
            const float *wv = st->word + (size_t)b->ids[t] * h;
            const float *pv = st->pos + (t - begin) * h;
            float *row = x + t * h;
            size_t j;

            /* Single sequences have token type 0 throughout. */
            for (j = 0; j < h; j++)
                row[j] = wv[j] + pv[j] + st->type[j];
        }
    }
    rb_cpu_layernorm(x, NULL, NULL, st->eln_w, st->eln_b, st->eps, ntok, h);
}

/* Self-attention of each sequence over its own tokens: ctx receives the
 * heads' outputs side by side. */
static void attention(const cpu_state *st, cpu_worker *wk,
                      const rb_token_batch *b)
{
    size_t h = st->hidden, d = st->head_dim, s, hd;

    for (s = 0; s < b->nseq; s++) {
        size_t o = b->offsets[s], len = b->offsets[s + 1] - o;

        for (hd = 0; hd < st->heads; hd++) {
            const float *q = wk->q + o * h + hd * d;
            const float *k = wk->k + o * h + hd * d;
            const float *v = wk->v + o * h + hd * d;

            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)len,
                        (int)len, (int)d, 1.0f, q, (int)h, k, (int)h, 0.0f,
                        wk->scores, (int)len);
            rb_cpu_softmax(wk->scores, len, len, len);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)len,
                        (int)d, (int)len, 1.0f, wk->scores, (int)len, v,
                        (int)h, 0.0f, wk->ctx + o * h + hd * d, (int)h);
        }
    }
}

/* The rest of a layer once attention has filled ctx, for n rows:
 * mid = LN(ctx Wo + bo + in); out = LN(act(mid Wi + bi) Wout + bout +
 * mid). out may be in. */
static void output_and_feed_forward(const cpu_state *st, const cpu_layer *l,
                                    cpu_worker *wk, size_t n,
                                    const float *in, float *mid, float *out)
{
    size_t h = st->hidden, inter = st->inter;

    linear(wk->ctx, n, h, l->o_w, l->o_b, 1.0f, h, mid);
    rb_cpu_layernorm(mid, NULL, in, l->ln1_w, l->ln1_b, st->eps, n, h);
    linear(mid, n, h, l->in_w, l->in_b, 1.0f, inter, wk->inter);
    rb_cpu_bias_act(wk->inter, NULL, st->m->cfg.act, n, inter);
    linear(wk->inter, n, inter, l->out_w, l->out_b, 1.0f, h, out);
    rb_cpu_layernorm(out, NULL, mid, l->ln2_w, l->ln2_b, st->eps, n, h);
}

/* One post-LayerNorm transformer layer: x is replaced by its output. */
static void layer_forward(const cpu_state *st, const cpu_layer *l,
                          cpu_worker *wk, const rb_token_batch *b,
                          size_t ntok)
{
    size_t h = st->hidden;
    float scale = 1.0f / sqrtf((float)st->head_dim);

    linear(wk->x, ntok, h, l->q_w, l->q_b, scale, h, wk->q);
    linear(wk->x, ntok, h, l->k_w, l->k_b, 1.0f, h, wk->k);
    linear(wk->x, ntok, h, l->v_w, l->v_b, 1.0f, h, wk->v);
    attention(st, wk, b);
    output_and_feed_forward(st, l, wk, ntok, wk->x, wk->y, wk->x);
}

/* The row of sequence s that one-token pooling reads. */
static size_t pooled_row(const rb_token_batch *b, size_t s, int last_token)
{
    return last_token ? b->offsets[s + 1] - 1 : b->offsets[s];
}

/* The last layer when pooling reads one token of each sequence (CLS or
 * the last token) and no hidden states are wanted. Keys and values still
 * come from every token, but the queries, attention, output projection,
 * feed-forward block and both LayerNorms run for those tokens alone: on
 * BERT-base some 83% of the layer's arithmetic. The results land in
 * their tokens' rows of x, the only rows pooling reads. */
static void last_layer_one_token(const cpu_state *st, const cpu_layer *l,
                                 cpu_worker *wk, const rb_token_batch *b,
                                 size_t ntok, int last_token)
{
    size_t h = st->hidden, d = st->head_dim, n = b->nseq, s, hd;
    float scale = 1.0f / sqrtf((float)d);

    linear(wk->x, ntok, h, l->k_w, l->k_b, 1.0f, h, wk->k);
    linear(wk->x, ntok, h, l->v_w, l->v_b, 1.0f, h, wk->v);
    for (s = 0; s < n; s++)
        memcpy(wk->y + s * h, wk->x + pooled_row(b, s, last_token) * h,
               h * sizeof *wk->y);
    linear(wk->y, n, h, l->q_w, l->q_b, scale, h, wk->q);
    for (s = 0; s < n; s++) {
        size_t o = b->offsets[s], len = b->offsets[s + 1] - o;

        for (hd = 0; hd < st->heads; hd++) {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)len, (int)d, 1.0f,
                        wk->k + o * h + hd * d, (int)h,
                        wk->q + s * h + hd * d, 1, 0.0f, wk->scores, 1);
            rb_cpu_softmax(wk->scores, 1, len, len);
            cblas_sgemv(CblasRowMajor, CblasTrans, (int)len, (int)d, 1.0f,
                        wk->v + o * h + hd * d, (int)h, wk->scores, 1, 0.0f,
                        wk->ctx + s * h + hd * d, 1);
        }
    }
    /* The gathered rows in y are the residual; q is free for the middle. */
    output_and_feed_forward(st, l, wk, n, wk->y, wk->q, wk->y);
    for (s = 0; s < n; s++)
        memcpy(wk->x + pooled_row(b, s, last_token) * h, wk->y + s * h,
               h * sizeof *wk->x);
}

/* out[j] = sum over rows i of weight(i) * h[i][j], row by row. */
static void weighted_sum(const float *h, size_t n, size_t dim, int by_pos,
                         float *out)
{
    size_t i, j;

    memset(out, 0, dim * sizeof *out);
    for (i = 0; i < n; i++) {
        float w = by_pos ? (float)(i + 1) : 1.0f;

        for (j = 0; j < dim; j++)
            out[j] += w * h[i * dim + j];
    }
}

void rb_pool_sequence(const float *h, size_t n, size_t dim, unsigned modes,
                      int normalize, float *out)
{
    float *o = out;
    size_t i, j;

    if (modes & RB_POOL_CLS) {
        memcpy(o, h, dim * sizeof *o);
        o += dim;
    }
    if (modes & RB_POOL_MEAN) {
        weighted_sum(h, n, dim, 0, o);
        for (j = 0; j < dim; j++)
            o[j] /= (float)n;
        o += dim;
    }
    if (modes & RB_POOL_MAX) {
        memcpy(o, h, dim * sizeof *o);
        for (i = 1; i < n; i++)
            for (j = 0; j < dim; j++)
                if (h[i * dim + j] > o[j])
                    o[j] = h[i * dim + j];
        o += dim;
    }
    if (modes & RB_POOL_MEAN_SQRT_LEN) {
        weighted_sum(h, n, dim, 0, o);
        for (j = 0; j < dim; j++)
            o[j] /= sqrtf((float)n);
        o += dim;
    }
    if (modes & RB_POOL_WEIGHTED_MEAN) {
        /* Weights 1, 2, ..., n by position. */
        weighted_sum(h, n, dim, 1, o);
        for (j = 0; j < dim; j++)
            o[j] /= (float)n * (float)(n + 1) / 2;
        o += dim;
    }
    if (modes & RB_POOL_LAST_TOKEN) {
        memcpy(o, h + (n - 1) * dim, dim * sizeof *o);
        o += dim;
    }
    if (normalize) {
        size_t total = (size_t)(o - out);
        double norm = 0;

        for (j = 0; j < total; j++)
            norm += (double)out[j] * out[j];
        norm = sqrt(norm);
        if (norm < 1e-12)
            norm = 1e-12;
        for (j = 0; j < total; j++)
            out[j] = (float)(out[j] / norm);
    }
}

static int check_batch(const cpu_state *st, const rb_token_batch *b,
                       rb_error *err)
{
    size_t s, t;

    if (b->offsets[0] != 0 || b->offsets[b->nseq] > st->max_tokens)
        return rb_error_set(err, "a batch of %zu tokens exceeds the "
                            "backend's %zu", b->offsets[b->nseq],
                            st->max_tokens);
    for (s = 0; s < b->nseq; s++) {
        size_t len = b->offsets[s + 1] - b->offsets[s];

        if (b->offsets[s + 1] < b->offsets[s] || len == 0 ||
            len > st->max_length)
            return rb_error_set(err, "sequence %zu has %zu tokens (1 to %zu "
                                "allowed)", s, len, st->max_length);
    }
    for (t = 0; t < b->offsets[b->nseq]; t++)
        if (b->ids[t] < 0 || b->ids[t] >= st->m->cfg.vocab_size)
            return rb_error_set(err, "token id %d is outside the "
                                "vocabulary (%d)", (int)b->ids[t],
                                st->m->cfg.vocab_size);
    return 0;
}

static int cpu_forward(void *state, int w, const rb_token_batch *b,
                       unsigned pooling, int normalize, float *hidden,
                       float *pooled, rb_error *err)
{
    cpu_state *st = state;
    cpu_worker *wk = &st->workers[w];
    size_t ntok = b->offsets[b->nseq], h = st->hidden, s, i;
    size_t dim = rb_model_pooled_dim(st->m, pooling);
    size_t layers = (size_t)st->m->cfg.layers;
    int one_token;

    if (check_batch(st, b, err) < 0)
        return -1;
    embed(st, b, wk->x);
    /* Pooling that reads one token per sequence needs the last layer for
     * that token only. */
    one_token = !hidden && (pooling == RB_POOL_CLS ||
                            pooling == RB_POOL_LAST_TOKEN);
    for (i = 0; i < layers; i++) {
        if (i + 1 == layers && one_token)
            last_layer_one_token(st, &st->layers[i], wk, b, ntok,
                                 pooling == RB_POOL_LAST_TOKEN);
        else
            layer_forward(st, &st->layers[i], wk, b, ntok);
    }
    if (hidden)
        memcpy(hidden, wk->x, ntok * h * sizeof *hidden);
    if (pooled)
        for (s = 0; s < b->nseq; s++)
            rb_pool_sequence(wk->x + b->offsets[s] * h,
                             b->offsets[s + 1] - b->offsets[s], h, pooling,
                             normalize, pooled + s * dim);
    return 0;
}

static json_t *cpu_describe(void *state)
{
    cpu_state *st = state;

    return json_pack("{s:s, s:s, s:s, s:i, s:I}",
                     "backend", "cpu", "blas", openblas_get_corename(),
                     "kernels", rb_cpu_kernels_name(),
                     "threads", st->nworkers,
                     "batch_tokens", (json_int_t)st->max_tokens);
}

const rb_backend_ops rb_cpu_backend = {
    "cpu", cpu_create, cpu_workers, cpu_begin, cpu_end, cpu_forward,
    cpu_describe, cpu_destroy,
};
