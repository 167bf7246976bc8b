#include "base/error.h"

#include <stdio.h>
#include <string.h>

void rb_error_clear(rb_error *err)
{
    if (err) {
        err->msg[0] = '\0';
        err->set = 0;
    }
}

int rb_error_setv(rb_error *err, const char *fmt, va_list ap)
{
    if (!err || err->set)
        return -1;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    err->set = 1;
    return -1;
}

int rb_error_set(rb_error *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    rb_error_setv(err, fmt, ap);
    va_end(ap);
    return -1;
}

int rb_error_oom(rb_error *err)
{
    return rb_error_set(err, "out of memory");
}

void rb_error_prefix(rb_error *err, const char *fmt, ...)
{
    char out[RB_ERROR_MAX];
    size_t n, rest;
    va_list ap;
    int len;

    if (!err || !err->set)
        return;
    va_start(ap, fmt);
    len = vsnprintf(out, sizeof out - 2, fmt, ap);
    va_end(ap);
    n = len < 0 ? 0 : (size_t)len;
    if (n > sizeof out - 3)
        n = sizeof out - 3;
    out[n++] = ':';
    out[n++] = ' ';
    rest = strlen(err->msg);
    if (rest > sizeof out - 1 - n)
        rest = sizeof out - 1 - n;
    memcpy(out + n, err->msg, rest);
    out[n + rest] = '\0';
    memcpy(err->msg, out, sizeof out);
}
