#ifndef RB_PROBE_H
#define RB_PROBE_H

/*
 * Masked-token probes of an encoder's masked-LM head.
 *
 * A probe suite is a JSONL file, one probe a line:
 *
 *   {"id": "CAP_001", "text": "Paris is the capital of [MASK].",
 *    "expected": "france", "tags": ["geography"]}
 *   {"id": "CAP_002", "text": "Rome is the capital of Italy.",
 *    "target": "italy", "tags": ["geography"]}
 *
 * With "expected", the text holds the tokenizer's mask token, once for
 * each WordPiece piece of the expected word. With "target", the text is
 * plain and the first whole-word occurrence of the target (all of its
 * pieces) is masked. "tags" (optional) groups probes in the summaries;
 * "note" and "metadata" are allowed and ignored.
 *
 * Lines that cannot be probes are collected as problems with their line
 * number, and the rest still runs: malformed JSON, a missing or mistyped
 * field, a duplicate id (when reading), and, against the model, a text
 * without a mask or target, a word the vocabulary lacks, a mask count
 * that disagrees with the word's pieces, or a mask past the model's
 * maximum length.
 *
 * Scoring: each masked position gets the softmax over the whole
 * vocabulary. A probe's rank is the worst rank of its pieces (1 for a
 * single piece predicted first), a hit at k means that rank <= k, its
 * reciprocal rank is 1 / rank, and its probability is the product of
 * its pieces' probabilities (the chance of drawing the whole word).
 */

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "encoder/encoder.h"
#include "encoder/mlm_head.h"

typedef struct rb_probe {
    char *id;
    char *text;
    char *expected;         /* as written in "expected" or "target" */
    int by_target;          /* the text is plain; the word is masked */
    char **tags;
    size_t ntags;
    long line;
} rb_probe;

typedef struct rb_probe_problem {
    long line;
    char *id;               /* NULL when the line names none */
    char *message;
} rb_probe_problem;

/* Append a problem with copies of id (may be NULL) and message to
 * *problems, which holds *n of them in room for *cap (grown as needed).
 * Returns -1, with the list as it was, when memory runs out. */
int rb_probe_problem_append(rb_probe_problem **problems, size_t *n,
                            size_t *cap, long line, const char *id,
                            const char *message);

typedef struct rb_probe_suite {
    char *path;
    char sha256[65];        /* of the file's bytes */
    rb_probe *probes;
    size_t n;
    rb_probe_problem *problems;
    size_t nproblems;
    size_t lines;           /* non-blank lines read */
} rb_probe_suite;

/* Read a suite. Lines that are not valid probes become problems; the
 * call fails only when the file cannot be read or memory runs out. The
 * caller frees with rb_probe_suite_free. */
rb_probe_suite *rb_probe_suite_load(const char *path, rb_error *err);
void rb_probe_suite_free(rb_probe_suite *s);

typedef struct rb_probe_options {
    size_t top_k;           /* predictions listed per position; 0 = 5 */
    size_t batch;           /* probes per forward pass; 0 = 64 */
} rb_probe_options;

/* One masked position. */
typedef struct rb_probe_slot {
    size_t position;        /* token index in the model input */
    int32_t expected;
    size_t rank;            /* 1-based over the whole vocabulary */
    double p_expected;
    double entropy;         /* nats */
    size_t k;
    int32_t *top_ids;       /* k of them, most probable first */
    double *top_p;
} rb_probe_slot;

typedef struct rb_probe_outcome {
    const rb_probe *probe;  /* borrowed from the suite */
    int32_t *ids;           /* the model input, [CLS] ... [SEP] */
    size_t nids;
    rb_probe_slot *slots;
    size_t nslots;
    size_t rank;            /* the worst slot's */
    double rr;              /* 1 / rank */
    double p;               /* product of the slots' p_expected */
    double entropy;         /* mean over the slots */
    int hit1, hitk;
} rb_probe_outcome;

typedef struct rb_probe_stats {
    const char *tag;        /* NULL for all probes */
    size_t n;
    double acc1, acck, mrr, mean_p, mean_entropy;
} rb_probe_stats;

/* What the top-1 predictions look like. */
typedef enum rb_token_kind {
    RB_TOKEN_WORD,
    RB_TOKEN_FRAGMENT,      /* a "##" continuation piece */
    RB_TOKEN_PUNCT,         /* punctuation only */
    RB_TOKEN_STOPWORD,      /* an English function word */
    RB_TOKEN_SPECIAL,       /* [CLS], [unused7], a row past vocab.txt */
    RB_TOKEN_KINDS
} rb_token_kind;

typedef struct rb_probe_warning {
    const char *code;       /* "untied_decoder", "near_uniform", ... */
    char *message;
} rb_probe_warning;

typedef struct rb_probe_diagnostics {
    rb_mlm_tie_info tie;
    size_t positions;
    size_t top1_kind[RB_TOKEN_KINDS];   /* top-1 predictions by kind */
    size_t content_positions;           /* expected token a word */
    size_t content_top1_junk;           /* ... predicted as a fragment,
                                         * punctuation, stop word or
                                         * special token */
    double mean_entropy;                /* nats, over positions */
    double uniform_entropy;             /* log(vocabulary) */
    double mean_top1_p;
    rb_probe_warning *warnings;
    size_t nwarnings;
} rb_probe_diagnostics;

typedef struct rb_probe_report {
    const rb_probe_suite *suite;        /* borrowed */
    const rb_wordpiece *tokenizer;      /* the model's, borrowed */
    size_t top_k, vocab;
    rb_probe_outcome *outcomes;         /* in suite order */
    size_t n;
    rb_probe_problem *problems;         /* the suite's and the run's, by
                                         * line */
    size_t nproblems;
    rb_probe_stats overall;
    rb_probe_stats *tags;               /* by tag name */
    size_t ntags;
    rb_probe_diagnostics diag;
} rb_probe_report;

/* Run every probe of suite s (which must outlive the report) through
 * encoder e and head h. Probes that cannot run against this model
 * become problems. Fails on compute errors and when memory runs out. */
rb_probe_report *rb_probe_run(rb_encoder *e, rb_mlm_head *h,
                              const rb_probe_suite *s,
                              const rb_probe_options *opt, rb_error *err);
void rb_probe_report_free(rb_probe_report *r);

/* The kind of token id for the diagnostics. */
rb_token_kind rb_probe_token_kind(const rb_wordpiece *wp, int32_t id);
const char *rb_token_kind_name(rb_token_kind k);

/* The thresholds behind the warnings. */
#define RB_PROBE_MIN_POSITIONS 10       /* fewer: no behaviour warnings */
#define RB_PROBE_UNTIED_COSINE 0.5      /* untied and less alike */
#define RB_PROBE_JUNK_SHARE 0.5         /* of content positions */
#define RB_PROBE_UNIFORM_SHARE 0.9      /* of the uniform entropy */
#define RB_PROBE_CONFIDENT_P 0.5        /* mean top-1 probability ... */
#define RB_PROBE_CONFIDENT_ACC 0.1      /* ... with accuracy@1 below */

#endif
