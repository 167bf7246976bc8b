#include "base/selfpath.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RB_RESOURCE_DIR
#define RB_RESOURCE_DIR "."
#endif

#define RESOURCE_PATH_MAX 4096

int rb_exe_dir(char *out, size_t size)
{
    ssize_t n;
    char *slash;

    if (size < 2)
        return -1;
    n = readlink("/proc/self/exe", out, size - 1);
    if (n <= 0 || (size_t)n >= size - 1)
        return -1;
    out[n] = '\0';
    slash = strrchr(out, '/');
    if (!slash)
        return -1;
    if (slash == out)
        slash[1] = '\0';
    else
        *slash = '\0';
    return 0;
}

static const char *const resource_rel[RB_RESOURCE_COUNT] = {
    "plots", "datasets/sample",
};
static char resources[RB_RESOURCE_COUNT][RESOURCE_PATH_MAX];
static pthread_once_t resources_once = PTHREAD_ONCE_INIT;

static void resolve(const char *rel, char *out, size_t size)
{
    char dir[RESOURCE_PATH_MAX];
    struct stat st;

    if (rb_exe_dir(dir, sizeof dir) == 0) {
        char joined[RESOURCE_PATH_MAX * 2], real[PATH_MAX];

        snprintf(joined, sizeof joined, "%s/../share/rankbench/%s", dir,
                 rel);
        /* Named without the "bin/.." detour in messages and results. */
        if (stat(joined, &st) == 0 && realpath(joined, real) &&
            strlen(real) < size) {
            snprintf(out, size, "%s", real);
            return;
        }
    }
    snprintf(out, size, "%s/%s", RB_RESOURCE_DIR, rel);
}

static void resolve_all(void)
{
    int r;

    for (r = 0; r < RB_RESOURCE_COUNT; r++)
        resolve(resource_rel[r], resources[r], sizeof resources[r]);
}

const char *rb_resource_path(rb_resource r)
{
    pthread_once(&resources_once, resolve_all);
    return resources[r];
}
