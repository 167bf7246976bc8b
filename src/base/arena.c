#include "base/arena.h"

#include <string.h>

#include "base/mem.h"

#define ARENA_BLOCK_MIN (1u << 20)

struct rb_arena_block {
    rb_arena_block *next;
    size_t size;
    size_t used;
    char data[];
};

void *rb_arena_alloc(rb_arena *arena, size_t size)
{
    rb_arena_block *b = arena->head;
    size_t need = (size + 7) & ~(size_t)7;
    void *p;

    if (!b || b->size - b->used < need) {
        size_t bsize = need > ARENA_BLOCK_MIN ? need : ARENA_BLOCK_MIN;

        b = rb_malloc(sizeof *b + bsize);
        if (!b)
            return NULL;
        b->size = bsize;
        b->used = 0;
        b->next = arena->head;
        arena->head = b;
    }
    p = b->data + b->used;
    b->used += need;
    arena->used_total += need;
    return p;
}

char *rb_arena_strndup(rb_arena *arena, const char *s, size_t n)
{
    char *p = rb_arena_alloc(arena, n + 1);

    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void rb_arena_release(rb_arena *arena)
{
    rb_arena_block *b = arena->head;

    while (b) {
        rb_arena_block *next = b->next;

        rb_free(b);
        b = next;
    }
    arena->head = NULL;
    arena->used_total = 0;
}
