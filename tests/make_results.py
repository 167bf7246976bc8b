#!/usr/bin/python3
"""Write results files (schema rankbench.results, version 1) for chart
tests, with made-up but plausible numbers. The same arguments always give
the same file.

    make_results.py OUT.json [--retrievers N] [--name-length L]
                    [--queries Q] [--cutoffs 1,3,5,10,100,1000]
                    [--dataset NAME] [--seed S] [--no-per-query]
                    [--no-timings] [--only MEASURE,...]
                    [--schema-version V]

--name-length L gives every retriever a name of exactly L characters
(one of them all "W", the widest letter); without it the names are those
of a typical comparison. --only keeps just the listed mean measures.
"""

import argparse
import json
import math
import random

NAMES = ["bm25", "bm25-robertson", "hybrid", "ilike", "pg-bm25", "pg-fts",
         "dense", "pg-ilike", "bm25-atire", "bm25l", "bm25plus", "rrf"]


def names(count, length):
    if not length:
        return [NAMES[i] if i < len(NAMES) else "retriever-%d" % i
                for i in range(count)]
    out = []
    for i in range(count):
        if i == 3:
            out.append("W" * length)
            continue
        stem = "retriever-%02d-" % i
        out.append((stem + "abcdefghijklmnopqrstuvwxyz" * 4)[:length])
    return out


def retriever(name, rank, args, rnd):
    skill = 0.72 - 0.055 * rank + rnd.uniform(-0.01, 0.01)
    per_query = {}
    for q in range(args.queries):
        v = min(1.0, max(0.0, rnd.gauss(skill, 0.22)))
        per_query["q%d" % (q + 1)] = {"ndcg_cut_10": round(v, 4),
                                      "P_10": round(v * 0.3, 4)}
    ndcg = sum(r["ndcg_cut_10"] for r in per_query.values()) / args.queries
    metrics = {"num_q": args.queries, "num_ret": 1000 * args.queries,
               "map": ndcg * 0.8, "recip_rank": min(1.0, ndcg * 1.2),
               "ndcg_cut_10": ndcg, "P_10": ndcg * 0.14,
               "map_cut_100": ndcg * 0.79}
    for k in args.cutoffs:
        grow = 0.25 + 0.75 * (1.0 - math.exp(-k / 12.0))
        metrics["recall_%d" % k] = min(1.0, ndcg * grow +
                                       0.02 * math.log10(k))
    if args.only is not None:
        metrics = {m: v for m, v in metrics.items() if m in args.only}
    entry = {"name": name,
             "config": {"k1": 0.9, "b": 0.4,
                        "analyzer": {"lowercase": True,
                                     "stemmer": "english"}},
             "metrics": metrics,
             "run_file": "runs/%s.trec" % name,
             "dropped_identical": 0, "dropped_identical_relevant": 0}
    if args.timings:
        index_s = 0.0 if name == "ilike" else 0.004 * (rank + 1) * \
            rnd.uniform(0.5, 3.0)
        search_s = 0.001 * (rank + 1) ** 2 * rnd.uniform(0.5, 2.0)
        entry["timings"] = {
            "index_s": index_s, "search_s": search_s,
            "queries_per_s": args.queries / search_s,
            "docs_per_s": 324 / index_s if index_s > 0 else 0.0,
            "threads": 2}
    if args.per_query:
        entry["per_query"] = per_query
    return entry


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--retrievers", type=int, default=4)
    p.add_argument("--name-length", type=int, default=0)
    p.add_argument("--queries", type=int, default=20)
    p.add_argument("--cutoffs", default="1,3,5,10,100,1000")
    p.add_argument("--dataset", default="sample")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-per-query", dest="per_query", action="store_false")
    p.add_argument("--no-timings", dest="timings", action="store_false")
    p.add_argument("--only")
    p.add_argument("--schema-version", type=int, default=1)
    args = p.parse_args()
    args.cutoffs = [int(k) for k in args.cutoffs.split(",") if k]
    if args.only is not None:
        args.only = set(args.only.split(","))
    rnd = random.Random(args.seed)
    results = {
        "schema": "rankbench.results",
        "schema_version": args.schema_version,
        "tool": {"name": "rankbench", "version": "0.1.0",
                 "commit": "0123456789ab"},
        "created": "2026-01-01T00:00:00Z",
        "host": "test-host",
        "dataset": {"name": args.dataset,
                    "path": "datasets/" + args.dataset, "split": "test",
                    "fingerprint": "%064x" % args.seed,
                    "documents": 324, "queries": 48,
                    "evaluated_queries": args.queries},
        "config": {"k": 1000, "ignore_identical_ids": True,
                   "split": "test"},
        "measures": ["num_q", "map", "ndcg_cut_10"],
        "retrievers": [retriever(n, i, args, rnd) for i, n in
                       enumerate(names(args.retrievers, args.name_length))],
        "comparisons": [],
    }
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
