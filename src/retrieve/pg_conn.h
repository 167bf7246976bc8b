#ifndef RB_PG_CONN_H
#define RB_PG_CONN_H

/*
 * PostgreSQL connections for the pg-* retrievers: connecting with clear
 * errors, running parameterized statements with checked results, and
 * describing a server without its credentials.
 *
 * Every value reaches SQL as a parameter of PQexecParams; statements are
 * constant text. The only identifiers built at run time (schema names)
 * are made from hex digits and quoted with PQescapeIdentifier.
 */

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "base/error.h"

/* Connect to the server named by conninfo (a "key=value ..." string or a
 * postgresql:// URL); NULL or "" means the PG* environment variables and
 * libpq's defaults. The session uses UTF-8 and sends notices to the debug
 * log. On failure err names the host, the port and the server's message,
 * never the password. The caller closes with PQfinish. */
PGconn *rb_pg_connect(const char *conninfo, rb_error *err);

/* Where conn points: {"host", "port", "database", "user",
 * "server_version"}; a Unix-socket host reads "local socket". Never holds
 * a password. A new reference, NULL when memory runs out. */
json_t *rb_pg_describe_server(PGconn *conn);

/* Run sql with n text parameters (values may hold NULLs for SQL NULL).
 * On success returns 0 and, when out is not NULL, hands the result to the
 * caller (PQclear); a result that is neither rows nor a completed command
 * is an error with the server's message, or a note that the connection
 * was lost. */
int rb_pg_exec(PGconn *conn, const char *sql, int n,
               const char *const *values, PGresult **out, rb_error *err);

/* rb_pg_exec without parameters or result. */
int rb_pg_command(PGconn *conn, const char *sql, rb_error *err);

/* Roll back the current transaction if the connection is still usable;
 * used on error paths, so it reports nothing. */
void rb_pg_rollback_quietly(PGconn *conn);

/* Parse an integer or a float8 column of a result row, checking it. */
int rb_pg_get_long(const PGresult *res, int row, int col, long *out,
                   rb_error *err);
int rb_pg_get_double(const PGresult *res, int row, int col, double *out,
                     rb_error *err);

/* Set the session's search_path to schema, then the schema holding
 * pg_trgm when it is installed; names are quoted by the server. */
int rb_pg_use_schema(PGconn *conn, const char *schema, rb_error *err);

/* Install pg_trgm in the database unless it is there, explaining what to
 * install or ask for when that is impossible. */
int rb_pg_require_trgm(PGconn *conn, rb_error *err);

#endif
