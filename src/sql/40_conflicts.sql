-- Conflict queries over the stored timetable (DESIGN.md section 3), with the exact semantics of
-- section 2: running days, effective dates, overnight and multi-day runs.

CREATE TYPE railway.conflict_pair AS (
    schedule_id integer,
    other_schedule_id integer,
    train_id integer,
    train_number text,
    first_conflict tsrange
);
COMMENT ON TYPE railway.conflict_pair IS
    'A pair of conflicting schedules of one train (schedule_id < other_schedule_id) and the earliest window in which both would run.';

CREATE FUNCTION railway.find_conflicts(train_id integer DEFAULT NULL)
    RETURNS SETOF railway.conflict_pair
    AS 'MODULE_PATHNAME', 'railway_find_conflicts'
    LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION railway.find_conflicts(integer) IS
    'Every pair of active (not cancelled) schedules of the same train that conflict (by the train''s kind: a numbered train''s runs only on the same departure date), once, with the earliest overlapping window; for one train, or for all when train_id is NULL. O(n log n + pairs).';

CREATE TYPE railway.schedule_conflict AS (
    id integer,
    train_id integer,
    departure_location_id integer,
    arrival_location_id integer,
    scheduled_departure timestamp,
    scheduled_arrival timestamp,
    actual_departure timestamp,
    actual_arrival timestamp,
    status varchar(20),
    is_cancelled boolean,
    running_days boolean[],
    effective_start_date timestamp,
    effective_end_date timestamp,
    train_number varchar(20),
    departure_location varchar(100),
    arrival_location varchar(100),
    first_conflict tsrange
);
COMMENT ON TYPE railway.schedule_conflict IS
    'A stored schedule that conflicts with a proposed one: its row, its train number and location names, and the earliest overlapping window.';

CREATE FUNCTION railway.check_schedule_conflicts(
        train_id integer, scheduled_departure timestamp, scheduled_arrival timestamp,
        running_days boolean[], effective_start_date timestamp, effective_end_date timestamp,
        exclude_id integer DEFAULT NULL)
    RETURNS SETOF railway.schedule_conflict
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    proposed railway.service_pattern;
    proposed_kind text;
BEGIN
    IF check_schedule_conflicts.train_id IS NULL THEN
        RAISE EXCEPTION 'train_id must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Conflicts are between schedules of the same train.';
    END IF;
    -- Validates the proposed schedule (NULLs, arrival after departure, running days, dates).
    proposed := railway.service_pattern(check_schedule_conflicts.scheduled_departure,
                                        check_schedule_conflicts.scheduled_arrival,
                                        check_schedule_conflicts.running_days,
                                        check_schedule_conflicts.effective_start_date,
                                        check_schedule_conflicts.effective_end_date);
    -- The train's kind decides the rule (a numbered train's runs conflict only on the same
    -- departure date; numbered, the default, when the train does not exist: it then has no
    -- schedules anyway).
    proposed_kind := COALESCE((SELECT t.kind FROM railway.trains t
                               WHERE t.id OPERATOR(pg_catalog.=) check_schedule_conflicts.train_id),
                              'numbered');
    -- The query computes the pattern again in a subquery from the arguments instead of using
    -- the variable: its parameters are then all of built-in types, which Citus can ship with
    -- the query to the shard of the train (it sends a parameter of an extension type without
    -- its type, and the worker stops with "could not determine data type of parameter").
    RETURN QUERY
    SELECT s.id, s.train_id, s.departure_location_id, s.arrival_location_id,
           s.scheduled_departure, s.scheduled_arrival, s.actual_departure, s.actual_arrival,
           s.status, s.is_cancelled, s.running_days, s.effective_start_date, s.effective_end_date,
           t.train_number, dl.name, al.name,
           railway.first_conflict(p.proposed, c.pattern)
    FROM (SELECT railway.service_pattern(check_schedule_conflicts.scheduled_departure,
                                         check_schedule_conflicts.scheduled_arrival,
                                         check_schedule_conflicts.running_days,
                                         check_schedule_conflicts.effective_start_date,
                                         check_schedule_conflicts.effective_end_date,
                                         proposed_kind) AS proposed) p
    CROSS JOIN railway.schedules s
    CROSS JOIN LATERAL (SELECT railway.service_pattern(s.scheduled_departure, s.scheduled_arrival,
                                                       s.running_days, s.effective_start_date,
                                                       s.effective_end_date, s.train_kind) AS pattern) c
    JOIN railway.trains t ON t.id = s.train_id
    JOIN railway.locations dl ON dl.id = s.departure_location_id
    JOIN railway.locations al ON al.id = s.arrival_location_id
    WHERE s.train_id = check_schedule_conflicts.train_id
      AND NOT s.is_cancelled AND s.status <> 'cancelled'
      AND (check_schedule_conflicts.exclude_id IS NULL OR s.id <> check_schedule_conflicts.exclude_id)
      AND c.pattern OPERATOR(railway.&&) p.proposed
    ORDER BY lower(railway.first_conflict(p.proposed, c.pattern)), s.id;
END
$$;
COMMENT ON FUNCTION railway.check_schedule_conflicts(integer, timestamp, timestamp, boolean[], timestamp, timestamp, integer) IS
    'The active schedules of a train that a proposed schedule would conflict with (exact: running days, effective dates, overnight runs, and the train''s kind: a numbered train''s runs only on the same departure date), earliest conflict first; exclude_id skips the row being edited.';

CREATE FUNCTION railway.validate_schedule(id integer) RETURNS text
    AS 'MODULE_PATHNAME', 'railway_validate_schedule'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.validate_schedule(integer) IS
    'The first rule the stored schedule breaks (DESIGN.md section 4, including a conflict with another active schedule of its train), as a message; NULL when it is valid.';
