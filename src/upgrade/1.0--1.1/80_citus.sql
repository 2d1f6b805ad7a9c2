-- Citus (issue 14): check_schedule_conflicts() ships only parameters of built-in types to a
-- shard; the audit trigger names the table (not the shard) and records a reference table's
-- change once; the reports are PL/pgSQL functions (Citus plans their queries);
-- railway.distribute() and railway.cluster_audit_log() (src/sql/85_citus.sql).

CREATE OR REPLACE FUNCTION railway.check_schedule_conflicts(
        train_id integer, scheduled_departure timestamp, scheduled_arrival timestamp,
        running_days boolean[], effective_start_date timestamp, effective_end_date timestamp,
        exclude_id integer DEFAULT NULL)
    RETURNS SETOF railway.schedule_conflict
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    proposed railway.service_pattern;
    proposed_kind text;
BEGIN
    IF check_schedule_conflicts.train_id IS NULL THEN
        RAISE EXCEPTION 'train_id must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Conflicts are between schedules of the same train.';
    END IF;
    -- Validates the proposed schedule (NULLs, arrival after departure, running days, dates).
    proposed := railway.service_pattern(check_schedule_conflicts.scheduled_departure,
                                        check_schedule_conflicts.scheduled_arrival,
                                        check_schedule_conflicts.running_days,
                                        check_schedule_conflicts.effective_start_date,
                                        check_schedule_conflicts.effective_end_date);
    -- The train's kind decides the rule (a numbered train's runs conflict only on the same
    -- departure date; numbered, the default, when the train does not exist: it then has no
    -- schedules anyway).
    proposed_kind := COALESCE((SELECT t.kind FROM railway.trains t
                               WHERE t.id OPERATOR(pg_catalog.=) check_schedule_conflicts.train_id),
                              'numbered');
    -- The query computes the pattern again in a subquery from the arguments instead of using
    -- the variable: its parameters are then all of built-in types, which Citus can ship with
    -- the query to the shard of the train (it sends a parameter of an extension type without
    -- its type, and the worker stops with "could not determine data type of parameter").
    RETURN QUERY
    SELECT s.id, s.train_id, s.departure_location_id, s.arrival_location_id,
           s.scheduled_departure, s.scheduled_arrival, s.actual_departure, s.actual_arrival,
           s.status, s.is_cancelled, s.running_days, s.effective_start_date, s.effective_end_date,
           t.train_number, dl.name, al.name,
           railway.first_conflict(p.proposed, c.pattern)
    FROM (SELECT railway.service_pattern(check_schedule_conflicts.scheduled_departure,
                                         check_schedule_conflicts.scheduled_arrival,
                                         check_schedule_conflicts.running_days,
                                         check_schedule_conflicts.effective_start_date,
                                         check_schedule_conflicts.effective_end_date,
                                         proposed_kind) AS proposed) p
    CROSS JOIN railway.schedules s
    CROSS JOIN LATERAL (SELECT railway.service_pattern(s.scheduled_departure, s.scheduled_arrival,
                                                       s.running_days, s.effective_start_date,
                                                       s.effective_end_date, s.train_kind) AS pattern) c
    JOIN railway.trains t ON t.id = s.train_id
    JOIN railway.locations dl ON dl.id = s.departure_location_id
    JOIN railway.locations al ON al.id = s.arrival_location_id
    WHERE s.train_id = check_schedule_conflicts.train_id
      AND NOT s.is_cancelled AND s.status <> 'cancelled'
      AND (check_schedule_conflicts.exclude_id IS NULL OR s.id <> check_schedule_conflicts.exclude_id)
      AND c.pattern OPERATOR(railway.&&) p.proposed
    ORDER BY lower(railway.first_conflict(p.proposed, c.pattern)), s.id;
END
$$;
COMMENT ON FUNCTION railway.check_schedule_conflicts(integer, timestamp, timestamp, boolean[], timestamp, timestamp, integer) IS
    'The active schedules of a train that a proposed schedule would conflict with (exact: running days, effective dates, overnight runs, and the train''s kind: a numbered train''s runs only on the same departure date), earliest conflict first; exclude_id skips the row being edited.';

-- The reports (PL/pgSQL, so that Citus plans their queries) get their final bodies, over runs,
-- in 85_runs_reports.sql.

-- railway.audit_trigger() (the table, not the shard, and a reference table's change recorded by
-- the coordinator only) gets its final body in 75_audit_statement.sql.


CREATE FUNCTION railway.distribute(shard_count integer DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    -- The keys Citus needs, made on every node (the workers' own railway tables are the shells
    -- that Citus uses there for an extension's tables, and DDL on the coordinator does not
    -- reach them). The foreign keys to trains and locations go first: with them, making those
    -- reference tables would turn schedules into a Citus local table, which fails on its
    -- identity sequence ("cannot drop sequence railway.schedules_id_seq because extension
    -- railway requires it"). They come back once the referenced tables are reference tables.
    adapt constant text[] := ARRAY[
        'ALTER TABLE railway.schedules DROP CONSTRAINT IF EXISTS schedules_train_id_fkey',
        'ALTER TABLE railway.schedules DROP CONSTRAINT IF EXISTS schedules_train_kind_fkey',
        'ALTER TABLE railway.schedules DROP CONSTRAINT IF EXISTS schedules_departure_location_id_fkey',
        'ALTER TABLE railway.schedules DROP CONSTRAINT IF EXISTS schedules_arrival_location_id_fkey',
        -- Every unique key of a distributed table contains its distribution column.
        'ALTER TABLE railway.schedules DROP CONSTRAINT schedules_pkey, '
            'ADD CONSTRAINT schedules_pkey PRIMARY KEY (id, train_id)'];
    command text;
    failure text;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
        RAISE EXCEPTION 'railway.distribute() needs the citus extension in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'shared_preload_libraries = citus and CREATE EXTENSION citus, railway on every node, then citus_add_node() for each worker (README "Citus").';
    END IF;
    IF NOT citus_is_coordinator() THEN
        RAISE EXCEPTION 'railway.distribute() runs on the coordinator'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_dist_partition
               WHERE logicalrelid OPERATOR(pg_catalog.=) 'railway.schedules'::pg_catalog.regclass) THEN
        RETURN 'railway is already distributed';
    END IF;
    IF shard_count IS NOT NULL AND (shard_count OPERATOR(pg_catalog.<) 1 OR shard_count OPERATOR(pg_catalog.>) 64000) THEN
        RAISE EXCEPTION 'shard_count must be between 1 and 64000, not %', shard_count
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    FOREACH command IN ARRAY adapt LOOP
        EXECUTE command;
        SELECT pg_catalog.string_agg(w.nodename OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) w.nodeport
                                     OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) w.result, '; ')
        INTO failure
        FROM pg_catalog.run_command_on_workers(command) w
        WHERE NOT w.success;
        IF failure IS NOT NULL THEN
            RAISE EXCEPTION 'railway.distribute(): a worker could not run "%": %', command, failure
                USING HINT = 'railway must be installed, at the same version, in this database on every worker.';
        END IF;
    END LOOP;

    -- Triggers of distributed and reference tables run on their shards: the validation
    -- trigger, the audit trigger, the runs triggers. Citus asks for this setting to copy them.
    PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
    -- Foreign keys to reference tables: Citus needs one connection per node for the rest.
    PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
    PERFORM pg_catalog.create_reference_table('railway.trains');
    PERFORM pg_catalog.create_reference_table('railway.locations');
    IF shard_count IS NULL THEN
        PERFORM pg_catalog.create_distributed_table('railway.schedules', 'train_id');
    ELSE
        PERFORM pg_catalog.create_distributed_table('railway.schedules', 'train_id', shard_count => shard_count);
    END IF;
    -- The runs of a train are on the node of its schedules (run triggers read the schedule).
    PERFORM pg_catalog.create_distributed_table('railway.runs', 'train_id', colocate_with => 'railway.schedules');

    -- One ALTER per constraint: Citus refuses ADD CONSTRAINT with other subcommands.
    ALTER TABLE railway.schedules ADD CONSTRAINT schedules_train_id_fkey FOREIGN KEY (train_id)
        REFERENCES railway.trains (id) ON DELETE RESTRICT;
    -- The copy of the train's kind is the train's (numbered trains and vehicles). Citus refuses
    -- ON UPDATE CASCADE on a key that holds the distribution column, so on a cluster the key is
    -- checked at commit and railway.set_train_kind() changes both sides in one transaction.
    ALTER TABLE railway.schedules ADD CONSTRAINT schedules_train_kind_fkey FOREIGN KEY (train_id, train_kind)
        REFERENCES railway.trains (id, kind) ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED;
    COMMENT ON CONSTRAINT schedules_train_kind_fkey ON railway.schedules IS
        'train_kind is the kind of the train (on a Citus cluster checked at commit: change a kind with railway.set_train_kind()).';
    ALTER TABLE railway.schedules ADD CONSTRAINT schedules_departure_location_id_fkey
        FOREIGN KEY (departure_location_id) REFERENCES railway.locations (id) ON DELETE RESTRICT;
    ALTER TABLE railway.schedules ADD CONSTRAINT schedules_arrival_location_id_fkey
        FOREIGN KEY (arrival_location_id) REFERENCES railway.locations (id) ON DELETE RESTRICT;
    RETURN pg_catalog.format('railway distributed: schedules and runs by train_id over %s shards, trains and locations as reference tables',
                             (SELECT pg_catalog.count(*) FROM pg_catalog.pg_dist_shard
                              WHERE logicalrelid OPERATOR(pg_catalog.=) 'railway.schedules'::pg_catalog.regclass));
END
$function$;
COMMENT ON FUNCTION railway.distribute(integer) IS
    'On a Citus coordinator (citus and railway installed on every node, workers added): distributes railway.schedules and railway.runs (co-located) by train_id, makes trains and locations reference tables, and changes the primary key of schedules to (id, train_id) on every node; the exclusion constraint and the triggers then hold on every shard. users, audit_log and gtfs_trips stay on the coordinator. Returns what it did; a second call does nothing.';
REVOKE ALL ON FUNCTION railway.distribute(integer) FROM PUBLIC;

-- The audit trail of a distributed railway: each node's audit_log holds the changes of the
-- shards it stores (written by the shard's trigger in the same local transaction), the
-- coordinator's also the changes of trains, locations and users.
CREATE FUNCTION railway.cluster_audit_log(since timestamptz DEFAULT '-infinity')
    RETURNS TABLE (node text, entry railway.audit_log)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    remote record;
BEGIN
    RETURN QUERY SELECT 'coordinator'::text, a FROM railway.audit_log a
                 WHERE a.changed_at OPERATOR(pg_catalog.>=) since;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
        RETURN;
    END IF;
    FOR remote IN
        SELECT w.nodename, w.nodeport, w.success, w.result
        FROM pg_catalog.run_command_on_workers(pg_catalog.format(
            'SELECT COALESCE(pg_catalog.json_agg(a), ''[]'') FROM railway.audit_log a WHERE a.changed_at OPERATOR(pg_catalog.>=) %L',
            since)) w
    LOOP
        IF NOT remote.success THEN
            RAISE EXCEPTION 'railway.cluster_audit_log(): worker %:% failed: %', remote.nodename, remote.nodeport, remote.result;
        END IF;
        RETURN QUERY SELECT remote.nodename OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) remote.nodeport,
                            pg_catalog.jsonb_populate_record(NULL::railway.audit_log, e)
                     FROM pg_catalog.jsonb_array_elements(remote.result::pg_catalog.jsonb) e;
    END LOOP;
END
$function$;
COMMENT ON FUNCTION railway.cluster_audit_log(timestamptz) IS
    'The audit trail of the whole cluster since a time: this node''s railway.audit_log and, on a Citus coordinator, every worker''s (the changes of the shards it holds), with the node each row is on. On one server: railway.audit_log.';
REVOKE ALL ON FUNCTION railway.cluster_audit_log(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION railway.cluster_audit_log(timestamptz) TO railway_admin;

-- Changing a train's kind. On one server `UPDATE railway.trains SET kind = ...` is enough (the
-- key (train_id, train_kind) cascades to the schedules, whose trigger and exclusion constraint
-- re-check them by the new rule); on a Citus cluster that key cannot cascade and is checked at
-- commit, so the schedules' copy is updated in the same transaction here. Works on both.
CREATE FUNCTION railway.set_train_kind(train_id integer, kind text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    moved bigint;
BEGIN
    IF set_train_kind.train_id IS NULL OR set_train_kind.kind IS NULL THEN
        RAISE EXCEPTION 'train_id and kind must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE railway.trains t SET kind = set_train_kind.kind
    WHERE t.id OPERATOR(pg_catalog.=) set_train_kind.train_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'train % does not exist', set_train_kind.train_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    UPDATE railway.schedules s SET train_kind = set_train_kind.kind
    WHERE s.train_id OPERATOR(pg_catalog.=) set_train_kind.train_id
      AND s.train_kind OPERATOR(pg_catalog.<>) set_train_kind.kind;
    GET DIAGNOSTICS moved = ROW_COUNT;
    RETURN moved;
END
$function$;
COMMENT ON FUNCTION railway.set_train_kind(integer, text) IS
    'Makes a train numbered or a vehicle, its schedules'' copy of the kind too, in one transaction (needed on a Citus cluster, where the key cannot cascade; on one server the cascade has already done it and 0 is returned). The schedules are re-checked by the new rule: 23P01 when they would conflict. Returns how many schedules it updated. Runs with the caller''s rights (railway_admin).';
REVOKE ALL ON FUNCTION railway.set_train_kind(integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION railway.set_train_kind(integer, text) TO railway_admin;
