#include "base/hash.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

uint64_t rb_hash64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (len * 0xff51afd7ed558ccdull);
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t w;

        memcpy(&w, p + i, 8);
        w *= 0x87c37b91114253d5ull;
        w = (w << 31) | (w >> 33);
        h ^= w * 0x4cf5ad432745937full;
        h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
    }
    for (; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

struct rb_sha256 {
    EVP_MD_CTX *md;
};

rb_sha256 *rb_sha256_new(void)
{
    rb_sha256 *ctx = OPENSSL_malloc(sizeof *ctx);

    if (!ctx)
        return NULL;
    ctx->md = EVP_MD_CTX_new();
    if (!ctx->md || !EVP_DigestInit_ex(ctx->md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(ctx->md);
        OPENSSL_free(ctx);
        return NULL;
    }
    return ctx;
}

void rb_sha256_update(rb_sha256 *ctx, const void *data, size_t len)
{
    EVP_DigestUpdate(ctx->md, data, len);
}

void rb_sha256_final(rb_sha256 *ctx, char hex[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;

    EVP_DigestFinal_ex(ctx->md, digest, &n);
    for (i = 0; i < n && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    hex[64] = '\0';
    rb_sha256_free(ctx);
}

void rb_sha256_free(rb_sha256 *ctx)
{
    if (!ctx)
        return;
    EVP_MD_CTX_free(ctx->md);
    OPENSSL_free(ctx);
}

int rb_sha256_file(rb_sha256 *ctx, const char *path, rb_error *err)
{
    unsigned char chunk[1 << 16];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (!f)
        return rb_error_set(err, "%s: %s", path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rb_sha256_update(ctx, chunk, n);
    if (ferror(f)) {
        fclose(f);
        return rb_error_set(err, "%s: read error", path);
    }
    fclose(f);
    return 0;
}
