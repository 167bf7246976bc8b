/*
 * Masked-LM head and probe benchmarks.
 *
 *   bench_probe --model DIR --probes FILE [--reps 5] [--warmup 1]
 *       [--threads 0] [--device cpu|cuda] [--rows 64]
 *
 * Times, after --warmup untimed runs, --reps runs of
 *   head   the head alone on --rows hidden states (transform, decoder
 *          over the whole vocabulary): masked positions per second;
 *   probe  a whole probe run of the suite (tokenizing, masking, the
 *          encoder, the head, softmax, ranks and summaries): probes per
 *          second and seconds per run.
 * Model loading is not timed. Output is one JSON object on stdout with
 * the commit, machine, model and settings, and per measure the median,
 * the range and every run.
 */

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/timer.h"
#include "encoder/encoder.h"
#include "encoder/mlm_head.h"
#include "encoder/probe.h"
#include "rb_version.h"

typedef struct bench_args {
    const char *model, *probes, *device;
    size_t reps, warmup, rows;
    int threads;
} bench_args;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static json_t *stats(const double *v, size_t n)
{
    double *s = rb_malloc(n * sizeof *s), median;
    json_t *runs = json_array(), *out;
    size_t i;

    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    for (i = 0; i < n; i++)
        json_array_append_new(runs, json_real(v[i]));
    out = json_pack("{s:f, s:f, s:f, s:f, s:o}", "median", median,
                    "min", s[0], "max", s[n - 1],
                    "spread_pct", median > 0 ? 100 * (s[n - 1] - s[0]) /
                    median : 0.0, "runs", runs);
    rb_free(s);
    return out;
}

static json_t *machine(void)
{
    char host[256] = "", line[512], cpu[256] = "unknown";
    FILE *fp = fopen("/proc/cpuinfo", "r");

    while (fp && fgets(line, sizeof line, fp)) {
        if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
            snprintf(cpu, sizeof cpu, "%s", strchr(line, ':') + 2);
            cpu[strcspn(cpu, "\n")] = '\0';
            break;
        }
    }
    if (fp)
        fclose(fp);
    gethostname(host, sizeof host - 1);
    return json_pack("{s:s, s:s, s:I}", "host", host, "cpu", cpu, "cores",
                     (json_int_t)sysconf(_SC_NPROCESSORS_ONLN));
}

/* Masked positions per second of the head alone. */
static int time_head(const bench_args *a, rb_mlm_head *h, size_t hidden,
                     double *rates, rb_error *err)
{
    size_t V = rb_mlm_head_vocab(h), i, r;
    float *x = rb_malloc(a->rows * hidden * sizeof *x);
    float *logits = rb_malloc(a->rows * V * sizeof *logits);
    int rc = 0;

    if (!x || !logits) {
        rb_free(x);
        rb_free(logits);
        return rb_error_oom(err);
    }
    for (i = 0; i < a->rows * hidden; i++)
        x[i] = (float)sin((double)i * 0.61);
    for (r = 0; r < a->warmup + a->reps && rc == 0; r++) {
        double t0 = rb_now();

        rc = rb_mlm_head_logits(h, x, a->rows, logits, err);
        if (r >= a->warmup)
            rates[r - a->warmup] = (double)a->rows / (rb_now() - t0);
    }
    rb_free(x);
    rb_free(logits);
    return rc;
}

/* Seconds per whole probe run. */
static int time_runs(const bench_args *a, rb_encoder *e, rb_mlm_head *h,
                     const rb_probe_suite *s, double *seconds, size_t *n,
                     rb_error *err)
{
    size_t r;

    for (r = 0; r < a->warmup + a->reps; r++) {
        double t0 = rb_now();
        rb_probe_report *rep = rb_probe_run(e, h, s, NULL, err);

        if (!rep)
            return -1;
        if (r >= a->warmup)
            seconds[r - a->warmup] = rb_now() - t0;
        *n = rep->n;
        rb_probe_report_free(rep);
    }
    return 0;
}

static int bench(const bench_args *a)
{
    rb_encoder_options eo;
    rb_mlm_options ho;
    rb_error err = {0};
    rb_model *m = NULL;
    rb_encoder *e = NULL;
    rb_mlm_head *h = NULL;
    rb_probe_suite *s = NULL;
    double *head_rates = rb_calloc(a->reps, sizeof *head_rates);
    double *run_s = rb_calloc(a->reps, sizeof *run_s);
    double *probes_per_s = rb_calloc(a->reps, sizeof *probes_per_s);
    size_t nprobes = 0, r;
    json_t *out;
    int rc = 1;

    rb_encoder_options_default(&eo);
    eo.device = a->device;
    eo.threads = a->threads;
    rb_mlm_options_default(&ho);
    ho.threads = a->threads;
    if (!(m = rb_model_load(a->model, &err)) ||
        !(e = rb_encoder_new(m, &eo, &err))) {
        fprintf(stderr, "bench_probe: %s\n", err.msg);
        goto done;
    }
    ho.device = rb_encoder_device(e);
    if (!(h = rb_mlm_head_new(m, &ho, &err)) ||
        !(s = rb_probe_suite_load(a->probes, &err)) ||
        time_head(a, h, (size_t)m->cfg.hidden, head_rates, &err) < 0 ||
        time_runs(a, e, h, s, run_s, &nprobes, &err) < 0) {
        fprintf(stderr, "bench_probe: %s\n", err.msg);
        goto done;
    }
    for (r = 0; r < a->reps; r++)
        probes_per_s[r] = (double)nprobes / run_s[r];
    out = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:I, s:I, "
                    "s:I, s:I, s:o, s:o, s:o}",
                    "bench", "probe", "version", RB_VERSION,
                    "commit", RB_GIT_COMMIT, "machine", machine(),
                    "model", rb_model_describe(m),
                    "encoder", rb_encoder_describe(e),
                    "head", rb_mlm_head_describe(h),
                    "suite", a->probes, "probes", (json_int_t)nprobes,
                    "head_rows", (json_int_t)a->rows,
                    "warmup", (json_int_t)a->warmup,
                    "reps", (json_int_t)a->reps,
                    "head_positions_per_s", stats(head_rates, a->reps),
                    "run_seconds", stats(run_s, a->reps),
                    "probes_per_s", stats(probes_per_s, a->reps));
    json_dumpf(out, stdout, JSON_INDENT(2));
    printf("\n");
    json_decref(out);
    rc = 0;

done:
    rb_free(head_rates);
    rb_free(run_s);
    rb_free(probes_per_s);
    rb_probe_suite_free(s);
    rb_mlm_head_free(h);
    rb_encoder_free(e);
    rb_model_free(m);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_probe --model DIR --probes FILE "
            "[--reps N] [--warmup N] [--threads N] [--device cpu|cuda] "
            "[--rows N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    bench_args a;
    int i;

    memset(&a, 0, sizeof a);
    a.reps = 5;
    a.warmup = 1;
    a.rows = 64;
    for (i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        size_t n = strtoul(v, NULL, 10);

        if (!strcmp(k, "--model")) a.model = v;
        else if (!strcmp(k, "--probes")) a.probes = v;
        else if (!strcmp(k, "--device")) a.device = v;
        else if (!strcmp(k, "--reps")) a.reps = n;
        else if (!strcmp(k, "--warmup")) a.warmup = n;
        else if (!strcmp(k, "--threads")) a.threads = (int)n;
        else if (!strcmp(k, "--rows")) a.rows = n;
        else return usage();
    }
    if (i != argc || !a.model || !a.probes || a.reps == 0 || a.rows == 0)
        return usage();
    return bench(&a);
}
