/* Loading models: the good case, each error case with its message, the
 * safetensors reader on damaged files, and the Hugging Face cache. */

#include <stdlib.h>
#include <unistd.h>

#include "base/mem.h"
#include "check.h"
#include "encoder/encoder.h"
#include "encoder/model.h"
#include "tiny_model.h"

static char tmpdir[] = "/tmp/rb-model-load-XXXXXX";
static int serial;

/* A fresh folder holding the tiny model built from spec s. */
static const char *model_dir(const tiny_spec *s)
{
    static char dir[1024];

    snprintf(dir, sizeof dir, "%s/m%d", tmpdir, serial++);
    if (tiny_write_model(dir, s) != 0)
        fprintf(stderr, "could not write %s\n", dir);
    return dir;
}

/* Load dir, expect failure with a message holding each of the pieces. */
static int fails_with(const char *dir, const char *piece1,
                      const char *piece2)
{
    rb_error err = {0};
    rb_model *m = rb_model_load(dir, &err);

    if (m) {
        fprintf(stderr, "%s loaded, expected \"%s\"\n", dir, piece1);
        rb_model_free(m);
        return 0;
    }
    if (!strstr(err.msg, piece1) || (piece2 && !strstr(err.msg, piece2))) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"%s%s\n", err.msg,
                piece1, piece2 ? " or " : "", piece2 ? piece2 : "");
        return 0;
    }
    return 1;
}

static void test_tiny_model_loads_and_encodes(void)
{
    tiny_spec s;
    rb_error err = {0};
    rb_model *m;
    rb_encoder *e;
    rb_encoder_options opt;
    const char *texts[2] = {"hello, world!", "a b"};
    size_t lens[2] = {13, 3};
    float out[2 * TINY_HIDDEN];

    tiny_spec_init(&s, "");
    m = rb_model_load(model_dir(&s), &err);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_EQ_INT(m->cfg.hidden, TINY_HIDDEN);
    CHECK_EQ_INT(m->cfg.layers, 1);
    CHECK_EQ_INT(m->pooling, RB_POOL_MEAN);
    CHECK_EQ_INT(m->normalize, 0);
    CHECK_EQ_INT(m->max_length, TINY_POS);
    CHECK_STR(m->prefix, "");
    /* The weights are used where they lie, in the mapping. */
    CHECK(m->word_emb->data != NULL);
    rb_encoder_options_default(&opt);
    opt.device = "cpu";
    e = rb_encoder_new(m, &opt, &err);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ_INT(rb_encoder_dim(e), TINY_HIDDEN);
        CHECK(rb_encoder_encode(e, texts, lens, 2, out, NULL, NULL,
                                &err) == 0);
        CHECK(isfinite(out[0]) && out[0] != out[TINY_HIDDEN]);
        rb_encoder_free(e);
    }
    rb_model_free(m);
}

static void test_prefixed_and_old_layernorm_names(void)
{
    tiny_spec s;
    rb_error err = {0};
    rb_model *m;
    int i;

    tiny_spec_init(&s, "bert.");
    /* TensorFlow-era names: LayerNorm.gamma / LayerNorm.beta. */
    for (i = 0; i < s.n; i++) {
        char *p = strstr(s.t[i].name, "LayerNorm.weight");

        if (p)
            strcpy(p, "LayerNorm.gamma");
        p = strstr(s.t[i].name, "LayerNorm.bias");
        if (p)
            strcpy(p, "LayerNorm.beta");
    }
    m = rb_model_load(model_dir(&s), &err);
    CHECK(m != NULL);
    if (m) {
        CHECK_STR(m->prefix, "bert.");
        CHECK(rb_model_tensor(m, "embeddings.LayerNorm.weight") != NULL);
        rb_model_free(m);
    } else {
        fprintf(stderr, "%s\n", err.msg);
    }
}

static void test_missing_files(void)
{
    tiny_spec s;
    char path[1100];
    const char *dir;

    tiny_spec_init(&s, "");
    dir = model_dir(&s);
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    unlink(path);
    CHECK(fails_with(dir, "vocab.txt: no such file", NULL));

    dir = model_dir(&s);
    snprintf(path, sizeof path, "%s/config.json", dir);
    unlink(path);
    CHECK(fails_with(dir, "config.json: no such file", NULL));

    dir = model_dir(&s);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    unlink(path);
    CHECK(fails_with(dir, "model.safetensors: no such file", NULL));

    CHECK(fails_with("/nonexistent/model/folder", "no such folder", NULL));
}

static void test_missing_tensor_is_named(void)
{
    tiny_spec s;

    tiny_spec_init(&s, "");
    /* Drop the last tensor: output.LayerNorm.bias of layer 0. */
    s.n--;
    CHECK(fails_with(model_dir(&s), "model.safetensors: tensor "
                     "\"encoder.layer.0.output.LayerNorm.bias\" is missing",
                     NULL));
}

static void test_shape_disagreeing_with_config(void)
{
    tiny_spec s;

    tiny_spec_init(&s, "");
    tiny_find(&s, "encoder.layer.0.intermediate.dense.weight")->shape[0] =
        12;
    CHECK(fails_with(model_dir(&s), "tensor \"encoder.layer.0.intermediate."
                     "dense.weight\" has shape [12, 8], config.json says "
                     "[16, 8]", NULL));
}

static void test_unsupported_dtype(void)
{
    tiny_spec s;

    tiny_spec_init(&s, "");
    strcpy(tiny_find(&s, "embeddings.LayerNorm.bias")->dtype, "I32");
    CHECK(fails_with(model_dir(&s), "tensor \"embeddings.LayerNorm.bias\" "
                     "has dtype I32", "F32, F16, BF16"));
}

static void test_bf16_weights_load(void)
{
    tiny_spec s;
    rb_error err = {0};
    rb_model *m;
    int i;

    tiny_spec_init(&s, "");
    for (i = 0; i < s.n; i++)
        strcpy(s.t[i].dtype, "BF16");
    m = rb_model_load(model_dir(&s), &err);
    CHECK(m != NULL);
    if (m)
        CHECK(m->word_emb->dtype == RB_DTYPE_BF16);
    rb_model_free(m);
}

static void test_unsupported_model_type_and_config_errors(void)
{
    tiny_spec s;
    const char *dir;

    tiny_spec_init(&s, "");
    dir = model_dir(&s);
    tiny_write_text(dir, "config.json", "{\"model_type\": \"roberta\"}");
    CHECK(fails_with(dir, "model_type \"roberta\" is not supported", NULL));
    tiny_write_text(dir, "config.json", "{\"model_type\": \"bert\", "
                    "\"vocab_size\": 12}");
    CHECK(fails_with(dir, "config.json: \"hidden_size\" is missing", NULL));
    tiny_write_text(dir, "config.json", "{\"model_type\": \"bert\",");
    CHECK(fails_with(dir, "config.json:1:", NULL));
    tiny_write_text(dir, "config.json", "{\"model_type\": \"bert\", "
                    "\"vocab_size\": 12, \"hidden_size\": 8, "
                    "\"num_hidden_layers\": 1, \"num_attention_heads\": 3, "
                    "\"intermediate_size\": 16, "
                    "\"max_position_embeddings\": 16}");
    CHECK(fails_with(dir, "hidden_size 8 is not a multiple of "
                     "num_attention_heads 3", NULL));
    tiny_write_text(dir, "config.json", "{\"model_type\": \"bert\", "
                    "\"vocab_size\": 10, \"hidden_size\": 8, "
                    "\"num_hidden_layers\": 1, \"num_attention_heads\": 2, "
                    "\"intermediate_size\": 16, "
                    "\"max_position_embeddings\": 16}");
    CHECK(fails_with(dir, "vocab.txt: 12 tokens, but config.json has "
                     "vocab_size 10", NULL));
}

/* Write raw bytes as dir/model.safetensors (after a good model). */
static const char *with_weights_bytes(const void *data, size_t n)
{
    tiny_spec s;
    const char *dir;
    char path[1100];
    FILE *fp;

    tiny_spec_init(&s, "");
    dir = model_dir(&s);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    fp = fopen(path, "wb");
    if (fp) {
        fwrite(data, 1, n, fp);
        fclose(fp);
    }
    return dir;
}

static const char *with_header(const char *json)
{
    static unsigned char buf[4096];
    size_t n = strlen(json);
    int i;

    for (i = 0; i < 8; i++)
        buf[i] = (unsigned char)((n >> (8 * i)) & 0xFF);
    memcpy(buf + 8, json, n);
    memset(buf + 8 + n, 0, 64);
    return with_weights_bytes(buf, 8 + n + 64);
}

static void test_truncated_file(void)
{
    tiny_spec s;
    const char *dir;
    char path[1100];

    tiny_spec_init(&s, "");
    dir = model_dir(&s);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    /* Cut into the data: the last tensor ends past the end. */
    {
        struct stat sb;

        CHECK(stat(path, &sb) == 0);
        CHECK(truncate(path, sb.st_size - 10) == 0);
    }
    CHECK(fails_with(dir, "model.safetensors: truncated: tensor", NULL));
    /* Cut into the header. */
    CHECK(truncate(path, 100) == 0);
    CHECK(fails_with(dir, "truncated: the header of", "runs past the end"));
    CHECK(truncate(path, 5) == 0);
    CHECK(fails_with(dir, "truncated: 5 bytes", NULL));
}

static void test_corrupt_headers_are_rejected(void)
{
    static const unsigned char huge[16] = {0xff, 0xff, 0xff, 0xff, 0xff,
                                           0xff, 0xff, 0xff};

    CHECK(fails_with(with_weights_bytes(huge, sizeof huge),
                     "runs past the end", NULL));
    CHECK(fails_with(with_header("{\"a\": {\"dtype\": \"F32\", \"sha"),
                     "corrupt header", NULL));
    CHECK(fails_with(with_header("[1, 2, 3]"), "corrupt header: not a JSON "
                     "object", NULL));
    CHECK(fails_with(with_header("{\"a\": 5}"), "tensor \"a\": entry is not "
                     "an object", NULL));
    CHECK(fails_with(with_header("{\"a\": {\"shape\": [1], "
                                 "\"data_offsets\": [0, 4]}}"),
                     "tensor \"a\": \"dtype\" is missing", NULL));
    CHECK(fails_with(with_header("{\"a\": {\"dtype\": \"F99\", \"shape\": "
                                 "[1], \"data_offsets\": [0, 4]}}"),
                     "unknown dtype \"F99\"", NULL));
    CHECK(fails_with(with_header("{\"a\": {\"dtype\": \"F32\", \"shape\": "
                                 "[-1], \"data_offsets\": [0, 4]}}"),
                     "dimension 0 is not a non-negative integer", NULL));
    CHECK(fails_with(with_header("{\"a\": {\"dtype\": \"F32\", \"shape\": "
                                 "[2], \"data_offsets\": [0, 4]}}"),
                     "data_offsets span 4 bytes but its shape and dtype "
                     "need 8", NULL));
    CHECK(fails_with(with_header("{\"a\": {\"dtype\": \"F32\", \"shape\": "
                                 "[4], \"data_offsets\": [8, 4]}}"),
                     "bad data_offsets [8, 4]", NULL));
    CHECK(fails_with(with_header("{\"a\": {\"dtype\": \"F32\", \"shape\": "
                                 "[100], \"data_offsets\": [0, 400]}}"),
                     "truncated: tensor \"a\" ends at data byte 400", NULL));
    CHECK(fails_with(with_header("{\"a\": {\"dtype\": \"F32\", \"shape\": "
                                 "[4294967296, 4294967296, 4294967296], "
                                 "\"data_offsets\": [0, 4]}}"),
                     "shape overflows", NULL));
    CHECK(fails_with(with_header("{\"a\": {\"dtype\": \"F32\", \"shape\": "
                                 "[1], \"data_offsets\": [0, 4]}, \"a\": "
                                 "{\"dtype\": \"F32\", \"shape\": [1], "
                                 "\"data_offsets\": [0, 4]}}"),
                     "corrupt header", "duplicate"));
}

static void test_sentence_transformers_files(void)
{
    tiny_spec s;
    const char *dir;
    char sub[1100];
    rb_error err = {0};
    rb_model *m;

    tiny_spec_init(&s, "");
    dir = model_dir(&s);
    tiny_write_text(dir, "modules.json",
                    "[{\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": "
                    "\"sentence_transformers.models.Transformer\"}, "
                    "{\"idx\": 1, \"name\": \"1\", \"path\": \"1_Pooling\", "
                    "\"type\": \"sentence_transformers.models.Pooling\"}, "
                    "{\"idx\": 2, \"name\": \"2\", \"path\": \"2_Normalize\", "
                    "\"type\": \"sentence_transformers.models.Normalize\"}]");
    snprintf(sub, sizeof sub, "%s/1_Pooling", dir);
    mkdir(sub, 0755);
    tiny_write_text(sub, "config.json",
                    "{\"word_embedding_dimension\": 8, "
                    "\"pooling_mode_cls_token\": true, "
                    "\"pooling_mode_mean_tokens\": false}");
    tiny_write_text(dir, "sentence_bert_config.json",
                    "{\"max_seq_length\": 10, \"do_lower_case\": false}");
    m = rb_model_load(dir, &err);
    CHECK(m != NULL);
    if (m) {
        CHECK_EQ_INT(m->pooling, RB_POOL_CLS);
        CHECK_EQ_INT(m->normalize, 1);
        CHECK_EQ_INT(m->max_length, 10);
        CHECK_EQ_INT(m->sentence_transformers, 1);
        rb_model_free(m);
    } else {
        fprintf(stderr, "%s\n", err.msg);
    }
    tiny_write_text(dir, "modules.json",
                    "[{\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": "
                    "\"sentence_transformers.models.Transformer\"}, "
                    "{\"idx\": 1, \"name\": \"1\", \"path\": \"2_Dense\", "
                    "\"type\": \"sentence_transformers.models.Dense\"}]");
    CHECK(fails_with(dir, "module 1 of type \"sentence_transformers.models."
                     "Dense\" is not supported", NULL));
}

static void test_hugging_face_cache_lookup(void)
{
    tiny_spec s;
    char cache[1100], repo[1200], snap[1300], cmd[3000];
    rb_error err = {0};
    rb_model *m;
    char *dir = NULL;

    snprintf(cache, sizeof cache, "%s/hub", tmpdir);
    snprintf(repo, sizeof repo, "%s/models--acme--tiny-bert", cache);
    snprintf(snap, sizeof snap, "%s/snapshots/0123abcd", repo);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s/refs'", snap, repo);
    CHECK(system(cmd) == 0);
    tiny_spec_init(&s, "");
    CHECK(tiny_write_model(snap, &s) == 0);
    CHECK(tiny_write_text(repo, "refs/main", "0123abcd\n") == 0);
    setenv("HF_HUB_CACHE", cache, 1);

    m = rb_model_load("acme/tiny-bert", &err);
    CHECK(m != NULL);
    if (m) {
        CHECK_STR(m->dir, snap);
        rb_model_free(m);
    } else {
        fprintf(stderr, "%s\n", err.msg);
    }
    CHECK(rb_model_resolve("acme/tiny-bert@0123abcd", &dir, &err) == 0);
    CHECK(dir && strcmp(dir, snap) == 0);
    rb_free(dir);
    rb_error_clear(&err);
    CHECK(rb_model_resolve("acme/absent", &dir, &err) == -1);
    CHECK(strstr(err.msg, "models--acme--absent") != NULL);
    CHECK(strstr(err.msg, "never downloads") != NULL);
    rb_error_clear(&err);
    CHECK(rb_model_resolve("acme/../../absent", &dir, &err) == -1);
    CHECK(strstr(err.msg, "no such folder") != NULL);
    unsetenv("HF_HUB_CACHE");
}

static void test_fingerprint_follows_the_weights(void)
{
    tiny_spec s;
    rb_error err = {0};
    rb_model *a, *b, *c;

    tiny_spec_init(&s, "");
    a = rb_model_load(model_dir(&s), &err);
    b = rb_model_load(model_dir(&s), &err);
    strcpy(tiny_find(&s, "embeddings.LayerNorm.bias")->dtype, "BF16");
    c = rb_model_load(model_dir(&s), &err);
    CHECK(a && b && c);
    if (a && b && c) {
        CHECK(rb_model_fingerprint(a, &err) == 0);
        CHECK(rb_model_fingerprint(b, &err) == 0);
        CHECK(rb_model_fingerprint(c, &err) == 0);
        CHECK_EQ_INT(strlen(a->fingerprint), 64);
        CHECK_STR(a->fingerprint, b->fingerprint);
        CHECK(strcmp(a->fingerprint, c->fingerprint) != 0);
    }
    rb_model_free(a);
    rb_model_free(b);
    rb_model_free(c);
}

/* Damaged copies of a good file (bytes of the header changed, the file
 * cut anywhere) either load or fail with a message; run under the
 * sanitizers this shows no read goes outside the mapping. */
static void test_damaged_files_never_crash(void)
{
    tiny_spec s;
    const char *dir;
    char path[1100];
    unsigned char *good = NULL, *bad;
    size_t size = 0, hlen, i;
    uint64_t rng = 0x2545F4914F6CDD1Dull;
    FILE *fp;
    int trial, loaded = 0, failed = 0;

    tiny_spec_init(&s, "");
    dir = model_dir(&s);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    fp = fopen(path, "rb");
    if (!fp) {
        CHECK(0);
        return;
    }
    good = rb_malloc(1 << 16);
    size = fread(good, 1, 1 << 16, fp);
    fclose(fp);
    bad = rb_malloc(size);
    hlen = good[0] | (size_t)good[1] << 8;
    for (trial = 0; trial < 400; trial++) {
        rb_error err = {0};
        rb_model *m;
        size_t n = size, k, flips;

        memcpy(bad, good, size);
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        flips = 1 + rng % 4;
        for (k = 0; k < flips; k++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            i = rng % (8 + hlen);
            bad[i] = (unsigned char)(rng >> 32);
        }
        if (trial % 3 == 0) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            n = rng % size;
        }
        fp = fopen(path, "wb");
        if (!fp)
            break;
        fwrite(bad, 1, n, fp);
        fclose(fp);
        m = rb_model_load(dir, &err);
        if (m) {
            loaded++;
            rb_model_free(m);
        } else {
            failed++;
            if (!err.set || !strstr(err.msg, "model.safetensors")) {
                fprintf(stderr, "trial %d: \"%s\"\n", trial, err.msg);
                CHECK(0);
            }
        }
    }
    printf("  damaged files: %d loaded, %d refused\n", loaded, failed);
    CHECK(failed > 300);
    rb_free(good);
    rb_free(bad);
}

static void test_allocation_failures_end_cleanly(void)
{
    tiny_spec s;
    const char *dir;
    long n, count;
    rb_model *m;
    rb_error err = {0};

    tiny_spec_init(&s, "");
    dir = model_dir(&s);
    rb_mem_fail_after(0);
    m = rb_model_load(dir, &err);
    count = rb_mem_count();
    rb_model_free(m);
    for (n = 1; n <= count; n++) {
        rb_error_clear(&err);
        rb_mem_fail_after(n);
        m = rb_model_load(dir, &err);
        rb_mem_fail_after(0);
        if (m) {
            rb_model_free(m);
            continue;
        }
        if (!err.set) {
            fprintf(stderr, "allocation %ld: failure without a message\n",
                    n);
            CHECK(0);
        }
    }
}

int main(void)
{
    char cmd[256];
    int rc;

    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_tiny_model_loads_and_encodes);
    RUN_TEST(test_prefixed_and_old_layernorm_names);
    RUN_TEST(test_missing_files);
    RUN_TEST(test_missing_tensor_is_named);
    RUN_TEST(test_shape_disagreeing_with_config);
    RUN_TEST(test_unsupported_dtype);
    RUN_TEST(test_bf16_weights_load);
    RUN_TEST(test_unsupported_model_type_and_config_errors);
    RUN_TEST(test_truncated_file);
    RUN_TEST(test_corrupt_headers_are_rejected);
    RUN_TEST(test_sentence_transformers_files);
    RUN_TEST(test_hugging_face_cache_lookup);
    RUN_TEST(test_fingerprint_follows_the_weights);
    RUN_TEST(test_damaged_files_never_crash);
    RUN_TEST(test_allocation_failures_end_cleanly);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    rc = system(cmd);
    (void)rc;
    return check_report();
}
