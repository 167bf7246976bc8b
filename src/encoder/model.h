#ifndef RB_MODEL_H
#define RB_MODEL_H

/*
 * A BERT-family checkpoint in the Hugging Face layout:
 *
 *   config.json              architecture (model_type "bert")
 *   vocab.txt                WordPiece vocabulary
 *   tokenizer_config.json    do_lower_case, strip_accents, special tokens
 *   model.safetensors        weights, F32, F16 or BF16, names with or
 *                            without the "bert." prefix
 *   modules.json, 1_Pooling/config.json, sentence_bert_config.json
 *                            sentence-transformers' pooling, Normalize
 *                            module and maximum sequence length (optional)
 *
 * Loading checks every tensor the forward pass uses against config.json
 * (presence, dtype, shape) and reports the first problem naming the file
 * and the tensor. The weights stay memory-mapped; tensors point into the
 * mapping. Tensors the encoder does not use, such as the masked-LM head
 * (cls.predictions.*), remain reachable through rb_model_tensor.
 */

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"
#include "encoder/safetensors.h"
#include "text/wordpiece.h"

typedef enum rb_activation {
    RB_ACT_GELU,        /* exact, with erf ("gelu") */
    RB_ACT_GELU_TANH,   /* tanh approximation ("gelu_new", ...) */
    RB_ACT_RELU
} rb_activation;

/* Pooling modes; several may be set, and their vectors are concatenated
 * in this order, as sentence-transformers does. */
enum {
    RB_POOL_CLS = 1,
    RB_POOL_MEAN = 2,
    RB_POOL_MAX = 4,
    RB_POOL_MEAN_SQRT_LEN = 8,
    RB_POOL_WEIGHTED_MEAN = 16,
    RB_POOL_LAST_TOKEN = 32
};
#define RB_POOL_ALL 63u

typedef struct rb_bert_config {
    char model_type[32];
    int vocab_size;
    int hidden;
    int layers;
    int heads;
    int intermediate;
    int max_positions;
    int type_vocab;
    double layer_norm_eps;
    rb_activation act;
    char act_name[32];
} rb_bert_config;

/* One transformer layer's tensors (post-LayerNorm BERT). */
typedef struct rb_bert_layer {
    const rb_tensor *q_w, *q_b, *k_w, *k_b, *v_w, *v_b;
    const rb_tensor *o_w, *o_b, *ln1_w, *ln1_b;
    const rb_tensor *in_w, *in_b, *out_w, *out_b, *ln2_w, *ln2_b;
} rb_bert_layer;

typedef struct rb_model {
    char *name;              /* as given to rb_model_load */
    char *dir;               /* the folder read */
    rb_bert_config cfg;
    rb_wordpiece *tokenizer;
    rb_safetensors *weights;
    char prefix[8];          /* "" or "bert." */

    const rb_tensor *word_emb, *pos_emb, *type_emb, *emb_ln_w, *emb_ln_b;
    rb_bert_layer *layer;    /* cfg.layers of them */

    unsigned pooling;        /* RB_POOL_* bits */
    int normalize;           /* L2-normalise the pooled vector */
    size_t max_length;       /* tokens per sequence, [CLS] and [SEP] in */
    int sentence_transformers;  /* modules.json was read */
    int lowercase_input;     /* sentence_bert_config's do_lower_case */
    char fingerprint[65];    /* filled by rb_model_fingerprint */
} rb_model;

/* Load a model from a folder, or from the local Hugging Face cache when
 * `name` is not a folder (see rb_model_resolve). The caller frees with
 * rb_model_free. */
rb_model *rb_model_load(const char *name, rb_error *err);
void rb_model_free(rb_model *m);

/* Find the folder of a model: `name` itself when it is a folder, else the
 * snapshot of a Hugging Face hub model id ("org/name", optionally
 * "@revision") in $HF_HUB_CACHE, $HF_HOME/hub, $XDG_CACHE_HOME/
 * huggingface/hub or ~/.cache/huggingface/hub. Never uses the network.
 * *dir is a new string. */
int rb_model_resolve(const char *name, char **dir, rb_error *err);

/* A tensor of the checkpoint by its name without the "bert." prefix
 * (tried with and without it; LayerNorm ".gamma"/".beta" spellings
 * accepted), or NULL. */
const rb_tensor *rb_model_tensor(const rb_model *m, const char *name);

/* Length of the pooled vector for a set of pooling modes. */
size_t rb_model_pooled_dim(const rb_model *m, unsigned pooling);

/* Parse pooling modes: "cls", "mean", "max", "mean_sqrt_len",
 * "weightedmean", "lasttoken", joined by "," or "+". */
int rb_pooling_parse(const char *s, unsigned *modes, rb_error *err);
/* Write the modes as rb_pooling_parse reads them. */
void rb_pooling_format(unsigned modes, char *out, size_t size);

/* SHA-256 of every file that defines the model (config, tokenizer files,
 * sentence-transformers files, the weights); computed once, kept in
 * m->fingerprint. */
int rb_model_fingerprint(rb_model *m, rb_error *err);

/* The model for a results file: folder, shapes, pooling...; a new
 * reference. */
json_t *rb_model_describe(const rb_model *m);

#endif
