/*
 * Building, saving and loading the BM25 index image (layout in
 * bm25_format.h).
 *
 * The build runs in phases:
 *  1. documents, in chunks on all threads: analyze, look terms up in the
 *     thread's own dictionary, count frequencies; each chunk keeps its
 *     (term, frequency) pairs in document order;
 *  2. the thread dictionaries are merged and sorted, so that global term
 *     ids follow byte order whatever the thread count;
 *  3. pairs are renamed to global ids and scattered into per-term posting
 *     arrays, chunk by chunk in document order;
 *  4. block descriptors (bit widths, score bounds) and then the packed
 *     data are produced for term ranges on all threads.
 * Every phase writes by index, so the image is byte-identical for any
 * thread count.
 */

#include "retrieve/bm25_format.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/hash.h"
#include "base/mem.h"
#include "base/pool.h"
#include "base/progress.h"
#include "base/log.h"
#include "base/timer.h"

#define DOC_CHUNK 512
#define TERM_CHUNK 4096
/* distinct words whose stems each indexing thread remembers */
#define STEM_CACHE (1u << 16)

/* ---- parameters ---------------------------------------------------- */

static const char *const variant_names[] = {
    "lucene", "robertson", "atire", "bm25l", "bm25+"
};

void rb_bm25_params_default(rb_bm25_params *p)
{
    p->variant = RB_BM25_LUCENE;
    p->k1 = 0.9;
    p->b = 0.4;
    p->delta = 0.0;
}

double rb_bm25_default_delta(rb_bm25_variant v)
{
    if (v == RB_BM25_BM25L)
        return 0.5;
    if (v == RB_BM25_PLUS)
        return 1.0;
    return 0.0;
}

int rb_bm25_variant_parse(const char *name, rb_bm25_variant *v,
                          rb_error *err)
{
    int i;

    for (i = 0; i < 5; i++)
        if (strcmp(name, variant_names[i]) == 0) {
            *v = (rb_bm25_variant)i;
            return 0;
        }
    if (strcmp(name, "bm25plus") == 0) {
        *v = RB_BM25_PLUS;
        return 0;
    }
    return rb_error_set(err, "unknown BM25 variant \"%s\" (available: "
                        "lucene, robertson, atire, bm25l, bm25+)", name);
}

const char *rb_bm25_variant_name(rb_bm25_variant v)
{
    return (unsigned)v < 5 ? variant_names[v] : "unknown";
}

int rb_bm25_params_check(const rb_bm25_params *p, rb_error *err)
{
    if ((unsigned)p->variant >= 5)
        return rb_error_set(err, "unknown BM25 variant %d", (int)p->variant);
    if (!(p->k1 >= 0 && p->k1 <= 100))
        return rb_error_set(err, "BM25 \"k1\" must be in [0, 100], not %g",
                            p->k1);
    if (!(p->b >= 0 && p->b <= 1))
        return rb_error_set(err, "BM25 \"b\" must be in [0, 1], not %g",
                            p->b);
    if (!(p->delta >= 0 && p->delta <= 100))
        return rb_error_set(err, "BM25 \"delta\" must be in [0, 100], "
                            "not %g", p->delta);
    return 0;
}

double bm25_idf(const rb_bm25_params *p, double n, double N)
{
    double r;

    switch (p->variant) {
    case RB_BM25_LUCENE:
        return log(1.0 + (N - n + 0.5) / (n + 0.5));
    case RB_BM25_ROBERTSON:
        r = log((N - n + 0.5) / (n + 0.5));
        return r > 0 ? r : 0.0;
    case RB_BM25_ATIRE:
        return log(N / n);
    case RB_BM25_BM25L:
        return log((N + 1.0) / (n + 0.5));
    default:
        return log((N + 1.0) / n);
    }
}

int rb_bm25_key(const char *collection_fingerprint, const rb_analyzer *a,
                const rb_bm25_params *p, char key[65])
{
    rb_sha256 *sha;
    char afp[65], text[512];

    if (rb_analyzer_fingerprint(a, afp) < 0)
        return -1;
    sha = rb_sha256_new();
    if (!sha)
        return -1;
    snprintf(text, sizeof text,
             "rankbench bm25 index format %u\ncollection %s\nanalyzer %s\n"
             "variant %s\nk1 %.17g\nb %.17g\ndelta %.17g\n",
             BM25_FORMAT_VERSION,
             collection_fingerprint ? collection_fingerprint : "", afp,
             rb_bm25_variant_name(p->variant), p->k1, p->b, p->delta);
    rb_sha256_update(sha, text, strlen(text));
    rb_sha256_final(sha, key);
    return 0;
}

/* ---- a dataset as a document source ---------------------------------- */

static int dataset_doc_text(void *arg, size_t i, int thread, rb_buf *scratch,
                            const char *seg[2], size_t seglen[2])
{
    const rb_dataset *ds = arg;

    (void)thread;
    (void)scratch;
    /* title + " " + text: the space separates words, so analyzing the two
     * parts one after the other gives the same terms. */
    seg[0] = ds->doc_titles[i] ? ds->doc_titles[i] : "";
    seg[1] = ds->doc_texts[i] ? ds->doc_texts[i] : "";
    seglen[0] = strlen(seg[0]);
    seglen[1] = strlen(seg[1]);
    return 0;
}

static const char *dataset_doc_id(void *arg, size_t i)
{
    const rb_dataset *ds = arg;

    return rb_intern_str(ds->doc_ids, (uint32_t)i);
}

void rb_bm25_source_dataset(rb_bm25_source *src, const rb_dataset *ds)
{
    src->ndocs = ds->ndocs;
    src->arg = (void *)ds;
    src->doc_text = dataset_doc_text;
    src->doc_id = dataset_doc_id;
}

/* ---- per-thread term dictionary ------------------------------------- */

typedef struct term_dict {
    uint32_t *slots;        /* term id + 1; 0 = empty */
    size_t mask;
    uint64_t *offs;         /* start of each term in strs */
    uint32_t *lens, *hashes;
    size_t n, cap;
    rb_buf strs;            /* terms, each NUL-terminated */
} term_dict;

static void dict_release(term_dict *d)
{
    rb_free(d->slots);
    rb_free(d->offs);
    rb_free(d->lens);
    rb_free(d->hashes);
    rb_buf_release(&d->strs);
    memset(d, 0, sizeof *d);
}

static int dict_rehash(term_dict *d, size_t nslots)
{
    uint32_t *slots = rb_calloc(nslots, sizeof *slots);
    size_t i;

    if (!slots)
        return -1;
    for (i = 0; i < d->n; i++) {
        size_t s = d->hashes[i] & (nslots - 1);

        while (slots[s])
            s = (s + 1) & (nslots - 1);
        slots[s] = (uint32_t)i + 1;
    }
    rb_free(d->slots);
    d->slots = slots;
    d->mask = nslots - 1;
    return 0;
}

/* Id of term s[0..n) in d, added when absent; UINT32_MAX when memory runs
 * out. */
static uint32_t dict_add(term_dict *d, const char *s, size_t n)
{
    uint32_t h = (uint32_t)rb_hash64(s, n), id;
    size_t slot;

    if (!d->slots || 2 * (d->n + 1) > d->mask + 1) {
        if (dict_rehash(d, d->slots ? 2 * (d->mask + 1) : 1024) < 0)
            return UINT32_MAX;
    }
    for (slot = h & d->mask; d->slots[slot]; slot = (slot + 1) & d->mask) {
        id = d->slots[slot] - 1;
        if (d->hashes[id] == h && d->lens[id] == n &&
            memcmp(d->strs.data + d->offs[id], s, n) == 0)
            return id;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap;
        uint64_t *offs = rb_grow(d->offs, &cap, d->n + 1, sizeof *offs);
        uint32_t *lens, *hashes;

        if (!offs)
            return UINT32_MAX;
        d->offs = offs;
        cap = d->cap;
        lens = rb_grow(d->lens, &cap, d->n + 1, sizeof *lens);
        if (!lens)
            return UINT32_MAX;
        d->lens = lens;
        cap = d->cap;
        hashes = rb_grow(d->hashes, &cap, d->n + 1, sizeof *hashes);
        if (!hashes)
            return UINT32_MAX;
        d->hashes = hashes;
        d->cap = cap;
    }
    id = (uint32_t)d->n;
    d->offs[id] = d->strs.len;
    d->lens[id] = (uint32_t)n;
    d->hashes[id] = h;
    if (rb_buf_append(&d->strs, s, n) < 0 || rb_buf_putc(&d->strs, 0) < 0)
        return UINT32_MAX;
    d->slots[slot] = id + 1;
    d->n++;
    return id;
}

/* ---- phase 1: analyze documents -------------------------------------- */

typedef struct build_thread {
    rb_analysis *an;
    term_dict dict;
    rb_buf scratch;
    uint32_t *stamp, *pos;  /* per local term: last doc + 1, pair index */
    size_t stamp_cap;
    uint32_t *map;          /* local id -> global id */
    rb_error err;
} build_thread;

typedef struct build_chunk {
    int thread;
    uint32_t *pairs;        /* term, frequency, term, frequency, ... */
    size_t npairs, cap;     /* in pairs */
} build_chunk;

/* One posting while building: together, so that scattering writes one
 * place rather than two. */
typedef struct posting {
    uint32_t doc, tf;
} posting;

typedef struct build_ctx {
    const rb_bm25_source *src;
    const rb_analyzer *a;
    const rb_bm25_params *p;
    build_thread *threads;
    int nthreads;
    build_chunk *chunks;
    size_t nchunks;
    uint32_t *doc_len, *doc_uniq;
    atomic_size_t docs_done;
    rb_progress progress;
    int show_progress;

    /* after the merge */
    size_t nterms;
    const char **term_str;  /* by global id, into thread dictionaries */
    uint32_t *term_len;
    uint32_t *df;
    uint64_t *post_off;     /* nterms + 1 */
    posting *post;          /* by term, then document */
    uint64_t total_len;
    double avgdl;

    /* the image being filled */
    unsigned char *image;
    bm25_header *hdr;
} build_ctx;

static int stamp_reserve(build_thread *t, size_t need)
{
    size_t cap = t->stamp_cap, old = t->stamp_cap;
    uint32_t *stamp, *pos;

    if (need <= cap)
        return 0;
    stamp = rb_grow(t->stamp, &cap, need, sizeof *stamp);
    if (!stamp)
        return -1;
    t->stamp = stamp;
    memset(t->stamp + old, 0, (cap - old) * sizeof *stamp);
    pos = rb_realloc(t->pos, cap * sizeof *pos);
    if (!pos)
        return -1;
    t->pos = pos;
    t->stamp_cap = cap;
    return 0;
}

/* Count the terms of one analyzed segment of document doc into the
 * chunk's pairs. */
static int add_terms(build_thread *t, build_chunk *c, size_t doc,
                     const char *const *terms, size_t nterms)
{
    size_t i;

    for (i = 0; i < nterms; i++) {
        uint32_t id = dict_add(&t->dict, terms[i], strlen(terms[i]));

        if (id == UINT32_MAX || stamp_reserve(t, t->dict.n) < 0)
            return -1;
        if (t->stamp[id] == (uint32_t)doc + 1) {
            c->pairs[2 * t->pos[id] + 1]++;
            continue;
        }
        if (c->npairs == c->cap) {
            size_t cap = 2 * c->cap;
            uint32_t *p = rb_grow(c->pairs, &cap, 2 * (c->npairs + 1),
                                  sizeof *p);

            if (!p)
                return -1;
            c->pairs = p;
            c->cap = cap / 2;
        }
        t->stamp[id] = (uint32_t)doc + 1;
        t->pos[id] = (uint32_t)c->npairs;
        c->pairs[2 * c->npairs] = id;
        c->pairs[2 * c->npairs + 1] = 1;
        c->npairs++;
    }
    return 0;
}

static int analyze_chunk(void *arg, size_t begin, size_t end, int thread)
{
    build_ctx *bc = arg;
    build_thread *t = &bc->threads[thread];
    build_chunk *c = &bc->chunks[begin / DOC_CHUNK];
    size_t i, s;

    c->thread = thread;
    for (i = begin; i < end; i++) {
        const char *seg[2] = {NULL, NULL};
        size_t seglen[2] = {0, 0}, before = c->npairs, len = 0;

        if (bc->src->doc_text(bc->src->arg, i, thread, &t->scratch, seg,
                              seglen) < 0)
            return rb_error_set(&t->err, "cannot read document %zu", i);
        for (s = 0; s < 2; s++) {
            const char *const *terms;
            size_t n;

            if (!seg[s])
                continue;
            if (rb_analyze(t->an, seg[s], seglen[s], 0, &terms, &n,
                           NULL) < 0 ||
                add_terms(t, c, i, terms, n) < 0)
                return rb_error_oom(&t->err);
            len += n;
        }
        if (len > UINT32_MAX)
            return rb_error_set(&t->err, "document %zu has more than 2^32 "
                                "terms", i);
        bc->doc_len[i] = (uint32_t)len;
        bc->doc_uniq[i] = (uint32_t)(c->npairs - before);
    }
    atomic_fetch_add(&bc->docs_done, end - begin);
    if (thread == 0 && bc->show_progress)
        rb_progress_update(&bc->progress, atomic_load(&bc->docs_done));
    return 0;
}

/* ---- phase 2: merge dictionaries ------------------------------------- */

typedef struct vocab_entry {
    const char *s;
    uint32_t len;
    uint32_t thread;
    uint32_t local;
} vocab_entry;

static int vocab_cmp(const void *pa, const void *pb)
{
    const vocab_entry *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);

    if (c)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->thread < b->thread ? -1 : a->thread > b->thread;
}

static int merge_vocab(build_ctx *bc, rb_error *err)
{
    size_t total = 0, i, k = 0;
    vocab_entry *e;
    int t;

    for (t = 0; t < bc->nthreads; t++) {
        total += bc->threads[t].dict.n;
        bc->threads[t].map = rb_malloc((bc->threads[t].dict.n + 1) *
                                       sizeof(uint32_t));
        if (!bc->threads[t].map)
            return rb_error_oom(err);
    }
    e = rb_malloc((total + 1) * sizeof *e);
    if (!e)
        return rb_error_oom(err);
    for (t = 0; t < bc->nthreads; t++) {
        term_dict *d = &bc->threads[t].dict;

        for (i = 0; i < d->n; i++, k++) {
            e[k].s = d->strs.data + d->offs[i];
            e[k].len = d->lens[i];
            e[k].thread = (uint32_t)t;
            e[k].local = (uint32_t)i;
        }
    }
    qsort(e, total, sizeof *e, vocab_cmp);

    bc->term_str = rb_malloc((total + 1) * sizeof *bc->term_str);
    bc->term_len = rb_malloc((total + 1) * sizeof *bc->term_len);
    if (!bc->term_str || !bc->term_len) {
        rb_free(e);
        return rb_error_oom(err);
    }
    bc->nterms = 0;
    for (i = 0; i < total; i++) {
        if (i == 0 || e[i].len != e[i - 1].len ||
            memcmp(e[i].s, e[i - 1].s, e[i].len) != 0) {
            bc->term_str[bc->nterms] = e[i].s;
            bc->term_len[bc->nterms] = e[i].len;
            bc->nterms++;
        }
        bc->threads[e[i].thread].map[e[i].local] =
            (uint32_t)(bc->nterms - 1);
    }
    rb_free(e);
    if (bc->nterms >= UINT32_MAX)
        return rb_error_set(err, "too many distinct terms");
    return 0;
}

/* ---- phase 3: postings in term order --------------------------------- */

static int rename_chunk(void *arg, size_t begin, size_t end, int thread)
{
    build_ctx *bc = arg;
    size_t c, i;

    (void)thread;
    for (c = begin; c < end; c++) {
        build_chunk *ch = &bc->chunks[c];
        const uint32_t *map = bc->threads[ch->thread].map;

        for (i = 0; i < ch->npairs; i++)
            ch->pairs[2 * i] = map[ch->pairs[2 * i]];
    }
    return 0;
}

static int scatter_postings(build_ctx *bc, rb_error *err)
{
    size_t c, t, i, ndocs = bc->src->ndocs;
    uint64_t total = 0, len_sum = 0;
    uint64_t *cursor;

    bc->df = rb_calloc(bc->nterms + 1, sizeof *bc->df);
    bc->post_off = rb_malloc((bc->nterms + 1) * sizeof *bc->post_off);
    if (!bc->df || !bc->post_off)
        return rb_error_oom(err);
    for (c = 0; c < bc->nchunks; c++)
        for (i = 0; i < bc->chunks[c].npairs; i++)
            bc->df[bc->chunks[c].pairs[2 * i]]++;
    for (t = 0; t < bc->nterms; t++) {
        bc->post_off[t] = total;
        total += bc->df[t];
    }
    bc->post_off[bc->nterms] = total;
    bc->post = rb_malloc((total + 1) * sizeof *bc->post);
    cursor = rb_malloc((bc->nterms + 1) * sizeof *cursor);
    if (!bc->post || !cursor) {
        rb_free(cursor);
        return rb_error_oom(err);
    }
    memcpy(cursor, bc->post_off, (bc->nterms + 1) * sizeof *cursor);

    /* Chunks are document ranges in order, so each term's postings come
     * out sorted by document. */
    for (c = 0; c < bc->nchunks; c++) {
        build_chunk *ch = &bc->chunks[c];
        size_t doc = c * DOC_CHUNK, left = 0, p;

        for (p = 0; p < ch->npairs; p++) {
            uint32_t term = ch->pairs[2 * p];

            while (left == 0)
                left = bc->doc_uniq[doc++];
            left--;
            bc->post[cursor[term]].doc = (uint32_t)(doc - 1);
            bc->post[cursor[term]].tf = ch->pairs[2 * p + 1];
            cursor[term]++;
        }
        rb_free(ch->pairs);
        ch->pairs = NULL;
    }
    rb_free(cursor);
    for (i = 0; i < ndocs; i++)
        len_sum += bc->doc_len[i];
    bc->total_len = len_sum;
    bc->avgdl = ndocs ? (double)len_sum / (double)ndocs : 0.0;
    return 0;
}

/* ---- phase 4: the image ----------------------------------------------- */

static uint64_t align8(uint64_t x)
{
    return (x + 7) & ~(uint64_t)7;
}

static unsigned bits_for(uint64_t max)
{
    unsigned bits = 0;

    while (bits < 64 && (max >> bits) != 0)
        bits++;
    return bits;
}

/* Lay out every section but the data and allocate the image. */
static int image_alloc(build_ctx *bc, rb_error *err)
{
    bm25_header h;
    uint64_t off, nblocks = 0, strs = 0, hash_size = 16;
    size_t t, ndocs = bc->src->ndocs;

    memset(&h, 0, sizeof h);
    for (t = 0; t < bc->nterms; t++) {
        nblocks += (bc->df[t] + BM25_BLOCK - 1) / BM25_BLOCK;
        strs += bc->term_len[t] + 1;
    }
    while (hash_size < 2 * (uint64_t)bc->nterms)
        hash_size *= 2;
    off = align8(sizeof h);
    h.off_doc_len = off;
    off = align8(off + 4 * (uint64_t)ndocs);
    h.off_doc_rank = off;
    off = align8(off + 4 * (uint64_t)ndocs);
    h.off_doc_norm = off;
    off = align8(off + 8 * (uint64_t)ndocs);
    h.off_terms = off;
    off = align8(off + sizeof(bm25_term) * (uint64_t)bc->nterms);
    h.off_str_off = off;
    off = align8(off + 8 * ((uint64_t)bc->nterms + 1));
    h.off_strs = off;
    h.strs_size = strs;
    off = align8(off + strs);
    h.off_hash = off;
    h.hash_size = hash_size;
    off = align8(off + 4 * hash_size);
    h.off_blocks = off;
    h.nblocks = nblocks;
    off = align8(off + sizeof(bm25_block) * nblocks);
    h.off_data = off;
    h.image_size = off;

    bc->image = rb_calloc(1, off);
    if (!bc->image)
        return rb_error_oom(err);
    bc->hdr = (bm25_header *)bc->image;
    *bc->hdr = h;
    return 0;
}

/* Block descriptors and term statistics for terms [begin, end). */
static int describe_terms(void *arg, size_t begin, size_t end, int thread)
{
    build_ctx *bc = arg;
    bm25_header *h = bc->hdr;
    bm25_term *terms = (bm25_term *)(bc->image + h->off_terms);
    bm25_block *blocks = (bm25_block *)(bc->image + h->off_blocks);
    const double *norm = (const double *)(bc->image + h->off_doc_norm);
    double N = (double)h->ndocs;
    size_t t;

    (void)thread;
    for (t = begin; t < end; t++) {
        bm25_term *tm = &terms[t];
        uint64_t p = bc->post_off[t], pend = bc->post_off[t + 1];
        uint64_t b = tm->first_block;
        int64_t term_max = 0;
        uint32_t prev = UINT32_MAX;  /* "document -1" */

        tm->df = bc->df[t];
        tm->idf = bm25_idf(bc->p, (double)tm->df, N);
        for (; p < pend; b++) {
            bm25_block *blk = &blocks[b];
            uint64_t q, qend = p + BM25_BLOCK < pend ? p + BM25_BLOCK : pend;
            uint32_t max_gap = 0;
            int64_t blk_max = 0, blk_min = INT64_MAX;

            for (q = p; q < qend; q++) {
                uint32_t doc = bc->post[q].doc;
                uint32_t gap = doc - prev - 1;  /* wraps for prev = -1 */
                int64_t imp = bm25_impact(bc->p, tm->idf, bc->post[q].tf,
                                          norm[doc]);

                if (gap > max_gap)
                    max_gap = gap;
                if (imp > blk_max)
                    blk_max = imp;
                if (imp < blk_min)
                    blk_min = imp;
                prev = doc;
            }
            blk->count = (uint16_t)(qend - p);
            blk->last_doc = prev;
            blk->doc_bits = (uint8_t)bits_for(max_gap);
            blk->imp_bits = (uint8_t)bits_for((uint64_t)(blk_max - blk_min));
            blk->max_impact = blk_max;
            blk->min_impact = blk_min;
            /* data_off holds the size until the offsets are known */
            blk->data_off = bm25_block_bytes(blk->count, blk->doc_bits,
                                             blk->imp_bits);
            if (blk_max > term_max)
                term_max = blk_max;
            p = qend;
        }
        tm->max_impact = term_max;
    }
    return 0;
}

/* Pack count values of width bits (at most 56) into dst (zeroed, with 8
 * bytes of room past the packed size). */
static void pack(unsigned char *dst, const uint64_t *vals, unsigned count,
                 unsigned bits)
{
    uint64_t pos = 0;
    unsigned i;

    if (bits == 0)
        return;
    for (i = 0; i < count; i++, pos += bits) {
        uint64_t word, v = (uint64_t)vals[i] << (pos & 7);

        memcpy(&word, dst + (pos >> 3), 8);
        word |= v;
        memcpy(dst + (pos >> 3), &word, 8);
    }
}

/* Pack the postings of terms [begin, end) into the data section. */
static int pack_terms(void *arg, size_t begin, size_t end, int thread)
{
    build_ctx *bc = arg;
    bm25_header *h = bc->hdr;
    const bm25_term *terms = (const bm25_term *)(bc->image + h->off_terms);
    const bm25_block *blocks =
        (const bm25_block *)(bc->image + h->off_blocks);
    unsigned char *data = bc->image + h->off_data;
    const double *norm = (const double *)(bc->image + h->off_doc_norm);
    uint64_t gaps[BM25_BLOCK], imps[BM25_BLOCK];
    /* Packing writes whole words; doing it in a local buffer keeps
     * threads from touching each other's bytes. */
    unsigned char local[2 * 8 * BM25_BLOCK + 2 * BM25_PAD];
    size_t t;

    (void)thread;
    for (t = begin; t < end; t++) {
        uint64_t p = bc->post_off[t], b = terms[t].first_block;
        uint32_t prev = UINT32_MAX;

        for (; b < terms[t].first_block + terms[t].nblocks; b++) {
            const bm25_block *blk = &blocks[b];
            unsigned i, n = blk->count;
            uint64_t doc_bytes = ((uint64_t)n * blk->doc_bits + 7) / 8;

            for (i = 0; i < n; i++) {
                uint32_t doc = bc->post[p + i].doc;

                gaps[i] = (uint32_t)(doc - prev - 1);
                prev = doc;
                imps[i] = (uint64_t)(bm25_impact(bc->p, terms[t].idf,
                                                 bc->post[p + i].tf,
                                                 norm[doc]) -
                                     blk->min_impact);
            }
            memset(local, 0, sizeof local);
            pack(local, gaps, n, blk->doc_bits);
            pack(local + doc_bytes, imps, n, blk->imp_bits);
            memcpy(data + blk->data_off, local,
                   bm25_block_bytes(n, blk->doc_bits, blk->imp_bits));
            p += n;
        }
    }
    return 0;
}

typedef struct id_sort {
    const char *id;
    uint32_t doc;
} id_sort;

static int id_cmp(const void *pa, const void *pb)
{
    const id_sort *a = pa, *b = pb;
    int c = strcmp(a->id, b->id);

    return c ? c : (a->doc < b->doc ? -1 : a->doc > b->doc);
}

static int fill_docs(build_ctx *bc, rb_error *err)
{
    bm25_header *h = bc->hdr;
    size_t i, ndocs = bc->src->ndocs;
    uint32_t *len = (uint32_t *)(bc->image + h->off_doc_len);
    uint32_t *rank = (uint32_t *)(bc->image + h->off_doc_rank);
    double *norm = (double *)(bc->image + h->off_doc_norm);
    id_sort *ids = rb_malloc((ndocs + 1) * sizeof *ids);

    if (!ids)
        return rb_error_oom(err);
    for (i = 0; i < ndocs; i++) {
        len[i] = bc->doc_len[i];
        norm[i] = bm25_doc_norm(bc->p, (double)len[i], bc->avgdl);
        ids[i].id = bc->src->doc_id(bc->src->arg, i);
        ids[i].doc = (uint32_t)i;
    }
    qsort(ids, ndocs, sizeof *ids, id_cmp);
    for (i = 0; i < ndocs; i++)
        rank[ids[i].doc] = (uint32_t)i;
    rb_free(ids);
    return 0;
}

static void fill_terms(build_ctx *bc)
{
    bm25_header *h = bc->hdr;
    bm25_term *terms = (bm25_term *)(bc->image + h->off_terms);
    uint64_t *str_off = (uint64_t *)(bc->image + h->off_str_off);
    char *strs = (char *)(bc->image + h->off_strs);
    uint32_t *hash = (uint32_t *)(bc->image + h->off_hash);
    uint64_t off = 0, block = 0, mask = h->hash_size - 1;
    size_t t;

    memset(hash, 0xFF, 4 * h->hash_size);
    for (t = 0; t < bc->nterms; t++) {
        uint64_t slot = rb_hash64(bc->term_str[t], bc->term_len[t]) & mask;

        str_off[t] = off;
        memcpy(strs + off, bc->term_str[t], bc->term_len[t]);
        strs[off + bc->term_len[t]] = '\0';
        off += bc->term_len[t] + 1;
        terms[t].first_block = block;
        terms[t].nblocks = (bc->df[t] + BM25_BLOCK - 1) / BM25_BLOCK;
        block += terms[t].nblocks;
        while (hash[slot] != UINT32_MAX)
            slot = (slot + 1) & mask;
        hash[slot] = (uint32_t)t;
    }
    str_off[bc->nterms] = off;
}

/* Turn block sizes into offsets, grow the image by the data section. */
static int image_add_data(build_ctx *bc, rb_error *err)
{
    bm25_header *h = bc->hdr;
    bm25_block *blocks = (bm25_block *)(bc->image + h->off_blocks);
    uint64_t b, off = 0, size;
    unsigned char *image;

    for (b = 0; b < h->nblocks; b++) {
        uint64_t bytes = blocks[b].data_off;

        blocks[b].data_off = off;
        off += bytes;
    }
    h->data_size = off + BM25_PAD;
    size = h->off_data + h->data_size;
    image = rb_realloc(bc->image, size);
    if (!image)
        return rb_error_oom(err);
    /* the header moved with the image */
    bc->image = image;
    bc->hdr = h = (bm25_header *)image;
    memset(image + h->off_data, 0, h->data_size);
    h->image_size = size;
    return 0;
}

static int attach(rb_bm25_index *ix, const unsigned char *base, size_t size,
                  rb_error *err);

static void build_release(build_ctx *bc)
{
    size_t c;
    int t;

    for (t = 0; bc->threads && t < bc->nthreads; t++) {
        rb_analysis_free(bc->threads[t].an);
        dict_release(&bc->threads[t].dict);
        rb_buf_release(&bc->threads[t].scratch);
        rb_free(bc->threads[t].stamp);
        rb_free(bc->threads[t].pos);
        rb_free(bc->threads[t].map);
    }
    rb_free(bc->threads);
    for (c = 0; bc->chunks && c < bc->nchunks; c++)
        rb_free(bc->chunks[c].pairs);
    rb_free(bc->chunks);
    rb_free(bc->doc_len);
    rb_free(bc->doc_uniq);
    rb_free(bc->term_str);
    rb_free(bc->term_len);
    rb_free(bc->df);
    rb_free(bc->post_off);
    rb_free(bc->post);
    rb_free(bc->image);
}

static int build_setup(build_ctx *bc, const rb_bm25_build_options *opt,
                       rb_error *err)
{
    size_t ndocs = bc->src->ndocs;
    int t;

    bc->nthreads = opt && opt->threads > 0 ? opt->threads : 1;
    bc->threads = rb_calloc((size_t)bc->nthreads, sizeof *bc->threads);
    bc->nchunks = (ndocs + DOC_CHUNK - 1) / DOC_CHUNK;
    bc->chunks = rb_calloc(bc->nchunks + 1, sizeof *bc->chunks);
    bc->doc_len = rb_malloc((ndocs + 1) * sizeof *bc->doc_len);
    bc->doc_uniq = rb_malloc((ndocs + 1) * sizeof *bc->doc_uniq);
    if (!bc->threads || !bc->chunks || !bc->doc_len || !bc->doc_uniq)
        return rb_error_oom(err);
    for (t = 0; t < bc->nthreads; t++) {
        bc->threads[t].an = rb_analysis_new(bc->a, err);
        if (!bc->threads[t].an)
            return -1;
        if (rb_analysis_cache_stems(bc->threads[t].an, STEM_CACHE) < 0)
            return rb_error_oom(err);
    }
    return 0;
}

static int analyze_all(build_ctx *bc, rb_error *err)
{
    int t, rc;

    atomic_init(&bc->docs_done, 0);
    if (bc->show_progress)
        rb_progress_start(&bc->progress, "indexing", bc->src->ndocs);
    rc = rb_parallel_for(bc->src->ndocs, DOC_CHUNK, bc->nthreads,
                         analyze_chunk, bc);
    if (bc->show_progress)
        rb_progress_finish(&bc->progress);
    if (rc == 0)
        return 0;
    for (t = 0; t < bc->nthreads; t++)
        if (bc->threads[t].err.set)
            return rb_error_set(err, "%s", bc->threads[t].err.msg);
    return rb_error_set(err, "indexing failed");
}

static int build_image(build_ctx *bc, const rb_bm25_build_options *opt,
                       rb_error *err)
{
    bm25_header *h;
    char key[65];

    if (rb_bm25_key(opt ? opt->collection_fingerprint : NULL, bc->a, bc->p,
                    key) < 0 ||
        image_alloc(bc, err) < 0)
        return rb_error_oom(err);
    h = bc->hdr;
    memcpy(h->magic, BM25_MAGIC, 8);
    h->version = BM25_FORMAT_VERSION;
    h->byte_order = BM25_BYTE_ORDER;
    memcpy(h->key, key, 64);
    h->ndocs = bc->src->ndocs;
    h->nterms = bc->nterms;
    h->npostings = bc->post_off[bc->nterms];
    h->avgdl = bc->avgdl;
    h->total_len = bc->total_len;
    h->variant = (uint32_t)bc->p->variant;
    h->k1 = bc->p->k1;
    h->b = bc->p->b;
    h->delta = bc->p->delta;
    if (fill_docs(bc, err) < 0)
        return -1;
    fill_terms(bc);
    rb_parallel_for(bc->nterms, TERM_CHUNK, bc->nthreads, describe_terms,
                    bc);
    if (image_add_data(bc, err) < 0)
        return -1;
    rb_parallel_for(bc->nterms, TERM_CHUNK, bc->nthreads, pack_terms, bc);
    return 0;
}

rb_bm25_index *rb_bm25_build(const rb_bm25_source *src,
                             const rb_analyzer *a, const rb_bm25_params *p,
                             const rb_bm25_build_options *opt, rb_error *err)
{
    build_ctx bc;
    rb_bm25_index *ix = NULL;
    double t0 = rb_now(), t1, t2, t3;

    if (rb_bm25_params_check(p, err) < 0)
        return NULL;
    if (src->ndocs >= UINT32_MAX)
        return rb_error_set(err, "too many documents (%zu)", src->ndocs),
               NULL;
    memset(&bc, 0, sizeof bc);
    bc.src = src;
    bc.a = a;
    bc.p = p;
    bc.show_progress = opt && opt->progress;
    if (build_setup(&bc, opt, err) < 0 || analyze_all(&bc, err) < 0)
        goto done;
    t1 = rb_now();
    if (merge_vocab(&bc, err) < 0)
        goto done;
    rb_parallel_for(bc.nchunks, 4, bc.nthreads, rename_chunk, &bc);
    if (scatter_postings(&bc, err) < 0)
        goto done;
    t2 = rb_now();
    if (build_image(&bc, opt, err) < 0)
        goto done;
    t3 = rb_now();
    rb_debug("bm25: %zu documents indexed on %d threads: analysis %.2f s, "
             "postings %.2f s, blocks %.2f s", src->ndocs, bc.nthreads,
             t1 - t0, t2 - t1, t3 - t2);
    ix = rb_calloc(1, sizeof *ix);
    if (!ix) {
        rb_error_oom(err);
        goto done;
    }
    if (attach(ix, bc.image, bc.hdr->image_size, err) < 0) {
        rb_free(ix);
        ix = NULL;
        goto done;
    }
    ix->image = bc.image;
    bc.image = NULL;

done:
    build_release(&bc);
    return ix;
}

/* ---- attaching and checking an image ---------------------------------- */

static int section_ok(uint64_t off, uint64_t count, uint64_t size,
                      size_t image_size)
{
    return off % 8 == 0 && off <= image_size &&
           (size == 0 || count <= (image_size - off) / size);
}

static int check_header(const bm25_header *h, size_t size, rb_error *err)
{
    if (size < sizeof *h || memcmp(h->magic, BM25_MAGIC, 8) != 0)
        return rb_error_set(err, "not a rankbench BM25 index");
    if (h->version != BM25_FORMAT_VERSION ||
        h->byte_order != BM25_BYTE_ORDER)
        return rb_error_set(err, "index format %u of another version or "
                            "byte order", h->version);
    if (h->key[64] != '\0')
        return rb_error_set(err, "index key is damaged");
    if (h->image_size != size)
        return rb_error_set(err, "index is truncated (%zu bytes of %llu)",
                            size, (unsigned long long)h->image_size);
    if (h->ndocs >= UINT32_MAX || h->nterms >= UINT32_MAX ||
        h->hash_size < 2 * h->nterms || h->hash_size == 0 ||
        (h->hash_size & (h->hash_size - 1)) != 0 || h->variant >= 5 ||
        !section_ok(h->off_doc_len, h->ndocs, 4, size) ||
        !section_ok(h->off_doc_rank, h->ndocs, 4, size) ||
        !section_ok(h->off_doc_norm, h->ndocs, 8, size) ||
        !section_ok(h->off_terms, h->nterms, sizeof(bm25_term), size) ||
        !section_ok(h->off_str_off, h->nterms + 1, 8, size) ||
        !section_ok(h->off_strs, h->strs_size, 1, size) ||
        !section_ok(h->off_hash, h->hash_size, 4, size) ||
        !section_ok(h->off_blocks, h->nblocks, sizeof(bm25_block),
                    size) ||
        !section_ok(h->off_data, h->data_size, 1, size) ||
        h->data_size < BM25_PAD)
        return rb_error_set(err, "index header is inconsistent");
    return 0;
}

static int check_docs(const rb_bm25_index *ix, rb_error *err)
{
    uint64_t i, n = ix->hdr->ndocs;

    for (i = 0; i < n; i++) {
        double v = ix->doc_norm[i];

        if (ix->doc_rank[i] >= n || !(v >= 0 && v < 1e300))
            return rb_error_set(err, "index document %llu is damaged",
                                (unsigned long long)i);
    }
    return 0;
}

static int check_terms(const rb_bm25_index *ix, rb_error *err)
{
    const bm25_header *h = ix->hdr;
    uint64_t t, b;

    if (ix->str_off[h->nterms] > h->strs_size)
        return rb_error_set(err, "index term strings are damaged");
    for (t = 0; t < h->nterms; t++) {
        const bm25_term *tm = &ix->terms[t];
        uint64_t s = ix->str_off[t], e = ix->str_off[t + 1];
        int64_t prev = -1;

        if (s >= e || e > h->strs_size || ix->strs[e - 1] != '\0' ||
            tm->first_block > h->nblocks ||
            tm->max_impact < 0 || tm->max_impact >= (INT64_C(1) << 53) ||
            tm->nblocks > h->nblocks - tm->first_block ||
            !(tm->idf >= 0 && tm->idf < 1e300))
            return rb_error_set(err, "index term %llu is damaged",
                                (unsigned long long)t);
        for (b = tm->first_block; b < tm->first_block + tm->nblocks; b++) {
            const bm25_block *blk = &ix->blocks[b];

            if (blk->count == 0 || blk->count > BM25_BLOCK ||
                blk->doc_bits > 32 || blk->imp_bits > 56 ||
                blk->min_impact < 0 || blk->min_impact > blk->max_impact ||
                blk->max_impact > tm->max_impact ||
                blk->imp_bits !=
                    bits_for((uint64_t)(blk->max_impact - blk->min_impact)) ||
                blk->last_doc >= h->ndocs || (int64_t)blk->last_doc <= prev ||
                blk->data_off > h->data_size - BM25_PAD ||
                bm25_block_bytes(blk->count, blk->doc_bits, blk->imp_bits) >
                    h->data_size - BM25_PAD - blk->data_off)
                return rb_error_set(err, "index postings of term %llu are "
                                    "damaged", (unsigned long long)t);
            prev = blk->last_doc;
        }
    }
    for (t = 0, b = 0; t < h->hash_size; t++) {
        if (ix->hash[t] == UINT32_MAX)
            continue;
        if (ix->hash[t] >= h->nterms || ++b > h->nterms)
            return rb_error_set(err, "index term table is damaged");
    }
    return 0;
}

static int attach(rb_bm25_index *ix, const unsigned char *base, size_t size,
                  rb_error *err)
{
    const bm25_header *h = (const bm25_header *)base;

    if (check_header(h, size, err) < 0)
        return -1;
    ix->base = base;
    ix->size = size;
    ix->hdr = h;
    ix->doc_len = (const uint32_t *)(base + h->off_doc_len);
    ix->doc_rank = (const uint32_t *)(base + h->off_doc_rank);
    ix->doc_norm = (const double *)(base + h->off_doc_norm);
    ix->terms = (const bm25_term *)(base + h->off_terms);
    ix->str_off = (const uint64_t *)(base + h->off_str_off);
    ix->strs = (const char *)(base + h->off_strs);
    ix->hash = (const uint32_t *)(base + h->off_hash);
    ix->blocks = (const bm25_block *)(base + h->off_blocks);
    ix->data = base + h->off_data;
    ix->params.variant = (rb_bm25_variant)h->variant;
    ix->params.k1 = h->k1;
    ix->params.b = h->b;
    ix->params.delta = h->delta;
    if (rb_bm25_params_check(&ix->params, err) < 0 ||
        check_docs(ix, err) < 0 || check_terms(ix, err) < 0)
        return -1;
    return 0;
}

void rb_bm25_free(rb_bm25_index *ix)
{
    if (!ix)
        return;
    if (ix->mapped)
        munmap((void *)ix->base, ix->size);
    rb_free(ix->image);
    rb_free(ix);
}

const char *rb_bm25_index_key(const rb_bm25_index *ix)
{
    return ix->hdr->key;
}

int rb_bm25_save(const rb_bm25_index *ix, const char *path, rb_error *err)
{
    return rb_write_file_atomic(path, ix->base, ix->size, err);
}

rb_bm25_index *rb_bm25_load(const char *path, const char *key,
                            size_t ndocs, int *absent, rb_error *err)
{
    struct stat st;
    rb_bm25_index *ix;
    void *map;
    int fd;

    if (absent)
        *absent = 0;
    fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT && absent)
            *absent = 1;
        rb_error_set(err, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(bm25_header)) {
        close(fd);
        rb_error_set(err, "%s: not a rankbench BM25 index", path);
        return NULL;
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        rb_error_set(err, "%s: cannot map: %s", path, strerror(errno));
        return NULL;
    }
    ix = rb_calloc(1, sizeof *ix);
    if (!ix) {
        munmap(map, (size_t)st.st_size);
        rb_error_oom(err);
        return NULL;
    }
    ix->mapped = 1;
    ix->base = map;
    ix->size = (size_t)st.st_size;
    if (attach(ix, map, (size_t)st.st_size, err) < 0) {
        rb_error_prefix(err, "%s", path);
        rb_bm25_free(ix);
        return NULL;
    }
    if (strncmp(ix->hdr->key, key, 64) != 0 || ix->hdr->ndocs != ndocs) {
        rb_error_set(err, "%s: index is for other data or parameters",
                     path);
        rb_bm25_free(ix);
        return NULL;
    }
    return ix;
}

void rb_bm25_get_stats(const rb_bm25_index *ix, rb_bm25_stats *st)
{
    st->ndocs = ix->hdr->ndocs;
    st->nterms = ix->hdr->nterms;
    st->npostings = ix->hdr->npostings;
    st->nblocks = ix->hdr->nblocks;
    st->bytes = ix->size;
    st->postings_bytes = ix->hdr->data_size - BM25_PAD;
    st->avgdl = ix->hdr->avgdl;
    st->mapped = ix->mapped;
}

const rb_bm25_params *rb_bm25_get_params(const rb_bm25_index *ix)
{
    return &ix->params;
}

uint32_t bm25_find_term(const rb_bm25_index *ix, const char *term, size_t n)
{
    uint64_t mask = ix->hdr->hash_size - 1;
    uint64_t slot = rb_hash64(term, n) & mask;

    for (;; slot = (slot + 1) & mask) {
        uint32_t id = ix->hash[slot];
        uint64_t off;

        if (id == UINT32_MAX)
            return UINT32_MAX;
        off = ix->str_off[id];
        if (ix->str_off[id + 1] - off == n + 1 &&
            memcmp(ix->strs + off, term, n) == 0)
            return id;
    }
}

size_t rb_bm25_term_df(const rb_bm25_index *ix, const char *term)
{
    uint32_t id = bm25_find_term(ix, term, strlen(term));

    return id == UINT32_MAX ? 0 : ix->terms[id].df;
}
