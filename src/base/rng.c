#include "base/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void rb_rng_seed(rb_rng *rng, uint64_t seed)
{
    int i;

    /* splitmix64 never yields four zero words in a row, so the state is
     * never the all-zero fixed point of xoshiro. */
    for (i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&seed);
}

uint64_t rb_rng_next(rb_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint64_t rb_rng_below(rb_rng *rng, uint64_t bound)
{
    /* Lemire's multiply-and-shift: the high half of x * bound is uniform
     * once the few low products that would favour small values are
     * rejected. */
    unsigned __int128 m = (unsigned __int128)rb_rng_next(rng) * bound;
    uint64_t low = (uint64_t)m;

    if (low < bound) {
        uint64_t threshold = (0 - bound) % bound;

        while (low < threshold) {
            m = (unsigned __int128)rb_rng_next(rng) * bound;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double rb_rng_double(rb_rng *rng)
{
    return (double)(rb_rng_next(rng) >> 11) * 0x1.0p-53;
}
