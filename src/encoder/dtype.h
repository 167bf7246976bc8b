#ifndef RB_DTYPE_H
#define RB_DTYPE_H

/* Conversions between the 16-bit float formats of checkpoints and FP32. */

#include <stddef.h>
#include <stdint.h>

#include "encoder/safetensors.h"

/* IEEE 754 half precision to single, exactly (subnormals, infinities and
 * NaNs included). */
float rb_f16_to_f32(uint16_t h);
/* bfloat16 to single, exactly. */
float rb_bf16_to_f32(uint16_t b);

/* Copy a F32, F16 or BF16 tensor into t->numel floats at out (which need
 * not share the tensor's alignment). Returns 0, or -1 for another dtype. */
int rb_tensor_to_f32(const rb_tensor *t, float *out);

#endif
