-- plan_runs writes its checked runs straight into the partitions where that skips
-- nothing but railway's own work; the insert trigger runs_audit_insert is skipped because its
-- WHEN (NEW.kind = 'extra') never holds for a planned run. Another trigger on the same function
-- railway.audit_run_trigger() with another WHEN (a DBA auditing every scheduled run too) must
-- see plan_runs' runs: plan_runs then inserts them, and they are audited.

SET DateStyle = ISO;
\set SHOW_CONTEXT never
SET track_functions = 'all';

SELECT count(*) >= 0 AS partitions FROM railway.create_run_partitions(0, '2026-05-01');
INSERT INTO railway.locations (id, name, code) VALUES (9701, 'Review I', 'R3I'), (9702, 'Review J', 'R3J');
INSERT INTO railway.trains (id, train_number, kind) VALUES (9701, 'R3-9701', 'numbered');
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (9701, 9701, 9701, 9702, '2026-05-04 08:00', '2026-05-04 10:00', '{t,t,t,t,t,f,f}', '2026-05-01', '2026-05-31');
TRUNCATE railway.audit_log;
-- railway's own triggers only: the runs are written directly (the trigger validate_run is not called).
BEGIN;
SELECT railway.plan_runs('2026-05-04', '2026-05-08', 9701) AS first_week;
SELECT COALESCE(sum(calls), 0) AS validate_run_calls FROM pg_stat_xact_user_functions WHERE funcname = 'validate_run_trigger';
COMMIT;
-- The DBA's audit of the scheduled runs.
CREATE TRIGGER dba_audit_scheduled AFTER INSERT ON railway.runs
    FOR EACH ROW WHEN (NEW.status = 'scheduled') EXECUTE FUNCTION railway.audit_run_trigger();
SELECT railway.plan_runs('2026-05-11', '2026-05-15', 9701) AS second_week;
SELECT operation, table_name, row_id, new_row ->> 'run_date' AS run_date
FROM railway.audit_log WHERE table_name = 'runs' ORDER BY new_row ->> 'run_date';
DROP TRIGGER dba_audit_scheduled ON railway.runs;

DELETE FROM railway.runs WHERE train_id = 9701;
DELETE FROM railway.schedules WHERE id = 9701;
DELETE FROM railway.trains WHERE id = 9701;
DELETE FROM railway.locations WHERE id IN (9701, 9702);
DROP TABLE railway.runs_2026_05;
TRUNCATE railway.audit_log;
