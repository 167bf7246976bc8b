#!/usr/bin/env bash
# rankbench eval prints exactly what trec_eval 9.0.8 printed for the golden
# runs (../shared/golden), byte for byte.
set -u
golden="$RB_SHARED_DIR/golden"
if [ ! -f "$golden/edge.trec_eval" ]; then
    echo "skipped: $golden absent"
    exit 77
fi
measures="-m num_q -m num_ret -m num_rel -m num_rel_ret -m map
  -m recip_rank -m ndcg_cut.1,3,5,10,100,1000 -m P.1,3,5,10,100,1000
  -m recall.1,3,5,10,100,1000 -m map_cut.1,3,5,10,100,1000"
pass=0 fail=0
for run in edge cranfield-bm25-top100 cacm-bm25-top100; do
    qrels="$golden/${run%%-*}.qrels"
    # shellcheck disable=SC2086
    if "$RB_BIN" eval -q $measures "$qrels" "$golden/$run.run" |
        diff -u "$golden/$run.trec_eval" - > "/tmp/rb_golden_$$.diff"; then
        pass=$((pass + 1))
    else
        echo "FAIL $run:"; head -20 "/tmp/rb_golden_$$.diff"
        fail=$((fail + 1))
    fi
done
rm -f "/tmp/rb_golden_$$.diff"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
