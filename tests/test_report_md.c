/*
 * The Markdown report page: its table, the charts it embeds from a
 * charts.json, why missing charts are missing, the configuration and the
 * dataset fingerprint, and the overview across datasets.
 */

#include "plot_fixture.h"

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "check.h"
#include "report/plot.h"
#include "report/report_md.h"

static json_t *manifest(void)
{
    return json_pack(
        "{s:s, s:i, s:[s,s], s:[s], s:[{s:s, s:s, s:s, s:s, s:{s:s, s:s}}],"
        " s:[{s:s, s:s}]}",
        "schema", "rankbench.charts", "schema_version", 1,
        "formats", "svg", "png", "datasets", "sample",
        "charts", "name", "quality", "title", "Retrieval quality on sample",
        "script", "quality.gp", "data", "quality.dat", "files", "svg",
        "quality.svg", "png", "quality.png",
        "skipped", "name", "per_query", "reason",
        "a per-query comparison needs two retrievers");
}

static char *render(json_t *results, json_t *m, const char *href)
{
    rb_buf page = RB_BUF_INIT;
    rb_error err = {0};

    if (rb_report_render(results, m, href, &page, &err) < 0) {
        fprintf(stderr, "  render: %s\n", err.msg);
        rb_buf_release(&page);
        return NULL;
    }
    return rb_buf_detach(&page);
}

static void test_table_marks_the_best(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    char *page = render(r, NULL, "plots/");

    CHECK(page != NULL);
    if (page) {
        CHECK(strstr(page, "# Retrieval results: sample (test split)\n"));
        CHECK(strstr(page, "Means over 20 evaluated queries"));
        CHECK(strstr(page, "| retriever | nDCG@10 | P@10 | Recall@100 | "
                     "MRR | index (s) | search (s) | queries/s |\n"
                     "|:---|---:|---:|---:|---:|---:|---:|---:|\n"));
        CHECK(strstr(page, "| bm25 | **0.7000** | **0.1000** | **0.4900** |"
                     " **0.7700** | 0.0100 | 0.0020 | 10000 |\n"));
        CHECK(strstr(page, "| ilike | 0.5500 | 0.0786 | 0.3850 | 0.6050 | "
                     "0.0400 | 0.0080 | 2500 |\n"));
    }
    rb_free(page);
    json_decref(r);
}

static void test_missing_values_show_a_dash(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    char *page;

    json_object_del(json_object_get(fixture_entry(r, 1), "metrics"),
                    "P_10");
    json_object_del(fixture_entry(r, 1), "timings");
    page = render(r, NULL, "");
    CHECK(page && strstr(page, "| bm25-robertson | 0.6500 | \xe2\x80\x93 | "
                         "0.4550 | 0.7150 | \xe2\x80\x93 | \xe2\x80\x93 | "
                         "\xe2\x80\x93 |\n"));
    rb_free(page);
    json_decref(r);
}

static void test_charts_embedded_and_gaps_explained(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s), *m = manifest();
    char *page = render(r, m, "plots/");

    CHECK(page != NULL);
    if (page) {
        CHECK(strstr(page, "## Charts\n\n### Quality\n\n"));
        CHECK(strstr(page, "![Retrieval quality on sample]"
                     "(plots/quality.png)\n\n[SVG](plots/quality.svg) "
                     "\xc2\xb7 [data](plots/quality.dat) \xc2\xb7 "
                     "[gnuplot script](plots/quality.gp)\n"));
        CHECK(strstr(page, "_No per-query chart: a per-query comparison "
                     "needs two retrievers._"));
    }
    rb_free(page);
    json_object_del(json_object_get(json_array_get(json_object_get(m,
                    "charts"), 0), "files"), "png");
    page = render(r, m, "");
    CHECK(page && strstr(page, "![Retrieval quality on sample]"
                         "(quality.svg)"));
    rb_free(page);
    json_decref(m);
    json_decref(r);
}

static void test_no_manifest_says_how_to_draw(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    char *page = render(r, NULL, "plots/");

    CHECK(page && strstr(page, "No charts yet: draw them with `rankbench "
                         "plot results.json`"));
    rb_free(page);
    json_decref(r);
}

static void test_configuration_and_fingerprint(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    char *page = render(r, NULL, "");

    CHECK(page != NULL);
    if (page) {
        CHECK(strstr(page, "```json\n{\n  \"k\": 1000\n}\n```"));
        CHECK(strstr(page, "| bm25 | `{\"k1\":0.9,\"b\":0.4}` |\n"));
        CHECK(strstr(page, "| fingerprint (SHA-256) | `5b0c4d3e2f1a5b0c4d3e"
                     "2f1a5b0c4d3e2f1a5b0c4d3e2f1a5b0c4d3e2f1a5b0c` |\n"));
        CHECK(strstr(page, "| evaluated queries | 20 |\n"));
        CHECK(strstr(page, "| commit | `0123456789ab` |\n"));
    }
    rb_free(page);
    json_decref(r);
}

static void test_names_escaped(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    char *page;

    json_object_set_new(fixture_entry(r, 0), "name",
                        json_string("a|b*c_d <e>"));
    json_object_set_new(json_object_get(fixture_entry(r, 0), "config"),
                        "sep", json_string("x|y"));
    page = render(r, NULL, "");
    CHECK(page && strstr(page, "| a\\|b\\*c\\_d \\<e\\> | **0.7000** |"));
    CHECK(page && strstr(page, "\"sep\":\"x\\|y\"}` |"));
    rb_free(page);
    json_decref(r);
}

static void test_bad_results_refused(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_buf page = RB_BUF_INIT;
    rb_error err = {0};

    json_object_set_new(r, "schema_version", json_integer(3));
    CHECK_EQ_INT(rb_report_render(r, NULL, "", &page, &err), -1);
    CHECK(strstr(err.msg, "schema_version 3 is newer"));
    rb_buf_release(&page);
    json_decref(r);
}

static void test_page_written_beside_results(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o;
    const char *dir = fixture_dir("page");
    char charts[600];
    rb_error err = {0};
    char *page;

    rb_plot_options_init(&o);
    o.scripts_only = 1;
    snprintf(charts, sizeof charts, "%s/plots", dir);
    CHECK_EQ_INT(rb_plot_results_with(r, charts, &o, &err), 0);
    CHECK_EQ_INT(rb_report_write(r, dir, &err), 0);
    page = fixture_read(dir, "report.md", NULL);
    /* Scripts only: no picture to embed, but the data and script. */
    CHECK(page && strstr(page, "### Recall at k\n"));
    CHECK(page && strstr(page, "[data](plots/recall.dat)"));
    CHECK(page && !strstr(page, "!["));
    free(page);
    json_decref(r);
}

static void test_broken_manifest_refused(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    const char *dir = fixture_dir("broken");
    char path[600];
    FILE *f;
    rb_error err = {0};

    snprintf(path, sizeof path, "%s/charts.json", dir);
    f = fopen(path, "w");
    fputs("{\"schema\": \"something\"}", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/report.md", dir);
    CHECK_EQ_INT(rb_report_write_file(r, path, dir, "", &err), -1);
    CHECK(strstr(err.msg, "charts.json: not a rankbench chart list"));
    CHECK(!fixture_exists(dir, "report.md"));
    json_decref(r);
}

static void test_overview_across_datasets(void)
{
    fixture_spec s = fixture_default();
    json_t *r[2];
    const char *pages[2] = {"scifact/report.md", NULL};
    const char *dir = fixture_dir("overview");
    char path[600];
    rb_error err = {0};
    char *page;

    r[0] = fixture_results(&s);
    r[1] = fixture_results(&s);
    json_object_set_new(json_object_get(r[0], "dataset"), "name",
                        json_string("scifact"));
    json_object_set_new(json_object_get(r[1], "dataset"), "name",
                        json_string("nfcorpus"));
    json_object_set_new(json_object_get(fixture_entry(r[1], 2), "metrics"),
                        "ndcg_cut_10", json_real(0.95));
    json_array_remove(json_object_get(r[1], "retrievers"), 3);
    snprintf(path, sizeof path, "%s/report.md", dir);
    CHECK_EQ_INT(rb_report_write_datasets((const json_t *const *)r, pages,
                                          2, path, NULL, NULL, &err), 0);
    page = fixture_read(dir, "report.md", NULL);
    CHECK(page != NULL);
    if (page) {
        CHECK(strstr(page, "# Retrieval results across 2 datasets\n"));
        CHECK(strstr(page, "| retriever | scifact | nfcorpus |\n"));
        CHECK(strstr(page, "| bm25 | **0.7000** | 0.7000 |\n"));
        CHECK(strstr(page, "| hybrid | 0.6000 | **0.9500** |\n"));
        CHECK(strstr(page, "| ilike | 0.5500 | \xe2\x80\x93 |\n"));
        CHECK(strstr(page, "| [scifact](scifact/report.md) | test |"));
        CHECK(strstr(page, "| nfcorpus | test |"));
    }
    free(page);
    json_decref(r[0]);
    json_decref(r[1]);
}

static void test_allocation_failures_end_cleanly(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s), *m = manifest();
    long n;
    int ok = 0;

    for (n = 1; n < 5000 && !ok; n++) {
        rb_buf page = RB_BUF_INIT;
        rb_error err = {0};
        int rc;

        rb_mem_fail_after(n);
        rc = rb_report_render(r, m, "plots/", &page, &err);
        rb_mem_fail_after(0);
        rb_buf_release(&page);
        if (rc == 0)
            ok = 1;
        else
            CHECK(strstr(err.msg, "out of memory"));
    }
    CHECK(ok);
    json_decref(m);
    json_decref(r);
}

int main(void)
{
    rb_log_set_level(RB_LOG_WARN);
    RUN_TEST(test_table_marks_the_best);
    RUN_TEST(test_missing_values_show_a_dash);
    RUN_TEST(test_charts_embedded_and_gaps_explained);
    RUN_TEST(test_no_manifest_says_how_to_draw);
    RUN_TEST(test_configuration_and_fingerprint);
    RUN_TEST(test_names_escaped);
    RUN_TEST(test_bad_results_refused);
    RUN_TEST(test_page_written_beside_results);
    RUN_TEST(test_broken_manifest_refused);
    RUN_TEST(test_overview_across_datasets);
    RUN_TEST(test_allocation_failures_end_cleanly);
    return check_report();
}
