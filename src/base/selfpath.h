#ifndef RB_SELFPATH_H
#define RB_SELFPATH_H

#include <stddef.h>

/* The folder holding the running program (from /proc/self/exe), without
 * a trailing slash, into out; -1 when it cannot be told or does not fit.
 * Installed files (chart templates, the CUDA module) are looked up beside
 * the program before the build tree's own copies. */
int rb_exe_dir(char *out, size_t size);

/* What ships with rankbench besides the program. */
typedef enum rb_resource {
    RB_RESOURCE_PLOTS,      /* the chart templates, plots/ */
    RB_RESOURCE_SAMPLE,     /* the bundled dataset, datasets/sample/ */
    RB_RESOURCE_COUNT
} rb_resource;

/* Where resource r lies: under share/rankbench/ of the installed tree
 * when the program lies in bin/ of one that has it, else in the source
 * tree the program was built from. Found once, kept for the process. */
const char *rb_resource_path(rb_resource r);

#endif
