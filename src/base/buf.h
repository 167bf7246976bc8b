#ifndef RB_BUF_H
#define RB_BUF_H

/* A growable byte buffer, always NUL-terminated after its contents. */

#include <stddef.h>

typedef struct rb_buf {
    char *data;
    size_t len;
    size_t cap;
} rb_buf;

#define RB_BUF_INIT {NULL, 0, 0}

/* Append bytes, a string or a formatted string. Return 0, or -1 when memory
 * runs out (the buffer keeps what it had). */
int rb_buf_append(rb_buf *buf, const void *data, size_t len);
int rb_buf_puts(rb_buf *buf, const char *s);
int rb_buf_putc(rb_buf *buf, char c);
int rb_buf_printf(rb_buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Make room for `extra` more bytes without changing len. */
int rb_buf_reserve(rb_buf *buf, size_t extra);
void rb_buf_reset(rb_buf *buf);
void rb_buf_release(rb_buf *buf);
/* Hand the contents to the caller (who frees them with rb_free) and leave
 * the buffer empty. Returns an empty string for an empty buffer. */
char *rb_buf_detach(rb_buf *buf);

#endif
