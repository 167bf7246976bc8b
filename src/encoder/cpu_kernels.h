#ifndef RB_CPU_KERNELS_H
#define RB_CPU_KERNELS_H

/*
 * The element-wise parts of the CPU forward pass (the matrix products go
 * to BLAS): bias and activation, LayerNorm, softmax, in FP32. Each has a
 * portable version and, on x86-64 processors with AVX2 and FMA, a
 * vectorised one chosen once at run time. Both stay within about 1e-7
 * (relative) of the exact functions; the portable set can be forced with
 * the environment variable RB_CPU_KERNELS=portable (for testing).
 */

#include <stddef.h>

#include "encoder/model.h"

/* Name of the kernel set in use: "avx2" or "portable". */
const char *rb_cpu_kernels_name(void);
/* Switch kernel sets: 1 for the vectorised one when the processor has it,
 * 0 for the portable one. Not thread-safe; for tests. */
void rb_cpu_kernels_select(int vectorised);

/* y[i][j] = act(y[i][j] + bias[j]); bias may be NULL. */
void rb_cpu_bias_act(float *y, const float *bias, rb_activation act,
                     size_t m, size_t n);

/* y[i] = LayerNorm(y[i] + bias + residual[i]) * gamma + beta, for m rows
 * of n; bias and residual may be NULL. */
void rb_cpu_layernorm(float *y, const float *bias, const float *residual,
                      const float *gamma, const float *beta, float eps,
                      size_t m, size_t n);

/* Softmax of each of m rows of n values, rows ld apart, in place. */
void rb_cpu_softmax(float *s, size_t m, size_t n, size_t ld);

#endif
