/*
 * rankbench gate: fail CI when results regress from a baseline.
 */

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "cli/commands.h"
#include "gate/gate.h"
#include "report/results.h"

static const char gate_usage[] =
"usage: rankbench gate --baseline FILE --results PATH... [RULES] [OUTPUT]\n"
"       rankbench gate --update --baseline FILE --results PATH...\n"
"\n"
"Check results against a baseline: every dataset x retriever x measure of\n"
"the baseline must be in the results and within its allowed drop, and\n"
"timings within their slow-down limits. Missing entries fail; new ones\n"
"are reported and pass. PATH is a results.json, or a folder holding one\n"
"(or one per dataset in its subfolders).\n"
"\n"
"rules (a rules file first, then the flags, which add to and override it):\n"
"  --rules FILE            JSON rules, as ci/gate-rules.json\n"
"  --max-drop [M=]D        allowed absolute drop of measure M, e.g.\n"
"                          ndcg_cut_10=0.005; without M=, of every\n"
"                          measure that has no rule of its own (default 0)\n"
"  --max-drop-rel [M=]P    allowed relative drop: 1% or 0.01\n"
"  --require-significance  fail a drop past its limit only when the paired\n"
"                          randomization test over the queries finds it\n"
"                          significant\n"
"  --alpha A               significance level (0.05)\n"
"  --permutations N        randomization trials (10000)\n"
"  --seed N                seed of the randomization test (42)\n"
"  --max-slowdown T=R      e.g. search=1.5: time T may be at most R times\n"
"                          the baseline's (search, index, or any timings\n"
"                          key ending in _s)\n"
"  --timing-floor S        times under S seconds count as S (0.01)\n"
"  --allow-dataset-change  compare even when the dataset fingerprint\n"
"                          differs from the baseline's\n"
"\n"
"output:\n"
"  (default)               a table of every check on stdout\n"
"  --json                  the checks as JSON on stdout instead\n"
"  --junit FILE            also write JUnit XML\n"
"  GITHUB_ACTIONS set      failed checks also as ::error:: annotations\n"
"  -q                      no table, only the exit status and errors\n"
"\n"
"baseline:\n"
"  --update                write the results as the new baseline, keeping\n"
"                          only what the gate needs, and check nothing\n"
"  --measures LIST         measures --update keeps (default: those the\n"
"                          rules name, and ndcg_cut_10, P_10, recall_100,\n"
"                          map_cut_100, map, recip_rank)\n"
"\n"
"Exit status: 0 when every check passes (or the baseline was written),\n"
"1 on a regression, 2 on a usage or input error.\n"
"Details: docs/gate.md.\n";

typedef struct gate_args {
    const char *baseline, *rules_file, *junit, *measures;
    const char **results;
    size_t nresults;
    const char **drops, **rel_drops, **slowdowns;
    size_t ndrops, nrel_drops, nslowdowns;
    int update, json, quiet;
    int significance, alpha_given, perm_given, seed_given, floor_given;
    int allow_change;
    double alpha, floor;
    size_t permutations;
    unsigned long long seed;
} gate_args;

enum {
    OPT_BASELINE = 256, OPT_RESULTS, OPT_RULES, OPT_MAX_DROP,
    OPT_MAX_DROP_REL, OPT_SIGNIFICANCE, OPT_ALPHA, OPT_PERMUTATIONS,
    OPT_SEED, OPT_SLOWDOWN, OPT_FLOOR, OPT_ALLOW_CHANGE, OPT_JSON,
    OPT_JUNIT, OPT_UPDATE, OPT_MEASURES
};

static int number_arg(const char *opt, const char *s, double lo, double hi,
                      double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    if (!s[0] || *end || errno || !(*out >= lo && *out <= hi)) {
        fprintf(stderr, "rankbench gate: %s \"%s\": expected a number "
                "between %g and %g\n", opt, s, lo, hi);
        return -1;
    }
    return 0;
}

static int count_arg(const char *opt, const char *s, unsigned long long lo,
                     unsigned long long *out)
{
    char *end;

    errno = 0;
    *out = strtoull(s, &end, 10);
    if (!s[0] || s[0] == '-' || *end || errno || *out < lo) {
        fprintf(stderr, "rankbench gate: %s \"%s\": expected a whole "
                "number >= %llu\n", opt, s, lo);
        return -1;
    }
    return 0;
}

static int handle_option(int c, gate_args *a)
{
    unsigned long long n;

    switch (c) {
    case OPT_BASELINE: a->baseline = optarg; break;
    case OPT_RESULTS: a->results[a->nresults++] = optarg; break;
    case OPT_RULES: a->rules_file = optarg; break;
    case OPT_MAX_DROP: a->drops[a->ndrops++] = optarg; break;
    case OPT_MAX_DROP_REL: a->rel_drops[a->nrel_drops++] = optarg; break;
    case OPT_SLOWDOWN: a->slowdowns[a->nslowdowns++] = optarg; break;
    case OPT_SIGNIFICANCE: a->significance = 1; break;
    case OPT_ALLOW_CHANGE: a->allow_change = 1; break;
    case OPT_JSON: a->json = 1; break;
    case OPT_JUNIT: a->junit = optarg; break;
    case OPT_UPDATE: a->update = 1; break;
    case OPT_MEASURES: a->measures = optarg; break;
    case 'q': a->quiet = 1; rb_log_set_level(RB_LOG_WARN); break;
    case 'v': rb_log_set_level(RB_LOG_DEBUG); break;
    case OPT_ALPHA:
        a->alpha_given = 1;
        if (number_arg("--alpha", optarg, 1e-300, 0.999999, &a->alpha) < 0)
            return -1;
        break;
    case OPT_FLOOR:
        a->floor_given = 1;
        if (number_arg("--timing-floor", optarg, 0, 1e9, &a->floor) < 0)
            return -1;
        break;
    case OPT_PERMUTATIONS:
        a->perm_given = 1;
        if (count_arg("--permutations", optarg, 1, &n) < 0)
            return -1;
        a->permutations = (size_t)n;
        break;
    case OPT_SEED:
        a->seed_given = 1;
        if (count_arg("--seed", optarg, 0, &a->seed) < 0)
            return -1;
        break;
    default:
        return -1;
    }
    return 0;
}

/* Returns 0 to go on, 1 after --help, -1 on a usage error. */
static int parse_args(int argc, char **argv, gate_args *a)
{
    static const struct option longopts[] = {
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"results", required_argument, NULL, OPT_RESULTS},
        {"rules", required_argument, NULL, OPT_RULES},
        {"max-drop", required_argument, NULL, OPT_MAX_DROP},
        {"max-drop-rel", required_argument, NULL, OPT_MAX_DROP_REL},
        {"require-significance", no_argument, NULL, OPT_SIGNIFICANCE},
        {"alpha", required_argument, NULL, OPT_ALPHA},
        {"permutations", required_argument, NULL, OPT_PERMUTATIONS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"max-slowdown", required_argument, NULL, OPT_SLOWDOWN},
        {"timing-floor", required_argument, NULL, OPT_FLOOR},
        {"allow-dataset-change", no_argument, NULL, OPT_ALLOW_CHANGE},
        {"json", no_argument, NULL, OPT_JSON},
        {"junit", required_argument, NULL, OPT_JUNIT},
        {"update", no_argument, NULL, OPT_UPDATE},
        {"measures", required_argument, NULL, OPT_MEASURES},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    RB_CLI_GETOPT_RESET();
    while ((c = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(gate_usage, stdout);
            return 1;
        }
        if (handle_option(c, a) < 0)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "rankbench gate: unexpected argument \"%s\"\n",
                argv[optind]);
        return -1;
    }
    if (!a->baseline || a->nresults == 0) {
        fprintf(stderr, "rankbench gate: --baseline and --results are "
                "required\n");
        return -1;
    }
    return 0;
}

static int build_rules(const gate_args *a, rb_gate_rules *rules,
                       rb_error *err)
{
    size_t i;

    if (a->rules_file && rb_gate_rules_load(rules, a->rules_file, err) < 0)
        return -1;
    for (i = 0; i < a->ndrops; i++)
        if (rb_gate_rules_add_drop(rules, a->drops[i], 0, err) < 0)
            return -1;
    for (i = 0; i < a->nrel_drops; i++)
        if (rb_gate_rules_add_drop(rules, a->rel_drops[i], 1, err) < 0)
            return -1;
    for (i = 0; i < a->nslowdowns; i++)
        if (rb_gate_rules_add_slowdown(rules, a->slowdowns[i], err) < 0)
            return -1;
    if (a->significance)
        rules->require_significance = 1;
    if (a->alpha_given)
        rules->alpha = a->alpha;
    if (a->perm_given)
        rules->permutations = a->permutations;
    if (a->seed_given)
        rules->seed = (uint64_t)a->seed;
    if (a->floor_given)
        rules->timing_floor = a->floor;
    rules->allow_dataset_change = a->allow_change;
    return 0;
}

typedef struct loaded_results {
    json_t **items;
    size_t n, cap;
} loaded_results;

static int add_results_file(loaded_results *lr, const char *path,
                            rb_error *err)
{
    json_t **items, *res;

    res = rb_results_load(path, err);
    if (!res)
        return -1;
    if (!json_is_string(json_object_get(json_object_get(res, "dataset"),
                                        "name"))) {
        json_decref(res);
        return rb_error_set(err, "%s: \"dataset\" has no \"name\"", path);
    }
    items = rb_grow(lr->items, &lr->cap, lr->n + 1, sizeof *items);
    if (!items) {
        json_decref(res);
        return rb_error_oom(err);
    }
    lr->items = items;
    lr->items[lr->n++] = res;
    return 0;
}

static int name_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* A folder: its results.json, or those of its subfolders in name
 * order. */
static int add_results_dir(loaded_results *lr, const char *dir,
                           rb_error *err)
{
    char *direct = rb_path_join(dir, "results.json"), **found = NULL;
    size_t n = 0, cap = 0, i;
    struct dirent *e;
    DIR *d;
    int rc = 0;

    if (!direct)
        return rb_error_oom(err);
    if (rb_path_exists(direct)) {
        rc = add_results_file(lr, direct, err);
        rb_free(direct);
        return rc;
    }
    rb_free(direct);
    d = opendir(dir);
    if (!d)
        return rb_error_set(err, "%s: %s", dir, strerror(errno));
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char *sub, *path;

        if (e->d_name[0] == '.')
            continue;
        sub = rb_path_join(dir, e->d_name);
        path = sub ? rb_path_join(sub, "results.json") : NULL;
        rb_free(sub);
        if (!path) {
            rc = rb_error_oom(err);
        } else if (!rb_path_exists(path)) {
            rb_free(path);
        } else {
            char **grown = rb_grow(found, &cap, n + 1, sizeof *found);

            if (!grown) {
                rb_free(path);
                rc = rb_error_oom(err);
            } else {
                found = grown;
                found[n++] = path;
            }
        }
    }
    closedir(d);
    if (n)
        qsort(found, n, sizeof *found, name_cmp);
    for (i = 0; i < n; i++) {
        if (rc == 0)
            rc = add_results_file(lr, found[i], err);
        rb_free(found[i]);
    }
    rb_free(found);
    if (rc == 0 && n == 0)
        rc = rb_error_set(err, "%s: no results.json in it or in its "
                          "subfolders", dir);
    return rc;
}

static int load_all_results(const gate_args *a, loaded_results *lr,
                            rb_error *err)
{
    size_t i;

    for (i = 0; i < a->nresults; i++) {
        struct stat st;

        if (stat(a->results[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            if (add_results_dir(lr, a->results[i], err) < 0)
                return -1;
        } else if (add_results_file(lr, a->results[i], err) < 0) {
            return -1;
        }
    }
    return 0;
}

static char **split_list(const char *list, rb_error *err)
{
    size_t n = 1, i = 0;
    const char *p;
    char **out;

    for (p = list; *p; p++)
        n += *p == ',';
    out = rb_calloc(n + 1, sizeof *out);
    if (!out) {
        rb_error_oom(err);
        return NULL;
    }
    for (p = list; ; ) {
        size_t len = strcspn(p, ",");

        if (len && !(out[i++] = rb_strndup(p, len))) {
            rb_error_oom(err);
            break;
        }
        p += len;
        if (!*p++)
            break;
    }
    return out;
}

static void free_list(char **list)
{
    size_t i;

    for (i = 0; list && list[i]; i++)
        rb_free(list[i]);
    rb_free(list);
}

/* Create the folder a new file goes into, when it has one. */
static int make_parent(const char *path, rb_error *err)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int rc;

    if (!slash || slash == path)
        return 0;
    dir = rb_strndup(path, (size_t)(slash - path));
    if (!dir)
        return rb_error_oom(err);
    rc = rb_mkdirs(dir, err);
    rb_free(dir);
    return rc;
}

static int update_baseline(const gate_args *a, const loaded_results *lr,
                           const rb_gate_rules *rules, rb_error *err)
{
    char **measures = a->measures ? split_list(a->measures, err) : NULL;
    json_t *baseline;
    int rc;

    if (a->measures && !measures)
        return -1;
    if (make_parent(a->baseline, err) < 0) {
        free_list(measures);
        return -1;
    }
    baseline = rb_gate_baseline_new((const json_t *const *)lr->items, lr->n,
                                    rules, (const char *const *)measures,
                                    err);
    rc = baseline ? rb_gate_baseline_write(baseline, a->baseline, err) : -1;
    if (rc == 0 && !a->quiet)
        printf("baseline written to %s from %zu results file%s\n",
               a->baseline, lr->n, lr->n == 1 ? "" : "s");
    json_decref(baseline);
    free_list(measures);
    return rc;
}

static int github_actions(void)
{
    const char *v = getenv("GITHUB_ACTIONS");

    return v && v[0] && strcmp(v, "false") != 0;
}

static int report(const gate_args *a, const rb_gate_report *rep,
                  const rb_gate_rules *rules, rb_error *err)
{
    if (a->json) {
        json_t *j = rb_gate_report_json(rep, rules);
        char *text = j ? json_dumps(j, JSON_INDENT(2) |
                                    JSON_REAL_PRECISION(17)) : NULL;

        json_decref(j);
        if (!text)
            return rb_error_oom(err);
        printf("%s\n", text);
        free(text);
    } else if (!a->quiet) {
        rb_gate_print_table(stdout, rep);
    }
    /* Annotations go where the table goes, or to stderr beside JSON. */
    if (github_actions())
        rb_gate_print_annotations(a->json ? stderr : stdout, rep);
    if (a->junit && rb_gate_write_junit(rep, a->junit, err) < 0)
        return -1;
    return 0;
}

static int run_gate(const gate_args *a, rb_error *err)
{
    rb_gate_rules rules;
    rb_gate_report rep = {0};
    loaded_results lr = {0};
    json_t *baseline = NULL;
    size_t i;
    int status = 2;

    rb_gate_rules_init(&rules);
    if (build_rules(a, &rules, err) < 0 ||
        load_all_results(a, &lr, err) < 0)
        goto done;
    if (a->update) {
        status = update_baseline(a, &lr, &rules, err) < 0 ? 2 : 0;
        goto done;
    }
    baseline = rb_gate_baseline_load(a->baseline, err);
    if (!baseline ||
        rb_gate_check_results(baseline, (const json_t *const *)lr.items,
                              lr.n, &rules, &rep, err) < 0 ||
        report(a, &rep, &rules, err) < 0)
        goto done;
    status = rep.failed ? 1 : 0;
done:
    rb_gate_report_release(&rep);
    json_decref(baseline);
    for (i = 0; i < lr.n; i++)
        json_decref(lr.items[i]);
    rb_free(lr.items);
    rb_gate_rules_release(&rules);
    return status;
}

int rb_cmd_gate(int argc, char **argv)
{
    gate_args a;
    rb_error err = {0};
    const char **slots;
    int parsed, status;

    memset(&a, 0, sizeof a);
    slots = rb_calloc(4 * (size_t)argc + 4, sizeof *slots);
    if (!slots) {
        fprintf(stderr, "rankbench gate: out of memory\n");
        return 2;
    }
    a.results = slots;
    a.drops = slots + argc + 1;
    a.rel_drops = slots + 2 * argc + 2;
    a.slowdowns = slots + 3 * argc + 3;
    parsed = parse_args(argc, argv, &a);
    if (parsed != 0) {
        if (parsed < 0)
            fprintf(stderr, "(see 'rankbench gate --help')\n");
        rb_free(slots);
        return parsed > 0 ? 0 : 2;
    }
    status = run_gate(&a, &err);
    if (status == 2)
        fprintf(stderr, "rankbench gate: %s\n", err.msg);
    rb_free(slots);
    return status;
}
