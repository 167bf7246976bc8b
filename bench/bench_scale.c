/*
 * How the BM25 engine scales: synthetic corpora of growing size, each
 * built on all cores and searched on one, reporting index build time,
 * index bytes, peak memory and queries per second, so that the cost curve
 * is visible.
 *
 * Documents are generated on the fly while indexing, deterministically
 * from their number: lengths are log-normal (median 80 words, mean about
 * 96, at least 5), words are drawn from a Zipf distribution (exponent
 * 1.0) over a vocabulary of 2^20 pseudo-words whose length grows with
 * their rank, as in natural text. Queries have 2 to 6 words drawn from the
 * same distribution past its 100 most frequent words. Each size runs in
 * its own process, so that its peak resident memory is its own.
 *
 *   bench_scale [--sizes 10000,100000,1000000] [--queries N] [--reps N]
 *               [--threads N] [--out FILE] [--verbose]
 *
 * --verbose also logs the time of each indexing phase.
 */

#include <getopt.h>
#include <math.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/fileio.h"
#include "base/log.h"
#include "base/pool.h"
#include "base/timer.h"
#include "bench_common.h"
#include "retrieve/bm25.h"

#define VOCAB (1u << 20)
#define ZIPF_S 1.0

/* ---- deterministic randomness ------------------------------------------ */

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *state)
{
    return (double)(splitmix(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- Zipf sampling with an alias table (Vose) ---------------------------- */

typedef struct zipf {
    float *prob;
    uint32_t *alias;
    uint32_t n;
} zipf;

static void zipf_init(zipf *z, uint32_t n, double s)
{
    double *p = rb_malloc(n * sizeof *p), sum = 0;
    uint32_t *small = rb_malloc(n * sizeof *small);
    uint32_t *large = rb_malloc(n * sizeof *large);
    uint32_t i, ns = 0, nl = 0;

    z->n = n;
    z->prob = rb_malloc(n * sizeof *z->prob);
    z->alias = rb_malloc(n * sizeof *z->alias);
    for (i = 0; i < n; i++)
        sum += p[i] = 1.0 / pow((double)i + 1, s);
    for (i = 0; i < n; i++) {
        p[i] = p[i] * n / sum;
        if (p[i] < 1)
            small[ns++] = i;
        else
            large[nl++] = i;
    }
    while (ns && nl) {
        uint32_t l = small[--ns], g = large[nl - 1];

        z->prob[l] = (float)p[l];
        z->alias[l] = g;
        p[g] -= 1 - p[l];
        if (p[g] < 1) {
            nl--;
            small[ns++] = g;
        }
    }
    while (nl) {
        z->prob[large[--nl]] = 1;
        z->alias[large[nl]] = large[nl];
    }
    while (ns) {
        z->prob[small[--ns]] = 1;
        z->alias[small[ns]] = small[ns];
    }
    rb_free(p);
    rb_free(small);
    rb_free(large);
}

static uint32_t zipf_draw(const zipf *z, uint64_t *state)
{
    uint64_t r = splitmix(state);
    uint32_t i = (uint32_t)(((r >> 32) * z->n) >> 32);
    float u = (float)(r & 0xFFFFFF) * (1.0f / 16777216.0f);

    return u < z->prob[i] ? i : z->alias[i];
}

/* The pseudo-word of rank r: the base-26 digits of r + 676 written with
 * letters, so that frequent words are short (3 letters for the first
 * ranks, 5 past rank 17,000). */
static size_t word_of(uint32_t r, char *out)
{
    static const char letters[] = "etaoinshrdlucmfwypvbgkjqxz";
    uint64_t x = (uint64_t)r + 26 * 26;
    size_t n = 0;

    while (x) {
        out[n++] = letters[x % 26];
        x /= 26;
    }
    out[n] = '\0';
    return n;
}

/* ---- the document source ---------------------------------------------- */

typedef struct synth {
    zipf z;
    size_t ndocs;
    rb_arena ids_arena;
    char **ids;
} synth;

static int synth_text(void *arg, size_t i, int thread, rb_buf *scratch,
                      const char *seg[2], size_t seglen[2])
{
    const synth *sy = arg;
    uint64_t state = 0x5eed0000ull + i * 0x9e3779b97f4a7c15ull;
    double u1 = uniform(&state), u2 = uniform(&state);
    /* log-normal length: median 80, sigma 0.6 */
    double g = sqrt(-2 * log(u1 > 0 ? u1 : 1e-12)) * cos(2 * M_PI * u2);
    long len = lround(80 * exp(0.6 * g)), w;
    char word[16];

    (void)thread;
    if (len < 5)
        len = 5;
    if (len > 4000)
        len = 4000;
    rb_buf_reset(scratch);
    for (w = 0; w < len; w++) {
        size_t n = word_of(zipf_draw(&sy->z, &state), word);

        word[n++] = ' ';
        if (rb_buf_append(scratch, word, n) < 0)
            return -1;
    }
    seg[0] = scratch->data;
    seglen[0] = scratch->len;
    seg[1] = NULL;
    seglen[1] = 0;
    return 0;
}

static const char *synth_id(void *arg, size_t i)
{
    return ((synth *)arg)->ids[i];
}

static void synth_init(synth *sy, size_t ndocs)
{
    size_t i;

    memset(sy, 0, sizeof *sy);
    zipf_init(&sy->z, VOCAB, ZIPF_S);
    sy->ndocs = ndocs;
    sy->ids = rb_malloc(ndocs * sizeof *sy->ids);
    for (i = 0; i < ndocs; i++) {
        char id[32];
        int n = snprintf(id, sizeof id, "doc%zu", i);

        sy->ids[i] = rb_arena_strndup(&sy->ids_arena, id, (size_t)n);
    }
}

static char **make_queries(const synth *sy, size_t n)
{
    char **q = rb_malloc(n * sizeof *q);
    uint64_t state = 0x71e5ull;
    size_t i;

    for (i = 0; i < n; i++) {
        rb_buf b = RB_BUF_INIT;
        int words = 2 + (int)(splitmix(&state) % 5), w;
        char word[16];

        for (w = 0; w < words; w++) {
            uint32_t r;

            do
                r = zipf_draw(&sy->z, &state);
            while (r < 100);
            word_of(r, word);
            rb_buf_printf(&b, "%s%s", w ? " " : "", word);
        }
        q[i] = rb_buf_detach(&b);
    }
    return q;
}

/* ---- one size, in a child process -------------------------------------- */

/* CPU seconds of the whole process (all threads, user and system). */
static double process_cpu(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

typedef struct scale_options {
    size_t nqueries;
    int reps;
    int threads;
    size_t k;
} scale_options;

static double rate(rb_bm25_searcher *s, char **queries, size_t nq, size_t k,
                   double *cpu_rate)
{
    double t0 = rb_now(), c0 = bench_thread_cpu(), t;
    size_t i;

    for (i = 0; i < nq; i++) {
        const rb_bm25_hit *h;
        size_t n;
        rb_error err = {0};

        if (rb_bm25_search(s, queries[i], strlen(queries[i]), k, &h, &n,
                           NULL, &err) < 0) {
            fprintf(stderr, "bench_scale: %s\n", err.msg);
            exit(1);
        }
    }
    t = rb_now() - t0;
    *cpu_rate = (double)nq / (bench_thread_cpu() - c0);
    return (double)nq / t;
}

static json_t *run_size(size_t ndocs, const scale_options *so)
{
    synth sy;
    rb_bm25_source src;
    rb_bm25_build_options opt;
    rb_analyzer_config cfg;
    rb_analyzer *a;
    rb_bm25_params p;
    rb_bm25_index *ix;
    rb_bm25_stats st;
    rb_bm25_searcher *s;
    rb_error err = {0};
    double t0, cpu0, build_s, build_cpu_s, *wall, *cpu, scored = 0;
    char **queries;
    json_t *out;
    size_t i;
    int r;

    synth_init(&sy, ndocs);
    queries = make_queries(&sy, so->nqueries);
    rb_analyzer_config_default(&cfg);
    a = rb_analyzer_new(&cfg, &err);
    rb_bm25_params_default(&p);
    src.ndocs = ndocs;
    src.arg = &sy;
    src.doc_text = synth_text;
    src.doc_id = synth_id;
    opt.threads = so->threads;
    opt.progress = 0;
    opt.collection_fingerprint = "synthetic";
    t0 = rb_now();
    cpu0 = process_cpu();
    ix = rb_bm25_build(&src, a, &p, &opt, &err);
    build_s = rb_now() - t0;
    build_cpu_s = process_cpu() - cpu0;
    if (!ix) {
        fprintf(stderr, "bench_scale: %s\n", err.msg);
        exit(1);
    }
    rb_bm25_get_stats(ix, &st);
    s = rb_bm25_searcher_new(ix, a, &err);
    wall = rb_malloc((size_t)so->reps * sizeof *wall);
    cpu = rb_malloc((size_t)so->reps * sizeof *cpu);
    rate(s, queries, so->nqueries, so->k, &cpu[0]);  /* warm-up */
    for (r = 0; r < so->reps; r++)
        wall[r] = rate(s, queries, so->nqueries, so->k, &cpu[r]);
    for (i = 0; i < so->nqueries; i++) {
        const rb_bm25_hit *h;
        size_t n;
        rb_bm25_search_stats ss;

        rb_bm25_search(s, queries[i], strlen(queries[i]), so->k, &h, &n,
                       NULL, &err);
        rb_bm25_searcher_stats(s, &ss);
        scored += (double)ss.scored / (ss.postings_total ?
                                       (double)ss.postings_total : 1.0);
    }
    out = json_pack("{s:I, s:f, s:f, s:I, s:I, s:I, s:I, s:f, s:I, s:o, "
                    "s:o, s:f}",
                    "documents", (json_int_t)ndocs, "build_s", build_s,
                    "build_cpu_s", build_cpu_s,
                    "index_bytes", (json_int_t)st.bytes,
                    "postings_bytes", (json_int_t)st.postings_bytes,
                    "terms", (json_int_t)st.nterms,
                    "postings", (json_int_t)st.npostings,
                    "avgdl", st.avgdl,
                    "peak_rss_bytes", (json_int_t)bench_peak_rss(),
                    "queries_per_s", bench_summary(wall, (size_t)so->reps),
                    "cpu_queries_per_s",
                    bench_summary(cpu, (size_t)so->reps),
                    "scored_per_posting", scored / (double)so->nqueries);
    rb_free(wall);
    rb_free(cpu);
    for (i = 0; i < so->nqueries; i++)
        rb_free(queries[i]);
    rb_free(queries);
    rb_bm25_searcher_free(s);
    rb_bm25_free(ix);
    rb_analyzer_free(a);
    return out;
}

/* Run one size in a child; its JSON comes back through a pipe. */
static json_t *run_size_isolated(size_t ndocs, const scale_options *so)
{
    int fds[2];
    pid_t pid;
    rb_buf text = RB_BUF_INIT;
    char chunk[4096];
    ssize_t got;
    int status;
    json_t *out;

    if (pipe(fds) != 0)
        return NULL;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        json_t *res = run_size(ndocs, so);
        char *s = json_dumps(res, JSON_COMPACT);
        size_t len = strlen(s), off = 0;

        close(fds[0]);
        while (off < len) {
            ssize_t w = write(fds[1], s + off, len - off);

            if (w <= 0)
                _exit(1);
            off += (size_t)w;
        }
        _exit(0);
    }
    close(fds[1]);
    while ((got = read(fds[0], chunk, sizeof chunk)) > 0)
        rb_buf_append(&text, chunk, (size_t)got);
    close(fds[0]);
    waitpid(pid, &status, 0);
    out = text.data ? json_loads(text.data, 0, NULL) : NULL;
    rb_buf_release(&text);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !out) {
        fprintf(stderr, "bench_scale: the %zu-document run failed\n", ndocs);
        exit(1);
    }
    return out;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"sizes", required_argument, NULL, 's'},
        {"queries", required_argument, NULL, 'q'},
        {"reps", required_argument, NULL, 'r'},
        {"threads", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},
        {"verbose", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    scale_options so = {1000, 5, 0, 100};
    const char *sizes = "10000,100000,1000000", *out_path = NULL, *p;
    json_t *list = json_array(), *result;
    char *text;
    int c;

    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 's': sizes = optarg; break;
        case 'q': so.nqueries = (size_t)atol(optarg); break;
        case 'r': so.reps = atoi(optarg); break;
        case 't': so.threads = atoi(optarg); break;
        case 'o': out_path = optarg; break;
        case 'v': rb_log_set_level(RB_LOG_DEBUG); break;
        default:
            fprintf(stderr, "usage: bench_scale [--sizes N,N,...] "
                    "[--queries N] [--reps N] [--threads N] [--out FILE] "
                    "[--verbose]\n");
            return 2;
        }
    }
    so.threads = rb_threads_resolve(so.threads);
    if (so.reps < 1 || so.nqueries < 1)
        return 2;
    for (p = sizes; *p;) {
        size_t n = (size_t)strtoull(p, (char **)&p, 10);
        json_t *res;

        if (n == 0) {
            fprintf(stderr, "bench_scale: bad size list \"%s\"\n", sizes);
            return 2;
        }
        fprintf(stderr, "bench_scale: %zu documents...\n", n);
        res = run_size_isolated(n, &so);
        fprintf(stderr, "bench_scale: %zu documents: build %.2f s (%.2f s "
                "CPU), %.0f MB index, peak %.0f MB, %.0f queries/s\n", n,
                json_real_value(json_object_get(res, "build_s")),
                json_real_value(json_object_get(res, "build_cpu_s")),
                (double)json_integer_value(json_object_get(
                    res, "index_bytes")) / 1e6,
                (double)json_integer_value(json_object_get(
                    res, "peak_rss_bytes")) / 1e6,
                json_real_value(json_object_get(
                    json_object_get(res, "queries_per_s"), "median")));
        json_array_append_new(list, res);
        if (*p == ',')
            p++;
    }
    result = json_pack("{s:s, s:o, s:{s:i, s:i, s:I, s:I, s:f, s:i, s:s}, "
                       "s:o}",
                       "benchmark", "bm25-scale", "context",
                       bench_context(), "config", "build_threads",
                       so.threads, "search_threads", 1,
                       "queries", (json_int_t)so.nqueries,
                       "k", (json_int_t)so.k, "zipf_exponent", ZIPF_S,
                       "reps", so.reps,
                       "corpus", "log-normal lengths (median 80), Zipf "
                       "words over 2^20 pseudo-words",
                       "results", list);
    text = json_dumps(result, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    puts(text);
    if (out_path) {
        rb_error err = {0};

        if (rb_write_file_atomic(out_path, text, strlen(text), &err) < 0) {
            fprintf(stderr, "bench_scale: %s\n", err.msg);
            return 1;
        }
    }
    free(text);
    json_decref(result);
    return 0;
}
