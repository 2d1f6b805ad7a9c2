-- search_path safety: every railway function that runs SQL pins its search_path, SECURITY
-- DEFINER is used only where needed (and then not executable by PUBLIC), and objects planted in
-- a schema earlier on a user's search_path cannot hijack any railway function.

-- Every function of the extension written in SQL or PL/pgSQL pins search_path (aggregates
-- have no body of their own: their support functions are in C).
SELECT p.oid::regprocedure AS function_without_pinned_search_path
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'railway'::regnamespace AND l.lanname <> 'c' AND p.prokind <> 'a'
  AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) AS c WHERE c LIKE 'search\_path=%')
ORDER BY 1;

-- The SECURITY DEFINER functions, and who may execute them.
SELECT p.oid::regprocedure AS security_definer, has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute,
       has_function_privilege('railway_viewer', p.oid, 'EXECUTE') AS viewer_execute
FROM pg_proc p
WHERE p.pronamespace = 'railway'::regnamespace AND p.prosecdef ORDER BY 1;

-- An attacker's schema, first on the search_path (before pg_catalog), with look-alikes of what
-- the railway functions use: an "=" that is always true, a "<" that is always true, now() and
-- to_jsonb() that lie, and a temporary table named like a railway table.
CREATE SCHEMA ops_evil;
CREATE FUNCTION ops_evil.always_true(character varying, text) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR ops_evil.= (LEFTARG = character varying, RIGHTARG = text, FUNCTION = ops_evil.always_true);
CREATE FUNCTION ops_evil.always_true(timestamp, timestamp) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR ops_evil.< (LEFTARG = timestamp, RIGHTARG = timestamp, FUNCTION = ops_evil.always_true);
CREATE FUNCTION ops_evil.now() RETURNS timestamptz LANGUAGE sql AS $$SELECT '1999-12-31 23:59:59+00'::timestamptz$$;
CREATE FUNCTION ops_evil.to_jsonb(anyelement) RETURNS jsonb LANGUAGE sql AS $$SELECT '{"hijacked": true}'::jsonb$$;
CREATE FUNCTION ops_evil.current_setting(text) RETURNS text LANGUAGE sql AS $$SELECT 'on'::text$$;
CREATE TEMPORARY TABLE users (id int, username text, password text, role text);
INSERT INTO pg_temp.users VALUES (1, 'mallory', 'x', 'admin');

INSERT INTO railway.locations (id, name, code) VALUES (1, 'Vijayawada Junction', 'BZA'), (2, 'Narasapur', 'NS');
INSERT INTO railway.trains (id, train_number) VALUES (1, '12711');
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date, effective_end_date,
        status, is_cancelled)
VALUES (1, 1, 1, 2, LOCALTIMESTAMP - interval '10 days', LOCALTIMESTAMP - interval '10 days' + interval '1 hour',
        LOCALTIMESTAMP - interval '10 days', LOCALTIMESTAMP - interval '10 days', 'cancelled', true);
SELECT railway.create_user('alice', 'alice-secret', 'admin') AS alice_id;

SET search_path = ops_evil, pg_catalog, public;
-- The plants are live for unpinned SQL in this session ...
SELECT 'a'::varchar = 'b'::text AS evil_equals, now() = '1999-12-31 23:59:59+00' AS evil_now,
       to_jsonb(1) AS evil_to_jsonb, (SELECT count(*) FROM users) AS temp_users;
-- ... but no railway function sees them.
SELECT railway.authenticate('mallory', 'alice-secret') AS unknown_user_with_alices_password,
       railway.authenticate('alice', 'alice-secret') AS alice;
SELECT railway.purge_cancelled() AS purged_with_default_90_days;  -- the evil "<" would purge it
SELECT railway.create_user('bob', 'bob-secret') AS bob_id;
SELECT railway.set_password('mallory', 'x') AS set_for_unknown_user;
SELECT railway.health() ->> 'timestamp' <> '1999-12-31T23:59:59+00:00' AS health_time_is_real,
       railway.health() ->> 'status' IS NOT NULL AS health_works;
SELECT railway.maintenance_plan('daily') AS daily_plan;
RESET search_path;

-- The audit trigger ignored the planted to_jsonb() and current_setting() too.
SELECT table_name, operation, new_row ? 'hijacked' AS hijacked, new_row ->> 'username' AS username
FROM railway.audit_log WHERE table_name = 'users' ORDER BY id;
SELECT count(*) AS schedules_left FROM railway.schedules;

-- Clean up.
DROP TABLE pg_temp.users;
SET client_min_messages = warning;
DROP SCHEMA ops_evil CASCADE;
RESET client_min_messages;
TRUNCATE railway.schedules, railway.trains, railway.locations, railway.users RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
