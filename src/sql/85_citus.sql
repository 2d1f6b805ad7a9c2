-- Citus (issue 14, README "Citus"): railway.distribute() turns an installed railway into a
-- distributed one. Until it is called, nothing here changes a single server.

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

-- find_conflicts() pushed down per shard (README "Citus"): on a coordinator, find_conflicts()
-- runs this on every shard of railway.schedules where the shard is (run_command_on_shards) and
-- concatenates the answers; a conflict never crosses trains, and a train is in one shard.
CREATE FUNCTION railway.find_conflicts_in_shard(shard regclass)
    RETURNS text
    AS 'MODULE_PATHNAME', 'railway_find_conflicts_in_shard'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.find_conflicts_in_shard(regclass) IS
    'The conflicting pairs among the active schedules of railway.schedules or of one of its Citus shards (railway.schedules_<shard id>, on the node that holds it), one line per pair: "schedule_id other_schedule_id train_id first_start first_end" (the window in microseconds since 2000-01-01). Called by railway.find_conflicts() on a Citus coordinator; reads only what the caller may read.';

-- The nodes of a Citus cluster, for railway.health(). Every Citus object is reached through
-- EXECUTE: they exist only where Citus is installed, and railway.health() calls this only there.
CREATE FUNCTION railway.cluster_nodes()
    RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    mine text := (SELECT e.extversion FROM pg_extension e WHERE e.extname = 'railway');
    is_coordinator boolean;
    nodes jsonb;
    problems text[];
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension e WHERE e.extname = 'citus') THEN
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO is_coordinator;
    IF NOT is_coordinator THEN
        -- A worker: the coordinator reports the cluster.
        RETURN jsonb_build_object('status', 'pass', 'role', 'worker', 'railwayVersion', mine);
    END IF;
    -- Each worker is asked for its railway version (over a connection of its own: an
    -- unreachable one answers with its error); the shard counts are the coordinator's metadata.
    EXECUTE $q$
        WITH answers AS (
            SELECT w.nodename, w.nodeport, w.success, w.result
            FROM run_command_on_workers(
                'SELECT COALESCE((SELECT e.extversion FROM pg_catalog.pg_extension e '
                'WHERE e.extname OPERATOR(pg_catalog.=) ''railway''), ''none'')') w),
        shards AS (
            SELECT p.groupid,
                   count(*) FILTER (WHERE s.logicalrelid = 'railway.schedules'::regclass) AS schedules,
                   count(*) FILTER (WHERE s.logicalrelid = 'railway.runs'::regclass) AS runs
            FROM pg_dist_placement p JOIN pg_dist_shard s USING (shardid)
            GROUP BY p.groupid),
        listed AS (
            SELECT n.nodeid, n.groupid, n.nodename || ':' || n.nodeport AS node,
                   CASE WHEN n.groupid = 0 THEN 'coordinator' ELSE 'worker' END AS role,
                   n.isactive,
                   n.groupid = 0 OR COALESCE(a.success, false) AS reachable,
                   CASE WHEN n.groupid = 0 THEN $1 WHEN a.success AND a.result <> 'none' THEN a.result END AS version,
                   CASE WHEN n.groupid <> 0 AND NOT COALESCE(a.success, false)
                        THEN COALESCE(a.result, 'not asked: the node is not active') END AS error,
                   COALESCE(sh.schedules, 0) AS schedules, COALESCE(sh.runs, 0) AS runs
            FROM pg_dist_node n
            LEFT JOIN answers a ON a.nodename = n.nodename AND a.nodeport = n.nodeport
            LEFT JOIN shards sh ON sh.groupid = n.groupid
            WHERE n.noderole = 'primary')
        SELECT COALESCE(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                   'node', l.node, 'role', l.role, 'active', l.isactive, 'reachable', l.reachable,
                   'railwayVersion', l.version, 'sameVersion', l.version IS NOT DISTINCT FROM $1,
                   'error', l.error,
                   'shards', jsonb_build_object('schedules', l.schedules, 'runs', l.runs)))
                   ORDER BY l.groupid, l.nodeid), '[]'),
               COALESCE(array_agg(CASE
                   WHEN NOT l.isactive THEN format('Node %s is not active: citus_activate_node() it, or remove it.', l.node)
                   WHEN NOT l.reachable THEN format('Node %s is unreachable: %s', l.node, l.error)
                   WHEN l.version IS NULL THEN format('Node %s has no railway extension: CREATE EXTENSION railway CASCADE there (README "Citus").', l.node)
                   ELSE format('Node %s has railway %s, this coordinator %s: ALTER EXTENSION railway UPDATE on every node.', l.node, l.version, $1)
                   END ORDER BY l.groupid, l.nodeid)
                   FILTER (WHERE NOT (l.isactive AND l.reachable AND l.version IS NOT DISTINCT FROM $1)), '{}')
        FROM listed l
    $q$ INTO nodes, problems USING mine;
    RETURN jsonb_build_object('status', CASE WHEN cardinality(problems) = 0 THEN 'pass' ELSE 'fail' END,
                              'role', 'coordinator', 'railwayVersion', mine,
                              'nodes', nodes, 'problems', to_jsonb(problems));
END
$function$;
COMMENT ON FUNCTION railway.cluster_nodes() IS
    'Where Citus is installed: on the coordinator, every primary node (coordinator and workers) with whether it is active and reachable, its railway version and whether it equals this one, its shard counts of railway.schedules and railway.runs, and the problems found (status fail); on a worker, only its role. NULL without Citus. Reported by railway.health() as checks.cluster.';
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
