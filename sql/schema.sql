-- The timetable schema (DESIGN.md section 1): tables, columns, defaults, constraints and
-- indexes, and the database's own errors for bad input.

SELECT c.relname AS table_name, c.reloptions
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'railway' AND c.relkind = 'r'
  AND c.relname IN ('users', 'trains', 'locations', 'schedules')  -- the guide's tables
ORDER BY 1;

SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
FROM information_schema.columns WHERE table_schema = 'railway'
  AND table_name IN ('users', 'trains', 'locations', 'schedules')
ORDER BY table_name, ordinal_position;

SELECT conrelid::regclass AS table_name, conname, pg_get_constraintdef(oid) AS definition
FROM pg_constraint WHERE connamespace = 'railway'::regnamespace
  AND conrelid IN ('railway.users'::regclass, 'railway.trains'::regclass,
                   'railway.locations'::regclass, 'railway.schedules'::regclass)
ORDER BY 1, 2;

SELECT indexrelid::regclass AS index_name, pg_get_indexdef(indexrelid) AS definition
FROM pg_index WHERE indrelid IN ('railway.schedules'::regclass, 'railway.trains'::regclass,
                                 'railway.locations'::regclass, 'railway.users'::regclass)
ORDER BY 1;

-- A small timetable, with the defaults filled in.
INSERT INTO railway.locations (name, code) VALUES
    ('Davangere', 'DVD'), ('Gudur Junction', 'GDR.KI'), ('Narasapur', 'NS'),
    ('Vijayawada Junction', 'BZA'), ('Machilipatnam', 'MTM'), ('Chirala', 'COA');
INSERT INTO railway.trains (train_number, description, type) VALUES
    ('12711', 'Pinakini Express', 'express');
INSERT INTO railway.trains (train_number) VALUES ('07501');
INSERT INTO railway.users (username, password) VALUES ('planner', '$scrypt$ln=14,r=8,p=1$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY');
SELECT train_number, description, type FROM railway.trains ORDER BY id;
SELECT username, role, created_at IS NOT NULL AS has_created_at FROM railway.users;

INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (1, 4, 3, '2024-01-01 06:00', '2024-01-01 09:30', '2024-01-01');
SELECT id, status, is_cancelled, running_days, effective_start_date, effective_end_date,
       actual_departure, actual_arrival
FROM railway.schedules;

-- A one-day service: the end date may equal the start date.
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival,
                               effective_start_date, effective_end_date)
VALUES (2, 5, 6, '2024-01-06 22:00', '2024-01-07 01:00', '2024-01-06', '2024-01-06');

-- The default effective start date is today.
BEGIN;
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival)
VALUES (2, 1, 2, '2024-01-01 12:00', '2024-01-01 13:00')
RETURNING effective_start_date = CURRENT_DATE AS starts_today, running_days;
ROLLBACK;

-- Bad input: each gets the database's clear error and nothing is stored. (Terse: the DETAIL of
-- a check violation prints the whole row, including today's date from the defaults.)
\set VERBOSITY terse
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival, status)
VALUES (1, 4, 3, '2024-01-01 06:00', '2024-01-01 09:30', 'late');
INSERT INTO railway.users (username, password, role) VALUES ('root', '$scrypt$ln=14,r=8,p=1$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY', 'superuser');
INSERT INTO railway.trains (train_number, type) VALUES ('99999', 'maglev');
INSERT INTO railway.trains (train_number) VALUES ('  ');
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival)
VALUES (1, 4, 3, '2024-01-01 09:30', '2024-01-01 06:00');
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival)
VALUES (1, 4, 3, '2024-01-01 09:30', '2024-01-01 09:30');
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival,
                               effective_start_date, effective_end_date)
VALUES (1, 4, 3, '2024-01-01 06:00', '2024-01-01 09:30', '2024-06-01', '2024-05-31');
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival, running_days)
VALUES (1, 4, 3, '2024-01-01 06:00', '2024-01-01 09:30', '{t,t,t,t,t,t}');
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival, running_days)
VALUES (1, 4, 3, '2024-01-01 06:00', '2024-01-01 09:30', '{f,f,f,f,f,f,f}');
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival, running_days)
VALUES (1, 4, 3, '2024-01-01 06:00', '2024-01-01 09:30', '{t,t,t,NULL,t,t,t}');
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival)
VALUES (1, 4, 4, '2024-01-01 06:00', '2024-01-01 09:30');
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival)
VALUES (NULL, 4, 3, '2024-01-01 06:00', '2024-01-01 09:30');
UPDATE railway.schedules SET actual_departure = '2024-01-01 06:10', actual_arrival = '2024-01-01 06:05'
WHERE id = 1;
\set VERBOSITY default
INSERT INTO railway.trains (train_number) VALUES ('12711');
INSERT INTO railway.locations (name, code) VALUES ('Vijayawada again', 'BZA');
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival)
VALUES (42, 4, 3, '2024-01-01 06:00', '2024-01-01 09:30');
SELECT count(*) AS schedules FROM railway.schedules;

-- Referenced rows cannot be deleted (ON DELETE RESTRICT).
DELETE FROM railway.trains WHERE train_number = '12711';
DELETE FROM railway.locations WHERE code = 'BZA';
-- Nor can a referenced train's id change (trains_id_referenced; the key on (train_id,
-- train_kind) would cascade it); its other columns can.
UPDATE railway.trains SET id = 100 WHERE train_number = '12711';
UPDATE railway.trains SET description = 'renamed' WHERE train_number = '12711';

-- Clean up for the following tests.
TRUNCATE railway.schedules, railway.trains, railway.locations, railway.users RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;  -- the audit rows of this test (and of the TRUNCATE)
