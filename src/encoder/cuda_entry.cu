/*
 * The one symbol librankbench_cuda.so exports: the table through which
 * the program reaches the CUDA encoder and masked-LM backends (see
 * encoder/cuda_module.h). Everything else in the module is hidden, and
 * what it needs of rankbench (allocation, errors, tensors) it takes from
 * the program that loads it.
 */

extern "C" {
#include "encoder/cuda_module.h"

extern const rb_backend_ops rb_cuda_backend;
extern const rb_mlm_backend_ops rb_mlm_cuda_backend;
int rb_cuda_module_devices(char *why, size_t size);
}

extern "C" __attribute__((visibility("default")))
const rb_cuda_module *rb_cuda_module_entry(void)
{
    static char build[256];
    static rb_cuda_module mod;

    if (!mod.build) {
        rb_cuda_module_build_id(build, sizeof build);
        mod.encoder = &rb_cuda_backend;
        mod.mlm = &rb_mlm_cuda_backend;
        mod.device_count = rb_cuda_module_devices;
        mod.build = build;
    }
    return &mod;
}
