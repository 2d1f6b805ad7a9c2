-- railway.plan_runs under row-level security on railway.runs. plan_runs checks a
-- block of runs in bulk against the runs the block's trains already have, read with an SPI
-- query as the caller; the trigger validate_run then takes the rows as checked and skips its
-- own conflict search (which reads the partitions directly, whatever the caller's policies).
-- A policy that hides runs from the caller must not hide a conflict: the extra run below is
-- invisible to the planner, and its planned run overlapping it must still be refused (23P01),
-- as an INSERT of that run by the same role is.

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

SELECT count(*) >= 0 AS partitions FROM railway.create_run_partitions(0, '2026-03-01');
INSERT INTO railway.locations (id, name, code) VALUES (9301, 'Review A', 'R3A'), (9302, 'Review B', 'R3B');
INSERT INTO railway.trains (id, train_number, kind) VALUES (9301, 'R3-9301', 'numbered');
-- Train R3-9301: schedule 9301 weekdays 08:00-10:00, schedule 9302 Saturdays 15:00-16:00.
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (9301, 9301, 9301, 9302, '2026-03-02 08:00', '2026-03-02 10:00', '{t,t,t,t,t,f,f}', '2026-03-01', '2026-03-31'),
       (9302, 9301, 9302, 9301, '2026-03-07 15:00', '2026-03-07 16:00', '{f,f,f,f,f,t,f}', '2026-03-01', '2026-03-31');
-- An extra run of schedule 9302 on Tuesday 3 March, 09:00-09:30: inside Tuesday's 08:00 run.
INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind)
VALUES (9302, '2026-03-03', '2026-03-03 09:00', '2026-03-03 09:30', 'extra');

-- The policies: a planner sees the planned runs only, and may write any run.
ALTER TABLE railway.runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY planned_only ON railway.runs FOR SELECT TO PUBLIC USING (kind = 'planned');
CREATE POLICY write_any ON railway.runs FOR INSERT TO PUBLIC WITH CHECK (true);
CREATE ROLE railway_test_rls_planner;
GRANT railway_operator TO railway_test_rls_planner;
SET row_security = on;
SET ROLE railway_test_rls_planner;
SELECT count(*) AS extra_runs_seen FROM railway.runs WHERE schedule_id = 9302;
-- The planner's own INSERT of Tuesday's run is refused by the trigger.
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date) VALUES (9301, '2026-03-03')$$);
-- So is plan_runs' (nothing of the week is planned).
SELECT pg_temp.raised($$SELECT railway.plan_runs('2026-03-02', '2026-03-06', 9301)$$);
RESET ROLE;
SELECT count(*) AS planned_runs FROM railway.runs WHERE schedule_id = 9301;
-- Without the extra run the week is planned, under the same policies.
DELETE FROM railway.runs WHERE schedule_id = 9302;
SET ROLE railway_test_rls_planner;
SELECT railway.plan_runs('2026-03-02', '2026-03-06', 9301) AS planned_week;
RESET ROLE;
SELECT count(*) AS planned_runs FROM railway.runs WHERE schedule_id = 9301;

DROP POLICY planned_only ON railway.runs;
DROP POLICY write_any ON railway.runs;
ALTER TABLE railway.runs DISABLE ROW LEVEL SECURITY;
DROP ROLE railway_test_rls_planner;
DELETE FROM railway.runs WHERE train_id = 9301;
DELETE FROM railway.schedules WHERE id IN (9301, 9302);
DELETE FROM railway.trains WHERE id = 9301;
DELETE FROM railway.locations WHERE id IN (9301, 9302);
DROP TABLE railway.runs_2026_03;
