#ifndef RB_FILEIO_H
#define RB_FILEIO_H

/*
 * File input and output: a line reader for plain or gzip-compressed files,
 * whole-file reads, and atomic writes (a temporary file beside the target,
 * renamed over it only when complete).
 */

#include <stdio.h>
#include <stddef.h>

#include "base/error.h"

typedef struct rb_lines rb_lines;

/* Open path for reading line by line; gzip data is recognised by its magic
 * bytes and inflated. NULL on failure, with err set. */
rb_lines *rb_lines_open(const char *path, rb_error *err);
/* The next line without its "\n" (and without a "\r" before it). The
 * returned pointer is valid until the next call. Returns 1 with a line, 0 at
 * the end, -1 on a read error or truncated compressed data (err set, naming
 * the file and line). */
int rb_lines_next(rb_lines *lr, const char **line, size_t *len,
                  rb_error *err);
/* 1-based number of the line last returned. */
long rb_lines_lineno(const rb_lines *lr);
void rb_lines_close(rb_lines *lr);

/* Read a whole file (inflating gzip) into a new NUL-terminated buffer that
 * the caller frees with rb_free. */
int rb_read_file(const char *path, char **data, size_t *len, rb_error *err);

typedef struct rb_atomic_file {
    FILE *fp;
    char *path;       /* final name */
    char *tmp_path;   /* temporary name beside it */
} rb_atomic_file;

/* Create a temporary file beside path. Write through af->fp, then call
 * rb_atomic_commit to flush, sync and rename it into place, or
 * rb_atomic_abort to remove it. */
int rb_atomic_open(rb_atomic_file *af, const char *path, rb_error *err);
int rb_atomic_commit(rb_atomic_file *af, rb_error *err);
void rb_atomic_abort(rb_atomic_file *af);
/* Write a buffer to path atomically. */
int rb_write_file_atomic(const char *path, const void *data, size_t len,
                         rb_error *err);
/* Remove every temporary file still open; safe to call from a signal
 * handler. */
void rb_atomic_cleanup_all(void);

/* Create a folder and its parents (like mkdir -p). */
int rb_mkdirs(const char *path, rb_error *err);
/* 1 if path exists and is a regular file or folder. */
int rb_path_exists(const char *path);
/* path joined with name by "/" in a new string (rb_free). */
char *rb_path_join(const char *dir, const char *name);

#endif
