#include "retrieve/pg_bm25_sql.h"

const char *const rb_pg_bm25_schema_sql[] = {
    "CREATE TEXT SEARCH DICTIONARY bm25_stopwords ("
    "  TEMPLATE = pg_catalog.simple, STOPWORDS = english)",

    /* Token 12 of the default parser is "blank": spaces and
     * punctuation between words. */
    "CREATE FUNCTION bm25_tokenize_and_count(content text)\n"
    "RETURNS TABLE (term text, count integer)\n"
    "LANGUAGE sql STABLE PARALLEL SAFE ROWS 100\n"
    "BEGIN ATOMIC\n"
    "  SELECT s.stem, count(*)::integer\n"
    "  FROM (SELECT (ts_lexize('english_stem', t.token))[1] AS stem\n"
    "        FROM ts_parse('default', lower(content)) AS t\n"
    "        WHERE t.tokid <> 12\n"
    "          AND ts_lexize('bm25_stopwords', t.token) <> '{}') AS s\n"
    "  WHERE s.stem IS NOT NULL\n"
    "  GROUP BY s.stem;\n"
    "END",

    "CREATE TABLE bm25_docs (\n"
    "  doc integer PRIMARY KEY,\n"
    "  len integer NOT NULL,\n"
    "  terms jsonb NOT NULL)",

    "CREATE TABLE bm25_terms (\n"
    "  term text PRIMARY KEY,\n"
    "  df integer NOT NULL CHECK (df >= 0))",

    "CREATE FUNCTION bm25_idf(df float8, n float8)\n"
    "RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE\n"
    "RETURN ln(1 + (n - df + 0.5) / (df + 0.5))",

    "CREATE FUNCTION bm25_term_score(tf float8, dl float8, df float8,\n"
    "                                n float8, avgdl float8,\n"
    "                                k1 float8, b float8)\n"
    "RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE\n"
    "RETURN bm25_idf(df, n) * tf\n"
    "       / (tf + k1 * (1 - b + b * dl / avgdl))",

    /* The analyzed query terms with their counts; a term absent from the
     * index is replaced by its most similar indexed term (ties: more
     * documents first, then the smaller term) when fuzzy is not NULL.
     * The caller sets pg_trgm.similarity_threshold to fuzzy so that the
     * trigram index serves the % operator. */
    "CREATE FUNCTION bm25_query_terms(query text, fuzzy float8)\n"
    "RETURNS TABLE (term text, qtf integer, df integer)\n"
    "LANGUAGE sql STABLE ROWS 10\n"
    "BEGIN ATOMIC\n"
    "  SELECT r.term, sum(r.count)::integer, min(r.df)\n"
    "  FROM (SELECT coalesce(e.term, f.term) AS term,\n"
    "               coalesce(e.df, f.df) AS df, q.count\n"
    "        FROM bm25_tokenize_and_count(query) AS q\n"
    "        LEFT JOIN bm25_terms AS e ON e.term = q.term\n"
    "        LEFT JOIN LATERAL (\n"
    "          SELECT c.term, c.df FROM bm25_terms AS c\n"
    "          WHERE e.term IS NULL AND fuzzy IS NOT NULL\n"
    "            AND c.term % q.term\n"
    "            AND similarity(c.term, q.term) >= fuzzy\n"
    "          ORDER BY similarity(c.term, q.term) DESC, c.df DESC,\n"
    "                   c.term COLLATE \"C\"\n"
    "          LIMIT 1) AS f ON true) AS r\n"
    "  WHERE r.term IS NOT NULL\n"
    "  GROUP BY r.term;\n"
    "END",

    NULL
};

const char rb_pg_bm25_fill_docs_sql[] =
    "INSERT INTO bm25_docs (doc, len, terms)\n"
    "SELECT d.idx, c.len, c.terms\n"
    "FROM docs AS d CROSS JOIN LATERAL (\n"
    "  SELECT coalesce(sum(t.count), 0)::integer AS len,\n"
    "         coalesce(jsonb_object_agg(t.term, t.count), '{}') AS terms\n"
    "  FROM bm25_tokenize_and_count(d.title || ' ' || d.body) AS t) AS c\n"
    "WHERE d.idx >= $1::integer AND d.idx < $2::integer";

const char *const rb_pg_bm25_finish_sql[] = {
    "INSERT INTO bm25_terms (term, df)\n"
    "SELECT k.term, count(*)\n"
    "FROM bm25_docs AS d, jsonb_object_keys(d.terms) AS k (term)\n"
    "GROUP BY k.term",

    "CREATE INDEX bm25_docs_terms ON bm25_docs USING gin (terms)",

    "CREATE INDEX bm25_terms_trgm ON bm25_terms\n"
    "USING gin (term gin_trgm_ops)",

    "CREATE MATERIALIZED VIEW bm25_stats AS\n"
    "SELECT count(*)::float8 AS n,\n"
    "       coalesce(avg(len), 0)::float8 AS avgdl\n"
    "FROM bm25_docs",

    /* Ties are broken by document id, descending, as trec_eval orders
     * them, so the cut at k is deterministic. Compiling a short query
     * with JIT costs far more than running it. */
    "CREATE FUNCTION bm25_search(query text, k integer,\n"
    "                            k1 float8 DEFAULT 1.2,\n"
    "                            b float8 DEFAULT 0.75,\n"
    "                            fuzzy float8 DEFAULT 0.3)\n"
    "RETURNS TABLE (doc integer, score float8)\n"
    "LANGUAGE sql VOLATILE SET jit = off\n"
    "BEGIN ATOMIC\n"
    "  SELECT set_config('pg_trgm.similarity_threshold',\n"
    "                    coalesce(fuzzy, 0.3)::text, true);\n"
    "  SELECT s.doc, s.score\n"
    "  FROM (SELECT d.doc,\n"
    "               sum(t.qtf * bm25_term_score(\n"
    "                     (d.terms ->> t.term)::float8, d.len, t.df,\n"
    "                     st.n, st.avgdl, k1, b)) AS score\n"
    "        FROM bm25_query_terms(query, fuzzy) AS t\n"
    "        JOIN bm25_docs AS d ON d.terms ? t.term\n"
    "        CROSS JOIN bm25_stats AS st\n"
    "        GROUP BY d.doc) AS s\n"
    "  JOIN docs AS x ON x.idx = s.doc\n"
    "  ORDER BY s.score DESC, x.id COLLATE \"C\" DESC\n"
    "  LIMIT k;\n"
    "END",
    /* Re-indexing: a changed document's old terms leave the document
     * counts before its new ones enter. */
    "CREATE FUNCTION bm25_sync_document() RETURNS trigger\n"
    "LANGUAGE plpgsql SET search_path FROM CURRENT AS $body$\n"
    "BEGIN\n"
    "  IF TG_OP IN ('UPDATE', 'DELETE') THEN\n"
    "    UPDATE bm25_terms AS t SET df = t.df - 1\n"
    "    FROM bm25_docs AS d, jsonb_object_keys(d.terms) AS k (term)\n"
    "    WHERE d.doc = OLD.idx AND t.term = k.term;\n"
    "    DELETE FROM bm25_terms WHERE df = 0;\n"
    "    DELETE FROM bm25_docs WHERE doc = OLD.idx;\n"
    "  END IF;\n"
    "  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n"
    "    INSERT INTO bm25_docs (doc, len, terms)\n"
    "    SELECT NEW.idx, coalesce(sum(t.count), 0)::integer,\n"
    "           coalesce(jsonb_object_agg(t.term, t.count), '{}')\n"
    "    FROM bm25_tokenize_and_count(NEW.title || ' ' || NEW.body) AS t;\n"
    "    INSERT INTO bm25_terms AS t (term, df)\n"
    "    SELECT k.term, 1\n"
    "    FROM bm25_docs AS d, jsonb_object_keys(d.terms) AS k (term)\n"
    "    WHERE d.doc = NEW.idx\n"
    "    ON CONFLICT (term) DO UPDATE SET df = t.df + 1;\n"
    "  END IF;\n"
    "  RETURN NULL;\n"
    "END\n"
    "$body$",

    "CREATE TRIGGER bm25_sync_document\n"
    "AFTER INSERT OR DELETE OR UPDATE OF title, body ON docs\n"
    "FOR EACH ROW EXECUTE FUNCTION bm25_sync_document()",

    "CREATE FUNCTION bm25_refresh_stats() RETURNS trigger\n"
    "LANGUAGE plpgsql SET search_path FROM CURRENT AS $body$\n"
    "BEGIN\n"
    "  REFRESH MATERIALIZED VIEW bm25_stats;\n"
    "  RETURN NULL;\n"
    "END\n"
    "$body$",

    "CREATE TRIGGER bm25_refresh_stats\n"
    "AFTER INSERT OR DELETE OR UPDATE OF title, body ON docs\n"
    "FOR EACH STATEMENT EXECUTE FUNCTION bm25_refresh_stats()",

    "ANALYZE bm25_docs",
    "ANALYZE bm25_terms",
    "ANALYZE bm25_stats",
    NULL
};

const char rb_pg_bm25_search_sql[] =
    "SELECT doc, score FROM bm25_search($1, $2::integer, $3::float8,\n"
    "                                   $4::float8, $5::float8)";
