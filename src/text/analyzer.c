#include "text/analyzer.h"

#include <libstemmer.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "base/hash.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "text/stopwords.h"
#include "text/wordchar.h"

/* Words longer than this many bytes are cut into pieces of at most this
 * size, at code point boundaries, so that a run of letters megabytes long
 * cannot become one giant term. */
#define MAX_WORD_BYTES 255

/* Version of the splitting and normalisation rules, recorded in
 * fingerprints so that a change invalidates cached indexes. */
#define ANALYZER_RULES_VERSION 1

struct rb_analyzer {
    rb_analyzer_config cfg;
    const char *const *stop_list;   /* NULL: no stop words */
    const char **stop_slots;        /* open addressing, power of 2 */
    size_t stop_mask;
    size_t stop_max_len;
    int stem;
};

/* A remembered word: its stem, or that it is dropped as a stop word. */
typedef struct stem_slot {
    uint64_t hash;
    uint32_t off;           /* word, then stem, in the cache's bytes */
    uint16_t word_len;      /* 0: empty slot */
    uint16_t stem_len;      /* STEM_DROPPED for a stop word */
} stem_slot;

#define STEM_DROPPED 0xFFFFu

typedef struct stem_cache {
    stem_slot *slots;       /* NULL: no cache */
    size_t mask, used;
    rb_buf bytes;
} stem_cache;

struct rb_analysis {
    const rb_analyzer *a;
    stem_cache cache;
    struct sb_stemmer *stemmer;
    char word[MAX_WORD_BYTES + 1];  /* word being collected */
    size_t word_len;
    char lower[MAX_WORD_BYTES + 1]; /* its lowercase form (stop test) */
    size_t lower_len;
    size_t word_chars;              /* code points in word */
    int flags;
    rb_buf out;                     /* terms, each NUL-terminated */
    size_t *offsets;                /* start of each term in out */
    size_t nterms, offsets_cap;
    const char **terms;
    size_t terms_cap;
};

void rb_analyzer_config_default(rb_analyzer_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->lowercase = 1;
    strcpy(cfg->stopwords, "english");
    strcpy(cfg->stemmer, "english");
    cfg->min_length = 2;
}

/* Append the names in list, comma separated, to buf (for messages). */
static void list_names(char *buf, size_t size, const char *const *list)
{
    size_t i;

    buf[0] = '\0';
    for (i = 0; list[i]; i++) {
        if (i)
            strncat(buf, ", ", size - strlen(buf) - 1);
        strncat(buf, list[i], size - strlen(buf) - 1);
    }
}

static int stemmer_known(const char *name)
{
    const char **list = sb_stemmer_list();
    size_t i;

    for (i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

static int check_stopwords(const char *name, rb_error *err)
{
    char names[256];

    if (strcmp(name, "none") == 0 || rb_stopwords_find(name))
        return 0;
    list_names(names, sizeof names, rb_stopwords_names());
    return rb_error_set(err, "analyzer: unknown stop-word list \"%s\" "
                        "(available: none, %s)", name, names);
}

static int check_stemmer(const char *name, rb_error *err)
{
    char names[1024];

    if (strcmp(name, "none") == 0 || stemmer_known(name))
        return 0;
    list_names(names, sizeof names, sb_stemmer_list());
    return rb_error_set(err, "analyzer: unknown stemmer \"%s\" "
                        "(available: none, %s)", name, names);
}

/* Copy a JSON string value into a fixed field, checking its size. */
static int copy_name(const char *key, const json_t *value, char *field,
                     size_t size, rb_error *err)
{
    const char *s;

    if (!json_is_string(value))
        return rb_error_set(err, "analyzer: \"%s\" must be a string", key);
    s = json_string_value(value);
    if (strlen(s) >= size)
        return rb_error_set(err, "analyzer: \"%s\" value \"%s\" is too long",
                            key, s);
    strcpy(field, s);
    return 0;
}

int rb_analyzer_config_from_json(const json_t *obj, rb_analyzer_config *cfg,
                                 rb_error *err)
{
    const char *key;
    json_t *value;

    if (!obj)
        return 0;
    if (!json_is_object(obj))
        return rb_error_set(err, "analyzer: configuration must be an object");
    json_object_foreach((json_t *)obj, key, value) {
        if (strcmp(key, "lowercase") == 0) {
            if (!json_is_boolean(value))
                return rb_error_set(err, "analyzer: \"lowercase\" must be "
                                    "true or false");
            cfg->lowercase = json_is_true(value);
        } else if (strcmp(key, "stopwords") == 0) {
            if (copy_name(key, value, cfg->stopwords,
                          sizeof cfg->stopwords, err) < 0)
                return -1;
        } else if (strcmp(key, "min_length") == 0) {
            if (!json_is_integer(value) || json_integer_value(value) < 1 ||
                json_integer_value(value) > MAX_WORD_BYTES)
                return rb_error_set(err, "analyzer: \"min_length\" must be "
                                    "an integer from 1 to %d",
                                    MAX_WORD_BYTES);
            cfg->min_length = (int)json_integer_value(value);
        } else if (strcmp(key, "stemmer") == 0) {
            if (copy_name(key, value, cfg->stemmer, sizeof cfg->stemmer,
                          err) < 0)
                return -1;
        } else {
            return rb_error_set(err, "analyzer: unknown key \"%s\" (known: "
                                "lowercase, stopwords, stemmer, "
                                "min_length)", key);
        }
    }
    if (check_stopwords(cfg->stopwords, err) < 0 ||
        check_stemmer(cfg->stemmer, err) < 0)
        return -1;
    return 0;
}

static size_t stop_slot(const rb_analyzer *a, const char *w, size_t n)
{
    return (size_t)rb_hash64(w, n) & a->stop_mask;
}

/* Build the stop-word hash set (load factor at most 1/4). */
static int stop_set_build(rb_analyzer *a)
{
    size_t count = 0, cap = 16, i;

    for (i = 0; a->stop_list[i]; i++)
        count++;
    while (cap < 4 * count)
        cap *= 2;
    a->stop_slots = rb_calloc(cap, sizeof *a->stop_slots);
    if (!a->stop_slots)
        return -1;
    a->stop_mask = cap - 1;
    for (i = 0; a->stop_list[i]; i++) {
        const char *w = a->stop_list[i];
        size_t n = strlen(w), s = stop_slot(a, w, n);

        while (a->stop_slots[s] && strcmp(a->stop_slots[s], w) != 0)
            s = (s + 1) & a->stop_mask;
        a->stop_slots[s] = w;
        if (n > a->stop_max_len)
            a->stop_max_len = n;
    }
    return 0;
}

static int is_stop(const rb_analyzer *a, const char *w, size_t n)
{
    size_t s;

    if (!a->stop_slots || n > a->stop_max_len)
        return 0;
    for (s = stop_slot(a, w, n); a->stop_slots[s];
         s = (s + 1) & a->stop_mask) {
        const char *cand = a->stop_slots[s];

        if (strncmp(cand, w, n) == 0 && cand[n] == '\0')
            return 1;
    }
    return 0;
}

rb_analyzer *rb_analyzer_new(const rb_analyzer_config *cfg, rb_error *err)
{
    rb_analyzer *a;

    if (check_stopwords(cfg->stopwords, err) < 0 ||
        check_stemmer(cfg->stemmer, err) < 0)
        return NULL;
    if (cfg->min_length < 1 || cfg->min_length > MAX_WORD_BYTES) {
        rb_error_set(err, "analyzer: \"min_length\" must be from 1 to %d",
                     MAX_WORD_BYTES);
        return NULL;
    }
    a = rb_calloc(1, sizeof *a);
    if (!a) {
        rb_error_oom(err);
        return NULL;
    }
    a->cfg = *cfg;
    a->stem = strcmp(cfg->stemmer, "none") != 0;
    if (strcmp(cfg->stopwords, "none") != 0) {
        a->stop_list = rb_stopwords_find(cfg->stopwords);
        if (stop_set_build(a) < 0) {
            rb_analyzer_free(a);
            rb_error_oom(err);
            return NULL;
        }
    }
    return a;
}

void rb_analyzer_free(rb_analyzer *a)
{
    if (!a)
        return;
    rb_free(a->stop_slots);
    rb_free(a);
}

const rb_analyzer_config *rb_analyzer_get_config(const rb_analyzer *a)
{
    return &a->cfg;
}

json_t *rb_analyzer_describe(const rb_analyzer *a)
{
    return json_pack("{s:b, s:s, s:s, s:i, s:s, s:s, s:i}",
                     "lowercase", a->cfg.lowercase,
                     "stopwords", a->cfg.stopwords,
                     "stemmer", a->cfg.stemmer,
                     "min_length", a->cfg.min_length,
                     "tokenizer", "unicode-words",
                     "unicode", rb_wordchar_unicode_version(),
                     "max_word_bytes", MAX_WORD_BYTES);
}

int rb_analyzer_fingerprint(const rb_analyzer *a, char hex[65])
{
    rb_sha256 *sha = rb_sha256_new();
    json_t *desc;
    char *text, rules[32];
    size_t i;

    if (!sha)
        return -1;
    desc = rb_analyzer_describe(a);
    text = desc ? json_dumps(desc, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    json_decref(desc);
    if (!text) {
        rb_sha256_free(sha);
        return -1;
    }
    snprintf(rules, sizeof rules, "analyzer rules %d\n",
             ANALYZER_RULES_VERSION);
    rb_sha256_update(sha, rules, strlen(rules));
    rb_sha256_update(sha, text, strlen(text));
    free(text);
    /* The stop list's words themselves, so editing it changes the key. */
    for (i = 0; a->stop_list && a->stop_list[i]; i++)
        rb_sha256_update(sha, a->stop_list[i], strlen(a->stop_list[i]) + 1);
    rb_sha256_final(sha, hex);
    return 0;
}

rb_analysis *rb_analysis_new(const rb_analyzer *a, rb_error *err)
{
    rb_analysis *an = rb_calloc(1, sizeof *an);

    if (!an) {
        rb_error_oom(err);
        return NULL;
    }
    an->a = a;
    if (a->stem) {
        an->stemmer = sb_stemmer_new(a->cfg.stemmer, "UTF_8");
        if (!an->stemmer) {
            rb_free(an);
            rb_error_set(err, "analyzer: cannot create the \"%s\" stemmer",
                         a->cfg.stemmer);
            return NULL;
        }
    }
    return an;
}

void rb_analysis_free(rb_analysis *an)
{
    if (!an)
        return;
    if (an->stemmer)
        sb_stemmer_delete(an->stemmer);
    rb_free(an->cache.slots);
    rb_buf_release(&an->cache.bytes);
    rb_buf_release(&an->out);
    rb_free(an->offsets);
    rb_free(an->terms);
    rb_free(an);
}

int rb_analysis_cache_stems(rb_analysis *an, size_t entries)
{
    size_t cap = 16;

    rb_free(an->cache.slots);
    rb_buf_release(&an->cache.bytes);
    memset(&an->cache, 0, sizeof an->cache);
    if (entries == 0)
        return 0;
    while (cap < 2 * entries)
        cap *= 2;
    an->cache.slots = rb_calloc(cap, sizeof *an->cache.slots);
    if (!an->cache.slots)
        return -1;
    an->cache.mask = cap - 1;
    return 0;
}

/* Append one finished term to the output. */
static int emit(rb_analysis *an, const char *term, size_t n)
{
    size_t *offs;

    offs = rb_grow(an->offsets, &an->offsets_cap, an->nterms + 1,
                   sizeof *offs);
    if (!offs)
        return -1;
    an->offsets = offs;
    an->offsets[an->nterms++] = an->out.len;
    if (rb_buf_append(&an->out, term, n) < 0 ||
        rb_buf_putc(&an->out, '\0') < 0)
        return -1;
    return 0;
}

/* Finish the word collected so far: drop it when it is a stop word,
 * stem it when asked, and emit it. */
/* Stop-word test and stemming of the collected word, without the cache:
 * emits the stem, or nothing for a stop word. */
static int stem_word(rb_analysis *an, int *dropped)
{
    const rb_analyzer *a = an->a;
    const char *lower = a->cfg.lowercase ? an->word : an->lower;
    size_t lower_len = a->cfg.lowercase ? an->word_len : an->lower_len;
    const sb_symbol *s;

    *dropped = is_stop(a, lower, lower_len);
    if (*dropped)
        return 0;
    if (!an->stemmer || (an->flags & RB_ANALYZE_NO_STEM))
        return emit(an, an->word, an->word_len);
    s = sb_stemmer_stem(an->stemmer, (const sb_symbol *)an->word,
                        (int)an->word_len);
    if (!s)
        return -1;
    return emit(an, (const char *)s, (size_t)sb_stemmer_length(an->stemmer));
}

/* The same through the cache: a word seen before is not stemmed again.
 * The cache is emptied when half full, so memory stays bounded. */
static int stem_word_cached(rb_analysis *an)
{
    stem_cache *c = &an->cache;
    uint64_t h = rb_hash64(an->word, an->word_len);
    size_t slot = (size_t)h & c->mask, before;
    stem_slot *e;
    int dropped;

    for (; c->slots[slot].word_len; slot = (slot + 1) & c->mask) {
        e = &c->slots[slot];
        if (e->hash == h && e->word_len == an->word_len &&
            memcmp(c->bytes.data + e->off, an->word, an->word_len) == 0) {
            if (e->stem_len == STEM_DROPPED)
                return 0;
            return emit(an, c->bytes.data + e->off + e->word_len,
                        e->stem_len);
        }
    }
    before = an->out.len;
    if (stem_word(an, &dropped) < 0)
        return -1;
    if (2 * (c->used + 1) > c->mask + 1 || c->bytes.len > (1u << 30)) {
        memset(c->slots, 0, (c->mask + 1) * sizeof *c->slots);
        c->used = 0;
        rb_buf_reset(&c->bytes);
        for (slot = (size_t)h & c->mask; c->slots[slot].word_len;
             slot = (slot + 1) & c->mask)
            ;
    }
    e = &c->slots[slot];
    e->off = (uint32_t)c->bytes.len;
    if (rb_buf_append(&c->bytes, an->word, an->word_len) < 0)
        return -1;
    if (dropped) {
        e->stem_len = STEM_DROPPED;
    } else {
        size_t stem_len = an->out.len - before - 1;

        if (rb_buf_append(&c->bytes, an->out.data + before, stem_len) < 0)
            return -1;
        e->stem_len = (uint16_t)stem_len;
    }
    e->hash = h;
    e->word_len = (uint16_t)an->word_len;
    c->used++;
    return 0;
}

/* Finish the word collected so far: drop it when it is too short or a
 * stop word, stem it when asked, and emit it. */
static int flush_word(rb_analysis *an)
{
    int rc = 0, dropped;

    if (an->word_len == 0)
        return 0;
    if (an->word_chars >= (size_t)an->a->cfg.min_length) {
        if (an->cache.slots && an->stemmer &&
            !(an->flags & RB_ANALYZE_NO_STEM))
            rc = stem_word_cached(an);
        else
            rc = stem_word(an, &dropped);
    }
    an->word_len = 0;
    an->lower_len = 0;
    an->word_chars = 0;
    return rc;
}

/* Add one code point of a word (its UTF-8 bytes are src[0..n)). */
static int add_to_word(rb_analysis *an, uint32_t cp, const char *src,
                       size_t n)
{
    char low[4];
    size_t low_n;
    uint32_t lcp = rb_wordchar_lower(cp);

    low_n = lcp == cp ? n : rb_utf8_encode(lcp, low);
    if (an->a->cfg.lowercase ? an->word_len + low_n > MAX_WORD_BYTES
        : (an->word_len + n > MAX_WORD_BYTES ||
           an->lower_len + low_n > MAX_WORD_BYTES)) {
        if (flush_word(an) < 0)
            return -1;
    }
    if (an->a->cfg.lowercase) {
        memcpy(an->word + an->word_len, lcp == cp ? src : low, low_n);
        an->word_len += low_n;
    } else {
        memcpy(an->word + an->word_len, src, n);
        an->word_len += n;
        memcpy(an->lower + an->lower_len, lcp == cp ? src : low, low_n);
        an->lower_len += low_n;
    }
    an->word_chars++;
    return 0;
}

/* ASCII letters and digits. */
static const unsigned char ascii_word[128] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

int rb_analyze(rb_analysis *an, const char *text, size_t len, int flags,
               const char *const **terms, size_t *nterms, size_t *malformed)
{
    size_t i = 0, bad_count = 0, t;

    an->flags = flags;
    an->nterms = 0;
    an->word_len = 0;
    an->lower_len = 0;
    an->word_chars = 0;
    rb_buf_reset(&an->out);
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        uint32_t cp;
        size_t n;
        int bad;

        if (c < 0x80) {
            /* ASCII: the common case, without table lookups. */
            if (!ascii_word[c]) {
                if (flush_word(an) < 0)
                    return -1;
            } else if (an->a->cfg.lowercase &&
                       an->word_len < MAX_WORD_BYTES) {
                an->word[an->word_len++] =
                    (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
                an->word_chars++;
            } else if (add_to_word(an, c, text + i, 1) < 0) {
                return -1;
            }
            i++;
            continue;
        }
        n = rb_utf8_decode(text + i, len - i, &cp, &bad);
        if (bad)
            bad_count++;
        if (!bad && rb_wordchar_is_word(cp)) {
            if (add_to_word(an, cp, text + i, n) < 0)
                return -1;
        } else if (flush_word(an) < 0) {
            return -1;
        }
        i += n;
    }
    if (flush_word(an) < 0)
        return -1;

    /* Offsets become pointers only now: the buffer may have moved. */
    if (an->nterms > an->terms_cap) {
        const char **p = rb_realloc(an->terms, an->nterms * sizeof *p);

        if (!p)
            return -1;
        an->terms = p;
        an->terms_cap = an->nterms;
    }
    for (t = 0; t < an->nterms; t++)
        an->terms[t] = an->out.data + an->offsets[t];
    *terms = an->terms;
    *nterms = an->nterms;
    if (malformed)
        *malformed = bad_count;
    return 0;
}
