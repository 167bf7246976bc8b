/*
 * The probe runner and its reports on a tiny checkpoint written from C
 * (tests/tiny_model.h plus a masked-LM head), so that these checks need
 * no Python: every allocation failing in turn ends in a clean error, the
 * text and JSON reports hold what the run found, and a stored decoder is
 * told from a tied one.
 */

#include <jansson.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "check.h"
#include "encoder/encoder.h"
#include "encoder/mlm_head.h"
#include "encoder/probe.h"
#include "report/probe_report.h"
#include "tiny_model.h"

static char tmpdir[] = "/tmp/rb-probe-run-XXXXXX";
static char suite_path[1200];

static void add_head(tiny_spec *s, int untied)
{
    tiny_add(s, "cls.predictions.transform.dense.weight", TINY_HIDDEN,
             TINY_HIDDEN);
    tiny_add(s, "cls.predictions.transform.dense.bias", TINY_HIDDEN, 0);
    tiny_add(s, "cls.predictions.transform.LayerNorm.weight", TINY_HIDDEN,
             0);
    tiny_add(s, "cls.predictions.transform.LayerNorm.bias", TINY_HIDDEN, 0);
    tiny_add(s, "cls.predictions.bias", TINY_VOCAB, 0);
    if (untied)
        tiny_add(s, "cls.predictions.decoder.weight", TINY_VOCAB,
                 TINY_HIDDEN);
}

static rb_model *write_model(const char *name, int untied)
{
    char dir[512];
    tiny_spec s;
    rb_error err = {0};
    rb_model *m;

    snprintf(dir, sizeof dir, "%s/%s", tmpdir, name);
    tiny_spec_init(&s, "");
    add_head(&s, untied);
    if (tiny_write_model(dir, &s) != 0)
        return NULL;
    m = rb_model_load(dir, &err);
    if (!m)
        fprintf(stderr, "%s: %s\n", dir, err.msg);
    return m;
}

/* Encoder, head and run; NULL with err set on failure. */
static rb_probe_report *probe(rb_model *m, const rb_probe_suite *s,
                              rb_encoder **e, rb_mlm_head **h, rb_error *err)
{
    rb_encoder_options eo;
    rb_mlm_options ho;
    rb_probe_options po = {3, 1};

    rb_encoder_options_default(&eo);
    eo.device = "cpu";
    eo.threads = 1;
    rb_mlm_options_default(&ho);
    ho.device = "cpu";
    ho.threads = 1;
    *e = rb_encoder_new(m, &eo, err);
    *h = *e ? rb_mlm_head_new(m, &ho, err) : NULL;
    return *h ? rb_probe_run(*e, *h, s, &po, err) : NULL;
}

static void test_reports_hold_the_run(void)
{
    rb_model *m = write_model("tied", 0);
    rb_error err = {0};
    rb_probe_suite *s = rb_probe_suite_load(suite_path, &err);
    rb_encoder *e = NULL;
    rb_mlm_head *h = NULL;
    rb_probe_report *r = NULL;
    rb_probe_context ctx = {"suite.jsonl", "tiny", "cpu"};
    rb_buf text = RB_BUF_INIT;
    json_t *j = NULL;

    CHECK(m && s);
    if (m && s)
        r = probe(m, s, &e, &h, &err);
    CHECK(r != NULL);
    if (!r)
        goto done;
    CHECK_EQ_INT(r->n, 2);
    CHECK_EQ_INT(r->nproblems, 2);
    CHECK_EQ_INT(r->top_k, 3);
    CHECK_EQ_INT(r->vocab, TINY_VOCAB);
    CHECK_EQ_INT(r->ntags, 1);
    CHECK_STR(r->tags[0].tag, "t");
    CHECK_EQ_INT(r->tags[0].n, 1);
    CHECK(r->diag.tie.tied && !r->diag.tie.decoder_stored);
    /* "a b b" with target "b": the first b, token 2 after [CLS]. */
    CHECK_EQ_INT(r->outcomes[1].slots[0].position, 2);
    CHECK_EQ_INT(r->outcomes[1].slots[0].expected, 11);
    CHECK(rb_probe_report_text(r, &ctx, &text) == 0);
    CHECK(strstr(text.data, "suite    suite.jsonl: 2 probes run, 2 lines "
                 "skipped\n") != NULL);
    CHECK(strstr(text.data, "\na: expected=world got=[") != NULL);
    CHECK(strstr(text.data, "\nb: expected=b got=[") != NULL);
    CHECK(strstr(text.data, "  suite.jsonl:2: malformed JSON") != NULL);
    CHECK(strstr(text.data, "  suite.jsonl:4: \"d\": expected word \"zzz\" "
                 "is not in the vocabulary") != NULL);
    CHECK(strstr(text.data, "acc@3") != NULL);
    j = rb_probe_report_json(r, &ctx);
    CHECK(j != NULL);
    if (j) {
        CHECK_STR(json_string_value(json_object_get(j, "schema")),
                  "rankbench.probe");
        CHECK_EQ_INT(json_array_size(json_object_get(j, "probes")), 2);
        CHECK_EQ_INT(json_array_size(json_object_get(j, "problems")), 2);
        CHECK_EQ_INT(json_integer_value(json_object_get(
            json_object_get(j, "suite"), "lines")), 4);
    }

done:
    json_decref(j);
    rb_buf_release(&text);
    rb_probe_report_free(r);
    rb_mlm_head_free(h);
    rb_encoder_free(e);
    rb_probe_suite_free(s);
    rb_model_free(m);
}

/* The tiny writer gives the decoder other values than the embeddings. */
static void test_stored_decoder_is_untied(void)
{
    rb_model *m = write_model("untied", 1);
    rb_mlm_head *h = m ? rb_mlm_head_new(m, NULL, NULL) : NULL;

    CHECK(h != NULL);
    if (h) {
        CHECK(!rb_mlm_head_tie(h)->tied);
        CHECK(rb_mlm_head_tie(h)->decoder_stored);
        CHECK(!rb_mlm_head_tie(h)->stored_identical);
        CHECK(rb_mlm_head_tie(h)->rel_frobenius > 0);
    }
    rb_mlm_head_free(h);
    rb_model_free(m);
}

static void test_allocation_failures_end_in_errors(void)
{
    rb_model *m = write_model("alloc", 1);
    rb_error err = {0};
    rb_probe_suite *s = rb_probe_suite_load(suite_path, &err);
    rb_probe_context ctx = {NULL, NULL, NULL};
    long n;
    int ok = 0, failed = 0;

    CHECK(m && s);
    for (n = 1; m && s && n < 2000 && !ok; n++) {
        rb_encoder *e = NULL;
        rb_mlm_head *h = NULL;
        rb_probe_report *r;
        rb_buf text = RB_BUF_INIT;

        rb_error_clear(&err);
        rb_mem_fail_after(n);
        r = probe(m, s, &e, &h, &err);
        if (r && rb_probe_report_text(r, &ctx, &text) == 0)
            ok = 1;
        rb_mem_fail_after(0);
        if (!ok) {
            failed++;
            CHECK(r != NULL || err.set);
        }
        rb_buf_release(&text);
        rb_probe_report_free(r);
        rb_mlm_head_free(h);
        rb_encoder_free(e);
    }
    CHECK(ok);
    CHECK(failed > 10);
    rb_probe_suite_free(s);
    rb_model_free(m);
}

int main(void)
{
    char cmd[1300];
    FILE *fp;
    int rc;

    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(suite_path, sizeof suite_path, "%s/suite.jsonl", tmpdir);
    fp = fopen(suite_path, "w");
    if (!fp)
        return 1;
    fputs("{\"id\": \"a\", \"text\": \"hello [MASK]\", \"expected\": "
          "\"world\", \"tags\": [\"t\"]}\n"
          "{\"id\": \"b\", \"text\": \n"
          "{\"id\": \"b\", \"text\": \"a b b\", \"target\": \"b\"}\n"
          "{\"id\": \"d\", \"text\": \"[MASK]\", \"expected\": \"zzz\"}\n",
          fp);
    fclose(fp);
    RUN_TEST(test_reports_hold_the_run);
    RUN_TEST(test_stored_decoder_is_untied);
    RUN_TEST(test_allocation_failures_end_in_errors);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    rc = system(cmd);
    (void)rc;
    return check_report();
}
