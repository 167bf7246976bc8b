#!/bin/bash
# rankbench datasets fetch, end to end against an HTTP server on 127.0.0.1
# that this test starts, serving archives it generates: a good one, a
# truncated one, ones with unsafe entries, and transfers that break off
# and resume with Range requests. Nothing leaves the machine.
set -u

RB=${RB_BIN:?RB_BIN is not set}
SRC=${RB_SOURCE_DIR:?RB_SOURCE_DIR is not set}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
    echo "skipped: python3 is needed for the test server"
    exit 77
fi

WORK=$(mktemp -d /tmp/rb-fetch-e2e-XXXXXX)
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# ---- archives -----------------------------------------------------------
mkdir -p "$WORK/www/beir" "$WORK/www/v1" "$WORK/www/v2"
"$PY" - "$WORK/www" <<'EOF'
import os, sys, zipfile
www = sys.argv[1]

def dataset(prefix, ndocs=3000, dup=False):
    corpus = "".join('{"_id": "d%d", "title": "Doc %d", "text": "text %d '
                     'about retrieval and numbers %d"}\n' % (i, i, i, i * 7)
                     for i in range(ndocs))
    if dup:
        corpus += '{"_id": "d1", "title": "again", "text": "dup"}\n'
    return [(prefix + "corpus.jsonl", corpus),
            (prefix + "queries.jsonl",
             '{"_id": "q1", "text": "retrieval"}\n'
             '{"_id": "q2", "text": "numbers"}\n'),
            (prefix + "qrels/test.tsv",
             "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\n")]

def make(name, entries, folder=""):
    path = os.path.join(www, folder, name)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for entry in entries:
            if isinstance(entry, zipfile.ZipInfo):
                z.writestr(entry, "target")
            else:
                z.writestr(entry[0], entry[1])
    return path

good = make("tiny.zip", dataset("tiny/"))
for copy in ("tiny2.zip", "tiny3.zip", "tiny4.zip", "tiny5.zip"):
    make(copy, dataset(copy[:-4] + "/"))
make("scifact.zip", dataset("scifact/"), "beir")
make("flat.zip", dataset(""))
make("dupid.zip", dataset("dupid/", dup=True))
make("forums.zip", dataset("forums/a/", 50) + dataset("forums/b/", 60))
make("traversal.zip", dataset("traversal/", 10) +
     [("../escaped.txt", "gotcha")])
make("absolute.zip", dataset("absolute/", 10) +
     [("/tmp/rb-fetch-absolute.txt", "gotcha")])
link = zipfile.ZipInfo("symlink/corpus.jsonl")
link.create_system = 3
link.external_attr = 0o120777 << 16
make("symlink.zip", [link])
with open(good, "rb") as f:
    data = f.read()
with open(os.path.join(www, "truncated.zip"), "wb") as f:
    f.write(data[:len(data) * 6 // 10])
with open(os.path.join(www, "notzip.zip"), "wb") as f:
    f.write(b"<html>this is not an archive</html>\n" * 10)
# Two versions of one file, for a download that resumes across a change.
make("moving.zip", dataset("moving/", 3000), "v1")
make("moving.zip", dataset("moving/", 3100), "v2")
EOF

"$PY" "$SRC/tests/fetch_server.py" "$WORK/www" "$WORK/port" \
    "$WORK/requests.log" &
SERVER_PID=$!
for _ in $(seq 100); do
    [ -s "$WORK/port" ] && break
    sleep 0.1
done
if [ ! -s "$WORK/port" ]; then
    echo "FAIL: the test server did not start"
    exit 1
fi
BASE="http://127.0.0.1:$(cat "$WORK/port")"
OUT="$WORK/out"

# member ZIP NAME: the bytes of one archive member.
member() {
    "$PY" -c 'import sys, zipfile
sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
        "$1" "$2"
}

# fetch ARGS...: run rankbench datasets fetch, keeping output and status.
fetch() {
    "$RB" datasets fetch --dir "$OUT" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
    status=$?
}

expect_status() {
    if [ "$status" -ne "$1" ]; then
        fail "$2: exit status $status, expected $1"
        sed 's/^/    /' "$WORK/stderr"
    fi
}

expect_stderr() {
    grep -q -- "$1" "$WORK/stderr" || fail "$2: stderr lacks '$1'"
}

# Nothing but the listed names may be in $OUT.
expect_only() {
    local left
    left=$(cd "$OUT" 2>/dev/null && ls -A | sort | tr '\n' ' ')
    [ "$left" = "$1" ] || fail "$2: left '$left', expected '$1'"
}

# ---- a good archive -----------------------------------------------------
fetch "$BASE/tiny.zip"
expect_status 0 "good archive"
[ -f "$OUT/tiny/corpus.jsonl" ] && [ -f "$OUT/tiny/qrels/test.tsv" ] ||
    fail "good archive: dataset files missing"
cmp -s "$OUT/tiny/queries.jsonl" <(printf '%s\n%s\n' \
    '{"_id": "q1", "text": "retrieval"}' '{"_id": "q2", "text": "numbers"}') ||
    fail "good archive: queries.jsonl differs"
grep -q "3000 documents" "$WORK/stdout" || fail "good archive: no check"
grep -q "result       0 errors, 0 warnings" "$WORK/stdout" ||
    fail "good archive: check did not pass"
expect_stderr "no checksum is known" "good archive"
expect_only "tiny " "good archive"

fetch "$BASE/tiny.zip"
expect_status 1 "existing folder"
expect_stderr "already exists" "existing folder"

fetch "$BASE/tiny.zip" --force --keep-archive
expect_status 0 "--force"
expect_only "tiny tiny.zip " "--force --keep-archive"
rm -f "$OUT/tiny.zip"

# An archive with files at the top becomes a folder named after it.
fetch "$BASE/flat.zip"
expect_status 0 "flat archive"
[ -f "$OUT/flat/corpus.jsonl" ] || fail "flat archive: no flat/corpus.jsonl"
[ "$(stat -c %a "$OUT/flat")" = 755 ] || fail "flat archive: folder mode"

# One dataset per subfolder: each is checked.
fetch "$BASE/forums.zip"
expect_status 0 "nested datasets"
grep -q "forums/a/corpus.jsonl: 50 documents" "$WORK/stdout" &&
    grep -q "forums/b/corpus.jsonl: 60 documents" "$WORK/stdout" ||
    fail "nested datasets: not both checked"

# A dataset with errors is fetched, but the status says so.
fetch "$BASE/dupid.zip"
expect_status 1 "dataset with errors"
grep -q 'duplicate id "d1"' "$WORK/stdout" ||
    fail "dataset with errors: duplicate not reported"
expect_stderr "check found errors" "dataset with errors"
rm -rf "$OUT"

# ---- bad archives leave nothing behind ---------------------------------
mkdir -p "$OUT"
fetch "$BASE/truncated.zip"
expect_status 1 "truncated archive"
expect_stderr "not a valid zip archive" "truncated archive"
expect_only "" "truncated archive"

fetch "$BASE/notzip.zip"
expect_status 1 "not an archive"
expect_stderr "not a valid zip archive" "not an archive"
expect_only "" "not an archive"

fetch "$BASE/traversal.zip"
expect_status 1 "path traversal"
expect_stderr '"../escaped.txt" has a "." or ".." path component' \
    "path traversal"
expect_only "" "path traversal"
[ -e "$WORK/escaped.txt" ] && fail "path traversal: a file escaped"

fetch "$BASE/absolute.zip"
expect_status 1 "absolute path"
expect_stderr "has an absolute path" "absolute path"
[ -e /tmp/rb-fetch-absolute.txt ] && fail "absolute path: file written"
expect_only "" "absolute path"

fetch "$BASE/symlink.zip"
expect_status 1 "symbolic link"
expect_stderr "is a symbolic link" "symbolic link"
expect_only "" "symbolic link"

fetch "$BASE/tiny.zip" --max-size 1000
expect_status 1 "size limit"
expect_stderr "the size limit" "size limit"
expect_only "" "size limit"

fetch "$BASE/tiny.zip" --max-entries 2
expect_status 1 "entry limit"
expect_stderr "above the limit of 2" "entry limit"
expect_only "" "entry limit"

# ---- network failures ---------------------------------------------------
fetch "$BASE/missing.zip" --retries 0
expect_status 1 "404"
expect_stderr "missing.zip: HTTP 404" "404"
expect_only "" "404"

# A port nobody listens on: bind one, note it, close it.
DEAD=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fetch "http://127.0.0.1:$DEAD/x.zip" --retries 0
expect_status 1 "connection refused"
expect_stderr "127.0.0.1" "connection refused"

fetch "$BASE/not-an-archive.tar.gz"
expect_status 1 "not a zip URL"
expect_stderr "does not name a .zip archive" "not a zip URL"

fetch "ftp://127.0.0.1/x.zip"
expect_status 1 "other scheme"
expect_stderr "nor an http(s) URL" "other scheme"

# ---- names from the catalog ---------------------------------------------
fetch no-such-dataset
expect_status 1 "unknown name"
expect_stderr '"no-such-dataset" is not a known dataset name' "unknown name"

fetch robust04
expect_status 1 "unpublished name"
expect_stderr "BEIR does not redistribute it" "unpublished name"

"$RB" datasets fetch --list >"$WORK/stdout"
grep -q "^scifact .*md5 5f7d1de60b170fc8027bb7898e2efca1" "$WORK/stdout" ||
    fail "--list: scifact's published MD5 missing"

# The generated scifact.zip is not BEIR's: its MD5 must not match.
rm -rf "$OUT"
fetch scifact --mirror "$BASE/beir"
expect_status 1 "checksum mismatch"
expect_stderr "MD5 is [0-9a-f]*, expected 5f7d1de60b170fc8027bb7898e2efca1" \
    "checksum mismatch"
expect_only "" "checksum mismatch"
grep -q "^/beir/scifact.zip " "$WORK/requests.log" ||
    fail "mirror: scifact.zip was not requested from the mirror"

MD5=$(md5sum "$WORK/www/beir/scifact.zip" | cut -d' ' -f1)
fetch scifact --mirror "$BASE/beir/" --md5 "$MD5"
expect_status 0 "pinned checksum"
expect_stderr "md5 verified" "pinned checksum"
[ -f "$OUT/scifact/corpus.jsonl" ] || fail "pinned checksum: no dataset"

SHA=$(sha256sum "$WORK/www/tiny.zip" | cut -d' ' -f1)
fetch "$BASE/tiny.zip" --sha256 "$SHA"
expect_status 0 "pinned SHA-256"
expect_stderr "sha256 verified" "pinned SHA-256"

# ---- interrupted transfers resume with Range ----------------------------
rm -rf "$OUT"
SIZE=$(stat -c %s "$WORK/www/tiny2.zip")
fetch "$BASE/interrupt-once/tiny2.zip" --retries 0
expect_status 1 "interrupted transfer"
expect_stderr "run the command again to resume" "interrupted transfer"
PART=$(stat -c %s "$OUT/tiny2.zip.part" 2>/dev/null || echo 0)
[ "$PART" -gt 0 ] && [ "$PART" -lt "$SIZE" ] ||
    fail "interrupted transfer: .part holds $PART of $SIZE bytes"
[ -e "$OUT/tiny2" ] && fail "interrupted transfer: dataset folder made"

fetch "$BASE/interrupt-once/tiny2.zip"
expect_status 0 "resumed transfer"
expect_stderr "resuming .* from byte $PART" "resumed transfer"
grep -q "^/interrupt-once/tiny2.zip bytes=$PART- \"" "$WORK/requests.log" ||
    fail "resumed transfer: no 'Range: bytes=$PART-' request with If-Range"
cmp -s "$OUT/tiny2/corpus.jsonl" <(member "$WORK/www/tiny2.zip" \
    tiny2/corpus.jsonl) || fail "resumed transfer: corpus differs"
expect_only "tiny2 " "resumed transfer"

# Within one run: the retry resumes where the first attempt stopped.
fetch "$BASE/interrupt-once/tiny3.zip"
expect_status 0 "retried transfer"
expect_stderr "retrying in" "retried transfer"
[ "$(grep -c '^/interrupt-once/tiny3.zip bytes=[1-9][0-9]*- ' \
    "$WORK/requests.log")" = 1 ] || fail "retried transfer: no Range retry"
expect_only "tiny2 tiny3 " "retried transfer"

# A server that ignores Range: the download starts over.
head -c 1000 "$WORK/www/tiny4.zip" >"$OUT/tiny4.zip.part"
fetch "$BASE/noranges/tiny4.zip"
expect_status 0 "no range support"
expect_stderr "starting over" "no range support"
cmp -s "$OUT/tiny4/corpus.jsonl" <(member "$WORK/www/tiny4.zip" \
    tiny4/corpus.jsonl) || fail "no range support: corpus differs"

# The file changed since the partial download: If-Range gets the new one.
fetch "$BASE/interrupt-once/v1/moving.zip" --retries 0
expect_status 1 "changing file, first part"
mv "$OUT/moving.zip.part" "$WORK/part" &&
    mv "$OUT/moving.zip.part.validator" "$WORK/validator"
rm -rf "$OUT/moving"
mv "$WORK/part" "$OUT/moving.zip.part"
mv "$WORK/validator" "$OUT/moving.zip.part.validator"
cp "$WORK/www/v2/moving.zip" "$WORK/www/moving.zip"
fetch "$BASE/moving.zip"
expect_status 0 "changed file"
grep -q "moving/corpus.jsonl: 3100 documents" "$WORK/stdout" ||
    fail "changed file: the old and new versions were mixed"

# A part that already holds the whole file: the server answers 416.
cp "$WORK/www/tiny5.zip" "$OUT/tiny5.zip.part"
fetch "$BASE/tiny5.zip"
expect_status 0 "complete part"
[ -f "$OUT/tiny5/corpus.jsonl" ] || fail "complete part: no dataset"

# ---- interruption by a signal keeps the part for later -------------------
"$RB" datasets fetch --dir "$OUT" "$BASE/slow/tiny.zip" \
    >"$WORK/stdout" 2>"$WORK/stderr" &
FETCH_PID=$!
sleep 1.5
kill -INT "$FETCH_PID"
wait "$FETCH_PID"
status=$?
expect_status 1 "interrupted by SIGINT"
expect_stderr "interrupted after" "interrupted by SIGINT"
[ -s "$OUT/tiny.zip.part" ] || fail "interrupted by SIGINT: no .part kept"
ls -A "$OUT" | grep -q unpack && fail "interrupted by SIGINT: unpack left"

if [ "$failures" -ne 0 ]; then
    echo "$failures failures"
    exit 1
fi
echo "all fetch checks passed"
