-- Analytics aggregates (DESIGN.md section 3; README "Analytics"): native C++ states with
-- combine, serialize and deserialize functions, so that PostgreSQL may aggregate in parallel
-- workers and per partition. The support functions take `internal` and cannot be called from SQL.

CREATE TYPE railway.punctuality_stats AS (
    runs bigint,
    measured bigint,
    on_time bigint,
    on_time_pct float8,
    avg_delay_min float8,
    p50_delay_min float8,
    p90_delay_min float8,
    p95_delay_min float8,
    p99_delay_min float8,
    max_delay_min float8
);
COMMENT ON TYPE railway.punctuality_stats IS
    'Result of railway.punctuality: runs (rows with a scheduled time), measured (those with an actual time too), on_time (measured with delay <= on_time_within), on_time_pct = 100 * on_time / measured, avg_delay_min (exact mean), nearest-rank percentiles p50/p90/p95/p99 and max of floor(delay seconds / 60); every delay figure NULL when measured = 0.';

-- punctuality ---------------------------------------------------------------------------------

CREATE FUNCTION railway.punctuality_transfn(internal, timestamp, timestamp) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_punctuality_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_transfn(internal, timestamp, timestamp) IS
    'Transition function of railway.punctuality(scheduled, actual) (on_time_within ''5 minutes'').';

CREATE FUNCTION railway.punctuality_transfn(internal, timestamp, timestamp, interval) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_punctuality_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_transfn(internal, timestamp, timestamp, interval) IS
    'Transition function of railway.punctuality(scheduled, actual, on_time_within).';

CREATE FUNCTION railway.punctuality_combinefn(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_punctuality_combinefn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_combinefn(internal, internal) IS
    'Combine function of railway.punctuality: merges two partial states (parallel or partitionwise aggregation).';

CREATE FUNCTION railway.punctuality_serialfn(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'railway_punctuality_serialfn'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_serialfn(internal) IS
    'Serialize function of railway.punctuality: the state as bytea (counts, exact delay sum, histogram of delay minutes).';

CREATE FUNCTION railway.punctuality_deserialfn(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_punctuality_deserialfn'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_deserialfn(bytea, internal) IS
    'Deserialize function of railway.punctuality (checks the bytes: 22P03 on anything serialize cannot produce).';

CREATE FUNCTION railway.punctuality_finalfn(internal) RETURNS railway.punctuality_stats
    AS 'MODULE_PATHNAME', 'railway_punctuality_finalfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.punctuality_finalfn(internal) IS
    'Final function of railway.punctuality: the railway.punctuality_stats of the state (does not modify it).';

CREATE AGGREGATE railway.punctuality(scheduled timestamp, actual timestamp) (
    SFUNC = railway.punctuality_transfn,
    STYPE = internal,
    SSPACE = 1024,
    FINALFUNC = railway.punctuality_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = railway.punctuality_combinefn,
    SERIALFUNC = railway.punctuality_serialfn,
    DESERIALFUNC = railway.punctuality_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE railway.punctuality(timestamp, timestamp) IS
    'Punctuality of runs (scheduled, actual), on time meaning at most 5 minutes late: railway.punctuality_stats. Rows without an actual time count in runs only; delays are actual - scheduled (negative = early). Exact; the state grows with the distinct delay minutes (about 8 bytes each beyond a window of at most 128 KiB), never with repeated ones, and never faster than its rows.';

CREATE AGGREGATE railway.punctuality(scheduled timestamp, actual timestamp, on_time_within interval) (
    SFUNC = railway.punctuality_transfn,
    STYPE = internal,
    SSPACE = 1024,
    FINALFUNC = railway.punctuality_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = railway.punctuality_combinefn,
    SERIALFUNC = railway.punctuality_serialfn,
    DESERIALFUNC = railway.punctuality_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE railway.punctuality(timestamp, timestamp, interval) IS
    'Punctuality of runs (scheduled, actual), on time meaning delay <= on_time_within (the same for every row; a month counts 30 days): railway.punctuality_stats. Rows without an actual time count in runs only.';

-- operation_days ------------------------------------------------------------------------------

CREATE FUNCTION railway.operation_days_transfn(internal, timestamp) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_operation_days_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.operation_days_transfn(internal, timestamp) IS
    'Transition function of railway.operation_days.';

CREATE FUNCTION railway.operation_days_combinefn(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_operation_days_combinefn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.operation_days_combinefn(internal, internal) IS
    'Combine function of railway.operation_days: the union of two sets of dates.';

CREATE FUNCTION railway.operation_days_serialfn(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'railway_operation_days_serialfn'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.operation_days_serialfn(internal) IS
    'Serialize function of railway.operation_days: the set of dates as bytea.';

CREATE FUNCTION railway.operation_days_deserialfn(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_operation_days_deserialfn'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.operation_days_deserialfn(bytea, internal) IS
    'Deserialize function of railway.operation_days (22P03 on malformed bytes).';

CREATE FUNCTION railway.operation_days_finalfn(internal) RETURNS bigint
    AS 'MODULE_PATHNAME', 'railway_operation_days_finalfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.operation_days_finalfn(internal) IS
    'Final function of railway.operation_days: the number of distinct dates (0 for no rows).';

CREATE AGGREGATE railway.operation_days(timestamp) (
    SFUNC = railway.operation_days_transfn,
    STYPE = internal,
    SSPACE = 512,
    FINALFUNC = railway.operation_days_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = railway.operation_days_combinefn,
    SERIALFUNC = railway.operation_days_serialfn,
    DESERIALFUNC = railway.operation_days_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE railway.operation_days(timestamp) IS
    'Number of distinct calendar dates of the timestamps (COUNT(DISTINCT DATE(ts)) without sorting); NULLs are skipped, no rows give 0, an infinite timestamp is an error (22008).';

-- hourly_profile ------------------------------------------------------------------------------

CREATE FUNCTION railway.hourly_profile_transfn(internal, timestamp) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_hourly_profile_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.hourly_profile_transfn(internal, timestamp) IS
    'Transition function of railway.hourly_profile.';

CREATE FUNCTION railway.hourly_profile_combinefn(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_hourly_profile_combinefn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.hourly_profile_combinefn(internal, internal) IS
    'Combine function of railway.hourly_profile: adds the counts.';

CREATE FUNCTION railway.hourly_profile_serialfn(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'railway_hourly_profile_serialfn'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.hourly_profile_serialfn(internal) IS
    'Serialize function of railway.hourly_profile: the 24 counts as bytea.';

CREATE FUNCTION railway.hourly_profile_deserialfn(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_hourly_profile_deserialfn'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.hourly_profile_deserialfn(bytea, internal) IS
    'Deserialize function of railway.hourly_profile (22P03 on malformed bytes).';

CREATE FUNCTION railway.hourly_profile_finalfn(internal) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'railway_hourly_profile_finalfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.hourly_profile_finalfn(internal) IS
    'Final function of railway.hourly_profile: bigint[24].';

CREATE AGGREGATE railway.hourly_profile(timestamp) (
    SFUNC = railway.hourly_profile_transfn,
    STYPE = internal,
    SSPACE = 256,
    FINALFUNC = railway.hourly_profile_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = railway.hourly_profile_combinefn,
    SERIALFUNC = railway.hourly_profile_serialfn,
    DESERIALFUNC = railway.hourly_profile_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE railway.hourly_profile(timestamp) IS
    'Rows per hour of the day: bigint[24], element [h + 1] counting the timestamps from h:00 to h:59:59.999999. NULLs are skipped, no rows give 24 zeros, an infinite timestamp is an error (22008).';

-- weekday_profile -----------------------------------------------------------------------------

CREATE FUNCTION railway.weekday_profile_transfn(internal, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_weekday_profile_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.weekday_profile_transfn(internal, boolean[]) IS
    'Transition function of railway.weekday_profile.';

CREATE FUNCTION railway.weekday_profile_combinefn(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_weekday_profile_combinefn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.weekday_profile_combinefn(internal, internal) IS
    'Combine function of railway.weekday_profile: adds the counts.';

CREATE FUNCTION railway.weekday_profile_serialfn(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'railway_weekday_profile_serialfn'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.weekday_profile_serialfn(internal) IS
    'Serialize function of railway.weekday_profile: the 7 counts as bytea.';

CREATE FUNCTION railway.weekday_profile_deserialfn(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_weekday_profile_deserialfn'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.weekday_profile_deserialfn(bytea, internal) IS
    'Deserialize function of railway.weekday_profile (22P03 on malformed bytes).';

CREATE FUNCTION railway.weekday_profile_finalfn(internal) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'railway_weekday_profile_finalfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.weekday_profile_finalfn(internal) IS
    'Final function of railway.weekday_profile: bigint[7], Monday first.';

CREATE AGGREGATE railway.weekday_profile(boolean[]) (
    SFUNC = railway.weekday_profile_transfn,
    STYPE = internal,
    SSPACE = 128,
    FINALFUNC = railway.weekday_profile_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = railway.weekday_profile_combinefn,
    SERIALFUNC = railway.weekday_profile_serialfn,
    DESERIALFUNC = railway.weekday_profile_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE railway.weekday_profile(boolean[]) IS
    'How many running_days arrays include each ISO weekday: bigint[7], [1] = Monday ... [7] = Sunday. A NULL array is skipped; an array that is not 7 non-null booleans is an error (as for running_days); no rows give 7 zeros.';
