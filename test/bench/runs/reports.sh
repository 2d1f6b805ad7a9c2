#!/usr/bin/env bash
# Benchmark of the reports on runs and of punctuality over the run history (issue 13), in one run:
#
#   bash test/bench/runs/reports.sh        # PG_CONFIG picks the PostgreSQL
#
# Data: RUNS runs (default 20,000,000) over two years, FROM 2024-11-15 to TO 2026-11-14 (730
# days, 25 monthly partitions made by railway.create_run_partitions): RUNS / 730 daily
# schedules (default 27,397) of trains that each run 10 of them a day (05:00 to 20:00, 60 to 90
# minutes, between 200 stations; 1% of the schedules cancelled), every schedule with one run a
# day. Delays of the actual arrival as in the analytics benchmark: 3% no actual time (a third of
# those cancelled runs), 67% between -2 and +4 minutes, 10% early by up to 10 minutes, 17% late
# (exponential, mean 15 minutes), 2.5% a long tail (mean 3 hours), 0.5% 24 to 72 hours late.
# The runs are written month by month with INSERT ... SELECT and the rules trigger off
# (session_replication_role = replica, as a restore writes them: the trigger is not what is
# measured here), each partition with its primary key and the conflict search's index; then VACUUM ANALYZE.
#
# Measured in one session (server-side clock_timestamp around each statement, serial plans,
# jit off), ROUNDS rounds (default 5) after a warm-up, the queries interleaved in each round:
#   - the four reports for a 30-day window (since = TO - 29 days: 2026-10-16, across two
#     monthly partitions), each against a bare count(*) over the same rows (run_date >= since);
#     goal: each report <= 1.5x the count; and, for reference, a floor: a GROUP BY run_date
#     that only counts the columns a report reads. pg_stat_xact_user_tables of one call of each
#     report shows which partitions it reads (the window's two and the empty default one);
#   - punctuality per train over the whole history, railway.punctuality(planned_arrival,
#     actual_arrival) GROUP BY train_id, against the plain SQL giving the same figures (count,
#     count FILTER, avg, percentile_disc(ARRAY[.5,.9,.95,.99]) over the whole delay minutes, max),
#     BIG_ROUNDS rounds (default 2); goal: >= 3x faster. The two agree on every train (checked).
#
# Uses the cluster of the PG* variables if one answers, else builds and installs the extension
# and starts a throwaway one (shared_buffers=1GB, work_mem=64MB, autovacuum off). Not part of the
# test command. Options (environment): RUNS, ROUNDS, BIG_ROUNDS, BENCH_DATABASE (default
# railway_bench_reports, dropped and recreated), KEEP=1 to keep the database and skip the
# generation when it already holds the runs (for a second measurement).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RAILWAY_ROOT=$(cd "$HERE/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"

RUNS=${RUNS:-20000000}
ROUNDS=${ROUNDS:-5}
BIG_ROUNDS=${BIG_ROUNDS:-2}
DB=${BENCH_DATABASE:-railway_bench_reports}
FROM=2024-11-15
TO=2026-11-14
SINCE=2026-10-16
SCHEDULES=$(( (RUNS + 729) / 730 ))

railway_bench_cluster -c shared_buffers=1GB -c work_mem=64MB -c autovacuum=off -c max_wal_size=8GB \
    -c checkpoint_timeout=1h -c max_parallel_workers_per_gather=0 -c jit=off
trap 'railway_bench_cluster_stop' EXIT
PSQL=("$(railway_pg_bin)/psql" -X -q -v ON_ERROR_STOP=1)

export PGDATABASE=$DB
if [ "${KEEP:-}" = 1 ] && [ "$("${PSQL[@]}" -At -c "SELECT count(*) FROM railway.runs" 2>/dev/null || echo 0)" -gt 0 ]; then
    railway_log "keeping the runs of database $DB"
else
    railway_fresh_database "$DB"
    railway_log "generating $SCHEDULES daily schedules and their runs from $FROM to $TO"
    start=$(date +%s)
    "${PSQL[@]}" -At <<SQL
SET client_min_messages = warning;
INSERT INTO railway.locations (name, code) SELECT 'Station ' || i, 'S' || i FROM generate_series(1, 200) i;
INSERT INTO railway.trains (train_number, type)
SELECT 'B' || i, (ARRAY['express', 'local', 'freight'])[1 + i % 3] FROM generate_series(1, ($SCHEDULES + 9) / 10) i;
-- Schedule i: train (i - 1) / 10 + 1, slot (i - 1) % 10 departing 05:00 + 100 minutes * slot.
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id, scheduled_departure,
                               scheduled_arrival, effective_start_date)
SELECT (i - 1) / 10 + 1, d, (d + i % 7) % 200 + 1,
       timestamp '$FROM 05:00' + ((i - 1) % 10) * interval '100 minutes',
       timestamp '$FROM 05:00' + ((i - 1) % 10) * interval '100 minutes' + (60 + i * 7 % 31) * interval '1 minute',
       '$FROM'
FROM generate_series(1, $SCHEDULES) i CROSS JOIN LATERAL (SELECT (i * 13) % 200 + 1 AS d) AS l;
UPDATE railway.schedules SET is_cancelled = true, status = 'cancelled' WHERE id % 100 = 0;
SELECT 'partitions: ' || count(*) FROM railway.create_run_partitions(24, '$FROM');
VACUUM ANALYZE railway.schedules, railway.trains, railway.locations;
SQL
    m=$FROM
    while [[ "$m" < "$TO" || "$m" == "$TO" ]]; do
        next=$(date -d "$(date -d "$m" +%Y-%m-01) + 1 month" +%F)
        last=$(date -d "$next - 1 day" +%F); [[ "$last" > "$TO" ]] && last=$TO
        "${PSQL[@]}" -At <<SQL
SET session_replication_role = replica;
INSERT INTO railway.runs (train_id, schedule_id, run_date, planned_departure, planned_arrival,
                          actual_departure, actual_arrival, status, kind)
SELECT train_id, schedule_id, run_date, dep, arr,
       dep + CASE WHEN delay < interval '0' THEN delay ELSE delay / 2 END,
       arr + delay,
       CASE WHEN delay IS NULL THEN CASE WHEN v < 0.33 THEN 'cancelled' ELSE 'scheduled' END
            WHEN delay > interval '5 minutes' THEN 'delayed' ELSE 'completed' END,
       'planned'
FROM (SELECT train_id, schedule_id, run_date, dep, arr, v,
             date_trunc('second', CASE WHEN u < 0.03 THEN NULL
                  WHEN u < 0.70 THEN -120 + v * 360
                  WHEN u < 0.80 THEN -600 * v
                  WHEN u < 0.97 THEN -900 * ln(1 - v)
                  WHEN u < 0.995 THEN -10800 * ln(1 - v)
                  ELSE 86400 + v * 172800 END * interval '1 second') AS delay
      FROM (SELECT s.train_id, s.id AS schedule_id, d::date AS run_date,
                   d::date + s.scheduled_departure::time AS dep,
                   d::date + s.scheduled_departure::time + (s.scheduled_arrival - s.scheduled_departure) AS arr,
                   random() AS u, random() AS v
            FROM generate_series(timestamp '$m', timestamp '$last', interval '1 day') AS d
            CROSS JOIN railway.schedules AS s
            ORDER BY d, s.id) AS g) AS r;
SQL
        echo "  $m .. $last loaded ($(( $(date +%s) - start )) s)"
        m=$next
    done
    railway_log "VACUUM ANALYZE railway.runs"
    "${PSQL[@]}" -c "VACUUM ANALYZE railway.runs"
    echo "generation: $(( $(date +%s) - start )) s"
fi

"${PSQL[@]}" -At <<SQL
SELECT 'runs: ' || (SELECT count(*) FROM railway.runs) || ' from ' || (SELECT min(run_date) FROM railway.runs)
       || ' to ' || (SELECT max(run_date) FROM railway.runs) || ', partitions: '
       || (SELECT count(*) FROM pg_inherits WHERE inhparent = 'railway.runs'::regclass) || ', '
       || (SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'railway.runs'::regclass)
       || ' with indexes; schedules: ' || (SELECT count(*) FROM railway.schedules)
       || ', trains: ' || (SELECT count(*) FROM railway.trains);
SELECT 'runs in the 30-day window from $SINCE: ' || count(*) FROM railway.runs WHERE run_date >= '$SINCE';
SQL

echo
echo "== Which partitions each report reads (pg_stat_xact_user_tables: the partitions of railway.runs scanned by one call)"
for report in schedule_overview train_utilization route_performance peak_hours; do
    scans=$("${PSQL[@]}" -At <<SQL
BEGIN;
SELECT count(*) FROM railway.$report('$SINCE') \g /dev/null
SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_stat_xact_user_tables
WHERE schemaname = 'railway' AND relname LIKE 'runs\_%' AND seq_scan + COALESCE(idx_scan, 0) > 0;
COMMIT;
SQL
)
    printf '  %-18s reads: %s\n' "$report" "$scans"
done
echo "  (native scan: railway.run_report_scan() = $("${PSQL[@]}" -At -c 'SELECT railway.run_report_scan()'))"

echo
echo "== Timings (ms, server side), $ROUNDS rounds after a warm-up, serial plans"
"${PSQL[@]}" -At <<SQL
CREATE TEMP TABLE timing (query text, round int, ms float8);
CREATE FUNCTION pg_temp.timed(q text) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; n bigint;
BEGIN
    t0 := clock_timestamp();
    EXECUTE q INTO n;
    RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END \$\$;
CREATE TEMP TABLE queries (ord int, name text, q text);
INSERT INTO queries VALUES
    (0, 'count(*) over the same rows', \$\$SELECT count(*) FROM railway.runs WHERE run_date >= '$SINCE'\$\$),
    (1, 'schedule_overview', \$\$SELECT count(x) FROM railway.schedule_overview('$SINCE') x\$\$),
    (2, 'train_utilization', \$\$SELECT count(x) FROM railway.train_utilization('$SINCE') x\$\$),
    (3, 'route_performance', \$\$SELECT count(x) FROM railway.route_performance('$SINCE') x\$\$),
    (4, 'peak_hours', \$\$SELECT count(x) FROM railway.peak_hours('$SINCE') x\$\$),
    (5, 'floor: GROUP BY run_date reading the columns', \$\$SELECT count(x) FROM (SELECT run_date, count(planned_arrival), count(actual_arrival), count(status) FROM railway.runs WHERE run_date >= '$SINCE' GROUP BY run_date) x\$\$);
SELECT pg_temp.timed(q) FROM queries ORDER BY ord \g /dev/null
DO \$\$
BEGIN
    FOR r IN 1 .. $ROUNDS LOOP
        INSERT INTO timing SELECT name, r, pg_temp.timed(q) FROM queries ORDER BY ord;
    END LOOP;
END \$\$;
WITH m AS (SELECT query, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med, min(ms) AS lo, max(ms) AS hi
           FROM timing GROUP BY query),
     base AS (SELECT med FROM m WHERE query = 'count(*) over the same rows')
SELECT format('  %s median %s ms (min %s, max %s)%s', rpad(m.query, 45), lpad(round(m.med::numeric, 1)::text, 8),
              round(m.lo::numeric, 1), round(m.hi::numeric, 1),
              CASE WHEN m.query <> 'count(*) over the same rows'
                   THEN format('   %sx the count (goal <= 1.5)%s', round((m.med / base.med)::numeric, 2),
                               CASE WHEN m.med / base.med <= 1.5 THEN '' ELSE ': MISSED' END) ELSE '' END)
FROM m, base ORDER BY (SELECT ord FROM queries q WHERE q.name = m.query);
-- Per round: each report against the count of the same round.
SELECT format('  round %s: %s', t.round, string_agg(format('%s %s', t.query, round((t.ms / c.ms)::numeric, 2)), ', ' ORDER BY q.ord))
FROM timing t JOIN timing c ON c.round = t.round AND c.query = 'count(*) over the same rows'
JOIN queries q ON q.name = t.query
WHERE t.query <> c.query GROUP BY t.round ORDER BY t.round;
SQL

[ "$BIG_ROUNDS" -gt 0 ] || exit 0
echo
echo "== punctuality per train over the whole history, $BIG_ROUNDS rounds"
"${PSQL[@]}" -At <<SQL
CREATE FUNCTION pg_temp.timed(q text) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; n bigint;
BEGIN
    t0 := clock_timestamp();
    EXECUTE q INTO n;
    RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END \$\$;
CREATE TEMP VIEW railway_q AS
SELECT train_id, railway.punctuality(planned_arrival, actual_arrival) AS p FROM railway.runs GROUP BY train_id;
-- The plain SQL: the same ten figures (delay minutes as railway counts them).
CREATE TEMP VIEW plain_q AS
SELECT train_id, count(planned_arrival) AS runs, count(actual_arrival) AS measured,
       count(*) FILTER (WHERE actual_arrival - planned_arrival <= interval '5 minutes') AS on_time,
       100.0 * count(*) FILTER (WHERE actual_arrival - planned_arrival <= interval '5 minutes')
             / nullif(count(actual_arrival), 0) AS on_time_pct,
       avg(extract(epoch FROM actual_arrival - planned_arrival)) / 60 AS avg_delay_min,
       percentile_disc(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP
           (ORDER BY floor(extract(epoch FROM actual_arrival - planned_arrival) / 60)) AS pct,
       max(floor(extract(epoch FROM actual_arrival - planned_arrival) / 60)) AS max_delay_min
FROM railway.runs GROUP BY train_id;
-- Same figures (on the first 100 trains, to keep the check short).
SELECT '  check: ' || CASE WHEN count(*) = (SELECT count(*) FROM railway.trains WHERE id <= 100) AND bool_and(
           (a.p).runs = b.runs AND (a.p).measured = b.measured AND (a.p).on_time = b.on_time
           AND abs((a.p).avg_delay_min - b.avg_delay_min) < 1e-9
           AND ARRAY[(a.p).p50_delay_min, (a.p).p90_delay_min, (a.p).p95_delay_min, (a.p).p99_delay_min]::numeric[] = b.pct
           AND (a.p).max_delay_min = b.max_delay_min)
       THEN 'railway.punctuality and the plain SQL agree on the first ' || count(*) || ' trains' ELSE 'THEY DIFFER' END
FROM (SELECT train_id, railway.punctuality(planned_arrival, actual_arrival) AS p FROM railway.runs
      WHERE train_id <= 100 GROUP BY train_id) a
JOIN (SELECT * FROM plain_q WHERE train_id <= 100) b USING (train_id);
CREATE TEMP TABLE big (query text, round int, ms float8);
SELECT pg_temp.timed('SELECT count(*) FROM railway.runs') \g /dev/null
DO \$\$
BEGIN
    FOR r IN 1 .. $BIG_ROUNDS LOOP
        INSERT INTO big VALUES ('railway.punctuality GROUP BY train_id', r, pg_temp.timed('SELECT count(x) FROM railway_q x'));
        INSERT INTO big VALUES ('plain SQL GROUP BY train_id', r, pg_temp.timed('SELECT count(x) FROM plain_q x'));
    END LOOP;
END \$\$;
SELECT format('  %s %s ms', rpad(query, 38), string_agg(round(ms)::text, ', ' ORDER BY round)) FROM big GROUP BY query ORDER BY query DESC;
WITH m AS (SELECT query, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med FROM big GROUP BY query)
SELECT format('  plain SQL / railway.punctuality = %s (medians; goal >= 3)%s', round((p.med / r.med)::numeric, 2),
              CASE WHEN p.med / r.med >= 3 THEN '' ELSE ': MISSED' END)
FROM m r, m p WHERE r.query LIKE 'railway%' AND p.query LIKE 'plain%';
SQL
