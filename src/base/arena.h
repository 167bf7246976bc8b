#ifndef RB_ARENA_H
#define RB_ARENA_H

/*
 * A bump allocator for many small objects that die together (document
 * texts, ids). Memory is returned all at once by rb_arena_release.
 */

#include <stddef.h>

typedef struct rb_arena_block rb_arena_block;

typedef struct rb_arena {
    rb_arena_block *head;
    size_t used_total;
} rb_arena;

#define RB_ARENA_INIT {NULL, 0}

/* Allocate `size` bytes aligned to 8; NULL when memory runs out. */
void *rb_arena_alloc(rb_arena *arena, size_t size);
/* Copy n bytes and add a NUL; NULL when memory runs out. */
char *rb_arena_strndup(rb_arena *arena, const char *s, size_t n);
void rb_arena_release(rb_arena *arena);

#endif
