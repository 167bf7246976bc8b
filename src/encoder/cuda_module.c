#include "encoder/cuda_module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef RB_HAVE_CUDA

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <unistd.h>

#include "base/log.h"
#include "base/selfpath.h"

#ifndef RB_CUDA_MODULE_BUILD_DIR
#define RB_CUDA_MODULE_BUILD_DIR "."
#endif

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const rb_cuda_module *loaded;
static char load_why[512];
static char loaded_path[PATH_MAX];

typedef const rb_cuda_module *(*entry_fn)(void);

/* Open one candidate; 0 when it was found (loaded or refused: either way
 * the search stops there), 1 when there is no such file. */
static int try_open(const char *path)
{
    char want[256], *err;
    void *h;
    entry_fn entry;
    const rb_cuda_module *mod;

    if (access(path, F_OK) != 0)
        return 1;
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        err = dlerror();
        snprintf(load_why, sizeof load_why, "the CUDA module %s could not "
                 "be loaded: %s", path, err ? err : "unknown error");
        return 0;
    }
    *(void **)&entry = dlsym(h, RB_CUDA_MODULE_ENTRY);
    if (!entry) {
        snprintf(load_why, sizeof load_why, "%s is not a rankbench CUDA "
                 "module", path);
        dlclose(h);
        return 0;
    }
    mod = entry();
    rb_cuda_module_build_id(want, sizeof want);
    if (!mod || !mod->build || strcmp(mod->build, want) != 0) {
        snprintf(load_why, sizeof load_why, "the CUDA module %s belongs to "
                 "another build of rankbench", path);
        dlclose(h);
        return 0;
    }
    rb_debug("CUDA module: %s", path);
    if (!realpath(path, loaded_path))
        snprintf(loaded_path, sizeof loaded_path, "%s", path);
    loaded = mod;
    return 0;
}

static void load(void)
{
    const char *env = getenv("RANKBENCH_CUDA_MODULE");
    char dir[4096], path[4200];

    if (env && *env) {
        if (try_open(env) != 0)
            snprintf(load_why, sizeof load_why, "RANKBENCH_CUDA_MODULE "
                     "names %s, which does not exist", env);
        return;
    }
    if (rb_exe_dir(dir, sizeof dir) == 0) {
        snprintf(path, sizeof path, "%s/%s", dir, RB_CUDA_MODULE_FILE);
        if (try_open(path) == 0)
            return;
        snprintf(path, sizeof path, "%s/../lib/rankbench/%s", dir,
                 RB_CUDA_MODULE_FILE);
        if (try_open(path) == 0)
            return;
    }
    snprintf(path, sizeof path, "%s/%s", RB_CUDA_MODULE_BUILD_DIR,
             RB_CUDA_MODULE_FILE);
    if (try_open(path) == 0)
        return;
    snprintf(load_why, sizeof load_why, "the CUDA module %s was not found "
             "beside the program nor in its build tree",
             RB_CUDA_MODULE_FILE);
}

const rb_cuda_module *rb_cuda_module_get(char *why, size_t size)
{
    pthread_once(&load_once, load);
    if (!loaded && why && size)
        snprintf(why, size, "%s", load_why);
    return loaded;
}

const char *rb_cuda_module_path(void)
{
    return loaded ? loaded_path : NULL;
}

int rb_cuda_device_count(char *why, size_t size)
{
    const rb_cuda_module *m = rb_cuda_module_get(why, size);

    return m ? m->device_count(why, size) : 0;
}

/* Whether an NVIDIA driver is installed at all: without one no device can
 * answer, and loading the module (with cuBLAS) would be for nothing. */
static int driver_present(char *why, size_t size)
{
    void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    const char *e;

    if (h) {
        dlclose(h);
        return 1;
    }
    e = dlerror();
    snprintf(why, size, "no CUDA driver: %s", e ? e : "libcuda.so.1");
    return 0;
}

const rb_cuda_module *rb_cuda_usable(char *why, size_t size)
{
    char reason[512] = "";
    const rb_cuda_module *m = NULL;

    if (driver_present(reason, sizeof reason))
        m = rb_cuda_module_get(reason, sizeof reason);

    if (m && m->device_count(reason, sizeof reason) > 0)
        return m;
    snprintf(why, size, "no usable CUDA device (%s)", reason);
    return NULL;
}

#else /* no CUDA toolkit at build time */

#define NO_CUDA "this build has no CUDA backend (no CUDA toolkit was " \
                "found when it was built)"

const rb_cuda_module *rb_cuda_module_get(char *why, size_t size)
{
    if (why && size)
        snprintf(why, size, "%s", NO_CUDA);
    return NULL;
}

const char *rb_cuda_module_path(void)
{
    return NULL;
}

int rb_cuda_device_count(char *why, size_t size)
{
    rb_cuda_module_get(why, size);
    return 0;
}

const rb_cuda_module *rb_cuda_usable(char *why, size_t size)
{
    return rb_cuda_module_get(why, size);
}

#endif
