#define _GNU_SOURCE

#include "retrieve/pg_temp.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <grp.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/timer.h"

#define PG_TEMP_PORT "5432"
#define PG_TEMP_SUPERUSER "rankbench"
#define PG_TEMP_MAX 16
#define START_TIMEOUT_S 120.0

/* Messages from the keeper to the caller, one fixed-size record each. */
enum keeper_event {
    KEEPER_INITDB_FAILED = 1,   /* value: initdb's wait status */
    KEEPER_LOCALE_FALLBACK,     /* C.UTF-8 missing; cluster uses "C" */
    KEEPER_SERVER_PID,          /* value: postmaster pid */
    KEEPER_SERVER_EXIT,         /* value: postmaster's wait status */
    KEEPER_FAILED               /* value: errno of a failed system call */
};

typedef struct keeper_msg {
    int event;
    int value;
} keeper_msg;

struct rb_pg_temp {
    char *dir;
    char *conninfo;
    pid_t keeper;
    pid_t server;
    int slot;                /* index in lifelines */
    int status_fd;           /* keeper's messages */
};

/* Write ends of the pipes that keep each keeper waiting, by slot; -1 when
 * free. Closing one tells its keeper to shut the cluster down. */
static atomic_int lifelines[PG_TEMP_MAX] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
};

void rb_pg_temp_stop_all_async(void)
{
    int i;

    for (i = 0; i < PG_TEMP_MAX; i++) {
        int fd = atomic_exchange(&lifelines[i], -1);

        if (fd >= 0)
            close(fd);
    }
}

/* ------------------------------------------------------------------ */
/* Finding the binaries                                                */

static int bindir_usable(const char *dir)
{
    static const char *const needed[] = {"initdb", "postgres"};
    char path[4096];
    size_t i;

    for (i = 0; i < sizeof needed / sizeof needed[0]; i++) {
        if (snprintf(path, sizeof path, "%s/%s", dir, needed[i]) >=
            (int)sizeof path)
            return 0;
        if (access(path, X_OK) != 0)
            return 0;
    }
    return 1;
}

static int copy_dir(char *out, size_t size, const char *dir)
{
    if (strlen(dir) >= size)
        return 0;
    memcpy(out, dir, strlen(dir) + 1);
    return 1;
}

/* The bindir that `pg_config --bindir` reports, when it has the server. */
static int bindir_from_pg_config(char *out, size_t size)
{
    char line[4096];
    FILE *fp;
    size_t len;
    int ok = 0;

    fp = popen("pg_config --bindir 2>/dev/null", "r");
    if (!fp)
        return 0;
    if (fgets(line, sizeof line, fp)) {
        len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        ok = len && bindir_usable(line) && copy_dir(out, size, line);
    }
    pclose(fp);
    return ok;
}

/* The newest /usr/lib/postgresql/VERSION/bin holding the server. */
static int bindir_from_debian_paths(char *out, size_t size)
{
    glob_t g;
    size_t i;
    long best_version = -1;
    const char *best = NULL;
    int ok = 0;

    if (glob("/usr/lib/postgresql/*/bin", 0, NULL, &g) != 0)
        return 0;
    for (i = 0; i < g.gl_pathc; i++) {
        const char *v = g.gl_pathv[i] + strlen("/usr/lib/postgresql/");
        long version = strtol(v, NULL, 10);

        if (version > best_version && bindir_usable(g.gl_pathv[i])) {
            best_version = version;
            best = g.gl_pathv[i];
        }
    }
    if (best)
        ok = copy_dir(out, size, best);
    globfree(&g);
    return ok;
}

int rb_pg_find_bindir(char *out, size_t size, rb_error *err)
{
    const char *env = getenv("RB_PG_BINDIR");

    if (env && *env) {
        if (bindir_usable(env) && copy_dir(out, size, env))
            return 0;
        return rb_error_set(err, "RB_PG_BINDIR \"%s\" has no initdb and "
                            "postgres programs; install the PostgreSQL "
                            "server (Debian: 'apt-get install "
                            "postgresql-15', or the 'postgresql' package)",
                            env);
    }
    if (bindir_from_pg_config(out, size) ||
        bindir_from_debian_paths(out, size))
        return 0;
    return rb_error_set(err, "PostgreSQL server programs (initdb, postgres) "
                        "not found through pg_config or "
                        "/usr/lib/postgresql/*/bin; install them with "
                        "'apt-get install postgresql-15' (or the "
                        "'postgresql' package of your system)");
}

/* ------------------------------------------------------------------ */
/* The keeper process                                                  */

typedef struct keeper_plan {
    const char *bindir;
    const char *dir;
    int drop_privileges;
    uid_t uid;
    gid_t gid;
    int life_fd;            /* read end: EOF means shut down */
    int status_fd;          /* write end of the caller's message pipe */
} keeper_plan;

static volatile sig_atomic_t keeper_stop_requested;

static void keeper_on_signal(int sig)
{
    (void)sig;
    keeper_stop_requested = 1;
}

static void keeper_send(const keeper_plan *p, int event, int value)
{
    keeper_msg msg;
    ssize_t w;

    msg.event = event;
    msg.value = value;
    do {
        w = write(p->status_fd, &msg, sizeof msg);
    } while (w < 0 && errno == EINTR);
}

/* In a forked child: become the cluster's owner, send output to a log in
 * the folder and run a program. Never returns. */
static void exec_as_owner(const keeper_plan *p, const char *log_name,
                          char *const argv[])
{
    char log_path[4096];
    int fd;

    if (p->drop_privileges) {
        if (setgroups(0, NULL) != 0 || setgid(p->gid) != 0 ||
            setuid(p->uid) != 0)
            _exit(126);
    }
    if (chdir(p->dir) != 0)
        _exit(126);
    snprintf(log_path, sizeof log_path, "%s/%s", p->dir, log_name);
    fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        close(fd);
    }
    execv(argv[0], argv);
    _exit(127);
}

/* 1 when the caller has gone or asked us to stop (waits up to ms). */
static int keeper_should_stop(const keeper_plan *p, int ms)
{
    struct pollfd pfd;
    char byte;
    int rc;

    if (keeper_stop_requested)
        return 1;
    pfd.fd = p->life_fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    rc = poll(&pfd, 1, ms);
    if (rc > 0) {
        ssize_t r = read(p->life_fd, &byte, 1);

        if (r <= 0)
            return 1;
    }
    return keeper_stop_requested != 0;
}

/* Wait for child; kill it when the caller goes away first. Returns its
 * wait status, or -1 when stopped. */
static int keeper_wait_child(const keeper_plan *p, pid_t child)
{
    int status;

    for (;;) {
        pid_t r = waitpid(child, &status, WNOHANG);

        if (r == child)
            return status;
        if (r < 0 && errno != EINTR)
            return -1;
        if (keeper_should_stop(p, 100)) {
            kill(child, SIGKILL);
            while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                ;
            return -1;
        }
    }
}

static int keeper_initdb(const keeper_plan *p, const char *locale)
{
    char prog[4096], data[4096], loc[64];
    char *argv[12];
    pid_t child;
    int n = 0;

    if (snprintf(prog, sizeof prog, "%s/initdb", p->bindir) >=
            (int)sizeof prog ||
        snprintf(data, sizeof data, "%s/data", p->dir) >= (int)sizeof data)
        return -2;
    snprintf(loc, sizeof loc, "--locale=%s", locale);
    argv[n++] = prog;
    argv[n++] = "-D";
    argv[n++] = data;
    argv[n++] = "-U";
    argv[n++] = PG_TEMP_SUPERUSER;
    argv[n++] = "--auth=trust";
    argv[n++] = "--encoding=UTF8";
    argv[n++] = loc;
    argv[n++] = "--no-sync";
    argv[n++] = "--no-instructions";
    argv[n] = NULL;
    child = fork();
    if (child < 0)
        return -2;
    if (child == 0)
        exec_as_owner(p, "initdb.log", argv);
    return keeper_wait_child(p, child);
}

static pid_t keeper_start_server(const keeper_plan *p)
{
    char prog[4096], data[4096];
    char *argv[24];
    pid_t child;
    int n = 0;

    if (snprintf(prog, sizeof prog, "%s/postgres", p->bindir) >=
            (int)sizeof prog ||
        snprintf(data, sizeof data, "%s/data", p->dir) >= (int)sizeof data)
        return -1;
    argv[n++] = prog;
    argv[n++] = "-D";
    argv[n++] = data;
    argv[n++] = "-k";
    argv[n++] = (char *)p->dir;
    argv[n++] = "-p";
    argv[n++] = PG_TEMP_PORT;
    argv[n++] = "-c";
    argv[n++] = "listen_addresses=";
    argv[n++] = "-c";
    argv[n++] = "unix_socket_permissions=0700";
    argv[n++] = "-c";
    argv[n++] = "fsync=off";
    argv[n++] = "-c";
    argv[n++] = "full_page_writes=off";
    argv[n++] = "-c";
    argv[n++] = "synchronous_commit=off";
    argv[n] = NULL;
    child = fork();
    if (child < 0)
        return -1;
    if (child == 0) {
        setpgid(0, 0);
        exec_as_owner(p, "server.log", argv);
    }
    setpgid(child, child);
    return child;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* Stop the server: fast shutdown, then immediate, then SIGKILL for the
 * whole process group (backends orphaned by a killed postmaster too). */
static void keeper_stop_server(pid_t server, int running)
{
    static const int signals[] = {SIGINT, SIGQUIT};
    double deadline;
    size_t i;
    int status;

    for (i = 0; running && i < sizeof signals / sizeof signals[0]; i++) {
        kill(server, signals[i]);
        deadline = rb_now() + (i == 0 ? 20.0 : 5.0);
        while (rb_now() < deadline) {
            if (waitpid(server, &status, WNOHANG) == server) {
                running = 0;
                break;
            }
            usleep(20000);
        }
    }
    kill(-server, SIGKILL);
    if (running)
        while (waitpid(server, &status, 0) < 0 && errno == EINTR)
            ;
}

static void keeper_close_other_fds(const keeper_plan *p)
{
    long max = sysconf(_SC_OPEN_MAX);
    int fd;

    if (max < 0 || max > 65536)
        max = 65536;
    for (fd = 3; fd < max; fd++)
        if (fd != p->life_fd && fd != p->status_fd)
            close(fd);
}

/* 1 when the log in the cluster folder contains word. */
static int log_mentions(const char *dir, const char *name, const char *word)
{
    char path[4096], line[1024];
    FILE *fp;
    int found = 0;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fp = fopen(path, "r");
    if (!fp)
        return 0;
    while (!found && fgets(line, sizeof line, fp))
        found = strstr(line, word) != NULL;
    fclose(fp);
    return found;
}

static void keeper_main(const keeper_plan *p)
{
    struct sigaction sa;
    pid_t server = -1;
    int status, running = 0;

    setsid();
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = keeper_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    keeper_close_other_fds(p);

    /* keeper_initdb: 0 done, -1 stopped, -2 no fork, else the status. */
    status = keeper_initdb(p, "C.UTF-8");
    if (status > 0 && log_mentions(p->dir, "initdb.log", "locale")) {
        keeper_send(p, KEEPER_LOCALE_FALLBACK, 0);
        status = keeper_initdb(p, "C");
    }
    if (status != 0) {
        if (status == -2)
            keeper_send(p, KEEPER_FAILED, errno);
        else if (status > 0)
            keeper_send(p, KEEPER_INITDB_FAILED, status);
        goto wait_and_clean;
    }
    server = keeper_start_server(p);
    if (server < 0) {
        keeper_send(p, KEEPER_FAILED, errno);
        goto wait_and_clean;
    }
    running = 1;
    keeper_send(p, KEEPER_SERVER_PID, (int)server);
    while (!keeper_should_stop(p, 200)) {
        if (running && waitpid(server, &status, WNOHANG) == server) {
            running = 0;
            keeper_send(p, KEEPER_SERVER_EXIT, status);
        }
    }
    keeper_stop_server(server, running);
    goto cleanup;
wait_and_clean:
    /* The caller reads the logs before letting us remove them. */
    while (!keeper_should_stop(p, 200))
        ;
cleanup:
    nftw(p->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    _exit(0);
}

/* ------------------------------------------------------------------ */
/* The caller's side                                                   */

/* The unprivileged account to own the cluster when running as root. */
static int pick_owner(uid_t *uid, gid_t *gid, rb_error *err)
{
    const char *env = getenv("RB_PG_TEMP_USER");
    static const char *const fallbacks[] = {"postgres", "nobody"};
    struct passwd *pw = NULL;
    size_t i;

    if (env && *env) {
        pw = getpwnam(env);
        if (!pw)
            return rb_error_set(err, "RB_PG_TEMP_USER \"%s\": no such user",
                                env);
    }
    for (i = 0; !pw && i < sizeof fallbacks / sizeof fallbacks[0]; i++)
        pw = getpwnam(fallbacks[i]);
    if (!pw)
        return rb_error_set(err, "running as root, but no unprivileged user "
                            "(\"postgres\" or \"nobody\") exists to run the "
                            "throwaway PostgreSQL server; set "
                            "RB_PG_TEMP_USER");
    if (pw->pw_uid == 0)
        return rb_error_set(err, "user \"%s\" is root; PostgreSQL needs an "
                            "unprivileged user", pw->pw_name);
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return 0;
}

static char *make_temp_dir(rb_error *err)
{
    const char *base = getenv("TMPDIR");
    struct stat st;
    rb_buf path = RB_BUF_INIT;

    if (!base || !*base || stat(base, &st) != 0 || !S_ISDIR(st.st_mode))
        base = "/tmp";
    if (rb_buf_printf(&path, "%s/rankbench-pg-XXXXXX", base) != 0) {
        rb_error_oom(err);
        return NULL;
    }
    /* The socket path must fit in sun_path (108 bytes). */
    if (path.len + strlen("/.s.PGSQL." PG_TEMP_PORT) >= 100) {
        rb_error_set(err, "temporary folder \"%s\" is too long for a Unix "
                     "socket path; set TMPDIR to a shorter one", base);
        rb_buf_release(&path);
        return NULL;
    }
    if (!mkdtemp(path.data)) {
        rb_error_set(err, "cannot create a folder in \"%s\": %s", base,
                     strerror(errno));
        rb_buf_release(&path);
        return NULL;
    }
    return rb_buf_detach(&path);
}

/* A conninfo value in single quotes with \ and ' escaped. */
static int conninfo_quote(rb_buf *out, const char *value)
{
    const char *s;

    if (rb_buf_putc(out, '\'') != 0)
        return -1;
    for (s = value; *s; s++) {
        if ((*s == '\\' || *s == '\'') && rb_buf_putc(out, '\\') != 0)
            return -1;
        if (rb_buf_putc(out, *s) != 0)
            return -1;
    }
    return rb_buf_putc(out, '\'');
}

static char *make_conninfo(const char *dir)
{
    rb_buf b = RB_BUF_INIT;

    if (rb_buf_puts(&b, "host=") != 0 || conninfo_quote(&b, dir) != 0 ||
        rb_buf_puts(&b, " port=" PG_TEMP_PORT " user=" PG_TEMP_SUPERUSER
                    " dbname=postgres connect_timeout=10") != 0) {
        rb_buf_release(&b);
        return NULL;
    }
    return rb_buf_detach(&b);
}

/* Last non-empty line of a log in the cluster folder, into out. */
static void log_tail(const char *dir, const char *name, char *out,
                     size_t size)
{
    char path[4096], line[1024];
    FILE *fp;

    snprintf(out, size, "no message (see %s)", name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fp = fopen(path, "r");
    if (!fp)
        return;
    while (fgets(line, sizeof line, fp)) {
        size_t len = strlen(line);

        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len)
            snprintf(out, size, "%s", line);
    }
    fclose(fp);
}

/* Read one keeper message, waiting up to ms; 1 read, 0 timeout, -1 the
 * keeper closed the pipe. */
static int read_keeper(int fd, keeper_msg *msg, int ms)
{
    struct pollfd pfd;
    ssize_t r;
    int rc;

    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    do {
        rc = poll(&pfd, 1, ms);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0)
        return 0;
    do {
        r = read(fd, msg, sizeof *msg);
    } while (r < 0 && errno == EINTR);
    return r == (ssize_t)sizeof *msg ? 1 : -1;
}

static const char *wait_status_text(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "signal %d", WTERMSIG(status));
    else
        snprintf(buf, size, "status %d", status);
    return buf;
}

/* Wait until the server answers, or report why it never will. */
static int wait_until_ready(rb_pg_temp *t, rb_error *err)
{
    double deadline = rb_now() + START_TIMEOUT_S;
    char why[1024], st[64];
    keeper_msg msg;

    while (rb_now() < deadline) {
        int rc = read_keeper(t->status_fd, &msg, t->server > 0 ? 50 : 200);

        if (rc < 0) {
            log_tail(t->dir, "initdb.log", why, sizeof why);
            return rb_error_set(err, "throwaway PostgreSQL cluster: the "
                                "keeper process ended early (%s)", why);
        }
        if (rc > 0) {
            switch (msg.event) {
            case KEEPER_LOCALE_FALLBACK:
                rb_warn("locale \"C.UTF-8\" is not available; the "
                        "throwaway PostgreSQL cluster uses \"C\" (case "
                        "folding of non-ASCII text differs)");
                break;
            case KEEPER_INITDB_FAILED:
                log_tail(t->dir, "initdb.log", why, sizeof why);
                return rb_error_set(err, "initdb failed (%s): %s",
                                    wait_status_text(msg.value, st,
                                                     sizeof st), why);
            case KEEPER_SERVER_PID:
                t->server = (pid_t)msg.value;
                break;
            case KEEPER_SERVER_EXIT:
                log_tail(t->dir, "server.log", why, sizeof why);
                return rb_error_set(err, "throwaway PostgreSQL server "
                                    "stopped during start-up (%s): %s",
                                    wait_status_text(msg.value, st,
                                                     sizeof st), why);
            default:
                return rb_error_set(err, "throwaway PostgreSQL cluster: "
                                    "cannot start the server: %s",
                                    strerror(msg.value));
            }
            continue;
        }
        if (t->server > 0 && PQping(t->conninfo) == PQPING_OK)
            return 0;
    }
    return rb_error_set(err, "throwaway PostgreSQL server in \"%s\" did not "
                        "accept connections within %.0f s", t->dir,
                        START_TIMEOUT_S);
}

static int claim_slot(int fd)
{
    int i;

    for (i = 0; i < PG_TEMP_MAX; i++) {
        int expected = -1;

        if (atomic_compare_exchange_strong(&lifelines[i], &expected, fd))
            return i;
    }
    return -1;
}

static int spawn_keeper(rb_pg_temp *t, keeper_plan *plan, rb_error *err)
{
    int life[2], status[2];

    if (pipe2(life, O_CLOEXEC) != 0)
        return rb_error_set(err, "pipe: %s", strerror(errno));
    if (pipe2(status, O_CLOEXEC) != 0) {
        close(life[0]);
        close(life[1]);
        return rb_error_set(err, "pipe: %s", strerror(errno));
    }
    t->slot = claim_slot(life[1]);
    if (t->slot < 0) {
        close(life[0]);
        close(life[1]);
        close(status[0]);
        close(status[1]);
        return rb_error_set(err, "too many throwaway PostgreSQL clusters "
                            "(at most %d)", PG_TEMP_MAX);
    }
    plan->life_fd = life[0];
    plan->status_fd = status[1];
    t->keeper = fork();
    if (t->keeper < 0) {
        int e = errno;

        close(life[0]);
        close(status[1]);
        close(status[0]);
        rb_pg_temp_stop_all_async();
        return rb_error_set(err, "fork: %s", strerror(e));
    }
    if (t->keeper == 0)
        keeper_main(plan);
    close(life[0]);
    close(status[1]);
    t->status_fd = status[0];
    return 0;
}

int rb_pg_temp_start(rb_pg_temp **out, rb_error *err)
{
    char bindir[4096];
    keeper_plan plan;
    rb_pg_temp *t;

    *out = NULL;
    memset(&plan, 0, sizeof plan);
    if (rb_pg_find_bindir(bindir, sizeof bindir, err) != 0)
        return -1;
    if (geteuid() == 0) {
        plan.drop_privileges = 1;
        if (pick_owner(&plan.uid, &plan.gid, err) != 0)
            return -1;
    }
    t = rb_calloc(1, sizeof *t);
    if (!t)
        return rb_error_oom(err);
    t->slot = -1;
    t->status_fd = -1;
    t->keeper = -1;
    t->dir = make_temp_dir(err);
    if (!t->dir) {
        rb_free(t);
        return -1;
    }
    t->conninfo = make_conninfo(t->dir);
    if (!t->conninfo) {
        rb_error_oom(err);
        goto fail;
    }
    if (plan.drop_privileges &&
        (chown(t->dir, plan.uid, plan.gid) != 0 || chmod(t->dir, 0700))) {
        rb_error_set(err, "cannot hand \"%s\" to the server's user: %s",
                     t->dir, strerror(errno));
        goto fail;
    }
    plan.bindir = bindir;
    plan.dir = t->dir;
    if (spawn_keeper(t, &plan, err) != 0)
        goto fail;
    if (wait_until_ready(t, err) != 0)
        goto fail;
    rb_debug("throwaway PostgreSQL cluster in %s (server pid %ld)", t->dir,
             (long)t->server);
    *out = t;
    return 0;
fail:
    if (t->keeper > 0) {
        rb_pg_temp_stop(t);
    } else {
        rmdir(t->dir);
        rb_free(t->conninfo);
        rb_free(t->dir);
        rb_free(t);
    }
    return -1;
}

const char *rb_pg_temp_conninfo(const rb_pg_temp *t)
{
    return t->conninfo;
}

const char *rb_pg_temp_dir(const rb_pg_temp *t)
{
    return t->dir;
}

pid_t rb_pg_temp_server_pid(const rb_pg_temp *t)
{
    return t->server;
}

void rb_pg_temp_stop(rb_pg_temp *t)
{
    int status;

    if (!t)
        return;
    if (t->slot >= 0) {
        int fd = atomic_exchange(&lifelines[t->slot], -1);

        if (fd >= 0)
            close(fd);
    }
    if (t->keeper > 0)
        while (waitpid(t->keeper, &status, 0) < 0 && errno == EINTR)
            ;
    if (t->status_fd >= 0)
        close(t->status_fd);
    rb_free(t->conninfo);
    rb_free(t->dir);
    rb_free(t);
}
