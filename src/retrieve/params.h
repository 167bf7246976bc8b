#ifndef RB_PARAMS_H
#define RB_PARAMS_H

/*
 * Readers for a retriever's JSON parameters. Each looks up one key and,
 * when it is there and of the right kind, stores its value in *out; an
 * absent key leaves *out as it was, so callers set defaults first. A
 * value of the wrong kind or out of range fails with a message that
 * starts with the reader's head and quotes the key, such as
 * dense: "batch_size" must be a positive integer
 */

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"

typedef struct rb_params {
    const json_t *obj;      /* the parameters object; NULL: none given */
    const char *head;       /* starts each message ("dense:") */
    int null_is_absent;     /* a JSON null keeps the default */
} rb_params;

/* A string; *out borrows from the JSON value. */
int rb_params_string(const rb_params *p, const char *key, const char **out,
                     rb_error *err);

/* true or false, as 1 or 0. */
int rb_params_bool(const rb_params *p, const char *key, int *out,
                   rb_error *err);

/* A number in [lo, hi]; -HUGE_VAL and HUGE_VAL admit any number. */
int rb_params_number(const rb_params *p, const char *key, double lo,
                     double hi, double *out, rb_error *err);

/* An integer in [lo, hi]. */
int rb_params_long(const rb_params *p, const char *key, long lo, long hi,
                   long *out, rb_error *err);

/* An integer of 1 or more. */
int rb_params_size(const rb_params *p, const char *key, size_t *out,
                   rb_error *err);

#endif
