#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"

int rb_buf_reserve(rb_buf *buf, size_t extra)
{
    char *p = rb_grow(buf->data, &buf->cap, buf->len + extra + 1, 1);

    if (!p)
        return -1;
    buf->data = p;
    return 0;
}

int rb_buf_append(rb_buf *buf, const void *data, size_t len)
{
    if (rb_buf_reserve(buf, len) < 0)
        return -1;
    if (len)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return 0;
}

int rb_buf_puts(rb_buf *buf, const char *s)
{
    return rb_buf_append(buf, s, strlen(s));
}

int rb_buf_putc(rb_buf *buf, char c)
{
    return rb_buf_append(buf, &c, 1);
}

int rb_buf_printf(rb_buf *buf, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || rb_buf_reserve(buf, (size_t)n) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
    return 0;
}

void rb_buf_reset(rb_buf *buf)
{
    buf->len = 0;
    if (buf->data)
        buf->data[0] = '\0';
}

void rb_buf_release(rb_buf *buf)
{
    rb_free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

char *rb_buf_detach(rb_buf *buf)
{
    char *p = buf->data;

    if (!p)
        return rb_strdup("");
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return p;
}
