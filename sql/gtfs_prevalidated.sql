-- GTFS import speed (issue 15): railway.gtfs_load checks the rows of the trains it creates itself
-- (the validation trigger's rules, its conflict sweep) and the trigger does not check them again
-- (src/pg/prevalidated.hpp). Every other row is still checked by the trigger in full: a row
-- inserted after gtfs_load in the same transaction, the rows of 'keep' (conflicting trips loaded
-- on purpose), and the rows of a train that existed before the load.
SET client_min_messages = warning;
CREATE TEMP TABLE gtfs_stops (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    stop_id text, stop_code text, stop_name text, location_type text);
INSERT INTO gtfs_stops (stop_id, stop_code, stop_name) VALUES
    ('pv-a', 'PVA', 'Prevalidated A'), ('pv-b', 'PVB', 'Prevalidated B');
CREATE TEMP TABLE gtfs_calendar (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    service_id text, monday text, tuesday text, wednesday text, thursday text, friday text,
    saturday text, sunday text, start_date text, end_date text);
INSERT INTO gtfs_calendar (service_id, monday, tuesday, wednesday, thursday, friday, saturday, sunday, start_date, end_date)
VALUES ('DAILY', '1', '1', '1', '1', '1', '1', '1', '20240101', '20240131');
CREATE TEMP TABLE gtfs_calendar_dates (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    service_id text, date text, exception_type text);
CREATE TEMP TABLE gtfs_trips (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    route_id text, service_id text, trip_id text, trip_short_name text, block_id text);
INSERT INTO gtfs_trips (route_id, service_id, trip_id, trip_short_name) VALUES
    ('R', 'DAILY', 'pv1', 'PV-1'), ('R', 'DAILY', 'pv2a', 'PV-2'), ('R', 'DAILY', 'pv2b', 'PV-2');
CREATE TEMP TABLE gtfs_stop_times (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    trip_id text, arrival_time text, departure_time text, stop_id text, stop_sequence text);
-- pv2a and pv2b, both of train PV-2, overlap every day.
INSERT INTO gtfs_stop_times (trip_id, arrival_time, departure_time, stop_id, stop_sequence) VALUES
    ('pv1', '08:00:00', '08:00:00', 'pv-a', '1'), ('pv1', '09:00:00', '09:00:00', 'pv-b', '2'),
    ('pv2a', '10:00:00', '10:00:00', 'pv-a', '1'), ('pv2a', '11:00:00', '11:00:00', 'pv-b', '2'),
    ('pv2b', '10:30:00', '10:30:00', 'pv-b', '1'), ('pv2b', '11:30:00', '11:30:00', 'pv-a', '2');

-- An error's origin: the constraints' messages name them, the validation trigger's do not.
CREATE FUNCTION pg_temp.origin(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || CASE WHEN SQLERRM LIKE '%exclusion constraint%' THEN 'exclusion constraint'
                                   WHEN SQLERRM LIKE '%check constraint%' THEN 'check constraint'
                                   ELSE 'validation trigger' END;
END
$$;

-- 'keep' loads conflicting trips: their rows go through the trigger, which refuses the second.
SELECT pg_temp.origin($$SELECT railway.gtfs_load('pv-keep', 'keep')$$) AS keep;
SELECT count(*) AS trains_after_keep FROM railway.trains WHERE train_number LIKE 'PV-%';

-- 'skip' leaves pv2b out; the rows of the new trains PV-1 and PV-2 are checked by gtfs_load
-- only (what the trigger skips is not visible in SQL: the foreign key locks the trains too; see
-- pg_stat_user_functions.self_time of validate_schedule_trigger in test/bench/gtfs/RESULTS.md).
SELECT r #> '{trips,loaded}' AS loaded, jsonb_array_length(r -> 'skipped_trips') AS skipped
FROM railway.gtfs_load('pv-skip', 'skip') r;
SELECT count(*) AS schedules FROM railway.gtfs_trips g JOIN railway.schedules s ON s.id = g.schedule_id
WHERE g.feed = 'pv-skip';

-- In the same transaction as the load, a conflicting row of a new train: the trigger refuses it.
BEGIN;
CREATE TEMP TABLE pv_train ON COMMIT DROP AS
SELECT s.train_id, s.departure_location_id AS a, s.arrival_location_id AS b
FROM railway.gtfs_trips g JOIN railway.schedules s ON s.id = g.schedule_id WHERE g.trip_id = 'pv1';
SELECT pg_temp.origin($$INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date, effective_end_date)
    SELECT train_id, a, b, '2024-01-10 08:30', '2024-01-10 09:30', '2024-01-10', '2024-01-10' FROM pv_train$$)
    AS same_transaction;
-- and a row breaking a rule (arrival before departure): the trigger's own error.
SELECT pg_temp.origin($$INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date, effective_end_date)
    SELECT train_id, a, b, '2024-01-10 12:00', '2024-01-10 11:00', '2024-01-10', '2024-01-10' FROM pv_train$$)
    AS rule;
ROLLBACK;

-- A feed whose train exists already: its row goes through the trigger (the sweep would have
-- found a conflict with the train's stored schedule first).
DELETE FROM gtfs_stop_times WHERE trip_id <> 'pv1';
DELETE FROM gtfs_trips WHERE trip_id <> 'pv1';
UPDATE gtfs_stop_times SET arrival_time = '12:00:00', departure_time = '12:00:00' WHERE stop_sequence = '1';
UPDATE gtfs_stop_times SET arrival_time = '13:00:00', departure_time = '13:00:00' WHERE stop_sequence = '2';
SELECT r #> '{trains,existing}' AS existing_trains, r #> '{trips,loaded}' AS loaded
FROM railway.gtfs_load('pv-existing') r;
SELECT count(*) AS conflicts FROM railway.find_conflicts()
WHERE schedule_id IN (SELECT schedule_id FROM railway.gtfs_trips WHERE feed LIKE 'pv-%');

-- Clean up for the following tests (fresh identities and an empty log, as gtfs.sql leaves them).
TRUNCATE railway.gtfs_trips, railway.gtfs_feeds, railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
