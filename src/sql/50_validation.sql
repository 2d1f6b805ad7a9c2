-- Validation (DESIGN.md section 4): the GiST operator class for service patterns, the
-- validation trigger and the exclusion constraint that makes conflicting runs of one train
-- impossible under any isolation level.

-- The key a GiST index on service_pattern stores: a pattern on leaf pages, a summary (time
-- span and weekly footprint) on inner pages.
CREATE TYPE railway.service_pattern_gist_key;

CREATE FUNCTION railway.service_pattern_gist_key_in(cstring) RETURNS railway.service_pattern_gist_key
    AS 'MODULE_PATHNAME', 'railway_gist_key_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_gist_key_in(cstring) IS
    'Input of service_pattern_gist_key: always an error (the type exists only inside GiST indexes).';

CREATE FUNCTION railway.service_pattern_gist_key_out(railway.service_pattern_gist_key) RETURNS cstring
    AS 'MODULE_PATHNAME', 'railway_gist_key_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_gist_key_out(railway.service_pattern_gist_key) IS
    'Output of service_pattern_gist_key: the pattern of a leaf key, or the size of an inner key''s summary.';

CREATE TYPE railway.service_pattern_gist_key (
    INPUT = railway.service_pattern_gist_key_in,
    OUTPUT = railway.service_pattern_gist_key_out,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE railway.service_pattern_gist_key IS
    'Key of the GiST operator class railway.service_pattern_ops: the pattern itself on leaf pages; on inner pages a summary of the patterns below (first start, last end, and the 15-minute slots of the week any of them can occupy).';

CREATE FUNCTION railway.service_pattern_gist_consistent(internal, railway.service_pattern, smallint, oid, internal)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'railway_gist_consistent'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_gist_consistent(internal, railway.service_pattern, smallint, oid, internal) IS
    'GiST support: whether a subtree may hold a pattern that conflicts with the query (exact on leaf pages, never a false negative above).';

CREATE FUNCTION railway.service_pattern_gist_union(internal, internal) RETURNS railway.service_pattern_gist_key
    AS 'MODULE_PATHNAME', 'railway_gist_union'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_gist_union(internal, internal) IS
    'GiST support: the summary of a set of keys.';

CREATE FUNCTION railway.service_pattern_gist_compress(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_gist_compress'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_gist_compress(internal) IS
    'GiST support: a service_pattern as a leaf key.';

CREATE FUNCTION railway.service_pattern_gist_penalty(internal, internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_gist_penalty'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_gist_penalty(internal, internal, internal) IS
    'GiST support: how much a summary grows to take a new key (weekly slots added, span widened).';

CREATE FUNCTION railway.service_pattern_gist_picksplit(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_gist_picksplit'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_gist_picksplit(internal, internal) IS
    'GiST support: splits a full page in two around two far-apart seeds, at least a third of the keys on each side.';

CREATE FUNCTION railway.service_pattern_gist_same(railway.service_pattern_gist_key, railway.service_pattern_gist_key, internal)
    RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_gist_same'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern_gist_same(railway.service_pattern_gist_key, railway.service_pattern_gist_key, internal) IS
    'GiST support: whether two keys are identical.';

CREATE OPERATOR CLASS railway.service_pattern_ops
    DEFAULT FOR TYPE railway.service_pattern USING gist AS
        OPERATOR 3 railway.&& (railway.service_pattern, railway.service_pattern),
        FUNCTION 1 railway.service_pattern_gist_consistent(internal, railway.service_pattern, smallint, oid, internal),
        FUNCTION 2 railway.service_pattern_gist_union(internal, internal),
        FUNCTION 3 railway.service_pattern_gist_compress(internal),
        FUNCTION 5 railway.service_pattern_gist_penalty(internal, internal, internal),
        FUNCTION 6 railway.service_pattern_gist_picksplit(internal, internal),
        FUNCTION 7 railway.service_pattern_gist_same(railway.service_pattern_gist_key, railway.service_pattern_gist_key, internal),
        STORAGE railway.service_pattern_gist_key;
COMMENT ON OPERATOR CLASS railway.service_pattern_ops USING gist IS
    'GiST index on service patterns: && (strategy 3) finds exactly the conflicting patterns; with = on the train (railway.train_id_ops, or btree_gist''s default class), it backs EXCLUDE constraints.';
COMMENT ON OPERATOR FAMILY railway.service_pattern_ops USING gist IS
    'GiST operator family of railway.service_pattern_ops.';

-- GiST operator class for the train column of the exclusion constraint: integer ids, `=` only.
-- Leaner than btree_gist's integer class (no decompress call, a plain comparison as consistent
-- function) on every entry a search or an insert tests. Not the default for integer: btree_gist's
-- stays that, and serves every other comparison.
CREATE TYPE railway.id_range_key;
CREATE FUNCTION railway.id_range_key_in(cstring) RETURNS railway.id_range_key
    AS 'MODULE_PATHNAME', 'railway_id_range_key_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.id_range_key_in(cstring) IS
    'Input of railway.id_range_key: refused (the type exists only inside GiST indexes).';
CREATE FUNCTION railway.id_range_key_out(railway.id_range_key) RETURNS cstring
    AS 'MODULE_PATHNAME', 'railway_id_range_key_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.id_range_key_out(railway.id_range_key) IS
    'Output of railway.id_range_key: [lowest,highest].';
CREATE TYPE railway.id_range_key (
    INPUT = railway.id_range_key_in,
    OUTPUT = railway.id_range_key_out,
    INTERNALLENGTH = 8,
    ALIGNMENT = int4,
    STORAGE = plain
);
COMMENT ON TYPE railway.id_range_key IS
    'Key of a GiST index with railway.train_id_ops: the range of ids [lowest, highest] below an entry (a leaf holds [id, id]).';

CREATE FUNCTION railway.train_id_gist_consistent(internal, integer, smallint, oid, internal) RETURNS boolean
    AS 'MODULE_PATHNAME', 'railway_id_range_consistent'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.train_id_gist_consistent(internal, integer, smallint, oid, internal) IS
    'GiST support: whether an entry''s range of ids holds the id searched for (exact).';
CREATE FUNCTION railway.train_id_gist_union(internal, internal) RETURNS railway.id_range_key
    AS 'MODULE_PATHNAME', 'railway_id_range_union'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.train_id_gist_union(internal, internal) IS
    'GiST support: the range of ids of a set of keys.';
CREATE FUNCTION railway.train_id_gist_compress(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_id_range_compress'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.train_id_gist_compress(internal) IS
    'GiST support: an integer id as the leaf key [id, id].';
CREATE FUNCTION railway.train_id_gist_penalty(internal, internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_id_range_penalty'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.train_id_gist_penalty(internal, internal, internal) IS
    'GiST support: how much a range of ids widens to take a new key (0 when the id is inside).';
CREATE FUNCTION railway.train_id_gist_picksplit(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_id_range_picksplit'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.train_id_gist_picksplit(internal, internal) IS
    'GiST support: splits a full page in two by id, between two different ids where one is near the middle.';
CREATE FUNCTION railway.train_id_gist_same(railway.id_range_key, railway.id_range_key, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'railway_id_range_same'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.train_id_gist_same(railway.id_range_key, railway.id_range_key, internal) IS
    'GiST support: whether two ranges of ids are equal.';

CREATE OPERATOR CLASS railway.train_id_ops
    FOR TYPE integer USING gist AS
        OPERATOR 3 pg_catalog.= (integer, integer),
        FUNCTION 1 railway.train_id_gist_consistent(internal, integer, smallint, oid, internal),
        FUNCTION 2 railway.train_id_gist_union(internal, internal),
        FUNCTION 3 railway.train_id_gist_compress(internal),
        FUNCTION 5 railway.train_id_gist_penalty(internal, internal, internal),
        FUNCTION 6 railway.train_id_gist_picksplit(internal, internal),
        FUNCTION 7 railway.train_id_gist_same(railway.id_range_key, railway.id_range_key, internal),
        STORAGE railway.id_range_key;
COMMENT ON OPERATOR CLASS railway.train_id_ops USING gist IS
    'GiST index on integer ids answering only = (strategy 3), exactly and more cheaply than btree_gist''s gist_int4_ops: the train column of schedules_no_overlapping_runs.';
COMMENT ON OPERATOR FAMILY railway.train_id_ops USING gist IS
    'GiST operator family of railway.train_id_ops.';

-- The validation trigger function (native C++). Arguments map its roles to a table's columns.
CREATE FUNCTION railway.validate_schedule_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'railway_validate_schedule_trigger'
    LANGUAGE C;
COMMENT ON FUNCTION railway.validate_schedule_trigger() IS
    'BEFORE INSERT OR UPDATE row trigger enforcing the schedule rules (arrival after departure, end date not before start date, running days, status, cancellation, locations, actual times) and refusing a conflict with another active schedule of the same train (23P01). Arguments ''role=column'' map a table''s own column names; see README.';

CREATE TRIGGER validate_schedule
    BEFORE INSERT OR UPDATE ON railway.schedules
    FOR EACH ROW EXECUTE FUNCTION railway.validate_schedule_trigger();
COMMENT ON TRIGGER validate_schedule ON railway.schedules IS
    'Every rule of a schedule, with its own message, before the row is stored; the conflict search runs only when the train or timing changes or a cancelled schedule becomes active.';

-- The race-free backstop: no two active schedules of a train may conflict, whatever the
-- isolation level and whether or not the trigger ran.
ALTER TABLE railway.schedules ADD CONSTRAINT schedules_no_overlapping_runs
    EXCLUDE USING gist (
        train_id railway.train_id_ops WITH =,
        railway.service_pattern(scheduled_departure, scheduled_arrival, running_days,
                                effective_start_date, effective_end_date, train_kind) WITH OPERATOR(railway.&&))
    WHERE (NOT is_cancelled AND status <> 'cancelled');
COMMENT ON CONSTRAINT schedules_no_overlapping_runs ON railway.schedules IS
    'No two active (not cancelled) schedules of the same train conflict: some run of one would overlap some run of the other, departing on the same date for a numbered train (train_kind).';
COMMENT ON INDEX railway.schedules_no_overlapping_runs IS
    'GiST index of the active schedules by train and service pattern: backs schedules_no_overlapping_runs and serves conflict searches.';
