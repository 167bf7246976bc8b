#ifndef RB_RNG_H
#define RB_RNG_H

/*
 * A small, fast, seedable pseudo-random generator for the statistical
 * tests: xoshiro256** (Blackman and Vigna) whose state is filled from the
 * seed by splitmix64. The same seed gives the same sequence on every
 * platform, which is what makes permutation and bootstrap results
 * reproducible.
 */

#include <stdint.h>

typedef struct rb_rng {
    uint64_t s[4];
} rb_rng;

/* Seed the generator; every seed (0 included) gives a usable state. */
void rb_rng_seed(rb_rng *rng, uint64_t seed);

/* The next 64 uniformly distributed bits. */
uint64_t rb_rng_next(rb_rng *rng);

/* A uniform integer in [0, bound), bound >= 1, without modulo bias. */
uint64_t rb_rng_below(rb_rng *rng, uint64_t bound);

/* A uniform double in [0, 1) with 53 random bits. */
double rb_rng_double(rb_rng *rng);

#endif
