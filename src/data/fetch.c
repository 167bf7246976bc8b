/* nftw needs the X/Open extensions. */
#define _XOPEN_SOURCE 700

#include "data/fetch.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/intern.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/timer.h"
#include "rb_version.h"

/* ---------------------------------------------------------------------- */
/* Catalog                                                                 */

#define NOT_PUBLISHED \
    "BEIR does not redistribute it; build it from the original " \
    "collection (see datasets/README.md and 'rankbench datasets " \
    "import-trec')"

/* The BEIR archives at RB_BEIR_BASE_URL. MD5 sums are the ones BEIR
 * publishes in its dataset table; no SHA-256 is published. */
static const rb_fetch_source catalog[] = {
    {"arguana", "8ad3e3c2a5867cdced806d6503f29b99", NULL, NULL},
    {"climate-fever", "8b66f0a9126c521bae2bde127b4dc99d", NULL, NULL},
    {"cqadupstack", "4e41456d7df8ee7760a7f866133bda78", NULL, NULL},
    {"dbpedia-entity", "c2a39eb420a3164af735795df012ac2c", NULL, NULL},
    {"fever", "5a818580227bfb4b35bb6fa46d9b6c03", NULL, NULL},
    {"fiqa", "17918ed23cd04fb15047f73e6c3bd9d9", NULL, NULL},
    {"hotpotqa", "f412724f78b0d91183a0e86805e16114", NULL, NULL},
    {"msmarco", "444067daf65d982533ea17ebd59501e4", NULL, NULL},
    {"nfcorpus", "a89dba18a62ef92f7d323ec890a0d38d", NULL, NULL},
    {"nq", "d4d3d2e48787a744b6f6e691ff534307", NULL, NULL},
    {"nq-train", NULL, NULL, NULL},
    {"quora", "18fb154900ba42a600f84b839c173167", NULL, NULL},
    {"scidocs", "38121350fc3a4d2f48850f6aff52e4a9", NULL, NULL},
    {"scifact", "5f7d1de60b170fc8027bb7898e2efca1", NULL, NULL},
    {"trec-covid", "ce62140cb23feb9becf6270d0d1fe6d1", NULL, NULL},
    {"webis-touche2020", "46f650ba5a527fc69e0a6521c5a23563", NULL, NULL},
    {"bioasq", NULL, NULL, NOT_PUBLISHED},
    {"robust04", NULL, NULL, NOT_PUBLISHED},
    {"signal1m", NULL, NULL, NOT_PUBLISHED},
    {"trec-news", NULL, NULL, NOT_PUBLISHED},
};

#define CATALOG_SIZE (sizeof catalog / sizeof catalog[0])

size_t rb_fetch_catalog_count(void)
{
    return CATALOG_SIZE;
}

const rb_fetch_source *rb_fetch_catalog_at(size_t i)
{
    return i < CATALOG_SIZE ? &catalog[i] : NULL;
}

const rb_fetch_source *rb_fetch_catalog_find(const char *name)
{
    size_t i;

    for (i = 0; i < CATALOG_SIZE; i++)
        if (strcmp(catalog[i].name, name) == 0)
            return &catalog[i];
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Byte progress on a terminal                                             */

typedef struct byte_progress {
    const char *label;
    double start, last;
    int active;
} byte_progress;

static void byte_progress_start(byte_progress *p, const char *label)
{
    p->label = label;
    p->start = rb_now();
    p->last = 0;
    p->active = isatty(STDERR_FILENO) && rb_log_get_level() >= RB_LOG_INFO;
}

static void byte_progress_draw(byte_progress *p, uint64_t done,
                               uint64_t total, int final)
{
    double now = rb_now(), mib = 1024.0 * 1024.0, rate;
    char bar[31];
    int i, fill;

    if (!p->active || (!final && now - p->last < 0.2))
        return;
    p->last = now;
    rate = now > p->start ? (double)done / (now - p->start) : 0;
    fill = total ? (int)(30.0 * (double)done / (double)total) : 0;
    for (i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    if (total)
        fprintf(stderr, "\r%-20.20s [%s] %.1f/%.1f MiB %.1f MiB/s ",
                p->label, bar, (double)done / mib, (double)total / mib,
                rate / mib);
    else
        fprintf(stderr, "\r%-20.20s %.1f MiB %.1f MiB/s ", p->label,
                (double)done / mib, rate / mib);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

/* ---------------------------------------------------------------------- */
/* Download                                                                */

void rb_download_options_default(rb_download_options *opt)
{
    opt->connect_timeout_s = 30;
    opt->stall_timeout_s = 60;
    opt->retries = 3;
    opt->retry_delay_s = 1.0;
    opt->cancel = NULL;
}

typedef struct transfer {
    FILE *fp;
    uint64_t offset;          /* bytes in the .part file before */
    uint64_t written;         /* bytes written in this attempt */
    int write_failed;
    char validator[512];      /* "ETag" or Last-Modified of a 200 */
    long status;              /* status of the last response line */
    byte_progress progress;
    volatile sig_atomic_t *cancel;
} transfer;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    transfer *t = ctx;
    size_t n = size * nmemb;

    if (n && fwrite(data, 1, n, t->fp) != n) {
        t->write_failed = errno ? errno : EIO;
        return 0;
    }
    t->written += n;
    return n;
}

/* Copy a header's value without surrounding space. */
static void header_value(const char *line, size_t n, size_t skip, char *out,
                         size_t size)
{
    const char *v = line + skip, *end = line + n;

    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
                       end[-1] == ' '))
        end--;
    if ((size_t)(end - v) >= size) {
        out[0] = '\0';
        return;
    }
    memcpy(out, v, (size_t)(end - v));
    out[end - v] = '\0';
}

/* Headers: keep the status and a validator for If-Range. Each response
 * (a redirect included) starts with its status line. */
static size_t on_header(char *line, size_t size, size_t nmemb, void *ctx)
{
    transfer *t = ctx;
    size_t n = size * nmemb;

    if (n > 5 && strncmp(line, "HTTP/", 5) == 0) {
        const char *sp = memchr(line, ' ', n);

        t->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        t->validator[0] = '\0';
    } else if (t->status == 200 && n > 5 &&
               strncasecmp(line, "ETag:", 5) == 0) {
        header_value(line, n, 5, t->validator, sizeof t->validator);
    } else if (t->status == 200 && !t->validator[0] && n > 14 &&
               strncasecmp(line, "Last-Modified:", 14) == 0) {
        header_value(line, n, 14, t->validator, sizeof t->validator);
    }
    return n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    transfer *t = ctx;

    (void)ultotal;
    (void)ulnow;
    if (t->cancel && *t->cancel)
        return 1;
    byte_progress_draw(&t->progress, t->offset + (uint64_t)dlnow,
                       dltotal ? t->offset + (uint64_t)dltotal : 0, 0);
    return 0;
}

static int curl_ready(rb_error *err)
{
    static int done;

    if (!done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return rb_error_set(err, "cannot initialise libcurl");
        done = 1;
    }
    return 0;
}

/* The outcome of one attempt. */
enum attempt {
    ATTEMPT_DONE,             /* the .part file is complete */
    ATTEMPT_RETRY,            /* failed; another attempt may succeed */
    ATTEMPT_RESTART,          /* the server cannot resume: start over */
    ATTEMPT_FAILED            /* failed for good (err set) */
};

static char *suffixed(const char *path, const char *suffix)
{
    size_t a = strlen(path), b = strlen(suffix);
    char *s = rb_malloc(a + b + 1);

    if (s) {
        memcpy(s, path, a);
        memcpy(s + a, suffix, b + 1);
    }
    return s;
}

/* Read the saved validator of a partial download, if any. */
static void read_validator(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;

    out[0] = '\0';
    if (!f)
        return;
    n = fread(out, 1, size - 1, f);
    fclose(f);
    out[n] = '\0';
    if (strpbrk(out, "\r\n"))
        out[0] = '\0';
}

static void set_options(CURL *h, const char *url, transfer *t,
                        const rb_download_options *opt, char *errbuf)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS,
                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS,
                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_USERAGENT, "rankbench/" RB_VERSION);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, opt->connect_timeout_s);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, opt->stall_timeout_s);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    if (t->offset)
        curl_easy_setopt(h, CURLOPT_RESUME_FROM_LARGE,
                         (curl_off_t)t->offset);
}

/* Sort a failed transfer into retry or give up, with a message. */
static enum attempt classify(CURLcode rc, long status, const char *url,
                             const char *errbuf, const transfer *t,
                             rb_error *err)
{
    const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    uint64_t have = t->offset + t->written;

    switch (rc) {
    case CURLE_RANGE_ERROR:
        return ATTEMPT_RESTART;
    case CURLE_HTTP_RETURNED_ERROR:
        if (status == 416 && t->offset > 0)
            return ATTEMPT_DONE;  /* nothing left to send: complete */
        rb_error_set(err, "%s: HTTP %ld", url, status);
        return status >= 500 || status == 408 || status == 429
               ? ATTEMPT_RETRY : ATTEMPT_FAILED;
    case CURLE_ABORTED_BY_CALLBACK:
        rb_error_set(err, "%s: interrupted after %llu bytes; run the "
                     "command again to resume", url,
                     (unsigned long long)have);
        return ATTEMPT_FAILED;
    case CURLE_WRITE_ERROR:
        rb_error_set(err, "%s: cannot write the download: %s", url,
                     t->write_failed ? strerror(t->write_failed) : why);
        return ATTEMPT_FAILED;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        rb_error_set(err, "%s: %s (is the network reachable?)", url, why);
        return ATTEMPT_FAILED;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_OPERATION_TIMEDOUT:
        rb_error_set(err, "%s: transfer interrupted after %llu bytes (%s); "
                     "run the command again to resume", url,
                     (unsigned long long)have, why);
        return ATTEMPT_RETRY;
    case CURLE_COULDNT_CONNECT:
        rb_error_set(err, "%s: %s", url, why);
        return ATTEMPT_RETRY;
    default:
        rb_error_set(err, "%s: %s", url, why);
        return ATTEMPT_FAILED;
    }
}

/* One transfer into part, appending to what it holds. */
static enum attempt attempt_once(const char *url, const char *part,
                                 const char *vfile,
                                 const rb_download_options *opt,
                                 const char *label, rb_download_info *info,
                                 rb_error *err)
{
    char errbuf[CURL_ERROR_SIZE] = "", saved[512];
    struct curl_slist *headers = NULL;
    transfer t;
    CURLcode rc;
    CURL *h;
    long status = 0;
    enum attempt out;
    struct stat st;

    memset(&t, 0, sizeof t);
    t.cancel = opt->cancel;
    t.fp = fopen(part, "ab");
    if (!t.fp) {
        rb_error_set(err, "%s: cannot create: %s", part, strerror(errno));
        return ATTEMPT_FAILED;
    }
    if (fstat(fileno(t.fp), &st) == 0)
        t.offset = (uint64_t)st.st_size;
    if (info->attempts == 0)
        info->resumed_from = t.offset;
    info->attempts++;
    h = curl_easy_init();
    if (!h) {
        fclose(t.fp);
        rb_error_set(err, "cannot initialise libcurl");
        return ATTEMPT_FAILED;
    }
    set_options(h, url, &t, opt, errbuf);
    read_validator(vfile, saved, sizeof saved);
    if (t.offset && saved[0]) {
        char hdr[600];

        snprintf(hdr, sizeof hdr, "If-Range: %s", saved);
        headers = curl_slist_append(NULL, hdr);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    }
    if (t.offset)
        rb_info("resuming %s from byte %llu", url,
                (unsigned long long)t.offset);
    byte_progress_start(&t.progress, label);
    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (fflush(t.fp) != 0 && rc == CURLE_OK) {
        rc = CURLE_WRITE_ERROR;
        t.write_failed = errno;
    }
    if (fsync(fileno(t.fp)) != 0 && errno != EINVAL && rc == CURLE_OK) {
        rc = CURLE_WRITE_ERROR;
        t.write_failed = errno;
    }
    fclose(t.fp);
    byte_progress_draw(&t.progress, t.offset + t.written, 0,
                       t.progress.active && (t.written || rc));
    if (t.validator[0] && t.offset == 0)
        rb_write_file_atomic(vfile, t.validator, strlen(t.validator),
                             NULL);
    info->bytes = t.offset + t.written;
    out = rc == CURLE_OK ? ATTEMPT_DONE
                         : classify(rc, status, url, errbuf, &t, err);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    return out;
}

static void sleep_seconds(double s, volatile sig_atomic_t *cancel)
{
    double end = rb_now() + s;

    while (rb_now() < end && !(cancel && *cancel)) {
        struct timespec ts = {0, 50 * 1000 * 1000};

        nanosleep(&ts, NULL);
    }
}

int rb_download(const char *url, const char *dest,
                const rb_download_options *opt, rb_download_info *info,
                rb_error *err)
{
    rb_download_options defaults;
    char *part = NULL, *vfile = NULL;
    const char *label = strrchr(dest, '/');
    double delay;
    int retries_left, restarts = 0, rc = -1;

    if (!opt) {
        rb_download_options_default(&defaults);
        opt = &defaults;
    }
    memset(info, 0, sizeof *info);
    if (curl_ready(err) < 0)
        return -1;
    part = suffixed(dest, ".part");
    vfile = suffixed(dest, ".part.validator");
    if (!part || !vfile) {
        rb_error_oom(err);
        goto done;
    }
    label = label ? label + 1 : dest;
    retries_left = opt->retries;
    delay = opt->retry_delay_s;
    for (;;) {
        rb_error attempt_err = {{0}, 0};
        enum attempt a = attempt_once(url, part, vfile, opt, label, info,
                                      &attempt_err);

        if (a == ATTEMPT_DONE)
            break;
        if (a == ATTEMPT_RESTART && restarts++ == 0) {
            rb_info("%s: the server cannot resume this download (or the "
                    "file changed); starting over", url);
            unlink(part);
            unlink(vfile);
            continue;
        }
        if (a == ATTEMPT_RESTART)
            rb_error_set(&attempt_err, "%s: the server keeps refusing to "
                         "resume", url);
        if (a != ATTEMPT_RETRY || retries_left <= 0 ||
            (opt->cancel && *opt->cancel)) {
            struct stat st;

            /* Keep a partial download only when it holds something. */
            if (stat(part, &st) == 0 && st.st_size == 0) {
                unlink(part);
                unlink(vfile);
            }
            rb_error_set(err, "%s", attempt_err.msg);
            goto done;
        }
        rb_warn("%s; retrying in %.0f s", attempt_err.msg, delay);
        sleep_seconds(delay, opt->cancel);
        delay *= 2;
        retries_left--;
    }
    if (rename(part, dest) != 0) {
        rb_error_set(err, "%s: cannot rename into place: %s", dest,
                     strerror(errno));
        goto done;
    }
    unlink(vfile);
    rc = 0;
done:
    rb_free(part);
    rb_free(vfile);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Checksums                                                               */

static void to_hex(const unsigned char *d, unsigned n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    unsigned i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

/* MD5 and SHA-256 of a file in one pass. */
static int file_digests(const char *path, char md5[33], char sha256[65],
                        rb_error *err)
{
    EVP_MD_CTX *a = EVP_MD_CTX_new(), *b = EVP_MD_CTX_new();
    unsigned char chunk[1 << 16], d[EVP_MAX_MD_SIZE];
    unsigned n;
    size_t got;
    FILE *f = NULL;
    int rc = -1;

    if (!a || !b || !EVP_DigestInit_ex(a, EVP_md5(), NULL) ||
        !EVP_DigestInit_ex(b, EVP_sha256(), NULL)) {
        rb_error_set(err, "cannot initialise MD5 and SHA-256");
        goto done;
    }
    f = fopen(path, "rb");
    if (!f) {
        rb_error_set(err, "%s: %s", path, strerror(errno));
        goto done;
    }
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        EVP_DigestUpdate(a, chunk, got);
        EVP_DigestUpdate(b, chunk, got);
    }
    if (ferror(f)) {
        rb_error_set(err, "%s: read error", path);
        goto done;
    }
    EVP_DigestFinal_ex(a, d, &n);
    to_hex(d, n, md5);
    EVP_DigestFinal_ex(b, d, &n);
    to_hex(d, n, sha256);
    rc = 0;
done:
    if (f)
        fclose(f);
    EVP_MD_CTX_free(a);
    EVP_MD_CTX_free(b);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Safe unzip                                                              */

void rb_unzip_limits_default(rb_unzip_limits *lim)
{
    lim->max_bytes = (uint64_t)64 << 30;
    lim->max_entries = 100000;
    lim->max_ratio = 1000;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

int rb_remove_tree(const char *path, rb_error *err)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : rb_error_set(err, "%s: %s", path,
                                                  strerror(errno));
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return rb_error_set(err, "%s: cannot remove: %s", path,
                            strerror(errno));
    return 0;
}

/* Why an entry name is unsafe to unpack, or NULL when it is safe. */
static const char *unsafe_name(const char *name)
{
    const char *p = name, *slash;

    if (!*name)
        return "an empty name";
    if (name[0] == '/')
        return "an absolute path";
    if (strchr(name, '\\'))
        return "a backslash in its name";
    if (((name[0] >= 'A' && name[0] <= 'Z') ||
         (name[0] >= 'a' && name[0] <= 'z')) && name[1] == ':')
        return "a drive letter";
    for (; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "a control character in its name";
    for (p = name; *p; p = slash + 1) {
        size_t n;

        slash = strchr(p, '/');
        n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 && slash)
            return "an empty path component";
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' &&
                                         p[1] == '.'))
            return "a \".\" or \"..\" path component";
        if (n > 255)
            return "a path component over 255 bytes";
        if (!slash)
            break;
    }
    if (strlen(name) > 4000)
        return "a name over 4000 bytes";
    return NULL;
}

/* macOS archivers add resource forks under __MACOSX/; they are skipped. */
static int is_resource_fork(const char *name)
{
    return strncmp(name, "__MACOSX/", 9) == 0;
}

typedef struct zip_plan {
    zip_uint64_t n;
    uint64_t total;
    unsigned char *skip;      /* per entry: 1 to skip */
} zip_plan;

/* Check every entry before anything is written. */
static int plan_unzip(zip_t *za, const char *archive,
                      const rb_unzip_limits *lim, zip_plan *plan,
                      rb_error *err)
{
    rb_intern *names = rb_intern_new();
    zip_uint64_t i;
    int rc = -1;

    if (!names)
        return rb_error_oom(err);
    plan->skip = rb_calloc((size_t)plan->n + 1, 1);
    if (!plan->skip) {
        rb_error_oom(err);
        goto done;
    }
    for (i = 0; i < plan->n; i++) {
        zip_stat_t st;
        zip_uint8_t opsys;
        zip_uint32_t attr;
        const char *why;
        size_t len;
        int added;

        if (zip_stat_index(za, i, 0, &st) != 0 ||
            !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE)) {
            rb_error_set(err, "%s: entry %llu: %s", archive,
                         (unsigned long long)i, zip_strerror(za));
            goto done;
        }
        why = unsafe_name(st.name);
        if (why) {
            rb_error_set(err, "%s: entry \"%.200s\" has %s; refusing to "
                         "unpack the archive", archive, st.name, why);
            goto done;
        }
        if (is_resource_fork(st.name)) {
            plan->skip[i] = 1;
            continue;
        }
        if (zip_file_get_external_attributes(za, i, 0, &opsys, &attr) ==
            0 && opsys == ZIP_OPSYS_UNIX) {
            unsigned type = (attr >> 16) & S_IFMT;

            if (type == S_IFLNK) {
                rb_error_set(err, "%s: entry \"%.200s\" is a symbolic "
                             "link; refusing to unpack the archive",
                             archive, st.name);
                goto done;
            }
            if (type != 0 && type != S_IFREG && type != S_IFDIR) {
                rb_error_set(err, "%s: entry \"%.200s\" is a special "
                             "file; refusing to unpack the archive",
                             archive, st.name);
                goto done;
            }
        }
        if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
            st.encryption_method != ZIP_EM_NONE) {
            rb_error_set(err, "%s: entry \"%.200s\" is encrypted",
                         archive, st.name);
            goto done;
        }
        plan->total += st.size;
        if (plan->total > lim->max_bytes) {
            rb_error_set(err, "%s: unpacks to more than %llu bytes, the "
                         "size limit", archive,
                         (unsigned long long)lim->max_bytes);
            goto done;
        }
        if (st.size > (1u << 20) && (st.valid & ZIP_STAT_COMP_SIZE) &&
            st.size / (st.comp_size ? st.comp_size : 1) > lim->max_ratio) {
            rb_error_set(err, "%s: entry \"%.200s\" expands %llu times, "
                         "above the limit of %llu (a zip bomb?)", archive,
                         st.name, (unsigned long long)(st.size /
                         (st.comp_size ? st.comp_size : 1)),
                         (unsigned long long)lim->max_ratio);
            goto done;
        }
        len = strlen(st.name);
        if (len && st.name[len - 1] == '/')
            len--;
        if (rb_intern_add(names, st.name, len, &added) == RB_INTERN_NONE) {
            rb_error_oom(err);
            goto done;
        }
        if (!added) {
            rb_error_set(err, "%s: entry \"%.200s\" appears twice",
                         archive, st.name);
            goto done;
        }
    }
    rc = 0;
done:
    rb_intern_free(names);
    return rc;
}

/* Create the folders of path (relative to dest) up to its last slash. */
static int make_parents(const char *dest, const char *name, rb_error *err)
{
    const char *slash = strrchr(name, '/');
    char *rel, *full;
    int rc;

    if (!slash)
        return 0;
    rel = rb_strndup(name, (size_t)(slash - name));
    full = rel ? rb_path_join(dest, rel) : NULL;
    rc = full ? rb_mkdirs(full, err) : rb_error_oom(err);
    rb_free(rel);
    rb_free(full);
    return rc;
}

static int extract_file(zip_t *za, zip_uint64_t i, const zip_stat_t *st,
                        const char *archive, const char *dest,
                        volatile sig_atomic_t *cancel, byte_progress *bp,
                        uint64_t *done_bytes, uint64_t total, rb_error *err)
{
    char *path = rb_path_join(dest, st->name);
    char buf[1 << 16];
    zip_file_t *zf = NULL;
    zip_int64_t got;
    uint64_t written = 0;
    int fd = -1, rc = -1;

    if (!path)
        return rb_error_oom(err);
    if (make_parents(dest, st->name, err) < 0)
        goto done;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
    if (fd < 0) {
        rb_error_set(err, "%s: cannot create: %s", path, strerror(errno));
        goto done;
    }
    zf = zip_fopen_index(za, i, 0);
    if (!zf) {
        rb_error_set(err, "%s: entry \"%.200s\": %s", archive, st->name,
                     zip_strerror(za));
        goto done;
    }
    while ((got = zip_fread(zf, buf, sizeof buf)) > 0) {
        const char *p = buf;
        size_t left = (size_t)got;

        written += (uint64_t)got;
        if (written > st->size) {
            rb_error_set(err, "%s: entry \"%.200s\" holds more data than "
                         "its declared %llu bytes", archive, st->name,
                         (unsigned long long)st->size);
            goto done;
        }
        while (left) {
            ssize_t w = write(fd, p, left);

            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rb_error_set(err, "%s: cannot write: %s", path,
                             strerror(errno));
                goto done;
            }
            p += w;
            left -= (size_t)w;
        }
        *done_bytes += (uint64_t)got;
        byte_progress_draw(bp, *done_bytes, total, 0);
        if (cancel && *cancel) {
            rb_error_set(err, "%s: unpacking interrupted", archive);
            goto done;
        }
    }
    if (got < 0) {
        rb_error_set(err, "%s: entry \"%.200s\" is damaged: %s", archive,
                     st->name, zip_file_strerror(zf));
        goto done;
    }
    if (written != st->size) {
        rb_error_set(err, "%s: entry \"%.200s\" holds %llu bytes, not the "
                     "declared %llu", archive, st->name,
                     (unsigned long long)written,
                     (unsigned long long)st->size);
        goto done;
    }
    if (close(fd) != 0) {
        fd = -1;
        rb_error_set(err, "%s: cannot write: %s", path, strerror(errno));
        goto done;
    }
    fd = -1;
    rc = 0;
done:
    if (zf)
        zip_fclose(zf);
    if (fd >= 0)
        close(fd);
    rb_free(path);
    return rc;
}

static int open_archive(const char *archive, zip_t **za, rb_error *err)
{
    zip_error_t ze;
    int code = 0;

    *za = zip_open(archive, ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (*za)
        return 0;
    zip_error_init_with_code(&ze, code);
    rb_error_set(err, "%s: not a valid zip archive (truncated or "
                 "damaged?): %s", archive, zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return -1;
}

int rb_unzip_safe(const char *archive, const char *dest,
                  const rb_unzip_limits *lim, volatile sig_atomic_t *cancel,
                  rb_unzip_info *info, rb_error *err)
{
    rb_unzip_limits defaults;
    zip_plan plan = {0, 0, NULL};
    byte_progress bp;
    uint64_t done_bytes = 0;
    zip_int64_t n;
    zip_uint64_t i;
    zip_t *za;
    int rc = -1;

    if (!lim) {
        rb_unzip_limits_default(&defaults);
        lim = &defaults;
    }
    memset(info, 0, sizeof *info);
    if (open_archive(archive, &za, err) < 0)
        return -1;
    n = zip_get_num_entries(za, 0);
    if (n < 0 || (uint64_t)n > lim->max_entries) {
        rb_error_set(err, "%s: %lld entries, above the limit of %llu",
                     archive, (long long)n,
                     (unsigned long long)lim->max_entries);
        goto done;
    }
    plan.n = (zip_uint64_t)n;
    if (plan_unzip(za, archive, lim, &plan, err) < 0)
        goto done;
    byte_progress_start(&bp, "unpacking");
    for (i = 0; i < plan.n; i++) {
        zip_stat_t st;
        size_t len;

        if (plan.skip[i]) {
            info->skipped++;
            continue;
        }
        if (zip_stat_index(za, i, 0, &st) != 0) {
            rb_error_set(err, "%s: %s", archive, zip_strerror(za));
            goto done;
        }
        len = strlen(st.name);
        if (st.name[len - 1] == '/') {
            char *path = rb_path_join(dest, st.name);
            int mrc = path ? rb_mkdirs(path, err) : rb_error_oom(err);

            rb_free(path);
            if (mrc < 0)
                goto done;
            info->folders++;
            continue;
        }
        if (extract_file(za, i, &st, archive, dest, cancel, &bp,
                         &done_bytes, plan.total, err) < 0)
            goto done;
        info->files++;
    }
    byte_progress_draw(&bp, done_bytes, plan.total, bp.active);
    info->bytes = done_bytes;
    rc = 0;
done:
    rb_free(plan.skip);
    zip_discard(za);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Fetch                                                                   */

void rb_fetch_options_default(rb_fetch_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->dir = "datasets";
    rb_download_options_default(&opt->download);
    rb_unzip_limits_default(&opt->limits);
}

void rb_fetch_result_release(rb_fetch_result *res)
{
    rb_free(res->name);
    rb_free(res->url);
    rb_free(res->archive);
    rb_free(res->dataset_dir);
    memset(res, 0, sizeof *res);
}

static int is_url(const char *s)
{
    return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* The dataset name of a URL: its last path component without ".zip",
 * which must be a plain file name. */
static char *name_of_url(const char *url, rb_error *err)
{
    const char *end = url + strcspn(url, "?#"), *start = end, *p;
    size_t n;

    while (start > url && start[-1] != '/')
        start--;
    n = (size_t)(end - start);
    if (n <= 4 || strncmp(end - 4, ".zip", 4) != 0) {
        rb_error_set(err, "%s: the URL does not name a .zip archive", url);
        return NULL;
    }
    n -= 4;
    for (p = start; p < start + n; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
              (*p == '.' && p > start))) {
            rb_error_set(err, "%s: \"%.*s\" is not a plain name for a "
                         "dataset folder", url, (int)n, start);
            return NULL;
        }
    return rb_strndup(start, n);
}

/* Resolve a catalog name or URL into name, URL and expected checksums. */
static int resolve(const char *what, const rb_fetch_options *opt,
                   rb_fetch_result *res, const char **md5,
                   const char **sha256, rb_error *err)
{
    const rb_fetch_source *src = NULL;
    rb_buf url = RB_BUF_INIT;

    if (is_url(what)) {
        res->name = name_of_url(what, err);
        if (!res->name)
            return err && err->set ? -1 : rb_error_oom(err);
        res->url = rb_strdup(what);
    } else {
        src = rb_fetch_catalog_find(what);
        if (!src) {
            rb_error_set(err, "\"%s\" is not a known dataset name "
                         "('rankbench datasets fetch --list' shows them) "
                         "nor an http(s) URL", what);
            return -1;
        }
        if (src->note)
            return rb_error_set(err, "%s: %s", what, src->note);
        res->name = rb_strdup(src->name);
        if (rb_buf_puts(&url, opt->mirror ? opt->mirror
                                          : RB_BEIR_BASE_URL) < 0 ||
            (url.len && url.data[url.len - 1] != '/' &&
             rb_buf_putc(&url, '/') < 0) ||
            rb_buf_printf(&url, "%s.zip", src->name) < 0) {
            rb_buf_release(&url);
            return rb_error_oom(err);
        }
        res->url = rb_buf_detach(&url);
    }
    if (!res->name || !res->url)
        return rb_error_oom(err);
    *md5 = opt->md5 ? opt->md5 : opt->sha256 ? NULL
                                             : src ? src->md5 : NULL;
    *sha256 = opt->sha256 ? opt->sha256 : opt->md5 ? NULL
                                                   : src ? src->sha256
                                                         : NULL;
    return 0;
}

/* Compare the archive's digests with the expected ones. */
static int verify(rb_fetch_result *res, const char *md5, const char *sha256,
                  int no_verify, rb_error *err)
{
    if (file_digests(res->archive, res->md5, res->sha256, err) < 0)
        return -1;
    res->verified = NULL;
    if (no_verify)
        return 0;
    if (sha256) {
        if (strcasecmp(sha256, res->sha256) != 0)
            return rb_error_set(err, "%s: SHA-256 is %s, expected %s; the "
                                "download is damaged or the publisher "
                                "changed the file", res->archive,
                                res->sha256, sha256);
        res->verified = "sha256";
    } else if (md5) {
        if (strcasecmp(md5, res->md5) != 0)
            return rb_error_set(err, "%s: MD5 is %s, expected %s; the "
                                "download is damaged or the publisher "
                                "changed the file", res->archive, res->md5,
                                md5);
        res->verified = "md5";
    }
    return 0;
}

/* The folder the dataset lives in once unpacked: the archive's single
 * top-level folder, or the unpack folder itself. A new string. */
static char *dataset_root(const char *tmp, rb_error *err)
{
    DIR *d = opendir(tmp);
    struct dirent *de;
    char *only = NULL;
    int count = 0;

    if (!d) {
        rb_error_set(err, "%s: %s", tmp, strerror(errno));
        return NULL;
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strcmp(de->d_name, "__MACOSX") == 0)
            continue;
        if (++count == 1) {
            only = rb_path_join(tmp, de->d_name);
            if (!only)
                break;
        }
    }
    closedir(d);
    if (count == 1 && only) {
        struct stat st;

        if (lstat(only, &st) == 0 && S_ISDIR(st.st_mode))
            return only;
    } else if (count == 1) {
        rb_error_oom(err);
        return NULL;
    }
    rb_free(only);
    if (count == 0) {
        rb_error_set(err, "the archive holds no files");
        return NULL;
    }
    {
        char *root = rb_strdup(tmp);

        if (!root)
            rb_error_oom(err);
        return root;
    }
}

int rb_folder_install(const char *root, const char *final, int force,
                      rb_error *err)
{
    char *old = NULL;
    int rc = -1;

    if (rb_path_exists(final)) {
        if (!force)
            return rb_error_set(err, "%s already exists; pass --force to "
                                "replace it", final);
        old = suffixed(final, ".old.XXXXXX");
        if (!old || !mkdtemp(old)) {
            rb_error_set(err, "%s: cannot make room: %s", final,
                         old ? strerror(errno) : "out of memory");
            goto done;
        }
        /* rename over an empty folder replaces it atomically */
        if (rename(final, old) != 0) {
            rb_error_set(err, "%s: cannot move aside: %s", final,
                         strerror(errno));
            rmdir(old);
            goto done;
        }
    }
    if (rename(root, final) != 0) {
        rb_error_set(err, "%s: cannot rename into place: %s", final,
                     strerror(errno));
        if (old)
            rename(old, final);
        goto done;
    }
    if (old && rb_remove_tree(old, NULL) < 0)
        rb_warn("%s: could not remove the replaced copy", old);
    rc = 0;
done:
    rb_free(old);
    return rc;
}

/* Unpack the verified archive into DIR/.NAME.unpack.XXXXXX and rename
 * the dataset into place; the temporary folder is always removed. */
static int unpack(const rb_fetch_options *opt, rb_fetch_result *res,
                  rb_error *err)
{
    rb_buf tmpl = RB_BUF_INIT;
    char *root = NULL;
    int rc = -1;

    if (rb_buf_printf(&tmpl, "%s/.%s.unpack.XXXXXX", opt->dir,
                      res->name) < 0)
        return rb_error_oom(err);
    if (!mkdtemp(tmpl.data)) {
        rb_error_set(err, "%s: cannot create: %s", tmpl.data,
                     strerror(errno));
        rb_buf_release(&tmpl);
        return -1;
    }
    chmod(tmpl.data, 0755);   /* mkdtemp makes it private */
    if (rb_unzip_safe(res->archive, tmpl.data, &opt->limits,
                      opt->download.cancel, &res->unzip, err) < 0)
        goto done;
    root = dataset_root(tmpl.data, err);
    if (!root)
        goto done;
    if (strcmp(root, tmpl.data) == 0) {
        /* Files at the top: the unpack folder itself is the dataset. */
        if (rb_folder_install(tmpl.data, res->dataset_dir, opt->force,
                              err) < 0)
            goto done;
        rc = 0;
        goto done;
    }
    if (rb_folder_install(root, res->dataset_dir, opt->force, err) < 0)
        goto done;
    rc = 0;
done:
    if (rb_path_exists(tmpl.data))
        rb_remove_tree(tmpl.data, NULL);
    rb_free(root);
    rb_buf_release(&tmpl);
    return rc;
}

/* Download the archive unless a complete copy is already there. */
static int obtain(const rb_fetch_options *opt, rb_fetch_result *res,
                  const char *md5, const char *sha256, rb_error *err)
{
    if (rb_path_exists(res->archive)) {
        rb_error verr = {{0}, 0};

        if (verify(res, md5, sha256, opt->no_verify, &verr) == 0) {
            rb_info("using the archive already at %s", res->archive);
            res->reused_archive = 1;
            return 0;
        }
        rb_warn("%s; downloading it again", verr.msg);
        unlink(res->archive);
    }
    rb_info("downloading %s", res->url);
    if (rb_download(res->url, res->archive, &opt->download, &res->download,
                    err) < 0)
        return -1;
    if (verify(res, md5, sha256, opt->no_verify, err) < 0) {
        unlink(res->archive);
        return -1;
    }
    return 0;
}

int rb_fetch(const char *what, const rb_fetch_options *opt,
             rb_fetch_result *res, rb_error *err)
{
    rb_fetch_options defaults;
    const char *md5 = NULL, *sha256 = NULL;
    rb_buf path = RB_BUF_INIT;
    int rc = -1;

    if (!opt) {
        rb_fetch_options_default(&defaults);
        opt = &defaults;
    }
    memset(res, 0, sizeof *res);
    if (resolve(what, opt, res, &md5, &sha256, err) < 0)
        goto done;
    res->dataset_dir = rb_path_join(opt->dir, res->name);
    if (rb_buf_printf(&path, "%s.zip", res->dataset_dir ?
                      res->dataset_dir : "") < 0 || !res->dataset_dir) {
        rb_error_oom(err);
        goto done;
    }
    res->archive = rb_buf_detach(&path);
    if (!opt->force && rb_path_exists(res->dataset_dir)) {
        rb_error_set(err, "%s already exists; check it with 'rankbench "
                     "datasets check %s' or pass --force to replace it",
                     res->dataset_dir, res->dataset_dir);
        goto done;
    }
    if (rb_mkdirs(opt->dir, err) < 0 || obtain(opt, res, md5, sha256,
                                               err) < 0)
        goto done;
    if (unpack(opt, res, err) < 0) {
        /* A bad archive is not worth keeping for the next attempt; one
         * whose unpacking was interrupted is, verified as it is. */
        if (!(opt->download.cancel && *opt->download.cancel))
            unlink(res->archive);
        goto done;
    }
    if (!opt->keep_archive)
        unlink(res->archive);
    rc = 0;
done:
    rb_buf_release(&path);
    if (rc < 0)
        rb_fetch_result_release(res);
    return rc;
}
