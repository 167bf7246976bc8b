#ifndef RB_SELFPATH_H
#define RB_SELFPATH_H

#include <stddef.h>

/* The folder holding the running program (from /proc/self/exe), without
 * a trailing slash, into out; -1 when it cannot be told or does not fit.
 * Installed files (chart templates, the CUDA module) are looked up beside
 * the program before the build tree's own copies. */
int rb_exe_dir(char *out, size_t size);

/* Where a file or folder that ships with rankbench lies (rel: "plots",
 * "datasets/sample", ...): under share/rankbench/ of the installed tree
 * when the program lies in bin/ of one that has it, else under the
 * source tree the program was built from. The answer is kept for the
 * life of the process; a handful of distinct rel values are expected. */
const char *rb_resource_path(const char *rel);

#endif
