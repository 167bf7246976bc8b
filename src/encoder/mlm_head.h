#ifndef RB_MLM_HEAD_H
#define RB_MLM_HEAD_H

/*
 * BERT's masked-language-model head (BertLMPredictionHead): for a last
 * hidden state h,
 *
 *     t = LayerNorm(act(W h + b))           cls.predictions.transform.*
 *     logits = D t + bias                   cls.predictions.bias
 *
 * where act is config.json's hidden_act and D, the decoder, is either the
 * word-embedding matrix (tied, the usual case: the checkpoint stores no
 * cls.predictions.decoder.weight, or stores an identical copy) or a matrix
 * of its own (untied). The head runs on the CPU (OpenBLAS) or on a CUDA
 * GPU (cuBLAS), in FP32 on both.
 *
 * Loading measures how the decoder relates to the embeddings, so that a
 * report can tell a tied head from one whose decoder was never tied.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "encoder/model.h"

typedef enum rb_mlm_tie {
    RB_MLM_TIE_AUTO,        /* as the checkpoint says */
    RB_MLM_TIE_TIED,        /* use the word embeddings as the decoder */
    RB_MLM_TIE_UNTIED       /* use the stored decoder (must be present) */
} rb_mlm_tie;

typedef struct rb_mlm_options {
    const char *device;     /* "cpu", "cuda", or NULL / "auto" */
    rb_mlm_tie tie;
    int threads;            /* CPU workers for the decoder; 0 = all */
    int gpu;                /* CUDA device ordinal */
} rb_mlm_options;

void rb_mlm_options_default(rb_mlm_options *opt);

/* Parse "auto", "tied" or "untied". */
int rb_mlm_tie_parse(const char *s, rb_mlm_tie *out, rb_error *err);

/* How the decoder relates to the word embeddings E. */
typedef struct rb_mlm_tie_info {
    int tied;               /* the head decodes with E */
    int decoder_stored;     /* cls.predictions.decoder.weight exists */
    int stored_identical;   /* ... and equals E value for value */
    int config_ties;        /* config.json's tie_word_embeddings (default
                             * true), under which Hugging Face's loader
                             * replaces a stored decoder by E */
    int forced;             /* the tie was chosen by rb_mlm_options */
    /* With a stored decoder D (NAN otherwise): the mean over vocabulary
     * rows of cos(D_i, E_i), the lowest such cosine, ||D - E||_F /
     * ||E||_F and ||D||_F / ||E||_F. */
    double mean_cosine, min_cosine, rel_frobenius, norm_ratio;
} rb_mlm_tie_info;

typedef struct rb_mlm_head rb_mlm_head;

/* The head of model m (which must outlive it). Fails with a message
 * naming the tensor when the checkpoint has no head, or one whose
 * shapes disagree with config.json; a forced "cuda" without a GPU (or a
 * build without CUDA) is an error, "auto" falls back to the CPU. */
rb_mlm_head *rb_mlm_head_new(const rb_model *m, const rb_mlm_options *opt,
                             rb_error *err);
void rb_mlm_head_free(rb_mlm_head *h);

const rb_mlm_tie_info *rb_mlm_head_tie(const rb_mlm_head *h);
const char *rb_mlm_head_device(const rb_mlm_head *h);   /* "cpu", "cuda" */
/* Rows of the decoder: config.json's vocab_size. */
size_t rb_mlm_head_vocab(const rb_mlm_head *h);
/* The head for a report: device, tie and its measures; a new
 * reference. */
json_t *rb_mlm_head_describe(const rb_mlm_head *h);

/* Logits of n hidden states (n rows of hidden_size floats) into logits,
 * n rows of rb_mlm_head_vocab floats. */
int rb_mlm_head_logits(rb_mlm_head *h, const float *hidden, size_t n,
                       float *logits, rb_error *err);

/* The softmax of one row of logits over the whole vocabulary, computed
 * in double. */
typedef struct rb_mlm_scores {
    size_t k;               /* entries filled in top_ids and top_p */
    int32_t *top_ids;       /* caller's arrays of at least k entries: */
    double *top_p;          /* most probable first, ties by lower id */
    size_t rank;            /* of `expected`, 1-based, same ordering */
    double p_expected;
    double entropy;         /* in nats */
} rb_mlm_scores;

/* Fill s for logits[0..vocab): the k most probable tokens, and the rank
 * and probability of token `expected` (ignored when negative). */
void rb_mlm_score(const float *logits, size_t vocab, int32_t expected,
                  size_t k, rb_mlm_scores *s);

/* ---- backends ---- */

/* The head's weights in FP32, as backends receive them. dec is vocab x
 * hidden, row-major; tr_w is hidden x hidden ([out, in]). */
typedef struct rb_mlm_weights {
    size_t hidden, vocab;
    float eps;
    rb_activation act;
    const float *tr_w, *tr_b, *ln_w, *ln_b, *dec, *bias;
} rb_mlm_weights;

typedef struct rb_mlm_backend_ops {
    const char *name;
    int (*create)(const rb_mlm_weights *w, int threads, int device,
                  void **state, rb_error *err);
    int (*logits)(void *state, const float *hidden, size_t n,
                  float *logits, rb_error *err);
    json_t *(*describe)(void *state);
    void (*destroy)(void *state);
} rb_mlm_backend_ops;

extern const rb_mlm_backend_ops rb_mlm_cpu_backend;

#endif
