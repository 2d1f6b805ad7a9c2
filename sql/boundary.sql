-- The C++/PostgreSQL boundary: an error raised in C++ reaches the client as an ordinary
-- PostgreSQL error (SQLSTATE, message, DETAIL, HINT) and the session goes on working.

-- Reports what an SQL statement raised: SQLSTATE, message, detail and hint.
CREATE FUNCTION pg_temp.raised(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text; message text; detail text; hint text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN format('%s: %s | %s | %s', state, message, detail, hint);
END $$;

SELECT railway.version();

-- A valid call.
SELECT railway.format_running_days('{t,t,t,t,t,f,f}');
SELECT railway.parse_running_days('-----67');

-- Errors thrown in C++ arrive with their SQLSTATE, DETAIL and HINT.
SELECT railway.format_running_days('{t,t,t,t,t,f}');
SELECT pg_temp.raised($$SELECT railway.format_running_days('{t,t,t,t,t,f}')$$);
SELECT pg_temp.raised($$SELECT railway.format_running_days('{t,t,t,t,t,f,f,t}')$$);
SELECT pg_temp.raised($$SELECT railway.format_running_days('{t,t,t,t,NULL,f,f}')$$);
SELECT pg_temp.raised($$SELECT railway.format_running_days('{{t,t,t,t,t,f,f}}')$$);
SELECT pg_temp.raised($$SELECT railway.format_running_days('[0:6]={t,t,t,t,t,f,f}')$$);
SELECT pg_temp.raised($$SELECT railway.format_running_days('{}')$$);
SELECT pg_temp.raised($$SELECT railway.parse_running_days('1234567x')$$);
SELECT pg_temp.raised($$SELECT railway.parse_running_days('12345-7x')$$);
SELECT pg_temp.raised($$SELECT railway.parse_running_days('')$$);
-- NULL in, NULL out (STRICT).
SELECT railway.format_running_days(NULL) IS NULL AS null_in_null_out;

-- The session keeps working after an error, inside and outside a transaction.
SELECT 1 AS still_working;
BEGIN;
SAVEPOINT before_error;
SELECT railway.parse_running_days('MTWTF--');
ROLLBACK TO SAVEPOINT before_error;
SELECT railway.format_running_days(railway.parse_running_days('1-3-5-7')) AS after_savepoint;
COMMIT;

-- Many errors in a row leave nothing behind (no leaked state between calls).
SELECT count(*) AS errors_caught
FROM generate_series(1, 1000) AS i,
     LATERAL pg_temp.raised(format($$SELECT railway.format_running_days('{%s}')$$,
                                   repeat('t,', i % 6) || 't')) AS r
WHERE r LIKE '2202E:%';
SELECT railway.format_running_days(array_fill(true, ARRAY[7])) AS all_days;
