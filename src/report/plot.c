/*
 * Charts of results files: checking the results, writing each chart's
 * data and script, running gnuplot once per format, and the manifest
 * that says what was drawn. The chart contents are in plot_charts.c, the
 * drawing in the templates under plots/.
 */

#include "report/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "report/gnuplot.h"
#include "report/plot_internal.h"
#include "report/results.h"
#include "rb_version.h"

void rb_plot_options_init(rb_plot_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->formats = RB_PLOT_FORMATS;
}

/* ---- checking results ---- */

/* A metric value: absent is fine, else a number in [lo, hi]. */
static int check_value(const json_t *v, const char *where, const char *key,
                       double lo, double hi, rb_error *err)
{
    double x;

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v))
        return rb_error_set(err, "%s.%s is not a number", where, key);
    x = json_number_value(v);
    if (!isfinite(x) || x < lo || x > hi)
        return rb_error_set(err, "%s.%s is %g, outside %g..%g", where, key,
                            x, lo, hi);
    return 0;
}

/* The measures the charts read: the quality ones and recall_K. */
static int charted_measure(const char *key)
{
    size_t m;

    for (m = 0; m < PLOT_NQUALITY; m++)
        if (strcmp(key, plot_quality_measure[m]) == 0)
            return 1;
    return strncmp(key, "recall_", 7) == 0;
}

static int check_metrics(const json_t *metrics, const char *where,
                         rb_error *err)
{
    const char *key;
    const json_t *v;

    if (!metrics)
        return 0;
    if (!json_is_object(metrics))
        return rb_error_set(err, "%s is not an object", where);
    json_object_foreach((json_t *)metrics, key, v)
        if (charted_measure(key) &&
            check_value(v, where, key, 0.0, 1.0, err) < 0)
            return -1;
    return 0;
}

static int check_per_query(const json_t *pq, const char *where,
                           rb_error *err)
{
    const char *qid;
    const json_t *row;
    char at[256];

    if (!pq)
        return 0;
    if (!json_is_object(pq))
        return rb_error_set(err, "%s.per_query is not an object", where);
    json_object_foreach((json_t *)pq, qid, row) {
        snprintf(at, sizeof at, "%s.per_query[\"%.60s\"]", where, qid);
        if (!json_is_object(row))
            return rb_error_set(err, "%s is not an object", at);
        if (check_value(json_object_get(row, "ndcg_cut_10"), at,
                        "ndcg_cut_10", 0.0, 1.0, err) < 0)
            return -1;
    }
    return 0;
}

static int check_retriever(const json_t *r, size_t i, const json_t *all,
                           rb_error *err)
{
    const json_t *name = json_object_get(r, "name");
    const json_t *timings = json_object_get(r, "timings");
    char where[64], at[96];
    size_t j;

    snprintf(where, sizeof where, "retrievers[%zu]", i);
    if (!json_is_object(r))
        return rb_error_set(err, "%s is not an object", where);
    if (!json_is_string(name) || !*json_string_value(name))
        return rb_error_set(err, "%s.name is missing or empty", where);
    for (j = 0; j < i; j++)
        if (json_equal(json_object_get(json_array_get(all, j), "name"),
                       (json_t *)name))
            return rb_error_set(err, "%s: the name \"%s\" is used twice",
                                where, json_string_value(name));
    snprintf(at, sizeof at, "%s.metrics", where);
    if (check_metrics(json_object_get(r, "metrics"), at, err) < 0)
        return -1;
    if (timings && !json_is_object(timings))
        return rb_error_set(err, "%s.timings is not an object", where);
    snprintf(at, sizeof at, "%s.timings", where);
    if (check_value(json_object_get(timings, "docs_per_s"), at,
                    "docs_per_s", 0.0, HUGE_VAL, err) < 0 ||
        check_value(json_object_get(timings, "queries_per_s"), at,
                    "queries_per_s", 0.0, HUGE_VAL, err) < 0)
        return -1;
    return check_per_query(json_object_get(r, "per_query"), where, err);
}

static int check_header(const json_t *results, rb_error *err)
{
    const json_t *schema = json_object_get(results, "schema");
    const json_t *version = json_object_get(results, "schema_version");
    json_int_t v;

    if (!json_is_object(results))
        return rb_error_set(err, "not a results file: the top level is "
                            "not a JSON object");
    if (!json_is_string(schema))
        return rb_error_set(err, "not a rankbench results file: \"schema\" "
                            "is missing");
    if (strcmp(json_string_value(schema), RB_RESULTS_SCHEMA) != 0)
        return rb_error_set(err, "not a rankbench results file: schema is "
                            "\"%.80s\", not \"%s\"",
                            json_string_value(schema), RB_RESULTS_SCHEMA);
    if (!json_is_integer(version))
        return rb_error_set(err, "\"schema_version\" is missing or not an "
                            "integer");
    v = json_integer_value(version);
    if (v > RB_RESULTS_VERSION)
        return rb_error_set(err, "schema_version %" JSON_INTEGER_FORMAT
                            " is newer than this rankbench reads (%d): "
                            "use a newer rankbench", v, RB_RESULTS_VERSION);
    if (v != RB_RESULTS_VERSION)
        return rb_error_set(err, "schema_version %" JSON_INTEGER_FORMAT
                            " is not supported (this rankbench reads %d)",
                            v, RB_RESULTS_VERSION);
    return 0;
}

int rb_plot_check_results(const json_t *results, rb_error *err)
{
    const json_t *dataset, *name, *split, *retrievers;
    size_t i;

    if (check_header(results, err) < 0)
        return -1;
    dataset = json_object_get(results, "dataset");
    name = json_object_get(dataset, "name");
    split = json_object_get(dataset, "split");
    if (!json_is_object(dataset))
        return rb_error_set(err, "\"dataset\" is missing or not an object");
    if (!json_is_string(name) || !*json_string_value(name))
        return rb_error_set(err, "dataset.name is missing or empty");
    if (split && !json_is_string(split))
        return rb_error_set(err, "dataset.split is not a string");
    retrievers = json_object_get(results, "retrievers");
    if (!json_is_array(retrievers))
        return rb_error_set(err, "\"retrievers\" is missing or not an "
                            "array");
    if (json_array_size(retrievers) == 0)
        return rb_error_set(err, "the results hold no retrievers: nothing "
                            "to chart");
    for (i = 0; i < json_array_size(retrievers); i++)
        if (check_retriever(json_array_get(retrievers, i), i, retrievers,
                            err) < 0)
            return -1;
    return 0;
}

/* ---- the charts' view of the results ---- */

static double number_or_nan(const json_t *v, int positive)
{
    double x;

    if (!json_is_number(v))
        return NAN;
    x = json_number_value(v);
    return positive && !(x > 0) ? NAN : x;
}

/* Best nDCG@10 first (absent last); otherwise the results' order. */
static int compare_entries(const void *a, const void *b)
{
    const plot_entry *x = a, *y = b;
    double u = x->quality[0], v = y->quality[0];

    if (!isnan(u) && !isnan(v) && u != v)
        return u > v ? -1 : 1;
    if (isnan(u) != isnan(v))
        return isnan(u) ? 1 : -1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int plot_set_init(plot_set *ps, const json_t *results, rb_error *err)
{
    const json_t *dataset = json_object_get(results, "dataset");
    const json_t *retrievers = json_object_get(results, "retrievers");
    const json_t *evaluated = json_object_get(dataset, "evaluated_queries");
    const json_t *first = json_array_get(retrievers, 0);
    const json_t *threads = json_object_get(json_object_get(first,
                                                            "timings"),
                                            "threads");
    size_t i, m;

    memset(ps, 0, sizeof *ps);
    ps->results = results;
    ps->dataset = json_string_value(json_object_get(dataset, "name"));
    ps->split = json_string_value(json_object_get(dataset, "split"));
    ps->host = json_string_value(json_object_get(results, "host"));
    ps->queries = json_is_integer(evaluated) ? json_integer_value(evaluated)
                                             : -1;
    ps->threads = json_is_integer(threads) ? json_integer_value(threads)
                                           : -1;
    ps->n = json_array_size(retrievers);
    ps->entries = rb_calloc(ps->n, sizeof *ps->entries);
    if (!ps->entries)
        return rb_error_oom(err);
    for (i = 0; i < ps->n; i++) {
        plot_entry *e = &ps->entries[i];
        const json_t *r = json_array_get(retrievers, i);
        const json_t *metrics = json_object_get(r, "metrics");
        const json_t *timings = json_object_get(r, "timings");

        e->json = r;
        e->pos = i;
        e->name = json_string_value(json_object_get(r, "name"));
        for (m = 0; m < PLOT_NQUALITY; m++)
            e->quality[m] = number_or_nan(
                json_object_get(metrics, plot_quality_measure[m]), 0);
        e->docs_per_s = number_or_nan(json_object_get(timings,
                                                      "docs_per_s"), 1);
        /* A retriever that builds no index (ilike scans the corpus at
         * search time) records a near-zero index time; its rate would be
         * noise, not speed. */
        if (number_or_nan(json_object_get(timings, "index_s"), 0) <
            PLOT_MIN_INDEX_S) {
            e->docs_per_s = NAN;
            e->no_index = 1;
        }
        e->queries_per_s = number_or_nan(json_object_get(timings,
                                                         "queries_per_s"),
                                         1);
        e->label = plot_fit_text(e->name, PLOT_LABEL_MAX_EM);
        if (!e->label) {
            plot_set_release(ps);
            return rb_error_oom(err);
        }
    }
    qsort(ps->entries, ps->n, sizeof *ps->entries, compare_entries);
    return 0;
}

void plot_set_release(plot_set *ps)
{
    size_t i;

    for (i = 0; ps->entries && i < ps->n; i++)
        rb_free(ps->entries[i].label);
    rb_free(ps->entries);
    memset(ps, 0, sizeof *ps);
}

/* ---- drawing ---- */

/* Everything one call of rb_plot_* needs while it draws. */
typedef struct plot_job {
    const char *out_dir;
    const char *template_dir;
    const char *formats[PLOT_MAX_FORMATS];
    size_t nformats;
    const rb_plot_options *opts;
    rb_gnuplot gp;
    int gp_open;
    char *common;               /* contents of common.gp */
    json_t *drawn, *skipped;    /* the manifest's lists */
} plot_job;

int plot_parse_formats(const char *list,
                       const char *out[PLOT_MAX_FORMATS], size_t *n,
                       rb_error *err)
{
    const char *p = list ? list : RB_PLOT_FORMATS;

    *n = 0;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *fmt = len == 3 && strncmp(p, "svg", 3) == 0 ? "svg"
                        : len == 3 && strncmp(p, "png", 3) == 0 ? "png"
                                                                : NULL;
        size_t i;

        if (!fmt)
            return rb_error_set(err, "unknown chart format \"%.*s\" "
                                "(known: svg, png)", (int)len, p);
        for (i = 0; i < *n; i++)
            if (out[i] == fmt)
                break;
        if (i == *n)
            out[(*n)++] = fmt;
        if (!end)
            break;
        p = end + 1;
    }
    if (*n == 0)
        return rb_error_set(err, "no chart format given (svg, png)");
    return 0;
}

static int read_template(const plot_job *job, const char *name,
                         char **text, rb_error *err)
{
    char file[64];

    snprintf(file, sizeof file, "%s.gp", name);
    return rb_gnuplot_read_template(job->template_dir, file, text, err);
}

static int job_init(plot_job *job, const char *out_dir,
                    const rb_plot_options *opts, rb_error *err)
{
    static rb_plot_options defaults;

    memset(job, 0, sizeof *job);
    if (!opts) {
        rb_plot_options_init(&defaults);
        opts = &defaults;
    }
    job->opts = opts;
    job->out_dir = out_dir;
    job->template_dir = rb_gnuplot_template_dir(opts->template_dir);
    if (plot_parse_formats(opts->formats, job->formats, &job->nformats,
                           err) < 0)
        return -1;
    job->drawn = json_array();
    job->skipped = json_array();
    if (!job->drawn || !job->skipped)
        return rb_error_oom(err);
    if (read_template(job, "common", &job->common, err) < 0)
        return -1;
    if (!opts->scripts_only) {
        if (rb_gnuplot_open(&job->gp, opts->gnuplot, opts->timeout_s,
                            err) < 0)
            return -1;
        job->gp_open = 1;
    }
    return rb_mkdirs(out_dir, err);
}

static void job_release(plot_job *job)
{
    if (job->gp_open)
        rb_gnuplot_release(&job->gp);
    rb_free(job->common);
    json_decref(job->drawn);
    json_decref(job->skipped);
}

/* out_dir/NAME.EXT as a new string. */
static char *chart_path(const plot_job *job, const char *name,
                        const char *ext)
{
    char file[80];

    snprintf(file, sizeof file, "%s.%s", name, ext);
    return rb_path_join(job->out_dir, file);
}

static int write_text(const plot_job *job, const char *name,
                      const char *ext, const char *text, size_t len,
                      rb_error *err)
{
    char *path = chart_path(job, name, ext);
    int rc;

    if (!path)
        return rb_error_oom(err);
    rc = rb_write_file_atomic(path, text, len, err);
    rb_free(path);
    return rc;
}

int plot_compose_script(rb_buf *script, const char *name,
                        const char *drawn_by, const char *tname,
                        const char *vars, size_t len, const char *common,
                        const char *template)
{
    if (rb_buf_printf(script,
                      "# %s.gp: drawn by %s from the templates "
                      "plots/common.gp\n# and plots/%s.gp. Redraw with\n"
                      "#     gnuplot -e \"rb_format='svg'\" %s.gp   "
                      "(or 'png')\n\n", name, drawn_by, tname, name) < 0 ||
        gp_set_str(script, "rb_chart", name) < 0 ||
        rb_buf_printf(script, "rb_data = '%s.dat'\n", name) < 0 ||
        rb_buf_append(script, vars, len) < 0 ||
        rb_buf_printf(script, "\n# ---- plots/common.gp ----\n%s\n"
                      "# ---- plots/%s.gp ----\n%s", common, tname,
                      template) < 0)
        return -1;
    return 0;
}

/* NAME.gp: a header, the chart's variables, common.gp, the template. */
static int write_script(const plot_job *job, const plot_chart *c,
                        rb_error *err)
{
    rb_buf script = RB_BUF_INIT;
    char *template = NULL;
    int rc = -1;
    const char *tname = c->template_name ? c->template_name : c->name;

    if (read_template(job, tname, &template, err) < 0)
        return -1;
    if (plot_compose_script(&script, c->name, "rankbench " RB_VERSION,
                            tname, c->vars.data, c->vars.len, job->common,
                            template) < 0) {
        rb_error_oom(err);
        goto done;
    }
    rc = write_text(job, c->name, "gp", script.data, script.len, err);
done:
    rb_buf_release(&script);
    rb_free(template);
    return rc;
}

/* Draw NAME.FMT from NAME.gp, moved into place only when gnuplot
 * succeeded and wrote something. */
static int draw_format(plot_job *job, const plot_chart *c, const char *fmt,
                       rb_error *err)
{
    char script[80], output[80];

    snprintf(script, sizeof script, "%s.gp", c->name);
    snprintf(output, sizeof output, "%s.%s", c->name, fmt);
    return rb_gnuplot_draw(&job->gp, job->out_dir, script, fmt, output,
                           job->opts->strict, err);
}

/* Remove what an earlier run drew for a chart that is now left out. */
static void remove_chart_files(const plot_job *job, const char *name)
{
    static const char *const ext[] = {"gp", "dat", "svg", "png"};
    size_t i;

    for (i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        char *path = chart_path(job, name, ext[i]);

        if (path)
            unlink(path);
        rb_free(path);
    }
}

static int record_skip(plot_job *job, const plot_chart *c, rb_error *err)
{
    json_t *entry = json_pack("{s:s, s:s}", "name", c->name, "reason",
                              c->skip);

    rb_info("no %s chart: %s", c->name, c->skip);
    remove_chart_files(job, c->name);
    if (!entry || json_array_append_new(job->skipped, entry) < 0)
        return rb_error_oom(err);
    return 0;
}

/* Write a built chart's files, draw it in every format and list it. */
static int emit_chart(plot_job *job, const plot_chart *c, rb_error *err)
{
    char script[80], data[80];
    json_t *entry, *files;
    size_t i;

    if (write_text(job, c->name, "dat", c->data.data ? c->data.data : "",
                   c->data.len, err) < 0 ||
        write_script(job, c, err) < 0)
        return -1;
    snprintf(script, sizeof script, "%s.gp", c->name);
    snprintf(data, sizeof data, "%s.dat", c->name);
    entry = json_pack("{s:s, s:s, s:s, s:s, s:{}}", "name", c->name,
                      "title", c->title, "script", script, "data", data,
                      "files");
    if (!entry)
        return rb_error_oom(err);
    files = json_object_get(entry, "files");
    if (json_array_append_new(job->drawn, entry) < 0)
        return rb_error_oom(err);
    for (i = 0; i < job->nformats; i++) {
        char file[80];

        if (job->opts->scripts_only)
            break;
        if (draw_format(job, c, job->formats[i], err) < 0)
            return -1;
        snprintf(file, sizeof file, "%s.%s", c->name, job->formats[i]);
        if (json_object_set_new(files, job->formats[i], json_string(file)) <
            0)
            return rb_error_oom(err);
    }
    rb_info("chart %s: %s", c->name, c->title);
    return 0;
}

static void chart_release(plot_chart *c)
{
    rb_buf_release(&c->vars);
    rb_buf_release(&c->data);
    rb_free(c->title);
    c->title = NULL;
}

/* Emit a chart that its builder made ready (built 1), or record why it
 * is left out (built 0). */
static int finish_chart(plot_job *job, const plot_chart *c, int built,
                        rb_error *err)
{
    return built ? emit_chart(job, c, err) : record_skip(job, c, err);
}

static int write_manifest(plot_job *job, const json_t *datasets,
                          rb_error *err)
{
    json_t *formats = json_array(), *manifest;
    char *text, *path;
    size_t i;
    int rc;

    if (!formats)
        return rb_error_oom(err);
    for (i = 0; i < job->nformats && !job->opts->scripts_only; i++)
        if (json_array_append_new(formats, json_string(job->formats[i])) < 0)
        {
            json_decref(formats);
            return rb_error_oom(err);
        }
    manifest = json_pack("{s:s, s:i, s:o, s:O, s:O, s:O}",
                         "schema", RB_PLOT_MANIFEST_SCHEMA,
                         "schema_version", 1, "formats", formats,
                         "datasets", datasets, "charts", job->drawn,
                         "skipped", job->skipped);
    if (!manifest)
        return rb_error_oom(err);
    text = json_dumps(manifest, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(manifest);
    path = rb_path_join(job->out_dir, RB_PLOT_MANIFEST);
    if (!text || !path) {
        free(text);
        rb_free(path);
        return rb_error_oom(err);
    }
    rc = rb_write_file_atomic(path, text, strlen(text), err);
    free(text);
    rb_free(path);
    return rc;
}

#define NCHARTS 4

/* Prepare every chart of one results file; built[i] tells which are
 * ready. Fails only on errors, such as an unknown pair. */
static int build_charts(const plot_set *ps, const rb_plot_options *opts,
                        plot_chart *charts, int *built, rb_error *err)
{
    static const char *const names[NCHARTS] = {
        "quality", "per_query", "recall", "speed"
    };
    size_t i;

    for (i = 0; i < NCHARTS; i++) {
        memset(&charts[i], 0, sizeof charts[i]);
        charts[i].name = names[i];
    }
    built[0] = plot_build_quality(ps, &charts[0], err);
    built[1] = built[0] < 0 ? -1
             : plot_build_per_query(ps, opts ? opts->pair_base : NULL,
                                    opts ? opts->pair_other : NULL,
                                    &charts[1], err);
    built[2] = built[1] < 0 ? -1 : plot_build_recall(ps, &charts[2], err);
    built[3] = built[2] < 0 ? -1 : plot_build_speed(ps, &charts[3], err);
    return built[3] < 0 ? -1 : 0;
}

int rb_plot_results_with(const json_t *results, const char *out_dir,
                         const rb_plot_options *opts, rb_error *err)
{
    plot_job job;
    plot_set ps;
    plot_chart charts[NCHARTS];
    int built[NCHARTS];
    json_t *datasets = NULL;
    size_t i, ready = 0;
    int rc = -1;

    memset(&job, 0, sizeof job);
    memset(charts, 0, sizeof charts);
    if (rb_plot_check_results(results, err) < 0)
        return -1;
    if (plot_set_init(&ps, results, err) < 0)
        return -1;
    if (build_charts(&ps, opts, charts, built, err) < 0)
        goto done;
    for (i = 0; i < NCHARTS; i++)
        ready += built[i] > 0;
    if (ready == 0) {
        rb_error_set(err, "nothing to chart in the results of \"%s\": they "
                     "have none of nDCG@10, P@10, recall@k, per-query "
                     "nDCG@10 of two retrievers and timings", ps.dataset);
        goto done;
    }
    if (job_init(&job, out_dir, opts, err) < 0)
        goto done;
    for (i = 0; i < NCHARTS; i++)
        if (finish_chart(&job, &charts[i], built[i], err) < 0)
            goto done;
    datasets = json_pack("[s]", ps.dataset);
    if (!datasets) {
        rb_error_oom(err);
        goto done;
    }
    rc = write_manifest(&job, datasets, err);
done:
    for (i = 0; i < NCHARTS; i++)
        chart_release(&charts[i]);
    json_decref(datasets);
    plot_set_release(&ps);
    job_release(&job);
    return rc;
}

int rb_plot_results(const json_t *results, const char *out_dir,
                    const char *formats, rb_error *err)
{
    rb_plot_options opts;

    rb_plot_options_init(&opts);
    if (formats)
        opts.formats = formats;
    return rb_plot_results_with(results, out_dir, &opts, err);
}

int rb_plot_datasets(const json_t *const *results, size_t n,
                     const char *out_dir, const rb_plot_options *opts,
                     rb_error *err)
{
    plot_job job;
    plot_set *sets = NULL;
    plot_chart c;
    json_t *datasets = NULL;
    size_t i, ready = 0;
    int rc = -1;

    if (n < 2)
        return rb_error_set(err, "a chart across datasets needs at least "
                            "two results files, not %zu", n);
    for (i = 0; i < n; i++)
        if (rb_plot_check_results(results[i], err) < 0) {
            rb_error_prefix(err, "results %zu of %zu", i + 1, n);
            return -1;
        }
    memset(&job, 0, sizeof job);
    memset(&c, 0, sizeof c);
    c.name = "datasets";
    sets = rb_calloc(n, sizeof *sets);
    datasets = json_array();
    if (!sets || !datasets) {
        rb_error_oom(err);
        goto done;
    }
    for (ready = 0; ready < n; ready++) {
        if (plot_set_init(&sets[ready], results[ready], err) < 0)
            goto done;
        if (json_array_append_new(datasets,
                                  json_string(sets[ready].dataset)) < 0) {
            ready++;
            rb_error_oom(err);
            goto done;
        }
    }
    rc = plot_build_datasets(sets, n, &c, err);
    if (rc == 0)
        rb_error_set(err, "no chart across datasets: %s", c.skip);
    if (rc <= 0 || job_init(&job, out_dir, opts, err) < 0 ||
        finish_chart(&job, &c, 1, err) < 0) {
        rc = -1;
        goto done;
    }
    rc = write_manifest(&job, datasets, err);
done:
    for (i = 0; i < ready; i++)
        plot_set_release(&sets[i]);
    chart_release(&c);
    rb_free(sets);
    json_decref(datasets);
    job_release(&job);
    return rc;
}
