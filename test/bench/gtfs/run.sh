#!/usr/bin/env bash
# GTFS import benchmark (issue 15, "Performance"): railway's importer against the peer
# gtfs-via-postgres (npm, 4.x), the same feeds into the same server, in one run:
#
#   PG_CONFIG=... bash test/bench/gtfs/run.sh      # a few minutes on 2 cores
#
# For each feed of the corpus (RAILWAY_GTFS_DATA, default ../shared/data/gtfs/*.zip):
#   railway  a fresh database with railway (CREATE EXTENSION railway CASCADE, not timed), then
#            `tools/gtfs_import.sh --json FEED.zip DB`, timed as a whole command: reading the zip, the python
#            CSV normalisation, COPY, railway.gtfs_load (every row validated, the conflict sweep
#            over the feed's trains, the inserts) and COMMIT. Default mode (conflicts refuse).
#   peer     a fresh database with postgis (CREATE EXTENSION postgis, not timed: the peer's SQL
#            says CREATE EXTENSION IF NOT EXISTS postgis), then unzip FEED.zip into a temporary
#            folder and `gtfs-to-sql --require-dependencies --ignore-unsupported -- *.txt |
#            psql -b -v ON_ERROR_STOP=1`, timed as a whole command (unzip included, as for railway).
#            The peer's SQL is one transaction: its tables, COPY, indexes, its views and the
#            service_days materialized view.
# Prints per feed: trips (rows of trips.txt), railway's loaded trips, both times in seconds,
# trips per second for each (trips of trips.txt / seconds) and the ratio railway/peer (goal: <= 1,
# railway no slower). A feed a tool refuses is reported with its reason (first error line).
# ROUNDS (default 1): each feed is imported ROUNDS times by each tool (alternating, railway
# first) and the median is reported.
#
# The peer: GTFS_TO_SQL (default: gtfs-to-sql in test/bench/gtfs/node_modules/.bin, installed
# there with `npm install --prefix test/bench/gtfs gtfs-via-postgres@4` when missing; the folder
# is ignored by git). It needs node >= 20.17 and PostGIS in the server (`CREATE EXTENSION
# postgis`); without PostGIS the peer column is skipped with that reason.
# Uses the cluster of the PG* variables if one answers, else builds and installs the extension
# and starts a throwaway one. Not part of the test command. Figures: RESULTS.md.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RAILWAY_ROOT=$(cd "$HERE/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"

DATA=${RAILWAY_GTFS_DATA:-$RAILWAY_ROOT/../shared/data/gtfs}
[ -d "$DATA" ] || DATA=/work/shared/data/gtfs
ROUNDS=${ROUNDS:-1}

GTFS_TO_SQL=${GTFS_TO_SQL:-$HERE/node_modules/.bin/gtfs-to-sql}
if [ ! -x "$GTFS_TO_SQL" ]; then
    railway_log "installing gtfs-via-postgres@4 into $HERE/node_modules"
    npm install --prefix "$HERE" --no-save --no-package-lock gtfs-via-postgres@4 >/dev/null
fi
PEER_VERSION=$(node -p "require('$(dirname "$(readlink -f "$GTFS_TO_SQL")")/package.json').version" 2>/dev/null || echo '?')

railway_bench_cluster -c shared_buffers=512MB -c autovacuum=off -c max_wal_size=4GB -c jit=off
trap railway_bench_cluster_stop EXIT
PSQL="$(railway_pg_bin)/psql"
export PATH="$(railway_pg_bin):$PATH"   # gtfs_import.sh's psql: the same server's
WORK=$(mktemp -d /tmp/railway-bench-gtfs.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"; railway_bench_cluster_stop' EXIT

now() { date +%s.%N; }
# psql 15.20 (seen here) silently ignores the rest of its input after a line holding only ";" that
# follows a COPY's "\." (exit status 0, nothing after it runs, not even the COMMIT); the peer's
# SQL has such lines. This filter drops lines holding only ";" outside COPY data: empty
# statements, so the SQL means the same.
EMPTY_STATEMENTS='/FROM STDIN( csv)?;$/ {c=1; print; next} c && /^\\\.$/ {c=0; print; next} !c && /^[[:space:]]*;[[:space:]]*$/ {next} {print}'
export PGOPTIONS='-c client_min_messages=warning'   # no NOTICEs of DROP ... IF EXISTS
fresh_db() {   # fresh_db NAME SQL...
    local db=$1; shift
    "$PSQL" -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'SET client_min_messages = warning' "$@"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

PEER_OK=1 PEER_WHY=
if ! fresh_db bench_gtfs_probe -c 'CREATE EXTENSION postgis' >"$WORK/probe.err" 2>&1; then
    PEER_OK=0 PEER_WHY="no PostGIS in the server: $(head -1 "$WORK/probe.err")"
fi
"$PSQL" -X -q -d postgres -c 'DROP DATABASE IF EXISTS bench_gtfs_probe'

railway_log "$("$PSQL" -X -At -d postgres -c 'SELECT version()')"
railway_log "railway $(cd "$RAILWAY_ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?'), gtfs-via-postgres $PEER_VERSION (node $(node --version)), $ROUNDS round(s)"

# railway_run ZIP -> prints "seconds loaded_trips status" or "- - reason"
railway_run() {
    local zip=$1 out=$WORK/railway.json err=$WORK/railway.err t0 t1 status=0
    fresh_db bench_gtfs_railway -c 'CREATE EXTENSION railway CASCADE'
    t0=$(now)
    "$RAILWAY_ROOT/tools/gtfs_import.sh" --json "$zip" bench_gtfs_railway >"$out" 2>"$err" || status=$?
    t1=$(now)
    if [ "$status" = 0 ] || [ "$status" = 3 ]; then
        printf '%s %s\n' "$(echo "$t1 - $t0" | bc -l)" \
            "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["trips"]["loaded"])' "$out")"
    else
        printf -- '- - %s\n' "$(grep -m1 -E 'ERROR|refused|error' "$err" "$out" | cut -d: -f2- | cut -c1-200 | tr -s ' ')"
    fi
}

# peer_run ZIP -> prints "seconds" or "- reason"
peer_run() {
    local zip=$1 dir=$WORK/peer err=$WORK/peer.err t0 t1 status=0
    fresh_db bench_gtfs_peer -c 'CREATE EXTENSION postgis'
    rm -rf "$dir"
    t0=$(now)
    (
        set -o pipefail
        python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$dir"
        cd "$dir"
        [ -f stops.txt ] || cd "$(dirname "$(find . -maxdepth 2 -name stops.txt -print -quit)")"
        local opts=(--silent --require-dependencies --ignore-unsupported)
        [ -f shapes.txt ] || opts+=(--trips-without-shape-id)   # the peer's documented default without shapes.txt
        "$GTFS_TO_SQL" "${opts[@]}" -- *.txt \
            | awk "$EMPTY_STATEMENTS" \
            | PGOPTIONS='-c client_min_messages=warning' "$PSQL" -X -q -b -v ON_ERROR_STOP=1 -d bench_gtfs_peer >/dev/null
    ) 2>"$err" || status=$?
    t1=$(now)
    if [ "$status" = 0 ]; then
        echo "$t1 - $t0" | bc -l
    else
        printf -- '- %s\n' "$(grep -m1 -E 'ERROR|Error' "$err" | cut -c1-200 | tr -s ' \t' '  ')"
    fi
}

printf '%-26s %7s %7s %9s %9s %10s %10s %7s\n' feed trips loaded railway_s peer_s railway_t/s peer_t/s ratio
notes=()
for zip in "$DATA"/*.zip; do
    name=$(basename "$zip" .zip)
    trips=$(python3 - "$zip" <<'PY'
import csv, io, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
n = [m for m in z.namelist() if m.rsplit('/', 1)[-1] == 'trips.txt'][0]
rows = csv.reader(io.TextIOWrapper(z.open(n), encoding='utf-8-sig', newline=''))
next(rows)
print(sum(1 for r in rows if any(f.strip() for f in r)))
PY
)
    r_times=() p_times=() r_loaded=- r_why= p_why=
    for _ in $(seq "$ROUNDS"); do
        read -r rt rl rwhy < <(railway_run "$zip")
        if [ "$rt" = - ]; then r_why=$rwhy; else r_times+=("$rt"); r_loaded=$rl; fi
        if [ "$PEER_OK" = 1 ]; then
            read -r pt pwhy < <(peer_run "$zip")
            if [ "$pt" = - ]; then p_why=$pwhy; else p_times+=("$pt"); fi
        else
            p_why=$PEER_WHY
        fi
    done
    rs=- ps=- rtps=- ptps=- ratio=-
    [ ${#r_times[@]} -gt 0 ] && rs=$(printf '%s\n' "${r_times[@]}" | median) && rtps=$(printf '%.0f' "$(echo "$trips / $rs" | bc -l)")
    [ ${#p_times[@]} -gt 0 ] && ps=$(printf '%s\n' "${p_times[@]}" | median) && ptps=$(printf '%.0f' "$(echo "$trips / $ps" | bc -l)")
    [ "$rs" != - ] && [ "$ps" != - ] && ratio=$(printf '%.2f' "$(echo "$rs / $ps" | bc -l)")
    [ "$rs" != - ] && rs=$(printf '%.2f' "$rs")
    [ "$ps" != - ] && ps=$(printf '%.2f' "$ps")
    printf '%-26s %7s %7s %9s %9s %10s %10s %7s\n' "$name" "$trips" "$r_loaded" "$rs" "$ps" "$rtps" "$ptps" "$ratio"
    [ -n "$r_why" ] && [ ${#r_times[@]} -eq 0 ] && notes+=("$name: railway refused: $r_why")
    [ -n "$p_why" ] && [ ${#p_times[@]} -eq 0 ] && notes+=("$name: gtfs-via-postgres failed: $p_why")
done
for n in "${notes[@]+"${notes[@]}"}"; do echo "  $n"; done
"$PSQL" -X -q -d postgres -c 'DROP DATABASE IF EXISTS bench_gtfs_railway' -c 'DROP DATABASE IF EXISTS bench_gtfs_peer'
