#ifndef RB_INTERN_H
#define RB_INTERN_H

/*
 * String interning: each distinct string gets a dense id 0, 1, 2, ... in
 * order of first insertion, and its bytes are stored once. Lookups are by
 * hash; ids and string pointers stay valid until rb_intern_free.
 */

#include <stddef.h>
#include <stdint.h>

typedef struct rb_intern rb_intern;

#define RB_INTERN_NONE UINT32_MAX

/* A new, empty table; NULL when memory runs out. */
rb_intern *rb_intern_new(void);
void rb_intern_free(rb_intern *tab);

/* Id of s (length n), adding it when absent. *added (may be NULL) tells
 * which happened. Returns RB_INTERN_NONE when memory runs out. */
uint32_t rb_intern_add(rb_intern *tab, const char *s, size_t n, int *added);
/* Id of s, or RB_INTERN_NONE when absent. */
uint32_t rb_intern_find(const rb_intern *tab, const char *s, size_t n);
/* The string of an id (NUL-terminated) and its length. */
const char *rb_intern_str(const rb_intern *tab, uint32_t id);
size_t rb_intern_len(const rb_intern *tab, uint32_t id);
size_t rb_intern_count(const rb_intern *tab);

#endif
