/* The ILIKE baseline: case-insensitive substring matching of unstemmed
 * query terms over title and text apart, counted once per distinct term,
 * ties by id descending; modes any, all, phrase. */

#include "check.h"
#include "fixture_dataset.h"
#include "retrieve/retriever.h"

static const fixture_doc docs[] = {
    {"d1", "Wing design", "The WINGS of a glider"},
    {"d2", "", "wingless birds and flow"},
    {"d3", "Flow", "laminar flow over a wing"},
    {"d4", "", "nothing relevant here"},
    {"d5", "ΣΟΦΙΑ", "İSTANBUL wing body"},
    {"d6", "wing", "body flow"},
    {"d7", "", "a wing-body junction, 100% tested"},
};

/* Run the ilike retriever with params (JSON or NULL) on one query;
 * returns the ranking as "id:score id:score ...". */
static void ranking(const char *params_json, const char *query, size_t k,
                    char *out, size_t size)
{
    const rb_retriever_ops *ops = rb_retriever_find("ilike");
    fixture_query q = {"q1", query};
    rb_dataset *ds = fixture_dataset(docs, 7, &q, 1);
    json_t *params = params_json ? json_loads(params_json, 0, NULL) : NULL;
    rb_run *run = rb_run_new_borrowed("ilike", ds->doc_ids);
    rb_context ctx;
    rb_error err = {0};
    void *state = NULL;
    size_t i;

    memset(&ctx, 0, sizeof ctx);
    ctx.threads = 2;
    out[0] = '\0';
    if (ops->create(params, &ctx, &state, &err) < 0 ||
        ops->index(state, ds, &ctx, &err) < 0 ||
        ops->search(state, ds, &ctx, k, run, &err) < 0) {
        snprintf(out, size, "error: %.900s", err.msg);
    } else if (run->nqueries == 1) {
        for (i = 0; i < run->queries[0].n; i++) {
            char item[64];

            snprintf(item, sizeof item, "%s%s:%g", i ? " " : "",
                     rb_run_doc(run, run->queries[0].results[i].doc),
                     run->queries[0].results[i].score);
            strncat(out, item, size - strlen(out) - 1);
        }
    } else {
        snprintf(out, size, "error: %zu queries in the run",
                 run->nqueries);
    }
    if (state)
        ops->destroy(state);
    rb_run_free(run);
    json_decref(params);
    rb_dataset_free(ds);
}

#define EXPECT(params, query, k, want) do { \
    char got_[1024]; \
    ranking(params, query, k, got_, sizeof got_); \
    if (strcmp(got_, want) != 0) { \
        fprintf(stderr, "%s:%d: \"%s\" gave \"%s\", expected \"%s\"\n", \
                __FILE__, __LINE__, query, got_, want); \
        check_current_failed = 1; \
    } \
} while (0)

static void test_any_counts_distinct_terms_case_insensitively(void)
{
    /* "wing" is a substring of "WINGS", "wingless" and "wing-body";
     * "flow" in d2, d3 (title and text: still once), d6. Ties (score 2:
     * d6, d3, d2; score 1: the rest) by id descending. */
    EXPECT(NULL, "Wing FLOW", 10, "d6:2 d3:2 d2:2 d7:1 d5:1 d1:1");
    /* repeated terms count once */
    EXPECT(NULL, "wing wing Wing", 10, "d7:1 d6:1 d5:1 d3:1 d2:1 d1:1");
}

static void test_terms_are_not_stemmed(void)
{
    /* "wings" matches only where "wings" is written */
    EXPECT(NULL, "wings", 10, "d1:1");
}

static void test_unicode_lowercasing(void)
{
    EXPECT(NULL, "σοφια", 10, "d5:1");
    EXPECT(NULL, "Σοφία", 10, "");  /* accents are not removed */
    EXPECT(NULL, "istanbul", 10, "d5:1");
}

static void test_all_requires_every_term(void)
{
    EXPECT("{\"mode\": \"all\"}", "wing flow", 10, "d6:2 d3:2 d2:2");
    EXPECT("{\"mode\": \"all\"}", "wing body junction", 10, "d7:3");
}

static void test_phrase_matches_the_words_joined_by_spaces(void)
{
    /* "wing-body" is not "wing body"; d5 has it; d6 has "wing" in the
     * title and "body" in the text, which does not make a phrase */
    EXPECT("{\"mode\": \"phrase\"}", "Wing, body", 10, "d5:1");
    /* stop words stay in a phrase */
    EXPECT("{\"mode\": \"phrase\"}", "flow over a wing", 10, "d3:1");
    EXPECT("{\"mode\": \"phrase\"}", "the", 10, "d1:1");
    EXPECT("{\"mode\": \"phrase\"}", "", 10, "");
}

static void test_stop_words_and_empty_queries_give_nothing(void)
{
    EXPECT(NULL, "", 10, "");
    EXPECT(NULL, "the of and a", 10, "");
    EXPECT(NULL, "!!! ...", 10, "");
    /* single characters are dropped like stop words */
    EXPECT(NULL, "a b c", 10, "");
}

static void test_percent_and_underscore_are_literal(void)
{
    /* they separate words, so "100%" is the term "100"... */
    EXPECT(NULL, "100%", 10, "d7:1");
    /* ...and "wi_ng" the two terms "wi" and "ng", not a pattern: d4
     * matches on the "ng" of "nothing" */
    EXPECT("{\"mode\": \"all\"}", "wi_ng", 10,
           "d7:2 d6:2 d5:2 d3:2 d2:2 d1:2");
    EXPECT(NULL, "wi_ng", 10, "d7:2 d6:2 d5:2 d3:2 d2:2 d1:2 d4:1");
    EXPECT("{\"mode\": \"phrase\"}", "wi_ng", 10, "");
}

static void test_cutoff_keeps_the_larger_ids(void)
{
    EXPECT(NULL, "wing", 3, "d7:1 d6:1 d5:1");
    EXPECT(NULL, "wing flow", 2, "d6:2 d3:2");
}

static void test_parameters_are_checked(void)
{
    EXPECT("{\"mode\": \"some\"}", "wing", 10,
           "error: ilike: \"mode\" must be \"any\", \"all\" or \"phrase\"");
    EXPECT("{\"analyzer\": {\"stemmer\": \"english\"}}", "wing", 10,
           "error: ilike: terms are never stemmed (drop \"stemmer\" from "
           "its analyzer)");
    EXPECT("{\"analyzer\": {\"stopwords\": \"none\", \"min_length\": 1}}",
           "a", 10, "d7:1 d5:1 d4:1 d3:1 d2:1 d1:1");
}

int main(void)
{
    RUN_TEST(test_any_counts_distinct_terms_case_insensitively);
    RUN_TEST(test_terms_are_not_stemmed);
    RUN_TEST(test_unicode_lowercasing);
    RUN_TEST(test_all_requires_every_term);
    RUN_TEST(test_phrase_matches_the_words_joined_by_spaces);
    RUN_TEST(test_stop_words_and_empty_queries_give_nothing);
    RUN_TEST(test_percent_and_underscore_are_literal);
    RUN_TEST(test_cutoff_keeps_the_larger_ids);
    RUN_TEST(test_parameters_are_checked);
    return check_report();
}
