#!/usr/bin/env bash
# Benchmark of the analytics aggregates and reports (README "Analytics: performance").
# Builds and installs the extension, starts a throwaway cluster, generates the data of
# generate.sql, then times each query RAILWAY_BENCH_REPEAT times (default 3, after one warm-up
# run) and prints the median, the min and the max in milliseconds, then the peak memory of the
# aggregate states at 100,000 and at all rows.
# Options: RAILWAY_BENCH_ROWS (default 10000000), RAILWAY_BENCH_REPEAT (default 3),
# PG_CONFIG (the PostgreSQL to build for and run).
# Serial plans (max_parallel_workers_per_gather = 0) and jit = off, so that figures compare the
# work of the aggregates and not the scheduling of workers or JIT compilation.
set -euo pipefail

RAILWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
rows=${RAILWAY_BENCH_ROWS:-10000000}
repeat=${RAILWAY_BENCH_REPEAT:-3}

railway_build_install
trap railway_cluster_stop EXIT
railway_cluster_start -c shared_buffers=1GB -c max_parallel_workers_per_gather=0 -c jit=off \
    -c work_mem=64MB
export PGDATABASE=postgres
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION railway CASCADE' >/dev/null 2>&1
railway_log "generating $rows runs and the timetable"
psql -X -q -v ON_ERROR_STOP=1 -v rows="$rows" -f "$RAILWAY_ROOT/test/bench/analytics/generate.sql"

# time_query <label> <sql>: in one session (the first query of a session also pays for loading
# caches), one warm-up run, then $repeat timed runs; prints the median, min and max.
time_query() {
    local label=$1 sql=$2 i
    {
        echo "$sql;"
        echo '\timing on'
        for ((i = 0; i < repeat; i++)); do echo "$sql;"; done
    } | psql -X -q -v ON_ERROR_STOP=1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -n |
        awk -v label="$label" '
        { t[NR] = $1 } END { printf "%-44s median %10.1f ms   min %10.1f   max %10.1f\n", label, t[int((NR + 1) / 2)], t[1], t[NR] }'
}

railway_log "timings over $rows runs (median of $repeat)"
time_query "bare count(scheduled), count(actual)" \
    "SELECT count(scheduled_arrival), count(actual_arrival) FROM bench.runs"
time_query "railway.punctuality" \
    "SELECT railway.punctuality(scheduled_arrival, actual_arrival) FROM bench.runs"
time_query "plain SQL punctuality" \
    "SELECT count(scheduled_arrival), count(actual_arrival),
            count(*) FILTER (WHERE actual_arrival - scheduled_arrival <= interval '5 minutes'),
            100.0 * count(*) FILTER (WHERE actual_arrival - scheduled_arrival <= interval '5 minutes') / nullif(count(actual_arrival), 0),
            avg(date_part('epoch', actual_arrival - scheduled_arrival)) / 60,
            percentile_disc(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY floor(date_part('epoch', actual_arrival - scheduled_arrival) / 60)),
            max(floor(date_part('epoch', actual_arrival - scheduled_arrival) / 60))
     FROM bench.runs"
time_query "railway.operation_days" \
    "SELECT railway.operation_days(scheduled_arrival) FROM bench.runs"
time_query "COUNT(DISTINCT DATE(scheduled))" \
    "SELECT count(DISTINCT DATE(scheduled_arrival)) FROM bench.runs"
time_query "railway.punctuality per train (5000 groups)" \
    "SELECT train_id, railway.punctuality(scheduled_arrival, actual_arrival) FROM bench.runs GROUP BY train_id"
time_query "plain SQL punctuality per train" \
    "SELECT train_id, count(scheduled_arrival), count(actual_arrival),
            count(*) FILTER (WHERE actual_arrival - scheduled_arrival <= interval '5 minutes'),
            avg(date_part('epoch', actual_arrival - scheduled_arrival)) / 60,
            percentile_disc(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY floor(date_part('epoch', actual_arrival - scheduled_arrival) / 60)),
            max(floor(date_part('epoch', actual_arrival - scheduled_arrival) / 60))
     FROM bench.runs GROUP BY train_id"

railway_log "reports over the timetable (default since: the last 30 days)"
time_query "railway.schedule_overview()" "SELECT * FROM railway.schedule_overview()"
time_query "guide: schedule overview" \
    "SELECT DATE(scheduled_departure) AS date, COUNT(*) AS total_schedules,
            COUNT(CASE WHEN status = 'completed' THEN 1 END) AS completed,
            COUNT(CASE WHEN status = 'delayed' THEN 1 END) AS delayed,
            COUNT(CASE WHEN status = 'cancelled' THEN 1 END) AS cancelled,
            AVG(CASE WHEN actual_arrival IS NOT NULL THEN EXTRACT(EPOCH FROM (actual_arrival - scheduled_arrival))/60 ELSE 0 END) AS avg_delay_minutes
     FROM railway.schedules WHERE scheduled_departure >= CURRENT_DATE - INTERVAL '30 days'
     GROUP BY DATE(scheduled_departure) ORDER BY date DESC"
time_query "railway.train_utilization()" "SELECT * FROM railway.train_utilization()"
time_query "guide: train utilization" \
    "SELECT t.train_number, t.type, COUNT(s.id) AS total_trips,
            COUNT(DISTINCT DATE(s.scheduled_departure)) AS operation_days,
            AVG(EXTRACT(EPOCH FROM (s.scheduled_arrival - s.scheduled_departure))/60) AS avg_trip_duration_minutes
     FROM railway.trains t
     LEFT JOIN railway.schedules s ON t.id = s.train_id AND s.scheduled_departure >= CURRENT_DATE - INTERVAL '30 days'
     GROUP BY t.id, t.train_number, t.type ORDER BY total_trips DESC"
time_query "railway.route_performance()" "SELECT * FROM railway.route_performance()"
time_query "guide: route performance" \
    "SELECT dl.name AS departure_location, dl.code AS departure_code, al.name AS arrival_location, al.code AS arrival_code,
            COUNT(*) AS total_trips,
            AVG(CASE WHEN s.actual_arrival IS NOT NULL THEN EXTRACT(EPOCH FROM (s.actual_arrival - s.scheduled_arrival))/60 ELSE 0 END) AS avg_delay_minutes,
            COUNT(CASE WHEN s.actual_arrival <= s.scheduled_arrival + INTERVAL '5 minutes' THEN 1 END) * 100.0 / COUNT(*) AS on_time_percentage
     FROM railway.schedules s
     JOIN railway.locations dl ON s.departure_location_id = dl.id
     JOIN railway.locations al ON s.arrival_location_id = al.id
     WHERE s.scheduled_departure >= CURRENT_DATE - INTERVAL '30 days'
     GROUP BY dl.id, dl.name, dl.code, al.id, al.name, al.code ORDER BY total_trips DESC"
time_query "railway.peak_hours()" "SELECT * FROM railway.peak_hours()"
time_query "guide: peak hours" \
    "SELECT EXTRACT(HOUR FROM scheduled_departure) AS hour, COUNT(*) AS departures
     FROM railway.schedules WHERE scheduled_departure >= CURRENT_DATE - INTERVAL '30 days'
     GROUP BY EXTRACT(HOUR FROM scheduled_departure) ORDER BY hour"

# Peak memory: one group in a HashAggregate, whose "Memory Usage" is the peak memory of its
# hash table including the aggregate states (which live in its memory context).
railway_log "peak memory of the aggregate states (HashAggregate Memory Usage, one group)"
for n in 100000 "$rows"; do
    for agg in "railway.punctuality(scheduled_arrival, actual_arrival)" "railway.operation_days(scheduled_arrival)" \
               "count(scheduled_arrival)"; do
        mem=$(psql -X -q -At -c "SET enable_sort = off" -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF)
              SELECT $agg FROM (SELECT * FROM bench.runs LIMIT $n) AS r GROUP BY scheduled_arrival IS NOT NULL" |
              grep -o 'Memory Usage: [0-9]*kB' | head -n 1)
        printf '%-10s rows  %-58s %s\n' "$n" "$agg" "$mem"
    done
done
