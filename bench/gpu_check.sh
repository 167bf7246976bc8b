#!/usr/bin/env bash
# One-shot check of the CUDA encoder on a machine with a GPU: build, the
# CUDA parity test (and the rest of the suite), then GPU throughput of a
# MiniLM-shaped and a BERT-base-shaped model at sequence length 128 for
# batch sizes 32 to 1024 in FP16 and BF16, with the achieved fraction of
# the GPU's dense peak, and PyTorch on the same GPU when a CUDA-enabled
# torch is importable.
#
#   bench/gpu_check.sh [OUT_DIR]
#
# Results go to OUT_DIR (default $OUT, else ./gpu-check): build.log,
# ctest.log, one JSON file per measurement and summary.txt. Each step has
# a time limit so the whole run stays within about ten minutes.
set -u
cd "$(dirname "$0")/.." || exit 1
out=${1:-${OUT:-gpu-check}}
mkdir -p "$out"
jobs=$(nproc 2>/dev/null || echo 4)
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3 || true)
summary="$out/summary.txt"
: > "$summary"
say() { printf '%s\n' "$*" | tee -a "$summary"; }

say "== machine"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm \
    --format=csv 2>&1 | tee -a "$summary"
say "nvcc: $(/usr/local/cuda/bin/nvcc --version 2>/dev/null | tail -1)"
say "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) x $jobs"
say "commit: $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"

say "== build"
if ! timeout 300 cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        > "$out/build.log" 2>&1 ||
   ! timeout 400 cmake --build build-gpu -j"$jobs" >> "$out/build.log" 2>&1
then
    say "build failed: see build.log"
    tail -20 "$out/build.log" | tee -a "$summary"
    exit 1
fi
grep -q 'CUDA backend ON' "$out/build.log" &&
    say "CUDA backend built" || say "WARNING: CUDA backend not built"

say "== tests"
# The GPU-facing tests only: the rest of the suite is the CPU machines'
# (and needs PostgreSQL, gnuplot and more that this machine may lack).
timeout 300 ctest --test-dir build-gpu --output-on-failure \
    -R 'cuda|encoder|mlm|dense' > "$out/ctest.log" 2>&1
say "$(grep -E 'tests passed|tests failed' "$out/ctest.log")"
build-gpu/rankbench --version -v 2>&1 | tee -a "$summary"
timeout 120 build-gpu/tests/test_encoder_cuda 2>&1 | tee -a "$summary"
timeout 120 build-gpu/tests/test_mlm_cuda 2>&1 | tee -a "$summary"

say "== models"
models=/tmp/rb-gpu-models
mkdir -p "$models"
if [ -n "$python" ] && "$python" -c 'import numpy' 2>/dev/null; then
    timeout 120 "$python" tools/make_test_model.py --out "$models/minilm" \
        --hidden 384 --layers 6 --heads 12 --intermediate 1536 --std 0.05
    timeout 240 "$python" tools/make_test_model.py --out "$models/bertbase" \
        --hidden 768 --layers 12 --heads 12 --intermediate 3072 --std 0.03
else
    say "no python3 with numpy: cannot generate benchmark models"
    exit 1
fi

torch_gpu=0
if "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available()
                 else 1)' 2>/dev/null; then
    torch_gpu=1
fi
say "PyTorch with CUDA: $([ $torch_gpu = 1 ] && echo yes || echo no)"

field() {  # field FILE KEY... : a number from a JSON file
    "$python" - "$@" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    v = v.get(k, {}) if isinstance(v, dict) else {}
print(v if v != {} else '-')
PY
}

say "== GPU throughput, sequence length 128"
say "$(printf '%-9s %-5s %6s %12s %9s %8s %12s' model prec batch \
       tokens/s TFLOPS of-peak torch-tok/s)"
for model in minilm bertbase; do
    for prec in fp16 bf16; do
        for batch in 32 64 128 256 512 1024; do
            seqs=$((batch * 8))
            [ $seqs -lt 4096 ] && seqs=4096
            f="$out/rankbench-$model-$prec-$batch.json"
            timeout 120 build-gpu/bench/bench_encoder throughput \
                --model "$models/$model" --device cuda --precision "$prec" \
                --seq 128 --batch "$batch" --seqs "$seqs" --reps 5 \
                --warmup 2 > "$f" 2> "$f.err"
            tps=$(field "$f" tokens_per_s median)
            tfl=$(field "$f" achieved_tflops)
            frac=$(field "$f" fraction_of_peak)
            ttps=-
            if [ $torch_gpu = 1 ]; then
                t="$out/torch-$model-$prec-$batch.json"
                timeout 120 "$python" bench/torch_encoder_bench.py \
                    --model "$models/$model" --device cuda --dtype "$prec" \
                    --seq 128 --batch "$batch" --seqs "$seqs" --reps 5 \
                    --warmup 2 > "$t" 2> "$t.err"
                ttps=$(field "$t" tokens_per_s median)
            fi
            say "$(printf '%-9s %-5s %6s %12.0f %9.1f %8.3f %12s' "$model" \
                   "$prec" "$batch" "${tps/-/0}" "${tfl/-/0}" \
                   "${frac/-/0}" "$ttps")"
        done
    done
done

say "== CPU on this machine (fp32, all cores)"
for model in minilm bertbase; do
    f="$out/rankbench-$model-cpu.json"
    timeout 120 build-gpu/bench/bench_encoder throughput \
        --model "$models/$model" --device cpu --seq 128 --reps 3 \
        > "$f" 2> "$f.err"
    say "$model cpu: $(field "$f" tokens_per_s median) tokens/s"
done
say "done; results in $out"
