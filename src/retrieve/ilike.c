/*
 * The "ilike" retriever: the keyword baseline people write first in SQL,
 *
 *   WHERE title ILIKE '%term%' OR text ILIKE '%term%'
 *
 * for each query term, ranked by how many distinct terms a document
 * contains. docs/retrievers.md defines the semantics exactly, because the
 * PostgreSQL version must return the same rankings:
 *
 * - query terms: the query analyzed like BM25's but never stemmed (split
 *   into words, lowercased, short words and stop words dropped), distinct;
 * - a document contains a term when its lowercased title or its
 *   lowercased text has the term as a substring (title and text apart);
 *   lowercasing is the simple Unicode mapping, code point by code point;
 * - mode "any" ranks documents containing at least one term by the number
 *   of distinct terms they contain; "all" keeps those containing every
 *   term (score = the number of terms); "phrase" looks for the query's
 *   words (lowercased, stop words and short words kept) joined by single
 *   spaces, score 1;
 * - equal scores are ordered by document id, descending, comparing bytes.
 *
 * Each field is stored lowercased in one buffer, fields separated by a NUL
 * byte (which no term contains), and each term is found with memmem over
 * the whole buffer, jumping to the next document after a match.
 */

#define _GNU_SOURCE     /* memmem */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/pool.h"
#include "base/utf8.h"
#include "retrieve/retriever.h"
#include "text/analyzer.h"
#include "text/wordchar.h"

enum ilike_mode { ILIKE_ANY, ILIKE_ALL, ILIKE_PHRASE };

static const char *const mode_names[] = {"any", "all", "phrase"};

typedef struct ilike_state {
    enum ilike_mode mode;
    rb_analyzer_config acfg;
    rb_analyzer *terms;         /* query terms for any / all */
    rb_analyzer *words;         /* the phrase's words */
    /* the index */
    char *text;                 /* lowercased fields, NUL separated */
    size_t text_len;
    size_t *doc_start;          /* ndocs + 1 offsets into text */
    uint32_t *doc_rank;         /* position of the id in byte order */
    size_t ndocs;
} ilike_state;

static const char *const ilike_params[] = {"mode", "analyzer", NULL};

static void ilike_destroy(void *state)
{
    ilike_state *st = state;

    if (!st)
        return;
    rb_analyzer_free(st->terms);
    rb_analyzer_free(st->words);
    rb_free(st->text);
    rb_free(st->doc_start);
    rb_free(st->doc_rank);
    rb_free(st);
}

static int parse_params(ilike_state *st, const json_t *params, rb_error *err)
{
    const json_t *v = params ? json_object_get(params, "mode") : NULL;
    int i;

    st->mode = ILIKE_ANY;
    if (v) {
        const char *name = json_is_string(v) ? json_string_value(v) : NULL;

        for (i = 0; name && i < 3; i++)
            if (strcmp(name, mode_names[i]) == 0)
                break;
        if (!name || i == 3)
            return rb_error_set(err, "ilike: \"mode\" must be \"any\", "
                                "\"all\" or \"phrase\"");
        st->mode = (enum ilike_mode)i;
    }
    rb_analyzer_config_default(&st->acfg);
    strcpy(st->acfg.stemmer, "none");
    v = params ? json_object_get(params, "analyzer") : NULL;
    if (v && rb_analyzer_config_from_json(v, &st->acfg, err) < 0) {
        rb_error_prefix(err, "ilike");
        return -1;
    }
    if (strcmp(st->acfg.stemmer, "none") != 0)
        return rb_error_set(err, "ilike: terms are never stemmed (drop "
                            "\"stemmer\" from its analyzer)");
    if (!st->acfg.lowercase)
        return rb_error_set(err, "ilike: matching is case-insensitive, "
                            "\"lowercase\" cannot be false");
    return 0;
}

static int ilike_create(const json_t *params, const rb_context *ctx,
                        void **state, rb_error *err)
{
    ilike_state *st = rb_calloc(1, sizeof *st);
    rb_analyzer_config wcfg;

    (void)ctx;
    if (!st)
        return rb_error_oom(err);
    if (parse_params(st, params, err) < 0)
        goto fail;
    st->terms = rb_analyzer_new(&st->acfg, err);
    /* A phrase keeps every word. */
    wcfg = st->acfg;
    strcpy(wcfg.stopwords, "none");
    wcfg.min_length = 1;
    st->words = st->terms ? rb_analyzer_new(&wcfg, err) : NULL;
    if (!st->words)
        goto fail;
    *state = st;
    return 0;
fail:
    ilike_destroy(st);
    return -1;
}

/* Append s lowercased (simple mapping, code point by code point) to out,
 * which has room for 3/2 of the input plus 4 bytes: no lowercase form
 * takes more than half again the bytes of its capital. Bytes of a
 * malformed sequence are copied unchanged. */
static size_t lower_copy(const char *s, char *out)
{
    size_t n = strlen(s), i = 0, o = 0;

    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t len;
        int bad;

        if (c < 0x80) {
            out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            i++;
            continue;
        }
        len = rb_utf8_decode(s + i, n - i, &cp, &bad);
        if (bad) {
            memcpy(out + o, s + i, len);
            o += len;
        } else {
            o += rb_utf8_encode(rb_wordchar_lower(cp), out + o);
        }
        i += len;
    }
    return o;
}

typedef struct id_rank {
    const char *id;
    uint32_t doc;
} id_rank;

static int id_rank_cmp(const void *pa, const void *pb)
{
    const id_rank *a = pa, *b = pb;

    return strcmp(a->id, b->id);
}

static int compute_ranks(ilike_state *st, const rb_dataset *ds,
                         rb_error *err)
{
    id_rank *ids = rb_malloc((ds->ndocs + 1) * sizeof *ids);
    size_t i;

    st->doc_rank = rb_malloc((ds->ndocs + 1) * sizeof *st->doc_rank);
    if (!ids || !st->doc_rank) {
        rb_free(ids);
        return rb_error_oom(err);
    }
    for (i = 0; i < ds->ndocs; i++) {
        ids[i].id = rb_intern_str(ds->doc_ids, (uint32_t)i);
        ids[i].doc = (uint32_t)i;
    }
    qsort(ids, ds->ndocs, sizeof *ids, id_rank_cmp);
    for (i = 0; i < ds->ndocs; i++)
        st->doc_rank[ids[i].doc] = (uint32_t)i;
    rb_free(ids);
    return 0;
}

static int ilike_index(void *state, const rb_dataset *ds,
                       const rb_context *ctx, rb_error *err)
{
    ilike_state *st = state;
    size_t i, room = 0, o = 0;

    (void)ctx;
    rb_free(st->text);
    rb_free(st->doc_start);
    rb_free(st->doc_rank);
    st->text = NULL;
    st->doc_start = NULL;
    st->doc_rank = NULL;
    for (i = 0; i < ds->ndocs; i++)
        room += strlen(ds->doc_titles[i]) + strlen(ds->doc_texts[i]) + 2;
    room += room / 2 + 8;
    st->text = rb_malloc(room);
    st->doc_start = rb_malloc((ds->ndocs + 1) * sizeof *st->doc_start);
    if (!st->text || !st->doc_start)
        return rb_error_oom(err);
    for (i = 0; i < ds->ndocs; i++) {
        st->doc_start[i] = o;
        o += lower_copy(ds->doc_titles[i], st->text + o);
        st->text[o++] = '\0';
        o += lower_copy(ds->doc_texts[i], st->text + o);
        st->text[o++] = '\0';
    }
    st->doc_start[ds->ndocs] = o;
    st->text_len = o;
    st->ndocs = ds->ndocs;
    return compute_ranks(st, ds, err);
}

/* Document whose fields contain offset pos. */
static size_t doc_at(const ilike_state *st, size_t pos)
{
    size_t lo = 0, hi = st->ndocs;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if (st->doc_start[mid] <= pos)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Add 1 to count[d] for every document d containing needle. */
static void count_matches(const ilike_state *st, const char *needle,
                          size_t n, uint32_t *count)
{
    size_t pos = 0;

    while (pos < st->text_len) {
        const char *hit = memmem(st->text + pos, st->text_len - pos, needle,
                                 n);
        size_t d;

        if (!hit)
            break;
        d = doc_at(st, (size_t)(hit - st->text));
        count[d]++;
        pos = st->doc_start[d + 1];
    }
}

typedef struct ilike_hit {
    uint32_t score;
    uint32_t rank;
    uint32_t doc;
} ilike_hit;

static int hit_cmp(const void *pa, const void *pb)
{
    const ilike_hit *a = pa, *b = pb;

    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->rank > b->rank ? -1 : a->rank < b->rank;
}

typedef struct ilike_job {
    const ilike_state *st;
    const rb_dataset *ds;
    size_t k;
    rb_analysis **terms, **words;
    uint32_t **counts;          /* per thread, ndocs */
    ilike_hit **hits;           /* per evaluated query */
    size_t *nhits;
    rb_error *errors;
} ilike_job;

/* The distinct terms (or the one phrase) of query e, as needles. */
static int query_needles(ilike_job *job, int thread, const char *text,
                         char **phrase, const char *const **needles,
                         size_t *n)
{
    const char *const *t;
    size_t nt, i, len = 0;

    *phrase = NULL;
    if (job->st->mode != ILIKE_PHRASE) {
        if (rb_analyze(job->terms[thread], text, strlen(text),
                       RB_ANALYZE_NO_STEM, &t, &nt, NULL) < 0)
            return -1;
        *needles = t;
        *n = nt;
        return 0;
    }
    if (rb_analyze(job->words[thread], text, strlen(text),
                   RB_ANALYZE_NO_STEM, &t, &nt, NULL) < 0)
        return -1;
    for (i = 0; i < nt; i++)
        len += strlen(t[i]) + 1;
    *n = 0;
    if (nt == 0)
        return 0;
    *phrase = rb_malloc(len);
    if (!*phrase)
        return -1;
    for (i = 0, len = 0; i < nt; i++) {
        size_t l = strlen(t[i]);

        memcpy(*phrase + len, t[i], l);
        len += l;
        (*phrase)[len++] = ' ';
    }
    (*phrase)[len - 1] = '\0';
    *needles = (const char *const *)phrase;
    *n = 1;
    return 0;
}

static int search_query(ilike_job *job, size_t e, int thread)
{
    const ilike_state *st = job->st;
    uint32_t qi = job->ds->eval_queries[e], *count = job->counts[thread];
    const char *const *needles;
    char *phrase;
    size_t n, i, j, distinct = 0, nhits = 0;
    ilike_hit *hits;

    if (query_needles(job, thread, job->ds->query_texts[qi], &phrase,
                      &needles, &n) < 0)
        return rb_error_oom(&job->errors[thread]);
    memset(count, 0, st->ndocs * sizeof *count);
    for (i = 0; i < n; i++) {
        for (j = 0; j < i; j++)
            if (strcmp(needles[i], needles[j]) == 0)
                break;
        if (j < i)
            continue;   /* a repeated term counts once */
        distinct++;
        count_matches(st, needles[i], strlen(needles[i]), count);
    }
    rb_free(phrase);
    hits = rb_malloc((st->ndocs + 1) * sizeof *hits);
    if (!hits)
        return rb_error_oom(&job->errors[thread]);
    for (i = 0; i < st->ndocs && distinct; i++) {
        if (count[i] == 0 ||
            (st->mode == ILIKE_ALL && count[i] != distinct))
            continue;
        hits[nhits].score = count[i];
        hits[nhits].rank = st->doc_rank[i];
        hits[nhits].doc = (uint32_t)i;
        nhits++;
    }
    qsort(hits, nhits, sizeof *hits, hit_cmp);
    job->hits[e] = hits;
    job->nhits[e] = nhits < job->k ? nhits : job->k;
    return 0;
}

static int search_range(void *arg, size_t begin, size_t end, int thread)
{
    ilike_job *job = arg;
    size_t e;

    for (e = begin; e < end; e++)
        if (search_query(job, e, thread) < 0)
            return -1;
    return 0;
}

static void job_release(ilike_job *job, int nthreads)
{
    size_t e;
    int t;

    for (t = 0; t < nthreads; t++) {
        if (job->terms)
            rb_analysis_free(job->terms[t]);
        if (job->words)
            rb_analysis_free(job->words[t]);
        if (job->counts)
            rb_free(job->counts[t]);
    }
    for (e = 0; job->hits && e < job->ds->neval; e++)
        rb_free(job->hits[e]);
    rb_free(job->terms);
    rb_free(job->words);
    rb_free(job->counts);
    rb_free(job->hits);
    rb_free(job->nhits);
    rb_free(job->errors);
}

static int job_setup(ilike_job *job, int nthreads, rb_error *err)
{
    int t;

    job->terms = rb_calloc((size_t)nthreads, sizeof *job->terms);
    job->words = rb_calloc((size_t)nthreads, sizeof *job->words);
    job->counts = rb_calloc((size_t)nthreads, sizeof *job->counts);
    job->errors = rb_calloc((size_t)nthreads, sizeof *job->errors);
    job->hits = rb_calloc(job->ds->neval + 1, sizeof *job->hits);
    job->nhits = rb_calloc(job->ds->neval + 1, sizeof *job->nhits);
    if (!job->terms || !job->words || !job->counts || !job->errors ||
        !job->hits || !job->nhits)
        return rb_error_oom(err);
    for (t = 0; t < nthreads; t++) {
        job->terms[t] = rb_analysis_new(job->st->terms, err);
        job->words[t] = rb_analysis_new(job->st->words, err);
        job->counts[t] = rb_malloc((job->st->ndocs + 1) * sizeof(uint32_t));
        if (!job->terms[t] || !job->words[t] || !job->counts[t])
            return err->set ? -1 : rb_error_oom(err);
    }
    return 0;
}

static int ilike_search(void *state, const rb_dataset *ds,
                        const rb_context *ctx, size_t k, rb_run *run,
                        rb_error *err)
{
    ilike_state *st = state;
    ilike_job job;
    int nthreads = ctx->threads > 0 ? ctx->threads : 1, t, rc = -1;
    size_t e, i;

    if (!st->text)
        return rb_error_set(err, "ilike: search before index");
    memset(&job, 0, sizeof job);
    job.st = st;
    job.ds = ds;
    job.k = k;
    if (job_setup(&job, nthreads, err) < 0)
        goto done;
    if (rb_parallel_for(ds->neval, 4, nthreads, search_range, &job) < 0) {
        for (t = 0; t < nthreads; t++)
            if (job.errors[t].set) {
                rb_error_set(err, "ilike: %s", job.errors[t].msg);
                break;
            }
        goto done;
    }
    for (e = 0; e < ds->neval; e++) {
        const char *qid = rb_intern_str(ds->query_ids, ds->eval_queries[e]);
        long ri = rb_run_query_index(run, qid, strlen(qid));

        if (ri < 0) {
            rb_error_oom(err);
            goto done;
        }
        for (i = 0; i < job.nhits[e]; i++)
            if (rb_run_push(run, (size_t)ri, job.hits[e][i].doc,
                            (double)job.hits[e][i].score) < 0) {
                rb_error_oom(err);
                goto done;
            }
    }
    rc = 0;
done:
    job_release(&job, nthreads);
    return rc;
}

static json_t *ilike_describe(void *state)
{
    ilike_state *st = state;

    return json_pack("{s:s, s:o, s:s}", "mode", mode_names[st->mode],
                     "analyzer", rb_analyzer_describe(st->terms),
                     "match", "substring of the lowercased title or text");
}

const rb_retriever_ops rb_ilike_retriever = {
    "ilike",
    "case-insensitive substring match of the query terms (SQL ILIKE), "
    "ranked by distinct terms matched",
    ilike_params,
    ilike_create,
    ilike_index,
    ilike_search,
    ilike_describe,
    ilike_destroy,
};
