-- Least privilege for the group roles of 60_roles.sql (README "Roles and what each may do").
-- railway_admin includes railway_operator, which includes railway_viewer.

GRANT USAGE ON SCHEMA railway TO railway_viewer;

-- Viewers read the timetable, the analytics and the monitoring views; never password hashes.
GRANT SELECT ON railway.trains, railway.locations, railway.schedules, railway.schema_manifest,
                railway.index_usage, railway.table_statistics, railway.active_sessions,
                railway.blocking_locks, railway.slow_queries, railway.unused_indexes
    TO railway_viewer;
GRANT SELECT (id, username, role, created_at) ON railway.users TO railway_viewer;
REVOKE ALL ON FUNCTION railway.authenticate(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION railway.authenticate(text, text) TO railway_viewer;

-- Operators also insert and update schedules (and their actual times).
GRANT INSERT, UPDATE ON railway.schedules TO railway_operator;

-- Admins manage trains, locations and users, may delete schedules, and read the audit log.
GRANT INSERT, UPDATE, DELETE ON railway.trains, railway.locations TO railway_admin;
GRANT INSERT, UPDATE, DELETE ON railway.users TO railway_admin;
GRANT DELETE ON railway.schedules TO railway_admin;
GRANT SELECT ON railway.audit_log TO railway_admin;

-- The audit trigger function is only for the triggers.
REVOKE ALL ON FUNCTION railway.audit_trigger() FROM PUBLIC;
