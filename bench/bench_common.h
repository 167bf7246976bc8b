#ifndef RB_BENCH_COMMON_H
#define RB_BENCH_COMMON_H

/*
 * What every benchmark records besides its figures: the commit it was
 * built from, the machine (host, CPU model, cores), and summary
 * statistics of repeated measurements (median and spread).
 */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "rb_version.h"

static inline int bench_double_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;

    return a < b ? -1 : a > b;
}

/* Median of sorted v[lo..hi). */
static inline double bench_median_range(const double *v, size_t lo, size_t hi)
{
    size_t n = hi - lo;

    if (n == 0)
        return 0;
    return n % 2 ? v[lo + n / 2] : (v[lo + n / 2 - 1] + v[lo + n / 2]) / 2;
}

/* {"median", "min", "max", "q1", "q3", "mad", "samples"} of n values. */
static inline json_t *bench_summary(const double *values, size_t n)
{
    double *v = rb_malloc((n + 1) * sizeof *v);
    double *dev = rb_malloc((n + 1) * sizeof *dev);
    json_t *samples = json_array(), *out;
    double med;
    size_t i;

    memcpy(v, values, n * sizeof *v);
    qsort(v, n, sizeof *v, bench_double_cmp);
    med = bench_median_range(v, 0, n);
    for (i = 0; i < n; i++) {
        dev[i] = v[i] > med ? v[i] - med : med - v[i];
        json_array_append_new(samples, json_real(values[i]));
    }
    qsort(dev, n, sizeof *dev, bench_double_cmp);
    out = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:o}",
                    "median", med, "min", n ? v[0] : 0.0,
                    "max", n ? v[n - 1] : 0.0,
                    "q1", bench_median_range(v, 0, n / 2),
                    "q3", bench_median_range(v, (n + 1) / 2, n),
                    "mad", bench_median_range(dev, 0, n),
                    "samples", samples);
    rb_free(v);
    rb_free(dev);
    return out;
}

/* The CPU model from /proc/cpuinfo, or "unknown". */
static inline void bench_cpu_model(char *out, size_t size)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];

    snprintf(out, size, "unknown");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *colon = strchr(line, ':');

            if (colon) {
                colon += 2;
                colon[strcspn(colon, "\n")] = '\0';
                snprintf(out, size, "%s", colon);
            }
            break;
        }
    }
    fclose(f);
}

/* {"commit", "version", "machine": {"host", "cpu", "cores"},
 * "load_average"} */
static inline json_t *bench_context(void)
{
    char host[256] = "unknown", cpu[256];
    double load = -1;
    FILE *f;

    gethostname(host, sizeof host - 1);
    bench_cpu_model(cpu, sizeof cpu);
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1;
        fclose(f);
    }
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:i}, s:f}",
                     "commit", RB_GIT_COMMIT, "version", RB_VERSION,
                     "machine", "host", host, "cpu", cpu, "cores",
                     (int)sysconf(_SC_NPROCESSORS_ONLN),
                     "load_average", load);
}

/* CPU seconds used by the calling thread (not counting time spent
 * waiting for a core, which a shared machine makes noisy). */
static inline double bench_thread_cpu(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Peak resident memory of this process so far, in bytes (VmHWM). */
static inline size_t bench_peak_rss(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;

    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtoul(line + 6, NULL, 10);
    fclose(f);
    return kb * 1024;
}

#endif
