-- The monitoring queries a DBA runs when something is slow, as views (security_invoker: they
-- show what the caller may see; other roles' query texts need pg_read_all_stats or pg_monitor).

CREATE VIEW railway.index_usage WITH (security_invoker = true) AS
SELECT s.schemaname, s.relname AS tablename, s.indexrelname AS indexname,
       s.idx_scan, s.idx_tup_read, s.idx_tup_fetch,
       pg_relation_size(s.indexrelid) AS index_bytes,
       pg_size_pretty(pg_relation_size(s.indexrelid)) AS index_size
FROM pg_catalog.pg_stat_user_indexes s;
COMMENT ON VIEW railway.index_usage IS
    'Index usage of every user table of this database: scans, tuples read and fetched, size.';

CREATE VIEW railway.table_statistics WITH (security_invoker = true) AS
SELECT s.schemaname, s.relname AS tablename,
       s.n_live_tup, s.n_dead_tup,
       round(s.n_dead_tup::numeric / NULLIF(s.n_live_tup + s.n_dead_tup, 0), 4) AS dead_tuple_ratio,
       s.seq_scan, s.seq_tup_read, s.idx_scan, s.idx_tup_fetch,
       s.n_tup_ins, s.n_tup_upd, s.n_tup_hot_upd, s.n_tup_del,
       s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
       pg_total_relation_size(s.relid) AS total_bytes,
       pg_size_pretty(pg_total_relation_size(s.relid)) AS total_size
FROM pg_catalog.pg_stat_user_tables s;
COMMENT ON VIEW railway.table_statistics IS
    'Table statistics of every user table: live and dead tuples (and their ratio), scans, writes, last (auto)vacuum and (auto)analyze, total size.';

CREATE VIEW railway.active_sessions WITH (security_invoker = true) AS
SELECT a.pid, a.usename, a.application_name, a.client_addr, a.state,
       a.wait_event_type, a.wait_event, a.backend_start, a.xact_start, a.query_start,
       now() - a.query_start AS query_duration, a.query
FROM pg_catalog.pg_stat_activity a
WHERE a.backend_type = 'client backend' AND a.datname = current_database()
  AND a.state IS DISTINCT FROM 'idle';
COMMENT ON VIEW railway.active_sessions IS
    'Sessions of this database that are not idle (active, idle in transaction, ...), with what they wait for and their current statement.';

CREATE VIEW railway.blocking_locks WITH (security_invoker = true) AS
SELECT blocked.pid AS blocked_pid, blocked.usename AS blocked_user,
       blocked.query AS blocked_query, now() - blocked.query_start AS blocked_duration,
       blocking.pid AS blocking_pid, blocking.usename AS blocking_user,
       blocking.query AS blocking_query, blocking.state AS blocking_state,
       now() - blocking.xact_start AS blocking_transaction_duration
FROM pg_catalog.pg_stat_activity blocked
CROSS JOIN LATERAL unnest(pg_catalog.pg_blocking_pids(blocked.pid)) AS b(pid)
JOIN pg_catalog.pg_stat_activity blocking ON blocking.pid = b.pid;
COMMENT ON VIEW railway.blocking_locks IS
    'Who blocks whom: each waiting session with the session holding the lock it waits for, both statements and how long they have run.';

CREATE VIEW railway.slow_queries WITH (security_invoker = true) AS
SELECT a.pid, a.usename, a.datname, a.state, a.wait_event_type, a.wait_event,
       a.query_start, now() - a.query_start AS duration, a.query
FROM pg_catalog.pg_stat_activity a
WHERE a.state = 'active' AND a.pid <> pg_catalog.pg_backend_pid()
  AND a.backend_type = 'client backend'
  AND now() - a.query_start
      > COALESCE(NULLIF(current_setting('railway.slow_query_threshold', true), ''), '5 minutes')::interval;
COMMENT ON VIEW railway.slow_queries IS
    'Statements running longer than railway.slow_query_threshold (a setting, default 5 minutes: SET railway.slow_query_threshold = ''30s''), longest first when ordered by duration.';

CREATE VIEW railway.unused_indexes WITH (security_invoker = true) AS
SELECT s.schemaname, s.relname AS tablename, s.indexrelname, s.idx_scan,
       pg_relation_size(s.indexrelid) AS index_bytes,
       pg_size_pretty(pg_relation_size(s.indexrelid)) AS index_size
FROM pg_catalog.pg_stat_user_indexes s
JOIN pg_catalog.pg_index i ON i.indexrelid = s.indexrelid
WHERE s.idx_scan = 0 AND NOT i.indisunique
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = s.indexrelid);
COMMENT ON VIEW railway.unused_indexes IS
    'Indexes never scanned since statistics were reset, except those that enforce a constraint (unique, primary key, exclusion): candidates for dropping.';
