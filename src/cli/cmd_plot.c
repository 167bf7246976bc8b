/*
 * rankbench plot: charts and a report page from results files.
 */

#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "cli/commands.h"
#include "report/plot.h"
#include "report/report_md.h"
#include "report/results.h"

static const char plot_usage[] =
    "usage: rankbench plot RESULTS.json... [--out DIR] [--format svg,png]\n"
    "                      [--pair BASE,OTHER] [--no-report]\n"
    "                      [--scripts-only] [--gnuplot PROG]\n"
    "                      [--templates DIR] [--timeout SECONDS]\n"
    "                      [--strict] [-q|-v]\n"
    "\n"
    "Draw charts of results files with gnuplot (Debian package\n"
    "gnuplot-nox): quality (nDCG@10, P@10, recall@100), per-query\n"
    "changes between two retrievers, recall at k and speed; with several\n"
    "results files (one per dataset) also one chart across the datasets.\n"
    "Each chart comes as NAME.svg and NAME.png (1200x800) beside the\n"
    "NAME.dat and NAME.gp it was drawn from, and a report page embeds\n"
    "them.\n"
    "\n"
    "  --out DIR          chart folder (default: plots/ beside each\n"
    "                     results file); with several files, one\n"
    "                     sub-folder per results folder. The report page\n"
    "                     goes into DIR; by default beside results.json.\n"
    "  --format LIST      svg, png or both (default svg,png)\n"
    "  --pair BASE,OTHER  the per-query chart shows OTHER - BASE\n"
    "                     (default: the leader on nDCG@10 against the\n"
    "                     runner-up)\n"
    "  --no-report        charts only, no report.md\n"
    "  --scripts-only     write the data and gnuplot scripts, draw nothing\n"
    "  --gnuplot PROG     the gnuplot program (default $RANKBENCH_GNUPLOT,\n"
    "                     else gnuplot on PATH)\n"
    "  --templates DIR    chart templates (default $RANKBENCH_PLOTS_DIR,\n"
    "                     else the plots/ folder of the source tree)\n"
    "  --timeout SECONDS  limit for one gnuplot run (default 60)\n"
    "  --strict           fail when gnuplot prints a warning\n";

/* One results file and where its charts and page go. */
typedef struct plot_target {
    const char *path;
    json_t *results;
    char *folder;       /* the results file's folder */
    char *charts;       /* chart folder */
    char *page;         /* report page, or NULL */
    char *href;         /* chart folder relative to the page */
} plot_target;

typedef struct plot_cli {
    rb_plot_options opts;
    const char *out;
    int no_report;
    char *pair;         /* "BASE,OTHER" split in place */
} plot_cli;

static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return rb_strdup(".");
    if (slash == path)
        return rb_strdup("/");
    return rb_strndup(path, (size_t)(slash - path));
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash && slash[1] ? slash + 1 : path;
}

/* The sub-folder of --out for target i: its results folder's name, made
 * unique with -2, -3, ... */
static char *out_subfolder(const plot_target *t, size_t i, const char *out)
{
    char resolved[PATH_MAX], name[300];
    const char *leaf;
    size_t j, dup = 1;

    leaf = realpath(t[i].folder, resolved) ? base_name(resolved)
                                           : base_name(t[i].folder);
    for (j = 0; j < i; j++) {
        char other[PATH_MAX];
        const char *o = realpath(t[j].folder, other) ? base_name(other)
                                                     : base_name(t[j].folder);

        dup += strcmp(o, leaf) == 0;
    }
    if (dup > 1)
        snprintf(name, sizeof name, "%.255s-%zu", leaf, dup);
    else
        snprintf(name, sizeof name, "%.255s", leaf);
    return rb_path_join(out, name);
}

static int plan_target(plot_target *t, size_t i, size_t n,
                       const plot_cli *cli, rb_error *err)
{
    t[i].folder = folder_of(t[i].path);
    if (!t[i].folder)
        return rb_error_oom(err);
    if (cli->out)
        t[i].charts = n == 1 ? rb_strdup(cli->out)
                             : out_subfolder(t, i, cli->out);
    else
        t[i].charts = rb_path_join(t[i].folder, RB_REPORT_CHARTS_DIR);
    t[i].page = rb_path_join(cli->out ? t[i].charts : t[i].folder,
                             "report.md");
    t[i].href = rb_strdup(cli->out ? "" : RB_REPORT_CHARTS_DIR "/");
    if (!t[i].charts || !t[i].page || !t[i].href)
        return rb_error_oom(err);
    return 0;
}

static int plot_one(plot_target *t, const plot_cli *cli, rb_error *err)
{
    if (rb_plot_results_with(t->results, t->charts, &cli->opts, err) < 0)
        return -1;
    printf("charts: %s\n", t->charts);
    if (cli->no_report)
        return 0;
    if (rb_report_write_file(t->results, t->page, t->charts, t->href,
                             err) < 0)
        return -1;
    printf("report: %s\n", t->page);
    return 0;
}

/* Length of the longest leading run of whole path components that a
 * (its first len bytes) and b share. */
static size_t shared_components(const char *a, size_t len, const char *b)
{
    size_t k = 0, last = 0;

    for (;;) {
        char ca = k < len ? a[k] : '\0', cb = b[k];

        if ((ca == '/' || ca == '\0') && (cb == '/' || cb == '\0'))
            last = k;
        if (ca != cb || ca == '\0')
            return last;
        k++;
    }
}

/* The deepest folder that holds every results folder. */
static char *common_folder(const plot_target *t, size_t n)
{
    char first[PATH_MAX], other[PATH_MAX];
    size_t len, i;

    if (!realpath(t[0].folder, first))
        return rb_strdup(".");
    len = strlen(first);
    for (i = 1; i < n; i++) {
        if (!realpath(t[i].folder, other))
            return rb_strdup(".");
        len = shared_components(first, len, other);
    }
    return rb_strndup(first, len ? len : 1);
}

/* Path of target i's page relative to folder (or NULL when not inside). */
static char *page_link(const plot_target *t, const char *folder)
{
    char resolved[PATH_MAX];
    char *dir, *link;
    size_t n = strlen(folder);

    if (!t->page)
        return NULL;
    dir = folder_of(t->page);
    if (!dir || !realpath(dir, resolved)) {
        rb_free(dir);
        return NULL;
    }
    rb_free(dir);
    if (strncmp(resolved, folder, n) != 0 ||
        (resolved[n] != '/' && resolved[n] != '\0'))
        return NULL;
    link = rb_malloc(strlen(resolved + n) + 16);
    if (link)
        sprintf(link, "%s%sreport.md", resolved[n] ? resolved + n + 1 : "",
                resolved[n] ? "/" : "");
    return link;
}

static int plot_across(plot_target *t, size_t n, const plot_cli *cli,
                       rb_error *err)
{
    const json_t **results = rb_calloc(n, sizeof *results);
    char **pages = rb_calloc(n, sizeof *pages);
    char *top = cli->out ? rb_strdup(cli->out) : common_folder(t, n);
    char *charts = NULL, *page = NULL, *resolved = NULL;
    size_t i;
    int rc = -1;

    if (!results || !pages || !top)
        goto oom;
    charts = cli->out ? rb_strdup(top)
                      : rb_path_join(top, RB_REPORT_CHARTS_DIR);
    page = rb_path_join(top, "report.md");
    if (!charts || !page)
        goto oom;
    for (i = 0; i < n; i++)
        results[i] = t[i].results;
    if (rb_plot_datasets(results, n, charts, &cli->opts, err) < 0)
        goto done;
    printf("charts: %s\n", charts);
    if (cli->no_report) {
        rc = 0;
        goto done;
    }
    resolved = rb_malloc(PATH_MAX);
    if (!resolved)
        goto oom;
    if (realpath(top, resolved))
        for (i = 0; i < n; i++)
            pages[i] = page_link(&t[i], resolved);
    rc = rb_report_write_datasets(results, (const char *const *)pages, n,
                                  page, charts,
                                  cli->out ? "" : RB_REPORT_CHARTS_DIR "/",
                                  err);
    if (rc == 0)
        printf("report: %s\n", page);
    goto done;
oom:
    rb_error_oom(err);
done:
    for (i = 0; pages && i < n; i++)
        rb_free(pages[i]);
    rb_free(pages);
    rb_free(results);
    rb_free(top);
    rb_free(charts);
    rb_free(page);
    rb_free(resolved);
    return rc;
}

static int plot_all(plot_target *t, size_t n, const plot_cli *cli,
                    rb_error *err)
{
    size_t i;

    for (i = 0; i < n; i++) {
        t[i].results = rb_results_load(t[i].path, err);
        if (!t[i].results)
            return -1;
        if (rb_plot_check_results(t[i].results, err) < 0) {
            rb_error_prefix(err, "%s", t[i].path);
            return -1;
        }
        if (plan_target(t, i, n, cli, err) < 0)
            return -1;
    }
    for (i = 0; i < n; i++)
        if (plot_one(&t[i], cli, err) < 0) {
            if (n > 1)
                rb_error_prefix(err, "%s", t[i].path);
            return -1;
        }
    return n > 1 ? plot_across(t, n, cli, err) : 0;
}

static void release_targets(plot_target *t, size_t n)
{
    size_t i;

    for (i = 0; t && i < n; i++) {
        json_decref(t[i].results);
        rb_free(t[i].folder);
        rb_free(t[i].charts);
        rb_free(t[i].page);
        rb_free(t[i].href);
    }
    rb_free(t);
}

/* --pair BASE,OTHER */
static int parse_pair(plot_cli *cli, const char *arg)
{
    char *comma;

    rb_free(cli->pair);
    cli->pair = rb_strdup(arg);
    if (!cli->pair)
        return -1;
    comma = strchr(cli->pair, ',');
    if (!comma || comma == cli->pair || !comma[1] || strchr(comma + 1, ','))
        return -1;
    *comma = '\0';
    cli->opts.pair_base = cli->pair;
    cli->opts.pair_other = comma + 1;
    return 0;
}

enum {
    OPT_OUT = 256, OPT_FORMAT, OPT_PAIR, OPT_NO_REPORT, OPT_SCRIPTS_ONLY,
    OPT_GNUPLOT, OPT_TEMPLATES, OPT_TIMEOUT, OPT_STRICT
};

int rb_cmd_plot(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, OPT_OUT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"pair", required_argument, NULL, OPT_PAIR},
        {"no-report", no_argument, NULL, OPT_NO_REPORT},
        {"scripts-only", no_argument, NULL, OPT_SCRIPTS_ONLY},
        {"gnuplot", required_argument, NULL, OPT_GNUPLOT},
        {"templates", required_argument, NULL, OPT_TEMPLATES},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    plot_cli cli;
    plot_target *targets = NULL;
    rb_error err = {0};
    size_t n = 0, i;
    int c, status = 1;

    memset(&cli, 0, sizeof cli);
    rb_plot_options_init(&cli.opts);
    RB_CLI_GETOPT_RESET();
    while ((c = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_OUT: cli.out = optarg; break;
        case OPT_FORMAT: cli.opts.formats = optarg; break;
        case OPT_PAIR:
            if (parse_pair(&cli, optarg) < 0) {
                fprintf(stderr, "rankbench plot: --pair needs two "
                        "retriever names, BASE,OTHER, not \"%s\"\n", optarg);
                goto usage;
            }
            break;
        case OPT_NO_REPORT: cli.no_report = 1; break;
        case OPT_SCRIPTS_ONLY: cli.opts.scripts_only = 1; break;
        case OPT_GNUPLOT: cli.opts.gnuplot = optarg; break;
        case OPT_TEMPLATES: cli.opts.template_dir = optarg; break;
        case OPT_TIMEOUT: {
            char *end;

            cli.opts.timeout_s = strtod(optarg, &end);
            if (*end || !(cli.opts.timeout_s > 0)) {
                fprintf(stderr, "rankbench plot: --timeout needs a "
                        "positive number of seconds, not \"%s\"\n", optarg);
                goto usage;
            }
            break;
        }
        case OPT_STRICT: cli.opts.strict = 1; break;
        case 'q': rb_log_set_level(RB_LOG_WARN); break;
        case 'v': rb_log_set_level(RB_LOG_DEBUG); break;
        case 'h':
            fputs(plot_usage, stdout);
            rb_free(cli.pair);
            return 0;
        default:
            goto usage;
        }
    }
    n = (size_t)(argc - optind);
    if (n == 0) {
        fprintf(stderr, "rankbench plot: name a results file\n");
        goto usage;
    }
    targets = rb_calloc(n, sizeof *targets);
    if (!targets) {
        rb_error_oom(&err);
        goto fail;
    }
    for (i = 0; i < n; i++)
        targets[i].path = argv[optind + (int)i];
    if (plot_all(targets, n, &cli, &err) < 0)
        goto fail;
    status = 0;
    goto done;
fail:
    fprintf(stderr, "rankbench plot: error: %s\n", err.msg);
done:
    release_targets(targets, n);
    rb_free(cli.pair);
    return status;
usage:
    fputs(plot_usage, stderr);
    rb_free(cli.pair);
    return 2;
}
