/*
 * rankbench probe: masked-token probes of an encoder's masked-LM head.
 */

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "cli/commands.h"
#include "encoder/encoder.h"
#include "encoder/mlm_head.h"
#include "encoder/probe.h"
#include "report/plot.h"
#include "report/probe_report.h"

static const char probe_usage[] =
    "usage: rankbench probe --model DIR --probes FILE [--top-k K]\n"
    "                       [--device cpu|cuda|auto] [--out DIR] "
    "[--strict]\n"
    "                       [--tie auto|tied|untied] [--threads N]\n"
    "                       [--precision fp16|bf16] [--max-length N]\n"
    "                       [--no-plots] [--format svg,png]\n"
    "\n"
    "Masks words in the probe suite's texts, predicts them with the\n"
    "model's masked-LM head and reports, per probe, the top K tokens with\n"
    "their probabilities; then accuracy@1, accuracy@K, MRR and the mean\n"
    "probability of the expected word, overall and per tag, and\n"
    "diagnostics of the head (tied decoder, fragments, entropy).\n"
    "\n"
    "  --model DIR        a BERT checkpoint with its masked-LM head\n"
    "  --probes FILE      a probe suite (JSONL; see eval/probes/README.md)\n"
    "  --top-k K          predictions listed per probe (default 5)\n"
    "  --device D         cpu, cuda or auto (default: cuda when a GPU is\n"
    "                     present)\n"
    "  --out DIR          where probe.txt, probe.json and the chart go\n"
    "                     (default results/probe/SUITE)\n"
    "  --strict           any line that cannot run is an error; nothing\n"
    "                     is written\n"
    "  --tie T            decoder: auto (as the checkpoint says), tied\n"
    "                     (the embeddings, as Hugging Face does when\n"
    "                     config.json ties them) or untied (the stored one)\n"
    "  --precision P      CUDA encoder: fp16 (default) or bf16; the head\n"
    "                     computes in fp32\n"
    "  --threads N        CPU threads (default: all cores)\n"
    "  --max-length N     tokens per text (default: the model's)\n"
    "  --no-plots         no chart\n"
    "  --format F         chart formats, svg and/or png (default both)\n"
    "  -q, -v             less or more on stderr\n"
    "Exit status: 0 when the report was written (lines that could not run\n"
    "are listed), 1 on errors, 2 on bad usage.\n";

enum {
    OPT_MODEL = 256, OPT_PROBES, OPT_TOP_K, OPT_DEVICE, OPT_OUT, OPT_STRICT,
    OPT_TIE, OPT_THREADS, OPT_MAX_LENGTH, OPT_NO_PLOTS, OPT_FORMAT,
    OPT_PRECISION
};

typedef struct probe_args {
    const char *model, *probes, *device, *out, *formats, *precision;
    size_t top_k, max_length;
    int threads, strict, plots;
    rb_mlm_tie tie;
} probe_args;

static int parse_size(const char *opt, const char *s, size_t max,
                      size_t *out)
{
    char *end;
    long long v;

    v = strtoll(s, &end, 10);
    if (!*s || *end || v <= 0 || (unsigned long long)v > max) {
        fprintf(stderr, "rankbench probe: %s needs an integer from 1 to "
                "%zu, not \"%s\"\n", opt, max, s);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

static int parse_option(probe_args *a, int c, const char *arg)
{
    rb_error err = {{0}, 0};
    size_t n;

    switch (c) {
    case OPT_MODEL: a->model = arg; return 0;
    case OPT_PROBES: a->probes = arg; return 0;
    case OPT_DEVICE: a->device = arg; return 0;
    case OPT_OUT: a->out = arg; return 0;
    case OPT_FORMAT: a->formats = arg; return 0;
    case OPT_PRECISION: a->precision = arg; return 0;
    case OPT_STRICT: a->strict = 1; return 0;
    case OPT_NO_PLOTS: a->plots = 0; return 0;
    case OPT_TOP_K: return parse_size("--top-k", arg, 1000, &a->top_k);
    case OPT_MAX_LENGTH:
        return parse_size("--max-length", arg, 1 << 20, &a->max_length);
    case OPT_THREADS:
        if (parse_size("--threads", arg, 4096, &n) < 0)
            return -1;
        a->threads = (int)n;
        return 0;
    case OPT_TIE:
        if (rb_mlm_tie_parse(arg, &a->tie, &err) == 0)
            return 0;
        fprintf(stderr, "rankbench probe: %s\n", err.msg);
        return -1;
    case 'q': rb_log_set_level(RB_LOG_WARN); return 0;
    case 'v': rb_log_set_level(RB_LOG_DEBUG); return 0;
    default: return -1;
    }
}

/* 0 to run, 1 when --help was answered, -1 on bad usage. */
static int parse_args(int argc, char **argv, probe_args *a)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, OPT_MODEL},
        {"probes", required_argument, NULL, OPT_PROBES},
        {"top-k", required_argument, NULL, OPT_TOP_K},
        {"device", required_argument, NULL, OPT_DEVICE},
        {"out", required_argument, NULL, OPT_OUT},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"tie", required_argument, NULL, OPT_TIE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"max-length", required_argument, NULL, OPT_MAX_LENGTH},
        {"no-plots", no_argument, NULL, OPT_NO_PLOTS},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"precision", required_argument, NULL, OPT_PRECISION},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    memset(a, 0, sizeof *a);
    a->top_k = 5;
    a->plots = 1;
    a->tie = RB_MLM_TIE_AUTO;
    RB_CLI_GETOPT_RESET();
    while ((c = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(probe_usage, stdout);
            return 1;
        }
        if (parse_option(a, c, optarg) < 0)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "rankbench probe: unexpected argument \"%s\"\n",
                argv[optind]);
        return -1;
    }
    if (!a->model || !a->probes) {
        fprintf(stderr, "rankbench probe: --model and --probes are "
                "needed\n");
        return -1;
    }
    return 0;
}

/* results/probe/STEM for suite path "…/STEM.jsonl". */
static char *default_out(const char *suite)
{
    const char *base = strrchr(suite, '/') ? strrchr(suite, '/') + 1 : suite;
    size_t n = strcspn(base, ".");
    rb_buf b = RB_BUF_INIT;

    if (rb_buf_printf(&b, "results/probe/%.*s", (int)(n ? n : 5),
                      n ? base : "suite") < 0)
        return NULL;
    return rb_buf_detach(&b);
}

static void list_problems(const rb_probe_problem *p, size_t n,
                          const char *suite, int fatal)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i].id)
            rb_log(fatal ? RB_LOG_ERROR : RB_LOG_WARN, "%s:%ld: \"%s\": %s",
                   suite, p[i].line, p[i].id, p[i].message);
        else
            rb_log(fatal ? RB_LOG_ERROR : RB_LOG_WARN, "%s:%ld: %s", suite,
                   p[i].line, p[i].message);
    }
}

/* The model, its encoder and its head. */
typedef struct probe_model {
    rb_model *m;
    rb_encoder *e;
    rb_mlm_head *h;
} probe_model;

static int open_model(const probe_args *a, probe_model *pm, rb_error *err)
{
    rb_encoder_options eo;
    rb_mlm_options ho;

    memset(pm, 0, sizeof *pm);
    pm->m = rb_model_load(a->model, err);
    if (!pm->m || rb_model_fingerprint(pm->m, err) < 0)
        return -1;
    rb_encoder_options_default(&eo);
    eo.device = a->device;
    eo.threads = a->threads;
    eo.max_length = a->max_length;
    eo.precision = a->precision;
    pm->e = rb_encoder_new(pm->m, &eo, err);
    if (!pm->e)
        return -1;
    rb_mlm_options_default(&ho);
    ho.device = rb_encoder_device(pm->e);
    ho.tie = a->tie;
    ho.threads = a->threads;
    pm->h = rb_mlm_head_new(pm->m, &ho, err);
    return pm->h ? 0 : -1;
}

static void close_model(probe_model *pm)
{
    rb_mlm_head_free(pm->h);
    rb_encoder_free(pm->e);
    rb_model_free(pm->m);
}

/* probe.json: the report with the model, encoder and head described. */
static int write_json(const rb_probe_report *r, const rb_probe_context *ctx,
                      const probe_model *pm, const char *out_dir,
                      rb_error *err)
{
    json_t *root = rb_probe_report_json(r, ctx);
    char *path = rb_path_join(out_dir, "probe.json"), *text = NULL;
    int rc = -1;

    if (!root || !path ||
        json_object_set_new(root, "model", rb_model_describe(pm->m)) < 0 ||
        json_object_set_new(root, "encoder",
                            rb_encoder_describe(pm->e)) < 0 ||
        json_object_set_new(root, "head", rb_mlm_head_describe(pm->h)) < 0 ||
        !(text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS))) {
        rb_error_oom(err);
        goto done;
    }
    {
        /* A trailing newline, as text files have. */
        size_t n = strlen(text);
        char *withnl = rb_malloc(n + 2);

        if (!withnl) {
            rb_error_oom(err);
            goto done;
        }
        memcpy(withnl, text, n);
        withnl[n] = '\n';
        rc = rb_write_file_atomic(path, withnl, n + 1, err);
        rb_free(withnl);
    }

done:
    free(text);
    rb_free(path);
    json_decref(root);
    return rc;
}

static int write_outputs(const probe_args *a, const rb_probe_report *r,
                         const rb_probe_context *ctx, const probe_model *pm,
                         const char *out_dir, const rb_buf *text,
                         rb_error *err)
{
    char *path;
    int rc, drawn = 0;
    char why[RB_ERROR_MAX];

    if (rb_mkdirs(out_dir, err) < 0)
        return -1;
    path = rb_path_join(out_dir, "probe.txt");
    if (!path)
        return rb_error_oom(err);
    rc = rb_write_file_atomic(path, text->data, text->len, err);
    rb_free(path);
    if (rc < 0 || write_json(r, ctx, pm, out_dir, err) < 0)
        return -1;
    if (a->plots) {
        rb_plot_options po;

        rb_plot_options_init(&po);
        po.formats = a->formats;
        if (rb_probe_report_chart(r, ctx, out_dir, &po, &drawn, why,
                                  sizeof why, err) < 0)
            return -1;
        if (!drawn)
            rb_info("no chart drawn: %s (its data and script are in %s)",
                    why, out_dir);
    }
    rb_info("wrote %s/probe.txt, probe.json%s", out_dir,
            drawn ? " and the " RB_PROBE_CHART " chart" : "");
    return 0;
}

static int run_probe(const probe_args *a, rb_error *err)
{
    rb_probe_suite *suite = NULL;
    rb_probe_report *r = NULL;
    probe_model pm;
    rb_probe_context ctx;
    rb_buf text = RB_BUF_INIT;
    char *out_dir = NULL;
    size_t i;
    int rc = 1;

    memset(&pm, 0, sizeof pm);
    suite = rb_probe_suite_load(a->probes, err);
    if (!suite)
        goto done;
    if (open_model(a, &pm, err) < 0)
        goto done;
    r = rb_probe_run(pm.e, pm.h, suite, &(rb_probe_options){a->top_k, 0},
                     err);
    if (!r)
        goto done;
    list_problems(r->problems, r->nproblems, a->probes, a->strict);
    if (a->strict && r->nproblems) {
        rb_error_set(err, "%s: %zu line%s cannot run (--strict)", a->probes,
                     r->nproblems, r->nproblems == 1 ? "" : "s");
        goto done;
    }
    if (r->n == 0) {
        rb_error_set(err, "%s: no probe could run", a->probes);
        goto done;
    }
    ctx.suite = a->probes;
    ctx.model = a->model;
    ctx.device = rb_mlm_head_device(pm.h);
    out_dir = a->out ? rb_strdup(a->out) : default_out(a->probes);
    if (!out_dir || rb_probe_report_text(r, &ctx, &text) < 0) {
        rb_error_oom(err);
        goto done;
    }
    fwrite(text.data, 1, text.len, stdout);
    fflush(stdout);
    for (i = 0; i < r->diag.nwarnings; i++)
        rb_warn("%s", r->diag.warnings[i].message);
    if (write_outputs(a, r, &ctx, &pm, out_dir, &text, err) < 0)
        goto done;
    rc = 0;

done:
    rb_buf_release(&text);
    rb_free(out_dir);
    rb_probe_report_free(r);
    close_model(&pm);
    rb_probe_suite_free(suite);
    return rc;
}

int rb_cmd_probe(int argc, char **argv)
{
    probe_args a;
    rb_error err = {{0}, 0};
    int rc = parse_args(argc, argv, &a);

    if (rc != 0) {
        if (rc < 0)
            fputs("'rankbench probe --help' lists the options\n", stderr);
        return rc < 0 ? 2 : 0;
    }
    rc = run_probe(&a, &err);
    if (rc != 0 && err.set)
        rb_log(RB_LOG_ERROR, "%s", err.msg);
    return rc;
}
