#include "retrieve/pg_common.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/pool.h"
#include "base/utf8.h"
#include "retrieve/pg_conn.h"

int rb_pg_common_init(rb_pg_common *c, const char *name,
                      const rb_context *ctx, rb_error *err)
{
    memset(c, 0, sizeof *c);
    c->name = name;
    c->nconns = ctx && ctx->threads > 0 ? ctx->threads : 1;
    if (ctx && ctx->pg_conninfo && *ctx->pg_conninfo) {
        c->conninfo = rb_strdup(ctx->pg_conninfo);
        if (!c->conninfo)
            return rb_error_oom(err);
    }
    c->conns = rb_calloc((size_t)c->nconns, sizeof *c->conns);
    c->schemas = rb_calloc((size_t)c->nconns, sizeof *c->schemas);
    if (!c->conns || !c->schemas) {
        rb_free(c->conns);
        rb_free(c->schemas);
        rb_free(c->conninfo);
        c->conninfo = NULL;
        return rb_error_oom(err);
    }
    return 0;
}

void rb_pg_common_release(rb_pg_common *c)
{
    int i;

    for (i = 0; c->conns && i < c->nconns; i++)
        if (c->conns[i])
            PQfinish(c->conns[i]);
    rb_free(c->conns);
    rb_free(c->schemas);
    if (c->conninfo) {
        /* The string may hold a password: do not leave it in freed
         * memory. */
        memset(c->conninfo, 0, strlen(c->conninfo));
        rb_free(c->conninfo);
    }
    json_decref(c->server);
    memset(c, 0, sizeof *c);
}

static int open_conn(rb_pg_common *c, int i, rb_error *err)
{
    if (c->conns[i])
        return 0;
    c->conns[i] = rb_pg_connect(c->conninfo, err);
    if (!c->conns[i])
        return -1;
    /* Searches are many short statements: JIT compilation would cost far
     * more than it saves. */
    if (rb_pg_command(c->conns[i], "SET jit = off", err) != 0)
        return -1;
    if (i == 0 && !c->server) {
        c->server = rb_pg_describe_server(c->conns[0]);
        if (!c->server)
            return rb_error_oom(err);
    }
    return 0;
}

int rb_pg_common_index(rb_pg_common *c, const rb_dataset *ds,
                       int needs_trgm, const char *component,
                       rb_pg_build_fn build, void *arg, rb_error *err)
{
    int built = 0;

    if (open_conn(c, 0, err) != 0) {
        rb_error_prefix(err, "%s", c->name);
        return -1;
    }
    if (needs_trgm && rb_pg_require_trgm(c->conns[0], err) != 0) {
        rb_error_prefix(err, "%s", c->name);
        return -1;
    }
    c->schemas[0][0] = '\0';
    if (rb_pg_dataset_load(c->conns[0], ds, c->name, NULL, err) != 0 ||
        rb_pg_schema_name(ds, c->schemas[0], err) != 0)
        return -1;
    if (!build)
        return 0;
    if (rb_pg_dataset_component(c->conns[0], ds, component, build, arg,
                                &built, err) != 0) {
        rb_error_prefix(err, "%s: indexing \"%s\"", c->name, ds->name);
        return -1;
    }
    if (built)
        rb_debug("%s: built %s for \"%s\"", c->name, component, ds->name);
    return 0;
}

int rb_pg_check_query(const char *text, size_t len, char *why, size_t size)
{
    const char *nul = memchr(text, '\0', len);
    size_t bad = rb_utf8_invalid_at(text, len);

    if (nul) {
        snprintf(why, size, "contains a NUL byte at offset %zu",
                 (size_t)(nul - text));
        return -1;
    }
    if (bad < len) {
        snprintf(why, size, "is not valid UTF-8 (byte %zu)", bad);
        return -1;
    }
    return 0;
}

char *rb_pg_text_array(const char *const *items, size_t n)
{
    rb_buf b = RB_BUF_INIT;
    size_t i;

    if (rb_buf_putc(&b, '{') != 0)
        return NULL;
    for (i = 0; i < n; i++) {
        const char *s;

        if ((i && rb_buf_putc(&b, ',') != 0) || rb_buf_putc(&b, '"') != 0)
            goto oom;
        for (s = items[i]; *s; s++)
            if (((*s == '"' || *s == '\\') && rb_buf_putc(&b, '\\') != 0) ||
                rb_buf_putc(&b, *s) != 0)
                goto oom;
        if (rb_buf_putc(&b, '"') != 0)
            goto oom;
    }
    if (rb_buf_putc(&b, '}') != 0)
        goto oom;
    return rb_buf_detach(&b);
oom:
    rb_buf_release(&b);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* The search loop                                                     */

typedef struct query_hits {
    rb_result *results;     /* doc = document index */
    size_t n;
    char *rejected;         /* why the query was skipped, or NULL */
} query_hits;

typedef struct search_job {
    rb_pg_common *c;
    const rb_dataset *ds;
    size_t k;
    rb_pg_query_fn fn;
    void *arg;
    query_hits *hits;
    rb_error *errs;         /* one per thread */
    size_t *fail_pos;       /* per thread; SIZE_MAX when none */
    char schema[RB_PG_SCHEMA_MAX];
} search_job;

static int read_hits(const rb_dataset *ds, PGresult *res, size_t k,
                     query_hits *h, rb_error *err)
{
    size_t i, rows = (size_t)PQntuples(res);

    if (PQnfields(res) < 2)
        return rb_error_set(err, "postgresql: expected (document, score) "
                            "rows");
    if (rows > k)
        rows = k;
    if (!rows)
        return 0;
    h->results = rb_malloc(rows * sizeof *h->results);
    if (!h->results)
        return rb_error_oom(err);
    for (i = 0; i < rows; i++) {
        long doc;
        double score;

        if (rb_pg_get_long(res, (int)i, 0, &doc, err) != 0 ||
            rb_pg_get_double(res, (int)i, 1, &score, err) != 0)
            return -1;
        if (doc < 0 || (size_t)doc >= ds->ndocs)
            return rb_error_set(err, "postgresql: document index %ld out "
                                "of range", doc);
        h->results[i].doc = (uint32_t)doc;
        h->results[i].score = score;
        h->n = i + 1;
    }
    return 0;
}

/* A thread's session: connected, search_path on the dataset's schema.
 * Done by the thread at its first query, so that a failure names it. */
static int prepare_conn(search_job *job, int thread, rb_error *err)
{
    rb_pg_common *c = job->c;

    if (c->conns[thread] && strcmp(c->schemas[thread], job->schema) == 0)
        return 0;
    if (open_conn(c, thread, err) != 0 ||
        rb_pg_use_schema(c->conns[thread], job->schema, err) != 0)
        return -1;
    memcpy(c->schemas[thread], job->schema, sizeof job->schema);
    return 0;
}

static int search_one(search_job *job, size_t pos, int thread)
{
    const rb_dataset *ds = job->ds;
    uint32_t q = ds->eval_queries[pos];
    const char *text = ds->query_texts[q];
    rb_error *err = &job->errs[thread];
    query_hits *h = &job->hits[pos];
    PGresult *res = NULL;
    char why[128];
    int rc;

    if (rb_pg_check_query(text, strlen(text), why, sizeof why) != 0) {
        h->rejected = rb_strdup(why);
        return h->rejected ? 0 : rb_error_oom(err);
    }
    if (prepare_conn(job, thread, err) != 0)
        return -1;
    rc = job->fn(job->arg, thread, job->c->conns[thread], text, job->k,
                 &res, err);
    if (rc == 0)
        rc = read_hits(ds, res, job->k, h, err);
    PQclear(res);
    return rc;
}

static int search_range(void *ctx, size_t begin, size_t end, int thread)
{
    search_job *job = ctx;
    size_t pos;

    for (pos = begin; pos < end; pos++) {
        if (search_one(job, pos, thread) != 0) {
            uint32_t q = job->ds->eval_queries[pos];

            rb_error_prefix(&job->errs[thread], "%s: query \"%s\"",
                            job->c->name,
                            rb_intern_str(job->ds->query_ids, q));
            job->fail_pos[thread] = pos;
            return -1;
        }
    }
    return 0;
}

/* Move the hits into run, query by query in evaluation order. */
static int fill_run(rb_pg_common *c, const rb_dataset *ds,
                    query_hits *hits, rb_run *run, rb_error *err)
{
    size_t pos, i;

    c->rejected = 0;
    for (pos = 0; pos < ds->neval; pos++) {
        uint32_t q = ds->eval_queries[pos];
        const char *qid = rb_intern_str(ds->query_ids, q);
        long qi = rb_run_query_index(run, qid, strlen(qid));

        if (qi < 0)
            return rb_error_oom(err);
        if (hits[pos].rejected) {
            rb_warn("%s: query \"%s\" skipped: its text %s", c->name, qid,
                    hits[pos].rejected);
            c->rejected++;
        }
        for (i = 0; i < hits[pos].n; i++)
            if (rb_run_push(run, (size_t)qi, hits[pos].results[i].doc,
                            hits[pos].results[i].score) != 0)
                return rb_error_oom(err);
    }
    rb_run_sort_trec(run);
    return 0;
}

int rb_pg_common_search(rb_pg_common *c, const rb_dataset *ds, size_t k,
                        rb_run *run, rb_pg_query_fn fn, void *arg,
                        rb_error *err)
{
    search_job job;
    int nthreads = c->nconns, i, rc = -1;
    size_t pos;

    if ((size_t)nthreads > ds->neval)
        nthreads = ds->neval ? (int)ds->neval : 1;
    memset(&job, 0, sizeof job);
    job.c = c;
    job.ds = ds;
    job.k = k;
    job.fn = fn;
    job.arg = arg;
    job.hits = rb_calloc(ds->neval ? ds->neval : 1, sizeof *job.hits);
    job.errs = rb_calloc((size_t)nthreads, sizeof *job.errs);
    job.fail_pos = rb_calloc((size_t)nthreads, sizeof *job.fail_pos);
    if (!job.hits || !job.errs || !job.fail_pos) {
        rb_error_oom(err);
        goto done;
    }
    for (i = 0; i < nthreads; i++)
        job.fail_pos[i] = SIZE_MAX;
    if (!c->conns[0]) {
        rb_error_set(err, "%s: search before index", c->name);
        goto done;
    }
    if (rb_pg_schema_name(ds, job.schema, err) != 0)
        goto done;
    if (rb_parallel_for(ds->neval, 1, nthreads, search_range, &job) != 0) {
        int first = -1;

        /* Report the failure of the earliest query, whichever thread. */
        for (i = 0; i < nthreads; i++)
            if (job.fail_pos[i] != SIZE_MAX &&
                (first < 0 || job.fail_pos[i] < job.fail_pos[first]))
                first = i;
        if (first >= 0)
            rb_error_set(err, "%s", job.errs[first].msg);
        else
            rb_error_set(err, "%s: search failed", c->name);
        goto done;
    }
    rc = fill_run(c, ds, job.hits, run, err);
done:
    for (pos = 0; job.hits && pos < ds->neval; pos++) {
        rb_free(job.hits[pos].results);
        rb_free(job.hits[pos].rejected);
    }
    rb_free(job.hits);
    rb_free(job.errs);
    rb_free(job.fail_pos);
    return rc;
}

json_t *rb_pg_common_describe(const rb_pg_common *c, json_t *obj)
{
    if (obj && c->server && json_object_set(obj, "server", c->server) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}
