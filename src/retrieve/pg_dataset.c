#include "retrieve/pg_dataset.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/progress.h"
#include "base/timer.h"
#include "retrieve/pg_conn.h"

#define COPY_BATCH_BYTES (1u << 20)

int rb_pg_schema_name(const rb_dataset *ds, char out[RB_PG_SCHEMA_MAX],
                      rb_error *err)
{
    size_t i;

    for (i = 0; i < 64; i++) {
        char c = ds->fingerprint[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return rb_error_set(err, "dataset \"%s\" has no valid "
                                "fingerprint", ds->name ? ds->name : "?");
    }
    snprintf(out, RB_PG_SCHEMA_MAX, "rankbench_%d_%.40s", RB_PG_LAYOUT,
             ds->fingerprint);
    return 0;
}

/* BEGIN and take the schema's advisory lock (released at the end of the
 * transaction). */
static int begin_locked(PGconn *conn, const char *schema, rb_error *err)
{
    const char *values[1] = {schema};

    if (rb_pg_command(conn, "BEGIN", err) != 0)
        return -1;
    return rb_pg_exec(conn, "SELECT pg_advisory_xact_lock("
                      "hashtextextended($1, 0))", 1, values, NULL, err);
}

static int schema_exists(PGconn *conn, const char *schema, int *exists,
                         rb_error *err)
{
    const char *values[1] = {schema};
    PGresult *res;

    if (rb_pg_exec(conn, "SELECT 1 FROM pg_namespace WHERE nspname = $1",
                   1, values, &res, err) != 0)
        return -1;
    *exists = PQntuples(res) > 0;
    PQclear(res);
    return 0;
}

/* The value of a meta key into out ("" when absent). */
static int meta_get(PGconn *conn, const char *key, char *out, size_t size,
                    rb_error *err)
{
    const char *values[1] = {key};
    PGresult *res;

    if (rb_pg_exec(conn, "SELECT value FROM meta WHERE key = $1", 1,
                   values, &res, err) != 0)
        return -1;
    snprintf(out, size, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return 0;
}

static int meta_set(PGconn *conn, const char *key, const char *value,
                    rb_error *err)
{
    const char *values[2] = {key, value};

    return rb_pg_exec(conn, "INSERT INTO meta (key, value) VALUES ($1, $2) "
                      "ON CONFLICT (key) DO UPDATE SET value = $2", 2,
                      values, NULL, err);
}

static int check_stored(PGconn *conn, const rb_dataset *ds,
                        const char *schema, rb_error *err)
{
    char fp[128], docs[64], want[64];

    if (meta_get(conn, "fingerprint", fp, sizeof fp, err) != 0 ||
        meta_get(conn, "documents", docs, sizeof docs, err) != 0)
        return -1;
    snprintf(want, sizeof want, "%zu", ds->ndocs);
    if (strcmp(fp, ds->fingerprint) != 0 || strcmp(docs, want) != 0)
        return rb_error_set(err, "schema \"%s\" holds other data than "
                            "dataset \"%s\" (fingerprint or document "
                            "count differ); drop it with 'DROP SCHEMA %s "
                            "CASCADE'", schema, ds->name, schema);
    return 0;
}

/* Append s in COPY text format (backslash escapes for \, tab, newline and
 * carriage return). */
static int copy_escape(rb_buf *b, const char *s)
{
    const char *run = s;

    for (; *s; s++) {
        const char *rep = NULL;

        switch (*s) {
        case '\\': rep = "\\\\"; break;
        case '\t': rep = "\\t"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        default: continue;
        }
        if (rb_buf_append(b, run, (size_t)(s - run)) != 0 ||
            rb_buf_puts(b, rep) != 0)
            return -1;
        run = s + 1;
    }
    return rb_buf_append(b, run, (size_t)(s - run));
}

static int copy_flush(PGconn *conn, rb_buf *b, rb_error *err)
{
    if (b->len && PQputCopyData(conn, b->data, (int)b->len) != 1)
        return rb_error_set(err, "postgresql: COPY failed: %s",
                            PQerrorMessage(conn));
    rb_buf_reset(b);
    return 0;
}

static int copy_end(PGconn *conn, const char *fail, rb_error *err)
{
    PGresult *res;
    int rc = 0;

    if (PQputCopyEnd(conn, fail) != 1)
        rc = rb_error_set(err, "postgresql: COPY failed: %s",
                          PQerrorMessage(conn));
    while ((res = PQgetResult(conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && !fail)
            rc = rb_error_set(err, "postgresql: COPY failed: %s",
                              PQresultErrorMessage(res));
        PQclear(res);
    }
    return rc;
}

static int copy_documents(PGconn *conn, const rb_dataset *ds,
                          const char *who, rb_error *err)
{
    rb_buf row = RB_BUF_INIT;
    rb_progress progress;
    PGresult *res;
    size_t i;
    int rc = -1;

    res = PQexec(conn, "COPY docs (idx, id, title, body) FROM STDIN");
    if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
        rb_error_set(err, "postgresql: cannot start COPY: %s",
                     PQerrorMessage(conn));
        PQclear(res);
        return -1;
    }
    PQclear(res);
    rb_progress_start(&progress, who, ds->ndocs);
    for (i = 0; i < ds->ndocs; i++) {
        if (rb_buf_printf(&row, "%zu\t", i) != 0 ||
            copy_escape(&row, rb_intern_str(ds->doc_ids, (uint32_t)i)) ||
            rb_buf_putc(&row, '\t') != 0 ||
            copy_escape(&row, ds->doc_titles[i]) != 0 ||
            rb_buf_putc(&row, '\t') != 0 ||
            copy_escape(&row, ds->doc_texts[i]) != 0 ||
            rb_buf_putc(&row, '\n') != 0) {
            rb_error_oom(err);
            goto done;
        }
        if (row.len >= COPY_BATCH_BYTES && copy_flush(conn, &row, err))
            goto done;
        rb_progress_update(&progress, i + 1);
    }
    if (copy_flush(conn, &row, err) != 0)
        goto done;
    rc = 0;
done:
    rb_progress_finish(&progress);
    if (copy_end(conn, rc == 0 ? NULL : "rankbench stopped", err) != 0)
        rc = -1;
    rb_buf_release(&row);
    return rc;
}

static const char create_tables[] =
    "CREATE TABLE docs ("
    "  idx integer PRIMARY KEY,"
    "  id text NOT NULL,"
    "  title text NOT NULL,"
    "  body text NOT NULL)";
static const char create_meta[] =
    "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)";

static int create_and_fill(PGconn *conn, const rb_dataset *ds,
                           const char *schema, const char *who,
                           rb_error *err)
{
    char *quoted = PQescapeIdentifier(conn, schema, strlen(schema));
    char sql[160], count[32], layout[16];
    int rc;

    if (!quoted)
        return rb_error_set(err, "postgresql: %s", PQerrorMessage(conn));
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", quoted);
    PQfreemem(quoted);
    snprintf(count, sizeof count, "%zu", ds->ndocs);
    snprintf(layout, sizeof layout, "%d", RB_PG_LAYOUT);
    rc = rb_pg_command(conn, sql, err);
    if (rc == 0)
        rc = rb_pg_use_schema(conn, schema, err);
    if (rc == 0)
        rc = rb_pg_command(conn, create_tables, err);
    if (rc == 0)
        rc = rb_pg_command(conn, create_meta, err);
    if (rc == 0)
        rc = copy_documents(conn, ds, who, err);
    if (rc == 0)
        rc = meta_set(conn, "fingerprint", ds->fingerprint, err);
    if (rc == 0)
        rc = meta_set(conn, "documents", count, err);
    if (rc == 0)
        rc = meta_set(conn, "layout", layout, err);
    if (rc == 0)
        rc = meta_set(conn, "dataset", ds->name ? ds->name : "", err);
    if (rc == 0)
        rc = rb_pg_command(conn, "ANALYZE docs", err);
    return rc;
}

int rb_pg_dataset_load(PGconn *conn, const rb_dataset *ds, const char *who,
                       int *loaded, rb_error *err)
{
    char schema[RB_PG_SCHEMA_MAX];
    double start = rb_now();
    int exists = 0;

    if (loaded)
        *loaded = 0;
    if (rb_pg_schema_name(ds, schema, err) != 0)
        return -1;
    if (begin_locked(conn, schema, err) != 0 ||
        schema_exists(conn, schema, &exists, err) != 0)
        goto fail;
    if (exists) {
        if (rb_pg_use_schema(conn, schema, err) != 0 ||
            check_stored(conn, ds, schema, err) != 0 ||
            rb_pg_command(conn, "COMMIT", err) != 0)
            goto fail;
        rb_debug("%s: reusing schema %s of dataset \"%s\"", who, schema,
                 ds->name);
        return 0;
    }
    if (create_and_fill(conn, ds, schema, who, err) != 0 ||
        rb_pg_command(conn, "COMMIT", err) != 0)
        goto fail;
    rb_info("%s: loaded %zu documents of \"%s\" into schema %s (%.2f s)",
            who, ds->ndocs, ds->name, schema, rb_now() - start);
    if (loaded)
        *loaded = 1;
    return 0;
fail:
    rb_pg_rollback_quietly(conn);
    rb_error_prefix(err, "%s: loading \"%s\" into PostgreSQL", who,
                    ds->name ? ds->name : "?");
    return -1;
}

int rb_pg_dataset_component(PGconn *conn, const rb_dataset *ds,
                            const char *component, rb_pg_build_fn build,
                            void *arg, int *built, rb_error *err)
{
    char schema[RB_PG_SCHEMA_MAX], key[128], stored[128];

    if (built)
        *built = 0;
    if (rb_pg_schema_name(ds, schema, err) != 0)
        return -1;
    snprintf(key, sizeof key, "component:%s", component);
    if (begin_locked(conn, schema, err) != 0 ||
        rb_pg_use_schema(conn, schema, err) != 0 ||
        meta_get(conn, key, stored, sizeof stored, err) != 0)
        goto fail;
    if (stored[0])
        return rb_pg_command(conn, "COMMIT", err);
    if (build(conn, ds, arg, err) != 0 ||
        meta_set(conn, key, "built", err) != 0 ||
        rb_pg_command(conn, "COMMIT", err) != 0)
        goto fail;
    if (built)
        *built = 1;
    return 0;
fail:
    rb_pg_rollback_quietly(conn);
    return -1;
}

int rb_pg_dataset_drop(PGconn *conn, const rb_dataset *ds, rb_error *err)
{
    char schema[RB_PG_SCHEMA_MAX], sql[160];
    char *quoted;
    int rc;

    if (rb_pg_schema_name(ds, schema, err) != 0)
        return -1;
    quoted = PQescapeIdentifier(conn, schema, strlen(schema));
    if (!quoted)
        return rb_error_set(err, "postgresql: %s", PQerrorMessage(conn));
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", quoted);
    PQfreemem(quoted);
    rc = rb_pg_command(conn, sql, err);
    return rc;
}
