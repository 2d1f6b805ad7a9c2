#!/usr/bin/env bash
# Attack: the GTFS direct write (src/pg/schedules_write.cpp) does not lock a referenced row
# whose xmin is the current transaction's id ("inserted by this load, invisible to others").
# But xmin keeps its raw value when a row is frozen, and xids wrap around every 2^32
# transactions: a location inserted long ago, frozen, can carry the very xid the load gets.
# The load then takes that old location for its own, leaves it unlocked, a concurrent DELETE
# of it succeeds, and the committed schedules reference a location that no longer exists.
# Proven on a throwaway cluster of its own (not the shared one): its xid counter is moved one
# epoch on to the old row's xid with pg_resetwal, as a wraparound would. Defeated when the
# DELETE waits for the load (then fails on the foreign key) and no schedule is orphaned.
set -uo pipefail
RAILWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
fail() { echo "ATTACK SUCCEEDED: $*"; exit 1; }
railway_cluster_start -c autovacuum=off || exit 2
trap railway_cluster_stop EXIT
dir=$RAILWAY_CLUSTER_DIR
data=$dir/data
bin=$(railway_pg_bin)
export PGDATABASE=probe
createdb probe || exit 2
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -At)
"${PSQL[@]}" -c "CREATE EXTENSION railway CASCADE" >/dev/null 2>&1 || exit 2
xid=$("${PSQL[@]}" -c "INSERT INTO railway.locations (id, name, code) VALUES (4801, 'Old A', 'XIDA'), (4802, 'Old B', 'XIDB') RETURNING xmin" | head -1)
vacuumdb -q --all --freeze || exit 2
"${PSQL[@]}" -c "CHECKPOINT" || exit 2
railway_as_owner "$bin/pg_ctl" -D "$data" -w stop >/dev/null || exit 2
epoch=$("$bin/pg_controldata" "$data" | sed -n "s/^Latest checkpoint's NextXID: *\([0-9]*\):.*/\1/p")
railway_as_owner "$bin/pg_resetwal" -D "$data" -e $((epoch + 1)) -x "$xid" >/dev/null || exit 2
railway_as_owner "$bin/pg_ctl" -D "$data" -w -l "$dir/server.log" \
    -o "-p $PGPORT -k $dir -c listen_addresses=127.0.0.1 -c autovacuum=off" start >/dev/null || { cat "$dir/server.log"; exit 2; }

# The load (the first transaction since: its xid is the old locations' xmin), held open 4 s.
"${PSQL[@]}" >"$dir/load.out" 2>&1 <<'SQL' &
SET client_min_messages = warning;
BEGIN;
SELECT 'load xid ' || pg_catalog.xid(pg_catalog.pg_current_xact_id());
CREATE TEMP TABLE gtfs_stops (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    stop_id text, stop_code text, stop_name text, location_type text);
INSERT INTO gtfs_stops (stop_id, stop_code, stop_name) VALUES ('a', 'XIDA', 'Old A'), ('b', 'XIDB', 'Old B');
CREATE TEMP TABLE gtfs_calendar (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    service_id text, monday text, tuesday text, wednesday text, thursday text, friday text,
    saturday text, sunday text, start_date text, end_date text);
INSERT INTO gtfs_calendar (service_id, monday, tuesday, wednesday, thursday, friday, saturday, sunday, start_date, end_date)
VALUES ('DAILY', '1', '1', '1', '1', '1', '1', '1', '20250201', '20250228');
CREATE TEMP TABLE gtfs_calendar_dates (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    service_id text, date text, exception_type text);
CREATE TEMP TABLE gtfs_trips (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    route_id text, service_id text, trip_id text, trip_short_name text, block_id text);
INSERT INTO gtfs_trips (route_id, service_id, trip_id, trip_short_name) VALUES ('R', 'DAILY', 't1', 'XID-1');
CREATE TEMP TABLE gtfs_stop_times (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    trip_id text, arrival_time text, departure_time text, stop_id text, stop_sequence text);
INSERT INTO gtfs_stop_times (trip_id, arrival_time, departure_time, stop_id, stop_sequence) VALUES
    ('t1', '08:00:00', '08:00:00', 'a', '1'), ('t1', '09:00:00', '09:00:00', 'b', '2');
SELECT 'written ' || (r -> 'schedules_written' ->> 'direct') FROM railway.gtfs_load('xid-probe') r;
SELECT pg_catalog.pg_sleep(4);
COMMIT;
SQL
load=$!
sleep 2
# Another session deletes a location the load's schedule references.
"${PSQL[@]}" >"$dir/delete.out" 2>&1 <<'SQL'
SET lock_timeout = '1s';
DELETE FROM railway.locations WHERE id = 4802;
SQL
delete_rc=$?
wait $load
cat "$dir/load.out"
grep -q "^load xid $xid\$" "$dir/load.out" || { echo "setup: the load did not get xid $xid"; exit 2; }
grep -q '^written 1$' "$dir/load.out" || { echo "setup: the load wrote no schedule directly"; exit 2; }
orphans=$("${PSQL[@]}" -c "SELECT count(*) FROM railway.schedules s WHERE NOT EXISTS
    (SELECT FROM railway.locations l WHERE l.id = s.arrival_location_id)")
[ "$orphans" = 0 ] || fail "the DELETE ran while the load held location 4802 unlocked (its frozen xmin $xid is the load's xid): $orphans schedule(s) reference a deleted location"
[ $delete_rc -ne 0 ] || fail "the DELETE of a referenced location succeeded"
cat "$dir/delete.out"
echo "defeated: the location the load references stayed locked"
