-- The validation trigger keeps its conflict search's index scan open for all the rows of one
-- statement (OpenScan in src/pg/validation_trigger.cpp). What the scan holds must be given back
-- however the statement ends: normally, at a commit, at a savepoint's release or rollback,
-- through an error (the trigger's own, a foreign key's, one caught by PL/pgSQL), in COPY,
-- and in a statement run inside another statement. A reference held too long would show here
-- as a WARNING (relcache reference or buffer leak), one given back twice as an ERROR.

SET DateStyle = ISO;
\set SHOW_CONTEXT never

INSERT INTO railway.locations (name, code) VALUES ('Davangere', 'DVD'), ('Narasapur', 'NS');
INSERT INTO railway.trains (train_number) SELECT 'S' || g FROM generate_series(1, 4) AS g;

-- A daily one-hour service of train t at hour h, from 2024-01-01, open-ended.
CREATE TEMP VIEW hourly (train_id, departure_location_id, arrival_location_id,
                         scheduled_departure, scheduled_arrival, effective_start_date) AS
SELECT t, 1, 2, timestamp '2024-01-01' + make_interval(hours => h),
       timestamp '2024-01-01' + make_interval(hours => h + 1), timestamp '2024-01-01'
FROM generate_series(1, 4) AS t, generate_series(0, 23) AS h;

-- One statement, many rows (one scan, rescanned for each row), then more statements in the
-- same transaction and a commit.
BEGIN;
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
SELECT * FROM hourly WHERE train_id = 1 AND extract(hour FROM scheduled_departure) < 6;
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
SELECT * FROM hourly WHERE train_id = 2 AND extract(hour FROM scheduled_departure) < 6;
COMMIT;
SELECT train_id, count(*) FROM railway.schedules GROUP BY train_id ORDER BY train_id;

-- Savepoints: released, and rolled back, with inserts before, inside and after.
BEGIN;
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
SELECT * FROM hourly WHERE train_id = 3 AND extract(hour FROM scheduled_departure) = 6;
SAVEPOINT kept;
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
SELECT * FROM hourly WHERE train_id = 3 AND extract(hour FROM scheduled_departure) = 7;
RELEASE SAVEPOINT kept;
SAVEPOINT undone;
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
SELECT * FROM hourly WHERE train_id = 3 AND extract(hour FROM scheduled_departure) = 8;
ROLLBACK TO SAVEPOINT undone;
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
SELECT * FROM hourly WHERE train_id = 3 AND extract(hour FROM scheduled_departure) = 9;
COMMIT;
SELECT extract(hour FROM scheduled_departure) AS hour FROM railway.schedules
WHERE train_id = 3 ORDER BY 1;

-- Several statements in one message: the savepoint is released right after the insert.
BEGIN \; SAVEPOINT one_message \; INSERT INTO railway.schedules (train_id, departure_location_id,
        arrival_location_id, scheduled_departure, scheduled_arrival, effective_start_date)
    SELECT * FROM hourly WHERE train_id = 3 AND extract(hour FROM scheduled_departure) = 11 \;
    RELEASE SAVEPOINT one_message \; COMMIT;
SELECT count(*) FROM railway.schedules WHERE train_id = 3;

-- Errors after the scan was opened: the trigger's own conflict on the third row, and a
-- foreign key on the second row (raised after the trigger has searched for it).
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (4, 1, 2, '2024-01-01 00:00', '2024-01-01 01:00', '2024-01-01'),
       (4, 1, 2, '2024-01-01 01:00', '2024-01-01 02:00', '2024-01-01'),
       (4, 1, 2, '2024-01-01 01:30', '2024-01-01 02:30', '2024-01-01');
\echo :LAST_ERROR_SQLSTATE
BEGIN;
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (4, 1, 2, '2024-01-01 00:00', '2024-01-01 01:00', '2024-01-01'),
       (4, 1, 99, '2024-01-01 03:00', '2024-01-01 04:00', '2024-01-01');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT count(*) FROM railway.schedules WHERE train_id = 4;

-- PL/pgSQL: each row in its own subtransaction, every other one a conflict that is caught.
DO $$
DECLARE
    refused integer := 0;
BEGIN
    FOR h IN 0..9 LOOP
        BEGIN
            INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                    scheduled_departure, scheduled_arrival, effective_start_date)
            VALUES (4, 1, 2, timestamp '2024-01-01' + make_interval(hours => h / 2, mins => 10 * (h % 2)),
                    timestamp '2024-01-01' + make_interval(hours => h / 2 + 1), '2024-01-01');
        EXCEPTION WHEN exclusion_violation THEN
            refused := refused + 1;
        END;
    END LOOP;
    RAISE NOTICE 'refused % of 10', refused;
END
$$;
SELECT extract(hour FROM scheduled_departure) AS hour, extract(minute FROM scheduled_departure) AS minute
FROM railway.schedules WHERE train_id = 4 ORDER BY 1, 2;

-- A statement run inside another: each row of the outer INSERT calls a function whose own
-- INSERT fires the trigger too (two scans open at once, the inner one ending first).
CREATE FUNCTION pg_temp.add_morning_run(t integer) RETURNS integer LANGUAGE sql AS $$
    INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
            scheduled_departure, scheduled_arrival, effective_start_date)
    VALUES (t, 2, 1, '2024-01-01 12:00', '2024-01-01 12:30', '2024-01-01')
    RETURNING train_id
$$;
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
SELECT pg_temp.add_morning_run(t), 1, 2, '2024-01-01 13:00', '2024-01-01 14:00', '2024-01-01'
FROM generate_series(1, 2) AS t;
SELECT train_id, count(*) FROM railway.schedules
WHERE scheduled_departure::time >= '12:00' GROUP BY train_id ORDER BY train_id;

-- COPY, in a transaction with a savepoint, and a COPY that fails on its second row.
BEGIN;
SAVEPOINT copying;
COPY railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date) FROM stdin;
1	1	2	2024-01-01 15:00	2024-01-01 16:00	2024-01-01
2	1	2	2024-01-01 15:00	2024-01-01 16:00	2024-01-01
\.
RELEASE SAVEPOINT copying;
COMMIT;
COPY railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date) FROM stdin;
1	1	2	2024-01-01 17:00	2024-01-01 18:00	2024-01-01
1	1	2	2024-01-01 17:30	2024-01-01 18:30	2024-01-01
\.
SELECT train_id, count(*) FROM railway.schedules
WHERE scheduled_departure::time >= '15:00' GROUP BY train_id ORDER BY train_id;

-- A prepared statement run many times, and updates that move a run (and search) inside a
-- savepoint that is rolled back.
PREPARE add_run(integer, integer) AS
    INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
            scheduled_departure, scheduled_arrival, effective_start_date)
    SELECT * FROM hourly WHERE train_id = $1 AND extract(hour FROM scheduled_departure) = $2;
EXECUTE add_run(1, 20);
EXECUTE add_run(1, 21);
EXECUTE add_run(1, 21);
\echo :LAST_ERROR_SQLSTATE
BEGIN;
SAVEPOINT moving;
UPDATE railway.schedules SET scheduled_departure = scheduled_departure + interval '30 minutes',
                             scheduled_arrival = scheduled_arrival + interval '30 minutes'
WHERE train_id = 1 AND scheduled_departure::time = '21:00';
UPDATE railway.schedules SET scheduled_departure = scheduled_departure - interval '30 minutes',
                             scheduled_arrival = scheduled_arrival - interval '30 minutes'
WHERE train_id = 1 AND scheduled_departure::time = '21:30';
ROLLBACK TO SAVEPOINT moving;
UPDATE railway.schedules SET scheduled_departure = scheduled_departure + interval '30 minutes',
                             scheduled_arrival = scheduled_arrival + interval '30 minutes'
WHERE train_id = 1 AND scheduled_departure::time = '20:00';
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
UPDATE railway.schedules SET scheduled_departure = scheduled_departure - interval '30 minutes',
                             scheduled_arrival = scheduled_arrival - interval '30 minutes'
WHERE train_id = 1 AND scheduled_departure::time = '20:00';
COMMIT;
SELECT scheduled_departure::time AS departs FROM railway.schedules
WHERE train_id = 1 AND scheduled_departure::time >= '19:00' ORDER BY 1;
DEALLOCATE add_run;

-- Nothing conflicts, and the transaction holds none of the trigger's locks afterwards.
SELECT count(*) AS schedules FROM railway.schedules;
SELECT count(*) AS conflicting_pairs FROM railway.find_conflicts();
SELECT count(*) AS locks_left FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();

-- Clean up for the following tests.
DROP VIEW hourly;
TRUNCATE railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
