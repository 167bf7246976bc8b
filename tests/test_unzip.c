/*
 * Safe unpacking of zip archives built here with libzip: a good one, and
 * ones that try to escape the folder, carry links, exceed the limits or
 * are damaged. A refused archive must leave the target folder empty.
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "base/fileio.h"
#include "check.h"
#include "data/fetch.h"

static char root[64];

typedef struct entry {
    const char *name;
    const char *data;       /* NULL for a folder */
    unsigned mode;          /* Unix mode with type bits, or 0 */
    int store;              /* no compression */
} entry;

static void build(const char *zipname, const entry *e, size_t n)
{
    char path[600];
    zip_t *za;
    int err, i;

    snprintf(path, sizeof path, "%s/%s", root, zipname);
    za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!za) {
        fprintf(stderr, "zip_open %s failed\n", path);
        exit(1);
    }
    for (i = 0; i < (int)n; i++) {
        zip_int64_t idx;

        if (!e[i].data) {
            idx = zip_dir_add(za, e[i].name, ZIP_FL_ENC_UTF_8);
        } else {
            zip_source_t *src = zip_source_buffer(za, e[i].data,
                                                  strlen(e[i].data), 0);

            idx = zip_file_add(za, e[i].name, src, ZIP_FL_ENC_UTF_8);
            if (idx < 0)
                zip_source_free(src);
        }
        if (idx < 0) {
            fprintf(stderr, "cannot add %s: %s\n", e[i].name,
                    zip_strerror(za));
            exit(1);
        }
        if (e[i].mode)
            zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0,
                                             ZIP_OPSYS_UNIX,
                                             (zip_uint32_t)e[i].mode << 16);
        if (e[i].store)
            zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE,
                                     0);
    }
    if (zip_close(za) < 0) {
        fprintf(stderr, "zip_close failed: %s\n", zip_strerror(za));
        exit(1);
    }
}

/* Unpack root/zipname into a fresh folder root/dest. */
static int unpack(const char *zipname, const char *dest,
                  const rb_unzip_limits *lim, rb_unzip_info *info,
                  rb_error *err)
{
    char zpath[600], dpath[600];

    snprintf(zpath, sizeof zpath, "%s/%s", root, zipname);
    snprintf(dpath, sizeof dpath, "%s/%s", root, dest);
    rb_mkdirs(dpath, NULL);
    return rb_unzip_safe(zpath, dpath, lim, NULL, info, err);
}

static int folder_is_empty(const char *dest)
{
    char path[600];
    DIR *d;
    struct dirent *de;
    int empty = 1;

    snprintf(path, sizeof path, "%s/%s", root, dest);
    d = opendir(path);
    if (!d)
        return 0;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            empty = 0;
    closedir(d);
    return empty;
}

static char *slurp(const char *rel)
{
    char path[600], *data = NULL;
    size_t n;

    snprintf(path, sizeof path, "%s/%s", root, rel);
    if (rb_read_file(path, &data, &n, NULL) < 0)
        return NULL;
    return data;
}

/* Expect a refusal mentioning `why`, with nothing written. */
static void refuses(const char *zipname, const char *dest, const char *why,
                    const rb_unzip_limits *lim)
{
    rb_unzip_info info;
    rb_error err = {{0}, 0};

    CHECK_EQ_INT(unpack(zipname, dest, lim, &info, &err), -1);
    if (!strstr(err.msg, why)) {
        fprintf(stderr, "%s: got \"%s\", wanted \"%s\"\n", zipname,
                err.msg, why);
        CHECK(0);
    }
    CHECK(folder_is_empty(dest));
}

static void test_good_archive_unpacks_every_file(void)
{
    entry e[] = {
        {"ds/", NULL, 0, 0},
        {"ds/corpus.jsonl", "{\"_id\": \"a\"}\n", 0100644, 0},
        {"ds/qrels/test.tsv", "query-id\tcorpus-id\tscore\n", 0, 0},
        {"__MACOSX/ds/._corpus.jsonl", "junk", 0, 0},
    };
    rb_unzip_info info;
    rb_error err = {{0}, 0};
    char *data;

    build("good.zip", e, 4);
    CHECK_EQ_INT(unpack("good.zip", "good", NULL, &info, &err), 0);
    CHECK_EQ_INT(info.files, 2);
    CHECK_EQ_INT(info.folders, 1);
    CHECK_EQ_INT(info.skipped, 1);
    CHECK_EQ_INT(info.bytes, 13 + 25);
    data = slurp("good/ds/corpus.jsonl");
    CHECK_STR(data, "{\"_id\": \"a\"}\n");
    free(data);
    data = slurp("good/ds/qrels/test.tsv");
    CHECK_STR(data, "query-id\tcorpus-id\tscore\n");
    free(data);
    CHECK(access("__MACOSX", F_OK) != 0);
}

static void test_path_traversal_is_refused(void)
{
    entry e[] = {{"ds/corpus.jsonl", "x", 0, 0},
                 {"../escaped.txt", "gotcha", 0, 0}};
    entry f[] = {{"ds/../../escaped2.txt", "gotcha", 0, 0}};
    char path[600];

    build("traversal.zip", e, 2);
    refuses("traversal.zip", "t1/inner", "\"..\" path component", NULL);
    snprintf(path, sizeof path, "%s/t1/escaped.txt", root);
    CHECK(access(path, F_OK) != 0);
    build("traversal2.zip", f, 1);
    refuses("traversal2.zip", "t2", "\"..\" path component", NULL);
}

static void test_absolute_and_windows_paths_are_refused(void)
{
    entry abs[] = {{"/tmp/rb-absolute.txt", "x", 0, 0}};
    entry bs[] = {{"ds\\..\\x.txt", "x", 0, 0}};
    entry drive[] = {{"C:/x.txt", "x", 0, 0}};

    build("abs.zip", abs, 1);
    refuses("abs.zip", "abs", "an absolute path", NULL);
    CHECK(access("/tmp/rb-absolute.txt", F_OK) != 0);
    build("bs.zip", bs, 1);
    refuses("bs.zip", "bs", "a backslash", NULL);
    build("drive.zip", drive, 1);
    refuses("drive.zip", "drive", "a drive letter", NULL);
}

static void test_links_and_special_files_are_refused(void)
{
    entry link[] = {{"ds/corpus.jsonl", "/etc/passwd", 0120777, 0}};
    entry fifo[] = {{"ds/pipe", "", 0010644, 0}};

    build("link.zip", link, 1);
    refuses("link.zip", "link", "symbolic link", NULL);
    build("fifo.zip", fifo, 1);
    refuses("fifo.zip", "fifo", "special file", NULL);
}

static void test_limits_are_enforced(void)
{
    entry e[] = {{"a", "12345", 0, 0}, {"b", "12345", 0, 0},
                 {"c", "12345", 0, 0}, {"d", "12345", 0, 0}};
    rb_unzip_limits lim;
    static char zeros[3 << 20];
    entry bomb[] = {{"zeros.bin", zeros, 0, 0}};

    rb_unzip_limits_default(&lim);
    build("four.zip", e, 4);
    lim.max_entries = 3;
    refuses("four.zip", "l1", "above the limit of 3", &lim);
    rb_unzip_limits_default(&lim);
    lim.max_bytes = 19;
    refuses("four.zip", "l2", "size limit", &lim);
    lim.max_bytes = 20;
    {
        rb_unzip_info info;
        rb_error err = {{0}, 0};

        CHECK_EQ_INT(unpack("four.zip", "l3", &lim, &info, &err), 0);
        CHECK_EQ_INT(info.files, 4);
    }
    memset(zeros, '0', sizeof zeros - 1);
    build("bomb.zip", bomb, 1);
    rb_unzip_limits_default(&lim);
    lim.max_ratio = 50;
    refuses("bomb.zip", "l4", "zip bomb", &lim);
}

static void test_duplicate_entries_are_refused(void)
{
    entry e[] = {{"ds/x", "file", 0, 0}, {"ds/x/", NULL, 0, 0}};

    build("dup.zip", e, 2);
    refuses("dup.zip", "dup", "appears twice", NULL);
}

static void test_damaged_and_truncated_archives_are_refused(void)
{
    static const char payload[] = "PAYLOAD-0123456789-PAYLOAD";
    entry e[] = {{"ds/data.txt", payload, 0, 1}};
    char path[600], *data, *at;
    size_t n, i;
    FILE *f;

    build("crc.zip", e, 1);
    snprintf(path, sizeof path, "%s/crc.zip", root);
    CHECK(rb_read_file(path, &data, &n, NULL) == 0);
    for (at = NULL, i = 0; !at && i + 12 <= n; i++)
        if (memcmp(data + i, "PAYLOAD-0123", 12) == 0)
            at = data + i;
    CHECK(at != NULL);
    if (at) {
        at[10] ^= 1;
        f = fopen(path, "wb");
        fwrite(data, 1, n, f);
        fclose(f);
    }
    free(data);
    {
        rb_unzip_info info;
        rb_error err = {{0}, 0};

        CHECK_EQ_INT(unpack("crc.zip", "crc", NULL, &info, &err), -1);
        CHECK(strstr(err.msg, "damaged") != NULL);
    }

    build("cut.zip", e, 1);
    snprintf(path, sizeof path, "%s/cut.zip", root);
    CHECK(truncate(path, 40) == 0);
    refuses("cut.zip", "cut", "not a valid zip archive", NULL);
}

static void test_encrypted_entries_are_refused(void)
{
    char path[600];
    zip_t *za;
    zip_source_t *src;
    int err;

    if (!zip_encryption_method_supported(ZIP_EM_AES_256, 1)) {
        printf("libzip cannot encrypt here: no encrypted archive made\n");
        return;
    }
    snprintf(path, sizeof path, "%s/enc.zip", root);
    za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    src = zip_source_buffer(za, "secret", 6, 0);
    zip_file_add(za, "ds/secret.txt", src, 0);
    CHECK_EQ_INT(zip_file_set_encryption(za, 0, ZIP_EM_AES_256, "pw"), 0);
    zip_close(za);
    refuses("enc.zip", "enc", "encrypted", NULL);
}

int main(void)
{
    rb_error err = {{0}, 0};

    snprintf(root, sizeof root, "/tmp/rb-unzip-XXXXXX");
    if (!mkdtemp(root))
        return 1;
    RUN_TEST(test_good_archive_unpacks_every_file);
    RUN_TEST(test_path_traversal_is_refused);
    RUN_TEST(test_absolute_and_windows_paths_are_refused);
    RUN_TEST(test_links_and_special_files_are_refused);
    RUN_TEST(test_limits_are_enforced);
    RUN_TEST(test_duplicate_entries_are_refused);
    RUN_TEST(test_damaged_and_truncated_archives_are_refused);
    RUN_TEST(test_encrypted_entries_are_refused);
    rb_remove_tree(root, &err);
    return check_report();
}
