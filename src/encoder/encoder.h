#ifndef RB_ENCODER_H
#define RB_ENCODER_H

/*
 * Sentence embeddings from a BERT-family model (encoder/model.h) on the CPU
 * (BLAS) or a CUDA GPU (cuBLAS). Texts are tokenized with the model's
 * WordPiece tokenizer and truncated to the maximum length, sorted by length
 * and batched, run through the transformer, pooled (the model's pooling or
 * an override) and optionally L2-normalised.
 *
 * Results do not depend on the number of threads: batches are formed the
 * same way whatever the thread count, and each runs on one thread.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "encoder/model.h"

typedef struct rb_encoder_options {
    const char *device;     /* "cpu", "cuda", or NULL / "auto": CUDA when a
                             * GPU is present, else the CPU */
    const char *precision;  /* CUDA: "fp16" (default) or "bf16"; the CPU
                             * computes in "fp32" */
    int threads;            /* CPU workers; 0 = all cores */
    size_t max_length;      /* 0 = the model's; at most its positions */
    size_t batch_size;      /* sequences per batch; 0 = the default */
    size_t batch_tokens;    /* CPU: tokens per batch; 0 = the default */
    unsigned pooling;       /* RB_POOL_* bits; 0 = the model's */
    int normalize;          /* 1, 0, or -1 for the model's */
    int gpu;                /* CUDA device ordinal */
} rb_encoder_options;

void rb_encoder_options_default(rb_encoder_options *opt);

typedef struct rb_encoder rb_encoder;

/* An encoder for model m (which must outlive it). A forced "cuda" device
 * without a usable GPU, or a build without CUDA, is an error; automatic
 * selection falls back to the CPU. */
rb_encoder *rb_encoder_new(const rb_model *m, const rb_encoder_options *opt,
                           rb_error *err);
void rb_encoder_free(rb_encoder *e);

const rb_model *rb_encoder_model(const rb_encoder *e);
const char *rb_encoder_device(const rb_encoder *e);    /* "cpu", "cuda" */
const char *rb_encoder_precision(const rb_encoder *e); /* "fp32", ... */
/* Length of an embedding. */
size_t rb_encoder_dim(const rb_encoder *e);
size_t rb_encoder_max_length(const rb_encoder *e);
/* Effective settings for results files; a new reference. */
json_t *rb_encoder_describe(const rb_encoder *e);

/* Called now and then with the number of texts done so far. */
typedef void (*rb_encode_progress)(void *arg, size_t done);

/* Embed n texts (texts[i] of lens[i] bytes) into out, n rows of
 * rb_encoder_dim floats. progress may be NULL. */
int rb_encoder_encode(rb_encoder *e, const char *const *texts,
                      const size_t *lens, size_t n, float *out,
                      rb_encode_progress progress, void *arg, rb_error *err);

/* Token sequences back to back: sequence s is ids[offsets[s]] to
 * ids[offsets[s + 1] - 1]. */
typedef struct rb_token_batch {
    const int32_t *ids;
    const size_t *offsets;      /* nseq + 1 entries, offsets[0] == 0 */
    size_t nseq;
} rb_token_batch;

/* Tokenize n texts as the encoder does ([CLS] ... [SEP], truncated), for
 * rb_encoder_forward. ids and offsets are new arrays (rb_free). */
int rb_encoder_tokenize(rb_encoder *e, const char *const *texts,
                        const size_t *lens, size_t n, int32_t **ids,
                        size_t **offsets, rb_error *err);

/* Run token sequences through the model. hidden (may be NULL) receives
 * the last hidden states: offsets[nseq] rows of hidden_size floats, in
 * input order, for heads that work on every token (such as the masked-LM
 * head, whose tensors rb_model_tensor finds). pooled (may be NULL)
 * receives nseq embeddings as rb_encoder_encode gives them. Sequences
 * must hold 1 to rb_encoder_max_length ids below the vocabulary size. */
int rb_encoder_forward(rb_encoder *e, const rb_token_batch *b,
                       float *hidden, float *pooled, rb_error *err);

#endif
