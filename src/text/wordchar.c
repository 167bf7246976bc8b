#include "text/wordchar.h"

#include <stddef.h>

#include "text/wordchar_data.h"

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

const char *rb_wordchar_unicode_version(void)
{
    return RB_WORDCHAR_UNICODE_VERSION;
}

int rb_wordchar_is_word(uint32_t cp)
{
    size_t lo = 0, hi = COUNT(rb_word_ranges);

    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' &&
                                             (cp | 0x20) <= 'z');
    /* Binary search for the last range starting at or before cp. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (rb_word_ranges[mid][0] <= cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && cp <= rb_word_ranges[lo - 1][1];
}

uint32_t rb_wordchar_lower(uint32_t cp)
{
    size_t lo = 0, hi = COUNT(rb_lower_runs);
    const int32_t *run;

    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if ((uint32_t)rb_lower_runs[mid][0] <= cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return cp;
    run = rb_lower_runs[lo - 1];
    if (cp > (uint32_t)run[1] || (cp - (uint32_t)run[0]) % (uint32_t)run[2])
        return cp;
    return (uint32_t)((int32_t)cp + run[3]);
}
