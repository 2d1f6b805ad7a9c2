-- Health check (README "Health and monitoring"): railway.health() -> jsonb.

-- What the schema must contain. railway.health() reports every row missing from the catalog;
-- sql/ops_health.sql fails when the catalog has an index, constraint or trigger on a railway
-- table that is not listed here, so a new one is added here (or by its upgrade script).
CREATE TABLE railway.schema_manifest (
    object_type text NOT NULL,
    table_name  text NOT NULL,
    object_name text NOT NULL,
    CONSTRAINT schema_manifest_pkey PRIMARY KEY (object_type, table_name, object_name),
    CONSTRAINT check_manifest_object_type
        CHECK (object_type IN ('table', 'view', 'index', 'constraint', 'trigger'))
);
COMMENT ON TABLE railway.schema_manifest IS
    'Every table, view, index, constraint and trigger the railway extension should have (checked by railway.health()). For a table or view, table_name = object_name.';
COMMENT ON COLUMN railway.schema_manifest.object_type IS 'table, view, index, constraint or trigger.';
COMMENT ON COLUMN railway.schema_manifest.table_name IS 'The table (in schema railway) the object belongs to.';
COMMENT ON COLUMN railway.schema_manifest.object_name IS 'Name of the object.';

INSERT INTO railway.schema_manifest (object_type, table_name, object_name) VALUES
    ('table', 'users', 'users'),
    ('table', 'trains', 'trains'),
    ('table', 'locations', 'locations'),
    ('table', 'schedules', 'schedules'),
    ('table', 'audit_log', 'audit_log'),
    ('table', 'schema_manifest', 'schema_manifest'),
    ('table', 'gtfs_trips', 'gtfs_trips'),
    ('view', 'index_usage', 'index_usage'),
    ('view', 'table_statistics', 'table_statistics'),
    ('view', 'active_sessions', 'active_sessions'),
    ('view', 'blocking_locks', 'blocking_locks'),
    ('view', 'slow_queries', 'slow_queries'),
    ('view', 'unused_indexes', 'unused_indexes'),
    ('index', 'users', 'users_pkey'),
    ('index', 'users', 'users_username_key'),
    ('index', 'trains', 'trains_pkey'),
    ('index', 'trains', 'trains_train_number_key'),
    ('index', 'locations', 'locations_pkey'),
    ('index', 'locations', 'locations_code_key'),
    ('index', 'schedules', 'schedules_pkey'),
    ('index', 'schedules', 'idx_schedules_train'),
    ('index', 'schedules', 'idx_schedules_departure'),
    ('index', 'schedules', 'idx_schedules_arrival'),
    ('index', 'schedules', 'idx_schedules_dates'),
    ('index', 'schedules', 'idx_schedules_effective_dates'),
    ('index', 'schedules', 'idx_active_schedules'),
    ('index', 'schedules', 'idx_delayed_schedules'),
    ('index', 'schedules', 'schedules_no_overlapping_runs'),
    ('index', 'audit_log', 'audit_log_pkey'),
    ('index', 'audit_log', 'idx_audit_log_row'),
    ('index', 'audit_log', 'idx_audit_log_changed_at'),
    ('index', 'schema_manifest', 'schema_manifest_pkey'),
    ('index', 'gtfs_trips', 'gtfs_trips_pkey'),
    ('index', 'gtfs_trips', 'idx_gtfs_trips_feed_trip'),
    ('constraint', 'gtfs_trips', 'gtfs_trips_pkey'),
    ('constraint', 'users', 'users_pkey'),
    ('constraint', 'users', 'users_username_key'),
    ('constraint', 'users', 'check_user_role'),
    ('constraint', 'users', 'check_username_not_blank'),
    ('constraint', 'users', 'check_password_is_hash'),
    ('constraint', 'trains', 'trains_pkey'),
    ('constraint', 'trains', 'trains_train_number_key'),
    ('constraint', 'trains', 'check_train_type'),
    ('constraint', 'trains', 'check_train_number_not_blank'),
    ('constraint', 'locations', 'locations_pkey'),
    ('constraint', 'schedules', 'schedules_no_overlapping_runs'),
    ('trigger', 'schedules', 'validate_schedule'),
    ('constraint', 'locations', 'locations_code_key'),
    ('constraint', 'locations', 'check_location_code_not_blank'),
    ('constraint', 'schedules', 'schedules_pkey'),
    ('constraint', 'schedules', 'schedules_departure_location_id_fkey'),
    ('constraint', 'schedules', 'schedules_arrival_location_id_fkey'),
    ('constraint', 'schedules', 'check_arrival_after_departure'),
    ('constraint', 'schedules', 'check_effective_dates'),
    ('constraint', 'schedules', 'check_schedule_status'),
    ('constraint', 'schedules', 'check_running_days'),
    ('constraint', 'schedules', 'check_different_locations'),
    ('constraint', 'schedules', 'check_actual_arrival_after_departure'),
    ('constraint', 'audit_log', 'audit_log_pkey'),
    ('constraint', 'audit_log', 'check_audit_operation'),
    ('constraint', 'schema_manifest', 'schema_manifest_pkey'),
    ('constraint', 'schema_manifest', 'check_manifest_object_type'),
    ('trigger', 'trains', 'trains_audit_truncate'),
    ('trigger', 'locations', 'locations_audit_truncate'),
    ('trigger', 'schedules', 'schedules_audit_truncate'),
    ('trigger', 'users', 'users_audit_truncate'),
    ('trigger', 'users', 'validate_user');

-- Read-only (works on a hot standby): catalog and statistics views only, no writes, no WAL functions.
CREATE FUNCTION railway.health(
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
