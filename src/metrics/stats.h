#ifndef RB_STATS_H
#define RB_STATS_H

/*
 * Paired significance tests and confidence intervals over per-query scores
 * of two systems on the same queries. Random tests take a seed and are
 * reproducible for it, whatever the thread count: they run on one thread
 * with the generator of base/rng.h. docs/statistics.md states the exact
 * definitions.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Defaults used by the commands. */
#define RB_STATS_TRIALS 10000
#define RB_STATS_LEVEL 0.95
#define RB_STATS_SEED 42u

/* Paired t-test: two-sided p-value of mean(a - b) != 0 (as SciPy's
 * ttest_rel). Stores the t statistic in *t when t is not NULL. n >= 2;
 * identical samples give p = 1 and t = 0 (SciPy gives NaN for both);
 * differences that are all the same non-zero value give p = 0 and an
 * infinite t. n < 2 gives NaN. */
double rb_ttest_paired(const double *a, const double *b, size_t n,
                       double *t);

/* Fisher's randomization test: two-sided p-value of the mean difference,
 * swapping each pair with probability 1/2, `trials` times (>= 10,000 by
 * default in the tools). The p-value is (hits + 1) / (trials + 1), hits
 * counting the swaps whose |mean difference| reaches the observed one;
 * when all 2^n swaps fit in `trials`, they are enumerated and the exact
 * p-value hits / 2^n is returned instead. n == 0 or trials == 0 gives
 * NaN. */
double rb_randomization_test(const double *a, const double *b, size_t n,
                             size_t trials, uint64_t seed);

/* Paired bootstrap test: two-sided p-value of the mean difference by
 * resampling queries with replacement from the differences shifted to
 * mean zero: (hits + 1) / (trials + 1). n == 0 or trials == 0 gives NaN;
 * NaN too when memory runs out. */
double rb_bootstrap_test(const double *a, const double *b, size_t n,
                         size_t trials, uint64_t seed);

/* Percentile bootstrap confidence interval of mean(x) at level (0.95):
 * the quantiles (1 - level) / 2 and (1 + level) / 2 of `trials` resampled
 * means, interpolated linearly between order statistics. Returns 0, or -1
 * (lo and hi NaN) when n or trials is 0, level is outside (0, 1), or
 * memory runs out. */
int rb_bootstrap_ci(const double *x, size_t n, size_t trials, double level,
                    uint64_t seed, double *lo, double *hi);

/* Holm-Bonferroni: adjust m p-values in place (monotone, capped at 1).
 * NaN values are left as they are and do not count towards m. Returns 0,
 * or -1 when memory runs out (p unchanged). */
int rb_holm_adjust(double *p, size_t m);

/* The regularized incomplete beta function I_x(a, b) for a, b > 0 and
 * x in [0, 1]; NaN outside. */
double rb_betainc(double a, double b, double x);

/* Two-sided tail probability P(|T| >= |t|) of Student's t with df > 0
 * degrees of freedom. */
double rb_student_t_2sided(double t, double df);

/* Everything a comparison of a baseline a with a system b reports. */
typedef struct rb_paired_options {
    size_t permutations;   /* randomization trials (RB_STATS_TRIALS) */
    size_t bootstrap;      /* bootstrap resamples (RB_STATS_TRIALS) */
    double level;          /* confidence level (RB_STATS_LEVEL) */
    uint64_t seed;
} rb_paired_options;

#define RB_PAIRED_OPTIONS_INIT \
    {RB_STATS_TRIALS, RB_STATS_TRIALS, RB_STATS_LEVEL, RB_STATS_SEED}

typedef struct rb_paired_stats {
    size_t n;
    double mean_a, mean_b;
    double diff;                  /* mean(b - a) */
    double ci_a[2], ci_b[2];      /* bootstrap intervals of the means */
    double ci_diff[2];            /* and of the mean difference */
    double t;                     /* t statistic of b - a */
    double p_t, p_randomization, p_bootstrap;
} rb_paired_stats;

/* Run every test and interval on a (baseline) and b (system), n >= 2;
 * opt NULL means the defaults. Each random part draws from its own stream
 * derived from opt->seed, so one system's interval is the same in every
 * pair it is part of. The bootstrap test and the interval of the
 * difference share their resamples. Returns 0, or -1 with err set (too
 * few queries, no trials, a bad level, memory). */
int rb_paired_compare(const double *a, const double *b, size_t n,
                      const rb_paired_options *opt, rb_paired_stats *out,
                      rb_error *err);

#endif
