/* WordPiece on the real uncased BERT vocabulary (../shared): each case's
 * pieces follow from BERT's rules, worked out by hand against the
 * vocabulary file. */

#include <stdint.h>

#include "check.h"
#include "text/wordpiece.h"

static rb_wordpiece *wp;
static rb_wordpiece_scratch *scratch;

static int pieces_are(const char *text, const char *expected)
{
    rb_ids ids = RB_IDS_INIT;
    rb_error err = {0};
    char got[2048] = "";
    size_t i;
    int ok;

    if (rb_wordpiece_tokenize(wp, scratch, text, strlen(text), SIZE_MAX,
                              &ids, &err) < 0)
        return 0;
    for (i = 0; i < ids.n; i++) {
        if (i)
            strcat(got, " ");
        strcat(got, rb_wordpiece_token(wp, ids.v[i]));
    }
    ok = strcmp(got, expected) == 0;
    if (!ok)
        fprintf(stderr, "\"%s\" gave \"%s\", expected \"%s\"\n", text, got,
                expected);
    rb_ids_release(&ids);
    return ok;
}

static void test_special_token_ids(void)
{
    CHECK_EQ_INT(rb_wordpiece_vocab_size(wp), 30522);
    CHECK_EQ_INT(rb_wordpiece_pad_id(wp), 0);
    CHECK_EQ_INT(rb_wordpiece_unk_id(wp), 100);
    CHECK_EQ_INT(rb_wordpiece_cls_id(wp), 101);
    CHECK_EQ_INT(rb_wordpiece_sep_id(wp), 102);
    CHECK_EQ_INT(rb_wordpiece_mask_id(wp), 103);
}

static void test_encode_gives_bert_ids(void)
{
    static const int32_t expected[] = {101, 7592, 1010, 2088, 999, 102};
    rb_ids ids = RB_IDS_INIT;
    rb_error err = {0};
    size_t i;

    CHECK(rb_wordpiece_encode(wp, scratch, "Hello, World!", 13, 512, &ids,
                              &err) == 0);
    CHECK_EQ_INT(ids.n, 6);
    for (i = 0; i < ids.n && i < 6; i++)
        CHECK_EQ_INT(ids.v[i], expected[i]);
    rb_ids_release(&ids);
}

static void test_lowercase_and_accents(void)
{
    CHECK(pieces_are("Caf\xc3\xa9 na\xc3\xafve \xc3\x9c" "ber",
                     "cafe naive uber"));
    CHECK(pieces_are("r\xc3\xa9sum\xc3\xa9", "resume"));
    /* A decomposed accent (e + U+0301) is stripped the same way. */
    CHECK(pieces_are("e\xcc\x81", "e"));
    /* Angstrom: A with ring above decomposes, the ring is dropped. */
    CHECK(pieces_are("\xc3\x85ngstr\xc3\xb6m", "ang ##strom"));
    /* Dotted capital I lowercases to i + U+0307, which is stripped. */
    CHECK(pieces_are("\xc4\xb0stanbul", "istanbul"));
    /* Capital sigma lowercases to plain sigma, final or not. */
    CHECK(pieces_are("\xce\x9f\xce\x94\xce\x9f\xce\xa3",
                     "\xce\xbf ##\xce\xb4 ##\xce\xbf ##\xcf\x83"));
    /* Spanish marks are punctuation of their own. */
    CHECK(pieces_are("\xc2\xbfqu\xc3\xa9?", "\xc2\xbf que ?"));
}

static void test_cjk_and_other_scripts(void)
{
    /* Ideographs stand apart; kana do not. */
    CHECK(pieces_are("\xe4\xb8\xad\xe5\x9b\xbd\xe4\xba\xba",
                     "\xe4\xb8\xad \xe5\x9b\xbd \xe4\xba\xba"));
    CHECK(pieces_are("\xe6\x9d\xb1\xe4\xba\xac" "tokyo",
                     "\xe6\x9d\xb1 \xe4\xba\xac tokyo"));
    CHECK(pieces_are("\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1"
                     "\xe3\x81\xaf",
                     "\xe3\x81\x93 ##\xe3\x82\x93 ##\xe3\x81\xab "
                     "##\xe3\x81\xa1 ##\xe3\x81\xaf"));
    /* Hangul syllables decompose into jamo. */
    CHECK(pieces_are("\xed\x95\x9c\xea\xb5\xad",
                     "\xe1\x84\x92 ##\xe1\x85\xa1 ##\xe1\x86\xab "
                     "##\xe1\x84\x80 ##\xe1\x85\xae ##\xe1\x86\xa8"));
}

static void test_punctuation_and_numbers(void)
{
    /* Each punctuation character is a word, so "..." is three dots. */
    CHECK(pieces_are("a-b...c", "a - b . . . c"));
    CHECK(pieces_are("don't", "don ' t"));
    CHECK(pieces_are("$3.50", "$ 3 . 50"));
    CHECK(pieces_are("1234", "123 ##4"));
    CHECK(pieces_are("3.14159", "3 . 141 ##59"));
    CHECK(pieces_are("2024-01-15", "202 ##4 - 01 - 15"));
    CHECK(pieces_are("unaffable", "una ##ffa ##ble"));
    CHECK(pieces_are("tokenization", "token ##ization"));
}

static void test_emoji_and_symbols(void)
{
    /* Emoji are not punctuation: alone they are unknown, inside a word
     * they make the whole word unknown. */
    CHECK(pieces_are("hello \xf0\x9f\x98\x80", "hello [UNK]"));
    CHECK(pieces_are("hello\xf0\x9f\x98\x80world", "[UNK]"));
    /* Compatibility characters are not decomposed (NFD only). */
    CHECK(pieces_are("\xef\xac\x81", "\xef\xac\x81"));
    CHECK(pieces_are("\xe2\x91\xa0", "[UNK]"));
}

static void test_control_and_space_characters(void)
{
    CHECK(pieces_are("hel\x01lo", "hello"));
    CHECK(pieces_are("a\xe2\x80\x8b" "b", "ab"));   /* zero-width space */
    CHECK(pieces_are("x\xc2\xa0y", "x y"));          /* no-break space */
    CHECK(pieces_are("x\xe2\x80\xa8y", "x y"));      /* line separator */
    CHECK(pieces_are("x\ty\r\nz", "x y z"));
    /* Malformed UTF-8 decodes to U+FFFD, which is removed. */
    CHECK(pieces_are("hel\xff" "lo", "hello"));
    CHECK(pieces_are("hel\xe2\x82" "lo", "hello"));   /* truncated */
}

static void test_special_tokens_in_text(void)
{
    CHECK(pieces_are("the capital of france is [MASK].",
                     "the capital of france is [MASK] ."));
    CHECK(pieces_are("foo[MASK]bar", "foo [MASK] bar"));
    CHECK(pieces_are("[CLS][SEP]", "[CLS] [SEP]"));
    /* Matching is case-sensitive, before lowercasing. */
    CHECK(pieces_are("[mask]", "[ mask ]"));
}

static void test_over_long_words(void)
{
    char text[256];

    memset(text, 'a', 101);
    text[101] = '\0';
    CHECK(pieces_are(text, "[UNK]"));
    memcpy(text + 101, " hello", 7);
    CHECK(pieces_are(text, "[UNK] hello"));
    /* 100 characters are still matched: "aaa", then "##aa" pieces. */
    {
        char expected[512] = "aaa";
        int i;

        for (i = 0; i < 48; i++)
            strcat(expected, " ##aa");
        strcat(expected, " ##a");
        text[100] = '\0';
        CHECK(pieces_are(text, expected));
    }
}

static void test_truncation_at_max_length(void)
{
    char text[8192] = "";
    rb_ids ids = RB_IDS_INIT;
    rb_error err = {0};
    int i;

    for (i = 0; i < 600; i++)
        strcat(text, "world ");
    CHECK(rb_wordpiece_encode(wp, scratch, text, strlen(text), 128, &ids,
                              &err) == 0);
    CHECK_EQ_INT(ids.n, 128);
    CHECK_EQ_INT(ids.v[0], 101);
    CHECK_EQ_INT(ids.v[1], 2088);
    CHECK_EQ_INT(ids.v[126], 2088);
    CHECK_EQ_INT(ids.v[127], 102);
    /* Truncation cuts between the pieces of a word. */
    ids.n = 0;
    CHECK(rb_wordpiece_encode(wp, scratch, "hello tokenization", 18, 4,
                              &ids, &err) == 0);
    CHECK_EQ_INT(ids.n, 4);
    CHECK_EQ_INT(ids.v[1], 7592);
    CHECK_EQ_INT(ids.v[2], 19204);
    CHECK_EQ_INT(ids.v[3], 102);
    rb_ids_release(&ids);
}

int main(void)
{
    char path[1024];
    rb_wordpiece_options opt;
    rb_error err = {0};
    FILE *fp;

    snprintf(path, sizeof path, "%s/models/bert-base-uncased-vocab/"
             "vocab.txt", RB_SHARED_DIR);
    fp = fopen(path, "r");
    if (!fp)
        CHECK_SKIP("the BERT vocabulary in ../shared is absent");
    fclose(fp);
    rb_wordpiece_options_default(&opt);
    wp = rb_wordpiece_load(path, &opt, &err);
    scratch = rb_wordpiece_scratch_new();
    if (!wp || !scratch) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    RUN_TEST(test_special_token_ids);
    RUN_TEST(test_encode_gives_bert_ids);
    RUN_TEST(test_lowercase_and_accents);
    RUN_TEST(test_cjk_and_other_scripts);
    RUN_TEST(test_punctuation_and_numbers);
    RUN_TEST(test_emoji_and_symbols);
    RUN_TEST(test_control_and_space_characters);
    RUN_TEST(test_special_tokens_in_text);
    RUN_TEST(test_over_long_words);
    RUN_TEST(test_truncation_at_max_length);
    rb_wordpiece_scratch_free(scratch);
    rb_wordpiece_free(wp);
    return check_report();
}
