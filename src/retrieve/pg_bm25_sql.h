#ifndef RB_PG_BM25_SQL_H
#define RB_PG_BM25_SQL_H

/*
 * BM25 inside PostgreSQL: the SQL objects that pg-bm25 creates in a
 * dataset's schema (run with the session's search_path on that schema and
 * pg_trgm's). SQL-standard function bodies (BEGIN ATOMIC, RETURN) bind
 * their tables when created, so the functions keep working whatever the
 * caller's search_path.
 *
 *   bm25_tokenize_and_count(text) -> (term, count)
 *       ts_parse('default', lower(text)) without blank tokens, english
 *       stop words dropped by a simple dictionary, english Snowball stems
 *   bm25_docs(doc, len, terms jsonb)     per-document term counts, GIN
 *   bm25_terms(term, df)                 per-term document counts,
 *                                        trigram index for fuzzy lookup
 *   bm25_stats                           materialized view: n, avgdl
 *   bm25_idf(df, n)                      ln(1 + (n - df + 0.5)/(df + 0.5))
 *   bm25_term_score(tf, dl, df, n, avgdl, k1, b)
 *   bm25_query_terms(query, fuzzy)       query terms, misspelt ones
 *                                        replaced by the most similar
 *                                        indexed term (NULL: no fuzzy)
 *   bm25_search(query, k, k1, b, fuzzy)  top k (doc, score)
 *
 * Triggers on docs keep bm25_docs, bm25_terms and bm25_stats right when a
 * document is inserted, changed or deleted.
 */

#include <stddef.h>

/* Statements creating the dictionary, functions and tables, in order. */
extern const char *const rb_pg_bm25_schema_sql[];
/* Fill bm25_docs for documents with $1 <= idx < $2. */
extern const char rb_pg_bm25_fill_docs_sql[];
/* Statements run once bm25_docs is full: terms, indexes, statistics,
 * triggers. */
extern const char *const rb_pg_bm25_finish_sql[];
/* The search: $1 query, $2 k, $3 k1, $4 b, $5 fuzzy threshold or NULL. */
extern const char rb_pg_bm25_search_sql[];

#endif
