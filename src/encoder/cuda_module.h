#ifndef RB_CUDA_MODULE_H
#define RB_CUDA_MODULE_H

/*
 * The CUDA backends are built into a module of their own,
 * librankbench_cuda.so, which is loaded the first time a command asks
 * whether a GPU can be used. Commands that never do (eval, gate, BM25
 * runs) then neither map the CUDA runtime and cuBLAS nor need them
 * installed, and a CUDA build runs on machines without any CUDA library.
 *
 * The module is looked for, first hit wins: at $RANKBENCH_CUDA_MODULE
 * (a file), beside the program, in ../lib/rankbench/ from the program's
 * folder (the installed layout), and in the build tree it was built in.
 */

#include <stddef.h>
#include <stdio.h>

#include "encoder/backend.h"
#include "encoder/mlm_head.h"
#include "rb_version.h"

#define RB_CUDA_MODULE_FILE "librankbench_cuda.so"
#define RB_CUDA_MODULE_ENTRY "rb_cuda_module_entry"

/* Exact inner-product search on the GPU, a block of scores at a time. */
typedef struct rb_cuda_search_ops {
    /* Upload the corpus (ndocs x dim, row-major). */
    int (*create)(const float *docs, size_t ndocs, size_t dim, int device,
                  void **state, rb_error *err);
    /* Upload the queries (nq x dim), replacing earlier ones. */
    int (*queries)(void *state, const float *queries, size_t nq,
                   rb_error *err);
    /* out[q * nd + d] = query (q0 + q) . document (d0 + d); safe to call
     * from several threads (they take turns on the GPU). */
    int (*scores)(void *state, size_t q0, size_t nq, size_t d0, size_t nd,
                  float *out, rb_error *err);
    void (*destroy)(void *state);
} rb_cuda_search_ops;

typedef struct rb_cuda_module {
    /* Must equal what the loader was built with, or the module is
     * refused: a module left from another build may lay out the shared
     * structures differently. */
    const char *build;
    const rb_backend_ops *encoder;
    const rb_mlm_backend_ops *mlm;
    const rb_cuda_search_ops *search;
    /* Usable devices; 0 with the reason in why. */
    int (*device_count)(char *why, size_t size);
} rb_cuda_module;

/* What identifies a build to its module: version, commit and the sizes
 * of the structures the two share. Inline, so that the program and the
 * module each compute it as they were compiled. */
static inline void rb_cuda_module_build_id(char *out, size_t size)
{
    snprintf(out, size, "%s %s %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu",
             RB_VERSION, RB_GIT_COMMIT, sizeof(rb_backend_ops),
             sizeof(rb_backend_config), sizeof(rb_token_batch),
             sizeof(rb_model), sizeof(rb_tensor), sizeof(rb_error),
             sizeof(rb_mlm_backend_ops), sizeof(rb_mlm_weights),
             sizeof(rb_cuda_search_ops), sizeof(rb_cuda_module));
}

/* The module, loaded on first use (thread-safe), or NULL with the reason
 * in why: no CUDA backend in this build, module not found, or the CUDA
 * libraries it needs missing. */
const rb_cuda_module *rb_cuda_module_get(char *why, size_t size);

/* The file the module was loaded from; NULL when none is loaded. */
const char *rb_cuda_module_path(void);

/* Usable CUDA devices: 0 with the reason in why when the module cannot
 * be loaded, there is no driver or no device. */
int rb_cuda_device_count(char *why, size_t size);

/* Whether a device may be used by a backend chooser: returns the module
 * when one is, else NULL with why set to a phrase that completes
 * "device \"cuda\": ..." (no usable device, or no CUDA in this build).
 * Without an NVIDIA driver on the machine the module is not even loaded. */
const rb_cuda_module *rb_cuda_usable(char *why, size_t size);

#endif
