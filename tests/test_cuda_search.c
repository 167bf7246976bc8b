/* The GPU's blocks of inner-product scores against OpenBLAS on the same
 * matrices: every score within 1e-4 relative, blocks at the matrices'
 * edges included, and the same bytes on a second call. Skips without a
 * usable GPU. */

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "base/mem.h"
#include "check.h"
#include "encoder/cuda_module.h"

#define NDOCS 3001
#define NQ 77
#define DIM 384

static float docs[NDOCS * DIM], queries[NQ * DIM];
static const rb_cuda_module *cu;

static void fill(float *x, size_t n, uint64_t seed)
{
    uint64_t s = seed;
    size_t i;

    for (i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (float)((double)(s >> 11) / 9007199254740992.0 - 0.5);
    }
}

static void test_blocks_match_blas(void)
{
    static const size_t blocks[][4] = {
        {0, NQ, 0, NDOCS}, {0, 16, 0, 1024}, {64, 13, 2048, 953},
        {76, 1, 3000, 1},
    };
    rb_error err = {0};
    void *st = NULL;
    size_t b;
    double worst = 0;

    CHECK(cu->search->create(docs, NDOCS, DIM, 0, &st, &err) == 0);
    if (!st) {
        fprintf(stderr, "create: %s\n", err.msg);
        return;
    }
    CHECK(cu->search->queries(st, queries, NQ, &err) == 0);
    for (b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        size_t q0 = blocks[b][0], nq = blocks[b][1];
        size_t d0 = blocks[b][2], nd = blocks[b][3], i;
        float *gpu = rb_malloc(nq * nd * sizeof *gpu);
        float *again = rb_malloc(nq * nd * sizeof *again);
        float *cpu = rb_malloc(nq * nd * sizeof *cpu);

        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nq,
                    (int)nd, DIM, 1.0f, queries + q0 * DIM, DIM,
                    docs + d0 * DIM, DIM, 0.0f, cpu, (int)nd);
        CHECK(cu->search->scores(st, q0, nq, d0, nd, gpu, &err) == 0);
        CHECK(cu->search->scores(st, q0, nq, d0, nd, again, &err) == 0);
        CHECK(memcmp(gpu, again, nq * nd * sizeof *gpu) == 0);
        for (i = 0; i < nq * nd; i++) {
            double d = fabs((double)gpu[i] - cpu[i]) /
                       (fabs((double)cpu[i]) + 1.0);

            if (d > worst)
                worst = d;
        }
        rb_free(gpu);
        rb_free(again);
        rb_free(cpu);
    }
    printf("  GPU vs BLAS scores: worst relative difference %.3g\n", worst);
    CHECK(worst <= 1e-4);
    /* A block past the end is refused, not read out of bounds. */
    {
        float out[4];

        CHECK(cu->search->scores(st, NQ - 1, 2, 0, 2, out, &err) < 0);
        CHECK(strstr(err.msg, "outside") != NULL);
    }
    cu->search->destroy(st);
}

int main(void)
{
    char why[800];

    cu = rb_cuda_usable(why, sizeof why);
    if (!cu)
        CHECK_SKIP(why);
    fill(docs, NDOCS * DIM, 1);
    fill(queries, NQ * DIM, 2);
    RUN_TEST(test_blocks_match_blas);
    return check_report();
}
