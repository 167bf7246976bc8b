/*
 * Cost of one paired comparison (t-test, 10,000-trial randomization test,
 * 10,000-sample bootstrap test and three bootstrap intervals) for growing
 * numbers of queries. Prints JSON: median and spread of repeated timings.
 *
 *     build/bench/bench_stats [repeats]
 */

#include <stdio.h>
#include <stdlib.h>

#include "base/rng.h"
#include "base/timer.h"
#include "metrics/stats.h"
#include "rb_version.h"

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;

    return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
    static const size_t sizes[] = {50, 300, 1000, 10000};
    int repeats = argc > 1 ? atoi(argv[1]) : 7;
    rb_paired_options opt = RB_PAIRED_OPTIONS_INIT;
    size_t s;

    if (repeats < 1)
        repeats = 1;
    printf("{\"benchmark\": \"paired_compare\", \"commit\": \"%s\", "
           "\"trials\": %d, \"repeats\": %d, \"results\": [",
           RB_GIT_COMMIT, RB_STATS_TRIALS, repeats);
    for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s], i;
        double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        double *times = malloc((size_t)repeats * sizeof *times);
        rb_paired_stats st;
        rb_rng rng;
        int r;

        rb_rng_seed(&rng, 1);
        for (i = 0; i < n; i++) {
            a[i] = rb_rng_double(&rng);
            b[i] = a[i] + 0.02 * (rb_rng_double(&rng) - 0.4);
        }
        /* warm-up */
        rb_paired_compare(a, b, n, &opt, &st, NULL);
        for (r = 0; r < repeats; r++) {
            double t0 = rb_now();

            rb_paired_compare(a, b, n, &opt, &st, NULL);
            times[r] = rb_now() - t0;
        }
        qsort(times, (size_t)repeats, sizeof *times, cmp_double);
        printf("%s\n  {\"queries\": %zu, \"median_s\": %.6f, \"min_s\": "
               "%.6f, \"max_s\": %.6f, \"p_randomization\": %.6f}",
               s ? "," : "", n, times[repeats / 2], times[0],
               times[repeats - 1], st.p_randomization);
        free(a);
        free(b);
        free(times);
    }
    printf("\n]}\n");
    return 0;
}
