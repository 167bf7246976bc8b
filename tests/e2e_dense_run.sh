#!/usr/bin/env bash
# The dense retriever through `rankbench run` on the bundled sample with a
# generated model: BM25 and dense side by side; the dense run and metrics
# are byte-identical whatever the thread count and whether the document
# embeddings were encoded or read from the cache; the model and encoder
# settings are recorded; a forced CUDA device without a GPU, a missing
# model and a bad model folder are one-line errors.
set -u
python=${RB_PYTHON:-/usr/bin/python3}
if ! "$python" -c 'import numpy' 2>/dev/null; then
    echo "skipped: python3 with numpy is not available"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
sample="$RB_SOURCE_DIR/datasets/sample"
vocab="$RB_SHARED_DIR/models/bert-base-uncased-vocab/vocab.txt"
[ -f "$vocab" ] && vocab_arg="--vocab $vocab" || vocab_arg=--small-vocab

"$python" "$RB_SOURCE_DIR/tools/make_test_model.py" --out "$tmp/model" \
    --hidden 64 --layers 2 --heads 4 --intermediate 128 --pooling mean \
    --normalize --max-seq-length 128 $vocab_arg > /dev/null &&
    ok || bad "model generation"

run() {  # run OUT THREADS [extra args]
    local out=$1 threads=$2
    shift 2
    "$RB_BIN" run -q --dataset "$sample" --retrievers bm25,dense \
        --model "$tmp/model" --device cpu --threads "$threads" \
        --cache "$tmp/cache" --out "$tmp/$out" "$@" > "$tmp/$out.md"
}

run one 1 && ok || bad "run with 1 thread"
ls "$tmp"/cache/dense/*.emb > /dev/null 2>&1 && ok ||
    bad "no cached document embeddings"
run two 2 && ok || bad "run with 2 threads (embeddings from the cache)"
rm -rf "$tmp/cache"
run three 2 && ok || bad "run with 2 threads (embeddings encoded again)"

for o in two three; do
    cmp -s "$tmp/one/runs/dense.trec" "$tmp/$o/runs/dense.trec" && ok ||
        bad "dense run differs between one and $o"
done

"$python" - "$tmp" <<'PY' && ok || bad "results differ or lack fields"
import json, sys
tmp = sys.argv[1]

def load(name):
    d = json.load(open(tmp + "/" + name + "/results.json"))
    return {r["name"]: r for r in d["retrievers"]}

one, two, three = load("one"), load("two"), load("three")
dense = one["dense"]
for other in (two, three):
    assert other["dense"]["metrics"] == dense["metrics"]
assert dense["config"]["from_cache"] is False
assert two["dense"]["config"]["from_cache"] is True
assert three["dense"]["config"]["from_cache"] is False
assert dense["config"]["model"]["hidden_size"] == 64
assert dense["config"]["model"]["pooling"] == "mean"
assert dense["config"]["encoder"]["device"] == "cpu"
assert dense["config"]["encoder"]["normalize"] is True
assert dense["metrics"]["num_q"] == one["bm25"]["metrics"]["num_q"]
assert dense["metrics"]["num_ret"] > 0
PY

# every line of the dense run is well formed and scores are cosines
awk 'NF != 6 || $2 != "Q0" || $5 > 1.00001 || $5 < -1.00001 { bad = 1 }
     END { exit bad }' "$tmp/one/runs/dense.trec" && ok ||
    bad "malformed dense run lines"
grep -q '^| dense ' "$tmp/one.md" && ok || bad "table lacks dense"

# a query prefix changes the ranking and gets its own cache entry
run prefixed 2 --query-prefix "query: " && ok || bad "run with a prefix"
cmp -s "$tmp/one/runs/dense.trec" "$tmp/prefixed/runs/dense.trec" &&
    bad "the query prefix changed nothing" || ok

err=$("$RB_BIN" run -q --dataset "$sample" --retrievers dense \
    --out "$tmp/bad" 2>&1 >/dev/null)
[ $? -ne 0 ] && echo "$err" | grep -q 'no model given' && ok ||
    bad "missing model: $err"
mkdir -p "$tmp/empty"
err=$("$RB_BIN" run -q --dataset "$sample" --retrievers dense \
    --model "$tmp/empty" --out "$tmp/bad" 2>&1 >/dev/null)
[ $? -ne 0 ] && echo "$err" | grep -q 'config.json' && ok ||
    bad "bad model folder: $err"
if ! command -v nvidia-smi > /dev/null 2>&1; then
    err=$("$RB_BIN" run -q --dataset "$sample" --retrievers dense \
        --model "$tmp/model" --device cuda --out "$tmp/bad" 2>&1 >/dev/null)
    [ $? -ne 0 ] && echo "$err" | grep -q 'cuda' && ok ||
        bad "forced cuda without a GPU: $err"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
