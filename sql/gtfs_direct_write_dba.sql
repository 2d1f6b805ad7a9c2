-- railway.gtfs_load's direct write (src/pg/schedules_write.cpp) against what a DBA may do to
-- railway.schedules that an INSERT honours: each case is a defect found in review, where the
-- direct write and the INSERT disagreed (rows stored that the INSERT refuses, or refused that
-- it stores). The staged feed is that of gtfs_direct_write.
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

CREATE FUNCTION pg_temp.dw_watch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;

-- 1. A column the DBA added, of a domain that refuses NULL, without a default: the INSERT's
-- NULL for it is checked by the domain (23514), the direct write's too.
CREATE DOMAIN public.dw_code AS integer;
ALTER TABLE railway.schedules ADD COLUMN dw_code public.dw_code;
ALTER DOMAIN public.dw_code ADD CONSTRAINT dw_code_given CHECK (VALUE IS NOT NULL);
SELECT pg_temp.renumber('domain');
SELECT pg_temp.origin($$SELECT railway.gtfs_load('dw-domain')$$) AS direct_write_domain;
CREATE TRIGGER dw_watch AFTER INSERT ON railway.schedules FOR EACH ROW EXECUTE FUNCTION pg_temp.dw_watch();
SELECT pg_temp.origin($$SELECT railway.gtfs_load('dw-domain')$$) AS insert_domain;
DROP TRIGGER dw_watch ON railway.schedules;
SELECT count(*) AS stored FROM railway.schedules;
-- With a default, the domain's check sees the default: the direct write again.
ALTER TABLE railway.schedules ALTER COLUMN dw_code SET DEFAULT 7;
SELECT r -> 'schedules_written' AS written FROM railway.gtfs_load('dw-domain') r;
SELECT dw_code, count(*) FROM railway.schedules GROUP BY 1;
ALTER TABLE railway.schedules DROP COLUMN dw_code;
DROP DOMAIN public.dw_code;

-- 2. railway.schedules attached by the DBA as a partition: an INSERT into it checks the partition
-- constraint (23514), so the direct write steps aside.
TRUNCATE railway.gtfs_trips, railway.gtfs_feeds, railway.schedules RESTART IDENTITY;
CREATE TABLE public.dw_by_start (LIKE railway.schedules) PARTITION BY RANGE (effective_start_date);
ALTER TABLE public.dw_by_start ATTACH PARTITION railway.schedules FOR VALUES FROM ('2030-01-01') TO ('2031-01-01');
SELECT pg_temp.renumber('partition');
SELECT pg_temp.origin($$SELECT railway.gtfs_load('dw-partition')$$) AS outside_the_partition;
ALTER TABLE public.dw_by_start DETACH PARTITION railway.schedules;
ALTER TABLE public.dw_by_start ATTACH PARTITION railway.schedules FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
SELECT r -> 'schedules_written' AS written FROM railway.gtfs_load('dw-partition') r;
ALTER TABLE public.dw_by_start DETACH PARTITION railway.schedules;
DROP TABLE public.dw_by_start;
SELECT count(*) AS stored FROM railway.schedules;

-- 3. A CHECK constraint of the DBA's that reads tableoid (the system column a CHECK may name):
-- the INSERT's row has it, so has the direct write's.
ALTER TABLE railway.schedules ADD CONSTRAINT dw_in_schedules CHECK (tableoid = 'railway.schedules'::regclass);
SELECT pg_temp.renumber('tableoid');
SELECT r -> 'schedules_written' AS written FROM railway.gtfs_load('dw-tableoid') r;
ALTER TABLE railway.schedules DROP CONSTRAINT dw_in_schedules;
SELECT count(*) AS stored FROM railway.schedules;

TRUNCATE railway.gtfs_trips, railway.gtfs_feeds, railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
