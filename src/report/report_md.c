/*
 * The Markdown report page of a results file and the overview page of
 * several. Everything the page says comes from the results and the chart
 * folder's charts.json; nothing is measured here.
 */

#include "report/report_md.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/mem.h"
#include "report/plot.h"

/* The table's measures, in column order; a column that no retriever has
 * is left out. */
static const struct {
    const char *measure, *title;
} table_measures[] = {
    {"ndcg_cut_10", "nDCG@10"},
    {"P_10", "P@10"},
    {"recall_100", "Recall@100"},
    {"map_cut_100", "MAP@100"},
    {"recip_rank", "MRR"},
};
#define NTABLE (sizeof table_measures / sizeof table_measures[0])

/* How each chart is introduced on the page. */
static const struct {
    const char *name, *heading, *noun, *caption;
} chart_text[] = {
    {"quality", "Quality", "quality chart",
     "nDCG@10, P@10 and recall@100 of each retriever; under each measure, "
     "the leader's margin over the runner-up (relative for nDCG and P, in "
     "percentage points for recall)."},
    {"per_query", "Per query", "per-query chart",
     "The change in nDCG@10 on each query between two retrievers, sorted "
     "from the largest gain to the largest loss."},
    {"recall", "Recall at k", "recall chart",
     "Recall at every cutoff k in the results (log scale)."},
    {"speed", "Speed", "speed chart",
     "Indexing speed (documents per second) and search speed (queries per "
     "second). Timings differ between runs and machines."},
    {"datasets", "Across datasets", "chart across datasets",
     "nDCG@10 of each retriever on each dataset."},
};

/* Append s with Markdown's inline punctuation escaped, so that names and
 * ids print as written (also safe inside table cells). */
static int md_text(rb_buf *b, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\`*_[]<>|#~", *s) && rb_buf_putc(b, '\\') < 0)
            return -1;
        if (rb_buf_putc(b, *s == '\n' || *s == '\t' ? ' ' : *s) < 0)
            return -1;
    }
    return 0;
}

/* Append a path for a link, with spaces and parentheses encoded. */
static int md_href(rb_buf *b, const char *dir, const char *file)
{
    const char *parts[2] = {dir, file};
    size_t i;

    for (i = 0; i < 2; i++)
        for (const char *s = parts[i]; s && *s; s++) {
            int rc = *s == ' ' ? rb_buf_puts(b, "%20")
                   : *s == '(' ? rb_buf_puts(b, "%28")
                   : *s == ')' ? rb_buf_puts(b, "%29")
                               : rb_buf_putc(b, *s);

            if (rc < 0)
                return -1;
        }
    return 0;
}

/* Append JSON compactly inside a code span of a table cell. */
static int md_json_cell(rb_buf *b, const json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
                            JSON_REAL_PRECISION(10));
    int rc = 0;

    if (!text)
        return -1;
    rc = rb_buf_putc(b, '`');
    for (const char *s = text; *s && rc == 0; s++)
        rc = *s == '|' ? rb_buf_puts(b, "\\|")
           : *s == '`' ? rb_buf_putc(b, '\'')
                       : rb_buf_putc(b, *s);
    free(text);
    return rc < 0 ? -1 : rb_buf_putc(b, '`');
}

static const char *str_field(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static double num_field(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* ---- the results table ---- */

/* Which table columns any retriever has, and each column's best. */
static void table_columns(const json_t *retrievers, int *present,
                          double *best)
{
    const json_t *r;
    size_t i, c;

    for (c = 0; c < NTABLE; c++) {
        present[c] = 0;
        best[c] = -INFINITY;
        json_array_foreach(retrievers, i, r) {
            double v = num_field(json_object_get(r, "metrics"),
                                 table_measures[c].measure);

            if (!isnan(v)) {
                present[c] = 1;
                best[c] = fmax(best[c], v);
            }
        }
    }
}

static int table_header(rb_buf *b, const int *present)
{
    size_t c, cols = 0;

    if (rb_buf_puts(b, "| retriever |") < 0)
        return -1;
    for (c = 0; c < NTABLE; c++)
        if (present[c]) {
            if (rb_buf_printf(b, " %s |", table_measures[c].title) < 0)
                return -1;
            cols++;
        }
    if (rb_buf_puts(b, " index (s) | search (s) | queries/s |\n|:---|") < 0)
        return -1;
    for (c = 0; c < cols + 3; c++)
        if (rb_buf_puts(b, "---:|") < 0)
            return -1;
    return rb_buf_putc(b, '\n');
}

static int table_number(rb_buf *b, double v, const char *fmt, int bold)
{
    if (isnan(v))
        return rb_buf_puts(b, " \xe2\x80\x93 |");
    if (rb_buf_puts(b, bold ? " **" : " ") < 0 ||
        rb_buf_printf(b, fmt, v) < 0)
        return -1;
    return rb_buf_puts(b, bold ? "** |" : " |");
}

static int results_table(rb_buf *b, const json_t *results)
{
    const json_t *retrievers = json_object_get(results, "retrievers"), *r;
    int present[NTABLE];
    double best[NTABLE];
    size_t i, c, nr = json_array_size(retrievers);

    table_columns(retrievers, present, best);
    if (table_header(b, present) < 0)
        return -1;
    json_array_foreach(retrievers, i, r) {
        const json_t *metrics = json_object_get(r, "metrics");
        const json_t *t = json_object_get(r, "timings");

        if (rb_buf_puts(b, "| ") < 0 || md_text(b, str_field(r, "name")) < 0
            || rb_buf_puts(b, " |") < 0)
            return -1;
        for (c = 0; c < NTABLE; c++) {
            double v = num_field(metrics, table_measures[c].measure);

            if (present[c] &&
                table_number(b, v, "%.4f", nr > 1 && v == best[c]) < 0)
                return -1;
        }
        if (table_number(b, num_field(t, "index_s"), "%.4f", 0) < 0 ||
            table_number(b, num_field(t, "search_s"), "%.4f", 0) < 0 ||
            table_number(b, num_field(t, "queries_per_s"), "%.0f", 0) < 0 ||
            rb_buf_putc(b, '\n') < 0)
            return -1;
    }
    return 0;
}

/* ---- charts ---- */

enum chart_field_kind { CHART_HEADING, CHART_NOUN, CHART_CAPTION };

static const char *chart_field(const char *name, enum chart_field_kind kind)
{
    size_t i;

    for (i = 0; i < sizeof chart_text / sizeof chart_text[0]; i++)
        if (strcmp(chart_text[i].name, name) == 0)
            return kind == CHART_HEADING ? chart_text[i].heading
                 : kind == CHART_NOUN ? chart_text[i].noun
                                      : chart_text[i].caption;
    return kind == CHART_CAPTION ? "" : name;
}

/* One drawn chart: heading, caption, the PNG (else the SVG) embedded,
 * links to the other files. */
static int chart_section(rb_buf *b, const json_t *chart, const char *href)
{
    const char *name = str_field(chart, "name");
    const char *title = str_field(chart, "title");
    const json_t *files = json_object_get(chart, "files");
    const char *png = str_field(files, "png"), *svg = str_field(files, "svg");
    const char *shown = png ? png : svg;

    if (!name || !title)
        return 0;
    if (rb_buf_printf(b, "### %s\n\n%s\n\n",
                      chart_field(name, CHART_HEADING),
                      chart_field(name, CHART_CAPTION)) < 0)
        return -1;
    if (shown && (rb_buf_puts(b, "![") < 0 || md_text(b, title) < 0 ||
                  rb_buf_puts(b, "](") < 0 || md_href(b, href, shown) < 0 ||
                  rb_buf_puts(b, ")\n\n") < 0))
        return -1;
    if (svg && (rb_buf_puts(b, "[SVG](") < 0 || md_href(b, href, svg) < 0 ||
                rb_buf_puts(b, ") \xc2\xb7 ") < 0))
        return -1;
    if (rb_buf_puts(b, "[data](") < 0 ||
        md_href(b, href, str_field(chart, "data")) < 0 ||
        rb_buf_puts(b, ") \xc2\xb7 [gnuplot script](") < 0 ||
        md_href(b, href, str_field(chart, "script")) < 0 ||
        rb_buf_puts(b, ")\n\n") < 0)
        return -1;
    return 0;
}

static int charts_section(rb_buf *b, const json_t *manifest,
                          const char *href)
{
    const json_t *charts = json_object_get(manifest, "charts");
    const json_t *skipped = json_object_get(manifest, "skipped");
    const json_t *c;
    size_t i;

    if (rb_buf_puts(b, "## Charts\n\n") < 0)
        return -1;
    if (!manifest)
        return rb_buf_puts(b, "No charts yet: draw them with `rankbench "
                           "plot results.json` (or `rankbench run "
                           "--plots`).\n\n");
    json_array_foreach(charts, i, c)
        if (chart_section(b, c, href) < 0)
            return -1;
    json_array_foreach(skipped, i, c) {
        const char *name = str_field(c, "name");
        const char *why = str_field(c, "reason");

        if (name && why &&
            (rb_buf_printf(b, "_No %s: ", chart_field(name, CHART_NOUN)) <
             0 ||
             md_text(b, why) < 0 || rb_buf_puts(b, "._\n\n") < 0))
            return -1;
    }
    return 0;
}

/* ---- configuration and dataset ---- */

static int config_section(rb_buf *b, const json_t *results)
{
    const json_t *config = json_object_get(results, "config");
    const json_t *retrievers = json_object_get(results, "retrievers"), *r;
    char *text;
    size_t i;
    int rc;

    if (rb_buf_puts(b, "## Configuration\n\n") < 0)
        return -1;
    if (json_is_object(config) && json_object_size(config) > 0) {
        text = json_dumps(config, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        if (!text)
            return -1;
        rc = rb_buf_printf(b, "The run:\n\n```json\n%s\n```\n\n", text);
        free(text);
        if (rc < 0)
            return -1;
    }
    if (rb_buf_puts(b, "Each retriever, with its defaults filled in:\n\n"
                    "| retriever | configuration |\n|:---|:---|\n") < 0)
        return -1;
    json_array_foreach(retrievers, i, r) {
        const json_t *cfg = json_object_get(r, "config");

        if (rb_buf_puts(b, "| ") < 0 || md_text(b, str_field(r, "name")) < 0
            || rb_buf_puts(b, " | ") < 0 ||
            (cfg ? md_json_cell(b, cfg) : rb_buf_puts(b, "\xe2\x80\x93")) < 0
            || rb_buf_puts(b, " |\n") < 0)
            return -1;
    }
    return rb_buf_putc(b, '\n');
}

static int field_row(rb_buf *b, const char *label, const json_t *v,
                     int code)
{
    if (!v)
        return 0;
    if (rb_buf_printf(b, "| %s | %s", label, code ? "`" : "") < 0)
        return -1;
    if (json_is_string(v)) {
        if ((code ? rb_buf_puts(b, json_string_value(v))
                  : md_text(b, json_string_value(v))) < 0)
            return -1;
    } else if (json_is_integer(v)) {
        if (rb_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v))
            < 0)
            return -1;
    } else if (md_json_cell(b, v) < 0) {
        return -1;
    }
    return rb_buf_printf(b, "%s |\n", code ? "`" : "");
}

static int dataset_section(rb_buf *b, const json_t *results)
{
    const json_t *ds = json_object_get(results, "dataset");
    const json_t *tool = json_object_get(results, "tool");

    if (rb_buf_puts(b, "## Dataset and provenance\n\n| | |\n|:---|:---|\n")
        < 0 ||
        field_row(b, "dataset", json_object_get(ds, "name"), 0) < 0 ||
        field_row(b, "path", json_object_get(ds, "path"), 1) < 0 ||
        field_row(b, "split", json_object_get(ds, "split"), 0) < 0 ||
        field_row(b, "documents", json_object_get(ds, "documents"), 0) < 0 ||
        field_row(b, "queries", json_object_get(ds, "queries"), 0) < 0 ||
        field_row(b, "evaluated queries",
                  json_object_get(ds, "evaluated_queries"), 0) < 0 ||
        field_row(b, "fingerprint (SHA-256)",
                  json_object_get(ds, "fingerprint"), 1) < 0 ||
        field_row(b, "rankbench", json_object_get(tool, "version"), 0) < 0 ||
        field_row(b, "commit", json_object_get(tool, "commit"), 1) < 0 ||
        field_row(b, "host", json_object_get(results, "host"), 0) < 0 ||
        field_row(b, "created", json_object_get(results, "created"), 0) < 0)
        return -1;
    return rb_buf_puts(b, "\nTwo results are comparable only when their "
                       "dataset fingerprints match.\n");
}

int rb_report_render(const json_t *results, const json_t *manifest,
                     const char *charts_href, rb_buf *out, rb_error *err)
{
    const json_t *ds = json_object_get(results, "dataset");
    const char *split = str_field(ds, "split");
    double evaluated = num_field(ds, "evaluated_queries");

    if (rb_plot_check_results(results, err) < 0)
        return -1;
    if (rb_buf_puts(out, "# Retrieval results: ") < 0 ||
        md_text(out, str_field(ds, "name")) < 0 ||
        (split && (rb_buf_puts(out, " (") < 0 || md_text(out, split) < 0 ||
                   rb_buf_puts(out, " split)") < 0)) ||
        rb_buf_puts(out, "\n\n") < 0)
        return rb_error_oom(err);
    if (!isnan(evaluated) &&
        rb_buf_printf(out, "Means over %.0f evaluated queries, computed as "
                      "trec_eval does; the best value of each measure is "
                      "in bold.\n\n", evaluated) < 0)
        return rb_error_oom(err);
    if (results_table(out, results) < 0 || rb_buf_putc(out, '\n') < 0 ||
        charts_section(out, manifest, charts_href ? charts_href : "") < 0 ||
        config_section(out, results) < 0 ||
        dataset_section(out, results) < 0)
        return rb_error_oom(err);
    return 0;
}

/* charts_dir/charts.json, or NULL (with err clear) when there is none. */
static json_t *load_manifest(const char *charts_dir, rb_error *err)
{
    json_error_t jerr;
    char *path;
    json_t *m;

    if (!charts_dir)
        return NULL;
    path = rb_path_join(charts_dir, RB_PLOT_MANIFEST);
    if (!path) {
        rb_error_oom(err);
        return NULL;
    }
    if (!rb_path_exists(path)) {
        rb_free(path);
        return NULL;
    }
    m = json_load_file(path, 0, &jerr);
    if (!m)
        rb_error_set(err, "%s:%d: not valid JSON: %s", path, jerr.line,
                     jerr.text);
    else if (!json_is_object(m) ||
             !json_is_string(json_object_get(m, "schema")) ||
             strcmp(str_field(m, "schema"), RB_PLOT_MANIFEST_SCHEMA) != 0 ||
             !json_is_array(json_object_get(m, "charts"))) {
        rb_error_set(err, "%s: not a rankbench chart list", path);
        json_decref(m);
        m = NULL;
    }
    rb_free(path);
    return m;
}

static int write_page(const rb_buf *page, const char *report_path,
                      rb_error *err)
{
    return rb_write_file_atomic(report_path, page->data, page->len, err);
}

int rb_report_write_file(const json_t *results, const char *report_path,
                         const char *charts_dir, const char *charts_href,
                         rb_error *err)
{
    rb_buf page = RB_BUF_INIT;
    json_t *manifest = load_manifest(charts_dir, err);
    int rc = -1;

    if (!manifest && err && err->set)
        return -1;
    if (rb_report_render(results, manifest, charts_href, &page, err) == 0)
        rc = write_page(&page, report_path, err);
    json_decref(manifest);
    rb_buf_release(&page);
    return rc;
}

int rb_report_write(const json_t *results, const char *results_dir,
                    rb_error *err)
{
    char *charts = rb_path_join(results_dir, RB_REPORT_CHARTS_DIR);
    char *page = rb_path_join(results_dir, "report.md");
    int rc;

    if (!charts || !page) {
        rb_free(charts);
        rb_free(page);
        return rb_error_oom(err);
    }
    rc = rb_report_write_file(results, page, charts,
                              RB_REPORT_CHARTS_DIR "/", err);
    rb_free(charts);
    rb_free(page);
    return rc;
}

/* ---- the overview across datasets ---- */

/* Retriever names across results, in order of first appearance. */
static json_t *all_names(const json_t *const *results, size_t n)
{
    json_t *names = json_array();
    size_t d, i, j;

    for (d = 0; names && d < n; d++) {
        const json_t *list = json_object_get(results[d], "retrievers"), *r;

        json_array_foreach(list, i, r) {
            const json_t *name = json_object_get(r, "name");

            for (j = 0; j < json_array_size(names); j++)
                if (json_equal(json_array_get(names, j), (json_t *)name))
                    break;
            if (j == json_array_size(names) &&
                json_array_append(names, (json_t *)name) < 0) {
                json_decref(names);
                return NULL;
            }
        }
    }
    return names;
}

static double metric_of(const json_t *results, const char *name,
                        const char *measure)
{
    const json_t *list = json_object_get(results, "retrievers"), *r;
    size_t i;

    json_array_foreach(list, i, r)
        if (strcmp(str_field(r, "name"), name) == 0)
            return num_field(json_object_get(r, "metrics"), measure);
    return NAN;
}

/* A table: retrievers down, datasets across, measure in the cells with
 * each dataset's best in bold. */
static int across_table(rb_buf *b, const json_t *const *results, size_t n,
                        const json_t *names, const char *measure,
                        const char *title)
{
    const json_t *name;
    size_t d, i;

    if (rb_buf_printf(b, "%s of each retriever:\n\n| retriever |", title) <
        0)
        return -1;
    for (d = 0; d < n; d++)
        if (rb_buf_putc(b, ' ') < 0 ||
            md_text(b, str_field(json_object_get(results[d], "dataset"),
                                 "name")) < 0 ||
            rb_buf_puts(b, " |") < 0)
            return -1;
    if (rb_buf_puts(b, "\n|:---|") < 0)
        return -1;
    for (d = 0; d < n; d++)
        if (rb_buf_puts(b, "---:|") < 0)
            return -1;
    if (rb_buf_putc(b, '\n') < 0)
        return -1;
    json_array_foreach(names, i, name) {
        if (rb_buf_puts(b, "| ") < 0 ||
            md_text(b, json_string_value(name)) < 0 ||
            rb_buf_puts(b, " |") < 0)
            return -1;
        for (d = 0; d < n; d++) {
            double v = metric_of(results[d], json_string_value(name),
                                 measure), best = -INFINITY;
            const json_t *other;
            size_t k;

            json_array_foreach(names, k, other)
                best = fmax(best, metric_of(results[d],
                                            json_string_value(other),
                                            measure));
            if (table_number(b, v, "%.4f", json_array_size(names) > 1 &&
                             v == best) < 0)
                return -1;
        }
        if (rb_buf_putc(b, '\n') < 0)
            return -1;
    }
    return rb_buf_putc(b, '\n');
}

static int datasets_list(rb_buf *b, const json_t *const *results,
                         const char *const *pages, size_t n)
{
    size_t d;

    if (rb_buf_puts(b, "## Datasets\n\n| dataset | split | documents | "
                    "evaluated queries | fingerprint (SHA-256) |\n"
                    "|:---|:---|---:|---:|:---|\n") < 0)
        return -1;
    for (d = 0; d < n; d++) {
        const json_t *ds = json_object_get(results[d], "dataset");
        const char *split = str_field(ds, "split");
        const char *fp = str_field(ds, "fingerprint");
        double docs = num_field(ds, "documents");
        double evaluated = num_field(ds, "evaluated_queries");

        if (rb_buf_puts(b, "| ") < 0)
            return -1;
        if (pages && pages[d]) {
            if (rb_buf_putc(b, '[') < 0 ||
                md_text(b, str_field(ds, "name")) < 0 ||
                rb_buf_puts(b, "](") < 0 || md_href(b, "", pages[d]) < 0 ||
                rb_buf_putc(b, ')') < 0)
                return -1;
        } else if (md_text(b, str_field(ds, "name")) < 0) {
            return -1;
        }
        if (rb_buf_puts(b, " | ") < 0 || md_text(b, split ? split : "") < 0 ||
            rb_buf_puts(b, " |") < 0 ||
            table_number(b, docs, "%.0f", 0) < 0 ||
            table_number(b, evaluated, "%.0f", 0) < 0 ||
            rb_buf_printf(b, " `%s` |\n", fp ? fp : "") < 0)
            return -1;
    }
    return rb_buf_putc(b, '\n');
}

int rb_report_write_datasets(const json_t *const *results,
                             const char *const *pages, size_t n,
                             const char *report_path,
                             const char *charts_dir,
                             const char *charts_href, rb_error *err)
{
    rb_buf page = RB_BUF_INIT;
    json_t *manifest = NULL, *names = NULL;
    size_t d;
    int rc = -1;

    for (d = 0; d < n; d++)
        if (rb_plot_check_results(results[d], err) < 0) {
            rb_error_prefix(err, "results %zu of %zu", d + 1, n);
            return -1;
        }
    manifest = load_manifest(charts_dir, err);
    if (!manifest && err && err->set)
        return -1;
    names = all_names(results, n);
    if (!names ||
        rb_buf_printf(&page, "# Retrieval results across %zu datasets\n\n",
                      n) < 0 ||
        across_table(&page, results, n, names, "ndcg_cut_10", "nDCG@10") < 0
        || across_table(&page, results, n, names, "recall_100",
                        "Recall@100") < 0 ||
        charts_section(&page, manifest, charts_href ? charts_href : "") < 0
        || datasets_list(&page, results, pages, n) < 0 ||
        rb_buf_puts(&page, "Each dataset's page has the full table, its "
                    "charts and the configuration.\n") < 0) {
        rb_error_oom(err);
        goto done;
    }
    rc = write_page(&page, report_path, err);
done:
    json_decref(names);
    json_decref(manifest);
    rb_buf_release(&page);
    return rc;
}
