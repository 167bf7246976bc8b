/*
 * The CPU encoder against an independent reference: random BERT models
 * written by tools/make_test_model.py, embeddings computed by
 * tools/reference_encoder.py (NumPy in float64, and PyTorch when it can be
 * imported). Token ids must match exactly; each embedding must have cosine
 * >= 0.99999 and max absolute difference <= 1e-4 against the reference.
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
#include "encoder/cpu_kernels.h"
#include "encoder/encoder.h"

static pyref env;

static const char *const *texts;
static size_t *lens;
static size_t ntexts;

static int load_texts(void)
{
    char path[1024];
    json_t *v;
    FILE *fp;
    char line[65536];
    const char **list = NULL;
    size_t cap = 0;

    snprintf(path, sizeof path, "%s/tests/data/encoder_texts.jsonl",
             RB_SOURCE_DIR);
    fp = fopen(path, "r");
    if (!fp)
        return -1;
    while (fgets(line, sizeof line, fp)) {
        json_error_t jerr;

        v = json_loads(line, JSON_DECODE_ANY, &jerr);
        if (!json_is_string(v))
            return -1;
        list = rb_grow(list, &cap, ntexts + 1, sizeof *list);
        lens = realloc(lens, (ntexts + 1) * sizeof *lens);
        list[ntexts] = rb_strdup(json_string_value(v));
        lens[ntexts] = json_string_length(v);
        ntexts++;
        json_decref(v);
    }
    fclose(fp);
    texts = list;
    return 0;
}

static json_t *reference(const char *dir, const char *engine,
                         const char *extra)
{
    char cmd[4096], out[1200];

    snprintf(out, sizeof out, "%s/ref-%s.json", dir, engine);
    snprintf(cmd, sizeof cmd, "%s %s/tools/reference_encoder.py --model %s "
             "--texts %s/tests/data/encoder_texts.jsonl --out %s "
             "--engine %s %s", env.python, RB_SOURCE_DIR, dir, RB_SOURCE_DIR,
             out, engine, extra);
    return pyref_run_json(cmd, out);
}

/* Compare the rows of got (n x dim) with a JSON array of arrays. */
static void compare_rows(const char *what, const float *got, size_t n,
                         size_t dim, const json_t *ref, double min_cos,
                         double max_abs)
{
    double worst_cos = 1, worst_abs = 0;
    size_t i, j;

    CHECK_EQ_INT(json_array_size(ref), n);
    if (json_array_size(ref) != n)
        return;
    for (i = 0; i < n; i++) {
        const json_t *row = json_array_get(ref, i);
        double dot = 0, na = 0, nb = 0, cos;

        CHECK_EQ_INT(json_array_size(row), dim);
        if (json_array_size(row) != dim)
            return;
        for (j = 0; j < dim; j++) {
            double a = got[i * dim + j];
            double b = json_number_value(json_array_get(row, j));

            dot += a * b;
            na += a * a;
            nb += b * b;
            if (fabs(a - b) > worst_abs)
                worst_abs = fabs(a - b);
        }
        cos = dot / (sqrt(na) * sqrt(nb));
        if (cos < worst_cos)
            worst_cos = cos;
    }
    printf("  %-28s cosine >= %.9f, max |diff| %.3g\n", what, worst_cos,
           worst_abs);
    CHECK(worst_cos >= min_cos);
    CHECK(worst_abs <= max_abs);
}

static void check_ids(rb_encoder *e, const json_t *ref_ids)
{
    int32_t *ids;
    size_t *offsets, i, t;
    rb_error err = {0};
    int same = 1;

    CHECK(rb_encoder_tokenize(e, texts, lens, ntexts, &ids, &offsets,
                              &err) == 0);
    if (err.set)
        return;
    CHECK_EQ_INT(json_array_size(ref_ids), ntexts);
    for (i = 0; i < ntexts && i < json_array_size(ref_ids); i++) {
        const json_t *row = json_array_get(ref_ids, i);
        size_t n = offsets[i + 1] - offsets[i];

        if (json_array_size(row) != n) {
            fprintf(stderr, "text %zu: %zu ids, reference %zu\n", i, n,
                    json_array_size(row));
            same = 0;
            continue;
        }
        for (t = 0; t < n; t++) {
            if (ids[offsets[i] + t] !=
                json_integer_value(json_array_get(row, t))) {
                fprintf(stderr, "text %zu: id %zu is %d, reference %lld\n",
                        i, t, (int)ids[offsets[i] + t],
                        (long long)json_integer_value(json_array_get(row,
                                                                     t)));
                same = 0;
                break;
            }
        }
    }
    CHECK(same);
    rb_free(ids);
    rb_free(offsets);
}

static rb_encoder *cpu_encoder(const rb_model *m, int threads,
                               size_t batch_tokens)
{
    rb_encoder_options opt;
    rb_error err = {0};
    rb_encoder *e;

    rb_encoder_options_default(&opt);
    opt.device = "cpu";
    opt.threads = threads;
    opt.batch_tokens = batch_tokens;
    e = rb_encoder_new(m, &opt, &err);
    if (!e)
        fprintf(stderr, "encoder: %s\n", err.msg);
    return e;
}

/* Encode the texts and compare with the reference; 0 when it ran. */
static int check_model(const char *name, const char *gen_args,
                       const char *ref_args)
{
    char dir[1200];
    rb_error err = {0};
    rb_model *m;
    rb_encoder *e;
    json_t *ref;
    float *emb;
    size_t dim;

    printf("%s\n", name);
    if (pyref_make_model(&env, name, gen_args, dir, sizeof dir) != 0)
        return -1;
    ref = reference(dir, "numpy", ref_args);
    m = rb_model_load(dir, &err);
    if (!m)
        fprintf(stderr, "load: %s\n", err.msg);
    CHECK(m != NULL && ref != NULL);
    if (!m || !ref) {
        json_decref(ref);
        rb_model_free(m);
        return -1;
    }
    e = cpu_encoder(m, 2, 64);
    CHECK(e != NULL);
    if (e) {
        dim = rb_encoder_dim(e);
        emb = rb_malloc(ntexts * dim * sizeof *emb);
        CHECK(rb_encoder_encode(e, texts, lens, ntexts, emb, NULL, NULL,
                                &err) == 0);
        check_ids(e, json_object_get(ref, "ids"));
        compare_rows("vs numpy (float64)", emb, ntexts, dim,
                     json_object_get(ref, "embeddings"), 0.99999, 1e-4);
        if (env.have_torch) {
            json_t *tref = reference(dir, "torch", ref_args);

            CHECK(tref != NULL);
            if (tref)
                compare_rows("vs torch (float32)", emb, ntexts, dim,
                             json_object_get(tref, "embeddings"), 0.99999,
                             1e-4);
            json_decref(tref);
        }
        rb_free(emb);
        rb_encoder_free(e);
    }
    json_decref(ref);
    rb_model_free(m);
    return 0;
}

static void test_f32_plain_bert_mean_pooling(void)
{
    check_model("f32-mean", "--seed 11", "");
}

static void test_prefixed_cls_normalized_with_tied_head(void)
{
    check_model("prefix-cls-norm", "--seed 12 --prefix --pooling cls "
                "--normalize --mlm tied --pooler", "");
}

static void test_f16_max_pooling_untied_head(void)
{
    check_model("f16-max", "--seed 13 --dtype F16 --pooling max "
                "--mlm untied", "");
}

static void test_bf16_truncated_to_sentence_transformers_length(void)
{
    check_model("bf16-mean-norm-24", "--seed 14 --dtype BF16 --pooling mean "
                "--normalize --max-seq-length 24", "");
}

static void test_all_pooling_modes_concatenated(void)
{
    check_model("multi-pool", "--seed 15 --pooling cls,mean,max,"
                "mean_sqrt_len,weightedmean,lasttoken", "");
}

static void test_odd_shapes_tanh_gelu_cased(void)
{
    /* Hidden 60 is no multiple of 8: the vector kernels' edges. */
    check_model("odd-tanh-cased", "--seed 16 --hidden 60 --heads 5 "
                "--intermediate 100 --layers 3 --act gelu_new --cased "
                "--max-positions 128", "");
}

/* One pooled token per sequence: the last layer runs for that token only
 * (here the last one, with odd shapes). */
static void test_last_token_pooling_odd_shapes(void)
{
    check_model("lasttoken-odd", "--seed 18 --hidden 60 --heads 5 "
                "--intermediate 100 --layers 3 --pooling lasttoken", "");
}

static void test_portable_kernels_agree_with_reference(void)
{
    CHECK(rb_cpu_kernels_select("portable") == 0);
    check_model("portable-kernels", "--seed 17 --layers 3", "");
    rb_cpu_kernels_select(NULL);
}

/* Where the processor has AVX-512 the default set is that one; the AVX2
 * set must hold too (odd widths reach the vector tails). */
static void test_avx2_kernels_agree_with_reference(void)
{
    if (rb_cpu_kernels_select("avx2") != 0) {
        printf("avx2-kernels: not available here\n");
        return;
    }
    check_model("avx2-kernels", "--seed 19 --hidden 60 --heads 5 "
                "--intermediate 100 --layers 3", "");
    rb_cpu_kernels_select(NULL);
}

/* Last hidden states of every token, for heads such as the MLM head. */
static void test_hidden_states_of_every_token(void)
{
    char dir[1200];
    rb_error err = {0};
    rb_model *m;
    rb_encoder *e;
    json_t *ref, *rows;
    int32_t *ids;
    size_t *offsets, i, t, h;
    float *hidden;
    rb_token_batch b;

    if (pyref_make_model(&env, "hidden", "--seed 18 --prefix --mlm tied", dir,
                         sizeof dir) != 0 ||
        !(ref = reference(dir, "numpy", "--hidden"))) {
        CHECK(0);
        return;
    }
    m = rb_model_load(dir, &err);
    CHECK(m != NULL);
    e = m ? cpu_encoder(m, 2, 100) : NULL;
    if (!e) {
        CHECK(0);
        json_decref(ref);
        rb_model_free(m);
        return;
    }
    CHECK(rb_model_tensor(m, "cls.predictions.transform.dense.weight"));
    CHECK(rb_model_tensor(m, "cls.predictions.bias"));
    h = (size_t)m->cfg.hidden;
    CHECK(rb_encoder_tokenize(e, texts, lens, ntexts, &ids, &offsets,
                              &err) == 0);
    hidden = rb_malloc(offsets[ntexts] * h * sizeof *hidden);
    b.ids = ids;
    b.offsets = offsets;
    b.nseq = ntexts;
    CHECK(rb_encoder_forward(e, &b, hidden, NULL, &err) == 0);
    /* Flatten the reference's per-text rows into one token list. */
    rows = json_array();
    for (i = 0; i < ntexts; i++) {
        json_t *seq = json_array_get(json_object_get(ref, "hidden"), i);

        for (t = 0; t < json_array_size(seq); t++)
            json_array_append(rows, json_array_get(seq, t));
    }
    compare_rows("hidden states vs numpy", hidden, offsets[ntexts], h, rows,
                 0.99999, 1e-4);
    json_decref(rows);
    rb_free(hidden);
    rb_free(ids);
    rb_free(offsets);
    rb_encoder_free(e);
    rb_model_free(m);
    json_decref(ref);
}

/* The same batches give the same bytes with one thread or two. */
static void test_thread_count_does_not_change_results(void)
{
    char dir[1200];
    rb_error err = {0};
    rb_model *m;
    rb_encoder *e1, *e2;
    float *a, *b;
    size_t dim;

    if (pyref_make_model(&env, "threads", "--seed 19", dir, sizeof dir) != 0) {
        CHECK(0);
        return;
    }
    m = rb_model_load(dir, &err);
    CHECK(m != NULL);
    if (!m)
        return;
    e1 = cpu_encoder(m, 1, 96);
    e2 = cpu_encoder(m, 2, 96);
    CHECK(e1 && e2);
    if (e1 && e2) {
        dim = rb_encoder_dim(e1);
        a = rb_malloc(ntexts * dim * sizeof *a);
        b = rb_malloc(ntexts * dim * sizeof *b);
        CHECK(rb_encoder_encode(e1, texts, lens, ntexts, a, NULL, NULL,
                                &err) == 0);
        CHECK(rb_encoder_encode(e2, texts, lens, ntexts, b, NULL, NULL,
                                &err) == 0);
        CHECK(memcmp(a, b, ntexts * dim * sizeof *a) == 0);
        rb_free(a);
        rb_free(b);
    }
    rb_encoder_free(e1);
    rb_encoder_free(e2);
    rb_model_free(m);
}

int main(void)
{
    if (pyref_setup(&env, "/tmp/rb-encoder-ref-XXXXXX") < 0 ||
        load_texts() < 0) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    printf("vocabulary: %s; torch: %s; kernels: %s\n", env.vocab,
           env.have_torch ? "yes" : "no", rb_cpu_kernels_name());
    RUN_TEST(test_f32_plain_bert_mean_pooling);
    RUN_TEST(test_prefixed_cls_normalized_with_tied_head);
    RUN_TEST(test_f16_max_pooling_untied_head);
    RUN_TEST(test_bf16_truncated_to_sentence_transformers_length);
    RUN_TEST(test_all_pooling_modes_concatenated);
    RUN_TEST(test_last_token_pooling_odd_shapes);
    RUN_TEST(test_odd_shapes_tanh_gelu_cased);
    RUN_TEST(test_portable_kernels_agree_with_reference);
    RUN_TEST(test_avx2_kernels_agree_with_reference);
    RUN_TEST(test_hidden_states_of_every_token);
    RUN_TEST(test_thread_count_does_not_change_results);
    pyref_cleanup(&env);
    return check_report();
}
