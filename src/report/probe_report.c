#include "report/probe_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "report/gnuplot.h"
#include "report/plot_internal.h"
#include "rb_version.h"

static const char *token_text(const rb_probe_report *r, int32_t id,
                              char *buf, size_t size)
{
    const char *t = rb_wordpiece_token(r->tokenizer, id);

    if (t)
        return t;
    snprintf(buf, size, "[#%d]", (int)id);
    return buf;
}

static const char *suite_name(const rb_probe_report *r,
                              const rb_probe_context *ctx)
{
    return ctx && ctx->suite ? ctx->suite : r->suite->path;
}

/* ---- text ---- */

/* "expected=play ##ing got=[...] [...]" and the marker. */
static int probe_line(const rb_probe_report *r, const rb_probe_outcome *o,
                      rb_buf *out)
{
    char buf[32];
    size_t i, j;
    int rc = rb_buf_printf(out, "%s: expected=", o->probe->id);

    for (i = 0; i < o->nslots; i++)
        rc |= rb_buf_printf(out, "%s%s", i ? " " : "",
                            token_text(r, o->slots[i].expected, buf,
                                       sizeof buf));
    rc |= rb_buf_puts(out, " got=");
    for (i = 0; i < o->nslots; i++) {
        const rb_probe_slot *s = &o->slots[i];

        rc |= rb_buf_puts(out, i ? " [" : "[");
        for (j = 0; j < s->k; j++)
            rc |= rb_buf_printf(out, "%s%s(%.2f)", j ? ", " : "",
                                token_text(r, s->top_ids[j], buf,
                                           sizeof buf), s->top_p[j]);
        rc |= rb_buf_putc(out, ']');
    }
    if (o->hit1)
        rc |= rb_buf_puts(out, " hit@1\n");
    else if (o->hitk)
        rc |= rb_buf_printf(out, " hit@%zu rank=%zu p=%.3g\n", r->top_k,
                            o->rank, o->p);
    else
        rc |= rb_buf_printf(out, " miss rank=%zu p=%.3g\n", o->rank, o->p);
    return rc;
}

static size_t name_width(const rb_probe_report *r)
{
    size_t w = strlen("all probes"), i;

    for (i = 0; i < r->ntags; i++)
        if (strlen(r->tags[i].tag) > w)
            w = strlen(r->tags[i].tag);
    return w;
}

static int stats_row(const rb_probe_stats *st, size_t width, rb_buf *out)
{
    return rb_buf_printf(out, "%-*s %7zu  %.4f  %.4f  %.4f  %.4f  %7.4f\n",
                         (int)width, st->tag ? st->tag : "all probes",
                         st->n, st->acc1, st->acck, st->mrr, st->mean_p,
                         st->mean_entropy);
}

static int summary_table(const rb_probe_report *r, rb_buf *out)
{
    size_t w = name_width(r), i;
    char acck[16];
    int rc;

    snprintf(acck, sizeof acck, "acc@%zu", r->top_k);
    rc = rb_buf_printf(out, "%-*s %7s  %6s  %6s  %6s  %6s  %7s\n", (int)w,
                       "", "probes", "acc@1", acck, "MRR", "mean p",
                       "entropy");
    rc |= stats_row(&r->overall, w, out);
    for (i = 0; i < r->ntags; i++)
        rc |= stats_row(&r->tags[i], w, out);
    return rc;
}

static double share(size_t part, size_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static int decoder_lines(const rb_mlm_tie_info *t, rb_buf *out)
{
    int rc = rb_buf_puts(out, "  decoder        ");

    if (t->tied && !t->decoder_stored)
        rc |= rb_buf_puts(out, "tied to the word embeddings (no decoder "
                          "stored)");
    else if (t->tied && t->stored_identical)
        rc |= rb_buf_puts(out, "tied: the stored decoder equals the word "
                          "embeddings");
    else
        rc |= rb_buf_printf(out, "%s: a stored decoder %s the word "
                            "embeddings", t->tied ? "tied" : "untied",
                            t->tied ? "is replaced by" : "is used instead "
                            "of");
    if (t->forced)
        rc |= rb_buf_puts(out, " (forced with --tie)");
    rc |= rb_buf_putc(out, '\n');
    if (t->decoder_stored && !t->stored_identical)
        rc |= rb_buf_printf(out, "                 stored decoder vs "
                            "embeddings: mean row cosine %.4f (lowest "
                            "%.4f), relative Frobenius distance %.4f, norm "
                            "ratio %.4f\n", t->mean_cosine, t->min_cosine,
                            t->rel_frobenius, t->norm_ratio);
    return rc;
}

static int diagnostics_text(const rb_probe_report *r, rb_buf *out)
{
    const rb_probe_diagnostics *d = &r->diag;
    const size_t *k = d->top1_kind;
    size_t i;
    int rc = rb_buf_puts(out, "diagnostics\n");

    rc |= decoder_lines(&d->tie, out);
    rc |= rb_buf_printf(out, "  top-1 kinds    %zu position%s: %.1f%% "
                        "fragments, %.1f%% punctuation, %.1f%% stop words, "
                        "%.1f%% special, %.1f%% words\n", d->positions,
                        d->positions == 1 ? "" : "s",
                        share(k[RB_TOKEN_FRAGMENT], d->positions),
                        share(k[RB_TOKEN_PUNCT], d->positions),
                        share(k[RB_TOKEN_STOPWORD], d->positions),
                        share(k[RB_TOKEN_SPECIAL], d->positions),
                        share(k[RB_TOKEN_WORD], d->positions));
    rc |= rb_buf_printf(out, "  content words  %zu position%s expect a "
                        "word; %.1f%% of them got a fragment, punctuation, "
                        "a stop word or a special token\n",
                        d->content_positions,
                        d->content_positions == 1 ? "" : "s",
                        share(d->content_top1_junk, d->content_positions));
    rc |= rb_buf_printf(out, "  entropy        mean %.4f nats (%.1f%% of "
                        "the uniform %.4f)\n", d->mean_entropy,
                        d->uniform_entropy > 0 ? 100.0 * d->mean_entropy /
                        d->uniform_entropy : 0.0, d->uniform_entropy);
    rc |= rb_buf_printf(out, "  top-1 p        mean %.4f\n", d->mean_top1_p);
    for (i = 0; i < d->nwarnings; i++)
        rc |= rb_buf_printf(out, "warning: %s\n", d->warnings[i].message);
    return rc;
}

static int problems_text(const rb_probe_report *r,
                         const rb_probe_context *ctx, rb_buf *out)
{
    size_t i;
    int rc;

    if (!r->nproblems)
        return 0;
    rc = rb_buf_printf(out, "\nskipped %zu line%s:\n", r->nproblems,
                       r->nproblems == 1 ? "" : "s");
    for (i = 0; i < r->nproblems; i++) {
        const rb_probe_problem *p = &r->problems[i];

        rc |= rb_buf_printf(out, "  %s:%ld: ", suite_name(r, ctx), p->line);
        if (p->id)
            rc |= rb_buf_printf(out, "\"%s\": ", p->id);
        rc |= rb_buf_printf(out, "%s\n", p->message);
    }
    return rc;
}

int rb_probe_report_text(const rb_probe_report *r,
                         const rb_probe_context *ctx, rb_buf *out)
{
    const rb_mlm_tie_info *t = &r->diag.tie;
    size_t i;
    int rc;

    rc = rb_buf_printf(out, "suite    %s: %zu probe%s run, %zu line%s "
                       "skipped\n", suite_name(r, ctx), r->n,
                       r->n == 1 ? "" : "s", r->nproblems,
                       r->nproblems == 1 ? "" : "s");
    if (ctx && ctx->model)
        rc |= rb_buf_printf(out, "model    %s (decoder %s%s%s)\n",
                            ctx->model, t->tied ? "tied" : "untied",
                            ctx->device ? ", device " : "",
                            ctx->device ? ctx->device : "");
    rc |= rb_buf_printf(out, "top-k    %zu of %zu tokens\n\n", r->top_k,
                        r->vocab);
    for (i = 0; i < r->n && rc == 0; i++)
        rc |= probe_line(r, &r->outcomes[i], out);
    if (r->n)
        rc |= rb_buf_putc(out, '\n');
    rc |= summary_table(r, out);
    rc |= rb_buf_putc(out, '\n');
    rc |= diagnostics_text(r, out);
    rc |= problems_text(r, ctx, out);
    return rc < 0 ? -1 : 0;
}

/* ---- JSON ---- */

static json_t *number_or_null(double v)
{
    return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *stats_json(const rb_probe_stats *st)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}",
                     "probes", (json_int_t)st->n,
                     "accuracy_at_1", number_or_null(st->acc1),
                     "accuracy_at_k", number_or_null(st->acck),
                     "mrr", number_or_null(st->mrr),
                     "mean_p", number_or_null(st->mean_p),
                     "mean_entropy", number_or_null(st->mean_entropy));
}

static json_t *slot_json(const rb_probe_report *r, const rb_probe_slot *s)
{
    json_t *top = json_array(), *out;
    char buf[32];
    size_t j;

    for (j = 0; top && j < s->k; j++)
        json_array_append_new(top, json_pack(
            "{s:s, s:i, s:o}", "token",
            token_text(r, s->top_ids[j], buf, sizeof buf),
            "id", (int)s->top_ids[j], "p", number_or_null(s->top_p[j])));
    out = json_pack("{s:I, s:s, s:i, s:I, s:o, s:o, s:o}",
                    "position", (json_int_t)s->position,
                    "expected", token_text(r, s->expected, buf, sizeof buf),
                    "expected_id", (int)s->expected,
                    "rank", (json_int_t)s->rank,
                    "p", number_or_null(s->p_expected),
                    "entropy", number_or_null(s->entropy),
                    "top", top);
    return out;
}

static json_t *outcome_json(const rb_probe_report *r,
                            const rb_probe_outcome *o)
{
    json_t *tags = json_array(), *slots = json_array(), *ids = json_array();
    size_t i;

    for (i = 0; tags && i < o->probe->ntags; i++)
        json_array_append_new(tags, json_string(o->probe->tags[i]));
    for (i = 0; slots && i < o->nslots; i++)
        json_array_append_new(slots, slot_json(r, &o->slots[i]));
    for (i = 0; ids && i < o->nids; i++)
        json_array_append_new(ids, json_integer(o->ids[i]));
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:o, "
                     "s:o, s:b, s:b, s:o}",
                     "id", o->probe->id, "line", (json_int_t)o->probe->line,
                     "text", o->probe->text,
                     o->probe->by_target ? "target" : "expected",
                     o->probe->expected,
                     "form", o->probe->by_target ? "target" : "mask",
                     "tags", tags, "input_ids", ids,
                     "rank", (json_int_t)o->rank,
                     "reciprocal_rank", number_or_null(o->rr),
                     "p", number_or_null(o->p),
                     "entropy", number_or_null(o->entropy),
                     "hit_at_1", o->hit1, "hit_at_k", o->hitk,
                     "slots", slots);
}

static json_t *diagnostics_json(const rb_probe_report *r)
{
    const rb_probe_diagnostics *d = &r->diag;
    const rb_mlm_tie_info *t = &d->tie;
    json_t *kinds = json_object(), *warnings = json_array();
    size_t i;

    for (i = 0; kinds && i < RB_TOKEN_KINDS; i++)
        json_object_set_new(kinds, rb_token_kind_name((rb_token_kind)i),
                            json_real(d->positions ?
                                      (double)d->top1_kind[i] /
                                      (double)d->positions : 0.0));
    for (i = 0; warnings && i < d->nwarnings; i++)
        json_array_append_new(warnings, json_pack(
            "{s:s, s:s}", "code", d->warnings[i].code, "message",
            d->warnings[i].message));
    return json_pack("{s:s, s:b, s:b, s:b, s:b, s:o, s:o, s:o, s:o, s:I, "
                     "s:o, s:I, s:o, s:o, s:o, s:o, s:o}",
                     "decoder", t->tied ? "tied" : "untied",
                     "decoder_stored", t->decoder_stored,
                     "stored_identical", t->stored_identical,
                     "config_ties", t->config_ties,
                     "forced", t->forced,
                     "mean_cosine", number_or_null(t->mean_cosine),
                     "min_cosine", number_or_null(t->min_cosine),
                     "rel_frobenius", number_or_null(t->rel_frobenius),
                     "norm_ratio", number_or_null(t->norm_ratio),
                     "positions", (json_int_t)d->positions,
                     "top1_share", kinds,
                     "content_positions", (json_int_t)d->content_positions,
                     "content_top1_junk_share",
                     json_real(d->content_positions ?
                               (double)d->content_top1_junk /
                               (double)d->content_positions : 0.0),
                     "mean_entropy", number_or_null(d->mean_entropy),
                     "uniform_entropy", number_or_null(d->uniform_entropy),
                     "mean_top1_p", number_or_null(d->mean_top1_p),
                     "warnings", warnings);
}

json_t *rb_probe_report_json(const rb_probe_report *r,
                             const rb_probe_context *ctx)
{
    json_t *tags = json_object(), *probes = json_array();
    json_t *problems = json_array(), *out;
    size_t i;

    for (i = 0; tags && i < r->ntags; i++)
        json_object_set_new(tags, r->tags[i].tag, stats_json(&r->tags[i]));
    for (i = 0; probes && i < r->n; i++)
        json_array_append_new(probes, outcome_json(r, &r->outcomes[i]));
    for (i = 0; problems && i < r->nproblems; i++)
        json_array_append_new(problems, json_pack(
            "{s:I, s:s?, s:s}", "line", (json_int_t)r->problems[i].line,
            "id", r->problems[i].id, "message", r->problems[i].message));
    out = json_pack("{s:s, s:i, s:s, s:{s:s, s:s, s:I, s:I, s:I}, s:I, "
                    "s:I, s:{s:o, s:o}, s:o, s:o, s:o}",
                    "schema", "rankbench.probe", "version", 1,
                    "rankbench", RB_VERSION,
                    "suite", "path", suite_name(r, ctx),
                    "sha256", r->suite->sha256,
                    "lines", (json_int_t)r->suite->lines,
                    "probes_run", (json_int_t)r->n,
                    "lines_skipped", (json_int_t)r->nproblems,
                    "top_k", (json_int_t)r->top_k,
                    "vocab_size", (json_int_t)r->vocab,
                    "summary", "overall", stats_json(&r->overall),
                    "tags", tags,
                    "diagnostics", diagnostics_json(r),
                    "probes", probes,
                    "problems", problems);
    return out;
}

/* ---- chart ---- */

/* The font's size and the layout of the results charts (see
 * report/plot_charts.c), so that probe charts look like them. */
#define FONT_PX 16.0
#define LAYOUT_RIGHT 0.975
#define LAYOUT_GAP 0.035
#define LAYOUT_TOP 0.83
#define LAYOUT_BOTTOM 0.17
#define NPANELS 3

typedef struct probe_chart {
    rb_buf vars, data;
    char **names;           /* row labels */
    size_t rows;
} probe_chart;

static void chart_release(probe_chart *c)
{
    size_t i;

    rb_buf_release(&c->vars);
    rb_buf_release(&c->data);
    for (i = 0; c->names && i < c->rows; i++)
        rb_free(c->names[i]);
    rb_free(c->names);
}

static const rb_probe_stats *chart_row(const rb_probe_report *r, size_t i)
{
    return i == 0 ? &r->overall : &r->tags[i - 1];
}

static double panel_value(const rb_probe_stats *st, int p)
{
    return p == 0 ? st->acc1 : p == 1 ? st->acck : st->mrr;
}

/* Row labels "all probes (48)", "animals (8)", shortened to fit. */
static int chart_names(const rb_probe_report *r, probe_chart *c,
                       double *widest)
{
    size_t i;

    c->rows = r->ntags + 1;
    c->names = rb_calloc(c->rows, sizeof *c->names);
    if (!c->names)
        return -1;
    *widest = 0;
    for (i = 0; i < c->rows; i++) {
        const rb_probe_stats *st = chart_row(r, i);
        rb_buf label = RB_BUF_INIT;

        if (rb_buf_printf(&label, "%s (%zu)", st->tag ? st->tag
                          : "all probes", st->n) < 0)
            return -1;
        c->names[i] = plot_fit_text(label.data, PLOT_LABEL_MAX_EM);
        rb_buf_release(&label);
        if (!c->names[i])
            return -1;
        if (plot_text_em(c->names[i]) > *widest)
            *widest = plot_text_em(c->names[i]);
    }
    return 0;
}

static int chart_data(const rb_probe_report *r, probe_chart *c)
{
    size_t i;
    int p, rc;

    rc = rb_buf_printf(&c->data, "# row\taccuracy_at_1\taccuracy_at_%zu\t"
                       "mrr\tprobes\ttag\n", r->top_k);
    for (i = 0; i < c->rows && rc == 0; i++) {
        const rb_probe_stats *st = chart_row(r, i);

        rc |= rb_buf_printf(&c->data, "%zu", i + 1);
        for (p = 0; p < NPANELS; p++)
            rc |= rb_buf_printf(&c->data, "\t%.17g", panel_value(st, p));
        rc |= rb_buf_printf(&c->data, "\t%zu\t\"", st->n);
        for (const char *s = st->tag ? st->tag : "all"; *s; s++)
            rc |= rb_buf_putc(&c->data, *s == '"' || (unsigned char)*s < 32
                                            ? '\'' : *s);
        rc |= rb_buf_puts(&c->data, "\"\n");
    }
    return rc;
}

/* The last part of a path ("models/bert/" gives "bert/"). */
static const char *base_name(const char *path)
{
    size_t n = strlen(path);
    const char *p;

    while (n > 1 && path[n - 1] == '/')
        n--;
    for (p = path + n; p > path && p[-1] != '/'; p--)
        ;
    return p;
}

static int chart_vars(const rb_probe_report *r, const rb_probe_context *ctx,
                      probe_chart *c)
{
    static const char *const tics = "\"0\" 0, \"0.2\" 0.2, \"0.4\" 0.4, "
                                    "\"0.6\" 0.6, \"0.8\" 0.8, \"1\" 1";
    const char *tic_list[NPANELS] = {tics, tics, tics};
    const char *titles[NPANELS], *notes[NPANELS];
    char acck[32], note[NPANELS][64], (*labels)[16] = NULL;
    const char **label_v = NULL;
    double xmin[NPANELS] = {0, 0, 0}, xmax[NPANELS], logs[NPANELS] = {0};
    double widest, left, panel_w;
    rb_buf sub = RB_BUF_INIT;
    size_t i;
    int p, rc = -1;
    char *title = NULL, *subtitle = NULL;

    if (chart_names(r, c, &widest) < 0)
        return -1;
    left = (widest * FONT_PX + 28.0) / RB_PLOT_WIDTH;
    if (left < 0.06)
        left = 0.06;
    panel_w = (LAYOUT_RIGHT - left - LAYOUT_GAP * (NPANELS - 1)) / NPANELS;
    snprintf(acck, sizeof acck, "accuracy@%zu", r->top_k);
    titles[0] = "accuracy@1";
    titles[1] = acck;
    titles[2] = "MRR (whole vocabulary)";
    for (p = 0; p < NPANELS; p++) {
        xmax[p] = 1.18;
        snprintf(note[p], sizeof note[p], "all probes: %.3f",
                 panel_value(&r->overall, p));
        notes[p] = note[p];
    }
    labels = rb_calloc(NPANELS * c->rows, sizeof *labels);
    label_v = rb_calloc(NPANELS * c->rows, sizeof *label_v);
    if (!labels || !label_v)
        goto done;
    for (p = 0; p < NPANELS; p++)
        for (i = 0; i < c->rows; i++) {
            snprintf(labels[p * c->rows + i], 16, "%.3f",
                     panel_value(chart_row(r, i), p));
            label_v[p * c->rows + i] = labels[p * c->rows + i];
        }
    if (rb_buf_printf(&sub, "%s \xc2\xb7 %zu probes \xc2\xb7 decoder %s",
                      base_name(suite_name(r, ctx)), r->n,
                      r->diag.tie.tied ? "tied" : "untied") < 0 ||
        (ctx && ctx->model && rb_buf_printf(&sub, " \xc2\xb7 %s",
                                            base_name(ctx->model)) < 0))
        goto done;
    title = plot_fit_text("Masked-token probes by tag", 60);
    subtitle = plot_fit_text(sub.data, 70);
    if (!title || !subtitle)
        goto done;
    rc = gp_set_str(&c->vars, "rb_title", title) |
         gp_set_str(&c->vars, "rb_subtitle", subtitle) |
         gp_set_num(&c->vars, "rb_n", (double)c->rows) |
         gp_set_str_array(&c->vars, "rb_names", (const char *const *)
                          c->names, c->rows) |
         gp_set_num(&c->vars, "rb_npanels", NPANELS) |
         gp_set_str_array(&c->vars, "rb_panel_title", titles, NPANELS) |
         gp_set_str_array(&c->vars, "rb_panel_note", notes, NPANELS) |
         gp_set_num_array(&c->vars, "rb_panel_xmin", xmin, NPANELS) |
         gp_set_num_array(&c->vars, "rb_panel_xmax", xmax, NPANELS) |
         gp_set_str_array(&c->vars, "rb_panel_tics", tic_list, NPANELS) |
         gp_set_num_array(&c->vars, "rb_panel_log", logs, NPANELS) |
         gp_set_str_array(&c->vars, "rb_labels", label_v,
                          NPANELS * c->rows) |
         gp_set_num(&c->vars, "rb_first_color", 1) |
         gp_set_num(&c->vars, "rb_left", left) |
         gp_set_num(&c->vars, "rb_panel_w", panel_w) |
         gp_set_num(&c->vars, "rb_gap", LAYOUT_GAP) |
         gp_set_num(&c->vars, "rb_top", LAYOUT_TOP) |
         gp_set_num(&c->vars, "rb_bottom", LAYOUT_BOTTOM);
    rc = rc ? -1 : 0;

done:
    rb_buf_release(&sub);
    rb_free(title);
    rb_free(subtitle);
    rb_free(labels);
    rb_free(label_v);
    return rc;
}

/* PROBE_CHART.gp: a header, the variables, common.gp and bars.gp. */
static int write_script(const probe_chart *c, const char *out_dir,
                        const char *template_dir, rb_error *err)
{
    char *common = NULL, *bars = NULL, *path = NULL;
    rb_buf script = RB_BUF_INIT;
    int rc = -1;

    if (rb_gnuplot_read_template(template_dir, "common.gp", &common,
                                 err) < 0 ||
        rb_gnuplot_read_template(template_dir, "bars.gp", &bars, err) < 0)
        goto done;
    if (plot_compose_script(&script, RB_PROBE_CHART,
                            "rankbench " RB_VERSION " probe", "bars",
                            c->vars.data, c->vars.len, common, bars) < 0 ||
        !(path = rb_path_join(out_dir, RB_PROBE_CHART ".gp"))) {
        rb_error_oom(err);
        goto done;
    }
    rc = rb_write_file_atomic(path, script.data, script.len, err);

done:
    rb_buf_release(&script);
    rb_free(common);
    rb_free(bars);
    rb_free(path);
    return rc;
}

/* Draw PROBE_CHART.FMT, renamed into place when it is whole. */
static int draw(const rb_gnuplot *gp, const char *out_dir, const char *fmt,
                int strict, rb_error *err)
{
    char output[64];

    snprintf(output, sizeof output, "%s.%s", RB_PROBE_CHART, fmt);
    return rb_gnuplot_draw(gp, out_dir, RB_PROBE_CHART ".gp", fmt, output,
                           strict, err);
}

int rb_probe_report_chart(const rb_probe_report *r,
                          const rb_probe_context *ctx, const char *out_dir,
                          const rb_plot_options *opts, int *drawn,
                          char *why, size_t why_size, rb_error *err)
{
    const char *formats[PLOT_MAX_FORMATS], *template_dir;
    rb_plot_options defaults;
    probe_chart c;
    rb_gnuplot gp;
    rb_error gp_err = {{0}, 0};
    char *data_path = NULL;
    size_t nformats, i;
    int rc = -1;

    *drawn = 0;
    if (why_size)
        why[0] = '\0';
    if (!opts) {
        rb_plot_options_init(&defaults);
        opts = &defaults;
    }
    template_dir = rb_gnuplot_template_dir(opts->template_dir);
    memset(&c, 0, sizeof c);
    if (plot_parse_formats(opts->formats, formats, &nformats, err) < 0 ||
        rb_mkdirs(out_dir, err) < 0)
        return -1;
    if (chart_vars(r, ctx, &c) < 0 || chart_data(r, &c) < 0 ||
        !(data_path = rb_path_join(out_dir, RB_PROBE_CHART ".dat"))) {
        rb_error_oom(err);
        goto done;
    }
    if (rb_write_file_atomic(data_path, c.data.data, c.data.len, err) < 0 ||
        write_script(&c, out_dir, template_dir, err) < 0)
        goto done;
    rc = 0;
    if (opts->scripts_only) {
        snprintf(why, why_size, "only scripts were asked for");
        goto done;
    }
    if (rb_gnuplot_open(&gp, opts->gnuplot, opts->timeout_s, &gp_err) < 0) {
        snprintf(why, why_size, "%s", gp_err.msg);
        goto done;
    }
    for (i = 0; i < nformats && rc == 0; i++)
        rc = draw(&gp, out_dir, formats[i], opts->strict, err);
    rb_gnuplot_release(&gp);
    *drawn = rc == 0;

done:
    rb_free(data_path);
    chart_release(&c);
    return rc;
}
