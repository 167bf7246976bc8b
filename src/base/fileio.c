#include "base/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/buf.h"
#include "base/mem.h"

#define LINES_CHUNK (1u << 16)

struct rb_lines {
    gzFile gz;
    char *path;
    char *buf;          /* chunk being consumed */
    size_t buf_len, buf_pos;
    rb_buf line;        /* line spanning chunks */
    long lineno;
    int eof;
};

rb_lines *rb_lines_open(const char *path, rb_error *err)
{
    rb_lines *lr = rb_calloc(1, sizeof *lr);
    int fd;

    if (!lr) {
        rb_error_oom(err);
        return NULL;
    }
    lr->path = rb_strdup(path);
    lr->buf = rb_malloc(LINES_CHUNK);
    if (!lr->path || !lr->buf) {
        rb_error_oom(err);
        rb_lines_close(lr);
        return NULL;
    }
    fd = open(path, O_RDONLY);
    if (fd < 0) {
        rb_error_set(err, "%s: %s", path, strerror(errno));
        rb_lines_close(lr);
        return NULL;
    }
    lr->gz = gzdopen(fd, "rb");
    if (!lr->gz) {
        close(fd);
        rb_error_oom(err);
        rb_lines_close(lr);
        return NULL;
    }
    gzbuffer(lr->gz, LINES_CHUNK);
    return lr;
}

/* zlib's message for a stream opened with gzdopen, without the
 * "<fd:N>: " it puts in front. */
static const char *gz_reason(const char *msg)
{
    const char *sep = strncmp(msg, "<fd:", 4) == 0 ? strstr(msg, ": ")
                                                  : NULL;

    return sep ? sep + 2 : msg;
}

static int fill(rb_lines *lr, rb_error *err)
{
    int n = gzread(lr->gz, lr->buf, LINES_CHUNK);
    int zerr;
    const char *msg;

    if (n > 0) {
        lr->buf_len = (size_t)n;
        lr->buf_pos = 0;
        return 1;
    }
    msg = gzerror(lr->gz, &zerr);
    if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
        if (zerr == Z_BUF_ERROR)
            return rb_error_set(err, "%s:%ld: compressed data is truncated",
                                lr->path, lr->lineno + 1);
        if (zerr == Z_ERRNO)
            return rb_error_set(err, "%s:%ld: %s", lr->path,
                                lr->lineno + 1, strerror(errno));
        return rb_error_set(err, "%s:%ld: corrupt compressed data (%s)",
                            lr->path, lr->lineno + 1, gz_reason(msg));
    }
    lr->eof = 1;
    return 0;
}

int rb_lines_next(rb_lines *lr, const char **line, size_t *len,
                  rb_error *err)
{
    rb_buf_reset(&lr->line);
    for (;;) {
        char *start, *nl;
        size_t avail;

        if (lr->buf_pos >= lr->buf_len) {
            int rc = lr->eof ? 0 : fill(lr, err);

            if (rc < 0)
                return -1;
            if (rc == 0) {
                if (lr->line.len == 0)
                    return 0;
                break;  /* last line without a newline */
            }
        }
        start = lr->buf + lr->buf_pos;
        avail = lr->buf_len - lr->buf_pos;
        nl = memchr(start, '\n', avail);
        if (nl) {
            size_t n = (size_t)(nl - start);

            lr->buf_pos += n + 1;
            if (lr->line.len == 0) {
                /* Fast path: the line lies inside the chunk. */
                *nl = '\0';
                if (n && start[n - 1] == '\r')
                    start[--n] = '\0';
                lr->lineno++;
                *line = start;
                *len = n;
                return 1;
            }
            if (rb_buf_append(&lr->line, start, n) < 0)
                return rb_error_oom(err);
            break;
        }
        if (rb_buf_append(&lr->line, start, avail) < 0)
            return rb_error_oom(err);
        lr->buf_pos = lr->buf_len;
    }
    if (rb_buf_reserve(&lr->line, 0) < 0)
        return rb_error_oom(err);
    if (lr->line.len && lr->line.data[lr->line.len - 1] == '\r')
        lr->line.data[--lr->line.len] = '\0';
    lr->lineno++;
    *line = lr->line.data;
    *len = lr->line.len;
    return 1;
}

long rb_lines_lineno(const rb_lines *lr)
{
    return lr->lineno;
}

void rb_lines_close(rb_lines *lr)
{
    if (!lr)
        return;
    if (lr->gz)
        gzclose(lr->gz);
    rb_buf_release(&lr->line);
    rb_free(lr->buf);
    rb_free(lr->path);
    rb_free(lr);
}

int rb_read_file(const char *path, char **data, size_t *len, rb_error *err)
{
    rb_buf out = RB_BUF_INIT;
    gzFile gz;
    int fd, n, zerr, saved;
    char why[128];

    fd = open(path, O_RDONLY);
    if (fd < 0)
        return rb_error_set(err, "%s: %s", path, strerror(errno));
    gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return rb_error_oom(err);
    }
    gzbuffer(gz, 1 << 17);
    for (;;) {
        if (rb_buf_reserve(&out, 1 << 20) < 0) {
            gzclose(gz);
            rb_buf_release(&out);
            return rb_error_oom(err);
        }
        n = gzread(gz, out.data + out.len, 1 << 20);
        if (n <= 0)
            break;
        out.len += (size_t)n;
    }
    saved = errno;
    snprintf(why, sizeof why, "%s", gz_reason(gzerror(gz, &zerr)));
    gzclose(gz);
    if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
        rb_buf_release(&out);
        if (zerr == Z_BUF_ERROR)
            return rb_error_set(err, "%s: compressed data is truncated",
                                path);
        if (zerr == Z_ERRNO)
            return rb_error_set(err, "%s: %s", path, strerror(saved));
        return rb_error_set(err, "%s: corrupt compressed data (%s)", path,
                            why);
    }
    out.data[out.len] = '\0';
    *len = out.len;
    *data = out.data;
    return 0;
}

/* Temporary files still open, for removal on a signal. */
#define ATOMIC_MAX_OPEN 64
static char *volatile open_tmp[ATOMIC_MAX_OPEN];

static void track_tmp(char *path, int add)
{
    int i;

    for (i = 0; i < ATOMIC_MAX_OPEN; i++) {
        if (add && !open_tmp[i]) {
            open_tmp[i] = path;
            return;
        }
        if (!add && open_tmp[i] == path) {
            open_tmp[i] = NULL;
            return;
        }
    }
}

void rb_atomic_cleanup_all(void)
{
    int i;

    for (i = 0; i < ATOMIC_MAX_OPEN; i++) {
        char *p = open_tmp[i];

        if (p)
            unlink(p);
    }
}

int rb_atomic_open(rb_atomic_file *af, const char *path, rb_error *err)
{
    size_t n = strlen(path);
    int fd;

    memset(af, 0, sizeof *af);
    af->path = rb_strdup(path);
    af->tmp_path = rb_malloc(n + 16);
    if (!af->path || !af->tmp_path) {
        rb_atomic_abort(af);
        return rb_error_oom(err);
    }
    memcpy(af->tmp_path, path, n);
    memcpy(af->tmp_path + n, ".tmp.XXXXXX", 12);
    /* Tracked before it exists: a signal arriving just after mkstemp
     * created the file still finds it (one arriving before only unlinks a
     * name that does not exist). */
    track_tmp(af->tmp_path, 1);
    fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        int saved = errno;

        track_tmp(af->tmp_path, 0);
        rb_error_set(err, "%s: cannot create: %s", path, strerror(saved));
        rb_free(af->tmp_path);
        af->tmp_path = NULL;
        rb_atomic_abort(af);
        return -1;
    }
    fchmod(fd, 0644);
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        close(fd);
        rb_atomic_abort(af);
        return rb_error_oom(err);
    }
    return 0;
}

int rb_atomic_commit(rb_atomic_file *af, rb_error *err)
{
    int failed = ferror(af->fp) || fflush(af->fp) != 0;
    int saved = errno;

    if (!failed && fsync(fileno(af->fp)) != 0 && errno != EINVAL) {
        failed = 1;
        saved = errno;
    }
    if (fclose(af->fp) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    af->fp = NULL;
    if (!failed && rename(af->tmp_path, af->path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        rb_error_set(err, "%s: cannot write: %s", af->path,
                     strerror(saved ? saved : EIO));
        rb_atomic_abort(af);
        return -1;
    }
    track_tmp(af->tmp_path, 0);
    rb_free(af->tmp_path);
    rb_free(af->path);
    af->tmp_path = af->path = NULL;
    return 0;
}

void rb_atomic_abort(rb_atomic_file *af)
{
    if (af->fp)
        fclose(af->fp);
    if (af->tmp_path) {
        unlink(af->tmp_path);
        track_tmp(af->tmp_path, 0);
    }
    rb_free(af->tmp_path);
    rb_free(af->path);
    memset(af, 0, sizeof *af);
}

int rb_write_file_atomic(const char *path, const void *data, size_t len,
                         rb_error *err)
{
    rb_atomic_file af;

    if (rb_atomic_open(&af, path, err) < 0)
        return -1;
    if (len && fwrite(data, 1, len, af.fp) != len) {
        rb_error_set(err, "%s: cannot write: %s", path, strerror(errno));
        rb_atomic_abort(&af);
        return -1;
    }
    return rb_atomic_commit(&af, err);
}

int rb_mkdirs(const char *path, rb_error *err)
{
    char *p = rb_strdup(path), *s;

    if (!p)
        return rb_error_oom(err);
    for (s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;

            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                rb_error_set(err, "%s: cannot create folder: %s", p,
                             strerror(errno));
                rb_free(p);
                return -1;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    rb_free(p);
    return 0;
}

int rb_path_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

char *rb_path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = rb_malloc(a + b + 2);

    if (!p)
        return NULL;
    memcpy(p, dir, a);
    if (a && dir[a - 1] != '/')
        p[a++] = '/';
    memcpy(p + a, name, b + 1);
    return p;
}
