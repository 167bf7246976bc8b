#include "data/run.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/mem.h"
#include "data/parse.h"

static rb_run *run_alloc(const char *tag, rb_intern *docs)
{
    rb_run *run = rb_calloc(1, sizeof *run);

    if (!run)
        return NULL;
    run->qids = rb_intern_new();
    run->tag = rb_strdup(tag ? tag : "rankbench");
    run->owns_docs = docs == NULL;
    run->docs = docs ? docs : rb_intern_new();
    if (!run->qids || !run->tag || !run->docs) {
        rb_run_free(run);
        return NULL;
    }
    return run;
}

rb_run *rb_run_new(const char *tag)
{
    return run_alloc(tag, NULL);
}

rb_run *rb_run_new_borrowed(const char *tag, rb_intern *docs)
{
    return run_alloc(tag, docs);
}

void rb_run_free(rb_run *run)
{
    size_t i;

    if (!run)
        return;
    for (i = 0; i < run->nqueries; i++)
        rb_free(run->queries[i].results);
    rb_free(run->queries);
    rb_intern_free(run->qids);
    if (run->owns_docs)
        rb_intern_free(run->docs);
    rb_free(run->tag);
    rb_free(run);
}

long rb_run_query_index(rb_run *run, const char *qid, size_t qlen)
{
    int added;
    uint32_t id = rb_intern_add(run->qids, qid, qlen, &added);

    if (id == RB_INTERN_NONE)
        return -1;
    if (added) {
        rb_run_query *qs = rb_grow(run->queries, &run->cap,
                                   run->nqueries + 1, sizeof *qs);

        if (!qs)
            return -1;
        run->queries = qs;
        memset(&qs[run->nqueries], 0, sizeof qs[0]);
        qs[run->nqueries].qid = id;
        run->nqueries++;
    }
    return (long)id;
}

long rb_run_find_query(const rb_run *run, const char *qid)
{
    uint32_t id = rb_intern_find(run->qids, qid, strlen(qid));

    return id == RB_INTERN_NONE ? -1 : (long)id;
}

int rb_run_push(rb_run *run, size_t qi, uint32_t doc, double score)
{
    rb_run_query *q = &run->queries[qi];

    if (q->n == q->cap) {
        rb_result *r = rb_grow(q->results, &q->cap, q->n + 1, sizeof *r);

        if (!r)
            return -1;
        q->results = r;
    }
    q->results[q->n].doc = doc;
    q->results[q->n].score = score;
    q->n++;
    return 0;
}

int rb_run_push_str(rb_run *run, size_t qi, const char *doc, size_t dlen,
                    double score)
{
    uint32_t id = rb_intern_add(run->docs, doc, dlen, NULL);

    if (id == RB_INTERN_NONE)
        return -1;
    return rb_run_push(run, qi, id, score);
}

/* qsort has no context argument in C11; the table being sorted against is
 * passed through a thread-local. */
static _Thread_local const rb_intern *sort_docs;

static int trec_cmp(const void *a, const void *b)
{
    const rb_result *x = a, *y = b;

    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    if (x->doc == y->doc)
        return 0;
    return -strcmp(rb_intern_str(sort_docs, x->doc),
                   rb_intern_str(sort_docs, y->doc));
}

void rb_results_sort_trec(rb_result *results, size_t n,
                          const rb_intern *docs)
{
    if (n < 2)
        return;
    sort_docs = docs;
    qsort(results, n, sizeof(rb_result), trec_cmp);
}

void rb_run_sort_trec(rb_run *run)
{
    size_t i;

    for (i = 0; i < run->nqueries; i++)
        rb_results_sort_trec(run->queries[i].results, run->queries[i].n,
                             run->docs);
}

void rb_run_truncate(rb_run *run, size_t k)
{
    size_t i;

    for (i = 0; i < run->nqueries; i++)
        if (run->queries[i].n > k)
            run->queries[i].n = k;
}

static int doc_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

int rb_run_find_duplicate(const rb_run *run, size_t qi, uint32_t *dup_doc)
{
    const rb_run_query *q = &run->queries[qi];
    uint32_t *ids;
    size_t i;
    int found = -1;

    if (q->n < 2)
        return -1;
    ids = rb_malloc(q->n * sizeof *ids);
    if (!ids)
        return -1;
    for (i = 0; i < q->n; i++)
        ids[i] = q->results[i].doc;
    qsort(ids, q->n, sizeof *ids, doc_cmp);
    for (i = 1; i < q->n; i++) {
        if (ids[i] == ids[i - 1]) {
            *dup_doc = ids[i];
            found = 0;
            break;
        }
    }
    rb_free(ids);
    return found;
}

/*
 * Reading runs is on the hot path of `rankbench eval`, so it works on the
 * whole file in memory and avoids per-line allocation.
 */
static int parse_run(rb_run *run, const char *path, char *data, size_t len,
                     rb_error *err)
{
    char *p = data, *end = data + len;
    long lineno = 0, last_qi = -1;
    const char *last_qid = NULL;
    size_t last_qlen = 0;
    const char *nul = memchr(data, '\0', len);

    /* Ids are C strings from here on: a NUL byte would cut one short. */
    if (nul) {
        for (p = data, lineno = 1; p < nul; p++)
            lineno += *p == '\n';
        return rb_error_set(err, "%s:%ld: contains a NUL byte", path,
                            lineno);
    }

    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t llen = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *f[7];
        size_t fl[7];
        double score;
        long qi;
        int nf;

        lineno++;
        if (llen && p[llen - 1] == '\r')
            llen--;
        nf = rb_split_ws(p, llen, f, fl, 6);
        if (nf == 0)
            goto next;
        if (nf != 6)
            return rb_error_set(err, "%s:%ld: expected 6 fields "
                                "(qid Q0 docno rank score tag), found %s",
                                path, lineno, nf > 6 ? "more" : "fewer");
        if (rb_parse_double(f[4], fl[4], &score) < 0)
            return rb_error_set(err, "%s:%ld: score \"%.*s\" is not a "
                                "number", path, lineno,
                                (int)(fl[4] > 40 ? 40 : fl[4]), f[4]);
        if (last_qid && fl[0] == last_qlen &&
            memcmp(f[0], last_qid, last_qlen) == 0) {
            qi = last_qi;
        } else {
            qi = rb_run_query_index(run, f[0], fl[0]);
            if (qi < 0)
                return rb_error_oom(err);
            last_qid = f[0];
            last_qlen = fl[0];
            last_qi = qi;
        }
        if (rb_run_push_str(run, (size_t)qi, f[2], fl[2], score) < 0)
            return rb_error_oom(err);
        if (run->tag[0] == '\0') {
            char *tag = rb_strndup(f[5], fl[5]);

            if (!tag)
                return rb_error_oom(err);
            rb_free(run->tag);
            run->tag = tag;
        }
next:
        if (!nl)
            break;
        p = nl + 1;
    }
    return 0;
}

/* Reject a document listed twice for one query: one pass, marking each
 * document with the index of the query that last saw it. */
static int check_duplicates(const rb_run *run, const char *path,
                            rb_error *err)
{
    size_t ndocs = rb_intern_count(run->docs), i, j;
    size_t *seen = rb_malloc((ndocs ? ndocs : 1) * sizeof *seen);

    if (!seen)
        return rb_error_oom(err);
    for (i = 0; i < ndocs; i++)
        seen[i] = SIZE_MAX;
    for (i = 0; i < run->nqueries; i++) {
        const rb_run_query *q = &run->queries[i];

        for (j = 0; j < q->n; j++) {
            uint32_t d = q->results[j].doc;

            if (seen[d] == i) {
                rb_free(seen);
                return rb_error_set(err, "%s: query \"%s\" retrieves "
                                    "document \"%s\" more than once", path,
                                    rb_run_qid(run, i), rb_run_doc(run, d));
            }
            seen[d] = i;
        }
    }
    rb_free(seen);
    return 0;
}

rb_run *rb_run_read_trec(const char *path, rb_error *err)
{
    rb_run *run = rb_run_new("");
    char *data = NULL;
    size_t len;

    if (!run) {
        rb_error_oom(err);
        return NULL;
    }
    if (rb_read_file(path, &data, &len, err) < 0 ||
        parse_run(run, path, data, len, err) < 0 ||
        check_duplicates(run, path, err) < 0) {
        rb_free(data);
        rb_run_free(run);
        return NULL;
    }
    rb_free(data);
    if (run->nqueries == 0) {
        rb_error_set(err, "%s: no results found", path);
        rb_run_free(run);
        return NULL;
    }
    return run;
}

/* Any decimal of up to 15 significant digits survives a round trip through
 * a double (DBL_DIG), so %.15g already gives the shortest form of every
 * score that has one that short; longer ones need 16 or 17 digits. */
int rb_format_score(double score, char *out, size_t size)
{
    int prec;

    for (prec = 15; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, score);
        if (strtod(out, NULL) == score)
            return 0;
    }
    return 0;
}

int rb_run_write_trec(const rb_run *run, const char *path, rb_error *err)
{
    rb_atomic_file af;
    size_t i, j;

    if (rb_atomic_open(&af, path, err) < 0)
        return -1;
    for (i = 0; i < run->nqueries; i++) {
        const rb_run_query *q = &run->queries[i];
        const char *qid = rb_intern_str(run->qids, q->qid);

        for (j = 0; j < q->n; j++) {
            char score[40];

            rb_format_score(q->results[j].score, score, sizeof score);
            fprintf(af.fp, "%s Q0 %s %zu %s %s\n", qid,
                    rb_intern_str(run->docs, q->results[j].doc), j + 1,
                    score, run->tag);
        }
    }
    return rb_atomic_commit(&af, err);
}
