#!/usr/bin/env bash
# Time `rankbench eval` on the 224,577-line Cranfield run (1000 results per
# query) with the golden measure set; print median and spread as JSON.
#   bench/eval_speed.sh [BUILD_DIR] [REPEATS]
# When trec_eval is on PATH it is timed the same way for comparison.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build}/rankbench
reps=${2:-15}
golden=$here/../shared/golden
run=$golden/cranfield-bm25-full.run
qrels=$golden/cranfield.qrels
[ -f "$run" ] || { echo "bench: $run not found" >&2; exit 1; }
measures=(-m num_q -m num_ret -m num_rel -m num_rel_ret -m map
          -m recip_rank -m ndcg_cut.1,3,5,10,100,1000 -m P.1,3,5,10,100,1000
          -m recall.1,3,5,10,100,1000 -m map_cut.1,3,5,10,100,1000)

time_cmd() {
    local i t0 t1
    "$@" > /dev/null    # warm-up: page cache and binary
    for i in $(seq "$reps"); do
        t0=$(date +%s.%N)
        "$@" > /dev/null
        t1=$(date +%s.%N)
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
    done
}

summarise() {
    sort -g | awk -v name="$1" '{v[NR] = $1} END {
        n = NR; med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        printf "{\"tool\": \"%s\", \"runs\": %d, \"median_s\": %.4f, " \
               "\"min_s\": %.4f, \"max_s\": %.4f}\n", name, n, med, v[1], v[n]
    }'
}

commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "{\"bench\": \"eval_speed\", \"commit\": \"$commit\", \"host\": \"$(hostname)\", \"cores\": $(nproc), \"run_lines\": $(wc -l < "$run")}"
time_cmd "$bin" eval -q "${measures[@]}" "$qrels" "$run" | summarise rankbench
if command -v trec_eval > /dev/null; then
    time_cmd trec_eval -q "${measures[@]}" "$qrels" "$run" | summarise trec_eval
fi
