#ifndef RB_LOG_H
#define RB_LOG_H

/*
 * Levelled logging to stderr. Results never go through here: they go to
 * stdout or to output files. -q lowers the level to warnings, -v and -vv
 * raise it to debug and trace.
 */

enum rb_log_level {
    RB_LOG_ERROR = 0,
    RB_LOG_WARN = 1,
    RB_LOG_INFO = 2,
    RB_LOG_DEBUG = 3,
    RB_LOG_TRACE = 4
};

void rb_log_set_level(enum rb_log_level level);
enum rb_log_level rb_log_get_level(void);

/* Print "rankbench: MESSAGE" (warnings and errors get a tag) when level
 * is enabled. */
void rb_log(enum rb_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define rb_warn(...) rb_log(RB_LOG_WARN, __VA_ARGS__)
#define rb_info(...) rb_log(RB_LOG_INFO, __VA_ARGS__)
#define rb_debug(...) rb_log(RB_LOG_DEBUG, __VA_ARGS__)

#endif
