#include "encoder/model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/hash.h"
#include "base/mem.h"

/* Sizes beyond these are refused as implausible (and to keep products of
 * them far from overflow). */
#define MAX_DIM 65536
#define MAX_LAYERS 1024
#define MAX_VOCAB 4000000

static int is_dir(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static json_t *read_json(const char *path, rb_error *err)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);

    if (!root) {
        if (!rb_path_exists(path))
            rb_error_set(err, "%s: no such file", path);
        else
            rb_error_set(err, "%s:%d:%d: %s", path, jerr.line, jerr.column,
                         jerr.text);
    }
    return root;
}

/* Read folder/name when it exists. *path is the file's path (the caller
 * frees it); *root stays NULL when there is no such file. */
static int read_optional_json(const char *folder, const char *name,
                              char **path, json_t **root, rb_error *err)
{
    *root = NULL;
    *path = rb_path_join(folder, name);
    if (!*path)
        return rb_error_oom(err);
    if (!rb_path_exists(*path))
        return 0;
    *root = read_json(*path, err);
    return *root ? 0 : -1;
}

/* ---- config.json ---- */

static int get_int(const json_t *obj, const char *path, const char *key,
                   int required, int fallback, int max, int *out,
                   rb_error *err)
{
    json_t *v = json_object_get(obj, key);

    if (!v) {
        if (required)
            return rb_error_set(err, "%s: \"%s\" is missing", path, key);
        *out = fallback;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
        json_integer_value(v) > max)
        return rb_error_set(err, "%s: \"%s\" must be an integer from 1 to "
                            "%d", path, key, max);
    *out = (int)json_integer_value(v);
    return 0;
}

static int parse_activation(rb_bert_config *c, const char *path,
                            rb_error *err)
{
    static const struct {
        const char *name;
        rb_activation act;
    } acts[] = {
        {"gelu", RB_ACT_GELU}, {"gelu_python", RB_ACT_GELU},
        {"gelu_new", RB_ACT_GELU_TANH}, {"gelu_fast", RB_ACT_GELU_TANH},
        {"gelu_pytorch_tanh", RB_ACT_GELU_TANH}, {"relu", RB_ACT_RELU},
    };
    size_t i;

    for (i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        if (strcmp(c->act_name, acts[i].name) == 0) {
            c->act = acts[i].act;
            return 0;
        }
    }
    return rb_error_set(err, "%s: hidden_act \"%s\" is not supported (gelu, "
                        "gelu_new, gelu_pytorch_tanh, relu)", path,
                        c->act_name);
}

static int read_model_type(const json_t *root, rb_bert_config *c,
                           const char *path, rb_error *err)
{
    json_t *type = json_object_get(root, "model_type");
    json_t *arch = json_object_get(root, "architectures");

    if (json_is_string(type)) {
        snprintf(c->model_type, sizeof c->model_type, "%s",
                 json_string_value(type));
    } else if (json_is_array(arch) && json_is_string(json_array_get(arch, 0))
               && strncmp(json_string_value(json_array_get(arch, 0)),
                          "Bert", 4) == 0) {
        /* Old configs name only the architecture. */
        strcpy(c->model_type, "bert");
    } else {
        return rb_error_set(err, "%s: \"model_type\" is missing", path);
    }
    if (strcmp(c->model_type, "bert") != 0)
        return rb_error_set(err, "%s: model_type \"%s\" is not supported "
                            "(supported: bert)", path, c->model_type);
    return 0;
}

static int read_config(rb_model *m, rb_error *err)
{
    char *path = rb_path_join(m->dir, "config.json");
    rb_bert_config *c = &m->cfg;
    json_t *root = NULL, *v;
    int rc = -1;

    if (!path)
        return rb_error_oom(err);
    root = read_json(path, err);
    if (!root)
        goto done;
    if (!json_is_object(root)) {
        rb_error_set(err, "%s: not a JSON object", path);
        goto done;
    }
    if (read_model_type(root, c, path, err) < 0 ||
        get_int(root, path, "vocab_size", 1, 0, MAX_VOCAB, &c->vocab_size,
                err) < 0 ||
        get_int(root, path, "hidden_size", 1, 0, MAX_DIM, &c->hidden,
                err) < 0 ||
        get_int(root, path, "num_hidden_layers", 1, 0, MAX_LAYERS,
                &c->layers, err) < 0 ||
        get_int(root, path, "num_attention_heads", 1, 0, MAX_DIM, &c->heads,
                err) < 0 ||
        get_int(root, path, "intermediate_size", 1, 0, 4 * MAX_DIM,
                &c->intermediate, err) < 0 ||
        get_int(root, path, "max_position_embeddings", 1, 0, MAX_DIM,
                &c->max_positions, err) < 0 ||
        get_int(root, path, "type_vocab_size", 0, 2, MAX_DIM,
                &c->type_vocab, err) < 0)
        goto done;
    if (c->hidden % c->heads != 0) {
        rb_error_set(err, "%s: hidden_size %d is not a multiple of "
                     "num_attention_heads %d", path, c->hidden, c->heads);
        goto done;
    }
    c->layer_norm_eps = 1e-12;
    v = json_object_get(root, "layer_norm_eps");
    if (v) {
        if (!json_is_number(v) || json_number_value(v) <= 0) {
            rb_error_set(err, "%s: \"layer_norm_eps\" must be a positive "
                         "number", path);
            goto done;
        }
        c->layer_norm_eps = json_number_value(v);
    }
    v = json_object_get(root, "hidden_act");
    snprintf(c->act_name, sizeof c->act_name, "%s",
             json_is_string(v) ? json_string_value(v) : "gelu");
    if (v && !json_is_string(v)) {
        rb_error_set(err, "%s: \"hidden_act\" must be a string", path);
        goto done;
    }
    if (parse_activation(c, path, err) < 0)
        goto done;
    v = json_object_get(root, "position_embedding_type");
    if (v && (!json_is_string(v) ||
              strcmp(json_string_value(v), "absolute") != 0)) {
        rb_error_set(err, "%s: position_embedding_type \"%s\" is not "
                     "supported (absolute)", path,
                     json_is_string(v) ? json_string_value(v) : "?");
        goto done;
    }
    rc = 0;

done:
    json_decref(root);
    rb_free(path);
    return rc;
}

/* ---- tokenizer ---- */

static int get_bool(const json_t *obj, const char *path, const char *key,
                    int *out, rb_error *err)
{
    json_t *v = json_object_get(obj, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return rb_error_set(err, "%s: \"%s\" must be true or false", path,
                            key);
    *out = json_is_true(v);
    return 0;
}

/* A special token given as a string or as {"content": "..."}. */
static int get_token(const json_t *obj, const char *path, const char *key,
                     char *out, size_t size, rb_error *err)
{
    json_t *v = json_object_get(obj, key);

    if (json_is_object(v))
        v = json_object_get(v, "content");
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        json_string_length(v) >= size)
        return rb_error_set(err, "%s: \"%s\" must be a token string", path,
                            key);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int read_tokenizer_config(rb_model *m, rb_wordpiece_options *opt,
                                 double *model_max, rb_error *err)
{
    char *path;
    json_t *root, *v;
    int rc = -1;

    *model_max = 0;
    if (read_optional_json(m->dir, "tokenizer_config.json", &path, &root,
                           err) < 0)
        goto done;
    if (!root) {
        rc = 0;        /* BERT's defaults: lowercase, strip accents */
        goto done;
    }
    if (!json_is_object(root)) {
        rb_error_set(err, "%s: not a JSON object", path);
        goto done;
    }
    v = json_object_get(root, "strip_accents");
    if (v && !json_is_null(v)) {
        if (!json_is_boolean(v)) {
            rb_error_set(err, "%s: \"strip_accents\" must be true, false "
                         "or null", path);
            goto done;
        }
        opt->strip_accents = json_is_true(v);
    }
    if (get_bool(root, path, "do_lower_case", &opt->lowercase, err) < 0 ||
        get_bool(root, path, "tokenize_chinese_chars", &opt->split_cjk,
                 err) < 0 ||
        get_bool(root, path, "do_basic_tokenize", &opt->basic_tokenize,
                 err) < 0 ||
        get_token(root, path, "unk_token", opt->unk, sizeof opt->unk,
                  err) < 0 ||
        get_token(root, path, "cls_token", opt->cls, sizeof opt->cls,
                  err) < 0 ||
        get_token(root, path, "sep_token", opt->sep, sizeof opt->sep,
                  err) < 0 ||
        get_token(root, path, "pad_token", opt->pad, sizeof opt->pad,
                  err) < 0 ||
        get_token(root, path, "mask_token", opt->mask, sizeof opt->mask,
                  err) < 0)
        goto done;
    v = json_object_get(root, "model_max_length");
    if (json_is_number(v))
        *model_max = json_number_value(v);
    rc = 0;

done:
    json_decref(root);
    rb_free(path);
    return rc;
}

static int load_tokenizer(rb_model *m, double *model_max, rb_error *err)
{
    rb_wordpiece_options opt;
    char *path;
    int rc = -1;

    rb_wordpiece_options_default(&opt);
    if (read_tokenizer_config(m, &opt, model_max, err) < 0)
        return -1;
    path = rb_path_join(m->dir, "vocab.txt");
    if (!path)
        return rb_error_oom(err);
    if (!rb_path_exists(path)) {
        rb_error_set(err, "%s: no such file", path);
        goto done;
    }
    m->tokenizer = rb_wordpiece_load(path, &opt, err);
    if (!m->tokenizer)
        goto done;
    if (rb_wordpiece_vocab_size(m->tokenizer) > (size_t)m->cfg.vocab_size) {
        rb_error_set(err, "%s: %zu tokens, but config.json has vocab_size "
                     "%d", path, rb_wordpiece_vocab_size(m->tokenizer),
                     m->cfg.vocab_size);
        goto done;
    }
    rc = 0;

done:
    rb_free(path);
    return rc;
}

/* ---- sentence-transformers modules ---- */

static int read_pooling(rb_model *m, const char *sub, rb_error *err)
{
    static const struct {
        const char *key;
        unsigned mode;
    } keys[] = {
        {"pooling_mode_cls_token", RB_POOL_CLS},
        {"pooling_mode_mean_tokens", RB_POOL_MEAN},
        {"pooling_mode_max_tokens", RB_POOL_MAX},
        {"pooling_mode_mean_sqrt_len_tokens", RB_POOL_MEAN_SQRT_LEN},
        {"pooling_mode_weightedmean_tokens", RB_POOL_WEIGHTED_MEAN},
        {"pooling_mode_lasttoken", RB_POOL_LAST_TOKEN},
    };
    char *folder = rb_path_join(m->dir, sub);
    char *path = folder ? rb_path_join(folder, "config.json") : NULL;
    json_t *root = NULL, *v;
    size_t i;
    int rc = -1;

    if (!path) {
        rb_error_oom(err);
        goto done;
    }
    root = read_json(path, err);
    if (!root)
        goto done;
    m->pooling = 0;
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        int on = 0;

        if (get_bool(root, path, keys[i].key, &on, err) < 0)
            goto done;
        if (on)
            m->pooling |= keys[i].mode;
    }
    v = json_object_get(root, "pooling_mode");   /* newer spelling */
    if (m->pooling == 0 && json_is_string(v) &&
        rb_pooling_parse(json_string_value(v), &m->pooling, err) < 0) {
        rb_error_prefix(err, "%s", path);
        goto done;
    }
    if (m->pooling == 0) {
        rb_error_set(err, "%s: no pooling mode is set", path);
        goto done;
    }
    rc = 0;

done:
    json_decref(root);
    rb_free(path);
    rb_free(folder);
    return rc;
}

static int read_sentence_bert_config(rb_model *m, const char *folder,
                                     int *found, rb_error *err)
{
    char *path;
    json_t *root, *v;
    int rc = -1;

    if (read_optional_json(folder, "sentence_bert_config.json", &path,
                           &root, err) < 0)
        goto done;
    if (!root) {
        rc = 0;
        goto done;
    }
    *found = 1;
    v = json_object_get(root, "max_seq_length");
    if (v && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 2) {
            rb_error_set(err, "%s: \"max_seq_length\" must be an integer "
                         ">= 2", path);
            goto done;
        }
        m->max_length = (size_t)json_integer_value(v);
    }
    if (get_bool(root, path, "do_lower_case", &m->lowercase_input, err) < 0)
        goto done;
    rc = 0;

done:
    json_decref(root);
    rb_free(path);
    return rc;
}

/* Read modules.json when present. Pooling and Normalize folders are
 * relative to the top folder; a Transformer module in a subfolder makes
 * that subfolder the one the model's own files are read from. */
static int read_modules(rb_model *m, rb_error *err)
{
    char *path;
    json_t *root, *mod;
    const char *pooling_path = NULL, *transformer_path = "";
    size_t i;
    int rc = -1;

    if (read_optional_json(m->dir, "modules.json", &path, &root, err) < 0)
        goto done;
    if (!root) {
        rc = 0;
        goto done;
    }
    if (!json_is_array(root)) {
        rb_error_set(err, "%s: not a JSON array", path);
        goto done;
    }
    m->sentence_transformers = 1;
    json_array_foreach(root, i, mod) {
        const char *type = json_string_value(json_object_get(mod, "type"));
        const char *sub = json_string_value(json_object_get(mod, "path"));
        const char *kind;

        if (!type || !sub) {
            rb_error_set(err, "%s: module %zu lacks \"type\" or \"path\"",
                         path, i);
            goto done;
        }
        if (strstr(sub, "..") || sub[0] == '/') {
            rb_error_set(err, "%s: module path \"%s\" leaves the model "
                         "folder", path, sub);
            goto done;
        }
        kind = strrchr(type, '.') ? strrchr(type, '.') + 1 : type;
        if (strcmp(kind, "Transformer") == 0 && i == 0) {
            transformer_path = sub;
        } else if (strcmp(kind, "Pooling") == 0) {
            pooling_path = sub;
        } else if (strcmp(kind, "Normalize") == 0) {
            m->normalize = 1;
        } else {
            rb_error_set(err, "%s: module %zu of type \"%s\" is not "
                         "supported (a Transformer first, then Pooling and "
                         "Normalize)", path, i, type);
            goto done;
        }
    }
    if (pooling_path && read_pooling(m, pooling_path, err) < 0)
        goto done;
    if (transformer_path[0]) {
        char *inner = rb_path_join(m->dir, transformer_path);

        if (!inner) {
            rb_error_oom(err);
            goto done;
        }
        rb_free(m->dir);
        m->dir = inner;
    }
    rc = 0;

done:
    json_decref(root);
    rb_free(path);
    return rc;
}

/* ---- tensors ---- */

const rb_tensor *rb_model_tensor(const rb_model *m, const char *name)
{
    static const char *const spellings[][2] = {
        {"LayerNorm.weight", "LayerNorm.gamma"},
        {"LayerNorm.bias", "LayerNorm.beta"},
    };
    char buf[256];
    const rb_tensor *t;
    size_t i, n = strlen(name);

    snprintf(buf, sizeof buf, "%s%s", m->prefix, name);
    if ((t = rb_safetensors_find(m->weights, buf)))
        return t;
    if (m->prefix[0] && (t = rb_safetensors_find(m->weights, name)))
        return t;
    for (i = 0; i < 2; i++) {
        size_t k = strlen(spellings[i][0]);

        if (n < k || strcmp(name + n - k, spellings[i][0]) != 0)
            continue;
        snprintf(buf, sizeof buf, "%s%.*s%s", m->prefix, (int)(n - k), name,
                 spellings[i][1]);
        if ((t = rb_safetensors_find(m->weights, buf)) || !m->prefix[0])
            return t;
        /* Head tensors (cls.*) sit outside the "bert." prefix. */
        snprintf(buf, sizeof buf, "%.*s%s", (int)(n - k), name,
                 spellings[i][1]);
        return rb_safetensors_find(m->weights, buf);
    }
    return NULL;
}

static void format_shape(const int64_t *shape, int ndim, char *out,
                         size_t size)
{
    size_t len = 0;
    int i;

    len += (size_t)snprintf(out, size, "[");
    for (i = 0; i < ndim && len < size; i++)
        len += (size_t)snprintf(out + len, size - len, "%s%lld",
                                i ? ", " : "", (long long)shape[i]);
    if (len < size)
        snprintf(out + len, size - len, "]");
}

/* The tensor `name` checked for presence, dtype and shape. */
static const rb_tensor *need(const rb_model *m, const char *name, int rows,
                             int cols, rb_error *err)
{
    const rb_tensor *t = rb_model_tensor(m, name);
    const char *path = rb_safetensors_path(m->weights);
    int64_t want[2] = {rows, cols};
    int ndim = cols ? 2 : 1;

    if (!t) {
        rb_error_set(err, "%s: tensor \"%s%s\" is missing", path, m->prefix,
                     name);
        return NULL;
    }
    if (t->dtype == RB_DTYPE_OTHER) {
        rb_error_set(err, "%s: tensor \"%s\" has dtype %s (supported: F32, "
                     "F16, BF16)", path, t->name, t->dtype_name);
        return NULL;
    }
    if (t->ndim != ndim || t->shape[0] != rows ||
        (ndim == 2 && t->shape[1] != cols)) {
        char got[128], exp[64];

        format_shape(t->shape, t->ndim, got, sizeof got);
        format_shape(want, ndim, exp, sizeof exp);
        rb_error_set(err, "%s: tensor \"%s\" has shape %s, config.json "
                     "says %s", path, t->name, got, exp);
        return NULL;
    }
    return t;
}

static int bind_layer(rb_model *m, int i, rb_error *err)
{
    const rb_bert_config *c = &m->cfg;
    rb_bert_layer *l = &m->layer[i];
    int H = c->hidden, I = c->intermediate;
    char p[64], name[160];

#define NEED(field, suffix, rows, cols) do { \
    snprintf(name, sizeof name, "%s%s", p, suffix); \
    if (!(l->field = need(m, name, rows, cols, err))) \
        return -1; \
} while (0)

    snprintf(p, sizeof p, "encoder.layer.%d.", i);
    NEED(q_w, "attention.self.query.weight", H, H);
    NEED(q_b, "attention.self.query.bias", H, 0);
    NEED(k_w, "attention.self.key.weight", H, H);
    NEED(k_b, "attention.self.key.bias", H, 0);
    NEED(v_w, "attention.self.value.weight", H, H);
    NEED(v_b, "attention.self.value.bias", H, 0);
    NEED(o_w, "attention.output.dense.weight", H, H);
    NEED(o_b, "attention.output.dense.bias", H, 0);
    NEED(ln1_w, "attention.output.LayerNorm.weight", H, 0);
    NEED(ln1_b, "attention.output.LayerNorm.bias", H, 0);
    NEED(in_w, "intermediate.dense.weight", I, H);
    NEED(in_b, "intermediate.dense.bias", I, 0);
    NEED(out_w, "output.dense.weight", H, I);
    NEED(out_b, "output.dense.bias", H, 0);
    NEED(ln2_w, "output.LayerNorm.weight", H, 0);
    NEED(ln2_b, "output.LayerNorm.bias", H, 0);
#undef NEED
    return 0;
}

static int bind_tensors(rb_model *m, rb_error *err)
{
    const rb_bert_config *c = &m->cfg;
    int i;

    if (!rb_safetensors_find(m->weights, "embeddings.word_embeddings.weight")
        && rb_safetensors_find(m->weights,
                               "bert.embeddings.word_embeddings.weight"))
        strcpy(m->prefix, "bert.");
    if (!(m->word_emb = need(m, "embeddings.word_embeddings.weight",
                             c->vocab_size, c->hidden, err)) ||
        !(m->pos_emb = need(m, "embeddings.position_embeddings.weight",
                            c->max_positions, c->hidden, err)) ||
        !(m->type_emb = need(m, "embeddings.token_type_embeddings.weight",
                             c->type_vocab, c->hidden, err)) ||
        !(m->emb_ln_w = need(m, "embeddings.LayerNorm.weight", c->hidden, 0,
                             err)) ||
        !(m->emb_ln_b = need(m, "embeddings.LayerNorm.bias", c->hidden, 0,
                             err)))
        return -1;
    m->layer = rb_calloc((size_t)c->layers, sizeof *m->layer);
    if (!m->layer)
        return rb_error_oom(err);
    for (i = 0; i < c->layers; i++)
        if (bind_layer(m, i, err) < 0)
            return -1;
    return 0;
}

/* ---- loading ---- */

static int open_weights(rb_model *m, rb_error *err)
{
    char *path = rb_path_join(m->dir, "model.safetensors");

    if (!path)
        return rb_error_oom(err);
    if (!rb_path_exists(path)) {
        char *bin = rb_path_join(m->dir, "pytorch_model.bin");

        if (bin && rb_path_exists(bin))
            rb_error_set(err, "%s: no such file (only pytorch_model.bin, "
                         "which rankbench cannot read: convert it to "
                         "safetensors)", path);
        else
            rb_error_set(err, "%s: no such file", path);
        rb_free(bin);
        rb_free(path);
        return -1;
    }
    m->weights = rb_safetensors_open(path, err);
    rb_free(path);
    return m->weights ? 0 : -1;
}

static void choose_max_length(rb_model *m, double model_max)
{
    size_t limit = (size_t)m->cfg.max_positions;

    if (m->max_length == 0 && model_max >= 2 && model_max < (double)limit)
        m->max_length = (size_t)model_max;
    if (m->max_length == 0 || m->max_length > limit)
        m->max_length = limit;
}

rb_model *rb_model_load(const char *name, rb_error *err)
{
    rb_model *m = rb_calloc(1, sizeof *m);
    double model_max = 0;
    int st_config = 0;

    if (!m) {
        rb_error_oom(err);
        return NULL;
    }
    m->pooling = RB_POOL_MEAN;
    m->name = rb_strdup(name);
    if (!m->name) {
        rb_error_oom(err);
        goto fail;
    }
    if (rb_model_resolve(name, &m->dir, err) < 0 ||
        read_sentence_bert_config(m, m->dir, &st_config, err) < 0 ||
        read_modules(m, err) < 0 ||
        (!st_config &&
         read_sentence_bert_config(m, m->dir, &st_config, err) < 0) ||
        read_config(m, err) < 0 ||
        load_tokenizer(m, &model_max, err) < 0 ||
        open_weights(m, err) < 0 ||
        bind_tensors(m, err) < 0)
        goto fail;
    choose_max_length(m, model_max);
    return m;

fail:
    rb_model_free(m);
    return NULL;
}

void rb_model_free(rb_model *m)
{
    if (!m)
        return;
    rb_free(m->layer);
    rb_safetensors_close(m->weights);
    rb_wordpiece_free(m->tokenizer);
    rb_free(m->dir);
    rb_free(m->name);
    rb_free(m);
}

/* ---- the Hugging Face cache ---- */

static char *hub_cache_dir(void)
{
    const char *v;
    rb_buf b = RB_BUF_INIT;

    if ((v = getenv("HF_HUB_CACHE")) && v[0])
        rb_buf_puts(&b, v);
    else if ((v = getenv("HUGGINGFACE_HUB_CACHE")) && v[0])
        rb_buf_puts(&b, v);
    else if ((v = getenv("HF_HOME")) && v[0])
        rb_buf_printf(&b, "%s/hub", v);
    else if ((v = getenv("XDG_CACHE_HOME")) && v[0])
        rb_buf_printf(&b, "%s/huggingface/hub", v);
    else if ((v = getenv("HOME")) && v[0])
        rb_buf_printf(&b, "%s/.cache/huggingface/hub", v);
    else
        return NULL;
    return b.data;
}

/* A commit or ref name from refs/<ref>, trimmed; NULL when absent. */
static char *read_ref(const char *repo, const char *ref)
{
    rb_buf path = RB_BUF_INIT;
    char *data = NULL;
    size_t len;
    rb_error err = {0};

    if (rb_buf_printf(&path, "%s/refs/%s", repo, ref) < 0)
        return NULL;
    if (rb_read_file(path.data, &data, &len, &err) < 0)
        data = NULL;
    rb_buf_release(&path);
    if (data)
        while (len && (data[len - 1] == '\n' || data[len - 1] == ' ' ||
                       data[len - 1] == '\r'))
            data[--len] = '\0';
    return data;
}

static int valid_repo_name(const char *s)
{
    if (!s[0] || s[0] == '/' || s[0] == '.' || strstr(s, "..") ||
        strstr(s, "--"))
        return 0;
    for (; *s; s++)
        if (!(*s == '/' || *s == '-' || *s == '_' || *s == '.' ||
              (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
              (*s >= 'A' && *s <= 'Z')))
            return 0;
    return 1;
}

int rb_model_resolve(const char *name, char **dir, rb_error *err)
{
    char *cache = NULL, *repo_id = NULL, *rev, *commit = NULL, *at;
    rb_buf repo = RB_BUF_INIT, snap = RB_BUF_INIT;
    int rc = -1;
    size_t i;

    *dir = NULL;
    if (is_dir(name)) {
        *dir = rb_strdup(name);
        return *dir ? 0 : rb_error_oom(err);
    }
    repo_id = rb_strdup(name);
    if (!repo_id)
        return rb_error_oom(err);
    at = strchr(repo_id, '@');
    rev = at ? at + 1 : "main";
    if (at)
        *at = '\0';
    if (!valid_repo_name(repo_id) || !rev[0] || strchr(rev, '/') ||
        strstr(rev, "..")) {
        rb_error_set(err, "model \"%s\": no such folder", name);
        goto done;
    }
    cache = hub_cache_dir();
    if (!cache) {
        rb_error_set(err, "model \"%s\": no such folder, and no Hugging "
                     "Face cache to look in", name);
        goto done;
    }
    rb_buf_printf(&repo, "%s/models--", cache);
    for (i = 0; repo_id[i]; i++) {
        if (repo_id[i] == '/')
            rb_buf_puts(&repo, "--");
        else
            rb_buf_putc(&repo, repo_id[i]);
    }
    if (!repo.data) {
        rb_error_oom(err);
        goto done;
    }
    /* A revision is a ref (refs/main) or a commit hash. */
    commit = read_ref(repo.data, rev);
    rb_buf_printf(&snap, "%s/snapshots/%s", repo.data, commit ? commit : rev);
    if (snap.data && is_dir(snap.data)) {
        *dir = rb_buf_detach(&snap);
        rc = 0;
    } else {
        rb_error_set(err, "model \"%s\": no such folder, and no snapshot "
                     "in the Hugging Face cache (%s); rankbench never "
                     "downloads models", name, snap.data ? snap.data
                     : repo.data);
    }

done:
    rb_buf_release(&repo);
    rb_buf_release(&snap);
    rb_free(commit);
    rb_free(cache);
    rb_free(repo_id);
    return rc;
}

/* ---- pooling names ---- */

static const struct {
    const char *name;
    unsigned mode;
} pooling_names[] = {
    {"cls", RB_POOL_CLS}, {"mean", RB_POOL_MEAN}, {"max", RB_POOL_MAX},
    {"mean_sqrt_len", RB_POOL_MEAN_SQRT_LEN},
    {"weightedmean", RB_POOL_WEIGHTED_MEAN},
    {"lasttoken", RB_POOL_LAST_TOKEN},
};

#define NPOOLING (sizeof pooling_names / sizeof pooling_names[0])

int rb_pooling_parse(const char *s, unsigned *modes, rb_error *err)
{
    unsigned out = 0;

    while (*s) {
        size_t n = strcspn(s, ",+"), i;
        int found = 0;

        for (i = 0; i < NPOOLING; i++) {
            if (strlen(pooling_names[i].name) == n &&
                strncmp(s, pooling_names[i].name, n) == 0) {
                out |= pooling_names[i].mode;
                found = 1;
            }
        }
        if (!found)
            return rb_error_set(err, "unknown pooling mode \"%.*s\" (cls, "
                                "mean, max, mean_sqrt_len, weightedmean, "
                                "lasttoken)", (int)n, s);
        s += n;
        if (*s)
            s++;
    }
    if (!out)
        return rb_error_set(err, "no pooling mode given");
    *modes = out;
    return 0;
}

void rb_pooling_format(unsigned modes, char *out, size_t size)
{
    size_t i, len = 0;

    if (size)
        out[0] = '\0';
    for (i = 0; i < NPOOLING; i++) {
        if (!(modes & pooling_names[i].mode) || len >= size)
            continue;
        len += (size_t)snprintf(out + len, size - len, "%s%s",
                                len ? "," : "", pooling_names[i].name);
    }
}

size_t rb_model_pooled_dim(const rb_model *m, unsigned pooling)
{
    size_t n = 0;
    unsigned b;

    for (b = pooling; b; b &= b - 1)
        n++;
    return n * (size_t)m->cfg.hidden;
}

/* ---- fingerprint and description ---- */

int rb_model_fingerprint(rb_model *m, rb_error *err)
{
    static const char *const files[] = {
        "config.json", "vocab.txt", "tokenizer_config.json",
        "special_tokens_map.json", "model.safetensors",
    };
    rb_sha256 *sha;
    size_t i;

    if (m->fingerprint[0])
        return 0;
    sha = rb_sha256_new();
    if (!sha)
        return rb_error_oom(err);
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *path = rb_path_join(m->dir, files[i]);
        int rc;

        if (!path) {
            rb_sha256_free(sha);
            return rb_error_oom(err);
        }
        rb_sha256_update(sha, files[i], strlen(files[i]) + 1);
        rc = rb_path_exists(path) ? rb_sha256_file(sha, path, err) : 0;
        rb_free(path);
        if (rc < 0) {
            rb_sha256_free(sha);
            return -1;
        }
    }
    /* Settings that sentence-transformers files decide, whichever folder
     * they sit in. */
    {
        char extra[96];

        snprintf(extra, sizeof extra, "pooling=%u normalize=%d max=%zu "
                 "lower=%d", m->pooling, m->normalize, m->max_length,
                 m->lowercase_input);
        rb_sha256_update(sha, extra, strlen(extra));
    }
    rb_sha256_final(sha, m->fingerprint);
    return 0;
}

json_t *rb_model_describe(const rb_model *m)
{
    const rb_bert_config *c = &m->cfg;
    const rb_wordpiece_options *t = rb_wordpiece_get_options(m->tokenizer);
    char pooling[96];

    rb_pooling_format(m->pooling, pooling, sizeof pooling);
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, "
                     "s:s, s:s, s:b, s:I, s:b, s:s?, s:s, s:I}",
                     "name", m->name, "path", m->dir,
                     "model_type", c->model_type,
                     "dtype", m->word_emb->dtype_name,
                     "hidden_size", c->hidden,
                     "num_hidden_layers", c->layers,
                     "num_attention_heads", c->heads,
                     "intermediate_size", c->intermediate,
                     "vocab_size", c->vocab_size,
                     "max_position_embeddings", c->max_positions,
                     "hidden_act", c->act_name,
                     "pooling", pooling,
                     "normalize", m->normalize,
                     "max_length", (json_int_t)m->max_length,
                     "do_lower_case", t->lowercase,
                     "fingerprint", m->fingerprint[0] ? m->fingerprint
                                                      : NULL,
                     "tensor_prefix", m->prefix,
                     "vocab_tokens",
                     (json_int_t)rb_wordpiece_vocab_size(m->tokenizer));
}
