/*
 * The masked-LM head on a CUDA GPU against the CPU head: the same hidden
 * states must give logits within 1e-4 (both compute in FP32), and a probe
 * run with the whole model on the GPU (FP16 encoder) must run the same
 * probes with nearly the same probabilities. Skips without a GPU, in a
 * build without CUDA, or without Debian's python3 and numpy (needed to
 * generate the checkpoint).
 */

#include <math.h>
#include <unistd.h>

#include "base/mem.h"
#include "check.h"
#include "encoder/backend.h"
#include "encoder/cuda_module.h"
#include "encoder/encoder.h"
#include "encoder/mlm_head.h"
#include "encoder/probe.h"

static char tmpdir[] = "/tmp/rb-mlm-cuda-XXXXXX";
static rb_model *model;

static rb_mlm_head *head_on(const char *device)
{
    rb_mlm_options opt;
    rb_error err = {0};
    rb_mlm_head *h;

    rb_mlm_options_default(&opt);
    opt.device = device;
    h = rb_mlm_head_new(model, &opt, &err);
    if (!h)
        fprintf(stderr, "%s head: %s\n", device, err.msg);
    return h;
}

static void test_cuda_logits_match_cpu(void)
{
    rb_mlm_head *cpu = head_on("cpu"), *gpu = head_on("cuda");
    size_t H = (size_t)model->cfg.hidden, V, n = 37, i;
    float *x, *a, *b;
    double worst = 0;
    rb_error err = {0};

    CHECK(cpu && gpu);
    if (!cpu || !gpu)
        goto done;
    CHECK_STR(rb_mlm_head_device(gpu), "cuda");
    V = rb_mlm_head_vocab(cpu);
    x = rb_malloc(n * H * sizeof *x);
    a = rb_malloc(n * V * sizeof *a);
    b = rb_malloc(n * V * sizeof *b);
    for (i = 0; i < n * H; i++)
        x[i] = (float)sin((double)i * 0.713) * 1.5f;
    CHECK(rb_mlm_head_logits(cpu, x, n, a, &err) == 0);
    CHECK(rb_mlm_head_logits(gpu, x, n, b, &err) == 0);
    for (i = 0; i < n * V; i++)
        if (fabs(a[i] - b[i]) > worst)
            worst = fabs(a[i] - b[i]);
    printf("  head cuda vs cpu: max |diff| %.3g over %zu logits\n", worst,
           n * V);
    CHECK(worst <= 1e-4);
    rb_free(x);
    rb_free(a);
    rb_free(b);
done:
    rb_mlm_head_free(cpu);
    rb_mlm_head_free(gpu);
}

static rb_probe_report *run_on(const char *device, const rb_probe_suite *s,
                               rb_encoder **e, rb_mlm_head **h)
{
    rb_encoder_options eo;
    rb_error err = {0};

    rb_encoder_options_default(&eo);
    eo.device = device;
    *e = rb_encoder_new(model, &eo, &err);
    *h = *e ? head_on(device) : NULL;
    if (!*h) {
        fprintf(stderr, "%s: %s\n", device, err.msg);
        return NULL;
    }
    return rb_probe_run(*e, *h, s, NULL, &err);
}

static void test_probe_run_on_gpu_agrees_with_cpu(void)
{
    char path[1024];
    rb_error err = {0};
    rb_probe_suite *s;
    rb_encoder *ec = NULL, *eg = NULL;
    rb_mlm_head *hc = NULL, *hg = NULL;
    rb_probe_report *rc, *rg;
    double worst = 0;
    size_t i;

    snprintf(path, sizeof path, "%s/eval/probes/general.jsonl",
             RB_SOURCE_DIR);
    s = rb_probe_suite_load(path, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    rc = run_on("cpu", s, &ec, &hc);
    rg = run_on("cuda", s, &eg, &hg);
    CHECK(rc && rg);
    if (rc && rg) {
        CHECK_EQ_INT(rg->n, rc->n);
        for (i = 0; i < rc->n && i < rg->n; i++) {
            double d = fabs(log(rg->outcomes[i].p / rc->outcomes[i].p));

            CHECK_STR(rg->outcomes[i].probe->id, rc->outcomes[i].probe->id);
            if (d > worst)
                worst = d;
        }
        printf("  probes cuda (fp16 encoder) vs cpu: max |log p ratio| "
               "%.3g\n", worst);
        CHECK(worst < 0.05);
    }
    rb_probe_report_free(rc);
    rb_probe_report_free(rg);
    rb_mlm_head_free(hc);
    rb_mlm_head_free(hg);
    rb_encoder_free(ec);
    rb_encoder_free(eg);
    rb_probe_suite_free(s);
}

int main(void)
{
    char cmd[2400], dir[1024], vocab[1024];
    rb_error err = {0};
    int rc;

#ifdef RB_HAVE_CUDA
    {
        char why[256] = "";

        if (rb_cuda_device_count(why, sizeof why) <= 0) {
            printf("skipped: no usable CUDA device (%s)\n", why);
            return 77;
        }
    }
#else
    CHECK_SKIP("this build has no CUDA backend");
#endif
    if (system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0)
        CHECK_SKIP("python3 with numpy is not available");
    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(vocab, sizeof vocab, "%s/models/bert-base-uncased-vocab/"
             "vocab.txt", RB_SHARED_DIR);
    snprintf(dir, sizeof dir, "%s/m", tmpdir);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tools/make_test_model.py "
             "--out %s --mlm untied --seed 41 --hidden 128 --heads 4 "
             "--intermediate 256 %s%s", RB_SOURCE_DIR, dir,
             access(vocab, R_OK) == 0 ? "--vocab " : "--small-vocab",
             access(vocab, R_OK) == 0 ? vocab : "");
    if (system(cmd) != 0 || !(model = rb_model_load(dir, &err))) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    RUN_TEST(test_cuda_logits_match_cpu);
    RUN_TEST(test_probe_run_on_gpu_agrees_with_cpu);
    rb_model_free(model);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    rc = system(cmd);
    (void)rc;
    return check_report();
}
