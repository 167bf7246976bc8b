#ifndef RB_STOPWORDS_H
#define RB_STOPWORDS_H

/*
 * Stop-word lists by name. A list is a NULL-terminated array of lowercase
 * UTF-8 words; analyzers compare them with lowercased words before
 * stemming.
 */

#include <stddef.h>

/* The list called name ("english"), or NULL when there is none. */
const char *const *rb_stopwords_find(const char *name);
/* Names of the lists, NULL-terminated. */
const char *const *rb_stopwords_names(void);

#endif
