#!/bin/bash
# rankbench datasets stats --plots renders real charts with gnuplot, and
# the scripts it leaves beside them render them again.
set -u

RB=${RB_BIN:?RB_BIN is not set}
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "skipped: gnuplot is not installed"
    exit 77
fi
WORK=$(mktemp -d /tmp/rb-plots-e2e-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

mkdir -p "$WORK/ds/qrels"
for i in $(seq 1 200); do
    words=$(seq -s ' ' 1 $((i % 37 + 1)))
    printf '{"_id": "d%d", "title": "t", "text": "%s"}\n' "$i" "$words"
done >"$WORK/ds/corpus.jsonl"
for i in $(seq 1 20); do
    printf '{"_id": "q%d", "text": "%s"}\n' "$i" "$(seq -s ' ' 1 $((i % 5 + 1)))"
done >"$WORK/ds/queries.jsonl"
{
    printf 'query-id\tcorpus-id\tscore\n'
    for i in $(seq 1 20); do
        for j in $(seq 1 $((i % 4 + 1))); do
            printf 'q%d\td%d\t1\n' "$i" "$j"
        done
    done
} >"$WORK/ds/qrels/test.tsv"

"$RB" datasets stats "$WORK/ds" --plots "$WORK/charts" >"$WORK/out" 2>&1 ||
    fail "stats --plots failed: $(cat "$WORK/out")"
for chart in doc_lengths query_lengths judgments_per_query; do
    svg="$WORK/charts/$chart.svg"
    [ -s "$svg" ] || { fail "$chart.svg missing"; continue; }
    grep -q "<svg" "$svg" || fail "$chart.svg is not SVG"
    [ -f "$WORK/charts/$chart.gp" ] && [ -f "$WORK/charts/$chart.dat" ] ||
        fail "$chart: script or data missing"
    [ -e "$svg.part" ] && fail "$chart: temporary file left"
done
grep -q "ds: document length (200 documents)" "$WORK/charts/doc_lengths.svg" ||
    fail "doc_lengths.svg lacks its title"
# 20 queries: 5 each with 1, 2, 3 and 4 judgments.
[ "$(grep -v '^#' "$WORK/charts/judgments_per_query.dat")" = \
  "$(printf '1 5\n2 5\n3 5\n4 5')" ] || fail "judgments_per_query.dat values"
# The scripts run again in their folder, with the output renamed.
(cd "$WORK/charts" && gnuplot -e "output='again.svg'" doc_lengths.gp) ||
    fail "doc_lengths.gp does not run on its own"
grep -q "<svg" "$WORK/charts/again.svg" 2>/dev/null ||
    fail "doc_lengths.gp rendered nothing"

if [ "$failures" -ne 0 ]; then
    echo "$failures failures"
    exit 1
fi
echo "all chart checks passed"
