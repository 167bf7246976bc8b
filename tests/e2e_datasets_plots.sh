#!/bin/bash
# rankbench datasets stats --plots renders real charts with gnuplot (SVG
# and PNG of 1200x800, labels apart), and the scripts it leaves beside
# them render them again.
set -u

RB=${RB_BIN:?RB_BIN is not set}
SRC=${RB_SOURCE_DIR:?RB_SOURCE_DIR is not set}
PY=/usr/bin/python3
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "skipped: gnuplot is not installed (Debian package gnuplot-nox)"
    exit 77
fi
if [ ! -x "$PY" ]; then
    echo "skipped: $PY is needed to check the SVG and PNG files"
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
    png="$WORK/charts/$chart.png"
    "$PY" "$SRC/tests/chart_check.py" svg "$svg" || fail "$chart.svg"
    "$PY" "$SRC/tests/chart_check.py" png "$png" || fail "$chart.png"
    [ -f "$WORK/charts/$chart.gp" ] && [ -f "$WORK/charts/$chart.dat" ] ||
        fail "$chart: script or data missing"
    compgen -G "$WORK/charts/$chart.*.tmp.*" >/dev/null &&
        fail "$chart: temporary file left"
done
grep -q "ds: terms per document" "$WORK/charts/doc_lengths.svg" ||
    fail "doc_lengths.svg lacks its title"
grep -q "200 documents; mean" "$WORK/charts/doc_lengths.svg" ||
    fail "doc_lengths.svg lacks its summary"
# 20 queries: 5 each with 1, 2, 3 and 4 judgments.
[ "$(grep -v '^#' "$WORK/charts/judgments_per_query.dat")" = \
  "$(printf '1\t5\n2\t5\n3\t5\n4\t5')" ] || fail "judgments_per_query.dat"
# The scripts run again in their folder, with the output renamed.
(cd "$WORK/charts" &&
 gnuplot -e "rb_format='svg'; rb_output='again.svg'" doc_lengths.gp) ||
    fail "doc_lengths.gp does not run on its own"
grep -q "<svg" "$WORK/charts/again.svg" 2>/dev/null ||
    fail "doc_lengths.gp rendered nothing"

if [ "$failures" -ne 0 ]; then
    echo "$failures failures"
    exit 1
fi
echo "all chart checks passed"
