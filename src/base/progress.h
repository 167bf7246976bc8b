#ifndef RB_PROGRESS_H
#define RB_PROGRESS_H

/*
 * A progress bar on stderr with count, rate and time left. It draws only
 * when stderr is a terminal and logging is not quiet; otherwise every call
 * is a no-op, so callers need not check.
 */

#include <stddef.h>

typedef struct rb_progress {
    const char *label;
    size_t total;
    size_t done;
    double start, last_draw;
    int active;
} rb_progress;

void rb_progress_start(rb_progress *p, const char *label, size_t total);
/* Set the number of items done (thread-safe enough for display: call from
 * one thread). */
void rb_progress_update(rb_progress *p, size_t done);
void rb_progress_finish(rb_progress *p);

#endif
