#include "data/parse.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int rb_parse_int(const char *s, size_t n, int *out)
{
    long v = 0;
    size_t i = 0;
    int neg = 0;

    if (n && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n)
        return -1;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
        if (v > (long)INT_MAX + 1)
            return -1;
    }
    if (neg)
        v = -v;
    if (v > INT_MAX || v < INT_MIN)
        return -1;
    *out = (int)v;
    return 0;
}

/*
 * Exact fast path for plain decimals: with at most 15 significant digits
 * the digits form an exact integer, and dividing or multiplying it by an
 * exact power of ten (up to 1e22) rounds once, correctly, as strtod would.
 * Anything else goes to strtod.
 */
static int parse_decimal_fast(const char *s, size_t n, double *out)
{
    static const double pow10[] = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    };
    unsigned long long mant = 0;
    size_t i = 0, digits = 0, any_digit = 0;
    int neg = 0, frac = 0, seen_dot = 0;

    if (n && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n)
        return -1;
    for (; i < n; i++) {
        char c = s[i];

        if (c >= '0' && c <= '9') {
            any_digit = 1;
            if (mant == 0 && c == '0') {
                if (seen_dot)
                    frac++;
                continue;
            }
            if (++digits > 15)
                return -1;
            mant = mant * 10 + (unsigned long long)(c - '0');
            if (seen_dot)
                frac++;
        } else if (c == '.' && !seen_dot) {
            seen_dot = 1;
        } else {
            return -1;
        }
    }
    if (!any_digit || frac > 22)
        return -1;
    *out = (double)mant / pow10[frac];
    if (neg)
        *out = -*out;
    return 0;
}

int rb_parse_double(const char *s, size_t n, double *out)
{
    char tmp[64], *end;
    double v;

    if (n == 0 || n >= sizeof tmp)
        return -1;
    if (parse_decimal_fast(s, n, out) == 0)
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    errno = 0;
    v = strtod(tmp, &end);
    if (end != tmp + n || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int rb_split_ws(const char *line, size_t len, const char **fields,
                size_t *lens, int max)
{
    size_t i = 0;
    int nf = 0;

    while (i < len) {
        size_t start;

        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == len)
            break;
        if (nf == max)
            return max + 1;
        start = i;
        while (i < len && line[i] != ' ' && line[i] != '\t')
            i++;
        fields[nf] = line + start;
        lens[nf] = i - start;
        nf++;
    }
    return nf;
}
