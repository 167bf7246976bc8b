#include "base/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "base/mem.h"

int rb_threads_resolve(int requested)
{
    long n;

    if (requested > 0)
        return requested;
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

typedef struct parallel_job {
    size_t n, chunk;
    atomic_size_t next;
    atomic_int failed;
    rb_range_fn fn;
    void *ctx;
} parallel_job;

typedef struct parallel_arg {
    parallel_job *job;
    int thread;
} parallel_arg;

static void *worker(void *p)
{
    parallel_arg *arg = p;
    parallel_job *job = arg->job;

    while (!atomic_load(&job->failed)) {
        size_t begin = atomic_fetch_add(&job->next, job->chunk), end;

        if (begin >= job->n)
            break;
        end = begin + job->chunk < job->n ? begin + job->chunk : job->n;
        if (job->fn(job->ctx, begin, end, arg->thread) != 0)
            atomic_store(&job->failed, 1);
    }
    return NULL;
}

int rb_parallel_for(size_t n, size_t chunk, int nthreads, rb_range_fn fn,
                    void *ctx)
{
    parallel_job job;
    pthread_t *tids = NULL;
    parallel_arg *args = NULL;
    int i, started = 0;

    if (chunk == 0)
        chunk = 1;
    job.n = n;
    job.chunk = chunk;
    atomic_init(&job.next, 0);
    atomic_init(&job.failed, 0);
    job.fn = fn;
    job.ctx = ctx;
    if (nthreads > 1 && n > chunk) {
        tids = rb_calloc((size_t)nthreads, sizeof *tids);
        args = rb_calloc((size_t)nthreads, sizeof *args);
    }
    if (tids && args) {
        for (i = 1; i < nthreads; i++) {
            args[i].job = &job;
            args[i].thread = i;
            if (pthread_create(&tids[i], NULL, worker, &args[i]) != 0)
                break;
            started = i;
        }
    }
    {
        parallel_arg self = {&job, 0};

        worker(&self);
    }
    for (i = 1; i <= started; i++)
        pthread_join(tids[i], NULL);
    rb_free(tids);
    rb_free(args);
    return atomic_load(&job.failed) ? -1 : 0;
}
