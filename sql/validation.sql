-- The validation trigger railway.validate_schedule_trigger() and the exclusion constraint
-- schedules_no_overlapping_runs (DESIGN.md section 4): every rule from psql, from a prepared
-- statement and from COPY, each with its own message, SQLSTATE, DETAIL and HINT; conflicts;
-- updates; the trigger on a user's own table.

SET DateStyle = ISO;
\set SHOW_CONTEXT never

INSERT INTO railway.locations (name, code) VALUES
    ('Davangere', 'DVD'), ('Gudur Junction', 'GDR.KI'), ('Narasapur', 'NS'),
    ('Vijayawada Junction', 'BZA');
INSERT INTO railway.trains (train_number, type) VALUES ('12711', 'express'), ('07501', 'local');
-- 12711 is a vehicle (one trainset): its Friday night run meets its Saturday morning runs. As a
-- numbered train (the default) only runs departing on the same date conflict (sql/train_kinds.sql).
UPDATE railway.trains SET kind = 'vehicle' WHERE train_number = '12711';

-- A valid timetable: a Friday overnight run and a Saturday run of 12711 that starts when the
-- overnight one has arrived (back-to-back is not a conflict), and a daily 07501.
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (1, 2, 4, '2024-01-05 22:00', '2024-01-06 06:00', '{f,f,f,f,t,f,f}', '2024-01-01', NULL),
       (1, 4, 2, '2024-01-06 06:00', '2024-01-06 09:00', '{f,f,f,f,f,t,f}', '2024-01-01', '2024-12-31'),
       (2, 1, 3, '2024-01-01 12:00', '2024-01-01 13:30', '{t,t,t,t,t,t,t}', '2024-01-01', NULL);
SELECT id, train_id, railway.service_pattern(scheduled_departure, scheduled_arrival, running_days,
                                             effective_start_date, effective_end_date) AS pattern
FROM railway.schedules ORDER BY id;

-- Every rule, from psql: the message, its DETAIL and HINT, and the SQLSTATE.
-- Arrival after departure (23514).
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (2, 1, 3, '2024-02-01 09:30', '2024-02-01 09:00', '2024-02-01');
\echo :LAST_ERROR_SQLSTATE
-- End date not before start date (23514); an end date equal to the start date is allowed.
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date, effective_end_date)
VALUES (2, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '2024-02-01', '2024-01-31');
\echo :LAST_ERROR_SQLSTATE
-- running_days: one dimension, exactly 7 non-null elements, at least one true day.
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
VALUES (2, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '{t,t,t,t,t}', '2024-02-01');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
VALUES (2, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '{{t,t,t,t,t,t,t}}', '2024-02-01');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
VALUES (2, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '{t,NULL,t,t,t,t,t}', '2024-02-01');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
VALUES (2, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '{f,f,f,f,f,f,f}', '2024-02-01');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
VALUES (2, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '[0:6]={t,t,t,t,t,t,t}', '2024-02-01');
\echo :LAST_ERROR_SQLSTATE
-- Status in the allowed set (23514).
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date, status)
VALUES (2, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '2024-02-01', 'late');
\echo :LAST_ERROR_SQLSTATE
-- is_cancelled consistent with status = 'cancelled', both ways (23514; no CHECK covers it).
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date, status, is_cancelled)
VALUES (2, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '2024-02-01', 'cancelled', false);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date, status, is_cancelled)
VALUES (2, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '2024-02-01', 'scheduled', true);
\echo :LAST_ERROR_SQLSTATE
-- Departure location differs from arrival location (23514).
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (2, 3, 3, '2024-02-01 09:00', '2024-02-01 09:30', '2024-02-01');
\echo :LAST_ERROR_SQLSTATE
-- Actual arrival not before actual departure (23514).
UPDATE railway.schedules SET actual_departure = '2024-03-01 12:10', actual_arrival = '2024-03-01 12:05'
WHERE id = 3;
\echo :LAST_ERROR_SQLSTATE
-- NULL train or locations (23502), and NULL timing columns.
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (NULL, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '2024-02-01');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (2, NULL, 3, '2024-02-01 09:00', '2024-02-01 09:30', '2024-02-01');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (2, 1, NULL, '2024-02-01 09:00', '2024-02-01 09:30', '2024-02-01');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (2, 1, 3, '2024-02-01 09:00', NULL, '2024-02-01');
\echo :LAST_ERROR_SQLSTATE
-- Infinite times are refused (a recurring service needs a real time of day).
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (2, 1, 3, '2024-02-01 09:00', 'infinity', '2024-02-01');
\echo :LAST_ERROR_SQLSTATE

-- A conflict with another active schedule of the same train (23P01): the other schedule's
-- id, the train number, the first conflicting date and window. A Saturday 05:00 run meets
-- the Friday 22:00 overnight run (it arrives on Saturday at 06:00).
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
VALUES (1, 4, 1, '2024-01-13 05:00', '2024-01-13 05:45', '{f,f,f,f,f,t,f}', '2024-03-01');
\echo :LAST_ERROR_SQLSTATE
-- Among several conflicting schedules, the one whose conflict comes first is named.
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
VALUES (1, 4, 1, '2024-01-13 05:30', '2024-01-13 06:30', '{f,f,f,f,f,t,f}', '2024-01-01');
\echo :LAST_ERROR_SQLSTATE
-- Back-to-back, another train, or outside the other's effective dates: no conflict.
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
VALUES (1, 2, 4, '2024-01-06 09:00', '2024-01-06 10:00', '{f,f,f,f,f,t,f}', '2024-01-01'),
       (2, 2, 4, '2024-01-05 23:00', '2024-01-06 01:00', '{t,t,t,t,t,t,t}', '2024-01-01'),
       (1, 4, 1, '2025-01-04 07:00', '2025-01-04 08:00', '{f,f,f,f,f,t,f}', '2025-01-01');
-- A cancelled schedule never conflicts, and is not checked against.
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date, status, is_cancelled)
VALUES (2, 1, 3, '2024-01-01 12:30', '2024-01-01 13:00', '2024-01-01', 'cancelled', true);
SELECT count(*) AS schedules FROM railway.schedules;

-- Updates. Status and actual times change all day: such an update does not search for
-- conflicts (the search locks the train's row in railway.trains, which is not locked here:
-- a row lock shows as the locking transaction's id in xmax; no advisory lock is taken).
BEGIN;
UPDATE railway.schedules SET status = 'delayed', actual_departure = '2024-03-01 12:20' WHERE id = 3;
SELECT t.xmax = pg_current_xact_id()::xid AS train_locked,
       (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS advisory_locks
FROM railway.trains t WHERE t.id = (SELECT train_id FROM railway.schedules WHERE id = 3);
-- Changing the timing does search.
UPDATE railway.schedules SET scheduled_departure = '2024-01-01 11:55' WHERE id = 3;
SELECT t.xmax = pg_current_xact_id()::xid AS train_locked,
       (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS advisory_locks
FROM railway.trains t WHERE t.id = (SELECT train_id FROM railway.schedules WHERE id = 3);
COMMIT;
-- An update that moves a schedule into a conflict is refused.
UPDATE railway.schedules SET scheduled_departure = '2024-01-06 05:00', scheduled_arrival = '2024-01-06 07:00'
WHERE id = 2;
\echo :LAST_ERROR_SQLSTATE
-- Moving a schedule within its own old slot is not a conflict with itself.
UPDATE railway.schedules SET scheduled_departure = '2024-01-06 06:15' WHERE id = 2;
-- Reactivating a cancelled schedule is checked like an insert: the cancelled 12:30 run of
-- 07501 meets its daily 11:55 run.
UPDATE railway.schedules SET status = 'scheduled', is_cancelled = false WHERE status = 'cancelled';
\echo :LAST_ERROR_SQLSTATE
-- Cancelling and changing in one statement is fine.
UPDATE railway.schedules SET status = 'cancelled', is_cancelled = true, scheduled_departure = '2024-01-06 05:00'
WHERE id = 2;
UPDATE railway.schedules SET status = 'scheduled', is_cancelled = false, scheduled_departure = '2024-01-06 06:00'
WHERE id = 2;

-- The same rules from a prepared statement (as drivers and ORMs send them).
PREPARE add_schedule(integer, integer, integer, timestamp, timestamp, boolean[], timestamp, timestamp, varchar, boolean) AS
    INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
            scheduled_departure, scheduled_arrival, running_days, effective_start_date,
            effective_end_date, status, is_cancelled)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);
EXECUTE add_schedule(2, 1, 3, '2024-02-01 09:30', '2024-02-01 09:00', '{t,t,t,t,t,t,t}', '2024-02-01', NULL, 'scheduled', false);
\echo :LAST_ERROR_SQLSTATE
EXECUTE add_schedule(2, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '{t,t,t,t,t,t,t}', '2024-02-01', '2024-01-01', 'scheduled', false);
\echo :LAST_ERROR_SQLSTATE
EXECUTE add_schedule(2, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '{f,f,f,f,f,f,f}', '2024-02-01', NULL, 'scheduled', false);
\echo :LAST_ERROR_SQLSTATE
EXECUTE add_schedule(2, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '{t,t,t,t,t,t,t}', '2024-02-01', NULL, 'on time', false);
\echo :LAST_ERROR_SQLSTATE
EXECUTE add_schedule(2, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '{t,t,t,t,t,t,t}', '2024-02-01', NULL, 'delayed', true);
\echo :LAST_ERROR_SQLSTATE
EXECUTE add_schedule(2, 1, 1, '2024-02-01 09:00', '2024-02-01 09:30', '{t,t,t,t,t,t,t}', '2024-02-01', NULL, 'scheduled', false);
\echo :LAST_ERROR_SQLSTATE
EXECUTE add_schedule(NULL, 1, 3, '2024-02-01 09:00', '2024-02-01 09:30', '{t,t,t,t,t,t,t}', '2024-02-01', NULL, 'scheduled', false);
\echo :LAST_ERROR_SQLSTATE
EXECUTE add_schedule(2, 1, 3, '2024-02-01 12:00', '2024-02-01 12:30', '{t,t,t,t,t,t,t}', '2024-02-01', NULL, 'scheduled', false);
\echo :LAST_ERROR_SQLSTATE
EXECUTE add_schedule(2, 1, 3, '2024-02-01 21:00', '2024-02-01 21:30', '{t,t,t,t,t,t,t}', '2024-02-01', NULL, 'scheduled', false);
DEALLOCATE add_schedule;

-- COPY: a file with one bad row stores nothing, and the error names the line. (psql does not
-- set LAST_ERROR_SQLSTATE for COPY; the errors are those of the same rules above.)
SELECT count(*) AS before_copy FROM railway.schedules;
\set SHOW_CONTEXT always
COPY railway.schedules (train_id, departure_location_id, arrival_location_id, scheduled_departure,
                        scheduled_arrival, running_days, effective_start_date, effective_end_date) FROM STDIN;
2	1	3	2024-02-01 14:00	2024-02-01 14:30	{t,t,t,t,t,t,t}	2024-02-01	\N
2	1	3	2024-02-01 15:00	2024-02-01 15:30	{t,t,t,t,t,t,t}	2024-02-01	\N
2	1	3	2024-02-01 16:30	2024-02-01 16:00	{t,t,t,t,t,t,t}	2024-02-01	\N
2	1	3	2024-02-01 17:00	2024-02-01 17:30	{t,t,t,t,t,t,t}	2024-02-01	\N
\.
COPY railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
                        scheduled_arrival, running_days, effective_start_date, effective_end_date) FROM STDIN;
901	2	1	3	2024-02-01 14:00	2024-02-01 14:30	{t,t,t,t,t,t,t}	2024-02-01	\N
902	2	1	3	2024-02-01 14:15	2024-02-01 14:45	{f,f,f,f,f,t,t}	2024-02-01	\N
\.
COPY railway.schedules (train_id, departure_location_id, arrival_location_id, scheduled_departure,
                        scheduled_arrival, running_days, effective_start_date, effective_end_date) FROM STDIN;
2	1	3	2024-02-01 14:00	2024-02-01 14:30	{t,t,t,t,t,t,t}	2024-02-01	\N
\N	1	3	2024-02-01 15:00	2024-02-01 15:30	{t,t,t,t,t,t,t}	2024-02-01	\N
\.
\set SHOW_CONTEXT never
SELECT count(*) AS after_failed_copies FROM railway.schedules;
COPY railway.schedules (train_id, departure_location_id, arrival_location_id, scheduled_departure,
                        scheduled_arrival, running_days, effective_start_date, effective_end_date) FROM STDIN;
2	1	3	2024-02-01 14:00	2024-02-01 14:30	{t,t,t,t,t,t,t}	2024-02-01	\N
2	1	3	2024-02-01 15:00	2024-02-01 15:30	{t,t,t,t,t,t,t}	2024-02-01	\N
\.
SELECT count(*) AS after_good_copy FROM railway.schedules;

-- The table's CHECK constraints are still there behind the trigger, and the exclusion
-- constraint stops a conflict even when the trigger does not run.
ALTER TABLE railway.schedules DISABLE TRIGGER validate_schedule;
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (999, 2, 1, 3, '2024-02-01 09:30', '2024-02-01 09:00', '2024-02-01');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
VALUES (1, 4, 1, '2024-01-13 05:00', '2024-01-13 05:45', '{f,f,f,f,f,t,f}', '2024-03-01');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE railway.schedules ENABLE TRIGGER validate_schedule;
SET session_replication_role = replica;  -- as logical replication applies rows: no trigger
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
VALUES (1, 4, 1, '2024-01-13 05:00', '2024-01-13 05:45', '{f,f,f,f,f,t,f}', '2024-03-01');
\echo :LAST_ERROR_SQLSTATE
RESET session_replication_role;

-- The stored timetable has no conflict.
SELECT count(*) AS conflicts FROM railway.find_conflicts();

-- The trigger on a user's own table: arguments map the roles to its column names; a role
-- given as 'role=' (or whose default name the table lacks) is absent. This timetable has no
-- status, cancellation or actual times, a text train key and date-typed effective dates.
CREATE TABLE my_timetable (
    service_no   bigint PRIMARY KEY,
    train        text NOT NULL,
    origin       integer NOT NULL,
    destination  integer NOT NULL,
    departs      timestamp NOT NULL,
    arrives      timestamp NOT NULL,
    days         boolean[] NOT NULL,
    valid_from   date NOT NULL,
    valid_until  date
);
CREATE INDEX ON my_timetable (train);
CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON my_timetable FOR EACH ROW
EXECUTE FUNCTION railway.validate_schedule_trigger(
    'id=service_no', 'train_id=train', 'departure_location_id=origin', 'arrival_location_id=destination',
    'scheduled_departure=departs', 'scheduled_arrival=arrives', 'running_days=days',
    'effective_start_date=valid_from', 'effective_end_date=valid_until');
INSERT INTO my_timetable VALUES
    (100, 'IC 12', 1, 2, '2024-01-01 08:00', '2024-01-01 10:00', '{t,t,t,t,t,f,f}', '2024-01-01', NULL),
    (101, 'IC 12', 2, 1, '2024-01-06 08:00', '2024-01-06 10:00', '{f,f,f,f,f,t,t}', '2024-01-01', NULL),
    (102, 'IC 14', 2, 1, '2024-01-01 08:00', '2024-01-01 10:00', '{t,t,t,t,t,t,t}', '2024-01-01', NULL);
INSERT INTO my_timetable VALUES
    (103, 'IC 12', 1, 2, '2024-01-01 09:30', '2024-01-01 11:00', '{f,f,f,f,t,f,f}', '2024-02-01', '2024-02-29');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO my_timetable VALUES
    (103, 'IC 12', 1, 1, '2024-01-01 12:30', '2024-01-01 13:00', '{t,t,t,t,t,t,t}', '2024-02-01', NULL);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO my_timetable VALUES
    (103, 'IC 12', 1, 2, '2024-01-01 12:30', '2024-01-01 13:00', '{t,t,t,t,t,t,t}', '2024-02-01', '2024-01-01');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO my_timetable VALUES
    (103, NULL, 1, 2, '2024-01-01 12:30', '2024-01-01 13:00', '{t,t,t,t,t,t,t}', '2024-02-01', NULL);
\echo :LAST_ERROR_SQLSTATE
UPDATE my_timetable SET days = '{t,t,t,t,t,t,t}' WHERE service_no = 101;
\echo :LAST_ERROR_SQLSTATE
SELECT service_no, train FROM my_timetable ORDER BY 1;

-- One-off trips: no running days and no effective dates, so each row runs once, on the date
-- of its departure (the guide's absolute-time conflict, done right for overnight trips).
CREATE TABLE charter_trips (id integer PRIMARY KEY, train_id integer NOT NULL,
                            scheduled_departure timestamp NOT NULL, scheduled_arrival timestamp NOT NULL);
CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON charter_trips FOR EACH ROW
EXECUTE FUNCTION railway.validate_schedule_trigger();
INSERT INTO charter_trips VALUES (1, 7, '2024-05-01 22:00', '2024-05-02 04:00'),
                                 (2, 7, '2024-05-02 04:00', '2024-05-02 08:00'),
                                 (3, 7, '2024-05-03 03:00', '2024-05-03 05:00');
INSERT INTO charter_trips VALUES (4, 7, '2024-05-02 03:00', '2024-05-02 03:30');
\echo :LAST_ERROR_SQLSTATE

-- Mapping errors say what is wrong and how to write the arguments.
CREATE TABLE bad_timetable (id integer, train integer, departs timestamptz, scheduled_arrival timestamp);
CREATE TRIGGER validate BEFORE INSERT ON bad_timetable FOR EACH ROW
EXECUTE FUNCTION railway.validate_schedule_trigger('train=train');
INSERT INTO bad_timetable VALUES (1, 1, '2024-01-01 08:00', '2024-01-01 09:00');
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER validate ON bad_timetable;
CREATE TRIGGER validate BEFORE INSERT ON bad_timetable FOR EACH ROW
EXECUTE FUNCTION railway.validate_schedule_trigger('train_id=train', 'scheduled_departure=leaves');
INSERT INTO bad_timetable VALUES (1, 1, '2024-01-01 08:00', '2024-01-01 09:00');
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER validate ON bad_timetable;
CREATE TRIGGER validate BEFORE INSERT ON bad_timetable FOR EACH ROW
EXECUTE FUNCTION railway.validate_schedule_trigger('train_id=train', 'scheduled_departure=departs');
INSERT INTO bad_timetable VALUES (1, 1, '2024-01-01 08:00', '2024-01-01 09:00');
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER validate ON bad_timetable;
CREATE TRIGGER validate AFTER INSERT ON bad_timetable FOR EACH ROW
EXECUTE FUNCTION railway.validate_schedule_trigger('train_id=train', 'scheduled_departure=departs');
INSERT INTO bad_timetable VALUES (1, 1, '2024-01-01 08:00', '2024-01-01 09:00');
\echo :LAST_ERROR_SQLSTATE
SELECT railway.validate_schedule_trigger();

-- Clean up for the following tests.
DROP TABLE my_timetable, charter_trips, bad_timetable;
TRUNCATE railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
