#ifndef RB_BACKEND_H
#define RB_BACKEND_H

/*
 * The encoder's compute backends: a table of functions each backend fills
 * in (CPU always; CUDA when the toolkit was found at build time). The
 * encoder (encoder.c) tokenizes, sorts and batches; a backend runs the
 * transformer over one batch of token sequences and pools the result.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "encoder/encoder.h"
#include "encoder/model.h"

typedef struct rb_backend_config {
    int threads;            /* CPU: parallel workers */
    size_t max_tokens;      /* most tokens (padding included) a batch has */
    size_t max_seqs;        /* most sequences in a batch */
    size_t max_length;      /* longest sequence */
    const char *precision;  /* "fp32", "fp16", "bf16" */
    int device;             /* CUDA device ordinal */
} rb_backend_config;

typedef struct rb_backend_ops {
    const char *name;
    int (*create)(const rb_model *m, const rb_backend_config *cfg,
                  void **state, rb_error *err);
    /* How many workers may run forward at the same time. */
    int (*workers)(void *state);
    /* Bracket a series of forward calls (may be NULL). */
    void (*begin)(void *state);
    void (*end)(void *state);
    /* Run batch b on worker w. hidden (may be NULL) receives the last
     * hidden states of every token, b's tokens in order, hidden_size
     * floats each; pooled (may be NULL) one pooled vector per sequence. */
    int (*forward)(void *state, int w, const rb_token_batch *b,
                   unsigned pooling, int normalize, float *hidden,
                   float *pooled, rb_error *err);
    json_t *(*describe)(void *state);
    void (*destroy)(void *state);
} rb_backend_ops;

extern const rb_backend_ops rb_cpu_backend;

/* The CUDA backend is reached through encoder/cuda_module.h. */

/* Pool the hidden states h (n tokens of dim floats) of one sequence into
 * out (one dim-vector per mode, in RB_POOL_* order), then L2-normalise
 * the whole when asked. */
void rb_pool_sequence(const float *h, size_t n, size_t dim, unsigned modes,
                      int normalize, float *out);

#endif
