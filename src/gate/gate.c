/* Baselines and the checks of the gate. */

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/json_file.h"
#include "base/mem.h"
#include "gate/gate.h"
#include "metrics/stats.h"
#include "rb_version.h"
#include "report/compare.h"


int rb_gate_is_duration(const char *key)
{
    size_t len = strlen(key);

    return len > 2 && strcmp(key + len - 2, "_s") == 0 &&
           !(len > 6 && strcmp(key + len - 6, "_per_s") == 0);
}

static int is_count(const char *m)
{
    return strncmp(m, "num_", 4) == 0;
}

static int listed(const char *const *list, const char *name)
{
    size_t i;

    for (i = 0; list && list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

/* Whether a baseline keeps measure m of a results file: the listed ones,
 * or the ones the rules name and the usual ones. */
static int keep_measure(const char *m, const rb_gate_rules *rules,
                        const char *const *measures, int keep_all)
{
    size_t i;

    if (is_count(m))
        return 0;
    if (measures)
        return listed(measures, m);
    if (keep_all)
        return 1;
    for (i = 0; rules && i < rules->ndrops; i++)
        if (strcmp(rules->drops[i].measure, m) == 0)
            return 1;
    return listed(RB_COMPARE_DEFAULT_MEASURES, m);
}

/* One retriever of a results file in the baseline layout. */
static json_t *baseline_retriever(const json_t *r, const rb_gate_rules *rules,
                                  const char *const *measures, int keep_all)
{
    json_t *metrics = json_object(), *per_query = json_object();
    json_t *timings = json_object(), *out;
    json_t *v, *row;
    const char *key, *qid;

    out = json_pack("{s:O, s:o, s:o, s:o}", "name",
                    json_object_get(r, "name"), "metrics", metrics,
                    "per_query", per_query, "timings", timings);
    if (!out)
        return NULL;
    json_object_foreach(json_object_get(r, "metrics"), key, v)
        if (keep_measure(key, rules, measures, keep_all) &&
            json_object_set(metrics, key, v) < 0)
            goto fail;
    json_object_foreach(json_object_get(r, "per_query"), qid, row) {
        json_t *kept = json_object();

        if (!kept || json_object_set_new(per_query, qid, kept) < 0)
            goto fail;
        json_object_foreach(row, key, v)
            if (json_object_get(metrics, key) &&
                json_object_set(kept, key, v) < 0)
                goto fail;
    }
    json_object_foreach(json_object_get(r, "timings"), key, v)
        if (rb_gate_is_duration(key) && json_is_number(v) &&
            json_object_set(timings, key, v) < 0)
            goto fail;
    return out;
fail:
    json_decref(out);
    return NULL;
}

static json_t *baseline_dataset(const json_t *res, const rb_gate_rules *rules,
                                const char *const *measures, int keep_all,
                                rb_error *err)
{
    json_t *ds = json_object_get(res, "dataset"), *list, *out, *r, *fp;
    const char *split;
    size_t i;

    if (!json_is_string(json_object_get(ds, "name")) ||
        !json_is_array(json_object_get(res, "retrievers"))) {
        rb_error_set(err, "a results object lacks its dataset name or "
                     "retrievers");
        return NULL;
    }
    split = json_string_value(json_object_get(ds, "split"));
    fp = json_object_get(ds, "fingerprint");
    list = json_array();
    out = json_pack("{s:O, s:s, s:o, s:o}", "name",
                    json_object_get(ds, "name"), "split",
                    split ? split : "test", "fingerprint",
                    json_is_string(fp) ? json_incref(fp) : json_null(),
                    "retrievers", list);
    if (!out) {
        rb_error_oom(err);
        return NULL;
    }
    json_array_foreach(json_object_get(res, "retrievers"), i, r) {
        if (!json_is_string(json_object_get(r, "name"))) {
            json_decref(out);
            rb_error_set(err, "retriever entry %zu has no name", i + 1);
            return NULL;
        }
        if (json_array_append_new(list, baseline_retriever(
                r, rules, measures, keep_all)) < 0) {
            json_decref(out);
            rb_error_oom(err);
            return NULL;
        }
    }
    return out;
}

static json_t *baseline_from(const json_t *const *results, size_t n,
                             const rb_gate_rules *rules,
                             const char *const *measures, int keep_all,
                             rb_error *err)
{
    json_t *datasets = json_array(), *out;
    size_t i;

    out = json_pack("{s:s, s:i, s:{s:s, s:s}, s:o}",
                    "schema", RB_BASELINE_SCHEMA,
                    "schema_version", RB_BASELINE_VERSION,
                    "tool", "version", RB_VERSION, "commit", RB_GIT_COMMIT,
                    "datasets", datasets);
    if (!out) {
        rb_error_oom(err);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        json_t *d = baseline_dataset(results[i], rules, measures, keep_all,
                                     err);

        if (!d || json_array_append_new(datasets, d) < 0) {
            json_decref(out);
            if (d)
                rb_error_oom(err);
            return NULL;
        }
    }
    return out;
}

json_t *rb_gate_baseline_new(const json_t *const *results, size_t n,
                             const rb_gate_rules *rules,
                             const char *const *measures, rb_error *err)
{
    return baseline_from(results, n, rules, measures, 0, err);
}

int rb_gate_baseline_write(const json_t *baseline, const char *path,
                           rb_error *err)
{
    char *text = json_dumps(baseline, JSON_INDENT(1) |
                            JSON_REAL_PRECISION(17));
    rb_buf buf = RB_BUF_INIT;
    int rc;

    if (!text)
        return rb_error_oom(err);
    rc = rb_buf_puts(&buf, text) < 0 || rb_buf_putc(&buf, '\n') < 0
         ? rb_error_oom(err)
         : rb_write_file_atomic(path, buf.data, buf.len, err);
    free(text);
    rb_buf_release(&buf);
    return rc;
}

static int check_baseline_layout(const json_t *b, const char *path,
                                 rb_error *err)
{
    json_t *d, *r;
    size_t i, j;

    if (!json_is_array(json_object_get(b, "datasets")))
        return rb_error_set(err, "%s: \"datasets\" is missing or not a "
                            "list", path);
    json_array_foreach(json_object_get(b, "datasets"), i, d) {
        if (!json_is_string(json_object_get(d, "name")) ||
            !json_is_array(json_object_get(d, "retrievers")))
            return rb_error_set(err, "%s: datasets[%zu] needs a \"name\" "
                                "and \"retrievers\"", path, i);
        json_array_foreach(json_object_get(d, "retrievers"), j, r)
            if (!json_is_string(json_object_get(r, "name")) ||
                !json_is_object(json_object_get(r, "metrics")))
                return rb_error_set(err, "%s: datasets[%zu].retrievers[%zu] "
                                    "needs a \"name\" and \"metrics\"",
                                    path, i, j);
    }
    return 0;
}

json_t *rb_gate_baseline_load(const char *path, rb_error *err)
{
    json_t *root = rb_json_load_file(path, JSON_REJECT_DUPLICATES, err);
    const char *schema;
    json_t *out = NULL;

    if (!root)
        return NULL;
    schema = json_string_value(json_object_get(root, "schema"));
    if (schema && strcmp(schema, RB_BASELINE_SCHEMA) == 0) {
        json_t *version = json_object_get(root, "schema_version");

        if (json_integer_value(version) != RB_BASELINE_VERSION)
            rb_error_set(err, "%s: baseline schema version %lld is not "
                         "supported (this rankbench reads version %d)",
                         path, (long long)json_integer_value(version),
                         RB_BASELINE_VERSION);
        else if (check_baseline_layout(root, path, err) == 0)
            out = json_incref(root);
    } else if (schema && strcmp(schema, "rankbench.results") == 0) {
        const json_t *one = root;

        out = baseline_from(&one, 1, NULL, NULL, 1, err);
        if (!out)
            rb_error_prefix(err, "%s", path);
    } else {
        rb_error_set(err, "%s: not a rankbench baseline or results file "
                     "(no \"schema\": \"%s\")", path, RB_BASELINE_SCHEMA);
    }
    json_decref(root);
    return out;
}
