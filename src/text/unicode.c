#include "text/unicode.h"

#include "text/unicode_data.h"

/* Hangul syllable composition constants (Unicode chapter 3.12). */
#define HANGUL_S_BASE 0xAC00u
#define HANGUL_L_BASE 0x1100u
#define HANGUL_V_BASE 0x1161u
#define HANGUL_T_BASE 0x11A7u
#define HANGUL_V_COUNT 21u
#define HANGUL_T_COUNT 28u
#define HANGUL_S_COUNT (19u * HANGUL_V_COUNT * HANGUL_T_COUNT)

/* Value of the run holding cp in a table of (first << 8) | value entries
 * sorted by first, the first entry starting at 0. */
static unsigned run_value(const uint32_t *runs, size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;

    if (cp >= 0x110000u)
        return 0;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if ((runs[mid] >> 8) <= cp)
            lo = mid;
        else
            hi = mid;
    }
    return runs[lo] & 0xFFu;
}

unsigned rb_unicode_flags(uint32_t cp)
{
    return run_value(rb_uc_flag_runs, rb_uc_flag_runs_len, cp);
}

unsigned rb_unicode_combining_class(uint32_t cp)
{
    return run_value(rb_uc_ccc_runs, rb_uc_ccc_runs_len, cp);
}

int rb_unicode_is_word(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' &&
                                             (cp | 0x20) <= 'z');
    return (rb_unicode_flags(cp) & RB_UC_WORD) != 0;
}

uint32_t rb_unicode_lower(uint32_t cp)
{
    uint32_t out[RB_UNICODE_LOWER_MAX];

    /* The one code point with a longer full mapping, U+0130, has the
     * full mapping's first code point as its simple one (the generator
     * checks this). */
    rb_unicode_lower_full(cp, out);
    return out[0];
}

size_t rb_unicode_lower_full(uint32_t cp,
                             uint32_t out[RB_UNICODE_LOWER_MAX])
{
    size_t lo = 0, hi = rb_uc_lower_runs_len, i;
    const int32_t *r;

    if (cp >= 'A' && cp <= 'Z') {
        out[0] = cp + 32;
        return 1;
    }
    out[0] = cp;
    if (cp < 0x80)
        return 1;
    for (i = 0; i < rb_uc_lower_multi_len; i++) {
        const uint32_t *m = rb_uc_lower_multi + 5 * i;

        if (m[0] == cp) {
            size_t k;

            for (k = 0; k < m[1]; k++)
                out[k] = m[2 + k];
            return m[1];
        }
    }
    /* The last run whose first code point is <= cp. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if ((uint32_t)rb_uc_lower_runs[4 * mid] <= cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 1;
    r = rb_uc_lower_runs + 4 * (lo - 1);
    {
        uint32_t first = (uint32_t)r[0], count = (uint32_t)r[1];
        uint32_t stride = (uint32_t)r[2], off = cp - first;

        if (off % stride == 0 && off / stride < count)
            out[0] = (uint32_t)((int32_t)cp + r[3]);
    }
    return 1;
}

size_t rb_unicode_decompose(uint32_t cp, uint32_t out[RB_UNICODE_DECOMP_MAX])
{
    size_t lo = 0, hi = rb_uc_decomp_cp_len;

    out[0] = cp;
    if (cp < 0xC0)
        return 1;
    if (cp >= HANGUL_S_BASE && cp < HANGUL_S_BASE + HANGUL_S_COUNT) {
        uint32_t s = cp - HANGUL_S_BASE;
        uint32_t t = s % HANGUL_T_COUNT;

        out[0] = HANGUL_L_BASE + s / (HANGUL_V_COUNT * HANGUL_T_COUNT);
        out[1] = HANGUL_V_BASE +
                 (s % (HANGUL_V_COUNT * HANGUL_T_COUNT)) / HANGUL_T_COUNT;
        if (t == 0)
            return 2;
        out[2] = HANGUL_T_BASE + t;
        return 3;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (rb_uc_decomp_cp[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < rb_uc_decomp_cp_len && rb_uc_decomp_cp[lo] == cp) {
        size_t begin = rb_uc_decomp_start[lo];
        size_t end = rb_uc_decomp_start[lo + 1], k;

        for (k = begin; k < end; k++)
            out[k - begin] = rb_uc_decomp_pool[k];
        return end - begin;
    }
    return 1;
}

const char *rb_unicode_version(void)
{
    return rb_unicode_data_version;
}
