#!/usr/bin/env bash
# Faults around `rankbench run`'s output: an output folder that is a file
# or that the user cannot write, a full disk (a file-size limit, and a
# small tmpfs where this machine allows mounting one), and SIGINT at any
# moment of a run. Each must end in a clear error (or, for SIGINT, death
# by the signal), the previous results file intact, and no temporary file
# (*.tmp.*) left behind.
set -u
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
note() { echo "not checked: $*"; }
sample="$RB_SOURCE_DIR/datasets/sample"

listed=$("$RB_BIN" run --help |
         sed -n '/^available retrievers:/,$p' | awk 'NR > 1 {print $1}')
retriever=
for r in bm25 ilike $listed; do
    if [[ " $(echo $listed) " == *" $r "* ]]; then
        retriever=$r
        break
    fi
done
if [ -z "$retriever" ]; then
    echo "skipped: rankbench run lists no retrievers in this build"
    exit 77
fi
echo "retriever: $retriever"

run() {
    "$RB_BIN" run -q --retrievers "$retriever" --cache "$tmp/cache" "$@"
}

# An earlier, good run whose results must survive each fault.
prepare() {
    local out=$1
    shift
    rm -rf "$out"
    if ! run --out "$out" "$@" > /dev/null 2> "$tmp/err"; then
        bad "setting up $out: $(tail -1 "$tmp/err")"
        return 1
    fi
    cp "$out/results.json" "$tmp/previous.json"
}
unchanged() {
    cmp -s "$1/results.json" "$tmp/previous.json"
}
no_temporaries() {
    [ -z "$(find "$@" -name '*.tmp.*' 2>/dev/null)" ]
}

# Output folder is a regular file.
echo "not a folder" > "$tmp/file"
err=$(run --dataset "$sample" --out "$tmp/file" 2>&1 >/dev/null)
rc=$?
want="file/runs: cannot create folder: Not a directory"
if [ $rc -eq 1 ] && [[ "$err" == *"$want"* ]] &&
    [ "$(cat "$tmp/file")" = "not a folder" ]; then
    ok
else
    bad "output folder is a file: rc=$rc $err"
fi

# Output folder the user may not write: as root, run as nobody.
prepare "$tmp/locked" --dataset "$sample" && {
    chmod -R a+rX "$tmp/cache"
    chmod 777 "$tmp/cache"
    chmod 555 "$tmp/locked" "$tmp/locked/runs"
    as_user=()
    if [ "$(id -u)" -eq 0 ]; then
        as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    fi
    if "${as_user[@]}" test -x "$RB_BIN" -a -r "$sample/corpus.jsonl"; then
        err=$("${as_user[@]}" "$RB_BIN" run -q --retrievers "$retriever" \
              --cache "$tmp/cache" --dataset "$sample" --out "$tmp/locked" \
              2>&1 >/dev/null)
        rc=$?
        want="cannot create: Permission denied"
        if [ $rc -eq 1 ] && [[ "$err" == *"$want"* ]] &&
            unchanged "$tmp/locked" && no_temporaries "$tmp/locked"; then
            ok
        else
            bad "output folder not writable: rc=$rc $err"
        fi
    else
        note "output folder not writable: user nobody cannot reach $RB_BIN"
    fi
    chmod 755 "$tmp/locked" "$tmp/locked/runs"
}

# Disk full, by a file-size limit: writes fail with EFBIG once SIGXFSZ
# is ignored. The runs of the sample exceed 64 KiB.
prepare "$tmp/fsize" --dataset "$sample" && {
    err=$(ulimit -f 64; trap '' XFSZ
          run --dataset "$sample" --out "$tmp/fsize" 2>&1 >/dev/null)
    rc=$?
    if [ $rc -eq 1 ] && [[ "$err" == *"cannot write: File too large"* ]] &&
        unchanged "$tmp/fsize" && no_temporaries "$tmp/fsize" "$tmp/cache"; then
        ok
    else
        bad "file size limit: rc=$rc $err"
    fi
}

# Disk full for real: a 48 KiB tmpfs in a private mount namespace.
mkdir -p "$tmp/small"
if unshare -m true 2>/dev/null &&
    unshare -m sh -c "mount -t tmpfs -o size=48k rb_faults '$tmp/small'" \
        2>/dev/null; then
    out=$(unshare -m bash -c '
        mount -t tmpfs -o size=48k rb_faults "$1" || exit 90
        shift
        "$@" --out "$0/out" > /dev/null 2> "$0/err"
        echo "rc=$?"
        echo "left=$(find "$0" -name "*.tmp.*" | wc -l)"
        cat "$0/err"' "$tmp/small" "$tmp/small" \
        "$RB_BIN" run -q --retrievers "$retriever" --cache "$tmp/cache" \
        --dataset "$sample")
    if [[ "$out" == *"rc=1"* ]] && [[ "$out" == *"left=0"* ]] &&
        [[ "$out" == *"No space left on device"* ]]; then
        ok
    else
        bad "full tmpfs: $out"
    fi
else
    note "full tmpfs: mounting is not allowed here (the file size limit" \
         "above covers a full disk)"
fi

# SIGINT: a run on a dataset large enough to take a while, interrupted
# as soon as it has a temporary file open, and at fixed moments.
big="$tmp/big"
mkdir -p "$big/qrels"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" - "$big" <<'PY'
import random, sys
d = sys.argv[1]
rnd = random.Random(7)
words = ["w%d" % i for i in range(3000)]
with open(d + "/corpus.jsonl", "w") as f:
    for i in range(6000):
        text = " ".join(rnd.choice(words) for _ in range(40))
        f.write('{"_id": "d%d", "title": "", "text": "%s"}\n' % (i, text))
with open(d + "/queries.jsonl", "w") as f, \
        open(d + "/qrels/test.tsv", "w") as q:
    q.write("query-id\tcorpus-id\tscore\n")
    for i in range(300):
        text = " ".join(rnd.choice(words[:300]) for _ in range(4))
        f.write('{"_id": "q%d", "text": "%s"}\n' % (i, text))
        for j in range(5):
            q.write("q%d\td%d\t1\n" % (i, rnd.randrange(6000)))
PY
prepare "$tmp/int" --dataset "$big" || exit 1

# Interrupt one run; check what it left. $1: "tmp" to wait for a
# temporary file, else seconds to wait.
interrupt() {
    local when=$1 pid rc i
    # Started directly, not through run(), so that $! is rankbench; with
    # SIGINT at its default (a script's background jobs ignore it).
    env --default-signal=INT "$RB_BIN" run -q --retrievers "$retriever" \
        --cache "$tmp/cache" --dataset "$big" --out "$tmp/int" \
        > /dev/null 2> "$tmp/int.err" &
    pid=$!
    if [ "$when" = tmp ]; then
        for ((i = 0; i < 200000; i++)); do
            compgen -G "$tmp/int/runs/*.tmp.*" > /dev/null && break
            compgen -G "$tmp/int/*.tmp.*" > /dev/null && break
            kill -0 $pid 2>/dev/null || break
        done
    else
        sleep "$when"
    fi
    kill -INT $pid 2>/dev/null
    wait $pid
    rc=$?
    echo "interrupt $when: exit $rc" >> "$tmp/int.log"
    if ! no_temporaries "$tmp/int" "$tmp/cache"; then
        bad "SIGINT ($when): temporary files left:" \
            "$(find "$tmp/int" "$tmp/cache" -name '*.tmp.*')"
    elif [ $rc -eq 130 ]; then
        if unchanged "$tmp/int"; then
            ok
            return 0
        fi
        bad "SIGINT ($when): results.json changed"
    elif [ $rc -eq 0 ]; then
        # Finished before the signal: the new results are whole.
        "$py" -c 'import json,sys; json.load(open(sys.argv[1]))' \
            "$tmp/int/results.json" && ok ||
            bad "SIGINT ($when): finished but results.json is broken"
        cp "$tmp/int/results.json" "$tmp/previous.json"
        return 1
    else
        bad "SIGINT ($when): exit $rc: $(tail -1 "$tmp/int.err")"
    fi
    return 2
}

caught=0
for attempt in 1 2 3 4 5 6; do
    if interrupt tmp; then
        caught=1
        break
    fi
done
[ $caught -eq 1 ] && ok ||
    bad "SIGINT: never caught a run with a temporary file open in 6 tries"
for when in 0.01 0.05 0.2 0.5; do
    interrupt $when
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
