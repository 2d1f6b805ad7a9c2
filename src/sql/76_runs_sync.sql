-- Editing a schedule keeps its future runs in step (issue 13; README "Runs", "When a schedule
-- changes"). Definitions, for a schedule S edited at CURRENT_DATE:
--   future run     a run of S with run_date >= CURRENT_DATE and no actual time (both NULL);
--   untouched run  a future run of kind 'planned', status 'scheduled', whose planned times are
--                  still the old pattern's occurrence on its run date (not retimed);
--   horizon        the latest run_date of S's runs from CURRENT_DATE on (the dates already
--                  planned); nothing happens when S has no run from today on.
-- On an UPDATE of S's train, times, running days, effective dates or cancellation:
--   1. future runs take S's new train_id;
--   2. untouched runs that are not the new pattern's occurrence on their date (or every
--      untouched run, when S is now cancelled) are deleted;
--   3. when S is active, the new pattern's runs on dates from CURRENT_DATE to the horizon that
--      have no run yet are inserted (kind 'planned', status 'scheduled').
-- On a DELETE of S, S's future runs are deleted. Runs with an actual time, runs before today,
-- retimed runs, cancelled or otherwise updated runs and extra runs are never deleted or
-- changed by this (retimed, cancelled and extra future runs take the new train only).
-- SECURITY DEFINER: operators edit schedules but may not delete runs themselves.

CREATE FUNCTION railway.check_schedule_runs(schedule_id integer, from_date date) RETURNS void
    AS 'MODULE_PATHNAME', 'railway_check_schedule_runs'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION railway.check_schedule_runs(integer, date) IS
    'The conflict rule of every run of the schedule from from_date on that is not cancelled, as if written now (the train locked, 23P01 naming the other run); nothing for a cancelled or unknown schedule. Called by sync_runs when a schedule is made active again or its train''s kind changes.';
REVOKE ALL ON FUNCTION railway.check_schedule_runs(integer, date) FROM PUBLIC;

CREATE FUNCTION railway.sync_runs_trigger() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    horizon date;
    new_active boolean;
    runs regclass;
BEGIN
    -- On a Citus worker this fires on a shard of railway.schedules: the runs are in the
    -- co-located shard of railway.runs on this node (a distributed query is refused there).
    IF TG_RELID OPERATOR(pg_catalog.<>) 'railway.schedules'::pg_catalog.regclass THEN
        runs := railway.colocated_shard(TG_RELID, 'railway.runs');
        IF runs IS NULL THEN
            RAISE EXCEPTION 'railway.sync_runs_trigger() fires on railway.schedules or one of its Citus shards, not on %', TG_RELID::text
                USING ERRCODE = 'feature_not_supported';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        -- A statement trigger: the deleted schedules are in the transition table.
        IF runs IS NOT NULL THEN
            EXECUTE pg_catalog.format($q$
                DELETE FROM %s r USING old_schedules o
                WHERE r.schedule_id OPERATOR(pg_catalog.=) o.id
                  AND r.run_date OPERATOR(pg_catalog.>=) CURRENT_DATE
                  AND r.actual_departure IS NULL AND r.actual_arrival IS NULL $q$, runs);
            RETURN NULL;
        END IF;
        DELETE FROM railway.runs r USING old_schedules o
        WHERE r.schedule_id OPERATOR(pg_catalog.=) o.id
          AND r.run_date OPERATOR(pg_catalog.>=) CURRENT_DATE
          AND r.actual_departure IS NULL AND r.actual_arrival IS NULL;
        RETURN NULL;
    END IF;
    IF runs IS NOT NULL THEN
        -- The same three steps as below, on the shard of runs (a schedule's train cannot change
        -- on a cluster: it is the distribution column).
        EXECUTE pg_catalog.format($q$
            SELECT pg_catalog.max(r.run_date) FROM %s r
            WHERE r.schedule_id OPERATOR(pg_catalog.=) $1 AND r.run_date OPERATOR(pg_catalog.>=) CURRENT_DATE $q$, runs)
        INTO horizon USING OLD.id;
        IF horizon IS NULL THEN
            RETURN NULL;
        END IF;
        new_active := NOT NEW.is_cancelled AND NEW.status OPERATOR(pg_catalog.<>) 'cancelled';
        EXECUTE pg_catalog.format($q$
            DELETE FROM %s r
            WHERE r.schedule_id OPERATOR(pg_catalog.=) ($1).id
              AND r.run_date OPERATOR(pg_catalog.>=) CURRENT_DATE
              AND r.kind OPERATOR(pg_catalog.=) 'planned' AND r.status OPERATOR(pg_catalog.=) 'scheduled'
              AND r.actual_departure IS NULL AND r.actual_arrival IS NULL
              AND r.planned_departure OPERATOR(pg_catalog.=)
                    (r.run_date OPERATOR(pg_catalog.+) ($1).scheduled_departure::time)
              AND r.planned_arrival OPERATOR(pg_catalog.=) (r.planned_departure OPERATOR(pg_catalog.+)
                    (($1).scheduled_arrival OPERATOR(pg_catalog.-) ($1).scheduled_departure))
              AND NOT ($3
                       AND railway.runs_on(railway.service_pattern(($2).scheduled_departure, ($2).scheduled_arrival,
                               ($2).running_days, ($2).effective_start_date, ($2).effective_end_date), r.run_date)
                       AND r.planned_departure OPERATOR(pg_catalog.=)
                             (r.run_date OPERATOR(pg_catalog.+) ($2).scheduled_departure::time)
                       AND r.planned_arrival OPERATOR(pg_catalog.=) (r.planned_departure OPERATOR(pg_catalog.+)
                             (($2).scheduled_arrival OPERATOR(pg_catalog.-) ($2).scheduled_departure))) $q$, runs)
        USING OLD, NEW, new_active;
        IF new_active THEN
            EXECUTE pg_catalog.format($q$
                INSERT INTO %s (schedule_id, run_date, train_id, planned_departure, planned_arrival)
                SELECT ($1).id, pg_catalog.lower(o)::date, ($1).train_id, pg_catalog.lower(o), pg_catalog.upper(o)
                FROM railway.occurrences(railway.service_pattern(($1).scheduled_departure, ($1).scheduled_arrival,
                         ($1).running_days, ($1).effective_start_date, ($1).effective_end_date),
                         CURRENT_DATE, $2) AS o
                ON CONFLICT DO NOTHING $q$, runs)
            USING NEW, horizon;
        END IF;
        RETURN NULL;
    END IF;

    SELECT pg_catalog.max(r.run_date) INTO horizon FROM railway.runs r
    WHERE r.schedule_id OPERATOR(pg_catalog.=) OLD.id AND r.run_date OPERATOR(pg_catalog.>=) CURRENT_DATE;
    IF horizon IS NULL THEN
        RETURN NULL;
    END IF;
    new_active := NOT NEW.is_cancelled AND NEW.status OPERATOR(pg_catalog.<>) 'cancelled';

    -- 1. Future runs follow the schedule's train.
    IF NEW.train_id OPERATOR(pg_catalog.<>) OLD.train_id THEN
        UPDATE railway.runs r SET train_id = NEW.train_id
        WHERE r.schedule_id OPERATOR(pg_catalog.=) OLD.id
          AND r.run_date OPERATOR(pg_catalog.>=) CURRENT_DATE
          AND r.actual_departure IS NULL AND r.actual_arrival IS NULL;
    END IF;

    -- 2. Untouched runs the new pattern does not have.
    DELETE FROM railway.runs r
    WHERE r.schedule_id OPERATOR(pg_catalog.=) OLD.id
      AND r.run_date OPERATOR(pg_catalog.>=) CURRENT_DATE
      AND r.kind OPERATOR(pg_catalog.=) 'planned' AND r.status OPERATOR(pg_catalog.=) 'scheduled'
      AND r.actual_departure IS NULL AND r.actual_arrival IS NULL
      AND r.planned_departure OPERATOR(pg_catalog.=)
            (r.run_date OPERATOR(pg_catalog.+) OLD.scheduled_departure::time)
      AND r.planned_arrival OPERATOR(pg_catalog.=) (r.planned_departure OPERATOR(pg_catalog.+)
            (OLD.scheduled_arrival OPERATOR(pg_catalog.-) OLD.scheduled_departure))
      AND NOT (new_active
               AND railway.runs_on(railway.service_pattern(NEW.scheduled_departure, NEW.scheduled_arrival,
                       NEW.running_days, NEW.effective_start_date, NEW.effective_end_date), r.run_date)
               AND r.planned_departure OPERATOR(pg_catalog.=)
                     (r.run_date OPERATOR(pg_catalog.+) NEW.scheduled_departure::time)
               AND r.planned_arrival OPERATOR(pg_catalog.=) (r.planned_departure OPERATOR(pg_catalog.+)
                     (NEW.scheduled_arrival OPERATOR(pg_catalog.-) NEW.scheduled_departure)));

    -- 3. The new pattern's runs up to the horizon.
    IF new_active THEN
        INSERT INTO railway.runs (schedule_id, run_date, train_id, planned_departure, planned_arrival)
        SELECT NEW.id, pg_catalog.lower(o)::date, NEW.train_id, pg_catalog.lower(o), pg_catalog.upper(o)
        FROM railway.occurrences(railway.service_pattern(NEW.scheduled_departure, NEW.scheduled_arrival,
                 NEW.running_days, NEW.effective_start_date, NEW.effective_end_date),
                 CURRENT_DATE, horizon) AS o
        ON CONFLICT DO NOTHING;
    END IF;
    -- 4. Runs that can conflict again: the schedule made active again (its runs were exempt
    -- while it was cancelled) or its train's kind changed (a vehicle's runs conflict across run
    -- dates): its future runs that are not cancelled are checked as if written now (23P01).
    IF new_active AND (OLD.is_cancelled OR OLD.status OPERATOR(pg_catalog.=) 'cancelled'
                       OR OLD.train_kind IS DISTINCT FROM NEW.train_kind) THEN
        PERFORM railway.check_schedule_runs(NEW.id, CURRENT_DATE);
    END IF;
    RETURN NULL;
END
$function$;
COMMENT ON FUNCTION railway.sync_runs_trigger() IS
    'Trigger function of railway.schedules: keeps a schedule''s future untouched runs (from today, no actual times, not retimed) in step with its new pattern up to the dates already planned, checks its future runs for conflicts (23P01) when it is made active again or its train''s kind changes (one server), and deletes the future runs without actual times of a deleted schedule. Runs with actual times are never changed.';
REVOKE ALL ON FUNCTION railway.sync_runs_trigger() FROM PUBLIC;

CREATE TRIGGER sync_runs AFTER UPDATE ON railway.schedules
    FOR EACH ROW
    WHEN (OLD.train_id IS DISTINCT FROM NEW.train_id
          OR OLD.scheduled_departure IS DISTINCT FROM NEW.scheduled_departure
          OR OLD.scheduled_arrival IS DISTINCT FROM NEW.scheduled_arrival
          OR OLD.running_days IS DISTINCT FROM NEW.running_days
          OR OLD.effective_start_date IS DISTINCT FROM NEW.effective_start_date
          OR OLD.effective_end_date IS DISTINCT FROM NEW.effective_end_date
          OR OLD.is_cancelled IS DISTINCT FROM NEW.is_cancelled
          OR OLD.status IS DISTINCT FROM NEW.status AND 'cancelled' IN (OLD.status, NEW.status)
          OR OLD.train_kind IS DISTINCT FROM NEW.train_kind)
    EXECUTE FUNCTION railway.sync_runs_trigger();
COMMENT ON TRIGGER sync_runs ON railway.schedules IS
    'Keeps the schedule''s future untouched runs in step when its train, times, running days, effective dates or cancellation change, and checks its future runs for conflicts when it is made active again or its train''s kind changes.';

CREATE TRIGGER sync_runs_on_delete AFTER DELETE ON railway.schedules
    REFERENCING OLD TABLE AS old_schedules
    FOR EACH STATEMENT EXECUTE FUNCTION railway.sync_runs_trigger();
COMMENT ON TRIGGER sync_runs_on_delete ON railway.schedules IS
    'Deletes the future runs without actual times of deleted schedules (their history stays).';

INSERT INTO railway.schema_manifest (object_type, table_name, object_name) VALUES
    ('trigger', 'schedules', 'sync_runs'),
    ('trigger', 'schedules', 'sync_runs_on_delete');
