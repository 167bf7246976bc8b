#!/bin/bash
# rankbench fuse on TREC run files: exact output for RRF and CombMNZ,
# fusing a real run with itself, and the errors of bad input.
set -u
bin=${RB_BIN:?}
shared=${RB_SHARED_DIR:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

check() {  # check NAME EXPECTED-FILE ACTUAL-FILE
    if ! diff -u "$2" "$3"; then
        echo "FAIL: $1"
        fail=1
    fi
}

cat > "$tmp/a.run" <<'RUN'
q1 Q0 d1 1 3 a
q1 Q0 d2 2 2 a
q1 Q0 d3 3 1 a
q2 Q0 d5 1 7 a
RUN
# Stored out of score order on purpose: the rank column is ignored.
cat > "$tmp/b.run" <<'RUN'
q1 Q0 d4 1 5 b
q1 Q0 d3 2 10 b
q3 Q0 d8 1 1 b
RUN

"$bin" fuse -q "$tmp/a.run" "$tmp/b.run" -o "$tmp/rrf.run" || fail=1
cat > "$tmp/rrf.want" <<'RUN'
q1 Q0 d3 1 0.032266458495966696 fused-rrf
q1 Q0 d1 2 0.01639344262295082 fused-rrf
q1 Q0 d4 3 0.016129032258064516 fused-rrf
q1 Q0 d2 4 0.016129032258064516 fused-rrf
q2 Q0 d5 1 0.01639344262295082 fused-rrf
q3 Q0 d8 1 0.01639344262295082 fused-rrf
RUN
check "rrf" "$tmp/rrf.want" "$tmp/rrf.run"

"$bin" fuse -q -m combmnz --norm minmax -w 1,2 -n 2 --tag mnz \
    "$tmp/a.run" "$tmp/b.run" -o "$tmp/mnz.run" || fail=1
# a: d1 1, d2 .5, d3 0; b: d3 1, d4 0 (weight 2). d3 (0 + 2) * 2 = 4.
cat > "$tmp/mnz.want" <<'RUN'
q1 Q0 d3 1 4 mnz
q1 Q0 d1 2 1 mnz
q2 Q0 d5 1 1 mnz
q3 Q0 d8 1 2 mnz
RUN
check "combmnz" "$tmp/mnz.want" "$tmp/mnz.run"

# Fusing a run with itself by RRF keeps trec_eval's order of that run.
if [ -n "$shared" ] && [ -f "$shared/golden/cranfield-bm25-top100.run" ]; then
    run="$shared/golden/cranfield-bm25-top100.run"
    "$bin" fuse -q "$run" "$run" -o "$tmp/self.run" || fail=1
    sort -s -k1,1 -k5,5gr -k3,3r "$run" |
        awk '{print $1, $3}' > "$tmp/self.want"
    sort -s -k1,1 -k4,4n "$tmp/self.run" | awk '{print $1, $3}' \
        > "$tmp/self.got"
    sort -s -k1,1 "$tmp/self.want" > "$tmp/self.want.sorted"
    sort -s -k1,1 "$tmp/self.got" > "$tmp/self.got.sorted"
    check "self-fusion order" "$tmp/self.want.sorted" "$tmp/self.got.sorted"
    [ "$(wc -l < "$tmp/self.run")" = "$(wc -l < "$run")" ] || {
        echo "FAIL: self-fusion line count"; fail=1; }
fi

expect_error() {  # expect_error NAME PATTERN ARGS...
    local name=$1 pattern=$2
    shift 2
    "$bin" fuse -q "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    if [ $rc -ne 2 ] || ! grep -q -- "$pattern" "$tmp/err"; then
        echo "FAIL: $name (exit $rc)"; cat "$tmp/err"; fail=1
    fi
}

printf 'q1 Q0 d1 1 high a\n' > "$tmp/bad.run"
expect_error "bad score" "bad.run:1: score \"high\" is not a number" \
    "$tmp/a.run" "$tmp/bad.run" -o "$tmp/never.run"
[ -e "$tmp/never.run" ] && { echo "FAIL: output written on error"; fail=1; }
expect_error "one run" "give two or more runs" "$tmp/a.run" -o "$tmp/x.run"
expect_error "no output" "-o OUT is required" "$tmp/a.run" "$tmp/b.run"
expect_error "weights count" "must give 2 numbers" -w 1 \
    "$tmp/a.run" "$tmp/b.run" -o "$tmp/x.run"
expect_error "norm with rrf" "does not apply to rrf" --norm zscore \
    "$tmp/a.run" "$tmp/b.run" -o "$tmp/x.run"
expect_error "method" "unknown method \"borda\"" -m borda \
    "$tmp/a.run" "$tmp/b.run" -o "$tmp/x.run"
expect_error "missing file" "nothing.run" "$tmp/a.run" "$tmp/nothing.run" \
    -o "$tmp/x.run"
"$bin" fuse --help | grep -q "usage: rankbench fuse" || {
    echo "FAIL: --help"; fail=1; }

exit $fail
