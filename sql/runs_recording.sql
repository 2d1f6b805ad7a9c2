-- Runs recorded from schedules (issue 13, README "Runs", "Recording from schedules"): the
-- guide's application writes actual times and status into its schedule row; trigger
-- record_run copies each such UPDATE onto the run it belongs to.

SET DateStyle = ISO;
SET client_min_messages = warning;
\set SHOW_CONTEXT never

INSERT INTO railway.locations (id, name, code) VALUES (1701, 'Vijayawada Junction', 'BZA'), (1702, 'Narasapur', 'NS');
INSERT INTO railway.trains (id, train_number) VALUES (1701, 'N-OVERNIGHT'), (1702, 'N-MONDAY'), (1703, 'N-CANCELLED'), (1704, 'N-TODAY');
-- 1701: daily 23:50 -> 01:20 (overnight) in March 2025; 1702: Mondays 10:00 -> 12:00 from March
-- 2025, open-ended; 1703: daily 08:00 -> 09:00, cancelled.
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (1701, 1701, 1701, 1702, '2025-03-01 23:50', '2025-03-02 01:20', '{t,t,t,t,t,t,t}', '2025-03-01', '2025-03-31'),
       (1702, 1702, 1702, 1701, '2025-03-03 10:00', '2025-03-03 12:00', '{t,f,f,f,f,f,f}', '2025-03-01', NULL),
       (1703, 1703, 1701, 1702, '2025-03-01 08:00', '2025-03-01 09:00', '{t,t,t,t,t,t,t}', '2025-03-01', NULL);
SELECT count(*) AS partitions FROM railway.create_run_partitions(2, '2025-02-01');
SELECT railway.plan_runs('2025-03-01', '2025-03-31', 1701) AS overnight_runs,
       railway.plan_runs('2025-03-01', '2025-03-05', 1702) AS monday_runs,
       railway.plan_runs('2025-03-01', '2025-03-02', 1703) AS runs_before_cancelling;
UPDATE railway.schedules SET status = 'cancelled', is_cancelled = true WHERE id = 1703;
SELECT count(*) AS runs_of_cancelled_left FROM railway.runs WHERE schedule_id = 1703;  -- past runs stay

CREATE TEMP VIEW recorded AS
SELECT schedule_id, run_date, kind, planned_departure, actual_departure, actual_arrival, status
FROM railway.runs WHERE actual_departure IS NOT NULL OR actual_arrival IS NOT NULL OR status <> 'scheduled'
ORDER BY schedule_id, run_date;

-- 1. An actual departure belongs to the run planned to depart latest, at most one hour after
-- it and less than a day before it.
UPDATE railway.schedules SET actual_departure = '2025-03-10 23:58', status = 'running' WHERE id = 1701;
SELECT * FROM recorded;
-- The arrival after midnight, alone in its UPDATE, belongs to the run planned to arrive latest
-- up to an hour after it: the run of 10 March (planned 11 March 01:20).
UPDATE railway.schedules SET actual_arrival = '2025-03-11 01:31', status = 'completed' WHERE id = 1701;
SELECT * FROM recorded;
-- The application clears its row for the next day: changes to NULL and to 'scheduled' are not
-- recorded (a run's recorded values are never erased from schedules).
UPDATE railway.schedules SET actual_departure = NULL, actual_arrival = NULL, status = 'scheduled' WHERE id = 1701;
SELECT * FROM recorded;
-- An overnight run departing after midnight, 30 minutes late: the run of the previous day.
UPDATE railway.schedules SET actual_departure = '2025-03-12 00:20', status = 'delayed' WHERE id = 1701;
-- A departure 25 minutes early: its own day's run, not the previous day's.
UPDATE railway.schedules SET actual_departure = '2025-03-13 23:25', status = 'running' WHERE id = 1701;
SELECT * FROM recorded;
-- Both times in one UPDATE: the departure decides the run, and both are recorded.
UPDATE railway.schedules SET actual_departure = '2025-03-14 23:50', actual_arrival = '2025-03-15 01:20', status = 'completed' WHERE id = 1701;
SELECT * FROM recorded WHERE run_date = '2025-03-14';
-- The schedule row itself holds what the application wrote.
SELECT actual_departure, actual_arrival, status FROM railway.schedules WHERE id = 1701;

-- 2. A date the pattern runs but not yet planned: its planned run is made, with the values.
UPDATE railway.schedules SET actual_departure = '2025-03-10 10:05', actual_arrival = NULL, status = 'running' WHERE id = 1702;
SELECT * FROM recorded WHERE schedule_id = 1702;
-- A date the pattern does not run (Wednesday): nothing is recorded, a WARNING says so, and the
-- schedule's UPDATE succeeds.
SET client_min_messages = warning;
UPDATE railway.schedules SET actual_departure = '2025-03-12 10:00' WHERE id = 1702;
SELECT actual_departure FROM railway.schedules WHERE id = 1702;
SELECT count(*) AS runs_of_1702 FROM railway.runs WHERE schedule_id = 1702;
-- A Monday whose month has no partition: the run cannot be made; WARNING, the UPDATE succeeds.
UPDATE railway.schedules SET actual_departure = '2025-06-02 10:00' WHERE id = 1702;
SELECT actual_departure FROM railway.schedules WHERE id = 1702;
-- The run refuses the value (its actual arrival, recorded on the run, is before it): WARNING.
UPDATE railway.runs SET actual_arrival = '2025-03-03 11:00' WHERE schedule_id = 1702 AND run_date = '2025-03-03';
UPDATE railway.schedules SET actual_departure = '2025-03-03 11:30' WHERE id = 1702;
SELECT * FROM recorded WHERE schedule_id = 1702;

-- 3. A cancelled schedule: recorded on a run it has, never a new run made.
UPDATE railway.schedules SET actual_departure = '2025-03-02 08:04' WHERE id = 1703;
UPDATE railway.schedules SET actual_departure = '2025-03-05 08:00' WHERE id = 1703;
SELECT * FROM recorded WHERE schedule_id = 1703;

-- 4. A status alone belongs to the run whose planned interval is nearest to now: here the run
-- under way (departed an hour ago, arriving in two hours).
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, effective_start_date)
VALUES (1704, 1704, 1701, 1702, date_trunc('minute', LOCALTIMESTAMP - interval '1 hour'),
        date_trunc('minute', LOCALTIMESTAMP + interval '2 hours'), CURRENT_DATE - 3);
SELECT count(*) > 0 AS made_partitions FROM railway.create_run_partitions(2, CURRENT_DATE - 7);
SELECT railway.plan_runs(CURRENT_DATE - 3, CURRENT_DATE + 3, 1704) AS todays_runs;
UPDATE railway.schedules SET status = 'delayed' WHERE id = 1704;
SELECT run_date = (LOCALTIMESTAMP - interval '1 hour')::date AS the_run_under_way, status
FROM railway.runs WHERE schedule_id = 1704 AND status <> 'scheduled';

-- 5. Only those columns fire it, and the audit of runs records neither actual times nor the
-- planned run made here.
SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'record_run';
SELECT count(*) AS audited_run_rows FROM railway.audit_log WHERE table_name = 'runs';

-- Clean up.
TRUNCATE railway.runs;
DELETE FROM railway.schedules WHERE id BETWEEN 1701 AND 1704;
DELETE FROM railway.trains WHERE id BETWEEN 1701 AND 1704;
DELETE FROM railway.locations WHERE id IN (1701, 1702);
SELECT count(*) AS partitions_dropped FROM railway.drop_run_partitions('1 day');  -- the 2025 ones
DO $$
DECLARE p regclass;
BEGIN
    FOR p IN SELECT inhrelid::regclass FROM pg_inherits
             WHERE inhparent = 'railway.runs'::regclass AND inhrelid <> 'railway.runs_default'::regclass LOOP
        EXECUTE format('DROP TABLE %s', p);
    END LOOP;
END $$;
TRUNCATE railway.audit_log RESTART IDENTITY;
