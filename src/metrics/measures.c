#include "metrics/measures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

/* trec_eval floors map at this before taking logs for gm_map. */
#define MIN_GEO_MEAN 0.00001

typedef struct measure_info {
    const char *name;
    int has_cutoffs;
    int is_int;
    int default_cutoffs[RB_MAX_CUTOFFS];
    int ndefault;
} measure_info;

/* In trec_eval's print order. */
static const measure_info infos[RB_M_KIND_COUNT] = {
    [RB_M_NUM_Q] = {"num_q", 0, 1, {0}, 0},
    [RB_M_NUM_RET] = {"num_ret", 0, 1, {0}, 0},
    [RB_M_NUM_REL] = {"num_rel", 0, 1, {0}, 0},
    [RB_M_NUM_REL_RET] = {"num_rel_ret", 0, 1, {0}, 0},
    [RB_M_MAP] = {"map", 0, 0, {0}, 0},
    [RB_M_GM_MAP] = {"gm_map", 0, 0, {0}, 0},
    [RB_M_RPREC] = {"Rprec", 0, 0, {0}, 0},
    [RB_M_BPREF] = {"bpref", 0, 0, {0}, 0},
    [RB_M_RECIP_RANK] = {"recip_rank", 0, 0, {0}, 0},
    [RB_M_IPREC_AT_RECALL] = {"iprec_at_recall", 0, 0, {0}, 0},
    [RB_M_P] = {"P", 1, 0, {5, 10, 15, 20, 30, 100, 200, 500, 1000}, 9},
    [RB_M_RECALL] = {"recall", 1, 0,
                     {5, 10, 15, 20, 30, 100, 200, 500, 1000}, 9},
    [RB_M_NDCG] = {"ndcg", 0, 0, {0}, 0},
    [RB_M_NDCG_CUT] = {"ndcg_cut", 1, 0,
                       {5, 10, 15, 20, 30, 100, 200, 500, 1000}, 9},
    [RB_M_MAP_CUT] = {"map_cut", 1, 0,
                      {5, 10, 15, 20, 30, 100, 200, 500, 1000}, 9},
    [RB_M_SUCCESS] = {"success", 1, 0, {1, 5, 10}, 3},
};

void rb_measures_init(rb_measure_set *set)
{
    memset(set, 0, sizeof *set);
}

static void add_cutoff(rb_measure_set *set, int kind, int c)
{
    int *cuts = set->cutoffs[kind], n = set->ncutoffs[kind], i, j;

    for (i = 0; i < n; i++)
        if (cuts[i] == c)
            return;
    if (n == RB_MAX_CUTOFFS)
        return;
    for (i = 0; i < n && cuts[i] < c; i++)
        ;
    for (j = n; j > i; j--)
        cuts[j] = cuts[j - 1];
    cuts[i] = c;
    set->ncutoffs[kind] = n + 1;
}

static void enable_default(rb_measure_set *set, int kind)
{
    int i;

    set->enabled[kind] = 1;
    if (set->ncutoffs[kind] == 0)
        for (i = 0; i < infos[kind].ndefault; i++)
            add_cutoff(set, kind, infos[kind].default_cutoffs[i]);
}

void rb_measures_official(rb_measure_set *set)
{
    static const int kinds[] = {
        RB_M_NUM_Q, RB_M_NUM_RET, RB_M_NUM_REL, RB_M_NUM_REL_RET, RB_M_MAP,
        RB_M_GM_MAP, RB_M_RPREC, RB_M_BPREF, RB_M_RECIP_RANK,
        RB_M_IPREC_AT_RECALL, RB_M_P,
    };
    size_t i;

    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        enable_default(set, kinds[i]);
}

void rb_measures_beir(rb_measure_set *set)
{
    static const int cuts[] = {1, 3, 5, 10, 100, 1000};
    static const int kinds[] = {RB_M_P, RB_M_RECALL, RB_M_NDCG_CUT,
                                RB_M_MAP_CUT};
    size_t i, j;

    set->enabled[RB_M_NUM_Q] = set->enabled[RB_M_NUM_RET] = 1;
    set->enabled[RB_M_NUM_REL] = set->enabled[RB_M_NUM_REL_RET] = 1;
    set->enabled[RB_M_MAP] = set->enabled[RB_M_RECIP_RANK] = 1;
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        set->enabled[kinds[i]] = 1;
        for (j = 0; j < sizeof cuts / sizeof cuts[0]; j++)
            add_cutoff(set, kinds[i], cuts[j]);
    }
}

int rb_measures_add(rb_measure_set *set, const char *spec, rb_error *err)
{
    const char *dot = strchr(spec, '.');
    size_t nlen = dot ? (size_t)(dot - spec) : strlen(spec);
    int kind, i;

    if (strcmp(spec, "official") == 0) {
        rb_measures_official(set);
        return 0;
    }
    if (strcmp(spec, "all_trec") == 0) {
        for (i = 0; i < RB_M_KIND_COUNT; i++)
            enable_default(set, i);
        return 0;
    }
    for (kind = 0; kind < RB_M_KIND_COUNT; kind++)
        if (strlen(infos[kind].name) == nlen &&
            strncmp(infos[kind].name, spec, nlen) == 0)
            break;
    if (kind == RB_M_KIND_COUNT) {
        char known[512] = "";

        for (i = 0; i < RB_M_KIND_COUNT; i++) {
            strncat(known, infos[i].name, sizeof known - strlen(known) - 1);
            strncat(known, i + 1 < RB_M_KIND_COUNT ? ", " : "",
                    sizeof known - strlen(known) - 1);
        }
        return rb_error_set(err, "unknown measure \"%.*s\" (known: %s)",
                            (int)nlen, spec, known);
    }
    if (!dot) {
        enable_default(set, kind);
        return 0;
    }
    if (!infos[kind].has_cutoffs)
        return rb_error_set(err, "measure \"%s\" takes no cutoffs",
                            infos[kind].name);
    for (const char *p = dot + 1; ; ) {
        char *end;
        long c = strtol(p, &end, 10);

        if (end == p || c <= 0 || c > 1000000 ||
            (*end != ',' && *end != '\0'))
            return rb_error_set(err, "measure \"%s\": bad cutoff list "
                                "\"%s\" (positive integers, comma "
                                "separated)", infos[kind].name, dot + 1);
        if (set->ncutoffs[kind] == RB_MAX_CUTOFFS)
            return rb_error_set(err, "measure \"%s\": at most %d cutoffs",
                                infos[kind].name, RB_MAX_CUTOFFS);
        add_cutoff(set, kind, (int)c);
        if (*end == '\0')
            break;
        p = end + 1;
    }
    set->enabled[kind] = 1;
    return 0;
}

/* One evaluated query: the grades down the ranking and the judgments. */
typedef struct query_view {
    const int *grade;     /* grade at each rank, 0 when unjudged */
    const char *judged;   /* 1 when the rank's document is judged */
    size_t nret;
    size_t num_rel;       /* judged with grade >= rel_level */
    size_t num_nonrel;    /* judged with 0 <= grade < rel_level */
    const int *ideal;     /* positive grades, descending */
    size_t nideal;
    int rel_level;
} query_view;

static int is_rel(const query_view *v, size_t i)
{
    return v->judged[i] && v->grade[i] >= v->rel_level;
}

static double dcg(const int *grades, size_t n)
{
    double sum = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (grades[i] > 0)
            sum += grades[i] / log2((double)i + 2.0);
    return sum;
}

static double ndcg_at(const query_view *v, size_t k)
{
    size_t n = v->nret < k ? v->nret : k;
    size_t ni = v->nideal < k ? v->nideal : k;
    double ideal = dcg(v->ideal, ni);

    return ideal > 0 ? dcg(v->grade, n) / ideal : 0;
}

static size_t rel_in_top(const query_view *v, size_t k)
{
    size_t i, n = v->nret < k ? v->nret : k, r = 0;

    for (i = 0; i < n; i++)
        r += is_rel(v, i);
    return r;
}

static double ap_at(const query_view *v, size_t k)
{
    size_t i, n = v->nret < k ? v->nret : k, r = 0;
    double sum = 0;

    if (v->num_rel == 0)
        return 0;
    for (i = 0; i < n; i++) {
        if (is_rel(v, i)) {
            r++;
            sum += (double)r / (double)(i + 1);
        }
    }
    return sum / (double)v->num_rel;
}

static double bpref(const query_view *v)
{
    size_t i, nonrel_seen = 0;
    double sum = 0;

    if (v->num_rel == 0)
        return 0;
    for (i = 0; i < v->nret; i++) {
        if (!v->judged[i] || v->grade[i] < 0)
            continue;
        if (v->grade[i] >= v->rel_level) {
            if (nonrel_seen == 0 || v->num_nonrel == 0) {
                sum += 1;
            } else {
                size_t a = nonrel_seen < v->num_rel ? nonrel_seen
                                                    : v->num_rel;
                size_t b = v->num_rel < v->num_nonrel ? v->num_rel
                                                      : v->num_nonrel;

                sum += 1.0 - (double)a / (double)b;
            }
        } else {
            nonrel_seen++;
        }
    }
    return sum / (double)v->num_rel;
}

/* Interpolated precision at the 11 recall points 0.0, 0.1, ..., 1.0. */
static void iprec(const query_view *v, double out[11])
{
    size_t i, r = 0;
    int j;

    for (j = 0; j < 11; j++)
        out[j] = 0;
    if (v->num_rel == 0)
        return;
    for (i = 0; i < v->nret; i++) {
        double recall, prec;

        if (!is_rel(v, i))
            continue;
        r++;
        recall = (double)r / (double)v->num_rel;
        prec = (double)r / (double)(i + 1);
        for (j = 0; j < 11; j++)
            if (recall >= j / 10.0 - 1e-12 && prec > out[j])
                out[j] = prec;
    }
}

/* Fill one row of values in column order. */
static void compute_row(const rb_measure_set *set, const query_view *v,
                        double *row)
{
    size_t col = 0;
    int kind, c;

    for (kind = 0; kind < RB_M_KIND_COUNT; kind++) {
        const int *cuts = set->cutoffs[kind];
        int nc = set->ncutoffs[kind];

        if (!set->enabled[kind])
            continue;
        switch (kind) {
        case RB_M_NUM_Q:
            break;   /* only in the summary */
        case RB_M_NUM_RET:
            row[col++] = (double)v->nret;
            break;
        case RB_M_NUM_REL:
            row[col++] = (double)v->num_rel;
            break;
        case RB_M_NUM_REL_RET:
            row[col++] = (double)rel_in_top(v, v->nret);
            break;
        case RB_M_MAP:
            row[col++] = ap_at(v, v->nret);
            break;
        case RB_M_GM_MAP: {
            double ap = ap_at(v, v->nret);

            row[col++] = log(ap > MIN_GEO_MEAN ? ap : MIN_GEO_MEAN);
            break;
        }
        case RB_M_RPREC:
            row[col++] = v->num_rel ? (double)rel_in_top(v, v->num_rel) /
                                      (double)v->num_rel : 0;
            break;
        case RB_M_BPREF:
            row[col++] = bpref(v);
            break;
        case RB_M_RECIP_RANK: {
            size_t i;
            double rr = 0;

            for (i = 0; i < v->nret; i++) {
                if (is_rel(v, i)) {
                    rr = 1.0 / (double)(i + 1);
                    break;
                }
            }
            row[col++] = rr;
            break;
        }
        case RB_M_IPREC_AT_RECALL:
            iprec(v, row + col);
            col += 11;
            break;
        case RB_M_P:
            for (c = 0; c < nc; c++)
                row[col++] = (double)rel_in_top(v, (size_t)cuts[c]) /
                             cuts[c];
            break;
        case RB_M_RECALL:
            for (c = 0; c < nc; c++)
                row[col++] = v->num_rel ?
                    (double)rel_in_top(v, (size_t)cuts[c]) /
                    (double)v->num_rel : 0;
            break;
        case RB_M_NDCG:
            row[col++] = ndcg_at(v, v->nret > v->nideal ? v->nret
                                                       : v->nideal);
            break;
        case RB_M_NDCG_CUT:
            for (c = 0; c < nc; c++)
                row[col++] = ndcg_at(v, (size_t)cuts[c]);
            break;
        case RB_M_MAP_CUT:
            for (c = 0; c < nc; c++)
                row[col++] = ap_at(v, (size_t)cuts[c]);
            break;
        case RB_M_SUCCESS:
            for (c = 0; c < nc; c++)
                row[col++] = rel_in_top(v, (size_t)cuts[c]) > 0;
            break;
        }
    }
}

/* Column names in trec_eval order; counts the columns. */
static int build_names(rb_eval *ev, const rb_measure_set *set,
                       rb_error *err)
{
    size_t n = 0, cap = 0;
    int kind, c;

    for (kind = 0; kind < RB_M_KIND_COUNT; kind++) {
        int ncols;

        if (!set->enabled[kind])
            continue;
        ncols = kind == RB_M_IPREC_AT_RECALL ? 11 :
                infos[kind].has_cutoffs ? set->ncutoffs[kind] : 1;
        for (c = 0; c < ncols; c++) {
            char name[64];
            char **names;
            int *ints;
            size_t cap2 = cap;

            if (kind == RB_M_IPREC_AT_RECALL)
                snprintf(name, sizeof name, "iprec_at_recall_%.2f",
                         c / 10.0);
            else if (infos[kind].has_cutoffs)
                snprintf(name, sizeof name, "%s_%d", infos[kind].name,
                         set->cutoffs[kind][c]);
            else
                snprintf(name, sizeof name, "%s", infos[kind].name);
            names = rb_grow(ev->names, &cap, n + 1, sizeof *names);
            if (!names)
                return rb_error_oom(err);
            ev->names = names;
            ints = rb_grow(ev->is_int, &cap2, n + 1, sizeof *ints);
            if (!ints)
                return rb_error_oom(err);
            ev->is_int = ints;
            names[n] = rb_strdup(name);
            if (!names[n])
                return rb_error_oom(err);
            ints[n] = infos[kind].is_int;
            ev->nmeasures = ++n;
        }
    }
    if (n == 0)
        return rb_error_set(err, "no measures requested");
    return 0;
}

void rb_eval_free(rb_eval *ev)
{
    size_t i;

    if (!ev)
        return;
    for (i = 0; i < ev->nmeasures; i++)
        rb_free(ev->names[i]);
    for (i = 0; ev->qids && i < ev->nqueries; i++)
        rb_free(ev->qids[i]);
    rb_free(ev->names);
    rb_free(ev->is_int);
    rb_free(ev->qids);
    rb_free(ev->values);
    rb_free(ev->means);
    rb_free(ev);
}

long rb_eval_measure_index(const rb_eval *ev, const char *name)
{
    size_t i;

    for (i = 0; i < ev->nmeasures; i++)
        if (strcmp(ev->names[i], name) == 0)
            return (long)i;
    return -1;
}

static int int_desc(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return (x < y) - (x > y);
}

typedef struct scratch {
    rb_result *results;
    int *grade, *ideal;
    char *judged;
    size_t cap, ideal_cap;
} scratch;

static int scratch_fit(scratch *s, size_t nret, size_t njudged)
{
    if (nret > s->cap) {
        size_t cap = s->cap;
        rb_result *r = rb_grow(s->results, &cap, nret, sizeof *r);
        int *g;
        char *j;

        if (!r)
            return -1;
        s->results = r;
        g = rb_realloc(s->grade, cap * sizeof *g);
        if (!g)
            return -1;
        s->grade = g;
        j = rb_realloc(s->judged, cap);
        if (!j)
            return -1;
        s->judged = j;
        s->cap = cap;
    }
    if (njudged > s->ideal_cap) {
        int *ideal = rb_grow(s->ideal, &s->ideal_cap, njudged,
                             sizeof *ideal);

        if (!ideal)
            return -1;
        s->ideal = ideal;
    }
    return 0;
}

/*
 * Build the view of one query: copy and order its results as trec_eval
 * does, drop identical ids when asked, and look up each grade.
 */
static int view_query(const rb_qrels *qrels, size_t qqi, const rb_run *run,
                      long rqi, const rb_eval_options *opt, scratch *s,
                      query_view *v, rb_eval *ev)
{
    const rb_qrels_query *qq = &qrels->queries[qqi];
    const rb_run_query *rq = rqi >= 0 ? &run->queries[rqi] : NULL;
    const char *qid = rb_intern_str(qrels->qids, qq->qid);
    size_t nret = rq ? rq->n : 0, i, out = 0;

    if (scratch_fit(s, nret, qq->n) < 0)
        return -1;
    if (nret)
        memcpy(s->results, rq->results, nret * sizeof *s->results);
    rb_results_sort_trec(s->results, nret, run->docs);
    memset(v, 0, sizeof *v);
    v->rel_level = opt->rel_level;
    for (i = 0; i < nret; i++) {
        const char *doc = rb_intern_str(run->docs, s->results[i].doc);
        uint32_t qd = rb_intern_find(qrels->docs, doc,
                                     rb_intern_len(run->docs,
                                                   s->results[i].doc));
        int found = 0, grade = 0;

        if (qd != RB_INTERN_NONE)
            grade = rb_qrels_grade(qrels, qqi, qd, &found);
        if (opt->ignore_identical_ids && strcmp(doc, qid) == 0) {
            ev->dropped_identical++;
            if (found && grade >= opt->rel_level)
                ev->dropped_identical_relevant++;
            continue;
        }
        s->grade[out] = found ? grade : 0;
        s->judged[out] = (char)found;
        out++;
    }
    v->nret = out;
    v->grade = s->grade;
    v->judged = s->judged;
    for (i = 0; i < qq->n; i++) {
        int g = qq->judged[i].grade;

        if (g >= opt->rel_level)
            v->num_rel++;
        else if (g >= 0)
            v->num_nonrel++;
        if (g > 0)
            s->ideal[v->nideal++] = g;
    }
    qsort(s->ideal, v->nideal, sizeof *s->ideal, int_desc);
    v->ideal = s->ideal;
    return 0;
}

typedef struct eval_row {
    const char *qid;
    size_t qrels_index;
    long run_index;
} eval_row;

static int row_cmp(const void *a, const void *b)
{
    return strcmp(((const eval_row *)a)->qid, ((const eval_row *)b)->qid);
}

/* Means over rows, as trec_eval's summary line: sums for counts, the
 * geometric mean for gm_map, arithmetic means for the rest. */
static void summarise(rb_eval *ev, const rb_measure_set *set)
{
    size_t m, q, nq = ev->nqueries;
    size_t col = 0;
    int kind;

    for (kind = 0; kind < RB_M_KIND_COUNT; kind++) {
        int ncols;

        if (!set->enabled[kind])
            continue;
        if (kind == RB_M_NUM_Q) {
            ev->means[col++] = (double)ev->num_q;
            continue;
        }
        ncols = kind == RB_M_IPREC_AT_RECALL ? 11 :
                infos[kind].has_cutoffs ? set->ncutoffs[kind] : 1;
        for (m = col; m < col + (size_t)ncols; m++) {
            double sum = 0;

            for (q = 0; q < nq; q++)
                sum += ev->values[q * ev->nmeasures + m];
            if (infos[kind].is_int)
                ev->means[m] = sum;
            else if (kind == RB_M_GM_MAP)
                ev->means[m] = nq ? exp(sum / (double)nq) : 0;
            else
                ev->means[m] = nq ? sum / (double)nq : 0;
        }
        col += (size_t)ncols;
    }
}

rb_eval *rb_evaluate(const rb_qrels *qrels, const rb_run *run,
                     const rb_measure_set *set, const rb_eval_options *opt,
                     rb_error *err)
{
    rb_eval_options defaults = RB_EVAL_OPTIONS_INIT;
    rb_eval *ev = rb_calloc(1, sizeof *ev);
    eval_row *rows = NULL;
    scratch s = {0};
    size_t i, nrows = 0, qcol;
    double *row;

    if (!opt)
        opt = &defaults;
    if (!ev) {
        rb_error_oom(err);
        return NULL;
    }
    if (build_names(ev, set, err) < 0)
        goto fail;
    rows = rb_malloc((qrels->nqueries + 1) * sizeof *rows);
    if (!rows)
        goto oom;
    for (i = 0; i < qrels->nqueries; i++) {
        const char *qid = rb_intern_str(qrels->qids,
                                        qrels->queries[i].qid);
        long ri = rb_run_find_query(run, qid);

        if (ri < 0 && !opt->complete)
            continue;
        rows[nrows].qid = qid;
        rows[nrows].qrels_index = i;
        rows[nrows].run_index = ri;
        nrows++;
    }
    qsort(rows, nrows, sizeof *rows, row_cmp);
    ev->nqueries = nrows;
    ev->num_q = nrows;
    ev->qids = rb_calloc(nrows + 1, sizeof *ev->qids);
    ev->values = rb_calloc((nrows + 1) * ev->nmeasures, sizeof(double));
    ev->means = rb_calloc(ev->nmeasures, sizeof(double));
    if (!ev->qids || !ev->values || !ev->means)
        goto oom;
    /* Per-query rows have no num_q column; keep it at 0 there. */
    qcol = set->enabled[RB_M_NUM_Q] ? 1 : 0;
    for (i = 0; i < nrows; i++) {
        query_view v;

        ev->qids[i] = rb_strdup(rows[i].qid);
        if (!ev->qids[i])
            goto oom;
        if (view_query(qrels, rows[i].qrels_index, run, rows[i].run_index,
                       opt, &s, &v, ev) < 0)
            goto oom;
        row = ev->values + i * ev->nmeasures;
        compute_row(set, &v, row + qcol);
    }
    summarise(ev, set);
    rb_free(rows);
    rb_free(s.results);
    rb_free(s.grade);
    rb_free(s.judged);
    rb_free(s.ideal);
    return ev;

oom:
    rb_error_oom(err);
fail:
    rb_free(rows);
    rb_free(s.results);
    rb_free(s.grade);
    rb_free(s.judged);
    rb_free(s.ideal);
    rb_eval_free(ev);
    return NULL;
}
