#include "cli/run_hooks.h"

#include <stdio.h>
#include <string.h>

#include "base/fileio.h"
#include "base/mem.h"
#include "report/plot.h"
#include "report/report_md.h"
#include "report/results.h"

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
