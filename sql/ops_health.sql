-- Health check, monitoring views and maintenance (README "Health and monitoring", "Maintenance").

-- The shape of the response.
SELECT jsonb_object_keys(railway.health()) AS top_level ORDER BY 1;
SELECT jsonb_object_keys(railway.health() -> 'checks') AS checks ORDER BY 1;
SELECT jsonb_object_keys(railway.health() -> 'checks' -> 'performanceMetrics') AS metrics ORDER BY 1;
SELECT h -> 'checks' -> 'connectivity' ->> 'status' AS connectivity,
       h -> 'checks' -> 'connectivity' ->> 'database' = current_database() AS this_database,
       h -> 'checks' -> 'connectivity' ->> 'inRecovery' AS in_recovery,
       h -> 'checks' -> 'schemaIntegrity' AS schema_integrity,
       (h ->> 'timestamp')::timestamptz = now() AS timestamp_is_now,
       jsonb_typeof(h -> 'recommendations') AS recommendations,
       (h -> 'checks' -> 'performanceMetrics' -> 'connections' ->> 'used')::int >= 1 AS counts_this_connection,
       (h -> 'checks' -> 'performanceMetrics' -> 'connections' ->> 'max')::int
           = current_setting('max_connections')::int AS max_connections,
       h -> 'checks' -> 'performanceMetrics' -> 'deadTupleRatio' ? 'railway.schedules' AS dead_tuples_per_table
FROM railway.health() AS h;

-- With thresholds nothing can exceed, the database is healthy and nothing is recommended.
SELECT h ->> 'status' AS status, h -> 'checks' -> 'performanceMetrics' ->> 'status' AS performance,
       h -> 'recommendations' AS recommendations
FROM railway.health(min_cache_hit_ratio => 0, max_dead_tuple_ratio => 1, max_connection_usage => 1,
                    long_running_after => '1 day') AS h;

-- A cache hit ratio below the threshold degrades it, with a recommendation.
SELECT h ->> 'status' AS status, h -> 'checks' -> 'performanceMetrics' ->> 'status' AS performance,
       h -> 'recommendations' ->> 0 LIKE 'Cache hit ratio % is below 1.01: consider a larger shared_buffers%' AS recommends
FROM railway.health(min_cache_hit_ratio => 1.01, max_dead_tuple_ratio => 1, max_connection_usage => 1) AS h;

-- So does a table past the dead-tuple threshold: VACUUM ANALYZE it. (Autovacuum is held off
-- the table meanwhile, so that the figures are the test's.)
ALTER TABLE railway.locations SET (autovacuum_enabled = off);
INSERT INTO railway.locations (name, code) SELECT 'Station ' || i, 'S' || i FROM generate_series(1, 40) AS i;
DELETE FROM railway.locations WHERE id > 10;
SELECT pg_stat_force_next_flush();
SELECT h ->> 'status' AS status,
       (h -> 'checks' -> 'performanceMetrics' -> 'deadTupleRatio' ->> 'railway.locations')::numeric AS locations_dead_ratio,
       ARRAY(SELECT r FROM jsonb_array_elements_text(h -> 'recommendations') AS r
             WHERE r LIKE '%VACUUM%') AS recommendations
FROM railway.health(min_cache_hit_ratio => 0, max_dead_tuple_ratio => 0.5, max_connection_usage => 1,
                    min_table_rows => 20) AS h;
-- ... but not below min_table_rows rows (small tables are not judged).
SELECT h ->> 'status' AS status
FROM railway.health(min_cache_hit_ratio => 0, max_dead_tuple_ratio => 0.5, max_connection_usage => 1,
                    min_table_rows => 1000) AS h;
-- Too many connections for the threshold.
SELECT h ->> 'status' AS status,
       ARRAY(SELECT r FROM jsonb_array_elements_text(h -> 'recommendations') AS r
             WHERE r LIKE '%max_connections%') <> '{}' AS recommends_pooler
FROM railway.health(min_cache_hit_ratio => 0, max_dead_tuple_ratio => 1, max_connection_usage => 0) AS h;

-- A missing or broken object makes it unhealthy, and names what is missing.
BEGIN;
DROP INDEX railway.idx_delayed_schedules;
ALTER TABLE railway.schedules DISABLE TRIGGER schedules_audit_insert;
SELECT h ->> 'status' AS status, h -> 'checks' -> 'schemaIntegrity' AS schema_integrity,
       h -> 'recommendations' -> 0 AS first_recommendation
FROM railway.health(min_cache_hit_ratio => 0, max_dead_tuple_ratio => 1, max_connection_usage => 1) AS h;
ROLLBACK;

-- The manifest names exactly what the install script creates: every index, constraint and
-- trigger on a railway table, and every table and view (a new object must be added to it).
SELECT 'not in the manifest' AS problem, kind, table_name, name FROM (
    SELECT 'index' AS kind, tc.relname AS table_name, ic.relname AS name
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid
    WHERE tc.relnamespace = 'railway'::regnamespace
    UNION ALL
    SELECT 'constraint', tc.relname, k.conname
    FROM pg_constraint k JOIN pg_class tc ON tc.oid = k.conrelid
    WHERE tc.relnamespace = 'railway'::regnamespace
    UNION ALL
    SELECT 'trigger', tc.relname, g.tgname
    FROM pg_trigger g JOIN pg_class tc ON tc.oid = g.tgrelid
    WHERE tc.relnamespace = 'railway'::regnamespace AND NOT g.tgisinternal
    UNION ALL
    SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'table' END, c.relname, c.relname
    FROM pg_class c WHERE c.relnamespace = 'railway'::regnamespace AND c.relkind IN ('r', 'p', 'v')
    EXCEPT
    SELECT object_type, table_name, object_name FROM railway.schema_manifest) AS extra
ORDER BY 2, 3, 4;

-- On a hot standby (read-only), health and the monitoring views work.
BEGIN;
SET LOCAL default_transaction_read_only = on;
SET TRANSACTION READ ONLY;
SELECT railway.health() ->> 'status' IS NOT NULL AS health_works;
SELECT count(*) >= 0 AS views_work FROM railway.index_usage, railway.table_statistics,
       railway.active_sessions, railway.blocking_locks, railway.slow_queries, railway.unused_indexes;
ROLLBACK;

-- The monitoring views.
SELECT indexname, idx_scan >= 0 AS has_scans, index_bytes > 0 AS has_size
FROM railway.index_usage WHERE schemaname = 'railway' AND tablename = 'schedules' ORDER BY 1;
SELECT tablename, n_live_tup, n_dead_tup, dead_tuple_ratio
FROM railway.table_statistics WHERE schemaname = 'railway' AND tablename = 'locations';
SELECT state, query_duration >= '0' AS has_duration, query LIKE 'SELECT state%' AS own_statement
FROM railway.active_sessions WHERE pid = pg_backend_pid();
SELECT count(*) AS blocked_sessions FROM railway.blocking_locks;  -- see test/isolation for one
SET railway.slow_query_threshold = '0';
SELECT count(*) AS slow_queries_of_others FROM railway.slow_queries;  -- never this session itself
RESET railway.slow_query_threshold;
-- Unused indexes: never those that enforce a constraint.
SELECT indexrelname FROM railway.unused_indexes
WHERE schemaname = 'railway' AND tablename IN ('trains', 'locations', 'users') ORDER BY 1;
SELECT count(*) AS constraint_indexes_listed FROM railway.unused_indexes u
JOIN pg_constraint c ON c.conindid = (quote_ident(u.schemaname) || '.' || quote_ident(u.indexrelname))::regclass;

-- Maintenance plans: the statements, in order.
SELECT railway.maintenance_plan('daily');
SELECT railway.maintenance_plan('weekly');
SELECT railway.maintenance_plan('monthly');
SELECT railway.maintenance_plan('hourly');

-- purge_cancelled removes cancelled schedules whose last run ended long enough ago.
INSERT INTO railway.trains (id, train_number) VALUES (1, '12711');
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date, effective_end_date,
        status, is_cancelled) VALUES
    -- cancelled, ended a year ago: purged
    (1, 1, 1, 2, LOCALTIMESTAMP - interval '2 years', LOCALTIMESTAMP - interval '2 years' + interval '3 hours',
     LOCALTIMESTAMP - interval '2 years', LOCALTIMESTAMP - interval '1 year', 'cancelled', true),
    -- cancelled one-off run 100 days ago, no end date: purged
    (2, 1, 1, 2, LOCALTIMESTAMP - interval '100 days', LOCALTIMESTAMP - interval '100 days' + interval '3 hours',
     LOCALTIMESTAMP - interval '100 days', NULL, 'cancelled', true),
    -- cancelled, but its effective period ended only 30 days ago: kept
    (3, 1, 1, 2, LOCALTIMESTAMP - interval '2 years', LOCALTIMESTAMP - interval '2 years' + interval '3 hours',
     LOCALTIMESTAMP - interval '2 years', LOCALTIMESTAMP - interval '30 days', 'cancelled', true),
    -- not cancelled, old: kept
    (4, 1, 1, 2, LOCALTIMESTAMP - interval '2 years', LOCALTIMESTAMP - interval '2 years' + interval '3 hours',
     LOCALTIMESTAMP - interval '2 years', LOCALTIMESTAMP - interval '1 year', 'completed', false);
SELECT railway.purge_cancelled() AS purged;
SELECT id FROM railway.schedules ORDER BY id;
SELECT railway.purge_cancelled('7 days') AS purged_older_than_a_week;
SELECT railway.purge_cancelled() AS purged_again;
SELECT id FROM railway.schedules ORDER BY id;
-- Each purged row is in the audit log.
SELECT operation, row_id FROM railway.audit_log WHERE table_name = 'schedules' AND operation = 'DELETE' ORDER BY row_id;

-- Clean up.
ALTER TABLE railway.locations RESET (autovacuum_enabled);
TRUNCATE railway.schedules, railway.trains, railway.locations, railway.users RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
