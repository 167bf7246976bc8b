#!/usr/bin/env bash
# rankbench run with the PostgreSQL retrievers as a user meets it: a
# throwaway cluster started and removed, results side by side, no secret
# in output, clean failure for a server that is not there, and no server
# or folder left behind after Ctrl-C.
set -u
have_pg=0
for d in "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/*/bin; do
    [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && have_pg=1
done
if [ $have_pg -eq 0 ]; then
    echo "skipped: no PostgreSQL server programs (install postgresql-15)"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The cluster's folder goes here; its owner may be an unprivileged user,
# who must be able to reach it.
mkdir "$tmp/t"
chmod 755 "$tmp" "$tmp/t"
export TMPDIR="$tmp/t"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
sample="$RB_SOURCE_DIR/datasets/sample"

list="pg-ilike,pg-bm25,pg-fts"
"$RB_BIN" run --help 2>&1 | grep -q '^  ilike ' && list="ilike,$list"
"$RB_BIN" run --help 2>&1 | grep -q '^  bm25 ' && list="$list,bm25"

"$RB_BIN" run -q --pg-temp --dataset "$sample" --retrievers "$list" \
    --out "$tmp/out" > "$tmp/table" 2> "$tmp/err"
rc=$?
[ $rc -eq 0 ] && ok || bad "run --pg-temp: rc=$rc $(cat "$tmp/err")"
for r in ${list//,/ }; do
    grep -q "^| $r |" "$tmp/table" && ok || bad "no table row for $r"
    [ -s "$tmp/out/runs/$r.trec" ] && ok || bad "no run file for $r"
done
[ -z "$(ls -A "$TMPDIR")" ] && ok || bad "left behind: $(ls "$TMPDIR")"
/usr/bin/python3 - "$tmp/out/results.json" <<'PY' && ok || bad "results"
import json, sys
text = open(sys.argv[1]).read()
d = json.loads(text)
names = [r["name"] for r in d["retrievers"]]
assert "pg-bm25" in names and "pg-fts" in names, names
bm25 = [r for r in d["retrievers"] if r["name"] == "pg-bm25"][0]
assert bm25["config"]["k1"] == 1.2 and bm25["config"]["b"] == 0.75
assert bm25["config"]["server"]["host"] == "local socket"
assert "rankbench-pg-" not in text
PY
# pg-ilike ranks exactly as ilike when both ran.
if [[ $list == ilike,* ]]; then
    cmp -s <(cut -d' ' -f1-5 "$tmp/out/runs/ilike.trec") \
           <(cut -d' ' -f1-5 "$tmp/out/runs/pg-ilike.trec") \
        && ok || bad "pg-ilike run differs from ilike"
fi

# A server that is not there: host and port named, password never.
err=$("$RB_BIN" run -q --dataset "$sample" --retrievers pg-bm25 \
    --out "$tmp/out2" \
    --pg "host=$tmp/none port=5999 password=hunter2secret" 2>&1 >/dev/null)
rc=$?
[ $rc -ne 0 ] && ok || bad "unreachable server: rc=$rc"
[[ $err == *"host \"$tmp/none\" port \"5999\""* ]] && ok \
    || bad "unreachable server message: $err"
[[ $err != *hunter2secret* ]] && ok || bad "password in message: $err"
[ ! -e "$tmp/out2/results.json" ] && ok || bad "results after failure"

# Ctrl-C while the cluster runs: the cluster and its folder go away.
dataset="$sample"
[ -d "$RB_SHARED_DIR/datasets/cacm" ] && dataset="$RB_SHARED_DIR/datasets/cacm"
"$RB_BIN" run -q --pg-temp --dataset "$dataset" \
    --retrievers pg-bm25,pg-fts,pg-ilike --out "$tmp/out3" \
    > /dev/null 2>&1 &
pid=$!
sock=""
for _ in $(seq 1 300); do
    sock=$(ls "$TMPDIR"/rankbench-pg-*/.s.PGSQL.5432 2>/dev/null | head -1)
    [ -n "$sock" ] && break
    sleep 0.05
done
if [ -n "$sock" ]; then
    dir=$(dirname "$sock")
    sleep 0.3
    kill -INT $pid
    wait $pid
    rc=$?
    [ $rc -ne 0 ] && ok || bad "Ctrl-C: rc=$rc"
    for _ in $(seq 1 600); do
        [ -e "$dir" ] || break
        sleep 0.05
    done
    [ ! -e "$dir" ] && ok || bad "cluster folder still there after Ctrl-C"
    if pgrep -f -- "-D $dir/data" > /dev/null; then
        bad "server still running after Ctrl-C"
    else
        ok
    fi
else
    wait $pid
    bad "the throwaway cluster never appeared"
fi

# The server killed while pg-ilike searches: an error naming retriever and
# query, a non-zero exit, no results file; ilike's finished run stays.
if command -v psql > /dev/null; then
    "$RB_BIN" run -q --pg-temp --dataset "$dataset" \
        --retrievers ilike,pg-ilike --out "$tmp/out4" \
        > /dev/null 2> "$tmp/err4" &
    pid=$!
    killed=0
    for _ in $(seq 1 600); do
        dir=$(ls -d "$TMPDIR"/rankbench-pg-* 2>/dev/null | head -1)
        if [ -n "$dir" ] && [ -e "$dir/.s.PGSQL.5432" ]; then
            active=$(psql -h "$dir" -U rankbench -d postgres -Atc \
                "SELECT count(*) FROM pg_stat_activity
                 WHERE query LIKE '%ILIKE%' AND pid <> pg_backend_pid()
                   AND state = 'active'" 2>/dev/null)
            if [ "${active:-0}" -gt 0 ]; then
                server=$(head -1 "$dir/data/postmaster.pid")
                kill -KILL -- "-$server" && killed=1
                break
            fi
        fi
        sleep 0.05
    done
    wait $pid
    rc=$?
    if [ $killed -eq 1 ]; then
        [ $rc -ne 0 ] && ok || bad "killed server: rc=$rc"
        grep -q 'pg-ilike: query "[^"]*": lost the connection' "$tmp/err4" \
            && ok || bad "killed server message: $(cat "$tmp/err4")"
        [ ! -e "$tmp/out4/results.json" ] && ok \
            || bad "results.json written after the server died"
        [ -s "$tmp/out4/runs/ilike.trec" ] && ok \
            || bad "ilike's run file lost"
    else
        bad "never saw pg-ilike searching (rc=$rc)"
    fi
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
