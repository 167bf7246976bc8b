#include "cli/run_hooks.h"

#include <stdio.h>
#include <string.h>

#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "report/compare.h"
#include "report/plot.h"
#include "report/report_md.h"
#include "report/results.h"
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
    char *charts = rb_path_join(out_dir, RB_REPORT_CHARTS_DIR);
    int rc;

    if (!charts)
        return rb_error_oom(err);
    rc = rb_plot_results(results, charts, NULL, err);
    if (rc == 0)
        rc = rb_report_write(results, out_dir, err);
    if (rc == 0)
        printf("report: %s/report.md\n", out_dir);
    rb_free(charts);
    return rc;
}

int rb_run_hook_plots_datasets(const char *const *out_dirs, size_t n,
                               const char *parent, rb_error *err)
{
    json_t **results = rb_calloc(n, sizeof *results);
    char **pages = rb_calloc(n, sizeof *pages);
    char *charts = rb_path_join(parent, RB_REPORT_CHARTS_DIR);
    char *page = rb_path_join(parent, "report.md");
    size_t i;
    int rc = -1;

    if (!results || !pages || !charts || !page) {
        rb_error_oom(err);
        goto done;
    }
    for (i = 0; i < n; i++) {
        char *path = rb_path_join(out_dirs[i], "results.json");
        const char *leaf = strrchr(out_dirs[i], '/');

        results[i] = path ? rb_results_load(path, err) : NULL;
        rb_free(path);
        pages[i] = rb_path_join(leaf ? leaf + 1 : out_dirs[i], "report.md");
        if (!results[i] || !pages[i]) {
            rb_error_oom(err);
            goto done;
        }
    }
    rc = rb_plot_datasets((const json_t *const *)results, n, charts, NULL,
                          err);
    if (rc == 0)
        rc = rb_report_write_datasets((const json_t *const *)results,
                                      (const char *const *)pages, n, page,
                                      charts, RB_REPORT_CHARTS_DIR "/", err);
    if (rc == 0)
        printf("report: %s\n", page);
done:
    for (i = 0; results && pages && i < n; i++) {
        json_decref(results[i]);
        rb_free(pages[i]);
    }
    rb_free(results);
    rb_free(pages);
    rb_free(charts);
    rb_free(page);
    return rc;
}
