#include "base/intern.h"

#include <string.h>

#include "base/arena.h"
#include "base/hash.h"
#include "base/mem.h"

typedef struct intern_entry {
    const char *str;
    uint32_t len;
} intern_entry;

struct rb_intern {
    rb_arena arena;
    intern_entry *entries;   /* by id */
    size_t count, cap;
    uint32_t *slots;         /* open addressing: id + 1, 0 = empty */
    uint32_t *slot_hash;     /* low 32 bits of each slot's hash */
    size_t nslots;           /* power of two */
};

rb_intern *rb_intern_new(void)
{
    rb_intern *tab = rb_calloc(1, sizeof *tab);

    if (!tab)
        return NULL;
    tab->nslots = 1024;
    tab->slots = rb_calloc(tab->nslots, sizeof *tab->slots);
    tab->slot_hash = rb_calloc(tab->nslots, sizeof *tab->slot_hash);
    if (!tab->slots || !tab->slot_hash) {
        rb_intern_free(tab);
        return NULL;
    }
    return tab;
}

void rb_intern_free(rb_intern *tab)
{
    if (!tab)
        return;
    rb_arena_release(&tab->arena);
    rb_free(tab->entries);
    rb_free(tab->slots);
    rb_free(tab->slot_hash);
    rb_free(tab);
}

static size_t probe(const rb_intern *tab, const char *s, size_t n,
                    uint32_t h)
{
    size_t mask = tab->nslots - 1, i = h & mask;

    for (;;) {
        uint32_t v = tab->slots[i];

        if (!v)
            return i;
        if (tab->slot_hash[i] == h) {
            const intern_entry *e = &tab->entries[v - 1];

            if (e->len == n && memcmp(e->str, s, n) == 0)
                return i;
        }
        i = (i + 1) & mask;
    }
}

static int rehash(rb_intern *tab)
{
    size_t nslots = tab->nslots * 2, i;
    uint32_t *slots = rb_calloc(nslots, sizeof *slots);
    uint32_t *hashes = rb_calloc(nslots, sizeof *hashes);

    if (!slots || !hashes) {
        rb_free(slots);
        rb_free(hashes);
        return -1;
    }
    for (i = 0; i < tab->nslots; i++) {
        uint32_t v = tab->slots[i], h = tab->slot_hash[i];
        size_t j;

        if (!v)
            continue;
        j = h & (nslots - 1);
        while (slots[j])
            j = (j + 1) & (nslots - 1);
        slots[j] = v;
        hashes[j] = h;
    }
    rb_free(tab->slots);
    rb_free(tab->slot_hash);
    tab->slots = slots;
    tab->slot_hash = hashes;
    tab->nslots = nslots;
    return 0;
}

uint32_t rb_intern_find(const rb_intern *tab, const char *s, size_t n)
{
    uint32_t h = (uint32_t)rb_hash64(s, n);
    size_t i = probe(tab, s, n, h);

    return tab->slots[i] ? tab->slots[i] - 1 : RB_INTERN_NONE;
}

uint32_t rb_intern_add(rb_intern *tab, const char *s, size_t n, int *added)
{
    uint32_t h = (uint32_t)rb_hash64(s, n);
    size_t i = probe(tab, s, n, h);
    intern_entry *entries;
    char *copy;

    if (added)
        *added = 0;
    if (tab->slots[i])
        return tab->slots[i] - 1;
    if (tab->count >= UINT32_MAX - 1 || n > UINT32_MAX)
        return RB_INTERN_NONE;
    if ((tab->count + 1) * 2 > tab->nslots) {
        if (rehash(tab) < 0)
            return RB_INTERN_NONE;
        i = probe(tab, s, n, h);
    }
    entries = rb_grow(tab->entries, &tab->cap, tab->count + 1,
                      sizeof *entries);
    if (!entries)
        return RB_INTERN_NONE;
    tab->entries = entries;
    copy = rb_arena_strndup(&tab->arena, s, n);
    if (!copy)
        return RB_INTERN_NONE;
    entries[tab->count].str = copy;
    entries[tab->count].len = (uint32_t)n;
    tab->slots[i] = (uint32_t)tab->count + 1;
    tab->slot_hash[i] = h;
    if (added)
        *added = 1;
    return (uint32_t)tab->count++;
}

const char *rb_intern_str(const rb_intern *tab, uint32_t id)
{
    return tab->entries[id].str;
}

size_t rb_intern_len(const rb_intern *tab, uint32_t id)
{
    return tab->entries[id].len;
}

size_t rb_intern_count(const rb_intern *tab)
{
    return tab->count;
}
