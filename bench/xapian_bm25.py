#!/usr/bin/python3
"""Xapian's BM25 on the same collections, for comparison with bench_bm25.

Indexes title + " " + text of each document into a temporary Xapian
(glass) database with English Snowball stemming of every term and the
same 33 English stop words as rankbench's default analyzer, then times
single-thread top-k searches of every judged query (query parsing
included) with BM25Weight(k1, k2 = 0, k3 = 1, b, min_normlen = 0.5).
Each repetition runs the query set as often as fits in --min-time
seconds; the JSON output has the median and spread of queries per second
over the repetitions, and nDCG@10 of the top-k lists (gain = grade, ideal
from all judgments, as trec_eval's ndcg_cut).

Needs Debian's python3-xapian:  apt-get install python3-xapian
Usage: /usr/bin/python3 bench/xapian_bm25.py [--reps N] [-k K] DIR...
"""

import argparse
import json
import math
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time

try:
    import xapian
except ImportError:
    sys.exit("xapian_bm25: python3-xapian is missing "
             "(apt-get install python3-xapian)")

# rankbench's default "english" stop list (src/text/stopwords.c)
STOP_WORDS = (
    "a an and are as at be but by for if in into is it no not of on or "
    "such that the their then there these they this to was will with"
).split()


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_qrels(path):
    qrels = {}
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            qid, did, grade = line.split("\t")
            qrels.setdefault(qid, {})[did] = int(grade)
    return qrels


def ndcg_at(ranked, judged, k=10):
    dcg = sum(judged.get(d, 0) / math.log2(i + 2)
              for i, d in enumerate(ranked[:k]) if judged.get(d, 0) > 0)
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def summary(values):
    v = sorted(values)
    med = statistics.median(v)
    half = len(v) // 2
    return {
        "median": med, "min": v[0], "max": v[-1],
        "q1": statistics.median(v[:half]) if half else v[0],
        "q3": statistics.median(v[(len(v) + 1) // 2:]) if half else v[0],
        "mad": statistics.median(abs(x - med) for x in v),
        "samples": values,
    }


def stopper():
    s = xapian.SimpleStopper()
    for w in STOP_WORDS:
        s.add(w)
    return s


def build(docs, path):
    db = xapian.WritableDatabase(path, xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    tg.set_stemmer(xapian.Stem("english"))
    tg.set_stemming_strategy(xapian.TermGenerator.STEM_ALL)
    stop = stopper()
    tg.set_stopper(stop)
    ids = []
    for d in docs:
        doc = xapian.Document()
        tg.set_document(doc)
        tg.index_text((d.get("title") or "") + " " + (d.get("text") or ""))
        doc.set_data(d["_id"])
        db.add_document(doc)
        ids.append(d["_id"])
    db.commit()
    return db, ids, stop


def bench_dataset(folder, reps, k, min_time, k1, b):
    docs = read_jsonl(os.path.join(folder, "corpus.jsonl"))
    queries = read_jsonl(os.path.join(folder, "queries.jsonl"))
    qrels = read_qrels(os.path.join(folder, "qrels", "test.tsv"))
    queries = [q for q in queries if q["_id"] in qrels]
    tmp = tempfile.mkdtemp(prefix="rb_xapian_")
    try:
        t0 = time.perf_counter()
        db, ids, stop = build(docs, os.path.join(tmp, "db"))
        build_s = time.perf_counter() - t0
        enquire = xapian.Enquire(db)
        enquire.set_weighting_scheme(xapian.BM25Weight(k1, 0, 1, b, 0.5))
        qp = xapian.QueryParser()
        qp.set_stemmer(xapian.Stem("english"))
        qp.set_stemming_strategy(xapian.QueryParser.STEM_ALL)
        qp.set_stopper(stop)
        qp.set_default_op(xapian.Query.OP_OR)

        def search(text):
            enquire.set_query(qp.parse_query(text, 0))
            return enquire.get_mset(0, k)

        ndcg = statistics.fmean(
            ndcg_at([ids[m.docid - 1] for m in search(q["text"])],
                    qrels[q["_id"]]) for q in queries)

        def one_rep(limit):
            done, start = 0, time.perf_counter()
            while True:
                for q in queries:
                    search(q["text"])
                done += len(queries)
                elapsed = time.perf_counter() - start
                if elapsed >= limit:
                    return done / elapsed

        one_rep(min_time / 4)
        rates = [one_rep(min_time) for _ in range(reps)]
    finally:
        shutil.rmtree(tmp)
    return {
        "dataset": os.path.basename(os.path.normpath(folder)),
        "documents": len(docs), "queries": len(queries),
        "build_s": build_s, "quality": {"ndcg_cut_10": ndcg},
        "queries_per_s": {"wall": summary(rates)},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", nargs="+", metavar="DIR")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("-k", type=int, default=100)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--k1", type=float, default=0.9)
    ap.add_argument("-b", type=float, default=0.4)
    args = ap.parse_args()
    results = [bench_dataset(d, args.reps, args.k, args.min_time, args.k1,
                             args.b) for d in args.datasets]
    print(json.dumps({
        "benchmark": "xapian-bm25-search",
        "context": {
            "xapian": xapian.version_string(),
            "machine": {"host": socket.gethostname(),
                        "cores": os.cpu_count()},
            "load_average": os.getloadavg()[0],
        },
        "config": {"k1": args.k1, "b": args.b, "k2": 0, "k3": 1,
                   "min_normlen": 0.5, "threads": 1, "k": args.k,
                   "reps": args.reps,
                   "analyzer": "english stop words, english Snowball"},
        "results": results,
    }, indent=2))


if __name__ == "__main__":
    main()
