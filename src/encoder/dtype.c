#include "encoder/dtype.h"

#include <string.h>

float rb_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1Fu, mant = h & 0x3FFu, bits;
    float f;

    if (exp == 0x1F) {
        bits = sign | 0x7F800000u | (mant << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else {
        /* Subnormal: normalise the mantissa. */
        exp = 113;
        while (!(mant & 0x400u)) {
            mant <<= 1;
            exp--;
        }
        bits = sign | (exp << 23) | ((mant & 0x3FFu) << 13);
    }
    memcpy(&f, &bits, sizeof f);
    return f;
}

float rb_bf16_to_f32(uint16_t b)
{
    uint32_t bits = (uint32_t)b << 16;
    float f;

    memcpy(&f, &bits, sizeof f);
    return f;
}

int rb_tensor_to_f32(const rb_tensor *t, float *out)
{
    const unsigned char *p = t->data;
    size_t i;

    switch (t->dtype) {
    case RB_DTYPE_F32:
        memcpy(out, p, t->numel * sizeof(float));
        return 0;
    case RB_DTYPE_F16:
        for (i = 0; i < t->numel; i++)
            out[i] = rb_f16_to_f32((uint16_t)(p[2 * i] |
                                              p[2 * i + 1] << 8));
        return 0;
    case RB_DTYPE_BF16:
        for (i = 0; i < t->numel; i++)
            out[i] = rb_bf16_to_f32((uint16_t)(p[2 * i] |
                                               p[2 * i + 1] << 8));
        return 0;
    case RB_DTYPE_OTHER:
        break;
    }
    return -1;
}
