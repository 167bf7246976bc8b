#include "data/dataset_stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/intern.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "data/dataset_check.h"
#include "data/qrels.h"
#include "report/gnuplot.h"
#include "text/analyzer.h"

/* ---------------------------------------------------------------------- */
/* Distributions                                                           */

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return (x > y) - (x < y);
}

/* Quantile q of sorted counts, interpolating between closest ranks. */
static double quantile(const size_t *sorted, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    double frac = pos - (double)lo;

    if (lo + 1 >= n)
        return (double)sorted[n - 1];
    return (double)sorted[lo] +
           frac * ((double)sorted[lo + 1] - (double)sorted[lo]);
}

void rb_count_summary_of(size_t *counts, size_t n, rb_count_summary *s)
{
    double sum = 0, sq = 0;
    size_t i;

    memset(s, 0, sizeof *s);
    if (n == 0)
        return;
    qsort(counts, n, sizeof *counts, size_cmp);
    s->n = n;
    s->min = counts[0];
    s->max = counts[n - 1];
    for (i = 0; i < n; i++) {
        s->total += counts[i];
        s->zeros += counts[i] == 0;
        sum += (double)counts[i];
    }
    s->mean = sum / (double)n;
    for (i = 0; i < n; i++) {
        double d = (double)counts[i] - s->mean;

        sq += d * d;
    }
    s->stddev = sqrt(sq / (double)n);
    s->median = quantile(counts, n, 0.5);
    s->p90 = quantile(counts, n, 0.9);
    s->p99 = quantile(counts, n, 0.99);
}

/* ---------------------------------------------------------------------- */
/* Terms                                                                   */

/* ---------------------------------------------------------------------- */
/* Reading                                                                 */

typedef struct stats_ctx {
    rb_dataset_stats *st;
    rb_intern *vocab, *qvocab;
    rb_qrels *qrels;
    rb_buf term, content;
    size_t lcap, qcap;
    rb_analyzer *analyzer;
    rb_analysis *analysis;
    rb_error *err;
} stats_ctx;

/* Count the terms of text and add each to vocab; (size_t)-1 when memory
 * runs out. */
static size_t count_terms(stats_ctx *c, const char *text, size_t len,
                          rb_intern *vocab)
{
    const char *const *terms;
    size_t n, i;

    if (rb_analyze(c->analysis, text, len, 0, &terms, &n, NULL) < 0)
        return (size_t)-1;
    for (i = 0; i < n; i++)
        if (rb_intern_add(vocab, terms[i], strlen(terms[i]), NULL) ==
            RB_INTERN_NONE)
            return (size_t)-1;
    return n;
}

/* Set up the analyzer the counts use and record its description. */
static int setup_analysis(stats_ctx *c, const json_t *settings)
{
    rb_analyzer_config cfg;
    json_t *desc;
    char *text;

    rb_analyzer_config_default(&cfg);
    if (settings && rb_analyzer_config_from_json(settings, &cfg, c->err) < 0)
        return -1;
    c->analyzer = rb_analyzer_new(&cfg, c->err);
    if (!c->analyzer)
        return -1;
    c->analysis = rb_analysis_new(c->analyzer, c->err);
    if (!c->analysis)
        return -1;
    desc = rb_analyzer_describe(c->analyzer);
    text = desc ? json_dumps(desc, JSON_COMPACT) : NULL;
    json_decref(desc);
    c->st->tokenizer = text ? rb_strdup(text) : NULL;
    free(text);
    return c->st->tokenizer ? 0 : rb_error_oom(c->err);
}

static int grow_push(size_t **arr, size_t *cap, size_t n, size_t v)
{
    size_t *a = rb_grow(*arr, cap, n + 1, sizeof *a);

    if (!a)
        return -1;
    *arr = a;
    a[n] = v;
    return 0;
}

/* The string member key of obj, or "" when absent or null. Returns -1
 * with an error naming the line when it is not a string. */
static int member(json_t *obj, const char *key, const char *path,
                  long line, const char **s, size_t *n, rb_error *err)
{
    json_t *v = json_object_get(obj, key);

    *s = "";
    *n = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return rb_error_set(err, "%s:%ld: \"%s\" is not a string", path,
                            line, key);
    *s = json_string_value(v);
    *n = json_string_length(v);
    return 0;
}

/* Measure one JSONL record. */
static int measure_record(stats_ctx *c, int is_corpus, const char *path,
                          long line, json_t *obj)
{
    rb_dataset_stats *st = c->st;
    const char *id, *title, *text;
    size_t idn, titlen, textn, terms;

    if (member(obj, "_id", path, line, &id, &idn, c->err) < 0 ||
        member(obj, "title", path, line, &title, &titlen, c->err) < 0 ||
        member(obj, "text", path, line, &text, &textn, c->err) < 0)
        return -1;
    if (idn == 0)
        return rb_error_set(c->err, "%s:%ld: \"_id\" is missing or empty",
                            path, line);
    if (!is_corpus) {
        st->queries_total++;
        if (c->qrels && rb_intern_find(c->qrels->qids, id, idn) ==
            RB_INTERN_NONE)
            return 0;
        terms = count_terms(c, text, textn, c->qvocab);
        if (terms == (size_t)-1 ||
            grow_push(&st->query_lengths, &c->qcap, st->queries, terms))
            return rb_error_oom(c->err);
        st->queries++;
        return 0;
    }
    rb_buf_reset(&c->content);
    if (rb_buf_append(&c->content, title, titlen) < 0 ||
        rb_buf_putc(&c->content, ' ') < 0 ||
        rb_buf_append(&c->content, text, textn) < 0)
        return rb_error_oom(c->err);
    terms = count_terms(c, c->content.data, c->content.len, c->vocab);
    if (terms == (size_t)-1 ||
        grow_push(&st->doc_lengths, &c->lcap, st->documents, terms))
        return rb_error_oom(c->err);
    st->documents++;
    return 0;
}

static int read_jsonl(stats_ctx *c, const char *dir, int is_corpus)
{
    const char *name = is_corpus ? "corpus.jsonl" : "queries.jsonl";
    rb_lines *lr;
    const char *line;
    char *path;
    size_t len;
    int oom, rc;

    path = rb_check_locate_file(dir, name, &oom);
    if (!path)
        return oom ? rb_error_oom(c->err)
                   : rb_error_set(c->err, "%s/%s: not found (nor %s.gz)",
                                  dir, name, name);
    lr = rb_lines_open(path, c->err);
    if (!lr) {
        rb_free(path);
        return -1;
    }
    while ((rc = rb_lines_next(lr, &line, &len, c->err)) == 1) {
        long lineno = rb_lines_lineno(lr);
        json_error_t jerr;
        json_t *obj;

        if (strspn(line, " \t") >= len)
            continue;
        obj = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
        if (!obj || !json_is_object(obj)) {
            json_decref(obj);
            rc = rb_error_set(c->err, "%s:%ld: not a JSON object%s%s",
                              path, lineno, obj ? "" : ": ",
                              obj ? "" : jerr.text);
            break;
        }
        rc = measure_record(c, is_corpus, path, lineno, obj);
        json_decref(obj);
        if (rc < 0)
            break;
    }
    rb_lines_close(lr);
    rb_free(path);
    return rc < 0 ? -1 : 0;
}

static int read_qrels(stats_ctx *c, const char *dir, const char *split)
{
    rb_dataset_stats *st = c->st;
    char name[300], *path;
    size_t i, gcap = 0;
    int oom;

    snprintf(name, sizeof name, "qrels/%s.tsv", split);
    path = rb_check_locate_file(dir, name, &oom);
    if (!path)
        return oom ? rb_error_oom(c->err) : 0;
    c->qrels = rb_qrels_read_beir(path, c->err);
    rb_free(path);
    if (!c->qrels)
        return -1;
    st->split = rb_strdup(split);
    if (!st->split)
        return rb_error_oom(c->err);
    st->judgments = c->qrels->njudgments;
    st->judged_queries = c->qrels->nqueries;
    st->judged_counts = rb_malloc((st->judged_queries + 1) *
                                  sizeof *st->judged_counts);
    {
        size_t *rel = rb_malloc((st->judged_queries + 1) * sizeof *rel);

        if (!st->judged_counts || !rel) {
            rb_free(rel);
            return rb_error_oom(c->err);
        }
        for (i = 0; i < c->qrels->nqueries; i++) {
            const rb_qrels_query *q = &c->qrels->queries[i];
            size_t j, r = 0;

            for (j = 0; j < q->n; j++) {
                int g = q->judged[j].grade;
                size_t k;

                r += g > 0;
                for (k = 0; k < st->ngrades && st->grades[k].grade != g;
                     k++)
                    ;
                if (k == st->ngrades) {
                    rb_stats_grade *gr = rb_grow(st->grades, &gcap,
                                                 st->ngrades + 1,
                                                 sizeof *gr);

                    if (!gr) {
                        rb_free(rel);
                        return rb_error_oom(c->err);
                    }
                    st->grades = gr;
                    gr[k].grade = g;
                    gr[k].count = 0;
                    st->ngrades++;
                }
                st->grades[k].count++;
            }
            st->relevant += r;
            st->judged_counts[i] = q->n;
            rel[i] = r;
        }
        rb_count_summary_of(st->judged_counts, st->judged_queries,
                            &st->judged_per_query);
        rb_count_summary_of(rel, st->judged_queries,
                            &st->relevant_per_query);
        rb_free(rel);
    }
    return 0;
}

static int grade_cmp(const void *a, const void *b)
{
    const rb_stats_grade *x = a, *y = b;

    return (x->grade > y->grade) - (x->grade < y->grade);
}

static int compute(stats_ctx *c, const char *dir, const char *split)
{
    rb_dataset_stats *st = c->st;
    size_t i, n;

    if (read_qrels(c, dir, split) < 0 || read_jsonl(c, dir, 0) < 0 ||
        read_jsonl(c, dir, 1) < 0)
        return -1;
    if (st->ngrades > 1)
        qsort(st->grades, st->ngrades, sizeof *st->grades, grade_cmp);
    rb_count_summary_of(st->doc_lengths, st->documents, &st->doc_tokens);
    rb_count_summary_of(st->query_lengths, st->queries, &st->query_tokens);
    st->vocabulary = rb_intern_count(c->vocab);
    n = rb_intern_count(c->qvocab);
    st->query_vocabulary = n;
    for (i = 0; i < n; i++)
        if (rb_intern_find(c->vocab, rb_intern_str(c->qvocab, (uint32_t)i),
                           rb_intern_len(c->qvocab, (uint32_t)i)) ==
            RB_INTERN_NONE)
            st->query_terms_unseen++;
    return 0;
}

rb_dataset_stats *rb_dataset_stats_compute(const char *dir,
                                           const char *split,
                                           const json_t *analysis,
                                           rb_error *err)
{
    stats_ctx c;
    struct stat sb;
    int rc = -1;

    if (!split)
        split = "test";
    if (!rb_check_split_name_ok(split)) {
        rb_error_set(err, "\"%s\": not a valid split name", split);
        return NULL;
    }
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        rb_error_set(err, "%s: no such dataset folder", dir);
        return NULL;
    }
    memset(&c, 0, sizeof c);
    c.err = err;
    c.st = rb_calloc(1, sizeof *c.st);
    c.vocab = rb_intern_new();
    c.qvocab = rb_intern_new();
    if (c.st)
        c.st->dir = rb_strdup(dir);
    if (!c.st || !c.vocab || !c.qvocab || !c.st->dir)
        rb_error_oom(err);
    else if (setup_analysis(&c, analysis) == 0)
        rc = compute(&c, dir, split);
    if (c.analysis)
        rb_analysis_free(c.analysis);
    if (c.analyzer)
        rb_analyzer_free(c.analyzer);
    rb_intern_free(c.vocab);
    rb_intern_free(c.qvocab);
    rb_qrels_free(c.qrels);
    rb_buf_release(&c.term);
    rb_buf_release(&c.content);
    if (rc < 0) {
        rb_dataset_stats_free(c.st);
        return NULL;
    }
    return c.st;
}

void rb_dataset_stats_free(rb_dataset_stats *st)
{
    if (!st)
        return;
    rb_free(st->dir);
    rb_free(st->split);
    rb_free(st->tokenizer);
    rb_free(st->doc_lengths);
    rb_free(st->query_lengths);
    rb_free(st->judged_counts);
    rb_free(st->grades);
    rb_free(st);
}

/* ---------------------------------------------------------------------- */
/* JSON                                                                    */

static json_t *summary_json(const rb_count_summary *s)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f}",
                     "n", (json_int_t)s->n, "total", (json_int_t)s->total,
                     "min", (json_int_t)s->min, "max", (json_int_t)s->max,
                     "zeros", (json_int_t)s->zeros, "mean", s->mean,
                     "stddev", s->stddev, "median", s->median,
                     "p90", s->p90, "p99", s->p99);
}

json_t *rb_dataset_stats_json(const rb_dataset_stats *st)
{
    json_t *o, *judg = NULL, *grades, *analysis;
    size_t i;

    if (st->split) {
        grades = json_object();
        for (i = 0; grades && i < st->ngrades; i++) {
            char key[24];

            snprintf(key, sizeof key, "%d", st->grades[i].grade);
            if (json_object_set_new(grades, key, json_integer(
                    (json_int_t)st->grades[i].count)) < 0) {
                json_decref(grades);
                grades = NULL;
            }
        }
        if (!grades)
            return NULL;
        judg = json_pack("{s:I, s:I, s:I, s:o*, s:o*, s:o}",
                         "judgments", (json_int_t)st->judgments,
                         "queries", (json_int_t)st->judged_queries,
                         "relevant", (json_int_t)st->relevant,
                         "per_query", summary_json(&st->judged_per_query),
                         "relevant_per_query",
                         summary_json(&st->relevant_per_query),
                         "grades", grades);
        if (!judg)
            return NULL;
    }
    analysis = st->tokenizer[0] == '{'
               ? json_loads(st->tokenizer, 0, NULL) : NULL;
    if (!analysis)
        analysis = json_string(st->tokenizer);
    o = json_pack("{s:s, s:i, s:s, s:s?, s:o*, "
                  "s:{s:I, s:o*}, s:{s:I, s:I, s:s, s:o*}, "
                  "s:{s:I, s:I, s:I}, s:o}",
                  "schema", "rankbench.dataset-stats",
                  "schema_version", 1,
                  "path", st->dir, "split", st->split,
                  "tokenizer", analysis,
                  "documents", "count", (json_int_t)st->documents,
                  "tokens", summary_json(&st->doc_tokens),
                  "queries", "total", (json_int_t)st->queries_total,
                  "count", (json_int_t)st->queries,
                  "measured", st->split ? "judged in the split" : "all",
                  "tokens", summary_json(&st->query_tokens),
                  "vocabulary", "corpus_terms",
                  (json_int_t)st->vocabulary, "query_terms",
                  (json_int_t)st->query_vocabulary,
                  "query_terms_not_in_corpus",
                  (json_int_t)st->query_terms_unseen,
                  "judgments", judg ? judg : json_null());
    return o;
}

/* ---------------------------------------------------------------------- */
/* Charts                                                                  */

/* Append s to buf as a gnuplot single-quoted string. */
static int put_quoted(rb_buf *buf, const char *s)
{
    if (rb_buf_putc(buf, '\'') < 0)
        return -1;
    for (; *s; s++)
        if ((*s == '\'' && rb_buf_putc(buf, '\'') < 0) ||
            rb_buf_putc(buf, *s == '\n' ? ' ' : *s) < 0)
            return -1;
    return rb_buf_putc(buf, '\'');
}

static int set_string(rb_buf *buf, const char *var, const char *value)
{
    return rb_buf_printf(buf, "%s = ", var) | put_quoted(buf, value) |
           rb_buf_putc(buf, '\n');
}

/* One histogram chart. */
typedef struct chart {
    const char *name;        /* file stem */
    char title[200];
    char subtitle[300];
    const char *xlabel, *ylabel;
    const size_t *sorted;
    size_t n;
    size_t width;            /* bin width */
    size_t limit;            /* the last bin gathers counts from here */
    size_t xmax;
} chart;

#define CHART_BINS 50

/* Bins of width 1 when the counts span at most 60, else about 50 bins
 * up to the 99th percentile, the last gathering the tail. */
static void choose_bins(chart *ch)
{
    size_t top = ch->sorted[ch->n - 1], p99;

    if (top <= 60) {
        ch->width = 1;
        ch->limit = SIZE_MAX;
        ch->xmax = top + 1;
        return;
    }
    p99 = (size_t)ceil(quantile(ch->sorted, ch->n, 0.99));
    ch->width = p99 / CHART_BINS + 1;
    ch->limit = ch->width * CHART_BINS;
    ch->xmax = (top >= ch->limit ? ch->limit : top / ch->width * ch->width)
               + ch->width;
}

/* NAME.dat: a commented header, then "bin start<TAB>count" lines. */
static int chart_data(const chart *ch, rb_buf *out)
{
    size_t i = 0;
    int rc;

    rc = rb_buf_printf(out, "# %s: bin start, count (bins of %zu",
                       ch->title, ch->width);
    if (ch->limit != SIZE_MAX)
        rc |= rb_buf_printf(out, "; the last holds everything from %zu",
                            ch->limit);
    rc |= rb_buf_puts(out, ")\n");
    while (rc == 0 && i < ch->n) {
        size_t start = ch->sorted[i] / ch->width * ch->width, count = 0;

        if (start > ch->limit)
            start = ch->limit;
        while (i < ch->n && (ch->sorted[i] / ch->width * ch->width ==
                             start || ch->sorted[i] >= ch->limit)) {
            count++;
            i++;
        }
        rc = rb_buf_printf(out, "%zu\t%zu\n", start, count);
    }
    return rc;
}

/* NAME.gp: the chart's variables, then plots/common.gp and
 * plots/histogram.gp, so that it runs on its own in its folder. */
static int chart_script(const chart *ch, const char *common,
                        const char *histogram, rb_buf *gp)
{
    char note[120] = "";
    int rc;

    if (ch->limit != SIZE_MAX && ch->sorted[ch->n - 1] >= ch->limit)
        snprintf(note, sizeof note, "last bar: %zu and more (up to %zu)",
                 ch->limit, ch->sorted[ch->n - 1]);
    rc = rb_buf_printf(gp, "# %s.gp: drawn by rankbench datasets stats "
                       "from the templates plots/common.gp\n# and "
                       "plots/histogram.gp. Redraw with\n#     gnuplot -e "
                       "\"rb_format='svg'\" %s.gp   (or 'png')\n\n",
                       ch->name, ch->name);
    rc |= set_string(gp, "rb_chart", ch->name);
    rc |= rb_buf_printf(gp, "rb_data = '%s.dat'\n", ch->name);
    rc |= set_string(gp, "rb_title", ch->title);
    rc |= set_string(gp, "rb_subtitle", ch->subtitle);
    rc |= set_string(gp, "rb_xlabel", ch->xlabel);
    rc |= set_string(gp, "rb_ylabel", ch->ylabel);
    rc |= set_string(gp, "rb_note", note);
    rc |= rb_buf_printf(gp, "rb_width = %zu\nrb_xmax = %zu\n", ch->width,
                        ch->xmax);
    rc |= rb_buf_printf(gp, "\n# ---- plots/common.gp ----\n%s\n"
                        "# ---- plots/histogram.gp ----\n%s", common,
                        histogram);
    return rc;
}

/* Draw NAME.FMT from NAME.gp, renamed into place when it is whole. */
static int draw(const rb_gnuplot *gp, const char *dir, const chart *ch,
                const char *fmt, rb_error *err)
{
    char script[80], output[80];

    snprintf(script, sizeof script, "%s.gp", ch->name);
    snprintf(output, sizeof output, "%s.%s", ch->name, fmt);
    return rb_gnuplot_draw(gp, dir, script, fmt, output, 0, err);
}

static int write_chart(const chart *ch, const char *dir, const char *common,
                       const char *histogram, const rb_gnuplot *gp,
                       rb_error *err)
{
    static const char *const formats[] = {"svg", "png"};
    rb_buf data = RB_BUF_INIT, script = RB_BUF_INIT;
    char file[80], *path = NULL;
    size_t i;
    int rc = -1;

    if (chart_data(ch, &data) < 0 ||
        chart_script(ch, common, histogram, &script) < 0) {
        rb_error_oom(err);
        goto done;
    }
    snprintf(file, sizeof file, "%s.dat", ch->name);
    path = rb_path_join(dir, file);
    if (!path || rb_write_file_atomic(path, data.data, data.len, err) < 0)
        goto oom_or_done;
    rb_free(path);
    snprintf(file, sizeof file, "%s.gp", ch->name);
    path = rb_path_join(dir, file);
    if (!path || rb_write_file_atomic(path, script.data, script.len,
                                      err) < 0)
        goto oom_or_done;
    for (i = 0; gp && i < 2; i++)
        if (draw(gp, dir, ch, formats[i], err) < 0)
            goto done;
    rc = 0;
    goto done;
oom_or_done:
    if (!path)
        rb_error_oom(err);
done:
    rb_free(path);
    rb_buf_release(&data);
    rb_buf_release(&script);
    return rc;
}

/* The folder's base name, for chart titles. */
static void base_name(const char *dir, char *out, size_t size)
{
    size_t n = strlen(dir);
    const char *start;

    while (n > 1 && dir[n - 1] == '/')
        n--;
    start = dir + n;
    while (start > dir && start[-1] != '/')
        start--;
    snprintf(out, size, "%.*s", (int)(dir + n - start), start);
}

static void describe(chart *ch, const rb_count_summary *s, const char *what)
{
    snprintf(ch->subtitle, sizeof ch->subtitle, "%zu %s; mean %.1f, "
             "median %g, 90th percentile %g, maximum %zu", s->n, what,
             s->mean, s->median, s->p90, s->max);
}

int rb_dataset_stats_plot(const rb_dataset_stats *st, const char *outdir,
                          rb_error *err)
{
    chart charts[3];
    char name[128], *common = NULL, *histogram = NULL;
    rb_gnuplot gp;
    rb_error gp_err = {{0}, 0};
    int have_gp, rc = -1;
    size_t i, n = 0;

    memset(charts, 0, sizeof charts);
    base_name(st->dir, name, sizeof name);
    if (st->documents) {
        chart *c = &charts[n++];

        c->name = "doc_lengths";
        snprintf(c->title, sizeof c->title, "%s: terms per document",
                 name);
        describe(c, &st->doc_tokens, "documents");
        c->xlabel = "terms in title and text";
        c->ylabel = "documents";
        c->sorted = st->doc_lengths;
        c->n = st->documents;
    }
    if (st->queries) {
        chart *c = &charts[n++];

        c->name = "query_lengths";
        snprintf(c->title, sizeof c->title, "%s: terms per query", name);
        describe(c, &st->query_tokens, st->split ? "judged queries"
                                                 : "queries");
        c->xlabel = "terms in the query";
        c->ylabel = "queries";
        c->sorted = st->query_lengths;
        c->n = st->queries;
    }
    if (st->split && st->judged_queries) {
        chart *c = &charts[n++];

        c->name = "judgments_per_query";
        snprintf(c->title, sizeof c->title, "%s: judgments per query "
                 "(split %s)", name, st->split);
        describe(c, &st->judged_per_query, "queries");
        c->xlabel = "judged documents";
        c->ylabel = "queries";
        c->sorted = st->judged_counts;
        c->n = st->judged_queries;
    }
    if (rb_mkdirs(outdir, err) < 0 ||
        rb_gnuplot_read_template(rb_gnuplot_template_dir(NULL),
                                 "common.gp", &common, err) < 0 ||
        rb_gnuplot_read_template(rb_gnuplot_template_dir(NULL),
                                 "histogram.gp", &histogram, err) < 0)
        goto done;
    have_gp = rb_gnuplot_open(&gp, NULL, 0, &gp_err) == 0;
    for (i = 0; i < n; i++) {
        choose_bins(&charts[i]);
        if (write_chart(&charts[i], outdir, common, histogram,
                        have_gp ? &gp : NULL, err) < 0)
            break;
    }
    if (have_gp)
        rb_gnuplot_release(&gp);
    if (i < n)
        goto done;
    if (!have_gp) {
        rb_error_set(err, "%s", gp_err.msg);
        rc = 1;
    } else {
        rc = 0;
    }
done:
    rb_free(common);
    rb_free(histogram);
    return rc;
}
