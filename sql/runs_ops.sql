-- Runs in operations (issue 13, README "Runs"): what each role may do with runs (tested as
-- those roles), the audit of runs, railway.health() on run partitions, dropping old history a
-- partition at a time, purge_cancelled and maintenance_plan with runs.

SET DateStyle = ISO;
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.try(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

INSERT INTO railway.locations (id, name, code) VALUES (1801, 'Vijayawada Junction', 'BZA'), (1802, 'Narasapur', 'NS');
INSERT INTO railway.trains (id, train_number) VALUES (1801, 'OPS-1'), (1802, 'OPS-2');
-- 1801: daily 08:00 -> 09:30 from January 2025; 1802: Fridays 22:00 -> 06:00, cancelled, ended
-- in February 2025.
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date, status, is_cancelled)
VALUES (1801, 1801, 1801, 1802, '2025-01-01 08:00', '2025-01-01 09:30', '{t,t,t,t,t,t,t}', '2025-01-01', NULL, 'scheduled', false),
       (1802, 1802, 1802, 1801, '2025-01-03 22:00', '2025-01-04 06:00', '{f,f,f,f,t,f,f}', '2025-01-01', '2025-02-28', 'scheduled', false);
SELECT count(*) AS partitions FROM railway.create_run_partitions(2, '2025-01-01');
SELECT railway.plan_runs('2025-01-01', '2025-03-31') AS planned;
TRUNCATE railway.audit_log RESTART IDENTITY;

-- 1. Roles. railway_operator plans and records runs (directly and through schedules), inserts
-- extra runs and retimes or cancels a run; railway_viewer reads runs and their partitions;
-- nobody else may (42501); deleting runs, making and dropping partitions are not theirs.
CREATE ROLE runsops_viewer LOGIN IN ROLE railway_viewer;
CREATE ROLE runsops_operator LOGIN IN ROLE railway_operator;
CREATE ROLE runsops_admin LOGIN IN ROLE railway_admin;
CREATE ROLE runsops_nobody LOGIN;
SET ROLE runsops_viewer;
SELECT statement, pg_temp.try(statement) AS result FROM (VALUES
    ($$SELECT count(*) FROM railway.runs$$),
    ($$SELECT count(*) FROM railway.run_partitions$$),
    ($$SELECT count(*) FROM railway.runs_default$$),
    ($$SELECT railway.health() ->> 'status'$$),
    ($$INSERT INTO railway.runs (schedule_id, run_date, kind) VALUES (1801, '2025-02-01', 'extra')$$),
    ($$UPDATE railway.runs SET actual_departure = '2025-01-06 08:01' WHERE schedule_id = 1801 AND run_date = '2025-01-06'$$),
    ($$UPDATE railway.schedules SET actual_departure = '2025-01-06 08:01' WHERE id = 1801$$),
    ($$SELECT railway.plan_runs('2025-01-01', '2025-01-31')$$),
    ($$SELECT count(*) FROM railway.runs_2025_01$$),
    ($$SELECT railway.drop_run_partitions('1 year')$$),
    ($$SELECT count(*) FROM railway.audit_log$$)
) AS t(statement);
RESET ROLE;
SET ROLE runsops_operator;
SELECT statement, pg_temp.try(statement) AS result FROM (VALUES
    ($$SELECT railway.plan_runs('2025-01-01', '2025-03-31')$$),
    ($$UPDATE railway.runs SET actual_departure = '2025-01-06 08:01', status = 'running' WHERE schedule_id = 1801 AND run_date = '2025-01-06'$$),
    ($$UPDATE railway.schedules SET actual_departure = '2025-01-07 08:12', status = 'delayed' WHERE id = 1801$$),
    ($$INSERT INTO railway.runs (schedule_id, run_date, kind) VALUES (1802, '2025-01-05', 'extra')$$),
    ($$UPDATE railway.runs SET planned_departure = '2025-01-08 08:30', planned_arrival = '2025-01-08 10:00' WHERE schedule_id = 1801 AND run_date = '2025-01-08'$$),
    ($$UPDATE railway.runs SET status = 'cancelled' WHERE schedule_id = 1801 AND run_date = '2025-01-09'$$),
    ($$DELETE FROM railway.runs WHERE schedule_id = 1801 AND run_date = '2025-01-10'$$),
    ($$TRUNCATE railway.runs$$),
    ($$UPDATE railway.runs_2025_01 SET status = 'running'$$),
    ($$SELECT railway.drop_run_partitions('1 year')$$),
    ($$SELECT railway.create_run_partitions(0, '2025-06-01')$$),
    ($$SELECT count(*) FROM railway.audit_log$$)
) AS t(statement);
RESET ROLE;
SET ROLE runsops_nobody;
SELECT statement, pg_temp.try(statement) AS result FROM (VALUES
    ($$SELECT count(*) FROM railway.runs$$),
    ($$SELECT count(*) FROM railway.run_partitions$$),
    ($$SELECT railway.plan_runs('2025-01-01', '2025-01-31')$$),
    ($$UPDATE railway.runs SET status = 'running'$$),
    ($$SELECT railway.drop_run_partitions('1 year')$$)
) AS t(statement);
RESET ROLE;
-- What the operator wrote: run by run.
SELECT schedule_id, run_date, kind, planned_departure, actual_departure, status
FROM railway.runs
WHERE (schedule_id = 1801 AND run_date BETWEEN '2025-01-06' AND '2025-01-10') OR kind = 'extra'
ORDER BY 1, 2;

-- 2. The audit of runs: the extra run, the retiming and the cancellation (row_id = the
-- schedule, the run date in the row images), by the operator; not the planned runs, not the
-- actual times and statuses recorded directly or through schedules.
SELECT id, changed_by, operation, table_name, row_id,
       COALESCE(new_row, old_row) ->> 'run_date' AS run_date,
       old_row ->> 'planned_departure' AS old_departure, new_row ->> 'planned_departure' AS new_departure,
       old_row ->> 'status' AS old_status, new_row ->> 'status' AS new_status, new_row ->> 'kind' AS kind
FROM railway.audit_log WHERE table_name = 'runs' ORDER BY id;
-- Un-cancelling is audited; changing the status between others is not.
UPDATE railway.runs SET status = 'scheduled' WHERE schedule_id = 1801 AND run_date = '2025-01-09';
UPDATE railway.runs SET status = 'completed' WHERE schedule_id = 1801 AND run_date = '2025-01-06';
-- A run moved to another month is, for PostgreSQL, a DELETE and an INSERT: both audited (the
-- INSERT because it is an extra run).
UPDATE railway.runs SET run_date = '2025-02-02', kind = 'extra', planned_departure = NULL, planned_arrival = NULL
WHERE schedule_id = 1802 AND run_date = '2025-01-05';
-- Deletes are audited, every row (as the owner here).
DELETE FROM railway.runs WHERE schedule_id = 1801 AND run_date IN ('2025-01-11', '2025-01-12');
SELECT id, changed_by, operation, row_id,
       old_row ->> 'run_date' AS old_run_date, new_row ->> 'run_date' AS new_run_date,
       old_row ->> 'status' AS old_status, new_row ->> 'status' AS new_status
FROM railway.audit_log WHERE table_name = 'runs' AND id > 3 ORDER BY id;
-- The history of one run: its schedule as row_id (index idx_audit_log_row), its date in the rows.
SELECT operation, new_row ->> 'status' AS status FROM railway.audit_log
WHERE table_name = 'runs' AND row_id = 1801 AND COALESCE(new_row, old_row) ->> 'run_date' = '2025-01-09'
ORDER BY id;
-- The triggers: row-level (cloned onto every partition) for INSERT and UPDATE with WHEN, and
-- DELETE; statement-level for TRUNCATE.
SELECT c.relname, g.tgname, g.tgparentid <> 0 AS cloned
FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
WHERE g.tgname LIKE 'runs\_audit\_%' AND c.relname IN ('runs', 'runs_default', 'runs_2025_01') ORDER BY 1, 2;

-- 3. railway.health() knows the partitions of railway.runs.
SELECT partition_name, from_date, to_date, is_default, has_primary_key
FROM railway.run_partitions ORDER BY from_date NULLS FIRST;
-- Runs are in use (there are partitions) but none holds this month or the next: a warning.
SELECT h ->> 'status' AS status, h -> 'checks' -> 'runPartitions' ->> 'status' AS run_partitions,
       h -> 'checks' -> 'runPartitions' -> 'missingMonths'
           = jsonb_build_array(to_char(CURRENT_DATE, 'YYYY-MM'), to_char(CURRENT_DATE + interval '1 month', 'YYYY-MM')) AS this_and_next_month,
       ARRAY(SELECT r FROM jsonb_array_elements_text(h -> 'recommendations') AS r WHERE r LIKE 'railway.runs has no partition%')
           <> '{}' AS recommends_create
FROM railway.health(min_cache_hit_ratio => 0, max_dead_tuple_ratio => 1, max_connection_usage => 1) AS h;
SELECT count(*) > 0 AS made FROM railway.create_run_partitions(1);
SELECT h ->> 'status' AS status, (h -> 'checks' -> 'runPartitions') - 'partitions'::text AS run_partitions
FROM railway.health(min_cache_hit_ratio => 0, max_dead_tuple_ratio => 1, max_connection_usage => 1) AS h;
-- A partition made by hand without its primary key, and rows in the default partition (its
-- CHECK dropped): errors.
BEGIN;
CREATE TABLE railway.runs_2031_05 PARTITION OF railway.runs FOR VALUES FROM ('2031-05-01') TO ('2031-06-01');
ALTER TABLE railway.runs_default DROP CONSTRAINT runs_default_no_rows;
SET LOCAL session_replication_role = replica;  -- past the trigger validate_run
INSERT INTO railway.runs (train_id, schedule_id, run_date, planned_departure, planned_arrival)
VALUES (1801, 1801, '2040-01-01', '2040-01-01 08:00', '2040-01-01 09:30');
SET LOCAL session_replication_role = origin;
SELECT h ->> 'status' AS status, h -> 'checks' -> 'runPartitions' ->> 'status' AS run_partitions,
       h -> 'checks' -> 'runPartitions' -> 'withoutPrimaryKey' AS without_primary_key,
       h -> 'checks' -> 'runPartitions' -> 'defaultPartitionRows' AS default_partition_rows,
       ARRAY(SELECT left(r, 60) FROM jsonb_array_elements_text(h -> 'recommendations') AS r
             WHERE r LIKE '%railway.runs%' ORDER BY 1) AS recommendations
FROM railway.health(min_cache_hit_ratio => 0, max_dead_tuple_ratio => 1, max_connection_usage => 1) AS h;
-- A viewer sees it too (the default partition is readable by viewers).
SET LOCAL ROLE runsops_viewer;
SELECT railway.health() -> 'checks' -> 'runPartitions' -> 'defaultPartitionRows' AS viewer_sees_rows;
ROLLBACK;

-- 4. Old history goes a partition at a time: drop_run_partitions (railway_admin). A cancelled
-- schedule is purged only once no run of it is left.
UPDATE railway.schedules SET status = 'cancelled', is_cancelled = true WHERE id = 1802;
SELECT count(*) AS runs_of_1802 FROM railway.runs WHERE schedule_id = 1802;
SELECT railway.purge_cancelled('1 day') AS purged_while_runs_are_left;
SET ROLE runsops_admin;
SELECT pg_temp.try($$SELECT railway.drop_run_partitions(NULL)$$) AS null_interval,
       pg_temp.try($$SELECT railway.drop_run_partitions('1 hour')$$) AS too_short;
-- Nothing is that old yet (to_date of January 2025 is 2025-02-01).
SELECT * FROM railway.drop_run_partitions(make_interval(days => CURRENT_DATE - DATE '2025-01-31'));
-- January ended more than this long ago: detached, kept as a table to archive.
SELECT * FROM railway.drop_run_partitions(make_interval(days => CURRENT_DATE - DATE '2025-02-01'), detach => true);
RESET ROLE;
SELECT count(*) AS january_runs_kept_detached, (SELECT count(*) FROM pg_inherits WHERE inhrelid = 'railway.runs_2025_01'::regclass) AS still_attached
FROM railway.runs_2025_01;
DROP TABLE railway.runs_2025_01;
-- February dropped.
SET ROLE runsops_admin;
SELECT * FROM railway.drop_run_partitions(make_interval(days => CURRENT_DATE - DATE '2025-03-01'));
RESET ROLE;
SELECT partition_name FROM railway.run_partitions WHERE NOT is_default AND from_date < '2025-06-01' ORDER BY 1;
SELECT count(*) AS runs_of_1802 FROM railway.runs WHERE schedule_id = 1802;
SELECT railway.purge_cancelled('1 day') AS purged_once_no_run_is_left;
SELECT id FROM railway.schedules WHERE id IN (1801, 1802);

-- 5. maintenance_plan: ANALYZE railway.runs daily; partitions ahead, and old history when
-- railway.run_retention is set, monthly.
SELECT railway.maintenance_plan('daily');
SELECT p FROM railway.maintenance_plan('monthly') AS p WHERE p LIKE '%run%';
SET railway.run_retention = '2 years';
SELECT p FROM railway.maintenance_plan('monthly') AS p WHERE p LIKE '%run%';
RESET railway.run_retention;

-- Clean up.
DO $$
DECLARE p regclass;
BEGIN
    FOR p IN SELECT inhrelid::regclass FROM pg_inherits
             WHERE inhparent = 'railway.runs'::regclass AND inhrelid <> 'railway.runs_default'::regclass LOOP
        EXECUTE format('DROP TABLE %s', p);
    END LOOP;
END $$;
DELETE FROM railway.schedules WHERE id IN (1801, 1802);
DELETE FROM railway.trains WHERE id IN (1801, 1802);
DELETE FROM railway.locations WHERE id IN (1801, 1802);
TRUNCATE railway.audit_log RESTART IDENTITY;
DROP ROLE runsops_viewer, runsops_operator, runsops_admin, runsops_nobody;
