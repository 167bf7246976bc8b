/*
 * The masked-LM head and the probe runner against an independent
 * reference: random checkpoints with tied, copied and untied decoders
 * written by tools/make_test_model.py, logits and scores computed by
 * tools/reference_mlm.py (NumPy in float64, and PyTorch when it can be
 * imported). Logits must agree within 1e-4 everywhere; the probes that
 * run, their inputs, masked positions, ranks, top-k lists and
 * probabilities must be the reference's.
 *
 * Needs Debian's python3 with python3-numpy (RB_PYTHON overrides the
 * interpreter); skips when it is missing.
 */

#include <jansson.h>
#include <math.h>
#include <unistd.h>

#include "base/mem.h"
#include "check.h"
#include "python_reference.h"
#include "encoder/backend.h"
#include "encoder/cuda_module.h"
#include "encoder/encoder.h"
#include "encoder/mlm_head.h"
#include "encoder/probe.h"

static pyref env;
static char suite_path[1200];

static json_t *reference(const char *dir, const char *engine,
                         const char *extra)
{
    char cmd[4096], out[1300];

    snprintf(out, sizeof out, "%s/ref-%s.json", dir, engine);
    snprintf(cmd, sizeof cmd, "%s %s/tools/reference_mlm.py --model %s "
             "--probes %s --out %s --engine %s %s", env.python, RB_SOURCE_DIR,
             dir, suite_path, out, engine, extra);
    return pyref_run_json(cmd, out);
}

/* A loaded model with a CPU encoder and head. */
typedef struct fixture {
    rb_model *m;
    rb_encoder *e;
    rb_mlm_head *h;
} fixture;

static int open_fixture(const char *dir, rb_mlm_tie tie, int threads,
                        size_t max_length, fixture *f)
{
    rb_encoder_options eo;
    rb_mlm_options ho;
    rb_error err = {0};

    memset(f, 0, sizeof *f);
    f->m = rb_model_load(dir, &err);
    if (f->m) {
        rb_encoder_options_default(&eo);
        eo.device = "cpu";
        eo.threads = threads;
        eo.max_length = max_length;
        f->e = rb_encoder_new(f->m, &eo, &err);
    }
    if (f->e) {
        rb_mlm_options_default(&ho);
        ho.device = "cpu";
        ho.tie = tie;
        ho.threads = threads;
        f->h = rb_mlm_head_new(f->m, &ho, &err);
    }
    if (!f->h)
        fprintf(stderr, "%s: %s\n", dir, err.msg);
    return f->h ? 0 : -1;
}

static void close_fixture(fixture *f)
{
    rb_mlm_head_free(f->h);
    rb_encoder_free(f->e);
    rb_model_free(f->m);
}

/* The head's logits at the reference's masked positions of one probe;
 * rows of the vocabulary size, a new array. */
static float *head_logits(fixture *f, const json_t *probe, size_t *nrows)
{
    const json_t *ids = json_object_get(probe, "input_ids");
    const json_t *slots = json_object_get(probe, "slots");
    size_t n = json_array_size(ids), H = (size_t)f->m->cfg.hidden;
    size_t V = rb_mlm_head_vocab(f->h), i;
    int32_t *seq = rb_malloc(n * sizeof *seq);
    size_t offs[2] = {0, n};
    float *hidden = rb_malloc(n * H * sizeof *hidden);
    float *rows = rb_malloc(json_array_size(slots) * H * sizeof *rows);
    float *logits = rb_malloc(json_array_size(slots) * V * sizeof *logits);
    rb_token_batch b;
    rb_error err = {0};
    int ok;

    for (i = 0; i < n; i++)
        seq[i] = (int32_t)json_integer_value(json_array_get(ids, i));
    b.ids = seq;
    b.offsets = offs;
    b.nseq = 1;
    ok = rb_encoder_forward(f->e, &b, hidden, NULL, &err) == 0;
    for (i = 0; ok && i < json_array_size(slots); i++) {
        size_t pos = (size_t)json_integer_value(json_object_get(
            json_array_get(slots, i), "position"));

        memcpy(rows + i * H, hidden + pos * H, H * sizeof *rows);
    }
    ok = ok && rb_mlm_head_logits(f->h, rows, json_array_size(slots),
                                  logits, &err) == 0;
    if (!ok)
        fprintf(stderr, "head: %s\n", err.msg);
    *nrows = json_array_size(slots);
    rb_free(seq);
    rb_free(hidden);
    rb_free(rows);
    if (!ok) {
        rb_free(logits);
        return NULL;
    }
    return logits;
}

/* Every logit of every masked position within 1e-4 of the reference. */
static void compare_logits(fixture *f, const json_t *ref, const char *what)
{
    const json_t *probes = json_object_get(ref, "probes"), *p;
    size_t V = rb_mlm_head_vocab(f->h), i, j, k, count = 0;
    double worst = 0;

    CHECK(json_array_size(probes) > 0);
    json_array_foreach(probes, i, p) {
        size_t nrows;
        float *logits = head_logits(f, p, &nrows);

        CHECK(logits != NULL);
        if (!logits)
            return;
        for (j = 0; j < nrows; j++) {
            const json_t *row = json_object_get(json_array_get(
                json_object_get(p, "slots"), j), "logits");

            CHECK_EQ_INT(json_array_size(row), V);
            for (k = 0; k < V && k < json_array_size(row); k++) {
                double d = fabs(logits[j * V + k] -
                                json_number_value(json_array_get(row, k)));

                if (d > worst)
                    worst = d;
                count++;
            }
        }
        rb_free(logits);
    }
    printf("  %-32s %zu logits, max |diff| %.3g\n", what, count, worst);
    CHECK(count > 0);
    CHECK(worst <= 1e-4);
}

/* Token ids at top-k place i agree, or are a near tie in the reference's
 * own logits. */
static int same_place(const rb_probe_slot *s, size_t i, const json_t *top,
                      const json_t *logits)
{
    int32_t want = (int32_t)json_integer_value(
        json_array_get(json_array_get(top, i), 0));

    if (s->top_ids[i] == want)
        return 1;
    return logits && fabs(json_number_value(json_array_get(logits,
                                                           s->top_ids[i])) -
                          json_number_value(json_array_get(logits, want)))
                     <= 1e-4;
}

static void compare_slot(const rb_probe_slot *s, const json_t *ref)
{
    const json_t *top = json_object_get(ref, "top");
    const json_t *logits = json_object_get(ref, "logits");
    double p = json_number_value(json_object_get(ref, "p"));
    size_t i;

    CHECK_EQ_INT(s->position, json_integer_value(json_object_get(ref,
                                                                 "position")));
    CHECK_EQ_INT(s->expected, json_integer_value(json_object_get(ref,
                                                                 "expected")));
    CHECK_EQ_INT(s->rank, json_integer_value(json_object_get(ref, "rank")));
    CHECK(fabs(s->p_expected - p) <= 1e-4 * p);
    CHECK_NEAR(s->entropy, json_number_value(json_object_get(ref,
                                                             "entropy")),
               1e-4);
    CHECK_EQ_INT(s->k, json_array_size(top));
    for (i = 0; i < s->k && i < json_array_size(top); i++) {
        double rp = json_number_value(json_array_get(json_array_get(top, i),
                                                     1));

        CHECK(same_place(s, i, top, logits));
        CHECK(fabs(s->top_p[i] - rp) <= 1e-4 * rp);
    }
}

/* The probe runner's report against the reference's scores. */
static rb_probe_report *compare_run(fixture *f, const rb_probe_suite *s,
                                    const json_t *ref)
{
    const json_t *probes = json_object_get(ref, "probes");
    const json_t *skipped = json_object_get(ref, "skipped");
    rb_probe_options opt = {5, 3};
    rb_error err = {0};
    rb_probe_report *r = rb_probe_run(f->e, f->h, s, &opt, &err);
    size_t i, j;

    CHECK(r != NULL);
    if (!r) {
        fprintf(stderr, "run: %s\n", err.msg);
        return NULL;
    }
    CHECK_EQ_INT(r->n, json_array_size(probes));
    CHECK_EQ_INT(r->nproblems, json_array_size(skipped));
    for (i = 0; i < r->nproblems && i < json_array_size(skipped); i++)
        CHECK_EQ_INT(r->problems[i].line,
                     json_integer_value(json_array_get(skipped, i)));
    for (i = 0; i < r->n && i < json_array_size(probes); i++) {
        const rb_probe_outcome *o = &r->outcomes[i];
        const json_t *p = json_array_get(probes, i);
        const json_t *ids = json_object_get(p, "input_ids");
        const json_t *slots = json_object_get(p, "slots");

        CHECK_STR(o->probe->id, json_string_value(json_object_get(p, "id")));
        CHECK_EQ_INT(o->nids, json_array_size(ids));
        for (j = 0; j < o->nids && j < json_array_size(ids); j++)
            CHECK_EQ_INT(o->ids[j], json_integer_value(json_array_get(ids,
                                                                      j)));
        CHECK_EQ_INT(o->nslots, json_array_size(slots));
        for (j = 0; j < o->nslots && j < json_array_size(slots); j++)
            compare_slot(&o->slots[j], json_array_get(slots, j));
    }
    return r;
}

static rb_probe_suite *load_suite(void)
{
    rb_error err = {0};
    rb_probe_suite *s = rb_probe_suite_load(suite_path, &err);

    if (!s)
        fprintf(stderr, "suite: %s\n", err.msg);
    return s;
}

static int has_warning(const rb_probe_report *r, const char *code)
{
    size_t i;

    for (i = 0; i < r->diag.nwarnings; i++)
        if (strcmp(r->diag.warnings[i].code, code) == 0)
            return 1;
    return 0;
}

/* Generate, compare logits and the run; the report is returned for more
 * checks (NULL on failure). */
static rb_probe_report *check_model(const char *name, const char *gen_args,
                                    fixture *f, rb_probe_suite **suite)
{
    char dir[1300];
    json_t *ref;
    rb_probe_report *r = NULL;

    printf("%s\n", name);
    *suite = NULL;
    memset(f, 0, sizeof *f);
    if (pyref_make_model(&env, name, gen_args, dir, sizeof dir) != 0 ||
        !(ref = reference(dir, "numpy", ""))) {
        CHECK(0);
        return NULL;
    }
    if (open_fixture(dir, RB_MLM_TIE_AUTO, 2, 0, f) == 0 &&
        (*suite = load_suite())) {
        compare_logits(f, ref, "logits vs numpy (float64)");
        r = compare_run(f, *suite, ref);
        if (env.have_torch) {
            json_t *tref = reference(dir, "torch", "");

            CHECK(tref != NULL);
            if (tref)
                compare_logits(f, tref, "logits vs torch (float32)");
            json_decref(tref);
        }
    }
    CHECK(f->h != NULL && *suite != NULL);
    json_decref(ref);
    return r;
}

static void release(fixture *f, rb_probe_suite *s, rb_probe_report *r)
{
    rb_probe_report_free(r);
    rb_probe_suite_free(s);
    close_fixture(f);
}

static void test_tied_head_matches_reference(void)
{
    fixture f;
    rb_probe_suite *s;
    rb_probe_report *r = check_model("tied", "--seed 21 --prefix --mlm tied",
                                     &f, &s);
    const rb_mlm_tie_info *t = f.h ? rb_mlm_head_tie(f.h) : NULL;

    CHECK(r != NULL && t != NULL);
    if (t) {
        CHECK(t->tied);
        CHECK(!t->decoder_stored);
        CHECK(isnan(t->mean_cosine));
    }
    if (r)
        CHECK(!has_warning(r, "untied_decoder"));
    release(&f, s, r);
}

static void test_untied_head_matches_reference(void)
{
    fixture f;
    rb_probe_suite *s;
    rb_probe_report *r = check_model("untied", "--seed 22 --mlm untied "
                                     "--dtype F16 --act gelu_new", &f, &s);
    const rb_mlm_tie_info *t = f.h ? rb_mlm_head_tie(f.h) : NULL;

    CHECK(r != NULL && t != NULL);
    if (t) {
        CHECK(!t->tied);
        CHECK(t->decoder_stored);
        CHECK(!t->stored_identical);
        CHECK(!t->config_ties);
        /* Independent random rows: cosines near 0, distance near
         * sqrt(2). */
        CHECK(fabs(t->mean_cosine) < 0.05);
        CHECK_NEAR(t->rel_frobenius, sqrt(2.0), 0.05);
    }
    release(&f, s, r);
}

static void test_stored_copy_of_embeddings_counts_as_tied(void)
{
    fixture f;
    rb_probe_suite *s;
    rb_probe_report *r = check_model("tied-copy", "--seed 23 --mlm "
                                     "tied-copy --dtype BF16 --prefix", &f,
                                     &s);
    const rb_mlm_tie_info *t = f.h ? rb_mlm_head_tie(f.h) : NULL;

    CHECK(r != NULL && t != NULL);
    if (t) {
        CHECK(t->tied);
        CHECK(t->decoder_stored);
        CHECK(t->stored_identical);
        CHECK_NEAR(t->mean_cosine, 1.0, 1e-9);
        CHECK_NEAR(t->rel_frobenius, 0.0, 1e-12);
    }
    if (r)
        CHECK(!has_warning(r, "untied_decoder"));
    release(&f, s, r);
}

/* Forcing the tie: the embeddings instead of a stored decoder give the
 * reference's tied logits; forcing untied without a decoder fails. */
static void test_forced_tie(void)
{
    char dir[1300], tied_dir[1300];
    fixture f;
    json_t *ref;
    rb_mlm_options ho;
    rb_mlm_head *h;
    rb_error err = {0};

    printf("forced tie\n");
    if (pyref_make_model(&env, "forced", "--seed 24 --mlm untied", dir,
                         sizeof dir) != 0 ||
        pyref_make_model(&env, "forced-none", "--seed 24 --mlm tied", tied_dir,
                         sizeof tied_dir) != 0 ||
        !(ref = reference(dir, "numpy", "--tie tied"))) {
        CHECK(0);
        return;
    }
    if (open_fixture(dir, RB_MLM_TIE_TIED, 1, 0, &f) == 0) {
        CHECK(rb_mlm_head_tie(f.h)->tied);
        CHECK(rb_mlm_head_tie(f.h)->forced);
        compare_logits(&f, ref, "forced tied vs numpy");
    }
    CHECK(f.h != NULL);
    close_fixture(&f);
    json_decref(ref);

    CHECK(open_fixture(tied_dir, RB_MLM_TIE_AUTO, 1, 0, &f) == 0);
    rb_mlm_options_default(&ho);
    ho.device = "cpu";
    ho.tie = RB_MLM_TIE_UNTIED;
    h = f.m ? rb_mlm_head_new(f.m, &ho, &err) : NULL;
    CHECK(h == NULL);
    CHECK(strstr(err.msg, "stores no \"cls.predictions.decoder.weight\"")
          != NULL);
    rb_mlm_head_free(h);
    close_fixture(&f);
}

/* An untied random decoder is flagged; a tied one of the same model is
 * not (both look untrained). */
static void test_diagnostics_flag_untied_random_decoder(void)
{
    char untied[1300], tied[1300], path[1300];
    rb_probe_report *ru = NULL, *rt = NULL;
    rb_probe_suite *s;
    fixture fu, ft;
    rb_error err = {0};

    printf("diagnostics\n");
    snprintf(path, sizeof path, "%s/eval/probes/general.jsonl",
             RB_SOURCE_DIR);
    if (pyref_make_model(&env, "diag-untied", "--seed 25 --mlm untied", untied,
                         sizeof untied) != 0 ||
        pyref_make_model(&env, "diag-tied", "--seed 25 --mlm tied", tied,
                         sizeof tied) != 0 ||
        !(s = rb_probe_suite_load(path, &err))) {
        CHECK(0);
        return;
    }
    if (open_fixture(untied, RB_MLM_TIE_AUTO, 2, 0, &fu) == 0)
        ru = rb_probe_run(fu.e, fu.h, s, NULL, &err);
    if (open_fixture(tied, RB_MLM_TIE_AUTO, 2, 0, &ft) == 0)
        rt = rb_probe_run(ft.e, ft.h, s, NULL, &err);
    CHECK(ru != NULL && rt != NULL);
    if (ru && rt) {
        CHECK(ru->diag.positions >= RB_PROBE_MIN_POSITIONS);
        CHECK(has_warning(ru, "untied_decoder"));
        CHECK(!has_warning(rt, "untied_decoder"));
        CHECK(has_warning(ru, "near_uniform"));
        CHECK(has_warning(rt, "near_uniform"));
        CHECK(ru->diag.uniform_entropy > 0);
        CHECK(ru->diag.mean_entropy >
              RB_PROBE_UNIFORM_SHARE * ru->diag.uniform_entropy);
        CHECK(!ru->diag.tie.tied && rt->diag.tie.tied);
    }
    rb_probe_report_free(ru);
    rb_probe_report_free(rt);
    close_fixture(&fu);
    close_fixture(&ft);
    rb_probe_suite_free(s);
}

static void test_checkpoint_without_head_fails_clearly(void)
{
    char dir[1300];
    rb_error err = {0};
    rb_model *m;
    rb_mlm_head *h = NULL;

    if (pyref_make_model(&env, "no-head", "--seed 26", dir, sizeof dir) != 0) {
        CHECK(0);
        return;
    }
    m = rb_model_load(dir, &err);
    CHECK(m != NULL);
    if (m)
        h = rb_mlm_head_new(m, NULL, &err);
    CHECK(h == NULL);
    CHECK(strstr(err.msg, "tensor \"cls.predictions.transform.dense."
                 "weight\" is missing") != NULL);
    CHECK(strstr(err.msg, "no masked-LM head") != NULL);
    rb_mlm_head_free(h);
    rb_model_free(m);
}

/* One or two decoder threads give the same bytes. */
static void test_thread_count_does_not_change_logits(void)
{
    char dir[1300];
    fixture f1, f2;
    size_t H, V, n = 7, i;
    float *x, *a, *b;
    rb_error err = {0};

    if (pyref_make_model(&env, "threads", "--seed 27 --mlm untied", dir,
                         sizeof dir) != 0 ||
        open_fixture(dir, RB_MLM_TIE_AUTO, 1, 0, &f1) < 0 ||
        open_fixture(dir, RB_MLM_TIE_AUTO, 2, 0, &f2) < 0) {
        CHECK(0);
        return;
    }
    H = (size_t)f1.m->cfg.hidden;
    V = rb_mlm_head_vocab(f1.h);
    x = rb_malloc(n * H * sizeof *x);
    a = rb_malloc(n * V * sizeof *a);
    b = rb_malloc(n * V * sizeof *b);
    for (i = 0; i < n * H; i++)
        x[i] = (float)sin((double)i * 0.37);
    CHECK(rb_mlm_head_logits(f1.h, x, n, a, &err) == 0);
    CHECK(rb_mlm_head_logits(f2.h, x, n, b, &err) == 0);
    CHECK(memcmp(a, b, n * V * sizeof *a) == 0);
    rb_free(x);
    rb_free(a);
    rb_free(b);
    close_fixture(&f1);
    close_fixture(&f2);
}

/* A mask past the encoder's maximum length is a problem of its line;
 * one inside it still runs with the text cut short. */
static void test_mask_past_maximum_length(void)
{
    char dir[1300], path[1400];
    fixture f;
    rb_probe_suite *s;
    rb_probe_report *r = NULL;
    rb_error err = {0};
    FILE *fp;

    snprintf(path, sizeof path, "%s/long.jsonl", env.tmpdir);
    fp = fopen(path, "w");
    fputs("{\"id\": \"near\", \"text\": \"the [MASK] of the data of the "
          "text of the world\", \"expected\": \"layer\"}\n"
          "{\"id\": \"far\", \"text\": \"the data of the text of the "
          "[MASK]\", \"expected\": \"world\"}\n", fp);
    fclose(fp);
    if (pyref_make_model(&env, "short", "--seed 28 --mlm tied", dir,
                         sizeof dir) != 0 ||
        open_fixture(dir, RB_MLM_TIE_AUTO, 1, 8, &f) < 0 ||
        !(s = rb_probe_suite_load(path, &err))) {
        CHECK(0);
        return;
    }
    r = rb_probe_run(f.e, f.h, s, NULL, &err);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(r->n, 1);
        CHECK_EQ_INT(r->outcomes[0].nids, 8);
        CHECK_EQ_INT(r->nproblems, 1);
        CHECK_EQ_INT(r->problems[0].line, 2);
        CHECK(strstr(r->problems[0].message, "past the model's maximum "
                     "length of 8 tokens") != NULL);
    }
    release(&f, s, r);
}

/* Scores of hand-made logits: ties by lower id, rank, entropy. */
static void test_scores_of_known_logits(void)
{
    const float logits[5] = {1.0f, 3.0f, 3.0f, 0.0f, 2.0f};
    int32_t ids[5];
    double p[5], sum = 0, h = 0;
    rb_mlm_scores s;
    size_t i;

    for (i = 0; i < 5; i++)
        sum += exp(logits[i]);
    for (i = 0; i < 5; i++)
        h -= exp(logits[i]) / sum * log(exp(logits[i]) / sum);
    s.top_ids = ids;
    s.top_p = p;
    rb_mlm_score(logits, 5, 2, 3, &s);
    CHECK_EQ_INT(s.k, 3);
    CHECK_EQ_INT(ids[0], 1);
    CHECK_EQ_INT(ids[1], 2);
    CHECK_EQ_INT(ids[2], 4);
    CHECK_EQ_INT(s.rank, 2);
    CHECK_NEAR(p[0], exp(3.0) / sum, 1e-12);
    CHECK_NEAR(p[2], exp(2.0) / sum, 1e-12);
    CHECK_NEAR(s.p_expected, exp(3.0) / sum, 1e-12);
    CHECK_NEAR(s.entropy, h, 1e-12);
    rb_mlm_score(logits, 5, 3, 10, &s);
    CHECK_EQ_INT(s.k, 5);
    CHECK_EQ_INT(ids[4], 3);
    CHECK_EQ_INT(s.rank, 5);
}

/* A BertForPreTraining checkpoint as older conversions save it: the
 * "bert." prefix, LayerNorm tensors spelt gamma and beta (the head's
 * too), a copy of the embeddings as decoder and the next-sentence head
 * beside it. Its logits are those of the same weights spelt the new
 * way. */
static void test_old_spelling_pretraining_checkpoint(void)
{
    static const char rename_script[] =
        "import sys, shutil, numpy as np\n"
        "sys.path.insert(0, sys.argv[3])\n"
        "import reference_encoder as r, make_test_model as g\n"
        "src, dst = sys.argv[1:3]\n"
        "shutil.copytree(src, dst)\n"
        "t = r.read_safetensors(src + '/model.safetensors')\n"
        "out = {k.replace('LayerNorm.weight', 'LayerNorm.gamma')"
        ".replace('LayerNorm.bias', 'LayerNorm.beta'): v "
        "for k, v in t.items()}\n"
        "h = t['bert.embeddings.word_embeddings.weight'].shape[1]\n"
        "out['cls.seq_relationship.weight'] = np.ones((2, h))\n"
        "out['cls.seq_relationship.bias'] = np.ones(2)\n"
        "g.write_safetensors(dst + '/model.safetensors', out, 'F32')\n";
    char dir[1300], old[1400], script[1400], cmd[6000];
    fixture f;
    json_t *ref;
    FILE *fp;

    printf("old spelling\n");
    snprintf(old, sizeof old, "%s/old-spelling", env.tmpdir);
    snprintf(script, sizeof script, "%s/rename.py", env.tmpdir);
    fp = fopen(script, "w");
    fputs(rename_script, fp);
    fclose(fp);
    if (pyref_make_model(&env, "new-spelling",
                         "--seed 30 --prefix --mlm tied-copy", dir,
                         sizeof dir) != 0) {
        CHECK(0);
        return;
    }
    snprintf(cmd, sizeof cmd, "%s %s %s %s %s/tools", env.python, script, dir,
             old, RB_SOURCE_DIR);
    if (pyref_run(cmd) != 0 || !(ref = reference(dir, "numpy", ""))) {
        CHECK(0);
        return;
    }
    CHECK(open_fixture(old, RB_MLM_TIE_AUTO, 2, 0, &f) == 0);
    if (f.h) {
        CHECK(rb_model_tensor(f.m, "cls.predictions.transform.LayerNorm."
                              "weight") != NULL);
        CHECK(rb_mlm_head_tie(f.h)->tied);
        CHECK(rb_mlm_head_tie(f.h)->stored_identical);
        compare_logits(&f, ref, "gamma/beta spelling vs numpy");
    }
    close_fixture(&f);
    json_decref(ref);
}

/* Device choice: "auto" takes a GPU when there is one, a forced "cuda"
 * without one fails with the reason, unknown names are refused. */
static void test_head_device_choice(void)
{
    char dir[1300];
    rb_mlm_options opt;
    rb_error err = {0};
    rb_model *m;
    rb_mlm_head *h;
    int gpus = 0;

#ifdef RB_HAVE_CUDA
    {
        char why[256];

        gpus = rb_cuda_device_count(why, sizeof why);
    }
#endif
    if (pyref_make_model(&env, "device", "--seed 29 --mlm tied", dir,
                         sizeof dir) != 0 ||
        !(m = rb_model_load(dir, &err))) {
        CHECK(0);
        return;
    }
    rb_mlm_options_default(&opt);
    h = rb_mlm_head_new(m, &opt, &err);
    CHECK(h != NULL);
    if (h)
        CHECK_STR(rb_mlm_head_device(h), gpus > 0 ? "cuda" : "cpu");
    rb_mlm_head_free(h);
    opt.device = "tpu";
    CHECK(rb_mlm_head_new(m, &opt, &err) == NULL);
    CHECK(strstr(err.msg, "unknown device \"tpu\"") != NULL);
    rb_error_clear(&err);
    opt.device = "cuda";
    h = rb_mlm_head_new(m, &opt, &err);
    if (gpus == 0) {
        CHECK(h == NULL);
#ifdef RB_HAVE_CUDA
        CHECK(strstr(err.msg, "no usable CUDA device") != NULL);
#else
        CHECK(strstr(err.msg, "this build has no CUDA backend") != NULL);
#endif
    } else {
        CHECK(h != NULL);
    }
    rb_mlm_head_free(h);
    rb_model_free(m);
}

int main(void)
{
    RUN_TEST(test_scores_of_known_logits);
    if (pyref_setup(&env, "/tmp/rb-mlm-ref-XXXXXX") < 0)
        return 1;
    snprintf(suite_path, sizeof suite_path,
             "%s/tests/data/probe_reference.jsonl", RB_SOURCE_DIR);
    printf("vocabulary: %s; torch: %s\n", env.vocab,
           env.have_torch ? "yes" : "no");
    RUN_TEST(test_tied_head_matches_reference);
    RUN_TEST(test_untied_head_matches_reference);
    RUN_TEST(test_stored_copy_of_embeddings_counts_as_tied);
    RUN_TEST(test_forced_tie);
    RUN_TEST(test_diagnostics_flag_untied_random_decoder);
    RUN_TEST(test_checkpoint_without_head_fails_clearly);
    RUN_TEST(test_thread_count_does_not_change_logits);
    RUN_TEST(test_mask_past_maximum_length);
    RUN_TEST(test_head_device_choice);
    RUN_TEST(test_old_spelling_pretraining_checkpoint);
    pyref_cleanup(&env);
    return check_report();
}
