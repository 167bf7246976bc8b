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

#define RESOURCE_SLOTS 8
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

static pthread_mutex_t resource_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char rel[64];
    char path[RESOURCE_PATH_MAX];
} resources[RESOURCE_SLOTS];
static int nresources;

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

const char *rb_resource_path(const char *rel)
{
    const char *found = NULL;
    int i;

    pthread_mutex_lock(&resource_lock);
    for (i = 0; i < nresources && !found; i++)
        if (strcmp(resources[i].rel, rel) == 0)
            found = resources[i].path;
    if (!found && nresources < RESOURCE_SLOTS &&
        strlen(rel) < sizeof resources[0].rel) {
        snprintf(resources[nresources].rel, sizeof resources[0].rel, "%s",
                 rel);
        resolve(rel, resources[nresources].path, RESOURCE_PATH_MAX);
        found = resources[nresources++].path;
    }
    pthread_mutex_unlock(&resource_lock);
    /* Past the slots (a caller bug), answer with the source tree's copy
     * of the most common resource rather than nothing. */
    return found ? found : RB_RESOURCE_DIR "/plots";
}
