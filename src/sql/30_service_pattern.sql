-- railway.service_pattern: one schedule as a recurring service (DESIGN.md section 2).

CREATE TYPE railway.service_pattern;

CREATE FUNCTION railway.service_pattern_in(cstring) RETURNS railway.service_pattern
    AS 'MODULE_PATHNAME', 'railway_service_pattern_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_in(cstring) IS
    'Text input of service_pattern, e.g. ''22:00:00 for 08:00:00 on 12345-- from 2024-01-01 to infinity''.';

CREATE FUNCTION railway.service_pattern_out(railway.service_pattern) RETURNS cstring
    AS 'MODULE_PATHNAME', 'railway_service_pattern_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_out(railway.service_pattern) IS
    'Canonical text output of service_pattern.';

CREATE FUNCTION railway.service_pattern_recv(internal) RETURNS railway.service_pattern
    AS 'MODULE_PATHNAME', 'railway_service_pattern_recv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_recv(internal) IS
    'Binary input of service_pattern (validated like text input).';

CREATE FUNCTION railway.service_pattern_send(railway.service_pattern) RETURNS bytea
    AS 'MODULE_PATHNAME', 'railway_service_pattern_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_send(railway.service_pattern) IS
    'Binary output of service_pattern: departure and duration in microseconds (int8), first and last departure day since 2000-01-01 (int4), running-day mask (one byte, bit 0 = Monday).';

CREATE TYPE railway.service_pattern (
    INPUT = railway.service_pattern_in,
    OUTPUT = railway.service_pattern_out,
    RECEIVE = railway.service_pattern_recv,
    SEND = railway.service_pattern_send,
    INTERNALLENGTH = 32,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE railway.service_pattern IS
    'A recurring service: departure time of day, duration, running days and effective dates. Text form: ''HH:MM:SS for H:MM:SS on 1234567 from YYYY-MM-DD to YYYY-MM-DD|infinity''.';

CREATE FUNCTION railway.service_pattern(scheduled_departure timestamp, scheduled_arrival timestamp,
                                        running_days boolean[], effective_start_date timestamp,
                                        effective_end_date timestamp)
    RETURNS railway.service_pattern
    AS 'MODULE_PATHNAME', 'railway_service_pattern_make'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern(timestamp, timestamp, boolean[], timestamp, timestamp) IS
    'The recurring service of a schedule row: departs at the time of day of scheduled_departure for scheduled_arrival - scheduled_departure, on running_days (Monday first) from effective_start_date to effective_end_date (NULL = open-ended).';

CREATE FUNCTION railway.service_pattern(scheduled_departure timestamp, scheduled_arrival timestamp,
                                        running_days boolean[], effective_start_date timestamp,
                                        effective_end_date timestamp, kind text)
    RETURNS railway.service_pattern
    AS 'MODULE_PATHNAME', 'railway_service_pattern_make_kind'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern(timestamp, timestamp, boolean[], timestamp, timestamp, text) IS
    'The recurring service of a schedule row of a train of the given kind (''numbered'' or ''vehicle'', railway.trains.kind), which decides when two of its runs conflict (&&): numbered, only runs departing on the same date; vehicle, any overlapping runs. The five-argument form makes a vehicle''s pattern.';
CREATE FUNCTION railway.service_pattern_overlaps(railway.service_pattern, railway.service_pattern)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'railway_service_pattern_overlaps'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_overlaps(railway.service_pattern, railway.service_pattern) IS
    'True when the patterns conflict: some occurrence of one overlaps some occurrence of the other (back-to-back is not an overlap), departing on the same date when both are numbered trains'' patterns. Implements &&.';

CREATE OPERATOR railway.&& (
    LEFTARG = railway.service_pattern,
    RIGHTARG = railway.service_pattern,
    FUNCTION = railway.service_pattern_overlaps,
    COMMUTATOR = OPERATOR(railway.&&),
    RESTRICT = areasel,
    JOIN = areajoinsel
);
COMMENT ON OPERATOR railway.&& (railway.service_pattern, railway.service_pattern) IS
    'Conflict: some run of one service overlaps some run of the other (on the same departure date when both are numbered trains'' patterns).';

CREATE FUNCTION railway.service_pattern_eq(railway.service_pattern, railway.service_pattern)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'railway_service_pattern_eq'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_eq(railway.service_pattern, railway.service_pattern) IS
    'True when two patterns are identical. Implements =.';

CREATE OPERATOR railway.= (
    LEFTARG = railway.service_pattern,
    RIGHTARG = railway.service_pattern,
    FUNCTION = railway.service_pattern_eq,
    COMMUTATOR = OPERATOR(railway.=),
    RESTRICT = eqsel,
    JOIN = eqjoinsel
);
COMMENT ON OPERATOR railway.= (railway.service_pattern, railway.service_pattern) IS
    'Identical service patterns.';

CREATE FUNCTION railway.first_conflict(a railway.service_pattern, b railway.service_pattern)
    RETURNS tsrange
    AS 'MODULE_PATHNAME', 'railway_first_conflict'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.first_conflict(railway.service_pattern, railway.service_pattern) IS
    'The earliest window in which a run of a overlaps a run of b (departing on the same date when both are numbered trains'' patterns), NULL when they never conflict.';

CREATE FUNCTION railway.runs_on(p railway.service_pattern, d date) RETURNS boolean
    AS 'MODULE_PATHNAME', 'railway_runs_on'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.runs_on(railway.service_pattern, date) IS
    'True when the service departs on date d.';

CREATE FUNCTION railway.occurrences(p railway.service_pattern, from_date date, to_date date)
    RETURNS SETOF tsrange
    AS 'MODULE_PATHNAME', 'railway_occurrences'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION railway.occurrences(railway.service_pattern, date, date) IS
    'Every run of the service departing from from_date to to_date (inclusive), as [departure, arrival) ranges in date order.';
