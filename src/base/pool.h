#ifndef RB_POOL_H
#define RB_POOL_H

/*
 * Data-parallel loops over a fixed number of threads. Work is split into
 * contiguous chunks handed out in order, so results that are written by
 * index do not depend on the thread count.
 */

#include <stddef.h>

/* Number of threads to use when the user asked for `requested` (0 = all
 * cores). */
int rb_threads_resolve(int requested);

/* Call fn(ctx, begin, end, thread) over [0, n) in chunks of `chunk` items
 * on nthreads threads (the caller's thread is one of them). fn returns 0 or
 * -1; the first failure stops further chunks and is returned. */
typedef int (*rb_range_fn)(void *ctx, size_t begin, size_t end, int thread);
int rb_parallel_for(size_t n, size_t chunk, int nthreads, rb_range_fn fn,
                    void *ctx);

#endif
