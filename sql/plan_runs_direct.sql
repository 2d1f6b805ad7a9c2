-- railway.plan_runs writes its checked runs straight into a monthly partition (heap
-- multi-insert and index entries, runs_write.cpp) only where that skips nothing but railway's
-- own work. The heap insert checks no NOT NULL constraint: a partition with a NOT NULL of its own
-- on a column plan_runs leaves NULL (here actual_departure, set by the DBA on one partition)
-- must make plan_runs use its INSERT, which refuses the rows (23502) as any INSERT does, rather
-- than store NULLs the partition forbids.

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

SELECT count(*) >= 0 AS partitions FROM railway.create_run_partitions(0, '2026-04-01');
INSERT INTO railway.locations (id, name, code) VALUES (9501, 'Review E', 'R3E'), (9502, 'Review F', 'R3F');
INSERT INTO railway.trains (id, train_number, kind) VALUES (9501, 'R3-9501', 'numbered');
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (9501, 9501, 9501, 9502, '2026-04-06 08:00', '2026-04-06 10:00', '{t,t,t,t,t,f,f}', '2026-04-01', '2026-04-30');
ALTER TABLE railway.runs_2026_04 ALTER COLUMN actual_departure SET NOT NULL;
SELECT pg_temp.raised($$SELECT railway.plan_runs('2026-04-06', '2026-04-10', 9501)$$);
SELECT count(*) AS runs_with_null_actual_departure FROM railway.runs_2026_04 WHERE actual_departure IS NULL;
ALTER TABLE railway.runs_2026_04 ALTER COLUMN actual_departure DROP NOT NULL;
SELECT railway.plan_runs('2026-04-06', '2026-04-10', 9501) AS planned_week;

DELETE FROM railway.runs WHERE train_id = 9501;
DELETE FROM railway.schedules WHERE id = 9501;
DELETE FROM railway.trains WHERE id = 9501;
DELETE FROM railway.locations WHERE id IN (9501, 9502);
DROP TABLE railway.runs_2026_04;
