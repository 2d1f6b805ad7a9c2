-- Group roles and least privilege (README "Roles and what each may do"): each role can do its
-- job, and is refused with SQLSTATE 42501 outside it. The login roles are this test's own.

-- The group roles exist, NOLOGIN, each including the one below it.
SELECT rolname, rolcanlogin, rolsuper FROM pg_roles WHERE rolname LIKE 'railway\_%' ORDER BY 1;
SELECT pg_has_role('railway_admin', 'railway_operator', 'MEMBER') AS admin_is_operator,
       pg_has_role('railway_operator', 'railway_viewer', 'MEMBER') AS operator_is_viewer,
       pg_has_role('railway_viewer', 'railway_operator', 'MEMBER') AS viewer_is_operator;
-- Each has a comment.
SELECT rolname, shobj_description(oid, 'pg_authid') IS NOT NULL AS has_comment
FROM pg_roles WHERE rolname LIKE 'railway\_%' ORDER BY 1;

CREATE ROLE ops_viewer LOGIN IN ROLE railway_viewer;
CREATE ROLE ops_operator LOGIN IN ROLE railway_operator;
CREATE ROLE ops_admin LOGIN IN ROLE railway_admin;
CREATE ROLE ops_nobody LOGIN;

-- Runs a statement and reports ok or the SQLSTATE and message of its error.
CREATE FUNCTION pg_temp.try(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

INSERT INTO railway.locations (id, name, code) VALUES (1, 'Vijayawada Junction', 'BZA'), (2, 'Narasapur', 'NS');
INSERT INTO railway.trains (id, train_number, type) VALUES (1, '12711', 'express');
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (1, 1, 1, 2, '2024-01-01 06:00', '2024-01-01 09:30', '2024-01-01');
SELECT railway.create_user('ops_planner', 'planner-secret', 'operator') IS NOT NULL AS created;

-- A viewer reads the timetable, user names and roles, the monitoring views; nothing else.
SET ROLE ops_viewer;
SELECT statement, pg_temp.try(statement) AS result FROM (VALUES
    ('SELECT count(*) FROM railway.trains'),
    ('SELECT count(*) FROM railway.locations'),
    ('SELECT count(*) FROM railway.schedules'),
    ('SELECT id, username, role, created_at FROM railway.users'),
    ('SELECT count(*) FROM railway.index_usage'),
    ('SELECT count(*) FROM railway.table_statistics'),
    ('SELECT count(*) FROM railway.active_sessions'),
    ('SELECT count(*) FROM railway.blocking_locks'),
    ('SELECT count(*) FROM railway.slow_queries'),
    ('SELECT count(*) FROM railway.unused_indexes'),
    ('SELECT railway.health()'),
    ('SELECT railway.authenticate(''ops_planner'', ''planner-secret'')'),
    ('SELECT railway.format_running_days(running_days) FROM railway.schedules'),
    ('SELECT password FROM railway.users'),
    ('SELECT * FROM railway.users'),
    ('SELECT count(*) FROM railway.audit_log'),
    ('INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id, scheduled_departure, scheduled_arrival) VALUES (1, 1, 2, ''2024-01-01 12:00'', ''2024-01-01 13:00'')'),
    ('UPDATE railway.schedules SET actual_departure = ''2024-01-01 06:05'' WHERE id = 1'),
    ('INSERT INTO railway.trains (train_number) VALUES (''V1'')'),
    ('SELECT railway.create_user(''eve'', ''eve-secret'', ''admin'')'),
    ('SELECT railway.set_password(''ops_planner'', ''x'')')
) AS t(statement);
RESET ROLE;

-- An operator also inserts and updates schedules and their actual times.
SET ROLE ops_operator;
SELECT statement, pg_temp.try(statement) AS result FROM (VALUES
    ('INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure, scheduled_arrival, effective_start_date) VALUES (2, 1, 2, 1, ''2024-01-01 12:00'', ''2024-01-01 15:00'', ''2024-01-01'')'),
    ('UPDATE railway.schedules SET actual_departure = ''2024-01-01 06:05'', actual_arrival = ''2024-01-01 09:41'', status = ''completed'' WHERE id = 1'),
    ('UPDATE railway.schedules SET status = ''delayed'' WHERE id = 2'),
    ('SELECT id, username, role FROM railway.users'),
    ('DELETE FROM railway.schedules WHERE id = 2'),
    ('SELECT railway.purge_cancelled()'),
    ('INSERT INTO railway.trains (train_number) VALUES (''O1'')'),
    ('UPDATE railway.trains SET description = ''renamed'''),
    ('DELETE FROM railway.locations WHERE id = 2'),
    ('INSERT INTO railway.locations (name, code) VALUES (''Chirala'', ''COA'')'),
    ('SELECT railway.create_user(''eve'', ''eve-secret'', ''admin'')'),
    ('UPDATE railway.users SET role = ''admin'''),
    ('SELECT password FROM railway.users'),
    ('SELECT count(*) FROM railway.audit_log'),
    ('INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name) VALUES (''x'', ''x'', ''INSERT'', ''trains'')'),
    ('DELETE FROM railway.audit_log'),
    ('TRUNCATE railway.schedules')
) AS t(statement);
RESET ROLE;

-- An admin also manages trains, locations and users, deletes schedules and reads the audit log;
-- but cannot read password hashes or change the audit log either.
SET ROLE ops_admin;
SELECT statement, pg_temp.try(statement) AS result FROM (VALUES
    ('INSERT INTO railway.trains (id, train_number, type) VALUES (2, ''17401'', ''local'')'),
    ('UPDATE railway.trains SET description = ''Pinakini Express'' WHERE id = 1'),
    ('INSERT INTO railway.locations (id, name, code) VALUES (3, ''Chirala'', ''COA'')'),
    ('UPDATE railway.locations SET name = ''Chirala Junction'' WHERE id = 3'),
    ('DELETE FROM railway.locations WHERE id = 3'),
    ('DELETE FROM railway.trains WHERE id = 2'),
    ('SELECT railway.create_user(''ops_clerk'', ''clerk-secret'')'),
    ('SELECT railway.set_password(''ops_clerk'', ''clerk-secret-2'')'),
    ('UPDATE railway.users SET role = ''operator'' WHERE username = ''ops_clerk'''),
    ('DELETE FROM railway.users WHERE username = ''ops_clerk'''),
    ('DELETE FROM railway.schedules WHERE id = 2'),
    ('SELECT railway.purge_cancelled()'),
    ('SELECT count(*) > 0 FROM railway.audit_log'),
    ('SELECT password FROM railway.users'),
    ('UPDATE railway.audit_log SET changed_by = ''nobody'''),
    ('DELETE FROM railway.audit_log'),
    ('INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name) VALUES (''x'', ''x'', ''INSERT'', ''trains'')'),
    ('TRUNCATE railway.audit_log'),
    ('TRUNCATE railway.trains'),
    ('DROP TABLE railway.schedules'),
    ('CREATE TABLE railway.mine (id int)')
) AS t(statement);
RESET ROLE;

-- A role outside the railway groups cannot even reach the schema.
SET ROLE ops_nobody;
SELECT statement, pg_temp.try(statement) AS result FROM (VALUES
    ('SELECT count(*) FROM railway.trains'),
    ('SELECT railway.authenticate(''ops_planner'', ''planner-secret'')')
) AS t(statement);
RESET ROLE;

-- What the roles did is what is stored.
SELECT id, train_number, description FROM railway.trains ORDER BY id;
SELECT id, status, actual_departure, actual_arrival FROM railway.schedules ORDER BY id;
SELECT username, role FROM railway.users ORDER BY username;

-- Clean up: rows, audit rows and this test's roles.
TRUNCATE railway.schedules, railway.trains, railway.locations, railway.users RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
DROP ROLE ops_viewer, ops_operator, ops_admin, ops_nobody;
