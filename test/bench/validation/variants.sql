-- The three tables of the insert benchmark, each a copy of railway.schedules with the same
-- columns, defaults, CHECK constraints, identity and indexes (foreign keys left out of all
-- three, so that only validation differs):
--   bench.a  no validation;
--   bench.b  railway's trigger (railway.validate_schedule_trigger) and exclusion constraint;
--   bench.c  a PL/pgSQL trigger running the operations guide's validation and conflict
--            queries (arrival > departure, end >= start, absolute-time OVERLAPS).
DROP TABLE IF EXISTS bench.a, bench.b, bench.c;
DROP FUNCTION IF EXISTS bench.guide_validate(), bench.make_copy(text), bench.insert_row_by_row(text, integer);

CREATE FUNCTION bench.make_copy(name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE bench.%I (LIKE railway.schedules INCLUDING DEFAULTS INCLUDING CONSTRAINTS
                    INCLUDING IDENTITY INCLUDING STORAGE) WITH (fillfactor = 90)', name);
    EXECUTE format('ALTER TABLE bench.%I ADD PRIMARY KEY (id)', name);
    EXECUTE format('CREATE INDEX ON bench.%I (train_id)', name);
    EXECUTE format('CREATE INDEX ON bench.%I (departure_location_id)', name);
    EXECUTE format('CREATE INDEX ON bench.%I (arrival_location_id)', name);
    EXECUTE format('CREATE INDEX ON bench.%I (scheduled_departure, scheduled_arrival)', name);
    EXECUTE format('CREATE INDEX ON bench.%I (effective_start_date, effective_end_date)', name);
    EXECUTE format('CREATE INDEX ON bench.%I (train_id, scheduled_departure) WHERE NOT is_cancelled AND status <> ''cancelled''', name);
    EXECUTE format('CREATE INDEX ON bench.%I (scheduled_departure) WHERE status = ''delayed''', name);
END $$;
SELECT bench.make_copy('a');
SELECT bench.make_copy('b');
SELECT bench.make_copy('c');

CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON bench.b
    FOR EACH ROW EXECUTE FUNCTION railway.validate_schedule_trigger();
ALTER TABLE bench.b ADD CONSTRAINT b_no_overlapping_runs
    EXCLUDE USING gist (train_id WITH =,
        railway.service_pattern(scheduled_departure, scheduled_arrival, running_days,
                                effective_start_date, effective_end_date) WITH OPERATOR(railway.&&))
    WHERE (NOT is_cancelled AND status <> 'cancelled');

CREATE FUNCTION bench.guide_validate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.scheduled_arrival <= NEW.scheduled_departure THEN
        RAISE EXCEPTION 'Arrival must be after departure' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.effective_end_date IS NOT NULL AND NEW.effective_end_date < NEW.effective_start_date THEN
        RAISE EXCEPTION 'End date must be after start date' USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM bench.c s
               WHERE s.train_id = NEW.train_id AND s.id <> coalesce(NEW.id, -1) AND NOT s.is_cancelled
                 AND (s.scheduled_departure, s.scheduled_arrival) OVERLAPS (NEW.scheduled_departure, NEW.scheduled_arrival)) THEN
        RAISE EXCEPTION 'Schedule conflicts with an existing schedule' USING ERRCODE = 'exclusion_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON bench.c
    FOR EACH ROW EXECUTE FUNCTION bench.guide_validate();

-- Inserts one staged batch row by row, counting the rows refused (23P01 or a CHECK).
CREATE FUNCTION bench.insert_row_by_row(target text, batch_no integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    refused integer := 0;
BEGIN
    FOR r IN SELECT * FROM bench.staging WHERE batch = batch_no ORDER BY seq LOOP
        BEGIN
            EXECUTE format('INSERT INTO bench.%I (train_id, departure_location_id, arrival_location_id,
                                scheduled_departure, scheduled_arrival, running_days, effective_start_date,
                                effective_end_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', target)
            USING r.train_id, r.departure_location_id, r.arrival_location_id, r.scheduled_departure,
                  r.scheduled_arrival, r.running_days, r.effective_start_date, r.effective_end_date;
        EXCEPTION WHEN exclusion_violation OR check_violation THEN
            refused := refused + 1;
        END;
    END LOOP;
    RETURN refused;
END $$;
