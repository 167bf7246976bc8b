#include "cli/run_hooks.h"

#include <stdio.h>

#include "report/compare.h"

int rb_run_hook_pg_setup(const char *conninfo, int pg_temp,
                         const char **out_conninfo, rb_error *err)
{
    if (pg_temp)
        return rb_error_set(err, "--pg-temp: this build has no "
                            "PostgreSQL support");
    *out_conninfo = conninfo;
    return 0;
}

void rb_run_hook_pg_teardown(void)
{
}

void rb_run_hook_emergency_stop(void)
{
}

int rb_run_hook_compare(json_t *results, const rb_dataset *ds,
                        const rb_run *const *runs, const char *const *names,
                        size_t nruns, const char *baseline, rb_error *err)
{
    rb_compare_options opt = RB_COMPARE_OPTIONS_INIT;

    (void)runs;
    (void)names;
    (void)nruns;
    opt.per_query = 10;
    return rb_compare_add_to_results(results, baseline, ds, &opt, err);
}

const char *rb_run_hook_marker(const json_t *results, const json_t *entry,
                               const char *measure)
{
    const char *name = json_string_value(json_object_get(entry, "name"));

    return name ? rb_compare_marker(results, name, measure) : "";
}

void rb_run_hook_table_note(const json_t *results)
{
    rb_compare_print_summary(stdout, results);
}

int rb_run_hook_plots(const json_t *results, const char *out_dir,
                      rb_error *err)
{
    (void)results;
    (void)out_dir;
    return rb_error_set(err, "--plots: this build has no chart support");
}
