#!/bin/bash
# rankbench gate: pass, fail by drop, fail by significance, missing and
# new entries, timing ratios, exit codes, every output format, --update.
set -u
bin=${RB_BIN:?}
src=${RB_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
say_fail() { echo "FAIL: $*"; fail=1; }

# results FILE DATASET FINGERPRINT SPEC...: one retriever per SPEC,
# NAME:SHIFT:NOISE:SEARCH_S. Query q (1..20) scores base(q) + SHIFT, plus
# NOISE on odd queries and minus it on even ones, for ndcg_cut_10, and
# half of that for recall_100; the means are those of the queries.
results() {
    local file=$1 dataset=$2 fp=$3
    shift 3
    awk -v dataset="$dataset" -v fp="$fp" -v specs="$*" 'BEGIN {
        printf "{\"schema\": \"rankbench.results\", \"schema_version\": 1,\n"
        printf " \"dataset\": {\"name\": \"%s\", \"split\": \"test\",", dataset
        printf " \"fingerprint\": \"%s\"},\n", fp
        printf " \"measures\": [\"num_q\", \"recall_100\", \"ndcg_cut_10\"],\n"
        printf " \"retrievers\": ["
        n = split(specs, list, " ")
        for (r = 1; r <= n; r++) {
            split(list[r], f, ":")
            sum = 0; pq = ""
            for (q = 1; q <= 20; q++) {
                v = 0.3 + ((q * 37) % 50) / 100 + f[2]
                v += (q % 2 ? f[3] : -f[3])
                sum += v
                pq = pq sprintf("%s\"q%02d\": {\"ndcg_cut_10\": %.17g, " \
                                "\"recall_100\": %.17g}", (q > 1 ? ", " : ""),
                                q, v, v / 2)
            }
            printf "%s\n  {\"name\": \"%s\", ", (r > 1 ? "," : ""), f[1]
            printf "\"timings\": {\"index_s\": 1.0, \"search_s\": %s, " \
                   "\"queries_per_s\": 100.0},\n", f[4]
            printf "   \"metrics\": {\"num_q\": 20, \"ndcg_cut_10\": " \
                   "%.17g, \"recall_100\": %.17g},\n", sum / 20, sum / 40
            printf "   \"per_query\": {%s}}", pq
        }
        printf "]}\n"
    }' > "$file"
}

gate() {  # gate EXPECTED-STATUS NAME ARGS...: run, check the exit status
    local want=$1 name=$2
    shift 2
    "$bin" gate "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    if [ $rc -ne "$want" ]; then
        say_fail "$name: exit $rc, expected $want"
        cat "$tmp/out" "$tmp/err"
    fi
}

row() {  # row NAME PATTERN: the table has a line matching PATTERN
    grep -Eq -- "$2" "$tmp/out" || { say_fail "$1"; cat "$tmp/out"; }
}

results "$tmp/base.json" sample aaaa bm25:0:0:0.50 ilike:-0.2:0:0.20
B=(--baseline "$tmp/base.json")

# Pass: the same results, compared with a results file as baseline.
gate 0 "unchanged" "${B[@]}" --results "$tmp/base.json"
row "pass rows" "^sample +bm25 +ndcg_cut_10 +0\.5[0-9]{3} +0\.5[0-9]{3} +\+0\.0000 +0\.0000 +pass +unchanged"
row "summary" "^gate: 4 checks, 4 passed, 0 failed: ok$"

# Fail by drop: nDCG@10 of bm25 falls by 0.02 everywhere.
results "$tmp/worse.json" sample aaaa bm25:-0.02:0:0.50 ilike:-0.2:0:0.20
gate 1 "drop" "${B[@]}" --results "$tmp/worse.json" \
    --max-drop ndcg_cut_10=0.005 --max-drop 0.05
row "fail row" "^sample +bm25 +ndcg_cut_10 .* -0\.0200 +-0\.0050 +FAIL +dropped 0\.0200"
row "recall within the default limit" "^sample +bm25 +recall_100 .* -0\.0100 +-0\.0500 +pass +dropped within the limit"
row "regression summary" "1 failed: REGRESSION$"
gate 0 "drop within limits" "${B[@]}" --results "$tmp/worse.json" \
    --max-drop ndcg_cut_10=0.025 --max-drop-rel recall_100=5%
# Both limits hold at once: 5% of recall (about 0.014) but only 0.001.
gate 1 "abs and rel together" "${B[@]}" --results "$tmp/worse.json" \
    --max-drop ndcg_cut_10=0.025 --max-drop-rel recall_100=5% \
    --max-drop recall_100=0.001
row "smaller limit applies" "^sample +bm25 +recall_100 .* -0\.0010 +FAIL"

# Significance: a consistent drop is significant; a drop of the same mean
# that is noise (+-0.3 around it) is not.
gate 1 "significant drop" "${B[@]}" --results "$tmp/worse.json" \
    --require-significance
row "significant" "FAIL +dropped 0\.0200 .*significant \(p < 0\.0001\)"
results "$tmp/noisy.json" sample aaaa bm25:-0.02:0.3:0.50 ilike:-0.2:0:0.20
gate 0 "noise is not significant" "${B[@]}" --results "$tmp/noisy.json" \
    --require-significance
row "not significant" "^sample +bm25 +ndcg_cut_10 .* pass +dropped 0\.0200 \(limit 0\.0000\) but not significantly \(p = 0\.[0-9]{4} >= 0\.05\)"
gate 1 "noise without the requirement" "${B[@]}" --results "$tmp/noisy.json"

# Missing entries fail, new ones pass.
results "$tmp/one.json" sample aaaa bm25:0:0:0.50 dense:0.1:0:2.0
gate 1 "missing retriever" "${B[@]}" --results "$tmp/one.json"
row "missing row" "^sample +ilike +\(retriever\) .* FAIL +retriever missing from the results"
row "new row" "^sample +dense +\(retriever\) .* new +new retriever"
row "new summary" "3 failed, 1 new \(not gated\)|1 failed, 1 new \(not gated\)"
results "$tmp/other.json" cacm bbbb bm25:0:0:0.50
gate 1 "missing dataset" "${B[@]}" --results "$tmp/other.json"
row "missing dataset row" "^sample +- +\(dataset\) .* FAIL +dataset \(split test\) missing"
row "new dataset row" "^cacm +- +\(dataset\) .* new"
sed 's/"recall_100"/"recall_999"/g' "$tmp/base.json" > "$tmp/norecall.json"
gate 1 "missing measure" "${B[@]}" --results "$tmp/norecall.json"
row "missing measure row" "recall_100 .* FAIL +missing from the results"

# Timings: 2x slower search fails a 1.5x limit; 1.2x passes it.
results "$tmp/slow.json" sample aaaa bm25:0:0:1.00 ilike:-0.2:0:0.24
gate 1 "slow-down" "${B[@]}" --results "$tmp/slow.json" \
    --max-slowdown search=1.5
row "slow row" "^sample +bm25 +search_s +0\.500s +1\.000s +x2\.00 +x1\.50 +FAIL +2\.00x slower"
row "fast enough" "^sample +ilike +search_s .* x1\.20 +x1\.50 +pass"
gate 0 "slow-down allowed" "${B[@]}" --results "$tmp/slow.json" \
    --max-slowdown search=2.5
# Times under the floor are not compared as measured.
gate 0 "timing floor" "${B[@]}" --results "$tmp/slow.json" \
    --max-slowdown search=1.5 --timing-floor 2

# Outputs: annotations, JUnit, JSON.
GITHUB_ACTIONS=true "$bin" gate "${B[@]}" --results "$tmp/worse.json" \
    --max-drop 0.005 --junit "$tmp/junit.xml" > "$tmp/out" 2>&1
grep -q "^::error title=rankbench gate%3A sample/bm25 ndcg_cut_10::sample/bm25 ndcg_cut_10: dropped 0.0200" \
    "$tmp/out" || say_fail "::error:: annotation"
grep -q '^::error' <("$bin" gate "${B[@]}" --results "$tmp/worse.json" \
    --max-drop 0.005) && say_fail "annotations without GITHUB_ACTIONS"
grep -q '<testsuite name="rankbench gate" tests="4" failures="2" skipped="0">' \
    "$tmp/junit.xml" || say_fail "junit counts"
grep -q '<testcase classname="sample.bm25" name="ndcg_cut_10">' \
    "$tmp/junit.xml" || say_fail "junit testcase"
grep -q '<failure type="regression" message="dropped 0.0200' \
    "$tmp/junit.xml" || say_fail "junit failure"
if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' \
        "$tmp/junit.xml" || say_fail "junit is not well-formed XML"
fi
gate 1 "json" "${B[@]}" --results "$tmp/worse.json" --max-drop 0.005 --json
grep -q '"passed": false' "$tmp/out" || say_fail "json verdict"
grep -q '"checks_failed": 2' "$tmp/out" || say_fail "json counts"
grep -q '"verdict": "fail"' "$tmp/out" || say_fail "json check"
GITHUB_ACTIONS=true "$bin" gate "${B[@]}" --results "$tmp/worse.json" \
    --max-drop 0.005 --json > "$tmp/json" 2> "$tmp/err"
grep -q '::error' "$tmp/json" && say_fail "annotations mixed into JSON"
grep -q '^::error' "$tmp/err" || say_fail "annotations beside JSON"

# Rules from a file, overridden by flags.
cat > "$tmp/rules.json" <<'RULES'
{"max_drop": {"ndcg_cut_10": 0.03, "*": 0.02}, "max_slowdown": {"search": 3}}
RULES
gate 0 "rules file" "${B[@]}" --results "$tmp/worse.json" \
    --rules "$tmp/rules.json"
gate 1 "flag over rules file" "${B[@]}" --results "$tmp/worse.json" \
    --rules "$tmp/rules.json" --max-drop ndcg_cut_10=0.01
gate 0 "project rules file" "${B[@]}" --results "$tmp/base.json" \
    --rules "$src/ci/gate-rules.json"

# Exit status 2: usage and input errors, with nothing judged.
gate 2 "no baseline" --results "$tmp/base.json"
gate 2 "bad rule" "${B[@]}" --results "$tmp/base.json" --max-drop x=y
grep -q 'the allowed drop of "x" must be a number >= 0, not "y"' \
    "$tmp/err" || say_fail "bad rule message"
gate 2 "bad percentage" "${B[@]}" --results "$tmp/base.json" \
    --max-drop-rel recall_100=150%
gate 2 "bad timing" "${B[@]}" --results "$tmp/base.json" \
    --max-slowdown queries_per_s=2
echo '{"max_drops": {}}' > "$tmp/badrules.json"
gate 2 "unknown rules key" "${B[@]}" --results "$tmp/base.json" \
    --rules "$tmp/badrules.json"
grep -q 'unknown key "max_drops"' "$tmp/err" || say_fail "rules key message"
echo '{"schema": "something"}' > "$tmp/notresults.json"
gate 2 "not a results file" "${B[@]}" --results "$tmp/notresults.json"
gate 2 "not a baseline" --baseline "$tmp/notresults.json" \
    --results "$tmp/base.json"
printf '{"schema": "rankbench.results",\n' > "$tmp/broken.json"
gate 2 "broken JSON" "${B[@]}" --results "$tmp/broken.json"
grep -q "broken.json:2: not valid JSON" "$tmp/err" ||
    say_fail "broken JSON message"
results "$tmp/changed.json" sample cccc bm25:0:0:0.50 ilike:-0.2:0:0.20
gate 2 "fingerprint" "${B[@]}" --results "$tmp/changed.json"
grep -q "different dataset than the baseline" "$tmp/err" ||
    say_fail "fingerprint message"
gate 0 "--allow-dataset-change" "${B[@]}" --results "$tmp/changed.json" \
    --allow-dataset-change
row "dataset change noted" "dataset changed, allowed"

# --update writes a trimmed baseline, deliberately only.
cp "$tmp/base.json" "$tmp/kept.json"
gate 1 "failing gate" --baseline "$tmp/kept.json" --results "$tmp/worse.json"
cmp -s "$tmp/kept.json" "$tmp/base.json" ||
    say_fail "a failing gate changed the baseline"
gate 0 "update" --update --baseline "$tmp/deeper/new-baseline.json" \
    --results "$tmp/worse.json" --measures ndcg_cut_10
mv "$tmp/deeper/new-baseline.json" "$tmp/new-baseline.json"
grep -q '"schema": "rankbench.baseline"' "$tmp/new-baseline.json" ||
    say_fail "baseline schema"
grep -q 'recall_100' "$tmp/new-baseline.json" &&
    say_fail "baseline kept an unlisted measure"
grep -q 'queries_per_s' "$tmp/new-baseline.json" &&
    say_fail "baseline kept a rate"
gate 0 "gate against the update" --baseline "$tmp/new-baseline.json" \
    --results "$tmp/worse.json" --require-significance
row "update summary" "^gate: 2 checks, 2 passed, 0 failed: ok$"
results "$tmp/worst.json" sample aaaa bm25:-0.05:0:0.50 ilike:-0.2:0:0.20
gate 1 "updated baseline still gates" --baseline "$tmp/new-baseline.json" \
    --results "$tmp/worst.json"
row "only the kept measure" "^gate: 2 checks, 1 passed, 1 failed"
mkdir -p "$tmp/dir/sample"
cp "$tmp/worse.json" "$tmp/dir/sample/results.json"
gate 0 "results folder" --baseline "$tmp/new-baseline.json" \
    --results "$tmp/dir"

"$bin" gate --help | grep -q "Exit status: 0 when every check passes" ||
    say_fail "--help documents the exit status"
exit $fail
