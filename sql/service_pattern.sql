-- railway.service_pattern: text and binary form, the constructor, &&, first_conflict,
-- runs_on, occurrences, and every kind of bad input.

SET DateStyle = ISO;

-- Reports what a statement raised: SQLSTATE and message.
CREATE FUNCTION pg_temp.raised(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE state text; message text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
    RETURN state || ': ' || message;
END $$;

-- The constructor from a schedule's five columns. Only the time of day of the departure counts;
-- the effective dates count by their date part.
SELECT railway.service_pattern('2024-01-05 22:00', '2024-01-06 06:00', '{f,f,f,f,t,f,f}',
                               '2024-01-01 15:30', NULL) AS friday_overnight;
SELECT railway.service_pattern('1999-06-01 06:15:30.25', '1999-06-03 08:45', '{t,t,t,t,t,t,t}',
                               '2024-01-01', '2024-12-31 23:59') AS multi_day;

-- The text form round-trips; HH:MM and extra spaces are accepted on input.
SELECT p::text, p::text::railway.service_pattern OPERATOR(railway.=) p AS round_trip
FROM (VALUES ('22:00:00 for 08:00:00 on ----5-- from 2024-01-01 to infinity'::railway.service_pattern),
             ('06:15:30.25 for 50:29:29.75 on 1234567 from 2024-01-01 to 2024-12-31'),
             ('00:00:00 for 00:00:00.000001 on 1------ from -infinity to 2024-01-01'),
             ('23:59:59.999999 for 1000:00:00 on ------7 from 4714-11-24 BC to 294276-12-31'),
             ('  7:05   for 1:00 on -2-4-6-   from 0044-03-15 BC   to 0044-03-15 BC ')) AS t (p);

-- The binary form round-trips too (COPY BINARY uses send and receive).
CREATE TEMP TABLE patterns (p railway.service_pattern);
INSERT INTO patterns VALUES ('22:00 for 8:00 on ----5-- from 2024-01-01 to infinity'),
                            ('06:15:30.25 for 50:29:29.75 on 1234567 from 2024-01-01 to 2024-12-31');
SELECT railway.service_pattern_send(p) FROM patterns;
COPY patterns TO '/tmp/railway_patterns.bin' WITH (FORMAT binary);
CREATE TEMP TABLE patterns_back (p railway.service_pattern);
COPY patterns_back FROM '/tmp/railway_patterns.bin' WITH (FORMAT binary);
SELECT p FROM patterns_back;
-- Binary input is checked like text input: a COPY file whose pattern has no running day
-- (header, one row of one 25-byte field, trailer) is refused.
SELECT lo_from_bytea(0, ('\x' || '5047434f50590aff0d0a00' || '00000000' || '00000000'
    || '0001' || '00000019' || '0000000000000000' || '0000000000000001' || '00000000' || '7fffffff'
    || '00' || 'ffff')::bytea) AS bad_file \gset
SELECT lo_export(:bad_file, '/tmp/railway_bad_pattern.bin') AS written;
SELECT lo_unlink(:bad_file) AS removed;
COPY patterns_back FROM '/tmp/railway_bad_pattern.bin' WITH (FORMAT binary);
COPY (SELECT 1) TO PROGRAM 'rm -f /tmp/railway_patterns.bin /tmp/railway_bad_pattern.bin';

-- Conflicts (DESIGN.md section 2).
SELECT a, b, a OPERATOR(railway.&&) b AS conflict, b OPERATOR(railway.&&) a AS commutes,
       railway.first_conflict(a, b)
FROM (VALUES
    -- Friday 22:00 -> Saturday 06:00 against a Saturday-only 05:00: the arrival day is Saturday.
    ('22:00 for 8:00 on ----5-- from 2024-01-01 to infinity'::railway.service_pattern,
     '05:00 for 1:00 on -----6- from 2024-01-01 to infinity'::railway.service_pattern),
    -- Weekdays against weekends at the same hours: never the same day.
    ('08:00 for 2:00 on 12345-- from 2024-01-01 to infinity', '08:00 for 2:00 on -----67 from 2024-01-01 to infinity'),
    -- Back-to-back: one arrives at 10:00, the other departs at 10:00.
    ('08:00 for 2:00 on 1234567 from 2024-01-01 to infinity', '10:00 for 2:00 on 1234567 from 2024-01-01 to infinity'),
    -- One minute of overlap.
    ('08:00 for 2:01 on 1234567 from 2024-01-01 to infinity', '10:00 for 2:00 on 1234567 from 2024-01-01 to infinity'),
    -- Disjoint effective ranges (winter and summer timetables).
    ('08:00 for 2:00 on 1234567 from 2024-01-01 to 2024-03-30', '08:00 for 2:00 on 1234567 from 2024-03-31 to 2024-10-26'),
    -- The last day of one range is the first of the other.
    ('08:00 for 2:00 on 1234567 from 2024-01-01 to 2024-03-31', '08:00 for 2:00 on 1234567 from 2024-03-31 to 2024-10-26'),
    -- A range shorter than a week that holds no running day of the other.
    ('08:00 for 2:00 on 1234567 from 2024-01-01 to 2024-01-05', '08:00 for 2:00 on -----67 from 2024-01-01 to infinity'),
    -- The last departure of a range runs into the next day, where the other starts.
    ('23:00 for 2:00 on 1234567 from 2024-01-01 to 2024-01-31', '00:30 for 1:00 on 1234567 from 2024-02-01 to infinity'),
    -- A three-day journey (Monday 20:00 -> Thursday 08:00) against a Wednesday noon service.
    ('20:00 for 60:00 on 1------ from 2024-01-01 to infinity', '12:00 for 1:00 on --3---- from 2024-01-01 to infinity'),
    -- The same weekly service entered with different base dates.
    ('06:00 for 3:30 on 12345-- from 2024-01-01 to infinity', '07:00 for 1:00 on 12345-- from 2024-02-14 to infinity'),
    -- Open-ended on both sides.
    ('06:00 for 1:00 on ------7 from -infinity to infinity', '06:30 for 1:00 on ------7 from -infinity to infinity')
) AS t (a, b);

-- A service that has always run and never ends.
SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 10:00', '{t,t,t,t,t,t,t}', '-infinity', 'infinity');

-- runs_on and occurrences.
SELECT d, railway.runs_on('22:00 for 8:00 on ----5-- from 2024-01-05 to 2024-01-19', d)
FROM (VALUES ('2024-01-04'::date), ('2024-01-05'), ('2024-01-06'), ('2024-01-19'), ('2024-01-26'),
             ('infinity'), ('-infinity')) AS t (d);
SELECT * FROM railway.occurrences('22:00 for 8:00 on ----5-- from 2024-01-05 to 2024-01-19', '2024-01-01', '2024-12-31');
SELECT * FROM railway.occurrences('23:30 for 49:00 on 1-3---- from 2024-02-26 to infinity', '2024-02-28', '2024-03-06');
SELECT count(*) AS none_backwards FROM railway.occurrences('06:00 for 1:00 on 1234567 from 2024-01-01 to infinity', '2024-02-01', '2024-01-01');
SELECT * FROM railway.occurrences('06:00 for 1:00 on 1234567 from 2024-01-01 to 2024-01-02', '-infinity', 'infinity');
SELECT * FROM railway.occurrences('06:00 for 1:00 on 1234567 from 2024-01-01 to infinity', '2024-01-01', 'infinity');

-- Bad input: a clear error with a fitting SQLSTATE for each.
SELECT pg_temp.raised(statement) FROM (VALUES
    ($$SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 10:00', '{t,t,t,t,t,t}', '2024-01-01', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 10:00', '{t,t,t,t,t,t,t,t}', '2024-01-01', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 10:00', '{t,t,NULL,t,t,t,t}', '2024-01-01', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 10:00', '{{t,t,t,t,t,t,t}}', '2024-01-01', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 10:00', '[2:8]={t,t,t,t,t,t,t}', '2024-01-01', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 10:00', '{f,f,f,f,f,f,f}', '2024-01-01', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 08:00', '{t,t,t,t,t,t,t}', '2024-01-01', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 07:00', '{t,t,t,t,t,t,t}', '2024-01-01', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 10:00', '{t,t,t,t,t,t,t}', '2024-06-01', '2024-05-31')$$),
    ($$SELECT railway.service_pattern(NULL, '2024-01-01 10:00', '{t,t,t,t,t,t,t}', '2024-01-01', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', NULL, '{t,t,t,t,t,t,t}', '2024-01-01', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 10:00', NULL, '2024-01-01', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 10:00', '{t,t,t,t,t,t,t}', NULL, NULL)$$),
    ($$SELECT railway.service_pattern('-infinity', '2024-01-01 10:00', '{t,t,t,t,t,t,t}', '2024-01-01', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', 'infinity', '{t,t,t,t,t,t,t}', '2024-01-01', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 10:00', '{t,t,t,t,t,t,t}', 'infinity', NULL)$$),
    ($$SELECT railway.service_pattern('2024-01-01 08:00', '2024-01-01 10:00', '{t,t,t,t,t,t,t}', '2024-01-01', '-infinity')$$),
    ($$SELECT ''::railway.service_pattern$$),
    ($$SELECT '25:00 for 1:00 on 1234567 from 2024-01-01 to infinity'::railway.service_pattern$$),
    ($$SELECT '08:00 for 0:00 on 1234567 from 2024-01-01 to infinity'::railway.service_pattern$$),
    ($$SELECT '08:00 for 1:00 on 1234567 from 2024-01-01 to 2023-12-31'::railway.service_pattern$$),
    ($$SELECT '08:00 for 1:00 on ------- from 2024-01-01 to infinity'::railway.service_pattern$$),
    ($$SELECT '08:00 for 1:00 on MTWTF-- from 2024-01-01 to infinity'::railway.service_pattern$$),
    ($$SELECT '08:00 for 1:00 on 1234567 from 2024-02-30 to infinity'::railway.service_pattern$$),
    ($$SELECT '08:00 for 1:00 on 1234567 from 2024-01-01'::railway.service_pattern$$),
    ($$SELECT '08:00 for 1:00 on 1234567 from 2024-01-01 to infinity trailing'::railway.service_pattern$$),
    ($$SELECT '08:00 for 1:00 on 1234567 from 4714-11-23 BC to infinity'::railway.service_pattern$$)
) AS t (statement);
