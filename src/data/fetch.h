#ifndef RB_FETCH_H
#define RB_FETCH_H

/*
 * Fetching published datasets: a catalog of the BEIR archives by name,
 * resumable HTTP downloads (libcurl), checksum verification, and safe
 * unpacking of zip archives (libzip) into a folder that appears only once
 * it is complete.
 *
 * Files a fetch leaves in the target folder DIR:
 *   DIR/NAME.zip.part          a download in progress; the next fetch
 *                              resumes it with an HTTP Range request
 *   DIR/NAME.zip.part.validator  the server's ETag or Last-Modified, sent
 *                              as If-Range so a changed file restarts
 *   DIR/.NAME.unpack.XXXXXX    unpacking in progress (removed on failure)
 *   DIR/NAME                   the dataset, renamed into place at the end
 */

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define RB_BEIR_BASE_URL \
    "https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/"

/* A dataset of the catalog. */
typedef struct rb_fetch_source {
    const char *name;     /* BEIR name, also the archive's base name */
    const char *md5;      /* published MD5 of NAME.zip, or NULL */
    const char *sha256;   /* SHA-256 of NAME.zip, or NULL */
    const char *note;     /* NULL when downloadable; else why not */
} rb_fetch_source;

size_t rb_fetch_catalog_count(void);
const rb_fetch_source *rb_fetch_catalog_at(size_t i);
/* The catalog entry of name, or NULL. */
const rb_fetch_source *rb_fetch_catalog_find(const char *name);

/* ---------------------------------------------------------------------- */

typedef struct rb_download_options {
    long connect_timeout_s;   /* default 30 */
    long stall_timeout_s;     /* abort when nothing arrives for this long;
                               * default 60 */
    int retries;              /* further attempts after a failed one that
                               * may succeed on retry; default 3 */
    double retry_delay_s;     /* first delay, doubled each time; 1 */
    volatile sig_atomic_t *cancel;  /* set to stop (may be NULL) */
} rb_download_options;

typedef struct rb_download_info {
    uint64_t bytes;           /* size of the complete file */
    uint64_t resumed_from;    /* bytes already there when it started */
    int attempts;
} rb_download_info;

void rb_download_options_default(rb_download_options *opt);

/* Download url to dest, through dest.part: an existing dest.part is
 * resumed. dest appears only when the transfer is complete. A failed
 * transfer leaves dest.part for the next call to resume. */
int rb_download(const char *url, const char *dest,
                const rb_download_options *opt, rb_download_info *info,
                rb_error *err);

/* ---------------------------------------------------------------------- */

typedef struct rb_unzip_limits {
    uint64_t max_bytes;       /* total unpacked size; default 64 GiB */
    uint64_t max_entries;     /* default 100000 */
    uint64_t max_ratio;       /* unpacked / packed size of any entry over
                               * 1 MiB; default 1000 */
} rb_unzip_limits;

typedef struct rb_unzip_info {
    size_t files, folders;
    size_t skipped;           /* macOS resource-fork entries */
    uint64_t bytes;
} rb_unzip_info;

void rb_unzip_limits_default(rb_unzip_limits *lim);

/* Unpack archive into the existing empty folder dest. Every entry is
 * checked before anything is written: absolute names, ".." components,
 * backslashes, drive letters, symbolic links, special files, encrypted
 * entries, duplicates and the limits are errors. Sizes and checksums are
 * checked again while unpacking. On failure dest may hold part of the
 * archive: the caller removes it. */
int rb_unzip_safe(const char *archive, const char *dest,
                  const rb_unzip_limits *lim, volatile sig_atomic_t *cancel,
                  rb_unzip_info *info, rb_error *err);

/* Remove a folder and everything under it without following links. */
int rb_remove_tree(const char *path, rb_error *err);

/* Rename folder src to dst. An existing dst is an error unless force is
 * set; then it is moved aside, replaced, and removed. */
int rb_folder_install(const char *src, const char *dst, int force,
                      rb_error *err);

/* ---------------------------------------------------------------------- */

typedef struct rb_fetch_options {
    const char *dir;          /* where datasets go; default "datasets" */
    const char *mirror;       /* base URL for catalog names instead of
                               * the published one */
    const char *md5;          /* expected checksums, overriding the */
    const char *sha256;       /* catalog's */
    int no_verify;            /* skip checksum verification */
    int force;                /* replace an existing dataset folder */
    int keep_archive;         /* keep DIR/NAME.zip after unpacking */
    rb_download_options download;
    rb_unzip_limits limits;
} rb_fetch_options;

void rb_fetch_options_default(rb_fetch_options *opt);

typedef struct rb_fetch_result {
    char *name;               /* dataset name */
    char *url;
    char *archive;            /* DIR/NAME.zip (removed unless kept) */
    char *dataset_dir;        /* DIR/NAME */
    char md5[33];             /* of the archive, hex */
    char sha256[65];
    const char *verified;     /* "md5", "sha256", or NULL when no
                               * checksum was known or checked */
    int reused_archive;       /* an existing DIR/NAME.zip was used */
    rb_download_info download;
    rb_unzip_info unzip;
} rb_fetch_result;

/* Fetch a catalog name or an http(s) URL of a .zip archive into
 * opt->dir: download (resuming), verify, unpack into a temporary folder
 * and rename it to DIR/NAME. An archive holding a single folder becomes
 * that folder. On failure nothing is left but a resumable .part file.
 * res is filled on success; release it with rb_fetch_result_release. */
int rb_fetch(const char *name_or_url, const rb_fetch_options *opt,
             rb_fetch_result *res, rb_error *err);
void rb_fetch_result_release(rb_fetch_result *res);

#endif
