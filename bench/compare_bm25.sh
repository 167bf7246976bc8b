#!/usr/bin/env bash
# rankbench's BM25 and Xapian's side by side on the same collections:
# single-thread top-100 search rate (median and spread over repetitions)
# and nDCG@10, as a Markdown table, with both JSON reports kept.
#
#   bench/compare_bm25.sh [BUILD_DIR] [OUT_DIR]
#
# BUILD_DIR defaults to build, OUT_DIR to results/bench. The collections
# are cranfield, cisi and cacm under $RB_SHARED_DIR/datasets (../shared by
# default). Xapian comes from Debian's python3-xapian.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-results/bench}
shared=${RB_SHARED_DIR:-../shared}
sets=("$shared/datasets/cranfield" "$shared/datasets/cisi"
      "$shared/datasets/cacm")
mkdir -p "$out"

"$build/bench/bench_bm25" --out "$out/bm25.json" "${sets[@]}" > /dev/null
/usr/bin/python3 bench/xapian_bm25.py "${sets[@]}" > "$out/xapian.json"

/usr/bin/python3 - "$out/bm25.json" "$out/xapian.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))
theirs = json.load(open(sys.argv[2]))
print("| dataset | rankbench q/s | spread | Xapian q/s | spread | ratio |"
      " nDCG@10 rankbench | nDCG@10 Xapian |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for a, b in zip(ours["results"], theirs["results"]):
    qa, qb = a["queries_per_s"]["wall"], b["queries_per_s"]["wall"]
    print("| %s | %.0f | %.0f-%.0f | %.0f | %.0f-%.0f | %.1fx | %.4f | %.4f |"
          % (a["dataset"], qa["median"], qa["min"], qa["max"],
             qb["median"], qb["min"], qb["max"], qa["median"] / qb["median"],
             a["quality"]["ndcg_cut_10"], b["quality"]["ndcg_cut_10"]))
print()
print("commit %s, %s, %d cores, load average %.1f at the start" % (
    ours["context"]["commit"], ours["context"]["machine"]["cpu"],
    ours["context"]["machine"]["cores"], ours["context"]["load_average"]))
PY
