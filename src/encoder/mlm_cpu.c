/*
 * The masked-LM head on the CPU: the transform with one BLAS product and
 * the encoder's element-wise kernels, then the decoder's product split
 * into slices of the vocabulary, one per task, each on single-threaded
 * BLAS. A logit's arithmetic is the same whatever the thread count.
 */

#include <cblas.h>
#include <string.h>

#include "base/mem.h"
#include "base/pool.h"
#include "encoder/cpu_kernels.h"
#include "encoder/mlm_head.h"

/* Vocabulary rows per decoder task. */
#define SLICE_ROWS 2048

typedef struct mlm_cpu {
    rb_mlm_weights w;
    int threads;
    float *t;               /* transformed states */
    size_t t_rows;
} mlm_cpu;

typedef struct decode_job {
    const mlm_cpu *st;
    size_t n;
    float *logits;
} decode_job;

static int cpu_create(const rb_mlm_weights *w, int threads, int device,
                      void **state, rb_error *err)
{
    mlm_cpu *st = rb_calloc(1, sizeof *st);

    (void)device;
    if (!st)
        return rb_error_oom(err);
    st->w = *w;
    st->threads = rb_threads_resolve(threads);
    *state = st;
    return 0;
}

/* Columns [begin, end) of the vocabulary: logits = t dec^T + bias. */
static int decode_slice(void *arg, size_t begin, size_t end, int thread)
{
    const decode_job *job = arg;
    const rb_mlm_weights *w = &job->st->w;
    size_t i, j;

    (void)thread;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)job->n,
                (int)(end - begin), (int)w->hidden, 1.0f, job->st->t,
                (int)w->hidden, w->dec + begin * w->hidden, (int)w->hidden,
                0.0f, job->logits + begin, (int)w->vocab);
    for (i = 0; i < job->n; i++) {
        float *row = job->logits + i * w->vocab;

        for (j = begin; j < end; j++)
            row[j] += w->bias[j];
    }
    return 0;
}

static int cpu_logits(void *state, const float *hidden, size_t n,
                      float *logits, rb_error *err)
{
    mlm_cpu *st = state;
    const rb_mlm_weights *w = &st->w;
    decode_job job;
    int saved, rc;

    if (n > st->t_rows) {
        float *t = rb_realloc(st->t, n * w->hidden * sizeof *t);

        if (!t)
            return rb_error_oom(err);
        st->t = t;
        st->t_rows = n;
    }
    saved = openblas_get_num_threads();
    openblas_set_num_threads(1);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n,
                (int)w->hidden, (int)w->hidden, 1.0f, hidden,
                (int)w->hidden, w->tr_w, (int)w->hidden, 0.0f, st->t,
                (int)w->hidden);
    rb_cpu_bias_act(st->t, w->tr_b, w->act, n, w->hidden);
    rb_cpu_layernorm(st->t, NULL, NULL, w->ln_w, w->ln_b, w->eps, n,
                     w->hidden);
    job.st = st;
    job.n = n;
    job.logits = logits;
    rc = rb_parallel_for(w->vocab, SLICE_ROWS, st->threads, decode_slice,
                         &job);
    if (saved > 0)
        openblas_set_num_threads(saved);
    return rc < 0 ? rb_error_set(err, "decoder failed") : 0;
}

static json_t *cpu_describe(void *state)
{
    const mlm_cpu *st = state;

    return json_pack("{s:s, s:s, s:i}", "precision", "fp32", "blas",
                     openblas_get_corename(), "threads", st->threads);
}

static void cpu_destroy(void *state)
{
    mlm_cpu *st = state;

    if (!st)
        return;
    rb_free(st->t);
    rb_free(st);
}

const rb_mlm_backend_ops rb_mlm_cpu_backend = {
    "cpu", cpu_create, cpu_logits, cpu_describe, cpu_destroy,
};
