/*
 * Reading probe suites (encoder/probe.h): one JSON object a line, each
 * checked on its own so that one bad line costs only itself.
 */

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/fileio.h"
#include "base/hash.h"
#include "base/intern.h"
#include "base/mem.h"
#include "encoder/probe.h"

typedef struct suite_reader {
    rb_probe_suite *s;
    size_t cap, problems_cap;
    rb_intern *ids;
    long *id_line;          /* first line of each interned id */
    size_t id_line_cap;
} suite_reader;

static void probe_release(rb_probe *p)
{
    size_t i;

    rb_free(p->id);
    rb_free(p->text);
    rb_free(p->expected);
    for (i = 0; i < p->ntags; i++)
        rb_free(p->tags[i]);
    rb_free(p->tags);
}

void rb_probe_suite_free(rb_probe_suite *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->n; i++)
        probe_release(&s->probes[i]);
    for (i = 0; i < s->nproblems; i++) {
        rb_free(s->problems[i].id);
        rb_free(s->problems[i].message);
    }
    rb_free(s->probes);
    rb_free(s->problems);
    rb_free(s->path);
    rb_free(s);
}

int rb_probe_problem_append(rb_probe_problem **problems, size_t *n,
                            size_t *cap, long line, const char *id,
                            const char *message)
{
    rb_probe_problem *p;

    p = rb_grow(*problems, cap, *n + 1, sizeof **problems);
    if (!p)
        return -1;
    *problems = p;
    p = &p[*n];
    p->line = line;
    p->message = rb_strdup(message);
    p->id = id ? rb_strdup(id) : NULL;
    if (!p->message || (id && !p->id)) {
        rb_free(p->message);
        rb_free(p->id);
        return -1;
    }
    (*n)++;
    return 0;
}

/* Record a problem of line `line`; -1 only when memory runs out. */
static int add_problem(suite_reader *r, long line, const char *id,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int add_problem(suite_reader *r, long line, const char *id,
                       const char *fmt, ...)
{
    char text[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return rb_probe_problem_append(&r->s->problems, &r->s->nproblems,
                                   &r->problems_cap, line, id, text);
}

/* A string field: 1 when present and a non-empty string, 0 when absent,
 * or a problem recorded (-2) when present but not a usable string. */
static int string_field(suite_reader *r, long line, const char *id,
                        const json_t *obj, const char *key,
                        const char **out, int *oom)
{
    const json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        *oom |= add_problem(r, line, id, "\"%s\" must be a non-empty "
                            "string without NUL characters", key) < 0;
        return -2;
    }
    *out = json_string_value(v);
    return 1;
}

static int known_key(const char *key)
{
    static const char *const keys[] = {
        "id", "text", "expected", "target", "tags", "note", "metadata",
    };
    size_t i;

    for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(key, keys[i]) == 0)
            return 1;
    return 0;
}

/* Check the id for uniqueness; 1 when it is new, 0 (problem recorded)
 * when repeated, -1 when memory runs out. */
static int claim_id(suite_reader *r, long line, const char *id)
{
    int added;
    uint32_t k = rb_intern_add(r->ids, id, strlen(id), &added);
    long *lines;

    if (k == RB_INTERN_NONE)
        return -1;
    if (!added)
        return add_problem(r, line, id, "duplicate id \"%s\" (first on "
                           "line %ld)", id, r->id_line[k]) < 0 ? -1 : 0;
    lines = rb_grow(r->id_line, &r->id_line_cap, (size_t)k + 1,
                    sizeof *r->id_line);
    if (!lines)
        return -1;
    r->id_line = lines;
    r->id_line[k] = line;
    return 1;
}

/* Copy the tags array into p; 0, -2 with a problem recorded, -1. */
static int read_tags(suite_reader *r, long line, const json_t *obj,
                     rb_probe *p)
{
    const json_t *tags = json_object_get(obj, "tags"), *v;
    size_t i, j;

    if (!tags)
        return 0;
    if (!json_is_array(tags))
        return add_problem(r, line, p->id, "\"tags\" must be an array of "
                           "strings") < 0 ? -1 : -2;
    p->tags = rb_calloc(json_array_size(tags) + 1, sizeof *p->tags);
    if (!p->tags)
        return -1;
    json_array_foreach(tags, i, v) {
        const char *t = json_string_value(v);

        if (!t || !*t || strlen(t) != json_string_length(v))
            return add_problem(r, line, p->id, "tag %zu must be a "
                               "non-empty string", i + 1) < 0 ? -1 : -2;
        for (j = 0; j < p->ntags; j++)
            if (strcmp(p->tags[j], t) == 0)
                break;
        if (j < p->ntags)
            continue;           /* a repeated tag counts once */
        if (!(p->tags[p->ntags] = rb_strdup(t)))
            return -1;
        p->ntags++;
    }
    return 0;
}

/* Turn one parsed line into a probe, or record why not. Returns 0 or -1
 * when memory runs out. */
static int read_probe(suite_reader *r, long line, const json_t *obj)
{
    rb_probe p, *more;
    const char *id = NULL, *text = NULL, *expected = NULL, *target = NULL;
    const char *key;
    const json_t *v;
    int oom = 0, bad = 0, rc;

    memset(&p, 0, sizeof p);
    if (!json_is_object(obj))
        return add_problem(r, line, NULL, "not a JSON object");
    bad |= string_field(r, line, NULL, obj, "id", &id, &oom) < 0;
    if (oom)
        return -1;
    if (!bad && !id)
        return add_problem(r, line, NULL, "\"id\" is missing");
    if (bad)
        return 0;
    json_object_foreach((json_t *)obj, key, v) {
        if (!known_key(key))
            return add_problem(r, line, id, "unknown field \"%s\" (known: "
                               "id, text, expected, target, tags, note, "
                               "metadata)", key);
    }
    bad |= string_field(r, line, id, obj, "text", &text, &oom) < 0;
    bad |= string_field(r, line, id, obj, "expected", &expected, &oom) < 0;
    bad |= string_field(r, line, id, obj, "target", &target, &oom) < 0;
    if (oom)
        return -1;
    if (bad)
        return 0;
    if (!text)
        return add_problem(r, line, id, "\"text\" is missing");
    if (expected && target)
        return add_problem(r, line, id, "both \"expected\" and \"target\" "
                           "are given: use \"expected\" with a masked "
                           "text, or \"target\" with a plain one");
    if (!expected && !target)
        return add_problem(r, line, id, "neither \"expected\" nor "
                           "\"target\" is given");
    rc = claim_id(r, line, id);
    if (rc <= 0)
        return rc;
    p.line = line;
    p.by_target = target != NULL;
    p.id = rb_strdup(id);
    p.text = rb_strdup(text);
    p.expected = rb_strdup(target ? target : expected);
    if (!p.id || !p.text || !p.expected) {
        probe_release(&p);
        return -1;
    }
    rc = read_tags(r, line, obj, &p);
    if (rc < 0) {
        probe_release(&p);
        return rc == -1 ? -1 : 0;
    }
    more = rb_grow(r->s->probes, &r->cap, r->s->n + 1,
                   sizeof *r->s->probes);
    if (!more) {
        probe_release(&p);
        return -1;
    }
    r->s->probes = more;
    r->s->probes[r->s->n++] = p;
    return 0;
}

static int blank(const char *line, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            return 0;
    return 1;
}

static int read_lines(suite_reader *r, rb_error *err)
{
    rb_lines *lr = rb_lines_open(r->s->path, err);
    const char *line;
    size_t len;
    int rc;

    if (!lr)
        return -1;
    while ((rc = rb_lines_next(lr, &line, &len, err)) == 1) {
        long no = rb_lines_lineno(lr);
        json_error_t jerr;
        json_t *obj;

        if (blank(line, len))
            continue;
        r->s->lines++;
        obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!obj)
            rc = add_problem(r, no, NULL, "malformed JSON: %s (column %d)",
                             jerr.text, jerr.column);
        else
            rc = read_probe(r, no, obj);
        json_decref(obj);
        if (rc < 0) {
            rb_error_oom(err);
            break;
        }
    }
    rb_lines_close(lr);
    return rc < 0 ? -1 : 0;
}

rb_probe_suite *rb_probe_suite_load(const char *path, rb_error *err)
{
    suite_reader r;
    rb_sha256 *sha = NULL;

    memset(&r, 0, sizeof r);
    r.s = rb_calloc(1, sizeof *r.s);
    r.ids = rb_intern_new();
    sha = rb_sha256_new();
    if (!r.s || !r.ids || !sha || !(r.s->path = rb_strdup(path))) {
        rb_error_oom(err);
        goto fail;
    }
    if (read_lines(&r, err) < 0 || rb_sha256_file(sha, path, err) < 0)
        goto fail;
    rb_sha256_final(sha, r.s->sha256);     /* frees sha */
    rb_intern_free(r.ids);
    rb_free(r.id_line);
    return r.s;

fail:
    rb_sha256_free(sha);
    rb_intern_free(r.ids);
    rb_free(r.id_line);
    rb_probe_suite_free(r.s);
    return NULL;
}
