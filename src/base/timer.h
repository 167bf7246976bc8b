#ifndef RB_TIMER_H
#define RB_TIMER_H

#include <time.h>

/* Seconds on a monotonic clock, for measuring durations. */
static inline double rb_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
