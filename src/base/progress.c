#include "base/progress.h"

#include <stdio.h>
#include <unistd.h>

#include "base/log.h"
#include "base/timer.h"

void rb_progress_start(rb_progress *p, const char *label, size_t total)
{
    p->label = label;
    p->total = total;
    p->done = 0;
    p->start = rb_now();
    p->last_draw = 0;
    p->active = isatty(STDERR_FILENO) && rb_log_get_level() >= RB_LOG_INFO;
}

static void draw(rb_progress *p, double now)
{
    double elapsed = now - p->start;
    double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
    double frac = p->total ? (double)p->done / (double)p->total : 1;
    double left = rate > 0 ? (double)(p->total - p->done) / rate : 0;
    int width = 30, filled = (int)(frac * width), i;

    fprintf(stderr, "\r%-12s [", p->label);
    for (i = 0; i < width; i++)
        fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %zu/%zu %.0f/s %.0fs left ", p->done, p->total,
            rate, left);
    fflush(stderr);
}

void rb_progress_update(rb_progress *p, size_t done)
{
    double now;

    if (!p->active)
        return;
    p->done = done > p->total ? p->total : done;
    now = rb_now();
    if (now - p->last_draw < 0.1)
        return;
    p->last_draw = now;
    draw(p, now);
}

void rb_progress_finish(rb_progress *p)
{
    if (!p->active)
        return;
    p->done = p->total;
    draw(p, rb_now());
    fputc('\n', stderr);
    p->active = 0;
}
