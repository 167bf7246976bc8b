#ifndef RB_MEM_H
#define RB_MEM_H

/*
 * Allocation wrappers. Every allocation in the library goes through these
 * so that a test mode can make the n-th allocation fail (set the
 * environment variable RB_FAIL_ALLOC=n, or call rb_mem_fail_after) and
 * prove that each failure ends in a clean error. They return NULL on
 * failure like the libc functions; callers must check.
 */

#include <stddef.h>

void *rb_malloc(size_t size);
void *rb_calloc(size_t count, size_t size);
void *rb_realloc(void *ptr, size_t size);
/* Grow an array to hold at least `need` items of `size` bytes, doubling;
 * updates *cap. Returns the new pointer or NULL (old block kept). */
void *rb_grow(void *ptr, size_t *cap, size_t need, size_t size);
char *rb_strdup(const char *s);
char *rb_strndup(const char *s, size_t n);
void rb_free(void *ptr);

/* Make allocation number n (1-based, counted from now) and every one after
 * it fail; n = 0 switches failure injection off. */
void rb_mem_fail_after(long n);
/* Number of allocations made since the counter was last reset. */
long rb_mem_count(void);
/* Number of allocations that have failed, injected or real, since the
 * process started. A parser that hands its allocations to rb_malloc
 * (jansson does, once main installs rb_malloc with json_set_alloc_funcs)
 * reports a failure as bad input; a change in this count across the call
 * tells the caller that memory ran out instead. */
long rb_mem_failures(void);

#endif
