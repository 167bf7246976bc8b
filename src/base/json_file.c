#include "base/json_file.h"

#include "base/mem.h"

json_t *rb_json_load_file(const char *path, size_t flags, rb_error *err)
{
    json_error_t jerr;
    long failed = rb_mem_failures();
    json_t *root = json_load_file(path, flags, &jerr);

    if (root)
        return root;
    if (rb_mem_failures() != failed)
        rb_error_oom(err);
    else if (jerr.line > 0)
        rb_error_set(err, "%s:%d: not valid JSON: %s", path, jerr.line,
                     jerr.text);
    else
        rb_error_set(err, "%s: %s", path, jerr.text);
    return NULL;
}
