-- Maintenance (README "Maintenance"): purging old cancelled schedules and the statements of the
-- daily, weekly and monthly tasks. VACUUM cannot run inside a function, so maintenance_plan()
-- returns statements that psql (or pg_cron, one job per statement) runs.

CREATE FUNCTION railway.purge_cancelled(older_than interval DEFAULT '90 days') RETURNS bigint
    LANGUAGE sql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH purged AS (
        DELETE FROM railway.schedules s
        WHERE (s.is_cancelled OR s.status = 'cancelled')
          AND GREATEST(s.scheduled_arrival, s.effective_end_date) < LOCALTIMESTAMP - older_than
        RETURNING 1)
    SELECT count(*) FROM purged;
END;
COMMENT ON FUNCTION railway.purge_cancelled(interval) IS
    'Deletes cancelled schedules whose last run (effective_end_date, or scheduled_arrival when that is later or the service is open-ended) ended more than older_than ago; returns the number of rows removed. Runs with the caller''s privileges (railway_admin may delete schedules); each deletion is audited.';

CREATE FUNCTION railway.maintenance_plan(kind text) RETURNS SETOF text
    LANGUAGE plpgsql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    timetable constant text[] := ARRAY['railway.schedules', 'railway.trains', 'railway.locations',
                                       'railway.users', 'railway.audit_log'];
BEGIN
    CASE kind
    WHEN 'daily' THEN
        -- Statistics for the planner and dead tuples of the busiest table.
        RETURN NEXT 'VACUUM (ANALYZE) railway.schedules;';
        RETURN NEXT 'ANALYZE railway.audit_log;';
    WHEN 'weekly' THEN
        RETURN QUERY SELECT format('VACUUM (ANALYZE) %s;', t) FROM unnest(timetable) WITH ORDINALITY AS u(t, n) ORDER BY n;
        RETURN NEXT 'REINDEX TABLE CONCURRENTLY railway.schedules;';
    WHEN 'monthly' THEN
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
    'The statements of the daily, weekly or monthly maintenance tasks, in order, one per row. Run them with: psql -XAtc "SELECT railway.maintenance_plan(''daily'')" | psql -X -v ON_ERROR_STOP=1 (VACUUM cannot run inside a function).';
