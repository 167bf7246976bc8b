/*
 * rankbench fuse: combine TREC run files from any tool into one run.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "cli/commands.h"
#include "data/run.h"
#include "retrieve/fusion.h"

static void fuse_usage(FILE *out)
{
    fprintf(out,
"usage: rankbench fuse [OPTIONS] RUN RUN... -o OUT\n"
"\n"
"Fuse TREC runs (qid Q0 docno rank score tag) into one run. Each run is\n"
"read in trec_eval order (score descending, ties by docno descending).\n"
"\n"
"  -o, --output FILE    where to write the fused run (required)\n"
"  -m, --method NAME    rrf (default), wsum, combsum or combmnz\n"
"  -k, --rrf-k K        RRF constant: score = sum of w / (K + rank) (60)\n"
"      --norm NAME      score normalization per query for wsum, combsum\n"
"                       and combmnz: minmax (default), zscore, max, sum,\n"
"                       none\n"
"  -w, --weights LIST   comma-separated weight per run (all 1)\n"
"  -d, --depth LIST     results read from each run: one number for all or\n"
"                       one per run (1000; 0 reads all)\n"
"  -n, --top N          results kept per query (1000; 0 keeps all)\n"
"      --tag TAG        run tag of the output (fused-METHOD)\n"
"  -q, -v               less or more logging\n"
"\n"
"Exit status: 0 on success, 2 on a usage or input error.\n"
"Formulas and tie-breaking: docs/fusion.md.\n");
}

/* Parse a whole non-negative integer. */
static int parse_count(const char *s, size_t *out)
{
    char *end;
    unsigned long long v;

    if (!s[0] || s[0] == '-')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (*end || errno)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_real(const char *s, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    if (!s[0] || *end || errno)
        return -1;
    return 0;
}

/* Fill one value per run from a comma-separated list (or one value for
 * all when `broadcast`). */
static int parse_list(const char *list, size_t nruns, int broadcast,
                      int integers, double *reals, size_t *counts,
                      const char *what)
{
    char *copy = rb_strdup(list), *tok, *save = NULL;
    size_t i = 0;
    int rc = 0;

    if (!copy)
        return -1;
    for (tok = strtok_r(copy, ",", &save); tok && rc == 0;
         tok = strtok_r(NULL, ",", &save), i++) {
        if (i >= nruns)
            rc = -1;
        else if (integers)
            rc = parse_count(tok, &counts[i]);
        else
            rc = parse_real(tok, &reals[i]);
    }
    if (rc == 0 && broadcast && i == 1) {
        for (; i < nruns; i++) {
            if (integers)
                counts[i] = counts[0];
            else
                reals[i] = reals[0];
        }
    }
    if (rc == 0 && i != nruns)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "rankbench fuse: %s \"%s\" must give %s%zu "
                "%s\n", what, list, broadcast ? "one value or " : "",
                nruns, integers ? "whole numbers" : "numbers");
    rb_free(copy);
    return rc;
}

typedef struct fuse_args {
    const char *output, *weights, *depths, *tag;
    const char **runs;
    size_t nruns;
    rb_fusion_options opt;
    int norm_given, k_given;
} fuse_args;

static int need_value(int argc, char **argv, int i)
{
    if (i + 1 >= argc) {
        fprintf(stderr, "rankbench fuse: %s needs a value\n", argv[i]);
        return -1;
    }
    return 0;
}

static int is_opt(const char *arg, const char *s, const char *l)
{
    return strcmp(arg, s) == 0 || (l && strcmp(arg, l) == 0);
}

/* Returns 0 to go on, 1 after --help, -1 on a usage error. */
static int parse_args(int argc, char **argv, fuse_args *a)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (is_opt(arg, "-h", "--help")) {
            fuse_usage(stdout);
            return 1;
        }
        if (rb_cli_log_option(arg))
            continue;
        if (arg[0] != '-') {
            a->runs[a->nruns++] = arg;
            continue;
        }
        if (need_value(argc, argv, i) < 0)
            return -1;
        if (is_opt(arg, "-o", "--output")) {
            a->output = argv[++i];
        } else if (is_opt(arg, "-m", "--method")) {
            if (rb_fusion_method_parse(argv[++i], &a->opt.method) < 0) {
                fprintf(stderr, "rankbench fuse: unknown method \"%s\" "
                        "(rrf, wsum, combsum, combmnz)\n", argv[i]);
                return -1;
            }
        } else if (is_opt(arg, "-k", "--rrf-k")) {
            a->k_given = 1;
            if (parse_real(argv[++i], &a->opt.k) < 0 || !(a->opt.k > 0)) {
                fprintf(stderr, "rankbench fuse: -k \"%s\" must be a "
                        "positive number\n", argv[i]);
                return -1;
            }
        } else if (is_opt(arg, "--norm", NULL)) {
            a->norm_given = 1;
            if (rb_fusion_norm_parse(argv[++i], &a->opt.norm) < 0) {
                fprintf(stderr, "rankbench fuse: unknown normalization "
                        "\"%s\" (minmax, zscore, max, sum, none)\n",
                        argv[i]);
                return -1;
            }
        } else if (is_opt(arg, "-w", "--weights")) {
            a->weights = argv[++i];
        } else if (is_opt(arg, "-d", "--depth")) {
            a->depths = argv[++i];
        } else if (is_opt(arg, "-n", "--top")) {
            if (parse_count(argv[++i], &a->opt.limit) < 0) {
                fprintf(stderr, "rankbench fuse: --top \"%s\" must be a "
                        "whole number\n", argv[i]);
                return -1;
            }
        } else if (is_opt(arg, "--tag", NULL)) {
            a->tag = argv[++i];
        } else {
            fprintf(stderr, "rankbench fuse: unknown option \"%s\"\n", arg);
            return -1;
        }
    }
    return 0;
}

static int check_args(const fuse_args *a)
{
    if (a->nruns < 2) {
        fprintf(stderr, "rankbench fuse: give two or more runs to fuse\n");
        return -1;
    }
    if (!a->output) {
        fprintf(stderr, "rankbench fuse: -o OUT is required\n");
        return -1;
    }
    if (a->opt.method == RB_FUSE_RRF && a->norm_given) {
        fprintf(stderr, "rankbench fuse: --norm does not apply to rrf, "
                "which fuses ranks\n");
        return -1;
    }
    if (a->opt.method != RB_FUSE_RRF && a->k_given) {
        fprintf(stderr, "rankbench fuse: -k applies to rrf only\n");
        return -1;
    }
    return 0;
}

static int fuse_files(const fuse_args *a, rb_fusion_input *inputs)
{
    rb_error err = {0};
    rb_run *out = NULL;
    char tag[64];
    size_t i;
    int rc = 2;

    for (i = 0; i < a->nruns; i++) {
        inputs[i].run = rb_run_read_trec(a->runs[i], &err);
        if (!inputs[i].run)
            goto done;
    }
    snprintf(tag, sizeof tag, "fused-%s",
             rb_fusion_method_name(a->opt.method));
    out = rb_run_new(a->tag ? a->tag : tag);
    if (!out) {
        rb_error_oom(&err);
        goto done;
    }
    if (rb_fuse(inputs, a->nruns, &a->opt, out, &err) < 0 ||
        rb_run_write_trec(out, a->output, &err) < 0)
        goto done;
    rb_info("fused %zu runs into \"%s\": %zu queries", a->nruns,
            a->output, out->nqueries);
    rc = 0;
done:
    if (rc)
        fprintf(stderr, "rankbench fuse: %s\n", err.msg);
    for (i = 0; i < a->nruns; i++)
        rb_run_free((rb_run *)inputs[i].run);
    rb_run_free(out);
    return rc;
}

int rb_cmd_fuse(int argc, char **argv)
{
    fuse_args a;
    rb_fusion_input *inputs = NULL;
    double *weights = NULL;
    size_t *depths = NULL, i;
    int rc = 2, parsed;

    memset(&a, 0, sizeof a);
    a.opt = (rb_fusion_options)RB_FUSION_OPTIONS_INIT;
    a.runs = rb_calloc((size_t)argc, sizeof *a.runs);
    if (!a.runs) {
        fprintf(stderr, "rankbench fuse: out of memory\n");
        return 2;
    }
    parsed = parse_args(argc, argv, &a);
    if (parsed != 0 || check_args(&a) < 0) {
        if (parsed <= 0)
            fprintf(stderr, "(see 'rankbench fuse --help')\n");
        rb_free(a.runs);
        return parsed > 0 ? 0 : 2;
    }
    inputs = rb_calloc(a.nruns, sizeof *inputs);
    weights = rb_calloc(a.nruns, sizeof *weights);
    depths = rb_calloc(a.nruns, sizeof *depths);
    if (!inputs || !weights || !depths) {
        fprintf(stderr, "rankbench fuse: out of memory\n");
        goto done;
    }
    for (i = 0; i < a.nruns; i++) {
        weights[i] = 1.0;
        depths[i] = RB_FUSION_DEPTH;
    }
    if ((a.weights && parse_list(a.weights, a.nruns, 0, 0, weights, NULL,
                                 "--weights") < 0) ||
        (a.depths && parse_list(a.depths, a.nruns, 1, 1, NULL, depths,
                                "--depth") < 0))
        goto done;
    for (i = 0; i < a.nruns; i++) {
        inputs[i].weight = weights[i];
        inputs[i].depth = depths[i];
    }
    rc = fuse_files(&a, inputs);
done:
    rb_free(inputs);
    rb_free(weights);
    rb_free(depths);
    rb_free(a.runs);
    return rc;
}
