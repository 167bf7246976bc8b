#!/usr/bin/env bash
# rankbench's CPU encoder side by side with PyTorch on the same machine and
# the same checkpoints: a MiniLM-L6-shaped model (384/6/12/1536) and a
# BERT-base-shaped one (768/12/12/3072), FP32, sequence length 128, all
# cores. Runs alternate (rankbench, PyTorch with its default threads,
# PyTorch with all cores) for several rounds so that other load on the
# machine falls on all of them alike.
#
#   bench/encoder_cpu_bench.sh [BUILD_DIR] [ROUNDS] [OUT_DIR]
#
# Needs a build (default build/), Debian's python3 with python3-numpy and
# python3-torch. Writes OUT_DIR/encoder_cpu.json (default
# BUILD_DIR/bench-out) and prints a summary. Models are generated once into
# $RB_BENCH_MODELS (default /tmp/rb-bench-models); RB_BENCH_REPS timed
# runs per program and round (default 3).
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-3}
out=${3:-$build/bench-out}
python=/usr/bin/python3
models=${RB_BENCH_MODELS:-/tmp/rb-bench-models}
reps=${RB_BENCH_REPS:-3}
cores=$(nproc)
mkdir -p "$out/raw" "$models"

[ -d "$models/minilm" ] || "$python" tools/make_test_model.py \
    --out "$models/minilm" --hidden 384 --layers 6 --heads 12 \
    --intermediate 1536 --std 0.05
[ -d "$models/bertbase" ] || "$python" tools/make_test_model.py \
    --out "$models/bertbase" --hidden 768 --layers 12 --heads 12 \
    --intermediate 3072 --std 0.03

for r in $(seq 1 "$rounds"); do
    for m in minilm bertbase; do
        "$build/bench/bench_encoder" throughput --model "$models/$m" \
            --device cpu --seq 128 --reps "$reps" --warmup 1 \
            > "$out/raw/rankbench-$m-$r.json"
        "$python" bench/torch_encoder_bench.py --model "$models/$m" \
            --seq 128 --reps "$reps" --warmup 1 \
            > "$out/raw/torch-default-$m-$r.json"
        "$python" bench/torch_encoder_bench.py --model "$models/$m" \
            --seq 128 --reps "$reps" --warmup 1 --threads "$cores" \
            > "$out/raw/torch-all-$m-$r.json"
        echo "round $r $m done" >&2
    done
done

"$python" - "$out" "$rounds" <<'PY'
import glob, json, os, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
# PyTorch 1.13 (Debian) figures given for these machines, and the bound.
given = {'minilm': 2491, 'bertbase': 484}
result = {'bench': 'encoder_cpu_side_by_side', 'rounds': rounds,
          'seq_len': 128, 'models': {}}
for m in ('minilm', 'bertbase'):
    entry = {}
    for who in ('rankbench', 'torch-default', 'torch-all'):
        runs = []
        cpu = []
        for f in sorted(glob.glob(os.path.join(out, 'raw',
                                               '%s-%s-*.json' % (who, m)))):
            d = json.load(open(f))
            runs += d['tokens_per_s']['samples']
            cpu += d['tokens_per_cpu_s']['samples']
            if who == 'rankbench':
                result['commit'] = d['commit']
                result['machine'] = d['machine']
                entry['encoder'] = d['encoder']
                entry.setdefault('load_average', []).append(
                    d['load_average'])
            else:
                entry.setdefault('torch_threads', {})[who] = d['threads']
                result['torch'] = d['torch']
        med = statistics.median(runs)
        entry[who] = {'median': med, 'min': min(runs), 'max': max(runs),
                      'spread_pct': 100 * (max(runs) - min(runs)) / med,
                      'n': len(runs),
                      'cpu_time_median': statistics.median(cpu)}
    best = max(entry['torch-default']['median'], entry['torch-all']['median'])
    entry['ratio_vs_best_torch'] = entry['rankbench']['median'] / best
    entry['ratio_vs_given_torch'] = entry['rankbench']['median'] / given[m]
    entry['given_torch_tokens_per_s'] = given[m]
    entry['bound_1_5x_given_holds'] = entry['ratio_vs_given_torch'] >= 1.5
    entry['bound_1_5x_side_by_side_holds'] = \
        entry['ratio_vs_best_torch'] >= 1.5
    result['models'][m] = entry
json.dump(result, open(os.path.join(out, 'encoder_cpu.json'), 'w'),
          indent=2)
for m, e in result['models'].items():
    print('%-8s rankbench %6.0f tok/s (spread %4.1f%%)  torch default %6.0f'
          '  torch all-cores %6.0f  ratio %.2fx side by side, %.2fx vs '
          'the given %d' % (m, e['rankbench']['median'],
                            e['rankbench']['spread_pct'],
                            e['torch-default']['median'],
                            e['torch-all']['median'],
                            e['ratio_vs_best_torch'],
                            e['ratio_vs_given_torch'],
                            e['given_torch_tokens_per_s']))
PY
