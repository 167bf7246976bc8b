#!/usr/bin/env bash
# Run rankbench on the bundled sample (eval/sample.json) and gate the
# results against ci/baselines/sample.json under ci/gate-rules.json.
#   ci/gate-sample.sh            gate; exit 0 pass, 1 regression, 2 error
#   ci/gate-sample.sh --update   make this run the new baseline (commit it)
# RB_BIN (default build/rankbench) and RB_GATE_JUNIT (a JUnit XML path)
# can be set.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${RB_BIN:-build/rankbench}
baseline=ci/baselines/sample.json
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$bin" run -q --config eval/sample.json --out "$out" > "$out/table.md"
if [ "${1:-}" = "--update" ]; then
    exec "$bin" gate --update --baseline "$baseline" --results "$out" \
        --rules ci/gate-rules.json
fi
if [ ! -f "$baseline" ]; then
    echo "gate-sample: $baseline is missing; create it deliberately with" \
         "ci/gate-sample.sh --update" >&2
    exit 2
fi
args=(--baseline "$baseline" --results "$out" --rules ci/gate-rules.json)
if [ -n "${RB_GATE_JUNIT:-}" ]; then
    args+=(--junit "$RB_GATE_JUNIT")
fi
exec "$bin" gate "${args[@]}"
