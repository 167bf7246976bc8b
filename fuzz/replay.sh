#!/usr/bin/env bash
# Replay every fuzz target over freshly generated seeds and the stored
# inputs of past crashes (fuzz/regress/NAME), without libFuzzer.
#   replay.sh BUILD_FUZZ_DIR NAME...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
shift
src=${RB_SOURCE_DIR:-$(dirname "$here")}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/make_seeds.py" "$tmp" "$src" "${RB_SHARED_DIR:-$src/../shared}"
fail=0
for name in "$@"; do
    inputs=()
    [ -d "$tmp/$name" ] && inputs+=("$tmp/$name")
    [ -d "$here/regress/$name" ] && inputs+=("$here/regress/$name")
    if [ ${#inputs[@]} -eq 0 ]; then
        echo "FAIL $name: no seeds and no stored inputs"
        fail=1
        continue
    fi
    if out=$("$bin/replay_$name" "${inputs[@]}" 2>&1); then
        echo "$name: ${out##*$'\n'}"
    else
        echo "FAIL $name:"
        echo "$out" | tail -30
        fail=1
    fi
done
exit $fail
