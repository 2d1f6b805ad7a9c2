-- Objects planted in public and in pg_temp cannot change what railway does (issue 11, item 1).
-- As a superuser, with public ahead of pg_catalog and pg_temp first on the search_path, this
-- test plants look-alikes of the operators, functions, aggregates, types and tables that
-- railway's SPI queries, SQL functions and importer script use. Each planted object, when it
-- runs, says so with a NOTICE and, its caller being a superuser, makes regress_spi_victim a
-- superuser. Then it calls every public railway function: no NOTICE may appear and
-- regress_spi_victim must still be an ordinary role. Everything runs in one transaction that is
-- rolled back at the end, so the following tests see nothing of it (the sequences, which a
-- rollback does not reset, are put back as they were).
SET client_min_messages = notice;
SET datestyle = 'ISO, YMD';
CREATE TEMP TABLE spi_sequences AS
SELECT pg_catalog.format('%I.%I', schemaname, sequencename) AS name, last_value, start_value
FROM pg_sequences WHERE schemaname = 'railway';
BEGIN;
CREATE ROLE regress_spi_victim NOLOGIN;

-- What every planted object calls.
CREATE SCHEMA spi_plant;
CREATE FUNCTION spi_plant.ran(what pg_catalog.text) RETURNS boolean
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    RAISE NOTICE 'PLANTED % RAN', what;
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER ROLE regress_spi_victim SUPERUSER;
    END IF;
    RETURN true;
END $$;

-- Data, before anything is planted: two locations, a train with two conflicting schedules
-- (stored with the trigger and the exclusion constraint set aside, as sql/conflicts.sql does) and
-- a train with one schedule, which the staged GTFS feed below also uses.
ALTER TABLE railway.schedules DISABLE TRIGGER validate_schedule;
ALTER TABLE railway.schedules DROP CONSTRAINT schedules_no_overlapping_runs;
INSERT INTO railway.locations (name, code) VALUES ('Planted North', 'SPI-N'), ('Planted South', 'SPI-S');
SELECT id AS north FROM railway.locations WHERE code = 'SPI-N' \gset
SELECT id AS south FROM railway.locations WHERE code = 'SPI-S' \gset
INSERT INTO railway.trains (train_number) VALUES ('SPI-1'), ('spi-t1');
SELECT id AS train1 FROM railway.trains WHERE train_number = 'SPI-1' \gset
SELECT id AS train2 FROM railway.trains WHERE train_number = 'spi-t1' \gset
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date, actual_departure, actual_arrival)
OVERRIDING SYSTEM VALUE
VALUES (9101, :train1, :north, :south, '2024-01-01 08:00', '2024-01-01 09:00', '{t,t,t,t,t,f,f}', '2024-01-01', '2024-12-31',
        '2024-01-02 08:05', '2024-01-02 09:10'),
       (9102, :train1, :south, :north, '2024-01-01 08:30', '2024-01-01 09:30', '{t,f,f,f,f,f,f}', '2024-01-01', '2024-12-31',
        NULL, NULL),
       (9103, :train2, :north, :south, '2024-01-01 20:00', '2024-01-01 21:00', '{t,t,t,t,t,t,t}', '2024-01-01', '2024-01-31',
        NULL, NULL);
ALTER TABLE railway.schedules ENABLE TRIGGER validate_schedule;

-- A tiny GTFS feed staged the way tools/gtfs_import.sh stages one: trip spi-t1 runs at 06:00,
-- before the stored 20:00 schedule of train spi-t1.
CREATE TEMP TABLE gtfs_stops (line pg_catalog.int8 GENERATED ALWAYS AS IDENTITY (START WITH 2),
    stop_id pg_catalog.text, stop_name pg_catalog.text);
INSERT INTO gtfs_stops (stop_id, stop_name) VALUES ('SPI-N', 'Planted North'), ('SPI-S', 'Planted South');
CREATE TEMP TABLE gtfs_calendar (line pg_catalog.int8 GENERATED ALWAYS AS IDENTITY (START WITH 2),
    service_id pg_catalog.text, monday pg_catalog.text, tuesday pg_catalog.text, wednesday pg_catalog.text,
    thursday pg_catalog.text, friday pg_catalog.text, saturday pg_catalog.text, sunday pg_catalog.text,
    start_date pg_catalog.text, end_date pg_catalog.text);
INSERT INTO gtfs_calendar (service_id, monday, tuesday, wednesday, thursday, friday, saturday, sunday, start_date, end_date)
VALUES ('S', '1', '1', '1', '1', '1', '0', '0', '20240101', '20240131');
CREATE TEMP TABLE gtfs_trips (line pg_catalog.int8 GENERATED ALWAYS AS IDENTITY (START WITH 2),
    route_id pg_catalog.text, service_id pg_catalog.text, trip_id pg_catalog.text);
INSERT INTO gtfs_trips (route_id, service_id, trip_id) VALUES ('R', 'S', 'spi-t1');
CREATE TEMP TABLE gtfs_stop_times (line pg_catalog.int8 GENERATED ALWAYS AS IDENTITY (START WITH 2),
    trip_id pg_catalog.text, arrival_time pg_catalog.text, departure_time pg_catalog.text,
    stop_id pg_catalog.text, stop_sequence pg_catalog.text);
INSERT INTO gtfs_stop_times (trip_id, arrival_time, departure_time, stop_id, stop_sequence)
VALUES ('spi-t1', '06:00:00', '06:00:00', 'SPI-N', '1'), ('spi-t1', '07:00:00', '07:00:00', 'SPI-S', '2');

-- The plants. Operators, in public and in pg_temp, on the types railway compares (an operator's
-- function: spi_plant.op_N, which reports and returns NULL).
DO $$
DECLARE
    plant record;
    n int := 0;
    l text;
    r text;
BEGIN
    FOR plant IN
        SELECT s.nsp, o.*
        FROM (VALUES ('public'), ('pg_temp')) AS s(nsp),
             (VALUES ('=', 'int4', 'int4', 'bool'), ('=', 'int8', 'int8', 'bool'), ('=', 'varchar', 'varchar', 'bool'),
                     ('=', 'varchar', 'text', 'bool'), ('=', 'text', 'text', 'bool'), ('=', 'name', 'name', 'bool'),
                     ('=', 'name', 'text', 'bool'), ('=', 'oid', 'oid', 'bool'), ('=', 'bool', 'bool', 'bool'),
                     ('=', 'timestamp', 'timestamp', 'bool'), ('=', 'int4', 'int8', 'bool'),
                     ('<>', 'int4', 'int4', 'bool'), ('<>', 'varchar', 'varchar', 'bool'), ('<>', 'varchar', 'text', 'bool'),
                     ('<>', 'text', 'text', 'bool'), ('<>', 'name', 'text', 'bool'),
                     ('<', 'int4', 'int4', 'bool'), ('<', 'int8', 'int8', 'bool'), ('<', 'timestamp', 'timestamp', 'bool'),
                     ('>', 'int2', 'int4', 'bool'), ('>', 'int4', 'int4', 'bool'), ('>', 'int8', 'int4', 'bool'),
                     ('>', 'int8', 'int8', 'bool'), ('>', 'timestamp', 'timestamp', 'bool'),
                     ('<=', 'timestamp', 'timestamp', 'bool'), ('>=', 'timestamp', 'timestamp', 'bool'),
                     ('>=', 'int4', 'int4', 'bool'), ('~~', 'name', 'text', 'bool'), ('~~', 'text', 'text', 'bool'),
                     ('&&', 'railway.service_pattern', 'railway.service_pattern', 'bool'),
                     ('->>', 'jsonb', 'text', 'text'), ('->', 'jsonb', 'text', 'jsonb'), ('#>>', 'jsonb', 'text[]', 'text'),
                     ('||', 'text', 'text', 'text'), ('-', 'timestamp', 'interval', 'timestamp'),
                     ('-', 'timestamp', 'timestamp', 'interval'), ('+', 'timestamp', 'interval', 'timestamp'))
                 AS o(op, l, r, result)
    LOOP
        n := n + 1;
        l := CASE WHEN plant.l LIKE '%.%' THEN plant.l ELSE 'pg_catalog.' || plant.l END;
        r := CASE WHEN plant.r LIKE '%.%' THEN plant.r ELSE 'pg_catalog.' || plant.r END;
        EXECUTE pg_catalog.format(
            'CREATE FUNCTION spi_plant.op_%s(%s, %s) RETURNS pg_catalog.%s LANGUAGE plpgsql '
            'AS $b$ BEGIN PERFORM spi_plant.ran(%L); RETURN NULL; END $b$',
            n, l, r, plant.result, pg_catalog.format('%s.%s(%s, %s)', plant.nsp, plant.op, plant.l, plant.r));
        EXECUTE pg_catalog.format('CREATE OPERATOR %s.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = spi_plant.op_%s)',
                                  plant.nsp, plant.op, l, r, n);
    END LOOP;
END $$;

-- Functions, in public and in pg_temp, named like those railway's queries and scripts call.
DO $$
DECLARE
    plant record;
BEGIN
    FOR plant IN
        SELECT s.nsp, f.*
        FROM (VALUES ('public'), ('pg_temp')) AS s(nsp),
             (VALUES ('format', 'pg_catalog.text, VARIADIC pg_catalog.text[]', 'pg_catalog.text'),
                     ('format', 'pg_catalog.text', 'pg_catalog.text'),
                     ('lower', 'pg_catalog.text', 'pg_catalog.text'), ('upper', 'pg_catalog.text', 'pg_catalog.text'),
                     ('btrim', 'pg_catalog.text', 'pg_catalog.text'), ('btrim', 'pg_catalog.varchar', 'pg_catalog.text'),
                     ('starts_with', 'pg_catalog.text, pg_catalog.text', 'pg_catalog.bool'),
                     ('pg_my_temp_schema', '', 'pg_catalog.oid'), ('now', '', 'pg_catalog.timestamptz'),
                     ('clock_timestamp', '', 'pg_catalog.timestamptz'),
                     ('current_setting', 'pg_catalog.text', 'pg_catalog.text'),
                     ('to_jsonb', 'anyelement', 'pg_catalog.jsonb'),
                     ('jsonb_build_object', 'VARIADIC pg_catalog.text[]', 'pg_catalog.jsonb'),
                     ('jsonb_array_length', 'pg_catalog.jsonb', 'pg_catalog.int4'),
                     ('jsonb_pretty', 'pg_catalog.jsonb', 'pg_catalog.text'),
                     ('jsonb_array_elements', 'pg_catalog.jsonb', 'SETOF pg_catalog.jsonb'),
                     ('array_length', 'anyarray, pg_catalog.int4', 'pg_catalog.int4'),
                     ('array_position', 'anyarray, anyelement', 'pg_catalog.int4'),
                     ('date_trunc', 'pg_catalog.text, pg_catalog.timestamp', 'pg_catalog.timestamp'),
                     ('round', 'pg_catalog.numeric', 'pg_catalog.numeric'),
                     ('gen_random_bytes', 'pg_catalog.int4', 'pg_catalog.bytea'),
                     ('has_table_privilege', 'pg_catalog.text, pg_catalog.text', 'pg_catalog.bool'))
                 AS f(name, args, result)
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE FUNCTION %s.%s(%s) RETURNS %s LANGUAGE plpgsql AS $b$ BEGIN PERFORM spi_plant.ran(%L); RETURN%s; END $b$',
            plant.nsp, plant.name, plant.args, plant.result,
            pg_catalog.format('%s.%s(%s)', plant.nsp, plant.name, plant.args),
            CASE WHEN plant.result LIKE 'SETOF%' THEN '' ELSE ' NULL' END);
    END LOOP;
END $$;

-- Aggregates: count(*), min and max of bigint, in both schemas.
CREATE FUNCTION spi_plant.count_step(pg_catalog.int8) RETURNS pg_catalog.int8 LANGUAGE plpgsql
    AS $$ BEGIN PERFORM spi_plant.ran('count(*)'); RETURN 0; END $$;
CREATE FUNCTION spi_plant.int8_step(pg_catalog.int8, pg_catalog.int8) RETURNS pg_catalog.int8 LANGUAGE plpgsql
    AS $$ BEGIN PERFORM spi_plant.ran('min/max(int8)'); RETURN 0; END $$;
CREATE AGGREGATE public.count(*) (SFUNC = spi_plant.count_step, STYPE = pg_catalog.int8, INITCOND = '0');
CREATE AGGREGATE pg_temp.count(*) (SFUNC = spi_plant.count_step, STYPE = pg_catalog.int8, INITCOND = '0');
CREATE AGGREGATE public.min(pg_catalog.int8) (SFUNC = spi_plant.int8_step, STYPE = pg_catalog.int8);
CREATE AGGREGATE public.max(pg_catalog.int8) (SFUNC = spi_plant.int8_step, STYPE = pg_catalog.int8);
CREATE AGGREGATE pg_temp.min(pg_catalog.int8) (SFUNC = spi_plant.int8_step, STYPE = pg_catalog.int8);
CREATE AGGREGATE pg_temp.max(pg_catalog.int8) (SFUNC = spi_plant.int8_step, STYPE = pg_catalog.int8);

-- Types: pg_temp is searched for type names before pg_catalog unless the path lists it later,
-- so a domain pg_temp.text would catch an unqualified ::text. Each domain's CHECK reports.
CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (spi_plant.ran('pg_temp.text'));
CREATE DOMAIN pg_temp.int4 AS pg_catalog.int4 CHECK (spi_plant.ran('pg_temp.int4'));
CREATE DOMAIN pg_temp.int8 AS pg_catalog.int8 CHECK (spi_plant.ran('pg_temp.int8'));
CREATE DOMAIN pg_temp.bool AS pg_catalog.bool CHECK (spi_plant.ran('pg_temp.bool'));
CREATE DOMAIN pg_temp.jsonb AS pg_catalog.jsonb CHECK (spi_plant.ran('pg_temp.jsonb'));
CREATE DOMAIN pg_temp.date AS pg_catalog.date CHECK (spi_plant.ran('pg_temp.date'));
CREATE DOMAIN public.text AS pg_catalog.text CHECK (spi_plant.ran('public.text'));
CREATE DOMAIN public.int4 AS pg_catalog.int4 CHECK (spi_plant.ran('public.int4'));

-- Relations named like railway's tables, in pg_temp: reading one reports.
CREATE TEMP VIEW schedules AS SELECT spi_plant.ran('pg_temp.schedules') AS planted;
CREATE TEMP VIEW trains AS SELECT spi_plant.ran('pg_temp.trains') AS planted;
CREATE TEMP VIEW locations AS SELECT spi_plant.ran('pg_temp.locations') AS planted;
CREATE TEMP VIEW users AS SELECT spi_plant.ran('pg_temp.users') AS planted;
CREATE TEMP VIEW audit_log AS SELECT spi_plant.ran('pg_temp.audit_log') AS planted;

SET search_path = pg_temp, public, pg_catalog;

-- The plants are live: unqualified SQL in this session runs them (in a savepoint, undone).
SAVEPOINT live;
SELECT 'a'::varchar <> 'b'::varchar AS planted_ne, 'x'::text AS planted_text;
SELECT rolsuper AS victim_is_superuser FROM pg_catalog.pg_roles
WHERE rolname OPERATOR(pg_catalog.=) 'regress_spi_victim';
ROLLBACK TO SAVEPOINT live;

-- Every public railway function, as the superuser, with the plants on the path. Nothing planted
-- may run: no NOTICE below.
SELECT railway.version() IS NOT NULL AS version;
SELECT railway.format_running_days('{t,t,t,t,t,f,f}') AS format_running_days,
       railway.parse_running_days('12345--') AS parse_running_days;
SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 09:00', '{t,t,t,t,t,f,f}', '2024-01-01', '2024-01-31')
           AS pattern;
SELECT railway.first_conflict(railway.service_pattern('2024-01-01 08:00', '2024-01-01 09:00', '{t,t,t,t,t,f,f}', '2024-01-01', NULL),
                              railway.service_pattern('2024-01-03 08:30', '2024-01-03 09:30', '{f,f,t,f,f,f,f}', '2024-01-01', NULL))
           AS first_conflict,
       railway.runs_on('08:00:00 for 01:00:00 on 12345-- from 2024-01-01 to infinity', '2024-01-06') AS runs_saturday;
SELECT * FROM railway.occurrences('08:00:00 for 01:00:00 on 1------ from 2024-01-01 to infinity', '2024-01-01', '2024-01-08');

-- The conflict engine: find_conflicts over every train (heap scan, then SPI for the train
-- numbers) and over one train (SPI), validate_schedule, check_schedule_conflicts.
SELECT schedule_id, other_schedule_id, train_number, first_conflict
FROM railway.find_conflicts() WHERE train_id OPERATOR(pg_catalog.=) :train1;
SELECT schedule_id, other_schedule_id, train_number, first_conflict FROM railway.find_conflicts(:train1);
SELECT railway.validate_schedule(9101) AS validate_conflicting, railway.validate_schedule(9103) AS validate_ok;
SELECT id, status, first_conflict
FROM railway.check_schedule_conflicts(:train1, '2024-01-01 08:45', '2024-01-01 08:50', '{t,f,f,f,f,f,f}', '2024-01-01', NULL)
ORDER BY 1;

-- The validation trigger: a row that conflicts (its message names the train through SPI) and one
-- that does not; an update.
SAVEPOINT conflict;
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (:train2, :north, :south, '2024-01-01 20:30', '2024-01-01 21:30', '{t,t,t,t,t,t,t}', '2024-01-01', '2024-01-31');
ROLLBACK TO SAVEPOINT conflict;
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (:train2, :south, :north, '2024-01-01 22:00', '2024-01-01 23:00', '{t,t,t,t,t,t,t}', '2024-01-01', '2024-01-31');
UPDATE railway.schedules SET scheduled_arrival = '2024-01-01 23:15'
WHERE train_id OPERATOR(pg_catalog.=) :train2 AND scheduled_departure OPERATOR(pg_catalog.=) '2024-01-01 22:00';

-- GTFS: the staged feed's conflicts (none), then its load.
SELECT * FROM railway.gtfs_conflicts();
SELECT r OPERATOR(pg_catalog.->) 'trips' AS trips, r OPERATOR(pg_catalog.->) 'schedules' AS schedules,
       r OPERATOR(pg_catalog.->) 'trains' AS trains
FROM railway.gtfs_load('spi-feed') AS r;

-- Users and passwords.
SELECT railway.is_password_hash(railway.password_hash('planted-secret')) AS hashed,
       railway.password_verify('planted-secret', railway.password_hash('planted-secret')) AS verified;
SELECT railway.create_user('spi-alice', 'alice-secret', 'operator') IS NOT NULL AS created;
SELECT railway.set_password('spi-alice', 'new-secret') AS password_set;
SELECT railway.authenticate('spi-alice', 'new-secret') AS role, railway.authenticate('spi-alice', 'wrong') AS wrong;

-- Operations, maintenance, reports and aggregates.
SELECT railway.health() IS NOT NULL AS health;
SELECT railway.purge_cancelled('100 years') AS purged;
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>) 0 AS daily_plan FROM railway.maintenance_plan('daily');
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>=) 0 AS overview FROM railway.schedule_overview('2024-01-01');
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>=) 0 AS utilization FROM railway.train_utilization('2024-01-01');
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>=) 0 AS performance FROM railway.route_performance('2024-01-01');
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>=) 0 AS peaks FROM railway.peak_hours('2024-01-01');
SELECT (railway.punctuality(scheduled_departure, actual_departure)).runs AS punctuality_runs,
       railway.operation_days(scheduled_departure) AS operation_days,
       railway.hourly_profile(scheduled_departure) IS NOT NULL AS hourly,
       railway.weekday_profile(running_days) AS weekdays
FROM railway.schedules WHERE train_id OPERATOR(pg_catalog.=) :train1;
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>=) 0 AS monitoring_views
FROM (SELECT 1 FROM railway.index_usage UNION ALL SELECT 1 FROM railway.table_statistics
      UNION ALL SELECT 1 FROM railway.active_sessions UNION ALL SELECT 1 FROM railway.blocking_locks
      UNION ALL SELECT 1 FROM railway.slow_queries UNION ALL SELECT 1 FROM railway.unused_indexes) AS v;

-- Runs (their partitions, plan_runs' batched insert, the runs triggers) and a train's kind.
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>) 0 AS partitions_made
FROM railway.create_run_partitions(0, '2024-01-01');
SELECT railway.plan_runs('2024-01-01', '2024-01-07') AS planned_runs;
SELECT railway.set_train_kind(:train2, 'vehicle') AS kind_moved;

-- Nothing planted ran: regress_spi_victim is still an ordinary role.
RESET search_path;
SELECT rolsuper AS victim_is_superuser FROM pg_roles WHERE rolname = 'regress_spi_victim';
ROLLBACK;
SELECT count(*) AS victim_left FROM pg_roles WHERE rolname = 'regress_spi_victim';
SELECT count(pg_catalog.setval(name::regclass, coalesce(last_value, start_value), last_value IS NOT NULL))
       AS sequences_restored
FROM spi_sequences;
DROP TABLE spi_sequences;
