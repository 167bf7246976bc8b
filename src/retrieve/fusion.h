#ifndef RB_FUSION_H
#define RB_FUSION_H

/*
 * Rank and score fusion of runs: reciprocal rank fusion, weighted score
 * fusion after per-query normalization, CombSUM and CombMNZ. The formulas,
 * the defaults and how ties are broken are in docs/fusion.md.
 *
 * Each input is read in trec_eval order (score descending, ties by
 * document id descending) whatever order its results are stored in, and
 * contributes its first `depth` results. The fused run is written in
 * trec_eval order too, so the ranks in a written run file are the ranks
 * that evaluation sees.
 */

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"
#include "data/run.h"
#include "retrieve/retriever.h"

typedef enum rb_fusion_method {
    RB_FUSE_RRF,       /* sum of w / (k + rank) */
    RB_FUSE_WSUM,      /* sum of w * norm(score) */
    RB_FUSE_COMBSUM,   /* the same sum, under its classic name */
    RB_FUSE_COMBMNZ    /* that sum times the inputs retrieving the doc */
} rb_fusion_method;

typedef enum rb_fusion_norm {
    RB_NORM_NONE,      /* raw scores */
    RB_NORM_MINMAX,    /* (s - min) / (max - min) */
    RB_NORM_ZSCORE,    /* (s - mean) / standard deviation */
    RB_NORM_MAX,       /* s / max |s| */
    RB_NORM_SUM        /* s / sum |s| */
} rb_fusion_norm;

#define RB_FUSION_RRF_K 60.0
#define RB_FUSION_DEPTH 1000

typedef struct rb_fusion_input {
    const rb_run *run;
    double weight;     /* 1 unless told otherwise */
    size_t depth;      /* results read per query; 0 means all */
} rb_fusion_input;

typedef struct rb_fusion_options {
    rb_fusion_method method;
    rb_fusion_norm norm;   /* ignored by RRF */
    double k;              /* RRF's constant, > 0 */
    size_t limit;          /* results kept per fused query; 0 means all */
} rb_fusion_options;

#define RB_FUSION_OPTIONS_INIT \
    {RB_FUSE_RRF, RB_NORM_MINMAX, RB_FUSION_RRF_K, RB_FUSION_DEPTH}

/* Names as used in configs and on the command line ("rrf", "wsum",
 * "combsum", "combmnz"; "none", "minmax", "zscore", "max", "sum"), and
 * back. The parsers return -1 for an unknown name. */
const char *rb_fusion_method_name(rb_fusion_method method);
const char *rb_fusion_norm_name(rb_fusion_norm norm);
int rb_fusion_method_parse(const char *name, rb_fusion_method *method);
int rb_fusion_norm_parse(const char *name, rb_fusion_norm *norm);

/* Fuse n >= 1 inputs into out. Queries already in out (which must have no
 * results yet) are fused in their order, then every other query of the
 * inputs in order of first appearance; a query missing from an input gets
 * nothing from it. Inputs whose document table is out's are read by id;
 * others by document string, interned into out's table. Returns 0, or -1
 * with err set (bad options, out of memory). */
int rb_fuse(const rb_fusion_input *inputs, size_t n,
            const rb_fusion_options *opt, rb_run *out, rb_error *err);

/* The "hybrid" retriever: fuses the runs of other retrievers of the same
 * invocation, which it gets through ctx->find_run. Its parameters:
 *   fuse     names of the retrievers to combine (two or more; `rankbench
 *            run` fills in every other non-hybrid retriever when absent)
 *   method   "rrf" (default), "wsum", "combsum" or "combmnz"
 *   k        RRF's constant (60)
 *   weights  an array (one per input) or an object by input name (1)
 *   depth    a number for all inputs, an array, or an object (1000)
 *   norm     normalization for score methods ("minmax")
 * The caller computes the inputs first; rb_hybrid_input_names tells which
 * they are. */
extern const rb_retriever_ops rb_hybrid_retriever;

/* The names a hybrid with these parameters fuses, as a new JSON array of
 * strings, or NULL with err set when "fuse" is missing or malformed. */
json_t *rb_hybrid_input_names(const json_t *params, rb_error *err);

#endif
