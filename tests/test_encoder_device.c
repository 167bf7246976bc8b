/* Choosing the device and validating encoder options. Runs everywhere:
 * without a GPU, automatic selection must fall back to the CPU and a
 * forced "cuda" must fail with a clear message. */

#include <unistd.h>

#include "check.h"
#include "encoder/backend.h"
#include "encoder/cuda_module.h"
#include "encoder/encoder.h"
#include "tiny_model.h"

static char tmpdir[] = "/tmp/rb-encoder-device-XXXXXX";
static rb_model *model;
static int gpus;

static rb_encoder *make(const char *device, const char *precision,
                        size_t max_length, rb_error *err)
{
    rb_encoder_options opt;

    rb_encoder_options_default(&opt);
    opt.device = device;
    opt.precision = precision;
    opt.max_length = max_length;
    return rb_encoder_new(model, &opt, err);
}

static void test_automatic_choice(void)
{
    rb_error err = {0};
    rb_encoder *e = make(NULL, NULL, 0, &err);

    CHECK(e != NULL);
    if (!e)
        return;
    CHECK_STR(rb_encoder_device(e), gpus > 0 ? "cuda" : "cpu");
    CHECK_STR(rb_encoder_precision(e), gpus > 0 ? "fp16" : "fp32");
    rb_encoder_free(e);
    e = make("auto", NULL, 0, &err);
    CHECK(e != NULL);
    rb_encoder_free(e);
}

static void test_forced_cpu(void)
{
    rb_error err = {0};
    rb_encoder *e = make("cpu", NULL, 0, &err);

    CHECK(e != NULL);
    if (e)
        CHECK_STR(rb_encoder_device(e), "cpu");
    rb_encoder_free(e);
}

static void test_forced_cuda_without_gpu_fails_clearly(void)
{
    rb_error err = {0};
    rb_encoder *e;

    if (gpus > 0)
        return;
    e = make("cuda", NULL, 0, &err);
    CHECK(e == NULL);
    rb_encoder_free(e);
#ifdef RB_HAVE_CUDA
    CHECK(strstr(err.msg, "device \"cuda\": no usable CUDA device") != NULL);
#else
    CHECK(strstr(err.msg, "device \"cuda\": this build has no CUDA "
                 "backend") != NULL);
#endif
}

static void test_bad_options(void)
{
    rb_error err = {0};

    CHECK(make("tpu", NULL, 0, &err) == NULL);
    CHECK(strstr(err.msg, "unknown device \"tpu\"") != NULL);
    rb_error_clear(&err);
    CHECK(make("cpu", "fp16", 0, &err) == NULL);
    CHECK(strstr(err.msg, "the CPU backend computes in fp32") != NULL);
    rb_error_clear(&err);
    CHECK(make("cpu", NULL, TINY_POS + 1, &err) == NULL);
    CHECK(strstr(err.msg, "maximum length 17 is outside 2 to 16") != NULL);
    rb_error_clear(&err);
    CHECK(make("cpu", NULL, 1, &err) == NULL);
}

static void test_forward_rejects_bad_sequences(void)
{
    rb_error err = {0};
    rb_encoder *e = make("cpu", NULL, 8, &err);
    int32_t ids[10] = {2, 5, 3, 2, 99, 3, 2, 5, 5, 3};
    size_t offs[3] = {0, 3, 6};
    rb_token_batch b = {ids, offs, 2};
    float pooled[2 * TINY_HIDDEN];

    CHECK(e != NULL);
    if (!e)
        return;
    CHECK(rb_encoder_forward(e, &b, NULL, pooled, &err) == -1);
    CHECK(strstr(err.msg, "token id 99 is outside the vocabulary") != NULL);
    rb_error_clear(&err);
    ids[4] = 6;
    offs[2] = 3;
    CHECK(rb_encoder_forward(e, &b, NULL, pooled, &err) == -1);
    CHECK(strstr(err.msg, "sequence 1 has 0 tokens") != NULL);
    rb_error_clear(&err);
    offs[2] = 6;
    CHECK(rb_encoder_forward(e, &b, NULL, pooled, &err) == 0);
    rb_encoder_free(e);
}

int main(void)
{
    tiny_spec s;
    char dir[1024], cmd[1100];
    rb_error err = {0};
    int rc;

#ifdef RB_HAVE_CUDA
    {
        char why[256];

        gpus = rb_cuda_device_count(why, sizeof why);
        printf("CUDA devices: %d%s%s\n", gpus, gpus ? "" : " - ",
               gpus ? "" : why);
    }
#else
    printf("built without CUDA\n");
#endif
    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(dir, sizeof dir, "%s/tiny", tmpdir);
    tiny_spec_init(&s, "");
    if (tiny_write_model(dir, &s) != 0 ||
        !(model = rb_model_load(dir, &err))) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    RUN_TEST(test_automatic_choice);
    RUN_TEST(test_forced_cpu);
    RUN_TEST(test_forced_cuda_without_gpu_fails_clearly);
    RUN_TEST(test_bad_options);
    RUN_TEST(test_forward_rejects_bad_sequences);
    rb_model_free(model);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    rc = system(cmd);
    (void)rc;
    return check_report();
}
