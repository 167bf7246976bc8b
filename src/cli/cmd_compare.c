/*
 * rankbench compare: paired significance tests between systems, from
 * results files or from a qrels file and TREC runs.
 */

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "cli/commands.h"
#include "data/dataset.h"
#include "data/qrels.h"
#include "data/run.h"
#include "metrics/measures.h"
#include "report/compare.h"
#include "report/results.h"

static const char compare_usage[] =
"usage: rankbench compare [OPTIONS] RESULTS.json [RESULTS.json...]\n"
"       rankbench compare [OPTIONS] QRELS RUN RUN...\n"
"\n"
"Paired significance tests between systems over the queries they share:\n"
"for each measure the means with bootstrap confidence intervals, the\n"
"differences with theirs, and the p-values of the paired t-test, Fisher's\n"
"randomization test and the paired bootstrap test. The systems are the\n"
"retrievers of the results files (written by 'rankbench run'), or the\n"
"TREC runs scored against QRELS as trec_eval does.\n"
"\n"
"  -m, --measure LIST   measures to compare, comma-separated, as output\n"
"                       names (ndcg_cut_10, P_10, map) or trec_eval\n"
"                       syntax (ndcg_cut.10); 'all' for every measure\n"
"                       (default: ndcg_cut_10, P_10, recall_100,\n"
"                       map_cut_100, map, recip_rank where present)\n"
"      --retrievers LIST  only these retrievers of the results files\n"
"      --baseline NAME  compare every system with NAME only (default:\n"
"                       every pair)\n"
"      --test NAME      test that decides significance: randomization\n"
"                       (default), t or bootstrap\n"
"      --alpha A        significance level (0.05)\n"
"      --level L        confidence level of the intervals (0.95)\n"
"      --permutations N randomization trials (10000)\n"
"      --bootstrap N    bootstrap resamples (10000)\n"
"      --seed N         seed of the random tests (42)\n"
"      --strict         fail when the systems cover different queries\n"
"                       (default: compare the common ones and say so)\n"
"      --per-query N    the N queries that gain and lose most, for each\n"
"                       pair, on the first measure\n"
"      --dataset DIR    BEIR folder whose queries.jsonl gives query texts\n"
"                       (default: the results' dataset, when present)\n"
"      --allow-dataset-change\n"
"                       accept results files of different datasets\n"
"  -c                   TREC runs: average over every judged query\n"
"  -l LEVEL             TREC runs: grade that counts as relevant (1)\n"
"      --ignore-identical-ids\n"
"                       TREC runs: drop results whose document id equals\n"
"                       the query id\n"
"      --json           print JSON instead of text\n"
"  -q, -v               less or more logging\n"
"\n"
"With more than two systems the p-values are Holm-adjusted across the\n"
"comparisons of each measure. Exit status: 0 on success, 2 on a usage or\n"
"input error. Definitions: docs/statistics.md.\n";

#define MAX_SYSTEMS 52

typedef struct compare_args {
    const char **inputs;
    size_t ninputs;
    const char *measures, *retrievers, *baseline, *dataset;
    rb_compare_options opt;
    rb_eval_options eval;
    size_t per_query;
    int json, allow_dataset_change;
} compare_args;

/* Everything loaded, owned here; systems borrow from it. */
typedef struct loaded {
    json_t **docs;            /* results files or evaluations */
    size_t ndocs;
    rb_compare_system systems[MAX_SYSTEMS];
    char *labels[MAX_SYSTEMS];
    const char *sources[MAX_SYSTEMS];
    const char *retriever[MAX_SYSTEMS];
    size_t n;
    char **measures;          /* NULL-terminated, or NULL for defaults */
    rb_dataset *ds;
} loaded;

static void loaded_free(loaded *l)
{
    size_t i;

    for (i = 0; i < l->ndocs; i++)
        json_decref(l->docs[i]);
    rb_free(l->docs);
    for (i = 0; i < l->n; i++)
        rb_free(l->labels[i]);
    for (i = 0; l->measures && l->measures[i]; i++)
        rb_free(l->measures[i]);
    rb_free(l->measures);
    rb_dataset_free(l->ds);
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    if (!s[0] || s[0] == '-')
        return -1;
    v = strtoull(s, &end, 10);
    if (*end || errno)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_unit(const char *s, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    return (!s[0] || *end || errno || !(*out > 0 && *out < 1)) ? -1 : 0;
}

enum {
    OPT_RETRIEVERS = 256, OPT_BASELINE, OPT_TEST, OPT_ALPHA, OPT_LEVEL,
    OPT_PERMUTATIONS, OPT_BOOTSTRAP, OPT_SEED, OPT_STRICT, OPT_PER_QUERY,
    OPT_DATASET, OPT_ALLOW_CHANGE, OPT_IDENTICAL, OPT_JSON
};

static int bad_value(const char *opt, const char *value, const char *what)
{
    fprintf(stderr, "rankbench compare: %s \"%s\": %s\n", opt, value, what);
    return -1;
}

static int handle_option(int c, compare_args *a)
{
    size_t n;

    switch (c) {
    case 'm': a->measures = optarg; break;
    case OPT_RETRIEVERS: a->retrievers = optarg; break;
    case OPT_BASELINE: a->baseline = optarg; break;
    case OPT_DATASET: a->dataset = optarg; break;
    case OPT_STRICT: a->opt.strict = 1; break;
    case OPT_JSON: a->json = 1; break;
    case OPT_ALLOW_CHANGE: a->allow_dataset_change = 1; break;
    case OPT_IDENTICAL: a->eval.ignore_identical_ids = 1; break;
    case 'c': a->eval.complete = 1; break;
    case 'q': rb_log_set_level(RB_LOG_WARN); break;
    case 'v': rb_log_set_level(RB_LOG_DEBUG); break;
    case OPT_TEST:
        if (rb_compare_test_parse(optarg, &a->opt.test) < 0)
            return bad_value("--test", optarg,
                             "one of randomization, t, bootstrap");
        break;
    case OPT_ALPHA:
        if (parse_unit(optarg, &a->opt.alpha) < 0)
            return bad_value("--alpha", optarg, "a number in (0, 1)");
        break;
    case OPT_LEVEL:
        if (parse_unit(optarg, &a->opt.stats.level) < 0)
            return bad_value("--level", optarg, "a number in (0, 1)");
        break;
    case OPT_PERMUTATIONS:
    case OPT_BOOTSTRAP:
        if (parse_size(optarg, &n) < 0 || n == 0)
            return bad_value(c == OPT_BOOTSTRAP ? "--bootstrap"
                                                : "--permutations",
                             optarg, "a positive whole number");
        if (c == OPT_BOOTSTRAP)
            a->opt.stats.bootstrap = n;
        else
            a->opt.stats.permutations = n;
        break;
    case OPT_SEED:
        if (parse_size(optarg, &n) < 0)
            return bad_value("--seed", optarg, "a whole number");
        a->opt.stats.seed = (uint64_t)n;
        break;
    case OPT_PER_QUERY:
        if (parse_size(optarg, &a->per_query) < 0)
            return bad_value("--per-query", optarg, "a whole number");
        break;
    case 'l': {
        char *end;
        long v = strtol(optarg, &end, 10);

        if (!optarg[0] || *end || v < -1000000 || v > 1000000)
            return bad_value("-l", optarg, "an integer grade");
        a->eval.rel_level = (int)v;
        break;
    }
    default:
        return -1;
    }
    return 0;
}

/* Returns 0 to go on, 1 after --help, -1 on a usage error. */
static int parse_args(int argc, char **argv, compare_args *a)
{
    static const struct option longopts[] = {
        {"measure", required_argument, NULL, 'm'},
        {"retrievers", required_argument, NULL, OPT_RETRIEVERS},
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"test", required_argument, NULL, OPT_TEST},
        {"alpha", required_argument, NULL, OPT_ALPHA},
        {"level", required_argument, NULL, OPT_LEVEL},
        {"permutations", required_argument, NULL, OPT_PERMUTATIONS},
        {"bootstrap", required_argument, NULL, OPT_BOOTSTRAP},
        {"seed", required_argument, NULL, OPT_SEED},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"per-query", required_argument, NULL, OPT_PER_QUERY},
        {"dataset", required_argument, NULL, OPT_DATASET},
        {"allow-dataset-change", no_argument, NULL, OPT_ALLOW_CHANGE},
        {"ignore-identical-ids", no_argument, NULL, OPT_IDENTICAL},
        {"json", no_argument, NULL, OPT_JSON},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    RB_CLI_GETOPT_RESET();
    while ((c = getopt_long(argc, argv, "m:cl:qvh", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(compare_usage, stdout);
            return 1;
        }
        if (handle_option(c, a) < 0)
            return -1;
    }
    a->inputs = (const char **)argv + optind;
    a->ninputs = (size_t)(argc - optind);
    if (a->ninputs == 0) {
        fprintf(stderr, "rankbench compare: give results files, or a "
                "qrels file and runs\n");
        return -1;
    }
    return 0;
}

/* Whether a file holds JSON (its first non-blank byte is '{'). */
static int looks_like_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    int c = EOF;

    if (!f)
        return 0;
    do
        c = fgetc(f);
    while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    fclose(f);
    return c == '{';
}

/* Output names from a -m list: "ndcg_cut_10", or trec_eval's
 * "ndcg_cut.10,100" expanded to ndcg_cut_10 and ndcg_cut_100. */
static char **parse_measure_list(const char *list, rb_error *err)
{
    char *copy = rb_strdup(list), *tok, *save = NULL;
    char **out = NULL;
    size_t n = 0, cap = 0;
    const char *stem = NULL;
    size_t stem_len = 0;

    if (!copy) {
        rb_error_oom(err);
        return NULL;
    }
    for (tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char name[128], *dot = strchr(tok, '.');
        int digits = tok[0] && strspn(tok, "0123456789") == strlen(tok);

        if (dot) {
            stem = tok;
            stem_len = (size_t)(dot - tok);
            snprintf(name, sizeof name, "%.*s_%s", (int)stem_len, tok,
                     dot + 1);
        } else if (digits && stem) {
            /* "P.5,10": the 10 continues the cutoffs of P. */
            snprintf(name, sizeof name, "%.*s_%s", (int)stem_len, stem, tok);
        } else {
            stem = NULL;
            snprintf(name, sizeof name, "%s", tok);
        }
        if (n + 2 > cap) {
            char **grown = rb_grow(out, &cap, n + 2, sizeof *out);

            if (!grown)
                goto oom;
            out = grown;
        }
        out[n] = rb_strdup(name);
        if (!out[n])
            goto oom;
        out[++n] = NULL;
    }
    rb_free(copy);
    if (n == 0)
        rb_error_set(err, "-m \"%s\" names no measure", list);
    return out;
oom:
    rb_free(copy);
    while (n > 0)
        rb_free(out[--n]);
    rb_free(out);
    rb_error_oom(err);
    return NULL;
}

static int is_count(const char *m)
{
    return strncmp(m, "num_", 4) == 0;
}

/* Every measure name of a JSON list except counts. */
static char **all_measures(const json_t *names, rb_error *err)
{
    char **out = rb_calloc(json_array_size(names) + 1, sizeof *out);
    json_t *v;
    size_t i, k = 0;

    if (!out) {
        rb_error_oom(err);
        return NULL;
    }
    json_array_foreach(names, i, v) {
        if (!json_is_string(v) || is_count(json_string_value(v)))
            continue;
        out[k] = rb_strdup(json_string_value(v));
        if (!out[k++]) {
            rb_error_oom(err);
            return out;
        }
    }
    return out;
}

static int wanted_retriever(const char *list, const char *name)
{
    size_t len = strlen(name);
    const char *p = list;

    if (!list)
        return 1;
    while (*p) {
        size_t n = strcspn(p, ",");

        if (n == len && strncmp(p, name, n) == 0)
            return 1;
        p += n;
        p += *p == ',';
    }
    return 0;
}

static int add_system(loaded *l, const char *label, const char *source,
                      const char *retriever, const json_t *per_query,
                      rb_error *err)
{
    if (l->n == MAX_SYSTEMS)
        return rb_error_set(err, "more than %d systems to compare",
                            MAX_SYSTEMS);
    l->labels[l->n] = rb_strdup(label);
    if (!l->labels[l->n])
        return rb_error_oom(err);
    l->systems[l->n].label = l->labels[l->n];
    l->systems[l->n].per_query = per_query;
    l->sources[l->n] = source;
    l->retriever[l->n] = retriever;
    l->n++;
    return 0;
}

/* Labels must be unique: a name found in several inputs is qualified by
 * its source ("FILE:NAME"). */
static int qualify_labels(loaded *l, rb_error *err)
{
    int dup[MAX_SYSTEMS] = {0};
    size_t i, j;

    for (i = 0; i < l->n; i++)
        for (j = i + 1; j < l->n; j++)
            if (strcmp(l->labels[i], l->labels[j]) == 0)
                dup[i] = dup[j] = 1;
    for (i = 0; i < l->n; i++) {
        char *q;
        size_t len;

        if (!dup[i])
            continue;
        len = strlen(l->sources[i]) + strlen(l->labels[i]) + 2;
        q = rb_malloc(len);
        if (!q)
            return rb_error_oom(err);
        snprintf(q, len, "%s:%s", l->sources[i], l->labels[i]);
        rb_free(l->labels[i]);
        l->labels[i] = q;
        l->systems[i].label = q;
    }
    for (i = 0; i < l->n; i++)
        for (j = i + 1; j < l->n; j++)
            if (strcmp(l->labels[i], l->labels[j]) == 0)
                return rb_error_set(err, "\"%s\" is given twice",
                                    l->labels[i]);
    return 0;
}

static const char *fingerprint(const json_t *results)
{
    return json_string_value(json_object_get(json_object_get(results,
                                                             "dataset"),
                                             "fingerprint"));
}

static int load_results(const compare_args *a, loaded *l, rb_error *err)
{
    size_t f, i;

    l->docs = rb_calloc(a->ninputs, sizeof *l->docs);
    if (!l->docs)
        return rb_error_oom(err);
    for (f = 0; f < a->ninputs; f++) {
        json_t *res = rb_results_load(a->inputs[f], err), *r;
        const char *fp, *fp0;

        if (!res)
            return -1;
        l->docs[l->ndocs++] = res;
        fp = fingerprint(res);
        fp0 = fingerprint(l->docs[0]);
        if (f > 0 && !a->allow_dataset_change &&
            (!fp || !fp0 || strcmp(fp, fp0) != 0))
            return rb_error_set(err, "%s and %s hold results of different "
                                "datasets (fingerprints differ); "
                                "--allow-dataset-change compares them "
                                "anyway", a->inputs[0], a->inputs[f]);
        json_array_foreach(json_object_get(res, "retrievers"), i, r) {
            const char *name = json_string_value(json_object_get(r,
                                                                 "name"));
            json_t *pq = json_object_get(r, "per_query");

            if (!name)
                return rb_error_set(err, "%s: retriever entry %zu has no "
                                    "name", a->inputs[f], i + 1);
            if (!wanted_retriever(a->retrievers, name))
                continue;
            if (!json_is_object(pq))
                return rb_error_set(err, "%s: retriever \"%s\" has no "
                                    "per-query scores", a->inputs[f],
                                    name);
            if (add_system(l, name, a->inputs[f], name, pq, err) < 0)
                return -1;
        }
    }
    if (a->measures && strcmp(a->measures, "all") == 0) {
        l->measures = all_measures(json_object_get(l->docs[0], "measures"),
                                   err);
        if (!l->measures)
            return -1;
    }
    return 0;
}

/* The trec_eval measure specification of an output name: "P_10" is
 * "P.10"; a name without a numeric suffix is itself. */
static void measure_spec(const char *name, char *spec, size_t size)
{
    const char *us = strrchr(name, '_');

    snprintf(spec, size, "%s", name);
    if (us && us[1] && strspn(us + 1, "0123456789") == strlen(us + 1))
        spec[us - name] = '.';
}

static int measure_set_for(const loaded *l, rb_measure_set *set,
                           rb_error *err)
{
    size_t i;

    rb_measures_init(set);
    rb_measures_beir(set);
    for (i = 0; l->measures && l->measures[i]; i++) {
        char spec[160];

        measure_spec(l->measures[i], spec, sizeof spec);
        if (rb_measures_add(set, spec, err) < 0)
            return -1;
    }
    return 0;
}

/* A run's label: its file name without folder and without a ".run",
 * ".trec" or ".txt" extension. */
static const char *run_label(const char *path, char *out, size_t size)
{
    static const char *const exts[] = {".run", ".trec", ".txt"};
    const char *slash = strrchr(path, '/');
    size_t i, len;

    snprintf(out, size, "%s", slash ? slash + 1 : path);
    len = strlen(out);
    for (i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t e = strlen(exts[i]);

        if (len > e && strcmp(out + len - e, exts[i]) == 0) {
            out[len - e] = '\0';
            break;
        }
    }
    return out;
}

static int load_runs(const compare_args *a, loaded *l, rb_error *err)
{
    rb_measure_set set;
    rb_qrels *qrels;
    size_t f;
    int rc = -1;

    if (a->ninputs < 3)
        return rb_error_set(err, "give a qrels file and at least two runs");
    if (a->retrievers)
        return rb_error_set(err, "--retrievers applies to results files; "
                            "list the runs to compare instead");
    if (measure_set_for(l, &set, err) < 0)
        return -1;
    qrels = rb_qrels_read(a->inputs[0], err);
    if (!qrels)
        return -1;
    l->docs = rb_calloc(a->ninputs, sizeof *l->docs);
    if (!l->docs) {
        rb_error_oom(err);
        goto done;
    }
    for (f = 1; f < a->ninputs; f++) {
        char label[256];
        rb_run *run = rb_run_read_trec(a->inputs[f], err);
        rb_eval *ev = run ? rb_evaluate(qrels, run, &set, &a->eval, err)
                          : NULL;
        json_t *scores = ev ? rb_eval_to_json(ev) : NULL;

        if (ev && !scores)
            rb_error_oom(err);
        if (scores && !l->measures && a->measures &&
            strcmp(a->measures, "all") == 0) {
            json_t *names = json_array();
            size_t m;

            for (m = 0; names && m < ev->nmeasures; m++)
                json_array_append_new(names, json_string(ev->names[m]));
            l->measures = all_measures(names, err);
            json_decref(names);
        }
        rb_eval_free(ev);
        rb_run_free(run);
        if (!scores)
            goto done;
        l->docs[l->ndocs++] = scores;
        if (add_system(l, run_label(a->inputs[f], label, sizeof label),
                       a->inputs[f], NULL,
                       json_object_get(scores, "per_query"), err) < 0)
            goto done;
    }
    rc = 0;
done:
    rb_qrels_free(qrels);
    return rc;
}

/* Query texts: --dataset when given (errors count), else the results'
 * own dataset folder when it is there (quietly skipped otherwise). */
static int load_texts(const compare_args *a, loaded *l, rb_error *err)
{
    rb_load_options lopt = {NULL, 0, 1};
    const json_t *dataset = l->ndocs && a->dataset == NULL
        ? json_object_get(l->docs[0], "dataset") : NULL;
    const char *path = a->dataset;
    rb_error quiet = {0};

    if (a->per_query == 0 && !a->dataset)
        return 0;
    if (!path) {
        path = json_string_value(json_object_get(dataset, "path"));
        lopt.split = json_string_value(json_object_get(dataset, "split"));
        if (!path || !json_is_object(l->docs[0]) ||
            !json_object_get(l->docs[0], "schema"))
            return 0;
        l->ds = rb_dataset_load(path, &lopt, &quiet);
        if (!l->ds)
            rb_debug("no query texts: %s", quiet.msg);
        return 0;
    }
    l->ds = rb_dataset_load(path, &lopt, err);
    return l->ds ? 0 : -1;
}

/* The measures of the comparisons, in order of first appearance. */
static size_t compared_measures(const json_t *cmps, const char **out,
                                size_t max)
{
    json_t *c;
    size_t i, j, n = 0;

    json_array_foreach(cmps, i, c) {
        const char *m = json_string_value(json_object_get(c, "measure"));
        int seen = 0;

        for (j = 0; j < n; j++)
            seen |= strcmp(out[j], m) == 0;
        if (!seen && n < max)
            out[n++] = m;
    }
    return n;
}

/* The mean and interval of system label on measure, from any comparison
 * it is part of. */
static int system_mean(const json_t *cmps, const char *label,
                       const char *measure, double *mean, json_t **ci)
{
    json_t *c;
    size_t i;

    json_array_foreach(cmps, i, c) {
        const char *m = json_string_value(json_object_get(c, "measure"));
        const char *b = json_string_value(json_object_get(c, "baseline"));
        const char *s = json_string_value(json_object_get(c, "system"));

        if (strcmp(m, measure) != 0)
            continue;
        if (strcmp(b, label) == 0 || strcmp(s, label) == 0) {
            int is_base = strcmp(b, label) == 0;

            *mean = json_number_value(json_object_get(
                c, is_base ? "baseline_mean" : "system_mean"));
            *ci = json_object_get(c, is_base ? "baseline_ci" : "system_ci");
            return 0;
        }
    }
    return -1;
}

static char letter(size_t i)
{
    return (char)(i < 26 ? 'a' + i : 'A' + (i - 26));
}

/* Letters of the systems that system s beats significantly on measure. */
static void beaten(const loaded *l, const json_t *cmps, size_t s,
                   const char *measure, char *out)
{
    json_t *c;
    size_t i, j, k = 0;

    for (j = 0; j < l->n; j++) {
        json_array_foreach(cmps, i, c) {
            const char *m = json_string_value(json_object_get(c, "measure"));
            const char *b = json_string_value(json_object_get(c,
                                                              "baseline"));
            const char *y = json_string_value(json_object_get(c, "system"));
            double d = json_number_value(json_object_get(c, "difference"));

            if (strcmp(m, measure) != 0 ||
                !json_is_true(json_object_get(c, "significant")))
                continue;
            if ((strcmp(y, l->labels[s]) == 0 &&
                 strcmp(b, l->labels[j]) == 0 && d > 0) ||
                (strcmp(b, l->labels[s]) == 0 &&
                 strcmp(y, l->labels[j]) == 0 && d < 0)) {
                out[k++] = letter(j);
                break;
            }
        }
    }
    out[k] = '\0';
}

static void print_p_value(const json_t *c, const char *test, int holm)
{
    char text[32];

    rb_compare_format_p(c, test, holm, text, sizeof text);
    printf("  %-8s", text);
}

/* A difference that is zero but for rounding prints as +0.0000. */
static double no_negative_zero(double v)
{
    return fabs(v) < 1e-12 ? 0.0 : v;
}

static void format_interval(const json_t *ci, int sign, char *out,
                            size_t size)
{
    json_t *lo = json_array_get(ci, 0), *hi = json_array_get(ci, 1);

    if (json_is_number(lo) && json_is_number(hi))
        snprintf(out, size, sign ? "[%+.4f, %+.4f]" : "[%.4f, %.4f]",
                 no_negative_zero(json_number_value(lo)),
                 no_negative_zero(json_number_value(hi)));
    else
        snprintf(out, size, "-");
}

static void print_overview(const loaded *l, const json_t *cmps,
                           const char **measures, size_t nm, int width)
{
    size_t s, m;

    printf("\n   %-*s", width, "system");
    for (m = 0; m < nm; m++)
        printf("  %-14s", measures[m]);
    printf("\n");
    for (s = 0; s < l->n; s++) {
        printf("%c  %-*s", letter(s), width, l->labels[s]);
        for (m = 0; m < nm; m++) {
            char wins[MAX_SYSTEMS + 1], cell[80];
            double mean;
            json_t *ci;

            beaten(l, cmps, s, measures[m], wins);
            if (system_mean(cmps, l->labels[s], measures[m], &mean, &ci))
                snprintf(cell, sizeof cell, "-");
            else
                snprintf(cell, sizeof cell, "%.4f%s%s", mean,
                         wins[0] ? " " : "", wins);
            printf("  %-14s", cell);
        }
        printf("\n");
    }
    printf("\nLetters after a mean name the systems it is significantly "
           "better than.\n");
}

static void pair_label(const json_t *c, char *out, size_t size)
{
    snprintf(out, size, "%s - %s",
             json_string_value(json_object_get(c, "system")),
             json_string_value(json_object_get(c, "baseline")));
}

static void print_measure(const loaded *l, const json_t *cmps,
                          const char *measure, int holm, double level,
                          int width)
{
    json_t *c;
    size_t s, i;
    int pair_width = 4;

    json_array_foreach(cmps, i, c) {
        char pair_text[2 * 128 + 8];

        pair_label(c, pair_text, sizeof pair_text);
        if ((int)strlen(pair_text) > pair_width)
            pair_width = (int)strlen(pair_text);
    }

    printf("\n%s\n  %-*s  %-7s  %g%% CI\n", measure, width, "system",
           "mean", 100 * level);
    for (s = 0; s < l->n; s++) {
        char ci_text[64];
        double mean;
        json_t *ci;

        if (system_mean(cmps, l->labels[s], measure, &mean, &ci))
            continue;
        format_interval(ci, 0, ci_text, sizeof ci_text);
        printf("  %-*s  %.4f   %s\n", width, l->labels[s], mean, ci_text);
    }
    printf("  %-*s  %-10s  %-18s  %-8s  %-8s  %-8s\n", pair_width,
           "pair", "difference", "CI of difference", holm ? "p (t)*" :
           "p (t)", holm ? "p (rand)*" : "p (rand)",
           holm ? "p (boot)*" : "p (boot)");
    json_array_foreach(cmps, i, c) {
        char pair_text[2 * 128 + 8], ci_text[64];

        if (strcmp(json_string_value(json_object_get(c, "measure")),
                   measure) != 0)
            continue;
        pair_label(c, pair_text, sizeof pair_text);
        format_interval(json_object_get(c, "difference_ci"), 1, ci_text,
                        sizeof ci_text);
        printf("  %-*s  %+-10.4f  %-18s", pair_width, pair_text,
               no_negative_zero(json_number_value(json_object_get(
                   c, "difference"))), ci_text);
        print_p_value(c, "t", holm);
        print_p_value(c, "randomization", holm);
        print_p_value(c, "bootstrap", holm);
        printf("%s\n", json_is_true(json_object_get(c, "significant"))
                       ? "  significant" : "");
    }
}

static void print_deltas(const json_t *list, const char *title)
{
    json_t *d;
    size_t i;

    printf("  %s:%s\n", title, json_array_size(list) ? "" : " none");
    json_array_foreach(list, i, d) {
        const char *text = json_string_value(json_object_get(d, "text"));

        printf("    %+.4f  %-10s %.4f -> %.4f%s%s\n",
               json_number_value(json_object_get(d, "difference")),
               json_string_value(json_object_get(d, "query")),
               json_number_value(json_object_get(d, "baseline")),
               json_number_value(json_object_get(d, "system")),
               text ? "  " : "", text ? text : "");
    }
}

static void print_per_query(const json_t *cmps)
{
    json_t *c;
    size_t i;

    json_array_foreach(cmps, i, c) {
        if (!json_object_get(c, "gains"))
            continue;
        printf("\nper query: %s against %s on %s\n",
               json_string_value(json_object_get(c, "system")),
               json_string_value(json_object_get(c, "baseline")),
               json_string_value(json_object_get(c, "measure")));
        print_deltas(json_object_get(c, "gains"), "largest gains");
        print_deltas(json_object_get(c, "losses"), "largest losses");
    }
}

static void print_text(const loaded *l, const json_t *cmps,
                       const rb_compare_info *info,
                       const rb_compare_options *opt)
{
    const char *measures[64];
    size_t nm = compared_measures(cmps, measures, 64), s, m;
    int width = 6;

    for (s = 0; s < l->n; s++)
        if ((int)strlen(l->labels[s]) > width)
            width = (int)strlen(l->labels[s]);
    printf("%zu queries in common", info->common_queries);
    if (info->union_queries > info->common_queries)
        printf(" (%zu others dropped)",
               info->union_queries - info->common_queries);
    printf("; significance: paired %s test, p < %g",
           rb_compare_test_name(opt->test), opt->alpha);
    if (info->holm)
        printf(", Holm-adjusted over %zu comparisons per measure (the "
               "p-values marked *)", info->comparisons);
    printf("\n");
    print_overview(l, cmps, measures, nm, width);
    for (m = 0; m < nm; m++)
        print_measure(l, cmps, measures[m], info->holm, opt->stats.level,
                      width);
    print_per_query(cmps);
}

static int print_json(const loaded *l, json_t *cmps,
                      const rb_compare_info *info,
                      const compare_args *a)
{
    json_t *systems = json_array(), *out;
    size_t s;
    char *text;

    for (s = 0; systems && s < l->n; s++)
        if (json_array_append_new(systems, json_pack(
                "{s:s, s:s, s:o}", "label", l->labels[s], "source",
                l->sources[s], "retriever", l->retriever[s]
                ? json_string(l->retriever[s]) : json_null())) < 0)
            break;
    out = json_pack("{s:s, s:i, s:o, s:{s:o, s:s, s:f, s:f, s:I, s:I, "
                    "s:I, s:b}, s:I, s:I, s:O}",
                    "schema", "rankbench.comparison", "schema_version", 1,
                    "systems", systems, "settings",
                    "baseline", a->baseline ? json_string(a->baseline)
                                            : json_null(),
                    "test", rb_compare_test_name(a->opt.test),
                    "alpha", a->opt.alpha, "level", a->opt.stats.level,
                    "permutations", (json_int_t)a->opt.stats.permutations,
                    "bootstrap_samples", (json_int_t)a->opt.stats.bootstrap,
                    "seed", (json_int_t)a->opt.stats.seed,
                    "holm", info->holm,
                    "queries", (json_int_t)info->common_queries,
                    "dropped_queries",
                    (json_int_t)(info->union_queries -
                                 info->common_queries),
                    "comparisons", cmps);
    if (!out)
        return -1;
    text = json_dumps(out, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(out);
    if (!text)
        return -1;
    printf("%s\n", text);
    free(text);
    return 0;
}

static long baseline_index(const loaded *l, const char *name,
                           rb_error *err)
{
    size_t s;

    if (!name)
        return -1;
    for (s = 0; s < l->n; s++)
        if (strcmp(l->labels[s], name) == 0)
            return (long)s;
    return rb_error_set(err, "--baseline \"%s\" is not among the systems "
                        "compared", name) - 1;
}

static int run_compare(compare_args *a, loaded *l, rb_error *err)
{
    rb_compare_info info;
    json_t *cmps;
    long base;
    int rc;

    if (a->measures && strcmp(a->measures, "all") != 0) {
        l->measures = parse_measure_list(a->measures, err);
        if (!l->measures)
            return -1;
    }
    if (looks_like_json(a->inputs[0]) ? load_results(a, l, err)
                                      : load_runs(a, l, err))
        return -1;
    if (l->n < 2)
        return rb_error_set(err, "found %zu system%s to compare: at least "
                            "two are needed", l->n, l->n == 1 ? "" : "s");
    if (qualify_labels(l, err) < 0 || load_texts(a, l, err) < 0)
        return -1;
    base = baseline_index(l, a->baseline, err);
    if (base < -1)
        return -1;
    a->opt.measures = (const char *const *)l->measures;
    a->opt.per_query = a->per_query;
    cmps = rb_compare_systems(l->systems, l->n, base, &a->opt, l->ds, &info,
                              err);
    if (!cmps)
        return -1;
    if (info.union_queries > info.common_queries)
        rb_warn("compare: the systems were evaluated on different queries; "
                "comparing the %zu they share, %zu dropped (--strict "
                "makes this an error)", info.common_queries,
                info.union_queries - info.common_queries);
    if (a->json)
        rc = print_json(l, cmps, &info, a);
    else {
        print_text(l, cmps, &info, &a->opt);
        rc = 0;
    }
    json_decref(cmps);
    return rc < 0 ? rb_error_oom(err) : 0;
}

int rb_cmd_compare(int argc, char **argv)
{
    compare_args a;
    loaded l;
    rb_error err = {0};
    rb_eval_options eval = RB_EVAL_OPTIONS_INIT;
    int parsed, rc;

    memset(&a, 0, sizeof a);
    memset(&l, 0, sizeof l);
    a.opt = (rb_compare_options)RB_COMPARE_OPTIONS_INIT;
    a.eval = eval;
    parsed = parse_args(argc, argv, &a);
    if (parsed != 0) {
        if (parsed < 0)
            fprintf(stderr, "(see 'rankbench compare --help')\n");
        return parsed > 0 ? 0 : 2;
    }
    rc = run_compare(&a, &l, &err);
    if (rc < 0)
        fprintf(stderr, "rankbench compare: %s\n", err.msg);
    loaded_free(&l);
    return rc < 0 ? 2 : 0;
}
