/*
 * Top-k BM25 search over the index image: MaxScore (Turtle and Flood)
 * over windows of documents, with block skipping, and the exhaustive
 * scorer it is checked against.
 *
 * MaxScore orders the query's terms by their score bound. Terms whose
 * bounds add up to less than the current k-th best score are
 * "non-essential": a document that only they contain cannot enter the
 * top k, so only documents of the essential terms are visited. Those are
 * taken a window of WINDOW documents at a time: the essential terms'
 * postings are added into the window's accumulators, then each document
 * of the window is completed by probing the non-essential lists (skipping
 * whole blocks) only while it can still make it. Bounds and scores are
 * integers, so the tests are exact; a document whose bound equals the
 * k-th score is still scored, because it may win the tie on its id.
 */

#include "retrieve/bm25_format.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define END_DOC UINT32_MAX
/* Documents scored together by the essential terms: a window of
 * accumulators and a flag per document seen (bytes, not bits: plain
 * stores do not wait for each other the way read-modify-writes of a
 * shared bitmap word do). */
#define WINDOW 4096
/* Distinct query words whose stems a searcher remembers (as PyStemmer,
 * which bm25s uses, does by default). */
#define QUERY_STEM_CACHE 16384

typedef struct cursor {
    const rb_bm25_index *ix;
    const bm25_block *blk, *blk_end;
    uint32_t prev_last;     /* last document of the previous block */
    uint32_t doc;           /* current document, END_DOC when done */
    unsigned i, n;          /* position in the block, its size */
    int docs_ready;         /* docs[] decoded (else only doc is known) */
    int imps_ready;
    int64_t qtf;
    int64_t bound;          /* qtf * max impact */
    uint32_t term;
    int *damaged;           /* set when a block proves inconsistent */
    uint32_t docs[BM25_BLOCK];
    int64_t imps[BM25_BLOCK];   /* qtf * impact */
} cursor;

typedef struct entry {
    int64_t score;
    uint32_t rank;          /* id order: a larger rank wins a tie */
    uint32_t doc;
} entry;

typedef struct qterm {
    uint32_t term;
    int64_t qtf;
} qterm;

/* The best k so far: a buffer of candidates whose scores are at least
 * theta (room for 4k, and for k plus a window); when it fills, the k best
 * are selected and theta rises to the k-th score. It takes the place of a
 * heap: appending is cheaper than sifting, and one selection now and then
 * costs less than a heap's work per candidate. */
typedef struct topk {
    entry *e, *spare;       /* candidates; room for the next selection */
    size_t n, k, cap;
    int sorted;             /* e[0..n) is the sorted result of best_k */
    int64_t lo, hi;         /* smallest and largest score in e */
    int64_t theta;          /* -1 until k candidates are known */
} topk;

struct rb_bm25_searcher {
    const rb_bm25_index *ix;
    rb_analysis *an;
    qterm *qterms;
    size_t qterms_cap;
    cursor *cursors;
    size_t cursors_cap;
    cursor **order;
    int64_t *prefix;
    topk top;
    size_t top_cap;
    rb_bm25_hit *hits;
    size_t hits_cap;
    int damaged;
    rb_bm25_search_stats stats;
    int64_t window_acc[WINDOW];
    unsigned char window_seen[WINDOW];
    /* exhaustive scoring */
    int64_t *acc;
    unsigned char *seen;
    uint32_t *touched;
};

rb_bm25_searcher *rb_bm25_searcher_new(const rb_bm25_index *ix,
                                       const rb_analyzer *a, rb_error *err)
{
    rb_bm25_searcher *s = rb_calloc(1, sizeof *s);

    if (!s) {
        rb_error_oom(err);
        return NULL;
    }
    s->ix = ix;
    s->an = rb_analysis_new(a, err);
    if (!s->an || rb_analysis_cache_stems(s->an, QUERY_STEM_CACHE) < 0) {
        if (s->an)
            rb_error_oom(err);
        rb_analysis_free(s->an);
        rb_free(s);
        return NULL;
    }
    return s;
}

int rb_bm25_searcher_cache_stems(rb_bm25_searcher *s, size_t entries)
{
    return rb_analysis_cache_stems(s->an, entries);
}

void rb_bm25_searcher_free(rb_bm25_searcher *s)
{
    if (!s)
        return;
    rb_analysis_free(s->an);
    rb_free(s->qterms);
    rb_free(s->cursors);
    rb_free(s->order);
    rb_free(s->prefix);
    rb_free(s->top.e);
    rb_free(s->top.spare);
    rb_free(s->hits);
    rb_free(s->acc);
    rb_free(s->seen);
    rb_free(s->touched);
    rb_free(s);
}

void rb_bm25_searcher_stats(const rb_bm25_searcher *s,
                            rb_bm25_search_stats *st)
{
    *st = s->stats;
}

/* ---- cursors ------------------------------------------------------------ */

/* The first document of the cursor's block, without decoding the rest:
 * most blocks a seek lands in are entered and left again at once, or
 * consumed whole by the accumulation. */
static void cursor_enter_block(cursor *c)
{
    const bm25_block *blk = c->blk;
    uint64_t word, mask = (1ull << blk->doc_bits) - 1;

    memcpy(&word, c->ix->data + blk->data_off, 8);
    c->doc = c->prev_last + 1 + (uint32_t)(word & mask);  /* -1 wraps */
    c->n = blk->count;
    c->i = 0;
    c->docs_ready = 0;
    c->imps_ready = 0;
    if (c->doc > blk->last_doc) {
        *c->damaged = 1;
        c->doc = END_DOC;
        c->blk = c->blk_end;
    }
}

/* Decode the documents of the current block. A block whose documents do
 * not end at its recorded last document is damaged; the cursor then ends
 * and the search reports it. */
static void cursor_load_docs(cursor *c)
{
    const bm25_block *blk = c->blk;
    const unsigned char *src = c->ix->data + blk->data_off;
    uint64_t mask = (1ull << blk->doc_bits) - 1, pos = 0;
    /* 64-bit sums cannot wrap, so ending at last_doc proves that every
     * document is below it */
    int64_t d = c->prev_last == UINT32_MAX ? -1 : (int64_t)c->prev_last;
    unsigned i;

    for (i = 0; i < blk->count; i++, pos += blk->doc_bits) {
        uint64_t word;

        memcpy(&word, src + (pos >> 3), 8);
        d += 1 + (int64_t)((word >> (pos & 7)) & mask);
        c->docs[i] = (uint32_t)d;
    }
    c->docs_ready = 1;
    if (d != (int64_t)blk->last_doc) {
        *c->damaged = 1;
        c->doc = END_DOC;
        c->blk = c->blk_end;
    }
}

static inline void cursor_load_imps(cursor *c)
{
    const bm25_block *blk = c->blk;

    bm25_unpack64(c->ix->data + blk->data_off +
                  ((uint64_t)blk->count * blk->doc_bits + 7) / 8,
                  blk->count, blk->imp_bits, blk->min_impact, c->qtf,
                  c->imps);
    c->imps_ready = 1;
}

static void cursor_init(cursor *c, const rb_bm25_index *ix, uint32_t term,
                        int64_t qtf, int *damaged)
{
    const bm25_term *t = &ix->terms[term];

    c->ix = ix;
    c->damaged = damaged;
    c->term = term;
    c->qtf = qtf;
    c->bound = qtf * t->max_impact;
    c->blk = ix->blocks + t->first_block;
    c->blk_end = c->blk + t->nblocks;
    c->prev_last = UINT32_MAX;
    if (c->blk == c->blk_end) {
        c->doc = END_DOC;
        return;
    }
    cursor_enter_block(c);
}

/* Move to the next block, or to the end. */
static void cursor_next_block(cursor *c)
{
    c->prev_last = c->blk->last_doc;
    c->blk++;
    if (c->blk >= c->blk_end) {
        c->doc = END_DOC;
        return;
    }
    cursor_enter_block(c);
}

/* Move to the next document (exhaustive scoring walks every one). */
static void cursor_next(cursor *c)
{
    if (!c->docs_ready) {
        cursor_load_docs(c);
        if (c->doc == END_DOC)
            return;
    }
    if (++c->i < c->n)
        c->doc = c->docs[c->i];
    else
        cursor_next_block(c);
}

/* Move to the first document >= target, skipping whole blocks by their
 * last document. */
static void cursor_seek(cursor *c, uint32_t target)
{
    if (c->doc >= target)
        return;
    if (target > c->blk->last_doc) {
        const bm25_block *b = c->blk + 1;

        while (b < c->blk_end && b->last_doc < target)
            b++;
        if (b >= c->blk_end) {
            c->blk = c->blk_end;
            c->doc = END_DOC;
            return;
        }
        c->prev_last = b[-1].last_doc;
        c->blk = b;
        cursor_enter_block(c);
        if (c->doc >= target)
            return;
    }
    if (!c->docs_ready) {
        cursor_load_docs(c);
        if (c->doc == END_DOC)
            return;
    }
    while (c->docs[c->i] < target)
        c->i++;
    c->doc = c->docs[c->i];
}

/* Contribution of the cursor's term to its current document. */
static inline int64_t cursor_score(cursor *c)
{
    if (!c->imps_ready)
        cursor_load_imps(c);
    return c->imps[c->i];
}

/* Add imps[from..to) to the accumulators of docs[from..to). The restrict
 * qualifiers matter: seen is a char array, which could otherwise alias
 * everything and force reloads on every store. */
static inline void add_postings(const uint32_t *restrict docs,
                                const int64_t *restrict imps, unsigned from,
                                unsigned to, uint32_t base,
                                int64_t *restrict acc,
                                unsigned char *restrict seen)
{
    unsigned i;

    for (i = from; i < to; i++) {
        uint32_t w = docs[i] - base;

        acc[w] += imps[i];
        seen[w] = 1;
    }
}

/* Decode a whole block straight into the window, without the docs and
 * imps arrays. Slots are masked into the window so that a damaged block
 * cannot write outside it; its last document tells afterwards. */
static void add_block(cursor *c, uint32_t base, int64_t *restrict acc,
                      unsigned char *restrict seen)
{
    const bm25_block *blk = c->blk;
    const unsigned char *src = c->ix->data + blk->data_off;
    const unsigned char *isrc = src + ((uint64_t)blk->count * blk->doc_bits
                                       + 7) / 8;
    unsigned dbits = blk->doc_bits, ibits = blk->imp_bits, i;
    uint64_t dmask = (1ull << dbits) - 1, imask = (1ull << ibits) - 1;
    uint64_t dpos = 0, ipos = 0;
    int64_t d = c->prev_last == UINT32_MAX ? -1 : (int64_t)c->prev_last;
    int64_t min = blk->min_impact, qtf = c->qtf;

    for (i = 0; i < blk->count; i++, dpos += dbits, ipos += ibits) {
        uint64_t dw, iw;
        uint32_t w;

        memcpy(&dw, src + (dpos >> 3), 8);
        memcpy(&iw, isrc + (ipos >> 3), 8);
        d += 1 + (int64_t)((dw >> (dpos & 7)) & dmask);
        w = (uint32_t)(d - base) & (WINDOW - 1);
        acc[w] += (min + (int64_t)((iw >> (ipos & 7)) & imask)) * qtf;
        seen[w] = 1;
    }
    if (d != (int64_t)blk->last_doc)
        *c->damaged = 1;
}

/* Add the cursor's contributions to documents [base, end) into the
 * window, leaving it on the first document >= end. */
static void cursor_accumulate(cursor *c, uint32_t base, uint32_t end,
                              int64_t *acc, unsigned char *seen)
{
    while (c->doc < end) {
        unsigned i = c->i, n = c->n, to;

        if (c->blk->last_doc < end && !c->docs_ready) {
            add_block(c, base, acc, seen);
            cursor_next_block(c);
            continue;
        }
        if (!c->docs_ready) {
            cursor_load_docs(c);
            if (c->doc == END_DOC)
                return;
        }
        if (!c->imps_ready)
            cursor_load_imps(c);
        if (c->blk->last_doc < end) {
            add_postings(c->docs, c->imps, i, n, base, acc, seen);
            cursor_next_block(c);
            continue;
        }
        for (to = i; c->docs[to] < end; to++)
            ;
        add_postings(c->docs, c->imps, i, to, base, acc, seen);
        c->i = to;
        c->doc = c->docs[to];
    }
}

/* ---- query preparation ------------------------------------------------- */

static int qterm_cmp(const void *pa, const void *pb)
{
    const qterm *a = pa, *b = pb;

    return a->term < b->term ? -1 : a->term > b->term;
}

/* Analyze the query and open one cursor per distinct indexed term. */
static int prepare(rb_bm25_searcher *s, const char *query, size_t len,
                   size_t *malformed, rb_error *err)
{
    const char *const *terms;
    size_t nterms, i, n = 0;
    int64_t total = 0;

    memset(&s->stats, 0, sizeof s->stats);
    s->damaged = 0;
    if (rb_analyze(s->an, query, len, 0, &terms, &nterms, malformed) < 0)
        return rb_error_oom(err);
    if (nterms > s->qterms_cap) {
        qterm *q = rb_realloc(s->qterms, nterms * sizeof *q);

        if (!q)
            return rb_error_oom(err);
        s->qterms = q;
        s->qterms_cap = nterms;
    }
    for (i = 0; i < nterms; i++) {
        uint32_t id = bm25_find_term(s->ix, terms[i], strlen(terms[i]));

        if (id != UINT32_MAX) {
            s->qterms[n].term = id;
            s->qterms[n].qtf = 1;
            n++;
        }
    }
    if (n > 32) {
        qsort(s->qterms, n, sizeof *s->qterms, qterm_cmp);
    } else {
        for (i = 1; i < n; i++) {
            qterm x = s->qterms[i];
            size_t j;

            for (j = i; j > 0 && s->qterms[j - 1].term > x.term; j--)
                s->qterms[j] = s->qterms[j - 1];
            s->qterms[j] = x;
        }
    }
    for (i = 0, nterms = 0; i < n; i++) {
        if (nterms && s->qterms[nterms - 1].term == s->qterms[i].term)
            s->qterms[nterms - 1].qtf++;
        else
            s->qterms[nterms++] = s->qterms[i];
    }
    if (nterms > s->cursors_cap) {
        cursor *c = rb_realloc(s->cursors, nterms * sizeof *c);
        cursor **o = c ? rb_realloc(s->order, nterms * sizeof *o) : NULL;
        int64_t *p = o ? rb_realloc(s->prefix, nterms * sizeof *p) : NULL;

        if (c)
            s->cursors = c;
        if (o)
            s->order = o;
        if (!p)
            return rb_error_oom(err);
        s->prefix = p;
        s->cursors_cap = nterms;
    }
    for (i = 0; i < nterms; i++) {
        const bm25_term *t = &s->ix->terms[s->qterms[i].term];

        /* Scores must stay exact when converted to double (< 2^53). */
        if (t->max_impact > (INT64_C(1) << 53) / s->qterms[i].qtf ||
            (total += s->qterms[i].qtf * t->max_impact) >=
                (INT64_C(1) << 53))
            return rb_error_set(err, "query is too long to score exactly");
        cursor_init(&s->cursors[i], s->ix, s->qterms[i].term,
                    s->qterms[i].qtf, &s->damaged);
        s->stats.postings_total += t->df;
    }
    s->stats.terms = nterms;
    return (int)nterms;
}

/* ---- the best k ----------------------------------------------------- */

/* a ranks before b: higher score, or equal score and larger id */
static inline int better(const entry *a, const entry *b)
{
    return a->score > b->score ||
           (a->score == b->score && a->rank > b->rank);
}

static inline void swap_entries(entry *a, entry *b)
{
    entry t = *a;

    *a = *b;
    *b = t;
}

static void insertion_sort(entry *e, size_t n)
{
    size_t i, j;

    for (i = 1; i < n; i++) {
        entry x = e[i];

        for (j = i; j > 0 && better(&x, &e[j - 1]); j--)
            e[j] = e[j - 1];
        e[j] = x;
    }
}

/* Partition e[0..n) (n >= 3, entries distinct) around a median of three:
 * returns m with e[0..m) better than e[m] and e[m+1..n) worse. */
static size_t partition(entry *e, size_t n)
{
    size_t mid = n / 2, i, store = 0;

    if (better(&e[mid], &e[0]))
        swap_entries(&e[mid], &e[0]);
    if (better(&e[n - 1], &e[0]))
        swap_entries(&e[n - 1], &e[0]);
    if (better(&e[n - 1], &e[mid]))
        swap_entries(&e[n - 1], &e[mid]);
    /* the median is now at mid; move it to the end as the pivot */
    swap_entries(&e[mid], &e[n - 1]);
    for (i = 0; i < n - 1; i++)
        if (better(&e[i], &e[n - 1]))
            swap_entries(&e[i], &e[store++]);
    swap_entries(&e[store], &e[n - 1]);
    return store;
}

/* Sort e[0..n) best first. */
static void sort_best(entry *e, size_t n)
{
    while (n > 16) {
        size_t m = partition(e, n);

        /* recurse into the smaller side, loop on the larger */
        if (m < n - m - 1) {
            sort_best(e, m);
            e += m + 1;
            n -= m + 1;
        } else {
            sort_best(e + m + 1, n - m - 1);
            n = m;
        }
    }
    insertion_sort(e, n);
}

#define RADIX 256

/* Write the best min(n, k) entries of e[0..n) into out (room for n),
 * sorted best first; returns how many. min and max bound the scores; e is
 * overwritten. A histogram of
 * the top bits of the score range finds the bucket the k-th best falls
 * in; the entries from that bucket up are kept and put in bucket order by
 * a counting sort; entries are compared one by one only within a
 * bucket. */
static size_t best_k(entry *e, size_t n, size_t k, entry *out, int64_t min,
                     int64_t max)
{
    /* two histograms, for even and odd entries, so that runs of equal
     * buckets do not wait on each other's increments */
    uint32_t hist[2][RADIX], count[RADIX], pos[RADIX];
    int64_t threshold;
    uint64_t range;
    unsigned shift = 0;
    size_t i, above = 0, kept;
    int b, boundary = 0;

    if (n <= 32) {
        memcpy(out, e, n * sizeof *e);
        sort_best(out, n);
        return n < k ? n : k;
    }
    range = (uint64_t)(max - min);
    while ((range >> shift) >= RADIX)
        shift++;
    memset(hist, 0, sizeof hist);
    for (i = 0; i + 1 < n; i += 2) {
        hist[0][(uint64_t)(e[i].score - min) >> shift]++;
        hist[1][(uint64_t)(e[i + 1].score - min) >> shift]++;
    }
    if (i < n)
        hist[0][(uint64_t)(e[i].score - min) >> shift]++;
    for (b = RADIX - 1; b >= 0; b--) {
        count[b] = hist[0][b] + hist[1][b];
        if (above + count[b] >= k) {
            boundary = b;
            break;
        }
        above += count[b];
    }
    /* Keep the entries from the boundary bucket up, in place; the count
     * lives in a register, so the (unpredictable) test costs no branch. */
    threshold = min + (int64_t)((uint64_t)boundary << shift);
    for (i = 0, kept = 0; i < n; i++) {
        e[kept] = e[i];
        kept += e[i].score >= threshold;
    }
    /* buckets from the top down start at pos[b] */
    for (b = RADIX - 1, i = 0; b >= boundary; b--) {
        pos[b] = (uint32_t)i;
        i += count[b];
    }
    for (i = 0; i < kept; i++) {
        unsigned bucket = (unsigned)((uint64_t)(e[i].score - min) >> shift);

        out[pos[bucket]++] = e[i];
    }
    for (b = RADIX - 1; b >= boundary; b--)
        if (count[b] > 1)
            sort_best(out + pos[b] - count[b], count[b]);
    return kept < k ? kept : k;
}

static int topk_reset(rb_bm25_searcher *s, size_t k, rb_error *err)
{
    topk *t = &s->top;
    /* room for 4k candidates, and for the k best plus a whole window */
    size_t cap = k > SIZE_MAX / 16 ? SIZE_MAX / 2 : 4 * k;

    if (cap < k + WINDOW)
        cap = k + WINDOW;

    if (cap > s->top_cap) {
        entry *e = rb_realloc(t->e, cap * sizeof *e);
        entry *spare;

        if (!e)
            return rb_error_oom(err);
        t->e = e;
        spare = rb_realloc(t->spare, cap * sizeof *spare);
        if (!spare)
            return rb_error_oom(err);
        t->spare = spare;

        s->top_cap = cap;
    }
    t->n = 0;
    t->k = k;
    t->cap = cap;
    t->sorted = 0;
    t->theta = -1;
    t->lo = INT64_MAX;
    t->hi = INT64_MIN;
    return 0;
}

/* Keep the k best candidates (sorted), raising theta when there are k. */
static void topk_select(topk *t)
{
    entry *tmp = t->e;

    t->n = best_k(t->e, t->n, t->k, t->spare, t->lo, t->hi);
    t->e = t->spare;
    t->spare = tmp;
    t->sorted = 1;
    if (t->n) {
        t->hi = t->e[0].score;
        t->lo = t->e[t->n - 1].score;
    }
    if (t->n == t->k)
        t->theta = t->e[t->n - 1].score;
}

/* Offer a document; returns 1 when theta rose. */
static inline int topk_add(rb_bm25_searcher *s, int64_t score, uint32_t doc)
{
    topk *t = &s->top;
    entry *e;
    size_t i;

    if (score < t->theta)
        return 0;
    t->sorted = 0;
    t->lo = score < t->lo ? score : t->lo;
    t->hi = score > t->hi ? score : t->hi;
    e = &t->e[t->n++];
    e->score = score;
    e->rank = s->ix->doc_rank[doc];
    e->doc = doc;
    if (t->n == t->k && t->theta < 0) {
        /* k candidates: the k-th best is at least the smallest */
        int64_t min = t->e[0].score;

        for (i = 1; i < t->n; i++)
            if (t->e[i].score < min)
                min = t->e[i].score;
        t->theta = min;
        return 1;
    }
    if (t->n == t->cap) {
        topk_select(t);
        return 1;
    }
    return 0;
}

/* The k best of the candidates, sorted, into the hits array. */
static int emit_hits(rb_bm25_searcher *s,
                     const rb_bm25_hit **hits, size_t *nhits, rb_error *err)
{
    topk *t = &s->top;
    size_t i, n;

    if (!t->sorted)
        topk_select(t);
    n = t->n;
    if (n > s->hits_cap) {
        rb_bm25_hit *h = rb_realloc(s->hits, n * sizeof *h);

        if (!h)
            return rb_error_oom(err);
        s->hits = h;
        s->hits_cap = n;
    }
    for (i = 0; i < n; i++) {
        s->hits[i].doc = t->e[i].doc;
        s->hits[i].score = (double)t->e[i].score / BM25_SCALE;
    }
    *hits = s->hits;
    *nhits = n;
    return 0;
}

/* ---- MaxScore ---------------------------------------------------------- */

static int bound_cmp(const void *pa, const void *pb)
{
    const cursor *a = *(cursor *const *)pa, *b = *(cursor *const *)pb;

    if (a->bound != b->bound)
        return a->bound < b->bound ? -1 : 1;
    return a->term < b->term ? -1 : a->term > b->term;
}

/* Score one window's candidates in document order: the essential terms'
 * sums are in the accumulators; the non-essential lists are probed while
 * the document can still reach theta. Returns the new essential start. */
static size_t score_window(rb_bm25_searcher *s, cursor **c, size_t nterms,
                           size_t p, uint32_t base)
{
    const int64_t *prefix = s->prefix;
    size_t w;

    if (p == 0) {
        /* Every term is essential: the sums are final, nothing can be
         * skipped, so the window's documents are ranked in one batch. */
        topk *t = &s->top;
        const uint32_t *restrict rank = s->ix->doc_rank;
        unsigned char *restrict seen = s->window_seen;
        int64_t *restrict acc = s->window_acc;
        entry *restrict out = t->e + t->n;
        int64_t theta = t->theta, lo = t->lo, hi = t->hi;
        size_t scored = 0;

        for (w = 0; w < WINDOW; w += 8) {
            uint64_t flags;

            memcpy(&flags, seen + w, 8);
            if (!flags)
                continue;
            memset(seen + w, 0, 8);
            while (flags) {
                unsigned byte = (unsigned)__builtin_ctzll(flags) / 8;
                size_t slot = w + byte;
                int64_t score = acc[slot];

                flags &= ~(0xFFull << (8 * byte));
                acc[slot] = 0;
                scored++;
                if (score >= theta) {
                    lo = score < lo ? score : lo;
                    hi = score > hi ? score : hi;
                    out->score = score;
                    out->doc = base + (uint32_t)slot;
                    out->rank = rank[out->doc];
                    out++;
                }
            }
        }
        t->n = (size_t)(out - t->e);
        t->lo = lo;
        t->hi = hi;
        s->stats.scored += scored;
        if (t->n > t->k || (t->n == t->k && !t->sorted)) {
            topk_select(t);
            while (p < nterms && prefix[p] < t->theta)
                p++;
        } else {
            t->sorted = 0;
        }
        return p;
    }
    for (w = 0; w < WINDOW; w += 8) {
        uint64_t flags;

        memcpy(&flags, s->window_seen + w, 8);
        if (!flags)
            continue;
        memset(s->window_seen + w, 0, 8);
        while (flags) {
            unsigned byte = (unsigned)__builtin_ctzll(flags) / 8;
            size_t slot = w + byte, j;
            uint32_t doc = base + (uint32_t)slot;
            int64_t score = s->window_acc[slot];

            flags &= ~(0xFFull << (8 * byte));
            s->window_acc[slot] = 0;
            s->stats.scored++;
            for (j = p; j-- > 0;) {
                if (score + prefix[j] < s->top.theta)
                    goto next;
                cursor_seek(c[j], doc);
                if (c[j]->doc == doc)
                    score += cursor_score(c[j]);
            }
            if (topk_add(s, score, doc))
                while (p < nterms && prefix[p] < s->top.theta)
                    p++;
next:
            ;
        }
    }
    return p;
}

static void maxscore(rb_bm25_searcher *s, size_t nterms)
{
    cursor **c = s->order;
    int64_t *prefix = s->prefix;
    uint32_t ndocs = (uint32_t)s->ix->hdr->ndocs;
    size_t i, p = 0;

    for (i = 0; i < nterms; i++)
        c[i] = &s->cursors[i];
    if (nterms > 32) {
        qsort(c, nterms, sizeof *c, bound_cmp);
    } else {
        for (i = 1; i < nterms; i++) {
            cursor *x = c[i];
            size_t j;

            for (j = i; j > 0 && bound_cmp(&x, &c[j - 1]) < 0; j--)
                c[j] = c[j - 1];
            c[j] = x;
        }
    }
    for (i = 0; i < nterms; i++)
        prefix[i] = c[i]->bound + (i ? prefix[i - 1] : 0);

    while (p < nterms) {
        uint32_t base = END_DOC, end;

        for (i = p; i < nterms; i++)
            if (c[i]->doc < base)
                base = c[i]->doc;
        if (base == END_DOC)
            break;
        end = ndocs - base > WINDOW ? base + WINDOW : ndocs;
        for (i = p; i < nterms; i++)
            cursor_accumulate(c[i], base, end, s->window_acc,
                              s->window_seen);
        p = score_window(s, c, nterms, p, base);
    }
}

int rb_bm25_search(rb_bm25_searcher *s, const char *query, size_t len,
                   size_t k, const rb_bm25_hit **hits, size_t *nhits,
                   size_t *malformed, rb_error *err)
{
    int nterms;

    *hits = s->hits;
    *nhits = 0;
    nterms = prepare(s, query, len, malformed, err);
    if (nterms < 0)
        return -1;
    if (k == 0 || nterms == 0)
        return 0;
    if (topk_reset(s, k, err) < 0)
        return -1;
    maxscore(s, (size_t)nterms);
    if (s->damaged)
        return rb_error_set(err, "index postings are damaged");
    return emit_hits(s, hits, nhits, err);
}

/* ---- exhaustive scoring ------------------------------------------------- */

static int entry_cmp_desc(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;

    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->rank > b->rank ? -1 : a->rank < b->rank;
}

int rb_bm25_search_exhaustive(rb_bm25_searcher *s, const char *query,
                              size_t len, size_t k,
                              const rb_bm25_hit **hits, size_t *nhits,
                              size_t *malformed, rb_error *err)
{
    size_t ndocs = s->ix->hdr->ndocs, ntouched = 0, i;
    entry *all;
    int nterms, t, rc = 0;

    *hits = s->hits;
    *nhits = 0;
    nterms = prepare(s, query, len, malformed, err);
    if (nterms < 0)
        return -1;
    if (k == 0 || nterms == 0)
        return 0;
    if (!s->acc) {
        s->acc = rb_calloc(ndocs, sizeof *s->acc);
        s->seen = rb_calloc(ndocs, 1);
        s->touched = rb_malloc(ndocs * sizeof *s->touched);
        if (!s->acc || !s->seen || !s->touched)
            return rb_error_oom(err);
    }
    /* Term at a time: every posting of every query term. */
    for (t = 0; t < nterms; t++) {
        cursor *c = &s->cursors[t];

        while (c->doc != END_DOC) {
            s->acc[c->doc] += cursor_score(c);
            if (!s->seen[c->doc]) {
                s->seen[c->doc] = 1;
                s->touched[ntouched++] = c->doc;
            }
            cursor_next(c);
        }
    }
    s->stats.scored = ntouched;
    all = rb_malloc((ntouched + 1) * sizeof *all);
    if (!all)
        return rb_error_oom(err);
    for (i = 0; i < ntouched; i++) {
        uint32_t d = s->touched[i];

        all[i].score = s->acc[d];
        all[i].rank = s->ix->doc_rank[d];
        all[i].doc = d;
        s->acc[d] = 0;
        s->seen[d] = 0;
    }
    /* A plain full sort, independent of the selection code above. */
    qsort(all, ntouched, sizeof *all, entry_cmp_desc);
    if (ntouched > k)
        ntouched = k;
    if (s->damaged)
        rc = rb_error_set(err, "index postings are damaged");
    else if (ntouched > s->hits_cap) {
        rb_bm25_hit *h = rb_realloc(s->hits, ntouched * sizeof *h);

        if (!h)
            rc = rb_error_oom(err);
        else {
            s->hits = h;
            s->hits_cap = ntouched;
        }
    }
    if (rc == 0) {
        for (i = 0; i < ntouched; i++) {
            s->hits[i].doc = all[i].doc;
            s->hits[i].score = (double)all[i].score / BM25_SCALE;
        }
        *hits = s->hits;
        *nhits = ntouched;
    }
    rb_free(all);
    return rc;
}
