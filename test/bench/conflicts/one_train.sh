#!/usr/bin/env bash
# The one-train conflict benchmark (issue 11): railway.find_conflicts() on one train with many
# schedules that never conflict, the shapes that made the old sweep (weekly footprints only)
# quadratic:
#   distinct_dates     20,000 one-day services on consecutive dates, 08:00-09:00
#   same_weekdays      20,000 one-day services on Mondays and Tuesdays across 190 years, 00:30-23:30
#   seasons            5,000 daily services of disjoint three-week seasons, 06:00-20:00
#   times_of_day       3,000 open-ended daily services at distinct times of day (10 s every 20 s)
#
#   bash test/bench/conflicts/one_train.sh     # the cluster of PGHOST/PGPORT if one answers,
#                                              # else builds, installs and starts a throwaway one
#
# Prints, per shape, the median wall time of BENCH_RUNS (default 3) calls of find_conflicts()
# (whole table) and find_conflicts(train), after one warm-up call. Takes under a minute.
# Before (commit db80606, the footprint-only sweep): distinct_dates 4,246 ms (3,663 ms for the
# train), same_weekdays 11,049 ms; after: about 10 ms each (test/bench/conflicts/RESULTS.md).
set -euo pipefail
RAILWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
runs=${BENCH_RUNS:-3}

railway_bench_cluster
trap 'railway_bench_cluster_stop' EXIT
railway_fresh_database railway_bench_one_train
PSQL=("$(railway_pg_bin)/psql" -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -c "INSERT INTO railway.locations (name, code) VALUES ('A', 'A'), ('B', 'B')" \
    -c "INSERT INTO railway.trains (train_number) VALUES ('ONE')"

declare -A shapes=(
    [distinct_dates]="SELECT d + time '08:00', d + time '09:00', d, d
        FROM generate_series(date '2000-01-01', date '2000-01-01' + 19999, interval '1 day') AS g(d)"
    [same_weekdays]="SELECT d + time '00:30', d + time '23:30', d, d FROM generate_series(0, 19999) AS i,
        LATERAL (SELECT date '1900-01-01' + (i / 2) * 7 + (i % 2) AS d) y"
    [seasons]="SELECT d + time '06:00', d + time '20:00', d, d + 20 FROM generate_series(0, 4999) AS i,
        LATERAL (SELECT date '2000-01-03' + 21 * i AS d) y"
    [times_of_day]="SELECT timestamp '2024-01-01' + make_interval(secs => 20 * i),
        timestamp '2024-01-01' + make_interval(secs => 20 * i + 10), timestamp '-infinity', NULL::timestamp
        FROM generate_series(0, 2999) AS i"
)
printf '%-16s %8s %14s %14s\n' shape rows all_trains_ms one_train_ms
for shape in distinct_dates same_weekdays seasons times_of_day; do
    "${PSQL[@]}" -c "TRUNCATE railway.schedules CASCADE" -c "
        INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
            scheduled_departure, scheduled_arrival, effective_start_date, effective_end_date)
        SELECT 1, 1, 2, dep, arr, s, e FROM (${shapes[$shape]}) AS x(dep, arr, s, e)" \
        -c "VACUUM ANALYZE railway.schedules"
    PGOPTIONS="-c bench.runs=$runs" "${PSQL[@]}" -At -v shape="$shape" <<'SQL'
CREATE TEMP TABLE t (which text, ms float8);
DO $$
DECLARE started timestamptz; n bigint;
BEGIN
    PERFORM count(*) FROM railway.find_conflicts();  -- warm-up
    FOR i IN 1 .. current_setting('bench.runs')::int LOOP
        started := clock_timestamp();
        SELECT count(*) INTO n FROM railway.find_conflicts();
        INSERT INTO t VALUES ('all', 1000 * extract(epoch FROM clock_timestamp() - started));
        IF n <> 0 THEN RAISE EXCEPTION 'unexpected conflicts: %', n; END IF;
        started := clock_timestamp();
        SELECT count(*) INTO n FROM railway.find_conflicts(1);
        INSERT INTO t VALUES ('one', 1000 * extract(epoch FROM clock_timestamp() - started));
    END LOOP;
END $$;
SELECT format('%-16s %8s %14s %14s', :'shape', (SELECT count(*) FROM railway.schedules),
              round((SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ms) FROM t WHERE which = 'all')::numeric, 1),
              round((SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ms) FROM t WHERE which = 'one')::numeric, 1));
SQL
done
"${PSQL[@]}" -d postgres -c "DROP DATABASE railway_bench_one_train"
