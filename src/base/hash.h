#ifndef RB_HASH_H
#define RB_HASH_H

/* Hashing: a fast 64-bit hash for tables, SHA-256 for fingerprints. */

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

uint64_t rb_hash64(const void *data, size_t len);

typedef struct rb_sha256 rb_sha256;

/* Incremental SHA-256 (OpenSSL's libcrypto). new returns NULL when
 * memory runs out; final writes 64 lowercase hex digits and a NUL into hex
 * and frees the context. */
rb_sha256 *rb_sha256_new(void);
void rb_sha256_update(rb_sha256 *ctx, const void *data, size_t len);
void rb_sha256_final(rb_sha256 *ctx, char hex[65]);
void rb_sha256_free(rb_sha256 *ctx);

/* Feed a whole file into ctx. */
int rb_sha256_file(rb_sha256 *ctx, const char *path, rb_error *err);

#endif
