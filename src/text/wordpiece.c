#include "text/wordpiece.h"

#include <stdio.h>
#include <string.h>

#include "base/fileio.h"
#include "base/intern.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "text/unicode.h"

#define NSPECIALS 5

typedef struct special_token {
    const char *str;
    size_t len;
    int32_t id;
} special_token;

struct rb_wordpiece {
    rb_wordpiece_options opt;
    int strip;                /* strip_accents resolved */
    rb_intern *strings;       /* distinct tokens */
    int32_t *id_of_string;    /* by intern id: the token's id */
    uint32_t *string_of_id;   /* by id: intern id */
    size_t size;
    size_t max_token_bytes;
    int32_t unk, cls, sep, pad, mask;
    special_token specials[NSPECIALS];
    size_t nspecials;
};

struct rb_wordpiece_scratch {
    uint32_t *cps;            /* cleaned code points of a segment */
    size_t ncps, cps_cap;
    uint32_t *word;           /* one word after lowercasing and NFD */
    size_t nword, word_cap;
    char *bytes;              /* UTF-8 of a word, two bytes of room first */
    size_t bytes_cap;
    size_t *offsets;          /* byte offset of each character */
    size_t offsets_cap;
};

/* Where tokenization appends its ids, and when it stops. */
typedef struct emit_state {
    const rb_wordpiece *wp;
    rb_wordpiece_scratch *s;
    rb_ids *out;
    size_t base, limit;
} emit_state;

void rb_wordpiece_options_default(rb_wordpiece_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->lowercase = 1;
    opt->strip_accents = -1;
    opt->split_cjk = 1;
    opt->basic_tokenize = 1;
    opt->max_word_chars = 100;
    strcpy(opt->unk, "[UNK]");
    strcpy(opt->cls, "[CLS]");
    strcpy(opt->sep, "[SEP]");
    strcpy(opt->pad, "[PAD]");
    strcpy(opt->mask, "[MASK]");
}

void rb_ids_release(rb_ids *ids)
{
    rb_free(ids->v);
    ids->v = NULL;
    ids->n = ids->cap = 0;
}

static int ids_push(rb_ids *ids, int32_t id)
{
    if (ids->n == ids->cap) {
        int32_t *v = rb_grow(ids->v, &ids->cap, ids->n + 1, sizeof *v);

        if (!v)
            return -1;
        ids->v = v;
    }
    ids->v[ids->n++] = id;
    return 0;
}

/* ---- vocabulary ---- */

static int add_token(rb_wordpiece *wp, const char *tok, size_t len,
                     size_t *cap)
{
    uint32_t sid;

    /* Both arrays hold at most one entry per line. */
    if (wp->size == *cap) {
        size_t new_cap = *cap ? 2 * *cap : 1024;
        uint32_t *strs = rb_realloc(wp->string_of_id,
                                    new_cap * sizeof *strs);
        int32_t *ids;

        if (!strs)
            return -1;
        wp->string_of_id = strs;
        ids = rb_realloc(wp->id_of_string, new_cap * sizeof *ids);
        if (!ids)
            return -1;
        wp->id_of_string = ids;
        *cap = new_cap;
    }
    sid = rb_intern_add(wp->strings, tok, len, NULL);
    if (sid == RB_INTERN_NONE)
        return -1;
    wp->string_of_id[wp->size] = sid;
    wp->id_of_string[sid] = (int32_t)wp->size;   /* the last line wins */
    wp->size++;
    if (len > wp->max_token_bytes)
        wp->max_token_bytes = len;
    return 0;
}

static int read_vocab(rb_wordpiece *wp, const char *path, rb_error *err)
{
    rb_lines *lr = rb_lines_open(path, err);
    const char *line;
    size_t len, cap = 0;
    int rc;

    if (!lr)
        return -1;
    while ((rc = rb_lines_next(lr, &line, &len, err)) == 1) {
        if (wp->size >= INT32_MAX) {
            rb_error_set(err, "%s:%ld: too many tokens", path,
                         rb_lines_lineno(lr));
            rc = -1;
            break;
        }
        if (add_token(wp, line, len, &cap) < 0) {
            rb_error_oom(err);
            rc = -1;
            break;
        }
    }
    rb_lines_close(lr);
    if (rc < 0)
        return -1;
    if (wp->size == 0)
        return rb_error_set(err, "%s: the vocabulary is empty", path);
    return 0;
}

static int find_special(rb_wordpiece *wp, const char *path,
                        const char *name, const char *tok, int required,
                        int32_t *id, rb_error *err)
{
    *id = rb_wordpiece_id(wp, tok, strlen(tok));
    if (*id < 0 && required)
        return rb_error_set(err, "%s: the %s token \"%s\" is not in the "
                            "vocabulary", path, name, tok);
    if (*id >= 0) {
        special_token *sp = &wp->specials[wp->nspecials++];

        sp->str = tok;
        sp->len = strlen(tok);
        sp->id = *id;
    }
    return 0;
}

rb_wordpiece *rb_wordpiece_load(const char *vocab_path,
                                const rb_wordpiece_options *opt,
                                rb_error *err)
{
    rb_wordpiece *wp = rb_calloc(1, sizeof *wp);

    if (!wp) {
        rb_error_oom(err);
        return NULL;
    }
    wp->opt = *opt;
    wp->strip = opt->strip_accents < 0 ? opt->lowercase
                                       : opt->strip_accents;
    if (wp->opt.max_word_chars == 0)
        wp->opt.max_word_chars = 100;
    wp->strings = rb_intern_new();
    if (!wp->strings) {
        rb_error_oom(err);
        goto fail;
    }
    if (read_vocab(wp, vocab_path, err) < 0)
        goto fail;
    if (find_special(wp, vocab_path, "unknown", wp->opt.unk, 1, &wp->unk,
                     err) < 0 ||
        find_special(wp, vocab_path, "classifier", wp->opt.cls, 1, &wp->cls,
                     err) < 0 ||
        find_special(wp, vocab_path, "separator", wp->opt.sep, 1, &wp->sep,
                     err) < 0 ||
        find_special(wp, vocab_path, "padding", wp->opt.pad, 1, &wp->pad,
                     err) < 0 ||
        find_special(wp, vocab_path, "mask", wp->opt.mask, 0, &wp->mask,
                     err) < 0)
        goto fail;
    return wp;

fail:
    rb_wordpiece_free(wp);
    return NULL;
}

void rb_wordpiece_free(rb_wordpiece *wp)
{
    if (!wp)
        return;
    rb_intern_free(wp->strings);
    rb_free(wp->id_of_string);
    rb_free(wp->string_of_id);
    rb_free(wp);
}

const rb_wordpiece_options *rb_wordpiece_get_options(const rb_wordpiece *wp)
{
    return &wp->opt;
}

size_t rb_wordpiece_vocab_size(const rb_wordpiece *wp)
{
    return wp->size;
}

int32_t rb_wordpiece_id(const rb_wordpiece *wp, const char *token,
                        size_t len)
{
    uint32_t sid = rb_intern_find(wp->strings, token, len);

    return sid == RB_INTERN_NONE ? -1 : wp->id_of_string[sid];
}

const char *rb_wordpiece_token(const rb_wordpiece *wp, int32_t id)
{
    if (id < 0 || (size_t)id >= wp->size)
        return NULL;
    return rb_intern_str(wp->strings, wp->string_of_id[id]);
}

int32_t rb_wordpiece_cls_id(const rb_wordpiece *wp) { return wp->cls; }
int32_t rb_wordpiece_sep_id(const rb_wordpiece *wp) { return wp->sep; }
int32_t rb_wordpiece_pad_id(const rb_wordpiece *wp) { return wp->pad; }
int32_t rb_wordpiece_unk_id(const rb_wordpiece *wp) { return wp->unk; }
int32_t rb_wordpiece_mask_id(const rb_wordpiece *wp) { return wp->mask; }

/* ---- scratch buffers ---- */

rb_wordpiece_scratch *rb_wordpiece_scratch_new(void)
{
    return rb_calloc(1, sizeof(rb_wordpiece_scratch));
}

void rb_wordpiece_scratch_free(rb_wordpiece_scratch *s)
{
    if (!s)
        return;
    rb_free(s->cps);
    rb_free(s->word);
    rb_free(s->bytes);
    rb_free(s->offsets);
    rb_free(s);
}

static int cps_reserve(uint32_t **v, size_t *cap, size_t need)
{
    uint32_t *p;

    if (need <= *cap)
        return 0;
    p = rb_grow(*v, cap, need, sizeof *p);
    if (!p)
        return -1;
    *v = p;
    return 0;
}

/* ---- character classes, as BERT's tokenizer defines them ---- */

static int is_bert_whitespace(uint32_t cp)
{
    if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r')
        return 1;
    return (rb_unicode_flags(cp) & RB_UC_SPACE_SEP) != 0;
}

static int is_bert_control(uint32_t cp)
{
    if (cp == '\t' || cp == '\n' || cp == '\r')
        return 0;
    return (rb_unicode_flags(cp) & RB_UC_CONTROL) != 0;
}

static int is_bert_punctuation(uint32_t cp)
{
    /* Every non-alphanumeric ASCII character counts, symbols such as
     * "$" and "^" included. */
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) ||
        (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
        return 1;
    if (cp < 128)
        return 0;
    return (rb_unicode_flags(cp) & RB_UC_PUNCT) != 0;
}

/* The CJK Unified Ideographs blocks and their extensions and
 * compatibility blocks (not Hiragana, Katakana or Hangul). */
static int is_cjk(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) ||
           (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) ||
           (cp >= 0x2B820 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x2F800 && cp <= 0x2FA1F);
}

static int is_split_space(uint32_t cp)
{
    if (cp == ' ')
        return 1;
    return (rb_unicode_flags(cp) & RB_UC_PY_SPACE) != 0;
}

/* ---- the pipeline ---- */

static int emit(emit_state *st, int32_t id)
{
    if (st->out->n - st->base >= st->limit)
        return 0;
    return ids_push(st->out, id);
}

static int done(const emit_state *st)
{
    return st->out->n - st->base >= st->limit;
}

/* Greedy longest-match-first pieces of word[0..n). */
static int wordpiece_word(emit_state *st, const uint32_t *word, size_t n)
{
    const rb_wordpiece *wp = st->wp;
    rb_wordpiece_scratch *s = st->s;
    size_t i, start = 0, mark = st->out->n, need = 2 + 4 * n;

    if (n == 0)
        return 0;
    if (n > wp->opt.max_word_chars)
        return emit(st, wp->unk);
    if (need > s->bytes_cap) {
        char *b = rb_realloc(s->bytes, need);

        if (!b)
            return -1;
        s->bytes = b;
        s->bytes_cap = need;
    }
    if (n + 1 > s->offsets_cap) {
        size_t *o = rb_grow(s->offsets, &s->offsets_cap, n + 1, sizeof *o);

        if (!o)
            return -1;
        s->offsets = o;
    }
    s->offsets[0] = 2;
    for (i = 0; i < n; i++)
        s->offsets[i + 1] = s->offsets[i] +
                            rb_utf8_encode(word[i], s->bytes +
                                           s->offsets[i]);
    while (start < n) {
        size_t end = n, b0 = s->offsets[start];
        int32_t id = -1;

        /* A continuation piece is looked up as "##" + its text, written
         * over bytes already consumed (or the two bytes of room). */
        if (start > 0) {
            s->bytes[b0 - 2] = '#';
            s->bytes[b0 - 1] = '#';
            b0 -= 2;
        }
        for (; end > start; end--) {
            size_t blen = s->offsets[end] - b0;

            if (blen > wp->max_token_bytes)
                continue;
            id = rb_wordpiece_id(wp, s->bytes + b0, blen);
            if (id >= 0)
                break;
        }
        if (id < 0) {
            /* No piece matches here: the whole word is unknown. */
            st->out->n = mark;
            return emit(st, wp->unk);
        }
        if (emit(st, id) < 0)
            return -1;
        start = end;
    }
    return 0;
}

/* Put each punctuation character of word[0..n) apart, and hand the parts
 * to WordPiece. */
static int split_punctuation(emit_state *st, const uint32_t *word, size_t n)
{
    size_t i = 0, begin = 0;

    for (i = 0; i < n && !done(st); i++) {
        if (!is_bert_punctuation(word[i]))
            continue;
        if (wordpiece_word(st, word + begin, i - begin) < 0 ||
            wordpiece_word(st, word + i, 1) < 0)
            return -1;
        begin = i + 1;
    }
    if (done(st))
        return 0;
    return wordpiece_word(st, word + begin, n - begin);
}

/* Stable sort of each run of non-starters by combining class (the
 * canonical ordering of NFD). */
static void canonical_order(uint32_t *v, size_t n)
{
    size_t i;

    for (i = 1; i < n; i++) {
        uint32_t c = v[i];
        unsigned cc = rb_unicode_combining_class(c);
        size_t j = i;

        if (cc == 0)
            continue;
        while (j > 0) {
            unsigned prev = rb_unicode_combining_class(v[j - 1]);

            if (prev == 0 || prev <= cc)
                break;
            v[j] = v[j - 1];
            j--;
        }
        v[j] = c;
    }
}

/* Lowercase and strip accents of word[0..n) as configured, into
 * s->word. */
static int normalize_word(const rb_wordpiece *wp, rb_wordpiece_scratch *s,
                          const uint32_t *word, size_t n)
{
    size_t i, k, m = 0;

    if (cps_reserve(&s->word, &s->word_cap,
                    n * RB_UNICODE_LOWER_MAX * RB_UNICODE_DECOMP_MAX) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        uint32_t low[RB_UNICODE_LOWER_MAX];
        size_t nlow = 1;

        low[0] = word[i];
        if (wp->opt.lowercase)
            nlow = rb_unicode_lower_full(word[i], low);
        for (k = 0; k < nlow; k++) {
            if (wp->strip)
                m += rb_unicode_decompose(low[k], s->word + m);
            else
                s->word[m++] = low[k];
        }
    }
    if (wp->strip) {
        size_t kept = 0;

        canonical_order(s->word, m);
        for (i = 0; i < m; i++)
            if (!(rb_unicode_flags(s->word[i]) & RB_UC_MARK_NONSPACING))
                s->word[kept++] = s->word[i];
        m = kept;
    }
    s->nword = m;
    return 0;
}

/* Decode text[0..len), applying the basic tokenizer's clean-up (or, with
 * basic tokenization off, only the lowercasing) into s->cps. */
static int decode_segment(const rb_wordpiece *wp, rb_wordpiece_scratch *s,
                          const char *text, size_t len)
{
    size_t i = 0;

    /* Each byte yields at most three code points (a lowercase expansion,
     * or a CJK character with its spaces). */
    s->ncps = 0;
    if (cps_reserve(&s->cps, &s->cps_cap, 3 * len + 1) < 0)
        return -1;
    while (i < len) {
        uint32_t cp;
        int bad;

        i += rb_utf8_decode(text + i, len - i, &cp, &bad);
        if (!wp->opt.basic_tokenize) {
            uint32_t low[RB_UNICODE_LOWER_MAX];
            size_t k, nlow = 1;

            low[0] = cp;
            if (wp->opt.lowercase)
                nlow = rb_unicode_lower_full(cp, low);
            for (k = 0; k < nlow; k++)
                s->cps[s->ncps++] = low[k];
            continue;
        }
        if (cp == 0 || cp == RB_UTF8_REPLACEMENT || is_bert_control(cp))
            continue;
        if (is_bert_whitespace(cp)) {
            s->cps[s->ncps++] = ' ';
        } else if (wp->opt.split_cjk && is_cjk(cp)) {
            s->cps[s->ncps++] = ' ';
            s->cps[s->ncps++] = cp;
            s->cps[s->ncps++] = ' ';
        } else {
            s->cps[s->ncps++] = cp;
        }
    }
    return 0;
}

/* Tokenize a stretch of text that holds no special token. */
static int tokenize_segment(emit_state *st, const char *text, size_t len)
{
    const rb_wordpiece *wp = st->wp;
    rb_wordpiece_scratch *s = st->s;
    size_t i = 0;

    if (decode_segment(wp, s, text, len) < 0)
        return -1;
    while (i < s->ncps && !done(st)) {
        size_t begin;

        while (i < s->ncps && is_split_space(s->cps[i]))
            i++;
        begin = i;
        while (i < s->ncps && !is_split_space(s->cps[i]))
            i++;
        if (i == begin)
            break;
        if (!wp->opt.basic_tokenize) {
            if (wordpiece_word(st, s->cps + begin, i - begin) < 0)
                return -1;
            continue;
        }
        if (normalize_word(wp, s, s->cps + begin, i - begin) < 0 ||
            split_punctuation(st, s->word, s->nword) < 0)
            return -1;
    }
    return 0;
}

/* The leftmost special token at or after text[from], longest first;
 * returns its offset (len when none) and sets *which. */
static size_t next_special(const rb_wordpiece *wp, const char *text,
                           size_t len, size_t from, const special_token **which)
{
    size_t i, k;

    *which = NULL;
    for (i = from; i < len; i++) {
        for (k = 0; k < wp->nspecials; k++) {
            const special_token *sp = &wp->specials[k];

            if (sp->len == 0 || sp->len > len - i ||
                text[i] != sp->str[0] || memcmp(text + i, sp->str,
                                                sp->len) != 0)
                continue;
            if (!*which || sp->len > (*which)->len)
                *which = sp;
        }
        if (*which)
            return i;
    }
    return len;
}

int rb_wordpiece_tokenize(const rb_wordpiece *wp, rb_wordpiece_scratch *s,
                          const char *text, size_t len, size_t limit,
                          rb_ids *out, rb_error *err)
{
    emit_state st;
    size_t pos = 0;

    st.wp = wp;
    st.s = s;
    st.out = out;
    st.base = out->n;
    st.limit = limit;
    while (pos < len && !done(&st)) {
        const special_token *sp;
        size_t at = next_special(wp, text, len, pos, &sp);

        if (tokenize_segment(&st, text + pos, at - pos) < 0)
            return rb_error_oom(err);
        if (!sp)
            break;
        if (emit(&st, sp->id) < 0)
            return rb_error_oom(err);
        pos = at + sp->len;
    }
    return 0;
}

int rb_wordpiece_encode(const rb_wordpiece *wp, rb_wordpiece_scratch *s,
                        const char *text, size_t len, size_t max_length,
                        rb_ids *out, rb_error *err)
{
    if (max_length < 2)
        return rb_error_set(err, "maximum sequence length %zu is below 2",
                            max_length);
    if (ids_push(out, wp->cls) < 0)
        return rb_error_oom(err);
    if (rb_wordpiece_tokenize(wp, s, text, len, max_length - 2, out,
                              err) < 0)
        return -1;
    if (ids_push(out, wp->sep) < 0)
        return rb_error_oom(err);
    return 0;
}
