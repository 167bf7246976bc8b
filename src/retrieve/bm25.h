#ifndef RB_BM25_H
#define RB_BM25_H

/*
 * The native BM25 engine: an inverted index with block-compressed
 * postings, built on all cores, saved to disk and memory-mapped back, and
 * exact top-k search with MaxScore dynamic pruning.
 *
 * Scoring is exact and order-free: each term's contribution to a document
 * is computed in double precision and rounded once to a fixed-point
 * integer (2^-32 units); a document's score is the integer sum of its
 * terms' contributions times their query frequencies. Sums of integers do
 * not depend on the order of addition, so pruned and exhaustive search,
 * any thread count and a reloaded index give bit-identical scores, and
 * equal scores are true ties. Ties are ordered as trec_eval orders them:
 * by document id, descending, comparing bytes.
 *
 * The index covers one document collection and one set of parameters:
 * the per-block score bounds that pruning needs depend on k1, b and delta,
 * so they are part of what a saved index is keyed by.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"
#include "data/dataset.h"
#include "text/analyzer.h"

typedef enum rb_bm25_variant {
    RB_BM25_LUCENE = 0,     /* idf ln(1 + (N-n+.5)/(n+.5)); tf/(tf+K) */
    RB_BM25_ROBERTSON = 1,  /* idf max(0, ln((N-n+.5)/(n+.5))); (k1+1) */
    RB_BM25_ATIRE = 2,      /* idf ln(N/n); (k1+1) tf/(tf+K) */
    RB_BM25_BM25L = 3,      /* Lv and Zhai's BM25L, shift delta */
    RB_BM25_PLUS = 4        /* Lv and Zhai's BM25+, shift delta */
} rb_bm25_variant;

typedef struct rb_bm25_params {
    rb_bm25_variant variant;
    double k1;      /* [0, 100]; default 0.9 */
    double b;       /* [0, 1]; default 0.4 */
    double delta;   /* [0, 100]; BM25L 0.5 and BM25+ 1.0 by default,
                     * unused by the other variants */
} rb_bm25_params;

/* Defaults: lucene, k1 = 0.9, b = 0.4, delta for the variant. */
void rb_bm25_params_default(rb_bm25_params *p);
/* The default delta of a variant (0 when it has none). */
double rb_bm25_default_delta(rb_bm25_variant v);
/* Parse "lucene", "robertson", "atire", "bm25l", "bm25+" ("bm25plus"
 * too). Returns 0, or -1 with err listing the variants. */
int rb_bm25_variant_parse(const char *name, rb_bm25_variant *v,
                          rb_error *err);
const char *rb_bm25_variant_name(rb_bm25_variant v);
/* Check ranges; returns 0 or -1 with err naming the parameter. */
int rb_bm25_params_check(const rb_bm25_params *p, rb_error *err);

/*
 * Where the documents come from while indexing. doc_text is called from
 * several threads at once (each with its own thread number and scratch
 * buffer) and fills up to two segments of document i's text; they are
 * analyzed as if joined by a space. doc_id returns document i's id,
 * stable until the build ends; ids order ties.
 */
typedef struct rb_bm25_source {
    size_t ndocs;
    void *arg;
    int (*doc_text)(void *arg, size_t i, int thread, rb_buf *scratch,
                    const char *seg[2], size_t seglen[2]);
    const char *(*doc_id)(void *arg, size_t i);
} rb_bm25_source;

/* A source over a dataset's title and text. */
void rb_bm25_source_dataset(rb_bm25_source *src, const rb_dataset *ds);

typedef struct rb_bm25_index rb_bm25_index;

typedef struct rb_bm25_build_options {
    int threads;            /* >= 1 */
    int progress;           /* draw a progress bar (on a terminal) */
    /* Fingerprint of the collection; with the analyzer's and the
     * parameters it forms the index key. May be NULL ("" is used). */
    const char *collection_fingerprint;
} rb_bm25_build_options;

/* Build an index of src analyzed by a, scored with p. The result does not
 * depend on the thread count: two builds of the same input are byte-
 * identical. NULL with err set on failure. */
rb_bm25_index *rb_bm25_build(const rb_bm25_source *src,
                             const rb_analyzer *a, const rb_bm25_params *p,
                             const rb_bm25_build_options *opt, rb_error *err);
void rb_bm25_free(rb_bm25_index *ix);

/* The key an index of this collection, analyzer and parameters is saved
 * under (64 hex digits). Returns 0, or -1 when memory runs out. */
int rb_bm25_key(const char *collection_fingerprint, const rb_analyzer *a,
                const rb_bm25_params *p, char key[65]);
/* The key of an existing index. */
const char *rb_bm25_index_key(const rb_bm25_index *ix);

/* Save the index to path atomically (the file is the in-memory image). */
int rb_bm25_save(const rb_bm25_index *ix, const char *path, rb_error *err);
/* Memory-map an index saved by rb_bm25_save. The file is checked for
 * consistency (sizes, offsets, bounds); it must carry key `key` and
 * cover ndocs documents. Returns NULL with err set when the file is
 * absent, stale or damaged; *absent (may be NULL) is set to 1 when it
 * simply does not exist. */
rb_bm25_index *rb_bm25_load(const char *path, const char *key,
                            size_t ndocs, int *absent, rb_error *err);

/* Statistics. */
typedef struct rb_bm25_stats {
    size_t ndocs, nterms, npostings, nblocks;
    size_t bytes;           /* size of the index image */
    size_t postings_bytes;  /* compressed document and frequency data */
    double avgdl;
    int mapped;             /* 1 when memory-mapped from a file */
} rb_bm25_stats;
void rb_bm25_get_stats(const rb_bm25_index *ix, rb_bm25_stats *st);
const rb_bm25_params *rb_bm25_get_params(const rb_bm25_index *ix);

/* Document frequency of an analyzed term (0 when absent). */
size_t rb_bm25_term_df(const rb_bm25_index *ix, const char *term);

/* One search result. */
typedef struct rb_bm25_hit {
    uint32_t doc;       /* document index */
    double score;
} rb_bm25_hit;

/* Per-thread search state: the analysis, cursors and heap. */
typedef struct rb_bm25_searcher rb_bm25_searcher;

/* A searcher remembers the stems of up to 16384 distinct query words, so
 * that a word met again is not stemmed again (the results are the same;
 * bm25s's stemmer does the same by default). */
rb_bm25_searcher *rb_bm25_searcher_new(const rb_bm25_index *ix,
                                       const rb_analyzer *a, rb_error *err);
void rb_bm25_searcher_free(rb_bm25_searcher *s);
/* Change how many query words' stems are remembered (0: none, every word
 * is stemmed each time). Returns 0, or -1 when memory runs out. */
int rb_bm25_searcher_cache_stems(rb_bm25_searcher *s, size_t entries);

/* The k best documents for the query text, best first (score
 * descending, ties by document id descending), with MaxScore pruning.
 * *hits points into the searcher and stays valid until its next search.
 * A query without indexed terms gives no hits. *malformed (may be NULL)
 * counts malformed UTF-8 sequences in the query. Returns 0 or -1 with err
 * set (out of memory, damaged index). */
int rb_bm25_search(rb_bm25_searcher *s, const char *query, size_t len,
                   size_t k, const rb_bm25_hit **hits, size_t *nhits,
                   size_t *malformed, rb_error *err);
/* The same ranking by scoring every document that contains a query term
 * and sorting them all: the reference the pruned search is tested
 * against. */
int rb_bm25_search_exhaustive(rb_bm25_searcher *s, const char *query,
                              size_t len, size_t k,
                              const rb_bm25_hit **hits, size_t *nhits,
                              size_t *malformed, rb_error *err);

/* Counters of the last search (how much pruning saved). */
typedef struct rb_bm25_search_stats {
    size_t terms;           /* distinct indexed query terms */
    size_t scored;          /* documents fully or partly scored */
    size_t postings_total;  /* postings of the query's terms */
} rb_bm25_search_stats;
void rb_bm25_searcher_stats(const rb_bm25_searcher *s,
                            rb_bm25_search_stats *st);

#endif
