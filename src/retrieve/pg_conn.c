#include "retrieve/pg_conn.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

/* The first line of a libpq or server message, without trailing space. */
static void first_line(const char *msg, char *out, size_t size)
{
    size_t n = 0;

    if (!msg || !*msg)
        msg = "no message";
    /* libpq's "FATAL:  " and "ERROR:  " add nothing to our messages. */
    if (strncmp(msg, "FATAL:  ", 8) == 0 || strncmp(msg, "ERROR:  ", 8) == 0)
        msg += 8;
    while (msg[n] && msg[n] != '\n' && n + 1 < size)
        n++;
    while (n && (msg[n - 1] == ' ' || msg[n - 1] == '\r' ||
                 msg[n - 1] == '.'))
        n--;
    memcpy(out, msg, n);
    out[n] = '\0';
}

static void notice_to_log(void *arg, const char *message)
{
    char line[512];

    (void)arg;
    first_line(message, line, sizeof line);
    rb_debug("postgresql: %s", line);
}

PGconn *rb_pg_connect(const char *conninfo, rb_error *err)
{
    const char *keys[] = {"dbname", "client_encoding",
                          "fallback_application_name", NULL};
    const char *values[] = {conninfo ? conninfo : "", "UTF8", "rankbench",
                            NULL};
    char msg[512];
    char *parse_error = NULL;
    PQconninfoOption *opts;
    PGconn *conn;

    /* A malformed string is reported without quoting it: it may hold a
     * password. */
    if (conninfo && *conninfo) {
        opts = PQconninfoParse(conninfo, &parse_error);
        if (!opts) {
            PQfreemem(parse_error);
            rb_error_set(err, "invalid PostgreSQL connection string (not "
                         "shown, as it may hold a password)");
            return NULL;
        }
        PQconninfoFree(opts);
    }
    conn = PQconnectdbParams(keys, values, 1);
    if (!conn) {
        rb_error_oom(err);
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        const char *host = PQhost(conn), *port = PQport(conn);

        first_line(PQerrorMessage(conn), msg, sizeof msg);
        rb_error_set(err, "cannot connect to PostgreSQL at host \"%s\" "
                     "port \"%s\": %s", host && *host ? host : "(default)",
                     port && *port ? port : "(default)", msg);
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, notice_to_log, NULL);
    return conn;
}

json_t *rb_pg_describe_server(PGconn *conn)
{
    const char *host = PQhost(conn), *version;

    if (!host || !*host || host[0] == '/' || host[0] == '@')
        host = "local socket";
    version = PQparameterStatus(conn, "server_version");
    return json_pack("{s:s, s:s, s:s, s:s, s:s}",
                     "host", host,
                     "port", PQport(conn) ? PQport(conn) : "",
                     "database", PQdb(conn) ? PQdb(conn) : "",
                     "user", PQuser(conn) ? PQuser(conn) : "",
                     "server_version", version ? version : "unknown");
}

static int result_error(PGconn *conn, const PGresult *res, rb_error *err)
{
    const char *primary = NULL;
    char msg[512];

    if (PQstatus(conn) == CONNECTION_BAD) {
        first_line(PQerrorMessage(conn), msg, sizeof msg);
        return rb_error_set(err, "lost the connection to PostgreSQL: %s",
                            msg);
    }
    if (res)
        primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    first_line(primary ? primary : PQerrorMessage(conn), msg, sizeof msg);
    return rb_error_set(err, "postgresql: %s", msg);
}

int rb_pg_exec(PGconn *conn, const char *sql, int n,
               const char *const *values, PGresult **out, rb_error *err)
{
    PGresult *res;
    ExecStatusType st;

    if (out)
        *out = NULL;
    res = PQexecParams(conn, sql, n, NULL, values, NULL, NULL, 0);
    st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        result_error(conn, res, err);
        PQclear(res);
        return -1;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return 0;
}

int rb_pg_command(PGconn *conn, const char *sql, rb_error *err)
{
    return rb_pg_exec(conn, sql, 0, NULL, NULL, err);
}

void rb_pg_rollback_quietly(PGconn *conn)
{
    PGresult *res;

    if (PQstatus(conn) != CONNECTION_OK ||
        PQtransactionStatus(conn) == PQTRANS_IDLE)
        return;
    res = PQexec(conn, "ROLLBACK");
    PQclear(res);
}

/* The text of a field that must not be NULL; NULL with an error if it is. */
static const char *field_text(const PGresult *res, int row, int col,
                              rb_error *err)
{
    if (PQgetisnull(res, row, col)) {
        rb_error_set(err, "postgresql: unexpected NULL in column \"%s\"",
                     PQfname(res, col));
        return NULL;
    }
    return PQgetvalue(res, row, col);
}

int rb_pg_get_long(const PGresult *res, int row, int col, long *out,
                   rb_error *err)
{
    const char *s = field_text(res, row, col, err);
    char *end;

    if (!s)
        return -1;
    errno = 0;
    *out = strtol(s, &end, 10);
    if (errno || end == s || *end)
        return rb_error_set(err, "postgresql: \"%s\" in column \"%s\" is "
                            "not an integer", s, PQfname(res, col));
    return 0;
}

int rb_pg_get_double(const PGresult *res, int row, int col, double *out,
                     rb_error *err)
{
    const char *s = field_text(res, row, col, err);
    char *end;

    if (!s)
        return -1;
    errno = 0;
    *out = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(*out))
        return rb_error_set(err, "postgresql: \"%s\" in column \"%s\" is "
                            "not a finite number", s, PQfname(res, col));
    return 0;
}

int rb_pg_use_schema(PGconn *conn, const char *schema, rb_error *err)
{
    static const char sql[] =
        "SELECT set_config('search_path', "
        "  quote_ident($1::text) || coalesce(', ' || ("
        "    SELECT quote_ident(n.nspname) FROM pg_extension e"
        "    JOIN pg_namespace n ON n.oid = e.extnamespace"
        "    WHERE e.extname = 'pg_trgm' AND n.nspname <> $1::text), ''),"
        "  false)";
    const char *values[1] = {schema};

    return rb_pg_exec(conn, sql, 1, values, NULL, err);
}

int rb_pg_require_trgm(PGconn *conn, rb_error *err)
{
    static const char probe[] =
        "SELECT (SELECT count(*) FROM pg_extension"
        "        WHERE extname = 'pg_trgm'),"
        "       (SELECT count(*) FROM pg_available_extensions"
        "        WHERE name = 'pg_trgm')";
    PGresult *res;
    long installed = 0, available = 0;
    rb_error local = {{0}, 0};

    if (rb_pg_exec(conn, probe, 0, NULL, &res, err) != 0)
        return -1;
    if (rb_pg_get_long(res, 0, 0, &installed, err) != 0 ||
        rb_pg_get_long(res, 0, 1, &available, err) != 0) {
        PQclear(res);
        return -1;
    }
    PQclear(res);
    if (installed)
        return 0;
    if (!available)
        return rb_error_set(err, "the PostgreSQL server lacks the pg_trgm "
                            "extension; install it on the server (Debian "
                            "12: part of 'postgresql-15'; elsewhere "
                            "'postgresql-contrib')");
    /* Into the database's default schema, not a dataset's. */
    if (rb_pg_command(conn, "BEGIN", &local) != 0 ||
        rb_pg_command(conn, "SET LOCAL search_path TO DEFAULT",
                      &local) != 0 ||
        rb_pg_command(conn, "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                      &local) != 0 ||
        rb_pg_command(conn, "COMMIT", &local) != 0) {
        rb_pg_rollback_quietly(conn);
        return rb_error_set(err, "cannot install the pg_trgm extension "
                            "(%s); ask the database owner to run 'CREATE "
                            "EXTENSION pg_trgm'", local.msg);
    }
    return 0;
}
