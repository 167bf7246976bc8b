#include "report/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/intern.h"
#include "base/mem.h"
#include "base/pool.h"

const char *const RB_COMPARE_DEFAULT_MEASURES[] = {
    "ndcg_cut_10", "P_10", "recall_100", "map_cut_100", "map",
    "recip_rank", NULL
};

static const char *const test_names[] = {"t", "randomization",
                                         "bootstrap"};

const char *rb_compare_test_name(rb_compare_test test)
{
    return (size_t)test < 3 ? test_names[test] : "?";
}

int rb_compare_test_parse(const char *name, rb_compare_test *test)
{
    size_t i;

    for (i = 0; i < 3; i++)
        if (strcmp(name, test_names[i]) == 0) {
            *test = (rb_compare_test)i;
            return 0;
        }
    return -1;
}

/* JSON has no NaN or infinity: such values are stored as null. */
static json_t *real_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *interval(const double ci[2])
{
    json_t *a = json_array();

    if (a && (json_array_append_new(a, real_or_null(ci[0])) < 0 ||
              json_array_append_new(a, real_or_null(ci[1])) < 0)) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static int qid_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The queries every system has, sorted by id (so that the random tests
 * do not depend on the order of a file), and the size of the union. */
static int common_queries(const rb_compare_system *systems, size_t n,
                          const char ***out, size_t *ncommon,
                          size_t *nunion, rb_error *err)
{
    rb_intern *all = rb_intern_new();
    const char **qids = NULL;
    const char *qid;
    json_t *row;
    size_t i, k = 0, cap = 0;

    if (!all)
        return rb_error_oom(err);
    for (i = 0; i < n; i++)
        json_object_foreach((json_t *)systems[i].per_query, qid, row) {
            (void)row;
            if (rb_intern_add(all, qid, strlen(qid), NULL) ==
                RB_INTERN_NONE)
                goto oom;
        }
    json_object_foreach((json_t *)systems[0].per_query, qid, row) {
        int everywhere = 1;

        (void)row;
        for (i = 1; i < n && everywhere; i++)
            everywhere = json_object_get(systems[i].per_query, qid) != NULL;
        if (!everywhere)
            continue;
        if (k == cap) {
            const char **q = rb_grow(qids, &cap, k + 1, sizeof *q);

            if (!q)
                goto oom;
            qids = q;
        }
        qids[k++] = qid;
    }
    if (k)
        qsort(qids, k, sizeof *qids, qid_cmp);
    *out = qids;
    *ncommon = k;
    *nunion = rb_intern_count(all);
    rb_intern_free(all);
    return 0;
oom:
    rb_free(qids);
    rb_intern_free(all);
    return rb_error_oom(err);
}

/* Whether every system's first row has measure m (for the defaults). */
static int all_have(const rb_compare_system *systems, size_t n,
                    const char *qid, const char *m)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!json_object_get(json_object_get(systems[i].per_query, qid), m))
            return 0;
    return 1;
}

/* The measures to compare, as a NULL-terminated list of borrowed names. */
static const char **pick_measures(const rb_compare_system *systems,
                                  size_t n, const char *first_qid,
                                  const rb_compare_options *opt,
                                  size_t *count, rb_error *err)
{
    const char *const *want = opt->measures ? opt->measures
                                            : RB_COMPARE_DEFAULT_MEASURES;
    const char **out;
    size_t i, k = 0;

    for (i = 0; want[i]; i++)
        ;
    out = rb_calloc(i + 1, sizeof *out);
    if (!out) {
        rb_error_oom(err);
        return NULL;
    }
    for (i = 0; want[i]; i++)
        if (opt->measures || all_have(systems, n, first_qid, want[i]))
            out[k++] = want[i];
    if (k == 0) {
        rb_free(out);
        rb_error_set(err, "the systems have none of the usual measures "
                     "(ndcg_cut_10, P_10, recall_100, map, ...) in "
                     "common; name the measures to compare");
        return NULL;
    }
    *count = k;
    return out;
}

/* values[s * nq + q]: measure m of system s on query qids[q]. */
static int gather(const rb_compare_system *systems, size_t n,
                  const char **qids, size_t nq, const char *m,
                  double *values, rb_error *err)
{
    size_t s, q;

    for (s = 0; s < n; s++)
        for (q = 0; q < nq; q++) {
            json_t *row = json_object_get(systems[s].per_query, qids[q]);
            json_t *v = json_object_get(row, m);

            if (!v)
                return rb_error_set(err, "\"%s\" has no measure \"%s\" "
                                    "for query \"%s\"", systems[s].label,
                                    m, qids[q]);
            if (!json_is_number(v))
                return rb_error_set(err, "\"%s\": measure \"%s\" of query "
                                    "\"%s\" is not a number",
                                    systems[s].label, m, qids[q]);
            values[s * nq + q] = json_number_value(v);
        }
    return 0;
}

typedef struct pair {
    size_t base, sys;
} pair;

static pair *make_pairs(size_t n, long baseline, size_t *npairs)
{
    pair *pairs = rb_calloc(n * n, sizeof *pairs);
    size_t i, j, k = 0;

    if (!pairs)
        return NULL;
    if (baseline >= 0) {
        for (j = 0; j < n; j++)
            if (j != (size_t)baseline) {
                pairs[k].base = (size_t)baseline;
                pairs[k++].sys = j;
            }
    } else {
        for (i = 0; i < n; i++)
            for (j = i + 1; j < n; j++) {
                pairs[k].base = i;
                pairs[k++].sys = j;
            }
    }
    *npairs = k;
    return pairs;
}

typedef struct delta {
    const char *qid;
    double base, sys, diff;
} delta;

static int delta_desc(const void *x, const void *y)
{
    const delta *a = x, *b = y;

    if (a->diff != b->diff)
        return a->diff > b->diff ? -1 : 1;
    return strcmp(a->qid, b->qid);
}

static json_t *delta_json(const delta *d, const rb_dataset *ds)
{
    json_t *o = json_pack("{s:s, s:f, s:f, s:f}", "query", d->qid,
                          "baseline", d->base, "system", d->sys,
                          "difference", d->diff);
    long qi = ds ? rb_dataset_find_query(ds, d->qid) : -1;

    if (o && qi >= 0 && ds->query_texts && ds->query_texts[qi] &&
        json_object_set_new(o, "text",
                            json_string(ds->query_texts[qi])) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The `limit` largest gains and losses of sys over base, biggest first;
 * ties go by query id. Queries with no change are in neither. */
static int gains_losses(json_t *cmp, const double *base, const double *sys,
                        const char **qids, size_t nq, size_t limit,
                        const rb_dataset *ds)
{
    delta *d = rb_malloc(nq * sizeof *d);
    json_t *gains = json_array(), *losses = json_array();
    size_t q, taken;
    int rc = -1;

    if (!d || !gains || !losses)
        goto done;
    for (q = 0; q < nq; q++) {
        d[q].qid = qids[q];
        d[q].base = base[q];
        d[q].sys = sys[q];
        d[q].diff = sys[q] - base[q];
    }
    qsort(d, nq, sizeof *d, delta_desc);
    for (q = 0, taken = 0; q < nq && taken < limit && d[q].diff > 0;
         q++, taken++)
        if (json_array_append_new(gains, delta_json(&d[q], ds)) < 0)
            goto done;
    for (q = nq, taken = 0; q > 0 && taken < limit && d[q - 1].diff < 0;
         q--, taken++)
        if (json_array_append_new(losses, delta_json(&d[q - 1], ds)) < 0)
            goto done;
    rc = json_object_set(cmp, "gains", gains) < 0 ||
         json_object_set(cmp, "losses", losses) < 0 ? -1 : 0;
done:
    json_decref(gains);
    json_decref(losses);
    rb_free(d);
    return rc;
}

static json_t *pair_json(const rb_compare_system *systems, const pair *p,
                         const char *measure, size_t union_queries,
                         const rb_paired_stats *st)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:f, s:f, s:f}",
                          "baseline", systems[p->base].label,
                          "system", systems[p->sys].label,
                          "measure", measure,
                          "queries", (json_int_t)st->n,
                          "dropped_queries",
                          (json_int_t)(union_queries - st->n),
                          "baseline_mean", st->mean_a,
                          "system_mean", st->mean_b,
                          "difference", st->diff);

    if (!o ||
        json_object_set_new(o, "baseline_ci", interval(st->ci_a)) < 0 ||
        json_object_set_new(o, "system_ci", interval(st->ci_b)) < 0 ||
        json_object_set_new(o, "difference_ci", interval(st->ci_diff)) < 0 ||
        json_object_set_new(o, "t", real_or_null(st->t)) < 0 ||
        json_object_set_new(o, "p_t", real_or_null(st->p_t)) < 0 ||
        json_object_set_new(o, "p_randomization",
                            real_or_null(st->p_randomization)) < 0 ||
        json_object_set_new(o, "p_bootstrap",
                            real_or_null(st->p_bootstrap)) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static double chosen_p(const rb_paired_stats *st, rb_compare_test test)
{
    switch (test) {
    case RB_TEST_T:
        return st->p_t;
    case RB_TEST_RANDOMIZATION:
        return st->p_randomization;
    case RB_TEST_BOOTSTRAP:
        return st->p_bootstrap;
    }
    return NAN;
}

/* Holm's adjustment of the three p-values across the pairs of one
 * measure, stored as "p_holm", and the verdict from the chosen test. */
static int adjust_and_judge(json_t *const *cmps, rb_paired_stats *stats,
                            size_t npairs, int holm,
                            const rb_compare_options *opt)
{
    double *p = rb_malloc(3 * npairs * sizeof *p);
    size_t i;
    int t;

    if (!p)
        return -1;
    for (i = 0; i < npairs; i++) {
        p[i] = stats[i].p_t;
        p[npairs + i] = stats[i].p_randomization;
        p[2 * npairs + i] = stats[i].p_bootstrap;
    }
    if (holm)
        for (t = 0; t < 3; t++)
            if (rb_holm_adjust(p + (size_t)t * npairs, npairs) < 0) {
                rb_free(p);
                return -1;
            }
    for (i = 0; i < npairs; i++) {
        rb_paired_stats adj = stats[i];
        double chosen;

        adj.p_t = p[i];
        adj.p_randomization = p[npairs + i];
        adj.p_bootstrap = p[2 * npairs + i];
        chosen = chosen_p(&adj, opt->test);
        if (holm &&
            json_object_set_new(cmps[i], "p_holm", json_pack(
                "{s:o, s:o, s:o}", "t", real_or_null(adj.p_t),
                "randomization", real_or_null(adj.p_randomization),
                "bootstrap", real_or_null(adj.p_bootstrap))) < 0)
            break;
        if (json_object_set_new(cmps[i], "significant",
                                json_boolean(chosen < opt->alpha)) < 0)
            break;
    }
    rb_free(p);
    return i == npairs ? 0 : -1;
}

/* The JSON of one measure's comparisons (stats computed), appended to
 * out. */
static int measure_json(const rb_compare_system *systems, size_t n,
                        const pair *pairs, size_t npairs,
                        const char **qids, size_t nq, size_t nunion,
                        const char *measure, int with_deltas,
                        const rb_compare_options *opt, const rb_dataset *ds,
                        const double *values, rb_paired_stats *stats,
                        json_t *out, rb_error *err)
{
    json_t **cmps = rb_calloc(npairs, sizeof *cmps);
    size_t i;
    int rc = -1;

    if (!cmps)
        return rb_error_oom(err);
    for (i = 0; i < npairs; i++) {
        const double *a = values + pairs[i].base * nq;
        const double *b = values + pairs[i].sys * nq;

        cmps[i] = pair_json(systems, &pairs[i], measure, nunion, &stats[i]);
        if (!cmps[i] || (with_deltas &&
                         gains_losses(cmps[i], a, b, qids, nq,
                                      opt->per_query, ds) < 0))
            goto done;
    }
    if (adjust_and_judge(cmps, stats, npairs, n > 2, opt) < 0)
        goto done;
    for (i = 0; i < npairs; i++)
        if (json_array_append(out, cmps[i]) < 0)
            goto done;
    rc = 0;
done:
    for (i = 0; i < npairs; i++)
        json_decref(cmps[i]);
    rb_free(cmps);
    return rc < 0 ? rb_error_oom(err) : 0;
}

/* The tests of every (measure, pair), spread over threads: each draws
 * from streams of its own seed, so the results do not depend on how the
 * work is split. */
typedef struct stats_jobs {
    const pair *pairs;
    size_t npairs, nq, nsystems;
    const double *values;         /* measure x system x query */
    const rb_paired_options *opt;
    rb_paired_stats *stats;       /* measure x pair */
} stats_jobs;

static int run_stats_jobs(void *arg, size_t begin, size_t end, int thread)
{
    stats_jobs *j = arg;
    size_t k;

    (void)thread;
    for (k = begin; k < end; k++) {
        const double *v = j->values + (k / j->npairs) * j->nsystems * j->nq;
        const pair *p = &j->pairs[k % j->npairs];
        rb_error err = {0};

        if (rb_paired_compare(v + p->base * j->nq, v + p->sys * j->nq, j->nq,
                              j->opt, &j->stats[k], &err) < 0)
            return -1;
    }
    return 0;
}

static int compute_stats(stats_jobs *jobs, size_t njobs, int threads,
                         rb_error *err)
{
    int nthreads = rb_threads_resolve(threads);

    if (rb_parallel_for(njobs, 1, nthreads, run_stats_jobs, jobs) < 0)
        return rb_error_oom(err);
    return 0;
}

static int check_systems(const rb_compare_system *systems, size_t n,
                         long baseline, rb_error *err)
{
    size_t i;

    if (n < 2)
        return rb_error_set(err, "a comparison needs at least two systems");
    if (baseline >= (long)n)
        return rb_error_set(err, "baseline %ld out of range", baseline);
    for (i = 0; i < n; i++)
        if (!json_is_object(systems[i].per_query))
            return rb_error_set(err, "\"%s\" has no per-query scores",
                                systems[i].label);
    return 0;
}

json_t *rb_compare_systems(const rb_compare_system *systems, size_t n,
                           long baseline, const rb_compare_options *opt,
                           const rb_dataset *ds, rb_compare_info *info,
                           rb_error *err)
{
    rb_compare_options defaults = RB_COMPARE_OPTIONS_INIT;
    const char **qids = NULL, **measures = NULL;
    double *values = NULL;
    rb_paired_stats *stats = NULL;
    stats_jobs jobs;
    pair *pairs = NULL;
    json_t *out = NULL;
    size_t nq = 0, nunion = 0, nmeasures = 0, npairs = 0, m;
    const char *delta_measure;

    if (!opt)
        opt = &defaults;
    memset(info, 0, sizeof *info);
    if (check_systems(systems, n, baseline, err) < 0 ||
        common_queries(systems, n, &qids, &nq, &nunion, err) < 0)
        return NULL;
    info->common_queries = nq;
    info->union_queries = nunion;
    info->holm = n > 2;
    if (nq < 2) {
        rb_error_set(err, "%zu quer%s common to all systems: a paired "
                     "test needs at least 2", nq, nq == 1 ? "y" : "ies");
        goto done;
    }
    if (opt->strict && nq < nunion) {
        rb_error_set(err, "the systems were evaluated on different queries "
                     "(%zu in common, %zu in all); without strict mode the "
                     "common ones are compared", nq, nunion);
        goto done;
    }
    measures = pick_measures(systems, n, qids[0], opt, &nmeasures, err);
    pairs = make_pairs(n, baseline, &npairs);
    values = measures ? rb_malloc(nmeasures * n * nq * sizeof *values)
                      : NULL;
    stats = measures ? rb_calloc(nmeasures * npairs, sizeof *stats) : NULL;
    out = json_array();
    if (!measures || !pairs || !values || !stats || !out) {
        if (measures)
            rb_error_oom(err);
        goto fail;
    }
    info->comparisons = npairs;
    for (m = 0; m < nmeasures; m++)
        if (gather(systems, n, qids, nq, measures[m],
                   values + m * n * nq, err) < 0)
            goto fail;
    jobs.pairs = pairs;
    jobs.npairs = npairs;
    jobs.nq = nq;
    jobs.nsystems = n;
    jobs.values = values;
    jobs.opt = &opt->stats;
    jobs.stats = stats;
    if (compute_stats(&jobs, nmeasures * npairs, opt->threads, err) < 0)
        goto fail;
    delta_measure = opt->per_query_measure ? opt->per_query_measure
                                           : measures[0];
    for (m = 0; m < nmeasures; m++) {
        int with_deltas = opt->per_query > 0 &&
                          strcmp(measures[m], delta_measure) == 0;

        if (measure_json(systems, n, pairs, npairs, qids, nq, nunion,
                         measures[m], with_deltas, opt, ds,
                         values + m * n * nq, stats + m * npairs, out,
                         err) < 0)
            goto fail;
    }
    goto done;
fail:
    json_decref(out);
    out = NULL;
done:
    rb_free(stats);
    rb_free(values);
    rb_free(pairs);
    rb_free(measures);
    rb_free(qids);
    return out;
}

/* The retrievers of a results object as systems, and the index of the
 * one named baseline (the first when NULL). */
static rb_compare_system *results_systems(const json_t *results,
                                          const char *baseline,
                                          size_t *n, long *base,
                                          rb_error *err)
{
    json_t *list = json_object_get(results, "retrievers"), *r;
    rb_compare_system *systems;
    size_t i;

    *n = json_array_size(list);
    *base = baseline ? -1 : 0;
    systems = rb_calloc(*n ? *n : 1, sizeof *systems);
    if (!systems) {
        rb_error_oom(err);
        return NULL;
    }
    json_array_foreach(list, i, r) {
        systems[i].label = json_string_value(json_object_get(r, "name"));
        systems[i].per_query = json_object_get(r, "per_query");
        if (!systems[i].label) {
            rb_free(systems);
            rb_error_set(err, "retriever entry %zu has no name", i + 1);
            return NULL;
        }
        if (baseline && strcmp(systems[i].label, baseline) == 0)
            *base = (long)i;
    }
    if (*base < 0) {
        rb_free(systems);
        rb_error_set(err, "baseline \"%s\" is not among the retrievers "
                     "of this run", baseline);
        return NULL;
    }
    return systems;
}

static json_t *settings_json(const char *baseline,
                             const rb_compare_options *opt,
                             const rb_compare_info *info)
{
    return json_pack("{s:s, s:s, s:f, s:f, s:I, s:I, s:I, s:b, s:I, s:I}",
                     "baseline", baseline,
                     "test", rb_compare_test_name(opt->test),
                     "alpha", opt->alpha, "level", opt->stats.level,
                     "permutations", (json_int_t)opt->stats.permutations,
                     "bootstrap_samples", (json_int_t)opt->stats.bootstrap,
                     "seed", (json_int_t)opt->stats.seed,
                     "holm", info->holm,
                     "queries", (json_int_t)info->common_queries,
                     "dropped_queries",
                     (json_int_t)(info->union_queries -
                                  info->common_queries));
}

int rb_compare_add_to_results(json_t *results, const char *baseline,
                              const rb_dataset *ds,
                              const rb_compare_options *opt,
                              rb_error *err)
{
    rb_compare_options defaults = RB_COMPARE_OPTIONS_INIT;
    rb_compare_system *systems;
    rb_compare_info info;
    json_t *cmps, *settings;
    size_t n;
    long base;

    if (!opt)
        opt = &defaults;
    systems = results_systems(results, baseline, &n, &base, err);
    if (!systems)
        return -1;
    if (n < 2) {
        rb_free(systems);
        return 0;
    }
    cmps = rb_compare_systems(systems, n, base, opt, ds, &info, err);
    settings = cmps ? settings_json(systems[base].label, opt, &info) : NULL;
    rb_free(systems);
    if (!cmps)
        return -1;
    if (!settings ||
        json_object_set_new(results, "comparisons", cmps) < 0 ||
        json_object_set_new(results, "comparison_settings", settings) < 0)
        return rb_error_oom(err);
    return 0;
}

static json_t *find_comparison(const json_t *results, const char *baseline,
                               const char *system, const char *measure)
{
    json_t *c;
    size_t i;

    json_array_foreach(json_object_get(results, "comparisons"), i, c) {
        const char *b = json_string_value(json_object_get(c, "baseline"));
        const char *s = json_string_value(json_object_get(c, "system"));
        const char *m = json_string_value(json_object_get(c, "measure"));

        if (b && s && m && strcmp(b, baseline) == 0 &&
            strcmp(s, system) == 0 && strcmp(m, measure) == 0)
            return c;
    }
    return NULL;
}

const char *rb_compare_marker(const json_t *results, const char *retriever,
                              const char *measure)
{
    json_t *settings = json_object_get(results, "comparison_settings");
    const char *base = json_string_value(json_object_get(settings,
                                                         "baseline"));
    json_t *c;

    if (!base)
        return "";
    c = find_comparison(results, base, retriever, measure);
    if (!c || !json_is_true(json_object_get(c, "significant")))
        return "";
    return json_number_value(json_object_get(c, "difference")) > 0
           ? " ▲" : " ▼";
}

static const char *measure_title(const char *m)
{
    static const char *const titles[][2] = {
        {"ndcg_cut_10", "nDCG@10"}, {"P_10", "P@10"},
        {"recall_100", "Recall@100"}, {"map_cut_100", "MAP@100"},
        {"map", "MAP"}, {"recip_rank", "MRR"},
    };
    size_t i;

    for (i = 0; i < sizeof titles / sizeof titles[0]; i++)
        if (strcmp(m, titles[i][0]) == 0)
            return titles[i][1];
    return m;
}

void rb_compare_format_p(const json_t *c, const char *test, int holm,
                         char *out, size_t size)
{
    char key[32];
    json_t *v;

    snprintf(key, sizeof key, "p_%s", test);
    v = holm ? json_object_get(json_object_get(c, "p_holm"), test)
             : json_object_get(c, key);
    if (!json_is_number(v))
        snprintf(out, size, "-");
    else if (json_number_value(v) < 0.0001)
        snprintf(out, size, "<0.0001");
    else
        snprintf(out, size, "%.4f", json_number_value(v));
}

static void print_p(FILE *out, const json_t *c, const char *test, int holm)
{
    char text[32];

    rb_compare_format_p(c, test, holm, text, sizeof text);
    fprintf(out, " %s |", text);
}

static void print_interval(FILE *out, const json_t *ci)
{
    json_t *lo = json_array_get(ci, 0), *hi = json_array_get(ci, 1);

    if (json_is_number(lo) && json_is_number(hi))
        fprintf(out, " [%.4f, %.4f] |", json_number_value(lo),
                json_number_value(hi));
    else
        fprintf(out, " - |");
}

void rb_compare_print_summary(FILE *out, const json_t *results)
{
    json_t *settings = json_object_get(results, "comparison_settings");
    json_t *cmps = json_object_get(results, "comparisons"), *c, *first;
    const char *base = json_string_value(json_object_get(settings,
                                                         "baseline"));
    const char *measure;
    int holm = json_is_true(json_object_get(settings, "holm"));
    size_t i;

    first = json_array_get(cmps, 0);
    measure = json_string_value(json_object_get(first, "measure"));
    if (!base || !measure)
        return;
    fprintf(out, "\n▲ / ▼: significantly better / worse than %s (paired "
            "%s test, p < %g%s).\n", base,
            json_string_value(json_object_get(settings, "test")),
            json_number_value(json_object_get(settings, "alpha")),
            holm ? ", Holm-corrected" : "");
    fprintf(out, "\n%s against %s over %lld queries, %g%% bootstrap "
            "intervals%s:\n\n", measure_title(measure), base,
            (long long)json_integer_value(json_object_get(settings,
                                                          "queries")),
            100 * json_number_value(json_object_get(settings, "level")),
            holm ? ", Holm-adjusted p-values" : "");
    fprintf(out, "| retriever | mean | CI | difference | CI of difference "
            "| p (t) | p (randomization) | p (bootstrap) |\n"
            "|---|---:|---|---:|---|---:|---:|---:|\n");
    fprintf(out, "| %s | %.4f |", base,
            json_number_value(json_object_get(first, "baseline_mean")));
    print_interval(out, json_object_get(first, "baseline_ci"));
    fprintf(out, " | | | | |\n");
    json_array_foreach(cmps, i, c) {
        const char *m = json_string_value(json_object_get(c, "measure"));
        const char *sys = json_string_value(json_object_get(c, "system"));

        if (!m || !sys || strcmp(m, measure) != 0)
            continue;
        fprintf(out, "| %s | %.4f |", sys,
                json_number_value(json_object_get(c, "system_mean")));
        print_interval(out, json_object_get(c, "system_ci"));
        fprintf(out, " %+.4f%s |",
                json_number_value(json_object_get(c, "difference")),
                rb_compare_marker(results, sys, measure));
        print_interval(out, json_object_get(c, "difference_ci"));
        print_p(out, c, "t", holm);
        print_p(out, c, "randomization", holm);
        print_p(out, c, "bootstrap", holm);
        fputc('\n', out);
    }
}
