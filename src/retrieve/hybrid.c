/*
 * The "hybrid" retriever: fusion of other retrievers' runs from the same
 * invocation. It indexes nothing; its search reads the inputs' runs
 * through the context and fuses them (retrieve/fusion.h).
 */

#include <math.h>
#include <string.h>

#include "base/mem.h"
#include "retrieve/fusion.h"

typedef struct hybrid {
    size_t n;
    char **names;
    double *weights;
    size_t *depths;
    rb_fusion_options opt;
    int k_given;
} hybrid;

static const char *const hybrid_params[] = {
    "fuse", "method", "k", "weights", "depth", "norm", NULL
};

static int is_hybrid_name(const char *name)
{
    return strcmp(name, "hybrid") == 0;
}

json_t *rb_hybrid_input_names(const json_t *params, rb_error *err)
{
    json_t *fuse = json_object_get(params, "fuse");
    json_t *value;
    size_t i, j;

    if (!fuse) {
        rb_error_set(err, "hybrid: \"fuse\" is missing: give the names "
                     "of the retrievers to fuse");
        return NULL;
    }
    if (!json_is_array(fuse) || json_array_size(fuse) < 2) {
        rb_error_set(err, "hybrid: \"fuse\" must be an array of two or "
                     "more retriever names");
        return NULL;
    }
    json_array_foreach(fuse, i, value) {
        if (!json_is_string(value) || json_string_length(value) == 0) {
            rb_error_set(err, "hybrid: \"fuse\" entry %zu is not a "
                         "retriever name", i + 1);
            return NULL;
        }
        for (j = 0; j < i; j++)
            if (json_equal(value, json_array_get(fuse, j))) {
                rb_error_set(err, "hybrid: \"fuse\" names \"%s\" twice",
                             json_string_value(value));
                return NULL;
            }
        if (is_hybrid_name(json_string_value(value))) {
            rb_error_set(err, "hybrid: cannot fuse \"hybrid\" into itself");
            return NULL;
        }
    }
    return json_deep_copy(fuse);
}

static void hybrid_free(hybrid *h)
{
    size_t i;

    if (!h)
        return;
    for (i = 0; i < h->n; i++)
        rb_free(h->names[i]);
    rb_free(h->names);
    rb_free(h->weights);
    rb_free(h->depths);
    rb_free(h);
}

/* Value for input i of a per-input parameter (a number for all, an array
 * by position or an object by name) into *value, NULL when it gives
 * none. */
static int per_input(const json_t *param, const hybrid *h, size_t i,
                     const char *key, json_t **value, rb_error *err)
{
    *value = NULL;
    if (!param)
        return 0;
    if (json_is_number(param)) {
        *value = (json_t *)param;
    } else if (json_is_array(param)) {
        if (json_array_size(param) != h->n)
            return rb_error_set(err, "hybrid: \"%s\" has %zu entries for "
                                "%zu inputs", key, json_array_size(param),
                                h->n);
        *value = json_array_get(param, i);
    } else {
        *value = json_object_get(param, h->names[i]);
    }
    return 0;
}

static int check_per_input_keys(const json_t *param, const hybrid *h,
                                const char *key, rb_error *err)
{
    const char *name;
    json_t *value;
    size_t i;

    if (!json_is_object(param)) {
        if (json_is_array(param) || json_is_number(param))
            return 0;
        return rb_error_set(err, "hybrid: \"%s\" must be a number, an "
                            "array or an object by input name", key);
    }
    json_object_foreach((json_t *)param, name, value) {
        int known = 0;

        (void)value;
        for (i = 0; i < h->n; i++)
            known |= strcmp(h->names[i], name) == 0;
        if (!known)
            return rb_error_set(err, "hybrid: \"%s\" names \"%s\", which "
                                "is not among the fused retrievers", key,
                                name);
    }
    return 0;
}

static int parse_weights_depths(const json_t *params, hybrid *h,
                                rb_error *err)
{
    json_t *weights = json_object_get(params, "weights");
    json_t *depth = json_object_get(params, "depth");
    size_t i;

    if (weights && check_per_input_keys(weights, h, "weights", err) < 0)
        return -1;
    if (depth && check_per_input_keys(depth, h, "depth", err) < 0)
        return -1;
    for (i = 0; i < h->n; i++) {
        json_t *w, *d;

        if (per_input(weights, h, i, "weights", &w, err) < 0 ||
            per_input(depth, h, i, "depth", &d, err) < 0)
            return -1;
        h->weights[i] = 1.0;
        h->depths[i] = RB_FUSION_DEPTH;
        if (w && (!json_is_number(w) || !(json_number_value(w) >= 0) ||
                  !isfinite(json_number_value(w))))
            return rb_error_set(err, "hybrid: the weight of \"%s\" must be "
                                "a non-negative number", h->names[i]);
        if (w)
            h->weights[i] = json_number_value(w);
        if (d && (!json_is_integer(d) || json_integer_value(d) < 0))
            return rb_error_set(err, "hybrid: the depth of \"%s\" must be "
                                "a whole number >= 0 (0: all results)",
                                h->names[i]);
        if (d)
            h->depths[i] = (size_t)json_integer_value(d);
    }
    return 0;
}

static int parse_method(const json_t *params, hybrid *h, rb_error *err)
{
    json_t *method = json_object_get(params, "method");
    json_t *k = json_object_get(params, "k");
    json_t *norm = json_object_get(params, "norm");

    h->opt.method = RB_FUSE_RRF;
    h->opt.norm = RB_NORM_MINMAX;
    h->opt.k = RB_FUSION_RRF_K;
    if (method && (!json_is_string(method) ||
                   rb_fusion_method_parse(json_string_value(method),
                                          &h->opt.method) < 0))
        return rb_error_set(err, "hybrid: \"method\" must be one of rrf, "
                            "wsum, combsum, combmnz");
    if (k && h->opt.method != RB_FUSE_RRF)
        return rb_error_set(err, "hybrid: \"k\" applies to method rrf "
                            "only");
    if (norm && h->opt.method == RB_FUSE_RRF)
        return rb_error_set(err, "hybrid: \"norm\" does not apply to rrf, "
                            "which fuses ranks");
    if (k && (!json_is_number(k) || !(json_number_value(k) > 0) ||
              !isfinite(json_number_value(k))))
        return rb_error_set(err, "hybrid: \"k\" must be a positive "
                            "number");
    if (k)
        h->opt.k = json_number_value(k);
    if (norm && (!json_is_string(norm) ||
                 rb_fusion_norm_parse(json_string_value(norm),
                                      &h->opt.norm) < 0))
        return rb_error_set(err, "hybrid: \"norm\" must be one of none, "
                            "minmax, zscore, max, sum");
    return 0;
}

static int hybrid_create(const json_t *params, const rb_context *ctx,
                         void **state, rb_error *err)
{
    hybrid *h = rb_calloc(1, sizeof *h);
    json_t *names = NULL, *value;
    size_t i;

    if (!h)
        return rb_error_oom(err);
    (void)ctx;
    names = rb_hybrid_input_names(params, err);
    if (!names)
        goto fail;
    h->n = json_array_size(names);
    h->names = rb_calloc(h->n, sizeof *h->names);
    h->weights = rb_calloc(h->n, sizeof *h->weights);
    h->depths = rb_calloc(h->n, sizeof *h->depths);
    if (!h->names || !h->weights || !h->depths) {
        rb_error_oom(err);
        goto fail;
    }
    json_array_foreach(names, i, value) {
        h->names[i] = rb_strdup(json_string_value(value));
        if (!h->names[i]) {
            rb_error_oom(err);
            goto fail;
        }
    }
    json_decref(names);
    names = NULL;
    /* json_object_get on NULL gives NULL: no parameters, all defaults. */
    if (parse_method(params, h, err) < 0 ||
        parse_weights_depths(params, h, err) < 0)
        goto fail;
    *state = h;
    return 0;
fail:
    json_decref(names);
    hybrid_free(h);
    return -1;
}

static int hybrid_index(void *state, const rb_dataset *ds,
                        const rb_context *ctx, rb_error *err)
{
    (void)state;
    (void)ds;
    (void)ctx;
    (void)err;
    return 0;
}

static int hybrid_search(void *state, const rb_dataset *ds,
                         const rb_context *ctx, size_t k, rb_run *run,
                         rb_error *err)
{
    hybrid *h = state;
    rb_fusion_input *inputs;
    rb_fusion_options opt = h->opt;
    size_t i;
    int rc;

    if (!ctx || !ctx->find_run)
        return rb_error_set(err, "hybrid: no runs of other retrievers are "
                            "available to fuse");
    inputs = rb_calloc(h->n, sizeof *inputs);
    if (!inputs)
        return rb_error_oom(err);
    for (i = 0; i < h->n; i++) {
        inputs[i].run = ctx->find_run(ctx->find_run_arg, h->names[i]);
        inputs[i].weight = h->weights[i];
        inputs[i].depth = h->depths[i];
        if (!inputs[i].run) {
            rb_free(inputs);
            return rb_error_set(err, "hybrid: input \"%s\" has no run; "
                                "list it among the retrievers to run",
                                h->names[i]);
        }
    }
    /* One output query per evaluated query, in the dataset's order. */
    for (i = 0; i < ds->neval; i++) {
        uint32_t q = ds->eval_queries[i];
        const char *qid = rb_intern_str(ds->query_ids, q);

        if (rb_run_query_index(run, qid, rb_intern_len(ds->query_ids, q))
            < 0) {
            rb_free(inputs);
            return rb_error_oom(err);
        }
    }
    opt.limit = k;
    rc = rb_fuse(inputs, h->n, &opt, run, err);
    rb_free(inputs);
    return rc;
}

static json_t *hybrid_describe(void *state)
{
    hybrid *h = state;
    json_t *out = json_object(), *fuse = json_array();
    json_t *weights = json_array(), *depths = json_array();
    size_t i;
    int bad = !out || !fuse || !weights || !depths;

    for (i = 0; !bad && i < h->n; i++)
        bad = json_array_append_new(fuse, json_string(h->names[i])) < 0 ||
              json_array_append_new(weights, json_real(h->weights[i])) < 0 ||
              json_array_append_new(depths,
                                    json_integer((json_int_t)h->depths[i]))
              < 0;
    if (!bad) {
        bad = json_object_set_new(out, "fuse", fuse) < 0;
        fuse = NULL;
        bad |= json_object_set_new(out, "method", json_string(
                   rb_fusion_method_name(h->opt.method))) < 0;
        if (h->opt.method == RB_FUSE_RRF)
            bad |= json_object_set_new(out, "k", json_real(h->opt.k)) < 0;
        else
            bad |= json_object_set_new(out, "norm", json_string(
                       rb_fusion_norm_name(h->opt.norm))) < 0;
        bad |= json_object_set_new(out, "weights", weights) < 0;
        weights = NULL;
        bad |= json_object_set_new(out, "depth", depths) < 0;
        depths = NULL;
    }
    json_decref(fuse);
    json_decref(weights);
    json_decref(depths);
    if (bad) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static void hybrid_destroy(void *state)
{
    hybrid_free(state);
}

const rb_retriever_ops rb_hybrid_retriever = {
    "hybrid",
    "fusion of other retrievers' runs (RRF, weighted scores, CombSUM, "
    "CombMNZ)",
    hybrid_params,
    hybrid_create,
    hybrid_index,
    hybrid_search,
    hybrid_describe,
    hybrid_destroy,
};
