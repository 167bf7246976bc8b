#!/usr/bin/env bash
# rankbench eval as a user meets it: output format, JSON, BEIR qrels,
# exit codes and one-line errors on bad runs and qrels.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

printf '1 0 a 2\n1 0 b 0\n1 0 c 1\n2 0 x 1\n' > "$tmp/q.trec"
printf 'query-id\tcorpus-id\tscore\n1\ta\t2\n1\tb\t0\n1\tc\t1\n2\tx\t1\n' \
    > "$tmp/q.tsv"
printf '1 Q0 a 1 3.0 t\n1 Q0 b 2 2.0 t\n1 Q0 c 3 1.0 t\n2 Q0 y 1 1 t\n' \
    > "$tmp/run"

out=$("$RB_BIN" eval -m P.1 -m num_q "$tmp/q.trec" "$tmp/run")
want=$(printf 'num_q                 \tall\t2\nP_1                   \tall\t0.5000')
[ "$out" = "$want" ] && ok || bad "text output: $out"

out2=$("$RB_BIN" eval -m P.1 -m num_q "$tmp/q.tsv" "$tmp/run")
[ "$out" = "$out2" ] && ok || bad "BEIR qrels differ from TREC qrels"

"$RB_BIN" eval --json -q -m map "$tmp/q.trec" "$tmp/run" > "$tmp/out.json"
/usr/bin/python3 - "$tmp/out.json" <<'PY' && ok || bad "json output"
import json, sys
d = json.load(open(sys.argv[1]))
run = d["runs"][0]
assert abs(run["all"]["map"] - ((1 + 2/3) / 2 + 0) / 2) < 1e-12, run
assert set(run["per_query"]) == {"1", "2"}
PY

# Duplicate docno in a query: an error naming file and query.
printf '1 Q0 a 1 3.0 t\n1 Q0 a 2 2.0 t\n' > "$tmp/dup"
err=$("$RB_BIN" eval -m map "$tmp/q.trec" "$tmp/dup" 2>&1 >/dev/null)
rc=$?
[ $rc -ne 0 ] && [[ "$err" == *"dup: query \"1\" retrieves document \"a\" more than once"* ]] \
    && ok || bad "duplicate docno: rc=$rc $err"

printf '1 Q0 a 1 3.0 t\n1 Q0 b 2 high t\n' > "$tmp/score"
err=$("$RB_BIN" eval -m map "$tmp/q.trec" "$tmp/score" 2>&1 >/dev/null)
[[ "$err" == *"score:2: score \"high\" is not a number"* ]] && ok \
    || bad "bad score: $err"

printf '1 Q0 a 1 3.0\n' > "$tmp/short"
err=$("$RB_BIN" eval -m map "$tmp/q.trec" "$tmp/short" 2>&1 >/dev/null)
[[ "$err" == *"short:1: expected 6 fields"* ]] && ok || bad "fields: $err"

printf '1 0 a\n' > "$tmp/badq"
err=$("$RB_BIN" eval -m map "$tmp/badq" "$tmp/run" 2>&1 >/dev/null)
[[ "$err" == *"badq:1: expected 4 fields"* ]] && ok || bad "qrels: $err"

"$RB_BIN" eval -m nope "$tmp/q.trec" "$tmp/run" >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "unknown measure exit code"

"$RB_BIN" eval "$tmp/q.trec" > /dev/null 2>&1
[ $? -eq 2 ] && ok || bad "missing run exit code"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
