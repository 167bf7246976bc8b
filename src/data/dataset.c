#include "data/dataset.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "base/fileio.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "data/dataset_check.h"

char *rb_dataset_file(const char *dir, const char *name)
{
    char *path = rb_path_join(dir, name);
    char *gz;
    size_t n;

    if (!path) {
        errno = ENOMEM;
        return NULL;
    }
    if (rb_path_exists(path))
        return path;
    n = strlen(path);
    gz = rb_malloc(n + 4);
    if (gz) {
        memcpy(gz, path, n);
        memcpy(gz + n, ".gz", 4);
        if (!rb_path_exists(gz)) {
            rb_free(gz);
            gz = NULL;
            errno = ENOENT;
        }
    } else {
        errno = ENOMEM;
    }
    rb_free(path);
    return gz;
}

enum field_need { FIELD_OPTIONAL, FIELD_NONEMPTY, FIELD_PRESENT };

/* The string member `key` of a JSON line. Optional members may be absent or
 * null (then ""); FIELD_PRESENT ones must be strings, possibly empty;
 * FIELD_NONEMPTY ones must be non-empty strings. */
static int get_string(json_t *obj, const char *key, enum field_need need,
                      const char *path, long lineno, const char **out,
                      size_t *len, rb_error *err)
{
    json_t *v = json_object_get(obj, key);

    if (!v || json_is_null(v)) {
        if (need != FIELD_OPTIONAL)
            return rb_error_set(err, "%s:%ld: \"%s\" is missing", path,
                                lineno, key);
        *out = "";
        *len = 0;
        return 0;
    }
    if (!json_is_string(v))
        return rb_error_set(err, "%s:%ld: \"%s\" is not a string", path,
                            lineno, key);
    *out = json_string_value(v);
    *len = json_string_length(v);
    if (need == FIELD_NONEMPTY && *len == 0)
        return rb_error_set(err, "%s:%ld: \"%s\" is empty", path, lineno,
                            key);
    if (memchr(*out, '\0', *len))
        return rb_error_set(err, "%s:%ld: \"%s\" contains a NUL character",
                            path, lineno, key);
    return 0;
}

typedef struct jsonl_sink {
    rb_dataset *ds;
    int is_corpus;
    size_t cap;
} jsonl_sink;

static int add_record(jsonl_sink *sink, const char *path, long lineno,
                      json_t *obj, rb_error *err)
{
    rb_dataset *ds = sink->ds;
    rb_intern *ids = sink->is_corpus ? ds->doc_ids : ds->query_ids;
    const char *id, *title = "", *text;
    size_t idlen, tlen = 0, xlen;
    uint32_t index;
    int added;

    if (get_string(obj, "_id", FIELD_NONEMPTY, path, lineno, &id, &idlen,
                   err) < 0)
        return -1;
    if (sink->is_corpus &&
        get_string(obj, "title", FIELD_OPTIONAL, path, lineno, &title,
                   &tlen, err) < 0)
        return -1;
    if (get_string(obj, "text", FIELD_PRESENT, path, lineno, &text, &xlen,
                   err) < 0)
        return -1;
    index = rb_intern_add(ids, id, idlen, &added);
    if (index == RB_INTERN_NONE)
        return rb_error_oom(err);
    if (!added)
        return rb_error_set(err, "%s:%ld: duplicate id \"%s\"", path, lineno,
                            id);
    if (sink->is_corpus) {
        const char **t = ds->doc_titles, **x = ds->doc_texts;
        size_t cap = sink->cap;

        t = rb_grow(t, &cap, index + 1, sizeof *t);
        if (!t)
            return rb_error_oom(err);
        ds->doc_titles = t;
        cap = sink->cap;
        x = rb_grow(x, &cap, index + 1, sizeof *x);
        if (!x)
            return rb_error_oom(err);
        ds->doc_texts = x;
        sink->cap = cap;
        t[index] = rb_arena_strndup(&ds->arena, title, tlen);
        x[index] = rb_arena_strndup(&ds->arena, text, xlen);
        if (!t[index] || !x[index])
            return rb_error_oom(err);
        ds->ndocs = index + 1;
    } else {
        const char **x = rb_grow(ds->query_texts, &sink->cap, index + 1,
                                 sizeof *x);

        if (!x)
            return rb_error_oom(err);
        ds->query_texts = x;
        x[index] = rb_arena_strndup(&ds->arena, text, xlen);
        if (!x[index])
            return rb_error_oom(err);
        ds->nqueries = index + 1;
    }
    return 0;
}

/* Stream a JSONL file into the dataset, hashing its lines. */
static int load_jsonl(rb_dataset *ds, const char *path, int is_corpus,
                      rb_sha256 *sha, rb_error *err)
{
    rb_lines *lr = rb_lines_open(path, err);
    jsonl_sink sink = {ds, is_corpus, 0};
    const char *line;
    size_t len;
    int rc;

    if (!lr)
        return -1;
    rb_fingerprint_begin_file(sha, is_corpus ? RB_FINGERPRINT_CORPUS
                                             : RB_FINGERPRINT_QUERIES);
    while ((rc = rb_lines_next(lr, &line, &len, err)) == 1) {
        long lineno = rb_lines_lineno(lr);
        json_error_t jerr;
        json_t *obj;
        size_t bad;
        long failed;

        rb_fingerprint_line(sha, line, len);
        if (len == 0 || strspn(line, " \t") == len)
            continue;
        bad = rb_utf8_invalid_at(line, len);
        if (bad < len) {
            rc = rb_error_set(err, "%s:%ld: invalid UTF-8 at byte %zu",
                              path, lineno, bad + 1);
            break;
        }
        failed = rb_mem_failures();
        obj = json_loadb(line, len, JSON_REJECT_DUPLICATES |
                         JSON_ALLOW_NUL, &jerr);
        if (!obj && rb_mem_failures() != failed) {
            rc = rb_error_oom(err);
            break;
        }
        if (!obj) {
            rc = rb_error_set(err, "%s:%ld: not valid JSON: %s", path,
                              lineno, jerr.text);
            break;
        }
        if (!json_is_object(obj)) {
            json_decref(obj);
            rc = rb_error_set(err, "%s:%ld: expected a JSON object", path,
                              lineno);
            break;
        }
        rc = add_record(&sink, path, lineno, obj, err);
        json_decref(obj);
        if (rc < 0)
            break;
    }
    rb_lines_close(lr);
    if (rc < 0)
        return -1;
    if ((is_corpus ? ds->ndocs : ds->nqueries) == 0)
        return rb_error_set(err, "%s: no %s found", path,
                            is_corpus ? "documents" : "queries");
    return 0;
}

static int check_qrels_utf8(const rb_qrels *q, const char *path,
                            rb_error *err)
{
    size_t i;

    for (i = 0; i < rb_intern_count(q->docs); i++)
        if (rb_utf8_invalid_at(rb_intern_str(q->docs, (uint32_t)i),
                               rb_intern_len(q->docs, (uint32_t)i)) <
            rb_intern_len(q->docs, (uint32_t)i))
            return rb_error_set(err, "%s: invalid UTF-8 in document id",
                                path);
    for (i = 0; i < rb_intern_count(q->qids); i++)
        if (rb_utf8_invalid_at(rb_intern_str(q->qids, (uint32_t)i),
                               rb_intern_len(q->qids, (uint32_t)i)) <
            rb_intern_len(q->qids, (uint32_t)i))
            return rb_error_set(err, "%s: invalid UTF-8 in query id",
                                path);
    return 0;
}

/* Count judgments naming unknown documents or queries; pick the queries to
 * evaluate in queries.jsonl order. */
static int link_qrels(rb_dataset *ds, const char *qrels_path, int strict,
                      rb_error *err)
{
    const rb_qrels *q = ds->qrels;
    size_t i, j;

    for (i = 0; i < q->nqueries; i++) {
        const rb_qrels_query *qq = &q->queries[i];
        const char *qid = rb_intern_str(q->qids, qq->qid);

        if (rb_intern_find(ds->query_ids, qid, strlen(qid)) ==
            RB_INTERN_NONE) {
            ds->qrels_unknown_queries += qq->n;
            if (strict)
                return rb_error_set(err, "%s: query \"%s\" is not in "
                                    "queries.jsonl", qrels_path, qid);
        }
        for (j = 0; ds->ndocs && j < qq->n; j++) {
            const char *doc = rb_intern_str(q->docs, qq->judged[j].doc);

            if (rb_intern_find(ds->doc_ids, doc, strlen(doc)) ==
                RB_INTERN_NONE) {
                ds->qrels_unknown_docs++;
                if (strict)
                    return rb_error_set(err, "%s: document \"%s\" judged "
                                        "for query \"%s\" is not in "
                                        "corpus.jsonl", qrels_path, doc,
                                        qid);
            }
        }
    }
    ds->eval_queries = rb_malloc((ds->nqueries ? ds->nqueries : 1) *
                                 sizeof *ds->eval_queries);
    if (!ds->eval_queries)
        return rb_error_oom(err);
    for (i = 0; i < ds->nqueries; i++) {
        const char *qid = rb_intern_str(ds->query_ids, (uint32_t)i);

        if (rb_qrels_find_query(q, qid) >= 0)
            ds->eval_queries[ds->neval++] = (uint32_t)i;
    }
    if (ds->neval == 0)
        return rb_error_set(err, "%s: no judged query is in queries.jsonl",
                            qrels_path);
    return 0;
}

static char *base_name(const char *dir)
{
    size_t n = strlen(dir);
    const char *start;

    while (n > 1 && dir[n - 1] == '/')
        n--;
    start = dir + n;
    while (start > dir && start[-1] != '/')
        start--;
    return rb_strndup(start, (size_t)(dir + n - start));
}

static int require_file(const char *dir, const char *name, char **out,
                        rb_error *err)
{
    *out = rb_dataset_file(dir, name);
    if (!*out) {
        if (errno == ENOMEM)
            return rb_error_oom(err);
        if (!rb_path_exists(dir))
            return rb_error_set(err, "%s: no such dataset folder", dir);
        return rb_error_set(err, "%s/%s: not found (nor %s.gz)", dir, name,
                            name);
    }
    return 0;
}

rb_dataset *rb_dataset_load(const char *dir, const rb_load_options *opt,
                            rb_error *err)
{
    rb_load_options defaults = {NULL, 0, 0};
    char *corpus = NULL, *queries = NULL, *qrels = NULL, qname[256];
    rb_dataset *ds;
    rb_sha256 *sha = NULL;
    int rc = -1;

    if (!opt)
        opt = &defaults;
    ds = rb_calloc(1, sizeof *ds);
    if (!ds) {
        rb_error_oom(err);
        return NULL;
    }
    ds->split = rb_strdup(opt->split ? opt->split : "test");
    ds->path = rb_strdup(dir);
    ds->name = base_name(dir);
    ds->doc_ids = rb_intern_new();
    ds->query_ids = rb_intern_new();
    sha = rb_sha256_new();
    if (!ds->split || !ds->path || !ds->name || !ds->doc_ids ||
        !ds->query_ids || !sha) {
        rb_error_oom(err);
        goto done;
    }
    if (strchr(ds->split, '/') || ds->split[0] == '.') {
        rb_error_set(err, "\"%s\": not a valid split name", ds->split);
        goto done;
    }
    snprintf(qname, sizeof qname, "qrels/%s.tsv", ds->split);
    if (require_file(dir, "queries.jsonl", &queries, err) < 0 ||
        require_file(dir, qname, &qrels, err) < 0 ||
        (!opt->skip_corpus &&
         require_file(dir, "corpus.jsonl", &corpus, err) < 0))
        goto done;
    if (!opt->skip_corpus && load_jsonl(ds, corpus, 1, sha, err) < 0)
        goto done;
    if (load_jsonl(ds, queries, 0, sha, err) < 0)
        goto done;
    ds->qrels = rb_qrels_read_beir(qrels, err);
    if (!ds->qrels || check_qrels_utf8(ds->qrels, qrels, err) < 0 ||
        rb_fingerprint_file(sha, RB_FINGERPRINT_QRELS, qrels, err) < 0 ||
        link_qrels(ds, qrels, opt->strict, err) < 0)
        goto done;
    rb_sha256_final(sha, ds->fingerprint);
    sha = NULL;
    if (ds->qrels_unknown_docs || ds->qrels_unknown_queries)
        rb_warn("%s: %zu judgments name unknown documents, %zu name "
                "unknown queries (--strict makes this an error)", qrels,
                ds->qrels_unknown_docs, ds->qrels_unknown_queries);
    rc = 0;
done:
    rb_sha256_free(sha);
    rb_free(corpus);
    rb_free(queries);
    rb_free(qrels);
    if (rc < 0) {
        rb_dataset_free(ds);
        return NULL;
    }
    return ds;
}

void rb_dataset_free(rb_dataset *ds)
{
    if (!ds)
        return;
    rb_free(ds->name);
    rb_free(ds->path);
    rb_free(ds->split);
    rb_intern_free(ds->doc_ids);
    rb_intern_free(ds->query_ids);
    rb_free(ds->doc_titles);
    rb_free(ds->doc_texts);
    rb_free(ds->query_texts);
    rb_qrels_free(ds->qrels);
    rb_free(ds->eval_queries);
    rb_arena_release(&ds->arena);
    rb_free(ds);
}

char *rb_dataset_doc_content(const rb_dataset *ds, size_t doc)
{
    const char *title = ds->doc_titles[doc], *text = ds->doc_texts[doc];
    size_t a = strlen(title), b = strlen(text);
    char *out = rb_malloc(a + b + 2);

    if (!out)
        return NULL;
    memcpy(out, title, a);
    out[a] = ' ';
    memcpy(out + a + 1, text, b + 1);
    return out;
}

long rb_dataset_find_query(const rb_dataset *ds, const char *qid)
{
    uint32_t id = rb_intern_find(ds->query_ids, qid, strlen(qid));

    return id == RB_INTERN_NONE ? -1 : (long)id;
}
