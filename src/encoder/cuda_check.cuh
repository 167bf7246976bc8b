#ifndef RB_CUDA_CHECK_CUH
#define RB_CUDA_CHECK_CUH

/*
 * Checks for every CUDA and cuBLAS call of the CUDA sources: on failure
 * the enclosing function returns -1 with `err` (an rb_error * in scope)
 * naming the call, the file and line, and the library's own message.
 */

#include <cublas_v2.h>
#include <cuda_runtime.h>

#define CUDA_CHECK(call) do { \
    cudaError_t rc_ = (call); \
    if (rc_ != cudaSuccess) \
        return rb_error_set(err, "%s:%d: %s: %s", __FILE__, __LINE__, \
                            #call, cudaGetErrorString(rc_)); \
} while (0)

#define CUBLAS_CHECK(call) do { \
    cublasStatus_t rc_ = (call); \
    if (rc_ != CUBLAS_STATUS_SUCCESS) \
        return rb_error_set(err, "%s:%d: %s: %s", __FILE__, __LINE__, \
                            #call, cublasGetStatusString(rc_)); \
} while (0)

/* After a kernel launch: a bad configuration shows up here. */
#define LAUNCH_CHECK(what) do { \
    cudaError_t rc_ = cudaGetLastError(); \
    if (rc_ != cudaSuccess) \
        return rb_error_set(err, "%s:%d: kernel %s: %s", __FILE__, \
                            __LINE__, what, cudaGetErrorString(rc_)); \
} while (0)

#endif
