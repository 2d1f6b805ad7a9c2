-- Runs on a Citus cluster (issues 13 and 14, README "Citus"): the runs' triggers fire on shards
-- on the workers, where Citus refuses a distributed query; they read and write the co-located
-- shards of the same node instead (railway.colocated_shard). validate_run (C++) reads the
-- schedule from the co-located shard of railway.schedules and locks the train's row in the
-- shard of railway.trains on the node; sync_runs and record_run (below, final bodies) write the
-- co-located shard of railway.runs. Nothing changes on one server.

-- The shard of `logical` on this node co-located with the Citus shard `shard` (e.g. the shard of
-- railway.schedules that holds the trains of railway.runs_2025_01_102022), or, for a reference
-- table, its shard on this node; NULL when `shard` is not a shard (one server, the coordinator's
-- tables) or that shard is not on this node. The runs' triggers, firing on shards on a worker,
-- read and write the co-located shards through it: Citus refuses a distributed query there
-- (README "Citus"). Every Citus object is reached through EXECUTE.
CREATE FUNCTION railway.colocated_shard(shard regclass, logical regclass)
    RETURNS regclass
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    shard_id bigint := pg_catalog.substring(shard::text, '_([0-9]+)$')::bigint;
    result regclass;
BEGIN
    IF shard_id IS NULL OR pg_catalog.to_regclass('pg_catalog.pg_dist_shard') IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE $q$
        SELECT pg_catalog.to_regclass(pg_catalog.shard_name(o.logicalrelid, o.shardid))
        FROM pg_catalog.pg_dist_shard s
        JOIN pg_catalog.pg_dist_shard o ON o.logicalrelid OPERATOR(pg_catalog.=) $2
             AND (o.shardminvalue OPERATOR(pg_catalog.=) s.shardminvalue OR o.shardminvalue IS NULL)
        WHERE s.shardid OPERATOR(pg_catalog.=) $1
          AND pg_catalog.to_regclass(pg_catalog.shard_name(s.logicalrelid, s.shardid)) OPERATOR(pg_catalog.=) $3
        LIMIT 1 $q$
    INTO result USING shard_id, logical, shard;
    RETURN result;
END
$function$;
COMMENT ON FUNCTION railway.colocated_shard(regclass, regclass) IS
    'On a Citus node: the shard of logical on this node co-located with the shard shard (for a reference table, its shard here); NULL when shard is not a Citus shard or that shard is not on this node. Used by the runs'' triggers, which fire on shards (README "Citus"); executable by everyone (it reads only Citus metadata).';

CREATE OR REPLACE FUNCTION railway.sync_runs_trigger() RETURNS trigger
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
    RETURN NULL;
END
$function$;

CREATE OR REPLACE FUNCTION railway.record_run_trigger() RETURNS trigger
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
    runs regclass;
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

    -- On a Citus worker this fires on a shard of railway.schedules: the runs are in the
    -- co-located shard of railway.runs on this node (a distributed query is refused there).
    IF TG_RELID OPERATOR(pg_catalog.<>) 'railway.schedules'::pg_catalog.regclass THEN
        runs := railway.colocated_shard(TG_RELID, 'railway.runs');
        IF runs IS NULL THEN
            RAISE EXCEPTION 'railway.record_run_trigger() fires on railway.schedules or one of its Citus shards, not on %', TG_RELID::text
                USING ERRCODE = 'feature_not_supported';
        END IF;
        EXECUTE pg_catalog.format($q$
        SELECT c.run_date, c.existing
        FROM (SELECT r.run_date, r.planned_departure, r.planned_arrival, true AS existing
              FROM %1$s r
              WHERE r.schedule_id OPERATOR(pg_catalog.=) ($1).id
                AND r.run_date OPERATOR(pg_catalog.>=) $2 AND r.run_date OPERATOR(pg_catalog.<=) $3
              UNION ALL
              SELECT pg_catalog.lower(o)::date, pg_catalog.lower(o), pg_catalog.upper(o), false
              FROM railway.occurrences(railway.service_pattern(($1).scheduled_departure, ($1).scheduled_arrival,
                       ($1).running_days, ($1).effective_start_date, ($1).effective_end_date), $2, $3) AS o
              WHERE $4
                AND NOT EXISTS (SELECT FROM %1$s r
                                WHERE r.schedule_id OPERATOR(pg_catalog.=) ($1).id
                                  AND r.run_date OPERATOR(pg_catalog.=) pg_catalog.lower(o)::date)) AS c
        WHERE CASE WHEN $5
                   THEN c.planned_departure OPERATOR(pg_catalog.<=) ($7 OPERATOR(pg_catalog.+) interval '1 hour')
                        AND c.planned_departure OPERATOR(pg_catalog.>) ($7 OPERATOR(pg_catalog.-) interval '1 day')
                   WHEN $6
                   THEN c.planned_arrival OPERATOR(pg_catalog.<=) ($7 OPERATOR(pg_catalog.+) interval '1 hour')
                        AND c.planned_arrival OPERATOR(pg_catalog.>) ($7 OPERATOR(pg_catalog.-) interval '1 day')
                   ELSE GREATEST(c.planned_departure OPERATOR(pg_catalog.-) $7,
                                            $7 OPERATOR(pg_catalog.-) c.planned_arrival, interval '0')
                        OPERATOR(pg_catalog.<) interval '1 day' END
        ORDER BY CASE WHEN $5 THEN c.planned_departure
                      WHEN $6 THEN c.planned_arrival END DESC NULLS LAST,
                 GREATEST(c.planned_departure OPERATOR(pg_catalog.-) $7,
                                     $7 OPERATOR(pg_catalog.-) c.planned_arrival, interval '0'),
                 c.run_date
        LIMIT 1 $q$, runs)
        INTO chosen_date, chosen_exists USING NEW, lo, hi, active, rec_departure, rec_arrival, t;
    ELSE
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
    END IF;

    IF chosen_date IS NULL THEN
        RAISE WARNING 'Schedule % has no run for its %: not recorded on a run', NEW.id, what
            USING DETAIL = CASE WHEN active
                                THEN 'No run of it, and no date its pattern runs, is near that time.'
                                ELSE 'The schedule is cancelled and has no run near that time.' END,
                  HINT = 'Record the run on railway.runs (an extra run for a date its pattern does not run).';
        RETURN NULL;
    END IF;
    BEGIN
        IF runs IS NOT NULL THEN
            IF chosen_exists THEN
                EXECUTE pg_catalog.format($q$
                    UPDATE %s r
                    SET actual_departure = CASE WHEN $2 THEN ($1).actual_departure ELSE r.actual_departure END,
                        actual_arrival = CASE WHEN $3 THEN ($1).actual_arrival ELSE r.actual_arrival END,
                        status = CASE WHEN $4 THEN ($1).status ELSE r.status END
                    WHERE r.schedule_id OPERATOR(pg_catalog.=) ($1).id AND r.run_date OPERATOR(pg_catalog.=) $5 $q$, runs)
                USING NEW, rec_departure, rec_arrival, rec_status, chosen_date;
            ELSE
                EXECUTE pg_catalog.format($q$
                    INSERT INTO %s (schedule_id, run_date, train_id, actual_departure, actual_arrival, status)
                    VALUES (($1).id, $5, ($1).train_id,
                            CASE WHEN $2 THEN ($1).actual_departure END,
                            CASE WHEN $3 THEN ($1).actual_arrival END,
                            CASE WHEN $4 THEN ($1).status ELSE 'scheduled' END) $q$, runs)
                USING NEW, rec_departure, rec_arrival, rec_status, chosen_date;
            END IF;
        ELSIF chosen_exists THEN
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
