/*
 * rankbench: evaluation harness for text retrieval. Dispatches to one
 * subcommand per file.
 */

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "cli/commands.h"
#include "encoder/cuda_module.h"
#include "rb_version.h"

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"run", rb_cmd_run, "run retrievers on datasets and score them"},
    {"eval", rb_cmd_eval, "score TREC runs against qrels (trec_eval)"},
    {"compare", rb_cmd_compare, "significance tests between systems"},
    {"fuse", rb_cmd_fuse, "fuse TREC runs (RRF, CombSUM, ...)"},
    {"plot", rb_cmd_plot, "charts from a results file (gnuplot)"},
    {"gate", rb_cmd_gate, "fail CI when results regress from a baseline"},
    {"probe", rb_cmd_probe, "masked-token probes of an encoder's MLM head"},
    {"datasets", rb_cmd_datasets, "check, describe and fetch datasets"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

int rb_cli_log_option(const char *arg)
{
    if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0)
        rb_log_set_level(RB_LOG_WARN);
    else if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0)
        rb_log_set_level(RB_LOG_DEBUG);
    else if (strcmp(arg, "-vv") == 0)
        rb_log_set_level(RB_LOG_TRACE);
    else
        return 0;
    return 1;
}

static void usage(FILE *out)
{
    size_t i;

    fprintf(out, "usage: rankbench COMMAND [OPTIONS]\n\ncommands:\n");
    for (i = 0; i < NCOMMANDS; i++)
        if (commands[i].fn)
            fprintf(out, "  %-10s %s\n", commands[i].name,
                    commands[i].summary);
    fprintf(out, "\n'rankbench COMMAND --help' describes a command.\n");
}

/* `--version -v`: where the CUDA backend is and what it finds. Loading
 * the module is what this costs, which plain --version spares. */
static void print_devices(void)
{
    char why[800] = "";
    int n = rb_cuda_device_count(why, sizeof why);
    const char *path = rb_cuda_module_path();

    if (path)
        printf("cuda module: %s\n", path);
    if (n > 0)
        printf("cuda devices: %d\n", n);
    else
        printf("cuda devices: none (%s)\n", why);
}

int main(int argc, char **argv)
{
    size_t i;

    /* jansson allocates through rb_malloc too, so that allocation-failure
     * tests (RB_FAIL_ALLOC) reach its allocations. */
    json_set_alloc_funcs(rb_malloc, rb_free);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("rankbench %s (%s)\n", RB_VERSION, RB_GIT_COMMIT);
        if (argc > 2 && (strcmp(argv[2], "-v") == 0 ||
                         strcmp(argv[2], "--verbose") == 0))
            print_devices();
        return 0;
    }
    for (i = 0; i < NCOMMANDS; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        if (!commands[i].fn) {
            fprintf(stderr, "rankbench: '%s' is not available in this "
                    "build\n", argv[1]);
            return 2;
        }
        return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "rankbench: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
