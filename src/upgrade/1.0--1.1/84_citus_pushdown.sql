-- Issue 14 (README "Citus"): find_conflicts() pushed down per shard on a Citus cluster
-- (railway.find_conflicts_in_shard runs on the workers), and railway.health() reports the nodes
-- (railway.cluster_nodes(); nothing changes on one server without Citus). health() keeps its
-- signature and result; its final body and comment are in 86_runs_citus.sql.

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

-- railway.health() (checks.cluster) gets its final body and comment in 86_runs_citus.sql.
