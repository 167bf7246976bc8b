#!/bin/bash
# rankbench probe end to end on a generated checkpoint: the text report
# matches the stored expected file byte for byte, probe.json holds the
# same run, thread counts change nothing, bad lines are listed and made
# fatal by --strict, and the chart is drawn by gnuplot when it is there.
set -u

RB=${RB_BIN:?RB_BIN is not set}
SRC=${RB_SOURCE_DIR:?RB_SOURCE_DIR is not set}
PY=${RB_PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import numpy' 2>/dev/null; then
    echo "skipped: $PY with numpy is needed to generate a checkpoint"
    exit 77
fi
WORK=$(mktemp -d /tmp/rb-probe-e2e-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

cd "$WORK" || exit 1
"$PY" "$SRC/tools/make_test_model.py" --out model --small-vocab --seed 31 \
    --mlm untied || exit 1
"$PY" "$SRC/tools/make_test_model.py" --out tied --small-vocab --seed 31 \
    --mlm tied || exit 1
"$PY" "$SRC/tools/make_test_model.py" --out nohead --small-vocab \
    --seed 31 || exit 1
cp "$SRC/tests/data/probe_format.jsonl" suite.jsonl

# The report, against the stored file.
"$RB" probe --model model --probes suite.jsonl --out out --no-plots \
    --threads 1 >stdout 2>stderr
rc=$?
[ $rc -eq 0 ] || fail "probe exited $rc: $(cat stderr)"
diff -u "$SRC/tests/data/probe_format.expected" stdout ||
    fail "the report differs from tests/data/probe_format.expected"
cmp -s stdout out/probe.txt || fail "probe.txt differs from stdout"
grep -q '^rankbench: warning: suite.jsonl:10: malformed JSON' stderr ||
    fail "the malformed line is not reported on stderr"
grep -q 'warning: the decoder is not tied' stderr ||
    fail "the untied decoder is not warned about on stderr"
[ -e out/probe_accuracy.gp ] && fail "--no-plots wrote a chart script"

# probe.json: the same run, machine-readable.
"$PY" - out/probe.json <<'EOF' || fail "probe.json"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == "rankbench.probe" and r["version"] == 1, r["schema"]
assert r["suite"]["probes_run"] == 12 and r["suite"]["lines"] == 16
assert [p["line"] for p in r["problems"]] == [7, 9, 10, 15]
assert r["head"]["decoder"] == "untied" and r["head"]["decoder_stored"]
assert r["diagnostics"]["decoder"] == "untied"
codes = [w["code"] for w in r["diagnostics"]["warnings"]]
assert "untied_decoder" in codes, codes
assert set(r["summary"]["tags"]) == {"fluids", "function", "ir"}
f03 = [p for p in r["probes"] if p["id"] == "F03"][0]
assert [s["expected"] for s in f03["slots"]] == ["search", "##ing"]
assert f03["form"] == "target" and f03["rank"] == max(
    s["rank"] for s in f03["slots"])
n = len(r["probes"])
mrr = sum(p["reciprocal_rank"] for p in r["probes"]) / n
assert abs(mrr - r["summary"]["overall"]["mrr"]) < 1e-12
for p in r["probes"]:
    for s in p["slots"]:
        ps = [t["p"] for t in s["top"]]
        assert ps == sorted(ps, reverse=True) and len(ps) == 5
EOF

# The same bytes with two threads.
"$RB" probe --model model --probes suite.jsonl --out out2 --no-plots \
    --threads 2 >stdout2 2>/dev/null || fail "two threads failed"
cmp -s stdout stdout2 || fail "two threads changed the report"
cmp -s out/probe.txt out2/probe.txt || fail "two threads changed probe.txt"
"$PY" -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for r in (a, b):
    r["encoder"].pop("threads", None); r["head"].pop("threads", None)
sys.exit(a != b)' out/probe.json out2/probe.json ||
    fail "two threads changed probe.json"

# A tied head: no untied warning, the decoder line says so.
"$RB" probe --model tied --probes suite.jsonl --out tout --no-plots \
    >tstdout 2>tstderr || fail "tied model failed"
grep -q '^  decoder        tied to the word embeddings (no decoder stored)' \
    tstdout || fail "tied decoder not reported"
grep -q 'not tied' tstdout tstderr && fail "tied model warned as untied"

# --strict: the bad lines are fatal and nothing is written.
"$RB" probe --model model --probes suite.jsonl --out strict --strict \
    >/dev/null 2>serr
rc=$?
[ $rc -eq 1 ] || fail "--strict exited $rc"
grep -q 'suite.jsonl:10: malformed JSON' serr || fail "--strict: no line"
grep -q '4 lines cannot run (--strict)' serr || fail "--strict: no count"
[ -e strict ] && fail "--strict wrote $(ls strict)"

# Nothing that can run, no head, bad usage.
printf '{"id": "x", "text": "no mask"}\n' >bad.jsonl
"$RB" probe --model model --probes bad.jsonl --out bad >/dev/null 2>berr
[ $? -eq 1 ] && grep -q 'no probe could run' berr ||
    fail "an empty run is not an error"
"$RB" probe --model nohead --probes suite.jsonl --out nh >/dev/null 2>nerr
[ $? -eq 1 ] && grep -q 'no masked-LM head' nerr ||
    fail "a checkpoint without head: $(cat nerr)"
"$RB" probe --model model >/dev/null 2>uerr
[ $? -eq 2 ] || fail "missing --probes is not a usage error"
"$RB" probe --model model --probes suite.jsonl --top-k 0 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--top-k 0 is not a usage error"
"$RB" probe --model model --probes suite.jsonl --tie sideways \
    >/dev/null 2>terr
[ $? -eq 2 ] && grep -q 'unknown decoder tie "sideways"' terr ||
    fail "a bad --tie is not a usage error"
if ! command -v nvidia-smi >/dev/null 2>&1; then
    "$RB" probe --model model --probes suite.jsonl --device cuda \
        --out cuda >/dev/null 2>cerr
    [ $? -eq 1 ] && grep -q 'device "cuda"' cerr ||
        fail "--device cuda without a GPU: $(cat cerr)"
fi

# --top-k 3 lists three predictions per position.
"$RB" probe --model model --probes suite.jsonl --top-k 3 --out k3 \
    --no-plots >k3out 2>/dev/null || fail "--top-k 3 failed"
grep -q '^F06: expected=world got=\[[^],]*, [^],]*, [^],]*\] ' k3out ||
    fail "--top-k 3: $(grep '^F06' k3out)"
grep -q 'acc@3' k3out || fail "--top-k 3: no acc@3 column"

# The chart, drawn for real when gnuplot is installed.
"$RB" probe --model model --probes suite.jsonl --out charts >/dev/null \
    2>gerr || fail "probe with chart failed: $(cat gerr)"
[ -f charts/probe_accuracy.gp ] && [ -f charts/probe_accuracy.dat ] ||
    fail "chart data or script missing"
# One row for all probes and one per tag.
[ "$(grep -vc '^#' charts/probe_accuracy.dat)" = 4 ] ||
    fail "probe_accuracy.dat: $(cat charts/probe_accuracy.dat)"
if command -v gnuplot >/dev/null 2>&1; then
    "$PY" "$SRC/tests/chart_check.py" svg charts/probe_accuracy.svg ||
        fail "probe_accuracy.svg"
    "$PY" "$SRC/tests/chart_check.py" png charts/probe_accuracy.png ||
        fail "probe_accuracy.png"
    grep -q 'accuracy@5' charts/probe_accuracy.svg ||
        fail "the chart lacks its accuracy@5 panel"
    ls charts | grep -q tmp && fail "a temporary chart file was left"
else
    grep -q 'no chart drawn' gerr || fail "no word on the missing gnuplot"
fi

if [ $failures -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all probe end-to-end checks passed"
