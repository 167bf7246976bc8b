#ifndef RB_UTF8_H
#define RB_UTF8_H

/* UTF-8 validation and decoding (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF). */

#include <stddef.h>
#include <stdint.h>

#define RB_UTF8_REPLACEMENT 0xFFFDu

/* Offset of the first invalid byte in s[0..n), or n when all is valid. */
size_t rb_utf8_invalid_at(const char *s, size_t n);

/* Decode one code point at s[0..n), n >= 1. Stores the code point (or
 * RB_UTF8_REPLACEMENT for a malformed sequence) and returns the bytes
 * consumed (at least 1, never more than n). *bad is set to 1 for a malformed
 * sequence, else 0. */
size_t rb_utf8_decode(const char *s, size_t n, uint32_t *cp, int *bad);

/* Encode cp into out (4 bytes room); returns the byte count. */
size_t rb_utf8_encode(uint32_t cp, char *out);

#endif
