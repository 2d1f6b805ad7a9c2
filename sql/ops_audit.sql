-- The audit log: every insert, update and delete on trains, locations, schedules and users,
-- with who, when, the operation and the old and new rows (password hashes masked), written by
-- a trigger and not editable by operators or viewers.

CREATE ROLE ops_audit_admin LOGIN IN ROLE railway_admin;
CREATE ROLE ops_audit_operator LOGIN IN ROLE railway_operator;
CREATE ROLE ops_audit_viewer LOGIN IN ROLE railway_viewer;

SET ROLE ops_audit_admin;
INSERT INTO railway.locations (id, name, code) VALUES (1, 'Vijayawada Junction', 'BZA'), (2, 'Narasapur', 'NS');
INSERT INTO railway.trains (id, train_number, type) VALUES (1, '12711', 'express');
UPDATE railway.trains SET description = 'Pinakini Express' WHERE id = 1;
SELECT railway.create_user('ops_audit_user', 'first-secret', 'operator') AS user_id;
SELECT railway.set_password('ops_audit_user', 'second-secret');
RESET ROLE;
SET ROLE ops_audit_operator;
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (1, 1, 1, 2, '2024-01-01 06:00', '2024-01-01 09:30', '2024-01-01');
UPDATE railway.schedules SET actual_departure = '2024-01-01 06:04' WHERE id = 1;
RESET ROLE;
SET ROLE ops_audit_admin;
DELETE FROM railway.schedules WHERE id = 1;
DELETE FROM railway.users WHERE username = 'ops_audit_user';
RESET ROLE;

-- One row per change, in order, by whom.
SELECT id, operation, table_name, row_id, changed_by, session_user_name = session_user AS by_this_session,
       changed_at <= now() AS recorded_before_now
FROM railway.audit_log ORDER BY id;
-- Old and new rows: what changed.
SELECT id, old_row ->> 'description' AS old_description, new_row ->> 'description' AS new_description
FROM railway.audit_log WHERE table_name = 'trains' ORDER BY id;
SELECT id, operation, old_row ->> 'actual_departure' AS old_actual, new_row ->> 'actual_departure' AS new_actual
FROM railway.audit_log WHERE table_name = 'schedules' ORDER BY id;
-- Password hashes never reach the audit log.
SELECT id, operation, old_row ->> 'password' AS old_password, new_row ->> 'password' AS new_password,
       COALESCE(new_row, old_row) ->> 'username' AS username,
       strpos(COALESCE(old_row::text, '') || COALESCE(new_row::text, ''), '$scrypt$') = 0 AS no_hash
FROM railway.audit_log WHERE table_name = 'users' ORDER BY id;
-- Rows changed by one transaction share its id (the two locations were one INSERT).
SELECT count(DISTINCT transaction_id) FILTER (WHERE id IN (1, 2)) AS one_insert,
       count(DISTINCT transaction_id) FILTER (WHERE id IN (3, 4)) AS two_statements
FROM railway.audit_log;

-- TRUNCATE is audited too (one row per statement).
TRUNCATE railway.schedules;
SELECT operation, table_name, row_id, old_row, new_row FROM railway.audit_log WHERE operation = 'TRUNCATE';

-- Nobody but the owner changes the audit log; viewers and operators cannot even read it.
-- Runs a statement as a role and reports ok or its error; rolls back whatever it did.
CREATE FUNCTION pg_temp.try_as(role_name text, statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', role_name);
    EXECUTE statement;
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN CASE WHEN SQLERRM = 'ok' THEN 'ok' ELSE SQLSTATE || ': ' || SQLERRM END;
END $$;
SELECT r AS role, statement, pg_temp.try_as(r, statement) AS result
FROM unnest(ARRAY['ops_audit_viewer', 'ops_audit_operator', 'ops_audit_admin']) AS r,
     (VALUES ('SELECT count(*) FROM railway.audit_log'),
             ('UPDATE railway.audit_log SET changed_by = ''someone else'''),
             ('DELETE FROM railway.audit_log'),
             ('INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name) VALUES (''x'', ''x'', ''DELETE'', ''trains'')'),
             ('SELECT railway.audit_trigger()')) AS s(statement)
ORDER BY r DESC, statement;
SELECT current_user = session_user AS role_restored;

-- Rows reloaded by pg_restore or a pg_dump script (a superuser's session with row_security
-- off, as those set it) were audited when first written: they are not audited again.
SELECT count(*) AS audit_rows_before FROM railway.audit_log;
BEGIN;
SET LOCAL row_security = off;
INSERT INTO railway.trains (id, train_number) VALUES (2, '17401');
COMMIT;
SELECT count(*) AS audit_rows_after_restore_like_insert FROM railway.audit_log;
-- But row_security off does not let anyone else skip the audit.
BEGIN;
SET LOCAL ROLE ops_audit_admin;
SET LOCAL row_security = off;
UPDATE railway.trains SET description = 'by an admin' WHERE id = 2;
COMMIT;
SELECT operation, table_name, changed_by FROM railway.audit_log ORDER BY id DESC LIMIT 1;

-- One audit row per row, also when one statement changes many (the triggers are statement-level
-- and write them all with one INSERT): a 3-row INSERT, a 3-row UPDATE (one of them changing its
-- id: old and new row still belong together), a 2-row DELETE, and an UPDATE matching no row.
-- (A train's INSERT is recorded without its image: see railway.audit_row_history() below.)
TRUNCATE railway.audit_log RESTART IDENTITY;
SET ROLE ops_audit_admin;
INSERT INTO railway.trains (id, train_number) VALUES (10, '101'), (11, '102'), (12, '103');
UPDATE railway.trains SET id = CASE id WHEN 12 THEN 13 ELSE id END, description = 'day ' || train_number
WHERE id IN (10, 11, 12);
UPDATE railway.trains SET description = 'none' WHERE id = 99;
DELETE FROM railway.trains WHERE id IN (10, 13);
RESET ROLE;
SELECT id, operation, row_id, changed_by, old_row ->> 'id' AS old_id, old_row ->> 'train_number' AS old_number,
       old_row ->> 'description' AS old_description, new_row ->> 'id' AS new_id,
       new_row ->> 'train_number' AS new_number, new_row ->> 'description' AS new_description
FROM railway.audit_log ORDER BY id;
-- The rows of one statement share its transaction (the UPDATE matching no row wrote none).
SELECT operation, count(*) AS audit_rows, count(DISTINCT transaction_id) AS transactions
FROM railway.audit_log GROUP BY operation ORDER BY operation;

-- A schedule's INSERT is recorded without its image (issue 12: schedules are written in bulk);
-- railway.audit_row_history() gives the image back from the row's next change, or from the
-- row as it is now. A TRUNCATE of schedules records the image of each row it removes.
TRUNCATE railway.audit_log RESTART IDENTITY;
SET ROLE ops_audit_admin;
INSERT INTO railway.locations (id, name, code) VALUES (31, 'Guntur Junction', 'GNT'), (32, 'Repalle', 'RAL');
INSERT INTO railway.trains (id, train_number) VALUES (31, '17213');
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
                               scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (21, 31, 31, 32, '2024-01-01 06:00', '2024-01-01 09:30', '2024-01-01'),
       (22, 31, 32, 31, '2024-01-01 12:00', '2024-01-01 15:30', '2024-01-01'),
       (23, 31, 31, 32, '2024-01-01 18:00', '2024-01-01 21:30', '2024-01-01');
UPDATE railway.schedules SET status = 'delayed' WHERE id = 21;
UPDATE railway.schedules SET status = 'completed' WHERE id = 21;
DELETE FROM railway.schedules WHERE id = 22;
RESET ROLE;
SELECT id, operation, row_id, old_row ->> 'status' AS old_status, new_row ->> 'status' AS new_status
FROM railway.audit_log WHERE table_name = 'schedules' ORDER BY id;
SET ROLE ops_audit_admin;
-- Inserted, then changed twice: the INSERT's image is the first UPDATE's old_row.
SELECT audit_id, operation, old_row ->> 'status' AS old_status, new_row ->> 'status' AS new_status,
       new_row ->> 'scheduled_departure' AS new_departure
FROM railway.audit_row_history('schedules', 21);
-- Inserted, then deleted: the DELETE's old_row. Inserted and never changed: the row itself.
SELECT audit_id, operation, new_row ->> 'scheduled_departure' AS new_departure FROM railway.audit_row_history('schedules', 22);
SELECT audit_id, operation, new_row ->> 'scheduled_departure' AS new_departure FROM railway.audit_row_history('schedules', 23);
-- A train's INSERT has no image either (issue 15: a GTFS feed makes a train per trip): the row
-- as it is now. Locations keep their INSERT image; unknown rows have no history.
SELECT operation, new_row ->> 'train_number' AS new_number FROM railway.audit_row_history('trains', 31);
RESET ROLE;
SELECT table_name, operation, new_row IS NULL AS without_image, count(*) FROM railway.audit_log
WHERE operation = 'INSERT' GROUP BY 1, 2, 3 ORDER BY 1;
SET ROLE ops_audit_admin;
SELECT operation, new_row ->> 'code' AS new_code FROM railway.audit_row_history('locations', 31);
SELECT count(*) AS no_history FROM railway.audit_row_history('schedules', 999);
RESET ROLE;
-- A TRUNCATE of schedules, and of trains, records the image of each row it removes.
TRUNCATE railway.schedules, railway.trains;
SELECT operation, row_id, old_row ->> 'status' AS old_status, old_row ->> 'scheduled_departure' AS old_departure
FROM railway.audit_log WHERE operation = 'TRUNCATE' AND table_name = 'schedules' ORDER BY id;
SELECT operation, row_id, old_row ->> 'train_number' AS old_number
FROM railway.audit_log WHERE operation = 'TRUNCATE' AND table_name = 'trains' ORDER BY id;
SET ROLE ops_audit_admin;
SELECT operation, old_row ->> 'train_number' AS old_number, new_row ->> 'train_number' AS new_number
FROM railway.audit_row_history('trains', 31);
RESET ROLE;
SELECT audit_id, operation, old_row ->> 'scheduled_departure' AS old_departure,
       new_row ->> 'scheduled_departure' AS new_departure
FROM railway.audit_row_history('schedules', 23);
-- An empty table's TRUNCATE: one row, no image.
TRUNCATE railway.audit_log RESTART IDENTITY;
TRUNCATE railway.schedules;
SELECT operation, table_name, row_id, old_row FROM railway.audit_log WHERE operation = 'TRUNCATE' ORDER BY id;
-- Only railway_admin reads the history.
SELECT r AS role, pg_temp.try_as(r, 'SELECT count(*) FROM railway.audit_row_history(''schedules'', 21)') AS result
FROM unnest(ARRAY['ops_audit_viewer', 'ops_audit_operator', 'ops_audit_admin']) AS r ORDER BY r DESC;

-- Clean up.
TRUNCATE railway.schedules, railway.trains, railway.locations, railway.users RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
DROP ROLE ops_audit_admin, ops_audit_operator, ops_audit_viewer;
