#ifndef RB_WORDCHAR_H
#define RB_WORDCHAR_H

/*
 * The two Unicode properties text analysis needs, from tables generated
 * out of the Unicode Character Database (tools/gen_wordchar_tables.py):
 * whether a code point belongs in a word, and its simple lowercase
 * mapping.
 */

#include <stdint.h>

/* The Unicode version the tables were generated from, e.g. "14.0.0". */
const char *rb_wordchar_unicode_version(void);

/* 1 when cp is a letter, mark or number (general category L*, M* or N*),
 * else 0. Everything else (punctuation, symbols, spaces, controls,
 * unassigned code points, U+FFFD) separates words. */
int rb_wordchar_is_word(uint32_t cp);

/* The simple lowercase mapping of cp (UnicodeData.txt field 13: one code
 * point to one code point, no context), or cp itself when it has none. */
uint32_t rb_wordchar_lower(uint32_t cp);

#endif
