#!/usr/bin/env bash
# Benchmark of recording actual times on runs (issue 13), measured in one run:
#
#   bash test/bench/runs/update.sh        # PG_CONFIG picks the PostgreSQL
#
# Data: the conflict benchmark's timetable (test/bench/conflicts/generate.sql) of SCHEDULES
# (default 10,000) schedules, and its runs of one year (2025-01-06 to 2026-01-05) planned with
# railway.plan_runs: about 1,000,000 runs. A copy of them in a table of the same shape without
# railway's rules (bench_runs_plain: partitioned the same way, the same indexes per partition:
# primary key, (schedule_id, run_date), (train_id, planned_departure, planned_arrival); no
# trigger, no CHECK constraint). Then, ROUNDS rounds (default 3), CHECKPOINT and VACUUM before
# each, the order rotated each round, the same UPDATE on each table: every run gets actual
# departure and arrival (planned + the round's delay) and status 'completed', i.e. what a day's
# recording does, on all of them at once. Prints each round, the medians and the ratio
# railway / plain (goal <= 1.5). The trigger validate_run takes its short path (actual times and
# status only: no schedule read, no conflict search).
#
# Uses the cluster of the PG* variables if one answers, else builds and installs the extension
# and starts a throwaway one. Not part of the test command. Options (environment): SCHEDULES,
# ROUNDS, BENCH_DATABASE (default railway_bench_runs_update, dropped and recreated).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RAILWAY_ROOT=$(cd "$HERE/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"

SCHEDULES=${SCHEDULES:-10000}
ROUNDS=${ROUNDS:-3}
DB=${BENCH_DATABASE:-railway_bench_runs_update}
FROM=2025-01-06
TO=2026-01-05

railway_bench_cluster -c shared_buffers=1GB -c autovacuum=off -c max_wal_size=8GB -c checkpoint_timeout=1h \
    -c max_parallel_workers_per_gather=0 -c jit=off
trap 'railway_bench_cluster_stop' EXIT
railway_fresh_database "$DB"
PSQL=("$(railway_pg_bin)/psql" -X -q -v ON_ERROR_STOP=1)

railway_log "loading $SCHEDULES schedules and planning a year of runs"
"${PSQL[@]}" -f "$RAILWAY_ROOT/test/bench/conflicts/generate.sql" >/dev/null
"${PSQL[@]}" -At <<SQL
SET client_min_messages = warning;
SELECT 'schedules loaded: ' || bench_load($SCHEDULES, 1, 0);
SELECT 'partitions: ' || count(*) FROM railway.create_run_partitions(12, '$FROM');
SELECT 'runs planned: ' || railway.plan_runs('$FROM', '$TO');
-- The same table without railway's rules: same partitions, same indexes, no trigger.
CREATE TABLE bench_runs_plain (LIKE railway.runs INCLUDING DEFAULTS) PARTITION BY RANGE (run_date);
DO \$\$
DECLARE m date;
BEGIN
    FOR i IN 0 .. 12 LOOP
        m := (date_trunc('month', DATE '$FROM') + make_interval(months => i))::date;
        EXECUTE format('CREATE TABLE %I PARTITION OF bench_runs_plain FOR VALUES FROM (%L) TO (%L)',
                       'plain_' || to_char(m, 'YYYY_MM'), m, (m + interval '1 month')::date);
        EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (schedule_id, run_date, train_id)', 'plain_' || to_char(m, 'YYYY_MM'));
        EXECUTE format('CREATE INDEX ON %I (train_id, planned_departure, planned_arrival)', 'plain_' || to_char(m, 'YYYY_MM'));
    END LOOP;
END \$\$;
INSERT INTO bench_runs_plain SELECT * FROM railway.runs;
VACUUM (FREEZE, ANALYZE) railway.runs, bench_runs_plain;
SELECT 'runs copied: ' || count(*) FROM bench_runs_plain;
SQL

timed() {
    "${PSQL[@]}" -At <<SQL
VACUUM railway.runs, bench_runs_plain;
CHECKPOINT;
SELECT clock_timestamp() AS t0 \gset
$1
SELECT round(extract(epoch FROM clock_timestamp() - :'t0')::numeric, 3);
SQL
}

declare -A seconds
variants=(railway plain)
for ((round = 0; round < ROUNDS; round++)); do
    delay="$((round + 1)) minutes"
    for ((k = 0; k < ${#variants[@]}; k++)); do
        v=${variants[$(((k + round) % ${#variants[@]}))]}
        table=railway.runs
        [ "$v" = plain ] && table=bench_runs_plain
        out=$(timed "UPDATE $table SET actual_departure = planned_departure + interval '$delay', actual_arrival = planned_arrival + interval '$delay', status = 'completed' \\g /dev/null")
        seconds[$v]="${seconds[$v]:-} $out"
        echo "round $((round + 1)) $v: ${out} s"
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
r=$(echo "${seconds[railway]}" | median)
p=$(echo "${seconds[plain]}" | median)
rows=$("${PSQL[@]}" -At -c "SELECT count(*) FROM railway.runs")
echo
echo "runs: $rows, medians of $ROUNDS rounds:"
printf '  railway.runs (rules)    %8.3f s\n' "$r"
printf '  plain copy (no rules)   %8.3f s\n' "$p"
printf '  railway / plain = %.2f (goal <= 1.5)\n' "$(echo "$r / $p" | bc -l)"
