#!/usr/bin/env bash
# rankbench run --plots on the bundled sample: the results folder gets
# every chart (valid SVG and PNG, labels clear of each other) and a
# report page that embeds them; two datasets also get the chart across
# them and an overview page.
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
check() { "$py" "$RB_SOURCE_DIR/tests/chart_check.py" "$@"; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

sample=$RB_SOURCE_DIR/datasets/sample
"$RB_BIN" run -q --dataset "$sample" --out "$tmp/one" --plots \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ] && grep -q "unknown retriever" "$tmp/err"; then
    echo "skipped: the default retrievers are not part of this build"
    exit 77
fi
[ $rc -eq 0 ] || { cat "$tmp/err"; fail "run --plots failed ($rc)"; }

charts=$tmp/one/plots
for name in quality per_query recall speed; do
    [ -s "$charts/$name.svg" ] && [ -s "$charts/$name.png" ] ||
        { fail "$name chart missing"; continue; }
    check svg "$charts/$name.svg" || fail "$name.svg is not right"
    check png "$charts/$name.png" || fail "$name.png is not right"
    grep -qF "](plots/$name.png)" "$tmp/one/report.md" ||
        fail "report.md does not embed plots/$name.png"
done
grep -q "^| fingerprint (SHA-256) | \`[0-9a-f]\{64\}\` |$" \
    "$tmp/one/report.md" || fail "report.md lacks the dataset fingerprint"
grep -qx "report: $tmp/one/report.md" "$tmp/out" ||
    fail "run did not name the report page"

# Two datasets: a chart across them and an overview.
mkdir -p "$tmp/data"
cp -r "$sample" "$tmp/data/sample-copy"
"$RB_BIN" run -q --dataset "$sample" --dataset "$tmp/data/sample-copy" \
    --out "$tmp/two" --plots >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "run --plots on two datasets failed"; }
for f in datasets.svg datasets.png; do
    [ -s "$tmp/two/plots/$f" ] || fail "$f is missing"
done
check svg "$tmp/two/plots/datasets.svg" || fail "datasets.svg is not right"
grep -qF "](plots/datasets.png)" "$tmp/two/report.md" ||
    fail "the overview page does not embed the chart across datasets"

if [ $failures -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all checks passed"
