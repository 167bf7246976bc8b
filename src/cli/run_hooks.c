#include "cli/run_hooks.h"

#include <stdio.h>

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
    (void)results;
    (void)ds;
    (void)runs;
    (void)names;
    (void)nruns;
    (void)baseline;
    (void)err;
    return 0;
}

const char *rb_run_hook_marker(const json_t *results, const json_t *entry,
                               const char *measure)
{
    (void)results;
    (void)entry;
    (void)measure;
    return "";
}

void rb_run_hook_table_note(const json_t *results)
{
    (void)results;
}

int rb_run_hook_plots(const json_t *results, const char *out_dir,
                      rb_error *err)
{
    (void)results;
    (void)out_dir;
    return rb_error_set(err, "--plots: this build has no chart support");
}
