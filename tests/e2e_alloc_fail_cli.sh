#!/usr/bin/env bash
# Allocation failure in the command itself: `rankbench eval` (text and
# JSON output) is run with RB_FAIL_ALLOC=n for n = 1, 2, ... until it
# succeeds. Each failing run must exit 1 with "out of memory" on stderr,
# never crash (in the sanitizer build, never leak either), and the run
# that succeeds must print exactly what an unhindered run prints.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

printf 'query-id\tcorpus-id\tscore\n' > "$tmp/qrels.tsv"
for q in 1 2 3 4 5 6; do
    for d in 1 2 3 4 5; do
        printf 'q%d\td%d\t%d\n' $q $((q + d * 2)) $(((q + d) % 3)) \
            >> "$tmp/qrels.tsv"
    done
    for r in $(seq 1 12); do
        printf 'q%d Q0 d%d %d %d.5 tag\n' $q $((q * r % 13)) $r $((20 - r))
    done >> "$tmp/run"
done
printf 'q2 Q0 d99 99 0.1 tag\nq9 Q0 d1 1 1 tag\n' >> "$tmp/run"

# Fail allocation n, n = 1.. until the command succeeds; check each run.
fail_each() {
    local what=$1
    shift
    local want n rc out err
    if ! want=$("$RB_BIN" "$@" 2>/dev/null); then
        bad "$what: fails unhindered"
        return
    fi
    for n in $(seq 1 20000); do
        out=$(RB_FAIL_ALLOC=$n "$RB_BIN" "$@" 2>"$tmp/err")
        rc=$?
        err=$(cat "$tmp/err")
        if [ $rc -eq 0 ]; then
            if [ "$out" = "$want" ]; then
                echo "$what: $((n - 1)) failing allocations, each clean"
                ok
            else
                bad "$what: allocation $n failed but exit 0, output differs"
            fi
            return
        fi
        if [ $rc -ne 1 ] || [[ "$err" != *"out of memory"* ]]; then
            bad "$what: allocation $n: exit $rc, stderr: ${err:0:300}"
            return
        fi
    done
    bad "$what: still failing after $n allocations"
}

fail_each "eval text" eval -q -m all_trec "$tmp/qrels.tsv" "$tmp/run"
fail_each "eval json" eval --json -q -m ndcg_cut.10 -m map \
    "$tmp/qrels.tsv" "$tmp/run" "$tmp/run"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
