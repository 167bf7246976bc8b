#ifndef RB_PYTHON_REFERENCE_H
#define RB_PYTHON_REFERENCE_H

/*
 * What the tests against the Python references share: the interpreter
 * (Debian's python3 with python3-numpy, or $RB_PYTHON), whether PyTorch
 * imports too, the vocabulary given to tools/make_test_model.py (the real
 * BERT one from ../shared when it is there), a scratch folder, and
 * running the scripts. Setup skips the test (exit 77) without NumPy.
 */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

typedef struct pyref {
    char tmpdir[64];
    const char *python;
    char vocab_arg[1200];
    char vocab[1024];       /* the vocabulary used, for the log */
    int have_torch;
} pyref;

static inline int pyref_run(const char *cmd)
{
    int rc = system(cmd);

    if (rc != 0)
        fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc;
}

/* tmpl: a mkdtemp template. -1 when the scratch folder cannot be made. */
static inline int pyref_setup(pyref *p, const char *tmpl)
{
    char cmd[1400];
    const char *env = getenv("RB_PYTHON");

    p->python = env && env[0] ? env : "/usr/bin/python3";
    snprintf(cmd, sizeof cmd, "%s -c 'import numpy' 2>/dev/null",
             p->python);
    if (system(cmd) != 0)
        CHECK_SKIP("python3 with numpy is not available");
    snprintf(cmd, sizeof cmd, "%s -c 'import torch' 2>/dev/null",
             p->python);
    p->have_torch = system(cmd) == 0;
    snprintf(p->vocab, sizeof p->vocab, "%s/models/bert-base-uncased-vocab/"
             "vocab.txt", RB_SHARED_DIR);
    if (access(p->vocab, R_OK) == 0) {
        snprintf(p->vocab_arg, sizeof p->vocab_arg, "--vocab %s", p->vocab);
    } else {
        snprintf(p->vocab_arg, sizeof p->vocab_arg, "--small-vocab");
        snprintf(p->vocab, sizeof p->vocab, "a small generated one");
    }
    snprintf(p->tmpdir, sizeof p->tmpdir, "%s", tmpl);
    if (!mkdtemp(p->tmpdir)) {
        fprintf(stderr, "setup failed: %s\n", p->tmpdir);
        return -1;
    }
    return 0;
}

/* Generate a model into TMPDIR/name with the generator's arguments. */
static inline int pyref_make_model(const pyref *p, const char *name,
                                   const char *args, char *dir, size_t size)
{
    char cmd[4096];

    snprintf(dir, size, "%s/%s", p->tmpdir, name);
    snprintf(cmd, sizeof cmd, "%s %s/tools/make_test_model.py --out %s %s "
             "%s", p->python, RB_SOURCE_DIR, dir, p->vocab_arg, args);
    return pyref_run(cmd);
}

/* Run cmd, which writes the JSON file out, and load it; NULL (with a
 * message) when either fails. */
static inline json_t *pyref_run_json(const char *cmd, const char *out)
{
    json_error_t jerr;
    json_t *root;

    if (pyref_run(cmd) != 0)
        return NULL;
    root = json_load_file(out, 0, &jerr);
    if (!root)
        fprintf(stderr, "%s: %s\n", out, jerr.text);
    return root;
}

static inline void pyref_cleanup(const pyref *p)
{
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p->tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", p->tmpdir);
}

#endif
