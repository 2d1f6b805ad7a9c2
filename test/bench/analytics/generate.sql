-- Benchmark data for the analytics aggregates and reports (test/bench/analytics/run.sh).
-- psql variables: rows (run rows, default 10000000), trains (default 5000), days (default 40).
--
-- bench.runs: one row per run of a service, scheduled arrivals every 9 seconds from 2022-01-01
-- (10,000,000 rows span 2.9 years), with the delays of a real network:
--   3 %    no actual arrival (not yet reported, cancelled)
--   67 %   on time or nearly: about -2 to +4 minutes, mean ~0.5 minute
--   10 %   early: up to 10 minutes
--   17 %   late: exponential, mean 15 minutes
--   2.5 %  long tail: exponential, mean 3 hours
--   0.5 %  over a day: 24 to 72 hours
-- railway.schedules: `trains` trains running once a day for the last `days` days (one-day
-- services, so no two schedules of a train conflict) between 400 stations, with actual
-- times of the same distribution (rows of the last day mostly not yet arrived).
\if :{?rows} \else \set rows 10000000 \endif
\if :{?trains} \else \set trains 5000 \endif
\if :{?days} \else \set days 40 \endif

SELECT setseed(0.42);
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

-- A delay in seconds drawn from the distribution above; NULL for no actual time.
CREATE FUNCTION bench.delay_seconds(u float8, v float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE
    WHEN u < 0.03 THEN NULL
    WHEN u < 0.70 THEN (v - 0.35) * 360 + 30 * sin(u * 1000)
    WHEN u < 0.80 THEN -600 * v
    WHEN u < 0.97 THEN -ln(1 - v) * 900
    WHEN u < 0.995 THEN -ln(1 - v) * 10800
    ELSE 86400 + v * 172800 END
$$;

CREATE TABLE bench.runs (
    train_id integer NOT NULL,
    scheduled_arrival timestamp NOT NULL,
    actual_arrival timestamp
) WITH (autovacuum_enabled = off);
INSERT INTO bench.runs
SELECT 1 + i % :trains, s, s + make_interval(secs => bench.delay_seconds(random(), random()))
FROM generate_series(1, :rows) AS i,
     LATERAL (SELECT timestamp '2022-01-01' + i * interval '9 seconds') AS t(s);
VACUUM (FREEZE, ANALYZE) bench.runs;

-- The timetable for the reports.
ALTER TABLE railway.schedules DISABLE TRIGGER USER;
TRUNCATE railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
INSERT INTO railway.locations (name, code)
SELECT 'Station ' || i, 'S' || i FROM generate_series(1, 400) AS i;
INSERT INTO railway.trains (train_number, type)
SELECT (10000 + i)::text, (ARRAY['express', 'local', 'local', 'freight', 'special'])[1 + i % 5]
FROM generate_series(1, :trains) AS i;
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival, actual_departure, actual_arrival,
                               status, is_cancelled, effective_start_date, effective_end_date)
SELECT t, dep, 1 + (dep + 1 + t % 37) % 400, sd, sd + duration,
       CASE WHEN delay IS NOT NULL THEN sd + make_interval(secs => greatest(delay, 0) / 2) END,
       CASE WHEN delay IS NOT NULL THEN sd + duration + make_interval(secs => delay) END,
       CASE WHEN delay IS NULL AND d % 7 = 0 THEN 'cancelled'
            WHEN delay IS NULL THEN 'running'
            WHEN delay > 300 THEN 'delayed' ELSE 'completed' END,
       delay IS NULL AND d % 7 = 0, sd::date, sd::date
FROM generate_series(1, :trains) AS t,
     generate_series(1, :days) AS d,
     LATERAL (SELECT 1 + (t * 7) % 400 AS dep,
                     CURRENT_DATE - d + make_interval(mins => (t * 37) % 1440) AS sd,
                     make_interval(mins => 20 + (t * 13) % 600) AS duration,
                     bench.delay_seconds(CASE WHEN d = 1 THEN random() / 3 ELSE random() END, random()) AS delay) AS x;
ALTER TABLE railway.schedules ENABLE TRIGGER USER;
-- Each one-day schedule's one run, with its actual times and status: since 1.1 the reports
-- count runs, so they see the rows the guide's queries read in the schedules.
SELECT count(*) AS run_partitions FROM railway.create_run_partitions(2, (CURRENT_DATE - :days)::date) \g /dev/null
SET session_replication_role = replica;
INSERT INTO railway.runs (train_id, schedule_id, run_date, planned_departure, planned_arrival,
                          actual_departure, actual_arrival, status)
SELECT train_id, id, scheduled_departure::date, scheduled_departure, scheduled_arrival,
       actual_departure, actual_arrival, status
FROM railway.schedules;
RESET session_replication_role;
VACUUM (ANALYZE) railway.schedules, railway.trains, railway.locations, railway.runs;

SELECT (SELECT count(*) FROM bench.runs) AS runs,
       (SELECT pg_size_pretty(pg_table_size('bench.runs'))) AS runs_size,
       (SELECT count(*) FROM railway.schedules) AS schedules,
       (SELECT count(*) FROM railway.schedules WHERE scheduled_departure >= CURRENT_DATE - interval '30 days') AS schedules_last_30_days;
