#include "text/stopwords.h"

#include <string.h>

/*
 * "english": the short stop set that the reference BM25 engines use by
 * default (Lucene's and Elasticsearch's English analyzer, Anserini and
 * Pyserini, bm25s): 33 articles, conjunctions, prepositions and forms of
 * "be" and "it", so that rankbench's figures line up with theirs.
 */
static const char *const english[] = {
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if",
    "in", "into", "is", "it", "no", "not", "of", "on", "or", "such",
    "that", "the", "their", "then", "there", "these", "they", "this",
    "to", "was", "will", "with",
    NULL
};

/*
 * "english-full": English function words: articles and determiners,
 * pronouns in all their
 * forms, the common prepositions and conjunctions, the auxiliary and modal
 * verbs with their inflections and contracted remains ("don" and "t" are
 * what word splitting leaves of "don't"), and a few adverbs that carry no
 * topic. Content words that merely happen to be frequent in some
 * collection (such as "paper" or "method") are deliberately absent.
 */
static const char *const english_full[] = {
    /* articles, determiners, quantifiers */
    "a", "an", "the", "this", "that", "these", "those", "some", "any",
    "each", "every", "either", "neither", "no", "all", "both", "few",
    "more", "most", "many", "much", "other", "another", "such", "own",
    "same", "several",
    /* personal, possessive and reflexive pronouns */
    "i", "me", "my", "mine", "myself", "we", "us", "our", "ours",
    "ourselves", "you", "your", "yours", "yourself", "yourselves", "he",
    "him", "his", "himself", "she", "her", "hers", "herself", "it", "its",
    "itself", "they", "them", "their", "theirs", "themselves",
    /* interrogative and relative words */
    "what", "which", "who", "whom", "whose", "when", "where", "why",
    "how", "whether",
    /* prepositions */
    "about", "above", "after", "against", "along", "among", "around",
    "at", "before", "behind", "below", "beneath", "beside", "between",
    "beyond", "by", "down", "during", "except", "for", "from", "in",
    "inside", "into", "of", "off", "on", "onto", "out", "outside", "over",
    "per", "since", "through", "throughout", "to", "toward", "towards",
    "under", "until", "up", "upon", "via", "with", "within", "without",
    /* conjunctions */
    "and", "or", "nor", "but", "if", "because", "as", "than", "so",
    "though", "although", "unless", "while", "whereas", "yet",
    /* be, have, do and the modals, with their forms */
    "be", "am", "is", "are", "was", "were", "been", "being", "have",
    "has", "had", "having", "do", "does", "did", "doing", "done", "can",
    "could", "shall", "should", "will", "would", "may", "might", "must",
    "ought",
    /* what remains of contractions after word splitting */
    "s", "t", "d", "ll", "m", "re", "ve", "don", "doesn", "didn", "isn",
    "aren", "wasn", "weren", "hasn", "haven", "hadn", "won", "wouldn",
    "shouldn", "couldn", "mustn", "mightn", "needn", "shan", "ain",
    /* adverbs and particles without topic */
    "not", "only", "very", "too", "also", "just", "again", "further",
    "then", "there", "here", "once", "now", "ever", "never", "quite",
    "rather", "even", "still", "thus", "hence", "therefore", "however",
    NULL
};

static const char *const names[] = {"english", "english-full", NULL};

const char *const *rb_stopwords_find(const char *name)
{
    if (strcmp(name, "english") == 0)
        return english;
    if (strcmp(name, "english-full") == 0)
        return english_full;
    return NULL;
}

const char *const *rb_stopwords_names(void)
{
    return names;
}
