#ifndef RB_STATS_H
#define RB_STATS_H

/*
 * Paired significance tests and confidence intervals over per-query scores
 * of two systems on the same queries. Random tests take a seed and are
 * reproducible for it, whatever the thread count.
 */

#include <stddef.h>
#include <stdint.h>

/* Paired t-test: two-sided p-value of mean(a - b) != 0 (as SciPy's
 * ttest_rel). Stores the t statistic in *t when t is not NULL. n >= 2;
 * identical samples give p = 1. */
double rb_ttest_paired(const double *a, const double *b, size_t n,
                       double *t);

/* Fisher's randomization test: two-sided p-value of the mean difference,
 * swapping each pair with probability 1/2, `trials` times (>= 10,000 by
 * default in the tools). */
double rb_randomization_test(const double *a, const double *b, size_t n,
                             size_t trials, uint64_t seed);

/* Paired bootstrap test: two-sided p-value of the mean difference by
 * resampling queries with replacement. */
double rb_bootstrap_test(const double *a, const double *b, size_t n,
                         size_t trials, uint64_t seed);

/* Percentile bootstrap confidence interval of mean(x) at level (0.95). */
void rb_bootstrap_ci(const double *x, size_t n, size_t trials, double level,
                     uint64_t seed, double *lo, double *hi);

/* Holm-Bonferroni: adjust m p-values in place (monotone, capped at 1). */
void rb_holm_adjust(double *p, size_t m);

#endif
