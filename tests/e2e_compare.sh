#!/bin/bash
# rankbench compare on results files and on TREC runs: values, markers,
# JSON, per-query analysis and the errors of bad input.
set -u
bin=${RB_BIN:?}
src=${RB_SOURCE_DIR:?}
shared=${RB_SHARED_DIR:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

say_fail() { echo "FAIL: $*"; fail=1; }

# results FILE FINGERPRINT NAME "q01 v,q02 v,..." [NAME "..."]...
results() {
    local file=$1 fp=$2
    shift 2
    {
        printf '{"schema": "rankbench.results", "schema_version": 1,\n'
        printf ' "dataset": {"name": "sample", "path": "%s", "split": "test",' \
            "$src/datasets/sample"
        printf ' "fingerprint": "%s"},\n' "$fp"
        printf ' "measures": ["num_q", "ndcg_cut_10", "map"],\n'
        printf ' "retrievers": ['
        local first=1
        while [ $# -gt 0 ]; do
            [ $first = 1 ] || printf ','
            first=0
            printf '{"name": "%s", "per_query": {' "$1"
            local sep="" pair
            for pair in ${2//,/ }; do
                printf '%s"%s": {"ndcg_cut_10": %s, "map": %s}' "$sep" \
                    "${pair%%=*}" "${pair#*=}" "${pair#*=}"
                sep=", "
            done
            printf '}}'
            shift 2
        done
        printf ']}\n'
    } > "$file"
}

results "$tmp/a.json" f00d bm25 "q01=0.1,q02=0.5,q03=0.3,q04=0.9"
results "$tmp/b.json" f00d dense "q01=0.3,q02=0.6,q03=0.2,q04=1.0"

# Two systems, four queries: means .45 and .525; the randomization test
# enumerates the 16 sign flips of (.2, .1, -.1, .1), 8 of which reach
# |sum| >= .3, so p = 0.5.
"$bin" compare "$tmp/a.json" "$tmp/b.json" > "$tmp/out" 2> "$tmp/err" ||
    say_fail "compare two files"
grep -q "^4 queries in common" "$tmp/out" || say_fail "query count"
grep -Eq "^a  bm25 +0\.4500 " "$tmp/out" || say_fail "bm25 mean"
grep -Eq "^b  dense +0\.5250 " "$tmp/out" || say_fail "dense mean"
grep -Eq "^  dense - bm25 +\+0\.0750 .* 0\.5000 " "$tmp/out" ||
    say_fail "difference and p (randomization)"
"$bin" compare --json "$tmp/a.json" "$tmp/b.json" > "$tmp/json" ||
    say_fail "--json"
grep -q '"p_randomization": 0.5,' "$tmp/json" || say_fail "json p"
grep -q '"schema": "rankbench.comparison"' "$tmp/json" || say_fail "schema"
"$bin" compare --json "$tmp/a.json" "$tmp/b.json" > "$tmp/json2"
cmp -s "$tmp/json" "$tmp/json2" || say_fail "output not reproducible"

# Per-query gains and losses with the sample's query texts, found
# through the results' dataset path.
"$bin" compare --per-query 1 "$tmp/a.json" "$tmp/b.json" > "$tmp/out" ||
    say_fail "--per-query"
grep -Eq '^    \+0\.2000  q01 +0\.1000 -> 0\.3000  what is eyepiece telescope lens$' \
    "$tmp/out" || say_fail "largest gain with text"
grep -Eq '^    -0\.1000  q03 ' "$tmp/out" || say_fail "largest loss"

# A clear difference on 30 queries is marked; three systems get Holm.
big_a="" big_b="" big_c=""
for i in $(seq 10 69); do
    big_a="$big_a,q$i=0.$((i % 7 + 1))"
    big_b="$big_b,q$i=0.$((i % 7 + 2))"
    big_c="$big_c,q$i=0.$(((i * 3) % 7 + 1))"
done
results "$tmp/big.json" f00d base "${big_a#,}" better "${big_b#,}" \
    other "${big_c#,}"
"$bin" compare "$tmp/big.json" > "$tmp/out" || say_fail "three systems"
grep -Eq "^b  better +0\.[0-9]{4} ac " "$tmp/out" ||
    say_fail "letters of significant wins"
grep -q "Holm-adjusted over 3 comparisons per measure" "$tmp/out" ||
    say_fail "Holm note"
"$bin" compare --baseline base --json "$tmp/big.json" > "$tmp/json" ||
    say_fail "--baseline"
[ "$(grep -c '"baseline": "base"' "$tmp/json")" = 5 ] ||
    say_fail "baseline comparisons (2 per measure + settings)"

expect_error() {  # expect_error NAME PATTERN ARGS...
    local name=$1 pattern=$2
    shift 2
    "$bin" compare "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    if [ $rc -ne 2 ] || ! grep -q -- "$pattern" "$tmp/err"; then
        say_fail "$name (exit $rc)"
        cat "$tmp/err"
    fi
}

# Different query sets: the common ones, with a warning; --strict fails.
results "$tmp/c.json" f00d sparse "q01=0.2,q02=0.5,q03=0.4,q09=0.1"
"$bin" compare "$tmp/a.json" "$tmp/c.json" > "$tmp/out" 2> "$tmp/err" ||
    say_fail "different query sets"
grep -q "comparing the 3 they share, 2 dropped" "$tmp/err" ||
    say_fail "dropped warning"
grep -q "^3 queries in common (2 others dropped)" "$tmp/out" ||
    say_fail "dropped in output"
expect_error "strict" "evaluated on different queries (3 in common, 5 in all)" \
    --strict "$tmp/a.json" "$tmp/c.json"
results "$tmp/d.json" f00d tiny "q01=0.2,q07=0.5"
expect_error "one query" "1 query common to all systems" \
    "$tmp/a.json" "$tmp/d.json"
expect_error "missing measure" '"bm25" has no measure "P_5"' -m P_5 \
    "$tmp/a.json" "$tmp/b.json"
results "$tmp/e.json" beef dense "q01=0.3,q02=0.6,q03=0.2,q04=1.0"
expect_error "fingerprint" "different datasets" "$tmp/a.json" "$tmp/e.json"
"$bin" compare --allow-dataset-change "$tmp/a.json" "$tmp/e.json" \
    > /dev/null || say_fail "--allow-dataset-change"
expect_error "one system" "found 1 system to compare" "$tmp/a.json"
expect_error "same name" "a.json:bm25\" is given twice" "$tmp/a.json" "$tmp/a.json"
echo '{"retrievers": []}' > "$tmp/other.json"
expect_error "schema" "not a rankbench results file" "$tmp/other.json" \
    "$tmp/a.json"
expect_error "baseline" '--baseline "nope" is not among' --baseline nope \
    "$tmp/a.json" "$tmp/b.json"
expect_error "alpha" '--alpha "2"' --alpha 2 "$tmp/a.json" "$tmp/b.json"
expect_error "test" '--test "z"' --test z "$tmp/a.json" "$tmp/b.json"

# The same names in two files are told apart by file.
results "$tmp/a2.json" f00d bm25 "q01=0.2,q02=0.5,q03=0.3,q04=0.8"
"$bin" compare "$tmp/a.json" "$tmp/a2.json" > "$tmp/out" ||
    say_fail "same retriever in two files"
grep -q "$tmp/a2.json:bm25 - $tmp/a.json:bm25" "$tmp/out" ||
    say_fail "qualified labels"

# TREC runs from another tool, scored against qrels.
if [ -n "$shared" ] && [ -f "$shared/golden/cranfield.qrels" ]; then
    g=$shared/golden
    awk '{ if ($1 % 5 == 0 && $4 <= 3) $5 = -$5; print }' \
        "$g/cranfield-bm25-top100.run" > "$tmp/shuffled.run"
    "$bin" compare -m ndcg_cut.10 "$g/cranfield.qrels" \
        "$g/cranfield-bm25-top100.run" "$tmp/shuffled.run" > "$tmp/out" ||
        say_fail "TREC runs"
    # nDCG@10 of the BM25 run as trec_eval prints it: 0.3003.
    grep -Eq "^a  cranfield-bm25-top100 +0\.3003 b " "$tmp/out" ||
        say_fail "TREC run mean and marker"
    expect_error "one run" "a qrels file and at least two runs" \
        "$g/cranfield.qrels" "$g/cranfield-bm25-top100.run"
fi
"$bin" compare --help | grep -q "usage: rankbench compare" ||
    say_fail "--help"

exit $fail
