#!/usr/bin/env bash
# rankbench plot, end to end with the real gnuplot: every chart is drawn
# as a valid 1200x800 PNG and a well-formed SVG whose labels do not
# overlap, also with 12 retrievers of 30-character names; the report page
# embeds what was drawn; bad input gets a one-line message about the
# input and never gnuplot's own output.
set -uo pipefail

: "${RB_BIN:?}" "${RB_SOURCE_DIR:?}"
py=/usr/bin/python3
if ! command -v gnuplot >/dev/null; then
    echo "skipped: gnuplot is not installed (Debian package gnuplot-nox)"
    exit 77
fi
if [ ! -x "$py" ]; then
    echo "skipped: $py is needed to check the SVG and PNG files"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make_results() { "$py" "$RB_SOURCE_DIR/tests/make_results.py" "$@"; }
check() { "$py" "$RB_SOURCE_DIR/tests/chart_check.py" "$@"; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_files DIR NAME... : NAME.svg and NAME.png exist, are valid and
# have no overlapping or clipped labels; no temporary file is left.
expect_charts() {
    local dir=$1 name
    shift
    for name in "$@"; do
        for ext in svg png dat gp; do
            [ -s "$dir/$name.$ext" ] || fail "$dir/$name.$ext is missing"
        done
        check svg "$dir/$name.svg" || fail "$dir/$name.svg is not right"
        check png "$dir/$name.png" || fail "$dir/$name.png is not right"
    done
    if ls "$dir" | grep -q '\.tmp\.'; then
        fail "temporary files left in $dir: $(ls "$dir" | grep '\.tmp\.')"
    fi
}

# A typical comparison: four retrievers, every chart.
mkdir -p "$tmp/sample"
make_results "$tmp/sample/results.json"
"$RB_BIN" plot --strict "$tmp/sample/results.json" >"$tmp/out" 2>"$tmp/err" ||
    fail "plot of the sample failed: $(cat "$tmp/err")"
expect_charts "$tmp/sample/plots" quality per_query recall speed
grep -qx "report: $tmp/sample/report.md" "$tmp/out" ||
    fail "plot did not name the report page: $(cat "$tmp/out")"
for name in quality per_query recall speed; do
    grep -qF "](plots/$name.png)" "$tmp/sample/report.md" ||
        fail "report.md does not embed plots/$name.png"
done

# Twelve retrievers with 30-character names (one of them all "W").
mkdir -p "$tmp/wide"
make_results "$tmp/wide/results.json" --retrievers 12 --name-length 30 \
    --queries 200 --dataset scifact
"$RB_BIN" plot --strict "$tmp/wide/results.json" >/dev/null 2>"$tmp/err" ||
    fail "plot of 12 long names failed: $(cat "$tmp/err")"
expect_charts "$tmp/wide/plots" quality per_query recall speed

# One retriever: no per-query chart, and the page says why.
mkdir -p "$tmp/one"
make_results "$tmp/one/results.json" --retrievers 1 --cutoffs 100
"$RB_BIN" plot --strict "$tmp/one/results.json" >/dev/null 2>"$tmp/err" ||
    fail "plot of one retriever failed: $(cat "$tmp/err")"
expect_charts "$tmp/one/plots" quality recall speed
[ ! -e "$tmp/one/plots/per_query.png" ] ||
    fail "a per-query chart was drawn for one retriever"
grep -q "No per-query chart: a per-query comparison needs two retrievers" \
    "$tmp/one/report.md" ||
    fail "report.md does not say why the per-query chart is missing"
grep -qF "only 1 cutoff in the results (k = 100)" "$tmp/one/plots/recall.svg" ||
    fail "the recall chart does not say that it has one cutoff"

# Only nDCG@10: the other charts are left out with their reasons.
mkdir -p "$tmp/sparse"
make_results "$tmp/sparse/results.json" --only ndcg_cut_10 --no-per-query \
    --no-timings
"$RB_BIN" plot --strict "$tmp/sparse/results.json" >/dev/null 2>"$tmp/err" ||
    fail "plot with only nDCG@10 failed: $(cat "$tmp/err")"
expect_charts "$tmp/sparse/plots" quality
grep -q "no recall at any cutoff" "$tmp/err" ||
    fail "no message about the missing recall measures: $(cat "$tmp/err")"

# Several datasets: one chart across them and an overview page.
for d in scifact nfcorpus arguana; do
    mkdir -p "$tmp/multi/$d"
    make_results "$tmp/multi/$d/results.json" --dataset "$d" --seed ${#d}
done
"$RB_BIN" plot --strict "$tmp"/multi/*/results.json >/dev/null 2>"$tmp/err" ||
    fail "plot of three datasets failed: $(cat "$tmp/err")"
expect_charts "$tmp/multi/plots" datasets
grep -qF "[scifact](scifact/report.md)" "$tmp/multi/report.md" ||
    fail "the overview page does not link the dataset pages"

# Bad input: one line about the input, exit status 1, nothing drawn.
bad_input() {
    local what=$1 expect=$2
    shift 2
    "$RB_BIN" plot "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ $rc -eq 1 ] || fail "$what: exit status $rc, expected 1"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] ||
        fail "$what: expected one line, got: $(cat "$tmp/err")"
    grep -qF "$expect" "$tmp/err" ||
        fail "$what: message lacks \"$expect\": $(cat "$tmp/err")"
    if grep -q '\.gp" line' "$tmp/err"; then
        fail "$what: gnuplot's own error reached the user"
    fi
}
mkdir -p "$tmp/v2"
make_results "$tmp/v2/results.json" --schema-version 2
bad_input "schema version 2" "schema version 2 is not supported" \
    "$tmp/v2/results.json"
[ ! -e "$tmp/v2/plots" ] || fail "charts were drawn for schema version 2"
echo '{"schema": "trec_eval"}' >"$tmp/other.json"
bad_input "other schema" "not a rankbench results file" "$tmp/other.json"
mkdir -p "$tmp/nothing"
make_results "$tmp/nothing/results.json" --only num_q --no-per-query \
    --no-timings --cutoffs ""
bad_input "no metrics" "nothing to chart" "$tmp/nothing/results.json"
sed 's/"ndcg_cut_10": 0\.[0-9]*/"ndcg_cut_10": 1.5/' \
    "$tmp/sample/results.json" >"$tmp/range.json"
bad_input "metric out of range" "ndcg_cut_10 is 1.5, outside 0..1" \
    "$tmp/range.json"
bad_input "unknown pair" 'no retriever "nope"' --pair bm25,nope \
    "$tmp/sample/results.json"
RANKBENCH_GNUPLOT=/nonexistent/gnuplot bad_input "gnuplot missing" \
    "install the Debian package gnuplot-nox" "$tmp/sample/results.json"

if [ $failures -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all checks passed"
