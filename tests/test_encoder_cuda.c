/*
 * The CUDA backend against the CPU one: the same model and texts, FP16 and
 * BF16 on the GPU; every embedding must have cosine >= 0.999 with its CPU
 * (FP32) twin. Skips without a CUDA build or a usable GPU. Models come from
 * tools/make_test_model.py when Python with NumPy is there, else the tiny
 * model written from C.
 */

#include <jansson.h>
#include <math.h>
#include <unistd.h>

#include "base/mem.h"
#include "check.h"
#include "encoder/backend.h"
#include "encoder/cuda_module.h"
#include "encoder/encoder.h"
#include "tiny_model.h"

static char tmpdir[] = "/tmp/rb-encoder-cuda-XXXXXX";
static const char **texts;
static size_t *lens;
static size_t ntexts;
static int have_python;

static int load_texts(void)
{
    char path[1024], line[65536];
    FILE *fp;
    size_t cap = 0, lcap = 0;

    snprintf(path, sizeof path, "%s/tests/data/encoder_texts.jsonl",
             RB_SOURCE_DIR);
    fp = fopen(path, "r");
    if (!fp)
        return -1;
    while (fgets(line, sizeof line, fp)) {
        json_t *v = json_loads(line, JSON_DECODE_ANY, NULL);

        if (!json_is_string(v))
            return -1;
        texts = rb_grow(texts, &cap, ntexts + 1, sizeof *texts);
        lens = rb_grow(lens, &lcap, ntexts + 1, sizeof *lens);
        texts[ntexts] = rb_strdup(json_string_value(v));
        lens[ntexts] = json_string_length(v);
        ntexts++;
        json_decref(v);
    }
    fclose(fp);
    return 0;
}

static double min_cosine(const float *a, const float *b, size_t n,
                         size_t dim)
{
    double worst = 1;
    size_t i, j;

    for (i = 0; i < n; i++) {
        double dot = 0, na = 0, nb = 0, c;

        for (j = 0; j < dim; j++) {
            dot += (double)a[i * dim + j] * b[i * dim + j];
            na += (double)a[i * dim + j] * a[i * dim + j];
            nb += (double)b[i * dim + j] * b[i * dim + j];
        }
        c = dot / (sqrt(na) * sqrt(nb) + 1e-30);
        if (!(c >= worst))
            worst = c;
    }
    return worst;
}

static rb_encoder *encoder(const rb_model *m, const char *device,
                           const char *precision, size_t batch)
{
    rb_encoder_options opt;
    rb_error err = {0};
    rb_encoder *e;

    rb_encoder_options_default(&opt);
    opt.device = device;
    opt.precision = precision;
    opt.batch_size = batch;
    e = rb_encoder_new(m, &opt, &err);
    if (!e)
        fprintf(stderr, "%s %s: %s\n", device, precision ? precision : "",
                err.msg);
    return e;
}

/* Embeddings and hidden states on the GPU against the CPU. */
static void compare_devices(const char *dir, const char *label)
{
    static const char *const precisions[] = {"fp16", "bf16"};
    static const size_t batches[] = {64, 5};
    rb_error err = {0};
    rb_model *m = rb_model_load(dir, &err);
    rb_encoder *cpu;
    float *ref, *got, *href = NULL, *hgot = NULL;
    int32_t *ids = NULL;
    size_t *offs = NULL, dim, h, p, b;

    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    cpu = encoder(m, "cpu", NULL, 0);
    CHECK(cpu != NULL);
    if (!cpu) {
        rb_model_free(m);
        return;
    }
    dim = rb_encoder_dim(cpu);
    h = (size_t)m->cfg.hidden;
    ref = rb_malloc(ntexts * dim * sizeof *ref);
    got = rb_malloc(ntexts * dim * sizeof *got);
    CHECK(rb_encoder_encode(cpu, texts, lens, ntexts, ref, NULL, NULL,
                            &err) == 0);
    CHECK(rb_encoder_tokenize(cpu, texts, lens, ntexts, &ids, &offs,
                              &err) == 0);
    href = rb_malloc(offs[ntexts] * h * sizeof *href);
    hgot = rb_malloc(offs[ntexts] * h * sizeof *hgot);
    {
        rb_token_batch tb = {ids, offs, ntexts};

        CHECK(rb_encoder_forward(cpu, &tb, href, NULL, &err) == 0);
    }
    for (p = 0; p < 2; p++) {
        for (b = 0; b < 2; b++) {
            rb_encoder *gpu = encoder(m, "cuda", precisions[p], batches[b]);
            rb_token_batch tb = {ids, offs, ntexts};
            double cos, hcos;

            CHECK(gpu != NULL);
            if (!gpu)
                continue;
            CHECK_STR(rb_encoder_device(gpu), "cuda");
            CHECK(rb_encoder_encode(gpu, texts, lens, ntexts, got, NULL,
                                    NULL, &err) == 0);
            if (err.set)
                fprintf(stderr, "%s\n", err.msg);
            cos = min_cosine(ref, got, ntexts, dim);
            CHECK(rb_encoder_forward(gpu, &tb, hgot, NULL, &err) == 0);
            hcos = min_cosine(href, hgot, offs[ntexts], h);
            printf("  %-22s %s batch %3zu: embeddings cosine >= %.6f, "
                   "hidden states >= %.6f\n", label, precisions[p],
                   batches[b], cos, hcos);
            CHECK(cos >= 0.999);
            CHECK(hcos >= 0.99);
            rb_encoder_free(gpu);
        }
    }
    rb_free(ids);
    rb_free(offs);
    rb_free(href);
    rb_free(hgot);
    rb_free(ref);
    rb_free(got);
    rb_encoder_free(cpu);
    rb_model_free(m);
}

static int generate(const char *name, const char *args, char *dir,
                    size_t size)
{
    char cmd[3000];

    snprintf(dir, size, "%s/%s", tmpdir, name);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tools/make_test_model.py "
             "--out %s %s", RB_SOURCE_DIR, dir, args);
    return system(cmd);
}

static void test_small_model_parity(void)
{
    char dir[1200];

    if (!have_python) {
        tiny_spec s;

        snprintf(dir, sizeof dir, "%s/tiny", tmpdir);
        tiny_spec_init(&s, "");
        CHECK(tiny_write_model(dir, &s) == 0);
        compare_devices(dir, "tiny");
        return;
    }
    CHECK(generate("small", "--hidden 128 --layers 4 --heads 4 "
                   "--intermediate 256 --seed 21", dir, sizeof dir) == 0);
    compare_devices(dir, "128/4/4/256 mean");
}

static void test_minilm_shaped_parity(void)
{
    char dir[1200];

    if (!have_python)
        return;
    CHECK(generate("minilm", "--hidden 384 --layers 6 --heads 12 "
                   "--intermediate 1536 --std 0.05 --pooling mean "
                   "--normalize --seed 22", dir, sizeof dir) == 0);
    compare_devices(dir, "384/6/12/1536 norm");
}

static void test_cls_pooling_prefixed_f16_checkpoint(void)
{
    char dir[1200];

    if (!have_python)
        return;
    CHECK(generate("clsf16", "--hidden 256 --layers 3 --heads 8 "
                   "--intermediate 512 --dtype F16 --prefix --pooling "
                   "cls,max --mlm tied --seed 23", dir, sizeof dir) == 0);
    compare_devices(dir, "256/3/8/512 cls,max");
}

int main(void)
{
    char cmd[256];
    int rc;

#ifndef RB_HAVE_CUDA
    CHECK_SKIP("built without the CUDA backend");
#else
    {
        char why[256] = "";

        if (rb_cuda_device_count(why, sizeof why) == 0) {
            char msg[300];

            snprintf(msg, sizeof msg, "no usable GPU (%s)", why);
            CHECK_SKIP(msg);
        }
    }
#endif
    have_python = system("/usr/bin/python3 -c 'import numpy' "
                         "2>/dev/null") == 0;
    if (!mkdtemp(tmpdir) || load_texts() < 0)
        return 1;
    RUN_TEST(test_small_model_parity);
    RUN_TEST(test_minilm_shaped_parity);
    RUN_TEST(test_cls_pooling_prefixed_f16_checkpoint);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    rc = system(cmd);
    (void)rc;
    return check_report();
}
