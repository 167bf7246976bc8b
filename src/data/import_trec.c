#include "data/import_trec.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/intern.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "data/dataset_check.h"
#include "data/fetch.h"
#include "data/parse.h"

/* ---------------------------------------------------------------------- */
/* Text helpers                                                            */

/* Offset of needle in hay[0..n) ignoring ASCII case, or n. */
static size_t ci_find(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle), i;

    for (i = 0; m <= n && i <= n - m; i++)
        if (strncasecmp(hay + i, needle, m) == 0)
            return i;
    return n;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Decode the entity at s[0..n) (s[0] == '&') into out; returns the bytes
 * consumed, or 0 when it is not one we know (the '&' is then literal). */
static size_t decode_entity(const char *s, size_t n, rb_buf *out, int *oom)
{
    static const struct { const char *name, *text; } named[] = {
        {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""},
        {"apos", "'"}, {"nbsp", " "}, {"hyph", "-"}, {"blank", " "},
        {"mdash", "\xE2\x80\x94"}, {"ndash", "\xE2\x80\x93"},
        {"sect", "\xC2\xA7"}, {"times", "\xC3\x97"}, {"deg", "\xC2\xB0"},
    };
    size_t end, i;

    for (end = 1; end < n && end < 12 && s[end] != ';'; end++)
        ;
    if (end >= n || s[end] != ';' || end == 1)
        return 0;
    if (s[1] == '#') {
        unsigned long cp = 0;
        int hex = end > 2 && (s[2] == 'x' || s[2] == 'X');
        char tmp[4];

        for (i = hex ? 3 : 2; i < end; i++) {
            int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0'
                  : hex && s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10
                  : hex && s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10
                  : -1;

            if (d < 0)
                return 0;
            cp = cp * (hex ? 16 : 10) + (unsigned long)d;
            if (cp > 0x10FFFF)
                return 0;
        }
        if (i == (size_t)(hex ? 3 : 2))
            return 0;
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
            cp = RB_UTF8_REPLACEMENT;
        *oom = rb_buf_append(out, tmp, rb_utf8_encode((uint32_t)cp, tmp));
        return end + 1;
    }
    for (i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strlen(named[i].name) == end - 1 &&
            memcmp(named[i].name, s + 1, end - 1) == 0) {
            *oom = rb_buf_puts(out, named[i].text);
            return end + 1;
        }
    return 0;
}

/* Append s[0..n) to out with markup tags removed (when strip_tags),
 * entities decoded and whitespace runs collapsed to one space, trimmed.
 * Returns 0, or -1 when memory runs out. */
static int clean_text(rb_buf *out, const char *s, size_t n, int strip_tags)
{
    size_t i = 0, start = out->len;
    int space = 0, oom = 0;

    while (i < n && !oom) {
        char c = s[i];

        if (strip_tags && c == '<' && i + 1 < n &&
            (s[i + 1] == '/' || s[i + 1] == '!' || s[i + 1] == '?' ||
             (s[i + 1] >= 'A' && s[i + 1] <= 'Z') ||
             (s[i + 1] >= 'a' && s[i + 1] <= 'z'))) {
            const char *gt = memchr(s + i, '>', n - i);

            if (gt) {
                i = (size_t)(gt - s) + 1;
                space = 1;
                continue;
            }
        }
        /* A NUL byte (noise in some old collections) reads as a space:
         * BEIR files cannot hold one. */
        if (is_space(c) || c == '\0') {
            space = 1;
            i++;
            continue;
        }
        if (space && out->len > start)
            oom = rb_buf_putc(out, ' ');
        space = 0;
        if (c == '&') {
            size_t used = decode_entity(s + i, n - i, out, &oom);

            if (used) {
                i += used;
                continue;
            }
        }
        oom = oom || rb_buf_putc(out, c);
        i++;
    }
    return oom ? -1 : 0;
}

/* Append Latin-1 bytes to out as UTF-8. */
static int latin1_to_utf8(rb_buf *out, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char two[2];

        if (c < 0x80) {
            if (rb_buf_putc(out, (char)c) < 0)
                return -1;
            continue;
        }
        two[0] = (char)(0xC0 | (c >> 6));
        two[1] = (char)(0x80 | (c & 0x3F));
        if (rb_buf_append(out, two, 2) < 0)
            return -1;
    }
    return 0;
}

/* Remove a case-insensitive label such as "Number:" from the start. */
static void strip_label(rb_buf *b, const char *label)
{
    size_t n = strlen(label), skip;

    if (b->len < n || strncasecmp(b->data, label, n) != 0)
        return;
    skip = n;
    while (skip < b->len && b->data[skip] == ' ')
        skip++;
    memmove(b->data, b->data + skip, b->len - skip + 1);
    b->len -= skip;
}

static long line_of(const char *data, size_t off)
{
    long line = 1;
    size_t i;

    for (i = 0; i < off; i++)
        line += data[i] == '\n';
    return line;
}

/* ---------------------------------------------------------------------- */
/* Topics                                                                  */

enum { F_ID, F_TITLE, F_DESC, F_NARR, F_COUNT, F_NONE = F_COUNT };

static int field_of_tag(const char *name, size_t n)
{
    static const struct { const char *tag; int field; } tags[] = {
        {"num", F_ID}, {"title", F_TITLE}, {"query", F_TITLE},
        {"desc", F_DESC}, {"description", F_DESC}, {"question", F_DESC},
        {"narr", F_NARR}, {"narrative", F_NARR},
    };
    size_t i;

    for (i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if (strlen(tags[i].tag) == n && strncasecmp(tags[i].tag, name,
                                                    n) == 0)
            return tags[i].field;
    return F_NONE;
}

typedef struct import_ctx {
    const rb_import_trec_options *opt;
    rb_import_trec_summary *sum;
    rb_error *err;
    int fields[F_COUNT];         /* 1 for fields forming query text */
    rb_intern *topic_ids;
    rb_intern *doc_ids;
    rb_atomic_file out;          /* file being written */
    int out_open;
} import_ctx;

/* Split a topic block into its fields: each tag starts the field it
 * names (or one we ignore), which runs to the next tag. */
static int scan_topic(const char *blk, size_t n, rb_buf raw[F_COUNT])
{
    size_t i = 0;
    int cur = F_NONE;

    while (i < n) {
        if (blk[i] == '<') {
            const char *gt = memchr(blk + i, '>', n - i);
            size_t j = i + 1, name;
            int closing = 0;

            if (!gt)
                break;
            if (j < n && blk[j] == '/') {
                closing = 1;
                j++;
            }
            for (name = j; name < (size_t)(gt - blk) &&
                 ((blk[name] >= 'a' && blk[name] <= 'z') ||
                  (blk[name] >= 'A' && blk[name] <= 'Z')); name++)
                ;
            cur = closing ? F_NONE : field_of_tag(blk + j, name - j);
            if (cur != F_NONE && raw[cur].len &&
                rb_buf_putc(&raw[cur], ' ') < 0)
                return -1;
            i = (size_t)(gt - blk) + 1;
            continue;
        }
        if (cur != F_NONE && rb_buf_putc(&raw[cur], blk[i]) < 0)
            return -1;
        i++;
    }
    return 0;
}

/* Write one topic to queries.jsonl. */
static int emit_topic(import_ctx *c, const char *path, long line,
                      const char *id, size_t idn, rb_buf f[F_COUNT])
{
    static const char *const names[F_COUNT] = {NULL, "title",
                                               "description", "narrative"};
    rb_buf text = RB_BUF_INIT;
    json_t *obj = NULL, *meta = NULL;
    char *dump = NULL;
    int k, added, rc = -1;

    if (idn == 0 || rb_utf8_invalid_at(id, idn) < idn)
        return rb_error_set(c->err, "%s:%ld: topic without a valid "
                            "number", path, line);
    for (k = F_TITLE; k < F_COUNT; k++)
        if (rb_utf8_invalid_at(f[k].data ? f[k].data : "", f[k].len) <
            f[k].len)
            return rb_error_set(c->err, "%s:%ld: topic \"%.*s\": invalid "
                                "UTF-8", path, line, (int)idn, id);
    if (rb_intern_add(c->topic_ids, id, idn, &added) == RB_INTERN_NONE)
        return rb_error_oom(c->err);
    if (!added)
        return rb_error_set(c->err, "%s:%ld: topic \"%.*s\" appears "
                            "twice", path, line, (int)idn, id);
    for (k = F_TITLE; k < F_COUNT; k++)
        if (c->fields[k] && f[k].len &&
            ((text.len && rb_buf_putc(&text, ' ') < 0) ||
             rb_buf_append(&text, f[k].data, f[k].len) < 0))
            goto oom;
    meta = json_object();
    for (k = F_TITLE; meta && k < F_COUNT; k++)
        if (f[k].len && json_object_set_new(meta, names[k],
                json_stringn(f[k].data, f[k].len)) < 0)
            goto oom;
    obj = json_pack("{s:s%, s:s%, s:O}", "_id", id, idn, "text",
                    text.data ? text.data : "", text.len, "metadata",
                    meta);
    dump = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    if (!dump)
        goto oom;
    if (fputs(dump, c->out.fp) < 0 || fputc('\n', c->out.fp) < 0) {
        rb_error_set(c->err, "%s: cannot write: %s", c->out.path,
                     strerror(errno));
        goto done;
    }
    c->sum->topics++;
    c->sum->topics_empty += text.len == 0;
    rc = 0;
    goto done;
oom:
    rb_error_oom(c->err);
done:
    free(dump);
    json_decref(obj);
    json_decref(meta);
    rb_buf_release(&text);
    return rc;
}

/* Clean the raw fields of a topic and write it. */
static int finish_topic(import_ctx *c, const char *path, long line,
                        const char *xml_id, size_t xml_idn,
                        rb_buf raw[F_COUNT])
{
    static const char *const labels[F_COUNT] = {"Number:", "Topic:",
                                                "Description:",
                                                "Narrative:"};
    rb_buf f[F_COUNT] = {RB_BUF_INIT, RB_BUF_INIT, RB_BUF_INIT,
                         RB_BUF_INIT};
    int k, rc = 0;

    for (k = 0; k < F_COUNT && rc == 0; k++) {
        rc = clean_text(&f[k], raw[k].data ? raw[k].data : "", raw[k].len,
                        0);
        if (rc == 0 && rb_buf_reserve(&f[k], 0) == 0)
            strip_label(&f[k], labels[k]);
        else
            rc = -1;
    }
    if (rc < 0)
        rb_error_oom(c->err);
    else if (xml_id)
        rc = emit_topic(c, path, line, xml_id, xml_idn, f);
    else
        rc = emit_topic(c, path, line, f[F_ID].data, f[F_ID].len, f);
    for (k = 0; k < F_COUNT; k++)
        rb_buf_release(&f[k]);
    return rc;
}

/* The value of attribute name="..." in a tag, or NULL. */
static const char *tag_attribute(const char *tag, size_t n,
                                 const char *name, size_t *len)
{
    size_t at = ci_find(tag, n, name), m = strlen(name);
    const char *v, *end;
    char quote;

    if (at == n || at + m + 2 > n || tag[at + m] != '=')
        return NULL;
    quote = tag[at + m + 1];
    if (quote != '"' && quote != '\'')
        return NULL;
    v = tag + at + m + 2;
    end = memchr(v, quote, n - (size_t)(v - tag));
    if (!end)
        return NULL;
    while (v < end && is_space(*v))
        v++;
    while (end > v && is_space(end[-1]))
        end--;
    *len = (size_t)(end - v);
    return v;
}

static int parse_tagged_topics(import_ctx *c, const char *path,
                               const char *data, size_t n, int xml)
{
    const char *open = xml ? "<topic" : "<top>";
    const char *close = xml ? "</topic>" : "</top>";
    size_t pos = 0;

    for (;;) {
        rb_buf raw[F_COUNT] = {RB_BUF_INIT, RB_BUF_INIT, RB_BUF_INIT,
                               RB_BUF_INIT};
        size_t at = pos + ci_find(data + pos, n - pos, open), body, end;
        const char *id = NULL;
        size_t idn = 0;
        int k, rc;

        if (at >= n)
            return 0;
        if (xml) {
            const char *gt = memchr(data + at, '>', n - at);

            if (at + 6 < n && !is_space(data[at + 6]) &&
                data[at + 6] != '>') {
                pos = at + 6;   /* <topics> or another tag */
                continue;
            }
            if (!gt)
                return rb_error_set(c->err, "%s:%ld: unterminated "
                                    "<topic> tag", path,
                                    line_of(data, at));
            id = tag_attribute(data + at, (size_t)(gt - data) - at,
                               "number", &idn);
            body = (size_t)(gt - data) + 1;
        } else {
            body = at + strlen(open);
        }
        end = body + ci_find(data + body, n - body, close);
        if (end >= n)
            return rb_error_set(c->err, "%s:%ld: %s without %s", path,
                                line_of(data, at), xml ? "<topic>" : open,
                                close);
        rc = scan_topic(data + body, end - body, raw);
        if (rc < 0)
            rb_error_oom(c->err);
        else if (xml && !id)
            rc = rb_error_set(c->err, "%s:%ld: <topic> without a number "
                              "attribute", path, line_of(data, at));
        else
            rc = finish_topic(c, path, line_of(data, at), id, idn, raw);
        for (k = 0; k < F_COUNT; k++)
            rb_buf_release(&raw[k]);
        if (rc < 0)
            return -1;
        pos = end + strlen(close);
    }
}

/* "qid<TAB>text" lines (or the id, spaces, then the text). */
static int parse_tsv_topics(import_ctx *c, const char *path,
                            const char *data, size_t n)
{
    size_t pos = 0;
    long line = 0;

    while (pos < n) {
        const char *s = data + pos, *nl = memchr(s, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - s) : n - pos, idn = 0;
        rb_buf raw[F_COUNT] = {RB_BUF_INIT, RB_BUF_INIT, RB_BUF_INIT,
                               RB_BUF_INIT};
        int rc = 0, k;

        line++;
        pos += len + 1;
        if (len && s[len - 1] == '\r')
            len--;
        while (idn < len && !is_space(s[idn]))
            idn++;
        if (idn == 0) {
            if (len && strspn(s, " \t") < len)
                return rb_error_set(c->err, "%s:%ld: expected "
                                    "\"qid<TAB>text\"", path, line);
            continue;
        }
        if (rb_buf_append(&raw[F_TITLE], s + idn, len - idn) < 0)
            rc = rb_error_oom(c->err);
        else
            rc = finish_topic(c, path, line, s, idn, raw);
        for (k = 0; k < F_COUNT; k++)
            rb_buf_release(&raw[k]);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int open_output(import_ctx *c, const char *dir, const char *name)
{
    char *path = rb_path_join(dir, name);
    int rc;

    if (!path)
        return rb_error_oom(c->err);
    rc = rb_atomic_open(&c->out, path, c->err);
    rb_free(path);
    c->out_open = rc == 0;
    return rc;
}

static int close_output(import_ctx *c)
{
    c->out_open = 0;
    return rb_atomic_commit(&c->out, c->err);
}

static int import_topics(import_ctx *c, const char *tmp)
{
    const char *path = c->opt->topics;
    const char *nul;
    char *data;
    size_t n;
    int rc;

    if (rb_read_file(path, &data, &n, c->err) < 0)
        return -1;
    nul = memchr(data, '\0', n);
    if (nul) {
        rc = rb_error_set(c->err, "%s:%ld: contains a NUL byte", path,
                          line_of(data, (size_t)(nul - data)));
        rb_free(data);
        return rc;
    }
    if (open_output(c, tmp, "queries.jsonl") < 0) {
        rb_free(data);
        return -1;
    }
    if (ci_find(data, n, "<top>") < n)
        rc = parse_tagged_topics(c, path, data, n, 0);
    else if (ci_find(data, n, "<topic") < n)
        rc = parse_tagged_topics(c, path, data, n, 1);
    else {
        /* One text per topic: it is the query whatever the fields. */
        memset(c->fields, 0, sizeof c->fields);
        c->fields[F_TITLE] = 1;
        rc = parse_tsv_topics(c, path, data, n);
    }
    rb_free(data);
    if (rc == 0 && c->sum->topics == 0)
        rc = rb_error_set(c->err, "%s: no topics found", path);
    if (rc < 0)
        return -1;
    return close_output(c);
}

/* ---------------------------------------------------------------------- */
/* Documents                                                               */

/* Write one document to corpus.jsonl; id, title and text are UTF-8. */
static int emit_doc(import_ctx *c, const char *path, long line,
                    const char *id, size_t idn, const char *title,
                    size_t titlen, const char *text, size_t textn,
                    json_t *metadata)
{
    json_t *obj;
    char *dump;
    int added, rc = 0;

    if (idn == 0)
        return rb_error_set(c->err, "%s:%ld: document without an id",
                            path, line);
    if (rb_intern_add(c->doc_ids, id, idn, &added) == RB_INTERN_NONE)
        return rb_error_oom(c->err);
    if (!added)
        return rb_error_set(c->err, "%s:%ld: document \"%.*s\" appears "
                            "twice", path, line, (int)(idn > 80 ? 80 : idn),
                            id);
    obj = json_pack("{s:s%, s:s%, s:s%}", "_id", id, idn, "title", title,
                    titlen, "text", text, textn);
    if (obj && metadata && json_object_set(obj, "metadata", metadata) < 0)
        rc = -1;
    dump = obj && rc == 0 ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (!dump)
        return rb_error_set(c->err, "%s:%ld: cannot encode document "
                            "\"%.*s\" (invalid UTF-8 or out of memory)",
                            path, line, (int)(idn > 80 ? 80 : idn), id);
    if (fputs(dump, c->out.fp) < 0 || fputc('\n', c->out.fp) < 0)
        rc = rb_error_set(c->err, "%s: cannot write: %s", c->out.path,
                          strerror(errno));
    free(dump);
    c->sum->documents += rc == 0;
    return rc;
}

/* The first string member of obj among keys; integers count as their
 * decimal text. */
static int first_member(json_t *obj, const char *const *keys, char *num,
                        size_t numsize, const char **s, size_t *n)
{
    for (; *keys; keys++) {
        json_t *v = json_object_get(obj, *keys);

        if (json_is_string(v)) {
            *s = json_string_value(v);
            *n = json_string_length(v);
            return 1;
        }
        if (json_is_integer(v)) {
            snprintf(num, numsize, "%lld",
                     (long long)json_integer_value(v));
            *s = num;
            *n = strlen(num);
            return 1;
        }
        if (v && !json_is_null(v))
            return -1;
    }
    *s = "";
    *n = 0;
    return 0;
}

static int import_jsonl_docs(import_ctx *c, const char *path)
{
    static const char *const id_keys[] = {"_id", "id", "docid", "doc_id",
                                          "docno", NULL};
    static const char *const title_keys[] = {"title", NULL};
    static const char *const text_keys[] = {"text", "contents", "body",
                                            "abstract", NULL};
    rb_lines *lr = rb_lines_open(path, c->err);
    const char *line;
    size_t len;
    int rc;

    if (!lr)
        return -1;
    while ((rc = rb_lines_next(lr, &line, &len, c->err)) == 1) {
        long lineno = rb_lines_lineno(lr);
        const char *id, *title, *text;
        size_t idn, titlen, textn;
        char num[32];
        json_error_t jerr;
        json_t *obj;

        if (strspn(line, " \t") >= len)
            continue;
        obj = json_loadb(line, len, 0, &jerr);
        if (!obj || !json_is_object(obj)) {
            rc = rb_error_set(c->err, "%s:%ld: not a JSON object%s%s", path,
                              lineno, obj ? "" : ": ",
                              obj ? "" : jerr.text);
            json_decref(obj);
            break;
        }
        if (first_member(obj, id_keys, num, sizeof num, &id, &idn) <= 0 ||
            first_member(obj, title_keys, NULL, 0, &title, &titlen) < 0 ||
            first_member(obj, text_keys, NULL, 0, &text, &textn) < 0)
            rc = rb_error_set(c->err, "%s:%ld: expected a string id "
                              "(\"_id\" or \"id\") and string \"title\" "
                              "and \"text\" (or \"contents\")", path,
                              lineno);
        else
            rc = emit_doc(c, path, lineno, id, idn, title, titlen, text,
                          textn, json_object_get(obj, "metadata"));
        json_decref(obj);
        if (rc < 0)
            break;
    }
    rb_lines_close(lr);
    return rc < 0 ? -1 : 0;
}

/* Find the first element <name ...>...</name> of blk at or after from.
 * Returns 1 and sets its extent: the open tag at *at, the content
 * [*body, *body + *len), the close tag ending before *end; 0 if none. */
static int find_element(const char *blk, size_t n, const char *name,
                        size_t from, size_t *at, size_t *body, size_t *len,
                        size_t *end)
{
    char open[32], close[32];
    size_t pos = from;

    snprintf(open, sizeof open, "<%s", name);
    snprintf(close, sizeof close, "</%s>", name);
    while (pos < n) {
        size_t a = pos + ci_find(blk + pos, n - pos, open), b, e;
        char next;

        if (a >= n)
            return 0;
        b = a + strlen(open);
        next = b < n ? blk[b] : '\0';
        if (next != '>' && !is_space(next)) {
            pos = b;
            continue;
        }
        while (b < n && blk[b] != '>')
            b++;
        if (b >= n)
            return 0;
        b++;
        e = b + ci_find(blk + b, n - b, close);
        if (e >= n)
            return 0;
        *at = a;
        *body = b;
        *len = e - b;
        *end = e + strlen(close);
        return 1;
    }
    return 0;
}

/* Blank out every element of buf named name. */
static void drop_elements(rb_buf *buf, const char *name)
{
    size_t at, body, len, end, from = 0;

    while (find_element(buf->data, buf->len, name, from, &at, &body, &len,
                        &end)) {
        memset(buf->data + at, ' ', end - at);
        from = end;
    }
}

/* The id, title and text of a <DOC> block's content: the title from the
 * first headline element, the text from every <TEXT> element, or, when
 * there is none, from everything but the identifiers and the title. */
static int trec_doc_fields(const char *blk, size_t n, rb_buf *id,
                           rb_buf *title, rb_buf *text)
{
    static const char *const title_tags[] = {"HEADLINE", "TITLE", "HEAD",
                                             "HL", "TI", NULL};
    static const char *const drop[] = {"DOCNO", "DOCID", "DOCOLDNO",
                                       "DOCHDR", NULL};
    const char *title_tag = NULL;
    size_t at, body, len, end, from = 0;
    int i, found = 0;

    if (find_element(blk, n, "DOCNO", 0, &at, &body, &len, &end) &&
        clean_text(id, blk + body, len, 1) < 0)
        return -1;
    for (i = 0; title_tags[i] && !title_tag; i++)
        if (find_element(blk, n, title_tags[i], 0, &at, &body, &len,
                         &end)) {
            title_tag = title_tags[i];
            if (clean_text(title, blk + body, len, 1) < 0)
                return -1;
        }
    while (find_element(blk, n, "TEXT", from, &at, &body, &len, &end)) {
        if ((text->len && rb_buf_putc(text, ' ') < 0) ||
            clean_text(text, blk + body, len, 1) < 0)
            return -1;
        from = end;
        found = 1;
    }
    if (!found) {
        rb_buf rest = RB_BUF_INIT;
        int rc;

        if (rb_buf_append(&rest, blk, n) < 0)
            return -1;
        for (i = 0; drop[i]; i++)
            drop_elements(&rest, drop[i]);
        if (title_tag)
            drop_elements(&rest, title_tag);
        rc = clean_text(text, rest.data, rest.len, 1);
        rb_buf_release(&rest);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Convert one <DOC> block, fixing its encoding first. */
static int emit_trec_doc(import_ctx *c, const char *path, long line,
                         const rb_buf *blk, rb_buf *utf8)
{
    rb_buf id = RB_BUF_INIT, title = RB_BUF_INIT, text = RB_BUF_INIT;
    const char *data = blk->data ? blk->data : "";
    size_t n = blk->len;
    rb_text_encoding enc = c->opt->encoding;
    int rc = -1;

    if (enc != RB_ENCODING_LATIN1 && rb_utf8_invalid_at(data, n) < n) {
        if (enc == RB_ENCODING_UTF8)
            return rb_error_set(c->err, "%s:%ld: document is not valid "
                                "UTF-8 (try --encoding latin1)", path,
                                line);
        enc = RB_ENCODING_LATIN1;
        c->sum->docs_latin1++;
    }
    if (enc == RB_ENCODING_LATIN1) {
        rb_buf_reset(utf8);
        if (latin1_to_utf8(utf8, data, n) < 0 ||
            rb_buf_reserve(utf8, 0) < 0)
            return rb_error_oom(c->err);
        data = utf8->data;
        n = utf8->len;
    }
    if (trec_doc_fields(data, n, &id, &title, &text) < 0) {
        rb_error_oom(c->err);
        goto done;
    }
    if (id.len == 0) {
        rb_error_set(c->err, "%s:%ld: document without a <DOCNO>", path,
                     line);
        goto done;
    }
    rc = emit_doc(c, path, line, id.data, id.len,
                  title.data ? title.data : "", title.len,
                  text.data ? text.data : "", text.len, NULL);
done:
    rb_buf_release(&id);
    rb_buf_release(&title);
    rb_buf_release(&text);
    return rc;
}

static int import_trec_docs(import_ctx *c, const char *path)
{
    rb_lines *lr = rb_lines_open(path, c->err);
    rb_buf blk = RB_BUF_INIT, utf8 = RB_BUF_INIT;
    const char *line;
    size_t len;
    long start = 0;
    int in_doc = 0, rc;

    if (!lr)
        return -1;
    while ((rc = rb_lines_next(lr, &line, &len, c->err)) == 1) {
        size_t pos = 0;

        while (rc == 1 && pos <= len) {
            if (!in_doc) {
                size_t at = pos + ci_find(line + pos, len - pos, "<DOC>");

                if (at >= len)
                    break;
                in_doc = 1;
                start = rb_lines_lineno(lr);
                rb_buf_reset(&blk);
                pos = at + 5;
            } else {
                size_t at = pos + ci_find(line + pos, len - pos, "</DOC>");

                if (rb_buf_append(&blk, line + pos,
                                  (at < len ? at : len) - pos) < 0 ||
                    (at >= len && rb_buf_putc(&blk, '\n') < 0)) {
                    rc = rb_error_oom(c->err);
                    break;
                }
                if (at >= len)
                    break;
                in_doc = 0;
                if (emit_trec_doc(c, path, start, &blk, &utf8) < 0)
                    rc = -1;
                pos = at + 6;
            }
        }
        if (rc < 0)
            break;
    }
    if (rc == 0 && in_doc)
        rc = rb_error_set(c->err, "%s:%ld: <DOC> without </DOC>", path,
                          start);
    rb_lines_close(lr);
    rb_buf_release(&blk);
    rb_buf_release(&utf8);
    return rc < 0 ? -1 : 0;
}

/* Which reader a file needs: by option, else by its first character. */
static int detect_format(import_ctx *c, const char *path,
                         rb_docs_format *fmt)
{
    unsigned char head[2] = {0, 0};
    rb_lines *lr;
    const char *line;
    size_t len;
    FILE *f;
    int rc;

    f = fopen(path, "rb");
    if (!f)
        return rb_error_set(c->err, "%s: %s", path, strerror(errno));
    if (fread(head, 1, 2, f) != 2)
        head[0] = head[1] = 0;
    fclose(f);
    if (head[0] == 0x1f && head[1] == 0x9d)
        return rb_error_set(c->err, "%s: compressed with compress(1), "
                            "which rankbench cannot read; uncompress it "
                            "first", path);
    if (c->opt->format != RB_DOCS_AUTO) {
        *fmt = c->opt->format;
        return 0;
    }
    lr = rb_lines_open(path, c->err);
    if (!lr)
        return -1;
    while ((rc = rb_lines_next(lr, &line, &len, c->err)) == 1) {
        size_t skip = strspn(line, " \t");

        if (skip >= len)
            continue;
        if (line[skip] == '{' || line[skip] == '<') {
            *fmt = line[skip] == '{' ? RB_DOCS_JSONL : RB_DOCS_TREC;
            rb_lines_close(lr);
            return 0;
        }
        break;
    }
    rb_lines_close(lr);
    if (rc < 0)
        return -1;
    return rb_error_set(c->err, "%s: neither JSONL nor TREC documents "
                        "(choose with --docs-format)", path);
}

static int import_doc_file(import_ctx *c, const char *path)
{
    rb_docs_format fmt = RB_DOCS_AUTO;

    if (detect_format(c, path, &fmt) < 0)
        return -1;
    c->sum->doc_files++;
    return fmt == RB_DOCS_JSONL ? import_jsonl_docs(c, path)
                                : import_trec_docs(c, path);
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* A file, or every file under a folder in name order. */
static int import_doc_path(import_ctx *c, const char *path, int depth)
{
    struct dirent **names;
    struct stat st;
    int n, i, rc = 0;

    if (stat(path, &st) != 0)
        return rb_error_set(c->err, "%s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return import_doc_file(c, path);
    if (depth > 32)
        return rb_error_set(c->err, "%s: folders nested too deep", path);
    n = scandir(path, &names, NULL, name_cmp);
    if (n < 0)
        return rb_error_set(c->err, "%s: %s", path, strerror(errno));
    for (i = 0; i < n; i++) {
        char *sub = NULL;

        if (rc == 0 && names[i]->d_name[0] != '.') {
            sub = rb_path_join(path, names[i]->d_name);
            rc = sub ? import_doc_path(c, sub, depth + 1)
                     : rb_error_oom(c->err);
        }
        rb_free(sub);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int import_docs(import_ctx *c, const char *tmp)
{
    size_t i;

    if (open_output(c, tmp, "corpus.jsonl") < 0)
        return -1;
    for (i = 0; i < c->opt->ndocs; i++)
        if (import_doc_path(c, c->opt->docs[i], 0) < 0)
            return -1;
    if (c->sum->documents == 0)
        return rb_error_set(c->err, "no documents found in the --docs "
                            "files");
    return close_output(c);
}

/* ---------------------------------------------------------------------- */
/* Qrels                                                                   */

static int import_qrels(import_ctx *c, const char *tmp)
{
    const char *path = c->opt->qrels;
    rb_intern *pairs = rb_intern_new();
    rb_buf key = RB_BUF_INIT;
    rb_lines *lr = NULL;
    char name[300];
    const char *line;
    size_t len;
    int rc = -1;

    snprintf(name, sizeof name, "qrels/%s.tsv",
             c->opt->split ? c->opt->split : "test");
    {
        char *qdir = rb_path_join(tmp, "qrels");

        rc = qdir ? rb_mkdirs(qdir, c->err) : rb_error_oom(c->err);
        rb_free(qdir);
    }
    if (rc < 0 || !pairs) {
        if (pairs == NULL)
            rb_error_oom(c->err);
        rc = -1;
        goto done;
    }
    lr = rb_lines_open(path, c->err);
    if (!lr || open_output(c, tmp, name) < 0) {
        rc = -1;
        goto done;
    }
    fputs("query-id\tcorpus-id\tscore\n", c->out.fp);
    while ((rc = rb_lines_next(lr, &line, &len, c->err)) == 1) {
        long lineno = rb_lines_lineno(lr);
        const char *f[5];
        size_t fl[5];
        int nf = rb_split_ws(line, len, f, fl, 4), grade, added;

        if (memchr(line, '\0', len)) {
            rc = rb_error_set(c->err, "%s:%ld: contains a NUL byte", path,
                              lineno);
            break;
        }
        if (nf == 0)
            continue;
        if (nf != 4) {
            rc = rb_error_set(c->err, "%s:%ld: expected 4 fields (qid iter "
                              "docno grade)", path, lineno);
            break;
        }
        if (rb_parse_int(f[3], fl[3], &grade) < 0) {
            rc = rb_error_set(c->err, "%s:%ld: grade \"%.*s\" is not an "
                              "integer", path, lineno,
                              (int)(fl[3] > 40 ? 40 : fl[3]), f[3]);
            break;
        }
        if (rb_utf8_invalid_at(line, len) < len) {
            rc = rb_error_set(c->err, "%s:%ld: invalid UTF-8", path,
                              lineno);
            break;
        }
        rb_buf_reset(&key);
        if (rb_buf_append(&key, f[0], fl[0]) < 0 ||
            rb_buf_putc(&key, '\t') < 0 ||
            rb_buf_append(&key, f[2], fl[2]) < 0 ||
            rb_intern_add(pairs, key.data, key.len, &added) ==
            RB_INTERN_NONE) {
            rc = rb_error_oom(c->err);
            break;
        }
        if (!added) {
            rc = rb_error_set(c->err, "%s:%ld: duplicate judgment for "
                              "topic \"%.*s\" and document \"%.*s\"", path,
                              lineno, (int)fl[0], f[0], (int)fl[2], f[2]);
            break;
        }
        c->sum->judgments++;
        c->sum->unknown_topic_judgments +=
            rb_intern_find(c->topic_ids, f[0], fl[0]) == RB_INTERN_NONE;
        c->sum->unknown_doc_judgments +=
            rb_intern_find(c->doc_ids, f[2], fl[2]) == RB_INTERN_NONE;
        fprintf(c->out.fp, "%.*s\t%.*s\t%d\n", (int)fl[0], f[0],
                (int)fl[2], f[2], grade);
    }
    if (rc == 0 && c->sum->judgments == 0)
        rc = rb_error_set(c->err, "%s: no judgments found", path);
    /* The loader refuses a folder without a judged query; say so here. */
    if (rc == 0 && c->sum->unknown_topic_judgments == c->sum->judgments)
        rc = rb_error_set(c->err, "%s: no judgment names one of the "
                          "topics", path);
    if (rc == 0)
        rc = close_output(c);
done:
    rb_lines_close(lr);
    rb_intern_free(pairs);
    rb_buf_release(&key);
    return rc < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------------- */

static int parse_fields(import_ctx *c, const char *spec)
{
    const char *p = spec ? spec : "title";

    memset(c->fields, 0, sizeof c->fields);
    while (*p) {
        size_t n = strcspn(p, "+");
        int f = field_of_tag(p, n);

        if (f == F_NONE || f == F_ID)
            return rb_error_set(c->err, "\"%.*s\": not a topic field "
                                "(title, description, narrative)",
                                (int)n, p);
        c->fields[f] = 1;
        p += n;
        if (*p == '+')
            p++;
    }
    return 0;
}

/* The temporary folder beside out: PARENT/.BASE.import.XXXXXX. */
static char *make_temp_beside(const char *out, rb_error *err)
{
    const char *slash = strrchr(out, '/');
    rb_buf path = RB_BUF_INIT;
    int rc;

    if (slash && slash[1] == '\0') {
        rb_error_set(err, "%s: give the output folder without a trailing "
                     "slash", out);
        return NULL;
    }
    if (slash) {
        char *parent = rb_strndup(out, (size_t)(slash - out));

        rc = parent ? (slash == out ? 0 : rb_mkdirs(parent, err))
                    : rb_error_oom(err);
        rb_free(parent);
        if (rc < 0)
            return NULL;
        rc = rb_buf_printf(&path, "%.*s/.%s.import.XXXXXX",
                           (int)(slash - out), out, slash + 1);
    } else {
        rc = rb_buf_printf(&path, ".%s.import.XXXXXX", out);
    }
    if (rc < 0) {
        rb_error_oom(err);
        return NULL;
    }
    if (!mkdtemp(path.data)) {
        rb_error_set(err, "%s: cannot create: %s", path.data,
                     strerror(errno));
        rb_buf_release(&path);
        return NULL;
    }
    chmod(path.data, 0755);   /* mkdtemp makes it private */
    return rb_buf_detach(&path);
}

int rb_import_trec(const rb_import_trec_options *opt,
                   rb_import_trec_summary *sum, rb_error *err)
{
    import_ctx c;
    char *tmp = NULL;
    int rc = -1;

    memset(sum, 0, sizeof *sum);
    memset(&c, 0, sizeof c);
    c.opt = opt;
    c.sum = sum;
    c.err = err;
    if (!opt->topics || !opt->qrels || !opt->ndocs || !opt->out)
        return rb_error_set(err, "topics, qrels, documents and an output "
                            "folder are all needed");
    if (opt->split && !rb_check_split_name_ok(opt->split))
        return rb_error_set(err, "\"%s\": not a valid split name",
                            opt->split);
    if (parse_fields(&c, opt->query_fields) < 0)
        return -1;
    if (!opt->force && rb_path_exists(opt->out))
        return rb_error_set(err, "%s already exists; pass --force to "
                            "replace it", opt->out);
    c.topic_ids = rb_intern_new();
    c.doc_ids = rb_intern_new();
    if (!c.topic_ids || !c.doc_ids) {
        rb_error_oom(err);
        goto done;
    }
    tmp = make_temp_beside(opt->out, err);
    if (!tmp)
        goto done;
    if (import_topics(&c, tmp) < 0 || import_docs(&c, tmp) < 0 ||
        import_qrels(&c, tmp) < 0)
        goto done;
    if (rb_folder_install(tmp, opt->out, opt->force, err) < 0)
        goto done;
    rc = 0;
done:
    if (c.out_open)
        rb_atomic_abort(&c.out);
    if (tmp && rc < 0)
        rb_remove_tree(tmp, NULL);
    rb_free(tmp);
    rb_intern_free(c.topic_ids);
    rb_intern_free(c.doc_ids);
    return rc;
}
