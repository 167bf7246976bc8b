/* The checks of the gate: every dataset x retriever x measure of the
 * baseline against the results, and the timing limits. */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "gate/gate.h"
#include "metrics/stats.h"

/* Differences smaller than this are rounding, not change. */
#define GATE_EPSILON 1e-12

void rb_gate_report_release(rb_gate_report *rep)
{
    size_t i;

    for (i = 0; i < rep->n; i++) {
        rb_free(rep->checks[i].dataset);
        rb_free(rep->checks[i].retriever);
        rb_free(rep->checks[i].name);
        rb_free(rep->checks[i].reason);
    }
    rb_free(rep->checks);
    memset(rep, 0, sizeof *rep);
}

/* Append a check with its reason (printf format); NULL when memory runs
 * out. */
static rb_gate_check *add_check(rb_gate_report *rep, rb_gate_kind kind,
                                const char *dataset, const char *retriever,
                                const char *name, rb_gate_verdict verdict,
                                const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static rb_gate_check *add_check(rb_gate_report *rep, rb_gate_kind kind,
                                const char *dataset, const char *retriever,
                                const char *name, rb_gate_verdict verdict,
                                const char *fmt, ...)
{
    rb_gate_check *checks, *c;
    char reason[512];
    va_list ap;

    checks = rb_grow(rep->checks, &rep->cap, rep->n + 1, sizeof *checks);
    if (!checks)
        return NULL;
    rep->checks = checks;
    c = &checks[rep->n];
    memset(c, 0, sizeof *c);
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    c->kind = kind;
    c->verdict = verdict;
    c->dataset = rb_strdup(dataset);
    c->retriever = retriever ? rb_strdup(retriever) : NULL;
    c->name = name ? rb_strdup(name) : NULL;
    c->reason = rb_strdup(reason);
    rep->n++;
    if (!c->dataset || (retriever && !c->retriever) || (name && !c->name) ||
        !c->reason)
        return NULL;
    if (verdict == RB_GATE_PASS)
        rep->passed++;
    else if (verdict == RB_GATE_FAIL)
        rep->failed++;
    else
        rep->fresh++;
    return c;
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static const json_t *find_named(const json_t *list, const char *name)
{
    json_t *item;
    size_t i;

    json_array_foreach(list, i, item)
        if (str(item, "name") && strcmp(str(item, "name"), name) == 0)
            return item;
    return NULL;
}

/* The results object of a baseline dataset (same name and split). */
static const json_t *find_results(const json_t *const *results, size_t n,
                                  const char *name, const char *split)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const json_t *ds = json_object_get(results[i], "dataset");
        const char *s = str(ds, "split") ? str(ds, "split") : "test";

        if (str(ds, "name") && strcmp(str(ds, "name"), name) == 0 &&
            strcmp(s, split) == 0)
            return results[i];
    }
    return NULL;
}

static const rb_gate_drop *drop_rule(const rb_gate_rules *rules,
                                     const char *measure)
{
    const rb_gate_drop *any = NULL;
    size_t i;

    for (i = 0; i < rules->ndrops; i++) {
        if (strcmp(rules->drops[i].measure, measure) == 0)
            return &rules->drops[i];
        if (strcmp(rules->drops[i].measure, "*") == 0)
            any = &rules->drops[i];
    }
    return any;
}

/* The largest allowed drop of a measure whose baseline value is base:
 * the smaller of the absolute and relative limits that are set; no rule
 * at all allows none. */
static double allowed_drop(const rb_gate_rules *rules, const char *measure,
                           double base)
{
    const rb_gate_drop *d = drop_rule(rules, measure);
    double allowed = INFINITY;

    if (!d)
        return 0.0;
    if (d->abs >= 0)
        allowed = d->abs;
    if (d->rel >= 0 && d->rel * fabs(base) < allowed)
        allowed = d->rel * fabs(base);
    return isinf(allowed) ? 0.0 : allowed;
}

static int qid_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Paired randomization test of a measure between the baseline's and the
 * results' per-query values, over the queries both have. */
static int drop_p_value(const json_t *base_pq, const json_t *cur_pq,
                        const char *measure, const rb_gate_rules *rules,
                        const char *where, double *p, rb_error *err)
{
    const char **qids;
    double *a, *b;
    const char *qid;
    json_t *row;
    size_t n = 0, i;

    qids = rb_malloc((json_object_size(base_pq) + 1) * sizeof *qids);
    a = rb_malloc((json_object_size(base_pq) + 1) * sizeof *a);
    b = rb_malloc((json_object_size(base_pq) + 1) * sizeof *b);
    if (!qids || !a || !b) {
        rb_free(qids);
        rb_free(a);
        rb_free(b);
        return rb_error_oom(err);
    }
    json_object_foreach((json_t *)base_pq, qid, row) {
        json_t *cur = json_object_get(json_object_get(cur_pq, qid), measure);

        if (json_is_number(json_object_get(row, measure)) &&
            json_is_number(cur))
            qids[n++] = qid;
    }
    qsort(qids, n, sizeof *qids, qid_cmp);
    for (i = 0; i < n; i++) {
        a[i] = json_number_value(json_object_get(
            json_object_get(base_pq, qids[i]), measure));
        b[i] = json_number_value(json_object_get(
            json_object_get(cur_pq, qids[i]), measure));
    }
    if (n >= 2)
        *p = rb_randomization_test(b, a, n, rules->permutations,
                                   rules->seed);
    rb_free(qids);
    rb_free(a);
    rb_free(b);
    if (n < 2)
        return rb_error_set(err, "%s: %s: a significance test needs "
                            "per-query values of at least 2 queries in both "
                            "baseline and results (%zu found); refresh the "
                            "baseline with --update", where, measure, n);
    return isnan(*p) ? rb_error_oom(err) : 0;
}

static const char *significance_note(double p, char *out, size_t size)
{
    if (isnan(p))
        out[0] = '\0';
    else if (p < 0.0001)
        snprintf(out, size, ", significant (p < 0.0001)");
    else
        snprintf(out, size, ", significant (p = %.4f)", p);
    return out;
}

typedef struct entry_ctx {
    const char *dataset, *retriever, *where;
    const json_t *base, *cur;        /* retriever entries */
} entry_ctx;

static int check_measure(rb_gate_report *rep, const entry_ctx *e,
                         const char *m, double b,
                         const rb_gate_rules *rules, rb_error *err)
{
    json_t *cv = json_object_get(json_object_get(e->cur, "metrics"), m);
    double c, drop, allowed, p = NAN;
    rb_gate_check *chk;
    char note[64];
    int over, significant = 1;

    if (!json_is_number(cv)) {
        chk = add_check(rep, RB_CHECK_MEASURE, e->dataset, e->retriever, m,
                        RB_GATE_FAIL, "missing from the results");
        if (chk) {
            chk->has_values = 0;
            chk->baseline = b;
        }
        return chk ? 0 : rb_error_oom(err);
    }
    c = json_number_value(cv);
    drop = b - c;
    allowed = allowed_drop(rules, m, b);
    over = drop > allowed + GATE_EPSILON;
    if (over && rules->require_significance) {
        if (drop_p_value(json_object_get(e->base, "per_query"),
                         json_object_get(e->cur, "per_query"), m, rules,
                         e->where, &p, err) < 0)
            return -1;
        significant = p < rules->alpha;
    }
    if (!over)
        chk = add_check(rep, RB_CHECK_MEASURE, e->dataset, e->retriever, m,
                        RB_GATE_PASS, "%s", fabs(drop) <= GATE_EPSILON
                        ? "unchanged" : drop < 0 ? "improved"
                        : "dropped within the limit");
    else if (!significant)
        chk = add_check(rep, RB_CHECK_MEASURE, e->dataset, e->retriever, m,
                        RB_GATE_PASS, "dropped %.4f (limit %.4f) but not "
                        "significantly (p = %.4f >= %g)", drop, allowed, p,
                        rules->alpha);
    else
        chk = add_check(rep, RB_CHECK_MEASURE, e->dataset, e->retriever, m,
                        RB_GATE_FAIL, "dropped %.4f (%.4f -> %.4f), limit "
                        "%.4f%s", drop, b, c, allowed,
                        significance_note(p, note, sizeof note));
    if (!chk)
        return rb_error_oom(err);
    chk->has_values = 1;
    chk->baseline = b;
    chk->current = c;
    chk->difference = c - b;
    chk->allowed = allowed;
    chk->has_p = !isnan(p);
    chk->p = p;
    return 0;
}

static int check_timing(rb_gate_report *rep, const entry_ctx *e,
                        const rb_gate_slowdown *s,
                        const rb_gate_rules *rules, rb_error *err)
{
    json_t *bv = json_object_get(json_object_get(e->base, "timings"),
                                 s->timing);
    json_t *cv = json_object_get(json_object_get(e->cur, "timings"),
                                 s->timing);
    double b, c, ratio;
    rb_gate_check *chk;

    if (!json_is_number(bv))
        return 0;
    b = json_number_value(bv);
    if (!json_is_number(cv)) {
        chk = add_check(rep, RB_CHECK_TIMING, e->dataset, e->retriever,
                        s->timing, RB_GATE_FAIL, "missing from the results");
        if (chk)
            chk->baseline = b;
        return chk ? 0 : rb_error_oom(err);
    }
    c = json_number_value(cv);
    ratio = fmax(c, rules->timing_floor) / fmax(b, rules->timing_floor);
    if (!(fmax(b, rules->timing_floor) > 0))
        ratio = c > 0 ? INFINITY : 1.0;
    if (ratio > s->ratio + GATE_EPSILON)
        chk = add_check(rep, RB_CHECK_TIMING, e->dataset, e->retriever,
                        s->timing, RB_GATE_FAIL, "%.2fx slower (%.3f s -> "
                        "%.3f s), limit %.2fx", ratio, b, c, s->ratio);
    else
        chk = add_check(rep, RB_CHECK_TIMING, e->dataset, e->retriever,
                        s->timing, RB_GATE_PASS, "%.2fx, within %.2fx",
                        ratio, s->ratio);
    if (!chk)
        return rb_error_oom(err);
    chk->has_values = 1;
    chk->baseline = b;
    chk->current = c;
    chk->difference = ratio;
    chk->allowed = s->ratio;
    return 0;
}

static int check_retriever(rb_gate_report *rep, entry_ctx *e,
                           const rb_gate_rules *rules, rb_error *err)
{
    const char *m;
    json_t *v;
    size_t i;

    json_object_foreach(json_object_get(e->base, "metrics"), m, v) {
        if (!json_is_number(v))
            continue;
        if (check_measure(rep, e, m, json_number_value(v), rules, err) < 0)
            return -1;
    }
    for (i = 0; i < rules->nslowdowns; i++)
        if (check_timing(rep, e, &rules->slowdowns[i], rules, err) < 0)
            return -1;
    return 0;
}

static int check_fingerprint(rb_gate_report *rep, const json_t *bd,
                             const json_t *res, const char *where,
                             const rb_gate_rules *rules, rb_error *err)
{
    const char *bf = str(bd, "fingerprint");
    const char *rf = str(json_object_get(res, "dataset"), "fingerprint");

    if (!bf || !rf || strcmp(bf, rf) == 0)
        return 0;
    if (!rules->allow_dataset_change)
        return rb_error_set(err, "%s: the results are of a different "
                            "dataset than the baseline (fingerprint %.12s "
                            "instead of %.12s); --allow-dataset-change "
                            "compares them anyway, --update makes them the "
                            "baseline", where, rf, bf);
    rep->dataset_changed = 1;
    return 0;
}

static int check_dataset(rb_gate_report *rep, const json_t *bd,
                         const json_t *res, const rb_gate_rules *rules,
                         rb_error *err)
{
    const char *name = str(bd, "name");
    json_t *br, *rr;
    size_t i;

    if (check_fingerprint(rep, bd, res, name, rules, err) < 0)
        return -1;
    json_array_foreach(json_object_get(bd, "retrievers"), i, br) {
        entry_ctx e;
        char where[300];

        e.dataset = name;
        e.retriever = str(br, "name");
        e.base = br;
        e.cur = find_named(json_object_get(res, "retrievers"), e.retriever);
        snprintf(where, sizeof where, "%s/%s", name, e.retriever);
        e.where = where;
        if (!e.cur) {
            if (!add_check(rep, RB_CHECK_RETRIEVER, name, e.retriever, NULL,
                           RB_GATE_FAIL, "retriever missing from the "
                           "results"))
                return rb_error_oom(err);
            continue;
        }
        if (check_retriever(rep, &e, rules, err) < 0)
            return -1;
    }
    json_array_foreach(json_object_get(res, "retrievers"), i, rr) {
        const char *r = str(rr, "name");

        if (r && !find_named(json_object_get(bd, "retrievers"), r) &&
            !add_check(rep, RB_CHECK_RETRIEVER, name, r, NULL, RB_GATE_NEW,
                       "new retriever, not in the baseline"))
            return rb_error_oom(err);
    }
    return 0;
}

int rb_gate_check_results(const json_t *baseline,
                          const json_t *const *results, size_t n,
                          const rb_gate_rules *rules, rb_gate_report *rep,
                          rb_error *err)
{
    json_t *bd;
    size_t i;

    memset(rep, 0, sizeof *rep);
    for (i = 0; i < n; i++)
        if (!str(json_object_get(results[i], "dataset"), "name") ||
            !json_is_array(json_object_get(results[i], "retrievers")))
            return rb_error_set(err, "results %zu lack a dataset name or "
                                "a list of retrievers", i + 1);
    json_array_foreach(json_object_get(baseline, "datasets"), i, bd) {
        const char *name = str(bd, "name");
        const char *split = str(bd, "split") ? str(bd, "split") : "test";
        const json_t *res = find_results(results, n, name, split);

        if (!res) {
            if (!add_check(rep, RB_CHECK_DATASET, name, NULL, NULL,
                           RB_GATE_FAIL, "dataset (split %s) missing from "
                           "the results", split))
                return rb_error_oom(err);
            continue;
        }
        if (check_dataset(rep, bd, res, rules, err) < 0)
            return -1;
    }
    for (i = 0; i < n; i++) {
        const json_t *ds = json_object_get(results[i], "dataset");
        const char *split = str(ds, "split") ? str(ds, "split") : "test";
        json_t *b;
        size_t j;
        int known = 0;

        json_array_foreach(json_object_get(baseline, "datasets"), j, b)
            known |= str(b, "name") && str(ds, "name") &&
                     strcmp(str(b, "name"), str(ds, "name")) == 0 &&
                     strcmp(str(b, "split") ? str(b, "split") : "test",
                            split) == 0;
        if (!known && !add_check(rep, RB_CHECK_DATASET, str(ds, "name"),
                                 NULL, NULL, RB_GATE_NEW,
                                 "new dataset (split %s), not in the "
                                 "baseline", split))
            return rb_error_oom(err);
    }
    return 0;
}
