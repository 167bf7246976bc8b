#ifndef RB_PARSE_H
#define RB_PARSE_H

/* Small strict parsers shared by the readers. */

#include <stddef.h>

/* Parse a whole token as a base-10 int (optional sign). Returns 0, or -1
 * when the token is empty, has other characters or overflows. */
int rb_parse_int(const char *s, size_t n, int *out);

/* Parse a whole token as a finite double. Returns 0 or -1. */
int rb_parse_double(const char *s, size_t n, double *out);

/* Split a line into at most max fields on runs of spaces and tabs; returns
 * the number of fields found (max + 1 when there are more). */
int rb_split_ws(const char *line, size_t len, const char **fields,
                size_t *lens, int max);

#endif
