#!/usr/bin/env bash
# railway on a Citus cluster (issue 14, README "Citus"), against the same data on one server:
#   1. builds Citus 13.2.2 once (cached by the archive's checksum, test/lib/citus.sh) or skips,
#      saying so, where the machine cannot build it; starts a coordinator and two workers;
#   2. railway.distribute(); the demo timetable and the Caltrain 2018, BART 2023 and Seattle-area
#      2017 feeds (tools/gtfs_import.sh) loaded through the coordinator and into a database of
#      the single server (PG*), actual times set the same way on both; railway.health() lists
#      the three nodes (reachable, same railway version, the shards of schedules and runs);
#   3. find_conflicts() (pushed down per shard; in a transaction block, through the distributed
#      query; after a write in the same statement, seeing it), check_schedule_conflicts(), the
#      reports and the aggregates give the same answers on both;
#   3b. runs: plan_runs, actual times recorded through schedules and into runs, a schedule moved
#      and one deleted through the coordinator give the same runs, reports and punctuality over
#      runs as on one server; a run retimed onto another run of its train is refused (23P01);
#   4. a conflicting schedule is refused (23P01); a valid one is stored on the shard of its
#      train; two sessions inserting a conflicting pair of one train at once: one commits, the
#      other fails with 23P01; two trains on different workers at once: both commit;
#   5. with the validation bypassed on both (as for an audit of a feed), conflicting pairs
#      written in are found by find_conflicts() on the cluster exactly as on one server, and
#      validate_schedule() says the same; the railway roles log in through the coordinator: a
#      viewer reads and may not write, an operator records actual times and plans runs;
#   6. a worker at another railway version, then a worker stopped: health() says unhealthy
#      and names it; find_conflicts() fails with a worker down (it never answers with the pairs
#      of the reachable shards only).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/test/lib/common.sh"
source "$root/test/lib/citus.sh"

fail() { echo "FAILED: $*"; exit 1; }

rc=0
citus_build_install || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "SKIPPED: Citus cannot be built on this machine (see above); the Citus test did not run"
    exit 0
fi

# The single server: the cluster of the PG* variables (test/run_all.sh starts one).
single_host=${PGHOST:-} single_port=${PGPORT:-5432}
single_db=railway_citus_single
single() { PGHOST=$single_host PGPORT=$single_port PGDATABASE=$single_db psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
PGHOST=$single_host PGPORT=$single_port psql -X -q -v ON_ERROR_STOP=1 -d postgres \
    -c "DROP DATABASE IF EXISTS $single_db" -c "CREATE DATABASE $single_db"
single -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION railway CASCADE'

work=$(mktemp -d /tmp/railway-citus-test.XXXXXX)
cleanup() {
    citus_cluster_stop
    PGHOST=$single_host PGPORT=$single_port psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $single_db" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
citus_cluster_start 2 >"$work/start.log" 2>&1 || { cat "$work/start.log"; fail "the Citus cluster did not start"; }
coord() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${CITUS_PORTS[0]}" -d "$CITUS_DB" "$@"; }

echo "distribute: $(coord -c 'SELECT railway.distribute()')"
[ "$(coord -c "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text IN ('railway.schedules', 'railway.runs', 'railway.trains', 'railway.locations')")" = 4 ] \
    || fail "schedules, runs, trains and locations are not all Citus tables"
[ "$(coord -c 'SELECT railway.distribute()')" = "railway is already distributed" ] || fail "a second distribute() did something"

# 2. The same data on both.
feeds=${RAILWAY_GTFS_DATA:-$root/../shared/data/gtfs}
[ -f "$feeds/bart-2023.zip" ] || feeds=/work/shared/data/gtfs
load() {  # load <psql function> <host> <port> <database>
    "$1" -f "$root/demo/sample_timetable.sql" >/dev/null
    # A transaction that writes reference tables (locations, trains) and then the shards of
    # schedules that refer to them needs one connection per node on Citus (README "Citus").
    local feed t0
    for feed in caltrain-2018-06 bart-2023 seattle-area-2017-11-16; do
        t0=$(date +%s%3N)
        PGHOST=$2 PGPORT=$3 PGDATABASE=$4 PGOPTIONS='-c citus.multi_shard_modify_mode=sequential' \
            bash "$root/tools/gtfs_import.sh" "$feeds/$feed.zip" >"$work/import.log" 2>&1 \
            || { cat "$work/import.log"; fail "the feed $feed did not load ($1)"; }
        echo "$1: $feed loaded in $(( $(date +%s%3N) - t0 )) ms"
    done
    "$1" -c "UPDATE railway.schedules
             SET actual_departure = scheduled_departure + (id * 7 % 13) * interval '1 minute',
                 actual_arrival = scheduled_arrival + (id * 7 % 13 + id * 11 % 23 - 3) * interval '1 minute',
                 status = 'completed'
             WHERE id % 3 <> 0"
}
load single "$single_host" "$single_port" "$single_db"
load coord 127.0.0.1 "${CITUS_PORTS[0]}" "$CITUS_DB"
n=$(coord -c 'SELECT count(*) FROM railway.schedules')
[ "$n" = "$(single -c 'SELECT count(*) FROM railway.schedules')" ] && [ "$n" -gt 28000 ] \
    || fail "different schedule counts: cluster $n, single $(single -c 'SELECT count(*) FROM railway.schedules')"
echo "loaded $n schedules on both"

# health() lists the nodes: the coordinator and both workers, reachable, at the coordinator's
# railway version, each worker with its shards of schedules and runs.
health_nodes="SELECT n ->> 'role', n ->> 'reachable', n ->> 'sameVersion', n -> 'shards' ->> 'schedules', n -> 'shards' ->> 'runs'
              FROM jsonb_array_elements(railway.health() -> 'checks' -> 'cluster' -> 'nodes') n"
shard_count=$(coord -c "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'railway.schedules'::regclass")
[ "$(coord -c "$health_nodes" | sort | tr '\n' ' ')" = "coordinator|true|true|0|0 worker|true|true|$((shard_count / 2))|$((shard_count / 2)) worker|true|true|$((shard_count / 2))|$((shard_count / 2)) " ] \
    || { coord -c "SELECT jsonb_pretty(railway.health() -> 'checks' -> 'cluster')"; fail "health() does not list the three nodes as expected"; }
[ "$(coord -c "SELECT railway.health() -> 'checks' -> 'cluster' ->> 'status'")" = pass ] || fail "health()'s cluster check does not pass"
[ "$(single -c "SELECT railway.health() -> 'checks' ? 'cluster'")" = f ] || fail "health() reports a cluster on the single server"
echo "health() lists the coordinator and 2 workers (reachable, railway $(coord -c "SELECT extversion FROM pg_extension WHERE extname = 'railway'") on each, $((shard_count / 2)) shards of schedules and of runs per worker)"

# 3. Same answers. Each query's rows are sorted text.
same() {  # same <name> <query>
    local a b
    a=$(coord -c "$2" | sort) || fail "$1 failed on the cluster"
    b=$(single -c "$2" | sort) || fail "$1 failed on the single server"
    [ "$a" = "$b" ] || { diff <(echo "$b") <(echo "$a") | head -n 20; fail "$1 differs between the cluster and one server"; }
    echo "same on both: $1 ($(echo "$a" | grep -c .) rows)"
}
since="'2000-01-01'"
same "find_conflicts()" "SELECT * FROM railway.find_conflicts()"
in_block() {  # in_block <name>: find_conflicts() in a transaction block (the distributed query) on the cluster
    local a b
    a=$(coord -c BEGIN -c 'SELECT * FROM railway.find_conflicts()' -c COMMIT | sort) || fail "$1 failed on the cluster"
    b=$(single -c 'SELECT * FROM railway.find_conflicts()' | sort)
    [ "$a" = "$b" ] || { diff <(echo "$b") <(echo "$a") | head -n 20; fail "$1 differs between the cluster and one server"; }
    echo "same on both: $1 ($(echo "$a" | grep -c .) rows)"
}
in_block "find_conflicts() in a transaction block"
# check_schedule_conflicts() called from the coordinator with constants (as an application
# does), for every 50th schedule moved by 5 minutes.
probe=$(single -c "SELECT string_agg(format('SELECT %s, c.id, c.first_conflict FROM railway.check_schedule_conflicts(%s, %L, %L, %L, %L, %L) c',
    id, train_id, scheduled_departure + interval '5 minutes', scheduled_arrival + interval '5 minutes', running_days,
    effective_start_date, effective_end_date), ' UNION ALL ') FROM railway.schedules WHERE id % 50 = 1")
same "check_schedule_conflicts()" "$probe"
same "schedule_overview()" "SELECT * FROM railway.schedule_overview($since)"
same "train_utilization()" "SELECT * FROM railway.train_utilization($since)"
same "route_performance()" "SELECT * FROM railway.route_performance($since)"
same "peak_hours()" "SELECT * FROM railway.peak_hours($since)"
same "punctuality by train" "SELECT train_id, railway.punctuality(scheduled_arrival, actual_arrival) FROM railway.schedules GROUP BY train_id"
same "punctuality" "SELECT railway.punctuality(scheduled_arrival, actual_arrival, interval '2 minutes') FROM railway.schedules"
same "operation_days" "SELECT railway.operation_days(scheduled_departure) FROM railway.schedules"
same "hourly_profile" "SELECT railway.hourly_profile(scheduled_departure) FROM railway.schedules"
same "weekday_profile by train" "SELECT train_id, railway.weekday_profile(running_days) FROM railway.schedules GROUP BY train_id"

# 3b. Runs (README "Runs", "Citus"): the same runs planned on both, actual times recorded the
#     same way (through schedules: trigger record_run on the shards; and straight into runs),
#     a schedule edited (trigger sync_runs) and one deleted; then the runs, the four reports and
#     punctuality over runs compared; a retimed run overlapping another run of its train is
#     refused with 23P01 through the coordinator.
# The window: two days from the start date with the most schedules in effect.
window=$(single -c "SELECT s.d FROM (SELECT DISTINCT effective_start_date::date AS d FROM railway.schedules) s
    ORDER BY (SELECT count(*) FROM railway.schedules x WHERE x.effective_start_date::date <= s.d
              AND (x.effective_end_date IS NULL OR x.effective_end_date::date >= s.d)) DESC, s.d LIMIT 1")
for side in single coord; do
    "$side" -c "SELECT count(*) FROM railway.create_run_partitions(1, '$window')" \
            -c "SELECT count(*) FROM railway.create_run_partitions(0, CURRENT_DATE + 7)" \
            -c "SELECT count(*) FROM railway.create_run_partitions(0)" >/dev/null
done
t0=$(date +%s%3N)
planned=$(coord -c "SELECT railway.plan_runs('$window', date '$window' + 1)")
t1=$(date +%s%3N)
[ "$planned" = "$(single -c "SELECT railway.plan_runs('$window', date '$window' + 1)")" ] && [ "$planned" -gt 1000 ] \
    || fail "plan_runs planned $planned runs on the cluster, $(single -c "SELECT count(*) FROM railway.runs") on one server"
[ "$(coord -c "SELECT railway.plan_runs('$window', date '$window' + 1)")" = 0 ] || fail "a second plan_runs on the cluster created runs"
future=$(coord -c "SELECT railway.plan_runs(CURRENT_DATE, CURRENT_DATE + 6)")
[ "$future" = "$(single -c "SELECT railway.plan_runs(CURRENT_DATE, CURRENT_DATE + 6)")" ] && [ "$future" -gt 0 ] \
    || fail "plan_runs of the coming week: $future runs on the cluster"
echo "plan_runs through the coordinator: $planned runs from $window in $((t1 - t0)) ms, $future in the coming week"
# Actual times: every 53rd schedule with a run in the window records its departure and arrival
# through schedules (the guide's application), every 5th run its arrival straight into runs.
record=$(single -c "SELECT string_agg(format('UPDATE railway.schedules SET actual_departure = %L, actual_arrival = NULL, status = %L WHERE id = %s; UPDATE railway.schedules SET actual_arrival = %L WHERE id = %s;',
    r.planned_departure + (r.schedule_id % 11) * interval '1 minute', CASE WHEN r.schedule_id % 11 > 5 THEN 'delayed' ELSE 'running' END, r.schedule_id,
    r.planned_arrival + (r.schedule_id % 13 - 2) * interval '1 minute', r.schedule_id), ' ')
    FROM railway.runs r WHERE r.schedule_id % 53 = 3 AND r.run_date = date '$window' + 1")
[ -n "$record" ] || fail "no run to record actual times on"
for side in single coord; do
    "$side" -c "$record" 2>"$work/record_$side.log" || { cat "$work/record_$side.log"; fail "recording through schedules failed ($side)"; }
    "$side" -c "UPDATE railway.runs SET actual_arrival = planned_arrival + (schedule_id % 17 - 4) * interval '1 minute', status = 'completed'
                WHERE schedule_id % 5 = 1 AND run_date BETWEEN '$window' AND date '$window' + 1"
done
[ "$(grep -c WARNING "$work/record_coord.log" || true)" = "$(grep -c WARNING "$work/record_single.log" || true)" ] \
    || { diff "$work/record_single.log" "$work/record_coord.log" | head; fail "recording warned differently on the cluster"; }
recorded=$(coord -c "SELECT count(*) FROM railway.runs WHERE actual_departure IS NOT NULL")
[ "$recorded" -gt 0 ] || fail "no actual departure recorded on a run through schedules on the cluster"
# A schedule with runs in the coming week moved by 10 minutes (its untouched runs follow), and
# one deleted (its future runs go).
moved=$(single -c "SELECT min(schedule_id) FROM railway.runs WHERE run_date > CURRENT_DATE")
gone=$(single -c "SELECT max(schedule_id) FROM railway.runs WHERE run_date > CURRENT_DATE")
[ -n "$moved" ] && [ "$moved" != "$gone" ] || fail "no two schedules with runs in the coming week"
for side in single coord; do
    "$side" -c "UPDATE railway.schedules SET scheduled_departure = scheduled_departure + interval '10 minutes',
                    scheduled_arrival = scheduled_arrival + interval '10 minutes' WHERE id = $moved" \
            -c "DELETE FROM railway.schedules WHERE id = $gone"
done
[ "$(coord -c "SELECT count(*) FROM railway.runs WHERE schedule_id = $gone AND run_date >= CURRENT_DATE")" = 0 ] \
    || fail "the deleted schedule $gone kept its future runs on the cluster"
same "runs" "SELECT train_id, schedule_id, run_date, planned_departure, planned_arrival, actual_departure, actual_arrival, status, kind FROM railway.runs"
since="'$window'"
same "schedule_overview() over runs" "SELECT * FROM railway.schedule_overview($since)"
same "train_utilization() over runs" "SELECT * FROM railway.train_utilization($since)"
same "route_performance() over runs" "SELECT * FROM railway.route_performance($since)"
same "peak_hours() over runs" "SELECT * FROM railway.peak_hours($since)"
same "punctuality over runs by train" "SELECT train_id, railway.punctuality(planned_arrival, actual_arrival) FROM railway.runs GROUP BY train_id"
same "punctuality over runs" "SELECT railway.punctuality(planned_arrival, actual_arrival, interval '2 minutes') FROM railway.runs"
echo "runs recorded on the cluster: $recorded actual departures through schedules; schedule $moved moved, $gone deleted"
# A run retimed onto another run of its train (same train and run date): 23P01 through the
# coordinator, naming the other run; the run is unchanged.
read -r r_schedule r_date o_departure o_arrival o_schedule <<<"$(single -F ' ' -c "SELECT a.schedule_id, a.run_date, to_char(b.planned_departure, 'YYYY-MM-DD\"T\"HH24:MI'), to_char(b.planned_arrival, 'YYYY-MM-DD\"T\"HH24:MI'), b.schedule_id
    FROM railway.runs a JOIN railway.runs b ON b.train_id = a.train_id AND b.run_date = a.run_date AND b.schedule_id <> a.schedule_id
    WHERE a.status <> 'cancelled' AND b.status <> 'cancelled' ORDER BY a.schedule_id, a.run_date LIMIT 1")"
[ -n "$o_arrival" ] || fail "no train with two runs on one date"
retime="UPDATE railway.runs SET planned_departure = '$o_departure', planned_arrival = '$o_arrival' WHERE schedule_id = $r_schedule AND run_date = '$r_date'"
if coord -v VERBOSITY=verbose -c "$retime" 2>"$work/retime.log"; then fail "a run retimed onto another run of its train was stored on the cluster"; fi
grep -q 23P01 "$work/retime.log" && grep -q "Run of schedule $r_schedule on $r_date conflicts with the run of schedule" "$work/retime.log" \
    || { cat "$work/retime.log"; fail "the retimed run was not refused with 23P01"; }
if single -c "$retime" 2>/dev/null; then fail "a run retimed onto another run of its train was stored on one server"; fi
same "runs after the refused retiming" "SELECT schedule_id, run_date, planned_departure, planned_arrival FROM railway.runs WHERE schedule_id = $r_schedule"
echo "retimed run refused through the coordinator: $(grep -m1 ERROR "$work/retime.log")"
# The same two runs retimed at once by two sessions through the coordinator onto overlapping
# late-evening windows: one commits, the other fails with 23P01 (the train's lock on its worker).
i=0 pids=()
for move in "$r_schedule:23:00:23:40" "$o_schedule:23:20:23:50"; do
    i=$((i + 1))
    IFS=: read -r s h1 m1 h2 m2 <<<"$move"
    coord -v VERBOSITY=verbose -c BEGIN -c "UPDATE railway.runs SET planned_departure = '$r_date $h1:$m1', planned_arrival = '$r_date $h2:$m2'
        WHERE schedule_id = $s AND run_date = '$r_date'" -c "SELECT pg_sleep(1)" -c COMMIT >"$work/retime$i.log" 2>&1 &
    pids+=($!)
done
rcs=
for p in "${pids[@]}"; do if wait "$p"; then rcs="$rcs 0"; else rcs="$rcs 1"; fi; done
case "$rcs" in
    " 0 1") loser=2 ;;
    " 1 0") loser=1 ;;
    *) cat "$work"/retime?.log; fail "two overlapping retimings of one train at once: exit codes$rcs" ;;
esac
grep -q 23P01 "$work/retime$loser.log" || { cat "$work/retime$loser.log"; fail "the losing retiming did not fail with 23P01"; }
echo "two overlapping retimings of one train at once through the coordinator: one committed, the other 23P01"
# The audit trail of runs (deleted future runs of the deleted schedule, refused retimings not):
# on the cluster in the workers' audit_log, as many rows as on one server (before the retimings).
[ "$(coord -c "SELECT count(*) FROM railway.cluster_audit_log() WHERE (entry).table_name = 'runs' AND (entry).operation <> 'UPDATE'")" \
  = "$(single -c "SELECT count(*) FROM railway.audit_log WHERE table_name = 'runs' AND operation <> 'UPDATE'")" ] \
    || fail "the audit of runs differs between the cluster and one server"
echo "audit of runs: $(coord -c "SELECT count(*) FROM railway.cluster_audit_log() WHERE (entry).table_name = 'runs'") rows on the cluster's workers"

# 4. Writes through the coordinator.
insert_sql() {  # insert_sql <train_id> <departure> -> an INSERT of a one-hour daily schedule
    echo "INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id, scheduled_departure,
          scheduled_arrival, effective_start_date) VALUES ($1, 1, 2, '$2', timestamp '$2' + interval '1 hour', '2030-01-01')"
}
node_of_train() { coord -c "SELECT nodeport FROM pg_dist_shard_placement WHERE shardid = get_shard_id_for_distribution_column('railway.schedules', $1)"; }
train_a=$(coord -c 'SELECT min(id) FROM railway.trains')
train_b=
for t in $(coord -c 'SELECT id FROM railway.trains ORDER BY id LIMIT 40'); do
    [ "$(node_of_train "$t")" != "$(node_of_train "$train_a")" ] && { train_b=$t; break; }
done
[ -n "$train_b" ] || fail "no two trains on different workers"
coord -c "$(insert_sql "$train_a" '2030-01-01 03:00')"
if coord -c "$(insert_sql "$train_a" '2030-01-01 03:30')" 2>"$work/refused.log"; then fail "a conflicting schedule was stored"; fi
grep -q 'conflicts with schedule' "$work/refused.log" || { cat "$work/refused.log"; fail "the conflict was not refused with its message"; }
echo "conflicting schedule refused: $(head -n 1 "$work/refused.log")"
id=$(coord -c "$(insert_sql "$train_a" '2030-01-01 05:00') RETURNING id")
shard=$(coord -c "SELECT get_shard_id_for_distribution_column('railway.schedules', $train_a)")
port=$(coord -c "SELECT nodeport FROM pg_dist_shard_placement WHERE shardid = $shard")
[ "$(citus_psql "$port" -At -c "SELECT count(*) FROM railway.schedules_$shard WHERE id = $id")" = 1 ] \
    || fail "schedule $id is not in shard $shard on node $port"
echo "valid schedule $id stored in shard $shard on the worker at port $port"

concurrent() {  # concurrent <train 1> <departure 1> <train 2> <departure 2> -> exit codes "rc1 rc2"
    local i=0 pids=() t d
    for t in "$1:$2" "$3:$4"; do
        i=$((i + 1))
        coord -v VERBOSITY=verbose -c "BEGIN" -c "$(insert_sql "${t%%:*}" "${t#*:}")" -c "SELECT pg_sleep(1)" -c "COMMIT" \
            >"$work/session$i.log" 2>&1 &
        pids+=($!)
    done
    local rcs=() p
    for p in "${pids[@]}"; do if wait "$p"; then rcs+=(0); else rcs+=(1); fi; done
    echo "${rcs[*]}"
}
rcs=$(concurrent "$train_b" '2030-01-01 10:00' "$train_b" '2030-01-01 10:20')
case "$rcs" in
    "0 1") loser=2 ;;
    "1 0") loser=1 ;;
    *) cat "$work"/session*.log; fail "a conflicting pair at once: exit codes $rcs, expected one success and one failure" ;;
esac
grep -q 23P01 "$work/session$loser.log" || { cat "$work/session$loser.log"; fail "the losing session did not fail with 23P01"; }
echo "conflicting pair at once: one committed, the other failed with 23P01"
rcs=$(concurrent "$train_a" '2030-01-01 12:00' "$train_b" '2030-01-01 12:00')
[ "$rcs" = "0 0" ] || { cat "$work"/session*.log; fail "two trains on different workers at once: exit codes $rcs"; }
echo "two trains on different workers at once: both committed"

# A train's kind changes on the cluster through railway.set_train_kind() (the key of the kind
# cannot cascade there): the schedules follow, and a plain UPDATE of the kind is refused at commit.
n_a=$(coord -c "SELECT count(*) FROM railway.schedules WHERE train_id = $train_a")
[ "$(coord -c "SELECT railway.set_train_kind($train_a, 'vehicle')")" = "$n_a" ] || fail "set_train_kind did not move the $n_a schedules"
[ "$(coord -c "SELECT count(*) FROM railway.schedules WHERE train_id = $train_a AND train_kind = 'vehicle'")" = "$n_a" ] \
    || fail "the schedules' kind did not follow the train"
coord -c "SELECT railway.set_train_kind($train_a, 'numbered')" >/dev/null || fail "set_train_kind back to numbered failed"
if coord -c "UPDATE railway.trains SET kind = 'vehicle' WHERE id = $train_a" 2>"$work/kind.log"; then
    fail "a plain UPDATE of a kind left the schedules' copy behind"
fi
grep -q 'schedules_train_kind_fkey' "$work/kind.log" || { cat "$work/kind.log"; fail "the kind's key did not refuse the plain UPDATE"; }
echo "kind changes: set_train_kind moves $n_a schedules, a plain UPDATE is refused by the key at commit"

# 5. Conflicts written in with the validation bypassed (trigger disabled, constraint dropped),
#    the same rows on both: find_conflicts() must find them on the cluster too.
disable="ALTER TABLE railway.schedules DISABLE TRIGGER validate_schedule"
drop="ALTER TABLE railway.schedules DROP CONSTRAINT schedules_no_overlapping_runs"
# (train_kind copied: the Seattle feed's trains are vehicles, and the trigger that would set it is off.)
conflicts="INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
                               scheduled_arrival, running_days, effective_start_date, effective_end_date, train_kind)
SELECT 900000 + s.id, s.train_id, s.departure_location_id, s.arrival_location_id,
       s.scheduled_departure + interval '3 minutes', s.scheduled_arrival + interval '3 minutes', s.running_days,
       s.effective_start_date, s.effective_end_date, s.train_kind
FROM railway.schedules s WHERE s.id % 40 = 7 AND s.id < 900000 AND NOT s.is_cancelled AND s.status <> 'cancelled'
  AND s.effective_start_date < '2030-01-01'"
coord -c "SET citus.enable_unsafe_triggers = on" -c "$disable" -c "$drop" -c "$conflicts"
single -c "$disable" -c "$drop" -c "$conflicts"
same "find_conflicts() with conflicts written in" "SELECT * FROM railway.find_conflicts()"
in_block "find_conflicts() with conflicts written in, in a transaction block"
# In order too: the coordinator sorts the shards' pairs as one server's sweep returns them.
[ "$(coord -c 'SELECT * FROM railway.find_conflicts()')" = "$(single -c 'SELECT * FROM railway.find_conflicts()')" ] \
    || fail "find_conflicts() returns its pairs in another order on the cluster"
[ "$(coord -c 'SELECT count(*) FROM railway.find_conflicts()')" -gt 0 ] || fail "find_conflicts() found nothing on the cluster"
train=$(single -c 'SELECT min(train_id) FROM railway.find_conflicts()')
same "find_conflicts($train) with conflicts written in" "SELECT * FROM railway.find_conflicts($train)"
# validate_schedule() called from the coordinator with constants (as an application does), for
# every conflicting row written in and every 50th other one: the same message or NULL.
probe=$(single -c "SELECT string_agg(format('SELECT %s AS id, railway.validate_schedule(%s) AS problem', id, id), ' UNION ALL ')
                   FROM railway.schedules WHERE id >= 900000 OR id % 50 = 7")
same "validate_schedule()" "$probe"
[ "$(coord -c "SELECT count(*) FROM ($probe) p WHERE problem IS NOT NULL")" -gt 0 ] \
    || fail "validate_schedule() found no conflict on the cluster"
pairs=$(coord -c 'SELECT count(*) FROM railway.find_conflicts()')
echo "find_conflicts() on the cluster: $pairs pairs, pushed down per shard"
# A statement that has written (a function, here a DO block, outside a transaction block) sees
# its own rows in find_conflicts(), as on one server (the push-down's connections would not).
own=$({ coord -c "DO \$\$ BEGIN
    INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
                                   scheduled_arrival, running_days, effective_start_date, effective_end_date, train_kind)
    SELECT 950000 + s.id, s.train_id, s.departure_location_id, s.arrival_location_id, s.scheduled_departure,
           s.scheduled_arrival, s.running_days, s.effective_start_date, s.effective_end_date, s.train_kind
    FROM railway.schedules s WHERE s.id = (SELECT min(id) FROM railway.schedules
                                           WHERE NOT is_cancelled AND status <> 'cancelled');
    RAISE NOTICE 'pairs %', (SELECT count(*) FROM railway.find_conflicts());
    RAISE EXCEPTION 'rolled back';
END \$\$" 2>&1 || true; } | sed -n 's/.*NOTICE:  pairs //p')
[ -n "$own" ] && [ "$own" -gt "$pairs" ] || fail "find_conflicts() after a write in the same statement: $own pairs, not more than $pairs"
[ "$(coord -c 'SELECT count(*) FROM railway.find_conflicts()')" = "$pairs" ] || fail "the DO block was not rolled back"
echo "a statement's own write: find_conflicts() sees it ($own pairs)"

# 5b. The railway roles through the coordinator, as their members log in (Citus propagates roles
#    and grants to the workers and their shards): a viewer reads conflicts and reports and may
#    not write; an operator records actual times (trigger record_run on a shard) and plans runs.
coord -c "CREATE ROLE citus_railway_viewer LOGIN IN ROLE railway_viewer" \
      -c "CREATE ROLE citus_railway_operator LOGIN IN ROLE railway_operator" >/dev/null
as_role() { local role=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${CITUS_PORTS[0]}" -d "$CITUS_DB" -U "$role" "$@"; }
[ "$(as_role citus_railway_viewer -c 'SELECT count(*) FROM railway.find_conflicts()')" = "$(coord -c 'SELECT count(*) FROM railway.find_conflicts()')" ] \
    || fail "a viewer's find_conflicts() differs from the superuser's on the cluster"
[ "$(as_role citus_railway_viewer -c "SELECT count(*) FROM railway.schedule_overview($since)")" = "$(coord -c "SELECT count(*) FROM railway.schedule_overview($since)")" ] \
    || fail "a viewer's schedule_overview() differs from the superuser's on the cluster"
if as_role citus_railway_viewer -c "UPDATE railway.schedules SET status = 'delayed' WHERE id = (SELECT min(id) FROM railway.schedules)" 2>"$work/viewer.log"; then
    fail "a viewer updated a schedule on the cluster"
fi
grep -q 'permission denied' "$work/viewer.log" || { cat "$work/viewer.log"; fail "the viewer's update failed for another reason"; }
op_id=$(coord -c "SELECT r.schedule_id FROM railway.runs r WHERE r.run_date = '$window' AND r.actual_departure IS NULL AND r.status = 'scheduled' ORDER BY r.schedule_id LIMIT 1")
op_at=$(coord -c "SELECT planned_departure + interval '2 minutes' FROM railway.runs WHERE schedule_id = $op_id AND run_date = '$window'")
as_role citus_railway_operator -c "UPDATE railway.schedules SET actual_departure = '$op_at' WHERE id = $op_id" \
    || fail "an operator could not record an actual time through the coordinator"
[ "$(coord -c "SELECT actual_departure - planned_departure FROM railway.runs WHERE schedule_id = $op_id AND run_date = '$window'")" = "00:02:00" ] \
    || fail "the operator's actual time was not recorded on its run"
as_role citus_railway_operator -c "SELECT railway.plan_runs(date '$window' + 2, date '$window' + 2)" >/dev/null \
    || fail "an operator could not plan runs through the coordinator"
echo "roles through the coordinator: a viewer reads and may not write; an operator records and plans runs"

# 6. A worker at another railway version (its catalog says so, for the test): health() is
#    unhealthy and names it. Then a worker down: health() says so, and find_conflicts() fails
#    rather than answer with the pairs of the reachable shards only.
citus_psql "${CITUS_PORTS[1]}" -c "UPDATE pg_catalog.pg_extension SET extversion = '0.9' WHERE extname = 'railway'"
[ "$(coord -c "SELECT railway.health() ->> 'status'")" = unhealthy ] || fail "health() is not unhealthy with a worker at another version"
coord -c "SELECT r FROM jsonb_array_elements_text(railway.health() -> 'recommendations') r" \
    | grep -q "127.0.0.1:${CITUS_PORTS[1]} has railway 0.9, this coordinator" || fail "health() does not name the worker at another version"
citus_psql "${CITUS_PORTS[1]}" -c "UPDATE pg_catalog.pg_extension SET extversion = '$(coord -c "SELECT extversion FROM pg_extension WHERE extname = 'railway'")' WHERE extname = 'railway'"
[ "$(coord -c "SELECT railway.health() -> 'checks' -> 'cluster' ->> 'status'")" = pass ] || fail "health()'s cluster check does not pass again"
echo "worker ${CITUS_PORTS[1]} at railway 0.9: health() unhealthy, naming it"
stopped=${CITUS_PORTS[2]}
railway_as_owner "$(railway_pg_bin)/pg_ctl" -D "$CITUS_DIR/node2" -m immediate stop >/dev/null
[ "$(coord -c "SELECT railway.health() ->> 'status'")" = unhealthy ] || fail "health() is not unhealthy with a worker down"
[ "$(coord -c "SELECT n ->> 'reachable' FROM jsonb_array_elements(railway.health() -> 'checks' -> 'cluster' -> 'nodes') n
               WHERE n ->> 'node' = '127.0.0.1:$stopped'")" = false ] || fail "health() does not say which worker is down"
coord -c "SELECT r FROM jsonb_array_elements_text(railway.health() -> 'recommendations') r WHERE r LIKE 'Node %'" | grep -q "127.0.0.1:$stopped is unreachable" \
    || fail "health() recommends nothing about the worker that is down"
if coord -c 'SELECT count(*) FROM railway.find_conflicts()' 2>"$work/down.log"; then fail "find_conflicts() answered with a worker down"; fi
grep -q "railway.find_conflicts(): node 127.0.0.1:$stopped failed" "$work/down.log" || { cat "$work/down.log"; fail "find_conflicts() did not name the worker that is down"; }
echo "worker $stopped down: health() unhealthy naming it, find_conflicts() fails: $(head -n 1 "$work/down.log")"
echo "citus: all checks passed"
