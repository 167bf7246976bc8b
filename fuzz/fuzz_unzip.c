/* fuzz-needs: src/data/fetch.c */
/* Fuzz the dataset archive unpacker (`rankbench datasets fetch`): any
 * archive is unpacked inside the destination folder or refused with a
 * message, and nothing is ever written outside that folder. */

#include <dirent.h>

#include "data/fetch.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    return 0;
}

/* The private folder must hold only the archive and the destination. */
static void check_nothing_outside(void)
{
    DIR *d = opendir(fuzz_dir());
    struct dirent *e;

    FUZZ_ASSERT(d != NULL);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strcmp(e->d_name, "archive.zip") == 0 ||
            strcmp(e->d_name, "dest") == 0)
            continue;
        fprintf(stderr, "unzip wrote %s outside its folder\n", e->d_name);
        abort();
    }
    closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *archive = fuzz_write("archive.zip", data, size);
    char path[512], dest[512];
    rb_unzip_limits lim;
    rb_unzip_info info = {0};
    rb_error err = {0};

    snprintf(path, sizeof path, "%s", archive);
    snprintf(dest, sizeof dest, "%s/dest", fuzz_dir());
    rb_remove_tree(dest, NULL);
    snprintf(dest, sizeof dest, "%s", fuzz_mkdir("dest"));
    rb_unzip_limits_default(&lim);
    lim.max_bytes = 8u << 20;     /* keep the fuzzer's disk use small */
    lim.max_entries = 1000;
    if (rb_unzip_safe(path, dest, &lim, NULL, &info, &err) < 0)
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
    else
        FUZZ_ASSERT(info.bytes <= lim.max_bytes);
    check_nothing_outside();
    FUZZ_ASSERT(rb_remove_tree(dest, &err) == 0);
    return 0;
}
