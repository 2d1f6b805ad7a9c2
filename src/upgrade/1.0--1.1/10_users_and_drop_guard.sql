
-- Issue 11 (security): users are validated by a trigger whose messages never show the row
-- (a CHECK's DETAIL printed the stored password hash), and DROP EXTENSION railway without
-- CASCADE refuses while railway's tables hold rows.
-- Users are validated by a trigger that names the rule and never shows the row: a CHECK or
-- NOT NULL violation's DETAIL prints the failing row ("Failing row contains ..."), and on
-- INSERT ... ON CONFLICT (username) DO UPDATE that row is the stored one, hash and salt
-- included, shown to an admin who may not read the password column. The constraints stay as a
-- second line of defence behind this trigger.
CREATE FUNCTION railway.validate_user_trigger() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF NEW.username IS NULL THEN
        RAISE EXCEPTION 'username must not be NULL' USING ERRCODE = 'not_null_violation',
            SCHEMA = 'railway', TABLE = 'users', COLUMN = 'username';
    END IF;
    IF pg_catalog.btrim(NEW.username) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'username must not be blank' USING ERRCODE = 'check_violation',
            SCHEMA = 'railway', TABLE = 'users', COLUMN = 'username', CONSTRAINT = 'check_username_not_blank';
    END IF;
    IF NEW.role IS NULL THEN
        RAISE EXCEPTION 'role must not be NULL' USING ERRCODE = 'not_null_violation',
            SCHEMA = 'railway', TABLE = 'users', COLUMN = 'role', HINT = 'Use admin, operator or viewer.';
    END IF;
    IF NEW.role::text OPERATOR(pg_catalog.<>) ALL (ARRAY['admin', 'operator', 'viewer']) THEN
        RAISE EXCEPTION 'Unknown user role "%"', NEW.role USING ERRCODE = 'check_violation',
            SCHEMA = 'railway', TABLE = 'users', COLUMN = 'role', CONSTRAINT = 'check_user_role', HINT = 'Use admin, operator or viewer.';
    END IF;
    IF NEW.password IS NULL THEN
        RAISE EXCEPTION 'password must not be NULL' USING ERRCODE = 'not_null_violation',
            SCHEMA = 'railway', TABLE = 'users', COLUMN = 'password', HINT = 'Use railway.create_user() or railway.set_password(), which store a hash.';
    END IF;
    IF NOT railway.is_password_hash(NEW.password) THEN
        RAISE EXCEPTION 'password must be a password hash, not a plain-text password'
            USING ERRCODE = 'check_violation', SCHEMA = 'railway', TABLE = 'users', COLUMN = 'password',
            CONSTRAINT = 'check_password_is_hash', HINT = 'Use railway.create_user() or railway.set_password(), which store a hash.';
    END IF;
    RETURN NEW;
END
$function$;
COMMENT ON FUNCTION railway.validate_user_trigger() IS
    'Trigger function of railway.users: refuses a NULL or blank username, an unknown role and a password that is not a hash with its own message, without printing the row (whose password hash a constraint''s DETAIL would show).';

CREATE TRIGGER validate_user BEFORE INSERT OR UPDATE ON railway.users
    FOR EACH ROW EXECUTE FUNCTION railway.validate_user_trigger();
COMMENT ON TRIGGER validate_user ON railway.users IS
    'Validation of every user row with messages that never show the row (its password hash); the CHECK constraints stay as a second line of defence.';

INSERT INTO railway.schema_manifest (object_type, table_name, object_name) VALUES
    ('trigger', 'users', 'validate_user');

-- DROP EXTENSION railway without CASCADE refuses while railway's tables hold rows
-- (src/pg/drop_guard.cpp): the timetable, the users and the audit log are members of the
-- extension and would go with it. ENABLE ALWAYS: it fires under session_replication_role =
-- replica too.
CREATE FUNCTION railway.guard_drop_extension() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'railway_guard_drop_extension'
    LANGUAGE C;
COMMENT ON FUNCTION railway.guard_drop_extension() IS
    'Event trigger function: refuses DROP EXTENSION railway without CASCADE while a railway table holds rows, naming the tables; CASCADE proceeds.';
REVOKE ALL ON FUNCTION railway.guard_drop_extension() FROM PUBLIC;

CREATE EVENT TRIGGER railway_guard_drop ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION')
    EXECUTE FUNCTION railway.guard_drop_extension();
ALTER EVENT TRIGGER railway_guard_drop ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER railway_guard_drop IS
    'Keeps DROP EXTENSION railway (without CASCADE) from deleting the timetable, users and audit log while they hold rows.';
