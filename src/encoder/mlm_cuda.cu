/*
 * The masked-LM head on a CUDA GPU: the transform and the decoder are
 * cuBLAS products in FP32 (no TF32: the default math mode), bias,
 * activation and LayerNorm are kernels of this file. The head's weights
 * stay on the device; each call uploads the hidden states it is given and
 * downloads the logits. Every CUDA and cuBLAS call is checked and a
 * failure comes back as an error naming the call and the place.
 */

extern "C" {
#include "base/mem.h"
#include "encoder/backend.h"
#include "encoder/mlm_head.h"
}

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <math.h>
#include <string.h>

#include "encoder/cuda_check.cuh"
#include "encoder/cuda_device.cuh"

/* y = act(y + bias) over rows of n. */
__global__ static void k_bias_act(float *y, const float *bias, int n,
                                  int act, size_t total)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
         i < total; i += (size_t)gridDim.x * blockDim.x) {
        y[i] = activate(y[i] + bias[i % n], act);
    }
}

/* One block per row: y = LayerNorm(y) * gamma + beta. */
__global__ static void k_layernorm(float *y, const float *gamma,
                                   const float *beta, int n, float eps)
{
    __shared__ float red[33];
    float *row = y + (size_t)blockIdx.x * n;
    float s = 0, q = 0;

    for (int j = threadIdx.x; j < n; j += blockDim.x)
        s += row[j];
    float mean = block_reduce(s, false, red) / n;

    for (int j = threadIdx.x; j < n; j += blockDim.x)
        q += (row[j] - mean) * (row[j] - mean);
    float inv = rsqrtf(block_reduce(q, false, red) / n + eps);

    for (int j = threadIdx.x; j < n; j += blockDim.x)
        row[j] = (row[j] - mean) * inv * gamma[j] + beta[j];
}

/* logits += bias, rows of n. */
__global__ static void k_add_bias(float *y, const float *bias, int n,
                                  size_t total)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
         i < total; i += (size_t)gridDim.x * blockDim.x)
        y[i] += bias[i % n];
}

typedef struct mlm_cuda {
    int device;
    char gpu_name[256];
    size_t hidden, vocab;
    float eps;
    int act;
    cudaStream_t stream;
    cublasHandle_t cublas;
    float *tr_w, *tr_b, *ln_w, *ln_b, *dec, *bias;
    float *d_hidden, *d_t, *d_logits;
    size_t rows;            /* capacity of the workspace */
} mlm_cuda;

static int upload(const float *host, size_t n, float **out, rb_error *err)
{
    *out = NULL;
    CUDA_CHECK(cudaMalloc((void **)out, n * sizeof(float)));
    CUDA_CHECK(cudaMemcpy(*out, host, n * sizeof(float),
                          cudaMemcpyHostToDevice));
    return 0;
}

static void cuda_destroy(void *state)
{
    mlm_cuda *st = (mlm_cuda *)state;

    if (!st)
        return;
    cudaSetDevice(st->device);
    cudaFree(st->tr_w);
    cudaFree(st->tr_b);
    cudaFree(st->ln_w);
    cudaFree(st->ln_b);
    cudaFree(st->dec);
    cudaFree(st->bias);
    cudaFree(st->d_hidden);
    cudaFree(st->d_t);
    cudaFree(st->d_logits);
    if (st->cublas)
        cublasDestroy(st->cublas);
    if (st->stream)
        cudaStreamDestroy(st->stream);
    rb_free(st);
}

static int setup(mlm_cuda *st, const rb_mlm_weights *w, rb_error *err)
{
    size_t H = w->hidden;
    cudaDeviceProp prop;

    CUDA_CHECK(cudaSetDevice(st->device));
    CUDA_CHECK(cudaGetDeviceProperties(&prop, st->device));
    snprintf(st->gpu_name, sizeof st->gpu_name, "%s", prop.name);
    CUDA_CHECK(cudaStreamCreate(&st->stream));
    CUBLAS_CHECK(cublasCreate(&st->cublas));
    CUBLAS_CHECK(cublasSetStream(st->cublas, st->stream));
    if (upload(w->tr_w, H * H, &st->tr_w, err) < 0 ||
        upload(w->tr_b, H, &st->tr_b, err) < 0 ||
        upload(w->ln_w, H, &st->ln_w, err) < 0 ||
        upload(w->ln_b, H, &st->ln_b, err) < 0 ||
        upload(w->dec, w->vocab * H, &st->dec, err) < 0 ||
        upload(w->bias, w->vocab, &st->bias, err) < 0)
        return -1;
    return 0;
}

static int cuda_create(const rb_mlm_weights *w, int threads, int device,
                       void **state, rb_error *err)
{
    mlm_cuda *st = (mlm_cuda *)rb_calloc(1, sizeof *st);

    (void)threads;
    *state = NULL;
    if (!st)
        return rb_error_oom(err);
    st->device = device;
    st->hidden = w->hidden;
    st->vocab = w->vocab;
    st->eps = w->eps;
    st->act = (int)w->act;
    if (setup(st, w, err) < 0) {
        cuda_destroy(st);
        return -1;
    }
    *state = st;
    return 0;
}

static int reserve(mlm_cuda *st, size_t n, rb_error *err)
{
    if (n <= st->rows)
        return 0;
    cudaFree(st->d_hidden);
    cudaFree(st->d_t);
    cudaFree(st->d_logits);
    st->d_hidden = st->d_t = st->d_logits = NULL;
    st->rows = 0;
    CUDA_CHECK(cudaMalloc((void **)&st->d_hidden,
                          n * st->hidden * sizeof(float)));
    CUDA_CHECK(cudaMalloc((void **)&st->d_t, n * st->hidden * sizeof(float)));
    CUDA_CHECK(cudaMalloc((void **)&st->d_logits,
                          n * st->vocab * sizeof(float)));
    st->rows = n;
    return 0;
}

/* Row-major y[n x out] = x[n x in] w[out x in]^T, in cuBLAS's column-major
 * terms: y^T = w x^T. */
static int linear(mlm_cuda *st, const float *x, size_t n, size_t in,
                  const float *w, size_t out, float *y, rb_error *err)
{
    const float one = 1.0f, zero = 0.0f;

    CUBLAS_CHECK(cublasSgemm(st->cublas, CUBLAS_OP_T, CUBLAS_OP_N, (int)out,
                             (int)n, (int)in, &one, w, (int)in, x, (int)in,
                             &zero, y, (int)out));
    return 0;
}

static int cuda_logits(void *state, const float *hidden, size_t n,
                       float *logits, rb_error *err)
{
    mlm_cuda *st = (mlm_cuda *)state;
    size_t H = st->hidden, V = st->vocab;

    CUDA_CHECK(cudaSetDevice(st->device));
    if (reserve(st, n, err) < 0)
        return -1;
    CUDA_CHECK(cudaMemcpyAsync(st->d_hidden, hidden, n * H * sizeof(float),
                               cudaMemcpyHostToDevice, st->stream));
    if (linear(st, st->d_hidden, n, H, st->tr_w, H, st->d_t, err) < 0)
        return -1;
    k_bias_act<<<grid_for(n * H), BLOCK, 0, st->stream>>>(
        st->d_t, st->tr_b, (int)H, st->act, n * H);
    LAUNCH_CHECK("bias_act");
    k_layernorm<<<(unsigned)n, BLOCK, 0, st->stream>>>(
        st->d_t, st->ln_w, st->ln_b, (int)H, st->eps);
    LAUNCH_CHECK("layernorm");
    if (linear(st, st->d_t, n, H, st->dec, V, st->d_logits, err) < 0)
        return -1;
    k_add_bias<<<grid_for(n * V), BLOCK, 0, st->stream>>>(
        st->d_logits, st->bias, (int)V, n * V);
    LAUNCH_CHECK("add_bias");
    CUDA_CHECK(cudaMemcpyAsync(logits, st->d_logits, n * V * sizeof(float),
                               cudaMemcpyDeviceToHost, st->stream));
    CUDA_CHECK(cudaStreamSynchronize(st->stream));
    return 0;
}

static json_t *cuda_describe(void *state)
{
    const mlm_cuda *st = (const mlm_cuda *)state;

    return json_pack("{s:s, s:s, s:i}", "precision", "fp32", "gpu",
                     st->gpu_name, "gpu_index", st->device);
}

extern "C" const rb_mlm_backend_ops rb_mlm_cuda_backend = {
    "cuda", cuda_create, cuda_logits, cuda_describe, cuda_destroy,
};
