-- Issue 13: runs in operations (src/sql/78_runs_ops.sql: the same statements), and the final
-- bodies of railway.health() (src/sql/63_health.sql), railway.purge_cancelled() and
-- railway.maintenance_plan() (src/sql/65_maintenance.sql), which now know runs. This piece is
-- the last that defines those three functions.

-- Runs in operations (issue 13; README "Runs": "Recording from schedules", "Audit of runs",
-- "Partitions in operations"): the guide's application's UPDATEs of schedules' actual times and
-- status recorded on the run they belong to, the audit of runs, the view of run partitions,
-- and dropping old history a partition at a time. railway.health(), purge_cancelled() and
-- maintenance_plan() know runs (their bodies are in 63_health.sql and 65_maintenance.sql).

-- 1. Recording from schedules. The guide's application writes actual_departure,
-- actual_arrival and status into its schedule row, one row per service, day after day. Each
-- such UPDATE is copied onto one run of that schedule, exactly:
--   recorded   a column the UPDATE changes to: actual_departure or actual_arrival not NULL;
--              status running, delayed or completed. A change to NULL (the application
--              clearing the row for the next day), to 'scheduled' or to 'cancelled' (which
--              cancels the schedule itself: sync_runs) is not recorded; a run's recorded
--              values are never erased from schedules.
--   the run    by the first recorded column of:
--              actual_departure A: the run whose planned departure is the latest one not
--                after A + 1 hour and after A - 1 day (an overnight run's departure after
--                midnight belongs to the previous day's run; a departure up to an hour early
--                to its run);
--              actual_arrival A (no departure in the UPDATE): the same with planned arrival;
--              status alone: the run whose planned interval [departure, arrival] is nearest to
--                LOCALTIMESTAMP (0 inside it), less than a day away; a tie goes to the earlier.
--              Candidates are the schedule's runs and, when the schedule is active, the dates
--              its pattern runs that have no run yet: such a date gets its planned run, made
--              here with the recorded values.
--   not used   while railway.runs has no partition (runs not in use), nothing is recorded.
--   none       no candidate (no run near the time and the pattern does not run then, or the
--              schedule is cancelled), or the run refuses the values (no partition for its
--              month, actual arrival before its actual departure, a conflict): a WARNING says
--              so and the schedule's UPDATE itself succeeds (the application keeps working).
-- SECURITY DEFINER: whoever may update a schedule's actual times records its run.
CREATE FUNCTION railway.record_run_trigger() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    rec_departure boolean := NEW.actual_departure IS NOT NULL
                             AND NEW.actual_departure IS DISTINCT FROM OLD.actual_departure;
    rec_arrival boolean := NEW.actual_arrival IS NOT NULL
                           AND NEW.actual_arrival IS DISTINCT FROM OLD.actual_arrival;
    rec_status boolean := NEW.status OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'delayed', 'completed'])
                          AND NEW.status IS DISTINCT FROM OLD.status;
    duration interval := NEW.scheduled_arrival OPERATOR(pg_catalog.-) NEW.scheduled_departure;
    active boolean := NOT NEW.is_cancelled AND NEW.status OPERATOR(pg_catalog.<>) 'cancelled';
    t timestamp;
    what text;
    lo date;
    hi date;
    chosen_date date;
    chosen_exists boolean;
    state text;
    message text;
BEGIN
    -- Nothing to record, or runs not in use (railway.runs has no partition yet: a database
    -- that has never planned runs records nothing and says nothing).
    IF NOT (rec_departure OR rec_arrival OR rec_status)
       OR NOT EXISTS (SELECT FROM pg_catalog.pg_inherits i
                      WHERE i.inhparent OPERATOR(pg_catalog.=) 'railway.runs'::pg_catalog.regclass
                        AND i.inhrelid OPERATOR(pg_catalog.<>) 'railway.runs_default'::pg_catalog.regclass) THEN
        RETURN NULL;
    END IF;
    IF rec_departure THEN
        t := NEW.actual_departure;
        what := 'actual departure ' OPERATOR(pg_catalog.||) pg_catalog.to_char(t, 'YYYY-MM-DD HH24:MI:SS');
        lo := (t OPERATOR(pg_catalog.-) interval '1 day')::date;
        hi := (t OPERATOR(pg_catalog.+) interval '1 hour')::date;
    ELSIF rec_arrival THEN
        t := NEW.actual_arrival;
        what := 'actual arrival ' OPERATOR(pg_catalog.||) pg_catalog.to_char(t, 'YYYY-MM-DD HH24:MI:SS');
        lo := (t OPERATOR(pg_catalog.-) duration OPERATOR(pg_catalog.-) interval '1 day')::date;
        hi := (t OPERATOR(pg_catalog.-) duration OPERATOR(pg_catalog.+) interval '1 hour')::date;
    ELSE
        t := LOCALTIMESTAMP;
        what := 'status ' OPERATOR(pg_catalog.||) NEW.status OPERATOR(pg_catalog.||) ' at ' OPERATOR(pg_catalog.||) pg_catalog.to_char(t, 'YYYY-MM-DD HH24:MI:SS');
        lo := (t OPERATOR(pg_catalog.-) duration OPERATOR(pg_catalog.-) interval '1 day')::date;
        hi := (t OPERATOR(pg_catalog.+) interval '1 day')::date;
    END IF;

    SELECT c.run_date, c.existing INTO chosen_date, chosen_exists
    FROM (SELECT r.run_date, r.planned_departure, r.planned_arrival, true AS existing
          FROM railway.runs r
          WHERE r.schedule_id OPERATOR(pg_catalog.=) NEW.id
            AND r.run_date OPERATOR(pg_catalog.>=) lo AND r.run_date OPERATOR(pg_catalog.<=) hi
          UNION ALL
          SELECT pg_catalog.lower(o)::date, pg_catalog.lower(o), pg_catalog.upper(o), false
          FROM railway.occurrences(railway.service_pattern(NEW.scheduled_departure, NEW.scheduled_arrival,
                   NEW.running_days, NEW.effective_start_date, NEW.effective_end_date), lo, hi) AS o
          WHERE active
            AND NOT EXISTS (SELECT FROM railway.runs r
                            WHERE r.schedule_id OPERATOR(pg_catalog.=) NEW.id
                              AND r.run_date OPERATOR(pg_catalog.=) pg_catalog.lower(o)::date)) AS c
    WHERE CASE WHEN rec_departure
               THEN c.planned_departure OPERATOR(pg_catalog.<=) (t OPERATOR(pg_catalog.+) interval '1 hour')
                    AND c.planned_departure OPERATOR(pg_catalog.>) (t OPERATOR(pg_catalog.-) interval '1 day')
               WHEN rec_arrival
               THEN c.planned_arrival OPERATOR(pg_catalog.<=) (t OPERATOR(pg_catalog.+) interval '1 hour')
                    AND c.planned_arrival OPERATOR(pg_catalog.>) (t OPERATOR(pg_catalog.-) interval '1 day')
               ELSE GREATEST(c.planned_departure OPERATOR(pg_catalog.-) t,
                                        t OPERATOR(pg_catalog.-) c.planned_arrival, interval '0')
                    OPERATOR(pg_catalog.<) interval '1 day' END
    ORDER BY CASE WHEN rec_departure THEN c.planned_departure
                  WHEN rec_arrival THEN c.planned_arrival END DESC NULLS LAST,
             GREATEST(c.planned_departure OPERATOR(pg_catalog.-) t,
                                 t OPERATOR(pg_catalog.-) c.planned_arrival, interval '0'),
             c.run_date
    LIMIT 1;

    IF chosen_date IS NULL THEN
        RAISE WARNING 'Schedule % has no run for its %: not recorded on a run', NEW.id, what
            USING DETAIL = CASE WHEN active
                                THEN 'No run of it, and no date its pattern runs, is near that time.'
                                ELSE 'The schedule is cancelled and has no run near that time.' END,
                  HINT = 'Record the run on railway.runs (an extra run for a date its pattern does not run).';
        RETURN NULL;
    END IF;
    BEGIN
        IF chosen_exists THEN
            UPDATE railway.runs r
            SET actual_departure = CASE WHEN rec_departure THEN NEW.actual_departure ELSE r.actual_departure END,
                actual_arrival = CASE WHEN rec_arrival THEN NEW.actual_arrival ELSE r.actual_arrival END,
                status = CASE WHEN rec_status THEN NEW.status ELSE r.status END
            WHERE r.schedule_id OPERATOR(pg_catalog.=) NEW.id AND r.run_date OPERATOR(pg_catalog.=) chosen_date;
        ELSE
            INSERT INTO railway.runs (schedule_id, run_date, actual_departure, actual_arrival, status)
            VALUES (NEW.id, chosen_date,
                    CASE WHEN rec_departure THEN NEW.actual_departure END,
                    CASE WHEN rec_arrival THEN NEW.actual_arrival END,
                    CASE WHEN rec_status THEN NEW.status ELSE 'scheduled' END);
        END IF;
    EXCEPTION WHEN check_violation OR exclusion_violation OR unique_violation THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
        RAISE WARNING 'Schedule %: its % is not recorded on its run of %', NEW.id, what, pg_catalog.to_char(chosen_date, 'YYYY-MM-DD')
            USING DETAIL = pg_catalog.format('The run refused it: %s (SQLSTATE %s).', message, state),
                  HINT = 'Correct the run on railway.runs (or create the partition of its month: railway.create_run_partitions()).';
    END;
    RETURN NULL;
END
$function$;
COMMENT ON FUNCTION railway.record_run_trigger() IS
    'Trigger function of railway.schedules: records an UPDATE of actual_departure, actual_arrival (to a value) or status (to running, delayed or completed) on the run it belongs to (the run planned to depart, or arrive, latest but at most one hour after the actual time and less than a day before it; for a status alone the run nearest to now), creating that date''s planned run when the pattern runs then; otherwise a WARNING, and the schedule''s UPDATE still succeeds (README "Runs").';
REVOKE ALL ON FUNCTION railway.record_run_trigger() FROM PUBLIC;

CREATE TRIGGER record_run AFTER UPDATE OF actual_departure, actual_arrival, status ON railway.schedules
    FOR EACH ROW
    WHEN (OLD.actual_departure IS DISTINCT FROM NEW.actual_departure
          OR OLD.actual_arrival IS DISTINCT FROM NEW.actual_arrival
          OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION railway.record_run_trigger();
COMMENT ON TRIGGER record_run ON railway.schedules IS
    'Records the guide''s application''s actual times and status, written into schedules, on the run they belong to.';

-- 2. The audit of runs. Retimings, cancellations of a run and extra runs are audited; routine
-- actual times and planned runs are not (the volume: a run per service and day, updated
-- several times a day). Audited, exactly:
--   INSERT  of an extra run (kind = 'extra');
--   UPDATE  changing planned_departure or planned_arrival (a retiming), kind, schedule_id or
--           run_date, or status to or from 'cancelled';
--   DELETE  every deleted run (also those sync_runs deletes when a schedule changes);
--   TRUNCATE.
-- A run moved to another month (run_date changed across partitions) is, for PostgreSQL, a
-- DELETE from one partition and an INSERT into another: it is audited as the DELETE of the old
-- row (and the INSERT of the new one when it is an extra run).
-- A run's key is (schedule_id, run_date, train_id); audit_log.row_id is an integer, so a run's
-- audit row has table_name 'runs', row_id = its schedule_id, and its run_date (and every
-- other column) in old_row / new_row. INSERT, UPDATE and DELETE are row-level triggers (cloned
-- onto every partition, so writes made to a partition directly are audited too) with WHEN
-- clauses for INSERT and UPDATE: the filter is evaluated natively per row and nothing is
-- captured for the routine rows (statement triggers' transition tables would copy every
-- planned or recorded row, only to throw nearly all away, and a statement trigger on the
-- partitioned table does not see a row moved across partitions). TRUNCATE is statement-level.
-- Old history dropped a partition at a time (railway.drop_run_partitions) is not a row delete
-- and not audited row by row.
CREATE FUNCTION railway.audit_run_trigger() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    actor text := COALESCE(NULLIF(current_setting('role'), 'none'), session_user::text);
BEGIN
    -- A superuser's pg_restore / pg_dump script (row_security = off) reloads runs whose audit
    -- rows the dump carries: not audited again (as railway.audit_trigger()).
    IF current_setting('row_security') = 'off'
       AND (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = actor) THEN
        RETURN NULL;
    END IF;
    IF TG_LEVEL = 'ROW' AND TG_OP = 'INSERT' THEN
        INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name, row_id, new_row)
        VALUES (actor, session_user, 'INSERT', 'runs', NEW.schedule_id, to_jsonb(NEW));
    ELSIF TG_LEVEL = 'ROW' AND TG_OP = 'UPDATE' THEN
        INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name, row_id,
                                       old_row, new_row)
        VALUES (actor, session_user, 'UPDATE', 'runs', NEW.schedule_id, to_jsonb(OLD), to_jsonb(NEW));
    ELSIF TG_LEVEL = 'ROW' AND TG_OP = 'DELETE' THEN
        INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name, row_id, old_row)
        VALUES (actor, session_user, 'DELETE', 'runs', OLD.schedule_id, to_jsonb(OLD));
    ELSIF TG_LEVEL = 'STATEMENT' AND TG_OP = 'TRUNCATE' THEN
        INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name)
        VALUES (actor, session_user, 'TRUNCATE', 'runs');
    ELSE
        RAISE EXCEPTION 'railway.audit_run_trigger() fires FOR EACH ROW on INSERT, UPDATE or DELETE, FOR EACH STATEMENT on TRUNCATE'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    RETURN NULL;
END
$function$;
COMMENT ON FUNCTION railway.audit_run_trigger() IS
    'Audit of railway.runs: writes a railway.audit_log row (table_name runs, row_id = schedule_id, run_date in old_row/new_row) for an extra run inserted, a run retimed, cancelled or un-cancelled or changed in kind, schedule or date, every run deleted and every TRUNCATE; routine actual times and planned runs are not audited. SECURITY DEFINER, search_path pinned.';
REVOKE ALL ON FUNCTION railway.audit_run_trigger() FROM PUBLIC;

CREATE TRIGGER runs_audit_insert AFTER INSERT ON railway.runs
    FOR EACH ROW WHEN (NEW.kind = 'extra')
    EXECUTE FUNCTION railway.audit_run_trigger();
CREATE TRIGGER runs_audit_update AFTER UPDATE ON railway.runs
    FOR EACH ROW
    WHEN (OLD.planned_departure IS DISTINCT FROM NEW.planned_departure
          OR OLD.planned_arrival IS DISTINCT FROM NEW.planned_arrival
          OR OLD.kind IS DISTINCT FROM NEW.kind
          OR OLD.schedule_id IS DISTINCT FROM NEW.schedule_id
          OR OLD.run_date IS DISTINCT FROM NEW.run_date
          OR (OLD.status = 'cancelled') IS DISTINCT FROM (NEW.status = 'cancelled'))
    EXECUTE FUNCTION railway.audit_run_trigger();
CREATE TRIGGER runs_audit_delete AFTER DELETE ON railway.runs
    FOR EACH ROW EXECUTE FUNCTION railway.audit_run_trigger();
CREATE TRIGGER runs_audit_truncate AFTER TRUNCATE ON railway.runs
    FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_run_trigger();
COMMENT ON TRIGGER runs_audit_insert ON railway.runs IS 'Audit: an extra run inserted (planned runs are not audited).';
COMMENT ON TRIGGER runs_audit_update ON railway.runs IS 'Audit: a run retimed, cancelled or un-cancelled, or changed in kind, schedule or date (routine actual times and statuses are not audited).';
COMMENT ON TRIGGER runs_audit_delete ON railway.runs IS 'Audit: every deleted run (also one moved to another month''s partition).';
COMMENT ON TRIGGER runs_audit_truncate ON railway.runs IS 'Audit: every TRUNCATE of railway.runs.';

-- 3. The partitions of railway.runs, for monitoring (railway.health() reads it) and for
-- dropping old history. The bounds are read from the catalog (pg_get_expr of relpartbound,
-- printed and read back under the same DateStyle).
CREATE VIEW railway.run_partitions WITH (security_invoker = true) AS
SELECT c.relname AS partition_name,
       (pg_catalog.regexp_match(b.bound, 'FROM \(''([^'']*)''\)'))[1]::date AS from_date,
       (pg_catalog.regexp_match(b.bound, 'TO \(''([^'']*)''\)'))[1]::date AS to_date,
       b.bound = 'DEFAULT' AS is_default,
       EXISTS (SELECT FROM pg_catalog.pg_constraint k
               WHERE k.conrelid = c.oid AND k.contype = 'p') AS has_primary_key,
       NULLIF(c.reltuples, -1)::bigint AS estimated_rows,
       pg_catalog.pg_total_relation_size(c.oid) AS total_bytes,
       pg_catalog.pg_size_pretty(pg_catalog.pg_total_relation_size(c.oid)) AS total_size
FROM pg_catalog.pg_inherits i
JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
CROSS JOIN LATERAL (SELECT pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound) AS b
WHERE i.inhparent = 'railway.runs'::regclass;
COMMENT ON VIEW railway.run_partitions IS
    'The partitions of railway.runs: name, run dates from_date (inclusive) to to_date (exclusive), whether it is the default partition, whether it has its primary key (schedule_id, run_date, train_id), estimated rows (NULL before the first ANALYZE) and size.';

-- 4. Old history goes a partition at a time, never by row deletes.
CREATE FUNCTION railway.drop_run_partitions(older_than interval, detach boolean DEFAULT false)
    RETURNS SETOF text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    cutoff date;
    p record;
BEGIN
    IF older_than IS NULL OR detach IS NULL THEN
        RAISE EXCEPTION 'older_than and detach must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF older_than OPERATOR(pg_catalog.<) interval '1 day' THEN
        RAISE EXCEPTION 'older_than must be at least 1 day, not %', older_than
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the history to keep, e.g. railway.drop_run_partitions(''2 years'').';
    END IF;
    cutoff := (CURRENT_DATE OPERATOR(pg_catalog.-) older_than)::date;
    FOR p IN SELECT rp.partition_name FROM railway.run_partitions rp
             WHERE NOT rp.is_default AND rp.to_date OPERATOR(pg_catalog.<=) cutoff
             ORDER BY rp.to_date, rp.partition_name LOOP
        IF detach THEN
            EXECUTE pg_catalog.format('ALTER TABLE railway.runs DETACH PARTITION railway.%I', p.partition_name);
        ELSE
            EXECUTE pg_catalog.format('DROP TABLE railway.%I', p.partition_name);
        END IF;
        RETURN NEXT 'railway.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(p.partition_name);
    END LOOP;
END
$function$;
COMMENT ON FUNCTION railway.drop_run_partitions(interval, boolean) IS
    'Drops (or, with detach, detaches as a plain table to archive) each partition of railway.runs whose run dates all lie more than older_than (at least 1 day) before today; returns the partitions it dropped or detached. Never deletes rows, never touches the default partition. Locks railway.runs (ACCESS EXCLUSIVE) for the moment of each.';
REVOKE ALL ON FUNCTION railway.drop_run_partitions(interval, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION railway.drop_run_partitions(interval, boolean) TO railway_admin;

GRANT SELECT ON railway.run_partitions TO railway_viewer;
-- The default partition is always empty; viewers may read it, so that railway.health() (which
-- viewers call) checks that it is.
GRANT SELECT ON railway.runs_default TO railway_viewer;

INSERT INTO railway.schema_manifest (object_type, table_name, object_name) VALUES
    ('trigger', 'schedules', 'record_run'),
    ('trigger', 'runs', 'runs_audit_insert'),
    ('trigger', 'runs', 'runs_audit_update'),
    ('trigger', 'runs', 'runs_audit_delete'),
    ('trigger', 'runs', 'runs_audit_truncate'),
    ('trigger', 'runs_default', 'runs_audit_insert'),
    ('trigger', 'runs_default', 'runs_audit_update'),
    ('trigger', 'runs_default', 'runs_audit_delete'),
    ('view', 'run_partitions', 'run_partitions');

-- railway.health() (check runPartitions) gets its final body and comment in 86_runs_citus.sql.

-- railway.purge_cancelled(): keeps a cancelled schedule while a run of it is left (PL/pgSQL
-- now: the install script defines it before railway.runs exists).
CREATE OR REPLACE FUNCTION railway.purge_cancelled(older_than interval DEFAULT '90 days') RETURNS bigint
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

-- railway.maintenance_plan(): ANALYZE railway.runs daily; partitions ahead and old run
-- partitions (railway.run_retention) monthly.
CREATE OR REPLACE FUNCTION railway.maintenance_plan(kind text) RETURNS SETOF text
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
