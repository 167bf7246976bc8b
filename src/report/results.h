#ifndef RB_RESULTS_H
#define RB_RESULTS_H

/*
 * The results file (docs/results-schema.md): what `rankbench run` writes
 * and what compare, plot and gate read. Built and read with jansson.
 */

#include <jansson.h>

#include "base/error.h"
#include "data/dataset.h"
#include "metrics/measures.h"

#define RB_RESULTS_SCHEMA "rankbench.results"
#define RB_RESULTS_VERSION 1

/* A new results object for ds with tool, time, host and dataset filled in;
 * config (may be NULL) is copied. NULL when memory runs out. */
json_t *rb_results_new(const rb_dataset *ds, const json_t *config);

/* The metrics of an evaluation as {"metrics": {...}, "per_query":
 * {qid: {measure: value}}} (a new reference). Integer measures are
 * stored as integers. */
json_t *rb_eval_to_json(const rb_eval *ev);

/* Append a retriever entry. describe and timings are stolen (may be
 * NULL). */
int rb_results_add_retriever(json_t *results, const char *name,
                             json_t *describe, json_t *timings,
                             const rb_eval *ev, rb_error *err);

/* Write atomically, indented, reals at full precision. */
int rb_results_write(const json_t *results, const char *path,
                     rb_error *err);

/* Read a results file and check its schema name and version. */
json_t *rb_results_load(const char *path, rb_error *err);

/* The retriever entry named name, or NULL (borrowed). */
json_t *rb_results_retriever(const json_t *results, const char *name);
/* A mean metric of a retriever entry; -1 when absent. */
int rb_results_metric(const json_t *retriever, const char *measure,
                      double *value);

#endif
