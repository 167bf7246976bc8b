/*
 * Charts without drawing: the checks on results, the data and scripts
 * written for each chart, the charts left out and why, and the gnuplot
 * runner against stand-in programs that hang, fail or are too old. The
 * real gnuplot is exercised in test_plot_gnuplot.c and e2e_plot.sh.
 */

#include "plot_fixture.h"

#include <math.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "check.h"
#include "report/gnuplot.h"
#include "report/plot.h"

static rb_plot_options scripts_only(void)
{
    rb_plot_options o;

    rb_plot_options_init(&o);
    o.scripts_only = 1;
    return o;
}

static int check_message(json_t *results, const char *expect)
{
    rb_error err = {0};
    int rc = rb_plot_check_results(results, &err);

    if (rc == 0 || !strstr(err.msg, expect)) {
        fprintf(stderr, "  message: \"%s\", expected \"%s\"\n", err.msg,
                expect);
        return 0;
    }
    return 1;
}

/* ---- checking results ---- */

static void test_check_accepts_fixture(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_error err = {0};

    CHECK_EQ_INT(rb_plot_check_results(r, &err), 0);
    json_decref(r);
}

static void test_check_rejects_other_schema(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);

    json_object_set_new(r, "schema", json_string("trec_eval"));
    CHECK(check_message(r, "not a rankbench results file: schema is "
                        "\"trec_eval\""));
    json_object_del(r, "schema");
    CHECK(check_message(r, "\"schema\" is missing"));
    json_decref(r);
}

static void test_check_rejects_other_versions(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);

    json_object_set_new(r, "schema_version", json_integer(2));
    CHECK(check_message(r, "schema_version 2 is newer than this rankbench "
                        "reads (1)"));
    json_object_set_new(r, "schema_version", json_integer(0));
    CHECK(check_message(r, "schema_version 0 is not supported"));
    json_object_set_new(r, "schema_version", json_string("1"));
    CHECK(check_message(r, "\"schema_version\" is missing or not an "
                        "integer"));
    json_decref(r);
}

static void test_check_rejects_metric_out_of_range(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    json_t *metrics = json_object_get(fixture_entry(r, 2), "metrics");

    json_object_set_new(metrics, "ndcg_cut_10", json_real(1.5));
    CHECK(check_message(r, "retrievers[2].metrics.ndcg_cut_10 is 1.5, "
                        "outside 0..1"));
    json_object_set_new(metrics, "ndcg_cut_10", json_string("high"));
    CHECK(check_message(r, "retrievers[2].metrics.ndcg_cut_10 is not a "
                        "number"));
    json_object_set_new(metrics, "ndcg_cut_10", json_real(0.5));
    json_object_set_new(metrics, "recall_7", json_real(-0.1));
    CHECK(check_message(r, "retrievers[2].metrics.recall_7 is -0.1"));
    json_decref(r);
}

static void test_check_rejects_bad_per_query_and_timings(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    json_t *e = fixture_entry(r, 1);

    json_object_set_new(json_object_get(json_object_get(e, "per_query"),
                                        "q3"), "ndcg_cut_10",
                        json_real(2.0));
    CHECK(check_message(r, "retrievers[1].per_query[\"q3\"].ndcg_cut_10 is "
                        "2"));
    json_decref(r);
    r = fixture_results(&s);
    json_object_set_new(json_object_get(fixture_entry(r, 0), "timings"),
                        "queries_per_s", json_real(-3));
    CHECK(check_message(r, "retrievers[0].timings.queries_per_s is -3"));
    json_decref(r);
}

static void test_check_rejects_names(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);

    json_object_set_new(fixture_entry(r, 2), "name", json_string("bm25"));
    CHECK(check_message(r, "retrievers[2]: the name \"bm25\" is used "
                        "twice"));
    json_object_del(fixture_entry(r, 2), "name");
    CHECK(check_message(r, "retrievers[2].name is missing or empty"));
    json_array_clear(json_object_get(r, "retrievers"));
    CHECK(check_message(r, "the results hold no retrievers"));
    json_decref(r);
}

static void test_check_rejects_missing_dataset(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);

    json_object_del(json_object_get(r, "dataset"), "name");
    CHECK(check_message(r, "dataset.name is missing or empty"));
    json_object_del(r, "dataset");
    CHECK(check_message(r, "\"dataset\" is missing"));
    json_decref(r);
}

/* ---- chart data ---- */

/* The numbers of data line `row` (1-based, comments skipped), column
 * col (1-based). NAN when absent. */
static double data_value(const char *data, size_t row, size_t col)
{
    const char *line = data;
    size_t seen = 0;

    while (line && *line) {
        const char *end = strchr(line, '\n');

        if (*line != '#' && *line != '\n' && ++seen == row) {
            const char *p = line;
            size_t c;

            for (c = 1; c < col && p; c++) {
                p = strchr(p, '\t');
                p = p ? p + 1 : NULL;
            }
            if (!p || (end && p > end))
                return NAN;
            return strncmp(p, "NaN", 3) == 0 ? NAN : strtod(p, NULL);
        }
        line = end ? end + 1 : NULL;
    }
    return NAN;
}

static void test_quality_rows_sorted_by_ndcg(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = scripts_only();
    const char *dir = fixture_dir("quality");
    rb_error err = {0};
    char *dat, *gp;

    /* Put the best retriever last in the results. */
    json_object_set_new(json_object_get(fixture_entry(r, 3), "metrics"),
                        "ndcg_cut_10", json_real(0.9));
    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), 0);
    dat = fixture_read(dir, "quality.dat", NULL);
    gp = fixture_read(dir, "quality.gp", NULL);
    CHECK(dat && gp);
    if (dat && gp) {
        CHECK(strstr(dat, "# row\tndcg_cut_10\tP_10\trecall_100\t"
                     "retriever\n"));
        CHECK_NEAR(data_value(dat, 1, 2), 0.9, 1e-12);
        CHECK_NEAR(data_value(dat, 2, 2), 0.70, 1e-12);
        CHECK_NEAR(data_value(dat, 4, 2), 0.60, 1e-12);
        CHECK_NEAR(data_value(dat, 2, 3), 0.10, 1e-12);
        CHECK(strstr(dat, "\n1\t0.90000000000000002\t"));
        CHECK(strstr(gp, "array rb_names[4] = ['ilike', \\\n    'bm25', "
                     "\\\n    'bm25-robertson', \\\n    'hybrid']"));
        CHECK(strstr(gp, "'ilike leads by +28.6%'"));
        CHECK(strstr(gp, "rb_title = 'Retrieval quality on sample'"));
        CHECK(strstr(gp, "'test split \xc2\xb7 20 queries"));
        CHECK(strstr(gp, "# ---- plots/common.gp ----"));
        CHECK(strstr(gp, "# ---- plots/bars.gp ----"));
    }
    free(dat);
    free(gp);
    json_decref(r);
}

static void test_recall_margin_in_points(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = scripts_only();
    const char *dir = fixture_dir("points");
    rb_error err = {0};
    char *gp;

    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), 0);
    gp = fixture_read(dir, "quality.gp", NULL);
    /* recall_100 is the fifth cutoff: 0.70 * 0.7 vs 0.65 * 0.7. */
    CHECK(gp && strstr(gp, "'bm25 leads by +3.5 pp'"));
    CHECK(gp && strstr(gp, "'bm25 leads by +7.7%'"));
    free(gp);
    json_decref(r);
}

static void test_per_query_changes_sorted(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = scripts_only();
    const char *dir = fixture_dir("per_query");
    rb_error err = {0};
    double prev = INFINITY;
    size_t row, gains = 0;
    char *dat, *gp, text[64];

    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), 0);
    dat = fixture_read(dir, "per_query.dat", NULL);
    gp = fixture_read(dir, "per_query.gp", NULL);
    CHECK(dat && gp);
    if (!dat || !gp)
        goto done;
    /* Leader bm25 (0) against the runner-up bm25-robertson (1). */
    CHECK(strstr(dat, "# rank\tchange\tquery (bm25 - bm25-robertson)\n"));
    for (row = 1; row <= s.queries; row++) {
        double d = data_value(dat, row, 2);

        CHECK(d <= prev);
        prev = d;
        gains += d > 0;
    }
    CHECK(isnan(data_value(dat, s.queries + 1, 2)));
    /* Every change is the difference of the two per-query values. */
    for (row = 0; row < s.queries; row++) {
        double want = fixture_query_value(0, row) -
                      fixture_query_value(1, row);
        char needle[64];
        const char *at, *line;

        snprintf(needle, sizeof needle, "\t\"q%zu\"\n", row + 1);
        at = strstr(dat, needle);
        CHECK(at != NULL);
        if (!at)
            continue;
        for (line = at; line > dat && line[-1] != '\n'; line--)
            ;
        CHECK_NEAR(strtod(strchr(line, '\t') + 1, NULL), want, 1e-12);
    }
    snprintf(text, sizeof text, "'bm25 better on %zu quer", gains);
    CHECK(strstr(gp, text));
    CHECK(strstr(gp, "rb_title = 'Per-query nDCG@10: bm25 vs "
                 "bm25-robertson'"));
done:
    free(dat);
    free(gp);
    json_decref(r);
}

static void test_per_query_pair_named(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = scripts_only();
    const char *dir = fixture_dir("pair");
    rb_error err = {0};
    char *dat;
    double best = -INFINITY;
    size_t q;

    o.pair_base = "ilike";
    o.pair_other = "hybrid";
    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), 0);
    dat = fixture_read(dir, "per_query.dat", NULL);
    CHECK(dat && strstr(dat, "(hybrid - ilike)"));
    for (q = 0; q < s.queries; q++)
        best = fmax(best, fixture_query_value(2, q) -
                          fixture_query_value(3, q));
    CHECK(dat && fabs(data_value(dat, 1, 2) - best) < 1e-12);
    free(dat);

    o.pair_other = "nope";
    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), -1);
    CHECK(strstr(err.msg, "no retriever \"nope\" in the results of "
                 "sample"));
    rb_error_clear(&err);
    o.pair_other = "ilike";
    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), -1);
    CHECK(strstr(err.msg, "two different retrievers"));
    json_decref(r);
}

static void test_recall_has_every_cutoff(void)
{
    static const long cutoffs[] = {1000, 5, 10};
    fixture_spec s = fixture_default();
    json_t *r;
    rb_plot_options o = scripts_only();
    const char *dir = fixture_dir("recall");
    rb_error err = {0};
    char *dat, *gp;

    s.cutoffs = cutoffs;
    s.ncutoffs = 3;
    r = fixture_results(&s);
    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), 0);
    dat = fixture_read(dir, "recall.dat", NULL);
    gp = fixture_read(dir, "recall.gp", NULL);
    CHECK(dat && gp);
    if (dat && gp) {
        CHECK(strstr(dat, "# bm25\n# k\trecall\n5\t"));
        CHECK_NEAR(data_value(dat, 1, 1), 5, 0);
        CHECK_NEAR(data_value(dat, 2, 1), 10, 0);
        CHECK_NEAR(data_value(dat, 3, 1), 1000, 0);
        CHECK_NEAR(data_value(dat, 1, 2), 0.70 * 0.4, 1e-12);
        CHECK_NEAR(data_value(dat, 3, 2), 0.70 * 0.3, 1e-12);
        CHECK(strstr(gp, "rb_note = 'only 3 cutoffs in the results "
                     "(k = 5, 10, 1000); lines join those points'"));
        CHECK(strstr(gp, "rb_xtics = '\"5\" 5, \"10\" 10, \"1000\" "
                     "1000'"));
    }
    free(dat);
    free(gp);
    json_decref(r);
}

static void test_speed_without_index_step(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = scripts_only();
    const char *dir = fixture_dir("speed");
    rb_error err = {0};
    json_t *t = json_object_get(fixture_entry(r, 3), "timings");
    char *dat, *gp;

    json_object_set_new(t, "index_s", json_real(0.0));
    json_object_set_new(t, "docs_per_s", json_real(0.0));
    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), 0);
    dat = fixture_read(dir, "speed.dat", NULL);
    gp = fixture_read(dir, "speed.gp", NULL);
    CHECK(dat && strstr(dat, "\tNaN\t"));
    CHECK(dat && strstr(dat, "\"ilike\"\n"));
    CHECK(gp && strstr(gp, "'no index'"));
    /* 32.4k docs/s for bm25 (0.01 s for 324 documents). */
    CHECK(gp && strstr(gp, "'32.4k'"));
    CHECK(gp && strstr(gp, "'bm25 leads by 2"));
    free(dat);
    free(gp);
    json_decref(r);
}

/* ---- charts left out ---- */

static json_t *manifest_of(const char *dir)
{
    char path[1024];

    snprintf(path, sizeof path, "%s/charts.json", dir);
    return json_load_file(path, 0, NULL);
}

static const char *skip_reason(json_t *manifest, const char *chart)
{
    json_t *item;
    size_t i;

    json_array_foreach(json_object_get(manifest, "skipped"), i, item)
        if (strcmp(json_string_value(json_object_get(item, "name")),
                   chart) == 0)
            return json_string_value(json_object_get(item, "reason"));
    return NULL;
}

static void test_one_retriever_has_no_per_query_chart(void)
{
    fixture_spec s = fixture_default();
    json_t *r, *m;
    rb_plot_options o = scripts_only();
    const char *dir = fixture_dir("one");
    rb_error err = {0};

    s.retrievers = 1;
    r = fixture_results(&s);
    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), 0);
    m = manifest_of(dir);
    CHECK(m != NULL);
    CHECK_STR(skip_reason(m, "per_query"), "a per-query comparison needs "
              "two retrievers; the results have one (bm25)");
    CHECK_EQ_INT(json_array_size(json_object_get(m, "charts")), 3);
    CHECK(!fixture_exists(dir, "per_query.gp"));
    CHECK(fixture_exists(dir, "quality.gp"));
    json_decref(m);
    json_decref(r);
}

static void test_missing_measures_leave_charts_out(void)
{
    fixture_spec s = fixture_default();
    json_t *r, *m, *e;
    rb_plot_options o = scripts_only();
    const char *dir = fixture_dir("missing");
    rb_error err = {0};
    char *dat;
    size_t i;

    s.ncutoffs = 0;
    s.per_query = 0;
    s.timings = 0;
    r = fixture_results(&s);
    json_array_foreach(json_object_get(r, "retrievers"), i, e)
        json_object_del(json_object_get(e, "metrics"), "P_10");
    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), 0);
    m = manifest_of(dir);
    CHECK_STR(skip_reason(m, "recall"), "the results have no recall at "
              "any cutoff (recall_K measures)");
    CHECK_STR(skip_reason(m, "speed"), "the results have no timings "
              "(timings.docs_per_s, timings.queries_per_s)");
    CHECK_STR(skip_reason(m, "per_query"), "neither bm25 nor "
              "bm25-robertson has per-query nDCG@10 "
              "(per_query.QID.ndcg_cut_10)");
    dat = fixture_read(dir, "quality.dat", NULL);
    CHECK(dat && strstr(dat, "# row\tndcg_cut_10\tretriever\n"));
    free(dat);
    json_decref(m);
    json_decref(r);
}

static void test_nothing_to_chart_writes_nothing(void)
{
    fixture_spec s = fixture_default();
    json_t *r, *e;
    rb_plot_options o = scripts_only();
    const char *dir = fixture_dir("nothing");
    char out[600];
    rb_error err = {0};
    size_t i;

    s.ncutoffs = 0;
    s.per_query = 0;
    s.timings = 0;
    r = fixture_results(&s);
    json_array_foreach(json_object_get(r, "retrievers"), i, e)
        json_object_set_new(e, "metrics", json_pack("{s:i}", "num_q", 20));
    snprintf(out, sizeof out, "%s/charts", dir);
    CHECK_EQ_INT(rb_plot_results_with(r, out, &o, &err), -1);
    CHECK(strstr(err.msg, "nothing to chart in the results of \"sample\""));
    CHECK(!fixture_exists(dir, "charts"));
    json_decref(r);
}

static void test_stale_chart_files_removed(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = scripts_only();
    const char *dir = fixture_dir("stale");
    rb_error err = {0};

    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), 0);
    CHECK(fixture_exists(dir, "per_query.gp"));
    json_array_remove(json_object_get(r, "retrievers"), 1);
    json_array_remove(json_object_get(r, "retrievers"), 1);
    json_array_remove(json_object_get(r, "retrievers"), 1);
    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), 0);
    CHECK(!fixture_exists(dir, "per_query.gp"));
    CHECK(!fixture_exists(dir, "per_query.dat"));
    json_decref(r);
}

static void test_scripts_are_reproducible(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = scripts_only();
    static const char *const files[] = {
        "quality.gp", "quality.dat", "per_query.gp", "per_query.dat",
        "recall.gp", "recall.dat", "speed.gp", "speed.dat", "charts.json"
    };
    char a[600], b[600];
    rb_error err = {0};
    size_t i;

    snprintf(a, sizeof a, "%s", fixture_dir("again-a"));
    snprintf(b, sizeof b, "%s", fixture_dir("again-b"));
    CHECK_EQ_INT(rb_plot_results_with(r, a, &o, &err), 0);
    CHECK_EQ_INT(rb_plot_results_with(r, b, &o, &err), 0);
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t na, nb;
        char *x = fixture_read(a, files[i], &na);
        char *y = fixture_read(b, files[i], &nb);

        CHECK(x && y && na == nb && memcmp(x, y, na) == 0);
        free(x);
        free(y);
    }
    json_decref(r);
}

static void test_names_stay_literal_in_scripts(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = scripts_only();
    const char *dir = fixture_dir("literal");
    rb_error err = {0};
    char *gp;

    json_object_set_new(fixture_entry(r, 0), "name",
                        json_string("it's `touch pwned` \"x\"\n@y"));
    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), 0);
    gp = fixture_read(dir, "quality.gp", NULL);
    /* Single quotes (no expansion), doubled inner quote, no newline. */
    CHECK(gp && strstr(gp, "'it''s `touch pwned` \"x\" @y'"));
    free(gp);
    json_decref(r);
}

static void test_unknown_format_is_an_error(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = scripts_only();
    rb_error err = {0};

    o.formats = "svg,pdf";
    CHECK_EQ_INT(rb_plot_results_with(r, fixture_dir("fmt"), &o, &err), -1);
    CHECK(strstr(err.msg, "unknown chart format \"pdf\" (known: svg, "
                 "png)"));
    json_decref(r);
}

static void test_missing_templates_say_where(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = scripts_only();
    rb_error err = {0};

    o.template_dir = "/nonexistent/plots";
    CHECK_EQ_INT(rb_plot_results_with(r, fixture_dir("tpl"), &o, &err), -1);
    CHECK(strstr(err.msg, "/nonexistent/plots/common.gp"));
    CHECK(strstr(err.msg, "RANKBENCH_PLOTS_DIR"));
    json_decref(r);
}

static void test_allocation_failures_end_cleanly(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = scripts_only();
    const char *dir = fixture_dir("oom");
    long n;
    int ok = 0;

    for (n = 1; n < 20000 && !ok; n++) {
        rb_error err = {0};
        int rc;

        rb_mem_fail_after(n);
        rc = rb_plot_results_with(r, dir, &o, &err);
        rb_mem_fail_after(0);
        if (rc == 0) {
            ok = 1;
        } else if (!strstr(err.msg, "out of memory")) {
            fprintf(stderr, "  allocation %ld: \"%s\"\n", n, err.msg);
            CHECK(strstr(err.msg, "out of memory"));
            break;
        }
    }
    CHECK(ok);
    json_decref(r);
}

/* ---- the gnuplot runner, against stand-in programs ---- */

/* Write an executable shell script dir/name with body. Returns its path
 * (static storage). */
static const char *fixture_script(const char *dir, const char *name,
                                  const char *body)
{
    static char path[1024];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    if (!f)
        return NULL;
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(path, 0755);
    return path;
}

static void test_missing_gnuplot_names_the_package(void)
{
    rb_gnuplot gp;
    rb_error err = {0};

    CHECK_EQ_INT(rb_gnuplot_open(&gp, "/nonexistent/gnuplot", 0, &err), -1);
    CHECK(strstr(err.msg, "\"/nonexistent/gnuplot\" is not an executable "
                 "file"));
    CHECK(strstr(err.msg, "install the Debian package gnuplot-nox"));
    rb_error_clear(&err);
    CHECK_EQ_INT(rb_gnuplot_open(&gp, "no-such-gnuplot-here", 0, &err), -1);
    CHECK(strstr(err.msg, "\"no-such-gnuplot-here\" is not on PATH"));
}

static void test_missing_gnuplot_stops_before_writing(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o;
    const char *dir = fixture_dir("nognuplot");
    char out[600];
    rb_error err = {0};

    rb_plot_options_init(&o);
    o.gnuplot = "/nonexistent/gnuplot";
    snprintf(out, sizeof out, "%s/charts", dir);
    CHECK_EQ_INT(rb_plot_results_with(r, out, &o, &err), -1);
    CHECK(strstr(err.msg, "gnuplot-nox"));
    CHECK(!fixture_exists(dir, "charts"));
    json_decref(r);
}

#define FAKE_VERSION \
    "if [ \"$1\" = --version ]; then echo 'gnuplot 5.4 patchlevel 4'; " \
    "exit 0; fi\n"

static void test_gnuplot_version_checked(void)
{
    const char *dir = fixture_dir("old");
    rb_gnuplot gp;
    rb_error err = {0};

    CHECK_EQ_INT(rb_gnuplot_open(&gp, fixture_script(dir, "old",
        "echo 'gnuplot 4.6 patchlevel 6'"), 0, &err), -1);
    CHECK(strstr(err.msg, "gnuplot 4.6 is too old: charts need 5.2 or "
                 "newer"));
    rb_error_clear(&err);
    CHECK_EQ_INT(rb_gnuplot_open(&gp, fixture_script(dir, "other",
        "echo 'hello'"), 0, &err), -1);
    CHECK(strstr(err.msg, "does not look like gnuplot"));
    rb_error_clear(&err);
    CHECK_EQ_INT(rb_gnuplot_open(&gp, fixture_script(dir, "ok",
        FAKE_VERSION), 0, &err), 0);
    CHECK_EQ_INT(gp.major, 5);
    CHECK_EQ_INT(gp.minor, 4);
    rb_gnuplot_release(&gp);
}

static void test_gnuplot_failure_quotes_its_message(void)
{
    const char *dir = fixture_dir("fail");
    const char *args[] = {"x.gp", NULL};
    rb_gnuplot gp;
    rb_error err = {0};
    char *messages = NULL;

    CHECK_EQ_INT(rb_gnuplot_open(&gp, fixture_script(dir, "gp",
        FAKE_VERSION "echo '         plot foo' >&2\n"
        "echo '              ^' >&2\n"
        "echo '\"x.gp\" line 3: undefined variable: foo' >&2\n"
        "echo '' >&2\nexit 1"), 0, &err), 0);
    CHECK_EQ_INT(rb_gnuplot_exec(&gp, dir, args, &messages, &err), -1);
    CHECK_STR(err.msg, "gnuplot failed (exit status 1): \"x.gp\" line 3: "
              "undefined variable: foo");
    CHECK(messages && strstr(messages, "plot foo"));
    rb_free(messages);
    rb_gnuplot_release(&gp);
}

static void test_gnuplot_runs_in_folder_with_arguments(void)
{
    const char *dir = fixture_dir("args");
    const char *args[] = {"-e", "a='b c'", "s.gp", NULL};
    rb_gnuplot gp;
    rb_error err = {0};
    char *messages = NULL, *seen;

    CHECK_EQ_INT(rb_gnuplot_open(&gp, fixture_script(dir, "gp",
        FAKE_VERSION "pwd > seen; for a in \"$@\"; do echo \"[$a]\" >> "
        "seen; done; echo note >&2"), 0, &err), 0);
    CHECK_EQ_INT(rb_gnuplot_exec(&gp, dir, args, &messages, &err), 0);
    CHECK_STR(messages, "note\n");
    seen = fixture_read(dir, "seen", NULL);
    CHECK(seen && strstr(seen, "\n[-e]\n[a='b c']\n[s.gp]\n"));
    CHECK(seen && strncmp(seen, fixture_tmp, strlen(fixture_tmp)) == 0);
    free(seen);
    rb_free(messages);
    rb_gnuplot_release(&gp);
}

static void test_gnuplot_stopped_at_time_limit(void)
{
    const char *dir = fixture_dir("hang");
    const char *args[] = {"x.gp", NULL};
    rb_gnuplot gp;
    rb_error err = {0};
    struct timespec t0, t1;
    double took;

    CHECK_EQ_INT(rb_gnuplot_open(&gp, fixture_script(dir, "gp",
        FAKE_VERSION "sleep 30 & wait"), 0.3, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(rb_gnuplot_exec(&gp, dir, args, NULL, &err), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    took = (double)(t1.tv_sec - t0.tv_sec) +
           (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    CHECK(strstr(err.msg, "gnuplot did not finish within 0.3 s and was "
                 "stopped"));
    CHECK(took >= 0.29 && took < 5.0);
    rb_gnuplot_release(&gp);
}

static void test_gnuplot_killed_by_signal(void)
{
    const char *dir = fixture_dir("signal");
    const char *args[] = {"x.gp", NULL};
    rb_gnuplot gp;
    rb_error err = {0};

    CHECK_EQ_INT(rb_gnuplot_open(&gp, fixture_script(dir, "gp",
        FAKE_VERSION "kill -9 $$"), 0, &err), 0);
    CHECK_EQ_INT(rb_gnuplot_exec(&gp, dir, args, NULL, &err), -1);
    CHECK(strstr(err.msg, "gnuplot was killed by signal 9"));
    rb_gnuplot_release(&gp);
}

int main(void)
{
    rb_log_set_level(RB_LOG_WARN);
    RUN_TEST(test_check_accepts_fixture);
    RUN_TEST(test_check_rejects_other_schema);
    RUN_TEST(test_check_rejects_other_versions);
    RUN_TEST(test_check_rejects_metric_out_of_range);
    RUN_TEST(test_check_rejects_bad_per_query_and_timings);
    RUN_TEST(test_check_rejects_names);
    RUN_TEST(test_check_rejects_missing_dataset);
    RUN_TEST(test_quality_rows_sorted_by_ndcg);
    RUN_TEST(test_recall_margin_in_points);
    RUN_TEST(test_per_query_changes_sorted);
    RUN_TEST(test_per_query_pair_named);
    RUN_TEST(test_recall_has_every_cutoff);
    RUN_TEST(test_speed_without_index_step);
    RUN_TEST(test_one_retriever_has_no_per_query_chart);
    RUN_TEST(test_missing_measures_leave_charts_out);
    RUN_TEST(test_nothing_to_chart_writes_nothing);
    RUN_TEST(test_stale_chart_files_removed);
    RUN_TEST(test_scripts_are_reproducible);
    RUN_TEST(test_names_stay_literal_in_scripts);
    RUN_TEST(test_unknown_format_is_an_error);
    RUN_TEST(test_missing_templates_say_where);
    RUN_TEST(test_allocation_failures_end_cleanly);
    RUN_TEST(test_missing_gnuplot_names_the_package);
    RUN_TEST(test_missing_gnuplot_stops_before_writing);
    RUN_TEST(test_gnuplot_version_checked);
    RUN_TEST(test_gnuplot_failure_quotes_its_message);
    RUN_TEST(test_gnuplot_runs_in_folder_with_arguments);
    RUN_TEST(test_gnuplot_stopped_at_time_limit);
    RUN_TEST(test_gnuplot_killed_by_signal);
    return check_report();
}
