#!/usr/bin/env bash
# Determinism: `rankbench run` twice over, with --threads 1 and 2, and with
# a cold and a warm index cache, writes byte-identical TREC runs and
# results files; only "created", "host" and each retriever's "timings" may
# differ. Uses every retriever `rankbench run --help` lists that runs here
# (PostgreSQL ones on a throwaway cluster), on the bundled sample and,
# when ../shared is present, the embedded ones on CACM.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
py=/usr/bin/python3
[ -x "$py" ] || py=python3
sample="$RB_SOURCE_DIR/datasets/sample"

listed=$("$RB_BIN" run --help |
         sed -n '/^available retrievers:/,$p' | awk 'NR > 1 {print $1}')
if [ -z "$listed" ]; then
    echo "skipped: rankbench run lists no retrievers in this build"
    exit 77
fi
# Probe each retriever alone on the sample; the PostgreSQL ones get a
# throwaway cluster (--pg-temp) when no server is configured; a fusion
# retriever fuses all the others, so it joins when two or more run.
usable=() embedded=() pg=() fusion=()
probe() {
    "$RB_BIN" run -q --retrievers "$1" --dataset "$sample" \
        --out "$tmp/probe-$1" --cache "$tmp/probe-cache" -k 10 "${@:2}" \
        > /dev/null 2> "$tmp/probe.err"
}
for r in $listed; do
    if [ "$r" = hybrid ]; then
        fusion+=("$r")
    elif probe "$r"; then
        usable+=("$r")
        embedded+=("$r")
    elif [[ "$r" == pg-* ]] && probe "$r" --pg-temp; then
        usable+=("$r")
        pg+=("$r")
    else
        echo "not checked: $r does not run here: $(tail -1 "$tmp/probe.err")"
    fi
done
if [ ${#usable[@]} -eq 0 ]; then
    echo "skipped: no listed retriever runs without outside services"
    exit 77
fi
if [ ${#usable[@]} -ge 2 ]; then
    usable+=("${fusion[@]}")
    embedded+=("${fusion[@]}")
fi
all=$(IFS=,; echo "${usable[*]}")
keyword=$(IFS=,; echo "${embedded[*]}")
pg_args=()
[ ${#pg[@]} -gt 0 ] && pg_args=(--pg-temp)
echo "retrievers: $all"

# The results file with the fields that may differ blanked out, on stdout.
stable_results() {
    "$py" - "$1" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
# The top-level members (two spaces in): a retriever's config may have
# a "host" of its own, which must not differ.
for key in ("created", "host"):
    text, n = re.subn(r'^  "%s": "[^"]*"' % key, '  "%s": ""' % key, text,
                      flags=re.M)
    assert n == 1, (key, n)
# Each retriever's timings object is flat: no braces inside.
text = re.sub(r'"timings": \{[^{}]*\}', '"timings": {}', text)
sys.stdout.write(text)
PY
}

# Compare output folder $2 with the reference $1.
same_outputs() {
    local ref=$1 out=$2 what=$3 f
    for f in "$ref"/runs/*.trec; do
        if ! cmp -s "$f" "$out/runs/${f##*/}"; then
            bad "$what: runs/${f##*/} differs"
            return
        fi
    done
    if [ "$(ls "$ref/runs" | wc -l)" != "$(ls "$out/runs" | wc -l)" ]; then
        bad "$what: different run files"
        return
    fi
    if ! stable_results "$ref/results.json" > "$tmp/a.json" ||
        ! stable_results "$out/results.json" > "$tmp/b.json"; then
        bad "$what: results.json lacks its created or host field"
        return
    fi
    if ! diff "$tmp/a.json" "$tmp/b.json" > "$tmp/diff"; then
        bad "$what: results.json differs:"
        head -20 "$tmp/diff"
        return
    fi
    ok
}

# check_dataset DIR NAME K RETRIEVERS [RUN OPTIONS...]
check_dataset() {
    local ds=$1 name=$2 k=$3 retrievers=$4 t cache out
    shift 4
    for t in 1 2; do
        cache="$tmp/cache-$name-$t"
        for pass_no in cold warm; do
            out="$tmp/out-$name-$t-$pass_no"
            if ! "$RB_BIN" run -q --dataset "$ds" --retrievers "$retrievers" \
                --threads "$t" -k "$k" --cache "$cache" --out "$out" "$@" \
                > /dev/null 2> "$tmp/err"; then
                bad "$name threads $t $pass_no: $(tail -1 "$tmp/err")"
                return
            fi
        done
    done
    ref="$tmp/out-$name-1-cold"
    same_outputs "$ref" "$tmp/out-$name-1-warm" "$name: second run"
    same_outputs "$ref" "$tmp/out-$name-2-cold" "$name: 2 threads"
    same_outputs "$ref" "$tmp/out-$name-2-warm" "$name: 2 threads, warm"
    echo "$name: $(cat "$ref"/runs/*.trec | wc -l) result lines compared"
}

check_dataset "$sample" sample 1000 "$all" "${pg_args[@]}"
# On a larger collection, the retrievers that need no server.
if [ -d "$RB_SHARED_DIR/datasets/cacm" ] && [ -n "$keyword" ]; then
    check_dataset "$RB_SHARED_DIR/datasets/cacm" cacm 100 "$keyword"
else
    echo "not checked: CACM ($RB_SHARED_DIR absent)"
fi

# The check itself must be able to fail: a changed score is caught.
sed -i '1s/ [^ ]* \([^ ]*\)$/ 12345.678 \1/' \
    "$tmp/out-sample-2-warm/runs/${usable[0]}.trec"
before=$fail
same_outputs "$tmp/out-sample-1-cold" "$tmp/out-sample-2-warm" "tamper" \
    > /dev/null
[ $fail -eq $((before + 1)) ] && fail=$before && ok ||
    bad "a changed score went unnoticed"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
