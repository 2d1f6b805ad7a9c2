-- Maintenance (README "Maintenance"): purging old cancelled schedules and the statements of the
-- daily, weekly and monthly tasks. VACUUM cannot run inside a function, so maintenance_plan()
-- returns statements that psql (or pg_cron, one job per statement) runs.

-- A cancelled schedule is purged only once no run of it is left: runs keep their schedule_id
-- (no foreign key: history outlives nothing it needs), and their history goes a partition at a
-- time (railway.drop_run_partitions), never by deleting a schedule. PL/pgSQL, not BEGIN ATOMIC:
-- railway.runs is made later in the install script (75_runs.sql).
CREATE FUNCTION railway.purge_cancelled(older_than interval DEFAULT '90 days') RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    purged bigint;
BEGIN
    WITH gone AS (
        DELETE FROM railway.schedules s
        WHERE (s.is_cancelled OR s.status = 'cancelled')
          AND GREATEST(s.scheduled_arrival, s.effective_end_date) < LOCALTIMESTAMP - older_than
          AND NOT EXISTS (SELECT 1 FROM railway.runs r WHERE r.schedule_id = s.id)
        RETURNING 1)
    SELECT count(*) INTO purged FROM gone;
    RETURN purged;
END
$function$;
COMMENT ON FUNCTION railway.purge_cancelled(interval) IS
    'Deletes cancelled schedules whose last run (effective_end_date, or scheduled_arrival when that is later or the service is open-ended) ended more than older_than ago and of which no run is left in railway.runs (history goes with its partitions: railway.drop_run_partitions); returns the number of rows removed. Runs with the caller''s privileges (railway_admin may delete schedules); each deletion is audited.';

CREATE FUNCTION railway.maintenance_plan(kind text) RETURNS SETOF text
    LANGUAGE plpgsql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    timetable constant text[] := ARRAY['railway.schedules', 'railway.trains', 'railway.locations',
                                       'railway.users', 'railway.audit_log'];
    retention text := NULLIF(current_setting('railway.run_retention', true), '');
BEGIN
    CASE kind
    WHEN 'daily' THEN
        -- Statistics for the planner and dead tuples of the busiest table.
        RETURN NEXT 'VACUUM (ANALYZE) railway.schedules;';
        RETURN NEXT 'ANALYZE railway.audit_log;';
        -- Autovacuum analyzes the partitions of railway.runs but never the partitioned table
        -- itself, whose statistics plan the reports over runs.
        RETURN NEXT 'ANALYZE railway.runs;';
    WHEN 'weekly' THEN
        RETURN QUERY SELECT format('VACUUM (ANALYZE) %s;', t) FROM unnest(timetable) WITH ORDINALITY AS u(t, n) ORDER BY n;
        RETURN NEXT 'REINDEX TABLE CONCURRENTLY railway.schedules;';
    WHEN 'monthly' THEN
        -- Runs: the partitions of the coming months, then old history a partition at a time
        -- when a retention is set (ALTER DATABASE ... SET railway.run_retention = '2 years'),
        -- then the cancelled schedules no run is left of.
        RETURN NEXT 'SELECT railway.create_run_partitions(3);';
        IF retention IS NOT NULL THEN
            PERFORM retention::interval;  -- a bad setting is an error here, not in the job
            RETURN NEXT format('SELECT railway.drop_run_partitions(%L);', retention);
        END IF;
        RETURN NEXT 'SELECT railway.purge_cancelled(''90 days'');';
        RETURN QUERY SELECT format('VACUUM (ANALYZE) %s;', t) FROM unnest(timetable) WITH ORDINALITY AS u(t, n) ORDER BY n;
        RETURN QUERY SELECT format('REINDEX TABLE CONCURRENTLY %s;', t) FROM unnest(timetable) WITH ORDINALITY AS u(t, n) ORDER BY n;
    ELSE
        RAISE EXCEPTION 'unknown maintenance plan "%"', kind
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use daily, weekly or monthly.';
    END CASE;
END
$function$;
COMMENT ON FUNCTION railway.maintenance_plan(text) IS
    'The statements of the daily, weekly or monthly maintenance tasks, in order, one per row (monthly: the partitions of railway.runs ahead, and, when the setting railway.run_retention is set, dropping older run partitions). Run them with: psql -XAtc "SELECT railway.maintenance_plan(''daily'')" | psql -X -v ON_ERROR_STOP=1 (VACUUM cannot run inside a function).';
