#!/usr/bin/env bash
# The analytics aggregates on a Citus cluster (issue 14, README "Citus"): with their state
# types, punctuality, operation_days, hourly_profile and weekday_profile run as partial
# aggregates on the workers and only their states reach the coordinator.
#   1. builds Citus once (test/lib/citus.sh) or skips, saying so; a coordinator and two
#      workers; the same 20,000 runs (test/bench/citus/generate.sql) distributed by train_id
#      and on the single server (PG*);
#   2. EXPLAIN VERBOSE on the coordinator, grouped by route (not the distribution column):
#      worker_partial_agg on the workers, coord_combine_agg on the coordinator, and the query
#      runs with citus.coordinator_aggregation_strategy = 'disabled' (no row gathering);
#   3. the results (grouped by route, by train, and not grouped) equal the single server's;
#   4. the bytes the workers send are at least 10 times fewer than the rows row-gather fetches.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/test/lib/common.sh"
source "$root/test/lib/citus.sh"

fail() { echo "FAILED: $*"; exit 1; }

rc=0
citus_build_install || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "SKIPPED: Citus cannot be built on this machine (see above); the Citus aggregate test did not run"
    exit 0
fi

single_host=${PGHOST:-} single_port=${PGPORT:-5432}
single_db=railway_citus_agg_single
single() { PGHOST=$single_host PGPORT=$single_port PGDATABASE=$single_db psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
PGHOST=$single_host PGPORT=$single_port psql -X -q -v ON_ERROR_STOP=1 -d postgres \
    -c "DROP DATABASE IF EXISTS $single_db" -c "CREATE DATABASE $single_db"
single -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION railway CASCADE'

work=$(mktemp -d /tmp/railway-citus-agg.XXXXXX)
cleanup() {
    citus_cluster_stop
    PGHOST=$single_host PGPORT=$single_port psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $single_db" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
citus_cluster_start 2 >"$work/start.log" 2>&1 || { cat "$work/start.log"; fail "the Citus cluster did not start"; }
coord() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${CITUS_PORTS[0]}" -d "$CITUS_DB" "$@"; }

# 1. The same runs on both.
coord -v rows=20000 -v routes=20 -v distributed=true -f "$root/test/bench/citus/generate.sql" >/dev/null
single -v rows=20000 -v routes=20 -f "$root/test/bench/citus/generate.sql" >/dev/null

aggregates="railway.punctuality(scheduled_arrival, actual_arrival) AS p,
            railway.punctuality(scheduled_arrival, actual_arrival, '2 minutes') AS p2,
            railway.operation_days(scheduled_arrival) AS days,
            railway.hourly_profile(actual_arrival) AS hours,
            railway.weekday_profile(running_days) AS weekdays"
by_route="SELECT route_id, $aggregates FROM bench_citus.runs GROUP BY route_id ORDER BY route_id"

# 2. The plan: partial aggregates on the workers, combined on the coordinator.
coord -c "EXPLAIN (VERBOSE, COSTS OFF) $by_route" >"$work/plan.txt"
for agg in punctuality operation_days hourly_profile weekday_profile; do
    grep -q "worker_partial_agg('railway.$agg(" "$work/plan.txt" \
        || { cat "$work/plan.txt"; fail "no worker_partial_agg for railway.$agg on the workers"; }
done
# The coordinator names the aggregates by oid: all five columns are combined there.
[ "$(grep -m 1 'Output: remote_scan.route_id, coord_combine_agg' "$work/plan.txt" | grep -o 'coord_combine_agg(' | wc -l)" = 5 ] \
    || { cat "$work/plan.txt"; fail "the coordinator does not combine the five partial states"; }
echo "plan: worker_partial_agg on the workers and coord_combine_agg on the coordinator for all four aggregates"
coord -c "SET citus.coordinator_aggregation_strategy = 'disabled'" -c "$by_route" >/dev/null \
    || fail "the aggregates need row gathering (coordinator_aggregation_strategy = 'disabled' fails)"

# 3. The same answers as the single server.
for query in "$by_route" \
             "SELECT train_id, $aggregates FROM bench_citus.runs GROUP BY train_id ORDER BY train_id" \
             "SELECT $aggregates FROM bench_citus.runs"; do
    coord -c "$query" >"$work/cluster.txt"
    single -c "$query" >"$work/single.txt"
    [ -s "$work/single.txt" ] || fail "no rows on the single server"
    diff -q "$work/cluster.txt" "$work/single.txt" >/dev/null \
        || { diff "$work/cluster.txt" "$work/single.txt" | head -n 10; fail "the cluster answers differently: $query"; }
done
echo "results: grouped by route, by train and not grouped, the same as on one server"

# 4. Bytes the workers send to the coordinator: the states, not the rows. EXPLAIN ANALYZE
#    cannot show it for a pushed-down custom aggregate (Citus 13.2 wraps the worker query in a
#    column list of type cstring, which PostgreSQL refuses), so the text the shards return is
#    measured on the shards: the partial query Citus sends (worker_partial_agg, as in the plan
#    above) against the rows that row-gather fetches (route, scheduled, actual).
shard_bytes() {  # shard_bytes <query over %s (a shard) returning one bigint>
    coord -c "SELECT sum(result::bigint) FROM run_command_on_shards('bench_citus.runs', \$q\$$1\$q\$)"
}
states=$(shard_bytes "SELECT coalesce(sum(octet_length(route_id::text) + octet_length(p::text)), 0) FROM (SELECT route_id, pg_catalog.worker_partial_agg('railway.punctuality(timestamp,timestamp)'::regprocedure, ROW(scheduled_arrival, actual_arrival)) AS p FROM %s GROUP BY route_id) AS s")
rows=$(shard_bytes "SELECT coalesce(sum(octet_length(route_id::text) + octet_length(scheduled_arrival::text) + coalesce(octet_length(actual_arrival::text), 0)), 0) FROM %s")
[ -n "$states" ] && [ "$states" -gt 0 ] && [ -n "$rows" ] || fail "could not measure the bytes on the shards"
echo "bytes to the coordinator, punctuality by route over 20,000 runs: $states (states) against $rows (rows)"
[ "$((states * 10))" -le "$rows" ] || fail "the states are not 10 times smaller than the rows"
# The same aggregate with an `internal` state (its 1.0 form) can only be row-gathered: same answer.
[ "$(coord -c "SET citus.coordinator_aggregation_strategy = 'row-gather'" -c "SELECT route_id, bench_citus.punctuality_internal(scheduled_arrival, actual_arrival) FROM bench_citus.runs GROUP BY route_id ORDER BY 1" | md5sum)" = \
  "$(coord -c "SELECT route_id, railway.punctuality(scheduled_arrival, actual_arrival) FROM bench_citus.runs GROUP BY route_id ORDER BY 1" | md5sum)" ] \
    || fail "row-gather and the pushed-down aggregate answer differently"
echo "citus aggregates: OK"
