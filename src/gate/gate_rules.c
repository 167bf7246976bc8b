/* Gate rules from flags and from JSON rules files. */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_file.h"
#include "base/mem.h"
#include "gate/gate.h"
#include "metrics/stats.h"

void rb_gate_rules_init(rb_gate_rules *rules)
{
    memset(rules, 0, sizeof *rules);
    rules->alpha = 0.05;
    rules->permutations = RB_STATS_TRIALS;
    rules->seed = RB_STATS_SEED;
    rules->timing_floor = 0.01;
}

void rb_gate_rules_release(rb_gate_rules *rules)
{
    size_t i;

    for (i = 0; i < rules->ndrops; i++)
        rb_free(rules->drops[i].measure);
    for (i = 0; i < rules->nslowdowns; i++)
        rb_free(rules->slowdowns[i].timing);
    rb_free(rules->drops);
    rb_free(rules->slowdowns);
    rules->drops = NULL;
    rules->slowdowns = NULL;
    rules->ndrops = rules->nslowdowns = 0;
}

static int parse_number(const char *s, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    return (!s[0] || *end || errno || !isfinite(*out)) ? -1 : 0;
}

/* A relative limit: "1%" or a fraction "0.01". */
static int parse_fraction(const char *s, double *out)
{
    size_t len = strlen(s);
    char buf[64];

    if (len && s[len - 1] == '%') {
        if (len >= sizeof buf)
            return -1;
        memcpy(buf, s, len - 1);
        buf[len - 1] = '\0';
        if (parse_number(buf, out) < 0)
            return -1;
        *out /= 100.0;
        return 0;
    }
    return parse_number(s, out);
}

static rb_gate_drop *drop_for(rb_gate_rules *rules, const char *measure,
                              size_t len)
{
    rb_gate_drop *d;
    size_t i;

    for (i = 0; i < rules->ndrops; i++)
        if (strlen(rules->drops[i].measure) == len &&
            strncmp(rules->drops[i].measure, measure, len) == 0)
            return &rules->drops[i];
    d = rb_realloc(rules->drops, (rules->ndrops + 1) * sizeof *d);
    if (!d)
        return NULL;
    rules->drops = d;
    d = &rules->drops[rules->ndrops];
    d->measure = rb_strndup(measure, len);
    if (!d->measure)
        return NULL;
    d->abs = d->rel = -1.0;
    rules->ndrops++;
    return d;
}

static int set_drop(rb_gate_rules *rules, const char *measure, size_t len,
                    const char *value, int relative, const char *where,
                    rb_error *err)
{
    rb_gate_drop *d;
    double v;

    if ((relative ? parse_fraction(value, &v) : parse_number(value, &v)) < 0
        || v < 0 || (relative && v > 1))
        return rb_error_set(err, "%s: the allowed %sdrop of \"%.*s\" must "
                            "be %s, not \"%s\"", where,
                            relative ? "relative " : "", (int)len, measure,
                            relative ? "a percentage (1%) or a fraction "
                            "between 0 and 1" : "a number >= 0", value);
    d = drop_for(rules, measure, len);
    if (!d)
        return rb_error_oom(err);
    if (relative)
        d->rel = v;
    else
        d->abs = v;
    return 0;
}

int rb_gate_rules_add_drop(rb_gate_rules *rules, const char *spec,
                           int relative, rb_error *err)
{
    const char *eq = strchr(spec, '=');
    const char *flag = relative ? "--max-drop-rel" : "--max-drop";

    if (!eq)
        return set_drop(rules, "*", 1, spec, relative, flag, err);
    if (eq == spec)
        return rb_error_set(err, "%s \"%s\": expected MEASURE=VALUE", flag,
                            spec);
    return set_drop(rules, spec, (size_t)(eq - spec), eq + 1, relative, flag,
                    err);
}

static int set_slowdown(rb_gate_rules *rules, const char *key, size_t len,
                        double ratio, const char *where, rb_error *err)
{
    char name[64];
    rb_gate_slowdown *s;
    size_t i;

    if (len == 0 || len + 3 > sizeof name)
        return rb_error_set(err, "%s: bad timing name \"%.*s\"", where,
                            (int)len, key);
    memcpy(name, key, len);
    name[len] = '\0';
    if (strcmp(name, "search") == 0 || strcmp(name, "index") == 0)
        strcat(name, "_s");
    if (!rb_gate_is_duration(name))
        return rb_error_set(err, "%s: timing \"%s\" is not a duration "
                            "(search, index or a timings key ending in "
                            "_s)", where, name);
    if (!(ratio > 0) || !isfinite(ratio))
        return rb_error_set(err, "%s: the slow-down limit of \"%s\" must be "
                            "a positive ratio", where, name);
    for (i = 0; i < rules->nslowdowns; i++)
        if (strcmp(rules->slowdowns[i].timing, name) == 0) {
            rules->slowdowns[i].ratio = ratio;
            return 0;
        }
    s = rb_realloc(rules->slowdowns, (rules->nslowdowns + 1) * sizeof *s);
    if (!s)
        return rb_error_oom(err);
    rules->slowdowns = s;
    s[rules->nslowdowns].timing = rb_strdup(name);
    if (!s[rules->nslowdowns].timing)
        return rb_error_oom(err);
    s[rules->nslowdowns++].ratio = ratio;
    return 0;
}

int rb_gate_rules_add_slowdown(rb_gate_rules *rules, const char *spec,
                               rb_error *err)
{
    const char *eq = strchr(spec, '=');
    double ratio;

    if (!eq || parse_number(eq + 1, &ratio) < 0)
        return rb_error_set(err, "--max-slowdown \"%s\": expected "
                            "TIMING=RATIO, as search=1.5", spec);
    return set_slowdown(rules, spec, (size_t)(eq - spec), ratio,
                        "--max-slowdown", err);
}

static int load_drops(rb_gate_rules *rules, const json_t *obj, int relative,
                      const char *path, rb_error *err)
{
    const char *key;
    json_t *v;
    char where[600];

    snprintf(where, sizeof where, "%s: \"%s\"", path,
             relative ? "max_drop_rel" : "max_drop");
    if (!json_is_object(obj))
        return rb_error_set(err, "%s must be an object of measure: limit",
                            where);
    json_object_foreach((json_t *)obj, key, v) {
        char text[64];

        if (json_is_number(v))
            snprintf(text, sizeof text, "%.17g", json_number_value(v));
        else if (relative && json_is_string(v))
            snprintf(text, sizeof text, "%s", json_string_value(v));
        else
            snprintf(text, sizeof text, "(not a number)");
        if (set_drop(rules, key, strlen(key), text, relative, where,
                     err) < 0)
            return -1;
    }
    return 0;
}

static int load_slowdowns(rb_gate_rules *rules, const json_t *obj,
                          const char *path, rb_error *err)
{
    const char *key;
    json_t *v;
    char where[600];

    snprintf(where, sizeof where, "%s: \"max_slowdown\"", path);
    if (!json_is_object(obj))
        return rb_error_set(err, "%s must be an object of timing: ratio",
                            where);
    json_object_foreach((json_t *)obj, key, v) {
        if (!json_is_number(v))
            return rb_error_set(err, "%s: \"%s\" must be a number", where,
                                key);
        if (set_slowdown(rules, key, strlen(key), json_number_value(v),
                         where, err) < 0)
            return -1;
    }
    return 0;
}

static int load_scalars(rb_gate_rules *rules, const char *key, json_t *v,
                        const char *path, rb_error *err)
{
    if (strcmp(key, "require_significance") == 0) {
        if (!json_is_boolean(v))
            return rb_error_set(err, "%s: \"%s\" must be true or false",
                                path, key);
        rules->require_significance = json_is_true(v);
    } else if (strcmp(key, "alpha") == 0) {
        if (!json_is_number(v) || !(json_number_value(v) > 0) ||
            !(json_number_value(v) < 1))
            return rb_error_set(err, "%s: \"alpha\" must be between 0 and "
                                "1", path);
        rules->alpha = json_number_value(v);
    } else if (strcmp(key, "permutations") == 0) {
        if (!json_is_integer(v) || json_integer_value(v) < 1)
            return rb_error_set(err, "%s: \"permutations\" must be a "
                                "positive integer", path);
        rules->permutations = (size_t)json_integer_value(v);
    } else if (strcmp(key, "seed") == 0) {
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return rb_error_set(err, "%s: \"seed\" must be an integer >= 0",
                                path);
        rules->seed = (uint64_t)json_integer_value(v);
    } else if (strcmp(key, "timing_floor_s") == 0) {
        if (!json_is_number(v) || json_number_value(v) < 0)
            return rb_error_set(err, "%s: \"timing_floor_s\" must be a "
                                "number >= 0", path);
        rules->timing_floor = json_number_value(v);
    } else {
        return rb_error_set(err, "%s: unknown key \"%s\" (known: max_drop, "
                            "max_drop_rel, max_slowdown, "
                            "require_significance, alpha, permutations, "
                            "seed, timing_floor_s)", path, key);
    }
    return 0;
}

int rb_gate_rules_load(rb_gate_rules *rules, const char *path,
                       rb_error *err)
{
    json_t *root = rb_json_load_file(path, JSON_REJECT_DUPLICATES, err);
    json_t *v;
    const char *key;
    int rc = 0;

    if (!root)
        return -1;
    if (!json_is_object(root)) {
        json_decref(root);
        return rb_error_set(err, "%s: expected a JSON object of rules",
                            path);
    }
    json_object_foreach(root, key, v) {
        if (strcmp(key, "max_drop") == 0)
            rc = load_drops(rules, v, 0, path, err);
        else if (strcmp(key, "max_drop_rel") == 0)
            rc = load_drops(rules, v, 1, path, err);
        else if (strcmp(key, "max_slowdown") == 0)
            rc = load_slowdowns(rules, v, path, err);
        else if (key[0] == '#' || strcmp(key, "comment") == 0)
            rc = 0;
        else
            rc = load_scalars(rules, key, v, path, err);
        if (rc < 0)
            break;
    }
    json_decref(root);
    return rc;
}
