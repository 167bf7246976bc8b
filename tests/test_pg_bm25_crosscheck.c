/* pg-bm25 against the native BM25 engine on the shared collections: the
 * SQL tokenizer's term counts, fetched from the server, are indexed and
 * scored by the native code, and every document pg-bm25 returns must get
 * the same score to 1e-9 relative (fuzzy correction off). */

#include <math.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/intern.h"
#include "data/run.h"
#include "pg_test.h"
#include "retrieve/bm25.h"
#include "retrieve/pg_dataset.h"
#include "retrieve/retriever.h"

extern const rb_retriever_ops rb_pg_bm25_retriever;

#define K 100
#define TOLERANCE 1e-9

static rb_pg_temp *cluster;
static PGconn *conn;

/* The SQL terms of every document and query rewritten as synthetic words
 * ("w" and the term's number) that the native analyzer, with stop words
 * and stemming off, keeps exactly as they are. */
typedef struct synthetic {
    rb_intern *terms;
    char **docs;        /* by document index */
    size_t ndocs;
} synthetic;

static int append_term(synthetic *syn, rb_buf *out, const char *term,
                       long count)
{
    uint32_t id = rb_intern_add(syn->terms, term, strlen(term), NULL);
    long i;

    if (id == RB_INTERN_NONE)
        return -1;
    for (i = 0; i < count; i++)
        if (rb_buf_printf(out, "w%u ", id) != 0)
            return -1;
    return 0;
}

/* A JSON object of term counts (bm25_docs.terms) as synthetic text. */
static char *synthetic_text(synthetic *syn, const char *json_text)
{
    json_t *obj = json_loads(json_text, 0, NULL);
    rb_buf out = RB_BUF_INIT;
    const char *term;
    json_t *count;

    if (!obj)
        return NULL;
    json_object_foreach(obj, term, count)
        append_term(syn, &out, term, (long)json_integer_value(count));
    json_decref(obj);
    if (rb_buf_puts(&out, "") != 0)
        return NULL;
    return rb_buf_detach(&out);
}

static int fetch_documents(synthetic *syn, const rb_dataset *ds,
                           const char *schema)
{
    char sql[256];
    PGresult *res;
    int i, n;

    snprintf(sql, sizeof sql, "SELECT doc, terms::text FROM %s.bm25_docs "
             "ORDER BY doc", schema);
    res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        PQclear(res);
        return -1;
    }
    n = PQntuples(res);
    CHECK_EQ_INT(n, ds->ndocs);
    syn->ndocs = ds->ndocs;
    syn->docs = rb_calloc(ds->ndocs, sizeof *syn->docs);
    for (i = 0; i < n; i++) {
        long doc = atol(PQgetvalue(res, i, 0));

        if (doc >= 0 && (size_t)doc < ds->ndocs)
            syn->docs[doc] = synthetic_text(syn, PQgetvalue(res, i, 1));
    }
    PQclear(res);
    return 0;
}

/* The query's SQL terms as synthetic text. */
static char *synthetic_query(synthetic *syn, const char *schema,
                             const char *query)
{
    char sql[256];
    const char *values[1] = {query};
    rb_buf out = RB_BUF_INIT;
    PGresult *res;
    int i;

    snprintf(sql, sizeof sql, "SELECT term, count FROM "
             "%s.bm25_tokenize_and_count($1)", schema);
    res = PQexecParams(conn, sql, 1, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        PQclear(res);
        return NULL;
    }
    for (i = 0; i < PQntuples(res); i++)
        append_term(syn, &out, PQgetvalue(res, i, 0),
                    atol(PQgetvalue(res, i, 1)));
    PQclear(res);
    rb_buf_puts(&out, "");
    return rb_buf_detach(&out);
}

static int syn_doc_text(void *arg, size_t i, int thread, rb_buf *scratch,
                        const char *seg[2], size_t seglen[2])
{
    synthetic *syn = arg;

    (void)thread;
    (void)scratch;
    seg[0] = syn->docs[i] ? syn->docs[i] : "";
    seg[1] = "";
    seglen[0] = strlen(seg[0]);
    seglen[1] = 0;
    return 0;
}

static const rb_dataset *id_source;

static const char *syn_doc_id(void *arg, size_t i)
{
    (void)arg;
    return rb_intern_str(id_source->doc_ids, (uint32_t)i);
}

static rb_run *pg_bm25_run(const rb_dataset *ds)
{
    const rb_retriever_ops *ops = &rb_pg_bm25_retriever;
    json_t *params = json_pack("{s:b}", "fuzzy", 0);
    rb_run *run = rb_run_new_borrowed("pg-bm25", ds->doc_ids);
    rb_error err = {{0}, 0};
    rb_context ctx;
    void *state = NULL;
    int rc;

    memset(&ctx, 0, sizeof ctx);
    ctx.threads = 2;
    ctx.pg_conninfo = rb_pg_temp_conninfo(cluster);
    rc = ops->create(params, &ctx, &state, &err);
    if (rc == 0)
        rc = ops->index(state, ds, &ctx, &err);
    if (rc == 0)
        rc = ops->search(state, ds, &ctx, K, run, &err);
    if (rc != 0)
        fprintf(stderr, "pg-bm25: %s\n", err.msg);
    if (state)
        ops->destroy(state);
    json_decref(params);
    if (rc != 0) {
        rb_run_free(run);
        return NULL;
    }
    return run;
}

static void crosscheck(const char *name)
{
    char dir[4096], schema[RB_PG_SCHEMA_MAX];
    rb_error err = {{0}, 0};
    rb_dataset *ds;
    rb_run *run;
    synthetic syn = {NULL, NULL, 0};
    rb_analyzer_config cfg;
    rb_analyzer *a = NULL;
    rb_bm25_params params;
    rb_bm25_build_options opt = {2, 0, NULL};
    rb_bm25_source src;
    rb_bm25_index *ix = NULL;
    rb_bm25_searcher *searcher = NULL;
    double *native = NULL, worst = 0;
    size_t pos, i, compared = 0;

    snprintf(dir, sizeof dir, "%s/datasets/%s", RB_SHARED_DIR, name);
    ds = rb_dataset_load(dir, NULL, &err);
    CHECK(ds != NULL);
    if (!ds)
        return;
    run = pg_bm25_run(ds);
    CHECK(run != NULL);
    CHECK(rb_pg_schema_name(ds, schema, &err) == 0);
    syn.terms = rb_intern_new();
    if (!run || fetch_documents(&syn, ds, schema) != 0)
        goto done;

    rb_analyzer_config_default(&cfg);
    strcpy(cfg.stopwords, "none");
    strcpy(cfg.stemmer, "none");
    a = rb_analyzer_new(&cfg, &err);
    rb_bm25_params_default(&params);
    params.variant = RB_BM25_LUCENE;
    params.k1 = 1.2;
    params.b = 0.75;
    src.ndocs = ds->ndocs;
    src.arg = &syn;
    src.doc_text = syn_doc_text;
    src.doc_id = syn_doc_id;
    id_source = ds;
    ix = a ? rb_bm25_build(&src, a, &params, &opt, &err) : NULL;
    searcher = ix ? rb_bm25_searcher_new(ix, a, &err) : NULL;
    native = rb_calloc(ds->ndocs, sizeof *native);
    CHECK(searcher != NULL);
    if (!searcher || !native)
        goto done;

    CHECK_EQ_INT(run->nqueries, ds->neval);
    for (pos = 0; pos < run->nqueries && pos < ds->neval; pos++) {
        const rb_run_query *q = &run->queries[pos];
        uint32_t qidx = ds->eval_queries[pos];
        char *text = synthetic_query(&syn, schema,
                                     ds->query_texts[qidx]);
        const rb_bm25_hit *hits;
        size_t nhits = 0;

        CHECK_STR(rb_run_qid(run, pos),
                  rb_intern_str(ds->query_ids, qidx));
        CHECK(text != NULL);
        if (!text)
            continue;
        /* Every document the native engine scores, by exhaustive search. */
        memset(native, 0, ds->ndocs * sizeof *native);
        CHECK(rb_bm25_search_exhaustive(searcher, text, strlen(text),
                                        ds->ndocs, &hits, &nhits, NULL,
                                        &err) == 0);
        for (i = 0; i < nhits; i++)
            native[hits[i].doc] = hits[i].score;
        /* As many results as documents with a query term, up to K. */
        CHECK_EQ_INT(q->n, nhits < K ? nhits : K);
        for (i = 0; i < q->n; i++) {
            double want = native[q->results[i].doc];
            double got = q->results[i].score;
            double rel = fabs(got - want) / fabs(want);

            if (!(rel <= TOLERANCE)) {
                fprintf(stderr, "%s: query %s doc %s: pg %.17g native "
                        "%.17g\n", name, rb_run_qid(run, pos),
                        rb_run_doc(run, q->results[i].doc), got, want);
                CHECK(rel <= TOLERANCE);
            }
            if (rel > worst)
                worst = rel;
            compared++;
        }
        rb_free(text);
    }
    fprintf(stderr, "%s: %zu scores compared, largest relative "
            "difference %.3g\n", name, compared, worst);
    CHECK(compared > 0);
done:
    rb_free(native);
    rb_bm25_searcher_free(searcher);
    rb_bm25_free(ix);
    rb_analyzer_free(a);
    for (i = 0; syn.docs && i < syn.ndocs; i++)
        rb_free(syn.docs[i]);
    rb_free(syn.docs);
    rb_intern_free(syn.terms);
    rb_run_free(run);
    rb_dataset_free(ds);
}

static void test_cacm_agrees_with_native_bm25(void)
{
    crosscheck("cacm");
}

static void test_cisi_agrees_with_native_bm25(void)
{
    crosscheck("cisi");
}

static void test_cranfield_agrees_with_native_bm25(void)
{
    crosscheck("cranfield");
}

int main(void)
{
    char probe[4096];

    snprintf(probe, sizeof probe, "%s/datasets/cacm/corpus.jsonl",
             RB_SHARED_DIR);
    if (access(probe, R_OK) != 0)
        CHECK_SKIP("the shared collections are not there");
    cluster = pg_test_start();
    conn = pg_test_connect(cluster);
    RUN_TEST(test_cacm_agrees_with_native_bm25);
    RUN_TEST(test_cisi_agrees_with_native_bm25);
    RUN_TEST(test_cranfield_agrees_with_native_bm25);
    PQfinish(conn);
    rb_pg_temp_stop(cluster);
    return check_report();
}
