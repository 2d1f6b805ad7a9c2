-- Numbered trains and vehicles (DESIGN.md section 2, issue 12): railway.trains.kind, the kind a
-- service pattern carries, && and first_conflict by kind, the exclusion constraint and the
-- trigger for both kinds, find_conflicts, check_schedule_conflicts, validate_schedule, and a
-- train's kind changed under its schedules.

SET DateStyle = ISO;
\set SHOW_CONTEXT never

-- A train is numbered unless it says otherwise; nothing else is a kind.
INSERT INTO railway.locations (id, name, code) OVERRIDING SYSTEM VALUE VALUES
    (1, 'Howrah', 'HWH'), (2, 'New Delhi', 'NDLS'), (3, 'Kanpur Central', 'CNB');
INSERT INTO railway.trains (id, train_number) OVERRIDING SYSTEM VALUE VALUES (1, '12301');
INSERT INTO railway.trains (id, train_number, kind) OVERRIDING SYSTEM VALUE VALUES (2, 'RAKE-7', 'vehicle');
INSERT INTO railway.trains (id, train_number) OVERRIDING SYSTEM VALUE VALUES (4, '12302');
SELECT id, train_number, kind FROM railway.trains ORDER BY id;
INSERT INTO railway.trains (id, train_number, kind) OVERRIDING SYSTEM VALUE VALUES (3, 'X', 'bus');
SELECT col_description('railway.trains'::regclass, 5) IS NOT NULL AS kind_has_comment,
       col_description('railway.schedules'::regclass, 14) IS NOT NULL AS train_kind_has_comment;

-- The pattern carries the kind; the five-argument constructor makes a vehicle's (railway 1.0).
SELECT railway.service_pattern('2024-01-01 20:00', '2024-01-03 04:00', '{t,t,t,t,t,f,f}', '2024-01-01', NULL, 'numbered') AS numbered,
       railway.service_pattern('2024-01-01 20:00', '2024-01-03 04:00', '{t,t,t,t,t,f,f}', '2024-01-01', NULL) AS plain,
       railway.service_pattern('2024-01-01 20:00', '2024-01-03 04:00', '{t,t,t,t,t,f,f}', '2024-01-01', NULL, 'vehicle') AS vehicle;
SELECT '20:00 for 32:00 on 12345-- from 2024-01-01 to infinity numbered'::railway.service_pattern AS text_in,
       '20:00 for 32:00 on 12345-- from 2024-01-01 to infinity vehicle'::railway.service_pattern AS vehicle_in;
SELECT railway.service_pattern_send('20:00 for 32:00 on 12345-- from 2024-01-01 to infinity numbered') AS numbered_binary,
       railway.service_pattern_send('20:00 for 32:00 on 12345-- from 2024-01-01 to infinity') AS vehicle_binary;
SELECT railway.service_pattern('2024-01-01 20:00', '2024-01-03 04:00', '{t,t,t,t,t,f,f}', '2024-01-01', NULL, 'bus');
SELECT railway.service_pattern('2024-01-01 20:00', '2024-01-03 04:00', '{t,t,t,t,t,f,f}', '2024-01-01', NULL, NULL);

-- The daily 32-hour train with two calendar variants (weekdays, weekend), both at 20:00:
-- Friday's run is still on the line when Saturday's departs. Numbered: no conflict (never the
-- same departure date). Vehicle: a conflict from Saturday 6 January 20:00 to Sunday 04:00.
SELECT kind,
       railway.service_pattern('2024-01-01 20:00', '2024-01-03 04:00', '{t,t,t,t,t,f,f}', '2024-01-01', NULL, kind)
       OPERATOR(railway.&&)
       railway.service_pattern('2024-01-06 20:00', '2024-01-08 04:00', '{f,f,f,f,f,t,t}', '2024-01-01', NULL, kind) AS conflict,
       railway.first_conflict(
           railway.service_pattern('2024-01-01 20:00', '2024-01-03 04:00', '{t,t,t,t,t,f,f}', '2024-01-01', NULL, kind),
           railway.service_pattern('2024-01-06 20:00', '2024-01-08 04:00', '{f,f,f,f,f,t,t}', '2024-01-01', NULL, kind))
FROM (VALUES ('numbered'), ('vehicle')) AS k(kind);
-- Overnight across midnight: Friday 22:00 -> Saturday 06:00 and a Saturday-only 05:00 run.
SELECT kind,
       railway.first_conflict(
           railway.service_pattern('2024-01-05 22:00', '2024-01-06 06:00', '{f,f,f,f,t,f,f}', '2024-01-01', NULL, kind),
           railway.service_pattern('2024-01-06 05:00', '2024-01-06 07:00', '{f,f,f,f,f,t,f}', '2024-01-01', NULL, kind))
FROM (VALUES ('numbered'), ('vehicle')) AS k(kind);
-- Overnight on the same departure date: 22:00 for 8 hours and 23:30 for 1 hour; a conflict for both.
SELECT kind,
       railway.first_conflict(
           railway.service_pattern('2024-01-01 22:00', '2024-01-02 06:00', '{t,t,t,t,t,t,t}', '2024-01-01', NULL, kind),
           railway.service_pattern('2024-01-01 23:30', '2024-01-02 00:30', '{t,t,t,t,t,t,t}', '2024-01-01', NULL, kind))
FROM (VALUES ('numbered'), ('vehicle')) AS k(kind);
-- A mixed pair is judged by the vehicle rule.
SELECT railway.service_pattern('2024-01-05 22:00', '2024-01-06 06:00', '{f,f,f,f,t,f,f}', '2024-01-01', NULL, 'numbered')
       OPERATOR(railway.&&)
       railway.service_pattern('2024-01-06 05:00', '2024-01-06 07:00', '{f,f,f,f,f,t,f}', '2024-01-01', NULL, 'vehicle') AS mixed;

-- The stored timetable. Train 12301 (numbered): the 32-hour train's two variants; a Friday
-- 01:00 run, while Thursday's 32-hour run is still on the line; a Saturday 05:00 run, while
-- Friday's is; two legs of one run back to back (the same number and date twice without
-- overlap: allowed). Every insert passes the trigger and the constraint.
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
OVERRIDING SYSTEM VALUE VALUES
    (1, 1, 1, 2, '2024-01-01 20:00', '2024-01-03 04:00', '{t,t,t,t,t,f,f}', '2024-01-01'),
    (2, 1, 1, 2, '2024-01-06 20:00', '2024-01-08 04:00', '{f,f,f,f,f,t,t}', '2024-01-01'),
    (3, 1, 2, 3, '2024-01-05 01:00', '2024-01-05 06:00', '{f,f,f,f,t,f,f}', '2024-01-01'),
    (4, 1, 3, 2, '2024-01-06 05:00', '2024-01-06 07:00', '{f,f,f,f,f,t,f}', '2024-01-01'),
    (5, 1, 2, 3, '2024-01-01 08:00', '2024-01-01 10:00', '{t,t,t,t,t,t,t}', '2024-01-01'),
    (6, 1, 3, 1, '2024-01-01 10:00', '2024-01-01 12:00', '{t,t,t,t,t,t,t}', '2024-01-01');
-- The trigger filled in train_kind (a value given is replaced by the train's).
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date, train_kind)
OVERRIDING SYSTEM VALUE VALUES
    (7, 1, 2, 1, '2024-01-01 14:00', '2024-01-01 15:00', '{t,t,t,t,t,t,t}', '2024-01-01', 'vehicle');
SELECT id, train_id, train_kind FROM railway.schedules ORDER BY id;
SELECT * FROM railway.find_conflicts(1);
SELECT id, railway.validate_schedule(id) FROM railway.schedules ORDER BY id;

-- Two runs of 12301 departing on the same date and overlapping are refused: by the trigger ...
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
OVERRIDING SYSTEM VALUE VALUES
    (8, 1, 1, 2, '2024-01-06 21:00', '2024-01-08 05:00', '{f,f,f,f,f,t,f}', '2024-01-01');
\echo :LAST_ERROR_SQLSTATE
-- ... and by the exclusion constraint when the trigger is bypassed.
ALTER TABLE railway.schedules DISABLE TRIGGER validate_schedule;
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
OVERRIDING SYSTEM VALUE VALUES
    (8, 1, 1, 2, '2024-01-06 21:00', '2024-01-08 05:00', '{f,f,f,f,f,t,f}', '2024-01-01');
\echo :LAST_ERROR_SQLSTATE
-- A Friday 22:00 run of 12301 departs on the date of Friday's 32-hour run: refused as well.
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
OVERRIDING SYSTEM VALUE VALUES
    (8, 1, 2, 3, '2024-01-05 22:00', '2024-01-06 05:30', '{f,f,f,f,t,f,f}', '2024-01-01');
-- The constraint lets numbered 12302's Friday night and Saturday morning runs be (overnight
-- across midnight, departing on different dates).
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date, train_kind)
OVERRIDING SYSTEM VALUE VALUES
    (20, 4, 2, 3, '2024-01-05 22:00', '2024-01-06 06:00', '{f,f,f,f,t,f,f}', '2024-01-01', 'numbered'),
    (21, 4, 3, 2, '2024-01-06 05:00', '2024-01-06 07:00', '{f,f,f,f,f,t,f}', '2024-01-01', 'numbered');
ALTER TABLE railway.schedules ENABLE TRIGGER validate_schedule;
SELECT * FROM railway.find_conflicts(4);

-- check_schedule_conflicts uses the train's kind: a Saturday 05:30 run of 12301 meets only
-- Saturday's own 05:00 run (schedule 4), not Friday's 32-hour run still on the line.
SELECT id, train_number, first_conflict
FROM railway.check_schedule_conflicts(1, '2024-02-03 05:30', '2024-02-03 06:30', '{f,f,f,f,f,t,f}', '2024-02-01', NULL);
-- A third variant, daily at 20:00, duplicates both: every date is one of theirs.
SELECT id, first_conflict
FROM railway.check_schedule_conflicts(1, '2024-02-01 20:00', '2024-02-03 04:00', '{t,t,t,t,t,t,t}', '2024-02-01', NULL);

-- The vehicle RAKE-7: the same two variants conflict, Friday's run meeting Saturday's.
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
OVERRIDING SYSTEM VALUE VALUES
    (10, 2, 1, 2, '2024-01-01 20:00', '2024-01-03 04:00', '{t,t,t,t,t,f,f}', '2024-01-01');
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
OVERRIDING SYSTEM VALUE VALUES
    (11, 2, 1, 2, '2024-01-06 20:00', '2024-01-08 04:00', '{f,f,f,f,f,t,t}', '2024-01-01');
\echo :LAST_ERROR_SQLSTATE
-- Overnight across midnight for the vehicle: Friday night meets Saturday 05:00.
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
OVERRIDING SYSTEM VALUE VALUES
    (11, 2, 2, 3, '2024-01-05 22:00', '2024-01-06 06:00', '{f,f,f,f,t,f,f}', '2024-01-01');
\echo :LAST_ERROR_SQLSTATE
-- Outside the 32-hour runs (from Sunday 04:00 to Monday 20:00 the rake is free): accepted.
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date)
OVERRIDING SYSTEM VALUE VALUES
    (11, 2, 2, 1, '2024-01-07 08:00', '2024-01-07 12:00', '{f,f,f,f,f,f,t}', '2024-01-01');
SELECT id, first_conflict
FROM railway.check_schedule_conflicts(2, '2024-01-06 20:00', '2024-01-08 04:00', '{f,f,f,f,f,t,t}', '2024-01-01', NULL);
-- Bypassing the trigger, the constraint refuses the vehicle's Saturday variant as well.
ALTER TABLE railway.schedules DISABLE TRIGGER validate_schedule;
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date, train_kind)
OVERRIDING SYSTEM VALUE VALUES
    (12, 2, 1, 2, '2024-01-06 20:00', '2024-01-08 04:00', '{f,f,f,f,f,t,t}', '2024-01-01', 'vehicle');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE railway.schedules ENABLE TRIGGER validate_schedule;

-- train_kind follows the train: moved to the vehicle, a schedule takes its kind; set by hand to
-- another kind than its train's, it is refused by the foreign key.
UPDATE railway.schedules SET train_id = 2, scheduled_departure = '2024-01-07 14:00',
       scheduled_arrival = '2024-01-07 15:00', running_days = '{f,f,f,f,f,f,t}' WHERE id = 7;
SELECT id, train_id, train_kind FROM railway.schedules WHERE id = 7;
UPDATE railway.schedules SET train_kind = 'numbered' WHERE id = 7;
\echo :LAST_ERROR_SQLSTATE
UPDATE railway.schedules SET train_id = 1, scheduled_departure = '2024-01-01 14:00',
       scheduled_arrival = '2024-01-01 15:00', running_days = '{t,t,t,t,t,t,t}' WHERE id = 7;
SELECT id, train_id, train_kind FROM railway.schedules WHERE id = 7;

-- Changing a train's kind re-checks its schedules. 12301 cannot become a vehicle: its 32-hour
-- runs would meet its other runs (the cascaded update of train_kind is refused by the
-- trigger) ...
UPDATE railway.trains SET kind = 'vehicle' WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT kind FROM railway.trains WHERE id = 1;
-- ... nor when the trigger is bypassed: then the exclusion constraint refuses it.
ALTER TABLE railway.schedules DISABLE TRIGGER validate_schedule;
UPDATE railway.trains SET kind = 'vehicle' WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE railway.schedules ENABLE TRIGGER validate_schedule;
-- 12302 (Friday night and Saturday morning) cannot either; without its Saturday run it can,
-- and its schedules follow.
UPDATE railway.trains SET kind = 'vehicle' WHERE id = 4;
UPDATE railway.schedules SET status = 'cancelled', is_cancelled = true WHERE id = 21;
UPDATE railway.trains SET kind = 'vehicle' WHERE id = 4;
SELECT id, train_kind, status FROM railway.schedules WHERE train_id = 4 ORDER BY id;
-- As a vehicle, reactivating the Saturday run is refused; a vehicle may always become
-- numbered (a weaker rule), and then the Saturday run is allowed.
UPDATE railway.schedules SET status = 'scheduled', is_cancelled = false WHERE id = 21;
\echo :LAST_ERROR_SQLSTATE
UPDATE railway.trains SET kind = 'numbered' WHERE id = 4;
UPDATE railway.schedules SET status = 'scheduled', is_cancelled = false WHERE id = 21;
SELECT id, train_kind, status FROM railway.schedules WHERE train_id = 4 ORDER BY id;
SELECT * FROM railway.find_conflicts();
SELECT train_id, train_kind, count(*) FROM railway.schedules GROUP BY 1, 2 ORDER BY 1, 2;

-- railway.set_train_kind() does the same in one call (on a Citus cluster, where the key cannot
-- cascade, it is the way): refused with 23P01 when the schedules would conflict (12302's
-- Saturday run is active again), and for a train that does not exist; otherwise the cascade
-- has already moved the schedules on one server, so it reports 0 more.
SELECT railway.set_train_kind(4, 'vehicle') AS saturday_run_active;
\echo :LAST_ERROR_SQLSTATE
UPDATE railway.schedules SET status = 'cancelled', is_cancelled = true WHERE id = 21;
SELECT railway.set_train_kind(4, 'vehicle') AS kind_to_vehicle;
SELECT railway.set_train_kind(1, 'vehicle') AS conflicting;
\echo :LAST_ERROR_SQLSTATE
SELECT railway.set_train_kind(999, 'vehicle') AS no_such_train;
\echo :LAST_ERROR_SQLSTATE
SELECT id, kind FROM railway.trains WHERE id IN (1, 4) ORDER BY id;
SELECT id, train_kind, status FROM railway.schedules WHERE train_id = 4 ORDER BY id;

-- Clean up for the following tests.
TRUNCATE railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
