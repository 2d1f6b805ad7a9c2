#!/usr/bin/env bash
# Benchmark of railway.plan_runs (issue 13), measured in one run:
#
#   bash test/bench/runs/plan_runs.sh        # PG_CONFIG picks the PostgreSQL
#
# Data: the conflict benchmark's timetable (test/bench/conflicts/generate.sql) of SCHEDULES
# (default 20,000) schedules, loaded without its deliberate conflicts (conflict_rate 0, so the
# validation trigger accepts every row), and the monthly partitions of railway.runs for the
# window. The window is one year, 2025-01-06 to 2026-01-05 (the generator's dates start on
# 2025-01-06). Three ways to write the same runs into the same, empty railway.runs (its rules
# trigger, primary keys and indexes), ROUNDS rounds (default 3), CHECKPOINT before each, the order
# rotated each round:
#   plan_runs  SELECT railway.plan_runs(from, to): the core enumerates each pattern's dates, the
#              boundary inserts them in batches of 20,000 (INSERT ... SELECT FROM unnest(arrays)
#              ON CONFLICT DO NOTHING);
#   sql        a plain SQL INSERT ... SELECT over generate_series per schedule, filtered by
#              running_days[isodow], ON CONFLICT DO NOTHING (what one would write without railway);
#   copy       COPY of the same rows (exported once to a file) into the table: the cost of
#              writing them, the physical limit.
# After each variant the stored runs are compared (count and md5 of every row in key order)
# with plan_runs' (non-zero exit when they differ), then TRUNCATE railway.runs. Prints each
# round, the medians and the ratios sql/plan_runs (goal >= 3) and plan_runs/copy (goal <= 1.5).
#
# Uses the cluster of the PG* variables if one answers, else builds and installs the extension
# and starts a throwaway one (shared_buffers=1GB, autovacuum off). Not part of the test command.
# Options (environment): SCHEDULES, ROUNDS, BENCH_DATABASE (default railway_bench_runs, dropped and
# recreated).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RAILWAY_ROOT=$(cd "$HERE/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"

SCHEDULES=${SCHEDULES:-20000}
ROUNDS=${ROUNDS:-3}
DB=${BENCH_DATABASE:-railway_bench_runs}
FROM=2025-01-06
TO=2026-01-05

railway_bench_cluster -c shared_buffers=1GB -c autovacuum=off -c max_wal_size=8GB -c checkpoint_timeout=1h \
    -c max_parallel_workers_per_gather=0 -c jit=off
trap 'railway_bench_cluster_stop' EXIT
railway_fresh_database "$DB"
PSQL=("$(railway_pg_bin)/psql" -X -q -v ON_ERROR_STOP=1)
export_file=$(mktemp /tmp/railway-runs-bench.XXXXXX)
chmod 644 "$export_file"
[ "$(id -u)" -eq 0 ] && chown postgres: "$export_file"
trap 'rm -f "$export_file"; railway_bench_cluster_stop' EXIT

railway_log "loading $SCHEDULES schedules"
"${PSQL[@]}" -f "$RAILWAY_ROOT/test/bench/conflicts/generate.sql" >/dev/null
"${PSQL[@]}" -At <<SQL
SET client_min_messages = warning;
SELECT 'schedules loaded: ' || bench_load($SCHEDULES, 1, 0);
SELECT 'active: ' || count(*) FROM railway.schedules WHERE NOT is_cancelled AND status <> 'cancelled';
SELECT 'partitions: ' || count(*) FROM railway.create_run_partitions(12, '$FROM');
VACUUM (FREEZE, ANALYZE) railway.schedules, railway.trains;
-- The plain SQL: one row per (active schedule, departure date in the window).
CREATE FUNCTION bench_plain_sql() RETURNS bigint LANGUAGE sql AS \$\$
    WITH ins AS (
        INSERT INTO railway.runs (schedule_id, run_date, train_id, planned_departure, planned_arrival)
        SELECT s.id, d::date, s.train_id, d::date + s.scheduled_departure::time,
               d::date + s.scheduled_departure::time + (s.scheduled_arrival - s.scheduled_departure)
        FROM railway.schedules s
        CROSS JOIN LATERAL generate_series(greatest(s.effective_start_date::date, DATE '$FROM'),
                                           least(coalesce(s.effective_end_date::date, DATE '$TO'), DATE '$TO'),
                                           interval '1 day') AS d
        WHERE NOT s.is_cancelled AND s.status <> 'cancelled'
          AND s.running_days[extract(isodow FROM d)::int]
        ON CONFLICT DO NOTHING
        RETURNING 1)
    SELECT count(*) FROM ins
\$\$;
SQL

fingerprint() {
    "${PSQL[@]}" -At -c "SELECT count(*) || ' ' || md5(string_agg(r::text, ';' ORDER BY schedule_id, run_date)) FROM railway.runs r"
}
# Seconds of one statement, measured by the server (clock_timestamp around it in one session).
timed() {
    "${PSQL[@]}" -At <<SQL
CHECKPOINT;
SELECT clock_timestamp() AS t0 \gset
$1
SELECT round(extract(epoch FROM clock_timestamp() - :'t0')::numeric, 3);
SQL
}

# Reference rows: plan_runs once, exported for COPY.
"${PSQL[@]}" -c "TRUNCATE railway.runs" -c "SELECT railway.plan_runs('$FROM', '$TO')" >/dev/null
reference=$(fingerprint)
"${PSQL[@]}" -c "COPY (SELECT train_id, schedule_id, run_date, planned_departure, planned_arrival, actual_departure, actual_arrival, status, kind FROM railway.runs) TO '$export_file'"
railway_log "runs per call: ${reference%% *}"

declare -A seconds
variants=(plan_runs sql copy)
for ((round = 0; round < ROUNDS; round++)); do
    for ((k = 0; k < ${#variants[@]}; k++)); do
        v=${variants[$(((k + round) % ${#variants[@]}))]}
        "${PSQL[@]}" -c "TRUNCATE railway.runs"
        case $v in
            plan_runs) out=$(timed "SELECT railway.plan_runs('$FROM', '$TO') \\g /dev/null") ;;
            sql) out=$(timed "SELECT bench_plain_sql() \\g /dev/null") ;;
            copy) out=$(timed "COPY railway.runs (train_id, schedule_id, run_date, planned_departure, planned_arrival, actual_departure, actual_arrival, status, kind) FROM '$export_file';") ;;
        esac
        got=$(fingerprint)
        if [ "$got" != "$reference" ]; then echo "variant $v stored other runs: $got, expected $reference" >&2; exit 1; fi
        seconds[$v]="${seconds[$v]:-} $out"
        echo "round $((round + 1)) $v: ${out} s"
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
p=$(echo "${seconds[plan_runs]}" | median)
s=$(echo "${seconds[sql]}" | median)
c=$(echo "${seconds[copy]}" | median)
rows=${reference%% *}
echo
echo "runs: $rows (one year of $SCHEDULES schedules), medians of $ROUNDS rounds:"
printf '  plan_runs %8.3f s  (%.0f runs/s)\n' "$p" "$(echo "$rows / $p" | bc -l)"
printf '  plain SQL %8.3f s\n' "$s"
printf '  COPY      %8.3f s\n' "$c"
printf '  plain SQL / plan_runs = %.2f (goal >= 3)\n' "$(echo "$s / $p" | bc -l)"
printf '  plan_runs / COPY      = %.2f (goal <= 1.5)\n' "$(echo "$p / $c" | bc -l)"
