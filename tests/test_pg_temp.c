/* The throwaway PostgreSQL cluster: starts, serves only its own socket,
 * runs unprivileged, and leaves nothing behind however its owner ends. */

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/timer.h"
#include "pg_test.h"

static char *dir_copy;

static int dir_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Wait up to seconds for path to disappear. */
static int gone_within(const char *path, double seconds)
{
    double deadline = rb_now() + seconds;

    while (rb_now() < deadline) {
        if (!dir_exists(path))
            return 1;
        usleep(20000);
    }
    return !dir_exists(path);
}

/* Number of throwaway cluster folders in dir. */
static int count_clusters(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, "rankbench-pg-", 13) == 0;
    closedir(d);
    return n;
}

static void test_serves_queries_on_its_own_socket(void)
{
    rb_pg_temp *t = pg_test_start();
    PGconn *c = pg_test_connect(t);
    char *listen = pg_test_value(c, "SHOW listen_addresses");
    char *sockdir = pg_test_value(c, "SHOW unix_socket_directories");
    char *two = pg_test_value(c, "SELECT 1 + 1");
    char *enc = pg_test_value(c, "SHOW server_encoding");
    char sock[4200];

    CHECK_STR(two, "2");
    CHECK_STR(listen, "");
    CHECK_STR(sockdir, rb_pg_temp_dir(t));
    CHECK_STR(enc, "UTF8");
    snprintf(sock, sizeof sock, "%s/.s.PGSQL.5432", rb_pg_temp_dir(t));
    CHECK(access(sock, F_OK) == 0);
    rb_free(listen);
    rb_free(sockdir);
    rb_free(two);
    rb_free(enc);
    PQfinish(c);
    dir_copy = rb_strdup(rb_pg_temp_dir(t));
    rb_pg_temp_stop(t);
    CHECK(!dir_exists(dir_copy));
    rb_free(dir_copy);
}

static void test_server_runs_unprivileged(void)
{
    rb_pg_temp *t = pg_test_start();
    pid_t pid = rb_pg_temp_server_pid(t);
    char proc[64];
    struct stat st;

    snprintf(proc, sizeof proc, "/proc/%ld", (long)pid);
    CHECK(pid > 0);
    CHECK(stat(proc, &st) == 0);
    if (geteuid() == 0)
        CHECK(st.st_uid != 0);
    else
        CHECK_EQ_INT(st.st_uid, geteuid());
    CHECK(stat(rb_pg_temp_dir(t), &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0700);
    rb_pg_temp_stop(t);
}

/* A process that starts a cluster and then dies by SIGKILL: the keeper
 * must still stop the server and delete the folder. */
static void test_cleans_up_after_owner_is_killed(void)
{
    int fds[2];
    char path[4096] = "";
    pid_t child;
    ssize_t n;

    CHECK(pipe(fds) == 0);
    child = fork();
    if (child == 0) {
        rb_error err = {{0}, 0};
        rb_pg_temp *t;

        close(fds[0]);
        if (rb_pg_temp_start(&t, &err) != 0)
            _exit(1);
        if (write(fds[1], rb_pg_temp_dir(t),
                  strlen(rb_pg_temp_dir(t))) < 0)
            _exit(1);
        close(fds[1]);
        for (;;)
            pause();
    }
    close(fds[1]);
    n = read(fds[0], path, sizeof path - 1);
    close(fds[0]);
    CHECK(n > 0);
    if (n <= 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        return;
    }
    path[n] = '\0';
    CHECK(dir_exists(path));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    CHECK(gone_within(path, 30.0));
}

/* The signal-path stop: closing the lifelines shuts servers down. */
static void test_stop_all_async_shuts_down(void)
{
    rb_pg_temp *t = pg_test_start();
    char *dir = rb_strdup(rb_pg_temp_dir(t));

    rb_pg_temp_stop_all_async();
    CHECK(gone_within(dir, 30.0));
    CHECK(PQping(rb_pg_temp_conninfo(t)) != PQPING_OK);
    rb_pg_temp_stop(t);
    rb_free(dir);
}

static void test_missing_binaries_name_the_package(void)
{
    rb_error err = {{0}, 0};
    rb_pg_temp *t = NULL;

    setenv("RB_PG_BINDIR", "/nonexistent/pg/bin", 1);
    CHECK(rb_pg_temp_start(&t, &err) != 0);
    CHECK(t == NULL);
    CHECK(strstr(err.msg, "postgresql-15") != NULL);
    CHECK(strstr(err.msg, "/nonexistent/pg/bin") != NULL);
    unsetenv("RB_PG_BINDIR");
}

/* A failing initdb: its message reaches the caller, nothing remains. */
static void test_initdb_failure_is_reported(void)
{
    char bin[] = "/tmp/rankbench-fakebin-XXXXXX", path[256];
    rb_error err = {{0}, 0};
    rb_pg_temp *t = NULL;
    char tmpdir[300];
    char *old_tmp = getenv("TMPDIR") ? rb_strdup(getenv("TMPDIR")) : NULL;
    FILE *fp;

    CHECK(mkdtemp(bin) != NULL);
    chmod(bin, 0755);
    snprintf(path, sizeof path, "%s/initdb", bin);
    fp = fopen(path, "w");
    fputs("#!/bin/sh\necho 'initdb: error: simulated disk trouble' >&2\n"
          "exit 1\n", fp);
    fclose(fp);
    chmod(path, 0755);
    snprintf(path, sizeof path, "%s/postgres", bin);
    fp = fopen(path, "w");
    fputs("#!/bin/sh\nexit 1\n", fp);
    fclose(fp);
    chmod(path, 0755);

    /* A folder of its own for the attempt, so that other tests' clusters
     * do not count. */
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", bin);
    CHECK(mkdir(tmpdir, 0755) == 0);
    setenv("TMPDIR", tmpdir, 1);
    setenv("RB_PG_BINDIR", bin, 1);
    CHECK(rb_pg_temp_start(&t, &err) != 0);
    unsetenv("RB_PG_BINDIR");
    if (old_tmp)
        setenv("TMPDIR", old_tmp, 1);
    else
        unsetenv("TMPDIR");
    rb_free(old_tmp);
    CHECK(t == NULL);
    CHECK(strstr(err.msg, "initdb failed") != NULL);
    CHECK(strstr(err.msg, "simulated disk trouble") != NULL);
    CHECK_EQ_INT(count_clusters(tmpdir), 0);
    rmdir(tmpdir);
    snprintf(path, sizeof path, "%s/initdb", bin);
    unlink(path);
    snprintf(path, sizeof path, "%s/postgres", bin);
    unlink(path);
    rmdir(bin);
}

static void test_two_clusters_at_once(void)
{
    rb_pg_temp *a = pg_test_start(), *b = pg_test_start();
    PGconn *ca = pg_test_connect(a), *cb = pg_test_connect(b);
    char *da = pg_test_value(ca, "SHOW data_directory");
    char *db = pg_test_value(cb, "SHOW data_directory");

    CHECK(da && db && strcmp(da, db) != 0);
    rb_free(da);
    rb_free(db);
    PQfinish(ca);
    PQfinish(cb);
    /* Stopping the first must not wait on the second's keeper. */
    rb_pg_temp_stop(a);
    CHECK(PQping(rb_pg_temp_conninfo(b)) == PQPING_OK);
    rb_pg_temp_stop(b);
}

int main(void)
{
    RUN_TEST(test_serves_queries_on_its_own_socket);
    RUN_TEST(test_server_runs_unprivileged);
    RUN_TEST(test_cleans_up_after_owner_is_killed);
    RUN_TEST(test_stop_all_async_shuts_down);
    RUN_TEST(test_two_clusters_at_once);
    RUN_TEST(test_missing_binaries_name_the_package);
    RUN_TEST(test_initdb_failure_is_reported);
    return check_report();
}
