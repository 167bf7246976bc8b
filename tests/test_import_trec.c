/*
 * Converting TREC collections built here into BEIR folders: SGML, XML and
 * TSV topics, SGML and JSONL documents, and failures that must leave
 * nothing behind.
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "base/fileio.h"
#include "base/mem.h"
#include "check.h"
#include "data/fetch.h"
#include "data/import_trec.h"

static char root[64];

static const char *at(const char *rel)
{
    static char paths[8][600];
    static int next;
    char *p = paths[next++ % 8];

    snprintf(p, 600, "%s/%s", root, rel);
    return p;
}

static void put(const char *rel, const char *data)
{
    char dir[600], *slash;

    snprintf(dir, sizeof dir, "%s", at(rel));
    slash = strrchr(dir, '/');
    *slash = '\0';
    rb_mkdirs(dir, NULL);
    if (rb_write_file_atomic(at(rel), data, strlen(data), NULL) < 0)
        exit(1);
}

static char *slurp(const char *rel)
{
    char *data = NULL;
    size_t n;

    if (rb_read_file(at(rel), &data, &n, NULL) < 0)
        return NULL;
    return data;
}

/* Nothing but the given entries in root/dir. */
static int only_entries(const char *dir, const char *a, const char *b)
{
    DIR *d = opendir(at(dir));
    struct dirent *de;
    int ok = d != NULL;

    while (d && (de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
            (!a || strcmp(de->d_name, a)) && (!b || strcmp(de->d_name, b)))
            ok = 0;
    if (d)
        closedir(d);
    return ok;
}

/* No ".NAME.import.XXXXXX" folder is left in root/dir. */
static int no_temporary_left(const char *dir)
{
    DIR *d = opendir(at(dir));
    struct dirent *de;
    int ok = d != NULL;

    while (d && (de = readdir(d)) != NULL)
        if (strstr(de->d_name, ".import."))
            ok = 0;
    if (d)
        closedir(d);
    return ok;
}

static int run(const char *topics, const char *qrels, const char *docs,
               const char *out, const char *fields, rb_text_encoding enc,
               int force, rb_import_trec_summary *sum, rb_error *err)
{
    const char *docv[1];
    rb_import_trec_options opt;

    memset(&opt, 0, sizeof opt);
    docv[0] = at(docs);
    opt.topics = at(topics);
    opt.qrels = at(qrels);
    opt.docs = docv;
    opt.ndocs = 1;
    opt.out = at(out);
    opt.query_fields = fields;
    opt.encoding = enc;
    opt.force = force;
    return rb_import_trec(&opt, sum, err);
}

static const char sgml_topics[] =
    "<top>\n<num> Number: 301\n<title> International Organized Crime\n\n"
    "<desc> Description:\nIdentify organizations that take part in\n"
    "criminal activity.\n\n<narr> Narrative:\nA relevant document names "
    "one &amp; more.\n</top>\n\n"
    "<TOP>\n<NUM> Number: 302 \n<TITLE> Topic: Polio\n<DESC>\nIs polio "
    "under control?\n</TOP>\n";

static void make_sgml_collection(void)
{
    gzFile gz;

    put("c1/topics.txt", sgml_topics);
    put("c1/qrels.txt", "301 0 FT-1 1\n301 0 FT-2 0\n\n302 0 FT-2 2\n"
        "302 0 NOPE 1\n");
    put("c1/docs/a.sgml",
        "<DOC>\n<DOCNO> FT-1 </DOCNO>\n<HEADLINE>Crime &amp; the\n"
        "Mafia</HEADLINE>\n<TEXT>\nThe mafia is an <B>organized</B>\n"
        "crime group &#8212; says &#x41;P.\n</TEXT>\n</DOC>\n");
    rb_mkdirs(at("c1/docs/b"), NULL);
    gz = gzopen(at("c1/docs/b/c.gz"), "wb");
    gzputs(gz, "<DOC><DOCNO>FT-2</DOCNO><TEXT>Polio caf\xe9.</TEXT>"
           "<TEXT>Second part.</TEXT></DOC>\n<DOC>\n<DOCNO>LA-3</DOCNO>\n"
           "<DOCID>77</DOCID>\nNo text element, just a body.\n</DOC>\n");
    gzclose(gz);
}

static void test_sgml_collection_converts_exactly(void)
{
    rb_import_trec_summary sum;
    rb_error err = {{0}, 0};
    char *s;

    make_sgml_collection();
    CHECK_EQ_INT(run("c1/topics.txt", "c1/qrels.txt", "c1/docs", "c1/out",
                     NULL, RB_ENCODING_AUTO, 0, &sum, &err), 0);
    if (err.set)
        fprintf(stderr, "%s\n", err.msg);
    CHECK_EQ_INT(sum.documents, 3);
    CHECK_EQ_INT(sum.doc_files, 2);
    CHECK_EQ_INT(sum.docs_latin1, 1);
    CHECK_EQ_INT(sum.topics, 2);
    CHECK_EQ_INT(sum.judgments, 4);
    CHECK_EQ_INT(sum.unknown_doc_judgments, 1);
    CHECK_EQ_INT(sum.unknown_topic_judgments, 0);
    s = slurp("c1/out/corpus.jsonl");
    CHECK_STR(s,
        "{\"_id\":\"FT-1\",\"title\":\"Crime & the Mafia\",\"text\":"
        "\"The mafia is an organized crime group \xE2\x80\x94 says AP.\"}\n"
        "{\"_id\":\"FT-2\",\"title\":\"\",\"text\":\"Polio caf\xC3\xA9. "
        "Second part.\"}\n"
        "{\"_id\":\"LA-3\",\"title\":\"\",\"text\":\"No text element, just "
        "a body.\"}\n");
    free(s);
    s = slurp("c1/out/queries.jsonl");
    CHECK_STR(s,
        "{\"_id\":\"301\",\"text\":\"International Organized Crime\","
        "\"metadata\":{\"title\":\"International Organized Crime\","
        "\"description\":\"Identify organizations that take part in "
        "criminal activity.\",\"narrative\":\"A relevant document names "
        "one & more.\"}}\n"
        "{\"_id\":\"302\",\"text\":\"Polio\",\"metadata\":{\"title\":"
        "\"Polio\",\"description\":\"Is polio under control?\"}}\n");
    free(s);
    s = slurp("c1/out/qrels/test.tsv");
    CHECK_STR(s, "query-id\tcorpus-id\tscore\n301\tFT-1\t1\n301\tFT-2\t0\n"
              "302\tFT-2\t2\n302\tNOPE\t1\n");
    free(s);
    CHECK(no_temporary_left("c1"));
}

static void test_query_fields_are_joined(void)
{
    rb_import_trec_summary sum;
    rb_error err = {{0}, 0};
    char *s;

    CHECK_EQ_INT(run("c1/topics.txt", "c1/qrels.txt", "c1/docs",
                     "c1/desc", "title+description", RB_ENCODING_AUTO, 0,
                     &sum, &err), 0);
    s = slurp("c1/desc/queries.jsonl");
    CHECK(s && strstr(s, "\"text\":\"Polio Is polio under control?\""));
    free(s);
    CHECK_EQ_INT(run("c1/topics.txt", "c1/qrels.txt", "c1/docs",
                     "c1/narr", "narrative", RB_ENCODING_AUTO, 0, &sum,
                     &err), 0);
    CHECK_EQ_INT(sum.topics_empty, 1);
    err.set = 0;
    CHECK_EQ_INT(run("c1/topics.txt", "c1/qrels.txt", "c1/docs", "c1/bad",
                     "title+summary", RB_ENCODING_AUTO, 0, &sum, &err), -1);
    CHECK(strstr(err.msg, "\"summary\": not a topic field") != NULL);
}

static void test_xml_and_tsv_topics(void)
{
    rb_import_trec_summary sum;
    rb_error err = {{0}, 0};
    char *s;

    put("c2/topics.xml",
        "<topics task=\"Round 1\">\n<topic number=\"1\">\n  <query>"
        "coronavirus origin</query>\n  <question>what is the origin of "
        "COVID-19</question>\n  <narrative>seeking the origin</narrative>\n"
        "</topic>\n<topic number='2'>\n  <query>weather</query>\n"
        "</topic>\n</topics>\n");
    put("c2/topics.tsv", "1\tcoronavirus origin\n2 weather changes\n\n");
    put("c2/qrels.txt", "1 0 d1 2\n2 Q0 2 1\n");
    put("c2/docs.jsonl", "{\"id\": \"d1\", \"contents\": \"about origin\"}\n"
        "{\"id\": 2, \"title\": \"w\", \"contents\": \"weather\", "
        "\"metadata\": {\"url\": \"u\"}}\n");
    CHECK_EQ_INT(run("c2/topics.xml", "c2/qrels.txt", "c2/docs.jsonl",
                     "c2/xml", "title+description", RB_ENCODING_AUTO, 0,
                     &sum, &err), 0);
    s = slurp("c2/xml/queries.jsonl");
    CHECK_STR(s, "{\"_id\":\"1\",\"text\":\"coronavirus origin what is the "
              "origin of COVID-19\",\"metadata\":{\"title\":\"coronavirus "
              "origin\",\"description\":\"what is the origin of "
              "COVID-19\",\"narrative\":\"seeking the origin\"}}\n"
              "{\"_id\":\"2\",\"text\":\"weather\",\"metadata\":{\"title\":"
              "\"weather\"}}\n");
    free(s);
    s = slurp("c2/xml/corpus.jsonl");
    CHECK_STR(s, "{\"_id\":\"d1\",\"title\":\"\",\"text\":\"about "
              "origin\"}\n{\"_id\":\"2\",\"title\":\"w\",\"text\":"
              "\"weather\",\"metadata\":{\"url\":\"u\"}}\n");
    free(s);
    CHECK_EQ_INT(run("c2/topics.tsv", "c2/qrels.txt", "c2/docs.jsonl",
                     "c2/tsv", "description", RB_ENCODING_AUTO, 0, &sum,
                     &err), 0);
    CHECK_EQ_INT(sum.topics, 2);
    CHECK_EQ_INT(sum.topics_empty, 0);
    s = slurp("c2/tsv/queries.jsonl");
    CHECK(s && strstr(s, "{\"_id\":\"2\",\"text\":\"weather changes\""));
    free(s);
}

/* A failed import names the problem and leaves no folder behind. */
static void fails(const char *topics, const char *qrels, const char *docs,
                  rb_text_encoding enc, const char *why)
{
    rb_import_trec_summary sum;
    rb_error err = {{0}, 0};

    CHECK_EQ_INT(run(topics, qrels, docs, "c3/out", NULL, enc, 0, &sum,
                     &err), -1);
    if (!strstr(err.msg, why)) {
        fprintf(stderr, "got \"%s\", wanted \"%s\"\n", err.msg, why);
        CHECK(0);
    }
    CHECK(only_entries("c3", "in", NULL));
}

static void test_bad_input_fails_cleanly(void)
{
    put("c3/in/topics.txt", "<top>\n<num> Number: 1\n<title> t\n</top>\n");
    put("c3/in/dup-topics.txt", "<top><num>1<title>a</top>\n"
        "<top><num>1<title>b</top>\n");
    put("c3/in/nonum.xml", "<topic><query>x</query></topic>\n");
    put("c3/in/qrels.txt", "1 0 A 1\n");
    put("c3/in/badgrade.txt", "1 0 A 1\n1 0 B yes\n");
    put("c3/in/dupq.txt", "1 0 A 1\n1 0 A 0\n");
    put("c3/in/short.txt", "1 0 A\n");
    put("c3/in/docs/1", "<DOC><DOCNO>A</DOCNO><TEXT>a</TEXT></DOC>\n");
    put("c3/in/docs/2", "<DOC><DOCNO>A</DOCNO><TEXT>again</TEXT></DOC>\n");
    put("c3/in/nodocno.sgml", "<DOC>\n<TEXT>a</TEXT>\n</DOC>\n");
    put("c3/in/open.sgml", "<DOC>\n<DOCNO>A</DOCNO>\n<TEXT>a</TEXT>\n");
    put("c3/in/latin1.sgml", "<DOC><DOCNO>A</DOCNO><TEXT>caf\xe9</TEXT>"
        "</DOC>\n");
    put("c3/in/plain.txt", "just some words\n");
    put("c3/in/ok.sgml", "<DOC><DOCNO>A</DOCNO><TEXT>a</TEXT></DOC>\n");

    fails("c3/in/topics.txt", "c3/in/qrels.txt", "c3/in/docs",
          RB_ENCODING_AUTO, "c3/in/docs/2:1: document \"A\" appears twice");
    fails("c3/in/topics.txt", "c3/in/qrels.txt", "c3/in/nodocno.sgml",
          RB_ENCODING_AUTO, "nodocno.sgml:1: document without a <DOCNO>");
    fails("c3/in/topics.txt", "c3/in/qrels.txt", "c3/in/open.sgml",
          RB_ENCODING_AUTO, "open.sgml:1: <DOC> without </DOC>");
    fails("c3/in/topics.txt", "c3/in/qrels.txt", "c3/in/latin1.sgml",
          RB_ENCODING_UTF8, "latin1.sgml:1: document is not valid UTF-8");
    fails("c3/in/topics.txt", "c3/in/qrels.txt", "c3/in/plain.txt",
          RB_ENCODING_AUTO, "neither JSONL nor TREC documents");
    fails("c3/in/topics.txt", "c3/in/badgrade.txt", "c3/in/ok.sgml",
          RB_ENCODING_AUTO, "badgrade.txt:2: grade \"yes\" is not an "
          "integer");
    fails("c3/in/topics.txt", "c3/in/dupq.txt", "c3/in/ok.sgml",
          RB_ENCODING_AUTO, "dupq.txt:2: duplicate judgment");
    fails("c3/in/topics.txt", "c3/in/short.txt", "c3/in/ok.sgml",
          RB_ENCODING_AUTO, "short.txt:1: expected 4 fields");
    fails("c3/in/dup-topics.txt", "c3/in/qrels.txt", "c3/in/ok.sgml",
          RB_ENCODING_AUTO, "dup-topics.txt:2: topic \"1\" appears twice");
    fails("c3/in/nonum.xml", "c3/in/qrels.txt", "c3/in/ok.sgml",
          RB_ENCODING_AUTO, "nonum.xml:1: <topic> without a number");
}

static void test_existing_folder_needs_force(void)
{
    rb_import_trec_summary sum;
    rb_error err = {{0}, 0};
    char *s;

    CHECK_EQ_INT(run("c3/in/topics.txt", "c3/in/qrels.txt",
                     "c3/in/ok.sgml", "c3/out", NULL, RB_ENCODING_AUTO, 0,
                     &sum, &err), 0);
    CHECK_EQ_INT(run("c3/in/topics.txt", "c3/in/qrels.txt",
                     "c3/in/latin1.sgml", "c3/out", NULL, RB_ENCODING_AUTO,
                     0, &sum, &err), -1);
    CHECK(strstr(err.msg, "already exists") != NULL);
    err.set = 0;
    CHECK_EQ_INT(run("c3/in/topics.txt", "c3/in/qrels.txt",
                     "c3/in/latin1.sgml", "c3/out", NULL,
                     RB_ENCODING_LATIN1, 1, &sum, &err), 0);
    s = slurp("c3/out/corpus.jsonl");
    CHECK_STR(s, "{\"_id\":\"A\",\"title\":\"\",\"text\":\"caf\xC3\xA9\"}\n");
    free(s);
    CHECK(only_entries("c3", "in", "out"));
}

static void test_allocation_failures_leave_nothing(void)
{
    long n;
    int failures = 0;

    rb_mkdirs(at("c4"), NULL);
    for (n = 1; n < 100000; n++) {
        rb_import_trec_summary sum;
        rb_error err = {{0}, 0};
        int rc;

        rb_mem_fail_after(n);
        rc = run("c1/topics.txt", "c1/qrels.txt", "c1/docs", "c4/out",
                 "title+description", RB_ENCODING_AUTO, 0, &sum, &err);
        rb_mem_fail_after(0);
        if (rc == 0) {
            CHECK_EQ_INT(sum.documents, 3);
            break;
        }
        failures++;
        if (!strstr(err.msg, "out of memory") || !only_entries("c4", NULL,
                                                               NULL)) {
            fprintf(stderr, "allocation %ld: %s\n", n, err.msg);
            CHECK(0);
            break;
        }
    }
    CHECK(failures > 20);
    CHECK(only_entries("c4", "out", NULL));
}

int main(void)
{
    rb_error err = {{0}, 0};

    snprintf(root, sizeof root, "/tmp/rb-import-XXXXXX");
    if (!mkdtemp(root))
        return 1;
    RUN_TEST(test_sgml_collection_converts_exactly);
    RUN_TEST(test_query_fields_are_joined);
    RUN_TEST(test_xml_and_tsv_topics);
    RUN_TEST(test_bad_input_fails_cleanly);
    RUN_TEST(test_existing_folder_needs_force);
    RUN_TEST(test_allocation_failures_leave_nothing);
    rb_remove_tree(root, &err);
    return check_report();
}
