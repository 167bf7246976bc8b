/*
 * Encoder benchmarks.
 *
 *   bench_encoder throughput --model DIR [--seq 128] [--batch 32]
 *       [--reps 5] [--warmup 1] [--threads 0] [--device cpu|cuda]
 *       [--precision fp16|bf16] [--batch-tokens N] [--seqs N]
 *     Forward passes over synthetic sequences of exactly --seq tokens
 *     (random vocabulary ids between [CLS] and [SEP]): tokens per second,
 *     median and spread over --reps timed runs after --warmup untimed ones.
 *     Each run encodes --seqs sequences (default: enough for 8192 tokens).
 *
 *   bench_encoder memory --model DIR --docs 100000 [--chunk 4096] ...
 *     Encodes a synthetic corpus (words drawn from a fixed list, lengths
 *     from 20 to 200 words) chunk by chunk, as the dense retriever does,
 *     and reports the peak resident memory, the embeddings matrix and the
 *     rate.
 *
 * Output is one JSON object on stdout, with the commit, machine, load
 * and settings (bench_common.h).
 */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/timer.h"
#include "bench_common.h"
#include "encoder/encoder.h"

typedef struct bench_args {
    const char *mode, *model, *device, *precision;
    size_t seq, batch, reps, warmup, batch_tokens, seqs, docs, chunk;
    int threads;
} bench_args;

/* CPU time of the whole process (all threads), in seconds. */
static double cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long peak_rss_kib(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Multiply-adds count two: the linear layers' 2 (4 H^2 + 2 H I) per token
 * and attention's 4 T H (scores and weighted values) per token, per
 * layer. */
static double flops_per_token(const rb_model *m, size_t seq)
{
    double h = m->cfg.hidden, in = m->cfg.intermediate;

    return m->cfg.layers * (2 * (4 * h * h + 2 * h * in) + 4.0 * seq * h);
}

/* Dense FP16/BF16 tensor-core peak of known GPUs, in TFLOPS (vendor data
 * sheets, without sparsity); RB_GPU_PEAK_TFLOPS overrides. 0: unknown. */
static double gpu_peak_tflops(const char *name)
{
    static const struct {
        const char *part;
        double tflops;
    } table[] = {
        {"H200", 989.4}, {"H100 SXM", 989.4}, {"H100 80GB HBM3", 989.4},
        {"H100 PCIe", 756.0}, {"H100 NVL", 835.0}, {"H800", 989.4},
        {"A100", 312.0}, {"A800", 312.0}, {"L40S", 362.0}, {"L40", 181.0},
        {"L4", 121.0}, {"A10", 125.0}, {"A30", 165.0},
        {"RTX 4090", 165.2}, {"RTX 3090", 71.0},
    };
    const char *env = getenv("RB_GPU_PEAK_TFLOPS");
    size_t i;

    if (env && atof(env) > 0)
        return atof(env);
    for (i = 0; name && i < sizeof table / sizeof table[0]; i++)
        if (strstr(name, table[i].part))
            return table[i].tflops;
    return 0;
}

static rb_encoder *open_encoder(const bench_args *a, rb_model **m,
                                rb_error *err)
{
    rb_encoder_options opt;
    rb_encoder *e;

    *m = rb_model_load(a->model, err);
    if (!*m)
        return NULL;
    rb_encoder_options_default(&opt);
    opt.device = a->device;
    opt.precision = a->precision;
    opt.threads = a->threads;
    opt.batch_size = a->batch;
    opt.batch_tokens = a->batch_tokens;
    opt.max_length = a->seq > (*m)->max_length ? a->seq : 0;
    e = rb_encoder_new(*m, &opt, err);
    return e;
}

static int throughput(const bench_args *a)
{
    rb_error err = {0};
    rb_model *m;
    rb_encoder *e = open_encoder(a, &m, &err);
    size_t nseq, i, t, r;
    int32_t *ids;
    size_t *offs;
    float *pooled;
    double *rates, *cpu_rates;
    uint64_t state = 12345;
    rb_token_batch b;
    json_t *out;

    if (!e) {
        fprintf(stderr, "bench_encoder: %s\n", err.msg);
        rb_model_free(m);
        return 1;
    }
    nseq = a->seqs ? a->seqs : (8192 + a->seq - 1) / a->seq;
    ids = rb_malloc(nseq * a->seq * sizeof *ids);
    offs = rb_malloc((nseq + 1) * sizeof *offs);
    pooled = rb_malloc(nseq * rb_encoder_dim(e) * sizeof *pooled);
    rates = rb_malloc(a->reps * sizeof *rates);
    cpu_rates = rb_malloc(a->reps * sizeof *cpu_rates);
    for (i = 0; i < nseq; i++) {
        offs[i] = i * a->seq;
        for (t = 0; t < a->seq; t++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            ids[i * a->seq + t] = (int32_t)(1000 + (state >> 33) %
                                            (uint64_t)(m->cfg.vocab_size -
                                                       1000));
        }
        ids[i * a->seq] = rb_wordpiece_cls_id(m->tokenizer);
        ids[i * a->seq + a->seq - 1] = rb_wordpiece_sep_id(m->tokenizer);
    }
    offs[nseq] = nseq * a->seq;
    b.ids = ids;
    b.offsets = offs;
    b.nseq = nseq;
    for (r = 0; r < a->warmup + a->reps; r++) {
        double t0 = rb_now(), c0 = cpu_seconds(), dt, dc;

        if (rb_encoder_forward(e, &b, NULL, pooled, &err) < 0) {
            fprintf(stderr, "bench_encoder: %s\n", err.msg);
            return 1;
        }
        dt = rb_now() - t0;
        dc = cpu_seconds() - c0;
        if (r >= a->warmup) {
            rates[r - a->warmup] = (double)(nseq * a->seq) / dt;
            cpu_rates[r - a->warmup] = (double)(nseq * a->seq) / dc;
        }
    }
    out = bench_context();
    json_object_update_new(out, json_pack(
                    "{s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:o, s:f}",
                    "bench", "encoder_throughput",
                    "model", rb_model_describe(m),
                    "encoder", rb_encoder_describe(e),
                    "seq_len", (json_int_t)a->seq,
                    "sequences_per_run", (json_int_t)nseq,
                    "warmup", (json_int_t)a->warmup,
                    "reps", (json_int_t)a->reps,
                    "tokens_per_s", bench_summary(rates, a->reps),
                    "flops_per_token", flops_per_token(m, a->seq)));
    /* Tokens per second of CPU time summed over threads: a measure of
     * work per token that other processes' load disturbs less. */
    json_object_set_new(out, "tokens_per_cpu_s",
                        bench_summary(cpu_rates, a->reps));
    {
        json_t *enc = json_object_get(out, "encoder");
        double med = json_real_value(json_object_get(
            json_object_get(out, "tokens_per_s"), "median"));
        double tflops = med * flops_per_token(m, a->seq) / 1e12;
        double peak = gpu_peak_tflops(json_string_value(
            json_object_get(enc, "gpu")));

        json_object_set_new(out, "achieved_tflops", json_real(tflops));
        if (peak > 0) {
            json_object_set_new(out, "peak_tflops", json_real(peak));
            json_object_set_new(out, "fraction_of_peak",
                                json_real(tflops / peak));
        }
    }
    json_dumpf(out, stdout, JSON_INDENT(2));
    printf("\n");
    json_decref(out);
    rb_free(ids);
    rb_free(offs);
    rb_free(pooled);
    rb_free(rates);
    rb_free(cpu_rates);
    rb_encoder_free(e);
    rb_model_free(m);
    return 0;
}

static const char *const words[] = {
    "flow", "heat", "transfer", "pressure", "wing", "boundary", "layer",
    "search", "retrieval", "dense", "vector", "query", "document", "rank",
    "model", "the", "of", "and", "in", "to", "is", "a", "for", "with", "on",
    "analysis", "experimental", "results", "theory", "supersonic",
    "turbulent", "laminar", "numerical", "method", "solution", "equation",
};

/* Synthetic document i: 20 to 200 words from the list. */
static size_t synthetic_doc(size_t i, char *buf, size_t size)
{
    uint64_t s = i * 0x9e3779b97f4a7c15ull + 1;
    size_t n, w, len = 0, nwords = sizeof words / sizeof words[0];

    s ^= s >> 29;
    n = 20 + (size_t)(s % 181);
    for (w = 0; w < n && len + 32 < size; w++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        len += (size_t)snprintf(buf + len, size - len, "%s%s", w ? " " : "",
                                words[(s >> 33) % nwords]);
    }
    return len;
}

static int memory(const bench_args *a)
{
    rb_error err = {0};
    rb_model *m;
    long rss_start, rss_model;
    rb_encoder *e;
    size_t dim, c, i, chunk = a->chunk ? a->chunk : 4096, tokens = 0;
    float *matrix;
    char **texts;
    size_t *lens;
    double t0, dt;
    json_t *out;

    rss_start = peak_rss_kib();
    e = open_encoder(a, &m, &err);
    if (!e) {
        fprintf(stderr, "bench_encoder: %s\n", err.msg);
        return 1;
    }
    rss_model = peak_rss_kib();
    dim = rb_encoder_dim(e);
    matrix = rb_malloc(a->docs * dim * sizeof *matrix);
    texts = rb_calloc(chunk, sizeof *texts);
    lens = rb_calloc(chunk, sizeof *lens);
    for (i = 0; i < chunk; i++)
        texts[i] = rb_malloc(2048);
    t0 = rb_now();
    for (c = 0; c < a->docs; c += chunk) {
        size_t n = a->docs - c < chunk ? a->docs - c : chunk;

        for (i = 0; i < n; i++) {
            lens[i] = synthetic_doc(c + i, texts[i], 2048);
            tokens += lens[i];
        }
        if (rb_encoder_encode(e, (const char *const *)texts, lens, n,
                              matrix + c * dim, NULL, NULL, &err) < 0) {
            fprintf(stderr, "bench_encoder: %s\n", err.msg);
            return 1;
        }
    }
    dt = rb_now() - t0;
    out = bench_context();
    json_object_update_new(out, json_pack(
                    "{s:s, s:o, s:o, s:I, s:I, s:f, s:f, s:f, s:f, s:f, "
                    "s:f}",
                    "bench", "encoder_memory",
                    "model", rb_model_describe(m),
                    "encoder", rb_encoder_describe(e),
                    "documents", (json_int_t)a->docs,
                    "chunk", (json_int_t)chunk,
                    "seconds", dt, "docs_per_s", (double)a->docs / dt,
                    "peak_rss_mib", peak_rss_kib() / 1024.0,
                    "rss_before_model_mib", rss_start / 1024.0,
                    "rss_after_model_mib", rss_model / 1024.0,
                    "embeddings_mib",
                    (double)(a->docs * dim * sizeof(float)) / 1048576.0));
    json_dumpf(out, stdout, JSON_INDENT(2));
    printf("\n");
    json_decref(out);
    (void)tokens;
    for (i = 0; i < chunk; i++)
        rb_free(texts[i]);
    rb_free(texts);
    rb_free(lens);
    rb_free(matrix);
    rb_encoder_free(e);
    rb_model_free(m);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_encoder throughput|memory --model DIR "
            "[--seq N] [--batch N] [--batch-tokens N] [--seqs N] "
            "[--reps N] [--warmup N] [--threads N] [--device cpu|cuda] "
            "[--precision fp16|bf16] [--docs N] [--chunk N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    bench_args a;
    int i;

    memset(&a, 0, sizeof a);
    a.seq = 128;
    a.reps = 5;
    a.warmup = 1;
    a.docs = 100000;
    if (argc < 2)
        return usage();
    a.mode = argv[1];
    for (i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        size_t n = strtoul(v, NULL, 10);

        if (!strcmp(k, "--model")) a.model = v;
        else if (!strcmp(k, "--device")) a.device = v;
        else if (!strcmp(k, "--precision")) a.precision = v;
        else if (!strcmp(k, "--seq")) a.seq = n;
        else if (!strcmp(k, "--batch")) a.batch = n;
        else if (!strcmp(k, "--batch-tokens")) a.batch_tokens = n;
        else if (!strcmp(k, "--seqs")) a.seqs = n;
        else if (!strcmp(k, "--reps")) a.reps = n;
        else if (!strcmp(k, "--warmup")) a.warmup = n;
        else if (!strcmp(k, "--threads")) a.threads = (int)n;
        else if (!strcmp(k, "--docs")) a.docs = n;
        else if (!strcmp(k, "--chunk")) a.chunk = n;
        else return usage();
    }
    if (i != argc || !a.model || a.reps == 0 || a.seq < 2)
        return usage();
    if (!strcmp(a.mode, "throughput"))
        return throughput(&a);
    if (!strcmp(a.mode, "memory"))
        return memory(&a);
    return usage();
}
