#ifndef RB_COMMANDS_H
#define RB_COMMANDS_H

/*
 * The subcommands. Each lives in its own file, cli/cmd_NAME.c, and returns
 * the process exit status. A subcommand whose file is not part of a build
 * is reported as unavailable (the declarations are weak).
 */

#define RB_CMD(name) \
    int rb_cmd_##name(int argc, char **argv) __attribute__((weak))

RB_CMD(run);
RB_CMD(eval);
RB_CMD(compare);
RB_CMD(fuse);
RB_CMD(plot);
RB_CMD(gate);
RB_CMD(probe);
RB_CMD(datasets);

#undef RB_CMD

/* Common option handling: -q, -v, -vv adjust logging. Returns 1 when arg
 * was one of them. */
int rb_cli_log_option(const char *arg);

/* Start getopt afresh before a command parses its arguments. Setting
 * optind to 1 is not enough when a command runs more than once in one
 * process (tests, fuzzing): glibc keeps a pointer into the previous
 * call's argv, and reading through it can invent options. optind = 0
 * makes glibc and musl drop that state. */
#define RB_CLI_GETOPT_RESET() (optind = 0)

#endif
