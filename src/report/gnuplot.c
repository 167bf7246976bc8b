#include "report/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/selfpath.h"
#include "base/timer.h"

#define DEFAULT_TIMEOUT_S 60.0
#define CAPTURE_MAX (64 * 1024)  /* bytes kept of each output stream */
#define MAX_ARGS 16

/* What a child reports through a close-on-exec pipe when it fails before
 * its program starts. */
typedef struct child_failure {
    int stage;      /* 1: chdir, 2: exec */
    int errnum;
} child_failure;

/* How one child run ended. */
typedef struct child_result {
    rb_buf out, errs;           /* captured stdout and stderr */
    int status;                 /* from waitpid */
    int timed_out;
    child_failure failure;      /* stage 0 when the program started */
} child_result;

static int is_executable(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           access(path, X_OK) == 0;
}

/* Resolve prog to an executable path in *found (a new string). Returns 1
 * when found, 0 when not, -1 when memory runs out. */
static int find_program(const char *prog, char **found)
{
    const char *dir = getenv("PATH");

    *found = NULL;
    if (strchr(prog, '/')) {
        if (!is_executable(prog))
            return 0;
        *found = rb_strdup(prog);
        return *found ? 1 : -1;
    }
    if (!dir)
        dir = "/usr/local/bin:/usr/bin:/bin";
    for (;;) {
        const char *end = strchr(dir, ':');
        size_t n = end ? (size_t)(end - dir) : strlen(dir);
        char *d = n ? rb_strndup(dir, n) : rb_strdup(".");
        char *candidate = d ? rb_path_join(d, prog) : NULL;

        rb_free(d);
        if (!candidate)
            return -1;
        if (is_executable(candidate)) {
            *found = candidate;
            return 1;
        }
        rb_free(candidate);
        if (!end)
            return 0;
        dir = end + 1;
    }
}

static int set_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);

    return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

static int make_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    if (set_cloexec(fds[0]) != 0 || set_cloexec(fds[1]) != 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    return 0;
}

/* In the child: wire up the standard streams, enter dir and start the
 * program. Only async-signal-safe calls from here on. */
static void child_exec(const char *path, char *const argv[], const char *dir,
                       int out_fd, int err_fd, int report_fd)
{
    child_failure f = {0, 0};
    int null_fd;

    setpgid(0, 0);
    null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0)
        dup2(null_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    if (dir && chdir(dir) != 0) {
        f.stage = 1;
        f.errnum = errno;
    } else {
        execv(path, argv);
        f.stage = 2;
        f.errnum = errno;
    }
    if (write(report_fd, &f, sizeof f) < 0)
        _exit(126);
    _exit(127);
}

/* Append what fd has to buf (up to CAPTURE_MAX kept). Returns 0 at end of
 * stream, 1 when more may come. */
static int drain(int fd, rb_buf *buf)
{
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);

    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : 0;
    if (n == 0)
        return 0;
    if (buf->len < CAPTURE_MAX) {
        size_t keep = (size_t)n;

        if (keep > CAPTURE_MAX - buf->len)
            keep = CAPTURE_MAX - buf->len;
        if (rb_buf_append(buf, chunk, keep) < 0)
            return 1;   /* keep reading; the text is only for messages */
    }
    return 1;
}

static void kill_child(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
}

/* Read both streams until they close or the deadline passes. */
static void collect_output(pid_t pid, int out_fd, int err_fd,
                           double deadline, child_result *res)
{
    struct pollfd fds[2];
    int open_count = 2;

    fds[0].fd = out_fd;
    fds[1].fd = err_fd;
    fds[0].events = fds[1].events = POLLIN;
    while (open_count > 0) {
        double left = deadline - rb_now();
        int i, rc;

        if (left <= 0) {
            res->timed_out = 1;
            kill_child(pid);
            return;
        }
        rc = poll(fds, 2, (int)(left * 1000) + 1);
        if (rc < 0 && errno != EINTR)
            return;
        for (i = 0; rc > 0 && i < 2; i++) {
            if (fds[i].fd < 0 ||
                !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (!drain(fds[i].fd, i == 0 ? &res->out : &res->errs)) {
                fds[i].fd = -1;
                open_count--;
            }
        }
    }
}

/* Wait for the child to end, killing it at the deadline. */
static void reap(pid_t pid, double deadline, child_result *res)
{
    struct timespec pause = {0, 5 * 1000 * 1000};

    for (;;) {
        pid_t r = waitpid(pid, &res->status, WNOHANG);

        if (r == pid || (r < 0 && errno != EINTR))
            return;
        if (!res->timed_out && rb_now() > deadline) {
            res->timed_out = 1;
            kill_child(pid);
        }
        if (res->timed_out) {
            while (waitpid(pid, &res->status, 0) < 0 && errno == EINTR)
                ;
            return;
        }
        nanosleep(&pause, NULL);
    }
}

/* Run path with argv in dir, capturing its output, for at most
 * timeout_s seconds. Fails only when the child cannot be created. */
static int run_child(const char *path, char *const argv[], const char *dir,
                     double timeout_s, child_result *res, rb_error *err)
{
    int out_pipe[2], err_pipe[2], report_pipe[2];
    double deadline = rb_now() + timeout_s;
    ssize_t n;
    pid_t pid;

    if (make_pipe(out_pipe) != 0)
        return rb_error_set(err, "cannot create a pipe: %s",
                            strerror(errno));
    if (make_pipe(err_pipe) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return rb_error_set(err, "cannot create a pipe: %s",
                            strerror(errno));
    }
    if (make_pipe(report_pipe) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        close(err_pipe[0]);
        close(err_pipe[1]);
        return rb_error_set(err, "cannot create a pipe: %s",
                            strerror(errno));
    }
    pid = fork();
    if (pid == 0)
        child_exec(path, argv, dir, out_pipe[1], err_pipe[1],
                   report_pipe[1]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    close(report_pipe[1]);
    if (pid < 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        close(report_pipe[0]);
        return rb_error_set(err, "cannot start \"%s\": %s", path,
                            strerror(errno));
    }
    setpgid(pid, pid);

    /* The report pipe closes on a successful exec, or carries why not. */
    do {
        n = read(report_pipe[0], &res->failure, sizeof res->failure);
    } while (n < 0 && errno == EINTR);
    close(report_pipe[0]);
    if (n != (ssize_t)sizeof res->failure)
        memset(&res->failure, 0, sizeof res->failure);

    collect_output(pid, out_pipe[0], err_pipe[0], deadline, res);
    close(out_pipe[0]);
    close(err_pipe[0]);
    reap(pid, deadline, res);
    return 0;
}

static void child_result_release(child_result *res)
{
    rb_buf_release(&res->out);
    rb_buf_release(&res->errs);
}

/* The line of gnuplot's complaint worth quoting: the last one that is not
 * blank and not just a caret under the offending command. Written into
 * line (size bytes). */
static void last_message_line(const char *text, char *line, size_t size)
{
    const char *p = text, *best = NULL;
    size_t best_len = 0;

    line[0] = '\0';
    while (p && *p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        size_t i;
        int useful = 0;

        for (i = 0; i < n; i++)
            if (p[i] != ' ' && p[i] != '\t' && p[i] != '^' &&
                p[i] != '\r')
                useful = 1;
        if (useful) {
            best = p;
            best_len = n;
        }
        p = end ? end + 1 : NULL;
    }
    if (!best)
        return;
    while (best_len && (*best == ' ' || *best == '\t')) {
        best++;
        best_len--;
    }
    if (best_len && best[best_len - 1] == '\r')
        best_len--;
    if (best_len >= size)
        best_len = size - 1;
    memcpy(line, best, best_len);
    line[best_len] = '\0';
}

/* Turn a finished child into 0 or an error about it. */
static int judge_child(const rb_gnuplot *gp, const child_result *res,
                       rb_error *err)
{
    char line[512];

    if (res->failure.stage == 1)
        return rb_error_set(err, "cannot enter the chart folder: %s",
                            strerror(res->failure.errnum));
    if (res->failure.stage == 2)
        return rb_error_set(err, "cannot run \"%s\": %s", gp->path,
                            strerror(res->failure.errnum));
    if (res->timed_out)
        return rb_error_set(err, "gnuplot did not finish within %g s and "
                            "was stopped", gp->timeout_s);
    last_message_line(res->errs.data ? res->errs.data : "", line,
                      sizeof line);
    if (WIFSIGNALED(res->status))
        return rb_error_set(err, "gnuplot was killed by signal %d%s%s",
                            WTERMSIG(res->status), line[0] ? ": " : "",
                            line);
    if (WIFEXITED(res->status) && WEXITSTATUS(res->status) != 0)
        return rb_error_set(err, "gnuplot failed (exit status %d)%s%s",
                            WEXITSTATUS(res->status), line[0] ? ": " : "",
                            line);
    return 0;
}

/* Ask gnuplot for its version ("gnuplot 5.4 patchlevel 4"). */
static int read_version(rb_gnuplot *gp, rb_error *err)
{
    char *argv[] = {gp->path, "--version", NULL};
    child_result res;
    int rc;

    memset(&res, 0, sizeof res);
    rc = run_child(gp->path, argv, NULL, gp->timeout_s, &res, err);
    if (rc == 0)
        rc = judge_child(gp, &res, err);
    if (rc == 0 && (!res.out.data ||
                    sscanf(res.out.data, "gnuplot %d.%d", &gp->major,
                           &gp->minor) != 2))
        rc = rb_error_set(err, "\"%s\" does not look like gnuplot "
                          "(\"--version\" said \"%.60s\")", gp->path,
                          res.out.data ? res.out.data : "");
    child_result_release(&res);
    if (rc < 0)
        return -1;
    if (gp->major < RB_GNUPLOT_MIN_MAJOR ||
        (gp->major == RB_GNUPLOT_MIN_MAJOR &&
         gp->minor < RB_GNUPLOT_MIN_MINOR))
        return rb_error_set(err, "gnuplot %d.%d is too old: charts need "
                            "%d.%d or newer (Debian package %s)",
                            gp->major, gp->minor, RB_GNUPLOT_MIN_MAJOR,
                            RB_GNUPLOT_MIN_MINOR, RB_GNUPLOT_PACKAGE);
    return 0;
}

int rb_gnuplot_open(rb_gnuplot *gp, const char *prog, double timeout_s,
                    rb_error *err)
{
    int found;

    memset(gp, 0, sizeof *gp);
    if (!prog)
        prog = getenv("RANKBENCH_GNUPLOT");
    if (!prog || !*prog)
        prog = "gnuplot";
    gp->timeout_s = timeout_s > 0 ? timeout_s : DEFAULT_TIMEOUT_S;
    found = find_program(prog, &gp->path);
    if (found < 0)
        return rb_error_oom(err);
    if (found == 0)
        return rb_error_set(err, "charts need gnuplot, and \"%s\" is %s: "
                            "install the Debian package %s (apt-get "
                            "install %s)", prog,
                            strchr(prog, '/') ? "not an executable file"
                                              : "not on PATH",
                            RB_GNUPLOT_PACKAGE, RB_GNUPLOT_PACKAGE);
    if (read_version(gp, err) < 0) {
        rb_gnuplot_release(gp);
        return -1;
    }
    return 0;
}

void rb_gnuplot_release(rb_gnuplot *gp)
{
    rb_free(gp->path);
    gp->path = NULL;
}

int rb_gnuplot_exec(const rb_gnuplot *gp, const char *dir,
                    const char *const *args, char **messages,
                    rb_error *err)
{
    char *argv[MAX_ARGS + 2];
    child_result res;
    size_t i;
    int rc;

    if (messages)
        *messages = NULL;
    argv[0] = gp->path;
    for (i = 0; args[i]; i++) {
        if (i == MAX_ARGS)
            return rb_error_set(err, "too many gnuplot arguments");
        argv[i + 1] = (char *)args[i];
    }
    argv[i + 1] = NULL;
    memset(&res, 0, sizeof res);
    rc = run_child(gp->path, argv, dir, gp->timeout_s, &res, err);
    if (rc == 0)
        rc = judge_child(gp, &res, err);
    if (messages) {
        *messages = rb_strdup(res.errs.data ? res.errs.data : "");
        if (!*messages && rc == 0)
            rc = rb_error_oom(err);
    }
    child_result_release(&res);
    return rc;
}

const char *rb_gnuplot_template_dir(const char *given)
{
    const char *env = getenv("RANKBENCH_PLOTS_DIR");

    if (given)
        return given;
    return env && *env ? env : rb_resource_path(RB_RESOURCE_PLOTS);
}

int rb_gnuplot_read_template(const char *dir, const char *name,
                             char **text, rb_error *err)
{
    char *path = rb_path_join(dir, name);
    size_t len;
    int rc;

    if (!path)
        return rb_error_oom(err);
    rc = rb_read_file(path, text, &len, err);
    if (rc < 0)
        rb_error_prefix(err, "chart template (set RANKBENCH_PLOTS_DIR to "
                        "the plots/ folder of rankbench)");
    rb_free(path);
    return rc;
}

/* Make the empty file FINAL.tmp.XXXXXX for gnuplot to draw into; *tmp
 * receives its path, a new string. */
static int make_temporary(const char *final, char **tmp, rb_error *err)
{
    size_t n = strlen(final);
    int fd;

    *tmp = rb_malloc(n + sizeof ".tmp.XXXXXX");
    if (!*tmp)
        return rb_error_oom(err);
    memcpy(*tmp, final, n);
    memcpy(*tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    fd = mkstemp(*tmp);
    if (fd < 0) {
        rb_error_set(err, "%s: cannot create: %s", final, strerror(errno));
        rb_free(*tmp);
        *tmp = NULL;
        return -1;
    }
    close(fd);
    return 0;
}

/* Judge what gnuplot said on stderr and what it left in tmp. */
static int check_drawing(const char *final, const char *tmp,
                         const char *script, const char *messages,
                         int strict, rb_error *err)
{
    struct stat st;

    if (messages && *messages) {
        if (strict)
            return rb_error_set(err, "%s: gnuplot warned: %.300s", final,
                                messages);
        rb_debug("gnuplot on %s: %s", script, messages);
    }
    if (stat(tmp, &st) != 0 || st.st_size == 0)
        return rb_error_set(err, "%s: gnuplot wrote nothing", final);
    return 0;
}

int rb_gnuplot_draw(const rb_gnuplot *gp, const char *dir,
                    const char *script, const char *fmt,
                    const char *output, int strict, rb_error *err)
{
    char *final = rb_path_join(dir, output), *tmp = NULL;
    char *setup = NULL, *messages = NULL;
    const char *args[4];
    int rc = -1;

    if (!final) {
        rb_error_oom(err);
        goto done;
    }
    if (make_temporary(final, &tmp, err) < 0)
        goto done;
    setup = rb_malloc(strlen(fmt) + strlen(tmp) + 64);
    if (!setup) {
        rb_error_oom(err);
        goto done;
    }
    sprintf(setup, "rb_format='%s'; rb_output='%s'", fmt,
            strrchr(tmp, '/') ? strrchr(tmp, '/') + 1 : tmp);
    args[0] = "-e";
    args[1] = setup;
    args[2] = script;
    args[3] = NULL;
    if (rb_gnuplot_exec(gp, dir, args, &messages, err) < 0) {
        rb_error_prefix(err, "%s", final);
        goto done;
    }
    if (check_drawing(final, tmp, script, messages, strict, err) < 0)
        goto done;
    if (rename(tmp, final) != 0) {
        rb_error_set(err, "%s: cannot write: %s", final, strerror(errno));
        goto done;
    }
    rc = 0;

done:
    if (rc < 0 && tmp)
        unlink(tmp);
    rb_free(tmp);
    rb_free(setup);
    rb_free(messages);
    rb_free(final);
    return rc;
}
