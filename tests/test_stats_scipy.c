/*
 * The paired t-test and the incomplete beta function against SciPy
 * (scipy.stats.ttest_rel, scipy.special.betainc), run through Debian's
 * /usr/bin/python3 (or $RB_PYTHON). Skipped when SciPy is not available.
 */

#include "check.h"

#include <stdint.h>
#include <unistd.h>

#include "base/rng.h"
#include "metrics/stats.h"

#define MAX_CASES 256
#define MAX_N 5000

typedef struct sample {
    size_t n;
    double a[MAX_N], b[MAX_N];
} sample;

static sample cases[MAX_CASES];
static size_t ncases;
static char tmpdir[] = "/tmp/rb-scipy-XXXXXX";

static const char *python(void)
{
    const char *env = getenv("RB_PYTHON");

    return env && env[0] ? env : "/usr/bin/python3";
}

static int scipy_available(void)
{
    char cmd[512];

    if (access(python(), X_OK) != 0)
        return 0;
    snprintf(cmd, sizeof cmd, "%s -c 'import scipy.stats' 2>/dev/null",
             python());
    return system(cmd) == 0;
}

/* Per-query scores that look like a measure: in [0, 1], with ties and
 * zeros when `quantum` is set, shifted by `shift` in b. */
static void make_case(size_t n, double shift, double quantum, uint64_t seed)
{
    sample *s = &cases[ncases++];
    rb_rng rng;
    size_t i;

    rb_rng_seed(&rng, seed);
    s->n = n;
    for (i = 0; i < n; i++) {
        double x = rb_rng_double(&rng);
        double y = x + shift + 0.3 * (rb_rng_double(&rng) - 0.5);

        if (quantum > 0) {
            x = floor(x / quantum) * quantum;
            y = floor(y / quantum) * quantum;
        }
        s->a[i] = x;
        s->b[i] = y;
    }
}

static void build_cases(void)
{
    static const size_t sizes[] = {2, 3, 4, 5, 7, 10, 25, 50, 100, 300,
                                   1000, 5000};
    static const double shifts[] = {0, 0.001, 0.01, 0.05, 0.2, 1.0};
    size_t i, j;
    uint64_t seed = 1;

    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (j = 0; j < sizeof shifts / sizeof shifts[0]; j++) {
            make_case(sizes[i], shifts[j], 0, seed++);
            make_case(sizes[i], shifts[j], 0.1, seed++);
        }
}

static FILE *open_in_tmp(const char *name, const char *mode)
{
    char path[256];

    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return fopen(path, mode);
}

static void write_cases(void)
{
    FILE *f = open_in_tmp("cases.txt", "w");
    size_t c, i;

    for (c = 0; c < ncases; c++) {
        for (i = 0; i < cases[c].n; i++)
            fprintf(f, "%s%.17g", i ? " " : "", cases[c].a[i]);
        fputc('\n', f);
        for (i = 0; i < cases[c].n; i++)
            fprintf(f, "%s%.17g", i ? " " : "", cases[c].b[i]);
        fputc('\n', f);
    }
    fclose(f);
}

static const char script[] =
    "import sys\n"
    "import warnings\n"
    "import numpy as np\n"
    "from scipy import stats, special\n"
    "warnings.simplefilter('ignore')\n"
    "d = sys.argv[1]\n"
    "rows = [np.array([float(v) for v in l.split()])\n"
    "        for l in open(d + '/cases.txt')]\n"
    "with open(d + '/ttest.txt', 'w') as out:\n"
    "    for a, b in zip(rows[0::2], rows[1::2]):\n"
    "        r = stats.ttest_rel(a, b)\n"
    "        out.write('%r %r\\n' % (float(r.statistic), float(r.pvalue)))\n"
    "with open(d + '/beta.txt', 'w') as out:\n"
    "    for a in (0.5, 1, 2.5, 10, 150, 2500):\n"
    "        for b in (0.5, 1, 3, 40, 900):\n"
    "            for x in (1e-6, 0.01, 0.2, 0.5, 0.7, 0.93, 0.999999):\n"
    "                out.write('%r %r %r %r\\n' %\n"
    "                          (a, b, x, float(special.betainc(a, b, x))))\n";

static int run_scipy(void)
{
    char cmd[1024];
    FILE *f = open_in_tmp("ref.py", "w");

    fputs(script, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s %s/ref.py %s", python(), tmpdir, tmpdir);
    return system(cmd);
}

static void test_ttest_matches_scipy(void)
{
    FILE *f = open_in_tmp("ttest.txt", "r");
    double worst = 0, worst_rel = 0;
    size_t c, checked = 0;

    CHECK(f != NULL);
    if (!f)
        return;
    for (c = 0; c < ncases; c++) {
        double t_ref, p_ref, t, p;

        CHECK_EQ_INT(fscanf(f, "%lf %lf", &t_ref, &p_ref), 2);
        p = rb_ttest_paired(cases[c].a, cases[c].b, cases[c].n, &t);
        if (isnan(p_ref)) {
            /* SciPy's 0 / 0 for identical samples; ours is p = 1. */
            CHECK(p == 1.0 && t == 0.0);
            continue;
        }
        CHECK_NEAR(p, p_ref, 1e-9);
        CHECK_NEAR(t, t_ref, 1e-9 * fmax(1.0, fabs(t_ref)));
        if (fabs(p - p_ref) > worst)
            worst = fabs(p - p_ref);
        if (p_ref > 1e-300 && fabs(p - p_ref) / p_ref > worst_rel)
            worst_rel = fabs(p - p_ref) / p_ref;
        checked++;
    }
    fclose(f);
    printf("ttest_rel: %zu cases, max |p - scipy| %.3g, max relative "
           "%.3g\n", checked, worst, worst_rel);
    CHECK(checked >= 130);
    /* Far below the required 1e-9, small p-values included. */
    CHECK(worst_rel < 1e-9);
}

static void test_betainc_matches_scipy(void)
{
    FILE *f = open_in_tmp("beta.txt", "r");
    double a, b, x, ref, worst = 0;
    size_t checked = 0;

    CHECK(f != NULL);
    if (!f)
        return;
    while (fscanf(f, "%lf %lf %lf %lf", &a, &b, &x, &ref) == 4) {
        double v = rb_betainc(a, b, x);

        CHECK_NEAR(v, ref, 1e-12);
        if (fabs(v - ref) > worst)
            worst = fabs(v - ref);
        checked++;
    }
    fclose(f);
    printf("betainc: %zu points, max |I - scipy| %.3g\n", checked, worst);
    CHECK_EQ_INT(checked, 6 * 5 * 7);
}

static void cleanup(void)
{
    static const char *names[] = {"cases.txt", "ttest.txt", "beta.txt",
                                  "ref.py"};
    char path[256];
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

int main(void)
{
    if (!scipy_available())
        CHECK_SKIP("SciPy not available through /usr/bin/python3 "
                   "(set RB_PYTHON)");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    build_cases();
    write_cases();
    if (run_scipy() != 0) {
        fprintf(stderr, "the SciPy reference script failed\n");
        cleanup();
        return 1;
    }
    RUN_TEST(test_ttest_matches_scipy);
    RUN_TEST(test_betainc_matches_scipy);
    cleanup();
    return check_report();
}
