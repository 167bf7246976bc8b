#ifndef RB_UNICODE_H
#define RB_UNICODE_H

/*
 * The Unicode character properties that text analysis and BERT's tokenizer
 * rely on: general-category classes, lowercase mappings, canonical
 * decompositions and combining classes. The data come from Python's
 * unicodedata (the module BERT's reference tokenizer uses), generated into
 * unicode_data.c by tools/gen_unicode_tables.py, so that both agree code
 * point by code point.
 */

#include <stddef.h>
#include <stdint.h>

enum {
    RB_UC_CONTROL = 1,          /* general category C* (also unassigned) */
    RB_UC_PUNCT = 2,            /* general category P* */
    RB_UC_SPACE_SEP = 4,        /* general category Zs */
    RB_UC_MARK_NONSPACING = 8,  /* general category Mn */
    RB_UC_PY_SPACE = 16,        /* Python's str.isspace() */
    RB_UC_WORD = 32             /* general category L*, M* or N* */
};

#define RB_UNICODE_LOWER_MAX 3
#define RB_UNICODE_DECOMP_MAX 4

/* The RB_UC_* flags of code point cp (0 for cp above U+10FFFF). */
unsigned rb_unicode_flags(uint32_t cp);

/* 1 when cp is a letter, mark or number (general category L*, M* or N*),
 * else 0. Everything else (punctuation, symbols, spaces, controls,
 * unassigned code points, U+FFFD) separates words. */
int rb_unicode_is_word(uint32_t cp);

/* The simple lowercase mapping of cp (one code point to one, no context),
 * or cp itself when it has none. */
uint32_t rb_unicode_lower(uint32_t cp);

/* The full lowercase form of cp as Python's str.lower() gives it for the
 * lone character (no final-sigma context): writes 1 to
 * RB_UNICODE_LOWER_MAX code points into out and returns how many. */
size_t rb_unicode_lower_full(uint32_t cp,
                             uint32_t out[RB_UNICODE_LOWER_MAX]);

/* The full canonical decomposition of cp (NFD of the lone character,
 * Hangul syllables included): writes 1 to RB_UNICODE_DECOMP_MAX code points
 * and returns how many; cp itself when it does not decompose. */
size_t rb_unicode_decompose(uint32_t cp, uint32_t out[RB_UNICODE_DECOMP_MAX]);

/* Canonical combining class of cp (0 for starters). */
unsigned rb_unicode_combining_class(uint32_t cp);

/* The Unicode version of the tables, e.g. "14.0.0". */
const char *rb_unicode_version(void);

#endif
