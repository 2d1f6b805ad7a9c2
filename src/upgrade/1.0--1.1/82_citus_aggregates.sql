-- Issue 14 (Citus): the analytics aggregates get states of real types
-- (railway.punctuality_state, railway.operation_days_state, railway.hourly_profile_state,
-- railway.weekday_profile_state; text form base64) instead of `internal`, so that Citus runs
-- them as partial aggregates on the workers and ships only the states to the coordinator.
-- An aggregate's state type cannot be altered: the aggregates and their support functions are
-- dropped and created again, with the same names, arguments, results and comments as before.
-- Nothing in the catalog depends on them (the reports are PL/pgSQL, their bodies name the
-- aggregates only as text). The 1.0 C entry points stay in the module for 1.0 databases.

DROP AGGREGATE railway.punctuality(timestamp, timestamp);
DROP AGGREGATE railway.punctuality(timestamp, timestamp, interval);
DROP AGGREGATE railway.operation_days(timestamp);
DROP AGGREGATE railway.hourly_profile(timestamp);
DROP AGGREGATE railway.weekday_profile(boolean[]);

DROP FUNCTION railway.punctuality_transfn(internal, timestamp, timestamp);
DROP FUNCTION railway.punctuality_transfn(internal, timestamp, timestamp, interval);
DROP FUNCTION railway.operation_days_transfn(internal, timestamp);
DROP FUNCTION railway.hourly_profile_transfn(internal, timestamp);
DROP FUNCTION railway.weekday_profile_transfn(internal, boolean[]);
DROP FUNCTION railway.punctuality_combinefn(internal, internal);
DROP FUNCTION railway.punctuality_serialfn(internal);
DROP FUNCTION railway.punctuality_deserialfn(bytea, internal);
DROP FUNCTION railway.punctuality_finalfn(internal);
DROP FUNCTION railway.operation_days_combinefn(internal, internal);
DROP FUNCTION railway.operation_days_serialfn(internal);
DROP FUNCTION railway.operation_days_deserialfn(bytea, internal);
DROP FUNCTION railway.operation_days_finalfn(internal);
DROP FUNCTION railway.hourly_profile_combinefn(internal, internal);
DROP FUNCTION railway.hourly_profile_serialfn(internal);
DROP FUNCTION railway.hourly_profile_deserialfn(bytea, internal);
DROP FUNCTION railway.hourly_profile_finalfn(internal);
DROP FUNCTION railway.weekday_profile_combinefn(internal, internal);
DROP FUNCTION railway.weekday_profile_serialfn(internal);
DROP FUNCTION railway.weekday_profile_deserialfn(bytea, internal);
DROP FUNCTION railway.weekday_profile_finalfn(internal);

-- punctuality ---------------------------------------------------------------------------------

CREATE TYPE railway.punctuality_state;
CREATE FUNCTION railway.punctuality_state_in(cstring) RETURNS railway.punctuality_state
    AS 'MODULE_PATHNAME', 'railway_punctuality_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_state_in(cstring) IS
    'Input function of railway.punctuality_state: base64 of the serialized state; anything else is 22P02.';
CREATE FUNCTION railway.punctuality_state_out(railway.punctuality_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'railway_punctuality_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_state_out(railway.punctuality_state) IS
    'Output function of railway.punctuality_state: base64 of the serialized state.';
CREATE FUNCTION railway.punctuality_state_recv(internal) RETURNS railway.punctuality_state
    AS 'MODULE_PATHNAME', 'railway_punctuality_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_state_recv(internal) IS
    'Binary input function of railway.punctuality_state: the serialized state; anything else is 22P03.';
CREATE FUNCTION railway.punctuality_state_send(railway.punctuality_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'railway_punctuality_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_state_send(railway.punctuality_state) IS
    'Binary output function of railway.punctuality_state: the serialized state.';
CREATE TYPE railway.punctuality_state (
    INPUT = railway.punctuality_state_in,
    OUTPUT = railway.punctuality_state_out,
    RECEIVE = railway.punctuality_state_recv,
    SEND = railway.punctuality_state_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE railway.punctuality_state IS
    'Transition state of railway.punctuality (the punctuality state: counts, the exact delay sum and the histogram of delay minutes); text form base64, so that Citus can move partial states between nodes.';

CREATE FUNCTION railway.punctuality_transfn(railway.punctuality_state, timestamp, timestamp) RETURNS railway.punctuality_state
    AS 'MODULE_PATHNAME', 'railway_punctuality_state_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_transfn(railway.punctuality_state, timestamp, timestamp) IS
    'Transition function of railway.punctuality(scheduled, actual) (on_time_within ''5 minutes'').';

CREATE FUNCTION railway.punctuality_transfn(railway.punctuality_state, timestamp, timestamp, interval) RETURNS railway.punctuality_state
    AS 'MODULE_PATHNAME', 'railway_punctuality_state_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_transfn(railway.punctuality_state, timestamp, timestamp, interval) IS
    'Transition function of railway.punctuality(scheduled, actual, on_time_within).';

CREATE FUNCTION railway.punctuality_combinefn(railway.punctuality_state, railway.punctuality_state) RETURNS railway.punctuality_state
    AS 'MODULE_PATHNAME', 'railway_punctuality_state_combinefn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_combinefn(railway.punctuality_state, railway.punctuality_state) IS
    'Combine function of railway.punctuality: merges two partial states (parallel or partitionwise aggregation).';

CREATE FUNCTION railway.punctuality_finalfn(railway.punctuality_state) RETURNS railway.punctuality_stats
    AS 'MODULE_PATHNAME', 'railway_punctuality_state_finalfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_finalfn(railway.punctuality_state) IS
    'Final function of railway.punctuality: the railway.punctuality_stats of the state (does not modify it).';

CREATE AGGREGATE railway.punctuality(scheduled timestamp, actual timestamp) (
    SFUNC = railway.punctuality_transfn,
    STYPE = railway.punctuality_state,
    SSPACE = 1024,
    FINALFUNC = railway.punctuality_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = railway.punctuality_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE railway.punctuality(timestamp, timestamp) IS
    'Punctuality of runs (scheduled, actual), on time meaning at most 5 minutes late: railway.punctuality_stats. Rows without an actual time count in runs only; delays are actual - scheduled (negative = early). Exact; the state grows with the distinct delay minutes (about 8 bytes each beyond a window of at most 128 KiB), never with repeated ones, and never faster than its rows.';

CREATE AGGREGATE railway.punctuality(scheduled timestamp, actual timestamp, on_time_within interval) (
    SFUNC = railway.punctuality_transfn,
    STYPE = railway.punctuality_state,
    SSPACE = 1024,
    FINALFUNC = railway.punctuality_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = railway.punctuality_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE railway.punctuality(timestamp, timestamp, interval) IS
    'Punctuality of runs (scheduled, actual), on time meaning delay <= on_time_within (the same for every row; a month counts 30 days): railway.punctuality_stats. Rows without an actual time count in runs only.';

-- operation_days ------------------------------------------------------------------------------

CREATE TYPE railway.operation_days_state;
CREATE FUNCTION railway.operation_days_state_in(cstring) RETURNS railway.operation_days_state
    AS 'MODULE_PATHNAME', 'railway_operation_days_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.operation_days_state_in(cstring) IS
    'Input function of railway.operation_days_state: base64 of the serialized state; anything else is 22P02.';
CREATE FUNCTION railway.operation_days_state_out(railway.operation_days_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'railway_operation_days_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.operation_days_state_out(railway.operation_days_state) IS
    'Output function of railway.operation_days_state: base64 of the serialized state.';
CREATE FUNCTION railway.operation_days_state_recv(internal) RETURNS railway.operation_days_state
    AS 'MODULE_PATHNAME', 'railway_operation_days_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.operation_days_state_recv(internal) IS
    'Binary input function of railway.operation_days_state: the serialized state; anything else is 22P03.';
CREATE FUNCTION railway.operation_days_state_send(railway.operation_days_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'railway_operation_days_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.operation_days_state_send(railway.operation_days_state) IS
    'Binary output function of railway.operation_days_state: the serialized state.';
CREATE TYPE railway.operation_days_state (
    INPUT = railway.operation_days_state_in,
    OUTPUT = railway.operation_days_state_out,
    RECEIVE = railway.operation_days_state_recv,
    SEND = railway.operation_days_state_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE railway.operation_days_state IS
    'Transition state of railway.operation_days (the operation_days state: the set of dates); text form base64, so that Citus can move partial states between nodes.';

CREATE FUNCTION railway.operation_days_transfn(railway.operation_days_state, timestamp) RETURNS railway.operation_days_state
    AS 'MODULE_PATHNAME', 'railway_operation_days_state_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.operation_days_transfn(railway.operation_days_state, timestamp) IS
    'Transition function of railway.operation_days.';

CREATE FUNCTION railway.operation_days_combinefn(railway.operation_days_state, railway.operation_days_state) RETURNS railway.operation_days_state
    AS 'MODULE_PATHNAME', 'railway_operation_days_state_combinefn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.operation_days_combinefn(railway.operation_days_state, railway.operation_days_state) IS
    'Combine function of railway.operation_days: the union of two sets of dates.';

CREATE FUNCTION railway.operation_days_finalfn(railway.operation_days_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'railway_operation_days_state_finalfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.operation_days_finalfn(railway.operation_days_state) IS
    'Final function of railway.operation_days: the number of distinct dates (0 for no rows).';

CREATE AGGREGATE railway.operation_days(timestamp) (
    SFUNC = railway.operation_days_transfn,
    STYPE = railway.operation_days_state,
    SSPACE = 512,
    FINALFUNC = railway.operation_days_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = railway.operation_days_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE railway.operation_days(timestamp) IS
    'Number of distinct calendar dates of the timestamps (COUNT(DISTINCT DATE(ts)) without sorting); NULLs are skipped, no rows give 0, an infinite timestamp is an error (22008).';

-- hourly_profile ------------------------------------------------------------------------------

CREATE TYPE railway.hourly_profile_state;
CREATE FUNCTION railway.hourly_profile_state_in(cstring) RETURNS railway.hourly_profile_state
    AS 'MODULE_PATHNAME', 'railway_hourly_profile_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.hourly_profile_state_in(cstring) IS
    'Input function of railway.hourly_profile_state: base64 of the serialized state; anything else is 22P02.';
CREATE FUNCTION railway.hourly_profile_state_out(railway.hourly_profile_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'railway_hourly_profile_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.hourly_profile_state_out(railway.hourly_profile_state) IS
    'Output function of railway.hourly_profile_state: base64 of the serialized state.';
CREATE FUNCTION railway.hourly_profile_state_recv(internal) RETURNS railway.hourly_profile_state
    AS 'MODULE_PATHNAME', 'railway_hourly_profile_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.hourly_profile_state_recv(internal) IS
    'Binary input function of railway.hourly_profile_state: the serialized state; anything else is 22P03.';
CREATE FUNCTION railway.hourly_profile_state_send(railway.hourly_profile_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'railway_hourly_profile_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.hourly_profile_state_send(railway.hourly_profile_state) IS
    'Binary output function of railway.hourly_profile_state: the serialized state.';
CREATE TYPE railway.hourly_profile_state (
    INPUT = railway.hourly_profile_state_in,
    OUTPUT = railway.hourly_profile_state_out,
    RECEIVE = railway.hourly_profile_state_recv,
    SEND = railway.hourly_profile_state_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE railway.hourly_profile_state IS
    'Transition state of railway.hourly_profile (the hourly_profile state: the 24 counts); text form base64, so that Citus can move partial states between nodes.';

CREATE FUNCTION railway.hourly_profile_transfn(railway.hourly_profile_state, timestamp) RETURNS railway.hourly_profile_state
    AS 'MODULE_PATHNAME', 'railway_hourly_profile_state_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.hourly_profile_transfn(railway.hourly_profile_state, timestamp) IS
    'Transition function of railway.hourly_profile.';

CREATE FUNCTION railway.hourly_profile_combinefn(railway.hourly_profile_state, railway.hourly_profile_state) RETURNS railway.hourly_profile_state
    AS 'MODULE_PATHNAME', 'railway_hourly_profile_state_combinefn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.hourly_profile_combinefn(railway.hourly_profile_state, railway.hourly_profile_state) IS
    'Combine function of railway.hourly_profile: adds the counts.';

CREATE FUNCTION railway.hourly_profile_finalfn(railway.hourly_profile_state) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'railway_hourly_profile_state_finalfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.hourly_profile_finalfn(railway.hourly_profile_state) IS
    'Final function of railway.hourly_profile: bigint[24].';

CREATE AGGREGATE railway.hourly_profile(timestamp) (
    SFUNC = railway.hourly_profile_transfn,
    STYPE = railway.hourly_profile_state,
    SSPACE = 256,
    FINALFUNC = railway.hourly_profile_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = railway.hourly_profile_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE railway.hourly_profile(timestamp) IS
    'Rows per hour of the day: bigint[24], element [h + 1] counting the timestamps from h:00 to h:59:59.999999. NULLs are skipped, no rows give 24 zeros, an infinite timestamp is an error (22008).';

-- weekday_profile -----------------------------------------------------------------------------

CREATE TYPE railway.weekday_profile_state;
CREATE FUNCTION railway.weekday_profile_state_in(cstring) RETURNS railway.weekday_profile_state
    AS 'MODULE_PATHNAME', 'railway_weekday_profile_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.weekday_profile_state_in(cstring) IS
    'Input function of railway.weekday_profile_state: base64 of the serialized state; anything else is 22P02.';
CREATE FUNCTION railway.weekday_profile_state_out(railway.weekday_profile_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'railway_weekday_profile_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.weekday_profile_state_out(railway.weekday_profile_state) IS
    'Output function of railway.weekday_profile_state: base64 of the serialized state.';
CREATE FUNCTION railway.weekday_profile_state_recv(internal) RETURNS railway.weekday_profile_state
    AS 'MODULE_PATHNAME', 'railway_weekday_profile_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.weekday_profile_state_recv(internal) IS
    'Binary input function of railway.weekday_profile_state: the serialized state; anything else is 22P03.';
CREATE FUNCTION railway.weekday_profile_state_send(railway.weekday_profile_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'railway_weekday_profile_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.weekday_profile_state_send(railway.weekday_profile_state) IS
    'Binary output function of railway.weekday_profile_state: the serialized state.';
CREATE TYPE railway.weekday_profile_state (
    INPUT = railway.weekday_profile_state_in,
    OUTPUT = railway.weekday_profile_state_out,
    RECEIVE = railway.weekday_profile_state_recv,
    SEND = railway.weekday_profile_state_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE railway.weekday_profile_state IS
    'Transition state of railway.weekday_profile (the weekday_profile state: the 7 counts); text form base64, so that Citus can move partial states between nodes.';

CREATE FUNCTION railway.weekday_profile_transfn(railway.weekday_profile_state, boolean[]) RETURNS railway.weekday_profile_state
    AS 'MODULE_PATHNAME', 'railway_weekday_profile_state_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.weekday_profile_transfn(railway.weekday_profile_state, boolean[]) IS
    'Transition function of railway.weekday_profile.';

CREATE FUNCTION railway.weekday_profile_combinefn(railway.weekday_profile_state, railway.weekday_profile_state) RETURNS railway.weekday_profile_state
    AS 'MODULE_PATHNAME', 'railway_weekday_profile_state_combinefn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.weekday_profile_combinefn(railway.weekday_profile_state, railway.weekday_profile_state) IS
    'Combine function of railway.weekday_profile: adds the counts.';

CREATE FUNCTION railway.weekday_profile_finalfn(railway.weekday_profile_state) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'railway_weekday_profile_state_finalfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.weekday_profile_finalfn(railway.weekday_profile_state) IS
    'Final function of railway.weekday_profile: bigint[7], Monday first.';

CREATE AGGREGATE railway.weekday_profile(boolean[]) (
    SFUNC = railway.weekday_profile_transfn,
    STYPE = railway.weekday_profile_state,
    SSPACE = 128,
    FINALFUNC = railway.weekday_profile_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = railway.weekday_profile_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE railway.weekday_profile(boolean[]) IS
    'How many running_days arrays include each ISO weekday: bigint[7], [1] = Monday ... [7] = Sunday. A NULL array is skipped; an array that is not 7 non-null booleans is an error (as for running_days); no rows give 7 zeros.';
