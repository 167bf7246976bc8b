/* fuzz-needs: src/encoder/safetensors.c */
/* Fuzz the safetensors reader: any file is refused with a message, or
 * every tensor it lists lies inside the file with a byte size that
 * matches its dtype and shape (each byte is read to prove it). */

#include "encoder/safetensors.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("model.safetensors", data, size);
    rb_error err = {0};
    rb_safetensors *st = rb_safetensors_open(path, &err);
    size_t i, j, len;

    if (!st) {
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
        return 0;
    }
    FUZZ_ASSERT(rb_safetensors_header(st, &len) != NULL);
    FUZZ_ASSERT(len + 8 <= size);
    for (i = 0; i < rb_safetensors_count(st); i++) {
        const rb_tensor *t = rb_safetensors_at(st, i);
        size_t elem = rb_dtype_size(t->dtype_name), numel = 1;
        volatile unsigned char sum = 0;
        int d;

        FUZZ_ASSERT(t->ndim >= 0 && t->ndim <= RB_TENSOR_MAX_DIMS);
        for (d = 0; d < t->ndim; d++) {
            FUZZ_ASSERT(t->shape[d] >= 0);
            numel *= (size_t)t->shape[d];
        }
        FUZZ_ASSERT(numel == t->numel);
        if (elem)
            FUZZ_ASSERT(t->nbytes == numel * elem);
        FUZZ_ASSERT(t->nbytes <= size);
        for (j = 0; j < t->nbytes; j++)
            sum += ((const unsigned char *)t->data)[j];
        (void)sum;
        FUZZ_ASSERT(rb_safetensors_find(st, t->name) == t);
    }
    rb_safetensors_close(st);
    return 0;
}
