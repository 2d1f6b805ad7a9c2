-- The guide's reports (README "Reports"): schedule_overview, train_utilization,
-- route_performance, peak_hours, each against the guide's own query on the same rows. A
-- report counts runs (railway.runs) with a run date from the date of `since` on; a run's
-- delay is actual_arrival - planned_arrival. Every schedule here is a one-day service with
-- exactly one run carrying its actual times, so the guide's queries over the schedules and the
-- reports over the runs see the same rows (sql/runs_reports.sql tests recurring services).

INSERT INTO railway.locations (id, name, code) VALUES
    (1, 'Vijayawada Junction', 'BZA'), (2, 'Narasapur', 'NS'), (3, 'Duvvada', 'DVD'),
    (4, 'Machilipatnam', 'MTM');
INSERT INTO railway.trains (id, train_number, type) VALUES
    (1, '12711', 'express'), (2, '17239', 'local'), (3, 'F100', 'freight'), (4, '07001', 'special');
-- One-day services (effective_start_date = effective_end_date = the departure date).
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival, actual_departure, actual_arrival,
                               status, is_cancelled, effective_start_date, effective_end_date)
SELECT v.id, v.train_id, v.dep, v.arr, v.sd, v.sa, v.ad, v.aa, v.status, v.status = 'cancelled',
       v.sd::date, v.sd::date
FROM (VALUES
    -- 12711 BZA -> NS, 06:00 -> 09:30
    (1, 1, 1, 2, timestamp '2024-03-01 06:00', timestamp '2024-03-01 09:30', timestamp '2024-03-01 06:02', timestamp '2024-03-01 09:33', 'completed'),
    (2, 1, 1, 2, '2024-03-02 06:00', '2024-03-02 09:30', '2024-03-02 06:00', '2024-03-02 09:29', 'completed'),
    (3, 1, 1, 2, '2024-03-03 06:00', '2024-03-03 09:30', '2024-03-03 06:20', '2024-03-03 09:52:30', 'delayed'),
    (4, 1, 1, 2, '2024-03-04 06:00', '2024-03-04 09:30', NULL, NULL, 'cancelled'),
    -- 17239 NS -> DVD, 09:45 -> 10:40
    (5, 2, 2, 3, '2024-03-01 09:45', '2024-03-01 10:40', '2024-03-01 09:45', '2024-03-01 10:45', 'completed'),
    (6, 2, 2, 3, '2024-03-02 09:45', '2024-03-02 10:40', '2024-03-02 09:50', '2024-03-02 10:46', 'completed'),
    (7, 2, 2, 3, '2024-03-03 09:45', '2024-03-03 10:40', '2024-03-03 09:46', NULL, 'running'),
    -- F100 BZA -> MTM overnight, 22:00 -> 04:00
    (8, 3, 1, 4, '2024-03-01 22:00', '2024-03-02 04:00', '2024-03-01 22:10', '2024-03-02 05:15', 'completed'),
    (9, 3, 1, 4, '2024-03-02 22:00', '2024-03-03 04:00', '2024-03-02 23:00', NULL, 'delayed'),
    -- 12711 once before the period of the reports.
    (10, 1, 1, 2, '2024-02-20 06:00', '2024-02-20 09:30', '2024-02-20 06:00', '2024-02-20 12:00', 'completed')
) AS v(id, train_id, dep, arr, sd, sa, ad, aa, status);
-- Each schedule's one run, with the schedule's actual times and status.
SELECT count(*) AS partitions FROM railway.create_run_partitions(1, '2024-02-01');
INSERT INTO railway.runs (schedule_id, run_date, actual_departure, actual_arrival, status)
SELECT id, scheduled_departure::date, actual_departure, actual_arrival, status FROM railway.schedules;

-- Per departure date. 2024-03-01: delays 3, 5 and 75 minutes. 2024-03-02: -1, 6 and one not
-- yet measured (the guide counts it as 0 minutes late). 2024-03-03: 22.5 and one not measured.
-- 2024-03-04: cancelled, not measured.
SELECT * FROM railway.schedule_overview('2024-03-01');
-- The guide's query: its avg_delay_minutes counts a missing actual arrival as 0 minutes.
SELECT DATE(scheduled_departure) AS date,
       COUNT(*) AS total_schedules,
       COUNT(CASE WHEN status = 'completed' THEN 1 END) AS completed,
       COUNT(CASE WHEN status = 'delayed' THEN 1 END) AS delayed,
       COUNT(CASE WHEN status = 'cancelled' THEN 1 END) AS cancelled,
       ROUND(AVG(CASE WHEN actual_arrival IS NOT NULL
                      THEN EXTRACT(EPOCH FROM (actual_arrival - scheduled_arrival)) / 60
                      ELSE 0 END), 4) AS avg_delay_minutes
FROM railway.schedules
WHERE scheduled_departure >= '2024-03-01'
GROUP BY DATE(scheduled_departure)
ORDER BY date DESC;

-- Per train, every train (07001 has no trips).
SELECT * FROM railway.train_utilization('2024-03-01');
-- The guide's query: the same counts and durations.
SELECT t.train_number, t.type,
       COUNT(s.id) AS total_trips,
       COUNT(DISTINCT DATE(s.scheduled_departure)) AS operation_days,
       AVG(EXTRACT(EPOCH FROM (s.scheduled_arrival - s.scheduled_departure)) / 60) AS avg_trip_duration_minutes
FROM railway.trains t
LEFT JOIN railway.schedules s ON t.id = s.train_id AND s.scheduled_departure >= '2024-03-01'
GROUP BY t.id, t.train_number, t.type
ORDER BY total_trips DESC, t.train_number;

-- Per route. on_time_percentage is of the measured arrivals: the guide divides by every trip.
SELECT * FROM railway.route_performance('2024-03-01');
SELECT dl.name AS departure_location, dl.code AS departure_code,
       al.name AS arrival_location, al.code AS arrival_code,
       COUNT(*) AS total_trips,
       ROUND(AVG(CASE WHEN s.actual_arrival IS NOT NULL
                      THEN EXTRACT(EPOCH FROM (s.actual_arrival - s.scheduled_arrival)) / 60
                      ELSE 0 END), 4) AS avg_delay_minutes,
       ROUND(COUNT(CASE WHEN s.actual_arrival <= s.scheduled_arrival + INTERVAL '5 minutes' THEN 1 END) * 100.0 / COUNT(*), 4) AS on_time_percentage
FROM railway.schedules s
JOIN railway.locations dl ON s.departure_location_id = dl.id
JOIN railway.locations al ON s.arrival_location_id = al.id
WHERE s.scheduled_departure >= '2024-03-01'
GROUP BY dl.id, dl.name, dl.code, al.id, al.name, al.code
ORDER BY total_trips DESC, dl.code, al.code;

-- Per hour of the day, all 24 hours; punctuality by the hour of the timetabled arrival.
SELECT * FROM railway.peak_hours('2024-03-01') WHERE departures > 0 OR arrivals > 0;
SELECT count(*) AS hours, sum(departures) AS departures, sum(arrivals) AS arrivals
FROM railway.peak_hours('2024-03-01');
-- The guide's query: departures per hour that has any.
SELECT EXTRACT(HOUR FROM scheduled_departure) AS hour, COUNT(*) AS departures
FROM railway.schedules
WHERE scheduled_departure >= '2024-03-01'
GROUP BY EXTRACT(HOUR FROM scheduled_departure)
ORDER BY hour;

-- An earlier `since` takes in the February run; the default is the last 30 days (none of
-- these 2024 rows, but a run of yesterday).
SELECT total_trips, operation_days FROM railway.train_utilization('2024-01-01') WHERE train_number = '12711';
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival, actual_arrival, status,
                               effective_start_date, effective_end_date)
VALUES (11, 2, 2, 3, CURRENT_DATE - 1 + time '09:45', CURRENT_DATE - 1 + time '10:40',
        CURRENT_DATE - 1 + time '10:41', 'completed', CURRENT_DATE - 1, CURRENT_DATE - 1);
SELECT count(*) >= 1 AS partitions FROM railway.create_run_partitions(1, CURRENT_DATE - 1);
INSERT INTO railway.runs (schedule_id, run_date, actual_arrival, status)
VALUES (11, CURRENT_DATE - 1, CURRENT_DATE - 1 + time '10:41', 'completed');
SELECT date = CURRENT_DATE - 1 AS yesterday, total_schedules, completed, avg_delay_minutes, on_time_pct
FROM railway.schedule_overview();
SELECT train_number, total_trips, operation_days FROM railway.train_utilization() WHERE total_trips > 0;
SELECT departure_code, arrival_code, total_trips FROM railway.route_performance();
SELECT hour, departures, arrivals FROM railway.peak_hours() WHERE departures + arrivals > 0;

-- railway_viewer may run every report and aggregate.
SET ROLE railway_viewer;
SELECT (SELECT count(*) FROM railway.schedule_overview('2024-03-01')) AS overview_days,
       (SELECT count(*) FROM railway.train_utilization('2024-03-01')) AS trains,
       (SELECT count(*) FROM railway.route_performance('2024-03-01')) AS routes,
       (SELECT count(*) FROM railway.peak_hours('2024-03-01')) AS hours,
       (SELECT (railway.punctuality(scheduled_arrival, actual_arrival)).measured FROM railway.schedules) AS measured,
       (SELECT railway.weekday_profile(running_days) FROM railway.schedules) AS weekdays;
RESET ROLE;

-- The reports are STABLE PL/pgSQL functions with a pinned search_path.
SELECT p.oid::regprocedure AS report, p.provolatile AS volatility, p.proparallel AS parallel, p.proconfig
FROM pg_proc p
WHERE p.pronamespace = 'railway'::regnamespace
  AND p.proname IN ('schedule_overview', 'train_utilization', 'route_performance', 'peak_hours')
ORDER BY 1;

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
