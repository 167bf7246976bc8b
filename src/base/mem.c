#include "base/mem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static atomic_long alloc_count;
static atomic_long fail_at = -1;    /* -1: not yet read from environment */
static atomic_long failures;

static int should_fail(void)
{
    long at = atomic_load(&fail_at);
    long n;

    if (at < 0) {
        const char *env = getenv("RB_FAIL_ALLOC");
        at = env ? strtol(env, NULL, 10) : 0;
        atomic_store(&fail_at, at);
    }
    n = atomic_fetch_add(&alloc_count, 1) + 1;
    if (at > 0 && n >= at) {
        atomic_fetch_add(&failures, 1);
        return 1;
    }
    return 0;
}

/* Count a real failure of the C library's allocator. */
static void *counted(void *p)
{
    if (!p)
        atomic_fetch_add(&failures, 1);
    return p;
}

void rb_mem_fail_after(long n)
{
    atomic_store(&alloc_count, 0);
    atomic_store(&fail_at, n);
}

long rb_mem_count(void)
{
    return atomic_load(&alloc_count);
}

long rb_mem_failures(void)
{
    return atomic_load(&failures);
}

void *rb_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    return counted(malloc(size ? size : 1));
}

void *rb_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    return counted(calloc(count ? count : 1, size ? size : 1));
}

void *rb_realloc(void *ptr, size_t size)
{
    if (should_fail())
        return NULL;
    return counted(realloc(ptr, size ? size : 1));
}

void *rb_grow(void *ptr, size_t *cap, size_t need, size_t size)
{
    size_t new_cap = *cap ? *cap : 8;
    void *p;

    if (need <= *cap)
        return ptr;
    while (new_cap < need) {
        if (new_cap > SIZE_MAX / 2)
            return NULL;
        new_cap *= 2;
    }
    if (new_cap > SIZE_MAX / size)
        return NULL;
    p = rb_realloc(ptr, new_cap * size);
    if (p)
        *cap = new_cap;
    return p;
}

char *rb_strndup(const char *s, size_t n)
{
    char *p = rb_malloc(n + 1);

    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *rb_strdup(const char *s)
{
    return rb_strndup(s, strlen(s));
}

void rb_free(void *ptr)
{
    free(ptr);
}
