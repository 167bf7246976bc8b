#include "encoder/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"

/* A header larger than this is refused rather than parsed. */
#define MAX_HEADER_BYTES ((uint64_t)100 << 20)

struct rb_safetensors {
    char *path;
    unsigned char *map;
    size_t map_size;
    size_t header_len;
    const unsigned char *data;    /* start of the data section */
    size_t data_size;
    rb_tensor *tensors;           /* sorted by name */
    size_t ntensors;
};

static const struct {
    const char *name;
    size_t size;
} dtype_sizes[] = {
    {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
    {"I32", 4}, {"I16", 2}, {"I8", 1}, {"U64", 8}, {"U32", 4},
    {"U16", 2}, {"U8", 1}, {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1},
};

size_t rb_dtype_size(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof dtype_sizes / sizeof dtype_sizes[0]; i++)
        if (strcmp(name, dtype_sizes[i].name) == 0)
            return dtype_sizes[i].size;
    return 0;
}

static int map_file(rb_safetensors *st, rb_error *err)
{
    struct stat sb;
    int fd = open(st->path, O_RDONLY);

    if (fd < 0)
        return rb_error_set(err, "%s: %s", st->path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return rb_error_set(err, "%s: not a regular file", st->path);
    }
    st->map_size = (size_t)sb.st_size;
    if (st->map_size < 8) {
        close(fd);
        return rb_error_set(err, "%s: truncated: %zu bytes, too short for "
                            "the header length", st->path, st->map_size);
    }
    st->map = mmap(NULL, st->map_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (st->map == MAP_FAILED) {
        st->map = NULL;
        return rb_error_set(err, "%s: mmap: %s", st->path, strerror(errno));
    }
    return 0;
}

static int parse_shape(rb_safetensors *st, rb_tensor *t, json_t *shape,
                       rb_error *err)
{
    size_t i;
    json_t *dim;

    if (!json_is_array(shape))
        return rb_error_set(err, "%s: tensor \"%s\": \"shape\" is not an "
                            "array", st->path, t->name);
    if (json_array_size(shape) > RB_TENSOR_MAX_DIMS)
        return rb_error_set(err, "%s: tensor \"%s\": %zu dimensions, at "
                            "most %d are supported", st->path, t->name,
                            json_array_size(shape), RB_TENSOR_MAX_DIMS);
    t->ndim = (int)json_array_size(shape);
    t->numel = 1;
    json_array_foreach(shape, i, dim) {
        json_int_t v = json_is_integer(dim) ? json_integer_value(dim) : -1;

        if (v < 0)
            return rb_error_set(err, "%s: tensor \"%s\": dimension %zu is "
                                "not a non-negative integer", st->path,
                                t->name, i);
        t->shape[i] = v;
        if (v && t->numel > SIZE_MAX / (uint64_t)v)
            return rb_error_set(err, "%s: tensor \"%s\": shape overflows",
                                st->path, t->name);
        t->numel *= (size_t)v;
    }
    return 0;
}

static int parse_offsets(rb_safetensors *st, rb_tensor *t, json_t *offs,
                         size_t elem, rb_error *err)
{
    json_int_t begin, end;

    if (!json_is_array(offs) || json_array_size(offs) != 2 ||
        !json_is_integer(json_array_get(offs, 0)) ||
        !json_is_integer(json_array_get(offs, 1)))
        return rb_error_set(err, "%s: tensor \"%s\": \"data_offsets\" is "
                            "not a pair of integers", st->path, t->name);
    begin = json_integer_value(json_array_get(offs, 0));
    end = json_integer_value(json_array_get(offs, 1));
    if (begin < 0 || end < begin)
        return rb_error_set(err, "%s: tensor \"%s\": bad data_offsets "
                            "[%lld, %lld]", st->path, t->name,
                            (long long)begin, (long long)end);
    if (t->numel > SIZE_MAX / elem ||
        (uint64_t)(end - begin) != (uint64_t)t->numel * elem)
        return rb_error_set(err, "%s: tensor \"%s\": data_offsets span "
                            "%lld bytes but its shape and dtype need %zu",
                            st->path, t->name, (long long)(end - begin),
                            t->numel * elem);
    if ((uint64_t)end > st->data_size)
        return rb_error_set(err, "%s: truncated: tensor \"%s\" ends at "
                            "data byte %lld, the file holds %zu", st->path,
                            t->name, (long long)end, st->data_size);
    t->data = st->data + begin;
    t->nbytes = (size_t)(end - begin);
    return 0;
}

static int parse_entry(rb_safetensors *st, rb_tensor *t, json_t *entry,
                       rb_error *err)
{
    json_t *dtype = json_object_get(entry, "dtype");
    size_t elem;

    if (!json_is_object(entry))
        return rb_error_set(err, "%s: tensor \"%s\": entry is not an "
                            "object", st->path, t->name);
    if (!json_is_string(dtype))
        return rb_error_set(err, "%s: tensor \"%s\": \"dtype\" is missing",
                            st->path, t->name);
    elem = rb_dtype_size(json_string_value(dtype));
    if (elem == 0)
        return rb_error_set(err, "%s: tensor \"%s\": unknown dtype \"%s\"",
                            st->path, t->name, json_string_value(dtype));
    snprintf(t->dtype_name, sizeof t->dtype_name, "%s",
             json_string_value(dtype));
    t->dtype = strcmp(t->dtype_name, "F32") == 0 ? RB_DTYPE_F32
             : strcmp(t->dtype_name, "F16") == 0 ? RB_DTYPE_F16
             : strcmp(t->dtype_name, "BF16") == 0 ? RB_DTYPE_BF16
             : RB_DTYPE_OTHER;
    if (parse_shape(st, t, json_object_get(entry, "shape"), err) < 0)
        return -1;
    return parse_offsets(st, t, json_object_get(entry, "data_offsets"),
                         elem, err);
}

static int compare_tensors(const void *a, const void *b)
{
    return strcmp(((const rb_tensor *)a)->name, ((const rb_tensor *)b)->name);
}

static int parse_header(rb_safetensors *st, rb_error *err)
{
    uint64_t n = 0;
    json_error_t jerr;
    json_t *root, *entry;
    const char *key;
    int i, rc = 0;

    for (i = 7; i >= 0; i--)
        n = n << 8 | st->map[i];
    if (n > st->map_size - 8)
        return rb_error_set(err, "%s: truncated: the header of %llu bytes "
                            "runs past the end of the file (%zu bytes)",
                            st->path, (unsigned long long)n, st->map_size);
    if (n > MAX_HEADER_BYTES)
        return rb_error_set(err, "%s: header of %llu bytes is too large",
                            st->path, (unsigned long long)n);
    st->header_len = (size_t)n;
    st->data = st->map + 8 + n;
    st->data_size = st->map_size - 8 - (size_t)n;
    root = json_loadb((const char *)st->map + 8, (size_t)n,
                      JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return rb_error_set(err, "%s: corrupt header: %s (header byte %d)",
                            st->path, jerr.text, jerr.position);
    if (!json_is_object(root)) {
        json_decref(root);
        return rb_error_set(err, "%s: corrupt header: not a JSON object",
                            st->path);
    }
    st->tensors = rb_calloc(json_object_size(root) + 1, sizeof *st->tensors);
    if (!st->tensors) {
        json_decref(root);
        return rb_error_oom(err);
    }
    json_object_foreach(root, key, entry) {
        rb_tensor *t = &st->tensors[st->ntensors];

        if (strcmp(key, "__metadata__") == 0) {
            if (!json_is_object(entry)) {
                rc = rb_error_set(err, "%s: corrupt header: __metadata__ "
                                  "is not an object", st->path);
                break;
            }
            continue;
        }
        t->name = rb_strdup(key);
        if (!t->name) {
            rc = rb_error_oom(err);
            break;
        }
        st->ntensors++;
        if (parse_entry(st, t, entry, err) < 0) {
            rc = -1;
            break;
        }
    }
    json_decref(root);
    if (rc == 0)
        qsort(st->tensors, st->ntensors, sizeof *st->tensors,
              compare_tensors);
    return rc;
}

rb_safetensors *rb_safetensors_open(const char *path, rb_error *err)
{
    rb_safetensors *st = rb_calloc(1, sizeof *st);

    if (!st) {
        rb_error_oom(err);
        return NULL;
    }
    st->path = rb_strdup(path);
    if (!st->path) {
        rb_error_oom(err);
        rb_safetensors_close(st);
        return NULL;
    }
    if (map_file(st, err) < 0 || parse_header(st, err) < 0) {
        rb_safetensors_close(st);
        return NULL;
    }
    return st;
}

void rb_safetensors_close(rb_safetensors *st)
{
    size_t i;

    if (!st)
        return;
    for (i = 0; i < st->ntensors; i++)
        rb_free((char *)st->tensors[i].name);
    rb_free(st->tensors);
    if (st->map)
        munmap(st->map, st->map_size);
    rb_free(st->path);
    rb_free(st);
}

const char *rb_safetensors_path(const rb_safetensors *st)
{
    return st->path;
}

const rb_tensor *rb_safetensors_find(const rb_safetensors *st,
                                     const char *name)
{
    rb_tensor key;

    memset(&key, 0, sizeof key);
    key.name = name;
    return bsearch(&key, st->tensors, st->ntensors, sizeof *st->tensors,
                   compare_tensors);
}

size_t rb_safetensors_count(const rb_safetensors *st)
{
    return st->ntensors;
}

const rb_tensor *rb_safetensors_at(const rb_safetensors *st, size_t i)
{
    return i < st->ntensors ? &st->tensors[i] : NULL;
}

const char *rb_safetensors_header(const rb_safetensors *st, size_t *len)
{
    *len = st->header_len;
    return (const char *)st->map + 8;
}
