#!/usr/bin/env bash
# find_conflicts() on a Citus cluster (issue 14): time and bytes moved to the coordinator.
#
#   PG_CONFIG=... bash test/bench/citus/find_conflicts.sh    # railway installed in PG_CONFIG's PostgreSQL
#
# Builds or reuses Citus (test/lib/citus.sh), starts a coordinator and two workers, distributes
# railway, loads BENCH_SIZE (default 200000) schedules of test/bench/conflicts/generate.sql
# through the coordinator (validation bypassed: the generator writes conflicts in on purpose),
# and times `SELECT ... FROM railway.find_conflicts()` BENCH_RUNS times (default 3) after one
# warm-up. Bytes moved: what the coordinator's backend read during the call (rchar of
# /proc/self/io: the workers' answers; the coordinator's own heap is empty), and, for the rows
# (the gather path), "Tuple data received from nodes" of EXPLAIN ANALYZE of the query that reads
# every active schedule. Prints a Markdown section for test/bench/citus/RESULTS.md.
set -euo pipefail

RAILWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
source "$RAILWAY_ROOT/test/lib/citus.sh"
size=${BENCH_SIZE:-200000}
runs=${BENCH_RUNS:-3}

citus_build_install || { echo "Citus cannot be built here: no benchmark" >&2; exit 2; }
trap citus_cluster_stop EXIT
citus_cluster_start 2 >/dev/null
coord() { citus_psql "${CITUS_PORTS[0]}" -At "$@"; }

coord -c 'SELECT railway.distribute()' >/dev/null
coord -f "$RAILWAY_ROOT/test/bench/conflicts/generate.sql" >/dev/null
started=$(date +%s)
coord -v size="$size" >/dev/null <<'SQL'
SET citus.enable_unsafe_triggers = on;
ALTER TABLE railway.schedules DISABLE TRIGGER validate_schedule;
ALTER TABLE railway.schedules DROP CONSTRAINT schedules_no_overlapping_runs;
SET citus.multi_shard_modify_mode = sequential;
INSERT INTO railway.locations (name, code) SELECT * FROM bench_generate_locations();
INSERT INTO railway.trains (train_number, description, type) SELECT * FROM bench_generate_trains(:size);
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, actual_departure, actual_arrival, status,
        is_cancelled, running_days, effective_start_date, effective_end_date)
    SELECT * FROM bench_generate_schedules(:size);
VACUUM ANALYZE railway.schedules;
-- The bytes this backend has read (sockets included) and the clock, for the timings below.
CREATE FUNCTION bench_rchar() RETURNS bigint LANGUAGE sql
    RETURN substring(pg_read_file('/proc/self/io') FROM 'rchar: (\d+)')::bigint;
CREATE TABLE bench_find_conflicts (run int, ms float8, bytes bigint, answer text);
CREATE FUNCTION bench_measure(runs int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; b0 bigint; b1 bigint; a text;
BEGIN
    FOR r IN 0 .. runs LOOP
        b0 := bench_rchar(); t0 := clock_timestamp();
        SELECT count(*) || ' pairs, md5 ' || md5(string_agg(f::text, ',' ORDER BY f.schedule_id, f.other_schedule_id))
        INTO a FROM railway.find_conflicts() f;
        b1 := bench_rchar();
        IF r > 0 THEN
            INSERT INTO bench_find_conflicts VALUES (r, extract(epoch FROM clock_timestamp() - t0) * 1000, b1 - b0, a);
        END IF;
    END LOOP;
END $$;
SQL
loaded=$(( $(date +%s) - started ))
n=$(coord -c 'SELECT count(*) FROM railway.schedules')
shards=$(coord -c "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'railway.schedules'::regclass")
coord -c "SELECT bench_measure($runs)" >/dev/null
gathered=$(coord -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
    SELECT id, train_id, scheduled_departure, scheduled_arrival, running_days, effective_start_date,
           effective_end_date, train_kind FROM railway.schedules
    WHERE NOT is_cancelled AND status <> 'cancelled'" | grep -m1 'Tuple data received from nodes' | sed 's/.*: //')
pushdown=$(coord -c "SELECT CASE WHEN to_regprocedure('railway.find_conflicts_in_shard(regclass)') IS NULL THEN 'n/a (no railway.find_conflicts_in_shard)'
    ELSE (SELECT sum(octet_length(result)) || ' bytes' FROM run_command_on_shards('railway.schedules',
          'SELECT railway.find_conflicts_in_shard(''%s''::pg_catalog.regclass)')) END")

echo
echo "### find_conflicts() on the cluster, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores (shared), railway $(git -C "$RAILWAY_ROOT" rev-parse --short HEAD)"
echo
echo "$n schedules (generate.sql, $size) over $shards shards on 2 workers (loaded in ${loaded} s); median of $runs runs:"
echo
coord -c "SELECT format('- time %s ms (runs: %s), bytes read by the coordinator backend %s (median), answer: %s',
    round((percentile_disc(0.5) WITHIN GROUP (ORDER BY ms))::numeric, 1),
    string_agg(round(ms::numeric)::text, ', ' ORDER BY run),
    pg_size_pretty(percentile_disc(0.5) WITHIN GROUP (ORDER BY bytes)),
    string_agg(DISTINCT answer, ' / ')) FROM bench_find_conflicts"
echo "- every active schedule through the distributed query (the gather path): tuple data received from nodes $gathered"
echo "- the shards' answers of railway.find_conflicts_in_shard: $pushdown"
