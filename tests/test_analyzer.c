/* Analyzer: word splitting, lowercasing, stop words, stemming, malformed
 * input, configuration. */

#include <locale.h>
#include <wctype.h>

#include "check.h"
#include "base/mem.h"
#include "text/analyzer.h"
#include "text/wordchar.h"

/* Analyze text with the given configuration and compare the terms with
 * the space-separated list `expect`. Returns the malformed count. */
static size_t analyze_expect(const rb_analyzer_config *cfg, int flags,
                             const char *text, size_t len,
                             const char *expect, int line)
{
    rb_error err = {0};
    rb_analyzer *a = rb_analyzer_new(cfg, &err);
    rb_analysis *an = a ? rb_analysis_new(a, &err) : NULL;
    const char *const *terms;
    size_t n = 0, i, bad = 99;
    char got[4096] = "";

    CHECK(an != NULL);
    if (!an) {
        fprintf(stderr, "line %d: %s\n", line, err.msg);
        rb_analyzer_free(a);
        return bad;
    }
    CHECK_EQ_INT(rb_analyze(an, text, len, flags, &terms, &n, &bad), 0);
    for (i = 0; i < n; i++) {
        if (i)
            strcat(got, " ");
        strncat(got, terms[i], sizeof got - strlen(got) - 1);
    }
    if (strcmp(got, expect) != 0) {
        fprintf(stderr, "line %d: got \"%s\", expected \"%s\"\n", line, got,
                expect);
        check_current_failed = 1;
    }
    rb_analysis_free(an);
    rb_analyzer_free(a);
    return bad;
}

#define EXPECT(cfg, flags, text, expect) \
    analyze_expect(cfg, flags, text, strlen(text), expect, __LINE__)

static rb_analyzer_config plain_config(void)
{
    rb_analyzer_config cfg;

    rb_analyzer_config_default(&cfg);
    strcpy(cfg.stopwords, "none");
    strcpy(cfg.stemmer, "none");
    cfg.min_length = 1;
    return cfg;
}

static void test_ascii_words_split_on_punctuation(void)
{
    rb_analyzer_config cfg = plain_config();

    EXPECT(&cfg, 0, "Hello, World! foo-bar_baz 42x 3.14 (x)",
           "hello world foo bar baz 42x 3 14 x");
    EXPECT(&cfg, 0, "", "");
    EXPECT(&cfg, 0, "  ,;.!?  \t\n", "");
}

static void test_unicode_letters_and_digits_form_words(void)
{
    rb_analyzer_config cfg = plain_config();

    /* Han and Katakana (with the prolonged sound mark, a letter), an
     * ideographic comma separating. */
    EXPECT(&cfg, 0, "東京タワー、大阪", "東京タワー 大阪");
    /* Devanagari vowel signs are combining marks and stay in the word. */
    EXPECT(&cfg, 0, "हिन्दी "
           "भाषा", "हिन्दी "
           "भाषा");
    /* Arabic-Indic digits are digits. */
    EXPECT(&cfg, 0, "رقم ٣٤٥", "رقم ٣٤٥");
    /* Symbols and punctuation outside ASCII separate. */
    EXPECT(&cfg, 0, "a\xe2\x80\x94" "b\xc2\xa9" "c\xe2\x82\xac" "d",
           "a b c d");
    /* A no-break space separates. */
    EXPECT(&cfg, 0, "one\xc2\xa0two", "one two");
}

static void test_lowercasing_latin_greek_cyrillic(void)
{
    rb_analyzer_config cfg = plain_config();

    EXPECT(&cfg, 0, "ÉCOLE ÀÖØÞ Ÿ ĀĂĄ", "école àöøþ ÿ āăą");
    /* Simple mapping: capital sigma is always small sigma (no final
     * form), dotted capital I becomes plain i. */
    EXPECT(&cfg, 0, "ΑΘΗΝΑ ΟΔΟΣ İstanbul",
           "αθηνα οδοσ istanbul");
    EXPECT(&cfg, 0, "МОСКВА Ёлка ЇЖАК",
           "москва ёлка їжак");
    /* Lowercasing switched off keeps case. */
    cfg.lowercase = 0;
    EXPECT(&cfg, 0, "МОСКВА Wing", "МОСКВА Wing");
}

static void test_lowercase_agrees_with_glibc_towlower(void)
{
    uint32_t cp;
    long mismatches = 0;

    /* PostgreSQL's lower() under a glibc UTF-8 collation is towlower per
     * code point; the ILIKE retrievers depend on agreeing with it. */
    if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "C.utf8")) {
        printf("note: no C.UTF-8 locale, towlower comparison skipped\n");
        return;
    }
    for (cp = 0; cp < 0x110000; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        if (rb_wordchar_lower(cp) != (uint32_t)towlower((wint_t)cp)) {
            if (mismatches++ < 5)
                fprintf(stderr, "U+%04X: ours U+%04X, towlower U+%04X\n",
                        (unsigned)cp, (unsigned)rb_wordchar_lower(cp),
                        (unsigned)towlower((wint_t)cp));
        }
    }
    CHECK_EQ_INT(mismatches, 0);
    setlocale(LC_CTYPE, "C");
}

static void test_unicode_classification(void)
{
    CHECK(rb_wordchar_is_word('a'));
    CHECK(rb_wordchar_is_word('Z'));
    CHECK(rb_wordchar_is_word('7'));
    CHECK(!rb_wordchar_is_word('_'));
    CHECK(!rb_wordchar_is_word(' '));
    CHECK(rb_wordchar_is_word(0x00E9));    /* é */
    CHECK(rb_wordchar_is_word(0x0301));    /* combining acute */
    CHECK(rb_wordchar_is_word(0x4E00));    /* CJK ideograph */
    CHECK(rb_wordchar_is_word(0x0663));    /* Arabic-Indic three */
    CHECK(rb_wordchar_is_word(0x1D400));   /* mathematical bold A */
    CHECK(!rb_wordchar_is_word(0x00A0));   /* no-break space */
    CHECK(!rb_wordchar_is_word(0x3001));   /* ideographic comma */
    CHECK(!rb_wordchar_is_word(0xFFFD));   /* replacement character */
    CHECK(!rb_wordchar_is_word(0x1F600));  /* emoji */
    CHECK_EQ_INT(rb_wordchar_lower(0x0130), 0x69);
    CHECK_EQ_INT(rb_wordchar_lower(0x03A3), 0x03C3);
    CHECK_EQ_INT(rb_wordchar_lower(0x0401), 0x0451);
    CHECK_EQ_INT(rb_wordchar_lower(0x10400), 0x10428);  /* Deseret */
    CHECK_EQ_INT(rb_wordchar_lower(0x00DF), 0x00DF);    /* ß has none */
    CHECK_EQ_INT(rb_wordchar_lower(0x0101), 0x0101);    /* already lower */
}

static void test_malformed_utf8_is_replaced_and_counted(void)
{
    rb_analyzer_config cfg = plain_config();
    const char trunc[] = "ab\xc3\xa9";

    /* A stray continuation byte, an invalid byte, an overlong encoding
     * and an encoded surrogate: each separates and counts once. */
    CHECK_EQ_INT(EXPECT(&cfg, 0, "ab\x80" "cd", "ab cd"), 1);
    CHECK_EQ_INT(EXPECT(&cfg, 0, "ab\xff" "cd\xfe", "ab cd"), 2);
    CHECK_EQ_INT(EXPECT(&cfg, 0, "x\xc0\xafy", "x y"), 1);
    CHECK_EQ_INT(EXPECT(&cfg, 0, "x\xed\xa0\x80y", "x y"), 1);
    /* A sequence cut off by the end of the text is never read past. */
    CHECK_EQ_INT(analyze_expect(&cfg, 0, trunc, 3, "ab", __LINE__), 1);
    CHECK_EQ_INT(EXPECT(&cfg, 0, "ok\xe2\x82", "ok"), 1);
    CHECK_EQ_INT(EXPECT(&cfg, 0, "fine", "fine"), 0);
}

static void test_default_stop_words_are_the_short_list(void)
{
    rb_analyzer_config cfg = plain_config();

    strcpy(cfg.stopwords, "english");
    EXPECT(&cfg, 0, "The wing of a plane and its WAKE is not there",
           "wing plane its wake");
    EXPECT(&cfg, 0, "what is it that they have been doing",
           "what have been doing");
}

static void test_full_stop_list_removes_more(void)
{
    rb_analyzer_config cfg = plain_config();

    strcpy(cfg.stopwords, "english-full");
    EXPECT(&cfg, 0, "The wing of a plane and its WAKE",
           "wing plane wake");
    EXPECT(&cfg, 0, "what is it that they have been doing", "");
    /* Contraction remains are stop words. */
    EXPECT(&cfg, 0, "don't stop", "stop");
    /* Stop words match case-insensitively even when case is kept. */
    cfg.lowercase = 0;
    EXPECT(&cfg, 0, "The Wing OF", "Wing");
}

static void test_short_words_are_dropped_by_default(void)
{
    rb_analyzer_config cfg;

    rb_analyzer_config_default(&cfg);
    strcpy(cfg.stemmer, "none");
    CHECK_EQ_INT(cfg.min_length, 2);
    /* Length counts code points, not bytes. */
    EXPECT(&cfg, 0, "x y2 3 é éé 東 東京 i", "y2 éé 東京");
    cfg.min_length = 3;
    EXPECT(&cfg, 0, "ab abc abcd", "abc abcd");
}

static void test_english_snowball_stemming(void)
{
    rb_analyzer_config cfg;

    rb_analyzer_config_default(&cfg);
    EXPECT(&cfg, 0, "running flies connections generously",
           "run fli connect generous");
    EXPECT(&cfg, 0, "Aerodynamics of the wings in slipstreams",
           "aerodynam wing slipstream");
    /* NO_STEM keeps splitting, lowercasing and stop words. */
    EXPECT(&cfg, RB_ANALYZE_NO_STEM, "The Running flies",
           "running flies");
}

static void test_other_snowball_languages(void)
{
    rb_analyzer_config cfg = plain_config();

    strcpy(cfg.stemmer, "french");
    EXPECT(&cfg, 0, "continuellement chevaux", "continuel cheval");
    strcpy(cfg.stemmer, "russian");
    EXPECT(&cfg, 0, "КНИГАМИ", "книг");
    strcpy(cfg.stemmer, "german");
    EXPECT(&cfg, 0, "Häuser", "haus");
}

static void test_long_words_are_cut_at_255_bytes(void)
{
    rb_analyzer_config cfg = plain_config();
    rb_error err = {0};
    rb_analyzer *a = rb_analyzer_new(&cfg, &err);
    rb_analysis *an = rb_analysis_new(a, &err);
    const char *const *terms;
    size_t n = 0, bad = 0;
    char text[1001];
    char greek[301];
    int i;

    memset(text, 'a', 1000);
    text[1000] = '\0';
    CHECK_EQ_INT(rb_analyze(an, text, 1000, 0, &terms, &n, &bad), 0);
    CHECK_EQ_INT(n, 4);
    if (n == 4) {
        CHECK_EQ_INT(strlen(terms[0]), 255);
        CHECK_EQ_INT(strlen(terms[2]), 255);
        CHECK_EQ_INT(strlen(terms[3]), 1000 - 3 * 255);
    }
    /* Two-byte letters: pieces end on a code point boundary (254). */
    for (i = 0; i < 150; i++)
        memcpy(greek + 2 * i, "\xce\xb1", 2);
    greek[300] = '\0';
    CHECK_EQ_INT(rb_analyze(an, greek, 300, 0, &terms, &n, &bad), 0);
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_EQ_INT(strlen(terms[0]), 254);
        CHECK_EQ_INT(strlen(terms[1]), 46);
    }
    CHECK_EQ_INT(bad, 0);
    rb_analysis_free(an);
    rb_analyzer_free(a);
}

static void test_stem_cache_changes_nothing(void)
{
    rb_analyzer_config cfg;
    rb_error err = {0};
    rb_analyzer *a;
    rb_analysis *plain, *cached;
    char text[20000];
    size_t len = 0, n1, n2, i;
    const char *const *t1, *const *t2;
    char *first;
    int w;

    rb_analyzer_config_default(&cfg);
    a = rb_analyzer_new(&cfg, &err);
    plain = rb_analysis_new(a, &err);
    cached = rb_analysis_new(a, &err);
    /* a tiny cache, emptied again and again */
    CHECK_EQ_INT(rb_analysis_cache_stems(cached, 4), 0);
    for (w = 0; w < 1500; w++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s ",
                                (const char *[]){"running", "The", "flies",
                                                 "Connections", "wing",
                                                 "generously", "of",
                                                 "x"}[w * 7 % 8]);
    CHECK_EQ_INT(rb_analyze(plain, text, len, 0, &t1, &n1, NULL), 0);
    /* join the uncached terms before the next call reuses the buffers */
    first = rb_malloc(len + 1);
    first[0] = '\0';
    for (i = 0; i < n1; i++) {
        strcat(first, t1[i]);
        strcat(first, " ");
    }
    CHECK_EQ_INT(rb_analyze(cached, text, len, 0, &t2, &n2, NULL), 0);
    CHECK_EQ_INT(n1, n2);
    for (i = 0, len = 0; i < n2; i++) {
        size_t l = strlen(t2[i]);

        CHECK(strncmp(first + len, t2[i], l) == 0 && first[len + l] == ' ');
        len += l + 1;
    }
    CHECK(n1 > 900);
    rb_free(first);
    rb_analysis_free(plain);
    rb_analysis_free(cached);
    rb_analyzer_free(a);
}

static void test_config_from_json(void)
{
    rb_analyzer_config cfg;
    rb_error err = {0};
    json_t *obj;

    rb_analyzer_config_default(&cfg);
    obj = json_pack("{s:b, s:s, s:s, s:i}", "lowercase", 0, "stopwords",
                    "none", "stemmer", "porter", "min_length", 1);
    CHECK_EQ_INT(rb_analyzer_config_from_json(obj, &cfg, &err), 0);
    CHECK_EQ_INT(cfg.min_length, 1);
    CHECK_EQ_INT(cfg.lowercase, 0);
    CHECK_STR(cfg.stopwords, "none");
    CHECK_STR(cfg.stemmer, "porter");
    json_decref(obj);

    obj = json_pack("{s:s}", "stemmer", "klingon");
    CHECK_EQ_INT(rb_analyzer_config_from_json(obj, &cfg, &err), -1);
    CHECK(strstr(err.msg, "\"klingon\"") != NULL);
    CHECK(strstr(err.msg, "english") != NULL);
    json_decref(obj);

    rb_error_clear(&err);
    obj = json_pack("{s:i}", "lower", 1);
    CHECK_EQ_INT(rb_analyzer_config_from_json(obj, &cfg, &err), -1);
    CHECK(strstr(err.msg, "unknown key \"lower\"") != NULL);
    json_decref(obj);

    rb_error_clear(&err);
    obj = json_pack("{s:s}", "stopwords", "latin");
    CHECK_EQ_INT(rb_analyzer_config_from_json(obj, &cfg, &err), -1);
    CHECK(strstr(err.msg, "\"latin\"") != NULL);
    json_decref(obj);

    rb_error_clear(&err);
    obj = json_pack("{s:i}", "min_length", 0);
    CHECK_EQ_INT(rb_analyzer_config_from_json(obj, &cfg, &err), -1);
    CHECK(strstr(err.msg, "min_length") != NULL);
    json_decref(obj);

    rb_error_clear(&err);
    obj = json_pack("{s:i}", "lowercase", 1);
    CHECK_EQ_INT(rb_analyzer_config_from_json(obj, &cfg, &err), -1);
    CHECK(strstr(err.msg, "true or false") != NULL);
    json_decref(obj);
}

static void test_describe_and_fingerprint(void)
{
    rb_analyzer_config cfg;
    rb_error err = {0};
    rb_analyzer *a, *b;
    json_t *desc;
    char fa[65], fb[65], fa2[65];

    rb_analyzer_config_default(&cfg);
    a = rb_analyzer_new(&cfg, &err);
    desc = rb_analyzer_describe(a);
    CHECK(json_is_true(json_object_get(desc, "lowercase")));
    CHECK_STR(json_string_value(json_object_get(desc, "stopwords")),
              "english");
    CHECK_STR(json_string_value(json_object_get(desc, "stemmer")),
              "english");
    CHECK_STR(json_string_value(json_object_get(desc, "unicode")),
              rb_wordchar_unicode_version());
    CHECK_EQ_INT(json_integer_value(json_object_get(desc, "min_length")),
                 2);
    json_decref(desc);

    strcpy(cfg.stemmer, "none");
    b = rb_analyzer_new(&cfg, &err);
    CHECK_EQ_INT(rb_analyzer_fingerprint(a, fa), 0);
    CHECK_EQ_INT(rb_analyzer_fingerprint(a, fa2), 0);
    CHECK_EQ_INT(rb_analyzer_fingerprint(b, fb), 0);
    CHECK_EQ_INT(strlen(fa), 64);
    CHECK_STR(fa, fa2);
    CHECK(strcmp(fa, fb) != 0);
    rb_analyzer_free(a);
    rb_analyzer_free(b);

    /* An unknown language is refused at creation too. */
    strcpy(cfg.stemmer, "klingon");
    CHECK(rb_analyzer_new(&cfg, &err) == NULL);
}

static void test_allocation_failures_end_cleanly(void)
{
    rb_analyzer_config cfg;
    long n;

    rb_analyzer_config_default(&cfg);
    for (n = 1; n < 40; n++) {
        rb_error err = {0};
        rb_analyzer *a;
        rb_analysis *an = NULL;
        const char *const *terms;
        size_t nt;
        int rc = -1;

        rb_mem_fail_after(n);
        a = rb_analyzer_new(&cfg, &err);
        if (a)
            an = rb_analysis_new(a, &err);
        if (an)
            rc = rb_analyze(an, "many words to analyze here", 26, 0,
                            &terms, &nt, NULL);
        rb_mem_fail_after(0);
        CHECK(rc == 0 || rc == -1);
        if (!a || !an)
            CHECK(err.set);
        rb_analysis_free(an);
        rb_analyzer_free(a);
    }
}

int main(void)
{
    RUN_TEST(test_ascii_words_split_on_punctuation);
    RUN_TEST(test_unicode_letters_and_digits_form_words);
    RUN_TEST(test_lowercasing_latin_greek_cyrillic);
    RUN_TEST(test_lowercase_agrees_with_glibc_towlower);
    RUN_TEST(test_unicode_classification);
    RUN_TEST(test_malformed_utf8_is_replaced_and_counted);
    RUN_TEST(test_default_stop_words_are_the_short_list);
    RUN_TEST(test_full_stop_list_removes_more);
    RUN_TEST(test_short_words_are_dropped_by_default);
    RUN_TEST(test_english_snowball_stemming);
    RUN_TEST(test_other_snowball_languages);
    RUN_TEST(test_long_words_are_cut_at_255_bytes);
    RUN_TEST(test_stem_cache_changes_nothing);
    RUN_TEST(test_config_from_json);
    RUN_TEST(test_describe_and_fingerprint);
    RUN_TEST(test_allocation_failures_end_cleanly);
    return check_report();
}
