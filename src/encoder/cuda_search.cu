/*
 * Exact inner-product search on a CUDA GPU, for the dense retriever: the
 * corpus embeddings and the queries are uploaded once, and each call
 * computes one block of scores, queries x documents, with a cuBLAS FP32
 * product (no TF32) and downloads it; the caller keeps the per-query
 * heaps on the host, so ties and the cut-off behave as on the CPU. Calls
 * from several host threads are serialised on the one handle.
 */

extern "C" {
#include "base/mem.h"
#include "encoder/cuda_module.h"
}

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <pthread.h>
#include <string.h>

#include "encoder/cuda_check.cuh"

typedef struct gpu_search {
    int device;
    size_t ndocs, dim, nq, block;   /* block: floats in d_scores */
    float *d_docs, *d_queries, *d_scores;
    cublasHandle_t cublas;
    pthread_mutex_t lock;
} gpu_search;

static void search_destroy(void *state)
{
    gpu_search *st = (gpu_search *)state;

    if (!st)
        return;
    cudaSetDevice(st->device);
    cudaFree(st->d_docs);
    cudaFree(st->d_queries);
    cudaFree(st->d_scores);
    if (st->cublas)
        cublasDestroy(st->cublas);
    pthread_mutex_destroy(&st->lock);
    rb_free(st);
}

static int setup(gpu_search *st, const float *docs, rb_error *err)
{
    size_t bytes = st->ndocs * st->dim * sizeof(float);

    CUDA_CHECK(cudaSetDevice(st->device));
    CUBLAS_CHECK(cublasCreate(&st->cublas));
    CUBLAS_CHECK(cublasSetMathMode(st->cublas, CUBLAS_PEDANTIC_MATH));
    CUDA_CHECK(cudaMalloc((void **)&st->d_docs, bytes ? bytes : 1));
    if (bytes)
        CUDA_CHECK(cudaMemcpy(st->d_docs, docs, bytes,
                              cudaMemcpyHostToDevice));
    return 0;
}

static int search_create(const float *docs, size_t ndocs, size_t dim,
                         int device, void **state, rb_error *err)
{
    gpu_search *st = (gpu_search *)rb_calloc(1, sizeof *st);

    *state = NULL;
    if (!st)
        return rb_error_oom(err);
    st->device = device;
    st->ndocs = ndocs;
    st->dim = dim;
    pthread_mutex_init(&st->lock, NULL);
    if (setup(st, docs, err) < 0) {
        search_destroy(st);
        return -1;
    }
    *state = st;
    return 0;
}

static int search_queries(void *state, const float *queries, size_t nq,
                          rb_error *err)
{
    gpu_search *st = (gpu_search *)state;
    size_t bytes = nq * st->dim * sizeof(float);

    CUDA_CHECK(cudaSetDevice(st->device));
    cudaFree(st->d_queries);
    st->d_queries = NULL;
    st->nq = 0;
    CUDA_CHECK(cudaMalloc((void **)&st->d_queries, bytes ? bytes : 1));
    if (bytes)
        CUDA_CHECK(cudaMemcpy(st->d_queries, queries, bytes,
                              cudaMemcpyHostToDevice));
    st->nq = nq;
    return 0;
}

/* out[q * nd + d] = query (q0 + q) . document (d0 + d). The row-major
 * nq x nd block is, to column-major cuBLAS, the nd x nq product of the
 * documents (row-major nd x dim, read as column-major dim x nd and
 * transposed) with the queries (read as column-major dim x nq). */
static int scores_locked(gpu_search *st, size_t q0, size_t nq, size_t d0,
                         size_t nd, float *out, rb_error *err)
{
    const float one = 1.0f, zero = 0.0f;

    if (q0 + nq > st->nq || d0 + nd > st->ndocs)
        return rb_error_set(err, "GPU search: block outside the matrices");
    CUDA_CHECK(cudaSetDevice(st->device));
    if (nq * nd > st->block) {
        cudaFree(st->d_scores);
        st->d_scores = NULL;
        st->block = 0;
        CUDA_CHECK(cudaMalloc((void **)&st->d_scores,
                              nq * nd * sizeof(float)));
        st->block = nq * nd;
    }
    CUBLAS_CHECK(cublasSgemm(st->cublas, CUBLAS_OP_T, CUBLAS_OP_N, (int)nd,
                             (int)nq, (int)st->dim, &one,
                             st->d_docs + d0 * st->dim, (int)st->dim,
                             st->d_queries + q0 * st->dim, (int)st->dim,
                             &zero, st->d_scores, (int)nd));
    CUDA_CHECK(cudaMemcpy(out, st->d_scores, nq * nd * sizeof(float),
                          cudaMemcpyDeviceToHost));
    return 0;
}

static int search_scores(void *state, size_t q0, size_t nq, size_t d0,
                         size_t nd, float *out, rb_error *err)
{
    gpu_search *st = (gpu_search *)state;
    int rc;

    if (nq == 0 || nd == 0)
        return 0;
    pthread_mutex_lock(&st->lock);
    rc = scores_locked(st, q0, nq, d0, nd, out, err);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

extern "C" const rb_cuda_search_ops rb_cuda_search = {
    search_create, search_queries, search_scores, search_destroy,
};
