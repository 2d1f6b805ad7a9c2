-- Issue 12: numbered trains and vehicles (DESIGN.md section 2). The same statements as
-- src/sql/12_train_kinds.sql, 30_service_pattern.sql, 40_conflicts.sql, 50_validation.sql and
-- 68_train_kinds_manifest.sql, for a database made by 1.0.
--
-- Railway 1.0 judged every train as a vehicle (two runs conflict whenever they overlap). After
-- this update every existing train is a numbered train (the default): its runs conflict only
-- when they depart on the same date and overlap. That rule is weaker, so every stored timetable
-- stays valid; a train that really is a vehicle (a trainset, a bus block) is set so with
-- UPDATE railway.trains SET kind = 'vehicle' WHERE ..., which re-checks its schedules.

ALTER TABLE railway.trains
    ADD COLUMN kind text NOT NULL DEFAULT 'numbered',
    ADD CONSTRAINT check_train_kind CHECK (kind IN ('numbered', 'vehicle')),
    ADD CONSTRAINT trains_id_kind_key UNIQUE (id, kind);
COMMENT ON COLUMN railway.trains.kind IS
    'numbered (the default): a train number, one run per departure date; two of its runs conflict only when they depart on the same date and overlap. vehicle (a rake, a trainset, a bus block): two of its runs conflict whenever they overlap. Changing it re-checks the train''s schedules.';
COMMENT ON CONSTRAINT check_train_kind ON railway.trains IS 'kind is numbered or vehicle.';
COMMENT ON CONSTRAINT trains_id_kind_key ON railway.trains IS
    'The key schedules_train_kind_fkey references, so that each schedule''s train_kind follows its train''s kind.';
COMMENT ON INDEX railway.trains_id_kind_key IS 'Backs trains_id_kind_key (the target of schedules_train_kind_fkey).';

ALTER TABLE railway.schedules
    ADD COLUMN train_kind text NOT NULL DEFAULT 'numbered',
    ADD CONSTRAINT schedules_train_kind_fkey FOREIGN KEY (train_id, train_kind)
        REFERENCES railway.trains (id, kind) ON UPDATE CASCADE ON DELETE RESTRICT;
COMMENT ON COLUMN railway.schedules.train_kind IS
    'The kind of the schedule''s train (railway.trains.kind), which decides its conflict rule: filled in by the trigger validate_schedule (a value given is replaced), kept in step by schedules_train_kind_fkey.';
COMMENT ON CONSTRAINT schedules_train_kind_fkey ON railway.schedules IS
    'train_kind is the kind of the train: an update of railway.trains.kind cascades here, and the exclusion constraint and the trigger re-check the train''s schedules by the new rule.';

CREATE FUNCTION railway.service_pattern(scheduled_departure timestamp, scheduled_arrival timestamp,
                                        running_days boolean[], effective_start_date timestamp,
                                        effective_end_date timestamp, kind text)
    RETURNS railway.service_pattern
    AS 'MODULE_PATHNAME', 'railway_service_pattern_make_kind'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.service_pattern(timestamp, timestamp, boolean[], timestamp, timestamp, text) IS
    'The recurring service of a schedule row of a train of the given kind (''numbered'' or ''vehicle'', railway.trains.kind), which decides when two of its runs conflict (&&): numbered, only runs departing on the same date; vehicle, any overlapping runs. The five-argument form makes a vehicle''s pattern.';
COMMENT ON FUNCTION railway.service_pattern_overlaps(railway.service_pattern, railway.service_pattern) IS
    'True when the patterns conflict: some occurrence of one overlaps some occurrence of the other (back-to-back is not an overlap), departing on the same date when both are numbered trains'' patterns. Implements &&.';
COMMENT ON OPERATOR railway.&& (railway.service_pattern, railway.service_pattern) IS
    'Conflict: some run of one service overlaps some run of the other (on the same departure date when both are numbered trains'' patterns).';
COMMENT ON FUNCTION railway.first_conflict(railway.service_pattern, railway.service_pattern) IS
    'The earliest window in which a run of a overlaps a run of b (departing on the same date when both are numbered trains'' patterns), NULL when they never conflict.';
COMMENT ON FUNCTION railway.find_conflicts(integer) IS
    'Every pair of active (not cancelled) schedules of the same train that conflict (by the train''s kind: a numbered train''s runs only on the same departure date), once, with the earliest overlapping window; for one train, or for all when train_id is NULL. O(n log n + pairs).';

-- railway.check_schedule_conflicts() (the train's kind) gets its final body in 80_citus.sql.

-- The exclusion constraint reads the train's kind from train_kind.
ALTER TABLE railway.schedules DROP CONSTRAINT schedules_no_overlapping_runs;
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

INSERT INTO railway.schema_manifest (object_type, table_name, object_name) VALUES
    ('constraint', 'trains', 'check_train_kind'),
    ('constraint', 'trains', 'trains_id_kind_key'),
    ('index', 'trains', 'trains_id_kind_key'),
    ('constraint', 'schedules', 'schedules_train_kind_fkey');
