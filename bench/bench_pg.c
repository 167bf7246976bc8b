/*
 * PostgreSQL retrievers on a collection: load throughput (COPY of the
 * documents, then each retriever's own build) and per-query latency
 * (median, p95) of pg-ilike, pg-bm25 and pg-fts, next to the native
 * ilike and bm25 on the same queries when they are compiled in.
 *
 *   bench_pg [--dataset DIR] [--pg CONNINFO] [--repeats N] [-k K]
 *
 * Without --pg a throwaway cluster is started. One search thread and one
 * connection, so latencies are those of a single query. Loads repeat N
 * times (default 3) on a dropped schema; every query runs N + 1 times,
 * the first pass a warm-up. Prints one JSON object on stdout.
 */

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/timer.h"
#include "data/dataset.h"
#include "data/run.h"
#include "rb_version.h"
#include "retrieve/pg_conn.h"
#include "retrieve/pg_dataset.h"
#include "retrieve/pg_temp.h"
#include "retrieve/retriever.h"

typedef struct bench_opts {
    const char *dataset;
    const char *conninfo;
    int repeats;
    size_t k;
} bench_opts;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The q-quantile of sorted v[0..n) by the nearest-rank method. */
static double quantile(const double *v, size_t n, double q)
{
    size_t r = (size_t)(q * (double)n + 0.999999);

    if (n == 0)
        return 0;
    if (r < 1)
        r = 1;
    return v[(r > n ? n : r) - 1];
}

static json_t *summary(double *v, size_t n, const char *unit)
{
    qsort(v, n, sizeof *v, cmp_double);
    return json_pack("{s:s, s:f, s:f, s:f, s:f, s:I}", "unit", unit,
                     "median", quantile(v, n, 0.5),
                     "p95", quantile(v, n, 0.95), "min", n ? v[0] : 0.0,
                     "max", n ? v[n - 1] : 0.0, "n", (json_int_t)n);
}

/* COPY load throughput: drop the schema, load, repeat. */
static json_t *bench_load(const bench_opts *o, const rb_dataset *ds,
                          rb_error *err)
{
    PGconn *conn = rb_pg_connect(o->conninfo, err);
    double *rates;
    int i;
    json_t *out = NULL;

    if (!conn)
        return NULL;
    rates = rb_calloc((size_t)o->repeats, sizeof *rates);
    for (i = 0; rates && i < o->repeats; i++) {
        double t0;

        if (rb_pg_dataset_drop(conn, ds, err) != 0)
            goto done;
        t0 = rb_now();
        if (rb_pg_dataset_load(conn, ds, "bench", NULL, err) != 0)
            goto done;
        rates[i] = (double)ds->ndocs / (rb_now() - t0);
    }
    if (rates)
        out = summary(rates, (size_t)o->repeats, "documents/s");
done:
    rb_free(rates);
    PQfinish(conn);
    return out;
}

/* A view of ds that evaluates query position pos only. */
static rb_dataset one_query(const rb_dataset *ds, size_t pos)
{
    rb_dataset view = *ds;

    view.eval_queries = ds->eval_queries + pos;
    view.neval = 1;
    return view;
}

static int drop_component_state(const bench_opts *o, const rb_dataset *ds,
                                rb_error *err)
{
    PGconn *conn = rb_pg_connect(o->conninfo, err);
    int rc;

    if (!conn)
        return -1;
    rc = rb_pg_dataset_drop(conn, ds, err);
    if (rc == 0)
        rc = rb_pg_dataset_load(conn, ds, "bench", NULL, err);
    PQfinish(conn);
    return rc;
}

/* Index (build time, for pg retrievers on a fresh schema each repeat) and
 * per-query latency of one retriever. */
static json_t *bench_retriever(const bench_opts *o, const rb_dataset *ds,
                               const rb_retriever_ops *ops,
                               const json_t *params, int is_pg,
                               rb_error *err)
{
    rb_context ctx;
    void *state = NULL;
    double *lat = NULL, *build = NULL, t0, total = 0;
    size_t pos, nlat = 0, cap = ds->neval * (size_t)o->repeats;
    json_t *out = NULL, *desc;
    int pass, i;

    memset(&ctx, 0, sizeof ctx);
    ctx.threads = 1;
    ctx.pg_conninfo = o->conninfo;
    ctx.cache_dir = "/tmp/rankbench-bench-cache";
    ctx.quiet = 1;
    build = rb_calloc((size_t)o->repeats, sizeof *build);
    lat = rb_calloc(cap ? cap : 1, sizeof *lat);
    if (!build || !lat) {
        rb_error_oom(err);
        goto done;
    }
    for (i = 0; i < o->repeats; i++) {
        if (state)
            ops->destroy(state);
        state = NULL;
        if (is_pg && drop_component_state(o, ds, err) != 0)
            goto done;
        if (ops->create(params, &ctx, &state, err) != 0)
            goto done;
        t0 = rb_now();
        if (ops->index(state, ds, &ctx, err) != 0)
            goto done;
        build[i] = (double)ds->ndocs / (rb_now() - t0);
    }
    for (pass = 0; pass <= o->repeats; pass++) {
        for (pos = 0; pos < ds->neval; pos++) {
            rb_dataset view = one_query(ds, pos);
            rb_run *run = rb_run_new_borrowed(ops->name, ds->doc_ids);
            double t;

            if (!run) {
                rb_error_oom(err);
                goto done;
            }
            t0 = rb_now();
            if (ops->search(state, &view, &ctx, o->k, run, err) != 0) {
                rb_run_free(run);
                goto done;
            }
            t = rb_now() - t0;
            rb_run_free(run);
            if (pass > 0) {
                lat[nlat++] = t * 1e3;
                total += t;
            }
        }
    }
    desc = ops->describe(state);
    out = json_pack("{s:o, s:o, s:f, s:o}",
                    "index", summary(build, (size_t)o->repeats,
                                     "documents/s"),
                    "latency", summary(lat, nlat, "ms"),
                    "queries_per_s", total > 0 ? (double)nlat / total : 0.0,
                    "config", desc ? desc : json_null());
done:
    if (state)
        ops->destroy(state);
    rb_free(build);
    rb_free(lat);
    return out;
}

/* The system load (1, 5, 15 minutes) as text, for the record. */
static json_t *load_average(void)
{
    char line[128] = "";
    FILE *fp = fopen("/proc/loadavg", "r");

    if (fp) {
        if (!fgets(line, sizeof line, fp))
            line[0] = '\0';
        fclose(fp);
    }
    line[strcspn(line, "\n")] = '\0';
    return json_string(line);
}

static int parse_args(int argc, char **argv, bench_opts *o)
{
    static const struct option longopts[] = {
        {"dataset", required_argument, NULL, 'd'},
        {"pg", required_argument, NULL, 'p'},
        {"repeats", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    int c;

    o->dataset = "../shared/datasets/cacm";
    o->conninfo = NULL;
    o->repeats = 3;
    o->k = 1000;
    while ((c = getopt_long(argc, argv, "k:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o->dataset = optarg; break;
        case 'p': o->conninfo = optarg; break;
        case 'r': o->repeats = atoi(optarg); break;
        case 'k': o->k = (size_t)atol(optarg); break;
        default:
            fprintf(stderr, "usage: bench_pg [--dataset DIR] [--pg "
                    "CONNINFO] [--repeats N] [-k K]\n");
            return -1;
        }
    }
    if (o->repeats < 1 || o->k < 1) {
        fprintf(stderr, "bench_pg: --repeats and -k must be positive\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const names[] = {
        "ilike", "pg-ilike", "bm25", "pg-bm25", "pg-fts"
    };
    bench_opts o;
    rb_error err = {{0}, 0};
    rb_pg_temp *cluster = NULL;
    rb_dataset *ds = NULL;
    json_t *report = NULL, *retrievers, *load, *before = NULL;
    char host[256] = "";
    size_t i;
    int status = 1;

    if (parse_args(argc, argv, &o) != 0)
        return 2;
    before = load_average();
    rb_log_set_level(RB_LOG_WARN);
    ds = rb_dataset_load(o.dataset, NULL, &err);
    if (!ds)
        goto fail;
    if (!o.conninfo) {
        if (rb_pg_temp_start(&cluster, &err) != 0)
            goto fail;
        o.conninfo = rb_pg_temp_conninfo(cluster);
    }
    load = bench_load(&o, ds, &err);
    if (!load)
        goto fail;
    gethostname(host, sizeof host - 1);
    retrievers = json_object();
    report = json_pack("{s:s, s:s, s:{s:s, s:I}, s:{s:s, s:I, s:I}, "
                       "s:I, s:I, s:i, s:o, s:o}",
                       "benchmark", "bench_pg", "commit", RB_GIT_COMMIT,
                       "machine", "host", host, "cores",
                       (json_int_t)sysconf(_SC_NPROCESSORS_ONLN),
                       "dataset", "name", ds->name,
                       "documents", (json_int_t)ds->ndocs,
                       "queries", (json_int_t)ds->neval,
                       "k", (json_int_t)o.k,
                       "threads", (json_int_t)1,
                       "repeats", o.repeats,
                       "copy_load", load,
                       "retrievers", retrievers);
    json_object_set_new(report, "load_average_before", before);
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        const rb_retriever_ops *ops = rb_retriever_find(names[i]);
        json_t *r, *params;

        if (!ops) {
            json_object_set_new(retrievers, names[i],
                                json_string("not compiled in"));
            continue;
        }
        /* The native bm25 with pg-bm25's parameters, built every time
         * rather than read from its cache. */
        params = strcmp(names[i], "bm25") == 0 ?
            json_pack("{s:b, s:f, s:f}", "cache", 0, "k1", 1.2, "b", 0.75) :
            NULL;
        r = bench_retriever(&o, ds, ops, params,
                            strncmp(names[i], "pg-", 3) == 0, &err);
        json_decref(params);
        if (!r)
            goto fail;
        json_object_set_new(retrievers, names[i], r);
        fprintf(stderr, "bench_pg: %s done\n", names[i]);
    }
    json_object_set_new(report, "load_average_after", load_average());
    json_dumpf(report, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    putchar('\n');
    status = 0;
fail:
    if (status)
        fprintf(stderr, "bench_pg: %s\n", err.msg);
    if (!report)
        json_decref(before);
    json_decref(report);
    rb_dataset_free(ds);
    rb_pg_temp_stop(cluster);
    return status;
}
