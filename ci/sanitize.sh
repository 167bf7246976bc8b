#!/usr/bin/env bash
# Build the whole suite with AddressSanitizer, UndefinedBehaviorSanitizer
# and LeakSanitizer (-DRB_SANITIZE=ON) in its own folder and run ctest
# there. Any sanitizer report fails the run, including reports from
# rankbench processes whose failure a test expected (a test that checks
# for a non-zero exit would otherwise pass over a crash): every report is
# written under BUILD_DIR/sanitizer-logs and printed at the end.
#
#   ci/sanitize.sh            build in build-asan, run every test
#   ci/sanitize.sh -R loader  pass options on to ctest
#
# BUILD_DIR (default build-asan) and JOBS (default: all cores) can be set.
# The CUDA backend is left out: it cannot run under ASan here.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build-asan}
jobs=${JOBS:-$(nproc)}
start=$(date +%s)
cmake -S . -B "$build" -DRB_SANITIZE=ON -DRB_CUDA=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-} > /dev/null
cmake --build "$build" -j "$jobs" > "$build/build.log" 2>&1 || {
    tail -40 "$build/build.log"; exit 1; }
built=$(date +%s)

logs="$PWD/$build/sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"
supp="$PWD/ci/lsan.supp"
asan=detect_leaks=1:check_initialization_order=1:strict_init_order=1
asan=$asan:detect_stack_use_after_return=1
export ASAN_OPTIONS="$asan:log_path=$logs/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"
export LSAN_OPTIONS="suppressions=$supp:print_suppressions=0"
status=0
ctest --test-dir "$build" --output-on-failure -j "$jobs" "$@" || status=1
end=$(date +%s)

reports=("$logs"/*)
if [ -e "${reports[0]}" ]; then
    echo "sanitize.sh: ${#reports[@]} sanitizer report(s):"
    for r in "${reports[@]}"; do
        echo "---- $r"
        head -60 "$r"
    done
    status=1
fi
echo "sanitize.sh: build $((built - start)) s, tests $((end - built)) s;" \
     "$([ $status -eq 0 ] && echo clean || echo FAILURES)"
exit $status
