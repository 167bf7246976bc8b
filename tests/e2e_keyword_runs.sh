#!/usr/bin/env bash
# The keyword retrievers through `rankbench run`: runs and metrics are
# byte-identical whatever the thread count and whether the BM25 index was
# built or loaded from the cache; the cache file appears; the analyzer is
# recorded in the results.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
sample="$RB_SOURCE_DIR/datasets/sample"

run() {  # run OUT THREADS
    "$RB_BIN" run -q --dataset "$sample" --retrievers bm25,ilike \
        --threads "$2" --cache "$tmp/cache" --out "$tmp/$1" > "$tmp/$1.md"
}

run one 1 && ok || bad "run with 1 thread"
ls "$tmp"/cache/bm25-*.idx > /dev/null 2>&1 && ok || bad "no cached index"
run two 2 && ok || bad "run with 2 threads (index from the cache)"
rm -rf "$tmp/cache"
run three 3 && ok || bad "run with 3 threads (index rebuilt)"

for r in bm25 ilike; do
    for o in two three; do
        cmp -s "$tmp/one/runs/$r.trec" "$tmp/$o/runs/$r.trec" && ok ||
            bad "$r run differs between one and $o"
    done
done

/usr/bin/python3 - "$tmp" <<'PY' && ok || bad "results differ or lack fields"
import json, sys
tmp = sys.argv[1]

def strip(path):
    d = json.load(open(path))
    d.pop("created", None)
    for r in d["retrievers"]:
        r.pop("timings", None)
    return d

one = strip(tmp + "/one/results.json")
for other in ("two", "three"):
    assert one == strip(tmp + "/" + other + "/results.json"), other
bm25 = next(r for r in one["retrievers"] if r["name"] == "bm25")
assert bm25["config"]["variant"] == "lucene"
assert bm25["config"]["analyzer"]["stopwords"] == "english"
assert bm25["config"]["analyzer"]["stemmer"] == "english"
ilike = next(r for r in one["retrievers"] if r["name"] == "ilike")
assert ilike["config"]["mode"] == "any"
assert ilike["config"]["analyzer"]["stemmer"] == "none"
assert bm25["metrics"]["ndcg_cut_10"] > ilike["metrics"]["ndcg_cut_10"]
PY

# the table names both retrievers
grep -q '^| bm25 ' "$tmp/one.md" && grep -q '^| ilike ' "$tmp/one.md" &&
    ok || bad "table lacks a retriever"

# bad parameters are one-line errors naming the parameter
err=$("$RB_BIN" run -q --dataset "$sample" --retrievers bm25 \
    --set bm25.variant=okapi --out "$tmp/bad" 2>&1 >/dev/null)
[ $? -ne 0 ] && echo "$err" | grep -q 'okapi' && ok ||
    bad "unknown variant: $err"
err=$("$RB_BIN" run -q --dataset "$sample" --retrievers ilike \
    --set ilike.mode=some --out "$tmp/bad" 2>&1 >/dev/null)
[ $? -ne 0 ] && echo "$err" | grep -q 'mode' && ok ||
    bad "unknown mode: $err"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
