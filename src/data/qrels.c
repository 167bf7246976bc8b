#include "data/qrels.h"

#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/mem.h"
#include "data/parse.h"

rb_qrels *rb_qrels_new(void)
{
    rb_qrels *q = rb_calloc(1, sizeof *q);

    if (!q)
        return NULL;
    q->qids = rb_intern_new();
    q->docs = rb_intern_new();
    if (!q->qids || !q->docs) {
        rb_qrels_free(q);
        return NULL;
    }
    return q;
}

void rb_qrels_free(rb_qrels *q)
{
    size_t i;

    if (!q)
        return;
    for (i = 0; i < q->nqueries; i++)
        rb_free(q->queries[i].judged);
    rb_free(q->queries);
    rb_intern_free(q->qids);
    rb_intern_free(q->docs);
    rb_free(q);
}

static int judged_cmp(const void *a, const void *b)
{
    const rb_judgment *x = a, *y = b;

    return (x->doc > y->doc) - (x->doc < y->doc);
}

static long find_judged(const rb_qrels_query *qq, uint32_t doc)
{
    size_t lo = 0, hi = qq->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (qq->judged[mid].doc < doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < qq->n && qq->judged[lo].doc == doc ? (long)lo : -1;
}

int rb_qrels_add(rb_qrels *q, const char *qid, size_t qlen,
                 const char *doc, size_t dlen, int grade, rb_error *err)
{
    uint32_t qi, di;
    rb_qrels_query *qq;
    int added;
    size_t i;

    qi = rb_intern_add(q->qids, qid, qlen, &added);
    if (qi == RB_INTERN_NONE)
        return rb_error_oom(err);
    if (added) {
        rb_qrels_query *qs = rb_grow(q->queries, &q->cap, q->nqueries + 1,
                                     sizeof *qs);

        if (!qs)
            return rb_error_oom(err);
        q->queries = qs;
        memset(&qs[q->nqueries], 0, sizeof qs[0]);
        qs[q->nqueries].qid = qi;
        q->nqueries++;
    }
    di = rb_intern_add(q->docs, doc, dlen, &added);
    if (di == RB_INTERN_NONE)
        return rb_error_oom(err);
    qq = &q->queries[qi];
    if (!added) {
        if (q->sealed) {
            if (find_judged(qq, di) >= 0)
                return 1;
        } else {
            for (i = 0; i < qq->n; i++)
                if (qq->judged[i].doc == di)
                    return 1;
        }
    }
    {
        rb_judgment *j = rb_grow(qq->judged, &qq->cap, qq->n + 1,
                                 sizeof *j);

        if (!j)
            return rb_error_oom(err);
        qq->judged = j;
        j[qq->n].doc = di;
        j[qq->n].grade = grade;
        qq->n++;
    }
    q->njudgments++;
    q->sealed = 0;
    return 0;
}

void rb_qrels_seal(rb_qrels *q)
{
    size_t i;

    for (i = 0; i < q->nqueries; i++)
        qsort(q->queries[i].judged, q->queries[i].n,
              sizeof(rb_judgment), judged_cmp);
    q->sealed = 1;
}

int rb_qrels_grade(const rb_qrels *q, size_t qi, uint32_t doc, int *found)
{
    const rb_qrels_query *qq = &q->queries[qi];
    long at = find_judged(qq, doc);

    *found = at >= 0;
    return at >= 0 ? qq->judged[at].grade : 0;
}

long rb_qrels_find_query(const rb_qrels *q, const char *qid)
{
    uint32_t id = rb_intern_find(q->qids, qid, strlen(qid));

    return id == RB_INTERN_NONE ? -1 : (long)id;
}

/*
 * Add one parsed judgment, turning a duplicate into an error that names the
 * line.
 */
static int add_line(rb_qrels *q, const char *path, long lineno,
                    const char *qid, size_t qlen, const char *doc,
                    size_t dlen, int grade, rb_error *err)
{
    int rc = rb_qrels_add(q, qid, qlen, doc, dlen, grade, err);

    if (rc == 1)
        return rb_error_set(err,
                            "%s:%ld: duplicate judgment for query \"%.*s\" "
                            "and document \"%.*s\"", path, lineno,
                            (int)qlen, qid, (int)dlen, doc);
    return rc;
}

static int read_lines(rb_qrels *q, const char *path, int beir, rb_error *err)
{
    rb_lines *lr = rb_lines_open(path, err);
    const char *line;
    size_t len;
    int rc;

    if (!lr)
        return -1;
    while ((rc = rb_lines_next(lr, &line, &len, err)) == 1) {
        long lineno = rb_lines_lineno(lr);
        const char *f[5];
        size_t fl[5];
        int nf, grade;

        if (memchr(line, '\0', len)) {
            rc = rb_error_set(err, "%s:%ld: contains a NUL byte", path,
                              lineno);
            break;
        }
        if (beir) {
            const char *tab1 = memchr(line, '\t', len), *tab2;

            if (lineno == 1) {
                if (len < 8 || memcmp(line, "query-id", 8) != 0) {
                    rc = rb_error_set(err, "%s:1: missing header line "
                                      "\"query-id<TAB>corpus-id<TAB>score\"",
                                      path);
                    break;
                }
                continue;
            }
            if (len == 0)
                continue;
            tab2 = tab1 ? memchr(tab1 + 1, '\t',
                                 len - (size_t)(tab1 + 1 - line)) : NULL;
            if (!tab1 || !tab2 ||
                memchr(tab2 + 1, '\t', len - (size_t)(tab2 + 1 - line))) {
                rc = rb_error_set(err, "%s:%ld: expected 3 tab-separated "
                                  "columns (query-id, corpus-id, score)",
                                  path, lineno);
                break;
            }
            f[0] = line;
            fl[0] = (size_t)(tab1 - line);
            f[2] = tab1 + 1;
            fl[2] = (size_t)(tab2 - tab1 - 1);
            f[3] = tab2 + 1;
            fl[3] = len - (size_t)(tab2 + 1 - line);
            nf = 4;
        } else {
            nf = rb_split_ws(line, len, f, fl, 4);
            if (nf == 0)
                continue;
            if (nf != 4) {
                rc = rb_error_set(err, "%s:%ld: expected 4 fields "
                                  "(qid iter docno grade), found %s",
                                  path, lineno, nf > 4 ? "more" : "fewer");
                break;
            }
        }
        if (fl[0] == 0 || fl[2] == 0) {
            rc = rb_error_set(err, "%s:%ld: empty %s id", path, lineno,
                              fl[0] == 0 ? "query" : "document");
            break;
        }
        if (rb_parse_int(f[3], fl[3], &grade) < 0) {
            rc = rb_error_set(err, "%s:%ld: grade \"%.*s\" is not an "
                              "integer", path, lineno,
                              (int)(fl[3] > 40 ? 40 : fl[3]), f[3]);
            break;
        }
        if (add_line(q, path, lineno, f[0], fl[0], f[2], fl[2], grade,
                     err) < 0) {
            rc = -1;
            break;
        }
    }
    rb_lines_close(lr);
    if (rc < 0)
        return -1;
    if (q->njudgments == 0)
        return rb_error_set(err, "%s: no judgments found", path);
    rb_qrels_seal(q);
    return 0;
}

static rb_qrels *read_format(const char *path, int beir, rb_error *err)
{
    rb_qrels *q = rb_qrels_new();

    if (!q) {
        rb_error_oom(err);
        return NULL;
    }
    if (read_lines(q, path, beir, err) < 0) {
        rb_qrels_free(q);
        return NULL;
    }
    return q;
}

rb_qrels *rb_qrels_read_trec(const char *path, rb_error *err)
{
    return read_format(path, 0, err);
}

rb_qrels *rb_qrels_read_beir(const char *path, rb_error *err)
{
    return read_format(path, 1, err);
}

rb_qrels *rb_qrels_read(const char *path, rb_error *err)
{
    rb_lines *lr = rb_lines_open(path, err);
    const char *line;
    size_t len;
    int rc, beir = 0;

    if (!lr)
        return NULL;
    rc = rb_lines_next(lr, &line, &len, err);
    if (rc == 1)
        beir = len >= 8 && memcmp(line, "query-id", 8) == 0;
    rb_lines_close(lr);
    if (rc < 0)
        return NULL;
    if (rc == 0) {
        rb_error_set(err, "%s: file is empty", path);
        return NULL;
    }
    return read_format(path, beir, err);
}

int rb_qrels_write_trec(const rb_qrels *q, const char *path, rb_error *err)
{
    rb_atomic_file af;
    size_t i, j;

    if (rb_atomic_open(&af, path, err) < 0)
        return -1;
    for (i = 0; i < q->nqueries; i++) {
        const rb_qrels_query *qq = &q->queries[i];

        for (j = 0; j < qq->n; j++)
            fprintf(af.fp, "%s 0 %s %d\n", rb_intern_str(q->qids, qq->qid),
                    rb_intern_str(q->docs, qq->judged[j].doc),
                    qq->judged[j].grade);
    }
    return rb_atomic_commit(&af, err);
}
