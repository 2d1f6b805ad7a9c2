-- Runs on a Citus cluster (issues 13 and 14, README "Citus"): the runs' triggers fire on shards
-- on the workers, where Citus refuses a distributed query; they read and write the co-located
-- shards of the same node instead (railway.colocated_shard). validate_run (C++) reads the
-- schedule from the co-located shard of railway.schedules and locks the train's row in the
-- shard of railway.trains on the node; sync_runs and record_run (below, final bodies) write the
-- co-located shard of railway.runs. plan_runs (C++) counts, on a cluster, the runs Citus really
-- inserted. railway.health() (final body at the end) reports the default partition of runs as
-- unreadable when a worker is down, instead of failing. Nothing else changes on one server.

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

CREATE FUNCTION railway.check_schedule_runs(schedule_id integer, from_date date) RETURNS void
    AS 'MODULE_PATHNAME', 'railway_check_schedule_runs'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION railway.check_schedule_runs(integer, date) IS
    'The conflict rule of every run of the schedule from from_date on that is not cancelled, as if written now (the train locked, 23P01 naming the other run); nothing for a cancelled or unknown schedule. Called by sync_runs when a schedule is made active again or its train''s kind changes.';
REVOKE ALL ON FUNCTION railway.check_schedule_runs(integer, date) FROM PUBLIC;

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

-- railway.health(): on a Citus cluster with a worker down, the check of the default partition
-- of railway.runs (which reads the shards) is reported, not an error of health() (final body).
CREATE OR REPLACE FUNCTION railway.health(
        min_cache_hit_ratio  float8   DEFAULT 0.95,
        max_dead_tuple_ratio float8   DEFAULT 0.20,
        max_connection_usage float8   DEFAULT 0.80,
        long_running_after   interval DEFAULT '5 minutes',
        min_table_rows       bigint   DEFAULT 1000)
    RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    recommendations text[] := '{}';
    missing text[];
    invalid text[];
    integrity_ok boolean;
    performance_ok boolean := true;
    cache_hit float8;
    dead jsonb;
    dead_tables text[];
    used integer;
    max_conn integer := current_setting('max_connections')::integer;
    reserved integer := current_setting('superuser_reserved_connections')::integer;
    long_running jsonb;
    blocked jsonb;
    cluster jsonb;
    r record;
    run_partition_count integer;
    missing_months text[];
    without_key text[];
    default_rows boolean;
    default_error text;
    runs_ok boolean;
    runs_warn boolean;
BEGIN
    -- Schema integrity: every manifest object exists, and what exists is valid and enabled.
    SELECT COALESCE(array_agg(format('%s %s on railway.%s', m.object_type, m.object_name, m.table_name)
                              ORDER BY m.object_type, m.table_name, m.object_name), '{}')
    INTO missing
    FROM railway.schema_manifest m
    WHERE NOT CASE m.object_type
        WHEN 'table' THEN EXISTS (SELECT 1 FROM pg_class c
                                  WHERE c.relnamespace = 'railway'::regnamespace
                                    AND c.relname = m.object_name AND c.relkind IN ('r', 'p'))
        WHEN 'view' THEN EXISTS (SELECT 1 FROM pg_class c
                                 WHERE c.relnamespace = 'railway'::regnamespace
                                   AND c.relname = m.object_name AND c.relkind = 'v')
        WHEN 'index' THEN EXISTS (SELECT 1 FROM pg_index i
                                  JOIN pg_class ic ON ic.oid = i.indexrelid
                                  JOIN pg_class tc ON tc.oid = i.indrelid
                                  WHERE tc.relnamespace = 'railway'::regnamespace
                                    AND tc.relname = m.table_name AND ic.relname = m.object_name)
        WHEN 'constraint' THEN EXISTS (SELECT 1 FROM pg_constraint k
                                       JOIN pg_class tc ON tc.oid = k.conrelid
                                       WHERE tc.relnamespace = 'railway'::regnamespace
                                         AND tc.relname = m.table_name AND k.conname = m.object_name)
        WHEN 'trigger' THEN EXISTS (SELECT 1 FROM pg_trigger g
                                    JOIN pg_class tc ON tc.oid = g.tgrelid
                                    WHERE tc.relnamespace = 'railway'::regnamespace
                                      AND tc.relname = m.table_name AND g.tgname = m.object_name)
        ELSE false END;

    SELECT COALESCE(array_agg(problem ORDER BY problem), '{}') INTO invalid
    FROM (SELECT format('index %s is not valid (REINDEX it)', i.indexrelid::regclass) AS problem
          FROM pg_index i JOIN pg_class tc ON tc.oid = i.indrelid
          WHERE tc.relnamespace = 'railway'::regnamespace AND NOT (i.indisvalid AND i.indisready)
          UNION ALL
          SELECT format('constraint %s on %s is not validated', k.conname, k.conrelid::regclass)
          FROM pg_constraint k
          WHERE k.connamespace = 'railway'::regnamespace AND NOT k.convalidated
          UNION ALL
          SELECT format('trigger %s on %s is disabled', g.tgname, g.tgrelid::regclass)
          FROM pg_trigger g JOIN pg_class tc ON tc.oid = g.tgrelid
          WHERE tc.relnamespace = 'railway'::regnamespace AND g.tgenabled = 'D') AS p;

    IF cardinality(missing) > 0 THEN
        recommendations := recommendations || format(
            'The railway schema is incomplete (%s missing): ALTER EXTENSION railway UPDATE, or restore the objects from the install script.',
            cardinality(missing));
    END IF;
    recommendations := recommendations || invalid;

    -- Partitions of railway.runs (issue 13): a run whose month has no partition is refused, so
    -- the current and the next month must have one (a warning; checked once runs are in use,
    -- i.e. some monthly partition exists); the default partition must stay empty and every
    -- partition must have its primary key (errors: rows outside the rules).
    SELECT count(*) FILTER (WHERE NOT p.is_default),
           COALESCE(array_agg(format('railway.%I', p.partition_name) ORDER BY p.partition_name)
                        FILTER (WHERE NOT p.is_default AND NOT p.has_primary_key), '{}')
    INTO run_partition_count, without_key
    FROM railway.run_partitions p;
    SELECT COALESCE(array_agg(to_char(m.month, 'YYYY-MM') ORDER BY m.month), '{}') INTO missing_months
    FROM (VALUES (date_trunc('month', CURRENT_DATE)::date),
                 ((date_trunc('month', CURRENT_DATE) + interval '1 month')::date)) AS m(month)
    WHERE run_partition_count > 0
      AND NOT EXISTS (SELECT 1 FROM railway.run_partitions p
                      WHERE NOT p.is_default
                        AND p.from_date <= m.month AND p.to_date >= (m.month + interval '1 month')::date);
    -- (When it is missing, the manifest check says so.) Viewers may read it.
    IF to_regclass('railway.runs_default') IS NULL THEN
        default_rows := false;
    ELSE
        -- On a Citus cluster this reads the shards on the workers: one down makes it fail,
        -- which the check reports (checks.cluster names the node) instead of failing health().
        BEGIN
            EXECUTE 'SELECT EXISTS (SELECT 1 FROM railway.runs_default)' INTO default_rows;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS default_error = MESSAGE_TEXT;
            recommendations := recommendations || format(
                'The default partition railway.runs_default could not be read (%s): its rows are not checked.', default_error);
        END;
    END IF;
    runs_ok := NOT COALESCE(default_rows, true) AND cardinality(without_key) = 0;
    runs_warn := cardinality(missing_months) > 0;
    IF default_rows THEN
        recommendations := recommendations || 'The default partition railway.runs_default holds rows (it must stay empty: its CHECK (false) was dropped?): create the partitions of their months with railway.create_run_partitions(), move the rows there and restore the constraint runs_default_no_rows.'::text;
    END IF;
    FOR r IN SELECT unnest(without_key) AS t LOOP
        recommendations := recommendations || format(
            'Partition %s of railway.runs has no primary key (schedule_id, run_date, train_id): add it (ALTER TABLE %s ADD PRIMARY KEY (schedule_id, run_date, train_id)); partitions made by railway.create_run_partitions() have it.',
            r.t, r.t);
    END LOOP;
    IF runs_warn THEN
        recommendations := recommendations || format(
            'railway.runs has no partition for %s: runs of those months are refused. Run SELECT railway.create_run_partitions(3); (monthly, e.g. from pg_cron).',
            array_to_string(missing_months, ' and '));
    END IF;

    -- Cache hit ratio of this database (NULL before any block was read).
    SELECT d.blks_hit::float8 / NULLIF(d.blks_hit + d.blks_read, 0) INTO cache_hit
    FROM pg_stat_database d WHERE d.datname = current_database();
    IF cache_hit < min_cache_hit_ratio THEN
        performance_ok := false;
        recommendations := recommendations || format(
            'Cache hit ratio %s is below %s: consider a larger shared_buffers, or look for sequential scans of large tables (railway.table_statistics).',
            round(cache_hit::numeric, 4), min_cache_hit_ratio);
    END IF;

    -- Dead tuples per railway table.
    SELECT COALESCE(jsonb_object_agg(format('%I.%I', s.schemaname, s.relname),
                                     round(COALESCE(s.n_dead_tup::numeric / NULLIF(s.n_live_tup + s.n_dead_tup, 0), 0), 4)),
                    '{}'),
           COALESCE(array_agg(format('%I.%I', s.schemaname, s.relname) ORDER BY s.relname)
                        FILTER (WHERE s.n_live_tup + s.n_dead_tup >= min_table_rows
                                  AND s.n_dead_tup::float8 / NULLIF(s.n_live_tup + s.n_dead_tup, 0) > max_dead_tuple_ratio),
                    '{}')
    INTO dead, dead_tables
    FROM pg_stat_all_tables s WHERE s.schemaname = 'railway';
    FOR r IN SELECT unnest(dead_tables) AS t LOOP
        performance_ok := false;
        recommendations := recommendations || format(
            'Run VACUUM ANALYZE %s: more than %s%% of its rows are dead tuples.', r.t,
            round((max_dead_tuple_ratio * 100)::numeric, 1));
    END LOOP;

    -- Connections.
    SELECT count(*) INTO used FROM pg_stat_activity a WHERE a.backend_type = 'client backend';
    IF used > max_connection_usage * max_conn THEN
        performance_ok := false;
        recommendations := recommendations || format(
            '%s of max_connections %s are in use (%s reserved for superusers): use a connection pooler or raise max_connections.',
            used, max_conn, reserved);
    END IF;

    -- Long-running and blocked statements (other sessions).
    SELECT COALESCE(jsonb_agg(jsonb_build_object('pid', a.pid, 'user', a.usename,
                                                 'seconds', round(extract(epoch FROM now() - a.query_start)),
                                                 'query', left(a.query, 200)) ORDER BY a.query_start), '[]')
    INTO long_running
    FROM pg_stat_activity a
    WHERE a.state = 'active' AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
      AND now() - a.query_start > long_running_after;
    SELECT COALESCE(jsonb_agg(jsonb_build_object('pid', a.pid, 'user', a.usename,
                                                 'blockedBy', to_jsonb(pg_blocking_pids(a.pid)),
                                                 'seconds', round(extract(epoch FROM now() - a.query_start)),
                                                 'query', left(a.query, 200)) ORDER BY a.pid), '[]')
    INTO blocked
    FROM pg_stat_activity a
    WHERE a.pid <> pg_backend_pid() AND cardinality(pg_blocking_pids(a.pid)) > 0;
    IF jsonb_array_length(long_running) > 0 THEN
        performance_ok := false;
        recommendations := recommendations || format(
            '%s statement(s) running longer than %s: see railway.slow_queries; cancel with pg_cancel_backend(pid) if they are stuck.',
            jsonb_array_length(long_running), long_running_after);
    END IF;
    FOR r IN SELECT b ->> 'pid' AS pid, b -> 'blockedBy' AS blockers FROM jsonb_array_elements(blocked) b LOOP
        performance_ok := false;
        recommendations := recommendations || format(
            'Session %s is blocked by session(s) %s: see railway.blocking_locks; end the blocker with pg_terminate_backend(pid) if it is idle in transaction.',
            r.pid, r.blockers);
    END LOOP;

    -- Indexes of railway tables never scanned (not the ones that enforce a constraint); small
    -- tables are not judged (the planner rightly prefers a sequential scan there).
    FOR r IN SELECT format('%I.%I', u.schemaname, u.indexrelname) AS idx
             FROM railway.unused_indexes u
             JOIN pg_stat_all_tables t ON t.schemaname = u.schemaname AND t.relname = u.tablename
             WHERE u.schemaname = 'railway' AND t.n_live_tup + t.n_dead_tup >= min_table_rows
             ORDER BY u.indexrelname LOOP
        recommendations := recommendations || format(
            'Index %s has not been scanned since statistics were reset: drop it if the workload never needs it.', r.idx);
    END LOOP;

    integrity_ok := cardinality(missing) = 0 AND cardinality(invalid) = 0;

    -- The nodes of a Citus cluster (README "Citus"), only where Citus is installed: on one
    -- server without it nothing here runs (railway.cluster_nodes() reaches Citus dynamically).
    IF EXISTS (SELECT FROM pg_extension e WHERE e.extname = 'citus') THEN
        cluster := railway.cluster_nodes();
        IF cluster ->> 'status' = 'fail' THEN
            integrity_ok := false;
            recommendations := recommendations
                || ARRAY(SELECT jsonb_array_elements_text(cluster -> 'problems'));
        END IF;
    END IF;

    RETURN jsonb_build_object(
        'status', CASE WHEN NOT integrity_ok OR NOT runs_ok THEN 'unhealthy'
                       WHEN NOT performance_ok OR runs_warn THEN 'degraded'
                       ELSE 'healthy' END,
        'timestamp', now(),
        'checks', jsonb_build_object(
            'connectivity', jsonb_build_object(
                'status', 'pass',
                'database', current_database(),
                'serverVersion', current_setting('server_version'),
                'inRecovery', pg_is_in_recovery(),
                'extensionVersion', (SELECT e.extversion FROM pg_extension e WHERE e.extname = 'railway')),
            'schemaIntegrity', jsonb_build_object(
                'status', CASE WHEN integrity_ok THEN 'pass' ELSE 'fail' END,
                'expectedObjects', (SELECT count(*) FROM railway.schema_manifest),
                'missing', to_jsonb(missing),
                'invalid', to_jsonb(invalid)),
            'runPartitions', jsonb_build_object(
                'status', CASE WHEN NOT runs_ok THEN 'fail' WHEN runs_warn THEN 'warn' ELSE 'pass' END,
                'partitions', run_partition_count,
                'missingMonths', to_jsonb(missing_months),
                'defaultPartitionRows', default_rows,
                'withoutPrimaryKey', to_jsonb(without_key)),
            'performanceMetrics', jsonb_build_object(
                'status', CASE WHEN performance_ok THEN 'pass' ELSE 'warn' END,
                'cacheHitRatio', round(cache_hit::numeric, 4),
                'deadTupleRatio', dead,
                'connections', jsonb_build_object('used', used, 'max', max_conn,
                                                  'ratio', round(used::numeric / max_conn, 4)),
                'longRunningQueries', long_running,
                'blockedQueries', blocked))
            || CASE WHEN cluster IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('cluster', cluster) END,
        'recommendations', to_jsonb(recommendations));
END
$function$;
COMMENT ON FUNCTION railway.health(float8, float8, float8, interval, bigint) IS
    'Health check as jsonb: status (healthy, degraded, unhealthy), timestamp, checks {connectivity, schemaIntegrity (what is missing or invalid), runPartitions (partitions of railway.runs: the current or next month missing is a warning once runs are in use; rows in the default partition or a partition without its primary key are errors), performanceMetrics (cache hit ratio, dead-tuple ratio per table, connections of max_connections, long-running and blocked statements)} and recommendations. On a Citus cluster also checks.cluster (railway.cluster_nodes(): on the coordinator every node, reachable or not, its railway version, equal to the coordinator''s or not, its shard counts of schedules and runs); an unreachable node or another version makes the status unhealthy. Without Citus there is no checks.cluster. Thresholds are the arguments; tables with fewer than min_table_rows rows are not judged for dead tuples or unused indexes. Read-only: works on a hot standby.';

COMMENT ON FUNCTION railway.sync_runs_trigger() IS
    'Trigger function of railway.schedules: keeps a schedule''s future untouched runs (from today, no actual times, not retimed) in step with its new pattern up to the dates already planned, checks its future runs for conflicts (23P01) when it is made active again or its train''s kind changes (one server), and deletes the future runs without actual times of a deleted schedule. Runs with actual times are never changed.';

-- sync_runs also fires when a schedule's train_kind changes (the column exists since
-- 70_train_kinds, after 60_runs made the trigger): step 4 of sync_runs_trigger.
DROP TRIGGER sync_runs ON railway.schedules;
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
