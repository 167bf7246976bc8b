#ifndef RB_ERROR_H
#define RB_ERROR_H

/*
 * Errors travel as a status code plus an rb_error filled by the callee.
 * Library functions return 0 on success and -1 on failure; on failure the
 * rb_error holds a one-line message that names its subject, for example
 * `corpus.jsonl:12: "_id" is missing`. The first error set wins, so a
 * cleanup path cannot overwrite the cause with a consequence.
 */

#include <stdarg.h>
#include <stddef.h>

#define RB_ERROR_MAX 1024

typedef struct rb_error {
    char msg[RB_ERROR_MAX];
    int set;
} rb_error;

/* Clear an error so it can be reused. */
void rb_error_clear(rb_error *err);

/* Record a message (printf format) unless one is already recorded.
 * Always returns -1 so callers can write `return rb_error_set(...)`.
 * err may be NULL, in which case nothing is recorded. */
int rb_error_set(rb_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int rb_error_setv(rb_error *err, const char *fmt, va_list ap);

/* Record "out of memory" (the usual reaction to a NULL allocation). */
int rb_error_oom(rb_error *err);

/* Prefix an already set message with "PREFIX: ". */
void rb_error_prefix(rb_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
