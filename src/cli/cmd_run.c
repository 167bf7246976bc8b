/*
 * rankbench run: datasets x retrievers -> runs, metrics, results JSON and a
 * Markdown table.
 */

#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/json_file.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/pool.h"
#include "base/selfpath.h"
#include "base/timer.h"
#include "cli/commands.h"
#include "cli/run_hooks.h"
#include "data/dataset.h"
#include "metrics/measures.h"
#include "report/results.h"
#include "retrieve/retriever.h"

static const char run_usage[] =
    "usage: rankbench run [--dataset DIR]... [--split NAME]\n"
    "                     [--retrievers NAME,...] [--config FILE]\n"
    "                     [--out DIR] [-k DEPTH] [--threads N]\n"
    "                     [--set RETRIEVER.PARAM=VALUE]...\n"
    "                     [--pg CONNINFO | --pg-temp] [--model DIR]\n"
    "                     [--device cpu|cuda] [--query-prefix TEXT]\n"
    "                     [--doc-prefix TEXT] [--baseline NAME] [--plots]\n"
    "                     [--cache DIR] [--keep-identical-ids] [-q|-v]\n"
    "\n"
    "Run retrievers over a BEIR dataset, score them as trec_eval does and\n"
    "write OUT/results.json, OUT/runs/RETRIEVER.trec and a Markdown table\n"
    "on stdout. With no arguments: every retriever that needs nothing\n"
    "external (ilike, bm25) on the bundled sample dataset.\n"
    "\n"
    "  --dataset DIR      BEIR folder (repeatable; default: the sample)\n"
    "  --split NAME       qrels split (default test)\n"
    "  --retrievers LIST  comma-separated retriever names\n"
    "  --config FILE      JSON experiment: {\"datasets\": [...],\n"
    "                     \"retrievers\": [{\"name\": ..., PARAM: ...}],\n"
    "                     \"k\": 1000, \"out\": DIR} (see eval/)\n"
    "  --out DIR          output folder (default results/DATASET)\n"
    "  -k DEPTH           results per query (default 1000)\n"
    "  --threads N        threads (default: all cores)\n"
    "  --set R.P=V        set parameter P of retriever R (V is JSON or text)\n"
    "  --pg CONNINFO      PostgreSQL server for the pg-* retrievers\n"
    "  --pg-temp          start a throwaway PostgreSQL cluster for them\n"
    "  --model DIR        encoder for the dense retriever\n"
    "  --baseline NAME    retriever the others are compared against\n"
    "                     (default: the first)\n"
    "  --plots            also draw charts and a report page (gnuplot)\n"
    "  --cache DIR        cache for indexes and embeddings\n"
    "                     (default .cache/rankbench)\n"
    "  --keep-identical-ids\n"
    "                     keep results whose document id equals the query\n"
    "                     id (dropped by default, as BEIR does)\n";

#define RUN_MAX_K 100000000      /* results per query */
#define RUN_MAX_THREADS 4096

typedef struct retriever_spec {
    char *name;                   /* display name */
    const rb_retriever_ops *ops;
    json_t *params;               /* owned */
} retriever_spec;

typedef struct run_config {
    char **datasets;
    const char **dataset_splits;  /* a dataset's own split, or NULL */
    size_t ndatasets;
    const char *split;
    retriever_spec *specs;
    size_t nspecs;
    const char *out;
    long k;
    int k_from_flag;
    int split_from_flag;
    int threads;
    int strict;
    int plots;
    int keep_identical;
    const char *baseline;
    const char *cache;
    const char *pg;
    int pg_temp;
    const char *model;
    const char *device;
    json_t *config_json;          /* the whole config, for the record */
} run_config;

/* Runs finished in this invocation, for fusion. */
typedef struct done_runs {
    const char **names;
    rb_run **runs;
    size_t n;
} done_runs;

static const rb_run *find_done_run(void *arg, const char *name)
{
    done_runs *d = arg;
    size_t i;

    for (i = 0; i < d->n; i++)
        if (strcmp(d->names[i], name) == 0)
            return d->runs[i];
    return NULL;
}

static void list_retrievers(FILE *out)
{
    const rb_retriever_ops *const *all = rb_retrievers_all();
    size_t i;

    fprintf(out, "available retrievers:\n");
    for (i = 0; all[i]; i++)
        fprintf(out, "  %-10s %s\n", all[i]->name, all[i]->summary);
}

static int add_spec(run_config *cfg, const char *name, const char *type,
                    json_t *params, rb_error *err)
{
    const rb_retriever_ops *ops = rb_retriever_find(type);
    retriever_spec *specs;
    size_t i;

    if (!ops) {
        json_decref(params);
        list_retrievers(stderr);
        return rb_error_set(err, "unknown retriever \"%s\"", type);
    }
    for (i = 0; i < cfg->nspecs; i++)
        if (strcmp(cfg->specs[i].name, name) == 0) {
            json_decref(params);
            return rb_error_set(err, "retriever \"%s\" is listed twice",
                                name);
        }
    specs = rb_realloc(cfg->specs, (cfg->nspecs + 1) * sizeof *specs);
    if (!specs) {
        json_decref(params);
        return rb_error_oom(err);
    }
    cfg->specs = specs;
    specs[cfg->nspecs].name = rb_strdup(name);
    specs[cfg->nspecs].ops = ops;
    specs[cfg->nspecs].params = params ? params : json_object();
    if (!specs[cfg->nspecs].name || !specs[cfg->nspecs].params)
        return rb_error_oom(err);
    cfg->nspecs++;
    return 0;
}

static int add_dataset(run_config *cfg, const char *path,
                       const char *split, rb_error *err)
{
    char **d = rb_realloc(cfg->datasets,
                          (cfg->ndatasets + 1) * sizeof *d);
    const char **splits;

    if (!d)
        return rb_error_oom(err);
    cfg->datasets = d;
    splits = rb_realloc(cfg->dataset_splits,
                        (cfg->ndatasets + 1) * sizeof *splits);
    if (!splits)
        return rb_error_oom(err);
    cfg->dataset_splits = splits;
    splits[cfg->ndatasets] = split;
    d[cfg->ndatasets] = rb_strdup(path);
    if (!d[cfg->ndatasets])
        return rb_error_oom(err);
    cfg->ndatasets++;
    return 0;
}

static int parse_retriever_list(run_config *cfg, const char *list,
                                rb_error *err)
{
    const char *p = list;

    while (*p) {
        size_t n = strcspn(p, ",");
        char name[128];

        if (n == 0 || n >= sizeof name)
            return rb_error_set(err, "--retrievers: bad list \"%s\"", list);
        memcpy(name, p, n);
        name[n] = '\0';
        if (add_spec(cfg, name, name, NULL, err) < 0)
            return -1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* A string member of the config, when present; *out is left alone when
 * the member is absent or out is NULL. */
static int config_string(json_t *root, const char *key, const char *path,
                         const char **out, rb_error *err)
{
    json_t *v = json_object_get(root, key);

    if (!v)
        return 0;
    if (!json_is_string(v))
        return rb_error_set(err, "%s: \"%s\" must be a string", path, key);
    if (out)
        *out = json_string_value(v);
    return 0;
}

/* Refuse keys the experiment format does not have, so a misspelt one
 * cannot silently run the defaults. */
static int check_config_keys(json_t *root, const char *path, rb_error *err)
{
    static const char *const known[] = {
        "datasets", "retrievers", "k", "out", "split", "baseline",
        "comment", "description", NULL,
    };
    const char *key;
    json_t *v;

    json_object_foreach(root, key, v) {
        size_t i;

        (void)v;
        for (i = 0; known[i] && strcmp(known[i], key) != 0; i++)
            ;
        if (!known[i])
            return rb_error_set(err, "%s: unknown key \"%s\" (known: "
                                "datasets, retrievers, k, out, split, "
                                "baseline, comment, description)", path,
                                key);
    }
    return 0;
}

/* The parameter objects of a JSON config: every key but name and type.
 * Values given on the command line win over the file's. */
static int parse_config_file(run_config *cfg, const char *path,
                             rb_error *err)
{
    json_t *root = rb_json_load_file(path, JSON_REJECT_DUPLICATES, err);
    json_t *v, *item;
    size_t i;

    if (!root)
        return -1;
    if (!json_is_object(root)) {
        json_decref(root);
        return rb_error_set(err, "%s: expected a JSON object", path);
    }
    cfg->config_json = root;
    if (check_config_keys(root, path, err) < 0)
        return -1;
    v = json_object_get(root, "datasets");
    if (v && !json_is_array(v))
        return rb_error_set(err, "%s: \"datasets\" must be a list", path);
    json_array_foreach(v, i, item) {
        const char *p = json_is_string(item) ? json_string_value(item) :
            json_string_value(json_object_get(item, "path"));

        if (!p)
            return rb_error_set(err, "%s: datasets[%zu] needs a path",
                                path, i);
        if (add_dataset(cfg, p,
                        json_string_value(json_object_get(item, "split")),
                        err) < 0)
            return -1;
    }
    v = json_object_get(root, "retrievers");
    if (v && !json_is_array(v))
        return rb_error_set(err, "%s: \"retrievers\" must be a list", path);
    json_array_foreach(v, i, item) {
        const char *name, *type;
        json_t *params;

        if (json_is_string(item)) {
            if (add_spec(cfg, json_string_value(item),
                         json_string_value(item), NULL, err) < 0)
                return -1;
            continue;
        }
        name = json_string_value(json_object_get(item, "name"));
        if (!json_is_object(item) || !name)
            return rb_error_set(err, "%s: retrievers[%zu] needs a \"name\"",
                                path, i);
        type = json_string_value(json_object_get(item, "type"));
        params = json_deep_copy(item);
        json_object_del(params, "name");
        json_object_del(params, "type");
        if (add_spec(cfg, name, type ? type : name, params, err) < 0)
            return -1;
    }
    if (config_string(root, "split", path, cfg->split ? NULL : &cfg->split,
                      err) < 0 ||
        config_string(root, "out", path, cfg->out ? NULL : &cfg->out,
                      err) < 0 ||
        config_string(root, "baseline", path,
                      cfg->baseline ? NULL : &cfg->baseline, err) < 0)
        return -1;
    v = json_object_get(root, "k");
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
            json_integer_value(v) > RUN_MAX_K)
            return rb_error_set(err, "%s: \"k\" must be a whole number "
                                "from 1 to %d", path, RUN_MAX_K);
        if (!cfg->k_from_flag)
            cfg->k = (long)json_integer_value(v);
    }
    return 0;
}

/* --set NAME.PARAM=VALUE: VALUE is parsed as JSON when it is valid JSON,
 * otherwise taken as a string. */
static int apply_set(run_config *cfg, const char *arg, rb_error *err)
{
    const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');
    json_t *value;
    size_t i;

    if (!dot || !eq || eq < dot || dot == arg || eq == dot + 1)
        return rb_error_set(err, "--set needs RETRIEVER.PARAM=VALUE, not "
                            "\"%s\"", arg);
    for (i = 0; i < cfg->nspecs; i++) {
        char key[128];

        if (strlen(cfg->specs[i].name) != (size_t)(dot - arg) ||
            strncmp(cfg->specs[i].name, arg, (size_t)(dot - arg)) != 0)
            continue;
        if ((size_t)(eq - dot - 1) >= sizeof key)
            return rb_error_set(err, "--set: parameter name too long");
        memcpy(key, dot + 1, (size_t)(eq - dot - 1));
        key[eq - dot - 1] = '\0';
        value = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
        if (!value)
            value = json_string(eq + 1);
        if (!value || json_object_set_new(cfg->specs[i].params, key,
                                          value) < 0)
            return rb_error_oom(err);
        return 0;
    }
    return rb_error_set(err, "--set %s: no retriever named \"%.*s\" in this "
                        "run", arg, (int)(dot - arg), arg);
}

/* Fusion retrievers run after their inputs; one with no "fuse" list fuses
 * every other retriever of the run. */
static int order_specs(run_config *cfg, rb_error *err)
{
    size_t i, j, n = 0;
    retriever_spec *sorted = rb_malloc((cfg->nspecs + 1) * sizeof *sorted);

    if (!sorted)
        return rb_error_oom(err);
    for (i = 0; i < cfg->nspecs; i++)
        if (strcmp(cfg->specs[i].ops->name, "hybrid") != 0)
            sorted[n++] = cfg->specs[i];
    for (i = 0; i < cfg->nspecs; i++) {
        json_t *fuse;

        if (strcmp(cfg->specs[i].ops->name, "hybrid") != 0)
            continue;
        fuse = json_object_get(cfg->specs[i].params, "fuse");
        if (!fuse) {
            fuse = json_array();
            for (j = 0; j < n; j++)
                json_array_append_new(fuse, json_string(sorted[j].name));
            json_object_set_new(cfg->specs[i].params, "fuse", fuse);
        }
        sorted[n++] = cfg->specs[i];
    }
    rb_free(cfg->specs);
    cfg->specs = sorted;
    return 0;
}

static void fill_dense_flags(run_config *cfg, const char *qprefix,
                             const char *dprefix)
{
    size_t i;

    for (i = 0; i < cfg->nspecs; i++) {
        json_t *p = cfg->specs[i].params;

        if (strcmp(cfg->specs[i].ops->name, "dense") != 0)
            continue;
        if (qprefix && !json_object_get(p, "query_prefix"))
            json_object_set_new(p, "query_prefix", json_string(qprefix));
        if (dprefix && !json_object_get(p, "doc_prefix"))
            json_object_set_new(p, "doc_prefix", json_string(dprefix));
    }
}

static void print_table(const json_t *results, const rb_dataset *ds)
{
    static const struct {
        const char *measure, *title;
    } cols[] = {
        {"ndcg_cut_10", "nDCG@10"}, {"P_10", "P@10"},
        {"recall_100", "Recall@100"}, {"map_cut_100", "MAP@100"},
    };
    json_t *list = json_object_get(results, "retrievers"), *r;
    size_t i, c;

    printf("\n%s (%s split): %zu documents, %zu evaluated queries\n\n",
           ds->name, ds->split, ds->ndocs, ds->neval);
    printf("| retriever |");
    for (c = 0; c < sizeof cols / sizeof cols[0]; c++)
        printf(" %s |", cols[c].title);
    printf(" index (s) | search (s) | queries/s |\n|---|");
    for (c = 0; c < sizeof cols / sizeof cols[0] + 3; c++)
        printf("---:|");
    printf("\n");
    json_array_foreach(list, i, r) {
        json_t *t = json_object_get(r, "timings");

        printf("| %s |", json_string_value(json_object_get(r, "name")));
        for (c = 0; c < sizeof cols / sizeof cols[0]; c++) {
            double v;

            if (rb_results_metric(r, cols[c].measure, &v) == 0)
                printf(" %.4f%s |", v,
                       rb_run_hook_marker(results, r, cols[c].measure));
            else
                printf(" - |");
        }
        printf(" %.3f | %.3f | %.0f |\n",
               json_number_value(json_object_get(t, "index_s")),
               json_number_value(json_object_get(t, "search_s")),
               json_number_value(json_object_get(t, "queries_per_s")));
    }
    rb_run_hook_table_note(results);
}

static char *run_file_name(const char *out_dir, const char *name)
{
    char file[256];
    char *runs = rb_path_join(out_dir, "runs"), *path;
    size_t i;

    snprintf(file, sizeof file, "%s.trec", name);
    for (i = 0; file[i]; i++)
        if (file[i] == '/')
            file[i] = '_';
    path = runs ? rb_path_join(runs, file) : NULL;
    rb_free(runs);
    return path;
}

/* Create, index and search one retriever; evaluate and record it. */
static int run_one(const run_config *cfg, const retriever_spec *spec,
                   const rb_dataset *ds, const rb_context *ctx,
                   const char *out_dir, json_t *results, done_runs *done,
                   rb_error *err)
{
    rb_eval_options eopt = RB_EVAL_OPTIONS_INIT;
    rb_measure_set set;
    void *state = NULL;
    rb_run *run = NULL;
    rb_eval *ev = NULL;
    json_t *timings;
    char *run_path = NULL;
    double t0, t_index, t_search;
    int rc = -1;

    rb_info("%s: %s", ds->name, spec->name);
    if (rb_retriever_check_params(spec->ops, spec->params, err) < 0 ||
        spec->ops->create(spec->params, ctx, &state, err) < 0)
        goto done;
    t0 = rb_now();
    if (spec->ops->index(state, ds, ctx, err) < 0)
        goto done;
    t_index = rb_now() - t0;
    run = rb_run_new_borrowed(spec->name, ds->doc_ids);
    if (!run) {
        rb_error_oom(err);
        goto done;
    }
    t0 = rb_now();
    if (spec->ops->search(state, ds, ctx, (size_t)cfg->k, run, err) < 0)
        goto done;
    t_search = rb_now() - t0;
    run_path = run_file_name(out_dir, spec->name);
    if (!run_path) {
        rb_error_oom(err);
        goto done;
    }
    if (rb_run_write_trec(run, run_path, err) < 0)
        goto done;
    rb_measures_init(&set);
    rb_measures_beir(&set);
    eopt.ignore_identical_ids = !cfg->keep_identical;
    ev = rb_evaluate(ds->qrels, run, &set, &eopt, err);
    if (!ev)
        goto done;
    if (ev->dropped_identical_relevant)
        rb_warn("%s: %s: ignoring identical ids dropped %zu results, %zu "
                "of them judged relevant (--keep-identical-ids keeps them)",
                ds->name, spec->name, ev->dropped_identical,
                ev->dropped_identical_relevant);
    timings = json_pack("{s:f, s:f, s:f, s:f, s:i}", "index_s", t_index,
                        "search_s", t_search, "queries_per_s",
                        t_search > 0 ? (double)ds->neval / t_search : 0.0,
                        "docs_per_s",
                        t_index > 0 ? (double)ds->ndocs / t_index : 0.0,
                        "threads", ctx->threads);
    if (rb_results_add_retriever(results, spec->name,
                                 spec->ops->describe(state), timings, ev,
                                 err) < 0)
        goto done;
    {
        json_t *list = json_object_get(results, "retrievers");
        json_t *entry = json_array_get(list, json_array_size(list) - 1);
        char rel[300];

        snprintf(rel, sizeof rel, "runs/%s", strrchr(run_path, '/') + 1);
        json_object_set_new(entry, "run_file", json_string(rel));
    }
    done->names[done->n] = spec->name;
    done->runs[done->n++] = run;
    run = NULL;
    rc = 0;
done:
    if (rc < 0 && strncmp(err->msg, spec->name, strlen(spec->name)) != 0)
        rb_error_prefix(err, "%s", spec->name);
    rb_eval_free(ev);
    rb_run_free(run);
    rb_free(run_path);
    if (state)
        spec->ops->destroy(state);
    return rc;
}

static int run_dataset(const run_config *cfg, size_t which,
                       const rb_context *base_ctx, char **kept_out_dir,
                       rb_error *err)
{
    const char *path = cfg->datasets[which];
    rb_load_options lopt = {cfg->split, cfg->strict, 0};
    rb_dataset *ds;
    json_t *results = NULL, *config;
    done_runs done = {0};
    char *out_dir = NULL, *runs_dir = NULL, *results_path = NULL;
    rb_context ctx = *base_ctx;
    size_t i;
    int rc = -1;

    if (cfg->dataset_splits[which] && !cfg->split_from_flag)
        lopt.split = cfg->dataset_splits[which];
    rb_info("loading %s", path);
    ds = rb_dataset_load(path, &lopt, err);
    if (!ds)
        return -1;
    if (cfg->out && cfg->ndatasets == 1) {
        out_dir = rb_strdup(cfg->out);
    } else {
        char *parent = rb_strdup(cfg->out ? cfg->out : "results");

        out_dir = parent ? rb_path_join(parent, ds->name) : NULL;
        rb_free(parent);
    }
    runs_dir = out_dir ? rb_path_join(out_dir, "runs") : NULL;
    results_path = out_dir ? rb_path_join(out_dir, "results.json") : NULL;
    done.names = rb_calloc(cfg->nspecs + 1, sizeof *done.names);
    done.runs = rb_calloc(cfg->nspecs + 1, sizeof *done.runs);
    if (!out_dir || !runs_dir || !results_path || !done.names ||
        !done.runs) {
        rb_error_oom(err);
        goto done;
    }
    if (rb_mkdirs(runs_dir, err) < 0)
        goto done;
    config = json_pack("{s:I, s:b, s:s}", "k", (json_int_t)cfg->k,
                       "ignore_identical_ids", !cfg->keep_identical,
                       "split", ds->split);
    if (cfg->config_json)
        json_object_set(config, "experiment", cfg->config_json);
    results = rb_results_new(ds, config);
    json_decref(config);
    if (!results) {
        rb_error_oom(err);
        goto done;
    }
    ctx.find_run = find_done_run;
    ctx.find_run_arg = &done;
    for (i = 0; i < cfg->nspecs; i++)
        if (run_one(cfg, &cfg->specs[i], ds, &ctx, out_dir, results, &done,
                    err) < 0)
            goto done;
    if (rb_run_hook_compare(results, ds, (const rb_run *const *)done.runs,
                            done.names, done.n, cfg->baseline, err) < 0)
        goto done;
    if (rb_results_write(results, results_path, err) < 0)
        goto done;
    print_table(results, ds);
    printf("\nresults: %s\n", results_path);
    if (cfg->plots && rb_run_hook_plots(results, out_dir, err) < 0)
        goto done;
    *kept_out_dir = out_dir;
    out_dir = NULL;
    rc = 0;
done:
    for (i = 0; i < done.n; i++)
        rb_run_free(done.runs[i]);
    rb_free(done.names);
    rb_free(done.runs);
    json_decref(results);
    rb_free(out_dir);
    rb_free(runs_dir);
    rb_free(results_path);
    rb_dataset_free(ds);
    return rc;
}

static void on_signal(int sig)
{
    rb_atomic_cleanup_all();
    rb_run_hook_emergency_stop();
    signal(sig, SIG_DFL);
    raise(sig);
}

static const char *default_dataset(void)
{
    if (rb_path_exists("datasets/sample/corpus.jsonl"))
        return "datasets/sample";
    return rb_resource_path(RB_RESOURCE_SAMPLE);
}

static void free_config(run_config *cfg)
{
    size_t i;

    for (i = 0; i < cfg->ndatasets; i++)
        rb_free(cfg->datasets[i]);
    rb_free(cfg->dataset_splits);
    for (i = 0; i < cfg->nspecs; i++) {
        rb_free(cfg->specs[i].name);
        json_decref(cfg->specs[i].params);
    }
    rb_free(cfg->datasets);
    rb_free(cfg->specs);
    json_decref(cfg->config_json);
}

enum {
    OPT_DATASET = 256, OPT_SPLIT, OPT_RETRIEVERS, OPT_CONFIG, OPT_OUT,
    OPT_THREADS, OPT_SET, OPT_PG, OPT_PG_TEMP, OPT_MODEL, OPT_DEVICE,
    OPT_QPREFIX, OPT_DPREFIX, OPT_BASELINE, OPT_PLOTS, OPT_CACHE,
    OPT_KEEP_IDENTICAL, OPT_STRICT
};

int rb_cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dataset", required_argument, NULL, OPT_DATASET},
        {"split", required_argument, NULL, OPT_SPLIT},
        {"retrievers", required_argument, NULL, OPT_RETRIEVERS},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"out", required_argument, NULL, OPT_OUT},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"set", required_argument, NULL, OPT_SET},
        {"pg", required_argument, NULL, OPT_PG},
        {"pg-temp", no_argument, NULL, OPT_PG_TEMP},
        {"model", required_argument, NULL, OPT_MODEL},
        {"device", required_argument, NULL, OPT_DEVICE},
        {"query-prefix", required_argument, NULL, OPT_QPREFIX},
        {"doc-prefix", required_argument, NULL, OPT_DPREFIX},
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"plots", no_argument, NULL, OPT_PLOTS},
        {"cache", required_argument, NULL, OPT_CACHE},
        {"keep-identical-ids", no_argument, NULL, OPT_KEEP_IDENTICAL},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    run_config cfg = {0};
    rb_context ctx = {0};
    rb_error err = {0};
    const char *retrievers = NULL, *config = NULL;
    const char *qprefix = NULL, *dprefix = NULL;
    const char **sets = NULL;
    char **out_dirs = NULL;
    size_t nsets = 0, i;
    int c, status = 1;

    cfg.k = 1000;
    sets = rb_calloc((size_t)argc + 1, sizeof *sets);
    if (!sets)
        return 1;
    RB_CLI_GETOPT_RESET();
    while ((c = getopt_long(argc, argv, "k:qvh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_DATASET:
            if (add_dataset(&cfg, optarg, NULL, &err) < 0)
                goto fail;
            break;
        case OPT_SPLIT:
            cfg.split = optarg;
            cfg.split_from_flag = 1;
            break;
        case OPT_RETRIEVERS: retrievers = optarg; break;
        case OPT_CONFIG: config = optarg; break;
        case OPT_OUT: cfg.out = optarg; break;
        case OPT_THREADS: {
            char *end;
            long t = strtol(optarg, &end, 10);

            if (*end || end == optarg || t < 0 || t > RUN_MAX_THREADS) {
                fprintf(stderr, "rankbench run: --threads needs a number "
                        "from 0 (all cores) to %d, not \"%s\"\n",
                        RUN_MAX_THREADS, optarg);
                goto usage;
            }
            cfg.threads = (int)t;
            break;
        }
        case OPT_SET: sets[nsets++] = optarg; break;
        case OPT_PG: cfg.pg = optarg; break;
        case OPT_PG_TEMP: cfg.pg_temp = 1; break;
        case OPT_MODEL: cfg.model = optarg; break;
        case OPT_DEVICE: cfg.device = optarg; break;
        case OPT_QPREFIX: qprefix = optarg; break;
        case OPT_DPREFIX: dprefix = optarg; break;
        case OPT_BASELINE: cfg.baseline = optarg; break;
        case OPT_PLOTS: cfg.plots = 1; break;
        case OPT_CACHE: cfg.cache = optarg; break;
        case OPT_KEEP_IDENTICAL: cfg.keep_identical = 1; break;
        case OPT_STRICT: cfg.strict = 1; break;
        case 'k': {
            char *end;

            cfg.k = strtol(optarg, &end, 10);
            cfg.k_from_flag = 1;
            if (*end || end == optarg || cfg.k <= 0 || cfg.k > RUN_MAX_K) {
                fprintf(stderr, "rankbench run: -k needs a positive "
                        "integer, not \"%s\"\n", optarg);
                goto usage;
            }
            break;
        }
        case 'q': rb_log_set_level(RB_LOG_WARN); break;
        case 'v': rb_log_set_level(RB_LOG_DEBUG); break;
        case 'h':
            fputs(run_usage, stdout);
            list_retrievers(stdout);
            rb_free(sets);
            return 0;
        default:
            goto usage;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "rankbench run: unexpected argument \"%s\"\n",
                argv[optind]);
        goto usage;
    }
    if (cfg.device && strcmp(cfg.device, "cpu") &&
        strcmp(cfg.device, "cuda")) {
        fprintf(stderr, "rankbench run: --device is cpu or cuda, not "
                "\"%s\"\n", cfg.device);
        goto usage;
    }
    if (config && parse_config_file(&cfg, config, &err) < 0)
        goto fail;
    if (retrievers && parse_retriever_list(&cfg, retrievers, &err) < 0)
        goto fail;
    if (cfg.nspecs == 0) {
        if (add_spec(&cfg, "ilike", "ilike", NULL, &err) < 0 ||
            add_spec(&cfg, "bm25", "bm25", NULL, &err) < 0)
            goto fail;
    }
    if (cfg.ndatasets == 0 && add_dataset(&cfg, default_dataset(), NULL,
                                          &err) < 0)
        goto fail;
    for (i = 0; i < nsets; i++)
        if (apply_set(&cfg, sets[i], &err) < 0)
            goto fail;
    fill_dense_flags(&cfg, qprefix, dprefix);
    if (order_specs(&cfg, &err) < 0)
        goto fail;

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    ctx.threads = rb_threads_resolve(cfg.threads);
    ctx.cache_dir = cfg.cache ? cfg.cache : ".cache/rankbench";
    ctx.model = cfg.model;
    ctx.device = cfg.device;
    ctx.quiet = rb_log_get_level() < RB_LOG_INFO;
    if (rb_run_hook_pg_setup(cfg.pg, cfg.pg_temp, &ctx.pg_conninfo,
                             &err) < 0)
        goto fail;
    out_dirs = rb_calloc(cfg.ndatasets, sizeof *out_dirs);
    if (!out_dirs) {
        rb_error_oom(&err);
        goto fail;
    }
    status = 0;
    for (i = 0; i < cfg.ndatasets; i++) {
        if (run_dataset(&cfg, i, &ctx, &out_dirs[i],
                        &err) < 0) {
            fprintf(stderr, "rankbench: error: %s\n", err.msg);
            rb_error_clear(&err);
            status = 1;
            break;
        }
    }
    if (status == 0 && cfg.plots && cfg.ndatasets > 1 &&
        rb_run_hook_plots_datasets((const char *const *)out_dirs,
                                   cfg.ndatasets,
                                   cfg.out ? cfg.out : "results",
                                   &err) < 0) {
        fprintf(stderr, "rankbench: error: %s\n", err.msg);
        status = 1;
    }
    for (i = 0; i < cfg.ndatasets; i++)
        rb_free(out_dirs[i]);
    rb_free(out_dirs);
    rb_run_hook_pg_teardown();
    free_config(&cfg);
    rb_free(sets);
    return status;

fail:
    fprintf(stderr, "rankbench: error: %s\n", err.msg);
    rb_run_hook_pg_teardown();
    free_config(&cfg);
    rb_free(sets);
    return 1;
usage:
    fputs(run_usage, stderr);
    free_config(&cfg);
    rb_free(sets);
    return 2;
}
