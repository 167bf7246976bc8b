/*
 * Charts drawn by the real gnuplot: every file is produced, non-empty,
 * a PNG of 1200x800 with intact chunks or an SVG of that size, gnuplot
 * prints no warning, and no temporary file is left. Skipped when gnuplot
 * is not installed.
 */

#include "plot_fixture.h"

#include <dirent.h>
#include <stdint.h>
#include <zlib.h>

#include "base/log.h"
#include "check.h"
#include "report/gnuplot.h"
#include "report/plot.h"

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

/* 1 when data is a whole PNG of w x h pixels: signature, IHDR first,
 * every chunk's CRC right, IDAT present, IEND last. */
static int valid_png(const unsigned char *data, size_t len, uint32_t w,
                     uint32_t h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n',
                                         0x1a, '\n'};
    size_t pos = 8;
    int idat = 0, first = 1;

    if (len < 8 || memcmp(data, sig, 8) != 0)
        return 0;
    while (pos + 12 <= len) {
        uint32_t n = be32(data + pos);
        const unsigned char *type = data + pos + 4;

        if (n > len - pos - 12)
            return 0;
        if (crc32(0, type, n + 4) != be32(data + pos + 8 + n))
            return 0;
        if (first && (memcmp(type, "IHDR", 4) != 0 || n < 8 ||
                      be32(type + 4) != w || be32(type + 8) != h))
            return 0;
        first = 0;
        idat |= memcmp(type, "IDAT", 4) == 0;
        pos += 12 + n;
        if (memcmp(type, "IEND", 4) == 0)
            return idat && pos == len;
    }
    return 0;
}

/* 1 when text is an SVG document of w x h with a closed root. */
static int valid_svg(const char *text)
{
    const char *root = strstr(text, "<svg");
    const char *end = strstr(text, "</svg>");

    return strncmp(text, "<?xml", 5) == 0 && root && end && end > root &&
           strstr(root, "width=\"1200\" height=\"800\"") &&
           strstr(root, "viewBox=\"0 0 1200 800\"") &&
           strspn(end + 6, " \r\n") == strlen(end + 6);
}

static int no_temporary_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int clean = 1;

    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp.")) {
            fprintf(stderr, "  left behind: %s/%s\n", dir, e->d_name);
            clean = 0;
        }
    closedir(d);
    return clean;
}

/* Check NAME.svg and NAME.png in dir. */
static void check_chart(const char *dir, const char *name)
{
    char file[128];
    size_t len;
    char *data;

    snprintf(file, sizeof file, "%s.png", name);
    data = fixture_read(dir, file, &len);
    CHECK(data != NULL);
    if (data && !valid_png((unsigned char *)data, len, 1200, 800)) {
        fprintf(stderr, "  %s/%s is not a whole 1200x800 PNG\n", dir, file);
        CHECK(0);
    }
    free(data);
    snprintf(file, sizeof file, "%s.svg", name);
    data = fixture_read(dir, file, &len);
    CHECK(data != NULL && len > 0);
    if (data && !valid_svg(data)) {
        fprintf(stderr, "  %s/%s is not a whole 1200x800 SVG\n", dir, file);
        CHECK(0);
    }
    free(data);
}

static rb_plot_options strict(void)
{
    rb_plot_options o;

    rb_plot_options_init(&o);
    o.strict = 1;
    return o;
}

static void draw_and_check(const fixture_spec *s, const char *dirname,
                           const char *const *charts, size_t ncharts)
{
    json_t *r = fixture_results(s);
    rb_plot_options o = strict();
    const char *dir = fixture_dir(dirname);
    rb_error err = {0};
    size_t i;

    if (rb_plot_results_with(r, dir, &o, &err) != 0) {
        fprintf(stderr, "  %s: %s\n", dirname, err.msg);
        CHECK(0);
    }
    for (i = 0; i < ncharts; i++)
        check_chart(dir, charts[i]);
    CHECK(no_temporary_files(dir));
    json_decref(r);
}

static const char *const all_charts[] = {
    "quality", "per_query", "recall", "speed"
};

static void test_every_chart_drawn(void)
{
    fixture_spec s = fixture_default();

    draw_and_check(&s, "sample", all_charts, 4);
}

static void test_twelve_long_names_drawn(void)
{
    fixture_spec s = fixture_default();

    s.retrievers = 12;
    s.name_length = 30;
    s.queries = 300;
    draw_and_check(&s, "wide", all_charts, 4);
}

static void test_one_retriever_one_cutoff_drawn(void)
{
    static const long at_100[] = {100};
    static const char *const drawn[] = {"quality", "recall", "speed"};
    fixture_spec s = fixture_default();

    s.retrievers = 1;
    s.cutoffs = at_100;
    s.ncutoffs = 1;
    draw_and_check(&s, "one", drawn, 3);
}

static void test_only_png_when_asked(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = strict();
    const char *dir = fixture_dir("png");
    rb_error err = {0};
    size_t len;
    char *data;

    o.formats = "png";
    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), 0);
    CHECK(!fixture_exists(dir, "quality.svg"));
    data = fixture_read(dir, "quality.png", &len);
    CHECK(data && valid_png((unsigned char *)data, len, 1200, 800));
    free(data);
    json_decref(r);
}

static void test_hostile_names_drawn_literally(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = strict();
    const char *dir = fixture_dir("hostile");
    rb_error err = {0};
    char *svg;

    json_object_set_new(fixture_entry(r, 0), "name",
                        json_string("a`touch pwned`b"));
    json_object_set_new(fixture_entry(r, 1), "name",
                        json_string("it's \"quoted\" @x $1 \\n"));
    json_object_set_new(fixture_entry(r, 2), "name",
                        json_string("a<b & c>"));
    CHECK_EQ_INT(rb_plot_results_with(r, dir, &o, &err), 0);
    CHECK(!fixture_exists(dir, "pwned"));
    svg = fixture_read(dir, "quality.svg", NULL);
    CHECK(svg && strstr(svg, "<text>a`touch pwned`b</text>"));
    CHECK(svg && strstr(svg, "<text>it's \"quoted\" @x $1 \\n</text>"));
    CHECK(svg && strstr(svg, "<text>a&lt;b &amp; c></text>"));
    free(svg);
    json_decref(r);
}

static void test_datasets_chart_drawn(void)
{
    fixture_spec s = fixture_default();
    json_t *r[3];
    const char *names[] = {"scifact", "nfcorpus", "arguana"};
    rb_plot_options o = strict();
    const char *dir = fixture_dir("datasets");
    rb_error err = {0};
    size_t i;

    for (i = 0; i < 3; i++) {
        r[i] = fixture_results(&s);
        json_object_set_new(json_object_get(r[i], "dataset"), "name",
                            json_string(names[i]));
    }
    CHECK_EQ_INT(rb_plot_datasets((const json_t *const *)r, 3, dir, &o,
                                  &err), 0);
    check_chart(dir, "datasets");
    CHECK(no_temporary_files(dir));
    CHECK_EQ_INT(rb_plot_datasets((const json_t *const *)r, 1, dir, &o,
                                  &err), -1);
    CHECK(strstr(err.msg, "needs at least two results files"));
    for (i = 0; i < 3; i++)
        json_decref(r[i]);
}

/* A broken template is our bug, not the user's: the error says which
 * picture and quotes gnuplot's line, and nothing half-drawn is left. */
static void test_broken_template_reported(void)
{
    fixture_spec s = fixture_default();
    json_t *r = fixture_results(&s);
    rb_plot_options o = strict();
    const char *tpl = fixture_dir("broken-templates");
    char tpl_dir[600], cmd[1400], out[600];
    FILE *f;
    rb_error err = {0};

    snprintf(tpl_dir, sizeof tpl_dir, "%s", tpl);
    snprintf(out, sizeof out, "%s", fixture_dir("broken-out"));
    snprintf(cmd, sizeof cmd, "cp %s/plots/*.gp %s/", RB_SOURCE_DIR,
             tpl_dir);
    CHECK_EQ_INT(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/bars.gp", tpl_dir);
    f = fopen(cmd, "a");
    CHECK(f != NULL);
    if (f) {
        fputs("plot no_such_variable\n", f);
        fclose(f);
    }
    o.template_dir = tpl_dir;
    CHECK_EQ_INT(rb_plot_results_with(r, out, &o, &err), -1);
    CHECK(strstr(err.msg, "/quality.svg: gnuplot failed (exit status 1): "));
    CHECK(strstr(err.msg, "undefined variable: no_such_variable"));
    CHECK(!fixture_exists(out, "quality.svg"));
    CHECK(no_temporary_files(out));
    json_decref(r);
}

int main(void)
{
    rb_gnuplot gp;
    rb_error err = {0};

    if (rb_gnuplot_open(&gp, NULL, 0, &err) < 0)
        CHECK_SKIP(err.msg);
    rb_gnuplot_release(&gp);
    rb_log_set_level(RB_LOG_WARN);
    RUN_TEST(test_every_chart_drawn);
    RUN_TEST(test_twelve_long_names_drawn);
    RUN_TEST(test_one_retriever_one_cutoff_drawn);
    RUN_TEST(test_only_png_when_asked);
    RUN_TEST(test_hostile_names_drawn_literally);
    RUN_TEST(test_datasets_chart_drawn);
    RUN_TEST(test_broken_template_reported);
    return check_report();
}
