-- plan_runs' bulk check must judge the runs around the window as the trigger
-- validate_run does. Two planned runs never conflict when both are untouched: the pattern's
-- occurrence on a date their schedule runs (runs_conflicts.cpp, really_conflicts). A planned run
-- left on a date its schedule no longer runs (history: an edit of the schedule does not touch
-- past runs) is not untouched, and a new run overlapping it conflicts (23P01), by INSERT and by
-- plan_runs alike.

SET DateStyle = ISO;
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.raised(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text; message text;
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
    RETURN format('%s: %s', state, message);
END $$;

SELECT count(*) >= 0 AS partitions FROM railway.create_run_partitions(0, '2025-05-01');
INSERT INTO railway.locations (id, name, code) VALUES (9601, 'Review G', 'R3G'), (9602, 'Review H', 'R3H');
INSERT INTO railway.trains (id, train_number, kind) VALUES (9601, 'R3-9601', 'numbered');
-- Schedule 9601 weekdays 08:00-10:00 in May 2025; its run of Friday 9 May is planned.
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (9601, 9601, 9601, 9602, '2025-05-05 08:00', '2025-05-05 10:00', '{t,t,t,t,t,f,f}', '2025-05-01', '2025-05-31');
SELECT railway.plan_runs('2025-05-09', '2025-05-09', 9601) AS friday_run;
-- Then 9601 stops running on Fridays (the past run stays), and schedule 9602 of the same train
-- runs on Fridays 08:30-09:30: the schedules do not conflict, but the runs of 9 May do.
UPDATE railway.schedules SET running_days = '{t,t,t,t,f,f,f}' WHERE id = 9601;
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (9602, 9601, 9602, 9601, '2025-05-09 08:30', '2025-05-09 09:30', '{f,f,f,f,t,f,f}', '2025-05-01', '2025-05-31');
SELECT schedule_id, run_date, planned_departure, planned_arrival, kind FROM railway.runs WHERE train_id = 9601;
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date) VALUES (9602, '2025-05-09')$$);
SELECT pg_temp.raised($$SELECT railway.plan_runs('2025-05-09', '2025-05-09', 9601)$$);
SELECT count(*) AS runs_of_9602 FROM railway.runs WHERE schedule_id = 9602;
-- The next Friday has no run of 9601: planned.
SELECT railway.plan_runs('2025-05-16', '2025-05-16', 9601) AS next_friday;

DELETE FROM railway.runs WHERE train_id = 9601;
DELETE FROM railway.schedules WHERE id IN (9601, 9602);
DELETE FROM railway.trains WHERE id = 9601;
DELETE FROM railway.locations WHERE id IN (9601, 9602);
DROP TABLE railway.runs_2025_05;
