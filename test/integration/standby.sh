#!/usr/bin/env bash
# Hot standby: railway.health() and the monitoring views work on a streaming replica.
# A standby of the test cluster is made with pg_basebackup -R, started on a free port, and
# queried once it has replayed a database with railway installed. Removed afterwards.
# Runs against the cluster in PGHOST/PGPORT/PGUSER (test/run_all.sh starts one).
set -euo pipefail

RAILWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
bin=$(railway_pg_bin)
db=railway_standby
standby=$(mktemp -d /tmp/railway-standby.XXXXXX)
chmod 755 "$standby"
[ "$(id -u)" -eq 0 ] && chown postgres: "$standby"
stop_standby() {
    railway_as_owner "$bin/pg_ctl" -D "$standby/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$standby"
    dropdb --if-exists "$db" 2>/dev/null || true
}
trap stop_standby EXIT

dropdb --if-exists "$db"; createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION railway CASCADE' \
    -c "INSERT INTO railway.locations (name, code) VALUES ('Vijayawada Junction', 'BZA')"

railway_as_owner "$bin/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -D "$standby/data" -R -X stream --checkpoint=fast
port=$(railway_free_port)
# A hot standby needs these at least as high as on the primary (which may have them from its
# command line rather than from the postgresql.conf that pg_basebackup copied).
settings=$(psql -X -At -d "$db" -c "SELECT string_agg(format('-c %s=%s', name, setting), ' ')
    FROM pg_settings WHERE name IN ('max_connections', 'max_prepared_transactions',
        'max_worker_processes', 'max_wal_senders', 'max_locks_per_transaction')")
railway_as_owner "$bin/pg_ctl" -D "$standby/data" -w -t 60 -l "$standby/server.log" \
    -o "-p $port -k $standby -c listen_addresses='' -c hot_standby=on $settings" start >/dev/null \
    || { cat "$standby/server.log"; exit 1; }

on_standby() { psql -X -At -v ON_ERROR_STOP=1 -h "$standby" -p "$port" -d "$db" "$@"; }
for _ in $(seq 1 60); do
    [ "$(on_standby -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] && break
    sleep 0.5
done
got=$(on_standby <<'SQL'
SELECT pg_is_in_recovery();
SELECT h -> 'checks' -> 'connectivity' ->> 'inRecovery', h -> 'checks' -> 'schemaIntegrity' ->> 'status',
       h ->> 'status' IN ('healthy', 'degraded')
FROM railway.health() AS h;
SELECT count(*) > 0 FROM railway.table_statistics WHERE schemaname = 'railway';
SELECT count(*) >= 0 FROM railway.index_usage, railway.active_sessions, railway.blocking_locks,
       railway.slow_queries, railway.unused_indexes;
SELECT railway.maintenance_plan('daily') IS NOT NULL LIMIT 1;
SELECT count(*) FROM railway.locations;
SQL
)
echo "$got"
[ "$got" = $'t\ntrue|pass|t\nt\nt\nt\n1' ] || { echo "health or monitoring failed on the standby"; exit 1; }
echo "health() and the monitoring views work on a hot standby"
