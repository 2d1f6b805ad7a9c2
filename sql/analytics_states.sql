-- The state types of the analytics aggregates (issue 14): railway.punctuality_state,
-- railway.operation_days_state, railway.hourly_profile_state, railway.weekday_profile_state.
-- Text form = base64 of the serialized state; round trips in text and binary; hostile text is
-- 22P02, never a crash; the support functions refuse to run outside an aggregate; the final
-- functions read any state; a parallel plan still aggregates partially in the workers.
SET client_min_messages = warning;

-- true when `text` is refused as a punctuality state (22P02) or read back as the same text.
CREATE FUNCTION pg_temp.try_state(text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RETURN $1::railway.punctuality_state::text = $1;
EXCEPTION WHEN invalid_text_representation THEN
    RETURN true;
END $$;

-- Aggregates that return the state itself (no final function), to look at the states.
CREATE AGGREGATE pg_temp.p_state(timestamp, timestamp) (
    SFUNC = railway.punctuality_transfn, STYPE = railway.punctuality_state,
    COMBINEFUNC = railway.punctuality_combinefn, PARALLEL = SAFE);
CREATE AGGREGATE pg_temp.d_state(timestamp) (
    SFUNC = railway.operation_days_transfn, STYPE = railway.operation_days_state,
    COMBINEFUNC = railway.operation_days_combinefn, PARALLEL = SAFE);
CREATE AGGREGATE pg_temp.h_state(timestamp) (
    SFUNC = railway.hourly_profile_transfn, STYPE = railway.hourly_profile_state,
    COMBINEFUNC = railway.hourly_profile_combinefn, PARALLEL = SAFE);
CREATE AGGREGATE pg_temp.w_state(boolean[]) (
    SFUNC = railway.weekday_profile_transfn, STYPE = railway.weekday_profile_state,
    COMBINEFUNC = railway.weekday_profile_combinefn, PARALLEL = SAFE);

CREATE TABLE states_runs AS
SELECT i AS id, timestamp '2024-03-01 06:00' + i * interval '37 minutes' AS scheduled,
       CASE WHEN i % 10 <> 0 THEN timestamp '2024-03-01 06:00' + i * interval '37 minutes'
                                  + (i % 23 - 3) * interval '1 minute' + (i % 7) * interval '1 second' END AS actual,
       ARRAY[i % 2 = 0, i % 3 = 0, true, false, false, false, i % 5 = 0] AS days
FROM generate_series(1, 2000) AS i;
-- Far delays (beyond the dense window of the punctuality histogram) too.
INSERT INTO states_runs VALUES (2001, '2024-03-01 10:00', '2024-06-01 10:00', NULL),
                               (2002, '2024-03-01 10:00', '2023-01-01 10:00', NULL);

-- Small states in text, by hand: version byte 1, then the fields (punctuality.hpp, profiles.hpp).
SELECT pg_temp.p_state(scheduled, actual) AS one_run
FROM (VALUES (timestamp '2024-01-01 10:00', timestamp '2024-01-01 10:02')) AS v(scheduled, actual);
SELECT pg_temp.h_state(ts) AS two_at_1am FROM (VALUES (timestamp '2024-01-01 01:10'), ('2024-01-02 01:59')) AS v(ts);
SELECT pg_temp.w_state(d) AS monday_and_sunday FROM (VALUES (ARRAY[true, false, false, false, false, false, true])) AS v(d);
SELECT pg_temp.d_state(ts) AS one_date FROM (VALUES (timestamp '2000-01-01 12:00')) AS v(ts);
-- No rows: no state.
SELECT pg_temp.p_state(scheduled, actual) IS NULL AS p_null, pg_temp.d_state(scheduled) IS NULL AS d_null,
       pg_temp.h_state(scheduled) IS NULL AS h_null, pg_temp.w_state(days) IS NULL AS w_null
FROM states_runs WHERE false;

-- Text round trip: output, input, output gives the same text, and the final functions give the
-- aggregate's result from the state read back.
CREATE TEMP TABLE states AS
SELECT pg_temp.p_state(scheduled, actual) AS p, pg_temp.d_state(scheduled) AS d,
       pg_temp.h_state(scheduled) AS h, pg_temp.w_state(days) AS w,
       railway.punctuality(scheduled, actual) AS p_result, railway.operation_days(scheduled) AS d_result,
       railway.hourly_profile(scheduled) AS h_result, railway.weekday_profile(days) AS w_result
FROM states_runs;
SELECT p::text::railway.punctuality_state::text = p::text AS p_text,
       d::text::railway.operation_days_state::text = d::text AS d_text,
       h::text::railway.hourly_profile_state::text = h::text AS h_text,
       w::text::railway.weekday_profile_state::text = w::text AS w_text,
       railway.punctuality_finalfn(p::text::railway.punctuality_state) = p_result AS p_final,
       railway.operation_days_finalfn(d::text::railway.operation_days_state) = d_result AS d_final,
       railway.hourly_profile_finalfn(h::text::railway.hourly_profile_state) = h_result AS h_final,
       railway.weekday_profile_finalfn(w::text::railway.weekday_profile_state) = w_result AS w_final
FROM states;
SELECT (railway.punctuality_finalfn(p)).* FROM states;
SELECT railway.operation_days_finalfn(NULL), railway.hourly_profile_finalfn(NULL), railway.weekday_profile_finalfn(NULL);

-- Binary round trip (send, then receive) through COPY BINARY.
SELECT current_setting('data_directory') || '/analytics_states.bin' AS bin_path \gset
COPY (SELECT p, d, h, w FROM states) TO :'bin_path' (FORMAT binary);
CREATE TEMP TABLE states_back (p railway.punctuality_state, d railway.operation_days_state,
                               h railway.hourly_profile_state, w railway.weekday_profile_state);
COPY states_back FROM :'bin_path' (FORMAT binary);
SELECT b.p::text = s.p::text AS p_binary, b.d::text = s.d::text AS d_binary,
       b.h::text = s.h::text AS h_binary, b.w::text = s.w::text AS w_binary
FROM states AS s, states_back AS b;

-- Combining states read from text (what a Citus coordinator does: the text of each worker's
-- state through the input function, then the combine function) equals one aggregate.
CREATE AGGREGATE pg_temp.p_merge(railway.punctuality_state) (
    SFUNC = railway.punctuality_combinefn, STYPE = railway.punctuality_state);
CREATE AGGREGATE pg_temp.d_merge(railway.operation_days_state) (
    SFUNC = railway.operation_days_combinefn, STYPE = railway.operation_days_state);
CREATE AGGREGATE pg_temp.h_merge(railway.hourly_profile_state) (
    SFUNC = railway.hourly_profile_combinefn, STYPE = railway.hourly_profile_state);
CREATE AGGREGATE pg_temp.w_merge(railway.weekday_profile_state) (
    SFUNC = railway.weekday_profile_combinefn, STYPE = railway.weekday_profile_state);
SELECT railway.punctuality_finalfn(pg_temp.p_merge(pp::text::railway.punctuality_state)) = s.p_result AS p_combined,
       railway.operation_days_finalfn(pg_temp.d_merge(dd::text::railway.operation_days_state)) = s.d_result AS d_combined,
       railway.hourly_profile_finalfn(pg_temp.h_merge(hh::text::railway.hourly_profile_state)) = s.h_result AS h_combined,
       railway.weekday_profile_finalfn(pg_temp.w_merge(ww::text::railway.weekday_profile_state)) = s.w_result AS w_combined
FROM (SELECT pg_temp.p_state(scheduled, actual) AS pp, pg_temp.d_state(scheduled) AS dd,
             pg_temp.h_state(scheduled) AS hh, pg_temp.w_state(days) AS ww
      FROM states_runs GROUP BY id % 7) AS parts, states AS s
GROUP BY s.p_result, s.d_result, s.h_result, s.w_result;

-- Hostile text: not base64, or base64 of bytes that are no state. Each is 22P02, with the
-- reason in DETAIL.
\set VERBOSITY default
SELECT ''::railway.punctuality_state;
SELECT 'AQ'::railway.punctuality_state;
SELECT 'AQ=='::railway.punctuality_state;
SELECT 'AQ==AQ=='::railway.punctuality_state;
SELECT 'AQ== '::railway.punctuality_state;
SELECT '!!!!'::railway.operation_days_state;
SELECT 'Ag=='::railway.hourly_profile_state;
SELECT 'AQ=='::railway.weekday_profile_state;
-- A weekday state of the right size and version with a negative count.
SELECT replace(encode('\x01'::bytea || decode(repeat('00', 48) || repeat('ff', 8), 'hex'), 'base64'), E'\n', '')::railway.weekday_profile_state;
-- A punctuality state whose histogram holds fewer rows than measured (made from a good one by
-- changing `measured`, bytes 26..33).
SELECT encode(overlay(decode('AQEAAAAAAAAAAAEAAAAAAAAAAQAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQQB', 'base64')
                      PLACING '\x0200000000000000'::bytea FROM 27 FOR 8), 'base64')::railway.punctuality_state;
-- The SQLSTATE of each: 22P02.
CREATE FUNCTION pg_temp.input_error(value text, type regtype) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT %L::%s', value, type);
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
SELECT v AS text, t AS type, pg_temp.input_error(v, t) AS sqlstate
FROM (VALUES ('', 'railway.punctuality_state'::regtype), ('AQ', 'railway.punctuality_state'),
             ('AQ==', 'railway.punctuality_state'), ('AQ==AQ==', 'railway.punctuality_state'),
             ('AQ== ', 'railway.punctuality_state'), ('!!!!', 'railway.operation_days_state'),
             ('AQ==', 'railway.operation_days_state'), ('Ag==', 'railway.hourly_profile_state'),
             ('AQ==', 'railway.weekday_profile_state')) AS cases(v, t);
-- Random bytes never crash the input function: each is refused or read back identically.
SELECT count(*) FILTER (WHERE NOT ok) AS accepted_and_changed
FROM (SELECT pg_temp.try_state(encode(decode(md5(i::text) || md5((i + 1)::text), 'hex'), 'base64')) AS ok
      FROM generate_series(1, 200) AS i) AS t;
\set VERBOSITY terse

-- Transition and combine functions work only inside an aggregate.
SELECT railway.punctuality_transfn(NULL, now()::timestamp, now()::timestamp);
SELECT railway.hourly_profile_combinefn(NULL, NULL);

-- Parallel aggregation is still chosen: partial aggregates in the workers, their states
-- (flattened into the tuples) combined by the leader.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF, VERBOSE)
SELECT railway.punctuality(scheduled, actual), railway.operation_days(scheduled),
       railway.hourly_profile(scheduled), railway.weekday_profile(days)
FROM states_runs;
SELECT x.p = s.p_result AND x.d = s.d_result AND x.h = s.h_result AND x.w = s.w_result AS parallel_same
FROM (SELECT railway.punctuality(scheduled, actual) AS p, railway.operation_days(scheduled) AS d,
             railway.hourly_profile(scheduled) AS h, railway.weekday_profile(days) AS w
      FROM states_runs) AS x, states AS s;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;

DROP TABLE states_runs;
