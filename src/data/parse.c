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

int rb_parse_double(const char *s, size_t n, double *out)
{
    char tmp[64], *end;
    double v;

    if (n == 0 || n >= sizeof tmp)
        return -1;
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
