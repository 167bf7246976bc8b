#ifndef RB_FUZZ_UTIL_H
#define RB_FUZZ_UTIL_H

/*
 * Helpers shared by the fuzz targets. Each target is one file defining
 * LLVMFuzzerTestOneInput (and optionally LLVMFuzzerInitialize); it is
 * linked either with libFuzzer (RB_FUZZ builds) or with replay_main.c,
 * which feeds it stored inputs so that every build replays the seeds and
 * the inputs of past crashes.
 *
 * Parsers that read files get the input through a file in a private
 * folder, on /dev/shm when there is one so that iterations stay fast.
 */

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The private folder, created on first use and removed at exit. */
static char fuzz_dir_path[256];

static inline void fuzz_remove_dir(void)
{
    char cmd[300];

    if (!fuzz_dir_path[0])
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir_path);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir_path);
}

static inline const char *fuzz_dir(void)
{
    if (!fuzz_dir_path[0]) {
        struct stat st;
        const char *base = stat("/dev/shm", &st) == 0 &&
                           S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";

        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/rb_fuzz_XXXXXX",
                 base);
        if (!mkdtemp(fuzz_dir_path)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fuzz_remove_dir);
    }
    return fuzz_dir_path;
}

/* Write size bytes to FOLDER/name (folders in name must exist); returns a
 * static path. Aborts on failure: the harness, not the parser, broke. */
static inline const char *fuzz_write(const char *name, const void *data,
                                     size_t size)
{
    static char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
        perror(path);
        abort();
    }
    return path;
}

/* Create FOLDER/name as a folder; returns a static path. */
static inline const char *fuzz_mkdir(const char *name)
{
    static char path[512];

    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    if (mkdir(path, 0755) != 0 && access(path, F_OK) != 0) {
        perror(path);
        abort();
    }
    return path;
}

/* Silence stderr around code that reports errors on it (the CLI). */
static int fuzz_stderr_saved = -1;

static inline void fuzz_mute_stderr(void)
{
    int null = open("/dev/null", O_WRONLY);

    fflush(stderr);
    fuzz_stderr_saved = dup(2);
    dup2(null, 2);
    close(null);
}

static inline void fuzz_unmute_stderr(void)
{
    fflush(stderr);
    dup2(fuzz_stderr_saved, 2);
    close(fuzz_stderr_saved);
    fuzz_stderr_saved = -1;
}

/* Keep the library's warnings (unknown ids and the like) out of the
 * fuzzer's output. */
static inline void fuzz_quiet_logs(void)
{
    rb_log_set_level(RB_LOG_ERROR);
}

/* A check on an invariant of a successful parse: failing it is a bug. */
#define FUZZ_ASSERT(cond) do { \
    if (!(cond)) { \
        fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, \
                __LINE__, #cond); \
        abort(); \
    } \
} while (0)

#endif
