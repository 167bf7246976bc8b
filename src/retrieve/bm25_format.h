#ifndef RB_BM25_FORMAT_H
#define RB_BM25_FORMAT_H

/*
 * The BM25 index image, shared by the builder, the loader and the search.
 * The same bytes live in memory after a build and in the file a save
 * writes, so loading is an mmap plus checks. All numbers are in the host's
 * byte order, which the header records; sections are 8-byte aligned.
 *
 *   header
 *   doc_len    uint32[ndocs]     analyzed length (terms after stop words)
 *   doc_rank   uint32[ndocs]     position of the id in byte order
 *   doc_norm   double[ndocs]     per-document length normalisation
 *   terms      bm25_term[nterms] sorted by term bytes
 *   str_off    uint64[nterms+1]  term i is strs[str_off[i] .. +len], NUL
 *   strs       bytes
 *   hash       uint32[hash_size] term ids by hash, UINT32_MAX = empty
 *   blocks     bm25_block[nblocks]
 *   data       bytes, 8 bytes of zero padding at the end
 *
 * Postings of a term are split into blocks of up to 128 documents. A block
 * stores its documents as gaps minus one (the first relative to the
 * previous block's last document), then each posting's score
 * contribution (its "impact", in fixed point) minus the block's smallest,
 * each bit-packed at the narrowest width that holds the block's largest
 * value. Storing impacts rather than frequencies makes scoring at query
 * time an addition; it is why the parameters are part of the index key.
 */

#include <stdint.h>
#include <string.h>

#include "retrieve/bm25.h"

#define BM25_MAGIC "RBBM25IX"
#define BM25_FORMAT_VERSION 1u
#define BM25_BYTE_ORDER 0x01020304u
#define BM25_BLOCK 128
#define BM25_PAD 8
/* Fixed-point scale of contributions: 2^32 units per score point. */
#define BM25_SCALE 4294967296.0

typedef struct bm25_header {
    char magic[8];
    uint32_t version;
    uint32_t byte_order;
    char key[72];           /* 64 hex digits, NUL padded */
    uint64_t ndocs, nterms, npostings, nblocks;
    uint64_t total_len;
    double avgdl;
    uint32_t variant, pad0;
    double k1, b, delta;
    uint64_t hash_size;     /* power of two */
    /* section offsets from the start of the image */
    uint64_t off_doc_len, off_doc_rank, off_doc_norm, off_terms;
    uint64_t off_str_off, off_strs, off_hash, off_blocks, off_data;
    uint64_t strs_size, data_size;
    uint64_t image_size;
} bm25_header;

typedef struct bm25_term {
    uint64_t first_block;
    uint32_t nblocks;
    uint32_t df;
    double idf;
    int64_t max_impact;     /* largest contribution of one occurrence */
} bm25_term;

typedef struct bm25_block {
    uint64_t data_off;      /* from the start of the data section */
    int64_t max_impact;
    int64_t min_impact;
    uint32_t last_doc;
    uint16_t count;         /* 1 .. 128 */
    uint8_t doc_bits;       /* 0 .. 32 */
    uint8_t imp_bits;       /* 0 .. 56 */
} bm25_block;

struct rb_bm25_index {
    unsigned char *image;   /* malloc'd, or NULL when mapped */
    const unsigned char *base;
    size_t size;
    int mapped;
    const bm25_header *hdr;
    const uint32_t *doc_len, *doc_rank;
    const double *doc_norm;
    const bm25_term *terms;
    const uint64_t *str_off;
    const char *strs;
    const uint32_t *hash;
    const bm25_block *blocks;
    const unsigned char *data;
    rb_bm25_params params;
};

/* Bytes a block's packed data takes. */
static inline uint64_t bm25_block_bytes(unsigned count, unsigned doc_bits,
                                        unsigned imp_bits)
{
    return ((uint64_t)count * doc_bits + 7) / 8 +
           ((uint64_t)count * imp_bits + 7) / 8;
}

/* The per-document normalisation stored in doc_norm: K = k1 (1 - b +
 * b dl / avgdl) for most variants, and the divisor (1 - b + b dl / avgdl)
 * of BM25L's c = tf / divisor. */
static inline double bm25_doc_norm(const rb_bm25_params *p, double dl,
                                   double avgdl)
{
    double ratio = avgdl > 0 ? dl / avgdl : 1.0;
    double l = 1.0 - p->b + p->b * ratio;

    return p->variant == RB_BM25_BM25L ? l : p->k1 * l;
}

/* Inverse document frequency of a term in n of N documents. */
double bm25_idf(const rb_bm25_params *p, double n, double N);

/* Contribution of one occurrence of a term (query frequency 1) with
 * frequency tf in a document with normalisation norm, in fixed point. The
 * one function every path uses, so that equal inputs give equal bits. */
static inline int64_t bm25_impact(const rb_bm25_params *p, double idf,
                                  uint32_t tf, double norm)
{
    double f = (double)tf, w;

    switch (p->variant) {
    case RB_BM25_LUCENE:
        w = idf * (f / (f + norm));
        break;
    case RB_BM25_BM25L: {
        double c = f / norm + p->delta;

        w = idf * ((p->k1 + 1.0) * c / (p->k1 + c));
        break;
    }
    case RB_BM25_PLUS:
        w = idf * ((p->k1 + 1.0) * f / (f + norm) + p->delta);
        break;
    default:    /* robertson, atire */
        w = idf * ((p->k1 + 1.0) * f / (f + norm));
        break;
    }
    return (int64_t)(w * BM25_SCALE + 0.5);
}

/* Unpack count values of width bits (at most 32) from src, little-endian
 * bit order; src must have 8 readable bytes past the packed data. */
static inline void bm25_unpack32(const unsigned char *src, unsigned count,
                                 unsigned bits, uint32_t *out)
{
    uint64_t mask = (1ull << bits) - 1, pos = 0;
    unsigned i;

    for (i = 0; i < count; i++, pos += bits) {
        uint64_t word;

        memcpy(&word, src + (pos >> 3), 8);
        out[i] = (uint32_t)((word >> (pos & 7)) & mask);
    }
}

/* The same for widths up to 56 bits, adding base to each value and
 * multiplying by scale. */
static inline void bm25_unpack64(const unsigned char *src, unsigned count,
                                 unsigned bits, int64_t base, int64_t scale,
                                 int64_t *out)
{
    uint64_t mask = (1ull << bits) - 1, pos = 0;
    unsigned i;

    for (i = 0; i < count; i++, pos += bits) {
        uint64_t word;

        memcpy(&word, src + (pos >> 3), 8);
        out[i] = (base + (int64_t)((word >> (pos & 7)) & mask)) * scale;
    }
}

/* Term id of term[0..n), or UINT32_MAX. */
uint32_t bm25_find_term(const rb_bm25_index *ix, const char *term,
                        size_t n);

#endif
