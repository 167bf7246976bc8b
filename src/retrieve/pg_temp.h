#ifndef RB_PG_TEMP_H
#define RB_PG_TEMP_H

/*
 * A throwaway PostgreSQL cluster: initdb into a new temporary folder, a
 * server listening only on a Unix socket inside that folder (no TCP), and
 * removal of everything when it stops.
 *
 * PostgreSQL refuses to run as root, so when the effective user is root
 * the cluster belongs to an unprivileged system user ("postgres" when it
 * exists, else "nobody"; RB_PG_TEMP_USER overrides) and the server runs as
 * that user. Authentication is "trust", which is safe because only the
 * folder's owner (and root) can reach the socket.
 *
 * A small keeper process watches the caller through a pipe: when the
 * caller stops the cluster, exits, crashes or is killed, the keeper shuts
 * the server down and deletes the folder. So a cluster never outlives the
 * process that started it, even after an error or Ctrl-C.
 *
 * Binaries come from RB_PG_BINDIR when set, else `pg_config --bindir`,
 * else the newest /usr/lib/postgresql/VERSION/bin.
 */

#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"

typedef struct rb_pg_temp rb_pg_temp;

/* Create and start a cluster; returns once it accepts connections. On
 * failure nothing is left behind and err says why (with the package to
 * install when the binaries are missing). The caller stops it with
 * rb_pg_temp_stop. */
int rb_pg_temp_start(rb_pg_temp **out, rb_error *err);

/* A libpq connection string for the cluster (a superuser, database
 * "postgres"); valid until the cluster is stopped. */
const char *rb_pg_temp_conninfo(const rb_pg_temp *t);

/* The cluster's folder (socket directory; the data lives in "data"). */
const char *rb_pg_temp_dir(const rb_pg_temp *t);

/* Process id of the postmaster. It leads its own process group, so
 * kill(-pid, SIGKILL) takes the whole server down (tests use this to
 * simulate a crash). */
pid_t rb_pg_temp_server_pid(const rb_pg_temp *t);

/* Shut the server down, wait for it, remove the folder and free t.
 * NULL is accepted. */
void rb_pg_temp_stop(rb_pg_temp *t);

/* Ask every running cluster to shut down without waiting: the keepers do
 * the work. Only async-signal-safe calls are made, so a SIGINT or SIGTERM
 * handler, or an atexit function, may call it. */
void rb_pg_temp_stop_all_async(void);

/* Find the folder holding initdb, pg_ctl and postgres into out (size
 * bytes). Returns -1 with a message naming the package to install when
 * none is found. */
int rb_pg_find_bindir(char *out, size_t size, rb_error *err);

#endif
