#ifndef RB_RUN_HOOKS_H
#define RB_RUN_HOOKS_H

/*
 * The places where `rankbench run` reaches optional parts: PostgreSQL
 * servers, significance comparisons and charts. Kept apart from the run
 * loop so that it reads as one flow.
 */

#include <jansson.h>

#include "base/error.h"
#include "data/dataset.h"
#include "data/run.h"

/* Pick the PostgreSQL server: conninfo as given, a throwaway cluster with
 * pg_temp, or NULL (the PG* environment) otherwise. */
int rb_run_hook_pg_setup(const char *conninfo, int pg_temp,
                         const char **out_conninfo, rb_error *err);
void rb_run_hook_pg_teardown(void);
/* From a signal handler: stop a throwaway cluster at once. */
void rb_run_hook_emergency_stop(void);

/* Add paired comparisons against the baseline retriever to results. */
int rb_run_hook_compare(json_t *results, const rb_dataset *ds,
                        const rb_run *const *runs, const char *const *names,
                        size_t nruns, const char *baseline, rb_error *err);
/* Marker after a table cell when the retriever differs significantly from
 * the baseline on measure ("" otherwise). */
const char *rb_run_hook_marker(const json_t *results, const json_t *entry,
                               const char *measure);
/* A line under the table explaining the markers, if any. */
void rb_run_hook_table_note(const json_t *results);

/* Charts into out_dir/plots and the report page out_dir/report.md. */
int rb_run_hook_plots(const json_t *results, const char *out_dir,
                      rb_error *err);
/* With several datasets, after each has its out_dir (parent/NAME): the
 * chart across them in parent/plots and the overview parent/report.md. */
int rb_run_hook_plots_datasets(const char *const *out_dirs, size_t n,
                               const char *parent, rb_error *err);

#endif
