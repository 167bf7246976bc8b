/*
 * pg-ilike: the keyword baseline people first write in SQL, run inside
 * PostgreSQL and ranked exactly as the embedded ilike retriever ranks
 * (docs/retrievers.md). The query is analyzed here, by the same analyzer
 * with stemming off; each distinct term becomes the pattern '%term%' with
 * %, _ and \ escaped, matched with ILIKE against title and body apart. A
 * document scores the number of distinct terms it contains; ties go by
 * document id, descending. Trigram indexes (pg_trgm) on both columns
 * serve the patterns.
 */

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "retrieve/pg_common.h"
#include "retrieve/pg_conn.h"
#include "retrieve/pg_ilike.h"
#include "retrieve/retriever.h"
#include "text/analyzer.h"

#define ILIKE_COMPONENT "ilike/1"

typedef enum ilike_mode {
    ILIKE_ANY = 0,      /* documents with at least one term */
    ILIKE_ALL = 1,      /* documents with every term */
    ILIKE_PHRASE = 2    /* every word, space-separated, as one substring */
} ilike_mode;

static const char *const mode_names[] = {"any", "all", "phrase"};

typedef struct pg_ilike {
    rb_pg_common common;
    ilike_mode mode;
    rb_analyzer *terms;         /* the configured analyzer, no stemming */
    rb_analyzer *words;         /* phrase mode: no stop or short words
                                 * dropped either */
    rb_analysis **analyses;     /* one per search thread, of the analyzer
                                 * the mode uses */
    int folding_checked;
} pg_ilike;

static const char *const pg_ilike_params[] = {"mode", "analyzer", NULL};

const char rb_pg_ilike_search_sql[] =
    "WITH p AS (\n"
    "  SELECT DISTINCT '%' || replace(replace(replace(t.term,\n"
    "           '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' AS pattern\n"
    "  FROM unnest($1::text[]) AS t (term))\n"
    "SELECT d.idx, count(*)::float8 AS score\n"
    "FROM p JOIN docs AS d\n"
    "  ON d.title ILIKE p.pattern OR d.body ILIKE p.pattern\n"
    "GROUP BY d.idx, d.id\n"
    "HAVING count(*) >= $2::integer\n"
    "ORDER BY score DESC, d.id COLLATE \"C\" DESC\n"
    "LIMIT $3::integer";

static const char *const build_sql[] = {
    "CREATE INDEX docs_title_trgm ON docs USING gin (title gin_trgm_ops)",
    "CREATE INDEX docs_body_trgm ON docs USING gin (body gin_trgm_ops)",
    "ANALYZE docs",
    NULL
};

static int parse_params(const json_t *params, pg_ilike *s,
                        rb_analyzer_config *cfg, rb_error *err)
{
    json_t *v = params ? json_object_get(params, "mode") : NULL;
    size_t i;

    if (v) {
        for (i = 0; json_is_string(v) && i < 3; i++)
            if (strcmp(json_string_value(v), mode_names[i]) == 0)
                break;
        if (!json_is_string(v) || i == 3)
            return rb_error_set(err, "pg-ilike: parameter \"mode\" must "
                                "be \"any\", \"all\" or \"phrase\"");
        s->mode = (ilike_mode)i;
    }
    rb_analyzer_config_default(cfg);
    strcpy(cfg->stemmer, "none");
    v = params ? json_object_get(params, "analyzer") : NULL;
    if (v && rb_analyzer_config_from_json(v, cfg, err) != 0) {
        rb_error_prefix(err, "pg-ilike");
        return -1;
    }
    if (strcmp(cfg->stemmer, "none") != 0)
        return rb_error_set(err, "pg-ilike: terms are never stemmed (drop "
                            "\"stemmer\" from its analyzer)");
    if (!cfg->lowercase)
        return rb_error_set(err, "pg-ilike: matching is case-insensitive, "
                            "\"lowercase\" cannot be false");
    return 0;
}

static void pg_ilike_destroy(void *state)
{
    pg_ilike *s = state;
    int i;

    if (!s)
        return;
    for (i = 0; s->analyses && i < s->common.nconns; i++)
        rb_analysis_free(s->analyses[i]);
    rb_free(s->analyses);
    rb_analyzer_free(s->terms);
    rb_analyzer_free(s->words);
    rb_pg_common_release(&s->common);
    rb_free(s);
}

static int pg_ilike_create(const json_t *params, const rb_context *ctx,
                           void **state, rb_error *err)
{
    pg_ilike *s = rb_calloc(1, sizeof *s);
    rb_analyzer_config cfg, wcfg;
    const rb_analyzer *used;
    int i;

    if (!s)
        return rb_error_oom(err);
    if (parse_params(params, s, &cfg, err) != 0 ||
        rb_pg_common_init(&s->common, "pg-ilike", ctx, err) != 0) {
        rb_free(s);
        return -1;
    }
    wcfg = cfg;
    strcpy(wcfg.stopwords, "none");
    wcfg.min_length = 1;
    s->terms = rb_analyzer_new(&cfg, err);
    s->words = s->terms ? rb_analyzer_new(&wcfg, err) : NULL;
    s->analyses = rb_calloc((size_t)s->common.nconns, sizeof *s->analyses);
    if (!s->words || !s->analyses) {
        rb_error_oom(err);
        pg_ilike_destroy(s);
        return -1;
    }
    used = s->mode == ILIKE_PHRASE ? s->words : s->terms;
    for (i = 0; i < s->common.nconns; i++) {
        s->analyses[i] = rb_analysis_new(used, err);
        if (!s->analyses[i]) {
            pg_ilike_destroy(s);
            return -1;
        }
    }
    *state = s;
    return 0;
}

static int pg_ilike_build(PGconn *conn, const rb_dataset *ds, void *arg,
                          rb_error *err)
{
    size_t i;

    (void)ds;
    (void)arg;
    for (i = 0; build_sql[i]; i++)
        if (rb_pg_command(conn, build_sql[i], err) != 0)
            return -1;
    return 0;
}

/* Warn when the server folds case unlike rankbench's analyzer (simple
 * Unicode lowercase mapping, which glibc's C.UTF-8 applies): ILIKE would
 * then match non-ASCII text differently from ilike. */
static int check_case_folding(pg_ilike *s, rb_error *err)
{
    const char *values[1] = {"\xc3\x80\xce\xa3\xc4\xb0"};   /* À Σ İ */
    PGresult *res;

    if (s->folding_checked)
        return 0;
    if (rb_pg_exec(s->common.conns[0], "SELECT lower($1)", 1, values, &res,
                   err) != 0)
        return -1;
    if (strcmp(PQgetvalue(res, 0, 0), "\xc3\xa0\xcf\x83i") != 0)
        rb_warn("pg-ilike: the server's lower() differs from the simple "
                "Unicode mapping (its LC_CTYPE is not a glibc UTF-8 "
                "locale): non-ASCII text may match unlike ilike");
    PQclear(res);
    s->folding_checked = 1;
    return 0;
}

static int pg_ilike_index(void *state, const rb_dataset *ds,
                          const rb_context *ctx, rb_error *err)
{
    pg_ilike *s = state;

    (void)ctx;
    if (rb_pg_common_index(&s->common, ds, 1, ILIKE_COMPONENT,
                           pg_ilike_build, s, err) != 0)
        return -1;
    if (check_case_folding(s, err) != 0) {
        rb_error_prefix(err, "pg-ilike");
        return -1;
    }
    return 0;
}

/* The distinct terms in first-seen order (or, in phrase mode, the one
 * phrase) into a text[] literal; *count gets their number. */
static char *query_patterns(const pg_ilike *s, const char *const *terms,
                            size_t nterms, size_t *count)
{
    const char **distinct;
    char *phrase = NULL, *literal;
    size_t i, j, n = 0;

    if (s->mode == ILIKE_PHRASE && nterms) {
        size_t len = 0;

        for (i = 0; i < nterms; i++)
            len += strlen(terms[i]) + 1;
        phrase = rb_malloc(len);
        if (!phrase)
            return NULL;
        phrase[0] = '\0';
        for (i = 0; i < nterms; i++) {
            if (i)
                strcat(phrase, " ");
            strcat(phrase, terms[i]);
        }
        *count = 1;
        literal = rb_pg_text_array((const char *const *)&phrase, 1);
        rb_free(phrase);
        return literal;
    }
    distinct = rb_malloc((nterms ? nterms : 1) * sizeof *distinct);
    if (!distinct)
        return NULL;
    for (i = 0; i < nterms; i++) {
        for (j = 0; j < n && strcmp(distinct[j], terms[i]) != 0; j++)
            ;
        if (j == n)
            distinct[n++] = terms[i];
    }
    *count = n;
    literal = rb_pg_text_array(distinct, n);
    rb_free(distinct);
    return literal;
}

static int pg_ilike_query(void *arg, int thread, PGconn *conn,
                          const char *text, size_t k, PGresult **res,
                          rb_error *err)
{
    pg_ilike *s = arg;
    const char *const *terms;
    size_t nterms, npatterns = 0;
    char need[32], ktext[32];
    const char *values[3];
    char *patterns;
    int rc;

    if (rb_analyze(s->analyses[thread], text, strlen(text),
                   RB_ANALYZE_NO_STEM, &terms, &nterms, NULL) != 0)
        return rb_error_oom(err);
    patterns = query_patterns(s, terms, nterms, &npatterns);
    if (!patterns)
        return rb_error_oom(err);
    snprintf(need, sizeof need, "%zu",
             s->mode == ILIKE_ALL ? (npatterns ? npatterns : 1) : 1);
    snprintf(ktext, sizeof ktext, "%zu", k);
    values[0] = patterns;
    values[1] = need;
    values[2] = ktext;
    rc = rb_pg_exec(conn, rb_pg_ilike_search_sql, 3, values, res, err);
    rb_free(patterns);
    return rc;
}

static int pg_ilike_search(void *state, const rb_dataset *ds,
                           const rb_context *ctx, size_t k, rb_run *run,
                           rb_error *err)
{
    pg_ilike *s = state;

    (void)ctx;
    return rb_pg_common_search(&s->common, ds, k, run, pg_ilike_query, s,
                               err);
}

static json_t *pg_ilike_describe(void *state)
{
    pg_ilike *s = state;
    json_t *obj = json_pack("{s:s, s:o, s:I}",
                            "mode", mode_names[s->mode],
                            "analyzer", rb_analyzer_describe(s->terms),
                            "rejected_queries",
                            (json_int_t)s->common.rejected);

    return rb_pg_common_describe(&s->common, obj);
}

const rb_retriever_ops rb_pg_ilike_retriever = {
    "pg-ilike",
    "ILIKE '%term%' over title and text in PostgreSQL, ranked like ilike",
    pg_ilike_params,
    pg_ilike_create,
    pg_ilike_index,
    pg_ilike_search,
    pg_ilike_describe,
    pg_ilike_destroy,
};
