/* The CPU kernels (vectorised and portable) against double-precision
 * formulas. */

#include <math.h>
#include <stdint.h>

#include "check.h"
#include "encoder/cpu_kernels.h"

static double gelu_exact(double x)
{
    return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
}

static double gelu_tanh_exact(double x)
{
    return 0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) *
                                 (x + 0.044715 * x * x * x)));
}

static uint64_t rng = 88172645463325252ull;

static double uniform(double lo, double hi)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return lo + (hi - lo) * (double)(rng >> 11) / 9007199254740992.0;
}

/* Worst error of act over [-12, 12] in steps of 1/512, relative to
 * max(1, |x|) (the activation's own scale). */
static double act_error(rb_activation act)
{
    enum { N = 24 * 512 + 3 };
    static float y[N];
    static const float zero[N];
    double worst = 0;
    size_t i;

    for (i = 0; i < N; i++)
        y[i] = (float)(-12.0 + (double)i / 512);
    rb_cpu_bias_act(y, zero, act, 1, N);
    for (i = 0; i < N; i++) {
        double x = -12.0 + (double)i / 512, want;
        double scale = fabs(x) > 1 ? fabs(x) : 1;

        want = act == RB_ACT_GELU ? gelu_exact((float)x)
             : act == RB_ACT_GELU_TANH ? gelu_tanh_exact((float)x)
             : (x > 0 ? x : 0);
        if (fabs(y[i] - want) / scale > worst)
            worst = fabs(y[i] - want) / scale;
    }
    return worst;
}

static void check_activations(const char *kernels)
{
    double g = act_error(RB_ACT_GELU), t = act_error(RB_ACT_GELU_TANH);
    double r = act_error(RB_ACT_RELU);

    printf("  %-8s gelu %.2g, gelu_tanh %.2g, relu %.2g\n", kernels, g, t,
           r);
    CHECK(g < 4e-7);
    CHECK(t < 4e-7);
    CHECK(r == 0);
}

static void check_softmax(void)
{
    static const size_t widths[] = {1, 7, 8, 13, 128, 511};
    static float s[4 * 520];
    double worst = 0;
    size_t w, i, j;

    for (w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        size_t n = widths[w], ld = n + 3;
        double ref[520];

        for (i = 0; i < 4; i++)
            for (j = 0; j < n; j++)
                s[i * ld + j] = (float)uniform(-40, 40);
        for (i = 0; i < 4; i++) {
            double mx = -INFINITY, sum = 0;

            for (j = 0; j < n; j++)
                mx = s[i * ld + j] > mx ? s[i * ld + j] : mx;
            for (j = 0; j < n; j++)
                sum += exp(s[i * ld + j] - mx);
            for (j = 0; j < n; j++)
                ref[j] = exp(s[i * ld + j] - mx) / sum;
            rb_cpu_softmax(s + i * ld, 1, n, ld);
            for (j = 0; j < n; j++)
                if (fabs(s[i * ld + j] - ref[j]) > worst)
                    worst = fabs(s[i * ld + j] - ref[j]);
        }
    }
    printf("  softmax max |diff| %.2g\n", worst);
    CHECK(worst < 3e-7);
}

static void check_layernorm(void)
{
    static const size_t widths[] = {8, 60, 384, 768};
    static float y[3 * 768], res[3 * 768], g[768], b[768], bias[768];
    double worst = 0;
    size_t w, i, j;

    for (j = 0; j < 768; j++) {
        g[j] = (float)uniform(0.5, 1.5);
        b[j] = (float)uniform(-0.5, 0.5);
        bias[j] = (float)uniform(-1, 1);
    }
    for (w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        size_t n = widths[w];
        double want[3 * 768];

        for (i = 0; i < 3 * n; i++) {
            y[i] = (float)uniform(-3, 5);
            res[i] = (float)uniform(-2, 2);
        }
        for (i = 0; i < 3; i++) {
            double mean = 0, var = 0;

            for (j = 0; j < n; j++)
                mean += (double)y[i * n + j] + bias[j] + res[i * n + j];
            mean /= (double)n;
            for (j = 0; j < n; j++) {
                double v = (double)y[i * n + j] + bias[j] + res[i * n + j];

                var += (v - mean) * (v - mean);
            }
            var /= (double)n;
            for (j = 0; j < n; j++)
                want[i * n + j] = ((double)y[i * n + j] + bias[j] +
                                   res[i * n + j] - mean) /
                                  sqrt(var + 1e-12) * g[j] + b[j];
        }
        rb_cpu_layernorm(y, bias, res, g, b, 1e-12f, 3, n);
        for (i = 0; i < 3 * n; i++)
            if (fabs(y[i] - want[i]) > worst)
                worst = fabs(y[i] - want[i]);
    }
    printf("  layernorm max |diff| %.2g\n", worst);
    CHECK(worst < 2e-6);
}

/* Each vectorised set the processor has, against exact values. */
static void test_vectorised_kernels(void)
{
    static const char *const sets[] = {"avx2", "avx512"};
    int i, tried = 0;

    for (i = 0; i < 2; i++) {
        if (rb_cpu_kernels_select(sets[i]) != 0) {
            printf("  no %s on this processor\n", sets[i]);
            continue;
        }
        CHECK_STR(rb_cpu_kernels_name(), sets[i]);
        check_activations(sets[i]);
        check_softmax();
        check_layernorm();
        tried++;
    }
    rb_cpu_kernels_select(NULL);
    if (!tried)
        printf("  portable kernels only\n");
}

static void test_portable_kernels(void)
{
    CHECK(rb_cpu_kernels_select("portable") == 0);
    CHECK_STR(rb_cpu_kernels_name(), "portable");
    check_activations("portable");
    check_softmax();
    check_layernorm();
    rb_cpu_kernels_select(NULL);
}

static void test_unknown_set_refused(void)
{
    const char *before;

    rb_cpu_kernels_select(NULL);
    before = rb_cpu_kernels_name();
    CHECK(rb_cpu_kernels_select("sse9") == -1);
    CHECK_STR(rb_cpu_kernels_name(), before);
}

int main(void)
{
    RUN_TEST(test_vectorised_kernels);
    RUN_TEST(test_portable_kernels);
    RUN_TEST(test_unknown_set_refused);
    return check_report();
}
