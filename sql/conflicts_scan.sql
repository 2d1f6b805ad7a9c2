-- find_conflicts() over the whole table reads the heap directly when the caller may read
-- every row (SELECT on railway.schedules, no row-level security), and goes through SPI
-- otherwise (column privileges only, row-level security): the same answers, and no policy
-- or privilege is bypassed.

SET DateStyle = ISO;

-- Conflicting rows can only be stored with the validation trigger and the exclusion constraint
-- set aside (as sql/conflicts.sql does); both are put back at the end.
ALTER TABLE railway.schedules DISABLE TRIGGER validate_schedule;
SELECT pg_get_constraintdef(oid) AS no_overlapping_runs FROM pg_constraint
WHERE conrelid = 'railway.schedules'::regclass AND conname = 'schedules_no_overlapping_runs' \gset
ALTER TABLE railway.schedules DROP CONSTRAINT schedules_no_overlapping_runs;

INSERT INTO railway.locations (id, name, code) OVERRIDING SYSTEM VALUE VALUES
    (1, 'Vijayawada Junction', 'BZA'), (2, 'Narasapur', 'NS');
INSERT INTO railway.trains (id, train_number) OVERRIDING SYSTEM VALUE VALUES (1, '101'), (2, '202');
-- Train 101: a daily and a weekday service an hour apart (conflict), a cancelled one in
-- between (never conflicts), one whose status alone says cancelled (neither).
-- Train 202: a Friday overnight run and a Saturday early run (conflict).
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date,
        effective_end_date, status, is_cancelled)
OVERRIDING SYSTEM VALUE VALUES
    (1, 1, 1, 2, '2024-01-01 08:00', '2024-01-01 10:00', '{t,t,t,t,t,t,t}', '2024-01-01', NULL, 'scheduled', false),
    (2, 1, 2, 1, '2024-01-01 09:00', '2024-01-01 11:00', '{t,t,t,t,t,f,f}', '2024-01-01', NULL, 'running', false),
    (3, 1, 1, 2, '2024-01-01 09:30', '2024-01-01 10:30', '{t,t,t,t,t,t,t}', '2024-01-01', NULL, 'cancelled', true),
    (4, 1, 2, 1, '2024-01-01 09:30', '2024-01-01 10:30', '{t,t,t,t,t,t,t}', '2024-01-01', NULL, 'cancelled', false),
    (5, 2, 1, 2, '2024-01-05 22:00', '2024-01-06 06:00', '{f,f,f,f,t,f,f}', '2024-01-01', NULL, 'scheduled', false),
    (6, 2, 2, 1, '2024-01-06 05:00', '2024-01-06 07:00', '{f,f,f,f,f,t,f}', '2024-01-01', '2024-12-31', 'delayed', false);
-- Train 202 is a vehicle: as a numbered train its Friday and Saturday runs would not conflict.
UPDATE railway.trains SET kind = 'vehicle' WHERE id = 2;

-- The superuser reads the heap directly.
SELECT * FROM railway.find_conflicts();

-- A role with column privileges only: the SPI query, same answers.
CREATE ROLE regress_railway_reader;
GRANT USAGE ON SCHEMA railway TO regress_railway_reader;
GRANT SELECT ON railway.trains TO regress_railway_reader;
GRANT SELECT (id, train_id, scheduled_departure, scheduled_arrival, running_days,
              effective_start_date, effective_end_date, status, is_cancelled, train_kind)
    ON railway.schedules TO regress_railway_reader;
SET ROLE regress_railway_reader;
SELECT * FROM railway.find_conflicts();
RESET ROLE;

-- Row-level security: the role sees train 101 only, and so do its conflicts.
GRANT SELECT ON railway.schedules TO regress_railway_reader;
ALTER TABLE railway.schedules ENABLE ROW LEVEL SECURITY;
CREATE POLICY regress_train_101 ON railway.schedules FOR SELECT TO regress_railway_reader
    USING (train_id = 1);
SET ROLE regress_railway_reader;
SELECT * FROM railway.find_conflicts();
RESET ROLE;
DROP POLICY regress_train_101 ON railway.schedules;
ALTER TABLE railway.schedules DISABLE ROW LEVEL SECURITY;

-- Without any privilege on the table: refused, as a query would be.
REVOKE SELECT ON railway.schedules FROM regress_railway_reader;
SET ROLE regress_railway_reader;
SELECT * FROM railway.find_conflicts();
RESET ROLE;

-- Clean up for the following tests.
REVOKE ALL ON railway.trains FROM regress_railway_reader;
REVOKE USAGE ON SCHEMA railway FROM regress_railway_reader;
DROP ROLE regress_railway_reader;
TRUNCATE railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
ALTER TABLE railway.schedules ENABLE TRIGGER validate_schedule;
ALTER TABLE railway.schedules ADD CONSTRAINT schedules_no_overlapping_runs :no_overlapping_runs;
