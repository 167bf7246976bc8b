#ifndef RB_ANALYZER_H
#define RB_ANALYZER_H

/*
 * Text analysis for keyword retrieval: UTF-8 word splitting (letters and
 * digits of any script form words; everything else separates them),
 * lowercasing, stop-word removal and Snowball stemming (libstemmer), each
 * step configurable.
 *
 * Words are maximal runs of letters, digits (and other numbers) and
 * combining marks of any script (Unicode general categories L*, N*, M*);
 * everything else separates them. A word longer than 255 bytes is cut
 * into pieces of at most 255 bytes at code point boundaries. Lowercasing
 * applies the simple Unicode lowercase mapping code point by code point.
 * Words shorter than min_length code points are dropped, then stop words
 * (compared with the lowercased word, whether or not the output is
 * lowercased), then the rest are stemmed.
 *
 * An rb_analyzer holds the configuration and is shared read-only between
 * threads; each thread analyzes through its own rb_analysis, which owns the
 * stemmer state and the output buffers.
 */

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"

typedef struct rb_analyzer_config {
    int lowercase;          /* 1 (default) */
    char stopwords[32];     /* "english" (default, the short list the
                             * reference engines use), "english-full"
                             * or "none" */
    char stemmer[32];       /* "english" (default), any libstemmer
                             * language, or "none" */
    int min_length;         /* words shorter than this many code points
                             * are dropped; 2 by default, as in bm25s and
                             * scikit-learn; 1 keeps every word */
} rb_analyzer_config;

/* Defaults: lowercase, english stop words, english Snowball, words of at
 * least two characters. */
void rb_analyzer_config_default(rb_analyzer_config *cfg);
/* Read {"lowercase": bool, "stopwords": str, "stemmer": str,
 * "min_length": int} over the defaults; unknown keys and unknown
 * languages are errors. */
int rb_analyzer_config_from_json(const json_t *obj, rb_analyzer_config *cfg,
                                 rb_error *err);

typedef struct rb_analyzer rb_analyzer;

rb_analyzer *rb_analyzer_new(const rb_analyzer_config *cfg, rb_error *err);
void rb_analyzer_free(rb_analyzer *a);
/* The configuration as JSON for results files (a new reference), or NULL
 * when memory runs out. Besides the three configured steps it names the
 * word splitting rules and the Unicode version of their tables. */
json_t *rb_analyzer_describe(const rb_analyzer *a);
/* The configuration the analyzer was made with. */
const rb_analyzer_config *rb_analyzer_get_config(const rb_analyzer *a);
/* SHA-256 (hex) of everything that decides the analyzer's output: the
 * description, the version of the splitting rules and the stop words
 * themselves. Keys cached indexes. Returns 0, or -1 when memory runs
 * out. */
int rb_analyzer_fingerprint(const rb_analyzer *a, char hex[65]);

/* Per-thread analysis state. */
typedef struct rb_analysis rb_analysis;

rb_analysis *rb_analysis_new(const rb_analyzer *a, rb_error *err);
void rb_analysis_free(rb_analysis *an);

enum {
    RB_ANALYZE_NO_STEM = 1  /* split, lowercase and drop stop words only */
};

/* Remember the stems of up to `entries` distinct words (0: forget and
 * stop remembering), so that indexing a large collection stems each
 * frequent word once. The output is the same with or without. Returns
 * 0, or -1 when memory runs out. */
int rb_analysis_cache_stems(rb_analysis *an, size_t entries);

/* Analyze text[0..len) into terms. On return *terms points to nterms
 * NUL-terminated strings, valid until the next call on an. Malformed UTF-8
 * is replaced by U+FFFD (a separator) and counted in *malformed (may be
 * NULL). Returns 0, or -1 when memory runs out. */
int rb_analyze(rb_analysis *an, const char *text, size_t len, int flags,
               const char *const **terms, size_t *nterms, size_t *malformed);

#endif
