/* fuzz-needs: src/text/wordpiece.c */
/* Fuzz the WordPiece tokenizer. The first byte picks the mode (it is not
 * part of the input): the input is a vocab.txt, then fixed texts are
 * tokenized with it; or the input is text, tokenized with a fixed
 * vocabulary, lowercased or not. Every id produced names a token of the
 * vocabulary, and encoding respects its length limit. */

#include <stdint.h>

#include "fuzz_util.h"
#include "text/wordpiece.h"

static const char vocab_text[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nsolar\nwind\n##s\n##ing\n"
    "un\n##aff\n##able\ncafe\ncaf\n##e\n\xe4\xb8\xad\n\xe6\x96\x87\n"
    ",\n.\n!\n?\n'\n-\na\nb\nc\n##a\n##b\n##c\n";
static const char *const sample_texts[] = {
    "The solar winds", "unaffable Caf\xc3\xa9!", "\xe4\xb8\xad\xe6\x96\x87 x",
    "", "   \t\n", "a-b,c.", "\xff\xfe broken utf-8 \xc3",
};
static rb_wordpiece *fixed[2];
static rb_wordpiece_scratch *scratch;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    rb_wordpiece_options opt;
    rb_error err = {0};
    const char *path = fuzz_write("fixed-vocab.txt", vocab_text,
                                  sizeof vocab_text - 1);
    int lower;

    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    for (lower = 0; lower < 2; lower++) {
        rb_wordpiece_options_default(&opt);
        opt.lowercase = lower;
        fixed[lower] = rb_wordpiece_load(path, &opt, &err);
        FUZZ_ASSERT(fixed[lower] != NULL);
    }
    scratch = rb_wordpiece_scratch_new();
    FUZZ_ASSERT(scratch != NULL);
    return 0;
}

static void check_text(const rb_wordpiece *wp, const char *text, size_t len)
{
    rb_ids ids = RB_IDS_INIT;
    rb_error err = {0};
    size_t i, vocab = rb_wordpiece_vocab_size(wp);

    FUZZ_ASSERT(rb_wordpiece_tokenize(wp, scratch, text, len, SIZE_MAX,
                                      &ids, &err) == 0);
    for (i = 0; i < ids.n; i++) {
        FUZZ_ASSERT(ids.v[i] >= 0 && (size_t)ids.v[i] < vocab);
        FUZZ_ASSERT(rb_wordpiece_token(wp, ids.v[i]) != NULL);
    }
    ids.n = 0;
    FUZZ_ASSERT(rb_wordpiece_encode(wp, scratch, text, len, 8, &ids,
                                    &err) == 0);
    FUZZ_ASSERT(ids.n >= 2 && ids.n <= 8);
    FUZZ_ASSERT(ids.v[0] == rb_wordpiece_cls_id(wp));
    FUZZ_ASSERT(ids.v[ids.n - 1] == rb_wordpiece_sep_id(wp));
    rb_ids_release(&ids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned mode = size ? data[0] : 0;
    size_t i;

    if (size) {
        data++;
        size--;
    }
    if (mode & 1) {
        check_text(fixed[(mode >> 1) & 1], (const char *)data, size);
    } else {
        const char *path = fuzz_write("vocab.txt", data, size);
        rb_wordpiece_options opt;
        rb_error err = {0};
        rb_wordpiece *wp;

        rb_wordpiece_options_default(&opt);
        opt.lowercase = (mode >> 1) & 1;
        opt.split_cjk = !((mode >> 2) & 1);
        wp = rb_wordpiece_load(path, &opt, &err);
        if (!wp) {
            FUZZ_ASSERT(err.set && err.msg[0] != '\0');
            return 0;
        }
        FUZZ_ASSERT(rb_wordpiece_vocab_size(wp) > 0);
        for (i = 0; i < sizeof sample_texts / sizeof sample_texts[0]; i++)
            check_text(wp, sample_texts[i], strlen(sample_texts[i]));
        rb_wordpiece_free(wp);
    }
    return 0;
}
