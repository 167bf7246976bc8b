#include "cli/run_hooks.h"

#include <stdio.h>

#include "base/log.h"
#include "retrieve/pg_temp.h"

static rb_pg_temp *pg_cluster;

int rb_run_hook_pg_setup(const char *conninfo, int pg_temp,
                         const char **out_conninfo, rb_error *err)
{
    *out_conninfo = conninfo;
    if (!pg_temp)
        return 0;
    if (rb_pg_temp_start(&pg_cluster, err) < 0) {
        rb_error_prefix(err, "--pg-temp");
        return -1;
    }
    *out_conninfo = rb_pg_temp_conninfo(pg_cluster);
    rb_info("throwaway PostgreSQL cluster started");
    return 0;
}

void rb_run_hook_pg_teardown(void)
{
    rb_pg_temp_stop(pg_cluster);
    pg_cluster = NULL;
}

void rb_run_hook_emergency_stop(void)
{
    rb_pg_temp_stop_all_async();
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
