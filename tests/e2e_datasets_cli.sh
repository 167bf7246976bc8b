#!/bin/bash
# rankbench datasets check, stats and import-trec from the command line:
# exit statuses, the FILE:LINE report, JSON output and the fingerprint,
# on folders generated here.
set -u

RB=${RB_BIN:?RB_BIN is not set}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || true)
WORK=$(mktemp -d /tmp/rb-datasets-e2e-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

run() {
    "$RB" datasets "$@" >"$WORK/stdout" 2>"$WORK/stderr"
    status=$?
}

expect_status() {
    if [ "$status" -ne "$1" ]; then
        fail "$2: exit status $status, expected $1"
        sed 's/^/    /' "$WORK/stderr" "$WORK/stdout" | head -20
    fi
}

expect_line() {
    grep -qxF -- "$1" "$WORK/stdout" || fail "$2: no line '$1'"
}

# A clean folder, one with warnings only, one with errors.
mkdir -p "$WORK/good/qrels" "$WORK/warn/qrels" "$WORK/bad/qrels"
printf '%s\n' '{"_id": "d1", "title": "A", "text": "alpha beta"}' \
    '{"_id": "d2", "title": "B", "text": "gamma"}' >"$WORK/good/corpus.jsonl"
printf '%s\n' '{"_id": "q1", "text": "alpha"}' \
    '{"_id": "q2", "text": "gamma"}' >"$WORK/good/queries.jsonl"
printf 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n' \
    >"$WORK/good/qrels/test.tsv"
cp "$WORK/good/corpus.jsonl" "$WORK/good/queries.jsonl" "$WORK/warn/"
printf 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td9\t1\n' \
    >"$WORK/warn/qrels/test.tsv"
cp "$WORK/good/queries.jsonl" "$WORK/bad/"
printf '%s\n' '{"_id": "d1", "title": "A", "text": "alpha"}' \
    '{"_id": "d1", "title": "B", "text": "again"}' 'oops' \
    >"$WORK/bad/corpus.jsonl"
printf 'query-id\tcorpus-id\tscore\nq1\td1\tx\nq2\td1\t1\n' \
    >"$WORK/bad/qrels/test.tsv"

run check "$WORK/good"
expect_status 0 "clean folder"
expect_line "result       0 errors, 0 warnings" "clean folder"

# The fingerprint is SHA-256 of the role names and the files' lines.
want=$({ printf 'corpus\n'; cat "$WORK/good/corpus.jsonl"
         printf 'queries\n'; cat "$WORK/good/queries.jsonl"
         printf 'qrels\n'; cat "$WORK/good/qrels/test.tsv"; } |
       sha256sum | cut -d' ' -f1)
expect_line "fingerprint  $want (split test)" "fingerprint"

run check "$WORK/warn"
expect_status 0 "warnings only"
expect_line "$WORK/warn/qrels/test.tsv:3: warning: document \"d9\" (judged for query \"q1\") is not in corpus.jsonl" "warnings only"
expect_line "$WORK/warn/queries.jsonl:2: warning: query \"q2\" has no judgments in any split" "warnings only"
expect_line "result       0 errors, 2 warnings" "warnings only"

run check "$WORK/warn" --strict
expect_status 1 "--strict"

run check "$WORK/bad"
expect_status 1 "errors"
expect_line "$WORK/bad/corpus.jsonl:2: error: duplicate id \"d1\" (first at line 1)" "errors"
grep -q "^$WORK/bad/corpus.jsonl:3: error: not valid JSON" "$WORK/stdout" ||
    fail "errors: bad JSON line not reported"
expect_line "$WORK/bad/qrels/test.tsv:2: error: score \"x\" is not an integer" "errors"
expect_line "result       3 errors, 1 warning" "errors"

run check "$WORK/bad" --json
expect_status 1 "--json"
if [ -n "$PY" ]; then
    "$PY" - "$WORK/stdout" <<'EOF' || fail "--json: unexpected content"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == "rankbench.dataset-check", r["schema"]
assert r["ok"] is False and r["errors"] == 3 and r["warnings"] == 1
assert r["corpus"]["documents"] == 1 and r["corpus"]["duplicate_ids"] == 1
assert r["splits"]["test"]["judgments"] == 1
assert [p["line"] for p in r["problems"]] == [2, 3, 1, 2], r["problems"]
assert r["problems"][0]["kind"] == "duplicate-id"
EOF
fi

run check "$WORK/none"
expect_status 1 "missing folder"
grep -q "no such dataset folder" "$WORK/stderr" ||
    fail "missing folder: no message"
run check
expect_status 2 "no folder given"
run check "$WORK/good" --bogus
expect_status 2 "unknown option"
"$RB" datasets >/dev/null 2>&1
[ $? -eq 2 ] || fail "no subcommand: status is not 2"

# ---- stats --------------------------------------------------------------
# Plain words, so that the values do not depend on stop words or stems.
run stats "$WORK/good" --json --stopwords none --stemmer none --min-length 1
expect_status 0 "stats"
if [ -n "$PY" ]; then
    "$PY" - "$WORK/stdout" <<'EOF' || fail "stats --json: unexpected values"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["documents"]["count"] == 2
assert s["documents"]["tokens"]["total"] == 5      # a alpha beta, b gamma
assert s["documents"]["tokens"]["median"] == 2.5
assert s["vocabulary"]["corpus_terms"] == 5
assert s["queries"]["count"] == 2
assert s["judgments"]["per_query"]["mean"] == 1.0
EOF
fi
run stats "$WORK/bad"
expect_status 1 "stats on a broken folder"
grep -q "qrels/test.tsv:2: " "$WORK/stderr" || fail "stats: error has no line"

# ---- import-trec --------------------------------------------------------
mkdir -p "$WORK/trec/docs"
printf '<top>\n<num> Number: 1\n<title> alpha\n</top>\n<top>\n<num> 2\n<title> gamma\n</top>\n' \
    >"$WORK/trec/topics"
printf '1 0 D1 1\n2 0 D2 1\n' >"$WORK/trec/qrels"
printf '<DOC>\n<DOCNO>D1</DOCNO>\n<TEXT>alpha beta</TEXT>\n</DOC>\n<DOC>\n<DOCNO>D2</DOCNO>\n<TITLE>G</TITLE>\n<TEXT>gamma</TEXT>\n</DOC>\n' \
    >"$WORK/trec/docs/part1"
run import-trec --topics "$WORK/trec/topics" --qrels "$WORK/trec/qrels" \
    --docs "$WORK/trec/docs" --out "$WORK/imported"
expect_status 0 "import-trec"
grep -q "imported/corpus.jsonl: 2 documents" "$WORK/stdout" ||
    fail "import-trec: no check of the result"
[ "$(sed -n 2p "$WORK/imported/qrels/test.tsv")" = "$(printf '1\tD1\t1')" ] ||
    fail "import-trec: qrels not converted"
run import-trec --topics "$WORK/trec/topics" --qrels "$WORK/trec/qrels" \
    --docs "$WORK/trec/docs" --out "$WORK/imported"
expect_status 1 "import-trec over an existing folder"
run import-trec --topics "$WORK/trec/topics"
expect_status 2 "import-trec without its inputs"

if [ "$failures" -ne 0 ]; then
    echo "$failures failures"
    exit 1
fi
echo "all datasets CLI checks passed"
