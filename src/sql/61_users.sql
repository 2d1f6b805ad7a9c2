-- Users and passwords: scrypt hashes (src/core/password.cpp), never plain text.

CREATE FUNCTION railway.password_hash(password text) RETURNS text
    AS 'MODULE_PATHNAME', 'railway_password_hash'
    LANGUAGE C VOLATILE STRICT PARALLEL SAFE COST 10000;
COMMENT ON FUNCTION railway.password_hash(text) IS
    'A new scrypt hash of password with a random salt, as a PHC string that records the cost: $scrypt$ln=14,r=8,p=1$<salt>$<key> (base64). Refuses an empty password and one longer than 1024 bytes (22023).';

CREATE FUNCTION railway.password_verify(password text, stored text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'railway_password_verify'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 10000;
COMMENT ON FUNCTION railway.password_verify(text, text) IS
    'True when password matches the stored hash (railway''s PHC scrypt string, or Node.js crypto.scrypt''s <hex key>.<hex salt>), compared in constant time. A NULL or unrecognised stored hash, including one whose scrypt cost exceeds what password_hash writes (N * r and N * r * p at most 2^17, i.e. ln=14, r=8, p=1), is false after the same work as a real check (one scrypt derivation of the default cost). A password longer than 1024 bytes is an error (22023).';

CREATE FUNCTION railway.is_password_hash(stored text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'railway_is_password_hash'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.is_password_hash(text) IS
    'True when stored is a password hash railway recognises (a PHC scrypt string or the Node.js scrypt form, at most the cost of ln=14, r=8, p=1, at most 512 bytes): the CHECK that keeps plain text, and hashes too costly to verify, out of railway.users.password.';

-- Even a superuser's INSERT cannot store a plain-text password.
ALTER TABLE railway.users
    ADD CONSTRAINT check_password_is_hash CHECK (railway.is_password_hash(password));

CREATE FUNCTION railway.create_user(username text, password text, role text DEFAULT 'viewer')
    RETURNS integer
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    INSERT INTO railway.users (username, password, role)
    VALUES (create_user.username, railway.password_hash(create_user.password), create_user.role)
    RETURNING id;
END;
COMMENT ON FUNCTION railway.create_user(text, text, text) IS
    'Adds an application user with an scrypt hash of password and role admin, operator or viewer (default viewer); returns the new id. Runs with the caller''s privileges: railway_admin may call it.';

CREATE FUNCTION railway.set_password(username text, new_password text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF new_password IS NULL THEN
        RAISE EXCEPTION 'new password must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE railway.users u SET password = railway.password_hash(new_password)
    WHERE u.username = set_password.username;
    RETURN FOUND;
END
$function$;
COMMENT ON FUNCTION railway.set_password(text, text) IS
    'Replaces the user''s password with a new scrypt hash; false when there is no such user. Runs with the caller''s privileges: railway_admin may call it.';

-- SECURITY DEFINER: the caller may not read password hashes, only learn whether one matches.
CREATE FUNCTION railway.authenticate(username text, password text) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    stored text;
    user_role text;
BEGIN
    SELECT u.password, u.role INTO stored, user_role
    FROM railway.users u WHERE u.username = authenticate.username;
    -- An unknown user (stored is NULL) is checked against a dummy hash of the same cost, so
    -- it takes as long as a wrong password.
    IF railway.password_verify(authenticate.password, stored) THEN
        RETURN user_role;
    END IF;
    RETURN NULL;
END
$function$;
COMMENT ON FUNCTION railway.authenticate(text, text) IS
    'The role (admin, operator or viewer) of the user when password is theirs, NULL otherwise (wrong password and unknown user take the same time). Accepts railway''s scrypt hashes and Node.js crypto.scrypt hashes (<hex key>.<hex salt>). SECURITY DEFINER; executable by railway_viewer and above.';

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
