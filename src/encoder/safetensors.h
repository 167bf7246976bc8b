#ifndef RB_SAFETENSORS_H
#define RB_SAFETENSORS_H

/*
 * A reader for the safetensors format: an 8-byte little-endian header
 * length, a JSON header naming each tensor's dtype, shape and byte range,
 * then the raw little-endian data. The file is memory-mapped; tensors point
 * into the mapping and live as long as the reader.
 *
 * Opening validates the whole header before anything is used: a header
 * that runs past the end of the file, malformed JSON, an entry without a
 * dtype, shape or data_offsets, a byte range that disagrees with its shape,
 * or data cut short by a truncated file are errors that name the file and,
 * where one is at fault, the tensor. No byte outside the mapping is ever
 * read.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define RB_TENSOR_MAX_DIMS 8

typedef enum rb_dtype {
    RB_DTYPE_F32,
    RB_DTYPE_F16,
    RB_DTYPE_BF16,
    RB_DTYPE_OTHER      /* a valid safetensors dtype the encoder cannot use */
} rb_dtype;

typedef struct rb_tensor {
    const char *name;
    rb_dtype dtype;
    char dtype_name[12];          /* as written, e.g. "F16", "I64" */
    int ndim;
    int64_t shape[RB_TENSOR_MAX_DIMS];
    size_t numel;
    const void *data;             /* into the mapping; may be unaligned */
    size_t nbytes;
} rb_tensor;

typedef struct rb_safetensors rb_safetensors;

/* Map and validate path. NULL with err set on any problem. */
rb_safetensors *rb_safetensors_open(const char *path, rb_error *err);
/* Unmap; every tensor pointer becomes invalid. */
void rb_safetensors_close(rb_safetensors *st);

const char *rb_safetensors_path(const rb_safetensors *st);
/* The tensor called name, or NULL. */
const rb_tensor *rb_safetensors_find(const rb_safetensors *st,
                                     const char *name);
/* Tensors in name order, for listing. */
size_t rb_safetensors_count(const rb_safetensors *st);
const rb_tensor *rb_safetensors_at(const rb_safetensors *st, size_t i);
/* The raw header (JSON text) and its length, for fingerprints. */
const char *rb_safetensors_header(const rb_safetensors *st, size_t *len);

/* Size in bytes of one element of a dtype named as in safetensors, or 0
 * for an unknown name. */
size_t rb_dtype_size(const char *name);

#endif
