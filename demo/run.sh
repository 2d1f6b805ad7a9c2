#!/usr/bin/env bash
# The railway demo: builds and installs the extension, connects to a database, creates the
# extension, loads a sample timetable and shows what railway makes of it.
#
#   bash demo/run.sh          run the demo (the database stays up so you can explore it)
#   bash demo/run.sh stop     stop and remove the demo's throwaway cluster
#
# Which database: DATABASE_URL when set; else the PG* variables (PGHOST, PGPORT, PGDATABASE,
# PGUSER, ...) when any is set; else a throwaway cluster owned by the postgres user in
# /tmp/railway-demo. With your own database, the sample rows are loaded only when
# railway.trains is empty.
set -euo pipefail

RAILWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
DEMO_STATE=/tmp/railway-demo

stop_demo_cluster() {
    if [ -f "$DEMO_STATE/cluster" ]; then
        RAILWAY_CLUSTER_DIR=$(cat "$DEMO_STATE/cluster")
        railway_cluster_stop
        echo "stopped the demo cluster"
    fi
    rm -rf "$DEMO_STATE"
}

if [ "${1:-}" = stop ]; then stop_demo_cluster; exit 0; fi

railway_install_prerequisites
railway_build_install

db_args=()
if [ -n "${DATABASE_URL:-}" ]; then
    railway_log "using DATABASE_URL"
    db_args=("$DATABASE_URL")
elif [ -n "${PGHOST:-}${PGPORT:-}${PGDATABASE:-}${PGUSER:-}${PGSERVICE:-}" ]; then
    railway_log "using the PG* environment variables (${PGHOST:-local socket}:${PGPORT:-5432})"
else
    stop_demo_cluster >/dev/null
    railway_log "starting a throwaway cluster"
    railway_cluster_start
    mkdir -p "$DEMO_STATE"
    echo "$RAILWAY_CLUSTER_DIR" >"$DEMO_STATE/cluster"
    createdb railway_demo
    export PGDATABASE=railway_demo
fi

psql_demo() { psql -X -v ON_ERROR_STOP=1 "${db_args[@]}" "$@"; }

psql_demo -q -c 'CREATE EXTENSION IF NOT EXISTS railway CASCADE' 2>&1 | grep -v '^NOTICE' || true
if [ "$(psql_demo -At -c 'SELECT count(*) FROM railway.trains')" = 0 ]; then
    railway_log "loading the sample timetable (demo/sample_timetable.sql)"
    psql_demo -q -f "$RAILWAY_ROOT/demo/sample_timetable.sql"
fi

section() { printf '\n\033[1m## %s\033[0m\n' "$*"; }

section "railway $(psql_demo -At -c 'SELECT railway.version()') in $(psql_demo -At -c 'SELECT current_database()')"

section "Stations"
psql_demo -c 'SELECT code, name FROM railway.locations ORDER BY code'

section "Trains"
psql_demo -c 'SELECT train_number, type, description FROM railway.trains ORDER BY train_number'

section "Timetable: every service, its running days (1 = Monday ... 7 = Sunday) and effective dates"
psql_demo <<'SQL'
SELECT t.train_number AS train,
       d.code || ' -> ' || a.code AS route,
       to_char(s.scheduled_departure, 'HH24:MI') AS departs,
       to_char(s.scheduled_arrival, 'HH24:MI')
         || CASE WHEN s.scheduled_arrival::date > s.scheduled_departure::date
                 THEN ' +' || (s.scheduled_arrival::date - s.scheduled_departure::date) || 'd' ELSE '' END AS arrives,
       railway.format_running_days(s.running_days) AS days,
       s.effective_start_date::date AS from_date,
       coalesce(s.effective_end_date::date::text, 'open') AS to_date
FROM railway.schedules s
JOIN railway.trains t ON t.id = s.train_id
JOIN railway.locations d ON d.id = s.departure_location_id
JOIN railway.locations a ON a.id = s.arrival_location_id
ORDER BY t.train_number, s.scheduled_departure::time;
SQL

section "The database refuses bad rows, whatever the client"
psql -X "${db_args[@]}" -c "INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
    scheduled_departure, scheduled_arrival) SELECT id, 1, 2, '2025-01-01 10:00', '2025-01-01 09:00'
    FROM railway.trains WHERE train_number = '12711'" 2>&1 | sed -n '1p' || true

section "Connect"
if [ ${#db_args[@]} -gt 0 ]; then
    echo "psql \"\$DATABASE_URL\""
else
    echo "psql -h ${PGHOST:-localhost} -p ${PGPORT:-5432} -U ${PGUSER:-$USER} ${PGDATABASE:-}"
fi
[ -f "$DEMO_STATE/cluster" ] && echo "stop the demo cluster with: bash demo/run.sh stop"
exit 0
