#include "metrics/stats.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/rng.h"

/*
 * Continued fraction of the incomplete beta function (the even and odd
 * terms of its classical expansion), evaluated by the modified Lentz
 * method. It converges quickly for x < (a + 1) / (a + b + 2); callers use
 * the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) elsewhere.
 */
static double betainc_fraction(double a, double b, double x)
{
    const double tiny = 1e-300;
    double f = tiny, c = tiny, d = 0.0;
    int j;

    for (j = 1; j <= 2000; j++) {
        double num, delta;

        if (j == 1) {
            num = 1.0;
        } else if (j % 2 == 0) {
            int m = (j - 2) / 2;

            num = -(a + m) * (a + b + m) * x /
                  ((a + 2 * m) * (a + 2 * m + 1));
        } else {
            int m = (j - 1) / 2;

            num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
        }
        d = 1.0 + num * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1.0 + num / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        delta = c * d;
        f *= delta;
        if (fabs(delta - 1.0) < 1e-16)
            break;
    }
    return f;
}

/* I_x(a, b) given x and y = 1 - x, each computed without cancellation. */
static double betainc_xy(double a, double b, double x, double y)
{
    double log_front;

    if (x <= 0.0)
        return 0.0;
    if (y <= 0.0)
        return 1.0;
    log_front = a * log(x) + b * log(y) + lgamma(a + b) - lgamma(a) -
                lgamma(b);
    if (x < (a + 1.0) / (a + b + 2.0))
        return exp(log_front) / a * betainc_fraction(a, b, x);
    return 1.0 - exp(log_front) / b * betainc_fraction(b, a, y);
}

double rb_betainc(double a, double b, double x)
{
    if (!(a > 0.0) || !(b > 0.0) || !(x >= 0.0) || !(x <= 1.0))
        return NAN;
    return betainc_xy(a, b, x, 1.0 - x);
}

double rb_student_t_2sided(double t, double df)
{
    double t2;

    if (isnan(t) || !(df > 0.0))
        return NAN;
    if (isinf(t))
        return 0.0;
    /* P(|T| >= |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2). */
    t2 = t * t;
    return betainc_xy(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2));
}

double rb_ttest_paired(const double *a, const double *b, size_t n,
                       double *t)
{
    double mean = 0.0, ss = 0.0, sd, stat;
    size_t i;

    if (t)
        *t = NAN;
    if (n < 2)
        return NAN;
    for (i = 0; i < n; i++)
        mean += a[i] - b[i];
    mean /= (double)n;
    for (i = 0; i < n; i++) {
        double dev = (a[i] - b[i]) - mean;

        ss += dev * dev;
    }
    sd = sqrt(ss / (double)(n - 1));
    if (sd == 0.0) {
        /* No spread: either no difference at all or the same one on every
         * query, which no amount of noise explains. */
        if (t)
            *t = mean == 0.0 ? 0.0 : copysign(INFINITY, mean);
        return mean == 0.0 ? 1.0 : 0.0;
    }
    stat = mean / (sd / sqrt((double)n));
    if (t)
        *t = stat;
    return rb_student_t_2sided(stat, (double)(n - 1));
}

/* Slack for comparing sums that are equal in exact arithmetic but were
 * rounded along different paths: a bound on the rounding error of an
 * n-term sum of values whose magnitudes add up to abs_sum. */
static double sum_slack(size_t n, double abs_sum)
{
    return (double)(n + 1) * 4.0 * DBL_EPSILON * abs_sum;
}

/* Every sign assignment of n <= 62 differences, counting those whose
 * |sum| reaches observed - slack. */
static double randomization_exact(const double *d, size_t n, double limit)
{
    uint64_t mask, total = (uint64_t)1 << n, hits = 0;

    for (mask = 0; mask < total; mask++) {
        double s = 0.0;
        size_t i;

        for (i = 0; i < n; i++)
            s += (mask >> i) & 1 ? -d[i] : d[i];
        if (fabs(s) >= limit)
            hits++;
    }
    return (double)hits / (double)total;
}

/* x, or -x when flip is 1, without a branch: the bits are random, so a
 * branch would be mispredicted half of the time. */
static inline double flip_sign(double x, uint64_t flip)
{
    uint64_t u;

    memcpy(&u, &x, sizeof u);
    u ^= flip << 63;
    memcpy(&x, &u, sizeof x);
    return x;
}

static double randomization_sampled(const double *d, size_t n,
                                    size_t trials, uint64_t seed,
                                    double limit)
{
    rb_rng rng;
    size_t trial, hits = 0;

    rb_rng_seed(&rng, seed);
    for (trial = 0; trial < trials; trial++) {
        double s[4] = {0.0, 0.0, 0.0, 0.0};
        size_t i;

        /* 64 random signs per draw; four partial sums in a fixed order. */
        for (i = 0; i < n; i += 64) {
            uint64_t bits = rb_rng_next(&rng);
            size_t j, end = n - i < 64 ? n - i : 64;

            for (j = 0; j + 4 <= end; j += 4, bits >>= 4) {
                s[0] += flip_sign(d[i + j], bits & 1);
                s[1] += flip_sign(d[i + j + 1], (bits >> 1) & 1);
                s[2] += flip_sign(d[i + j + 2], (bits >> 2) & 1);
                s[3] += flip_sign(d[i + j + 3], (bits >> 3) & 1);
            }
            for (; j < end; j++, bits >>= 1)
                s[0] += flip_sign(d[i + j], bits & 1);
        }
        if (fabs((s[0] + s[1]) + (s[2] + s[3])) >= limit)
            hits++;
    }
    return ((double)hits + 1.0) / ((double)trials + 1.0);
}

double rb_randomization_test(const double *a, const double *b, size_t n,
                             size_t trials, uint64_t seed)
{
    double *d, observed = 0.0, abs_sum = 0.0, limit, p;
    size_t i;

    if (n == 0 || trials == 0)
        return NAN;
    d = rb_malloc(n * sizeof *d);
    if (!d)
        return NAN;
    for (i = 0; i < n; i++) {
        d[i] = a[i] - b[i];
        observed += d[i];
        abs_sum += fabs(d[i]);
    }
    limit = fabs(observed) - sum_slack(n, abs_sum);
    if (n < 63 && ((uint64_t)1 << n) <= trials)
        p = randomization_exact(d, n, limit);
    else
        p = randomization_sampled(d, n, trials, seed, limit);
    rb_free(d);
    return p;
}

/* Draws uniform indices below n < 2^32 two at a time from 64 random bits
 * (Lemire's multiply-and-shift on each 32-bit half, rejecting the few
 * values that would bias it). */
typedef struct index_source {
    rb_rng rng;
    uint32_t n, threshold;
    uint64_t spare;
    int have_spare;
} index_source;

static void index_source_init(index_source *src, uint64_t seed, uint32_t n)
{
    rb_rng_seed(&src->rng, seed);
    src->n = n;
    src->threshold = (uint32_t)(0 - n) % n;
    src->have_spare = 0;
}

static inline uint32_t next_index(index_source *src)
{
    for (;;) {
        uint32_t half;
        uint64_t m;

        if (src->have_spare) {
            half = (uint32_t)src->spare;
            src->have_spare = 0;
        } else {
            src->spare = rb_rng_next(&src->rng);
            half = (uint32_t)(src->spare >> 32);
            src->have_spare = 1;
        }
        m = (uint64_t)half * src->n;
        if ((uint32_t)m >= src->threshold)
            return (uint32_t)(m >> 32);
    }
}

/* Means of `trials` resamples (with replacement) of x, into means. */
static void bootstrap_means(const double *x, size_t n, size_t trials,
                            uint64_t seed, double *means)
{
    size_t trial, i;

    if (n <= UINT32_MAX) {
        index_source src;

        index_source_init(&src, seed, (uint32_t)n);
        for (trial = 0; trial < trials; trial++) {
            /* Four partial sums keep the adder busy; the order of the
             * additions is fixed, so results stay reproducible. */
            double s[4] = {0.0, 0.0, 0.0, 0.0};

            for (i = 0; i + 4 <= n; i += 4) {
                s[0] += x[next_index(&src)];
                s[1] += x[next_index(&src)];
                s[2] += x[next_index(&src)];
                s[3] += x[next_index(&src)];
            }
            for (; i < n; i++)
                s[0] += x[next_index(&src)];
            means[trial] = ((s[0] + s[1]) + (s[2] + s[3])) / (double)n;
        }
    } else {
        rb_rng rng;

        rb_rng_seed(&rng, seed);
        for (trial = 0; trial < trials; trial++) {
            double s = 0.0;

            for (i = 0; i < n; i++)
                s += x[rb_rng_below(&rng, n)];
            means[trial] = s / (double)n;
        }
    }
}

/* Two-sided p-value of the shifted bootstrap: resampled means of d are
 * shifted by -mean (the null of no difference) and compared with the
 * observed |mean|. */
static double bootstrap_p_from_means(const double *means, size_t trials,
                                     const double *d, size_t n,
                                     double mean)
{
    double abs_sum = 0.0, limit;
    size_t trial, i, hits = 0;

    for (i = 0; i < n; i++)
        abs_sum += fabs(d[i]);
    limit = fabs(mean) - 2.0 * sum_slack(n, abs_sum) / (double)n;
    for (trial = 0; trial < trials; trial++)
        if (fabs(means[trial] - mean) >= limit)
            hits++;
    return ((double)hits + 1.0) / ((double)trials + 1.0);
}

double rb_bootstrap_test(const double *a, const double *b, size_t n,
                         size_t trials, uint64_t seed)
{
    double *d, *means, mean = 0.0, p;
    size_t i;

    if (n == 0 || trials == 0)
        return NAN;
    d = rb_malloc(n * sizeof *d);
    means = rb_malloc(trials * sizeof *means);
    if (!d || !means) {
        rb_free(d);
        rb_free(means);
        return NAN;
    }
    for (i = 0; i < n; i++) {
        d[i] = a[i] - b[i];
        mean += d[i];
    }
    mean /= (double)n;
    bootstrap_means(d, n, trials, seed, means);
    p = bootstrap_p_from_means(means, trials, d, n, mean);
    rb_free(d);
    rb_free(means);
    return p;
}

static int double_cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;

    return (a > b) - (a < b);
}

/* Quantile q of sorted v[0..n) by linear interpolation between order
 * statistics (position q * (n - 1), as numpy's default). */
static double sorted_quantile(const double *v, size_t n, double q)
{
    double pos = q * (double)(n - 1), frac;
    size_t lo = (size_t)floor(pos);

    if (lo + 1 >= n)
        return v[n - 1];
    frac = pos - (double)lo;
    return v[lo] + frac * (v[lo + 1] - v[lo]);
}

/* The percentile interval of unsorted bootstrap means (sorted here). */
static void percentile_interval(double *means, size_t trials, double level,
                                double *lo, double *hi)
{
    qsort(means, trials, sizeof *means, double_cmp);
    *lo = sorted_quantile(means, trials, (1.0 - level) / 2.0);
    *hi = sorted_quantile(means, trials, (1.0 + level) / 2.0);
}

int rb_bootstrap_ci(const double *x, size_t n, size_t trials, double level,
                    uint64_t seed, double *lo, double *hi)
{
    double *means;

    *lo = *hi = NAN;
    if (n == 0 || trials == 0 || !(level > 0.0 && level < 1.0))
        return -1;
    means = rb_malloc(trials * sizeof *means);
    if (!means)
        return -1;
    bootstrap_means(x, n, trials, seed, means);
    percentile_interval(means, trials, level, lo, hi);
    rb_free(means);
    return 0;
}

typedef struct holm_item {
    double p;
    size_t index;
} holm_item;

static int holm_cmp(const void *x, const void *y)
{
    const holm_item *a = x, *b = y;

    if (a->p != b->p)
        return a->p < b->p ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

int rb_holm_adjust(double *p, size_t m)
{
    holm_item *items;
    size_t i, k = 0;
    double running = 0.0;

    items = rb_malloc((m ? m : 1) * sizeof *items);
    if (!items)
        return -1;
    for (i = 0; i < m; i++) {
        if (isnan(p[i]))
            continue;
        items[k].p = p[i];
        items[k].index = i;
        k++;
    }
    qsort(items, k, sizeof *items, holm_cmp);
    for (i = 0; i < k; i++) {
        double adj = (double)(k - i) * items[i].p;

        if (adj > 1.0)
            adj = 1.0;
        if (adj > running)
            running = adj;
        p[items[i].index] = running;
    }
    rb_free(items);
    return 0;
}

/* Independent streams for the parts of a comparison. */
enum {
    STREAM_RANDOMIZATION = 1,
    STREAM_BOOTSTRAP,
    STREAM_CI_A,
    STREAM_CI_B
};

static uint64_t stream_seed(uint64_t seed, int stream)
{
    return seed ^ ((uint64_t)stream * 0xd1b54a32d192ed03ull);
}

/* The bootstrap of the differences serves both the test and the interval
 * of the difference: the same resampled means, shifted or not. */
static int paired_bootstrap(const double *d, size_t n,
                            const rb_paired_options *opt,
                            rb_paired_stats *out)
{
    double *means = rb_malloc(opt->bootstrap * sizeof *means);

    if (!means)
        return -1;
    bootstrap_means(d, n, opt->bootstrap,
                    stream_seed(opt->seed, STREAM_BOOTSTRAP), means);
    out->p_bootstrap = bootstrap_p_from_means(means, opt->bootstrap, d, n,
                                              out->diff);
    percentile_interval(means, opt->bootstrap, opt->level, &out->ci_diff[0],
                        &out->ci_diff[1]);
    rb_free(means);
    return 0;
}

static int check_paired_options(size_t n, const rb_paired_options *opt,
                                rb_error *err)
{
    if (n < 2)
        return rb_error_set(err, "%zu quer%s in common: a paired test "
                            "needs at least 2", n, n == 1 ? "y" : "ies");
    if (opt->permutations == 0 || opt->bootstrap == 0)
        return rb_error_set(err, "the randomization and bootstrap tests "
                            "need at least one trial");
    if (!(opt->level > 0.0 && opt->level < 1.0))
        return rb_error_set(err, "confidence level %g is not between 0 "
                            "and 1", opt->level);
    return 0;
}

int rb_paired_compare(const double *a, const double *b, size_t n,
                      const rb_paired_options *opt, rb_paired_stats *out,
                      rb_error *err)
{
    rb_paired_options defaults = RB_PAIRED_OPTIONS_INIT;
    double *d;
    size_t i;
    int rc = 0;

    if (!opt)
        opt = &defaults;
    memset(out, 0, sizeof *out);
    out->n = n;
    if (check_paired_options(n, opt, err) < 0)
        return -1;
    d = rb_malloc(n * sizeof *d);
    if (!d)
        return rb_error_oom(err);
    for (i = 0; i < n; i++) {
        out->mean_a += a[i];
        out->mean_b += b[i];
        d[i] = b[i] - a[i];
    }
    out->mean_a /= (double)n;
    out->mean_b /= (double)n;
    for (i = 0; i < n; i++)
        out->diff += d[i];
    out->diff /= (double)n;
    out->p_t = rb_ttest_paired(b, a, n, &out->t);
    out->p_randomization = rb_randomization_test(
        b, a, n, opt->permutations,
        stream_seed(opt->seed, STREAM_RANDOMIZATION));
    if (isnan(out->p_randomization) ||
        paired_bootstrap(d, n, opt, out) < 0 ||
        rb_bootstrap_ci(a, n, opt->bootstrap, opt->level,
                        stream_seed(opt->seed, STREAM_CI_A),
                        &out->ci_a[0], &out->ci_a[1]) < 0 ||
        rb_bootstrap_ci(b, n, opt->bootstrap, opt->level,
                        stream_seed(opt->seed, STREAM_CI_B),
                        &out->ci_b[0], &out->ci_b[1]) < 0)
        rc = rb_error_oom(err);
    rb_free(d);
    return rc;
}
