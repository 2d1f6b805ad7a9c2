-- Runs (issue 13, README "Runs"): railway.runs partitioned by month, create_run_partitions,
-- plan_runs (counts checked against railway.occurrences, idempotent), the native rules with
-- their SQLSTATE, DETAIL and HINT, a schedule edit keeping future runs in step while history
-- stays, and what each role may do.

SET DateStyle = ISO;
\set SHOW_CONTEXT never

-- Reports what a statement raised: SQLSTATE, message, detail and hint; or 'ok'.
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

INSERT INTO railway.locations (id, name, code) VALUES (1301, 'Vijayawada Junction', 'BZA'), (1302, 'Narasapur', 'NS');
INSERT INTO railway.trains (id, train_number, type) VALUES (1301, '17239', 'local'), (1302, 'F100', 'freight'),
                                                           (1303, '12711', 'express');
-- 1301: weekdays 08:00 for 1:30 in the first quarter of 2025; 1302: Fridays 22:00 overnight to
-- 06:00, open-ended; 1303: cancelled.
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date, status, is_cancelled)
VALUES (1301, 1301, 1301, 1302, '2025-01-06 08:00', '2025-01-06 09:30', '{t,t,t,t,t,f,f}', '2025-01-01', '2025-03-31', 'scheduled', false),
       (1302, 1302, 1302, 1301, '2025-01-03 22:00', '2025-01-04 06:00', '{f,f,f,f,t,f,f}', '2025-01-01', NULL, 'scheduled', false),
       (1303, 1303, 1301, 1302, '2025-01-06 10:00', '2025-01-06 11:00', '{t,t,t,t,t,t,t}', '2025-01-01', NULL, 'cancelled', true);

-- 1. Partitions. The table is partitioned by range of run_date; only the (empty) default
-- partition exists at first, and a run there is refused with the call that makes partitions.
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'railway.runs'::regclass ORDER BY 1;
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date) VALUES (1301, '2025-01-06')$$);
SELECT pg_temp.raised($$SELECT railway.plan_runs('2025-01-01', '2025-01-31', 1301)$$);
-- January to March 2025, then the same call makes nothing new.
SELECT * FROM railway.create_run_partitions(2, '2025-01-15');
SELECT * FROM railway.create_run_partitions(1, '2025-02-01');
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound,
       (SELECT string_agg(conname || ' ' || pg_get_constraintdef(k.oid), ', ' ORDER BY conname)
        FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u')) AS unique_keys,
       obj_description(c.oid, 'pg_class') AS comment
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'railway.runs'::regclass ORDER BY 1;
-- Bad arguments.
SELECT pg_temp.raised($$SELECT railway.create_run_partitions(NULL)$$);
SELECT pg_temp.raised($$SELECT railway.create_run_partitions(-1)$$);
SELECT pg_temp.raised($$SELECT railway.create_run_partitions(121)$$);
SELECT pg_temp.raised($$SELECT railway.create_run_partitions(1, 'infinity')$$);

-- 2. plan_runs: the runs of each active schedule on its departure dates in the window.
SELECT railway.plan_runs('2025-01-01', '2025-03-31', 1301) AS weekday_runs;
SELECT railway.plan_runs('2025-01-01', '2025-03-31', 1302) AS friday_runs;
SELECT railway.plan_runs('2025-01-01', '2025-03-31', 1303) AS cancelled_runs;
-- Idempotent: a second call creates nothing.
SELECT railway.plan_runs('2025-01-01', '2025-03-31', 1301) AS again;
-- Exactly the occurrences of the patterns, with the train and default status and kind.
SELECT s.id, count(*) AS occurrences,
       count(*) FILTER (WHERE r.run_date = lower(o)::date AND r.planned_departure = lower(o)
                        AND r.planned_arrival = upper(o) AND r.train_id = s.train_id
                        AND r.status = 'scheduled' AND r.kind = 'planned') AS matching_runs,
       (SELECT count(*) FROM railway.runs x WHERE x.schedule_id = s.id) AS runs
FROM railway.schedules s
CROSS JOIN LATERAL railway.occurrences(railway.service_pattern(s.scheduled_departure, s.scheduled_arrival,
        s.running_days, s.effective_start_date, s.effective_end_date), '2025-01-01', '2025-03-31') AS o
LEFT JOIN railway.runs r ON r.schedule_id = s.id AND r.run_date = lower(o)::date
WHERE s.id BETWEEN 1301 AND 1303 GROUP BY s.id ORDER BY s.id;
SELECT tableoid::regclass AS partition, count(*) FROM railway.runs GROUP BY 1 ORDER BY 1;
SELECT * FROM railway.runs WHERE schedule_id = 1302 ORDER BY run_date LIMIT 2;
-- Without a train: every active schedule; a window reaching April, which has no partition,
-- is refused as a whole.
SELECT railway.plan_runs('2025-01-01', '2025-03-31') AS all_trains_again;
SELECT pg_temp.raised($$SELECT railway.plan_runs('2025-03-01', '2025-04-30', 1302)$$);
SELECT count(*) FROM railway.runs WHERE run_date >= '2025-03-01';
-- A report over one month reads only that month's partition.
EXPLAIN (COSTS OFF) SELECT count(*) FROM railway.runs WHERE run_date BETWEEN '2025-02-01' AND '2025-02-28';
-- Bad input: NULL dates, a window that ends before it starts, infinite dates, too long a window.
SELECT pg_temp.raised($$SELECT railway.plan_runs(NULL, '2025-01-31')$$);
SELECT pg_temp.raised($$SELECT railway.plan_runs('2025-01-31', '2025-01-01')$$);
SELECT pg_temp.raised($$SELECT railway.plan_runs('2025-01-01', 'infinity')$$);
SELECT pg_temp.raised($$SELECT railway.plan_runs('2025-01-01', '2027-01-01')$$) LIKE '23514: No partition%' AS days_731_allowed;
SELECT pg_temp.raised($$SELECT railway.plan_runs('2025-01-01', '2027-01-02')$$);
SELECT railway.plan_runs('2025-01-01', '2025-01-01', 999999) AS unknown_train;

-- 3. The rules, each with its SQLSTATE, message, DETAIL and HINT.
-- The schedule exists (23503).
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date) VALUES (999999, '2025-01-06')$$);
-- A planned run is on a running date (23514, the nearest running dates in the DETAIL);
-- an extra run may be on any date, with the pattern's times by default.
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date) VALUES (1301, '2025-01-04')$$);
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date) VALUES (1302, '2025-01-02')$$);
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date, kind) VALUES (1301, '2025-01-04', 'extra')$$);
-- Planned arrival after planned departure; actual arrival not before actual departure.
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date, kind, planned_departure, planned_arrival)
                        VALUES (1301, '2025-01-05', 'extra', '2025-01-05 09:00', '2025-01-05 09:00')$$);
SELECT pg_temp.raised($$UPDATE railway.runs SET actual_departure = '2025-01-06 08:05', actual_arrival = '2025-01-06 08:00'
                        WHERE schedule_id = 1301 AND run_date = '2025-01-06'$$);
-- A known status and kind; NULLs; infinite times.
SELECT pg_temp.raised($$UPDATE railway.runs SET status = 'late' WHERE schedule_id = 1301 AND run_date = '2025-01-06'$$);
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date, kind) VALUES (1301, '2025-01-11', 'special')$$);
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date) VALUES (NULL, '2025-01-06')$$);
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date) VALUES (1301, NULL)$$);
SELECT pg_temp.raised($$UPDATE railway.runs SET actual_departure = 'infinity' WHERE schedule_id = 1301 AND run_date = '2025-01-06'$$);
-- train_id is the schedule's: filled in when NULL, refused when another.
SELECT pg_temp.raised($$INSERT INTO railway.runs (train_id, schedule_id, run_date, kind) VALUES (1302, 1301, '2025-01-12', 'extra')$$);
-- One run per schedule and date (the partition's primary key).
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date) VALUES (1301, '2025-01-06')$$);
-- The extra run stored above, with its train and planned times filled in.
SELECT * FROM railway.runs WHERE kind = 'extra' ORDER BY schedule_id, run_date;
-- The rules also hold for COPY (one bad row: nothing stored) and prepared statements.
COPY railway.runs (schedule_id, run_date, kind) FROM stdin;
1301	2025-01-18	extra
1301	2025-01-19	planned
\.
PREPARE add_run(integer, date) AS INSERT INTO railway.runs (schedule_id, run_date) VALUES ($1, $2);
EXECUTE add_run(1301, '2025-01-25');
DEALLOCATE add_run;
SELECT run_date, kind FROM railway.runs WHERE schedule_id = 1301 AND run_date BETWEEN '2025-01-18' AND '2025-01-27' ORDER BY 1;
-- Recording the day: actual times and status; a retiming of one run.
UPDATE railway.runs SET actual_departure = '2025-01-06 08:03', actual_arrival = '2025-01-06 09:41', status = 'completed'
WHERE schedule_id = 1301 AND run_date = '2025-01-06';
UPDATE railway.runs SET planned_departure = '2025-01-07 08:20', planned_arrival = '2025-01-07 09:50'
WHERE schedule_id = 1301 AND run_date = '2025-01-07';
SELECT run_date, planned_departure, planned_arrival, actual_departure, actual_arrival, status
FROM railway.runs WHERE schedule_id = 1301 AND run_date IN ('2025-01-06', '2025-01-07') ORDER BY run_date;

-- 4. Editing a schedule keeps its future runs in step; history stays. Schedule 1304 runs
-- daily at 10:00 for one hour from 7 days ago; its runs are planned up to 20 days ahead.
SELECT count(*) > 0 AS made_partitions FROM railway.create_run_partitions(2, CURRENT_DATE - 7);
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date)
VALUES (1304, 1303, 1302, 1301, CURRENT_DATE + time '10:00', CURRENT_DATE + time '11:00', '{t,t,t,t,t,t,t}', CURRENT_DATE - 7);
SELECT railway.plan_runs(CURRENT_DATE - 7, CURRENT_DATE + 20, 1303) AS daily_runs;
-- History: yesterday's run ran. Future: the run in 3 days is retimed, the one in 4 days is
-- cancelled, the one in 5 days has an actual departure already (a recording error, kept).
UPDATE railway.runs SET actual_departure = run_date + time '10:02', actual_arrival = run_date + time '11:04', status = 'completed'
WHERE schedule_id = 1304 AND run_date = CURRENT_DATE - 1;
UPDATE railway.runs SET planned_departure = run_date + time '10:30', planned_arrival = run_date + time '11:30'
WHERE schedule_id = 1304 AND run_date = CURRENT_DATE + 3;
UPDATE railway.runs SET status = 'cancelled' WHERE schedule_id = 1304 AND run_date = CURRENT_DATE + 4;
UPDATE railway.runs SET actual_departure = run_date + time '10:00' WHERE schedule_id = 1304 AND run_date = CURRENT_DATE + 5;
CREATE TEMP TABLE before_edit AS SELECT * FROM railway.runs WHERE schedule_id = 1304;
-- The edit: 12:00 for 1:30, Monday to Friday only.
UPDATE railway.schedules SET scheduled_departure = CURRENT_DATE + time '12:00', scheduled_arrival = CURRENT_DATE + time '13:30',
                             running_days = '{t,t,t,t,t,f,f}'
WHERE id = 1304;
-- Every run before today is unchanged, and so are the three touched future runs.
SELECT count(*) AS unchanged_kept FROM before_edit b JOIN railway.runs r USING (schedule_id, run_date)
WHERE (b.run_date < CURRENT_DATE OR b.run_date - CURRENT_DATE IN (3, 4, 5)) AND r::text = b::text;
SELECT count(*) AS past_runs FROM before_edit WHERE run_date < CURRENT_DATE;
-- From today to the horizon (CURRENT_DATE + 20), the untouched runs are exactly the new
-- pattern's occurrences on the dates that have no touched run; nothing beyond the horizon.
SELECT untouched = occurrences AND matching = occurrences AS in_step, horizon_days FROM (SELECT
       (SELECT count(*) FROM railway.runs r WHERE r.schedule_id = 1304 AND r.run_date >= CURRENT_DATE
          AND r.run_date - CURRENT_DATE NOT IN (3, 4, 5)) AS untouched,
       (SELECT count(*) FROM railway.occurrences('12:00 for 01:30 on 12345-- from 2000-01-01 to infinity',
                                                 CURRENT_DATE, CURRENT_DATE + 20) o
        WHERE lower(o)::date - CURRENT_DATE NOT IN (3, 4, 5)) AS occurrences,
       (SELECT count(*) FROM railway.runs r
        JOIN railway.occurrences('12:00 for 01:30 on 12345-- from 2000-01-01 to infinity', CURRENT_DATE, CURRENT_DATE + 20) o
          ON r.run_date = lower(o)::date AND r.planned_departure = lower(o) AND r.planned_arrival = upper(o)
        WHERE r.schedule_id = 1304 AND r.status = 'scheduled' AND r.actual_departure IS NULL
          AND r.train_id = 1303 AND r.kind = 'planned') AS matching,
       (SELECT max(run_date) - CURRENT_DATE FROM railway.runs WHERE schedule_id = 1304) AS horizon_days) AS x;
CREATE TEMP TABLE after_edit AS SELECT * FROM railway.runs WHERE schedule_id = 1304;
-- A status or actual-time update of the schedule does not re-plan its runs; it is recorded on
-- the run it belongs to, here the run of a week ago (trigger record_run, sql/runs_recording.sql).
UPDATE railway.schedules SET status = 'delayed', actual_departure = CURRENT_DATE - 7 + time '10:05' WHERE id = 1304;
SELECT (SELECT count(*) FROM railway.runs WHERE schedule_id = 1304) = (SELECT count(*) FROM after_edit)
       AND (SELECT count(*) FROM after_edit a JOIN railway.runs r USING (schedule_id, run_date) WHERE r::text = a::text)
           = (SELECT count(*) FROM after_edit) - 1 AS other_runs_unchanged,
       (SELECT format('%s %s', r.status, r.actual_departure::time) FROM railway.runs r
        WHERE r.schedule_id = 1304 AND r.run_date = CURRENT_DATE - 7) AS run_of_a_week_ago;
-- Another train: runs from today without actual times follow it; runs before today and runs
-- with actual times keep theirs.
UPDATE railway.schedules SET train_id = 1301 WHERE id = 1304;
SELECT DISTINCT run_date >= CURRENT_DATE AS future, actual_departure IS NOT NULL AS has_actual, train_id
FROM railway.runs WHERE schedule_id = 1304 ORDER BY 1, 2, 3;
-- Cancelling the schedule deletes its untouched future runs only.
UPDATE railway.schedules SET status = 'cancelled', is_cancelled = true WHERE id = 1304;
SELECT run_date - CURRENT_DATE AS day, status, actual_departure IS NOT NULL AS has_actual
FROM railway.runs WHERE schedule_id = 1304 AND run_date >= CURRENT_DATE ORDER BY 1;
SELECT count(*) AS past_runs_kept FROM railway.runs WHERE schedule_id = 1304 AND run_date < CURRENT_DATE;
-- Deleting the schedule deletes its future runs without actual times; history stays.
DELETE FROM railway.schedules WHERE id = 1304;
SELECT run_date - CURRENT_DATE AS day, status, actual_departure IS NOT NULL AS has_actual
FROM railway.runs WHERE schedule_id = 1304 AND run_date >= CURRENT_DATE ORDER BY 1;
SELECT count(*) AS past_runs_kept FROM railway.runs WHERE schedule_id = 1304 AND run_date < CURRENT_DATE;

-- 5. Roles: operators plan and record runs, viewers read them, others are refused (42501).
CREATE ROLE runs_viewer LOGIN IN ROLE railway_viewer;
CREATE ROLE runs_operator LOGIN IN ROLE railway_operator;
CREATE ROLE runs_admin LOGIN IN ROLE railway_admin;
CREATE ROLE runs_nobody LOGIN;
SET ROLE runs_viewer;
SELECT statement, pg_temp.raised(statement) AS result FROM (VALUES
    ($$SELECT count(*) > 0 FROM railway.runs$$),
    ($$INSERT INTO railway.runs (schedule_id, run_date) VALUES (1301, '2025-02-03')$$),
    ($$UPDATE railway.runs SET status = 'running' WHERE schedule_id = 1301$$),
    ($$SELECT railway.plan_runs('2025-01-01', '2025-01-31')$$),
    ($$SELECT railway.create_run_partitions(0, '2025-06-01')$$)
) AS t(statement);
RESET ROLE;
SET ROLE runs_operator;
SELECT statement, pg_temp.raised(statement) AS result FROM (VALUES
    ($$SELECT railway.plan_runs('2025-01-01', '2025-01-31')$$),
    ($$INSERT INTO railway.runs (schedule_id, run_date, kind) VALUES (1302, '2025-02-01', 'extra')$$),
    ($$UPDATE railway.runs SET actual_departure = run_date + time '22:04' WHERE schedule_id = 1302 AND run_date = '2025-01-10'$$),
    ($$DELETE FROM railway.runs WHERE schedule_id = 1302$$),
    ($$SELECT railway.create_run_partitions(0, '2025-06-01')$$),
    ($$DROP TABLE railway.runs_2025_01$$)
) AS t(statement);
RESET ROLE;
SET ROLE runs_admin;
SELECT pg_temp.raised($$SELECT railway.create_run_partitions(0, '2025-06-01')$$);
RESET ROLE;
SET ROLE runs_nobody;
SELECT pg_temp.raised($$SELECT count(*) FROM railway.runs$$);
SELECT pg_temp.raised($$SELECT railway.plan_runs('2025-01-01', '2025-01-31')$$);
RESET ROLE;
SELECT run_date, actual_departure, kind FROM railway.runs WHERE schedule_id = 1302 AND run_date BETWEEN '2025-01-10' AND '2025-02-01' ORDER BY 1;
-- The made partition belongs to the extension's owner, not to the caller.
SELECT pg_get_userbyid(relowner) = current_user AS owned_by_extension_owner FROM pg_class WHERE oid = 'railway.runs_2025_06'::regclass;

-- Clean up: runs and their partitions, the timetable, the roles.
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
DROP ROLE runs_viewer, runs_operator, runs_admin, runs_nobody;
