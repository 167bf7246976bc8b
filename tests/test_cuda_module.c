/* Loading the CUDA backends at run time: programs do not map the CUDA
 * libraries until a GPU is asked for, a missing or foreign module is
 * reported clearly, and a build without CUDA says so. The module is
 * loaded once per process, so each case runs in a child of its own. */

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "encoder/cuda_module.h"

/* Whether this process has a CUDA library mapped. */
static int cuda_mapped(void)
{
    char line[4096];
    int found = 0;
    FILE *f = fopen("/proc/self/maps", "r");

    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strstr(line, "libcudart") || strstr(line, "libcublas"))
            found = 1;
    fclose(f);
    return found;
}

/* In a child with RANKBENCH_CUDA_MODULE set to module (NULL: unset):
 * load the module (load_only) or ask whether CUDA is usable, and return
 * the answer, whether CUDA libraries got mapped and the reason given. */
static void in_child(int load_only, const char *module, char *why,
                     size_t size, int *usable, int *mapped)
{
    int fd[2];
    pid_t pid;
    ssize_t n;
    char buf[800];

    *usable = -1;
    *mapped = -1;
    why[0] = '\0';
    if (pipe(fd) != 0)
        return;
    pid = fork();
    if (pid == 0) {
        char msg[700];
        const rb_cuda_module *m;
        int len;

        close(fd[0]);
        if (module)
            setenv("RANKBENCH_CUDA_MODULE", module, 1);
        else
            unsetenv("RANKBENCH_CUDA_MODULE");
        m = load_only ? rb_cuda_module_get(msg, sizeof msg)
                      : rb_cuda_usable(msg, sizeof msg);
        len = snprintf(buf, sizeof buf, "%d %d %s", m != NULL,
                       cuda_mapped(), m ? "" : msg);
        if (write(fd[1], buf, (size_t)len) != len)
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    n = read(fd[0], buf, sizeof buf - 1);
    close(fd[0]);
    waitpid(pid, NULL, 0);
    if (n < 4)
        return;
    buf[n] = '\0';
    *usable = buf[0] - '0';
    *mapped = buf[2] == '-' ? -1 : buf[2] - '0';
    snprintf(why, size, "%s", buf + 4);
}

static void test_programs_start_without_cuda_mapped(void)
{
    CHECK_EQ_INT(cuda_mapped(), 0);
}

#ifdef RB_HAVE_CUDA

#include <dlfcn.h>

static int have_driver(void)
{
    void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);

    if (h)
        dlclose(h);
    return h != NULL;
}

static void test_module_found_in_build_tree(void)
{
    char why[800];
    int loaded, mapped;

    in_child(1, NULL, why, sizeof why, &loaded, &mapped);
    CHECK_EQ_INT(loaded, 1);
    CHECK_EQ_INT(mapped, 1);
}

/* The automatic choice: with a driver it asks the module; without one
 * it answers at once and maps nothing. */
static void test_usable_asks_the_driver_first(void)
{
    char why[800];
    int usable, mapped;

    in_child(0, NULL, why, sizeof why, &usable, &mapped);
    if (usable == 1) {
        CHECK_EQ_INT(mapped, 1);
        return;
    }
    CHECK_EQ_INT(usable, 0);
    CHECK(strncmp(why, "no usable CUDA device (", 23) == 0);
    if (!have_driver()) {
        CHECK_EQ_INT(mapped, 0);
        CHECK(strstr(why, "no CUDA driver: ") != NULL);
    } else {
        CHECK_EQ_INT(mapped, 1);
    }
    printf("  without a GPU: %s\n", why);
}

static void test_missing_module_named_by_env(void)
{
    char why[800];
    int loaded, mapped;

    in_child(1, "/nonexistent/librankbench_cuda.so", why, sizeof why,
             &loaded, &mapped);
    CHECK_EQ_INT(loaded, 0);
    CHECK_EQ_INT(mapped, 0);
    CHECK(strstr(why, "RANKBENCH_CUDA_MODULE names "
                      "/nonexistent/librankbench_cuda.so, which does not "
                      "exist") != NULL);
}

static void test_file_that_is_not_a_library(void)
{
    char why[800], path[] = "/tmp/rb-cuda-module-XXXXXX";
    int loaded, mapped, fd = mkstemp(path);

    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK(write(fd, "not an ELF file\n", 16) == 16);
    close(fd);
    in_child(1, path, why, sizeof why, &loaded, &mapped);
    unlink(path);
    CHECK_EQ_INT(loaded, 0);
    CHECK(strstr(why, "could not be loaded: ") != NULL);
    CHECK(strstr(why, path) != NULL);
}

static void test_foreign_library_refused(void)
{
    const char *libz = "/usr/lib/x86_64-linux-gnu/libz.so.1";
    char why[800];
    int loaded, mapped;

    if (access(libz, R_OK) != 0) {
        printf("  (no %s to stand for a foreign library)\n", libz);
        return;
    }
    in_child(1, libz, why, sizeof why, &loaded, &mapped);
    CHECK_EQ_INT(loaded, 0);
    CHECK(strstr(why, "is not a rankbench CUDA module") != NULL);
}

#else

static void test_build_without_cuda_says_so(void)
{
    char why[800];
    int usable, mapped;

    in_child(0, NULL, why, sizeof why, &usable, &mapped);
    CHECK_EQ_INT(usable, 0);
    CHECK_EQ_INT(mapped, 0);
    CHECK(strstr(why, "this build has no CUDA backend") != NULL);
    CHECK_EQ_INT(rb_cuda_device_count(why, sizeof why), 0);
}

#endif

int main(void)
{
    RUN_TEST(test_programs_start_without_cuda_mapped);
#ifdef RB_HAVE_CUDA
    RUN_TEST(test_module_found_in_build_tree);
    RUN_TEST(test_usable_asks_the_driver_first);
    RUN_TEST(test_missing_module_named_by_env);
    RUN_TEST(test_file_that_is_not_a_library);
    RUN_TEST(test_foreign_library_refused);
#else
    RUN_TEST(test_build_without_cuda_says_so);
#endif
    return check_report();
}
