-- Issue 11's guards outside the conflict engine: error text cut at a character boundary, user
-- rows refused without showing the stored password hash, DROP EXTENSION refused while the
-- tables hold rows.

-- 1. A message longer than railway's error buffer (1,023 bytes) is cut at a character
--    boundary and marked " [...]": converting it to LATIN1 works (half a character would fail
--    with 22021 in any client encoding other than UTF8).
DO $$
DECLARE
    m text;
BEGIN
    PERFORM railway.gtfs_load('f', 'x' || repeat('é', 600));
EXCEPTION WHEN invalid_parameter_value THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT;
    RAISE NOTICE 'message of % bytes (% characters) ends with "%", converts to LATIN1: %',
        octet_length(m), length(m), right(m, 8), octet_length(convert_to(m, 'LATIN1')) = length(m);
END
$$;

-- 2. Users: the validation trigger names the rule and never prints the row.
SELECT railway.create_user('alice', 'alice-secret', 'operator') AS alice;
CREATE ROLE regress_guard_admin IN ROLE railway_admin;
SET ROLE regress_guard_admin;
-- The issue's probe: an admin, who may not read password hashes, upserts a bad role. The
-- CHECK's DETAIL used to print the stored row, salt and hash included.
INSERT INTO railway.users (username, password, role)
VALUES ('alice', railway.password_hash('x'), 'viewer')
ON CONFLICT (username) DO UPDATE SET role = 'bogus';
UPDATE railway.users SET username = NULL WHERE username = 'alice';
UPDATE railway.users SET username = '   ' WHERE username = 'alice';
UPDATE railway.users SET role = NULL WHERE username = 'alice';
UPDATE railway.users SET password = 'plain text' WHERE username = 'alice';
UPDATE railway.users SET password = NULL WHERE username = 'alice';
INSERT INTO railway.users (username, password) VALUES ('bob', 'hunter2');
-- A valid change still goes through, and the hash is still unreadable for the admin.
UPDATE railway.users SET role = 'admin' WHERE username = 'alice';
SELECT password FROM railway.users;
RESET ROLE;
SELECT username, role, railway.password_verify('alice-secret', password) AS password_kept
FROM railway.users ORDER BY id;
-- The constraints are still there behind the trigger (a superuser may disable the trigger).
ALTER TABLE railway.users DISABLE TRIGGER validate_user;
\set VERBOSITY terse
UPDATE railway.users SET role = 'bogus' WHERE username = 'alice';
\set VERBOSITY default
ALTER TABLE railway.users ENABLE TRIGGER validate_user;

-- 3. DROP EXTENSION railway without CASCADE refuses while the tables hold rows (users and the
--    audit log do here), names them and hints at CASCADE; an empty timetable drops.
DROP EXTENSION railway;
DROP EXTENSION IF EXISTS railway;
BEGIN;
TRUNCATE railway.users, railway.trains, railway.locations, railway.schedules, railway.gtfs_trips;
-- The TRUNCATEs were audited: the audit log still holds rows.
DROP EXTENSION railway;
ROLLBACK;
BEGIN;
TRUNCATE railway.users, railway.trains, railway.locations, railway.schedules, railway.gtfs_trips;
TRUNCATE railway.audit_log;
DROP EXTENSION railway;
SELECT count(*) AS railway_extensions FROM pg_extension WHERE extname = 'railway';
ROLLBACK;
-- Under session_replication_role = replica too (the event trigger is ENABLE ALWAYS).
BEGIN;
SET LOCAL session_replication_role = replica;
DROP EXTENSION railway;
ROLLBACK;
-- CASCADE means it.
BEGIN;
DROP EXTENSION railway CASCADE;
SELECT count(*) AS railway_extensions FROM pg_extension WHERE extname = 'railway';
ROLLBACK;
SELECT count(*) AS users_still_there FROM railway.users;

TRUNCATE railway.users;
DROP ROLE regress_guard_admin;
