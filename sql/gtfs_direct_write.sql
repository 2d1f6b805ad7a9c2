-- railway.gtfs_load's direct write (src/pg/schedules_write.cpp, README "Importing GTFS timetables"): the
-- schedules of trains the load creates, which it has checked itself, are written as COPY writes
-- rows, with the foreign keys checked once per batch and the audit rows written by
-- railway.audit_inserted_rows. It must store exactly what the INSERT stores, enforce every
-- constraint the INSERT enforces, and step aside (the report's schedules_written.insert) where
-- an INSERT would do more: a trigger of the DBA's, row-level security, replica mode, 'keep'.
SET client_min_messages = warning;
TRUNCATE railway.gtfs_trips, railway.gtfs_feeds, railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
CREATE TEMP TABLE gtfs_stops (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    stop_id text, stop_code text, stop_name text, location_type text);
INSERT INTO gtfs_stops (stop_id, stop_code, stop_name) VALUES
    ('dw-a', 'DWA', 'Direct A'), ('dw-b', 'DWB', 'Direct B');
CREATE TEMP TABLE gtfs_calendar (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    service_id text, monday text, tuesday text, wednesday text, thursday text, friday text,
    saturday text, sunday text, start_date text, end_date text);
INSERT INTO gtfs_calendar (service_id, monday, tuesday, wednesday, thursday, friday, saturday, sunday, start_date, end_date)
VALUES ('WEEKDAYS', '1', '1', '1', '1', '1', '0', '0', '20240101', '20240131');
CREATE TEMP TABLE gtfs_calendar_dates (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    service_id text, date text, exception_type text);
CREATE TEMP TABLE gtfs_trips (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    route_id text, service_id text, trip_id text, trip_short_name text, block_id text);
INSERT INTO gtfs_trips (route_id, service_id, trip_id, trip_short_name) VALUES
    ('R', 'WEEKDAYS', 'dw1', 'DW-1'), ('R', 'WEEKDAYS', 'dw2', 'DW-2');
CREATE TEMP TABLE gtfs_stop_times (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    trip_id text, arrival_time text, departure_time text, stop_id text, stop_sequence text);
INSERT INTO gtfs_stop_times (trip_id, arrival_time, departure_time, stop_id, stop_sequence) VALUES
    ('dw1', '08:00:00', '08:00:00', 'dw-a', '1'), ('dw1', '09:00:00', '09:00:00', 'dw-b', '2'),
    ('dw2', '10:00:00', '10:00:00', 'dw-b', '1'), ('dw2', '11:30:00', '11:30:00', 'dw-a', '2');

CREATE FUNCTION pg_temp.origin(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END
$$;
-- New train numbers for the next load (the direct write takes only trains the load creates).
CREATE FUNCTION pg_temp.renumber(suffix text) RETURNS void LANGUAGE sql AS $$
    UPDATE gtfs_trips SET trip_short_name = split_part(trip_short_name, '/', 1) || '/' || suffix
$$;

-- 1. The direct write: every row of the new trains DW-1 and DW-2.
SELECT r -> 'schedules_written' AS written FROM railway.gtfs_load('dw-direct') r;
SELECT g.trip_id, t.train_number, t.kind, s.train_kind, s.status, s.is_cancelled, s.actual_departure,
       s.scheduled_departure, s.scheduled_arrival, s.running_days, s.effective_start_date, s.effective_end_date,
       dl.code AS departs, al.code AS arrives
FROM railway.gtfs_trips g JOIN railway.schedules s ON s.id = g.schedule_id
JOIN railway.trains t ON t.id = s.train_id
JOIN railway.locations dl ON dl.id = s.departure_location_id JOIN railway.locations al ON al.id = s.arrival_location_id
WHERE g.feed = 'dw-direct' ORDER BY g.trip_id;
-- Their audit rows: one INSERT each, by the loading role, without image (as the trigger's).
SELECT a.operation, a.changed_by = current_user AS by_me, a.new_row IS NULL AS no_image, count(*)
FROM railway.audit_log a JOIN railway.gtfs_trips g ON g.schedule_id = a.row_id AND g.feed = 'dw-direct'
WHERE a.table_name = 'schedules' GROUP BY 1, 2, 3;
-- The validation trigger's conflict search sees them: an overlapping row of DW-1 is refused.
SELECT pg_temp.origin($$INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date, effective_end_date)
    SELECT s.train_id, s.arrival_location_id, s.departure_location_id, '2024-01-10 08:30', '2024-01-10 09:30',
           '2024-01-10', '2024-01-10'
    FROM railway.gtfs_trips g JOIN railway.schedules s ON s.id = g.schedule_id WHERE g.trip_id = 'dw1'
    AND g.feed = 'dw-direct'$$) ~ '^23P01' AS overlapping_row_refused;

-- 2. The same feed through the INSERT (a row trigger of the DBA's, which changes nothing, makes
-- the direct write step aside): the stored rows and audit rows are the same but for ids.
CREATE FUNCTION pg_temp.dw_watch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER dw_watch AFTER INSERT ON railway.schedules FOR EACH ROW EXECUTE FUNCTION pg_temp.dw_watch();
SELECT pg_temp.renumber('insert');
SELECT r -> 'schedules_written' AS written FROM railway.gtfs_load('dw-insert') r;
DROP TRIGGER dw_watch ON railway.schedules;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (to_jsonb(a) - 'id' - 'train_id') IS DISTINCT FROM (to_jsonb(b) - 'id' - 'train_id'))
           AS differing
FROM railway.gtfs_trips ga JOIN railway.schedules a ON a.id = ga.schedule_id
JOIN railway.gtfs_trips gb ON gb.trip_id = ga.trip_id AND gb.feed = 'dw-insert'
JOIN railway.schedules b ON b.id = gb.schedule_id
WHERE ga.feed = 'dw-direct';
SELECT g.feed, a.operation, a.changed_by = current_user AS by_me, a.new_row IS NULL AS no_image, count(*)
FROM railway.audit_log a JOIN railway.gtfs_trips g ON g.schedule_id = a.row_id
WHERE a.table_name = 'schedules' GROUP BY 1, 2, 3, 4 ORDER BY 1;

-- 3. A CHECK constraint of the DBA's holds for the direct write (ExecConstraints), with the
-- INSERT's error.
ALTER TABLE railway.schedules ADD CONSTRAINT dw_not_before_nine CHECK (scheduled_departure::time >= '09:00') NOT VALID;
SELECT pg_temp.renumber('check');
SELECT pg_temp.origin($$SELECT railway.gtfs_load('dw-check')$$) AS direct_write_check;
CREATE TRIGGER dw_watch AFTER INSERT ON railway.schedules FOR EACH ROW EXECUTE FUNCTION pg_temp.dw_watch();
SELECT pg_temp.origin($$SELECT railway.gtfs_load('dw-check')$$) AS insert_check;
DROP TRIGGER dw_watch ON railway.schedules;
ALTER TABLE railway.schedules DROP CONSTRAINT dw_not_before_nine;

-- 4. The foreign keys: a trigger of the DBA's on railway.locations removes the locations the
-- load has just made; the direct write's check raises the foreign key's own error, as the
-- INSERT's check does.
UPDATE gtfs_stops SET stop_id = stop_id || '-gone', stop_code = stop_code || 'GONE';
UPDATE gtfs_stop_times SET stop_id = stop_id || '-gone';
CREATE FUNCTION pg_temp.dw_vanish() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM railway.locations WHERE code LIKE '%GONE';
    RETURN NULL;
END
$$;
CREATE TRIGGER dw_vanish AFTER INSERT ON railway.locations FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.dw_vanish();
SELECT pg_temp.renumber('fk');
SELECT pg_temp.origin($$SELECT railway.gtfs_load('dw-fk')$$) AS direct_write_foreign_key;
CREATE TRIGGER dw_watch AFTER INSERT ON railway.schedules FOR EACH ROW EXECUTE FUNCTION pg_temp.dw_watch();
SELECT pg_temp.origin($$SELECT railway.gtfs_load('dw-fk')$$) AS insert_foreign_key;
DROP TRIGGER dw_watch ON railway.schedules;
DROP TRIGGER dw_vanish ON railway.locations;
UPDATE gtfs_stops SET stop_id = replace(stop_id, '-gone', ''), stop_code = replace(stop_code, 'GONE', '');
UPDATE gtfs_stop_times SET stop_id = replace(stop_id, '-gone', '');

-- 5. The audit trigger disabled by the DBA: the direct write writes no audit rows either.
ALTER TABLE railway.schedules DISABLE TRIGGER schedules_audit_insert;
SELECT pg_temp.renumber('unaudited');
SELECT r -> 'schedules_written' AS written FROM railway.gtfs_load('dw-unaudited') r;
ALTER TABLE railway.schedules ENABLE TRIGGER schedules_audit_insert;
SELECT count(*) AS audit_rows FROM railway.audit_log a JOIN railway.gtfs_trips g ON g.schedule_id = a.row_id
WHERE a.table_name = 'schedules' AND g.feed = 'dw-unaudited';

-- 6. Where an INSERT does more, the INSERT: replica mode (whose triggers differ), 'keep'
-- (conflicting trips on purpose, which the validation trigger checks).
SET session_replication_role = replica;
SELECT pg_temp.renumber('replica');
SELECT r -> 'schedules_written' AS written FROM railway.gtfs_load('dw-replica') r;
RESET session_replication_role;
SELECT pg_temp.renumber('keep');
SELECT r -> 'schedules_written' AS written FROM railway.gtfs_load('dw-keep', 'keep') r;

-- 7. A role that is not a superuser, with INSERT on the tables but no UPDATE on trains and
-- locations (the foreign keys' checks lock their rows as the tables' owner, as the INSERT's do):
-- the direct write; with row-level security on railway.schedules, the INSERT and its policy.
CREATE ROLE railway_test_dw_loader;
GRANT USAGE ON SCHEMA railway TO railway_test_dw_loader;
GRANT SELECT, INSERT ON railway.trains, railway.locations, railway.schedules TO railway_test_dw_loader;
GRANT SELECT, INSERT, DELETE ON railway.gtfs_trips TO railway_test_dw_loader;
GRANT SELECT, INSERT, UPDATE ON railway.gtfs_feeds TO railway_test_dw_loader;
GRANT SELECT ON gtfs_stops, gtfs_calendar, gtfs_calendar_dates, gtfs_trips, gtfs_stop_times TO railway_test_dw_loader;
SELECT pg_temp.renumber('role');
SET ROLE railway_test_dw_loader;
SELECT r -> 'schedules_written' AS written FROM railway.gtfs_load('dw-role') r;
RESET ROLE;
SELECT a.changed_by, count(*) FROM railway.audit_log a JOIN railway.gtfs_trips g ON g.schedule_id = a.row_id
WHERE a.table_name = 'schedules' AND g.feed = 'dw-role' GROUP BY 1;
ALTER TABLE railway.schedules ENABLE ROW LEVEL SECURITY;
CREATE POLICY dw_mornings ON railway.schedules TO railway_test_dw_loader
    USING (true) WITH CHECK (scheduled_departure::time < '10:00');
SELECT pg_temp.renumber('rls');
SET ROLE railway_test_dw_loader;
SELECT pg_temp.origin($$SELECT railway.gtfs_load('dw-rls')$$) AS rls_policy;
RESET ROLE;
DROP POLICY dw_mornings ON railway.schedules;
CREATE POLICY dw_all ON railway.schedules TO railway_test_dw_loader USING (true) WITH CHECK (true);
SET ROLE railway_test_dw_loader;
SELECT r -> 'schedules_written' AS written FROM railway.gtfs_load('dw-rls') r;
RESET ROLE;
DROP POLICY dw_all ON railway.schedules;
ALTER TABLE railway.schedules DISABLE ROW LEVEL SECURITY;
-- The function that writes the audit rows is executable by nobody else.
SET ROLE railway_test_dw_loader;
SELECT pg_temp.origin($$SELECT railway.audit_inserted_rows('schedules', ARRAY[1])$$) AS forged_audit_rows;
RESET ROLE;
DROP OWNED BY railway_test_dw_loader;
DROP ROLE railway_test_dw_loader;

-- 8. The locks of the foreign-key checks: the locations DWA and DWB (committed by the first
-- load, reused by their code) are locked FOR KEY SHARE by this transaction, as the foreign key's
-- own check locks them; the new trains, inserted by this transaction and invisible to every
-- other, are not locked (a lock would only cost a WAL record).
BEGIN;
SELECT pg_temp.renumber('locks');
SELECT r -> 'schedules_written' AS written, r #> '{locations,existing}' AS existing_locations
FROM railway.gtfs_load('dw-locks') r;
SELECT 'location ' || code AS row, xmax::text = pg_current_xact_id()::text AS locked_by_this_transaction
FROM railway.locations WHERE code IN ('DWA', 'DWB')
UNION ALL
SELECT 'train ' || train_number, xmax::text = pg_current_xact_id()::text
FROM railway.trains WHERE train_number LIKE '%/locks' ORDER BY 1;
ROLLBACK;

TRUNCATE railway.gtfs_trips, railway.gtfs_feeds, railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
