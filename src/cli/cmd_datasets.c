/*
 * rankbench datasets: check, describe, fetch and import collections.
 */

#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "cli/commands.h"
#include "data/dataset_check.h"
#include "data/dataset_stats.h"
#include "data/fetch.h"
#include "data/import_trec.h"

static void usage(FILE *out)
{
    fprintf(out,
        "usage: rankbench datasets check DIR [--split S] [--strict] "
        "[--all] [--json]\n"
        "       rankbench datasets stats DIR [--split S] [--json] "
        "[--plots OUTDIR]\n"
        "       rankbench datasets fetch NAME|URL [--dir DIR] [options]\n"
        "       rankbench datasets import-trec --topics FILE --qrels FILE "
        "--docs PATH... --out DIR\n"
        "\n"
        "  check        validate a BEIR folder and list every problem\n"
        "  stats        length distributions, vocabulary, judgments per "
        "query\n"
        "  fetch        download and unpack a published BEIR archive\n"
        "  import-trec  build a BEIR folder from TREC topics, qrels and "
        "documents\n"
        "'rankbench datasets SUBCOMMAND --help' describes each.\n");
}

/* Parse a non-negative count option value. */
static int parse_count(const char *opt, const char *s, size_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-')
        goto bad;
    v = strtoull(s, &end, 10);
    if (*end)
        goto bad;
    *out = (size_t)v;
    return 0;
bad:
    fprintf(stderr, "rankbench datasets: %s needs a number, not '%s'\n",
            opt, s ? s : "");
    return -1;
}

/* ---------------------------------------------------------------------- */
/* check                                                                   */

static void print_grades(const rb_check_split *s)
{
    size_t i;

    printf("; grades");
    for (i = 0; i < s->ngrades; i++)
        printf("%s %d (%zu)", i ? "," : "", s->grades[i].grade,
               s->grades[i].count);
}

/* The human-readable report: problems as FILE:LINE: severity: message,
 * then a summary. */
static void print_check_report(const rb_check_report *r)
{
    size_t listed[RB_CHECK_NKINDS] = {0}, i;
    int more = 0;

    for (i = 0; i < r->nproblems; i++) {
        const rb_check_problem *p = &r->problems[i];

        listed[p->kind]++;
        if (p->line)
            printf("%s:%ld: %s: %s\n", p->file, p->line,
                   rb_check_severity_name(p->severity), p->message);
        else
            printf("%s: %s: %s\n", p->file,
                   rb_check_severity_name(p->severity), p->message);
    }
    for (i = 0; i < RB_CHECK_NKINDS; i++) {
        if (r->counts[i] <= listed[i])
            continue;
        printf("... and %zu more %s problems not listed\n",
               r->counts[i] - listed[i],
               rb_check_kind_name((rb_check_kind)i));
        more = 1;
    }
    if (more)
        printf("(--all lists every problem)\n");
    if (r->nproblems)
        printf("\n");

    printf("dataset      %s\n", r->dir);
    if (r->corpus.file)
        printf("corpus       %s: %zu documents, %zu empty titles, "
               "%zu empty texts\n", r->corpus.file, r->corpus.records,
               r->corpus.empty_titles, r->corpus.empty_texts);
    if (r->queries.file)
        printf("queries      %s: %zu queries, %zu without judgments\n",
               r->queries.file, r->queries.records, r->unjudged_queries);
    for (i = 0; i < r->nsplits; i++) {
        const rb_check_split *s = &r->splits[i];

        printf("split %-6s %s: %zu judgments, %zu queries, %zu "
               "documents, %zu relevant", s->name, s->file, s->judgments,
               s->queries, s->documents, s->relevant);
        if (s->ngrades)
            print_grades(s);
        printf("\n");
        if (s->missing_documents)
            printf("             judged documents missing from the "
                   "corpus: %zu (%zu of them relevant)\n",
                   s->missing_documents, s->missing_relevant);
    }
    if (r->fingerprint_split)
        printf("fingerprint  %s (split %s)\n", r->fingerprint,
               r->fingerprint_split);
    else
        printf("fingerprint  none (a file is missing or unreadable)\n");
    printf("result       %zu error%s, %zu warning%s\n", r->errors,
           r->errors == 1 ? "" : "s", r->warnings,
           r->warnings == 1 ? "" : "s");
}

static int cmd_check(int argc, char **argv)
{
    rb_check_options opt = {NULL, 0, RB_CHECK_DEFAULT_MAX_PER_KIND};
    const char *dir = NULL;
    rb_check_report *r;
    rb_error err = {{0}, 0};
    int json = 0, i, status;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--split") == 0 && i + 1 < argc) {
            opt.split = argv[++i];
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--strict") == 0) {
            opt.strict = 1;
        } else if (strcmp(argv[i], "--all") == 0) {
            opt.max_per_kind = 0;
        } else if (strcmp(argv[i], "--max-per-kind") == 0 && i + 1 < argc) {
            if (parse_count(argv[i], argv[i + 1], &opt.max_per_kind) < 0)
                return 2;
            i++;
        } else if (strcmp(argv[i], "--help") == 0 ||
                   strcmp(argv[i], "-h") == 0) {
            printf("usage: rankbench datasets check DIR [--split S] "
                   "[--strict] [--all | --max-per-kind N] [--json]\n\n"
                   "Reads every file of a BEIR folder and lists each "
                   "problem as FILE:LINE: problem.\n"
                   "  --split S         split whose fingerprint is shown "
                   "(default test)\n"
                   "  --strict          judgments naming unknown documents "
                   "or queries are errors\n"
                   "  --all             list every problem (default: %d "
                   "of each kind)\n"
                   "  --max-per-kind N  list at most N problems of each "
                   "kind\n"
                   "  --json            the report as JSON on stdout\n"
                   "Exit status: 0 when there are no errors (warnings "
                   "allowed), 1 with errors.\n",
                   RB_CHECK_DEFAULT_MAX_PER_KIND);
            return 0;
        } else if (rb_cli_log_option(argv[i])) {
            continue;
        } else if (argv[i][0] == '-' || dir) {
            fprintf(stderr, "rankbench datasets check: unexpected "
                    "argument '%s'\n", argv[i]);
            return 2;
        } else {
            dir = argv[i];
        }
    }
    if (!dir) {
        fprintf(stderr, "usage: rankbench datasets check DIR [--split S] "
                "[--strict] [--all] [--json]\n");
        return 2;
    }
    r = rb_dataset_check(dir, &opt, &err);
    if (!r) {
        rb_log(RB_LOG_ERROR, "%s", err.msg);
        return 1;
    }
    if (json) {
        json_t *j = rb_check_report_json(r);

        if (!j || json_dumpf(j, stdout, JSON_INDENT(2)) < 0) {
            rb_log(RB_LOG_ERROR, "out of memory");
            json_decref(j);
            rb_check_report_free(r);
            return 1;
        }
        fputc('\n', stdout);
        json_decref(j);
    } else {
        print_check_report(r);
    }
    status = r->errors ? 1 : 0;
    rb_check_report_free(r);
    return status;
}

/* ---------------------------------------------------------------------- */
/* stats                                                                   */

static void print_summary(const char *label, const rb_count_summary *s)
{
    printf("%s: mean %.2f, median %g, p90 %g, p99 %g, min %zu, max %zu",
           label, s->mean, s->median, s->p90, s->p99, s->min, s->max);
}

static void print_stats(const rb_dataset_stats *st)
{
    size_t i;

    printf("dataset      %s\n", st->dir);
    printf("documents    %zu; ", st->documents);
    print_summary("terms per document", &st->doc_tokens);
    printf("; %zu without terms\n", st->doc_tokens.zeros);
    if (st->split)
        printf("queries      %zu judged in split %s (of %zu); ",
               st->queries, st->split, st->queries_total);
    else
        printf("queries      %zu (no qrels split; all measured); ",
               st->queries);
    print_summary("terms per query", &st->query_tokens);
    printf("\n");
    printf("vocabulary   %zu corpus terms; %zu query terms, %zu of them "
           "not in the corpus\n", st->vocabulary, st->query_vocabulary,
           st->query_terms_unseen);
    if (st->split) {
        printf("judgments    %zu for %zu queries, %zu relevant; ",
               st->judgments, st->judged_queries, st->relevant);
        print_summary("per query", &st->judged_per_query);
        printf("; relevant per query: mean %.2f, median %g, max %zu\n",
               st->relevant_per_query.mean, st->relevant_per_query.median,
               st->relevant_per_query.max);
        printf("grades      ");
        for (i = 0; i < st->ngrades; i++)
            printf("%s %d (%zu)", i ? "," : "", st->grades[i].grade,
                   st->grades[i].count);
        printf("\n");
    }
    printf("terms        %s\n", st->tokenizer);
}

static int cmd_stats(int argc, char **argv)
{
    const char *dir = NULL, *split = NULL, *plots = NULL;
    rb_dataset_stats *st;
    rb_error err = {{0}, 0};
    json_t *analysis = json_object();
    int json = 0, i, rc = 0;
    size_t count;

    if (!analysis) {
        rb_log(RB_LOG_ERROR, "out of memory");
        return 1;
    }
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--split") == 0 && i + 1 < argc) {
            split = argv[++i];
        } else if ((strcmp(argv[i], "--stopwords") == 0 ||
                    strcmp(argv[i], "--stemmer") == 0) && i + 1 < argc) {
            json_object_set_new(analysis, argv[i] + 2,
                                json_string(argv[i + 1]));
            i++;
        } else if (strcmp(argv[i], "--min-length") == 0) {
            if (parse_count(argv[i], i + 1 < argc ? argv[i + 1] : NULL,
                            &count) < 0) {
                json_decref(analysis);
                return 2;
            }
            json_object_set_new(analysis, "min_length",
                                json_integer((json_int_t)count));
            i++;
        } else if (strcmp(argv[i], "--plots") == 0 && i + 1 < argc) {
            plots = argv[++i];
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--help") == 0 ||
                   strcmp(argv[i], "-h") == 0) {
            printf("usage: rankbench datasets stats DIR [--split S] "
                   "[--json] [--plots OUTDIR]\n"
                   "           [--stopwords L] [--stemmer L] "
                   "[--min-length N]\n\n"
                   "Term length distributions of documents and queries, "
                   "vocabulary sizes and\njudgments per query. Terms are "
                   "the analyzer's (by default BM25's analysis).\n"
                   "  --split S        qrels split (default test)\n"
                   "  --json           the statistics as JSON on stdout\n"
                   "  --plots OUTDIR   histograms as gnuplot data, "
                   "scripts, SVG and PNG\n"
                   "  --stopwords L    stop word list, or none\n"
                   "  --stemmer L      Snowball stemmer, or none\n"
                   "  --min-length N   shortest word kept, in "
                   "characters\n");
            json_decref(analysis);
            return 0;
        } else if (rb_cli_log_option(argv[i])) {
            continue;
        } else if (argv[i][0] == '-' || dir) {
            fprintf(stderr, "rankbench datasets stats: unexpected "
                    "argument '%s'\n", argv[i]);
            json_decref(analysis);
            return 2;
        } else {
            dir = argv[i];
        }
    }
    if (!dir) {
        fprintf(stderr, "usage: rankbench datasets stats DIR [--split S] "
                "[--json] [--plots OUTDIR]\n");
        json_decref(analysis);
        return 2;
    }
    st = rb_dataset_stats_compute(dir, split, analysis, &err);
    json_decref(analysis);
    if (!st) {
        rb_log(RB_LOG_ERROR, "%s", err.msg);
        rb_log(RB_LOG_ERROR, "'rankbench datasets check %s' lists every "
               "problem", dir);
        return 1;
    }
    if (plots) {
        int prc = rb_dataset_stats_plot(st, plots, &err);

        if (prc < 0) {
            rb_log(RB_LOG_ERROR, "%s", err.msg);
            rc = 1;
        } else if (prc == 1) {
            rb_warn("%s; wrote the chart data and scripts to %s but drew "
                    "no charts", err.msg, plots);
        } else {
            rb_info("charts written to %s", plots);
        }
    }
    if (json) {
        json_t *j = rb_dataset_stats_json(st);

        if (!j || json_dumpf(j, stdout, JSON_INDENT(2) |
                             JSON_REAL_PRECISION(10)) < 0) {
            rb_log(RB_LOG_ERROR, "out of memory");
            rc = 1;
        } else {
            fputc('\n', stdout);
        }
        json_decref(j);
    } else {
        print_stats(st);
    }
    rb_dataset_stats_free(st);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* fetch                                                                   */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void print_catalog(void)
{
    size_t i;

    printf("%-18s %-36s %s\n", "name", "checksum", "archive");
    for (i = 0; i < rb_fetch_catalog_count(); i++) {
        const rb_fetch_source *s = rb_fetch_catalog_at(i);

        if (s->note)
            printf("%-18s %-36s not published as an archive\n", s->name,
                   "-");
        else if (s->md5)
            printf("%-18s md5 %-32s %s%s.zip\n", s->name, s->md5,
                   RB_BEIR_BASE_URL, s->name);
        else
            printf("%-18s %-36s %s%s.zip\n", s->name, "none known",
                   RB_BEIR_BASE_URL, s->name);
    }
}

/* Parse a size such as 500M, 64G or 1000000 (bytes). */
static int parse_size(const char *opt, const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    int shift = 0;

    if (!s || !*s || *s == '-')
        goto bad;
    v = strtoull(s, &end, 10);
    if (end == s)
        goto bad;
    switch (*end) {
    case 'K': case 'k': shift = 10; end++; break;
    case 'M': case 'm': shift = 20; end++; break;
    case 'G': case 'g': shift = 30; end++; break;
    case 'T': case 't': shift = 40; end++; break;
    default: break;
    }
    if (*end || (shift && v > (~0ull >> shift)))
        goto bad;
    *out = (uint64_t)v << shift;
    return 0;
bad:
    fprintf(stderr, "rankbench datasets: %s needs a size such as 500M or "
            "64G, not '%s'\n", opt, s ? s : "");
    return -1;
}

static int has_corpus(const char *dir)
{
    int oom;
    char *p = rb_check_locate_file(dir, "corpus.jsonl", &oom);

    rb_free(p);
    return p != NULL;
}

static int check_and_print(const char *dir)
{
    rb_check_options opt = {NULL, 0, RB_CHECK_DEFAULT_MAX_PER_KIND};
    rb_error err = {{0}, 0};
    rb_check_report *r = rb_dataset_check(dir, &opt, &err);
    int status;

    if (!r) {
        rb_log(RB_LOG_ERROR, "%s", err.msg);
        return 1;
    }
    print_check_report(r);
    status = r->errors ? 1 : 0;
    rb_check_report_free(r);
    return status;
}

/* Check a fetched dataset: the folder itself, or each subfolder that
 * holds a dataset (CQADupStack has one per forum). Returns the exit
 * status. */
static int check_fetched(const char *dir)
{
    struct dirent **names = NULL;
    int n, i, status = 0, found = 0;

    if (has_corpus(dir))
        return check_and_print(dir);
    n = scandir(dir, &names, NULL, alphasort);
    for (i = 0; i < n; i++) {
        char *sub = rb_path_join(dir, names[i]->d_name);

        if (names[i]->d_name[0] != '.' && sub && has_corpus(sub)) {
            if (found++)
                printf("\n");
            status |= check_and_print(sub);
        }
        rb_free(sub);
        free(names[i]);
    }
    free(names);
    return found ? status : check_and_print(dir);
}

static void fetch_usage(FILE *out)
{
    fprintf(out,
        "usage: rankbench datasets fetch NAME|URL [--dir DIR] [options]\n"
        "       rankbench datasets fetch --list\n\n"
        "Downloads a published BEIR archive by name (or any http(s) URL "
        "of a .zip),\nresuming an interrupted download, verifies its "
        "checksum when one is known,\nunpacks it safely into DIR/NAME "
        "and checks the result.\n"
        "  --dir DIR          where datasets go (default datasets)\n"
        "  --list             the known names and their checksums\n"
        "  --mirror URL       fetch known names from URL/NAME.zip "
        "instead\n"
        "  --md5 HEX          expected MD5 of the archive\n"
        "  --sha256 HEX       expected SHA-256 of the archive\n"
        "  --no-verify        skip checksum verification\n"
        "  --force            replace an existing DIR/NAME\n"
        "  --keep-archive     keep DIR/NAME.zip after unpacking\n"
        "  --retries N        attempts after a failed transfer "
        "(default 3)\n"
        "  --max-size SIZE    refuse archives unpacking to more "
        "(default 64G)\n"
        "  --max-entries N    refuse archives with more entries "
        "(default 100000)\n"
        "  --no-check         do not check the unpacked dataset\n"
        "Exit status: 0 on success, 1 on failure or when the check finds "
        "errors.\n");
}

static int cmd_fetch(int argc, char **argv)
{
    rb_fetch_options opt;
    rb_fetch_result res;
    rb_error err = {{0}, 0};
    const char *what = NULL;
    int i, check = 1, status;
    size_t count;

    rb_fetch_options_default(&opt);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--list") == 0) {
            print_catalog();
            return 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fetch_usage(stdout);
            return 0;
        } else if (strcmp(a, "--dir") == 0 && v) {
            opt.dir = v;
            i++;
        } else if (strcmp(a, "--mirror") == 0 && v) {
            opt.mirror = v;
            i++;
        } else if (strcmp(a, "--md5") == 0 || strcmp(a, "--sha256") == 0) {
            size_t want = a[2] == 'm' ? 32 : 64;

            if (!v || strlen(v) != want || strspn(v, "0123456789abcdef"
                                                  "ABCDEF") != want) {
                fprintf(stderr, "rankbench datasets fetch: %s needs %zu "
                        "hexadecimal digits\n", a, want);
                return 2;
            }
            if (want == 32)
                opt.md5 = v;
            else
                opt.sha256 = v;
            i++;
        } else if (strcmp(a, "--no-verify") == 0) {
            opt.no_verify = 1;
        } else if (strcmp(a, "--force") == 0) {
            opt.force = 1;
        } else if (strcmp(a, "--keep-archive") == 0) {
            opt.keep_archive = 1;
        } else if (strcmp(a, "--no-check") == 0) {
            check = 0;
        } else if (strcmp(a, "--retries") == 0) {
            if (parse_count(a, v, &count) < 0 || count > 100)
                return 2;
            opt.download.retries = (int)count;
            i++;
        } else if (strcmp(a, "--max-size") == 0) {
            if (parse_size(a, v, &opt.limits.max_bytes) < 0)
                return 2;
            i++;
        } else if (strcmp(a, "--max-entries") == 0) {
            if (parse_count(a, v, &count) < 0)
                return 2;
            opt.limits.max_entries = count;
            i++;
        } else if (rb_cli_log_option(a)) {
            continue;
        } else if (a[0] == '-' || what) {
            fprintf(stderr, "rankbench datasets fetch: unexpected or "
                    "incomplete argument '%s'\n", a);
            return 2;
        } else {
            what = a;
        }
    }
    if (!what) {
        fetch_usage(stderr);
        return 2;
    }
    catch_signals();
    opt.download.cancel = &interrupted;
    if (rb_fetch(what, &opt, &res, &err) < 0) {
        rb_log(RB_LOG_ERROR, "%s", err.msg);
        return 1;
    }
    if (res.verified)
        rb_info("%s: %s verified (sha256 %s)", res.archive, res.verified,
                res.sha256);
    else if (opt.no_verify)
        rb_warn("%s: checksum not verified (--no-verify); sha256 %s",
                res.archive, res.sha256);
    else
        rb_warn("%s: no checksum is known for it, so it was not "
                "verified; sha256 %s (pass --sha256 to pin it)",
                res.archive, res.sha256);
    rb_info("%s: %zu files, %.1f MiB unpacked", res.dataset_dir,
            res.unzip.files, (double)res.unzip.bytes / (1024.0 * 1024.0));
    status = check ? check_fetched(res.dataset_dir) : 0;
    if (status)
        rb_log(RB_LOG_ERROR, "%s was fetched, but the check found errors",
               res.dataset_dir);
    rb_fetch_result_release(&res);
    return status;
}

/* ---------------------------------------------------------------------- */
/* import-trec                                                             */

static void import_usage(FILE *out)
{
    fprintf(out,
        "usage: rankbench datasets import-trec --topics FILE --qrels FILE "
        "--docs PATH\n"
        "           [--docs PATH...] --out DIR [options]\n\n"
        "Builds a BEIR folder from TREC topics (SGML <top>, XML <topic> or "
        "qid<TAB>text),\nTREC qrels and documents (JSONL or TREC <DOC> "
        "SGML, plain or .gz; a folder is\nread recursively), then checks "
        "it.\n"
        "  --split S            qrels split name (default test)\n"
        "  --query-field F      topic fields forming the query, joined "
        "by +: title,\n"
        "                       description, narrative (default title)\n"
        "  --docs-format FMT    auto (default), jsonl or trec\n"
        "  --encoding ENC       auto (default: UTF-8, else Latin-1), "
        "utf8 or latin1\n"
        "  --force              replace an existing DIR\n");
}

static int cmd_import_trec(int argc, char **argv)
{
    rb_import_trec_options opt;
    rb_import_trec_summary sum;
    rb_error err = {{0}, 0};
    const char **docs;
    size_t ndocs = 0;
    int i, status;

    memset(&opt, 0, sizeof opt);
    docs = rb_calloc((size_t)argc, sizeof *docs);
    if (!docs) {
        rb_log(RB_LOG_ERROR, "out of memory");
        return 1;
    }
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            import_usage(stdout);
            rb_free(docs);
            return 0;
        } else if (strcmp(a, "--topics") == 0 && v) {
            opt.topics = argv[++i];
        } else if (strcmp(a, "--qrels") == 0 && v) {
            opt.qrels = argv[++i];
        } else if (strcmp(a, "--docs") == 0 && v) {
            docs[ndocs++] = argv[++i];
        } else if (strcmp(a, "--out") == 0 && v) {
            opt.out = argv[++i];
        } else if (strcmp(a, "--split") == 0 && v) {
            opt.split = argv[++i];
        } else if (strcmp(a, "--query-field") == 0 && v) {
            opt.query_fields = argv[++i];
        } else if (strcmp(a, "--docs-format") == 0 && v &&
                   (strcmp(v, "auto") == 0 || strcmp(v, "jsonl") == 0 ||
                    strcmp(v, "trec") == 0)) {
            opt.format = strcmp(v, "jsonl") == 0 ? RB_DOCS_JSONL
                       : strcmp(v, "trec") == 0 ? RB_DOCS_TREC
                                                : RB_DOCS_AUTO;
            i++;
        } else if (strcmp(a, "--encoding") == 0 && v &&
                   (strcmp(v, "auto") == 0 || strcmp(v, "utf8") == 0 ||
                    strcmp(v, "latin1") == 0)) {
            opt.encoding = strcmp(v, "utf8") == 0 ? RB_ENCODING_UTF8
                         : strcmp(v, "latin1") == 0 ? RB_ENCODING_LATIN1
                                                    : RB_ENCODING_AUTO;
            i++;
        } else if (strcmp(a, "--force") == 0) {
            opt.force = 1;
        } else if (rb_cli_log_option(a)) {
            continue;
        } else {
            fprintf(stderr, "rankbench datasets import-trec: unexpected or "
                    "incomplete argument '%s'\n", a);
            rb_free(docs);
            return 2;
        }
    }
    opt.docs = docs;
    opt.ndocs = ndocs;
    if (!opt.topics || !opt.qrels || !ndocs || !opt.out) {
        import_usage(stderr);
        rb_free(docs);
        return 2;
    }
    status = rb_import_trec(&opt, &sum, &err);
    rb_free(docs);
    if (status < 0) {
        rb_log(RB_LOG_ERROR, "%s", err.msg);
        return 1;
    }
    rb_info("%s: %zu documents from %zu files, %zu topics, %zu judgments",
            opt.out, sum.documents, sum.doc_files, sum.topics,
            sum.judgments);
    if (sum.docs_latin1)
        rb_warn("%zu documents were not UTF-8 and were read as Latin-1",
                sum.docs_latin1);
    if (sum.topics_empty)
        rb_warn("%zu topics have an empty query text (see "
                "--query-field)", sum.topics_empty);
    return check_and_print(opt.out);
}

int rb_cmd_datasets(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "stats") == 0)
        return cmd_stats(argc - 1, argv + 1);
    if (strcmp(argv[1], "fetch") == 0)
        return cmd_fetch(argc - 1, argv + 1);
    if (strcmp(argv[1], "import-trec") == 0)
        return cmd_import_trec(argc - 1, argv + 1);
    fprintf(stderr, "rankbench datasets: unknown subcommand '%s'\n\n",
            argv[1]);
    usage(stderr);
    return 2;
}
