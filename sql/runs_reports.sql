-- The reports on runs (issue 13, README "Reports" and "The morning questions"): one run per
-- (schedule, run date) from the date of `since` on; trips and operation days from the runs,
-- punctuality from their actual times (actual_arrival - planned_arrival), cancelled = the run
-- or its schedule cancelled; a report reads only the partitions of its window; the README's
-- morning queries.

SET DateStyle = ISO;

INSERT INTO railway.locations (id, name, code) VALUES (1, 'Alpha', 'A'), (2, 'Bravo', 'B'), (3, 'Charlie', 'C');
INSERT INTO railway.trains (id, train_number, type) VALUES (1, 'T1', 'express'), (2, 'T2', 'local'), (3, 'T3', 'freight');
-- 1: T1 A -> B daily 08:00-09:00 from Thursday 2025-02-27; 2: T2 B -> C weekdays 17:30-18:15
-- from Monday 2025-03-03; 3: T1 B -> A Fridays and Saturdays 23:30-00:30 (overnight) from
-- 2025-03-07; 4: T2 C -> A daily 12:00-13:00 from 2025-03-03 (cancelled later); all until
-- Sunday 2025-03-09. T3 has none.
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
                               scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (1, 1, 1, 2, '2025-02-27 08:00', '2025-02-27 09:00', '{t,t,t,t,t,t,t}', '2025-02-27', '2025-03-09'),
       (2, 2, 2, 3, '2025-03-03 17:30', '2025-03-03 18:15', '{t,t,t,t,t,f,f}', '2025-03-03', '2025-03-09'),
       (3, 1, 2, 1, '2025-03-07 23:30', '2025-03-08 00:30', '{f,f,f,f,t,t,f}', '2025-03-07', '2025-03-09'),
       (4, 2, 3, 1, '2025-03-03 12:00', '2025-03-03 13:00', '{t,t,t,t,t,t,t}', '2025-03-03', '2025-03-09');
SELECT * FROM railway.create_run_partitions(2, '2025-02-01');
-- Schedule 1: 11 runs (4 before the week of 2025-03-03), 2: 5, 3: 2, 4: 7.
SELECT railway.plan_runs('2025-02-27', '2025-03-09') AS planned;

-- 1. A fresh report on planned runs without actual times: trips, operation days and planned
-- durations, NULL punctuality. T1: 7 + 2 runs on 7 dates, 60 minutes each; T2: 5 of 45
-- minutes and 7 of 60 on 7 dates.
SELECT * FROM railway.train_utilization('2025-03-03');
SELECT * FROM railway.schedule_overview('2025-03-03');
SELECT * FROM railway.route_performance('2025-03-03');
SELECT * FROM railway.peak_hours('2025-03-03') WHERE departures > 0 OR arrivals > 0;

-- 2. A week of operations. Delays of the arrivals in minutes: schedule 1: 2, 0, 10, -1 (a
-- retimed run, measured against its retiming), 30, none (running), 5; and 120 on Sunday
-- 2025-03-02, before the week; schedule 2: 1, 7, cancelled, 0, 30, and an extra run on
-- Saturday at 10:00 on time; schedule 3: 20 on Friday, none on Saturday; schedule 4: 3 on
-- Monday, then the schedule is cancelled (its runs stay: they are history).
UPDATE railway.runs SET planned_departure = '2025-03-06 08:20', planned_arrival = '2025-03-06 09:20'
WHERE schedule_id = 1 AND run_date = '2025-03-06';
UPDATE railway.runs r
SET actual_departure = r.planned_departure + v.dep_delay * interval '1 minute',
    actual_arrival = r.planned_arrival + v.arr_delay * interval '1 minute',
    status = v.status
FROM (VALUES (1, date '2025-03-02', 100, 120, 'delayed'),
             (1, '2025-03-03', 1, 2, 'completed'), (1, '2025-03-04', 0, 0, 'completed'),
             (1, '2025-03-05', 8, 10, 'delayed'), (1, '2025-03-06', 0, -1, 'completed'),
             (1, '2025-03-07', 25, 30, 'delayed'), (1, '2025-03-09', 5, 5, 'completed'),
             (2, '2025-03-03', 0, 1, 'completed'), (2, '2025-03-04', 5, 7, 'delayed'),
             (2, '2025-03-06', 0, 0, 'completed'), (2, '2025-03-07', 30, 30, 'delayed'),
             (3, '2025-03-07', 15, 20, 'delayed'), (4, '2025-03-03', 2, 3, 'completed'))
     AS v(schedule_id, run_date, dep_delay, arr_delay, status)
WHERE r.schedule_id = v.schedule_id AND r.run_date = v.run_date;
UPDATE railway.runs SET actual_departure = '2025-03-08 08:01', status = 'running'
WHERE schedule_id = 1 AND run_date = '2025-03-08';
UPDATE railway.runs SET status = 'cancelled' WHERE schedule_id = 2 AND run_date = '2025-03-05';
INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, actual_departure,
                          actual_arrival, status, kind)
VALUES (2, '2025-03-08', '2025-03-08 10:00', '2025-03-08 10:45', '2025-03-08 10:00', '2025-03-08 10:45',
        'completed', 'extra');
UPDATE railway.schedules SET is_cancelled = true, status = 'cancelled' WHERE id = 4;
SELECT count(*) AS runs, count(*) FILTER (WHERE run_date >= '2025-03-03') AS in_the_week FROM railway.runs;

-- Per run date. Monday: 2, 1, 3; Tuesday: 0, 7, one not measured; Wednesday: 10, one run
-- cancelled; Thursday: -1, 0; Friday: 30, 30, 20; Saturday: the extra run (0); Sunday: 5 (on
-- time: at most 5 minutes). Every day has a run of the cancelled schedule 4.
SELECT * FROM railway.schedule_overview('2025-03-03');
-- T2: 5 + 1 extra + 7 runs, (5 * 45 + 45 + 7 * 60) / 13 minutes; delays 1, 7, 0, 30, 0, 3.
-- T1: delays 2, 0, 10, -1, 30, 5 and 20.
SELECT * FROM railway.train_utilization('2025-03-03');
SELECT * FROM railway.route_performance('2025-03-03');
-- Planned hours: the retimed run departs at 08:20 and arrives at 09:20; the overnight runs
-- arrive at 00:30.
SELECT * FROM railway.peak_hours('2025-03-03') WHERE departures > 0 OR arrivals > 0;
SELECT count(*) AS hours, sum(departures) AS departures, sum(arrivals) AS arrivals
FROM railway.peak_hours('2025-03-03');

-- `since` is on the run date: its time of day is ignored; an earlier date takes in the runs of
-- schedule 1 before the week.
SELECT min(date), max(date), sum(total_schedules) FROM railway.schedule_overview('2025-03-03 12:00');
SELECT train_number, total_trips, operation_days, on_time_pct, p90_delay_min
FROM railway.train_utilization('2025-03-02') WHERE train_number = 'T1';
SELECT train_number, total_trips, operation_days FROM railway.train_utilization('2025-01-01') WHERE total_trips > 0;
SELECT count(*) AS days FROM railway.schedule_overview('2025-04-01');

-- 3. Partition pruning: the partitions a report reads (scans counted in this transaction),
-- with the plans PL/pgSQL makes per call (custom) and the generic plan.
CREATE FUNCTION pg_temp.partitions_read(report text, since timestamp) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    before jsonb;
    result text;
    n bigint;
BEGIN
    SELECT jsonb_object_agg(relname, seq_scan + COALESCE(idx_scan, 0)) INTO before
    FROM pg_stat_xact_user_tables WHERE schemaname = 'railway' AND relname LIKE 'runs\_%';
    EXECUTE format('SELECT count(*) FROM railway.%I(%L)', report, since) INTO n;
    SELECT string_agg(relname, ' ' ORDER BY relname) INTO result
    FROM pg_stat_xact_user_tables
    WHERE schemaname = 'railway' AND relname LIKE 'runs\_%'
      AND seq_scan + COALESCE(idx_scan, 0) > COALESCE((before ->> relname)::bigint, 0);
    RETURN result;
END $$;
SELECT r AS report, pg_temp.partitions_read(r, '2025-03-03') AS reads
FROM unnest(ARRAY['schedule_overview', 'train_utilization', 'route_performance', 'peak_hours']) AS r;
SELECT r AS report, pg_temp.partitions_read(r, '2025-04-01') AS reads
FROM unnest(ARRAY['schedule_overview', 'train_utilization', 'route_performance', 'peak_hours']) AS r;
SET plan_cache_mode = force_generic_plan;
SELECT r AS report, pg_temp.partitions_read(r, '2025-03-03') AS reads
FROM unnest(ARRAY['schedule_overview', 'train_utilization', 'route_performance', 'peak_hours']) AS r;
SELECT sum(total_trips) AS trips FROM railway.train_utilization('2025-03-03');
RESET plan_cache_mode;

-- 4. The morning questions (README "The morning questions"), on runs of the last days: trains
-- 101 (A -> B 07:00-08:00), 102 (B -> A 09:00-10:00) and 103 (A -> C 18:00-19:00), daily,
-- planned from 7 days ago to today, actual times up to yesterday. Dates are shown relative to
-- today.
INSERT INTO railway.trains (id, train_number) VALUES (101, '101'), (102, '102'), (103, '103');
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
                               scheduled_arrival, effective_start_date)
VALUES (101, 101, 1, 2, CURRENT_DATE - 10 + time '07:00', CURRENT_DATE - 10 + time '08:00', CURRENT_DATE - 10),
       (102, 102, 2, 1, CURRENT_DATE - 10 + time '09:00', CURRENT_DATE - 10 + time '10:00', CURRENT_DATE - 10),
       (103, 103, 1, 3, CURRENT_DATE - 10 + time '18:00', CURRENT_DATE - 10 + time '19:00', CURRENT_DATE - 10);
SELECT count(*) > 0 AS partitions FROM railway.create_run_partitions(1, CURRENT_DATE - 7);
SELECT railway.plan_runs(CURRENT_DATE - 7, CURRENT_DATE) AS planned;
-- Arrival delays (minutes) per day, 7 days ago first: 101: 0, 2, 12, cancelled, 4, -1, 8;
-- 102: 1 every day; 103: 20 every day, 45 yesterday.
UPDATE railway.runs r
SET actual_departure = r.planned_departure, actual_arrival = r.planned_arrival + v.delay * interval '1 minute',
    status = CASE WHEN v.delay > 5 THEN 'delayed' ELSE 'completed' END
FROM (VALUES (101, -7, 0), (101, -6, 2), (101, -5, 12), (101, -3, 4), (101, -2, -1), (101, -1, 8),
             (102, -7, 1), (102, -6, 1), (102, -5, 1), (102, -4, 1), (102, -3, 1), (102, -2, 1), (102, -1, 1),
             (103, -7, 20), (103, -6, 20), (103, -5, 20), (103, -4, 20), (103, -3, 20), (103, -2, 20), (103, -1, 45))
     AS v(schedule_id, day, delay)
WHERE r.schedule_id = v.schedule_id AND r.run_date = CURRENT_DATE + v.day;
UPDATE railway.runs SET status = 'cancelled' WHERE schedule_id = 101 AND run_date = CURRENT_DATE - 4;

-- Yesterday's punctuality per route (the README's query).
SELECT dl.code AS from_code, al.code AS to_code, (p).runs, (p).measured,
       round((p).on_time_pct::numeric, 1) AS on_time_pct,
       round((p).avg_delay_min::numeric, 1) AS avg_delay_min, (p).max_delay_min
FROM (SELECT s.departure_location_id, s.arrival_location_id,
             railway.punctuality(r.planned_arrival, r.actual_arrival) AS p
      FROM railway.runs r JOIN railway.schedules s ON s.id = r.schedule_id
      WHERE r.run_date = CURRENT_DATE - 1
      GROUP BY 1, 2) x
JOIN railway.locations dl ON dl.id = x.departure_location_id
JOIN railway.locations al ON al.id = x.arrival_location_id
ORDER BY (p).on_time_pct, dl.code, al.code;

-- The ten most delayed trains of the week (the README's query).
SELECT t.train_number, (p).measured, round((p).avg_delay_min::numeric, 1) AS avg_delay_min,
       (p).p90_delay_min, (p).max_delay_min, round((p).on_time_pct::numeric, 1) AS on_time_pct
FROM (SELECT r.train_id, railway.punctuality(r.planned_arrival, r.actual_arrival) AS p
      FROM railway.runs r
      WHERE r.run_date BETWEEN CURRENT_DATE - 7 AND CURRENT_DATE - 1
      GROUP BY r.train_id) x
JOIN railway.trains t ON t.id = x.train_id
WHERE (p).measured > 0
ORDER BY (p).avg_delay_min DESC, t.train_number
LIMIT 10;

-- Train 101's week run by run (the README's query, its dates shown relative to today).
SELECT run_date - CURRENT_DATE AS day, route, planned_departure, planned_arrival, actual_arrival,
       delay_min, status, kind
FROM (
SELECT r.run_date, to_char(r.run_date, 'Dy') AS weekday, dl.code || ' -> ' || al.code AS route,
       r.planned_departure::time AS planned_departure, r.planned_arrival::time AS planned_arrival,
       r.actual_arrival::time AS actual_arrival,
       floor(extract(epoch FROM r.actual_arrival - r.planned_arrival) / 60) AS delay_min,
       r.status, r.kind
FROM railway.runs r
JOIN railway.trains t ON t.id = r.train_id
JOIN railway.schedules s ON s.id = r.schedule_id
JOIN railway.locations dl ON dl.id = s.departure_location_id
JOIN railway.locations al ON al.id = s.arrival_location_id
WHERE t.train_number = '101' AND r.run_date BETWEEN CURRENT_DATE - 7 AND CURRENT_DATE - 1
ORDER BY r.planned_departure
) AS readme_query ORDER BY run_date;

-- The reports read the runs natively (railway.run_report_scan(), src/pg/run_reports.cpp) where
-- that skips nothing and run their SQL otherwise; both give the same rows. Row-level security on
-- railway.runs (a policy letting every role see every run) makes a viewer's reports take the SQL.
CREATE FUNCTION pg_temp.raised(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text; message text; detail text; hint text;
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN format('%s: %s | %s | %s', state, message, detail, hint);
END $$;
SELECT railway.run_report_scan() AS native_for_the_owner;
CREATE TEMP TABLE native_reports AS
SELECT since, 'overview' AS report, to_jsonb(o) AS row FROM (VALUES (DATE '2025-01-01'), (DATE '2025-03-03')) AS w(since),
       railway.schedule_overview(since) AS o
UNION ALL SELECT since, 'utilization', to_jsonb(u) FROM (VALUES (DATE '2025-01-01'), (DATE '2025-03-03')) AS w(since),
       railway.train_utilization(since) AS u
UNION ALL SELECT since, 'routes', to_jsonb(r) FROM (VALUES (DATE '2025-01-01'), (DATE '2025-03-03')) AS w(since),
       railway.route_performance(since) AS r
UNION ALL SELECT since, 'peaks', to_jsonb(p) FROM (VALUES (DATE '2025-01-01'), (DATE '2025-03-03')) AS w(since),
       railway.peak_hours(since) AS p;
ALTER TABLE railway.runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY every_run ON railway.runs FOR SELECT TO PUBLIC USING (true);
CREATE ROLE railway_test_report_reader;
GRANT railway_viewer TO railway_test_report_reader;
SET ROLE railway_test_report_reader;
SELECT railway.run_report_scan() AS native_under_row_security;
SELECT pg_temp.raised($$SELECT * FROM railway.run_report_groups('2025-01-01', 'day')$$);
CREATE TEMP TABLE sql_reports AS
SELECT since, 'overview' AS report, to_jsonb(o) AS row FROM (VALUES (DATE '2025-01-01'), (DATE '2025-03-03')) AS w(since),
       railway.schedule_overview(since) AS o
UNION ALL SELECT since, 'utilization', to_jsonb(u) FROM (VALUES (DATE '2025-01-01'), (DATE '2025-03-03')) AS w(since),
       railway.train_utilization(since) AS u
UNION ALL SELECT since, 'routes', to_jsonb(r) FROM (VALUES (DATE '2025-01-01'), (DATE '2025-03-03')) AS w(since),
       railway.route_performance(since) AS r
UNION ALL SELECT since, 'peaks', to_jsonb(p) FROM (VALUES (DATE '2025-01-01'), (DATE '2025-03-03')) AS w(since),
       railway.peak_hours(since) AS p;
RESET ROLE;
SELECT since, report, count(*) AS report_rows FROM native_reports GROUP BY 1, 2 ORDER BY 1, 2;
SELECT (SELECT count(*) FROM (SELECT * FROM native_reports EXCEPT ALL SELECT * FROM sql_reports) AS x) AS only_native,
       (SELECT count(*) FROM (SELECT * FROM sql_reports EXCEPT ALL SELECT * FROM native_reports) AS x) AS only_sql;
DROP TABLE sql_reports, native_reports;
DROP POLICY every_run ON railway.runs;
ALTER TABLE railway.runs DISABLE ROW LEVEL SECURITY;
DROP ROLE railway_test_report_reader;
-- A grouping the scan does not know; no grouping; no since (no run, as in the SQL); infinities.
SELECT pg_temp.raised($$SELECT * FROM railway.run_report_groups('2025-01-01', 'week')$$);
SELECT pg_temp.raised($$SELECT * FROM railway.run_report_groups('2025-01-01', NULL)$$);
SELECT count(*) AS no_since FROM railway.run_report_groups(NULL, 'day');
SELECT count(*) AS overview_no_since FROM railway.schedule_overview(NULL);
SELECT (SELECT count(*) FROM railway.run_report_groups('infinity', 'day')) AS from_infinity,
       (SELECT sum(runs) FROM railway.run_report_groups('-infinity', 'day')) = (SELECT count(*) FROM railway.runs) AS from_minus_infinity_all;

-- Clean up: runs and their partitions, the timetable.
DO $$
DECLARE p regclass;
BEGIN
    FOR p IN SELECT inhrelid::regclass FROM pg_inherits
             WHERE inhparent = 'railway.runs'::regclass AND inhrelid <> 'railway.runs_default'::regclass LOOP
        EXECUTE format('DROP TABLE %s', p);
    END LOOP;
END $$;
TRUNCATE railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
