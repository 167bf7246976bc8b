#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>

static enum rb_log_level current_level = RB_LOG_INFO;

void rb_log_set_level(enum rb_log_level level)
{
    current_level = level;
}

enum rb_log_level rb_log_get_level(void)
{
    return current_level;
}

void rb_log(enum rb_log_level level, const char *fmt, ...)
{
    va_list ap;

    if (level > current_level)
        return;
    fputs("rankbench: ", stderr);
    if (level == RB_LOG_ERROR)
        fputs("error: ", stderr);
    else if (level == RB_LOG_WARN)
        fputs("warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
