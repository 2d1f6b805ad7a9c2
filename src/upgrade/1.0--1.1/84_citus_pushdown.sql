-- Issue 14 (README "Citus"): find_conflicts() pushed down per shard on a Citus cluster
-- (railway.find_conflicts_in_shard runs on the workers), and railway.health() reports the nodes
-- (railway.cluster_nodes(); nothing changes on one server without Citus). health() keeps its
-- signature and result; this piece carries its final body and comment.

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

-- Read-only (works on a hot standby): catalog and statistics views only, no writes, no WAL functions.
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
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM railway.runs_default)' INTO default_rows;
    END IF;
    runs_ok := NOT default_rows AND cardinality(without_key) = 0;
    runs_warn := cardinality(missing_months) > 0;
    IF default_rows THEN
        recommendations := recommendations || 'The default partition railway.runs_default holds rows (it must stay empty: its CHECK (false) was dropped?): create the partitions of their months with railway.create_run_partitions(), move the rows there and restore the constraint runs_default_no_rows.'::text;
    END IF;
    FOR r IN SELECT unnest(without_key) AS t LOOP
        recommendations := recommendations || format(
            'Partition %s of railway.runs has no primary key (train_id, schedule_id, run_date): add it (ALTER TABLE %s ADD PRIMARY KEY (train_id, schedule_id, run_date)); partitions made by railway.create_run_partitions() have it.',
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
