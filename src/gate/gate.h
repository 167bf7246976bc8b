#ifndef RB_GATE_H
#define RB_GATE_H

/*
 * The CI regression gate: results compared with a baseline under rules
 * (allowed drops per measure, an optional significance requirement,
 * slow-down limits on timings). Every dataset x retriever x measure of
 * the baseline is checked; one missing from the results fails (fail
 * closed), one new in the results is reported and passes. docs/gate.md
 * describes the rules, the baseline file and the outputs.
 */

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"

#define RB_BASELINE_SCHEMA "rankbench.baseline"
#define RB_BASELINE_VERSION 1

/* An allowed drop for one measure ("*" for every measure without its own
 * rule); absolute and relative limits both hold when both are given. */
typedef struct rb_gate_drop {
    char *measure;
    double abs;       /* largest allowed baseline - current, or < 0 */
    double rel;       /* largest allowed drop / baseline, or < 0 */
} rb_gate_drop;

typedef struct rb_gate_slowdown {
    char *timing;     /* a timings key: "search_s", "index_s", ... */
    double ratio;     /* largest allowed current / baseline */
} rb_gate_slowdown;

typedef struct rb_gate_rules {
    rb_gate_drop *drops;
    size_t ndrops;
    rb_gate_slowdown *slowdowns;
    size_t nslowdowns;
    int require_significance;  /* fail a drop only when significant */
    double alpha;              /* of the paired randomization test */
    size_t permutations;
    uint64_t seed;
    double timing_floor;       /* seconds; shorter times count as this */
    int allow_dataset_change;
} rb_gate_rules;

/* Whether a timings key is a duration in seconds ("search_s"), not a
 * rate ("queries_per_s"). */
int rb_gate_is_duration(const char *key);

/* Defaults: no drop allowed, no significance requirement, alpha 0.05,
 * 10,000 permutations, seed 42, timing floor 0.01 s. */
void rb_gate_rules_init(rb_gate_rules *rules);
void rb_gate_rules_release(rb_gate_rules *rules);

/* "MEASURE=VALUE" or "VALUE" (every measure). Absolute: a number;
 * relative: "1%" or a fraction (0.01). A later rule for a measure
 * replaces that kind of limit of an earlier one. */
int rb_gate_rules_add_drop(rb_gate_rules *rules, const char *spec,
                           int relative, rb_error *err);
/* "TIMING=RATIO": "search" and "index" stand for search_s and index_s;
 * any other timings key ending in "_s" is accepted as is. */
int rb_gate_rules_add_slowdown(rb_gate_rules *rules, const char *spec,
                               rb_error *err);
/* Merge a JSON rules file (ci/gate-rules.json):
 *   {"max_drop": {"ndcg_cut_10": 0.005, "*": 0},
 *    "max_drop_rel": {"recall_100": "1%"},
 *    "max_slowdown": {"search": 1.5},
 *    "require_significance": true, "alpha": 0.05,
 *    "permutations": 10000, "seed": 42, "timing_floor_s": 0.01}
 * Unknown keys are errors. */
int rb_gate_rules_load(rb_gate_rules *rules, const char *path,
                       rb_error *err);

typedef enum rb_gate_verdict {
    RB_GATE_PASS,
    RB_GATE_FAIL,
    RB_GATE_NEW        /* in the results only: reported, passes */
} rb_gate_verdict;

typedef enum rb_gate_kind {
    RB_CHECK_MEASURE,
    RB_CHECK_TIMING,
    RB_CHECK_DATASET,      /* a whole dataset missing or new */
    RB_CHECK_RETRIEVER     /* a whole retriever missing or new */
} rb_gate_kind;

typedef struct rb_gate_check {
    rb_gate_kind kind;
    char *dataset, *retriever, *name;  /* name: measure or timings key */
    int has_values;
    double baseline, current;
    double difference;       /* current - baseline, or the ratio */
    double allowed;          /* the limit applied (drop or ratio) */
    int has_p;
    double p;                /* randomization test, when run */
    rb_gate_verdict verdict;
    char *reason;            /* one line for people */
} rb_gate_check;

typedef struct rb_gate_report {
    rb_gate_check *checks;
    size_t n, cap;
    size_t passed, failed, fresh;
    int dataset_changed;     /* fingerprints differed (and were allowed) */
} rb_gate_report;

/* Load a baseline: a file written by rb_gate_baseline_write, or a plain
 * results file (taken as a one-dataset baseline). A new reference in the
 * baseline layout, or NULL with err set. */
json_t *rb_gate_baseline_load(const char *path, rb_error *err);

/* The baseline layout of results files, keeping only what the gate needs:
 * per dataset its name, split and fingerprint; per retriever the means
 * and per-query values of the measures listed (NULL: the measures the
 * rules name plus RB_COMPARE_DEFAULT_MEASURES, those present), and the
 * timings in seconds. A new reference, or NULL with err set. */
json_t *rb_gate_baseline_new(const json_t *const *results, size_t n,
                             const rb_gate_rules *rules,
                             const char *const *measures, rb_error *err);
int rb_gate_baseline_write(const json_t *baseline, const char *path,
                           rb_error *err);

/* Check results (n results objects, one per dataset) against a baseline.
 * Returns 0 with the report filled, or -1 with err set for input errors:
 * a results file that is not one, a different dataset fingerprint without
 * allow_dataset_change, missing per-query values when significance is
 * required. */
int rb_gate_check_results(const json_t *baseline,
                          const json_t *const *results, size_t n,
                          const rb_gate_rules *rules, rb_gate_report *rep,
                          rb_error *err);
void rb_gate_report_release(rb_gate_report *rep);

/* Outputs. The table and the summary line are for people; annotations are
 * GitHub Actions workflow commands ("::error title=...::message") for the
 * failed checks; JSON and JUnit XML are for tools. */
void rb_gate_print_table(FILE *out, const rb_gate_report *rep);
void rb_gate_print_annotations(FILE *out, const rb_gate_report *rep);
json_t *rb_gate_report_json(const rb_gate_report *rep,
                            const rb_gate_rules *rules);
int rb_gate_write_junit(const rb_gate_report *rep, const char *path,
                        rb_error *err);

#endif
