/*
 * Replay driver: runs a fuzz target's LLVMFuzzerTestOneInput over stored
 * inputs (files, or every file in a folder) without libFuzzer, so that
 * the seeds and the inputs of past crashes are checked in every build,
 * the sanitizer build included.
 *
 *     replay_NAME PATH...
 */

#include <dirent.h>
#include <errno.h>

#include "base/fileio.h"
#include "base/mem.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path, long *count)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, n;

    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    do {
        uint8_t *grown = rb_grow(data, &cap, len + 4096, 1);

        if (!grown) {
            fclose(f);
            rb_free(data);
            return -1;
        }
        data = grown;
        n = fread(data + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    /* Hand the target an exactly sized copy, as libFuzzer does, so that
     * reading past the end is caught. */
    {
        uint8_t *exact = rb_malloc(len);

        if (!exact) {
            rb_free(data);
            return -1;
        }
        memcpy(exact, data, len);
        rb_free(data);
        LLVMFuzzerTestOneInput(exact, len);
        rb_free(exact);
    }
    (*count)++;
    return 0;
}

static int replay_path(const char *path, long *count)
{
    struct stat st;
    DIR *dir;
    struct dirent *e;
    int rc = 0;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path, count);
    dir = opendir(path);
    if (!dir)
        return -1;
    while ((e = readdir(dir)) != NULL) {
        char *child;

        if (e->d_name[0] == '.')
            continue;
        child = rb_path_join(path, e->d_name);
        if (!child || replay_path(child, count) < 0)
            rc = -1;
        rb_free(child);
    }
    closedir(dir);
    return rc;
}

int main(int argc, char **argv)
{
    long count = 0;
    int i, rc = 0;

    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (i = 1; i < argc; i++)
        if (replay_path(argv[i], &count) < 0)
            rc = 1;
    printf("replayed %ld inputs\n", count);
    return rc;
}
