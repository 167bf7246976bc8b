/*
 * The FP32 arithmetic ceiling of one core: a loop of ten independent
 * fused multiply-adds per iteration, 512-bit where the processor has
 * AVX-512 and 256-bit otherwise, timed five times. Prints GFLOPS per core
 * (the best run and the median) so that encoder throughput can be read as
 * a fraction of what the core can do at all.
 *
 *   bench_fma_peak [ITERATIONS]      (default 200000000)
 */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

#if defined(__x86_64__) && defined(__GNUC__)

#define FMA512(r) "vfmadd231ps %%zmm10, %%zmm11, %%zmm" #r "\n\t"
#define FMA256(r) "vfmadd231ps %%ymm10, %%ymm11, %%ymm" #r "\n\t"

/* Ten chains, each FMA depending only on its own chain's last one, so
 * the loop is bound by FMA throughput rather than latency. */
static void loop512(long n)
{
    __asm__ volatile("1:\n\t"
                     FMA512(0) FMA512(1) FMA512(2) FMA512(3) FMA512(4)
                     FMA512(5) FMA512(6) FMA512(7) FMA512(8) FMA512(9)
                     "dec %0\n\tjnz 1b"
                     : "+r"(n) :
                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
                       "xmm6", "xmm7", "xmm8", "xmm9", "cc");
}

static void loop256(long n)
{
    __asm__ volatile("1:\n\t"
                     FMA256(0) FMA256(1) FMA256(2) FMA256(3) FMA256(4)
                     FMA256(5) FMA256(6) FMA256(7) FMA256(8) FMA256(9)
                     "dec %0\n\tjnz 1b"
                     : "+r"(n) :
                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
                       "xmm6", "xmm7", "xmm8", "xmm9", "cc");
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000000L;
    int wide, r;
    double g[5];

    if (n <= 0) {
        fprintf(stderr, "usage: bench_fma_peak [ITERATIONS]\n");
        return 2;
    }
    __builtin_cpu_init();
    wide = __builtin_cpu_supports("avx512f");
    if (!wide && !__builtin_cpu_supports("fma")) {
        printf("{\"bench\": \"fma_peak\", \"skipped\": \"no FMA\"}\n");
        return 0;
    }
    for (r = 0; r < 5; r++) {
        double t = now();

        if (wide)
            loop512(n);
        else
            loop256(n);
        t = now() - t;
        /* 10 FMAs of 16 (or 8) lanes, 2 flops each, per iteration */
        g[r] = (double)n * 10 * (wide ? 32 : 16) / t / 1e9;
    }
    qsort(g, 5, sizeof g[0], cmp);
    printf("{\"bench\": \"fma_peak\", \"vector_bits\": %d, "
           "\"gflops_per_core\": {\"best\": %.1f, \"median\": %.1f, "
           "\"min\": %.1f}}\n", wide ? 512 : 256, g[4], g[2], g[0]);
    return 0;
}

#else

int main(void)
{
    printf("{\"bench\": \"fma_peak\", \"skipped\": \"not x86-64\"}\n");
    return 0;
}

#endif
