#include "retrieve/fusion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

static const char *const method_names[] = {"rrf", "wsum", "combsum",
                                           "combmnz"};
static const char *const norm_names[] = {"none", "minmax", "zscore", "max",
                                         "sum"};

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

const char *rb_fusion_method_name(rb_fusion_method method)
{
    return (size_t)method < COUNT(method_names) ? method_names[method]
                                                : "?";
}

const char *rb_fusion_norm_name(rb_fusion_norm norm)
{
    return (size_t)norm < COUNT(norm_names) ? norm_names[norm] : "?";
}

int rb_fusion_method_parse(const char *name, rb_fusion_method *method)
{
    size_t i;

    for (i = 0; i < COUNT(method_names); i++)
        if (strcmp(name, method_names[i]) == 0) {
            *method = (rb_fusion_method)i;
            return 0;
        }
    return -1;
}

int rb_fusion_norm_parse(const char *name, rb_fusion_norm *norm)
{
    size_t i;

    for (i = 0; i < COUNT(norm_names); i++)
        if (strcmp(name, norm_names[i]) == 0) {
            *norm = (rb_fusion_norm)i;
            return 0;
        }
    /* ranx spells two of them differently. */
    if (strcmp(name, "min-max") == 0)
        return *norm = RB_NORM_MINMAX, 0;
    if (strcmp(name, "zmuv") == 0)
        return *norm = RB_NORM_ZSCORE, 0;
    return -1;
}

/* trec_eval's order: score descending, then document id descending. The
 * table is passed through a thread-local as qsort has no context. */
static _Thread_local const rb_intern *order_docs;

static int trec_before(const rb_result *x, const rb_result *y,
                       const rb_intern *docs)
{
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->doc == y->doc)
        return 0;
    return -strcmp(rb_intern_str(docs, x->doc), rb_intern_str(docs, y->doc));
}

static int trec_cmp(const void *a, const void *b)
{
    return trec_before(a, b, order_docs);
}

/* One input's results for a query in trec_eval order, at most depth of
 * them: the stored array when it is already ordered, else a sorted copy
 * in *copy (rb_free it). */
static int ordered_results(const rb_run *run, size_t qi, size_t depth,
                           const rb_result **res, size_t *n,
                           rb_result **copy)
{
    const rb_run_query *q = &run->queries[qi];
    size_t i;
    int sorted = 1;

    *copy = NULL;
    for (i = 1; i < q->n && sorted; i++)
        if (trec_before(&q->results[i - 1], &q->results[i], run->docs) > 0)
            sorted = 0;
    *res = q->results;
    if (!sorted) {
        *copy = rb_malloc(q->n * sizeof **copy);
        if (!*copy)
            return -1;
        memcpy(*copy, q->results, q->n * sizeof **copy);
        order_docs = run->docs;
        qsort(*copy, q->n, sizeof **copy, trec_cmp);
        *res = *copy;
    }
    *n = depth && q->n > depth ? depth : q->n;
    return 0;
}

/* What normalization needs of one list of scores. */
typedef struct score_summary {
    double min, max, mean, sd, max_abs, sum_abs;
} score_summary;

static void summarize(const rb_result *res, size_t n, score_summary *s)
{
    double ss = 0.0;
    size_t i;

    memset(s, 0, sizeof *s);
    if (n == 0)
        return;
    s->min = s->max = res[0].score;
    for (i = 0; i < n; i++) {
        double v = res[i].score;

        s->min = v < s->min ? v : s->min;
        s->max = v > s->max ? v : s->max;
        s->mean += v;
        s->sum_abs += fabs(v);
        s->max_abs = fabs(v) > s->max_abs ? fabs(v) : s->max_abs;
    }
    s->mean /= (double)n;
    for (i = 0; i < n; i++)
        ss += (res[i].score - s->mean) * (res[i].score - s->mean);
    s->sd = sqrt(ss / (double)n);
}

static double normalize(rb_fusion_norm norm, double v,
                        const score_summary *s)
{
    switch (norm) {
    case RB_NORM_NONE:
        return v;
    case RB_NORM_MINMAX:
        /* A list whose scores are all equal is all at its best. */
        return s->max > s->min ? (v - s->min) / (s->max - s->min) : 1.0;
    case RB_NORM_ZSCORE:
        return s->sd > 0.0 ? (v - s->mean) / s->sd : 0.0;
    case RB_NORM_MAX:
        return s->max_abs > 0.0 ? v / s->max_abs : 0.0;
    case RB_NORM_SUM:
        return s->sum_abs > 0.0 ? v / s->sum_abs : 0.0;
    }
    return v;
}

typedef struct contribution {
    uint32_t doc;      /* in the output table */
    uint32_t input;
    uint32_t rank;     /* 1-based, within the input */
    double value;
} contribution;

static int contribution_cmp(const void *a, const void *b)
{
    const contribution *x = a, *y = b;

    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    if (x->input != y->input)
        return x->input < y->input ? -1 : 1;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

typedef struct fuse_buffer {
    contribution *items;
    size_t n, cap;
} fuse_buffer;

static int buffer_reserve(fuse_buffer *buf, size_t extra)
{
    contribution *items = rb_grow(buf->items, &buf->cap, buf->n + extra,
                                  sizeof *items);

    if (!items)
        return -1;
    buf->items = items;
    return 0;
}

/* Add one input's contributions for the output query named qid. */
static int collect_input(const rb_fusion_input *in, uint32_t index,
                         const char *qid, const rb_fusion_options *opt,
                         rb_run *out, fuse_buffer *buf, rb_error *err)
{
    const rb_result *res;
    rb_result *copy;
    score_summary sum;
    size_t n, i;
    long qi = rb_run_find_query(in->run, qid);
    int same_table = in->run->docs == out->docs;

    if (qi < 0)
        return 0;
    if (ordered_results(in->run, (size_t)qi, in->depth, &res, &n, &copy))
        return rb_error_oom(err);
    summarize(res, n, &sum);
    if (buffer_reserve(buf, n) < 0) {
        rb_free(copy);
        return rb_error_oom(err);
    }
    for (i = 0; i < n; i++) {
        contribution *c = &buf->items[buf->n];
        uint32_t doc = res[i].doc;

        if (!same_table) {
            const char *s = rb_run_doc(in->run, doc);

            doc = rb_intern_add(out->docs, s, strlen(s), NULL);
            if (doc == RB_INTERN_NONE) {
                rb_free(copy);
                return rb_error_oom(err);
            }
        }
        c->doc = doc;
        c->input = index;
        c->rank = (uint32_t)(i + 1);
        if (opt->method == RB_FUSE_RRF)
            c->value = in->weight / (opt->k + (double)(i + 1));
        else
            c->value = in->weight * normalize(opt->norm, res[i].score, &sum);
        buf->n++;
    }
    rb_free(copy);
    return 0;
}

/* Fuse output query qi from every input. */
static int fuse_query(const rb_fusion_input *inputs, size_t ninputs,
                      const rb_fusion_options *opt, rb_run *out, size_t qi,
                      fuse_buffer *buf, rb_error *err)
{
    const char *qid = rb_run_qid(out, qi);
    size_t i, j;

    buf->n = 0;
    for (i = 0; i < ninputs; i++)
        if (collect_input(&inputs[i], (uint32_t)i, qid, opt, out, buf,
                          err) < 0)
            return -1;
    /* Group by document; within a document the inputs come in order, so
     * the sum is taken in the same order on every run. */
    qsort(buf->items, buf->n, sizeof *buf->items, contribution_cmp);
    for (i = 0; i < buf->n; i = j) {
        double score = 0.0;
        size_t hits = 0;

        for (j = i; j < buf->n && buf->items[j].doc == buf->items[i].doc;
             j++) {
            /* A document listed twice by one input counts once, at its
             * better rank. */
            if (j > i && buf->items[j].input == buf->items[j - 1].input)
                continue;
            score += buf->items[j].value;
            hits++;
        }
        if (opt->method == RB_FUSE_COMBMNZ)
            score *= (double)hits;
        if (rb_run_push(out, qi, buf->items[i].doc, score) < 0)
            return rb_error_oom(err);
    }
    order_docs = out->docs;
    qsort(out->queries[qi].results, out->queries[qi].n, sizeof(rb_result),
          trec_cmp);
    if (opt->limit && out->queries[qi].n > opt->limit)
        out->queries[qi].n = opt->limit;
    return 0;
}

static int check_options(const rb_fusion_input *inputs, size_t n,
                         const rb_fusion_options *opt, rb_error *err)
{
    size_t i;

    if (n == 0)
        return rb_error_set(err, "fusion needs at least one run");
    if ((size_t)opt->method >= COUNT(method_names))
        return rb_error_set(err, "unknown fusion method %d",
                            (int)opt->method);
    if ((size_t)opt->norm >= COUNT(norm_names))
        return rb_error_set(err, "unknown normalization %d",
                            (int)opt->norm);
    if (opt->method == RB_FUSE_RRF && !(opt->k > 0.0 && isfinite(opt->k)))
        return rb_error_set(err, "the RRF constant k must be a positive "
                            "number, not %g", opt->k);
    for (i = 0; i < n; i++)
        if (!inputs[i].run || !isfinite(inputs[i].weight) ||
            inputs[i].weight < 0.0)
            return rb_error_set(err, "fusion input %zu: %s", i + 1,
                                inputs[i].run ? "weight must be a "
                                "non-negative number" : "no run");
    return 0;
}

int rb_fuse(const rb_fusion_input *inputs, size_t n,
            const rb_fusion_options *opt, rb_run *out, rb_error *err)
{
    fuse_buffer buf = {NULL, 0, 0};
    size_t i, q;
    int rc = 0;

    if (check_options(inputs, n, opt, err) < 0)
        return -1;
    /* The output's queries: those it has, then the inputs' others. */
    for (i = 0; i < n; i++) {
        const rb_run *run = inputs[i].run;

        for (q = 0; q < run->nqueries; q++) {
            const char *qid = rb_run_qid(run, q);

            if (rb_run_query_index(out, qid, strlen(qid)) < 0)
                return rb_error_oom(err);
        }
    }
    for (q = 0; q < out->nqueries; q++)
        if (out->queries[q].n)
            return rb_error_set(err, "fusion output query \"%s\" already "
                                "has results", rb_run_qid(out, q));
    for (q = 0; q < out->nqueries && rc == 0; q++)
        rc = fuse_query(inputs, n, opt, out, q, &buf, err);
    rb_free(buf.items);
    return rc;
}
