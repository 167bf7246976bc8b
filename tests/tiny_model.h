#ifndef RB_TEST_TINY_MODEL_H
#define RB_TEST_TINY_MODEL_H

/*
 * Writes a tiny BERT checkpoint from C (no Python needed) for loader
 * tests: hidden 8, one layer, two heads, intermediate 16, 16 positions and
 * a 12-token vocabulary. Tests change one thing at a time (drop a tensor,
 * give one a wrong shape or dtype, cut the file short) to provoke each
 * error.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define TINY_HIDDEN 8
#define TINY_INTER 16
#define TINY_POS 16
#define TINY_VOCAB 12

typedef struct tiny_tensor {
    char name[96];
    char dtype[8];
    int ndim;
    long shape[2];
} tiny_tensor;

typedef struct tiny_spec {
    tiny_tensor t[40];
    int n;
    const char *prefix;
} tiny_spec;

static inline void tiny_add(tiny_spec *s, const char *name, long rows,
                            long cols)
{
    tiny_tensor *t = &s->t[s->n++];

    snprintf(t->name, sizeof t->name, "%s%s", s->prefix, name);
    strcpy(t->dtype, "F32");
    t->ndim = cols ? 2 : 1;
    t->shape[0] = rows;
    t->shape[1] = cols;
}

static inline void tiny_spec_init(tiny_spec *s, const char *prefix)
{
    static const char *const lin[][2] = {
        {"attention.self.query", "hh"}, {"attention.self.key", "hh"},
        {"attention.self.value", "hh"}, {"attention.output.dense", "hh"},
        {"intermediate.dense", "ih"}, {"output.dense", "hi"},
    };
    char name[96];
    size_t i;

    memset(s, 0, sizeof *s);
    s->prefix = prefix;
    tiny_add(s, "embeddings.word_embeddings.weight", TINY_VOCAB, TINY_HIDDEN);
    tiny_add(s, "embeddings.position_embeddings.weight", TINY_POS,
             TINY_HIDDEN);
    tiny_add(s, "embeddings.token_type_embeddings.weight", 2, TINY_HIDDEN);
    tiny_add(s, "embeddings.LayerNorm.weight", TINY_HIDDEN, 0);
    tiny_add(s, "embeddings.LayerNorm.bias", TINY_HIDDEN, 0);
    for (i = 0; i < 6; i++) {
        long rows = lin[i][1][0] == 'i' ? TINY_INTER : TINY_HIDDEN;
        long cols = lin[i][1][1] == 'i' ? TINY_INTER : TINY_HIDDEN;

        snprintf(name, sizeof name, "encoder.layer.0.%s.weight", lin[i][0]);
        tiny_add(s, name, rows, cols);
        snprintf(name, sizeof name, "encoder.layer.0.%s.bias", lin[i][0]);
        tiny_add(s, name, rows, 0);
    }
    tiny_add(s, "encoder.layer.0.attention.output.LayerNorm.weight",
             TINY_HIDDEN, 0);
    tiny_add(s, "encoder.layer.0.attention.output.LayerNorm.bias",
             TINY_HIDDEN, 0);
    tiny_add(s, "encoder.layer.0.output.LayerNorm.weight", TINY_HIDDEN, 0);
    tiny_add(s, "encoder.layer.0.output.LayerNorm.bias", TINY_HIDDEN, 0);
}

static inline tiny_tensor *tiny_find(tiny_spec *s, const char *name)
{
    int i;

    for (i = 0; i < s->n; i++)
        if (strcmp(s->t[i].name, name) == 0)
            return &s->t[i];
    return NULL;
}

static inline size_t tiny_elem(const char *dtype)
{
    return strcmp(dtype, "F32") == 0 || strcmp(dtype, "I32") == 0 ? 4 : 2;
}

/* Write model.safetensors: values follow a fixed pattern; LayerNorm
 * weights near 1 so the model is well behaved. */
static inline int tiny_write_weights(const char *path, const tiny_spec *s)
{
    char header[8192];
    size_t len = 0, off = 0;
    uint64_t hlen;
    FILE *fp;
    int i;

    len += (size_t)snprintf(header + len, sizeof header - len,
                            "{\"__metadata__\":{\"format\":\"pt\"}");
    for (i = 0; i < s->n; i++) {
        const tiny_tensor *t = &s->t[i];
        size_t numel = (size_t)t->shape[0] * (t->ndim == 2 ?
                                              (size_t)t->shape[1] : 1);
        size_t bytes = numel * tiny_elem(t->dtype);

        len += (size_t)snprintf(header + len, sizeof header - len,
                                ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%ld",
                                t->name, t->dtype, t->shape[0]);
        if (t->ndim == 2)
            len += (size_t)snprintf(header + len, sizeof header - len,
                                    ",%ld", t->shape[1]);
        len += (size_t)snprintf(header + len, sizeof header - len,
                                "],\"data_offsets\":[%zu,%zu]}", off,
                                off + bytes);
        off += bytes;
    }
    len += (size_t)snprintf(header + len, sizeof header - len, "}");
    while (len % 8)
        header[len++] = ' ';
    fp = fopen(path, "wb");
    if (!fp)
        return -1;
    hlen = len;
    for (i = 0; i < 8; i++)
        fputc((int)((hlen >> (8 * i)) & 0xFF), fp);
    fwrite(header, 1, len, fp);
    for (i = 0; i < s->n; i++) {
        const tiny_tensor *t = &s->t[i];
        size_t numel = (size_t)t->shape[0] * (t->ndim == 2 ?
                                              (size_t)t->shape[1] : 1), j;
        int is_ln_weight = strstr(t->name, "LayerNorm.weight") != NULL;

        for (j = 0; j < numel; j++) {
            float v = (float)((int)((j * 37 + (size_t)i * 11) % 17) - 8) *
                      0.02f;

            if (is_ln_weight)
                v += 1.0f;
            if (tiny_elem(t->dtype) == 4) {
                fwrite(&v, 4, 1, fp);
            } else {
                uint32_t bits;

                memcpy(&bits, &v, 4);
                fputc((int)((bits >> 16) & 0xFF), fp);
                fputc((int)(bits >> 24), fp);
            }
        }
    }
    return fclose(fp);
}

static inline int tiny_write_text(const char *dir, const char *name,
                           const char *text)
{
    char path[1200];
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fp = fopen(path, "w");
    if (!fp)
        return -1;
    fputs(text, fp);
    return fclose(fp);
}

#define TINY_CONFIG \
    "{\"model_type\": \"bert\", \"vocab_size\": 12, \"hidden_size\": 8, " \
    "\"num_hidden_layers\": 1, \"num_attention_heads\": 2, " \
    "\"intermediate_size\": 16, \"max_position_embeddings\": 16, " \
    "\"type_vocab_size\": 2, \"layer_norm_eps\": 1e-12, " \
    "\"hidden_act\": \"gelu\"}\n"

#define TINY_VOCAB_TEXT \
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n,\n!\n##s\na\nb\n"

/* A complete model in dir (created). */
static inline int tiny_write_model(const char *dir, const tiny_spec *s)
{
    char path[1400];

    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (tiny_write_text(dir, "config.json", TINY_CONFIG) != 0 ||
        tiny_write_text(dir, "vocab.txt", TINY_VOCAB_TEXT) != 0 ||
        tiny_write_text(dir, "tokenizer_config.json",
                        "{\"do_lower_case\": true}\n") != 0)
        return -1;
    return tiny_write_weights(path, s);
}

#endif
