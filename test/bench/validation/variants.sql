-- The functions of the insert benchmark (run.sh), in schema bench (generate.sql runs first).
-- SELECT bench.make_variants() (re)creates the four tables, fresh, before each round:
--   bench.a       a copy of railway.schedules (bench.make_copy), no validation;
--   bench.a_gist  (a) plus a plain (non-constraint) GiST index on exactly the key and predicate of
--                 railway.schedules_no_overlapping_runs (its pg_get_indexdef): the cost of
--                 maintaining that index alone;
--   bench.a_exclude  (a) plus the exclusion constraint alone (no trigger): what PostgreSQL's own
--                 check of the constraint costs, the floor under (b);
--   bench.b       railway's trigger (railway.validate_schedule_trigger()) and the exclusion
--                 constraint bench.b_no_overlapping_runs, created from pg_get_constraintdef of
--                 railway.schedules_no_overlapping_runs (identical to the real one, whatever its
--                 definition becomes);
--   bench.c       a PL/pgSQL BEFORE INSERT OR UPDATE trigger (bench.guide_validate) running the
--                 operations guide's checks: arrival after departure, end date not before start
--                 date (23514), then the guide's conflict query as in bench_guide_per_schedule of
--                 test/bench/conflicts/baselines.sql (joined to railway.trains and both
--                 railway.locations, fetching the conflicting rows), 23P01 if it returns any;
--   bench.s       the shipped table: (b) plus the audit triggers of railway.schedules (every
--                 trigger of it calling railway.audit_trigger(), from pg_get_triggerdef, so
--                 whatever their definition becomes), writing railway.audit_log; the table is
--                 bench_shipped.schedules (the audit trigger knows schedules by name), bench.s
--                 a view of it;
--   bench.s_row   (b) plus 1.0's audit (before issue 12's cheaper insert path): a row-level AFTER
--                 INSERT OR UPDATE OR DELETE trigger running bench.audit_row_1_0(), a copy of
--                 1.0's PL/pgSQL railway.audit_trigger() (SECURITY DEFINER, search_path pinned,
--                 one audit_log INSERT per row), so that one run compares both.
-- A copy (bench.make_copy) has the columns, defaults, CHECK constraints, identity and storage of
-- railway.schedules, its primary key and unique constraints (pg_get_constraintdef) and every
-- other index of it (pg_get_indexdef) except the exclusion constraint's, read from the catalog so
-- that the copies keep in step with src/sql/10_schema.sql and 50_validation.sql; fillfactor 90
-- like the original. No foreign keys (in none of the four: only validation differs), no other
-- trigger.
-- bench.insert_row_by_row(table, batch) inserts one staged batch row by row, each row in its own
-- subtransaction, and returns how many rows were refused (23P01 or 23514).

CREATE FUNCTION bench.make_copy(name text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS bench.%I', name);
    EXECUTE format('CREATE TABLE bench.%I (LIKE railway.schedules INCLUDING DEFAULTS INCLUDING CONSTRAINTS
                    INCLUDING IDENTITY INCLUDING STORAGE) WITH (fillfactor = 90)', name);
    -- Primary key and unique constraints, as constraints.
    FOR r IN SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
             WHERE conrelid = 'railway.schedules'::regclass AND contype IN ('p', 'u') ORDER BY conname LOOP
        EXECUTE format('ALTER TABLE bench.%I ADD CONSTRAINT %I %s', name,
                       name || '_' || r.conname, r.def);
    END LOOP;
    -- Every other index but the exclusion constraint's.
    FOR r IN SELECT i.indexrelid::regclass AS index, pg_get_indexdef(i.indexrelid) AS def
             FROM pg_index i
             WHERE i.indrelid = 'railway.schedules'::regclass
               AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid
                                                             AND c.conrelid = i.indrelid)
             ORDER BY i.indexrelid::regclass::text LOOP
        EXECUTE bench.retarget_index(r.def, name, name || '_' || (SELECT relname FROM pg_class WHERE oid = r.index));
    END LOOP;
END $$;

-- An index definition of railway.schedules (pg_get_indexdef) rewritten for bench.<target>.
CREATE FUNCTION bench.retarget_index(def text, target text, index_name text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result text;
BEGIN
    result := regexp_replace(def, '^(CREATE (UNIQUE )?INDEX )\S+ ON (ONLY )?railway\.schedules ',
                             '\1' || quote_ident(index_name) || ' ON bench.' || quote_ident(target) || ' ');
    IF result = def THEN
        RAISE EXCEPTION 'unexpected index definition: %', def;
    END IF;
    RETURN result;
END $$;

CREATE FUNCTION bench.guide_validate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c record;
    conflicts integer := 0;
    first_id integer;
BEGIN
    IF NEW.scheduled_arrival <= NEW.scheduled_departure THEN
        RAISE EXCEPTION 'Arrival must be after departure' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.effective_end_date IS NOT NULL AND NEW.effective_end_date < NEW.effective_start_date THEN
        RAISE EXCEPTION 'End date must be after start date' USING ERRCODE = 'check_violation';
    END IF;
    -- The guide's conflict query (bench_guide_per_schedule), on the new row.
    FOR c IN
        SELECT sc.*, t.train_number, dl.name AS departure_location, al.name AS arrival_location
        FROM bench.c sc
        JOIN railway.trains t ON sc.train_id = t.id
        JOIN railway.locations dl ON sc.departure_location_id = dl.id
        JOIN railway.locations al ON sc.arrival_location_id = al.id
        WHERE sc.train_id = NEW.train_id
          AND sc.id <> NEW.id
          AND sc.status <> 'cancelled'
          AND NOT sc.is_cancelled
          AND (sc.scheduled_departure, sc.scheduled_arrival)
              OVERLAPS (NEW.scheduled_departure, NEW.scheduled_arrival)
    LOOP
        conflicts := conflicts + 1;
        first_id := coalesce(first_id, c.id);
    END LOOP;
    IF conflicts > 0 THEN
        RAISE EXCEPTION 'Schedule conflicts with % existing schedule(s), e.g. %', conflicts, first_id
            USING ERRCODE = 'exclusion_violation';
    END IF;
    RETURN NEW;
END $$;

-- Gives bench.<target> the exclusion constraint of railway.schedules, as pg_get_constraintdef
-- prints it, named <target>_no_overlapping_runs.
CREATE FUNCTION bench.add_exclusion_constraint(target text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE bench.%I ADD CONSTRAINT %I ', target, target || '_no_overlapping_runs')
            || pg_get_constraintdef((SELECT oid FROM pg_constraint
                                     WHERE conrelid = 'railway.schedules'::regclass
                                       AND conname = 'schedules_no_overlapping_runs'));
END $$;

CREATE FUNCTION bench.make_variants() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
    def text;
BEGIN
    PERFORM bench.make_copy('a');

    PERFORM bench.make_copy('a_gist');
    EXECUTE bench.retarget_index(pg_get_indexdef('railway.schedules_no_overlapping_runs'::regclass),
                                 'a_gist', 'a_gist_no_overlapping_runs');

    PERFORM bench.make_copy('a_exclude');
    PERFORM bench.add_exclusion_constraint('a_exclude');

    PERFORM bench.make_copy('b');
    CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON bench.b
        FOR EACH ROW EXECUTE FUNCTION railway.validate_schedule_trigger();
    PERFORM bench.add_exclusion_constraint('b');

    PERFORM bench.make_copy('c');
    CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON bench.c
        FOR EACH ROW EXECUTE FUNCTION bench.guide_validate();

    -- railway.audit_trigger() knows a table by its name (a schedule's INSERT is recorded
    -- without its image): the shipped copy is bench_shipped.schedules, and bench.s a simple
    -- (auto-updatable) view of it, so that the harness names it like the other variants.
    DROP VIEW IF EXISTS bench.s;
    DROP TABLE IF EXISTS bench_shipped.schedules;
    CREATE SCHEMA IF NOT EXISTS bench_shipped;
    PERFORM bench.make_copy('s');
    CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON bench.s
        FOR EACH ROW EXECUTE FUNCTION railway.validate_schedule_trigger();
    PERFORM bench.add_exclusion_constraint('s');
    FOR r IN SELECT t.tgname, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t
             WHERE t.tgrelid = 'railway.schedules'::regclass AND NOT t.tgisinternal
               AND t.tgfoid = 'railway.audit_trigger'::regproc ORDER BY t.tgname LOOP
        def := regexp_replace(r.def, '^CREATE TRIGGER \S+ (.*) ON railway\.schedules ',
                              'CREATE TRIGGER ' || quote_ident(r.tgname) || ' \1 ON bench.s ');
        IF def = r.def THEN
            RAISE EXCEPTION 'unexpected trigger definition: %', r.def;
        END IF;
        EXECUTE def;
    END LOOP;
    ALTER TABLE bench.s SET SCHEMA bench_shipped;
    ALTER TABLE bench_shipped.s RENAME TO schedules;
    CREATE VIEW bench.s AS SELECT * FROM bench_shipped.schedules;

    PERFORM bench.make_copy('s_row');
    CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON bench.s_row
        FOR EACH ROW EXECUTE FUNCTION railway.validate_schedule_trigger();
    PERFORM bench.add_exclusion_constraint('s_row');
    CREATE TRIGGER s_row_audit AFTER INSERT OR UPDATE OR DELETE ON bench.s_row
        FOR EACH ROW EXECUTE FUNCTION bench.audit_row_1_0();
END $$;

-- 1.0's railway.audit_trigger() (railway--1.0.sql), for bench.s_row.
CREATE FUNCTION bench.audit_row_1_0() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    actor text := COALESCE(NULLIF(current_setting('role'), 'none'), session_user::text);
    old_doc jsonb;
    new_doc jsonb;
BEGIN
    IF current_setting('row_security') = 'off'
       AND (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = actor) THEN
        RETURN NULL;
    END IF;
    IF TG_LEVEL = 'STATEMENT' THEN
        INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name)
        VALUES (actor, session_user, TG_OP, TG_TABLE_NAME);
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_doc := to_jsonb(OLD);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_doc := to_jsonb(NEW);
    END IF;
    IF old_doc ? 'password' THEN
        old_doc := jsonb_set(old_doc, '{password}', '"********"');
    END IF;
    IF new_doc ? 'password' THEN
        new_doc := jsonb_set(new_doc, '{password}', '"********"');
    END IF;
    INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name, row_id,
                                   old_row, new_row)
    VALUES (actor, session_user, TG_OP, TG_TABLE_NAME,
            (COALESCE(new_doc, old_doc) ->> 'id')::integer, old_doc, new_doc);
    RETURN NULL;
END
$function$;

-- Inserts one staged batch row by row, each row in its own subtransaction; returns how many
-- rows were refused (23P01 or 23514: a conflict or a broken rule).
CREATE FUNCTION bench.insert_row_by_row(target text, batch_no integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    refused integer := 0;
BEGIN
    FOR r IN SELECT * FROM bench.staging WHERE batch = batch_no ORDER BY seq LOOP
        BEGIN
            EXECUTE format('INSERT INTO bench.%I (train_id, departure_location_id, arrival_location_id,
                                scheduled_departure, scheduled_arrival, actual_departure, actual_arrival,
                                status, is_cancelled, running_days, effective_start_date, effective_end_date)
                            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)', target)
            USING r.train_id, r.departure_location_id, r.arrival_location_id, r.scheduled_departure,
                  r.scheduled_arrival, r.actual_departure, r.actual_arrival, r.status, r.is_cancelled,
                  r.running_days, r.effective_start_date, r.effective_end_date;
        EXCEPTION WHEN exclusion_violation OR check_violation THEN
            refused := refused + 1;
        END;
    END LOOP;
    RETURN refused;
END $$;

-- What each table got, for the report: its indexes, constraints and triggers.
CREATE FUNCTION bench.describe(target text) RETURNS text LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM pg_index WHERE indrelid = ('bench.' || target)::regclass) || ' indexes ('
        || (SELECT string_agg(am.amname, '+' ORDER BY am.amname) FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
            WHERE i.indrelid = ('bench.' || target)::regclass) || '), '
        || (SELECT count(*) FROM pg_constraint WHERE conrelid = ('bench.' || target)::regclass AND contype = 'c')
        || ' CHECKs, exclusion constraints: '
        || coalesce((SELECT string_agg(conname, ', ') FROM pg_constraint
                     WHERE conrelid = ('bench.' || target)::regclass AND contype = 'x'), 'none')
        || ', triggers: '
        || coalesce((SELECT string_agg(tgname || ' -> ' || tgfoid::regproc, ', ') FROM pg_trigger
                     WHERE tgrelid = ('bench.' || target)::regclass AND NOT tgisinternal), 'none')
$$;
