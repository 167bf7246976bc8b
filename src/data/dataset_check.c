#include "data/dataset_check.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "data/parse.h"

static const char *const kind_names[RB_CHECK_NKINDS] = {
    [RB_CHECK_MISSING_FILE] = "missing-file",
    [RB_CHECK_READ_ERROR] = "read-error",
    [RB_CHECK_EMPTY_FILE] = "empty-file",
    [RB_CHECK_BOM] = "byte-order-mark",
    [RB_CHECK_INVALID_UTF8] = "invalid-utf8",
    [RB_CHECK_BLANK_LINE] = "blank-line",
    [RB_CHECK_BAD_JSON] = "bad-json",
    [RB_CHECK_BAD_FIELD] = "bad-field",
    [RB_CHECK_DUPLICATE_ID] = "duplicate-id",
    [RB_CHECK_ID_WHITESPACE] = "id-whitespace",
    [RB_CHECK_EMPTY_TITLE] = "empty-title",
    [RB_CHECK_EMPTY_TEXT] = "empty-text",
    [RB_CHECK_EMPTY_DOCUMENT] = "empty-document",
    [RB_CHECK_EMPTY_QUERY] = "empty-query",
    [RB_CHECK_QRELS_FORMAT] = "qrels-format",
    [RB_CHECK_DUPLICATE_JUDGMENT] = "duplicate-judgment",
    [RB_CHECK_UNKNOWN_DOCUMENT] = "unknown-document",
    [RB_CHECK_UNKNOWN_QUERY] = "unknown-query",
    [RB_CHECK_UNJUDGED_QUERY] = "unjudged-query",
    [RB_CHECK_NO_RELEVANT] = "no-relevant",
    [RB_CHECK_RELEVANT_MISSING] = "relevant-missing",
    [RB_CHECK_SELF_JUDGED] = "self-judged",
};

const char *rb_check_kind_name(rb_check_kind kind)
{
    return kind < RB_CHECK_NKINDS ? kind_names[kind] : "unknown";
}

const char *rb_check_severity_name(rb_check_severity sev)
{
    return sev == RB_CHECK_ERROR ? "error" : "warning";
}

int rb_check_split_name_ok(const char *name)
{
    return name[0] != '\0' && name[0] != '.' && !strchr(name, '/');
}

void rb_fingerprint_begin_file(rb_sha256 *sha, rb_fingerprint_role role)
{
    static const char *const names[] = {"corpus\n", "queries\n",
                                        "qrels\n"};

    rb_sha256_update(sha, names[role], strlen(names[role]));
}

void rb_fingerprint_line(rb_sha256 *sha, const char *line, size_t len)
{
    rb_sha256_update(sha, line, len);
    rb_sha256_update(sha, "\n", 1);
}

/* ---------------------------------------------------------------------- */
/* Recording problems                                                      */

/* Everything the checker keeps while it reads one folder. */
typedef struct check_ctx {
    rb_check_report *r;
    rb_error *err;

    rb_intern *doc_ids;       /* corpus ids, with the line of each */
    long *doc_lines;
    size_t doc_cap;
    rb_intern *query_ids;     /* query ids, line and judged flag */
    long *query_lines;
    unsigned char *query_judged;
    size_t query_cap;
    int have_corpus, have_queries;   /* the file was found and read */

    rb_sha256 *sha;           /* fingerprint in progress, or NULL */
} check_ctx;

/* Record a problem; returns 0, or -1 when memory runs out. file may be
 * NULL for the folder itself. */
static int add_problem(check_ctx *c, rb_check_kind kind,
                       rb_check_severity sev, const char *file, long line,
                       const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int add_problem(check_ctx *c, rb_check_kind kind,
                       rb_check_severity sev, const char *file, long line,
                       const char *fmt, ...)
{
    rb_check_report *r = c->r;
    rb_check_problem *p;
    rb_buf msg = RB_BUF_INIT;
    uint32_t fid = 0;
    va_list ap;
    int rc;

    r->counts[kind]++;
    if (sev == RB_CHECK_ERROR)
        r->errors++;
    else
        r->warnings++;
    if (r->max_per_kind && r->counts[kind] > r->max_per_kind)
        return 0;
    if (!file)
        file = r->dir;
    fid = rb_intern_add(r->paths, file, strlen(file), NULL);
    if (fid == RB_INTERN_NONE)
        return rb_error_oom(c->err);
    p = rb_grow(r->problems, &r->cap, r->nproblems + 1, sizeof *p);
    if (!p)
        return rb_error_oom(c->err);
    r->problems = p;
    va_start(ap, fmt);
    {
        char small[512];
        int n = vsnprintf(small, sizeof small, fmt, ap);

        rc = n < 0 ? -1 : rb_buf_append(&msg, small,
                                        (size_t)n < sizeof small
                                        ? (size_t)n : sizeof small - 1);
    }
    va_end(ap);
    if (rc < 0) {
        rb_buf_release(&msg);
        return rb_error_oom(c->err);
    }
    p = &r->problems[r->nproblems++];
    p->kind = kind;
    p->severity = sev;
    p->file = rb_intern_str(r->paths, fid);
    p->line = line;
    p->message = rb_buf_detach(&msg);
    p->seq = r->nproblems;
    p->file_id = fid;
    return 0;
}

static int register_path(check_ctx *c, const char *path);

/* Width-limited quoting of an id in a message. */
#define ID_FMT "\"%.*s\""
#define ID_ARG(s, n) (int)((n) > 80 ? 80 : (n)), (s)

static int has_whitespace(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ||
            s[i] == '\v' || s[i] == '\f')
            return 1;
    return 0;
}

static int is_blank(const char *s, size_t n)
{
    return strspn(s, " \t") >= n;
}

/* ---------------------------------------------------------------------- */
/* Corpus and queries                                                      */

/* Store the line number of id index `index` in a growable array. */
static int note_line(long **lines, size_t *cap, uint32_t index, long line)
{
    long *l = rb_grow(*lines, cap, (size_t)index + 1, sizeof *l);

    if (!l)
        return -1;
    *lines = l;
    l[index] = line;
    return 0;
}

enum field_need { FIELD_OPTIONAL, FIELD_PRESENT, FIELD_NONEMPTY };

/* Read the string member key of obj. Absent or null members of optional
 * fields read as "". Reports a problem and returns 1 when the member is
 * unusable; returns -1 when memory runs out. */
static int get_field(check_ctx *c, const char *path, long line, json_t *obj,
                     const char *key, enum field_need need, const char **s,
                     size_t *n)
{
    json_t *v = json_object_get(obj, key);

    *s = "";
    *n = 0;
    if (!v || json_is_null(v)) {
        if (need == FIELD_OPTIONAL)
            return 0;
        return add_problem(c, RB_CHECK_BAD_FIELD, RB_CHECK_ERROR, path,
                           line, "\"%s\" is missing", key) < 0 ? -1 : 1;
    }
    if (!json_is_string(v))
        return add_problem(c, RB_CHECK_BAD_FIELD, RB_CHECK_ERROR, path,
                           line, "\"%s\" is not a string", key) < 0 ? -1 : 1;
    *s = json_string_value(v);
    *n = json_string_length(v);
    if (memchr(*s, '\0', *n))
        return add_problem(c, RB_CHECK_BAD_FIELD, RB_CHECK_ERROR, path,
                           line, "\"%s\" contains a NUL character",
                           key) < 0 ? -1 : 1;
    if (need == FIELD_NONEMPTY && *n == 0)
        return add_problem(c, RB_CHECK_BAD_FIELD, RB_CHECK_ERROR, path,
                           line, "\"%s\" is empty", key) < 0 ? -1 : 1;
    return 0;
}

/* Register a record's id; reports duplicates and ids with whitespace.
 * Returns 0 for a new id, 1 for a duplicate, -1 when memory runs out. */
static int add_id(check_ctx *c, int is_corpus, const char *path, long line,
                  const char *id, size_t n)
{
    rb_intern *ids = is_corpus ? c->doc_ids : c->query_ids;
    rb_check_file_stats *fs = is_corpus ? &c->r->corpus : &c->r->queries;
    uint32_t index;
    int added;

    index = rb_intern_add(ids, id, n, &added);
    if (index == RB_INTERN_NONE)
        return rb_error_oom(c->err);
    if (!added) {
        long first = is_corpus ? c->doc_lines[index]
                               : c->query_lines[index];

        fs->duplicates++;
        return add_problem(c, RB_CHECK_DUPLICATE_ID, RB_CHECK_ERROR, path,
                           line, "duplicate id " ID_FMT
                           " (first at line %ld)", ID_ARG(id, n),
                           first) < 0 ? -1 : 1;
    }
    if (is_corpus ? note_line(&c->doc_lines, &c->doc_cap, index, line)
                  : note_line(&c->query_lines, &c->query_cap, index, line))
        return rb_error_oom(c->err);
    if (has_whitespace(id, n) &&
        add_problem(c, RB_CHECK_ID_WHITESPACE, RB_CHECK_WARNING, path, line,
                    "id " ID_FMT " contains whitespace, which TREC run "
                    "and qrels files cannot carry", ID_ARG(id, n)) < 0)
        return -1;
    return 0;
}

/* Check one parsed JSONL record. */
static int check_record(check_ctx *c, int is_corpus, const char *path,
                        long line, json_t *obj)
{
    rb_check_file_stats *fs = is_corpus ? &c->r->corpus : &c->r->queries;
    const char *id, *title = "", *text;
    size_t idn, titlen = 0, textn;
    int bad = 0, rc, empty_title, empty_text;

    rc = get_field(c, path, line, obj, "_id", FIELD_NONEMPTY, &id, &idn);
    if (rc < 0)
        return -1;
    bad |= rc;
    if (is_corpus) {
        rc = get_field(c, path, line, obj, "title", FIELD_OPTIONAL, &title,
                       &titlen);
        if (rc < 0)
            return -1;
        bad |= rc;
    }
    rc = get_field(c, path, line, obj, "text", FIELD_PRESENT, &text,
                   &textn);
    if (rc < 0)
        return -1;
    bad |= rc;
    if (idn > 0 && !memchr(id, '\0', idn)) {
        rc = add_id(c, is_corpus, path, line, id, idn);
        if (rc < 0)
            return -1;
        bad |= rc;
    }
    if (bad)
        return 0;
    fs->records++;
    empty_title = is_blank(title, titlen);
    empty_text = is_blank(text, textn);
    fs->empty_titles += is_corpus && empty_title;
    fs->empty_texts += empty_text;
    if (!is_corpus) {
        if (empty_text)
            return add_problem(c, RB_CHECK_EMPTY_QUERY, RB_CHECK_WARNING,
                               path, line, "query " ID_FMT " has an empty "
                               "text", ID_ARG(id, idn));
        return 0;
    }
    if (empty_title && empty_text) {
        fs->empty_records++;
        return add_problem(c, RB_CHECK_EMPTY_DOCUMENT, RB_CHECK_WARNING,
                           path, line, "document " ID_FMT " has neither "
                           "title nor text", ID_ARG(id, idn));
    }
    if (empty_title)
        return add_problem(c, RB_CHECK_EMPTY_TITLE, RB_CHECK_WARNING, path,
                           line, "document " ID_FMT " has an empty title",
                           ID_ARG(id, idn));
    if (empty_text)
        return add_problem(c, RB_CHECK_EMPTY_TEXT, RB_CHECK_WARNING, path,
                           line, "document " ID_FMT " has an empty text "
                           "(title only)", ID_ARG(id, idn));
    return 0;
}

/* Check one line of a JSONL file. */
static int check_jsonl_line(check_ctx *c, int is_corpus, const char *path,
                            long line, const char *s, size_t n)
{
    json_error_t jerr;
    json_t *obj;
    size_t bad;
    int rc;

    if (line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        if (add_problem(c, RB_CHECK_BOM, RB_CHECK_ERROR, path, line,
                        "file starts with a UTF-8 byte-order mark; "
                        "remove it") < 0)
            return -1;
        s += 3;
        n -= 3;
    }
    if (is_blank(s, n))
        return add_problem(c, RB_CHECK_BLANK_LINE, RB_CHECK_WARNING, path,
                           line, "blank line (skipped)");
    bad = rb_utf8_invalid_at(s, n);
    if (bad < n)
        return add_problem(c, RB_CHECK_INVALID_UTF8, RB_CHECK_ERROR, path,
                           line, "invalid UTF-8 at byte %zu", bad + 1);
    obj = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!obj)
        return add_problem(c, RB_CHECK_BAD_JSON, RB_CHECK_ERROR, path, line,
                           "not valid JSON: %s (column %d)", jerr.text,
                           jerr.column);
    if (!json_is_object(obj)) {
        json_decref(obj);
        return add_problem(c, RB_CHECK_BAD_JSON, RB_CHECK_ERROR, path, line,
                           "expected a JSON object");
    }
    rc = check_record(c, is_corpus, path, line, obj);
    json_decref(obj);
    return rc;
}

char *rb_check_locate_file(const char *dir, const char *name, int *oom)
{
    char *path = rb_path_join(dir, name);
    char *gz;
    size_t n;
    struct stat st;

    *oom = 0;
    if (!path) {
        *oom = 1;
        return NULL;
    }
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return path;
    n = strlen(path);
    gz = rb_malloc(n + 4);
    if (!gz) {
        *oom = 1;
        rb_free(path);
        return NULL;
    }
    memcpy(gz, path, n);
    memcpy(gz + n, ".gz", 4);
    rb_free(path);
    if (stat(gz, &st) == 0 && S_ISREG(st.st_mode))
        return gz;
    rb_free(gz);
    return NULL;
}

/* Read and check corpus.jsonl or queries.jsonl. */
static int check_jsonl(check_ctx *c, int is_corpus)
{
    rb_check_file_stats *fs = is_corpus ? &c->r->corpus : &c->r->queries;
    const char *name = is_corpus ? "corpus.jsonl" : "queries.jsonl";
    rb_error rerr = {{0}, 0};
    rb_lines *lr;
    const char *line;
    size_t len;
    int oom, rc;

    fs->file = rb_check_locate_file(c->r->dir, name, &oom);
    if (!fs->file) {
        char *want;

        if (oom)
            return rb_error_oom(c->err);
        want = rb_path_join(c->r->dir, name);
        if (!want)
            return rb_error_oom(c->err);
        rc = add_problem(c, RB_CHECK_MISSING_FILE, RB_CHECK_ERROR, want, 0,
                         "not found (nor %s.gz)", name);
        rb_free(want);
        if (c->sha) {
            rb_sha256_free(c->sha);
            c->sha = NULL;
        }
        return rc;
    }
    if (register_path(c, fs->file) < 0)
        return -1;
    lr = rb_lines_open(fs->file, &rerr);
    if (!lr)
        goto read_error;
    if (c->sha)
        rb_fingerprint_begin_file(c->sha, is_corpus ? RB_FINGERPRINT_CORPUS
                                                    : RB_FINGERPRINT_QUERIES);
    while ((rc = rb_lines_next(lr, &line, &len, &rerr)) == 1) {
        long lineno = rb_lines_lineno(lr);

        fs->lines++;
        if (c->sha)
            rb_fingerprint_line(c->sha, line, len);
        if (check_jsonl_line(c, is_corpus, fs->file, lineno, line, len) <
            0) {
            rb_lines_close(lr);
            return -1;
        }
    }
    rb_lines_close(lr);
    if (rc < 0)
        goto read_error;
    if (is_corpus)
        c->have_corpus = 1;
    else
        c->have_queries = 1;
    if (fs->records == 0)
        return add_problem(c, RB_CHECK_EMPTY_FILE, RB_CHECK_ERROR, fs->file,
                           0, "no %s found",
                           is_corpus ? "documents" : "queries");
    return 0;

read_error:
    if (strcmp(rerr.msg, "out of memory") == 0)
        return rb_error_oom(c->err);
    if (c->sha) {
        rb_sha256_free(c->sha);
        c->sha = NULL;
    }
    /* The message already names the file (and line). */
    return add_problem(c, RB_CHECK_READ_ERROR, RB_CHECK_ERROR, fs->file, 0,
                       "%s", rerr.msg);
}

/* ---------------------------------------------------------------------- */
/* Qrels                                                                   */

/* What one split's checker keeps per judged query and document. */
typedef struct split_query {
    long first_line;
    size_t relevant;
    size_t relevant_present;
} split_query;

typedef struct split_ctx {
    rb_check_split *s;
    rb_intern *qids;
    split_query *queries;
    size_t qcap;
    rb_intern *docs;
    unsigned char *doc_flags;    /* DOC_MISSING, DOC_MISSING_REL */
    size_t dcap;
    rb_intern *pairs;            /* "qid\tdoc" */
    long *pair_lines;
    size_t pcap;
} split_ctx;

enum { DOC_MISSING = 1, DOC_MISSING_REL = 2 };

static void split_ctx_release(split_ctx *sc)
{
    rb_intern_free(sc->qids);
    rb_intern_free(sc->docs);
    rb_intern_free(sc->pairs);
    rb_free(sc->queries);
    rb_free(sc->doc_flags);
    rb_free(sc->pair_lines);
}

static int count_grade(rb_check_split *s, int grade)
{
    rb_check_grade *g;
    size_t i, cap = s->ngrades;

    for (i = 0; i < s->ngrades && s->grades[i].grade <= grade; i++)
        if (s->grades[i].grade == grade) {
            s->grades[i].count++;
            return 0;
        }
    g = rb_grow(s->grades, &cap, s->ngrades + 1, sizeof *g);
    if (!g)
        return -1;
    s->grades = g;
    memmove(&g[i + 1], &g[i], (s->ngrades - i) * sizeof *g);
    g[i].grade = grade;
    g[i].count = 1;
    s->ngrades++;
    return 0;
}

/* Split a qrels line into exactly three tab-separated fields; returns the
 * number of fields found. */
static int split_tabs(const char *line, size_t len, const char **f,
                      size_t *fl)
{
    size_t start = 0, i;
    int nf = 0;

    for (i = 0; i <= len; i++) {
        if (i < len && line[i] != '\t')
            continue;
        if (nf < 3) {
            f[nf] = line + start;
            fl[nf] = i - start;
        }
        nf++;
        start = i + 1;
    }
    return nf;
}

/* Record one valid judgment. */
static int add_judgment(check_ctx *c, split_ctx *sc, const char *path,
                        long line, const char *qid, size_t qn,
                        const char *doc, size_t dn, int grade)
{
    rb_check_split *s = sc->s;
    rb_check_severity unknown_sev = c->r->strict ? RB_CHECK_ERROR
                                                 : RB_CHECK_WARNING;
    rb_buf key = RB_BUF_INIT;
    uint32_t pid, qi, di;
    int added, known_doc = 1;

    if (rb_buf_append(&key, qid, qn) < 0 || rb_buf_putc(&key, '\t') < 0 ||
        rb_buf_append(&key, doc, dn) < 0) {
        rb_buf_release(&key);
        return rb_error_oom(c->err);
    }
    pid = rb_intern_add(sc->pairs, key.data, key.len, &added);
    rb_buf_release(&key);
    if (pid == RB_INTERN_NONE)
        return rb_error_oom(c->err);
    if (!added)
        return add_problem(c, RB_CHECK_DUPLICATE_JUDGMENT, RB_CHECK_ERROR,
                           path, line, "duplicate judgment for query "
                           ID_FMT " and document " ID_FMT
                           " (first at line %ld)", ID_ARG(qid, qn),
                           ID_ARG(doc, dn), sc->pair_lines[pid]);
    if (note_line(&sc->pair_lines, &sc->pcap, pid, line) < 0)
        return rb_error_oom(c->err);
    s->judgments++;
    if (grade > 0)
        s->relevant++;
    if (count_grade(s, grade) < 0)
        return rb_error_oom(c->err);

    /* The query: known in queries.jsonl, judged, relevant counts. */
    qi = rb_intern_add(sc->qids, qid, qn, &added);
    if (qi == RB_INTERN_NONE)
        return rb_error_oom(c->err);
    if (added) {
        split_query *q = rb_grow(sc->queries, &sc->qcap, (size_t)qi + 1,
                                 sizeof *q);

        if (!q)
            return rb_error_oom(c->err);
        sc->queries = q;
        memset(&q[qi], 0, sizeof q[qi]);
        q[qi].first_line = line;
        s->queries++;
    }
    if (c->have_queries) {
        uint32_t known = rb_intern_find(c->query_ids, qid, qn);

        if (known == RB_INTERN_NONE) {
            s->unknown_query_judgments++;
            if (add_problem(c, RB_CHECK_UNKNOWN_QUERY, unknown_sev, path,
                            line, "query " ID_FMT " is not in "
                            "queries.jsonl", ID_ARG(qid, qn)) < 0)
                return -1;
        } else {
            c->query_judged[known] = 1;
        }
    }

    /* The document: known in the corpus, distinct counts. */
    di = rb_intern_add(sc->docs, doc, dn, &added);
    if (di == RB_INTERN_NONE)
        return rb_error_oom(c->err);
    if (added) {
        unsigned char *fl = rb_grow(sc->doc_flags, &sc->dcap,
                                    (size_t)di + 1, 1);

        if (!fl)
            return rb_error_oom(c->err);
        sc->doc_flags = fl;
        fl[di] = 0;
        s->documents++;
    }
    if (c->have_corpus &&
        rb_intern_find(c->doc_ids, doc, dn) == RB_INTERN_NONE) {
        known_doc = 0;
        s->unknown_doc_judgments++;
        if (!(sc->doc_flags[di] & DOC_MISSING)) {
            sc->doc_flags[di] |= DOC_MISSING;
            s->missing_documents++;
        }
        if (grade > 0 && !(sc->doc_flags[di] & DOC_MISSING_REL)) {
            sc->doc_flags[di] |= DOC_MISSING_REL;
            s->missing_relevant++;
        }
        if (add_problem(c, RB_CHECK_UNKNOWN_DOCUMENT, unknown_sev, path,
                        line, "document " ID_FMT " (judged for query "
                        ID_FMT ") is not in corpus.jsonl", ID_ARG(doc, dn),
                        ID_ARG(qid, qn)) < 0)
            return -1;
    }
    if (grade > 0) {
        sc->queries[qi].relevant++;
        sc->queries[qi].relevant_present += known_doc;
        if (qn == dn && memcmp(qid, doc, qn) == 0 &&
            add_problem(c, RB_CHECK_SELF_JUDGED, RB_CHECK_WARNING, path,
                        line, "document " ID_FMT " is relevant to the "
                        "query with the same id; ignore_identical_ids (on "
                        "by default) drops it from every run",
                        ID_ARG(doc, dn)) < 0)
            return -1;
    }
    return 0;
}

/* Check one line of a qrels file. */
static int check_qrels_line(check_ctx *c, split_ctx *sc, const char *path,
                            long line, const char *s, size_t n)
{
    const char *f[3];
    size_t fl[3], bad;
    int nf, grade;

    if (line == 1) {
        if (n >= 8 && memcmp(s, "query-id", 8) == 0)
            return 0;
        if (add_problem(c, RB_CHECK_QRELS_FORMAT, RB_CHECK_ERROR, path, 1,
                        "missing header line "
                        "\"query-id<TAB>corpus-id<TAB>score\"") < 0)
            return -1;
    }
    if (n == 0)
        return add_problem(c, RB_CHECK_BLANK_LINE, RB_CHECK_WARNING, path,
                           line, "blank line (skipped)");
    bad = rb_utf8_invalid_at(s, n);
    if (bad < n)
        return add_problem(c, RB_CHECK_INVALID_UTF8, RB_CHECK_ERROR, path,
                           line, "invalid UTF-8 at byte %zu", bad + 1);
    nf = split_tabs(s, n, f, fl);
    if (nf != 3)
        return add_problem(c, RB_CHECK_QRELS_FORMAT, RB_CHECK_ERROR, path,
                           line, "expected 3 tab-separated columns "
                           "(query-id, corpus-id, score), found %d", nf);
    if (fl[0] == 0 || fl[1] == 0)
        return add_problem(c, RB_CHECK_QRELS_FORMAT, RB_CHECK_ERROR, path,
                           line, "empty %s id",
                           fl[0] == 0 ? "query" : "document");
    if (rb_parse_int(f[2], fl[2], &grade) < 0)
        return add_problem(c, RB_CHECK_QRELS_FORMAT, RB_CHECK_ERROR, path,
                           line, "score " ID_FMT " is not an integer",
                           ID_ARG(f[2], fl[2]));
    return add_judgment(c, sc, path, line, f[0], fl[0], f[1], fl[1], grade);
}

/* Per-query findings of a split, reported once the file is read. */
static int report_split_queries(check_ctx *c, split_ctx *sc)
{
    rb_check_split *s = sc->s;
    size_t i;

    for (i = 0; i < s->queries; i++) {
        const split_query *q = &sc->queries[i];
        const char *qid = rb_intern_str(sc->qids, (uint32_t)i);
        size_t qn = rb_intern_len(sc->qids, (uint32_t)i);

        if (q->relevant == 0) {
            s->queries_no_relevant++;
            if (add_problem(c, RB_CHECK_NO_RELEVANT, RB_CHECK_WARNING,
                            s->file, q->first_line, "query " ID_FMT
                            " has no relevant document (every grade is "
                            "<= 0)", ID_ARG(qid, qn)) < 0)
                return -1;
        } else if (c->have_corpus && q->relevant_present == 0) {
            s->queries_relevant_missing++;
            if (add_problem(c, RB_CHECK_RELEVANT_MISSING, RB_CHECK_WARNING,
                            s->file, q->first_line, "none of the %zu "
                            "relevant documents of query " ID_FMT
                            " is in the corpus", q->relevant,
                            ID_ARG(qid, qn)) < 0)
                return -1;
        }
    }
    return 0;
}

/* Read and check one split's qrels file; feeds the fingerprint when
 * hash is set. */
static int check_split(check_ctx *c, rb_check_split *s, int hash)
{
    split_ctx sc;
    rb_error rerr = {{0}, 0};
    rb_lines *lr = NULL;
    const char *line;
    size_t len;
    int rc = -1;

    memset(&sc, 0, sizeof sc);
    sc.s = s;
    sc.qids = rb_intern_new();
    sc.docs = rb_intern_new();
    sc.pairs = rb_intern_new();
    if (!sc.qids || !sc.docs || !sc.pairs) {
        rb_error_oom(c->err);
        goto done;
    }
    lr = rb_lines_open(s->file, &rerr);
    if (!lr)
        goto read_error;
    if (hash)
        rb_fingerprint_begin_file(c->sha, RB_FINGERPRINT_QRELS);
    while ((rc = rb_lines_next(lr, &line, &len, &rerr)) == 1) {
        if (hash)
            rb_fingerprint_line(c->sha, line, len);
        if (check_qrels_line(c, &sc, s->file, rb_lines_lineno(lr), line,
                             len) < 0)
            goto done;
    }
    if (rc < 0)
        goto read_error;
    rc = report_split_queries(c, &sc);
    if (rc == 0 && s->judgments == 0)
        rc = add_problem(c, RB_CHECK_EMPTY_FILE, RB_CHECK_ERROR, s->file, 0,
                         "no judgments found");
    goto done;

read_error:
    if (strcmp(rerr.msg, "out of memory") == 0) {
        rc = rb_error_oom(c->err);
        goto done;
    }
    if (hash) {
        rb_sha256_free(c->sha);
        c->sha = NULL;
    }
    rc = add_problem(c, RB_CHECK_READ_ERROR, RB_CHECK_ERROR, s->file, 0,
                     "%s", rerr.msg);
done:
    rb_lines_close(lr);
    split_ctx_release(&sc);
    return rc;
}

static int split_cmp(const void *a, const void *b)
{
    const rb_check_split *x = a, *y = b;

    return strcmp(x->name, y->name);
}

/* The split name of a qrels file name ("test.tsv", "dev.tsv.gz"), as a
 * new string, or NULL when the name is not a qrels file. */
static char *split_of_file(const char *name, int *oom)
{
    size_t n = strlen(name);

    *oom = 0;
    if (name[0] == '.')
        return NULL;
    if (n > 7 && strcmp(name + n - 7, ".tsv.gz") == 0)
        n -= 7;
    else if (n > 4 && strcmp(name + n - 4, ".tsv") == 0)
        n -= 4;
    else
        return NULL;
    {
        char *s = rb_strndup(name, n);

        *oom = !s;
        return s;
    }
}

/* Find the splits in dir/qrels, sorted by name; a split present both
 * plain and compressed is read from the plain file, as the loader does. */
static int list_splits(check_ctx *c)
{
    rb_check_report *r = c->r;
    char *qdir = rb_path_join(r->dir, "qrels");
    struct dirent *de;
    size_t cap = 0, i;
    DIR *d;
    int rc = 0;

    if (!qdir)
        return rb_error_oom(c->err);
    d = opendir(qdir);
    if (!d) {
        rc = add_problem(c, RB_CHECK_MISSING_FILE, RB_CHECK_ERROR, qdir, 0,
                         "no qrels folder");
        rb_free(qdir);
        return rc;
    }
    while (rc == 0 && (de = readdir(d)) != NULL) {
        rb_check_split *s;
        char *name, *file;
        int oom;

        name = split_of_file(de->d_name, &oom);
        if (!name) {
            if (oom)
                rc = rb_error_oom(c->err);
            continue;
        }
        for (i = 0; i < r->nsplits; i++)
            if (strcmp(r->splits[i].name, name) == 0)
                break;
        file = rb_path_join(qdir, de->d_name);
        s = rb_grow(r->splits, &cap, r->nsplits + 1, sizeof *s);
        if (!file || !s) {
            rb_free(name);
            rb_free(file);
            if (s)
                r->splits = s;
            rc = rb_error_oom(c->err);
            break;
        }
        r->splits = s;
        if (i < r->nsplits) {
            /* Both forms exist: keep the plain file. */
            rb_free(name);
            if (strlen(file) < strlen(s[i].file)) {
                rb_free(s[i].file);
                s[i].file = file;
            } else {
                rb_free(file);
            }
            continue;
        }
        memset(&s[r->nsplits], 0, sizeof *s);
        s[r->nsplits].name = name;
        s[r->nsplits].file = file;
        r->nsplits++;
    }
    closedir(d);
    if (rc == 0 && r->nsplits == 0)
        rc = add_problem(c, RB_CHECK_MISSING_FILE, RB_CHECK_ERROR, qdir, 0,
                         "no qrels files (SPLIT.tsv) in the folder");
    rb_free(qdir);
    if (r->nsplits > 1)
        qsort(r->splits, r->nsplits, sizeof *r->splits, split_cmp);
    for (i = 0; rc == 0 && i < r->nsplits; i++)
        rc = register_path(c, r->splits[i].file);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Whole-folder findings                                                   */

static int report_unjudged(check_ctx *c)
{
    size_t i, n = rb_intern_count(c->query_ids);

    for (i = 0; i < n; i++) {
        const char *qid;

        if (c->query_judged[i])
            continue;
        c->r->unjudged_queries++;
        qid = rb_intern_str(c->query_ids, (uint32_t)i);
        if (add_problem(c, RB_CHECK_UNJUDGED_QUERY, RB_CHECK_WARNING,
                        c->r->queries.file, c->query_lines[i], "query "
                        ID_FMT " has no judgments in any split",
                        ID_ARG(qid, rb_intern_len(c->query_ids,
                                                  (uint32_t)i))) < 0)
            return -1;
    }
    return 0;
}

/* A corpus where no document has a title is text-only by design: one
 * warning says so instead of one per document. */
static int collapse_empty_titles(check_ctx *c)
{
    rb_check_report *r = c->r;
    size_t i, kept = 0;

    if (r->corpus.records == 0 ||
        r->corpus.empty_titles < r->corpus.records)
        return 0;
    for (i = 0; i < r->nproblems; i++) {
        if (r->problems[i].kind == RB_CHECK_EMPTY_TITLE ||
            r->problems[i].kind == RB_CHECK_EMPTY_DOCUMENT)
            rb_free(r->problems[i].message);
        else
            r->problems[kept++] = r->problems[i];
    }
    r->nproblems = kept;
    r->warnings -= r->counts[RB_CHECK_EMPTY_TITLE] +
                   r->counts[RB_CHECK_EMPTY_DOCUMENT];
    r->counts[RB_CHECK_EMPTY_TITLE] = 0;
    r->counts[RB_CHECK_EMPTY_DOCUMENT] = 0;
    if (add_problem(c, RB_CHECK_EMPTY_TITLE, RB_CHECK_WARNING,
                    r->corpus.file, 0, "no document has a title "
                    "(a text-only corpus)") < 0)
        return -1;
    if (r->corpus.empty_records)
        return add_problem(c, RB_CHECK_EMPTY_DOCUMENT, RB_CHECK_WARNING,
                           r->corpus.file, 0, "%zu documents have an "
                           "empty text and no title",
                           r->corpus.empty_records);
    return 0;
}

/* Problems sorted by file (in the order files were read), then line. */
static int problem_cmp(const void *a, const void *b)
{
    const rb_check_problem *x = a, *y = b;

    if (x->file_id != y->file_id)
        return x->file_id < y->file_id ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static void sort_problems(rb_check_report *r)
{
    if (r->nproblems > 1)
        qsort(r->problems, r->nproblems, sizeof *r->problems,
              problem_cmp);
}

/* Give a file its place in the report's order before any problem in it
 * is found. */
static int register_path(check_ctx *c, const char *path)
{
    if (rb_intern_add(c->r->paths, path, strlen(path), NULL) ==
        RB_INTERN_NONE)
        return rb_error_oom(c->err);
    return 0;
}

/* The split to fingerprint: the one asked for, else "test", else the
 * first. Returns its index, or -1 (reporting a missing file when the
 * asked-for split is absent). */
static long fingerprint_split(check_ctx *c, const char *want, int *rc)
{
    rb_check_report *r = c->r;
    size_t i;

    *rc = 0;
    for (i = 0; i < r->nsplits; i++)
        if (strcmp(r->splits[i].name, want ? want : "test") == 0)
            return (long)i;
    if (want) {
        char name[300];
        char *path;

        snprintf(name, sizeof name, "qrels/%s.tsv", want);
        path = rb_path_join(r->dir, name);
        if (!path) {
            *rc = rb_error_oom(c->err);
            return -1;
        }
        *rc = add_problem(c, RB_CHECK_MISSING_FILE, RB_CHECK_ERROR, path, 0,
                          "split \"%s\" not found (nor %s.gz)", want,
                          name);
        rb_free(path);
        return -1;
    }
    return r->nsplits ? 0 : -1;
}

static int run_checks(check_ctx *c, const rb_check_options *opt)
{
    rb_check_report *r = c->r;
    size_t i;
    long fp;
    int rc;

    if (check_jsonl(c, 1) < 0 || check_jsonl(c, 0) < 0)
        return -1;
    if (c->have_queries) {
        size_t n = rb_intern_count(c->query_ids);

        c->query_judged = rb_calloc(n ? n : 1, 1);
        if (!c->query_judged)
            return rb_error_oom(c->err);
    }
    if (list_splits(c) < 0)
        return -1;
    fp = fingerprint_split(c, opt->split, &rc);
    if (rc < 0)
        return -1;
    if (fp < 0 && c->sha) {
        rb_sha256_free(c->sha);
        c->sha = NULL;
    }
    for (i = 0; i < r->nsplits; i++)
        if (check_split(c, &r->splits[i], c->sha && (long)i == fp) < 0)
            return -1;
    if (c->sha) {
        r->fingerprint_split = rb_strdup(r->splits[fp].name);
        if (!r->fingerprint_split)
            return rb_error_oom(c->err);
        rb_sha256_final(c->sha, r->fingerprint);
        c->sha = NULL;
    }
    if (c->have_queries && r->nsplits && report_unjudged(c) < 0)
        return -1;
    if (collapse_empty_titles(c) < 0)
        return -1;
    sort_problems(r);
    return 0;
}

rb_check_report *rb_dataset_check(const char *dir,
                                  const rb_check_options *opt,
                                  rb_error *err)
{
    rb_check_options defaults = {NULL, 0, RB_CHECK_DEFAULT_MAX_PER_KIND};
    check_ctx c;
    struct stat st;
    int rc = -1;

    if (!opt)
        opt = &defaults;
    if (opt->split && !rb_check_split_name_ok(opt->split)) {
        rb_error_set(err, "\"%s\": not a valid split name", opt->split);
        return NULL;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rb_error_set(err, "%s: no such dataset folder", dir);
        return NULL;
    }
    memset(&c, 0, sizeof c);
    c.err = err;
    c.r = rb_calloc(1, sizeof *c.r);
    if (!c.r) {
        rb_error_oom(err);
        return NULL;
    }
    c.r->max_per_kind = opt->max_per_kind;
    c.r->strict = opt->strict;
    c.r->dir = rb_strdup(dir);
    c.r->paths = rb_intern_new();
    c.doc_ids = rb_intern_new();
    c.query_ids = rb_intern_new();
    c.sha = rb_sha256_new();
    if (!c.r->dir || !c.r->paths || !c.doc_ids || !c.query_ids || !c.sha)
        rb_error_oom(err);
    else
        rc = run_checks(&c, opt);
    rb_sha256_free(c.sha);
    rb_intern_free(c.doc_ids);
    rb_intern_free(c.query_ids);
    rb_free(c.doc_lines);
    rb_free(c.query_lines);
    rb_free(c.query_judged);
    if (rc < 0) {
        rb_check_report_free(c.r);
        return NULL;
    }
    return c.r;
}

void rb_check_report_free(rb_check_report *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < r->nproblems; i++)
        rb_free(r->problems[i].message);
    rb_free(r->problems);
    for (i = 0; i < r->nsplits; i++) {
        rb_free(r->splits[i].name);
        rb_free(r->splits[i].file);
        rb_free(r->splits[i].grades);
    }
    rb_free(r->splits);
    rb_free(r->corpus.file);
    rb_free(r->queries.file);
    rb_free(r->fingerprint_split);
    rb_intern_free(r->paths);
    rb_free(r->dir);
    rb_free(r);
}

/* ---------------------------------------------------------------------- */
/* JSON                                                                    */

/* json_object_set_new that remembers a failure in *ok. */
static void set(json_t *obj, const char *key, json_t *v, int *ok)
{
    if (!v || json_object_set_new(obj, key, v) < 0)
        *ok = 0;
}

static json_t *file_stats_json(const rb_check_file_stats *fs, int corpus,
                               size_t unjudged)
{
    json_t *o = json_object();
    int ok = o != NULL;

    if (!o)
        return NULL;
    set(o, "file", fs->file ? json_string(fs->file) : json_null(), &ok);
    set(o, corpus ? "documents" : "queries", json_integer(
        (json_int_t)fs->records), &ok);
    set(o, "lines", json_integer((json_int_t)fs->lines), &ok);
    if (corpus) {
        set(o, "empty_titles", json_integer(
            (json_int_t)fs->empty_titles), &ok);
        set(o, "empty_texts", json_integer((json_int_t)fs->empty_texts),
            &ok);
        set(o, "empty_documents", json_integer(
            (json_int_t)fs->empty_records), &ok);
    } else {
        set(o, "empty_texts", json_integer((json_int_t)fs->empty_texts),
            &ok);
        set(o, "unjudged", json_integer((json_int_t)unjudged), &ok);
    }
    set(o, "duplicate_ids", json_integer((json_int_t)fs->duplicates), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *split_json(const rb_check_split *s)
{
    json_t *o = json_object(), *g = json_object();
    int ok = o && g;
    size_t i;

    for (i = 0; ok && i < s->ngrades; i++) {
        char key[24];

        snprintf(key, sizeof key, "%d", s->grades[i].grade);
        set(g, key, json_integer((json_int_t)s->grades[i].count), &ok);
    }
    if (!ok) {
        json_decref(o);
        json_decref(g);
        return NULL;
    }
    set(o, "file", json_string(s->file), &ok);
    set(o, "judgments", json_integer((json_int_t)s->judgments), &ok);
    set(o, "queries", json_integer((json_int_t)s->queries), &ok);
    set(o, "documents", json_integer((json_int_t)s->documents), &ok);
    set(o, "relevant", json_integer((json_int_t)s->relevant), &ok);
    set(o, "grades", g, &ok);
    set(o, "unknown_document_judgments",
        json_integer((json_int_t)s->unknown_doc_judgments), &ok);
    set(o, "unknown_query_judgments",
        json_integer((json_int_t)s->unknown_query_judgments), &ok);
    set(o, "missing_documents",
        json_integer((json_int_t)s->missing_documents), &ok);
    set(o, "missing_relevant_documents",
        json_integer((json_int_t)s->missing_relevant), &ok);
    set(o, "queries_without_relevant",
        json_integer((json_int_t)s->queries_no_relevant), &ok);
    set(o, "queries_relevant_missing",
        json_integer((json_int_t)s->queries_relevant_missing), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *problem_json(const rb_check_problem *p)
{
    json_t *o = json_object();
    int ok = o != NULL;

    if (!o)
        return NULL;
    set(o, "file", json_string(p->file), &ok);
    set(o, "line", p->line ? json_integer(p->line) : json_null(), &ok);
    set(o, "severity", json_string(rb_check_severity_name(p->severity)),
        &ok);
    set(o, "kind", json_string(rb_check_kind_name(p->kind)), &ok);
    set(o, "message", json_string(p->message), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *rb_check_report_json(const rb_check_report *r)
{
    json_t *o = json_object(), *splits = json_object();
    json_t *counts = json_object(), *problems = json_array(), *fp;
    int ok = o && splits && counts && problems;
    size_t i;

    for (i = 0; ok && i < r->nsplits; i++)
        set(splits, r->splits[i].name, split_json(&r->splits[i]), &ok);
    for (i = 0; ok && i < RB_CHECK_NKINDS; i++)
        if (r->counts[i])
            set(counts, rb_check_kind_name((rb_check_kind)i),
                json_integer((json_int_t)r->counts[i]), &ok);
    for (i = 0; ok && i < r->nproblems; i++)
        if (json_array_append_new(problems,
                                  problem_json(&r->problems[i])) < 0)
            ok = 0;
    if (!ok) {
        json_decref(o);
        json_decref(splits);
        json_decref(counts);
        json_decref(problems);
        return NULL;
    }
    set(o, "schema", json_string("rankbench.dataset-check"), &ok);
    set(o, "schema_version", json_integer(1), &ok);
    set(o, "path", json_string(r->dir), &ok);
    set(o, "ok", json_boolean(r->errors == 0), &ok);
    set(o, "errors", json_integer((json_int_t)r->errors), &ok);
    set(o, "warnings", json_integer((json_int_t)r->warnings), &ok);
    if (r->fingerprint_split)
        fp = json_pack("{s:s, s:s}", "split", r->fingerprint_split,
                       "sha256", r->fingerprint);
    else
        fp = json_null();
    set(o, "fingerprint", fp, &ok);
    set(o, "corpus", file_stats_json(&r->corpus, 1, 0), &ok);
    set(o, "queries", file_stats_json(&r->queries, 0, r->unjudged_queries),
        &ok);
    set(o, "splits", splits, &ok);
    set(o, "problem_counts", counts, &ok);
    set(o, "problems_listed", json_integer((json_int_t)r->nproblems), &ok);
    set(o, "problems", problems, &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---------------------------------------------------------------------- */
/* Fingerprint from the files alone                                        */

int rb_fingerprint_file(rb_sha256 *sha, rb_fingerprint_role role,
                        const char *path, rb_error *err)
{
    rb_lines *lr = rb_lines_open(path, err);
    const char *line;
    size_t len;
    int rc;

    if (!lr)
        return -1;
    rb_fingerprint_begin_file(sha, role);
    while ((rc = rb_lines_next(lr, &line, &len, err)) == 1)
        rb_fingerprint_line(sha, line, len);
    rb_lines_close(lr);
    return rc < 0 ? -1 : 0;
}

int rb_dataset_fingerprint_files(const char *dir, const char *split,
                                 char hex[65], rb_error *err)
{
    char qname[300], *paths[3] = {NULL, NULL, NULL};
    const char *names[3] = {"corpus.jsonl", "queries.jsonl", qname};
    rb_sha256 *sha = NULL;
    int i, oom, rc = -1;

    if (!split)
        split = "test";
    if (!rb_check_split_name_ok(split))
        return rb_error_set(err, "\"%s\": not a valid split name", split);
    snprintf(qname, sizeof qname, "qrels/%s.tsv", split);
    for (i = 0; i < 3; i++) {
        paths[i] = rb_check_locate_file(dir, names[i], &oom);
        if (!paths[i]) {
            if (oom)
                rb_error_oom(err);
            else
                rb_error_set(err, "%s/%s: not found (nor %s.gz)", dir,
                             names[i], names[i]);
            goto done;
        }
    }
    sha = rb_sha256_new();
    if (!sha) {
        rb_error_oom(err);
        goto done;
    }
    for (i = 0; i < 3; i++)
        if (rb_fingerprint_file(sha, (rb_fingerprint_role)i, paths[i],
                                err) < 0)
            goto done;
    rb_sha256_final(sha, hex);
    sha = NULL;
    rc = 0;
done:
    rb_sha256_free(sha);
    for (i = 0; i < 3; i++)
        rb_free(paths[i]);
    return rc;
}
