/* WordPiece on small vocabularies written by the test: the loader and the
 * matching rules. */

#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "text/wordpiece.h"

static char tmpdir[] = "/tmp/rb-wordpiece-XXXXXX";

static const char *write_vocab(const char *name, const char *body)
{
    static char path[256];
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    fp = fopen(path, "w");
    if (!fp)
        return NULL;
    fputs(body, fp);
    fclose(fp);
    return path;
}

#define BASE_VOCAB \
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n" \
    "un\n##aff\n##able\naff\nable\n##a\na\nb\n##b\n,\n!\nhello\nworld\n"

static rb_wordpiece *load(const char *body, int lowercase)
{
    rb_wordpiece_options opt;
    rb_error err = {0};
    rb_wordpiece *wp;

    rb_wordpiece_options_default(&opt);
    opt.lowercase = lowercase;
    wp = rb_wordpiece_load(write_vocab("vocab.txt", body), &opt, &err);
    if (!wp)
        fprintf(stderr, "load: %s\n", err.msg);
    return wp;
}

/* Tokenize and compare with a space-separated list of expected tokens. */
static int pieces_are(const rb_wordpiece *wp, const char *text,
                      const char *expected)
{
    rb_wordpiece_scratch *s = rb_wordpiece_scratch_new();
    rb_ids ids = RB_IDS_INIT;
    rb_error err = {0};
    char got[1024] = "";
    size_t i;
    int ok;

    if (!s || rb_wordpiece_tokenize(wp, s, text, strlen(text), SIZE_MAX,
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
    rb_wordpiece_scratch_free(s);
    return ok;
}

static void test_ids_are_line_numbers(void)
{
    rb_wordpiece *wp = load(BASE_VOCAB, 1);

    CHECK(wp != NULL);
    if (!wp)
        return;
    CHECK_EQ_INT(rb_wordpiece_vocab_size(wp), 18);
    CHECK_EQ_INT(rb_wordpiece_pad_id(wp), 0);
    CHECK_EQ_INT(rb_wordpiece_unk_id(wp), 1);
    CHECK_EQ_INT(rb_wordpiece_cls_id(wp), 2);
    CHECK_EQ_INT(rb_wordpiece_sep_id(wp), 3);
    CHECK_EQ_INT(rb_wordpiece_mask_id(wp), 4);
    CHECK_EQ_INT(rb_wordpiece_id(wp, "##aff", 5), 6);
    CHECK_EQ_INT(rb_wordpiece_id(wp, "zzz", 3), -1);
    CHECK_STR(rb_wordpiece_token(wp, 16), "hello");
    CHECK(rb_wordpiece_token(wp, 18) == NULL);
    rb_wordpiece_free(wp);
}

static void test_longest_match_first(void)
{
    rb_wordpiece *wp = load(BASE_VOCAB, 1);

    if (!wp) {
        CHECK(0);
        return;
    }
    /* "unaffable": un + ##aff + ##able, never "un" + "##a" + ... */
    CHECK(pieces_are(wp, "unaffable", "un ##aff ##able"));
    CHECK(pieces_are(wp, "aab", "a ##a ##b"));
    /* An unmatched remainder makes the whole word unknown. */
    CHECK(pieces_are(wp, "unaffablex", "[UNK]"));
    CHECK(pieces_are(wp, "Hello, WORLD!", "hello , world !"));
    CHECK(pieces_are(wp, "", ""));
    CHECK(pieces_are(wp, " \t\n ", ""));
    rb_wordpiece_free(wp);
}

static void test_cased_vocabulary_keeps_case(void)
{
    rb_wordpiece *wp = load(BASE_VOCAB "Hello\n", 0);

    if (!wp) {
        CHECK(0);
        return;
    }
    CHECK(pieces_are(wp, "Hello hello HELLO", "Hello hello [UNK]"));
    rb_wordpiece_free(wp);
}

static void test_word_length_limit_counts_code_points(void)
{
    rb_wordpiece *wp = load(BASE_VOCAB, 1);
    char text[512];
    size_t i;

    if (!wp) {
        CHECK(0);
        return;
    }
    /* 100 characters are matched; 101 are unknown without matching. */
    for (i = 0; i < 100; i++)
        text[i] = 'a';
    text[100] = '\0';
    {
        rb_wordpiece_scratch *s = rb_wordpiece_scratch_new();
        rb_ids ids = RB_IDS_INIT;
        rb_error err = {0};

        CHECK(rb_wordpiece_tokenize(wp, s, text, 100, SIZE_MAX, &ids,
                                    &err) == 0);
        CHECK_EQ_INT(ids.n, 100);
        ids.n = 0;
        text[100] = 'a';
        CHECK(rb_wordpiece_tokenize(wp, s, text, 101, SIZE_MAX, &ids,
                                    &err) == 0);
        CHECK_EQ_INT(ids.n, 1);
        CHECK_EQ_INT(ids.v[0], rb_wordpiece_unk_id(wp));
        rb_ids_release(&ids);
        rb_wordpiece_scratch_free(s);
    }
    /* 100 two-byte characters are still 100 characters. */
    {
        rb_wordpiece *wp2 = load(BASE_VOCAB "\xc3\xa9\n##\xc3\xa9\n", 0);

        for (i = 0; i < 100; i++) {
            text[2 * i] = (char)0xc3;
            text[2 * i + 1] = (char)0xa9;
        }
        text[200] = '\0';
        CHECK(wp2 != NULL);
        if (wp2) {
            rb_wordpiece_scratch *s = rb_wordpiece_scratch_new();
            rb_ids ids = RB_IDS_INIT;
            rb_error err = {0};

            CHECK(rb_wordpiece_tokenize(wp2, s, text, 200, SIZE_MAX, &ids,
                                        &err) == 0);
            CHECK_EQ_INT(ids.n, 100);
            rb_ids_release(&ids);
            rb_wordpiece_scratch_free(s);
            rb_wordpiece_free(wp2);
        }
    }
    rb_wordpiece_free(wp);
}

static void test_repeated_token_keeps_last_line(void)
{
    rb_wordpiece *wp = load(BASE_VOCAB "hello\n", 1);

    if (!wp) {
        CHECK(0);
        return;
    }
    CHECK_EQ_INT(rb_wordpiece_vocab_size(wp), 19);
    CHECK_EQ_INT(rb_wordpiece_id(wp, "hello", 5), 18);
    CHECK_STR(rb_wordpiece_token(wp, 16), "hello");
    rb_wordpiece_free(wp);
}

static void test_encode_adds_markers_and_truncates(void)
{
    rb_wordpiece *wp = load(BASE_VOCAB, 1);
    rb_wordpiece_scratch *s = rb_wordpiece_scratch_new();
    rb_ids ids = RB_IDS_INIT;
    rb_error err = {0};

    if (!wp || !s) {
        CHECK(0);
        return;
    }
    CHECK(rb_wordpiece_encode(wp, s, "hello world hello", 17, 4, &ids,
                              &err) == 0);
    CHECK_EQ_INT(ids.n, 4);
    CHECK_EQ_INT(ids.v[0], 2);
    CHECK_EQ_INT(ids.v[1], 16);
    CHECK_EQ_INT(ids.v[2], 17);
    CHECK_EQ_INT(ids.v[3], 3);
    /* Truncation may cut a word between its pieces, as BERT does. */
    ids.n = 0;
    CHECK(rb_wordpiece_encode(wp, s, "unaffable", 9, 4, &ids, &err) == 0);
    CHECK_EQ_INT(ids.n, 4);
    CHECK_EQ_INT(ids.v[1], 5);
    CHECK_EQ_INT(ids.v[2], 6);
    CHECK_EQ_INT(ids.v[3], 3);
    ids.n = 0;
    CHECK(rb_wordpiece_encode(wp, s, "", 0, 2, &ids, &err) == 0);
    CHECK_EQ_INT(ids.n, 2);
    CHECK(rb_wordpiece_encode(wp, s, "a", 1, 1, &ids, &err) == -1);
    CHECK(strstr(err.msg, "below 2") != NULL);
    rb_ids_release(&ids);
    rb_wordpiece_scratch_free(s);
    rb_wordpiece_free(wp);
}

static void test_special_tokens_in_text_stay_whole(void)
{
    rb_wordpiece *wp = load(BASE_VOCAB, 1);

    if (!wp) {
        CHECK(0);
        return;
    }
    CHECK(pieces_are(wp, "hello [MASK]!", "hello [MASK] !"));
    CHECK(pieces_are(wp, "a[SEP]b", "a [SEP] b"));
    rb_wordpiece_free(wp);
}

static void test_load_errors_name_the_file(void)
{
    rb_wordpiece_options opt;
    rb_error err = {0};
    const char *path;

    rb_wordpiece_options_default(&opt);
    path = write_vocab("empty.txt", "");
    CHECK(rb_wordpiece_load(path, &opt, &err) == NULL);
    CHECK(strstr(err.msg, "empty.txt: the vocabulary is empty") != NULL);

    rb_error_clear(&err);
    path = write_vocab("nounk.txt", "[PAD]\n[CLS]\n[SEP]\nhello\n");
    CHECK(rb_wordpiece_load(path, &opt, &err) == NULL);
    CHECK(strstr(err.msg, "nounk.txt: the unknown token \"[UNK]\" is not "
                 "in the vocabulary") != NULL);

    rb_error_clear(&err);
    CHECK(rb_wordpiece_load("/nonexistent/vocab.txt", &opt, &err) == NULL);
    CHECK(strstr(err.msg, "/nonexistent/vocab.txt") != NULL);

    /* Without a mask token the vocabulary is still usable. */
    rb_error_clear(&err);
    path = write_vocab("nomask.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
    {
        rb_wordpiece *wp = rb_wordpiece_load(path, &opt, &err);

        CHECK(wp != NULL);
        if (wp)
            CHECK_EQ_INT(rb_wordpiece_mask_id(wp), -1);
        rb_wordpiece_free(wp);
    }
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_ids_are_line_numbers);
    RUN_TEST(test_longest_match_first);
    RUN_TEST(test_cased_vocabulary_keeps_case);
    RUN_TEST(test_word_length_limit_counts_code_points);
    RUN_TEST(test_repeated_token_keeps_last_line);
    RUN_TEST(test_encode_adds_markers_and_truncates);
    RUN_TEST(test_special_tokens_in_text_stay_whole);
    RUN_TEST(test_load_errors_name_the_file);
    {
        char cmd[300];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return check_report();
}
