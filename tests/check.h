#ifndef RB_CHECK_H
#define RB_CHECK_H

/*
 * A minimal test harness. Each test is a function; CHECK records a failure
 * with its location and goes on; the program prints
 * "N passed, N failed" and exits non-zero on any failure. A test program
 * whose fixtures are missing calls CHECK_SKIP, which exits with 77 (ctest's
 * skip code) and says why.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures, check_passes, check_current_failed;

#define CHECK(cond) do { \
    if (!(cond)) { \
        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                #cond); \
        check_current_failed = 1; \
    } \
} while (0)

#define CHECK_EQ_INT(a, b) do { \
    long long check_a = (long long)(a), check_b = (long long)(b); \
    if (check_a != check_b) { \
        fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, \
                __LINE__, #a, check_a, check_b); \
        check_current_failed = 1; \
    } \
} while (0)

#define CHECK_NEAR(a, b, tol) do { \
    double check_a = (a), check_b = (b); \
    if (!(fabs(check_a - check_b) <= (tol))) { \
        fprintf(stderr, "%s:%d: %s == %.10g, expected %.10g\n", __FILE__, \
                __LINE__, #a, check_a, check_b); \
        check_current_failed = 1; \
    } \
} while (0)

#define CHECK_STR(a, b) do { \
    const char *check_a = (a), *check_b = (b); \
    if (!check_a || strcmp(check_a, check_b) != 0) { \
        fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", \
                __FILE__, __LINE__, #a, check_a ? check_a : "(null)", \
                check_b); \
        check_current_failed = 1; \
    } \
} while (0)

#define RUN_TEST(fn) do { \
    check_current_failed = 0; \
    fn(); \
    if (check_current_failed) { \
        fprintf(stderr, "FAIL %s\n", #fn); \
        check_failures++; \
    } else { \
        check_passes++; \
    } \
} while (0)

#define CHECK_SKIP(why) do { \
    printf("skipped: %s\n", why); \
    exit(77); \
} while (0)

static inline int check_report(void)
{
    printf("%d passed, %d failed\n", check_passes, check_failures);
    return check_failures ? 1 : 0;
}

#endif
