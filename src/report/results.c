#include "report/results.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/json_file.h"
#include "base/mem.h"
#include "rb_version.h"

static json_t *dataset_json(const rb_dataset *ds)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
                     "name", ds->name, "path", ds->path, "split", ds->split,
                     "fingerprint", ds->fingerprint,
                     "documents", (json_int_t)ds->ndocs,
                     "queries", (json_int_t)ds->nqueries,
                     "evaluated_queries", (json_int_t)ds->neval);
}

json_t *rb_results_new(const rb_dataset *ds, const json_t *config)
{
    char created[32], host[256] = "unknown";
    time_t now = time(NULL);
    struct tm tm;
    json_t *res;

    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (gethostname(host, sizeof host) != 0)
        strcpy(host, "unknown");
    host[sizeof host - 1] = '\0';
    res = json_pack("{s:s, s:i, s:{s:s, s:s, s:s}, s:s, s:s, s:o, s:o, "
                    "s:[], s:[], s:[]}",
                    "schema", RB_RESULTS_SCHEMA,
                    "schema_version", RB_RESULTS_VERSION,
                    "tool", "name", "rankbench", "version", RB_VERSION,
                    "commit", RB_GIT_COMMIT,
                    "created", created, "host", host,
                    "dataset", dataset_json(ds),
                    "config", config ? json_deep_copy(config)
                                     : json_object(),
                    "measures", "retrievers", "comparisons");
    return res;
}

static json_t *number(const rb_eval *ev, size_t m, double v)
{
    return ev->is_int[m] ? json_integer((json_int_t)v) : json_real(v);
}

json_t *rb_eval_to_json(const rb_eval *ev)
{
    json_t *metrics = json_object(), *per_query = json_object();
    json_t *out = json_pack("{s:o, s:o}", "metrics", metrics,
                            "per_query", per_query);
    size_t q, m;

    if (!out)
        return NULL;
    for (m = 0; m < ev->nmeasures; m++)
        if (json_object_set_new(metrics, ev->names[m],
                                number(ev, m, ev->means[m])) < 0)
            goto fail;
    for (q = 0; q < ev->nqueries; q++) {
        json_t *row = json_object();

        if (!row || json_object_set_new(per_query, ev->qids[q], row) < 0)
            goto fail;
        for (m = 0; m < ev->nmeasures; m++) {
            if (strcmp(ev->names[m], "num_q") == 0)
                continue;
            if (json_object_set_new(row, ev->names[m],
                                    number(ev, m,
                                           rb_eval_value(ev, q, m))) < 0)
                goto fail;
        }
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

int rb_results_add_retriever(json_t *results, const char *name,
                             json_t *describe, json_t *timings,
                             const rb_eval *ev, rb_error *err)
{
    json_t *list = json_object_get(results, "retrievers");
    json_t *measures = json_object_get(results, "measures");
    json_t *scores = rb_eval_to_json(ev), *entry;
    size_t m;

    entry = json_pack("{s:s, s:o, s:o, s:I, s:I}", "name", name,
                      "config", describe ? describe : json_object(),
                      "timings", timings ? timings : json_object(),
                      "dropped_identical", (json_int_t)ev->dropped_identical,
                      "dropped_identical_relevant",
                      (json_int_t)ev->dropped_identical_relevant);
    if (!entry || !scores || !list ||
        json_object_update(entry, scores) < 0 ||
        json_array_append(list, entry) < 0) {
        json_decref(entry);
        json_decref(scores);
        return rb_error_oom(err);
    }
    json_decref(scores);
    json_decref(entry);
    if (json_array_size(measures) == 0)
        for (m = 0; m < ev->nmeasures; m++)
            if (json_array_append_new(measures,
                                      json_string(ev->names[m])) < 0)
                return rb_error_oom(err);
    return 0;
}

int rb_results_write(const json_t *results, const char *path,
                     rb_error *err)
{
    char *text = json_dumps(results, JSON_INDENT(2) |
                            JSON_REAL_PRECISION(17));
    size_t len;
    int rc;

    if (!text)
        return rb_error_oom(err);
    len = strlen(text);
    /* jansson's dump has no final newline; files should end in one. */
    {
        char *with_nl = rb_malloc(len + 2);

        if (!with_nl) {
            free(text);
            return rb_error_oom(err);
        }
        memcpy(with_nl, text, len);
        with_nl[len] = '\n';
        with_nl[len + 1] = '\0';
        free(text);
        rc = rb_write_file_atomic(path, with_nl, len + 1, err);
        rb_free(with_nl);
    }
    return rc;
}

json_t *rb_results_load(const char *path, rb_error *err)
{
    json_t *res = rb_json_load_file(path, JSON_REJECT_DUPLICATES, err);
    json_t *schema, *version;

    if (!res)
        return NULL;
    schema = json_object_get(res, "schema");
    version = json_object_get(res, "schema_version");
    if (!json_is_object(res) || !json_is_string(schema) ||
        strcmp(json_string_value(schema), RB_RESULTS_SCHEMA) != 0) {
        rb_error_set(err, "%s: not a rankbench results file (no \"schema\": "
                     "\"%s\")", path, RB_RESULTS_SCHEMA);
        json_decref(res);
        return NULL;
    }
    if (!json_is_integer(version) ||
        json_integer_value(version) != RB_RESULTS_VERSION) {
        if (json_is_integer(version))
            rb_error_set(err, "%s: results schema version %lld is not "
                         "supported (this rankbench reads version %d)",
                         path, (long long)json_integer_value(version),
                         RB_RESULTS_VERSION);
        else
            rb_error_set(err, "%s: \"schema_version\" is missing", path);
        json_decref(res);
        return NULL;
    }
    if (!json_is_array(json_object_get(res, "retrievers"))) {
        rb_error_set(err, "%s: \"retrievers\" is missing or not a list",
                     path);
        json_decref(res);
        return NULL;
    }
    return res;
}

json_t *rb_results_retriever(const json_t *results, const char *name)
{
    json_t *list = json_object_get(results, "retrievers"), *r;
    size_t i;

    json_array_foreach(list, i, r) {
        json_t *n = json_object_get(r, "name");

        if (json_is_string(n) && strcmp(json_string_value(n), name) == 0)
            return r;
    }
    return NULL;
}

int rb_results_metric(const json_t *retriever, const char *measure,
                      double *value)
{
    json_t *v = json_object_get(json_object_get(retriever, "metrics"),
                                measure);

    if (!json_is_number(v))
        return -1;
    *value = json_number_value(v);
    return 0;
}
