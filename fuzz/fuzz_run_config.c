/* Fuzz the experiment file of `rankbench run --config`. The command is
 * given a --set naming no retriever, so it stops with an error right after
 * reading the configuration, before loading any dataset. */

#include "cli/commands.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512], arg0[] = "run", arg1[] = "--config", arg3[] = "--set",
         arg4[] = "\x01no-such-retriever.p=1", arg5[] = "-q";
    char *argv[] = {arg0, arg1, path, arg3, arg4, arg5, NULL};
    int rc;

    snprintf(path, sizeof path, "%s", fuzz_write("config.json", data, size));
    fuzz_mute_stderr();
    rc = rb_cmd_run(6, argv);
    fuzz_unmute_stderr();
    FUZZ_ASSERT(rc == 1 || rc == 2);
    return 0;
}
