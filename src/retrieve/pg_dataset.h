#ifndef RB_PG_DATASET_H
#define RB_PG_DATASET_H

/*
 * A dataset inside PostgreSQL. Each dataset lives in its own schema,
 * named from its fingerprint, holding
 *
 *   docs(idx, id, title, body)   one row per document; idx is the
 *                                document's index in the rb_dataset
 *   meta(key, value)             fingerprint, document count, layout,
 *                                and one row per derived component built
 *
 * The documents are loaded with COPY inside one transaction, so a schema
 * either holds the whole dataset or does not exist; a later run against
 * the same server finds and reuses it. Retrievers add their own tables and
 * functions ("components") to the schema, each built once, also in one
 * transaction. Concurrent runs serialize on an advisory lock per schema.
 */

#include <libpq-fe.h>

#include "base/error.h"
#include "data/dataset.h"

/* Version of the table layout; part of the schema name. */
#define RB_PG_LAYOUT 1
#define RB_PG_SCHEMA_MAX 64

/* The schema name of ds ("rankbench_1_" and 40 hex digits of the
 * fingerprint) into out. Fails when the fingerprint is not 64 hex
 * digits. */
int rb_pg_schema_name(const rb_dataset *ds, char out[RB_PG_SCHEMA_MAX],
                      rb_error *err);

/* Make sure ds's documents are in its schema: load them when the schema is
 * absent (showing progress on a terminal), reuse them when present (after
 * checking that the stored fingerprint and document count match), and
 * point the session's search_path at the schema. *loaded (may be NULL) is
 * set to 1 when this call loaded the documents. `who` names the caller in
 * messages. */
int rb_pg_dataset_load(PGconn *conn, const rb_dataset *ds, const char *who,
                       int *loaded, rb_error *err);

/* Build a derived component of the loaded dataset (tables, indexes,
 * functions) unless meta records it: build runs inside one transaction
 * with the session's search_path on the schema, and the component is
 * recorded under `component` (a name with a version, like "bm25/1") on
 * success. On failure nothing of it remains. *built (may be NULL) tells
 * whether build ran. */
typedef int (*rb_pg_build_fn)(PGconn *conn, const rb_dataset *ds, void *arg,
                              rb_error *err);
int rb_pg_dataset_component(PGconn *conn, const rb_dataset *ds,
                            const char *component, rb_pg_build_fn build,
                            void *arg, int *built, rb_error *err);

/* Remove ds's schema and everything in it (tests and re-loads). */
int rb_pg_dataset_drop(PGconn *conn, const rb_dataset *ds, rb_error *err);

#endif
