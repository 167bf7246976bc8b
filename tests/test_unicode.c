/* The generated Unicode tables: categories, lowercasing, decompositions. */

#include "check.h"
#include "text/unicode.h"

static void test_categories_of_sample_characters(void)
{
    CHECK_EQ_INT(rb_unicode_flags('a'), RB_UC_WORD);
    CHECK_EQ_INT(rb_unicode_flags(0x0660), RB_UC_WORD);     /* Arabic 0 */
    CHECK_EQ_INT(rb_unicode_flags(','), RB_UC_PUNCT);
    CHECK_EQ_INT(rb_unicode_flags('$'), 0);              /* Sc, not P */
    CHECK_EQ_INT(rb_unicode_flags(' '), RB_UC_SPACE_SEP | RB_UC_PY_SPACE);
    CHECK_EQ_INT(rb_unicode_flags(0x00A0), RB_UC_SPACE_SEP | RB_UC_PY_SPACE);
    CHECK_EQ_INT(rb_unicode_flags('\n'), RB_UC_CONTROL | RB_UC_PY_SPACE);
    CHECK_EQ_INT(rb_unicode_flags(0x0301),
                 RB_UC_MARK_NONSPACING | RB_UC_WORD);
    CHECK_EQ_INT(rb_unicode_flags(0x200B), RB_UC_CONTROL);  /* Cf */
    CHECK_EQ_INT(rb_unicode_flags(0x0378), RB_UC_CONTROL);  /* unassigned */
    CHECK_EQ_INT(rb_unicode_flags(0x2028), RB_UC_PY_SPACE); /* Zl */
    CHECK_EQ_INT(rb_unicode_flags(0x00BF), RB_UC_PUNCT);    /* ¿ */
    CHECK_EQ_INT(rb_unicode_flags(0x1F600), 0);             /* emoji, So */
    CHECK_EQ_INT(rb_unicode_flags(0xE000), RB_UC_CONTROL);  /* Co */
    CHECK_EQ_INT(rb_unicode_flags(0x10FFFF), RB_UC_CONTROL);
    CHECK_EQ_INT(rb_unicode_flags(0x110000), 0);
}

static void test_word_characters_and_simple_lowercase(void)
{
    CHECK(rb_unicode_is_word('z'));
    CHECK(rb_unicode_is_word('5'));
    CHECK(!rb_unicode_is_word('-'));
    CHECK(rb_unicode_is_word(0x4E2D));                  /* 中 */
    CHECK(rb_unicode_is_word(0x0903));                  /* Mc */
    CHECK(!rb_unicode_is_word(0x00A0));
    CHECK(!rb_unicode_is_word(0x1F600));
    CHECK(!rb_unicode_is_word(0x0378));                 /* unassigned */
    CHECK_EQ_INT(rb_unicode_lower('A'), 'a');
    CHECK_EQ_INT(rb_unicode_lower(0x0130), 'i');        /* simple: i */
    CHECK_EQ_INT(rb_unicode_lower(0x03A3), 0x03C3);
    CHECK_EQ_INT(rb_unicode_lower(0x00DF), 0x00DF);
}

static void test_lowercase_mappings(void)
{
    uint32_t out[RB_UNICODE_LOWER_MAX];

    CHECK_EQ_INT(rb_unicode_lower_full('Q', out), 1);
    CHECK_EQ_INT(out[0], 'q');
    CHECK_EQ_INT(rb_unicode_lower_full('q', out), 1);
    CHECK_EQ_INT(out[0], 'q');
    CHECK_EQ_INT(rb_unicode_lower_full(0x00C9, out), 1);        /* É */
    CHECK_EQ_INT(out[0], 0x00E9);
    CHECK_EQ_INT(rb_unicode_lower_full(0x03A3, out), 1);        /* Σ */
    CHECK_EQ_INT(out[0], 0x03C3);                          /* σ, not ς */
    /* U+0100, in a run of stride 2 */
    CHECK_EQ_INT(rb_unicode_lower_full(0x0100, out), 1);
    CHECK_EQ_INT(out[0], 0x0101);
    CHECK_EQ_INT(rb_unicode_lower_full(0x0101, out), 1);
    CHECK_EQ_INT(out[0], 0x0101);
    CHECK_EQ_INT(rb_unicode_lower_full(0x0130, out), 2);        /* İ */
    CHECK_EQ_INT(out[0], 'i');
    CHECK_EQ_INT(out[1], 0x0307);
    CHECK_EQ_INT(rb_unicode_lower_full(0x212A, out), 1);        /* Kelvin */
    CHECK_EQ_INT(out[0], 'k');
    CHECK_EQ_INT(rb_unicode_lower_full(0x10400, out), 1);       /* Deseret */
    CHECK_EQ_INT(out[0], 0x10428);
    CHECK_EQ_INT(rb_unicode_lower_full(0x4E2D, out), 1);        /* 中 */
    CHECK_EQ_INT(out[0], 0x4E2D);
}

static void test_decompositions_are_fully_expanded(void)
{
    uint32_t out[RB_UNICODE_DECOMP_MAX];

    CHECK_EQ_INT(rb_unicode_decompose('e', out), 1);
    CHECK_EQ_INT(rb_unicode_decompose(0x00E9, out), 2);    /* é */
    CHECK_EQ_INT(out[0], 'e');
    CHECK_EQ_INT(out[1], 0x0301);
    /* ṩ: s, dot below (220), dot above (230), in canonical order. */
    CHECK_EQ_INT(rb_unicode_decompose(0x1E69, out), 3);
    CHECK_EQ_INT(out[0], 's');
    CHECK_EQ_INT(out[1], 0x0323);
    CHECK_EQ_INT(out[2], 0x0307);
    CHECK_EQ_INT(rb_unicode_decompose(0x212B, out), 2);    /* Angstrom */
    CHECK_EQ_INT(out[0], 'A');
    CHECK_EQ_INT(out[1], 0x030A);
    CHECK_EQ_INT(rb_unicode_decompose(0xF900, out), 1);    /* compat CJK */
    CHECK_EQ_INT(out[0], 0x8C48);
    CHECK_EQ_INT(rb_unicode_decompose(0xFB01, out), 1);    /* ﬁ: compat */
    CHECK_EQ_INT(out[0], 0xFB01);
}

static void test_hangul_syllables_decompose_by_formula(void)
{
    uint32_t out[RB_UNICODE_DECOMP_MAX];

    CHECK_EQ_INT(rb_unicode_decompose(0xD55C, out), 3);    /* 한 */
    CHECK_EQ_INT(out[0], 0x1112);
    CHECK_EQ_INT(out[1], 0x1161);
    CHECK_EQ_INT(out[2], 0x11AB);
    CHECK_EQ_INT(rb_unicode_decompose(0xAC00, out), 2);    /* 가 */
    CHECK_EQ_INT(out[0], 0x1100);
    CHECK_EQ_INT(out[1], 0x1161);
    CHECK_EQ_INT(rb_unicode_decompose(0xD7A3, out), 3);    /* last */
    CHECK_EQ_INT(out[2], 0x11C2);
}

static void test_combining_classes(void)
{
    CHECK_EQ_INT(rb_unicode_combining_class('a'), 0);
    CHECK_EQ_INT(rb_unicode_combining_class(0x0301), 230);
    CHECK_EQ_INT(rb_unicode_combining_class(0x0323), 220);
    CHECK_EQ_INT(rb_unicode_combining_class(0x1D165), 216);  /* Mc */
    CHECK_STR(rb_unicode_version(), "14.0.0");
}

int main(void)
{
    RUN_TEST(test_categories_of_sample_characters);
    RUN_TEST(test_word_characters_and_simple_lowercase);
    RUN_TEST(test_lowercase_mappings);
    RUN_TEST(test_decompositions_are_fully_expanded);
    RUN_TEST(test_hangul_syllables_decompose_by_formula);
    RUN_TEST(test_combining_classes);
    return check_report();
}
