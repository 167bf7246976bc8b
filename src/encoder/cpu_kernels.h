#ifndef RB_CPU_KERNELS_H
#define RB_CPU_KERNELS_H

/*
 * The element-wise parts of the CPU forward pass (the matrix products go
 * to BLAS): bias and activation, LayerNorm, softmax, in FP32. Each has a
 * portable version and, on x86-64, vectorised ones chosen once at run
 * time: AVX2 with FMA, and AVX-512 for the activation and softmax where
 * the processor has it. All stay within about 1e-7 (relative) of the
 * exact functions. The environment variable RB_CPU_KERNELS=portable or
 * =avx2 caps the choice (for testing).
 */

#include <stddef.h>

#include "encoder/model.h"

/* Name of the kernel set in use: "avx512", "avx2" or "portable". */
const char *rb_cpu_kernels_name(void);
/* Switch kernel sets by name, or to the best the processor has (NULL);
 * -1 when it lacks the one named. Not thread-safe; for tests. */
int rb_cpu_kernels_select(const char *name);

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
