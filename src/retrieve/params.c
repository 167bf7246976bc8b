#include "retrieve/params.h"

/* The value of key, or NULL when it counts as absent. */
static const json_t *lookup(const rb_params *p, const char *key)
{
    const json_t *v = p->obj ? json_object_get(p->obj, key) : NULL;

    return v && p->null_is_absent && json_is_null(v) ? NULL : v;
}

int rb_params_string(const rb_params *p, const char *key, const char **out,
                     rb_error *err)
{
    const json_t *v = lookup(p, key);

    if (!v)
        return 0;
    if (!json_is_string(v))
        return rb_error_set(err, "%s \"%s\" must be a string", p->head,
                            key);
    *out = json_string_value(v);
    return 0;
}

int rb_params_bool(const rb_params *p, const char *key, int *out,
                   rb_error *err)
{
    const json_t *v = lookup(p, key);

    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return rb_error_set(err, "%s \"%s\" must be true or false",
                            p->head, key);
    *out = json_is_true(v);
    return 0;
}

int rb_params_number(const rb_params *p, const char *key, double lo,
                     double hi, double *out, rb_error *err)
{
    const json_t *v = lookup(p, key);
    double x;

    if (!v)
        return 0;
    if (!json_is_number(v))
        return rb_error_set(err, "%s \"%s\" must be a number", p->head,
                            key);
    x = json_number_value(v);
    if (!(x >= lo && x <= hi))
        return rb_error_set(err, "%s \"%s\" must be between %g and %g, "
                            "not %g", p->head, key, lo, hi, x);
    *out = x;
    return 0;
}

int rb_params_long(const rb_params *p, const char *key, long lo, long hi,
                   long *out, rb_error *err)
{
    const json_t *v = lookup(p, key);
    json_int_t x;

    if (!v)
        return 0;
    if (!json_is_integer(v))
        return rb_error_set(err, "%s \"%s\" must be an integer", p->head,
                            key);
    x = json_integer_value(v);
    if (x < lo || x > hi)
        return rb_error_set(err, "%s \"%s\" must be between %ld and %ld, "
                            "not %lld", p->head, key, lo, hi,
                            (long long)x);
    *out = (long)x;
    return 0;
}

int rb_params_size(const rb_params *p, const char *key, size_t *out,
                   rb_error *err)
{
    const json_t *v = lookup(p, key);

    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return rb_error_set(err, "%s \"%s\" must be a positive integer",
                            p->head, key);
    *out = (size_t)json_integer_value(v);
    return 0;
}
