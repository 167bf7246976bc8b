/*
 * rankbench eval: trec_eval-compatible scoring of TREC run files.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "cli/commands.h"
#include "data/qrels.h"
#include "data/run.h"
#include "metrics/measures.h"
#include "report/results.h"

static const char eval_usage[] =
    "usage: rankbench eval [-q] [-c] [-l LEVEL] [-m MEASURE]... [--json]\n"
    "                      [--ignore-identical-ids] QRELS RUN...\n"
    "\n"
    "Score TREC runs exactly as trec_eval 9.0.x does and print its text\n"
    "format (measure<TAB>query<TAB>value; 'all' is the mean).\n"
    "\n"
    "  -q                 also print each query's values\n"
    "  -c                 average over every judged query (missing ones\n"
    "                     score zero)\n"
    "  -l LEVEL           grade that counts as relevant (default 1)\n"
    "  -m MEASURE         measure, trec_eval syntax: map, P.10,100,\n"
    "                     ndcg_cut.10, recall.100, map_cut.100, recip_rank,\n"
    "                     Rprec, bpref, gm_map, ndcg, success.1,5,10,\n"
    "                     iprec_at_recall, num_q, num_ret, num_rel,\n"
    "                     num_rel_ret; 'official' (the default) or\n"
    "                     'all_trec' for groups\n"
    "  --json             print JSON instead of text\n"
    "  --ignore-identical-ids\n"
    "                     drop results whose document id equals the query\n"
    "                     id (BEIR's convention; off by default here)\n"
    "\n"
    "QRELS is a TREC qrels file or a BEIR qrels TSV (with its header).\n"
    "Several runs give one block each.\n";

static void print_text(const rb_eval *ev, int per_query)
{
    size_t q, m;

    for (q = 0; per_query && q < ev->nqueries; q++) {
        for (m = 0; m < ev->nmeasures; m++) {
            double v = rb_eval_value(ev, q, m);

            if (strcmp(ev->names[m], "num_q") == 0)
                continue;
            if (ev->is_int[m])
                printf("%-22s\t%s\t%lld\n", ev->names[m], ev->qids[q],
                       (long long)v);
            else
                printf("%-22s\t%s\t%.4f\n", ev->names[m], ev->qids[q], v);
        }
    }
    for (m = 0; m < ev->nmeasures; m++) {
        if (ev->is_int[m])
            printf("%-22s\tall\t%lld\n", ev->names[m],
                   (long long)ev->means[m]);
        else
            printf("%-22s\tall\t%.4f\n", ev->names[m], ev->means[m]);
    }
}

static int eval_one(const rb_qrels *qrels, const char *path,
                    const rb_measure_set *set, const rb_eval_options *opt,
                    int per_query, json_t *json_runs)
{
    rb_error err = {0};
    rb_run *run = rb_run_read_trec(path, &err);
    rb_eval *ev;

    if (!run) {
        fprintf(stderr, "rankbench: %s\n", err.msg);
        return -1;
    }
    ev = rb_evaluate(qrels, run, set, opt, &err);
    if (!ev) {
        fprintf(stderr, "rankbench: %s: %s\n", path, err.msg);
        rb_run_free(run);
        return -1;
    }
    if (opt->ignore_identical_ids && ev->dropped_identical)
        rb_warn("%s: dropped %zu results whose document id equals the "
                "query id (%zu of them judged relevant)", path,
                ev->dropped_identical, ev->dropped_identical_relevant);
    if (ev->nqueries == 0)
        rb_warn("%s: no query of the run has judgments in the qrels", path);
    if (json_runs) {
        json_t *scores = rb_eval_to_json(ev);
        json_t *entry = json_pack("{s:s, s:s}", "run", path, "tag",
                                  run->tag);

        if (!scores || !entry) {
            json_decref(scores);
            json_decref(entry);
            rb_eval_free(ev);
            rb_run_free(run);
            fprintf(stderr, "rankbench: out of memory\n");
            return -1;
        }
        if (json_object_set(entry, "all",
                            json_object_get(scores, "metrics")) < 0 ||
            (per_query &&
             json_object_set(entry, "per_query",
                             json_object_get(scores, "per_query")) < 0) ||
            json_array_append(json_runs, entry) < 0) {
            json_decref(scores);
            json_decref(entry);
            rb_eval_free(ev);
            rb_run_free(run);
            fprintf(stderr, "rankbench: out of memory\n");
            return -1;
        }
        json_decref(scores);
        json_decref(entry);
    } else {
        print_text(ev, per_query);
    }
    rb_eval_free(ev);
    rb_run_free(run);
    return 0;
}

int rb_cmd_eval(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'J'},
        {"ignore-identical-ids", no_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    rb_eval_options opt = RB_EVAL_OPTIONS_INIT;
    rb_measure_set set;
    rb_error err = {0};
    int per_query = 0, json = 0, any_measure = 0, c, i, status = 0;
    json_t *json_runs = NULL;
    rb_qrels *qrels;

    rb_measures_init(&set);
    RB_CLI_GETOPT_RESET();
    while ((c = getopt_long(argc, argv, "qcl:m:hJ", longopts, NULL)) != -1) {
        switch (c) {
        case 'q':
            per_query = 1;
            break;
        case 'c':
            opt.complete = 1;
            break;
        case 'l': {
            char *end;
            long v = strtol(optarg, &end, 10);

            if (*end || end == optarg || v < -1000000 || v > 1000000) {
                fprintf(stderr, "rankbench eval: -l needs an integer, "
                        "not \"%s\"\n", optarg);
                return 2;
            }
            opt.rel_level = (int)v;
            break;
        }
        case 'm':
            if (rb_measures_add(&set, optarg, &err) < 0) {
                fprintf(stderr, "rankbench eval: %s\n", err.msg);
                return 2;
            }
            any_measure = 1;
            break;
        case 'J':
            json = 1;
            break;
        case 'I':
            opt.ignore_identical_ids = 1;
            break;
        case 'h':
            fputs(eval_usage, stdout);
            return 0;
        default:
            fputs(eval_usage, stderr);
            return 2;
        }
    }
    if (argc - optind < 2) {
        fputs(eval_usage, stderr);
        return 2;
    }
    if (!any_measure)
        rb_measures_official(&set);
    qrels = rb_qrels_read(argv[optind], &err);
    if (!qrels) {
        fprintf(stderr, "rankbench: %s\n", err.msg);
        return 1;
    }
    if (json && !(json_runs = json_array())) {
        fprintf(stderr, "rankbench: out of memory\n");
        rb_qrels_free(qrels);
        return 1;
    }
    for (i = optind + 1; i < argc; i++)
        if (eval_one(qrels, argv[i], &set, &opt, per_query, json_runs) < 0)
            status = 1;
    if (json && status == 0) {
        json_t *doc = json_pack("{s:O}", "runs", json_runs);
        char *text = doc ? json_dumps(doc, JSON_INDENT(2) |
                                      JSON_REAL_PRECISION(17)) : NULL;

        /* Printed only once complete, so that a failure prints nothing. */
        if (text)
            printf("%s\n", text);
        else
            fprintf(stderr, "rankbench: out of memory\n");
        status = text ? 0 : 1;
        rb_free(text);
        json_decref(doc);
    }
    json_decref(json_runs);
    rb_qrels_free(qrels);
    return status;
}
