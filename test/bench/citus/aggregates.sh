#!/usr/bin/env bash
# Benchmark of railway.punctuality on Citus (issue 14; figures in RESULTS.md next to this file
# and in README "Citus"). A coordinator and two workers (test/lib/citus.sh) hold
# bench_citus.runs (generate.sql: RAILWAY_BENCH_ROWS runs, default 10,000,000, 200 routes)
# distributed by train_id over 8 shards; a single server (a throwaway cluster) holds the same rows.
# Timed (median of RAILWAY_BENCH_REPEAT, default 3, after a warm-up), punctuality grouped by
# route (not the distribution column):
#   pushed down   railway.punctuality: worker_partial_agg on the workers, states combined on
#                 the coordinator;
#   row-gather    the same aggregate with an `internal` state (bench_citus.punctuality_internal,
#                 the 1.0 form), citus.coordinator_aggregation_strategy = 'row-gather': the
#                 workers send every row;
#   one server    railway.punctuality and punctuality_internal, serial plans.
# Bytes to the coordinator: "Tuple data received from nodes" of EXPLAIN ANALYZE for row-gather;
# for the pushed-down aggregate EXPLAIN ANALYZE fails in Citus 13.2 (worker_partial_agg returns
# cstring, which its EXPLAIN ANALYZE wrapper cannot declare), so the text the shards return is
# measured on the shards (the same method is shown for the rows too).
# Options: RAILWAY_BENCH_ROWS, RAILWAY_BENCH_REPEAT, PG_CONFIG.
set -euo pipefail

RAILWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
source "$RAILWAY_ROOT/test/lib/citus.sh"
rows=${RAILWAY_BENCH_ROWS:-10000000}
repeat=${RAILWAY_BENCH_REPEAT:-3}

railway_build_install
citus_build_install || { echo "SKIPPED: Citus cannot be built here"; exit 0; }
cleanup() { citus_cluster_stop; railway_cluster_stop; }
trap cleanup EXIT
railway_cluster_start -c shared_buffers=512MB -c max_parallel_workers_per_gather=0 -c jit=off -c work_mem=64MB >/dev/null
single_host=$PGHOST single_port=$PGPORT
single() { PGHOST=$single_host PGPORT=$single_port PGDATABASE=postgres psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
single -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION railway CASCADE'
citus_cluster_start 2 >/dev/null
coord() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${CITUS_PORTS[0]}" -d "$CITUS_DB" "$@"; }
for port in "${CITUS_PORTS[@]}"; do
    citus_psql "$port" -c "ALTER SYSTEM SET jit = off" -c "ALTER SYSTEM SET max_parallel_workers_per_gather = 0" \
        -c "SELECT pg_reload_conf()" >/dev/null
done

railway_log "generating $rows runs on the cluster (through the coordinator) and on one server"
start=$(date +%s)
coord -v rows="$rows" -v distributed=true -f "$RAILWAY_ROOT/test/bench/citus/generate.sql" >/dev/null
railway_log "cluster: $(($(date +%s) - start)) s"
start=$(date +%s)
single -v rows="$rows" -f "$RAILWAY_ROOT/test/bench/citus/generate.sql" >/dev/null
railway_log "one server: $(($(date +%s) - start)) s"

# time_query <label> <psql function> <settings> <sql>: median, min, max in ms.
time_query() {
    local label=$1 fn=$2 settings=$3 sql=$4 i
    {
        echo "$settings"
        echo "$sql;"
        echo '\timing on'
        for ((i = 0; i < repeat; i++)); do echo "$sql;"; done
    } | "$fn" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -n |
        awk -v label="$label" '
        { t[NR] = $1 } END { printf "%-48s median %10.1f ms   min %10.1f   max %10.1f\n", label, t[int((NR + 1) / 2)], t[1], t[NR] }'
}
by_route() { echo "SELECT route_id, $1(scheduled_arrival, actual_arrival) FROM bench_citus.runs GROUP BY route_id"; }

railway_log "punctuality grouped by route over $rows runs (median of $repeat)"
time_query "cluster, pushed down (railway.punctuality)" coord "" "$(by_route railway.punctuality)"
time_query "cluster, row-gather (internal state)" coord \
    "SET citus.coordinator_aggregation_strategy = 'row-gather';" "$(by_route bench_citus.punctuality_internal)"
time_query "one server, railway.punctuality" single "" "$(by_route railway.punctuality)"
time_query "one server, internal state (1.0 form)" single "" "$(by_route bench_citus.punctuality_internal)"

railway_log "bytes from the workers to the coordinator"
received=$(coord -c "SET citus.coordinator_aggregation_strategy = 'row-gather'" \
    -c "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) $(by_route bench_citus.punctuality_internal)" |
    sed -n 's/.*Tuple data received from nodes: \([0-9]*\) \([kMGT]*B\|bytes\).*/\1 \2/p' | head -n 1 |
    awk '{ m = $2 == "kB" ? 1024 : $2 == "MB" ? 1048576 : $2 == "GB" ? 1073741824 : 1; print $1 * m }')
shard_bytes() {
    coord -c "SELECT sum(result::bigint) FROM run_command_on_shards('bench_citus.runs', \$q\$$1\$q\$)"
}
states=$(shard_bytes "SELECT coalesce(sum(octet_length(route_id::text) + octet_length(p::text)), 0) FROM (SELECT route_id, pg_catalog.worker_partial_agg('railway.punctuality(timestamp,timestamp)'::regprocedure, ROW(scheduled_arrival, actual_arrival)) AS p FROM %s GROUP BY route_id) AS s")
row_text=$(shard_bytes "SELECT coalesce(sum(octet_length(route_id::text) + octet_length(scheduled_arrival::text) + coalesce(octet_length(actual_arrival::text), 0)), 0) FROM %s")
printf '%-48s %14s bytes (pg_size_pretty, rounded)\n' "row-gather: Tuple data received from nodes" "$received"
printf '%-48s %14s bytes\n' "row-gather: text of the rows on the shards" "$row_text"
printf '%-48s %14s bytes\n' "pushed down: text of the states on the shards" "$states"
awk -v r="$received" -v s="$states" 'BEGIN { printf "ratio rows received / states: %.0f x\n", r / s }'
