-- Runs: the day-by-day record of operations (issue 13; DESIGN.md sections 1 and 2). A schedule
-- is a recurring service; a run is one day of it, keyed by (schedule, run date), where the run
-- date is the departure date D of DESIGN.md section 2. README "Runs" documents the rules.
--
-- railway.runs is partitioned by month of run_date. The partitioned table, its constraints and
-- trigger and its default partition belong to the extension; the monthly partitions are made by
-- railway.create_run_partitions() after CREATE EXTENSION, so they are ordinary tables that
-- pg_dump dumps with their rows (an extension member's rows would need pg_extension_config_dump,
-- which only an extension script may call, and a restore would not recreate the table). For the
-- same reason the unique key and the indexes are made per partition by create_run_partitions()
-- and not on the partitioned table: pg_restore attaches a dumped partition before creating its
-- indexes, and an index of the (extension-owned, already present) partitioned table would be
-- cloned onto it first, so the dump's own CREATE INDEX / ADD PRIMARY KEY would fail. Each
-- partition's primary key (schedule_id, run_date, train_id) contains the partition key, so it
-- is unique across the whole table, and it contains train_id, the column Citus distributes by.
-- A run's train is its schedule's, so (schedule, run date) is unique too, except after a
-- schedule has moved to another train: its runs with actual times keep the train that ran them,
-- and a run of the same date with the new train can then be made (README "Runs", limits).

CREATE TABLE railway.runs (
    train_id           integer     NOT NULL,
    schedule_id        integer     NOT NULL,
    run_date           date        NOT NULL,
    planned_departure  timestamp   NOT NULL,
    planned_arrival    timestamp   NOT NULL,
    actual_departure   timestamp,
    actual_arrival     timestamp,
    status             text        NOT NULL DEFAULT 'scheduled',
    kind               text        NOT NULL DEFAULT 'planned',
    CONSTRAINT check_run_kind CHECK (kind IN ('planned', 'extra')),
    CONSTRAINT check_run_status
        CHECK (status IN ('scheduled', 'running', 'delayed', 'completed', 'cancelled')),
    CONSTRAINT check_run_planned_times CHECK (planned_arrival > planned_departure),
    CONSTRAINT check_run_actual_times
        CHECK (actual_arrival IS NULL OR actual_departure IS NULL OR actual_arrival >= actual_departure)
) PARTITION BY RANGE (run_date);
COMMENT ON TABLE railway.runs IS
    'One row per run: a schedule on one departure date (run_date). Partitioned by month of run_date; create partitions with railway.create_run_partitions().';
COMMENT ON COLUMN railway.runs.train_id IS 'The schedule''s train, copied from it (filled in when NULL) and kept in step for runs without actual times.';
COMMENT ON COLUMN railway.runs.schedule_id IS 'The schedule (railway.schedules.id) this run is a day of.';
COMMENT ON COLUMN railway.runs.run_date IS 'The departure date D of the run (DESIGN.md section 2), also for a run that arrives the next day.';
COMMENT ON COLUMN railway.runs.planned_departure IS 'Planned departure: the pattern''s on run_date by default (filled in when NULL); another value retimes this one run.';
COMMENT ON COLUMN railway.runs.planned_arrival IS 'Planned arrival: the pattern''s on run_date by default (filled in when NULL); must be after planned_departure.';
COMMENT ON COLUMN railway.runs.actual_departure IS 'Recorded departure, NULL until known.';
COMMENT ON COLUMN railway.runs.actual_arrival IS 'Recorded arrival, NULL until known; not before actual_departure.';
COMMENT ON COLUMN railway.runs.status IS 'scheduled, running, delayed, completed or cancelled (this run only).';
COMMENT ON COLUMN railway.runs.kind IS 'planned (a date the schedule runs) or extra (a special run on another date).';
COMMENT ON CONSTRAINT check_run_kind ON railway.runs IS 'kind is planned or extra (the trigger validate_run says so first).';
COMMENT ON CONSTRAINT check_run_status ON railway.runs IS 'status is one of the schedules'' statuses.';
COMMENT ON CONSTRAINT check_run_planned_times ON railway.runs IS 'Planned arrival after planned departure.';
COMMENT ON CONSTRAINT check_run_actual_times ON railway.runs IS 'Actual arrival not before actual departure.';

-- Rows outside every monthly partition land here and are refused: the trigger validate_run
-- raises a clear error naming railway.create_run_partitions(); the CHECK is the backstop for
-- writers that bypass the trigger. It stays empty, so creating a partition never has to move rows.
CREATE TABLE railway.runs_default PARTITION OF railway.runs DEFAULT;
ALTER TABLE railway.runs_default ADD CONSTRAINT runs_default_no_rows CHECK (false) NO INHERIT;
COMMENT ON TABLE railway.runs_default IS
    'Default partition of railway.runs, always empty: a run whose month has no partition is refused (create it with railway.create_run_partitions()).';
COMMENT ON CONSTRAINT runs_default_no_rows ON railway.runs_default IS
    'Keeps the default partition empty, even for writers that bypass the trigger validate_run.';

SELECT pg_catalog.pg_extension_config_dump('railway.runs', '');

CREATE FUNCTION railway.validate_run_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'railway_validate_run_trigger'
    LANGUAGE C;
COMMENT ON FUNCTION railway.validate_run_trigger() IS
    'Trigger function of railway.runs (C++): fills in train_id and the planned times from the schedule, and refuses a run of an unknown schedule (23503), a planned run on a date its schedule does not run (23514), bad times or statuses, another train than the schedule''s, and a run outside every partition.';

CREATE TRIGGER validate_run BEFORE INSERT OR UPDATE ON railway.runs
    FOR EACH ROW EXECUTE FUNCTION railway.validate_run_trigger();
COMMENT ON TRIGGER validate_run ON railway.runs IS
    'Native validation of every run (cloned onto each partition).';

CREATE FUNCTION railway.create_run_partitions(months_ahead integer DEFAULT 3,
                                              from_date date DEFAULT CURRENT_DATE)
    RETURNS SETOF text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    first_month date;
    month_start date;
    partition_name text;
BEGIN
    IF months_ahead IS NULL OR from_date IS NULL THEN
        RAISE EXCEPTION 'months_ahead and from_date must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF months_ahead OPERATOR(pg_catalog.<) 0 OR months_ahead OPERATOR(pg_catalog.>) 120 THEN
        RAISE EXCEPTION 'months_ahead must be between 0 and 120, not %', months_ahead
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Partitions are monthly; make them a few months ahead and run the call again every month (e.g. from pg_cron).';
    END IF;
    IF NOT pg_catalog.isfinite(from_date)
       OR from_date OPERATOR(pg_catalog.<) DATE '1900-01-01' OR from_date OPERATOR(pg_catalog.>=) DATE '9000-01-01' THEN
        RAISE EXCEPTION 'from_date must be a date from 1900 to 8999, not %', from_date
            USING ERRCODE = 'datetime_field_overflow';
    END IF;
    first_month := pg_catalog.date_trunc('month', from_date)::date;
    FOR i IN 0 .. months_ahead LOOP
        month_start := (first_month OPERATOR(pg_catalog.+) pg_catalog.make_interval(months => i))::date;
        partition_name := 'runs_' OPERATOR(pg_catalog.||) pg_catalog.to_char(month_start, 'YYYY_MM');
        CONTINUE WHEN EXISTS (SELECT FROM pg_catalog.pg_class c
                              WHERE c.relnamespace OPERATOR(pg_catalog.=) 'railway'::regnamespace
                                AND c.relname OPERATOR(pg_catalog.=) partition_name);
        -- CREATE TABLE ... PARTITION OF (not LIKE + ATTACH): the partition then inherits the
        -- CHECK constraints instead of holding copies, and pg_dump dumps it as columns plus
        -- ATTACH PARTITION, which a restore replays exactly. It locks railway.runs (ACCESS
        -- EXCLUSIVE) for the moment of the creation: run it ahead, at a quiet hour.
        EXECUTE pg_catalog.format('CREATE TABLE railway.%I PARTITION OF railway.runs FOR VALUES FROM (%L) TO (%L)',
                                  partition_name, month_start,
                                  (month_start OPERATOR(pg_catalog.+) interval '1 month')::date);
        EXECUTE pg_catalog.format('ALTER TABLE railway.%I ADD CONSTRAINT %I PRIMARY KEY (schedule_id, run_date, train_id)',
                                  partition_name, partition_name OPERATOR(pg_catalog.||) '_pkey');
        EXECUTE pg_catalog.format('COMMENT ON TABLE railway.%I IS %L', partition_name,
                                  'Runs of ' OPERATOR(pg_catalog.||) pg_catalog.to_char(month_start, 'YYYY-MM')
                                  OPERATOR(pg_catalog.||) ' (a partition of railway.runs made by railway.create_run_partitions()).');
        RETURN NEXT 'railway.' OPERATOR(pg_catalog.||) partition_name;
    END LOOP;
END
$function$;
COMMENT ON FUNCTION railway.create_run_partitions(integer, date) IS
    'Makes the monthly partitions of railway.runs for the month of from_date and the months_ahead (0 to 120) months after it that do not exist yet, each with its primary key (schedule_id, run_date, train_id); returns the partitions it made. One call for pg_cron, e.g. monthly.';

CREATE FUNCTION railway.plan_runs(from_date date, to_date date, train_id integer DEFAULT NULL)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'railway_plan_runs'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION railway.plan_runs(date, date, integer) IS
    'Creates the planned runs of every active schedule (of one train when train_id is given) on each of its departure dates from from_date to to_date (at most 731 days); existing runs are left as they are. Returns the number of runs created.';

INSERT INTO railway.schema_manifest (object_type, table_name, object_name) VALUES
    ('table', 'runs', 'runs'),
    ('table', 'runs_default', 'runs_default'),
    ('constraint', 'runs', 'check_run_kind'),
    ('constraint', 'runs', 'check_run_status'),
    ('constraint', 'runs', 'check_run_planned_times'),
    ('constraint', 'runs', 'check_run_actual_times'),
    ('constraint', 'runs_default', 'check_run_kind'),
    ('constraint', 'runs_default', 'check_run_status'),
    ('constraint', 'runs_default', 'check_run_planned_times'),
    ('constraint', 'runs_default', 'check_run_actual_times'),
    ('constraint', 'runs_default', 'runs_default_no_rows'),
    ('trigger', 'runs', 'validate_run'),
    ('trigger', 'runs_default', 'validate_run');

-- Viewers read runs; operators plan them and record their times; making partitions (a schema
-- change, run by the extension's owner through SECURITY DEFINER) is for railway_admin.
GRANT SELECT ON railway.runs TO railway_viewer;
GRANT INSERT, UPDATE ON railway.runs TO railway_operator;
REVOKE ALL ON FUNCTION railway.plan_runs(date, date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION railway.plan_runs(date, date, integer) TO railway_operator;
REVOKE ALL ON FUNCTION railway.create_run_partitions(integer, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION railway.create_run_partitions(integer, date) TO railway_admin;
