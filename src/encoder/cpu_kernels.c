#include "encoder/cpu_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_X86_DISPATCH 1
#include <immintrin.h>
#endif

#define SQRT1_2 0.70710678118654752440
#define SQRT_2_OVER_PI 0.79788456080286535588

/* ---- portable kernels ---- */

static float act_portable(float x, rb_activation act)
{
    switch (act) {
    case RB_ACT_GELU:
        return (float)(0.5 * x * (1.0 + erf(x * SQRT1_2)));
    case RB_ACT_GELU_TANH:
        return (float)(0.5 * x * (1.0 + tanh(SQRT_2_OVER_PI *
                                              (x + 0.044715 * x * x * x))));
    case RB_ACT_RELU:
        return x > 0 ? x : 0;
    }
    return x;
}

static void bias_act_portable(float *y, const float *bias, rb_activation act,
                              size_t m, size_t n)
{
    size_t i, j;

    for (i = 0; i < m; i++, y += n)
        for (j = 0; j < n; j++)
            y[j] = act_portable(y[j] + (bias ? bias[j] : 0.0f), act);
}

static void layernorm_portable(float *y, const float *bias,
                               const float *residual, const float *gamma,
                               const float *beta, float eps, size_t m,
                               size_t n)
{
    size_t i, j;

    for (i = 0; i < m; i++, y += n) {
        double mean = 0, var = 0;
        float inv;

        for (j = 0; j < n; j++) {
            float v = y[j];

            if (bias)
                v += bias[j];
            if (residual)
                v += residual[i * n + j];
            y[j] = v;
            mean += v;
        }
        mean /= (double)n;
        for (j = 0; j < n; j++)
            var += (y[j] - mean) * (y[j] - mean);
        var /= (double)n;
        inv = (float)(1.0 / sqrt(var + eps));
        for (j = 0; j < n; j++)
            y[j] = (float)(y[j] - mean) * inv * gamma[j] + beta[j];
    }
}

static void softmax_portable(float *s, size_t m, size_t n, size_t ld)
{
    size_t i, j;

    for (i = 0; i < m; i++, s += ld) {
        float max = s[0], inv;
        double sum = 0;

        for (j = 1; j < n; j++)
            if (s[j] > max)
                max = s[j];
        for (j = 0; j < n; j++) {
            s[j] = expf(s[j] - max);
            sum += s[j];
        }
        inv = (float)(1.0 / sum);
        for (j = 0; j < n; j++)
            s[j] *= inv;
    }
}

/* ---- AVX2 + FMA kernels ---- */

#ifdef HAVE_X86_DISPATCH

#define AVX2 __attribute__((target("avx2,fma")))

/* e^x for 8 floats: x = n ln 2 + r with |r| <= ln 2 / 2, e^r by its Taylor
 * polynomial to degree 7 (relative error below 1e-8 before rounding),
 * times 2^n built in the exponent bits. Inputs below -87 give 0, above
 * 88 they are clamped (no overflow to infinity). */
AVX2 static __m256 exp8(__m256 x)
{
    const __m256 hi = _mm256_set1_ps(88.0f);
    const __m256 lo = _mm256_set1_ps(-87.0f);
    const __m256 log2e = _mm256_set1_ps(1.44269504088896341f);
    const __m256 ln2_hi = _mm256_set1_ps(0.693359375f);
    const __m256 ln2_lo = _mm256_set1_ps(-2.12194440e-4f);
    __m256 n, r, p, under;
    __m256i e;

    under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    n = _mm256_round_ps(_mm256_mul_ps(x, log2e),
                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_fnmadd_ps(n, ln2_hi, x);
    r = _mm256_fnmadd_ps(n, ln2_lo, r);
    p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n),
                                           _mm256_set1_epi32(127)), 23);
    p = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
    return _mm256_andnot_ps(under, p);
}

/* erfc(z) for z >= 0 by the Chebyshev-fitted form
 * t exp(-z^2 + P(t)), t = 1 / (1 + z / 2), whose relative error is below
 * 1.2e-7 everywhere (Numerical Recipes, erfcc). */
static const float erfc_coef[10] = {
    -1.26551223f, 1.00002368f, 0.37409196f, 0.09678418f,
    -0.18628806f, 0.27886807f, -1.13520398f, 1.48851587f,
    -0.82215223f, 0.17087277f,
};

AVX2 static __m256 erfc8(__m256 z)
{
    const float *c = erfc_coef;
    __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f),
                             _mm256_fmadd_ps(z, _mm256_set1_ps(0.5f),
                                             _mm256_set1_ps(1.0f)));
    __m256 p = _mm256_set1_ps(c[9]);
    int k;

    for (k = 8; k >= 0; k--)
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(c[k]));
    p = _mm256_fnmadd_ps(z, z, p);
    return _mm256_mul_ps(t, exp8(p));
}

/* GELU(x) = x Phi(x): x - x erfc(x / sqrt 2) / 2 for x >= 0 and
 * x erfc(-x / sqrt 2) / 2 below, so that neither side loses precision. */
AVX2 static __m256 gelu8(__m256 x)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 z = _mm256_mul_ps(_mm256_andnot_ps(sign, x),
                             _mm256_set1_ps((float)SQRT1_2));
    __m256 half = _mm256_mul_ps(_mm256_mul_ps(x, _mm256_set1_ps(0.5f)),
                                erfc8(z));
    __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);

    return _mm256_blendv_ps(_mm256_sub_ps(x, half), half, neg);
}

/* The tanh form: x / (1 + e^(-2u)), u = sqrt(2/pi) (x + 0.044715 x^3). */
AVX2 static __m256 gelu_tanh8(__m256 x)
{
    __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
    __m256 u = _mm256_mul_ps(_mm256_set1_ps((float)SQRT_2_OVER_PI),
                             _mm256_fmadd_ps(x3, _mm256_set1_ps(0.044715f),
                                             x));
    __m256 e = exp8(_mm256_mul_ps(u, _mm256_set1_ps(-2.0f)));

    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

AVX2 static __m256 act8(__m256 v, rb_activation act)
{
    switch (act) {
    case RB_ACT_GELU:
        return gelu8(v);
    case RB_ACT_GELU_TANH:
        return gelu_tanh8(v);
    case RB_ACT_RELU:
        return _mm256_max_ps(v, _mm256_setzero_ps());
    }
    return v;
}

AVX2 static void bias_act_avx2(float *y, const float *bias,
                               rb_activation act, size_t m, size_t n)
{
    size_t i, j;

    for (i = 0; i < m; i++, y += n) {
        for (j = 0; j + 8 <= n; j += 8) {
            __m256 v = _mm256_loadu_ps(y + j);

            if (bias)
                v = _mm256_add_ps(v, _mm256_loadu_ps(bias + j));
            _mm256_storeu_ps(y + j, act8(v, act));
        }
        for (; j < n; j++)
            y[j] = act_portable(y[j] + (bias ? bias[j] : 0.0f), act);
    }
}

AVX2 static float hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v),
                          _mm256_extractf128_ps(v, 1));

    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

AVX2 static float hmax8(__m256 v)
{
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v),
                          _mm256_extractf128_ps(v, 1));

    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

AVX2 static void layernorm_avx2(float *y, const float *bias,
                                const float *residual, const float *gamma,
                                const float *beta, float eps, size_t m,
                                size_t n)
{
    size_t i, j;

    if (n % 8) {
        layernorm_portable(y, bias, residual, gamma, beta, eps, m, n);
        return;
    }
    for (i = 0; i < m; i++, y += n) {
        const float *res = residual ? residual + i * n : NULL;
        __m256 acc = _mm256_setzero_ps(), mean8, inv8;
        float mean, var;

        for (j = 0; j < n; j += 8) {
            __m256 v = _mm256_loadu_ps(y + j);

            if (bias)
                v = _mm256_add_ps(v, _mm256_loadu_ps(bias + j));
            if (res)
                v = _mm256_add_ps(v, _mm256_loadu_ps(res + j));
            _mm256_storeu_ps(y + j, v);
            acc = _mm256_add_ps(acc, v);
        }
        mean = hsum8(acc) / (float)n;
        mean8 = _mm256_set1_ps(mean);
        acc = _mm256_setzero_ps();
        for (j = 0; j < n; j += 8) {
            __m256 d = _mm256_sub_ps(_mm256_loadu_ps(y + j), mean8);

            acc = _mm256_fmadd_ps(d, d, acc);
        }
        var = hsum8(acc) / (float)n;
        inv8 = _mm256_set1_ps((float)(1.0 / sqrt((double)var + eps)));
        for (j = 0; j < n; j += 8) {
            __m256 d = _mm256_sub_ps(_mm256_loadu_ps(y + j), mean8);

            d = _mm256_mul_ps(_mm256_mul_ps(d, inv8),
                              _mm256_loadu_ps(gamma + j));
            _mm256_storeu_ps(y + j, _mm256_add_ps(d,
                                                  _mm256_loadu_ps(beta + j)));
        }
    }
}

AVX2 static void softmax_avx2(float *s, size_t m, size_t n, size_t ld)
{
    size_t i, j;

    for (i = 0; i < m; i++, s += ld) {
        __m256 vmax = _mm256_set1_ps(-INFINITY), acc, vmx, inv;
        float max, sum;

        for (j = 0; j + 8 <= n; j += 8)
            vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(s + j));
        max = hmax8(vmax);
        for (; j < n; j++)
            if (s[j] > max)
                max = s[j];
        vmx = _mm256_set1_ps(max);
        acc = _mm256_setzero_ps();
        for (j = 0; j + 8 <= n; j += 8) {
            __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(s + j), vmx));

            _mm256_storeu_ps(s + j, e);
            acc = _mm256_add_ps(acc, e);
        }
        sum = hsum8(acc);
        for (; j < n; j++) {
            s[j] = expf(s[j] - max);
            sum += s[j];
        }
        inv = _mm256_set1_ps(1.0f / sum);
        for (j = 0; j + 8 <= n; j += 8)
            _mm256_storeu_ps(s + j, _mm256_mul_ps(_mm256_loadu_ps(s + j),
                                                  inv));
        for (; j < n; j++)
            s[j] *= 1.0f / sum;
    }
}

/* ---- AVX-512 kernels ----
 *
 * The AVX2 functions above, sixteen floats at a time, for the activation
 * and softmax, which are bound by instruction count: on processors that
 * split 512-bit operations in two halves (AMD Zen 4) they still issue
 * half as many instructions. LayerNorm stays with AVX2. */

#define AVX512 __attribute__((target("avx512f,avx2,fma")))

AVX512 static __m512 exp16(__m512 x)
{
    const __m512 lo = _mm512_set1_ps(-87.0f);
    __mmask16 keep = _mm512_cmp_ps_mask(x, lo, _CMP_GE_OQ);
    __m512 n, r, p;

    x = _mm512_min_ps(_mm512_max_ps(x, lo), _mm512_set1_ps(88.0f));
    n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(
                                 1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    /* times 2^n; NaN-free since n is clamped above */
    return _mm512_maskz_mov_ps(keep, _mm512_scalef_ps(p, n));
}

AVX512 static __m512 gelu16(__m512 x)
{
    __m512 z = _mm512_mul_ps(_mm512_abs_ps(x),
                             _mm512_set1_ps((float)SQRT1_2));
    __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f),
                             _mm512_fmadd_ps(z, _mm512_set1_ps(0.5f),
                                             _mm512_set1_ps(1.0f)));
    __m512 p = _mm512_set1_ps(erfc_coef[9]), half;
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    int k;

    for (k = 8; k >= 0; k--)
        p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(erfc_coef[k]));
    p = _mm512_fnmadd_ps(z, z, p);
    half = _mm512_mul_ps(_mm512_mul_ps(x, _mm512_set1_ps(0.5f)),
                         _mm512_mul_ps(t, exp16(p)));
    return _mm512_mask_blend_ps(neg, _mm512_sub_ps(x, half), half);
}

AVX512 static __m512 gelu_tanh16(__m512 x)
{
    __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
    __m512 u = _mm512_mul_ps(_mm512_set1_ps((float)SQRT_2_OVER_PI),
                             _mm512_fmadd_ps(x3, _mm512_set1_ps(0.044715f),
                                             x));
    __m512 e = exp16(_mm512_mul_ps(u, _mm512_set1_ps(-2.0f)));

    return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}

AVX512 static __m512 act16(__m512 v, rb_activation act)
{
    switch (act) {
    case RB_ACT_GELU:
        return gelu16(v);
    case RB_ACT_GELU_TANH:
        return gelu_tanh16(v);
    case RB_ACT_RELU:
        return _mm512_max_ps(v, _mm512_setzero_ps());
    }
    return v;
}

AVX512 static void bias_act_avx512(float *y, const float *bias,
                                   rb_activation act, size_t m, size_t n)
{
    size_t i, j;

    for (i = 0; i < m; i++, y += n) {
        for (j = 0; j + 16 <= n; j += 16) {
            __m512 v = _mm512_loadu_ps(y + j);

            if (bias)
                v = _mm512_add_ps(v, _mm512_loadu_ps(bias + j));
            _mm512_storeu_ps(y + j, act16(v, act));
        }
        for (; j < n; j++)
            y[j] = act_portable(y[j] + (bias ? bias[j] : 0.0f), act);
    }
}

AVX512 static void softmax_avx512(float *s, size_t m, size_t n, size_t ld)
{
    size_t i, j;

    for (i = 0; i < m; i++, s += ld) {
        __m512 vmax = _mm512_set1_ps(-INFINITY), acc, vmx, inv;
        float max, sum;

        for (j = 0; j + 16 <= n; j += 16)
            vmax = _mm512_max_ps(vmax, _mm512_loadu_ps(s + j));
        max = _mm512_reduce_max_ps(vmax);
        for (; j < n; j++)
            if (s[j] > max)
                max = s[j];
        vmx = _mm512_set1_ps(max);
        acc = _mm512_setzero_ps();
        for (j = 0; j + 16 <= n; j += 16) {
            __m512 e = exp16(_mm512_sub_ps(_mm512_loadu_ps(s + j), vmx));

            _mm512_storeu_ps(s + j, e);
            acc = _mm512_add_ps(acc, e);
        }
        sum = _mm512_reduce_add_ps(acc);
        for (; j < n; j++) {
            s[j] = expf(s[j] - max);
            sum += s[j];
        }
        inv = _mm512_set1_ps(1.0f / sum);
        for (j = 0; j + 16 <= n; j += 16)
            _mm512_storeu_ps(s + j, _mm512_mul_ps(_mm512_loadu_ps(s + j),
                                                  inv));
        for (; j < n; j++)
            s[j] *= 1.0f / sum;
    }
}

#endif /* HAVE_X86_DISPATCH */

/* ---- dispatch ---- */

enum { K_PORTABLE, K_AVX2, K_AVX512 };

static const char *const kernel_names[] = {"portable", "avx2", "avx512"};
static int level = -1;

static int level_available(void)
{
#ifdef HAVE_X86_DISPATCH
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
        return K_PORTABLE;
    return __builtin_cpu_supports("avx512f") ? K_AVX512 : K_AVX2;
#else
    return K_PORTABLE;
#endif
}

static int kernels(void)
{
    if (level < 0) {
        const char *env = getenv("RB_CPU_KERNELS");

        level = level_available();
        if (env && strcmp(env, "portable") == 0)
            level = K_PORTABLE;
        else if (env && strcmp(env, "avx2") == 0 && level > K_AVX2)
            level = K_AVX2;
    }
    return level;
}

int rb_cpu_kernels_select(const char *name)
{
    int want, i;

    if (!name) {
        level = level_available();
        return 0;
    }
    for (i = 0; i < 3 && strcmp(name, kernel_names[i]) != 0; i++)
        ;
    want = i;
    if (want >= 3 || want > level_available())
        return -1;
    level = want;
    return 0;
}

const char *rb_cpu_kernels_name(void)
{
    return kernel_names[kernels()];
}

void rb_cpu_bias_act(float *y, const float *bias, rb_activation act,
                     size_t m, size_t n)
{
#ifdef HAVE_X86_DISPATCH
    if (kernels() == K_AVX512) {
        bias_act_avx512(y, bias, act, m, n);
        return;
    }
    if (kernels() == K_AVX2) {
        bias_act_avx2(y, bias, act, m, n);
        return;
    }
#endif
    bias_act_portable(y, bias, act, m, n);
}

void rb_cpu_layernorm(float *y, const float *bias, const float *residual,
                      const float *gamma, const float *beta, float eps,
                      size_t m, size_t n)
{
#ifdef HAVE_X86_DISPATCH
    if (kernels() >= K_AVX2) {
        layernorm_avx2(y, bias, residual, gamma, beta, eps, m, n);
        return;
    }
#endif
    layernorm_portable(y, bias, residual, gamma, beta, eps, m, n);
}

void rb_cpu_softmax(float *s, size_t m, size_t n, size_t ld)
{
#ifdef HAVE_X86_DISPATCH
    if (kernels() == K_AVX512) {
        softmax_avx512(s, m, n, ld);
        return;
    }
    if (kernels() == K_AVX2) {
        softmax_avx2(s, m, n, ld);
        return;
    }
#endif
    softmax_portable(s, m, n, ld);
}
