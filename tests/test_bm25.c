/* The native BM25 engine: scores of every variant against hand-computed
 * values, tie order, pruned against exhaustive search, saving and mapping
 * back, damaged files, bad inputs, the retriever interface. */

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/mem.h"
#include "check.h"
#include "fixture_dataset.h"
#include "retrieve/bm25.h"
#include "retrieve/retriever.h"

static char tmp_dir[] = "/tmp/rb_bm25_XXXXXX";

/* The tiny corpus of the hand computation: N = 5, avgdl = 11 / 5. */
static const fixture_doc tiny_docs[] = {
    {"d1", "", "apple banana apple"},
    {"d2", "", "banana cherry"},
    {"d3", "", "cherry cherry cherry date"},
    {"d4", "", ""},
    {"d5", "Elder", "banana"},
};
static const fixture_query tiny_queries[] = {
    {"q1", "apple cherry banana"},
};

static rb_analyzer *plain_analyzer(void)
{
    rb_analyzer_config cfg;
    rb_error err = {0};

    rb_analyzer_config_default(&cfg);
    strcpy(cfg.stopwords, "none");
    strcpy(cfg.stemmer, "none");
    cfg.min_length = 1;
    return rb_analyzer_new(&cfg, &err);
}

static rb_bm25_index *build(const rb_dataset *ds, const rb_analyzer *a,
                            const rb_bm25_params *p, int threads)
{
    rb_bm25_build_options opt = {threads, 0, ds->fingerprint};
    rb_bm25_source src;
    rb_error err = {0};
    rb_bm25_index *ix;

    rb_bm25_source_dataset(&src, ds);
    ix = rb_bm25_build(&src, a, p, &opt, &err);
    if (!ix)
        fprintf(stderr, "build: %s\n", err.msg);
    return ix;
}

/* Search q and check the ranking is `ids` (space separated) with the
 * given scores (may be NULL). Checks the exhaustive scorer too. */
static void expect_ranking(rb_bm25_searcher *s, const rb_dataset *ds,
                           const char *q, size_t k, const char *ids,
                           const double *scores, int line)
{
    const rb_bm25_hit *hits;
    size_t n = 0, n2 = 0, i;
    rb_error err = {0};
    char got[1024] = "";
    rb_bm25_hit copy[64];

    CHECK_EQ_INT(rb_bm25_search(s, q, strlen(q), k, &hits, &n, NULL, &err),
                 0);
    for (i = 0; i < n && i < 64; i++) {
        if (i)
            strcat(got, " ");
        strcat(got, rb_intern_str(ds->doc_ids, hits[i].doc));
        if (scores && fabs(hits[i].score - scores[i]) > 1e-9) {
            fprintf(stderr, "line %d: score %zu is %.12f, expected %.12f\n",
                    line, i, hits[i].score, scores[i]);
            check_current_failed = 1;
        }
        copy[i] = hits[i];
    }
    if (strcmp(got, ids) != 0) {
        fprintf(stderr, "line %d: ranking \"%s\", expected \"%s\"\n", line,
                got, ids);
        check_current_failed = 1;
    }
    CHECK_EQ_INT(rb_bm25_search_exhaustive(s, q, strlen(q), k, &hits, &n2,
                                           NULL, &err), 0);
    CHECK_EQ_INT(n2, n);
    for (i = 0; i < n && i < n2 && i < 64; i++) {
        CHECK_EQ_INT(hits[i].doc, copy[i].doc);
        CHECK(hits[i].score == copy[i].score);
    }
}

static void check_variant(rb_bm25_variant v, double delta,
                          const char *ids, const double *scores)
{
    rb_dataset *ds = fixture_dataset(tiny_docs, 5, tiny_queries, 1);
    rb_analyzer *a = plain_analyzer();
    rb_bm25_params p = {v, 1.2, 0.75, delta};
    rb_bm25_index *ix = build(ds, a, &p, 1);
    rb_error err = {0};
    rb_bm25_searcher *s = ix ? rb_bm25_searcher_new(ix, a, &err) : NULL;

    CHECK(s != NULL);
    if (s)
        expect_ranking(s, ds, "apple cherry banana", 10, ids, scores,
                       __LINE__);
    rb_bm25_searcher_free(s);
    rb_bm25_free(ix);
    rb_analyzer_free(a);
    rb_dataset_free(ds);
}

/* Expected values worked out by hand from the formulas of
 * docs/retrievers.md with k1 = 1.2, b = 0.75. */
static void test_lucene_scores(void)
{
    const double s[] = {0.999315191142, 0.667773288367, 0.532052823806,
                        0.254461867299};

    check_variant(RB_BM25_LUCENE, 0, "d1 d2 d3 d5", s);
}

static void test_robertson_scores_clamp_negative_idf(void)
{
    /* banana is in 3 of 5 documents: its idf is clamped to 0, so d5
     * (banana only) is ranked with score 0. */
    const double s[] = {1.370433885864, 0.449868957250, 0.349469018293,
                        0.0};

    check_variant(RB_BM25_ROBERTSON, 0, "d1 d3 d2 d5", s);
}

static void test_atire_scores(void)
{
    const double s[] = {2.452324897676, 1.482241021738, 1.225095895655,
                        0.530557085628};

    check_variant(RB_BM25_ATIRE, 0, "d1 d2 d3 d5", s);
}

static void test_bm25l_scores(void)
{
    const double s[] = {2.544467051763, 1.765282473918, 1.276653065750,
                        0.672679010149};

    check_variant(RB_BM25_BM25L, 0.5, "d1 d2 d3 d5", s);
}

static void test_bm25plus_scores(void)
{
    const double s[] = {5.323375163559, 3.652728531688, 2.567475127661,
                        1.413068286549};

    check_variant(RB_BM25_PLUS, 1.0, "d1 d2 d3 d5", s);
}

static void test_title_and_text_are_indexed_together(void)
{
    const fixture_doc docs[] = {
        {"a", "Solar wind", "charged particles"},
        {"b", "", "solar panels"},
        {"c", "Wind", ""},
    };
    rb_dataset *ds = fixture_dataset(docs, 3, tiny_queries, 1);
    rb_analyzer *a = plain_analyzer();
    rb_bm25_params p;
    rb_bm25_index *ix;
    rb_error err = {0};
    rb_bm25_searcher *s;

    rb_bm25_params_default(&p);
    ix = build(ds, a, &p, 1);
    s = rb_bm25_searcher_new(ix, a, &err);
    CHECK_EQ_INT(rb_bm25_term_df(ix, "wind"), 2);
    CHECK_EQ_INT(rb_bm25_term_df(ix, "solar"), 2);
    CHECK_EQ_INT(rb_bm25_term_df(ix, "particles"), 1);
    CHECK_EQ_INT(rb_bm25_term_df(ix, "absent"), 0);
    /* a has both terms; c is shorter than b, so it wins on "wind" */
    expect_ranking(s, ds, "solar wind", 10, "a c b", NULL, __LINE__);
    rb_bm25_searcher_free(s);
    rb_bm25_free(ix);
    rb_analyzer_free(a);
    rb_dataset_free(ds);
}

static void test_ties_go_to_the_larger_id_also_at_the_cutoff(void)
{
    /* Identical documents: equal scores, ordered by id descending as
     * bytes ("9" > "10", "b" > "a"). */
    const fixture_doc docs[] = {
        {"a", "", "wing flow"}, {"10", "", "wing flow"},
        {"c", "", "wing flow"}, {"9", "", "wing flow"},
        {"b", "", "wing flow"}, {"zz", "", "other words"},
    };
    rb_dataset *ds = fixture_dataset(docs, 6, tiny_queries, 1);
    rb_analyzer *a = plain_analyzer();
    rb_bm25_params p;
    rb_bm25_index *ix;
    rb_error err = {0};
    rb_bm25_searcher *s;

    rb_bm25_params_default(&p);
    ix = build(ds, a, &p, 1);
    s = rb_bm25_searcher_new(ix, a, &err);
    expect_ranking(s, ds, "wing", 10, "c b a 9 10", NULL, __LINE__);
    expect_ranking(s, ds, "wing", 2, "c b", NULL, __LINE__);
    expect_ranking(s, ds, "flow wing", 3, "c b a", NULL, __LINE__);
    expect_ranking(s, ds, "wing", 1, "c", NULL, __LINE__);
    expect_ranking(s, ds, "wing", 0, "", NULL, __LINE__);
    rb_bm25_searcher_free(s);
    rb_bm25_free(ix);
    rb_analyzer_free(a);
    rb_dataset_free(ds);
}

static void test_repeated_query_terms_count_each_time(void)
{
    const fixture_doc docs[] = {
        {"a", "", "alpha alpha gamma"}, {"b", "", "beta"},
        {"c", "", "gamma delta"}, {"d", "", "delta delta"},
    };
    rb_dataset *ds = fixture_dataset(docs, 4, tiny_queries, 1);
    rb_analyzer *a = plain_analyzer();
    rb_bm25_params p;
    rb_bm25_index *ix;
    rb_error err = {0};
    rb_bm25_searcher *s;
    const rb_bm25_hit *h;
    size_t n;
    double once, twice;

    rb_bm25_params_default(&p);
    ix = build(ds, a, &p, 1);
    s = rb_bm25_searcher_new(ix, a, &err);
    rb_bm25_search(s, "beta", 4, 10, &h, &n, NULL, &err);
    CHECK_EQ_INT(n, 1);
    once = n ? h[0].score : 0;
    rb_bm25_search(s, "beta beta", 9, 10, &h, &n, NULL, &err);
    CHECK_EQ_INT(n, 1);
    twice = n ? h[0].score : 0;
    CHECK_NEAR(twice, 2 * once, 1e-9);
    rb_bm25_searcher_free(s);
    rb_bm25_free(ix);
    rb_analyzer_free(a);
    rb_dataset_free(ds);
}

/* A corpus large enough for several posting blocks and windows, with
 * skewed term frequencies: document i holds word w for every w dividing
 * i + 1 among 1..60, plus rarer words. */
static rb_dataset *synthetic_dataset(size_t ndocs)
{
    fixture_doc *docs = rb_calloc(ndocs, sizeof *docs);
    char **texts = rb_calloc(ndocs, sizeof *texts);
    char **ids = rb_calloc(ndocs, sizeof *ids);
    static const fixture_query none[] = {{"q", "w1"}};
    rb_dataset *ds;
    size_t i, w;

    for (i = 0; i < ndocs; i++) {
        char buf[4096];
        size_t len = 0;

        for (w = 1; w <= 60; w++)
            if ((i + 1) % w == 0)
                len += (size_t)snprintf(buf + len, sizeof buf - len,
                                        "w%zu w%zu ", w, (i * 7 + w) % 97);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "r%zu",
                                (i * 2654435761u) % 5000);
        texts[i] = rb_strdup(buf);
        ids[i] = rb_malloc(16);
        snprintf(ids[i], 16, "doc%zu", (i * 37) % ndocs);
        docs[i].id = ids[i];
        docs[i].title = "";
        docs[i].text = texts[i];
    }
    ds = fixture_dataset(docs, ndocs, none, 1);
    for (i = 0; i < ndocs; i++) {
        rb_free(texts[i]);
        rb_free(ids[i]);
    }
    rb_free(texts);
    rb_free(ids);
    rb_free(docs);
    return ds;
}

static void compare_pruned_exhaustive(rb_bm25_searcher *s, const char *q,
                                      size_t k)
{
    const rb_bm25_hit *h;
    rb_bm25_hit *copy;
    size_t n = 0, n2 = 0, i;
    rb_error err = {0};

    CHECK_EQ_INT(rb_bm25_search(s, q, strlen(q), k, &h, &n, NULL, &err), 0);
    copy = rb_malloc((n + 1) * sizeof *copy);
    memcpy(copy, h, n * sizeof *h);
    CHECK_EQ_INT(rb_bm25_search_exhaustive(s, q, strlen(q), k, &h, &n2,
                                           NULL, &err), 0);
    CHECK_EQ_INT(n, n2);
    for (i = 0; i < n && i < n2; i++)
        if (copy[i].doc != h[i].doc || copy[i].score != h[i].score) {
            fprintf(stderr, "query \"%s\" k %zu: rank %zu differs\n", q, k,
                    i);
            check_current_failed = 1;
            break;
        }
    rb_free(copy);
}

static void test_pruned_equals_exhaustive_on_synthetic_data(void)
{
    rb_dataset *ds = synthetic_dataset(20000);
    rb_analyzer *a = plain_analyzer();
    const char *queries[] = {
        "w1", "w2 w3", "w59 w60 w1", "w7 r12 r4000 w13", "r1 r2 r3 w2",
        "w5 w5 w11 w17 w23 w29 w31 w37 w41 w43 w47 w53", "w60", "nothing",
    };
    const size_t ks[] = {1, 5, 10, 100, 1000, 25000};
    int v;
    size_t q, k;

    for (v = 0; v < 5; v++) {
        rb_bm25_params p;
        rb_bm25_index *ix;
        rb_bm25_searcher *s;
        rb_error err = {0};

        rb_bm25_params_default(&p);
        p.variant = (rb_bm25_variant)v;
        p.delta = rb_bm25_default_delta(p.variant);
        ix = build(ds, a, &p, 2);
        s = rb_bm25_searcher_new(ix, a, &err);
        for (q = 0; q < sizeof queries / sizeof *queries; q++)
            for (k = 0; k < sizeof ks / sizeof *ks; k++)
                compare_pruned_exhaustive(s, queries[q], ks[k]);
        rb_bm25_searcher_free(s);
        rb_bm25_free(ix);
    }
    rb_analyzer_free(a);
    rb_dataset_free(ds);
}

static char *read_whole(const char *path, size_t *len)
{
    char *data = NULL;
    rb_error err = {0};

    if (rb_read_file(path, &data, len, &err) < 0)
        return NULL;
    return data;
}

static void test_build_is_identical_for_any_thread_count(void)
{
    rb_dataset *ds = synthetic_dataset(5000);
    rb_analyzer *a = plain_analyzer();
    rb_bm25_params p;
    rb_bm25_index *one, *three;
    rb_error err = {0};
    char *p1 = rb_path_join(tmp_dir, "one.idx");
    char *p3 = rb_path_join(tmp_dir, "three.idx");
    char *d1, *d3;
    size_t l1 = 0, l3 = 0;

    rb_bm25_params_default(&p);
    one = build(ds, a, &p, 1);
    three = build(ds, a, &p, 3);
    CHECK_EQ_INT(rb_bm25_save(one, p1, &err), 0);
    CHECK_EQ_INT(rb_bm25_save(three, p3, &err), 0);
    d1 = read_whole(p1, &l1);
    d3 = read_whole(p3, &l3);
    CHECK(d1 && d3);
    CHECK_EQ_INT(l1, l3);
    CHECK(d1 && d3 && l1 == l3 && memcmp(d1, d3, l1) == 0);
    rb_free(d1);
    rb_free(d3);
    rb_free(p1);
    rb_free(p3);
    rb_bm25_free(one);
    rb_bm25_free(three);
    rb_analyzer_free(a);
    rb_dataset_free(ds);
}

static void test_saved_index_maps_back_with_the_same_results(void)
{
    rb_dataset *ds = synthetic_dataset(3000);
    rb_analyzer *a = plain_analyzer();
    rb_bm25_params p;
    rb_bm25_index *built, *loaded;
    rb_bm25_searcher *s1, *s2;
    rb_bm25_stats st1, st2;
    rb_error err = {0};
    char *path = rb_path_join(tmp_dir, "round.idx");
    char key[65];
    int absent = 0;
    const rb_bm25_hit *h;
    size_t n1, n2, i;

    rb_bm25_params_default(&p);
    built = build(ds, a, &p, 2);
    CHECK_EQ_INT(rb_bm25_key(ds->fingerprint, a, &p, key), 0);
    CHECK_STR(rb_bm25_index_key(built), key);
    CHECK_EQ_INT(rb_bm25_save(built, path, &err), 0);
    loaded = rb_bm25_load(path, key, ds->ndocs, &absent, &err);
    CHECK(loaded != NULL);
    if (!loaded) {
        fprintf(stderr, "%s\n", err.msg);
        goto done;
    }
    rb_bm25_get_stats(built, &st1);
    rb_bm25_get_stats(loaded, &st2);
    CHECK_EQ_INT(st2.mapped, 1);
    CHECK_EQ_INT(st1.mapped, 0);
    CHECK_EQ_INT(st1.nterms, st2.nterms);
    CHECK_EQ_INT(st1.npostings, st2.npostings);
    CHECK_EQ_INT(st1.bytes, st2.bytes);
    s1 = rb_bm25_searcher_new(built, a, &err);
    s2 = rb_bm25_searcher_new(loaded, a, &err);
    {
        rb_bm25_hit copy[100];

        rb_bm25_search(s1, "w3 w4 r17", 9, 100, &h, &n1, NULL, &err);
        memcpy(copy, h, n1 * sizeof *h);
        rb_bm25_search(s2, "w3 w4 r17", 9, 100, &h, &n2, NULL, &err);
        CHECK_EQ_INT(n1, n2);
        CHECK(n1 > 50);
        for (i = 0; i < n1 && i < n2; i++) {
            CHECK_EQ_INT(copy[i].doc, h[i].doc);
            CHECK(copy[i].score == h[i].score);
        }
    }
    rb_bm25_searcher_free(s1);
    rb_bm25_searcher_free(s2);

    /* another key (other parameters) is refused */
    {
        char other[65];

        p.k1 = 1.2;
        rb_bm25_key(ds->fingerprint, a, &p, other);
        CHECK(strcmp(other, key) != 0);
        rb_error_clear(&err);
        CHECK(rb_bm25_load(path, other, ds->ndocs, &absent, &err) == NULL);
        CHECK(strstr(err.msg, "other data or parameters") != NULL);
        CHECK_EQ_INT(absent, 0);
    }
    /* a missing file says so */
    rb_error_clear(&err);
    CHECK(rb_bm25_load("/nonexistent/x.idx", key, ds->ndocs, &absent,
                       &err) == NULL);
    CHECK_EQ_INT(absent, 1);
done:
    rb_bm25_free(loaded);
    rb_bm25_free(built);
    rb_free(path);
    rb_analyzer_free(a);
    rb_dataset_free(ds);
}

static void write_bytes(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    fwrite(data, 1, len, f);
    fclose(f);
}

static void test_damaged_files_are_refused_or_searched_safely(void)
{
    rb_dataset *ds = synthetic_dataset(2000);
    rb_analyzer *a = plain_analyzer();
    rb_bm25_params p;
    rb_bm25_index *ix, *bad;
    rb_error err = {0};
    char *path = rb_path_join(tmp_dir, "good.idx");
    char *bpath = rb_path_join(tmp_dir, "bad.idx");
    char key[65], *data;
    size_t len = 0, i, refused = 0, searched = 0;

    rb_bm25_params_default(&p);
    ix = build(ds, a, &p, 1);
    rb_bm25_key(ds->fingerprint, a, &p, key);
    rb_bm25_save(ix, path, &err);
    data = read_whole(path, &len);
    CHECK(data != NULL && len > 4096);

    /* truncated */
    write_bytes(bpath, data, len - 100);
    CHECK(rb_bm25_load(bpath, key, ds->ndocs, NULL, &err) == NULL);
    CHECK(strstr(err.msg, "truncated") != NULL);
    /* not an index */
    write_bytes(bpath, "hello", 5);
    rb_error_clear(&err);
    CHECK(rb_bm25_load(bpath, key, ds->ndocs, NULL, &err) == NULL);

    /* Flip bytes all over the file: every result is either a refusal at
     * load or a search that stays in bounds (run under the sanitizers). */
    for (i = 0; i < 400; i++) {
        size_t at = (i * 7919 + 13) % len;
        rb_bm25_searcher *s;
        const rb_bm25_hit *h;
        size_t n;

        data[at] ^= (char)(1 + i % 255);
        write_bytes(bpath, data, len);
        data[at] ^= (char)(1 + i % 255);
        rb_error_clear(&err);
        bad = rb_bm25_load(bpath, key, ds->ndocs, NULL, &err);
        if (!bad) {
            refused++;
            continue;
        }
        s = rb_bm25_searcher_new(bad, a, &err);
        rb_bm25_search(s, "w2 w3 w5 r9", 11, 50, &h, &n, NULL, &err);
        rb_bm25_search_exhaustive(s, "w2 w3 w5 r9", 11, 50, &h, &n, NULL,
                                  &err);
        searched++;
        rb_bm25_searcher_free(s);
        rb_bm25_free(bad);
    }
    CHECK(refused > 0);
    CHECK(searched > 0);
    rb_free(data);
    rb_free(path);
    rb_free(bpath);
    rb_bm25_free(ix);
    rb_analyzer_free(a);
    rb_dataset_free(ds);
}

static void test_bad_inputs_give_correct_results(void)
{
    /* a 1 MB document of real words, a 1 MB single word, documents with
     * no terms at all */
    size_t big = 1 << 20, i;
    char *words = rb_malloc(big + 1), *one = rb_malloc(big + 1);
    fixture_doc docs[6];
    rb_dataset *ds;
    rb_analyzer_config cfg;
    rb_analyzer *a;
    rb_bm25_params p;
    rb_bm25_index *ix;
    rb_bm25_searcher *s;
    rb_error err = {0};
    const rb_bm25_hit *h;
    size_t n = 99, bad = 0;
    char *longq;

    for (i = 0; i < big; i++)
        words[i] = "wing flow "[i % 10];
    words[big] = '\0';
    memset(one, 'x', big);
    one[big] = '\0';
    docs[0] = (fixture_doc){"big", "", words};
    docs[1] = (fixture_doc){"huge-word", "", one};
    docs[2] = (fixture_doc){"empty", "", ""};
    docs[3] = (fixture_doc){"stops", "The", "and of the to a"};
    docs[4] = (fixture_doc){"punct", "", "... --- !!! 1"};
    docs[5] = (fixture_doc){"small", "", "wing tip vortex"};
    ds = fixture_dataset(docs, 6, tiny_queries, 1);
    rb_analyzer_config_default(&cfg);
    a = rb_analyzer_new(&cfg, &err);
    rb_bm25_params_default(&p);
    ix = build(ds, a, &p, 2);
    CHECK(ix != NULL);
    s = rb_bm25_searcher_new(ix, a, &err);

    /* empty query, stop words only, punctuation only */
    CHECK_EQ_INT(rb_bm25_search(s, "", 0, 10, &h, &n, NULL, &err), 0);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(rb_bm25_search(s, "the of and", 10, 10, &h, &n, NULL,
                                &err), 0);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(rb_bm25_search(s, "?!", 2, 10, &h, &n, NULL, &err), 0);
    CHECK_EQ_INT(n, 0);
    /* malformed UTF-8 in a query: replaced, counted, still searched */
    CHECK_EQ_INT(rb_bm25_search(s, "wing\xff\xfe" "vortex", 12, 10, &h, &n,
                                &bad, &err), 0);
    CHECK_EQ_INT(bad, 2);
    expect_ranking(s, ds, "wing\xff\xfevortex", 10, "small big", NULL,
                   __LINE__);
    /* the 1 MB word was cut into 255-byte pieces, all the same term */
    CHECK_EQ_INT(rb_bm25_term_df(ix, "x"), 0);
    {
        char piece[256];

        memset(piece, 'x', 255);
        piece[255] = '\0';
        CHECK_EQ_INT(rb_bm25_term_df(ix, piece), 1);
    }

    /* a 10,000-term query: 10,000 words absent from the index, then two
     * that are indexed */
    longq = rb_malloc(10000 * 12 + 32);
    {
        size_t len = 0;

        for (i = 0; i < 10000; i++)
            len += (size_t)sprintf(longq + len, "u%zuq ", i);
        len += (size_t)sprintf(longq + len, "wing vortex");
        CHECK_EQ_INT(rb_bm25_search(s, longq, len, 10, &h, &n, NULL, &err),
                     0);
        CHECK_EQ_INT(n, 2);
        expect_ranking(s, ds, longq, 10, "small big", NULL, __LINE__);
    }
    /* and 10,000 repetitions of one indexed term */
    {
        size_t len = 0;

        for (i = 0; i < 10000; i++)
            len += (size_t)sprintf(longq + len, "wing ");
        CHECK_EQ_INT(rb_bm25_search(s, longq, len, 10, &h, &n, NULL, &err),
                     0);
        CHECK_EQ_INT(n, 2);
    }
    rb_free(longq);
    rb_bm25_searcher_free(s);
    rb_bm25_free(ix);
    rb_analyzer_free(a);
    rb_dataset_free(ds);
    rb_free(words);
    rb_free(one);
}

static void test_empty_collection_and_no_terms_anywhere(void)
{
    const fixture_doc docs[] = {{"a", "", ""}, {"b", "The", "of"}};
    rb_dataset *ds = fixture_dataset(docs, 2, tiny_queries, 1);
    rb_analyzer_config cfg;
    rb_analyzer *a;
    rb_bm25_params p;
    rb_bm25_index *ix;
    rb_bm25_searcher *s;
    rb_bm25_stats st;
    rb_error err = {0};
    const rb_bm25_hit *h;
    size_t n = 9;

    rb_analyzer_config_default(&cfg);
    a = rb_analyzer_new(&cfg, &err);
    rb_bm25_params_default(&p);
    ix = build(ds, a, &p, 1);
    CHECK(ix != NULL);
    rb_bm25_get_stats(ix, &st);
    CHECK_EQ_INT(st.nterms, 0);
    CHECK_EQ_INT(st.npostings, 0);
    s = rb_bm25_searcher_new(ix, a, &err);
    CHECK_EQ_INT(rb_bm25_search(s, "wing", 4, 10, &h, &n, NULL, &err), 0);
    CHECK_EQ_INT(n, 0);
    rb_bm25_searcher_free(s);
    rb_bm25_free(ix);
    ds->ndocs = 0;
    ix = build(ds, a, &p, 1);
    CHECK(ix != NULL);
    rb_bm25_free(ix);
    rb_analyzer_free(a);
    rb_dataset_free(ds);
}

static void test_parameters_are_checked(void)
{
    rb_bm25_params p;
    rb_bm25_variant v;
    rb_error err = {0};

    rb_bm25_params_default(&p);
    CHECK_EQ_INT(p.variant, RB_BM25_LUCENE);
    CHECK_NEAR(p.k1, 0.9, 0);
    CHECK_NEAR(p.b, 0.4, 0);
    CHECK_EQ_INT(rb_bm25_params_check(&p, &err), 0);
    p.b = 1.5;
    CHECK_EQ_INT(rb_bm25_params_check(&p, &err), -1);
    CHECK(strstr(err.msg, "\"b\"") != NULL);
    CHECK_EQ_INT(rb_bm25_variant_parse("bm25+", &v, &err), 0);
    CHECK_EQ_INT(v, RB_BM25_PLUS);
    CHECK_EQ_INT(rb_bm25_variant_parse("bm25l", &v, &err), 0);
    CHECK_EQ_INT(v, RB_BM25_BM25L);
    rb_error_clear(&err);
    CHECK_EQ_INT(rb_bm25_variant_parse("okapi", &v, &err), -1);
    CHECK(strstr(err.msg, "robertson") != NULL);
    CHECK_NEAR(rb_bm25_default_delta(RB_BM25_BM25L), 0.5, 0);
    CHECK_NEAR(rb_bm25_default_delta(RB_BM25_PLUS), 1.0, 0);
}

static int create_with(const char *json, void **state, rb_error *err)
{
    const rb_retriever_ops *ops = rb_retriever_find("bm25");
    json_t *params = json_loads(json, 0, NULL);
    rb_context ctx;
    int rc;

    memset(&ctx, 0, sizeof ctx);
    ctx.threads = 1;
    rc = rb_retriever_check_params(ops, params, err);
    if (rc == 0)
        rc = ops->create(params, &ctx, state, err);
    json_decref(params);
    return rc;
}

static void test_retriever_parameters(void)
{
    const rb_retriever_ops *ops = rb_retriever_find("bm25");
    void *state = NULL;
    rb_error err = {0};
    json_t *desc;

    CHECK(ops != NULL);
    CHECK_EQ_INT(create_with("{\"variant\": \"bm25l\", \"k1\": 1.5, "
                             "\"analyzer\": {\"stemmer\": \"none\"}}",
                             &state, &err), 0);
    desc = ops->describe(state);
    CHECK_STR(json_string_value(json_object_get(desc, "variant")), "bm25l");
    CHECK_NEAR(json_real_value(json_object_get(desc, "k1")), 1.5, 0);
    CHECK_NEAR(json_real_value(json_object_get(desc, "b")), 0.4, 0);
    CHECK_NEAR(json_real_value(json_object_get(desc, "delta")), 0.5, 0);
    CHECK_STR(json_string_value(json_object_get(
                  json_object_get(desc, "analyzer"), "stemmer")), "none");
    json_decref(desc);
    ops->destroy(state);

    CHECK_EQ_INT(create_with("{\"variant\": \"okapi\"}", &state, &err), -1);
    CHECK(strstr(err.msg, "okapi") != NULL);
    rb_error_clear(&err);
    CHECK_EQ_INT(create_with("{\"k1\": -1}", &state, &err), -1);
    CHECK(strstr(err.msg, "k1") != NULL);
    rb_error_clear(&err);
    CHECK_EQ_INT(create_with("{\"delta\": 0.3}", &state, &err), -1);
    CHECK(strstr(err.msg, "delta") != NULL);
    rb_error_clear(&err);
    CHECK_EQ_INT(create_with("{\"k2\": 1}", &state, &err), -1);
    CHECK(strstr(err.msg, "k2") != NULL);
    rb_error_clear(&err);
    CHECK_EQ_INT(create_with("{\"analyzer\": {\"stemmer\": \"elvish\"}}",
                             &state, &err), -1);
    CHECK(strstr(err.msg, "elvish") != NULL);
    rb_error_clear(&err);
    CHECK_EQ_INT(create_with("{\"cache\": 1}", &state, &err), -1);
}

static void run_through_ops(const rb_dataset *ds, const char *cache,
                            rb_run **out)
{
    const rb_retriever_ops *ops = rb_retriever_find("bm25");
    rb_context ctx;
    void *state = NULL;
    rb_error err = {0};
    rb_run *run = rb_run_new_borrowed("bm25", ds->doc_ids);

    memset(&ctx, 0, sizeof ctx);
    ctx.threads = 2;
    ctx.cache_dir = cache;
    ctx.quiet = 1;
    CHECK_EQ_INT(ops->create(NULL, &ctx, &state, &err), 0);
    CHECK_EQ_INT(ops->index(state, ds, &ctx, &err), 0);
    CHECK_EQ_INT(ops->search(state, ds, &ctx, 100, run, &err), 0);
    if (err.set)
        fprintf(stderr, "%s\n", err.msg);
    ops->destroy(state);
    *out = run;
}

static void test_retriever_caches_its_index(void)
{
    rb_dataset *ds = synthetic_dataset(1000);
    char *cache = rb_path_join(tmp_dir, "cache");
    rb_run *first, *second;
    size_t q, i;
    char key[65], name[96], *path;
    rb_analyzer_config cfg;
    rb_analyzer *a;
    rb_bm25_params p;
    rb_error err = {0};
    struct stat st;

    ds->query_texts[0] = "w2 w3 r5";
    run_through_ops(ds, cache, &first);
    rb_analyzer_config_default(&cfg);
    a = rb_analyzer_new(&cfg, &err);
    rb_bm25_params_default(&p);
    rb_bm25_key(ds->fingerprint, a, &p, key);
    snprintf(name, sizeof name, "bm25-%s.idx", key);
    path = rb_path_join(cache, name);
    CHECK(stat(path, &st) == 0);
    run_through_ops(ds, cache, &second);
    CHECK_EQ_INT(first->nqueries, 1);
    CHECK_EQ_INT(second->nqueries, 1);
    for (q = 0; q < first->nqueries && q < second->nqueries; q++) {
        CHECK_EQ_INT(first->queries[q].n, second->queries[q].n);
        CHECK(first->queries[q].n > 10);
        for (i = 0; i < first->queries[q].n &&
                    i < second->queries[q].n; i++) {
            CHECK_EQ_INT(first->queries[q].results[i].doc,
                         second->queries[q].results[i].doc);
            CHECK(first->queries[q].results[i].score ==
                  second->queries[q].results[i].score);
        }
    }
    /* A damaged cache file is rebuilt, not trusted. */
    truncate(path, 64);
    rb_run_free(second);
    run_through_ops(ds, cache, &second);
    CHECK_EQ_INT(second->queries[0].n, first->queries[0].n);
    CHECK(stat(path, &st) == 0 && st.st_size > 64);
    rb_run_free(first);
    rb_run_free(second);
    rb_free(path);
    rb_free(cache);
    rb_analyzer_free(a);
    ds->query_texts[0] = "w1";
    rb_dataset_free(ds);
}

static void test_allocation_failures_end_cleanly(void)
{
    rb_dataset *ds = fixture_dataset(tiny_docs, 5, tiny_queries, 1);
    rb_analyzer *a = plain_analyzer();
    rb_bm25_params p;
    long n;

    rb_bm25_params_default(&p);
    for (n = 1; n < 200; n++) {
        rb_bm25_build_options opt = {2, 0, NULL};
        rb_bm25_source src;
        rb_error err = {0};
        rb_bm25_index *ix;
        rb_bm25_searcher *s = NULL;
        const rb_bm25_hit *h;
        size_t nh;

        rb_bm25_source_dataset(&src, ds);
        rb_mem_fail_after(n);
        ix = rb_bm25_build(&src, a, &p, &opt, &err);
        if (ix)
            s = rb_bm25_searcher_new(ix, a, &err);
        if (s)
            rb_bm25_search(s, "apple banana", 12, 5, &h, &nh, NULL, &err);
        rb_mem_fail_after(0);
        if (!ix)
            CHECK(err.set);
        rb_bm25_searcher_free(s);
        rb_bm25_free(ix);
    }
    rb_analyzer_free(a);
    rb_dataset_free(ds);
}

int main(void)
{
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_lucene_scores);
    RUN_TEST(test_robertson_scores_clamp_negative_idf);
    RUN_TEST(test_atire_scores);
    RUN_TEST(test_bm25l_scores);
    RUN_TEST(test_bm25plus_scores);
    RUN_TEST(test_title_and_text_are_indexed_together);
    RUN_TEST(test_ties_go_to_the_larger_id_also_at_the_cutoff);
    RUN_TEST(test_repeated_query_terms_count_each_time);
    RUN_TEST(test_pruned_equals_exhaustive_on_synthetic_data);
    RUN_TEST(test_build_is_identical_for_any_thread_count);
    RUN_TEST(test_saved_index_maps_back_with_the_same_results);
    RUN_TEST(test_damaged_files_are_refused_or_searched_safely);
    RUN_TEST(test_bad_inputs_give_correct_results);
    RUN_TEST(test_empty_collection_and_no_terms_anywhere);
    RUN_TEST(test_parameters_are_checked);
    RUN_TEST(test_retriever_parameters);
    RUN_TEST(test_retriever_caches_its_index);
    RUN_TEST(test_allocation_failures_end_cleanly);
    {
        char cmd[256];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmp_dir);
    }
    return check_report();
}
