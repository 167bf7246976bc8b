#ifndef RB_JSON_FILE_H
#define RB_JSON_FILE_H

/* Reading a whole file as one JSON document, with rankbench's messages. */

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"

/* Parse the file at path with jansson's decoding flags (such as
 * JSON_REJECT_DUPLICATES). Returns a new reference, or NULL with an
 * error: "PATH:LINE: not valid JSON: WHY" for bad JSON, "PATH: WHY" when
 * the file cannot be read, out of memory when an allocation failed. */
json_t *rb_json_load_file(const char *path, size_t flags, rb_error *err);

#endif
