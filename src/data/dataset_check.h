#ifndef RB_DATASET_CHECK_H
#define RB_DATASET_CHECK_H

/*
 * Validation of a BEIR dataset folder. Unlike the loader, which stops at
 * the first problem, the checker reads every file to the end and records
 * each problem it finds with its file, line and severity, plus counts that
 * describe the folder: documents, queries, and per qrels split the
 * judgments, the grades used and the queries judged. It also computes the
 * dataset fingerprint, the same one the loader stores.
 */

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"
#include "base/hash.h"
#include "base/intern.h"

typedef enum rb_check_severity {
    RB_CHECK_WARNING = 1,   /* loadable, but probably not what was meant */
    RB_CHECK_ERROR = 2      /* the loader rejects the folder */
} rb_check_severity;

/* Problem kinds; rb_check_kind_name gives each a stable name for JSON. */
typedef enum rb_check_kind {
    RB_CHECK_MISSING_FILE,      /* a required file or folder is absent */
    RB_CHECK_READ_ERROR,        /* I/O or compressed-data error */
    RB_CHECK_EMPTY_FILE,        /* no records at all */
    RB_CHECK_BOM,               /* UTF-8 byte-order mark before line 1 */
    RB_CHECK_INVALID_UTF8,
    RB_CHECK_BLANK_LINE,        /* skipped by the loader */
    RB_CHECK_BAD_JSON,          /* not JSON, or not an object */
    RB_CHECK_BAD_FIELD,         /* "_id" or "text" missing, a non-string
                                 * field, a NUL inside a string */
    RB_CHECK_DUPLICATE_ID,
    RB_CHECK_ID_WHITESPACE,     /* ids TREC files cannot carry */
    RB_CHECK_EMPTY_TITLE,
    RB_CHECK_EMPTY_TEXT,
    RB_CHECK_EMPTY_DOCUMENT,    /* neither title nor text */
    RB_CHECK_EMPTY_QUERY,
    RB_CHECK_QRELS_FORMAT,      /* header, columns, empty ids, grades */
    RB_CHECK_DUPLICATE_JUDGMENT,
    RB_CHECK_UNKNOWN_DOCUMENT,  /* a judgment names no document */
    RB_CHECK_UNKNOWN_QUERY,     /* a judgment names no query */
    RB_CHECK_UNJUDGED_QUERY,    /* a query no split judges */
    RB_CHECK_NO_RELEVANT,       /* a judged query with no grade > 0 */
    RB_CHECK_RELEVANT_MISSING,  /* every relevant document of a query is
                                 * missing from the corpus */
    RB_CHECK_SELF_JUDGED,       /* a query's relevant document has the
                                 * query's own id */
    RB_CHECK_NKINDS
} rb_check_kind;

const char *rb_check_kind_name(rb_check_kind kind);
const char *rb_check_severity_name(rb_check_severity sev);

typedef struct rb_check_problem {
    rb_check_kind kind;
    rb_check_severity severity;
    const char *file;    /* path as read, e.g. "data/x/corpus.jsonl" */
    long line;           /* 1-based; 0 when the problem has no line */
    char *message;       /* one line, no file or line in it */
    size_t seq;          /* private: order of discovery */
    uint32_t file_id;    /* private: order in which files were read */
} rb_check_problem;

typedef struct rb_check_grade {
    int grade;
    size_t count;
} rb_check_grade;

typedef struct rb_check_split {
    char *name;                  /* "test" for qrels/test.tsv */
    char *file;
    size_t judgments;            /* valid judgment lines */
    size_t queries;              /* distinct queries judged */
    size_t documents;            /* distinct documents judged */
    size_t relevant;             /* judgments with grade > 0 */
    rb_check_grade *grades;      /* ascending by grade */
    size_t ngrades;
    size_t unknown_doc_judgments;
    size_t unknown_query_judgments;
    size_t missing_documents;    /* distinct judged documents absent
                                  * from the corpus */
    size_t missing_relevant;     /* of those, ones judged relevant */
    size_t queries_no_relevant;
    size_t queries_relevant_missing;
} rb_check_split;

typedef struct rb_check_file_stats {
    char *file;          /* NULL when the file is missing */
    size_t records;      /* valid records read */
    size_t lines;
    size_t empty_titles; /* documents only */
    size_t empty_texts;
    size_t empty_records;
    size_t duplicates;
} rb_check_file_stats;

typedef struct rb_check_report {
    char *dir;
    rb_check_file_stats corpus;
    rb_check_file_stats queries;
    size_t unjudged_queries;

    rb_check_split *splits;      /* ascending by name */
    size_t nsplits;

    /* The fingerprint of corpus, queries and one split's qrels, as the
     * loader computes it; empty when one of the files is missing or
     * unreadable. */
    char *fingerprint_split;
    char fingerprint[65];

    /* Problems in the order found, at most max_per_kind of each kind;
     * counts[] holds the full number of each kind. */
    rb_check_problem *problems;
    size_t nproblems, cap;
    size_t counts[RB_CHECK_NKINDS];
    size_t errors, warnings;

    /* private */
    rb_intern *paths;     /* owns the problems' file names */
    size_t max_per_kind;
    int strict;
} rb_check_report;

typedef struct rb_check_options {
    /* Split whose fingerprint is reported; NULL means "test", or the
     * first split by name when there is no test split. Every split in
     * qrels/ is checked either way. */
    const char *split;
    int strict;           /* judgments naming unknown ids are errors */
    size_t max_per_kind;  /* problems kept per kind; 0 keeps all */
} rb_check_options;

#define RB_CHECK_DEFAULT_MAX_PER_KIND 20

/* Check the dataset in folder dir. Returns a new report (free it with
 * rb_check_report_free) that holds every problem found; NULL only when
 * dir is not a folder, the split name is invalid or memory runs out, with
 * err set. Missing files are problems in the report, not failures. */
rb_check_report *rb_dataset_check(const char *dir,
                                  const rb_check_options *opt,
                                  rb_error *err);
void rb_check_report_free(rb_check_report *r);

/* The report as JSON (a new reference), NULL when memory runs out. */
json_t *rb_check_report_json(const rb_check_report *r);

/*
 * The dataset fingerprint, computed incrementally: SHA-256 over, for each
 * of corpus, queries and the split's qrels in that order, the file's role
 * name and a newline, then every line as rb_lines returns it followed by
 * a newline.
 */
typedef enum rb_fingerprint_role {
    RB_FINGERPRINT_CORPUS,
    RB_FINGERPRINT_QUERIES,
    RB_FINGERPRINT_QRELS
} rb_fingerprint_role;

void rb_fingerprint_begin_file(rb_sha256 *sha, rb_fingerprint_role role);
void rb_fingerprint_line(rb_sha256 *sha, const char *line, size_t len);

/* Add the whole file at path, in the given role, to the fingerprint. */
int rb_fingerprint_file(rb_sha256 *sha, rb_fingerprint_role role,
                        const char *path, rb_error *err);

/* Fingerprint of the dataset in dir with the given split's qrels (NULL
 * means "test"), read from the files alone. */
int rb_dataset_fingerprint_files(const char *dir, const char *split,
                                 char hex[65], rb_error *err);

/* Locate dataset file name ("corpus.jsonl", "qrels/test.tsv") in dir as
 * given or with ".gz" added, the plain file first. Returns a new string,
 * or NULL when neither is a regular file; *oom is set to 1 when memory ran
 * out instead. */
char *rb_check_locate_file(const char *dir, const char *name, int *oom);

/* A split name is a file name without "/" that does not start with ".".
 * Returns 1 when name is one. */
int rb_check_split_name_ok(const char *name);

#endif
