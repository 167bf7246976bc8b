/*
 * Output faults: an output folder that is a file or cannot be written, a
 * full disk (a file-size limit, and a small tmpfs where mounting is
 * allowed), and a results file replaced while it is read. Each must give a
 * clear error, keep the previous file intact and leave no temporary file.
 * Faults that need a process of their own (another user, a resource
 * limit) run in a child.
 */

#define _GNU_SOURCE     /* unshare */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <jansson.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/timer.h"
#include "check.h"
#include "data/run.h"
#include "report/results.h"

static char tmp_root[] = "/tmp/rb_faults_XXXXXX";

static char *in_tmp(const char *name)
{
    return rb_path_join(tmp_root, name);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");

    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

/* The file's contents in a new string, or NULL. */
static char *slurp(const char *path)
{
    char *data;
    size_t len;

    return rb_read_file(path, &data, &len, NULL) == 0 ? data : NULL;
}

/* Number of temporary files (NAME.tmp.XXXXXX) in dir. */
static int count_temporary(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

/* A run big enough that writing it takes many write calls. */
static rb_run *big_run(size_t nqueries, size_t per_query)
{
    rb_run *run = rb_run_new("faults");
    size_t q, d;

    for (q = 0; run && q < nqueries; q++) {
        char qid[32], doc[32];
        long qi;

        snprintf(qid, sizeof qid, "query-%zu", q);
        qi = rb_run_query_index(run, qid, strlen(qid));
        for (d = 0; qi >= 0 && d < per_query; d++) {
            snprintf(doc, sizeof doc, "document-%zu", (q * 31 + d) % 5000);
            rb_run_push_str(run, (size_t)qi, doc, strlen(doc),
                            1000.0 - (double)d / 7.0);
        }
    }
    return run;
}

/* A results document with padding so it has a known large size. */
static json_t *results_of_size(const char *label, size_t pad)
{
    json_t *doc = json_pack("{s:s, s:i, s:s, s:[]}", "schema",
                            RB_RESULTS_SCHEMA, "schema_version",
                            RB_RESULTS_VERSION, "label", label,
                            "retrievers");
    char *fill = rb_malloc(pad + 1);

    memset(fill, 'x', pad);
    fill[pad] = '\0';
    json_object_set_new(doc, "padding", json_string(fill));
    rb_free(fill);
    return doc;
}

static const char *label_of(const json_t *doc)
{
    return json_string_value(json_object_get(doc, "label"));
}

static void test_output_folder_is_a_file(void)
{
    char *file = in_tmp("plain-file"), *target = rb_path_join(file, "x");
    char *sub = rb_path_join(file, "runs");
    rb_error err = {0};

    write_text(file, "not a folder\n");
    CHECK(rb_write_file_atomic(target, "data", 4, &err) < 0);
    CHECK(strstr(err.msg, "plain-file/x: cannot create: Not a directory")
          != NULL);
    rb_error_clear(&err);
    CHECK(rb_mkdirs(sub, &err) < 0);
    CHECK(strstr(err.msg, "plain-file: cannot create folder: File exists")
          || strstr(err.msg, "cannot create folder: Not a directory"));
    if (!err.set)
        fprintf(stderr, "  mkdirs over a file succeeded\n");
    else
        printf("  folder is a file: %s\n", err.msg);
    rb_free(sub);
    rb_free(target);
    rb_free(file);
}

/*
 * Run fn in a child process (as user nobody when we are root, since root
 * writes through permissions) and return its exit status.
 */
static int in_child(int (*fn)(void *), void *arg, int drop_root)
{
    pid_t pid;
    int status;

    fflush(stdout);     /* or the child prints the parent's output again */
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (drop_root && geteuid() == 0 &&
            (setgid(65534) != 0 || setuid(65534) != 0)) {
            perror("setuid");
            _exit(99);
        }
        status = fn(arg);
        fflush(stdout);
        _exit(status);
    }
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int write_into_locked_folder(void *arg)
{
    const char *path = arg;
    rb_error err = {0};
    json_t *doc = results_of_size("new", 10);
    int rc = rb_results_write(doc, path, &err);

    json_decref(doc);
    if (rc == 0)
        return 1;
    printf("  folder not writable: %s\n", err.msg);
    return strstr(err.msg, "results.json: cannot create: Permission denied")
           ? 0 : 2;
}

static void test_folder_not_writable(void)
{
    char *dir = in_tmp("locked"), *path = rb_path_join(dir, "results.json");
    char *before;

    mkdir(dir, 0755);
    write_text(path, "previous contents\n");
    chmod(dir, 0555);
    /* tmp_root is 0700 from mkdtemp: let the other user through. */
    chmod(tmp_root, 0755);
    CHECK_EQ_INT(in_child(write_into_locked_folder, path, 1), 0);
    chmod(tmp_root, 0700);
    chmod(dir, 0755);
    before = slurp(path);
    CHECK_STR(before, "previous contents\n");
    CHECK_EQ_INT(count_temporary(dir), 0);
    rb_free(before);
    rb_free(path);
    rb_free(dir);
}

/* Write a results file and a run with the file size limited to limit
 * bytes; both must fail with "File too large". */
static int write_over_limit(void *arg)
{
    const char *dir = arg;
    char *res_path = rb_path_join(dir, "results.json");
    char *run_path = rb_path_join(dir, "run.trec");
    struct rlimit lim = {64 * 1024, 64 * 1024};
    json_t *doc = results_of_size("new", 200 * 1024);
    rb_run *run = big_run(50, 100);
    rb_error err = {0};
    int bad = 0;

    signal(SIGXFSZ, SIG_IGN);   /* so that write fails with EFBIG */
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
        return 90;
    if (rb_results_write(doc, res_path, &err) == 0)
        bad |= 1;
    else if (!strstr(err.msg, "results.json: cannot write: File too large"))
        bad |= 2;
    printf("  file size limit, results: %s\n", err.msg);
    rb_error_clear(&err);
    if (rb_run_write_trec(run, run_path, &err) == 0)
        bad |= 4;
    else if (!strstr(err.msg, "run.trec: cannot write: File too large"))
        bad |= 8;
    printf("  file size limit, run: %s\n", err.msg);
    json_decref(doc);
    rb_run_free(run);
    rb_free(res_path);
    rb_free(run_path);
    return bad;
}

/* 0 when the files put_previous wrote are unchanged and no temporary file
 * is left in dir. */
static int previous_kept(const char *dir)
{
    char *res_path = rb_path_join(dir, "results.json");
    char *run_path = rb_path_join(dir, "run.trec");
    char *a = slurp(res_path), *b = slurp(run_path);
    int bad = 0;

    if (!a || strcmp(a, "previous results\n") != 0)
        bad |= 16;
    if (!b || strcmp(b, "previous run\n") != 0)
        bad |= 32;
    if (count_temporary(dir) != 0)
        bad |= 64;
    rb_free(a);
    rb_free(b);
    rb_free(res_path);
    rb_free(run_path);
    return bad;
}

static void put_previous(const char *dir)
{
    char *res_path = rb_path_join(dir, "results.json");
    char *run_path = rb_path_join(dir, "run.trec");

    write_text(res_path, "previous results\n");
    write_text(run_path, "previous run\n");
    rb_free(res_path);
    rb_free(run_path);
}

static void test_disk_full_by_file_size_limit(void)
{
    char *dir = in_tmp("fsize");

    mkdir(dir, 0755);
    put_previous(dir);
    CHECK_EQ_INT(in_child(write_over_limit, dir, 0), 0);
    CHECK_EQ_INT(previous_kept(dir), 0);
    rb_free(dir);
}

/* A real full file system: a 256 KiB tmpfs, mounted in a private mount
 * namespace of the child so that nothing outside sees it or has to clean
 * it up. Returns 77 when this machine does not allow that. */
static int write_to_full_disk(void *arg)
{
    const char *dir = arg;
    char *res_path = rb_path_join(dir, "results.json");
    char *run_path = rb_path_join(dir, "run.trec");
    json_t *doc;
    rb_run *run;
    rb_error err = {0};
    int bad = 0;

    if (unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("rb_faults", dir, "tmpfs", 0, "size=256k") != 0) {
        printf("  skipped: cannot mount a private tmpfs here (%s); the "
               "file size limit covers a full disk\n", strerror(errno));
        return 77;
    }
    put_previous(dir);
    doc = results_of_size("new", 400 * 1024);
    run = big_run(100, 100);
    if (rb_results_write(doc, res_path, &err) == 0)
        bad |= 1;
    else if (!strstr(err.msg, "cannot write: No space left on device"))
        bad |= 2;
    printf("  full tmpfs, results: %s\n", err.msg);
    rb_error_clear(&err);
    if (rb_run_write_trec(run, run_path, &err) == 0)
        bad |= 4;
    else if (!strstr(err.msg, "cannot write: No space left on device"))
        bad |= 8;
    printf("  full tmpfs, run: %s\n", err.msg);
    bad |= previous_kept(dir);
    json_decref(doc);
    rb_run_free(run);
    rb_free(res_path);
    rb_free(run_path);
    return bad;
}

static void test_disk_full_on_small_tmpfs(void)
{
    char *dir = in_tmp("tmpfs");
    int rc;

    mkdir(dir, 0755);
    rc = in_child(write_to_full_disk, dir, 0);
    if (rc != 77)
        CHECK_EQ_INT(rc, 0);
    rb_free(dir);
}

/*
 * A writer process replaces the results file (atomically, as rankbench
 * does) over and over while this process reads it: every read must see
 * one complete version.
 */
static int keep_replacing(void *arg)
{
    const char *path = arg;
    json_t *a = results_of_size("A", 300000), *b = results_of_size("B", 7);
    double end = rb_now() + 1.5;
    long n = 0;

    while (rb_now() < end) {
        if (rb_results_write(n++ % 2 ? b : a, path, NULL) < 0)
            return 1;
    }
    json_decref(a);
    json_decref(b);
    return 0;
}

static void test_results_replaced_while_read(void)
{
    char *path = in_tmp("replaced.json");
    json_t *first = results_of_size("A", 300000);
    rb_error err = {0};
    long reads = 0, seen_a = 0, seen_b = 0, broken = 0;
    pid_t pid;
    int status = -1;
    double end;

    rb_results_write(first, path, &err);
    json_decref(first);
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(keep_replacing(path));
    end = rb_now() + 1.0;
    while (rb_now() < end) {
        json_t *doc = rb_results_load(path, &err);
        const char *label = doc ? label_of(doc) : NULL;

        reads++;
        if (label && strcmp(label, "A") == 0)
            seen_a++;
        else if (label && strcmp(label, "B") == 0)
            seen_b++;
        else {
            if (broken++ == 0)
                fprintf(stderr, "  partial read: %s\n", err.msg);
        }
        rb_error_clear(&err);
        json_decref(doc);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("  replaced while read: %ld reads, %ld A, %ld B, %ld broken\n",
           reads, seen_a, seen_b, broken);
    CHECK_EQ_INT(broken, 0);
    CHECK(seen_a > 0 && seen_b > 0);
    CHECK_EQ_INT(count_temporary(tmp_root), 0);
    rb_free(path);
}

/*
 * A file rewritten in place (not by rankbench: by `cat > file`, say) can
 * be read half-written. Readers must then fail with a clear error, not
 * crash or accept a fragment.
 */
static int keep_rewriting_in_place(void *arg)
{
    const char *path = arg;
    json_t *doc = results_of_size("A", 300000);
    char *text = json_dumps(doc, JSON_INDENT(2));
    size_t len = strlen(text), half = len / 2;
    double end = rb_now() + 1.5;

    while (rb_now() < end) {
        FILE *f = fopen(path, "wb");

        if (!f)
            return 1;
        fwrite(text, 1, half, f);
        fflush(f);
        fwrite(text + half, 1, len - half, f);
        fclose(f);
    }
    free(text);
    json_decref(doc);
    return 0;
}

static void test_partial_results_rejected(void)
{
    char *path = in_tmp("rewritten.json");
    rb_error err = {0};
    long reads = 0, whole = 0, rejected = 0, wrong = 0;
    pid_t pid;
    int status = -1;
    double end;

    write_text(path, "{}");
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(keep_rewriting_in_place(path));
    end = rb_now() + 1.0;
    while (rb_now() < end) {
        json_t *doc = rb_results_load(path, &err);

        reads++;
        if (doc && label_of(doc) && strcmp(label_of(doc), "A") == 0)
            whole++;
        else if (!doc && strstr(err.msg, "rewritten.json"))
            rejected++;
        else
            wrong++;
        rb_error_clear(&err);
        json_decref(doc);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("  rewritten in place: %ld reads, %ld whole, %ld rejected\n",
           reads, whole, rejected);
    CHECK_EQ_INT(wrong, 0);
    CHECK(whole + rejected == reads);
    rb_free(path);
}

int main(void)
{
    char cmd[300];

    if (!mkdtemp(tmp_root))
        return 1;
    rb_log_set_level(RB_LOG_ERROR);
    RUN_TEST(test_output_folder_is_a_file);
    RUN_TEST(test_folder_not_writable);
    RUN_TEST(test_disk_full_by_file_size_limit);
    RUN_TEST(test_disk_full_on_small_tmpfs);
    RUN_TEST(test_results_replaced_while_read);
    RUN_TEST(test_partial_results_rejected);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_root);
    if (system(cmd) != 0)
        return 1;
    return check_report();
}
