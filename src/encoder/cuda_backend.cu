/*
 * The CUDA backend: BERT's forward pass on one GPU. Matrix products run
 * on cuBLAS in FP16 or BF16 with FP32 accumulation (tensor cores);
 * embeddings, LayerNorm, GELU, the attention softmax with its padding
 * mask, head splitting and pooling are kernels of this file, all
 * computing in FP32 and storing in the 16-bit type.
 *
 * A batch is padded to its longest sequence (the encoder sorts by length,
 * so there is little padding). Every CUDA and cuBLAS call is checked and a
 * failure comes back as an error naming the call and the place.
 */

extern "C" {
#include "base/log.h"
#include "base/mem.h"
#include "encoder/backend.h"
#include "encoder/dtype.h"
}

#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "encoder/cuda_check.cuh"
#include "encoder/cuda_device.cuh"

#define LN_PER_THREAD 16               /* hidden sizes up to 4096 */
#define MAX_HIDDEN (BLOCK * LN_PER_THREAD)
#define ATTENTION_BYTES ((size_t)512 << 20)

/* ---- 16-bit types ---- */

template <typename T> __device__ inline float to_f(T v);
template <> __device__ inline float to_f<__half>(__half v)
{
    return __half2float(v);
}
template <> __device__ inline float to_f<__nv_bfloat16>(__nv_bfloat16 v)
{
    return __bfloat162float(v);
}

template <typename T> __device__ inline T from_f(float v);
template <> __device__ inline __half from_f<__half>(float v)
{
    return __float2half(v);
}
template <> __device__ inline __nv_bfloat16 from_f<__nv_bfloat16>(float v)
{
    return __float2bfloat16(v);
}

/* ---- kernels ---- */

/* LayerNorm of one row whose elements threadIdx.x + i * BLOCK this thread
 * holds in v (sum: their sum), scaled and shifted, stored at out. */
template <typename T>
__device__ void normalize_row(const float (&v)[LN_PER_THREAD], float sum,
                              const float *gamma, const float *beta, T *out,
                              int hidden, float eps, float *red)
{
    float mean = block_reduce(sum, false, red) / hidden, q = 0;

#pragma unroll
    for (int i = 0; i < LN_PER_THREAD; i++) {
        int j = threadIdx.x + i * BLOCK;

        if (j < hidden)
            q += (v[i] - mean) * (v[i] - mean);
    }
    float inv = rsqrtf(block_reduce(q, false, red) / hidden + eps);
#pragma unroll
    for (int i = 0; i < LN_PER_THREAD; i++) {
        int j = threadIdx.x + i * BLOCK;

        if (j < hidden)
            out[j] = from_f<T>((v[i] - mean) * inv * gamma[j] + beta[j]);
    }
}

/* Row r of a padded batch: LayerNorm(word[id] + pos[r % len] + type0). */
template <typename T>
__global__ void k_embed(const int32_t *ids, const float *word,
                        const float *pos, const float *type,
                        const float *gamma, const float *beta, T *out,
                        int seq, int hidden, float eps)
{
    __shared__ float red[33];
    size_t row = blockIdx.x;
    int p = (int)(row % (size_t)seq);
    const float *w = word + (size_t)ids[row] * hidden;
    const float *pp = pos + (size_t)p * hidden;
    float v[LN_PER_THREAD], s = 0;

#pragma unroll
    for (int i = 0; i < LN_PER_THREAD; i++) {
        int j = threadIdx.x + i * BLOCK;

        v[i] = j < hidden ? w[j] + pp[j] + type[j] : 0.0f;
        s += v[i];
    }
    normalize_row<T>(v, s, gamma, beta, out + row * hidden, hidden, eps, red);
}

/* out = LayerNorm(a + bias + res); out may be a, not res. */
template <typename T>
__global__ void k_layernorm(const T *a, const float *bias, const T *res,
                            const float *gamma, const float *beta, T *out,
                            int hidden, float eps)
{
    __shared__ float red[33];
    size_t row = blockIdx.x;
    float v[LN_PER_THREAD], s = 0;

#pragma unroll
    for (int i = 0; i < LN_PER_THREAD; i++) {
        int j = threadIdx.x + i * BLOCK;

        v[i] = j < hidden ? to_f(a[row * hidden + j]) + bias[j] +
                            to_f(res[row * hidden + j]) : 0.0f;
        s += v[i];
    }
    normalize_row<T>(v, s, gamma, beta, out + row * hidden, hidden, eps, red);
}

/* qkv [rows, 3H] plus bias into q, k, v laid out [batch, heads, seq, d];
 * q is scaled by 1 / sqrt(d). */
template <typename T>
__global__ void k_split_heads(const T *qkv, const float *bias, T *q, T *k,
                              T *v, int seq, int heads, int d, float scale,
                              size_t total)
{
    size_t hidden = (size_t)heads * d;

    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
         i < total; i += (size_t)gridDim.x * blockDim.x) {
        size_t row = i / (3 * hidden), c = i % (3 * hidden);
        size_t which = c / hidden, hc = c % hidden;
        size_t b = row / seq, t = row % seq, h = hc / d, dd = hc % d;
        size_t dst = ((b * heads + h) * seq + t) * d + dd;
        float val = to_f(qkv[i]) + bias[c];

        if (which == 0)
            q[dst] = from_f<T>(val * scale);
        else if (which == 1)
            k[dst] = from_f<T>(val);
        else
            v[dst] = from_f<T>(val);
    }
}

/* Softmax of score rows over each sequence's real keys; padded keys get
 * probability 0. Rows belong to sequences first + row / (heads * seq). */
template <typename T>
__global__ void k_softmax(const float *scores, T *probs, const int *lens,
                          int first, int heads, int seq)
{
    __shared__ float red[33];
    size_t row = blockIdx.x;
    int len = lens[first + (int)(row / ((size_t)heads * seq))];
    const float *s = scores + row * seq;
    T *p = probs + row * seq;
    float mx = -INFINITY, sum = 0;

    for (int j = threadIdx.x; j < len; j += blockDim.x)
        mx = fmaxf(mx, s[j]);
    mx = block_reduce(mx, true, red);
    for (int j = threadIdx.x; j < len; j += blockDim.x)
        sum += __expf(s[j] - mx);
    sum = block_reduce(sum, false, red);
    for (int j = threadIdx.x; j < seq; j += blockDim.x)
        p[j] = from_f<T>(j < len ? __expf(s[j] - mx) / sum : 0.0f);
}

/* [batch, heads, seq, d] back to [rows, heads * d]. */
template <typename T>
__global__ void k_merge_heads(const T *in, T *out, int seq, int heads,
                              int d, size_t total)
{
    size_t hidden = (size_t)heads * d;

    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
         i < total; i += (size_t)gridDim.x * blockDim.x) {
        size_t row = i / hidden, c = i % hidden;
        size_t b = row / seq, t = row % seq, h = c / d, dd = c % d;

        out[i] = in[((b * heads + h) * seq + t) * d + dd];
    }
}

template <typename T>
__global__ void k_bias_act(T *y, const float *bias, int n, int act,
                           size_t total)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
         i < total; i += (size_t)gridDim.x * blockDim.x) {
        y[i] = from_f<T>(activate(to_f(y[i]) + bias[i % n], act));
    }
}

/* One block per sequence: pooled vector(s), then L2 normalisation. */
template <typename T>
__global__ void k_pool(const T *x, const int *lens, float *out, int seq,
                       int hidden, unsigned modes, int nmodes, int normalize)
{
    __shared__ float red[33];
    int b = blockIdx.x, len = lens[b], dim = nmodes * hidden;
    const T *base = x + (size_t)b * seq * hidden;
    float *o = out + (size_t)b * dim;

    for (int j = threadIdx.x; j < hidden; j += blockDim.x) {
        float sum = 0, wsum = 0, mx = -INFINITY;
        int k = 0;

        for (int t = 0; t < len; t++) {
            float v = to_f(base[(size_t)t * hidden + j]);

            sum += v;
            wsum += (float)(t + 1) * v;
            mx = fmaxf(mx, v);
        }
        if (modes & RB_POOL_CLS)
            o[k++ * hidden + j] = to_f(base[j]);
        if (modes & RB_POOL_MEAN)
            o[k++ * hidden + j] = sum / len;
        if (modes & RB_POOL_MAX)
            o[k++ * hidden + j] = mx;
        if (modes & RB_POOL_MEAN_SQRT_LEN)
            o[k++ * hidden + j] = sum / sqrtf((float)len);
        if (modes & RB_POOL_WEIGHTED_MEAN)
            o[k++ * hidden + j] = wsum / (0.5f * len * (len + 1.0f));
        if (modes & RB_POOL_LAST_TOKEN)
            o[k++ * hidden + j] = to_f(base[(size_t)(len - 1) * hidden + j]);
    }
    if (!normalize)
        return;
    __syncthreads();
    float ss = 0;

    for (int j = threadIdx.x; j < dim; j += blockDim.x)
        ss += o[j] * o[j];
    float norm = fmaxf(sqrtf(block_reduce(ss, false, red)), 1e-12f);

    for (int j = threadIdx.x; j < dim; j += blockDim.x)
        o[j] /= norm;
}

/* The real tokens' hidden states, packed, in FP32. */
template <typename T>
__global__ void k_export(const T *x, const int *lens, const long long *offs,
                         float *out, int seq, int hidden)
{
    size_t row = blockIdx.x;
    int b = (int)(row / seq), t = (int)(row % seq);

    if (t >= lens[b])
        return;
    for (int j = threadIdx.x; j < hidden; j += blockDim.x)
        out[((size_t)offs[b] + t) * hidden + j] =
            to_f(x[row * hidden + j]);
}

template <typename T>
__global__ void k_from_f32(const float *in, T *out, size_t n)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        out[i] = from_f<T>(in[i]);
}

/* ---- state ---- */

typedef struct cuda_layer {
    void *qkv_w, *o_w, *in_w, *out_w;      /* 16-bit, [out, in] */
    float *qkv_b, *o_b, *ln1_w, *ln1_b, *in_b, *out_b, *ln2_w, *ln2_b;
} cuda_layer;

typedef struct cuda_state {
    const rb_model *m;
    int device, bf16;
    cudaDataType_t dtype;
    size_t elem;                  /* bytes of the 16-bit type */
    char gpu_name[256];
    int cc_major, cc_minor;
    cudaStream_t stream;
    cublasHandle_t cublas;
    float *word, *pos, *type, *eln_w, *eln_b;
    cuda_layer *layers;
    size_t max_seqs, max_length, max_tokens, attn_seqs;
    int hidden, inter, heads, head_dim, pad_id;
    /* device workspace */
    int32_t *d_ids;
    int *d_lens;
    long long *d_offs;
    void *x, *y, *qkv, *q, *k, *v, *ctx, *inter_buf, *probs;
    float *scores, *d_pooled, *d_hidden;
    size_t d_hidden_cap;
    /* pinned host staging */
    int32_t *h_ids;
    int *h_lens;
    long long *h_offs;
    float *h_pooled;
} cuda_state;

extern "C" int rb_cuda_module_devices(char *why, size_t size)
{
    int n = 0;
    cudaError_t rc = cudaGetDeviceCount(&n);

    if (rc != cudaSuccess) {
        snprintf(why, size, "%s", cudaGetErrorString(rc));
        cudaGetLastError();
        return 0;
    }
    if (n == 0)
        snprintf(why, size, "no CUDA device found");
    return n;
}

/* A float copy of tensor t on the device, at *out (new allocation). */
static int upload_f32(const rb_tensor *t, float **out, rb_error *err)
{
    float *host = (float *)rb_malloc(t->numel * sizeof(float));
    cudaError_t rc;

    *out = NULL;
    if (!host)
        return rb_error_oom(err);
    if (rb_tensor_to_f32(t, host) < 0) {
        rb_free(host);
        return rb_error_set(err, "tensor \"%s\": dtype %s", t->name,
                            t->dtype_name);
    }
    rc = cudaMalloc((void **)out, t->numel * sizeof(float));
    if (rc == cudaSuccess)
        rc = cudaMemcpy(*out, host, t->numel * sizeof(float),
                        cudaMemcpyHostToDevice);
    rb_free(host);
    if (rc != cudaSuccess)
        return rb_error_set(err, "%s:%d: uploading \"%s\": %s", __FILE__,
                            __LINE__, t->name, cudaGetErrorString(rc));
    return 0;
}

/* Tensors t[0..n) (same column count) stacked into one 16-bit matrix. */
static int upload_stacked(cuda_state *st, const rb_tensor *const *t, int n,
                          void **out, rb_error *err)
{
    size_t total = 0, off = 0;
    int i;

    for (i = 0; i < n; i++)
        total += t[i]->numel;
    CUDA_CHECK(cudaMalloc(out, total * st->elem));
    for (i = 0; i < n; i++) {
        float *tmp;
        char *dst = (char *)*out + off * st->elem;

        if (upload_f32(t[i], &tmp, err) < 0)
            return -1;
        if (st->bf16)
            k_from_f32<__nv_bfloat16><<<grid_for(t[i]->numel), BLOCK>>>(
                tmp, (__nv_bfloat16 *)dst, t[i]->numel);
        else
            k_from_f32<__half><<<grid_for(t[i]->numel), BLOCK>>>(
                tmp, (__half *)dst, t[i]->numel);
        cudaError_t launch = cudaGetLastError();
        cudaError_t sync = cudaDeviceSynchronize();

        cudaFree(tmp);
        if (launch != cudaSuccess || sync != cudaSuccess)
            return rb_error_set(err, "%s:%d: converting \"%s\": %s",
                                __FILE__, __LINE__, t[i]->name,
                                cudaGetErrorString(launch != cudaSuccess
                                                   ? launch : sync));
        off += t[i]->numel;
    }
    return 0;
}

/* A vector made of tensors t[0..n) end to end, in FP32. */
static int upload_concat(const rb_tensor *const *t, int n, float **out,
                         rb_error *err)
{
    size_t total = 0, off = 0;
    int i;

    for (i = 0; i < n; i++)
        total += t[i]->numel;
    CUDA_CHECK(cudaMalloc((void **)out, total * sizeof(float)));
    for (i = 0; i < n; i++) {
        float *tmp;

        if (upload_f32(t[i], &tmp, err) < 0)
            return -1;
        cudaError_t rc = cudaMemcpy(*out + off, tmp,
                                    t[i]->numel * sizeof(float),
                                    cudaMemcpyDeviceToDevice);
        cudaFree(tmp);
        if (rc != cudaSuccess)
            return rb_error_set(err, "%s:%d: copying \"%s\": %s", __FILE__,
                                __LINE__, t[i]->name,
                                cudaGetErrorString(rc));
        off += t[i]->numel;
    }
    return 0;
}

static int upload_weights(cuda_state *st, rb_error *err)
{
    const rb_model *m = st->m;
    int i;

    if (upload_f32(m->word_emb, &st->word, err) < 0 ||
        upload_f32(m->pos_emb, &st->pos, err) < 0 ||
        upload_f32(m->type_emb, &st->type, err) < 0 ||
        upload_f32(m->emb_ln_w, &st->eln_w, err) < 0 ||
        upload_f32(m->emb_ln_b, &st->eln_b, err) < 0)
        return -1;
    st->layers = (cuda_layer *)rb_calloc((size_t)m->cfg.layers,
                                         sizeof *st->layers);
    if (!st->layers)
        return rb_error_oom(err);
    for (i = 0; i < m->cfg.layers; i++) {
        const rb_bert_layer *s = &m->layer[i];
        cuda_layer *l = &st->layers[i];
        const rb_tensor *qkv_w[3] = {s->q_w, s->k_w, s->v_w};
        const rb_tensor *qkv_b[3] = {s->q_b, s->k_b, s->v_b};

        if (upload_stacked(st, qkv_w, 3, &l->qkv_w, err) < 0 ||
            upload_concat(qkv_b, 3, &l->qkv_b, err) < 0 ||
            upload_stacked(st, &s->o_w, 1, &l->o_w, err) < 0 ||
            upload_f32(s->o_b, &l->o_b, err) < 0 ||
            upload_f32(s->ln1_w, &l->ln1_w, err) < 0 ||
            upload_f32(s->ln1_b, &l->ln1_b, err) < 0 ||
            upload_stacked(st, &s->in_w, 1, &l->in_w, err) < 0 ||
            upload_f32(s->in_b, &l->in_b, err) < 0 ||
            upload_stacked(st, &s->out_w, 1, &l->out_w, err) < 0 ||
            upload_f32(s->out_b, &l->out_b, err) < 0 ||
            upload_f32(s->ln2_w, &l->ln2_w, err) < 0 ||
            upload_f32(s->ln2_b, &l->ln2_b, err) < 0)
            return -1;
    }
    return 0;
}

static int alloc_workspace(cuda_state *st, rb_error *err)
{
    size_t t = st->max_tokens, h = (size_t)st->hidden, e = st->elem;
    size_t per_seq = (size_t)st->heads * st->max_length * st->max_length *
                     (sizeof(float) + e);

    st->attn_seqs = ATTENTION_BYTES / per_seq;
    if (st->attn_seqs < 1)
        st->attn_seqs = 1;
    if (st->attn_seqs > st->max_seqs)
        st->attn_seqs = st->max_seqs;
    CUDA_CHECK(cudaMalloc((void **)&st->d_ids, t * sizeof(int32_t)));
    CUDA_CHECK(cudaMalloc((void **)&st->d_lens, st->max_seqs * sizeof(int)));
    CUDA_CHECK(cudaMalloc((void **)&st->d_offs,
                          (st->max_seqs + 1) * sizeof(long long)));
    CUDA_CHECK(cudaMalloc(&st->x, t * h * e));
    CUDA_CHECK(cudaMalloc(&st->y, t * h * e));
    CUDA_CHECK(cudaMalloc(&st->qkv, 3 * t * h * e));
    CUDA_CHECK(cudaMalloc(&st->q, t * h * e));
    CUDA_CHECK(cudaMalloc(&st->k, t * h * e));
    CUDA_CHECK(cudaMalloc(&st->v, t * h * e));
    CUDA_CHECK(cudaMalloc(&st->ctx, t * h * e));
    CUDA_CHECK(cudaMalloc(&st->inter_buf, t * (size_t)st->inter * e));
    CUDA_CHECK(cudaMalloc((void **)&st->scores, st->attn_seqs * per_seq /
                          (sizeof(float) + e) * sizeof(float)));
    CUDA_CHECK(cudaMalloc(&st->probs, st->attn_seqs * per_seq /
                          (sizeof(float) + e) * e));
    CUDA_CHECK(cudaMalloc((void **)&st->d_pooled,
                          st->max_seqs * 6 * h * sizeof(float)));
    CUDA_CHECK(cudaMallocHost((void **)&st->h_ids, t * sizeof(int32_t)));
    CUDA_CHECK(cudaMallocHost((void **)&st->h_lens,
                              st->max_seqs * sizeof(int)));
    CUDA_CHECK(cudaMallocHost((void **)&st->h_offs,
                              (st->max_seqs + 1) * sizeof(long long)));
    CUDA_CHECK(cudaMallocHost((void **)&st->h_pooled,
                              st->max_seqs * 6 * h * sizeof(float)));
    return 0;
}

static void cuda_destroy(void *state)
{
    cuda_state *st = (cuda_state *)state;
    int i;

    if (!st)
        return;
    cudaSetDevice(st->device);
    for (i = 0; st->layers && i < st->m->cfg.layers; i++) {
        cuda_layer *l = &st->layers[i];

        cudaFree(l->qkv_w);
        cudaFree(l->o_w);
        cudaFree(l->in_w);
        cudaFree(l->out_w);
        cudaFree(l->qkv_b);
        cudaFree(l->o_b);
        cudaFree(l->ln1_w);
        cudaFree(l->ln1_b);
        cudaFree(l->in_b);
        cudaFree(l->out_b);
        cudaFree(l->ln2_w);
        cudaFree(l->ln2_b);
    }
    rb_free(st->layers);
    cudaFree(st->word);
    cudaFree(st->pos);
    cudaFree(st->type);
    cudaFree(st->eln_w);
    cudaFree(st->eln_b);
    cudaFree(st->d_ids);
    cudaFree(st->d_lens);
    cudaFree(st->d_offs);
    cudaFree(st->x);
    cudaFree(st->y);
    cudaFree(st->qkv);
    cudaFree(st->q);
    cudaFree(st->k);
    cudaFree(st->v);
    cudaFree(st->ctx);
    cudaFree(st->inter_buf);
    cudaFree(st->scores);
    cudaFree(st->probs);
    cudaFree(st->d_pooled);
    cudaFree(st->d_hidden);
    cudaFreeHost(st->h_ids);
    cudaFreeHost(st->h_lens);
    cudaFreeHost(st->h_offs);
    cudaFreeHost(st->h_pooled);
    if (st->cublas)
        cublasDestroy(st->cublas);
    if (st->stream)
        cudaStreamDestroy(st->stream);
    cudaGetLastError();
    rb_free(st);
}

static int setup(cuda_state *st, const rb_backend_config *cfg, rb_error *err)
{
    cudaDeviceProp prop;

    CUDA_CHECK(cudaSetDevice(cfg->device));
    CUDA_CHECK(cudaGetDeviceProperties(&prop, cfg->device));
    snprintf(st->gpu_name, sizeof st->gpu_name, "%s", prop.name);
    st->cc_major = prop.major;
    st->cc_minor = prop.minor;
    if (st->bf16 && prop.major < 8)
        return rb_error_set(err, "GPU \"%s\" (compute capability %d.%d) "
                            "has no bf16 arithmetic: use fp16", prop.name,
                            prop.major, prop.minor);
    CUDA_CHECK(cudaStreamCreateWithFlags(&st->stream,
                                         cudaStreamNonBlocking));
    CUBLAS_CHECK(cublasCreate(&st->cublas));
    CUBLAS_CHECK(cublasSetStream(st->cublas, st->stream));
    if (upload_weights(st, err) < 0 || alloc_workspace(st, err) < 0)
        return -1;
    return 0;
}

static int cuda_create(const rb_model *m, const rb_backend_config *cfg,
                       void **state, rb_error *err)
{
    cuda_state *st = (cuda_state *)rb_calloc(1, sizeof *st);
    const char *prec = cfg->precision ? cfg->precision : "fp16";

    *state = NULL;
    if (!st)
        return rb_error_oom(err);
    st->m = m;
    st->device = cfg->device;
    if (strcmp(prec, "fp16") == 0) {
        st->dtype = CUDA_R_16F;
    } else if (strcmp(prec, "bf16") == 0) {
        st->dtype = CUDA_R_16BF;
        st->bf16 = 1;
    } else {
        rb_free(st);
        return rb_error_set(err, "the CUDA backend computes in fp16 or "
                            "bf16, not \"%s\"", prec);
    }
    st->elem = 2;
    st->hidden = m->cfg.hidden;
    st->inter = m->cfg.intermediate;
    st->heads = m->cfg.heads;
    st->head_dim = m->cfg.hidden / m->cfg.heads;
    st->pad_id = rb_wordpiece_pad_id(m->tokenizer);
    st->max_seqs = cfg->max_seqs;
    st->max_length = cfg->max_length;
    st->max_tokens = cfg->max_seqs * cfg->max_length;
    if (st->hidden > MAX_HIDDEN) {
        rb_free(st);
        return rb_error_set(err, "hidden size %d is above the CUDA "
                            "backend's %d", m->cfg.hidden, MAX_HIDDEN);
    }
    if (setup(st, cfg, err) < 0) {
        cuda_destroy(st);
        return -1;
    }
    *state = st;
    return 0;
}

static int cuda_workers(void *state)
{
    (void)state;
    return 1;
}

/* y[rows x n] = x[rows x k] w[n x k]^T in the 16-bit type. */
static int gemm(cuda_state *st, const void *x, const void *w, void *y,
                int rows, int n, int k, rb_error *err)
{
    const float one = 1.0f, zero = 0.0f;

    CUBLAS_CHECK(cublasGemmEx(st->cublas, CUBLAS_OP_T, CUBLAS_OP_N, n, rows,
                              k, &one, w, st->dtype, k, x, st->dtype, k,
                              &zero, y, st->dtype, n, CUBLAS_COMPUTE_32F,
                              CUBLAS_GEMM_DEFAULT));
    return 0;
}

/* Attention for sequences [first, first + count) of the batch: scores,
 * masked softmax, and the weighted values written over q. */
template <typename T>
static int attention_group(cuda_state *st, int first, int count, int seq,
                           rb_error *err)
{
    const float one = 1.0f, zero = 0.0f;
    int d = st->head_dim, nb = count * st->heads;
    long long sd = (long long)seq * d, ss = (long long)seq * seq;
    T *q = (T *)st->q + (size_t)first * st->heads * sd;
    T *k = (T *)st->k + (size_t)first * st->heads * sd;
    T *v = (T *)st->v + (size_t)first * st->heads * sd;

    /* scores[q][k] = sum_d Q[q][d] K[k][d] (row-major, per head) */
    CUBLAS_CHECK(cublasGemmStridedBatchedEx(
        st->cublas, CUBLAS_OP_T, CUBLAS_OP_N, seq, seq, d, &one, k,
        st->dtype, d, sd, q, st->dtype, d, sd, &zero, st->scores,
        CUDA_R_32F, seq, ss, nb, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    k_softmax<T><<<(unsigned)((size_t)nb * seq), 128, 0, st->stream>>>(
        st->scores, (T *)st->probs, st->d_lens, first, st->heads, seq);
    LAUNCH_CHECK("softmax");
    /* context[q][d] = sum_k P[q][k] V[k][d], written over Q */
    CUBLAS_CHECK(cublasGemmStridedBatchedEx(
        st->cublas, CUBLAS_OP_N, CUBLAS_OP_N, d, seq, seq, &one, v,
        st->dtype, d, sd, st->probs, st->dtype, seq, ss, &zero, q,
        st->dtype, d, sd, nb, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    return 0;
}

template <typename T>
static int layer_forward(cuda_state *st, const cuda_layer *l, int nseq,
                         int seq, rb_error *err)
{
    int rows = nseq * seq, h = st->hidden, in = st->inter;
    size_t total = (size_t)rows * h;
    float eps = (float)st->m->cfg.layer_norm_eps;
    int g;

    if (gemm(st, st->x, l->qkv_w, st->qkv, rows, 3 * h, h, err) < 0)
        return -1;
    k_split_heads<T><<<grid_for(3 * total), BLOCK, 0, st->stream>>>(
        (const T *)st->qkv, l->qkv_b, (T *)st->q, (T *)st->k, (T *)st->v,
        seq, st->heads, st->head_dim, 1.0f / sqrtf((float)st->head_dim),
        3 * total);
    LAUNCH_CHECK("split_heads");
    for (g = 0; g < nseq; g += (int)st->attn_seqs) {
        int count = nseq - g < (int)st->attn_seqs ? nseq - g
                                                  : (int)st->attn_seqs;

        if (attention_group<T>(st, g, count, seq, err) < 0)
            return -1;
    }
    k_merge_heads<T><<<grid_for(total), BLOCK, 0, st->stream>>>(
        (const T *)st->q, (T *)st->ctx, seq, st->heads, st->head_dim,
        total);
    LAUNCH_CHECK("merge_heads");
    if (gemm(st, st->ctx, l->o_w, st->y, rows, h, h, err) < 0)
        return -1;
    k_layernorm<T><<<rows, BLOCK, 0, st->stream>>>(
        (const T *)st->y, l->o_b, (const T *)st->x, l->ln1_w, l->ln1_b,
        (T *)st->y, h, eps);
    LAUNCH_CHECK("layernorm");
    if (gemm(st, st->y, l->in_w, st->inter_buf, rows, in, h, err) < 0)
        return -1;
    k_bias_act<T><<<grid_for((size_t)rows * in), BLOCK, 0, st->stream>>>(
        (T *)st->inter_buf, l->in_b, in, (int)st->m->cfg.act,
        (size_t)rows * in);
    LAUNCH_CHECK("bias_act");
    if (gemm(st, st->inter_buf, l->out_w, st->x, rows, h, in, err) < 0)
        return -1;
    k_layernorm<T><<<rows, BLOCK, 0, st->stream>>>(
        (const T *)st->x, l->out_b, (const T *)st->y, l->ln2_w, l->ln2_b,
        (T *)st->x, h, eps);
    LAUNCH_CHECK("layernorm");
    return 0;
}

/* Copy the batch to the device, padded to its longest sequence. */
static int stage_batch(cuda_state *st, const rb_token_batch *b, int *seq,
                       rb_error *err)
{
    size_t s, t, longest = 0;

    if (b->nseq > st->max_seqs)
        return rb_error_set(err, "a batch of %zu sequences exceeds the "
                            "backend's %zu", b->nseq, st->max_seqs);
    for (s = 0; s < b->nseq; s++) {
        size_t len = b->offsets[s + 1] - b->offsets[s];

        if (len == 0 || len > st->max_length)
            return rb_error_set(err, "sequence %zu has %zu tokens (1 to %zu "
                                "allowed)", s, len, st->max_length);
        if (len > longest)
            longest = len;
    }
    for (s = 0; s < b->nseq; s++) {
        size_t o = b->offsets[s], len = b->offsets[s + 1] - o;

        for (t = 0; t < longest; t++) {
            int32_t id = t < len ? b->ids[o + t] : st->pad_id;

            if (id < 0 || id >= st->m->cfg.vocab_size)
                return rb_error_set(err, "token id %d is outside the "
                                    "vocabulary (%d)", (int)id,
                                    st->m->cfg.vocab_size);
            st->h_ids[s * longest + t] = id;
        }
        st->h_lens[s] = (int)len;
        st->h_offs[s] = (long long)o;
    }
    CUDA_CHECK(cudaMemcpyAsync(st->d_ids, st->h_ids,
                               b->nseq * longest * sizeof(int32_t),
                               cudaMemcpyHostToDevice, st->stream));
    CUDA_CHECK(cudaMemcpyAsync(st->d_lens, st->h_lens,
                               b->nseq * sizeof(int),
                               cudaMemcpyHostToDevice, st->stream));
    CUDA_CHECK(cudaMemcpyAsync(st->d_offs, st->h_offs,
                               b->nseq * sizeof(long long),
                               cudaMemcpyHostToDevice, st->stream));
    *seq = (int)longest;
    return 0;
}

template <typename T>
static int forward_impl(cuda_state *st, const rb_token_batch *b,
                        unsigned pooling, int normalize, float *hidden,
                        float *pooled, rb_error *err)
{
    int seq, nseq = (int)b->nseq, rows, i, h = st->hidden, nmodes = 0;
    size_t ntok = b->offsets[b->nseq];
    unsigned bits;

    CUDA_CHECK(cudaSetDevice(st->device));
    if (stage_batch(st, b, &seq, err) < 0)
        return -1;
    rows = nseq * seq;
    k_embed<T><<<rows, BLOCK, 0, st->stream>>>(
        st->d_ids, st->word, st->pos, st->type, st->eln_w, st->eln_b,
        (T *)st->x, seq, h, (float)st->m->cfg.layer_norm_eps);
    LAUNCH_CHECK("embed");
    for (i = 0; i < st->m->cfg.layers; i++)
        if (layer_forward<T>(st, &st->layers[i], nseq, seq, err) < 0)
            return -1;
    for (bits = pooling; bits; bits &= bits - 1)
        nmodes++;
    if (pooled) {
        k_pool<T><<<nseq, BLOCK, 0, st->stream>>>(
            (const T *)st->x, st->d_lens, st->d_pooled, seq, h, pooling,
            nmodes, normalize);
        LAUNCH_CHECK("pool");
        CUDA_CHECK(cudaMemcpyAsync(st->h_pooled, st->d_pooled,
                                   (size_t)nseq * nmodes * h * sizeof(float),
                                   cudaMemcpyDeviceToHost, st->stream));
    }
    if (hidden) {
        if (st->d_hidden_cap < ntok * h) {
            cudaFree(st->d_hidden);
            st->d_hidden = NULL;
            st->d_hidden_cap = 0;
            CUDA_CHECK(cudaMalloc((void **)&st->d_hidden,
                                  st->max_tokens * h * sizeof(float)));
            st->d_hidden_cap = st->max_tokens * h;
        }
        k_export<T><<<rows, BLOCK, 0, st->stream>>>(
            (const T *)st->x, st->d_lens, st->d_offs, st->d_hidden, seq, h);
        LAUNCH_CHECK("export");
        CUDA_CHECK(cudaMemcpyAsync(hidden, st->d_hidden,
                                   ntok * h * sizeof(float),
                                   cudaMemcpyDeviceToHost, st->stream));
    }
    CUDA_CHECK(cudaStreamSynchronize(st->stream));
    if (pooled)
        memcpy(pooled, st->h_pooled,
               (size_t)nseq * nmodes * h * sizeof(float));
    return 0;
}

static int cuda_forward(void *state, int w, const rb_token_batch *b,
                        unsigned pooling, int normalize, float *hidden,
                        float *pooled, rb_error *err)
{
    cuda_state *st = (cuda_state *)state;

    (void)w;
    if (st->bf16)
        return forward_impl<__nv_bfloat16>(st, b, pooling, normalize,
                                           hidden, pooled, err);
    return forward_impl<__half>(st, b, pooling, normalize, hidden, pooled,
                                err);
}

static json_t *cuda_describe(void *state)
{
    cuda_state *st = (cuda_state *)state;
    char cc[16];

    snprintf(cc, sizeof cc, "%d.%d", st->cc_major, st->cc_minor);
    return json_pack("{s:s, s:s, s:s, s:i}", "backend", "cuda",
                     "gpu", st->gpu_name, "compute_capability", cc,
                     "gpu_index", st->device);
}

extern "C" const rb_backend_ops rb_cuda_backend = {
    "cuda", cuda_create, cuda_workers, NULL, NULL, cuda_forward,
    cuda_describe, cuda_destroy,
};
