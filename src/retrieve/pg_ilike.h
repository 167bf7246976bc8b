#ifndef RB_PG_ILIKE_H
#define RB_PG_ILIKE_H

/*
 * The statement behind pg-ilike, for tests and tools that run it
 * directly: $1 the terms as text[] (each becomes '%term%' with %, _ and \
 * escaped, duplicates removed), $2 how many distinct terms a document
 * must contain, $3 k. Rows are (document index, number of terms
 * contained), best first, ties by document id descending.
 */

extern const char rb_pg_ilike_search_sql[];

#endif
