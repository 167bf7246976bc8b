#!/bin/bash
# rankbench run with bm25, ilike and their fusion on the bundled sample:
# the hybrid is reported with comparisons (intervals, p-values, markers)
# in the table and in results.json; the gate passes the same run against
# a baseline made from it and fails a deliberately worsened bm25.
set -u
bin=${RB_BIN:?}
src=${RB_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
say_fail() { echo "FAIL: $*"; fail=1; }

for r in bm25 ilike hybrid; do
    if ! "$bin" run --help | grep -q "^  $r "; then
        echo "skipped: retriever $r is not in this build"
        exit 77
    fi
done
run() {  # run OUT ARGS...
    local out=$1
    shift
    "$bin" run -q --dataset "$src/datasets/sample" --cache "$tmp/cache" \
        --retrievers bm25,ilike,hybrid --out "$out" "$@"
}

run "$tmp/a" > "$tmp/table.md" || say_fail "run"
grep -Eq '^\| hybrid \| 0\.[0-9]{4}( [▲▼])? \|' "$tmp/table.md" ||
    say_fail "hybrid row in the table"
grep -q "significantly better / worse than bm25 (paired randomization test, p < 0.05, Holm-corrected)" \
    "$tmp/table.md" || say_fail "marker legend"
grep -Eq '^\| hybrid \| 0\.[0-9]{4} \| \[0\.[0-9]{4}, [01]\.[0-9]{4}\] \| [+-]0\.[0-9]{4}( [▲▼])? \| \[[+-]?[0-9.-]+, [+-]?[0-9.-]+\] \| [<0-9.]+ \| [<0-9.]+ \| [<0-9.]+ \|$' \
    "$tmp/table.md" || { say_fail "hybrid intervals and p-values"; cat "$tmp/table.md"; }
res=$tmp/a/results.json
grep -q '"comparison_settings"' "$res" || say_fail "comparison settings"
[ "$(grep -c '"system": "hybrid"' "$res")" -ge 6 ] ||
    say_fail "hybrid comparisons in results.json"
grep -q '"p_randomization"' "$res" || say_fail "p-values in results.json"
grep -q '"gains"' "$res" || say_fail "per-query gains in results.json"

# The same run twice gives the same comparisons (timings aside).
run "$tmp/b" > /dev/null || say_fail "second run"
cmp -s <(sed -n '/"comparisons"/,$p' "$res") \
       <(sed -n '/"comparisons"/,$p' "$tmp/b/results.json") ||
    say_fail "comparisons not reproducible"

"$bin" compare --per-query 3 "$res" > "$tmp/compare.txt" ||
    say_fail "compare on the results"
grep -q "^per query: hybrid against bm25 on ndcg_cut_10" "$tmp/compare.txt" ||
    say_fail "per-query section"

"$bin" gate --update --baseline "$tmp/baseline.json" --results "$tmp/a" \
    > /dev/null || say_fail "gate --update"
"$bin" gate --baseline "$tmp/baseline.json" --results "$tmp/b" \
    > "$tmp/gate.txt"
[ $? -eq 0 ] || { say_fail "unchanged run does not pass"; cat "$tmp/gate.txt"; }
run "$tmp/worse" --set bm25.k1=0.05 --set bm25.b=1.0 > /dev/null ||
    say_fail "worsened run"
"$bin" gate --baseline "$tmp/baseline.json" --results "$tmp/worse" \
    > "$tmp/gate.txt"
[ $? -eq 1 ] || say_fail "worsened bm25 does not fail the gate"
grep -Eq '^sample +bm25 +ndcg_cut_10 .* FAIL +dropped' "$tmp/gate.txt" ||
    { say_fail "failed nDCG@10 row"; cat "$tmp/gate.txt"; }
exit $fail
