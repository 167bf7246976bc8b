#ifndef RB_MEASURES_H
#define RB_MEASURES_H

/*
 * trec_eval-exact evaluation (trec_eval 9.0.x semantics). A measure set is
 * parsed from trec_eval's -m syntax ("ndcg_cut.10,100", "P.10", "map");
 * evaluation produces a table of per-query values and the means, with
 * trec_eval's output names ("ndcg_cut_10", "P_10").
 */

#include <stddef.h>

#include "base/error.h"
#include "data/qrels.h"
#include "data/run.h"

enum rb_measure_kind {
    RB_M_NUM_Q,
    RB_M_NUM_RET,
    RB_M_NUM_REL,
    RB_M_NUM_REL_RET,
    RB_M_MAP,
    RB_M_GM_MAP,
    RB_M_RPREC,
    RB_M_BPREF,
    RB_M_RECIP_RANK,
    RB_M_IPREC_AT_RECALL,
    RB_M_P,
    RB_M_RECALL,
    RB_M_NDCG,
    RB_M_NDCG_CUT,
    RB_M_MAP_CUT,
    RB_M_SUCCESS,
    RB_M_KIND_COUNT
};

#define RB_MAX_CUTOFFS 16

typedef struct rb_measure_set {
    /* For each kind: whether it is asked for, and its cutoffs (sorted,
     * unique; empty for measures without cutoffs). */
    int enabled[RB_M_KIND_COUNT];
    int cutoffs[RB_M_KIND_COUNT][RB_MAX_CUTOFFS];
    int ncutoffs[RB_M_KIND_COUNT];
} rb_measure_set;

/* Start an empty set. */
void rb_measures_init(rb_measure_set *set);
/* Add one -m argument: "name" or "name.c1,c2,..."; "all_trec" and
 * "official" add trec_eval's groups. */
int rb_measures_add(rb_measure_set *set, const char *spec, rb_error *err);
/* The set `rankbench run` reports: BEIR's cutoffs 1, 3, 5, 10, 100, 1000
 * for ndcg_cut, P, recall and map_cut, plus map, recip_rank and counts. */
void rb_measures_beir(rb_measure_set *set);
/* trec_eval's default set (its "official" measures that rankbench has). */
void rb_measures_official(rb_measure_set *set);

typedef struct rb_eval_options {
    int complete;              /* -c: average over every qrels query */
    int rel_level;             /* -l: grade >= this is relevant (1) */
    int ignore_identical_ids;  /* drop results whose doc id == query id */
} rb_eval_options;

#define RB_EVAL_OPTIONS_INIT {0, 1, 0}

typedef struct rb_eval {
    size_t nmeasures;
    char **names;          /* trec_eval output names, in trec_eval order */
    int *is_int;           /* printed as integers (num_ret, ...) */
    size_t nqueries;
    char **qids;           /* evaluated queries, sorted as trec_eval does */
    double *values;        /* nqueries x nmeasures, row per query */
    double *means;         /* the "all" line */
    size_t num_q;          /* queries averaged over */
    /* ignore_identical_ids: results dropped, and how many were relevant */
    size_t dropped_identical;
    size_t dropped_identical_relevant;
} rb_eval;

/* Evaluate a run against qrels. The run is not modified (results are
 * re-sorted in a copy as trec_eval does). Returns NULL with err set. */
rb_eval *rb_evaluate(const rb_qrels *qrels, const rb_run *run,
                     const rb_measure_set *set, const rb_eval_options *opt,
                     rb_error *err);
void rb_eval_free(rb_eval *ev);

/* Column of a measure by output name, or -1. */
long rb_eval_measure_index(const rb_eval *ev, const char *name);
/* Value of measure m for query row q. */
static inline double rb_eval_value(const rb_eval *ev, size_t q, size_t m)
{
    return ev->values[q * ev->nmeasures + m];
}

#endif
