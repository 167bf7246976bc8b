#include "base/utf8.h"

size_t rb_utf8_decode(const char *str, size_t n, uint32_t *cp, int *bad)
{
    const unsigned char *s = (const unsigned char *)str;
    uint32_t c = s[0], min;
    size_t len, i;

    *bad = 0;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        c &= 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        c &= 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        goto malformed;
    }
    if (len > n)
        goto malformed;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            goto malformed;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        goto malformed;
    *cp = c;
    return len;

malformed:
    /* Consume the lead byte and any continuation bytes that follow it, so
     * one broken sequence is one replacement. */
    i = 1;
    while (i < n && i < 4 && (s[i] & 0xC0) == 0x80 && s[0] >= 0xC0)
        i++;
    *cp = RB_UTF8_REPLACEMENT;
    *bad = 1;
    return i;
}

size_t rb_utf8_invalid_at(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint32_t cp;
        size_t len;
        int bad;

        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        len = rb_utf8_decode(s + i, n - i, &cp, &bad);
        if (bad)
            return i;
        i += len;
    }
    return n;
}

size_t rb_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;

    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}
