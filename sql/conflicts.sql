-- Conflicts in the stored timetable: find_conflicts, check_schedule_conflicts and
-- validate_schedule, against the guide's own OVERLAPS query where it is wrong.

SET DateStyle = ISO;

-- This test needs conflicting schedules in railway.schedules, which the validation trigger and
-- the exclusion constraint refuse (sql/validation.sql): it loads them as a legacy timetable
-- would be, with both set aside, and puts them back at the end.
ALTER TABLE railway.schedules DISABLE TRIGGER validate_schedule;
SELECT pg_get_constraintdef(oid) AS no_overlapping_runs FROM pg_constraint
WHERE conrelid = 'railway.schedules'::regclass AND conname = 'schedules_no_overlapping_runs' \gset
ALTER TABLE railway.schedules DROP CONSTRAINT schedules_no_overlapping_runs;

INSERT INTO railway.locations (name, code) VALUES
    ('Davangere', 'DVD'), ('Gudur Junction', 'GDR.KI'), ('Narasapur', 'NS'),
    ('Vijayawada Junction', 'BZA'), ('Machilipatnam', 'MTM'), ('Kakinada Port', 'COA');
INSERT INTO railway.trains (train_number, type) VALUES
    ('101', 'local'), ('202', 'express'), ('303', 'express'), ('404', 'freight');

-- The date part of scheduled_departure is not used for recurrence (only its time of day), so
-- base dates differ as they do in real data.
-- Train 101: weekday and weekend services at the same hours (no conflict), plus a cancelled
-- duplicate (cancelled schedules never conflict).
-- Train 202: the same weekly service entered twice with different base dates (a conflict the
-- guide's query misses, its absolute timestamps being weeks apart).
-- Train 303: a Friday overnight run and a Saturday early run (a conflict every Saturday morning,
-- the first on 2024-01-06).
-- Train 404: summer and winter timetables that meet on one day, and a back-to-back pair.
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date,
        effective_end_date, status, is_cancelled)
OVERRIDING SYSTEM VALUE VALUES
    (1, 1, 4, 3, '2024-01-01 08:00', '2024-01-01 10:00', '{t,t,t,t,t,f,f}', '2024-01-01', NULL, 'scheduled', false),
    (2, 1, 3, 4, '2024-01-01 08:00', '2024-01-01 10:00', '{f,f,f,f,f,t,t}', '2024-01-01', NULL, 'scheduled', false),
    (3, 1, 4, 3, '2024-01-01 09:00', '2024-01-01 11:00', '{t,t,t,t,t,t,t}', '2024-01-01', NULL, 'cancelled', true),
    (4, 2, 5, 1, '2024-01-01 06:00', '2024-01-01 09:30', '{t,t,t,t,t,f,f}', '2024-01-01', NULL, 'scheduled', false),
    (5, 2, 1, 5, '2024-03-13 07:00', '2024-03-13 08:00', '{t,t,t,t,t,f,f}', '2024-03-13', '2024-06-30', 'scheduled', false),
    (6, 3, 2, 6, '2024-01-05 22:00', '2024-01-06 06:00', '{f,f,f,f,t,f,f}', '2024-01-01', NULL, 'scheduled', false),
    (7, 3, 6, 2, '2024-01-13 05:00', '2024-01-13 07:00', '{f,f,f,f,f,t,f}', '2024-01-01', NULL, 'delayed', false),
    (8, 4, 4, 6, '2024-01-01 23:00', '2024-01-02 05:00', '{t,t,t,t,t,t,t}', '2024-01-01', '2024-03-31', 'scheduled', false),
    (9, 4, 6, 4, '2024-03-31 23:30', '2024-04-01 05:30', '{t,t,t,t,t,t,t}', '2024-03-31', '2024-10-26', 'scheduled', false),
    (10, 4, 6, 4, '2024-01-02 05:00', '2024-01-02 11:00', '{t,t,t,t,t,t,t}', '2024-01-01', '2024-03-30', 'scheduled', false);
SELECT setval('railway.schedules_id_seq', 10);
-- Train 303 is a vehicle (one trainset): its Friday night run still occupies it on Saturday
-- morning. As a numbered train (the default) the two runs depart on different dates and do
-- not conflict (sql/train_kinds.sql). The kind cascades to the schedules' train_kind.
UPDATE railway.trains SET kind = 'vehicle' WHERE train_number = '303';

-- For comparison, the guide's query: absolute timestamps with OVERLAPS, running days and
-- effective dates ignored. It reports 101's weekday/weekend pair, which never runs on the same
-- day, and misses all three real conflicts (202, 303, 404).
SELECT a.id AS schedule_id, b.id AS other_schedule_id
FROM railway.schedules a JOIN railway.schedules b
  ON a.train_id = b.train_id AND a.id < b.id
 AND NOT a.is_cancelled AND NOT b.is_cancelled
 AND (a.scheduled_departure, a.scheduled_arrival) OVERLAPS (b.scheduled_departure, b.scheduled_arrival)
ORDER BY 1, 2;

-- railway's answer: every conflicting pair once, with the earliest window.
SELECT * FROM railway.find_conflicts();
SELECT * FROM railway.find_conflicts(3);
SELECT * FROM railway.find_conflicts(1);
SELECT count(*) AS unknown_train FROM railway.find_conflicts(999);

-- Proposing a new schedule: which stored schedules would it conflict with?
-- A Saturday 05:30 run of train 303 meets both the Friday overnight run and the Saturday one.
SELECT id, train_number, departure_location, arrival_location, status, first_conflict
FROM railway.check_schedule_conflicts(3, '2024-02-03 05:30', '2024-02-03 06:30', '{f,f,f,f,f,t,f}', '2024-02-01', NULL);
-- Editing schedule 7 itself: exclude_id skips its stored row.
SELECT id, first_conflict
FROM railway.check_schedule_conflicts(3, '2024-02-03 05:30', '2024-02-03 06:30', '{f,f,f,f,f,t,f}', '2024-02-01', NULL, 7);
-- Weekend-only at the weekday hours of train 101: no conflict (the cancelled row is ignored).
SELECT count(*) AS conflicts
FROM railway.check_schedule_conflicts(1, '2024-01-06 09:00', '2024-01-06 09:30', '{f,f,f,f,f,t,f}', '2024-01-01', NULL, 2);
-- The proposed schedule is validated like a stored one.
SELECT * FROM railway.check_schedule_conflicts(NULL, '2024-01-06 09:00', '2024-01-06 09:30', '{f,f,f,f,f,t,f}', '2024-01-01', NULL);
SELECT * FROM railway.check_schedule_conflicts(1, '2024-01-06 09:00', '2024-01-06 08:30', '{f,f,f,f,f,t,f}', '2024-01-01', NULL);
SELECT * FROM railway.check_schedule_conflicts(1, '2024-01-06 09:00', '2024-01-06 09:30', '{f,f,f,f,f,t}', '2024-01-01', NULL);

-- validate_schedule: the first broken rule of a stored row, NULL when valid.
SELECT id, railway.validate_schedule(id) FROM railway.schedules ORDER BY id;
SELECT railway.validate_schedule(NULL) IS NULL AS null_id;
SELECT railway.validate_schedule(999);

-- Cancelling one side of a conflict resolves it.
UPDATE railway.schedules SET status = 'cancelled', is_cancelled = true WHERE id = 5;
SELECT schedule_id, other_schedule_id FROM railway.find_conflicts();

-- Clean up for the following tests.
TRUNCATE railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
ALTER TABLE railway.schedules ENABLE TRIGGER validate_schedule;
ALTER TABLE railway.schedules ADD CONSTRAINT schedules_no_overlapping_runs :no_overlapping_runs;
