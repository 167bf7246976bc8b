#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan + UBSan) and fuzz each parser of
# outside input for a set time.
#
#   ci/fuzz.sh                 every target for FUZZ_SECONDS (default 20)
#   ci/fuzz.sh --long          every target for 10 minutes
#   ci/fuzz.sh --time 60 trec_run results
#                              the named targets for 60 s each
#
# The corpus grows in BUILD_DIR/fuzz-corpus/NAME (kept between runs);
# seeds are regenerated each time from the sample dataset, ../shared when
# present and hand-made cases (fuzz/make_seeds.py). A crash, leak, timeout
# or sanitizer report fails the script, leaves the input in
# BUILD_DIR/fuzz-artifacts and prints how to replay it. A fixed crash's
# input belongs in fuzz/regress/NAME/, which ctest replays.
#
# Environment: BUILD_DIR (default build-fuzz), FUZZ_SECONDS, FUZZ_JOBS
# (targets fuzzed at once; default 1), CC (default clang).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-20}
targets=()
while [ $# -gt 0 ]; do
    case $1 in
        --long) seconds=600 ;;
        --time) seconds=$2; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1") ;;
    esac
    shift
done
build=${BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-1}

if ! command -v "${CC:-clang}" >/dev/null; then
    echo "fuzz.sh: ${CC:-clang} not found (apt-get install clang)" >&2
    exit 1
fi
start=$(date +%s)
CC=${CC:-clang} cmake -S . -B "$build" -DRB_FUZZ=ON -DRB_CUDA=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build.configure.log" 2>&1 || {
    cat "$build.configure.log"; exit 1; }
rm -f "$build.configure.log"
cmake --build "$build" -j "${JOBS:-2}" --target fuzzers > /dev/null
built=$(date +%s)

if [ ${#targets[@]} -eq 0 ]; then
    for f in fuzz/fuzz_*.c; do
        n=${f#fuzz/fuzz_}
        targets+=("${n%.c}")
    done
fi
seeds="$build/fuzz-seeds"
rm -rf "$seeds"
python3 fuzz/make_seeds.py "$seeds" "$PWD" "${RB_SHARED_DIR:-$PWD/../shared}"
mkdir -p "$build/fuzz-artifacts" "$build/fuzz-logs"

dict_of() {
    case $1 in
        corpus|queries|results|run_config|plot_results|dataset_check|gate|\
        compare)
            echo fuzz/dict/json.dict ;;
        trec_run|trec_qrels|beir_qrels) echo fuzz/dict/trec.dict ;;
        measure_spec) echo fuzz/dict/measure.dict ;;
        import_trec) echo fuzz/dict/sgml.dict ;;
        safetensors|model_config|probe_suite) echo fuzz/dict/json.dict ;;
        *) [ -f "fuzz/dict/$1.dict" ] && echo "fuzz/dict/$1.dict" ;;
    esac
    return 0
}

fuzz_one() {
    local name=$1 bin="$build/fuzz/fuzz_$1" corpus="$build/fuzz-corpus/$1"
    local dict inputs=() args=()
    mkdir -p "$corpus"
    [ -d "$seeds/$name" ] && inputs+=("$seeds/$name")
    [ -d "fuzz/regress/$name" ] && inputs+=("fuzz/regress/$name")
    dict=$(dict_of "$name")
    [ -n "$dict" ] && args+=("-dict=$dict")
    # detect_leaks stays on: a parser that leaks on bad input fails.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
        "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$name-" \
        "${args[@]}" "$corpus" "${inputs[@]}" \
        > "$build/fuzz-logs/$name.log" 2>&1
}

report_one() {
    local name=$1 rc=$2 log="$build/fuzz-logs/$1.log" runs cov
    local bin="$build/fuzz/fuzz_$1"
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    if [ "$rc" -eq 0 ]; then
        printf '  %-14s ok    %10s runs  cov %s\n' "$name" "${runs:-?}" \
            "${cov:-?}"
        return 0
    fi
    printf '  %-14s FAIL  (exit %d)\n' "$name" "$rc"
    grep -E 'ERROR:|SUMMARY:|invariant failed|runtime error' "$log" |
        head -5 | sed 's/^/      /'
    for a in "$build/fuzz-artifacts/$name-"*; do
        [ -e "$a" ] || continue
        echo "      input: $a"
        echo "      replay: $bin $a"
    done
    echo "      log: $log"
    return 1
}

echo "fuzz.sh: ${#targets[@]} targets, ${seconds} s each, $jobs at a time"
status=0
declare -A pids=()
for name in "${targets[@]}"; do
    if [ ! -x "$build/fuzz/fuzz_$name" ]; then
        if [ -f "fuzz/fuzz_$name.c" ]; then
            echo "  $name: not built here (its parser is not in this tree)"
            continue
        fi
        echo "fuzz.sh: no target named $name" >&2
        exit 2
    fi
    while [ "${#pids[@]}" -ge "$jobs" ]; do
        for n in "${!pids[@]}"; do
            if ! kill -0 "${pids[$n]}" 2>/dev/null; then
                rc=0; wait "${pids[$n]}" || rc=$?
                report_one "$n" "$rc" || status=1
                unset "pids[$n]"
            fi
        done
        [ "${#pids[@]}" -ge "$jobs" ] && sleep 0.5
    done
    fuzz_one "$name" &
    pids[$name]=$!
done
for n in "${!pids[@]}"; do
    rc=0; wait "${pids[$n]}" || rc=$?
    report_one "$n" "$rc" || status=1
done
end=$(date +%s)
echo "fuzz.sh: build $((built - start)) s, fuzzing $((end - built)) s;" \
     "$([ $status -eq 0 ] && echo clean || echo FAILURES)"
exit $status
