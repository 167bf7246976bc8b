#!/usr/bin/env bash
# cmake --install gives a tree that works on its own: the installed
# program runs on the installed sample dataset, draws charts from the
# installed templates (and fails naming them when one is gone), finds the
# installed CUDA module, and does not map the CUDA libraries at start-up.
set -uo pipefail

: "${RB_BIN:?}"
build=$(dirname "$RB_BIN")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

prefix=$tmp/prefix
if ! cmake --install "$build" --prefix "$prefix" > "$tmp/install.log" 2>&1
then
    cat "$tmp/install.log"
    echo "FAIL: cmake --install"
    exit 1
fi
bin=$prefix/bin/rankbench
share=$prefix/share/rankbench
[ -x "$bin" ] || fail "no $bin"
for f in plots/common.gp plots/bars.gp datasets/sample/corpus.jsonl \
         datasets/sample/queries.jsonl datasets/sample/qrels/test.tsv; do
    [ -s "$share/$f" ] || fail "no $share/$f"
done

# A run with no dataset named takes the installed sample (cwd has none).
mkdir -p "$tmp/work"
cd "$tmp/work" || exit 1
if "$bin" run --retrievers bm25 --out "$tmp/out" -q > "$tmp/run.log" 2>&1
then
    path=$(/usr/bin/python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["dataset"]["path"])' \
        "$tmp/out/results.json" 2>&1)
    case $path in
        "$share"/datasets/sample) ;;
        *) fail "the run read the sample from $path" ;;
    esac
else
    cat "$tmp/run.log"
    fail "installed run failed"
fi

if command -v gnuplot > /dev/null; then
    "$bin" plot "$tmp/out/results.json" --out "$tmp/charts" \
        > "$tmp/plot.log" 2>&1 || { cat "$tmp/plot.log"; fail "plot"; }
    ls "$tmp/charts"/*.svg > /dev/null 2>&1 || fail "no chart drawn"
    # Without the installed template the error names the installed path.
    rm "$share/plots/bars.gp"
    if "$bin" plot "$tmp/out/results.json" --out "$tmp/charts2" \
        > "$tmp/plot2.log" 2>&1; then
        fail "plot succeeded without its installed template"
    fi
    grep -q "$share/plots/bars.gp" "$tmp/plot2.log" ||
        fail "error does not name the installed template:" \
             "$(cat "$tmp/plot2.log")"
else
    echo "gnuplot not installed: chart checks left out"
fi

if ldd "$bin" | grep -q -E 'libcudart|libcublas'; then
    fail "the program links the CUDA libraries: $(ldd "$bin" | grep cu)"
fi
if [ -e "$build/librankbench_cuda.so" ]; then
    mod=$prefix/lib/rankbench/librankbench_cuda.so
    [ -s "$mod" ] || fail "no $mod"
    # The installed module is the one found, not the build tree's.
    out=$("$bin" --version -v 2>&1)
    echo "$out" | grep -q -F "cuda module: $prefix/lib/rankbench/" ||
        fail "installed module not used: $out"
else
    out=$("$bin" --version -v 2>&1)
    echo "$out" | grep -q "this build has no CUDA backend" ||
        fail "a build without CUDA does not say so: $out"
fi

[ "$failures" -eq 0 ] || exit 1
echo "install tree works on its own"
