/* fuzz-needs: src/report/plot.c */
/* Fuzz what `rankbench plot` does with a results file: read it, check it
 * can be charted, write the chart data, scripts and manifest (gnuplot is
 * not run) and render the report page. Input that passes the check must
 * never crash the chart or page builders. */

#include "base/buf.h"
#include "fuzz_util.h"
#include "report/plot.h"
#include "report/report_md.h"
#include "report/results.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("results.json", data, size);
    rb_plot_options opts;
    rb_buf page = RB_BUF_INIT;
    rb_error err = {0};
    json_t *res = rb_results_load(path, &err);
    char out[512];

    if (!res)
        return 0;
    if (rb_plot_check_results(res, &err) < 0) {
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
        json_decref(res);
        return 0;
    }
    snprintf(out, sizeof out, "%s", fuzz_mkdir("plots"));
    rb_plot_options_init(&opts);
    opts.scripts_only = 1;
    opts.template_dir = RB_SOURCE_DIR "/plots";
    rb_error_clear(&err);
    if (rb_plot_results_with(res, out, &opts, &err) < 0)
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
    rb_error_clear(&err);
    if (rb_report_render(res, NULL, "", &page, &err) < 0)
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
    rb_buf_release(&page);
    json_decref(res);
    return 0;
}
