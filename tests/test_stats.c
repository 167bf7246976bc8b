/* Significance tests, intervals and Holm's correction. */

#include "check.h"

#include "base/rng.h"
#include "metrics/stats.h"

#define PI 3.14159265358979323846

static void test_rng_is_reproducible_and_uniform(void)
{
    rb_rng x, y;
    size_t counts[10] = {0}, i;

    rb_rng_seed(&x, 7);
    rb_rng_seed(&y, 7);
    for (i = 0; i < 1000; i++)
        CHECK(rb_rng_next(&x) == rb_rng_next(&y));
    rb_rng_seed(&y, 8);
    CHECK(rb_rng_next(&x) != rb_rng_next(&y));
    for (i = 0; i < 100000; i++)
        counts[rb_rng_below(&x, 10)]++;
    /* 10,000 expected per bucket, sd about 95. */
    for (i = 0; i < 10; i++)
        CHECK(counts[i] > 9500 && counts[i] < 10500);
    for (i = 0; i < 1000; i++) {
        double u = rb_rng_double(&x);

        CHECK(u >= 0.0 && u < 1.0);
    }
}

static void test_student_t_matches_closed_forms(void)
{
    double t;

    /* df = 1 is the Cauchy distribution, df = 2 has an algebraic tail. */
    for (t = 0.0; t < 50.0; t += 0.37) {
        CHECK_NEAR(rb_student_t_2sided(t, 1), 1.0 - 2.0 / PI * atan(t),
                   1e-13);
        CHECK_NEAR(rb_student_t_2sided(t, 2), 1.0 - t / sqrt(2.0 + t * t),
                   1e-13);
    }
    CHECK_NEAR(rb_student_t_2sided(-3.0, 2), rb_student_t_2sided(3.0, 2),
               0);
    /* The 97.5% quantile of t with 9 degrees of freedom. */
    CHECK_NEAR(rb_student_t_2sided(2.2621571627409915, 9), 0.05, 1e-10);
    CHECK(rb_student_t_2sided(INFINITY, 5) == 0.0);
    CHECK(isnan(rb_student_t_2sided(1.0, 0)));
}

static void test_betainc_edges_and_symmetry(void)
{
    CHECK(rb_betainc(2, 3, 0) == 0.0);
    CHECK(rb_betainc(2, 3, 1) == 1.0);
    CHECK(isnan(rb_betainc(0, 3, 0.5)));
    CHECK(isnan(rb_betainc(2, 3, 1.5)));
    /* I_x(1, 1) = x and I_x(a, 1) = x^a. */
    CHECK_NEAR(rb_betainc(1, 1, 0.3), 0.3, 1e-15);
    CHECK_NEAR(rb_betainc(4, 1, 0.7), pow(0.7, 4), 1e-14);
    CHECK_NEAR(rb_betainc(2.5, 7, 0.2) + rb_betainc(7, 2.5, 0.8), 1.0,
               1e-14);
}

static void test_ttest_on_a_worked_example(void)
{
    /* Differences 1, 2, 3, 4, 5: mean 3, sd sqrt(2.5), t = 3 / (sd / √5)
     * = 3 * sqrt(2), df 4; the tail follows from the closed form of the
     * df = 4 distribution function. */
    double a[] = {2, 4, 6, 8, 10}, b[] = {1, 2, 3, 4, 5}, t, p, expect;
    double x;

    p = rb_ttest_paired(a, b, 5, &t);
    CHECK_NEAR(t, 3.0 * sqrt(2.0), 1e-12);
    /* For df = 4: P(|T| >= t) = 1 - x (3 - x^2) / 2, x = t / sqrt(4 + t²)
     * ... written as the tail of the distribution. */
    x = t / sqrt(4.0 + t * t);
    expect = 1.0 - x * (1.5 - 0.5 * x * x);
    CHECK_NEAR(p, expect, 1e-13);
    p = rb_ttest_paired(b, a, 5, &t);
    CHECK_NEAR(t, -3.0 * sqrt(2.0), 1e-12);
    CHECK_NEAR(p, expect, 1e-13);
}

static void test_ttest_degenerate_inputs(void)
{
    double a[] = {0.5, 0.25, 1}, b[] = {0.5, 0.25, 1}, c[] = {0.6, 0.35, 1.1};
    double t;

    CHECK(rb_ttest_paired(a, b, 3, &t) == 1.0);
    CHECK(t == 0.0);
    CHECK(rb_ttest_paired(c, a, 3, &t) < 1e-12);
    CHECK(t > 1e6);
    CHECK(isnan(rb_ttest_paired(a, b, 1, &t)));
    CHECK(isnan(t));
}

static void test_randomization_exact_enumeration(void)
{
    /* Sign flips of 1, 2, 3: sums 6, 4, 2, 0, 0, -2, -4, -6, so |sum| >= 6
     * for 2 of 8. Flips of 1, -1, 2 (observed 2): sums 4, 2, 2, 0, 0, -2,
     * -2, -4, |sum| >= 2 for 6 of 8. */
    double a[] = {1, 2, 3}, zero[] = {0, 0, 0}, a2[] = {1, -1, 2};

    CHECK_NEAR(rb_randomization_test(a, zero, 3, 10000, 1), 0.25, 0);
    CHECK_NEAR(rb_randomization_test(a2, zero, 3, 10000, 1), 0.75, 0);
    CHECK_NEAR(rb_randomization_test(zero, zero, 3, 10000, 1), 1.0, 0);
    CHECK(isnan(rb_randomization_test(a, zero, 0, 10000, 1)));
}

static void fill_pair(double *a, double *b, size_t n, double shift,
                      uint64_t seed)
{
    rb_rng rng;
    size_t i;

    rb_rng_seed(&rng, seed);
    for (i = 0; i < n; i++) {
        double base = rb_rng_double(&rng);

        a[i] = base;
        b[i] = base + shift + 0.2 * (rb_rng_double(&rng) - 0.5);
    }
}

static void test_randomization_sampled_agrees_with_exact(void)
{
    double a[16], b[16], exact, sampled;

    fill_pair(a, b, 16, 0.02, 3);
    exact = rb_randomization_test(a, b, 16, 1 << 16, 1);
    sampled = rb_randomization_test(a, b, 16, 10000, 1);
    CHECK(exact > 0.05 && exact < 0.95);
    /* Four standard errors of a 10,000-trial estimate. */
    CHECK_NEAR(sampled, exact, 4 * sqrt(exact * (1 - exact) / 10000));
    CHECK(sampled != exact);
}

static void test_randomization_is_reproducible(void)
{
    double a[200], b[200], p1, p2, p3;

    fill_pair(a, b, 200, 0.005, 11);
    p1 = rb_randomization_test(a, b, 200, 10000, 5);
    p2 = rb_randomization_test(a, b, 200, 10000, 5);
    p3 = rb_randomization_test(a, b, 200, 10000, 6);
    CHECK(p1 == p2);
    CHECK(p1 != p3);
    CHECK_NEAR(p1, p3, 0.03);
}

static void test_large_effect_has_smallest_p(void)
{
    double a[200], b[200];

    fill_pair(a, b, 200, 0.3, 12);
    CHECK_NEAR(rb_randomization_test(a, b, 200, 10000, 5), 1.0 / 10001,
               0);
    CHECK_NEAR(rb_bootstrap_test(a, b, 200, 10000, 5), 1.0 / 10001, 0);
    CHECK(rb_ttest_paired(a, b, 200, NULL) < 1e-50);
}

static void test_tests_agree_on_a_moderate_effect(void)
{
    double a[300], b[300], pt, pr, pb;

    fill_pair(a, b, 300, 0.008, 21);
    pt = rb_ttest_paired(a, b, 300, NULL);
    pr = rb_randomization_test(a, b, 300, 20000, 5);
    pb = rb_bootstrap_test(a, b, 300, 20000, 5);
    CHECK(pt > 0.001 && pt < 0.5);
    CHECK_NEAR(pr, pt, 0.02);
    CHECK_NEAR(pb, pt, 0.02);
}

static void test_bootstrap_identical_and_reproducible(void)
{
    double a[50], b[50];

    fill_pair(a, b, 50, 0.01, 4);
    CHECK(rb_bootstrap_test(a, a, 50, 1000, 1) == 1.0);
    CHECK(rb_bootstrap_test(a, b, 50, 1000, 1) ==
          rb_bootstrap_test(a, b, 50, 1000, 1));
    CHECK(isnan(rb_bootstrap_test(a, b, 50, 0, 1)));
}

static void test_bootstrap_ci_covers_mean_like_normal_theory(void)
{
    double x[400], mean = 0, ss = 0, se, lo, hi;
    rb_rng rng;
    size_t i;

    rb_rng_seed(&rng, 99);
    for (i = 0; i < 400; i++) {
        x[i] = rb_rng_double(&rng);
        mean += x[i];
    }
    mean /= 400;
    for (i = 0; i < 400; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    se = sqrt(ss / 399 / 400);
    CHECK_EQ_INT(rb_bootstrap_ci(x, 400, 10000, 0.95, 1, &lo, &hi), 0);
    CHECK(lo < mean && mean < hi);
    CHECK_NEAR(hi - lo, 2 * 1.959964 * se, 0.1 * 2 * 1.959964 * se);
    CHECK_NEAR((lo + hi) / 2, mean, 0.1 * se);
}

static void test_bootstrap_ci_edges(void)
{
    double c[] = {0.25, 0.25, 0.25}, lo, hi, lo2, hi2;

    CHECK_EQ_INT(rb_bootstrap_ci(c, 3, 100, 0.95, 1, &lo, &hi), 0);
    CHECK(lo == 0.25 && hi == 0.25);
    CHECK_EQ_INT(rb_bootstrap_ci(c, 3, 100, 1.5, 1, &lo, &hi), -1);
    CHECK(isnan(lo) && isnan(hi));
    CHECK_EQ_INT(rb_bootstrap_ci(c, 0, 100, 0.95, 1, &lo, &hi), -1);
    {
        double x[] = {0, 1, 0, 1, 1, 0, 0.5, 0.2};

        rb_bootstrap_ci(x, 8, 1000, 0.9, 3, &lo, &hi);
        rb_bootstrap_ci(x, 8, 1000, 0.9, 3, &lo2, &hi2);
        CHECK(lo == lo2 && hi == hi2);
        CHECK(lo >= 0 && hi <= 1 && lo < hi);
    }
}

static void test_holm_adjusts_as_defined(void)
{
    double p[] = {0.01, 0.04, 0.03, 0.005};
    double q[] = {0.5, 0.6, NAN};
    double one[] = {0.2};

    CHECK_EQ_INT(rb_holm_adjust(p, 4), 0);
    /* Sorted: 0.005 * 4, 0.01 * 3, 0.03 * 2, 0.04 * 1 -> running max. */
    CHECK_NEAR(p[0], 0.03, 1e-15);
    CHECK_NEAR(p[1], 0.06, 1e-15);
    CHECK_NEAR(p[2], 0.06, 1e-15);
    CHECK_NEAR(p[3], 0.02, 1e-15);
    CHECK_EQ_INT(rb_holm_adjust(q, 3), 0);
    CHECK(q[0] == 1.0 && q[1] == 1.0 && isnan(q[2]));
    CHECK_EQ_INT(rb_holm_adjust(one, 1), 0);
    CHECK(one[0] == 0.2);
}

static void test_paired_compare_fills_everything(void)
{
    double a[60], b[60];
    rb_paired_options opt = RB_PAIRED_OPTIONS_INIT;
    rb_paired_stats s, s2;
    rb_error err = {0};

    fill_pair(a, b, 60, 0.05, 8);
    CHECK_EQ_INT(rb_paired_compare(a, b, 60, &opt, &s, &err), 0);
    CHECK_EQ_INT(s.n, 60);
    CHECK_NEAR(s.diff, s.mean_b - s.mean_a, 1e-15);
    CHECK(s.diff > 0 && s.t > 0);
    CHECK(s.ci_diff[0] < s.diff && s.diff < s.ci_diff[1]);
    CHECK(s.ci_a[0] < s.mean_a && s.mean_a < s.ci_a[1]);
    CHECK(s.ci_b[0] < s.mean_b && s.mean_b < s.ci_b[1]);
    CHECK(s.p_t < 0.001 && s.p_randomization < 0.01 && s.p_bootstrap < 0.01);
    CHECK_EQ_INT(rb_paired_compare(a, b, 60, &opt, &s2, &err), 0);
    CHECK(memcmp(&s, &s2, sizeof s) == 0);
    CHECK_EQ_INT(rb_paired_compare(a, b, 1, &opt, &s, &err), -1);
    CHECK_STR(err.msg, "1 query in common: a paired test needs at least 2");
}

int main(void)
{
    RUN_TEST(test_rng_is_reproducible_and_uniform);
    RUN_TEST(test_student_t_matches_closed_forms);
    RUN_TEST(test_betainc_edges_and_symmetry);
    RUN_TEST(test_ttest_on_a_worked_example);
    RUN_TEST(test_ttest_degenerate_inputs);
    RUN_TEST(test_randomization_exact_enumeration);
    RUN_TEST(test_randomization_sampled_agrees_with_exact);
    RUN_TEST(test_randomization_is_reproducible);
    RUN_TEST(test_large_effect_has_smallest_p);
    RUN_TEST(test_tests_agree_on_a_moderate_effect);
    RUN_TEST(test_bootstrap_identical_and_reproducible);
    RUN_TEST(test_bootstrap_ci_covers_mean_like_normal_theory);
    RUN_TEST(test_bootstrap_ci_edges);
    RUN_TEST(test_holm_adjusts_as_defined);
    RUN_TEST(test_paired_compare_fills_everything);
    return check_report();
}
