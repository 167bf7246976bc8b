#ifndef RB_CUDA_DEVICE_CUH
#define RB_CUDA_DEVICE_CUH

/*
 * What the CUDA sources share on the device: warp and block reductions,
 * the feed-forward activations, and the grid for a grid-stride loop.
 * Every kernel runs BLOCK threads per block.
 */

#include <cuda_runtime.h>
#include <math.h>
#include <stddef.h>

extern "C" {
#include "encoder/model.h"
}

#define BLOCK 256

__device__ static inline float warp_sum(float v)
{
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ static inline float warp_max(float v)
{
    for (int o = 16; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

/* Sum (or max) over the block; every thread gets the result. shared
 * holds at least 33 floats. */
__device__ static inline float block_reduce(float v, bool is_max,
                                            float *shared)
{
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int nwarps = (blockDim.x + 31) >> 5;

    v = is_max ? warp_max(v) : warp_sum(v);
    if (lane == 0)
        shared[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < nwarps ? shared[lane] : (is_max ? -INFINITY : 0.0f);
        v = is_max ? warp_max(v) : warp_sum(v);
        if (lane == 0)
            shared[32] = v;
    }
    __syncthreads();
    v = shared[32];
    __syncthreads();
    return v;
}

/* The activation act (an rb_activation) of x. */
__device__ static inline float activate(float x, int act)
{
    if (act == RB_ACT_GELU)
        return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    if (act == RB_ACT_GELU_TANH)
        return 0.5f * x * (1.0f + tanhf(0.79788456080286536f *
                                        (x + 0.044715f * x * x * x)));
    return fmaxf(x, 0.0f);
}

/* Blocks for a grid-stride loop over n elements. */
static inline int grid_for(size_t n)
{
    size_t g = (n + BLOCK - 1) / BLOCK;

    return g > 65535 ? 65535 : (int)(g ? g : 1);
}

#endif
