#ifndef RB_GNUPLOT_H
#define RB_GNUPLOT_H

/*
 * gnuplot as an external program: finding it, checking its version and
 * running a script with a time limit while capturing what it prints.
 * rankbench never links gnuplot; it runs it as a child process (fork and
 * exec, its own process group, stdin from /dev/null).
 */

#include "base/error.h"

/* The oldest gnuplot whose scripting (arrays, blocks) the templates use. */
#define RB_GNUPLOT_MIN_MAJOR 5
#define RB_GNUPLOT_MIN_MINOR 2

/* The Debian package to suggest when gnuplot is missing. */
#define RB_GNUPLOT_PACKAGE "gnuplot-nox"

typedef struct rb_gnuplot {
    char *path;         /* the program that runs */
    int major, minor;   /* its version */
    double timeout_s;   /* the limit for one run */
} rb_gnuplot;

/* Find gnuplot and check its version. prog is a program name looked up
 * on PATH or a path with a "/"; NULL means $RANKBENCH_GNUPLOT when set,
 * else "gnuplot". timeout_s <= 0 means 60 seconds. A missing program
 * gives an error that names the Debian package to install. Release with
 * rb_gnuplot_release. */
int rb_gnuplot_open(rb_gnuplot *gp, const char *prog, double timeout_s,
                    rb_error *err);
void rb_gnuplot_release(rb_gnuplot *gp);

/* Run gnuplot in the folder dir with the arguments args (a NULL-ended
 * list, without the program name). *messages (may be NULL) receives what
 * gnuplot wrote on stderr as a new string for rb_free, also on failure.
 * Fails when gnuplot cannot start, runs past the time limit (it is then
 * killed), dies of a signal or exits with a non-zero status; the error
 * quotes gnuplot's first line of complaint. */
int rb_gnuplot_exec(const rb_gnuplot *gp, const char *dir,
                    const char *const *args, char **messages,
                    rb_error *err);

/* The folder the chart templates are read from: given when not NULL,
 * else $RANKBENCH_PLOTS_DIR when set, else the plots/ that ships with
 * rankbench (see rb_resource_path). */
const char *rb_gnuplot_template_dir(const char *given);

/* Read the template dir/name (name such as "common.gp") into *text, a new
 * string for rb_free. The error says how to point rankbench at the
 * templates. */
int rb_gnuplot_read_template(const char *dir, const char *name,
                             char **text, rb_error *err);

/* Draw dir/output (such as "NAME.svg") by running the script dir/script
 * with rb_format set to fmt and rb_output to a temporary file beside the
 * output (output.tmp.XXXXXX). The temporary file is renamed into place
 * only when gnuplot succeeded and wrote something; on failure it is
 * removed and an earlier dir/output is left as it was. What gnuplot says
 * on stderr fails the draw when strict, else goes to the debug log.
 * Errors name dir/output. */
int rb_gnuplot_draw(const rb_gnuplot *gp, const char *dir,
                    const char *script, const char *fmt,
                    const char *output, int strict, rb_error *err);

#endif
