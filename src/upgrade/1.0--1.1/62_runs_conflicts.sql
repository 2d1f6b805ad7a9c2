-- 1.0 -> 1.1: conflicts between runs (issue 13; src/sql/77_runs_conflicts.sql, README "Runs").
-- create_run_partitions also makes the index of the conflict search; the trigger function's
-- comment names the new rules. Its final body is here (piece 60_runs.sql made the first one).

CREATE OR REPLACE FUNCTION railway.create_run_partitions(months_ahead integer DEFAULT 3,
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
        -- The conflict search of the trigger validate_run: a train's runs by planned times.
        EXECUTE pg_catalog.format('CREATE INDEX %I ON railway.%I (train_id, planned_departure, planned_arrival)',
                                  partition_name OPERATOR(pg_catalog.||) '_train_departure', partition_name);
        EXECUTE pg_catalog.format('COMMENT ON TABLE railway.%I IS %L', partition_name,
                                  'Runs of ' OPERATOR(pg_catalog.||) pg_catalog.to_char(month_start, 'YYYY-MM')
                                  OPERATOR(pg_catalog.||) ' (a partition of railway.runs made by railway.create_run_partitions()).');
        RETURN NEXT 'railway.' OPERATOR(pg_catalog.||) partition_name;
    END LOOP;
END
$function$;
COMMENT ON FUNCTION railway.create_run_partitions(integer, date) IS
    'Makes the monthly partitions of railway.runs for the month of from_date and the months_ahead (0 to 120) months after it that do not exist yet, each with its primary key (schedule_id, run_date, train_id), which also serves the lookups by schedule, and an index on (train_id, planned_departure, planned_arrival) for the conflict search; returns the partitions it made. One call for pg_cron, e.g. monthly.';

COMMENT ON FUNCTION railway.validate_run_trigger() IS
    'Trigger function of railway.runs (C++): fills in train_id and the planned times from the schedule, and refuses a run of an unknown schedule (23503), a planned run on a date its schedule does not run (23514), bad times or statuses, a planned departure more than a day from the run date or a run longer than 10 days (23514), another train than the schedule''s, a run outside every partition, and a run that conflicts with another run of its train (23P01).';
