#!/usr/bin/env bash
# Build rankbench and run the whole test suite (the README's test command).
#   ci/test.sh            install missing packages, build, run ctest
# BUILD_DIR (default build) and JOBS (default: all cores) can be set.
set -euo pipefail
cd "$(dirname "$0")/.."

ci/install-deps.sh
build=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-}
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"
