-- Issue 12, a cheaper insert path (README "Audit log"): the audit triggers become statement-level
-- triggers with transition tables, one INSERT ... SELECT per statement writing the same audit
-- rows as 1.0's row-level triggers (one per changed row). railway.audit_trigger() gets its final
-- body here (src/sql/62_audit.sql); no later piece redefines it.

DROP TRIGGER trains_audit ON railway.trains;
DROP TRIGGER locations_audit ON railway.locations;
DROP TRIGGER schedules_audit ON railway.schedules;
DROP TRIGGER users_audit ON railway.users;

-- The audit rows of rows inserted into schedules or trains (the tables written in bulk): one
-- per id, in the array's order, without the row's image (see railway.audit_trigger()). Written
-- by the trigger for every INSERT into those tables, and by railway.gtfs_load's direct write
-- (src/pg/schedules_write.cpp), which inserts its validated schedules without the executor of
-- an INSERT and so without the trigger. Nobody may execute it (the trigger's owner and the C
-- code call it); SECURITY DEFINER, as the trigger: it writes railway.audit_log.
CREATE FUNCTION railway.audit_inserted_rows(table_name text, ids integer[]) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    actor text := COALESCE(NULLIF(current_setting('role'), 'none'), session_user::text);
    written bigint;
BEGIN
    IF table_name IS NULL OR table_name NOT IN ('schedules', 'trains') THEN
        RAISE EXCEPTION 'railway.audit_inserted_rows() records inserts into schedules and trains only, not %',
            table_name USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- A superuser's restore is not audited again (see railway.audit_trigger()).
    IF current_setting('row_security') = 'off'
       AND (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = actor) THEN
        RETURN 0;
    END IF;
    INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name, row_id)
    SELECT actor, session_user, 'INSERT', table_name, u.id
    FROM unnest(ids) WITH ORDINALITY AS u(id, k)
    ORDER BY u.k;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END
$function$;
COMMENT ON FUNCTION railway.audit_inserted_rows(text, integer[]) IS
    'Writes the audit rows (operation INSERT, no image) of the rows with these ids inserted into schedules or trains (table_name), in order; returns how many. Called by railway.audit_trigger() and by railway.gtfs_load''s direct write; executable by nobody else. SECURITY DEFINER, search_path pinned.';
REVOKE ALL ON FUNCTION railway.audit_inserted_rows(text, integer[]) FROM PUBLIC;

-- SECURITY DEFINER: it writes railway.audit_log, which the roles that make changes may not.
-- Statement-level (issue 12, "a cheaper insert path"): one call per statement writes the audit
-- rows of all its rows with one INSERT ... SELECT from the statement's transition tables
-- (new_rows, old_rows), instead of one PL/pgSQL call and one INSERT per row. The rows written
-- are those the row-level trigger of 1.0 wrote, one per changed row, in the statement's order.
CREATE OR REPLACE FUNCTION railway.audit_trigger() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    actor text := COALESCE(NULLIF(current_setting('role'), 'none'), session_user::text);
    logical_table text := TG_TABLE_NAME;
    mask_password boolean;
    railway_is_citus_table boolean := false;
    truncated_rows bigint := 0;
BEGIN
    IF TG_LEVEL <> 'STATEMENT' THEN
        RAISE EXCEPTION 'railway.audit_trigger() is a statement-level trigger (FOR EACH STATEMENT)'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    -- pg_restore and pg_dump scripts (which set row_security = off) reload rows that were
    -- audited when first written; the dump carries those audit rows. A superuser could
    -- disable the trigger anyway, so only a superuser's restore is not audited again.
    IF current_setting('row_security') = 'off'
       AND (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = actor) THEN
        RETURN NULL;
    END IF;
    -- On a Citus cluster (railway.distribute()) the trigger fires on a shard, e.g.
    -- schedules_102008: the row names the table itself. A reference table's change fires on
    -- every node's copy of it: the coordinator's copy records it, the workers' do not.
    IF logical_table NOT IN ('trains', 'locations', 'schedules', 'users') THEN
        logical_table := regexp_replace(logical_table, '_[0-9]+$', '');
        -- Nested: citus_is_coordinator() exists only where Citus is installed.
        IF logical_table IN ('trains', 'locations') THEN
            IF NOT citus_is_coordinator() THEN
                RETURN NULL;
            END IF;
        END IF;
    END IF;
    -- Password hashes (users.password) never reach the log: masked as "********". Each row's
    -- jsonb is built once (to_jsonb in one place of each select list: a flattened subquery
    -- would repeat it for every reference); row_id is the row's id column.
    mask_password := logical_table = 'users';
    IF TG_OP = 'INSERT' AND logical_table IN ('schedules', 'trains') THEN
        -- An INSERT into schedules or trains is recorded without its image (README "Audit
        -- log", issues 12 and 15): the inserted row is the row itself until its first change,
        -- whose old_row holds it (a TRUNCATE records the images of the rows it removes);
        -- railway.audit_row_history() gives it back. These are the tables written in bulk (a
        -- GTFS feed makes a train per trip, 88,199 for one feed; timetable loads): building and
        -- storing a jsonb copy of each was most of the cost of auditing them. railway.gtfs_load's
        -- direct write records its schedules with the same function.
        PERFORM railway.audit_inserted_rows(logical_table, ARRAY(SELECT t.id FROM new_rows t));
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name, row_id,
                                       new_row)
        SELECT actor, session_user, 'INSERT', logical_table, t.id,
               CASE WHEN mask_password THEN jsonb_set(to_jsonb(t), '{password}', '"********"')
                    ELSE to_jsonb(t) END
        FROM new_rows t;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name, row_id,
                                       old_row)
        SELECT actor, session_user, 'DELETE', logical_table, t.id,
               CASE WHEN mask_password THEN jsonb_set(to_jsonb(t), '{password}', '"********"')
                    ELSE to_jsonb(t) END
        FROM old_rows t;
    ELSIF TG_OP = 'UPDATE' THEN
        -- The k-th row of old_rows and the k-th of new_rows are one row before and after:
        -- PostgreSQL stores both images of a row together, in the order the rows were updated
        -- (pairing by id would break on an UPDATE of id).
        INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name, row_id,
                                       old_row, new_row)
        SELECT actor, session_user, 'UPDATE', logical_table, n.id, o.doc, n.doc
        FROM (SELECT row_number() OVER () AS k,
                     CASE WHEN mask_password THEN jsonb_set(to_jsonb(t), '{password}', '"********"')
                          ELSE to_jsonb(t) END AS doc
              FROM old_rows t) o
        JOIN (SELECT row_number() OVER () AS k, t.id,
                     CASE WHEN mask_password THEN jsonb_set(to_jsonb(t), '{password}', '"********"')
                          ELSE to_jsonb(t) END AS doc
              FROM new_rows t) n ON n.k = o.k
        ORDER BY o.k;
    ELSIF TG_OP = 'TRUNCATE' AND logical_table IN ('schedules', 'trains') AND TG_WHEN = 'BEFORE' THEN
        -- TRUNCATE of schedules or trains (a BEFORE trigger, the rows still there): one row per
        -- removed row with its image, since their INSERT rows have none; one row without image
        -- when the table is empty. On a Citus coordinator the distributed table's own heap is
        -- empty and the shards' triggers on the workers record their rows.
        IF logical_table = TG_TABLE_NAME AND to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
            EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = $1)'
                INTO railway_is_citus_table USING TG_RELID;
        END IF;
        IF NOT railway_is_citus_table THEN
            EXECUTE format('INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name, row_id, old_row)
                            SELECT $1, session_user, ''TRUNCATE'', $2, t.id, to_jsonb(t) FROM %I.%I t ORDER BY t.id',
                           TG_TABLE_SCHEMA, TG_TABLE_NAME)
                USING actor, logical_table;
            GET DIAGNOSTICS truncated_rows = ROW_COUNT;
        END IF;
        IF truncated_rows = 0 THEN
            INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name)
            VALUES (actor, session_user, TG_OP, logical_table);
        END IF;
    ELSE
        -- TRUNCATE of locations, users: one row per statement, no row images (their INSERT
        -- rows hold the images).
        INSERT INTO railway.audit_log (changed_by, session_user_name, operation, table_name)
        VALUES (actor, session_user, TG_OP, logical_table);
    END IF;
    RETURN NULL;
END
$function$;
COMMENT ON FUNCTION railway.audit_trigger() IS
    'Statement-level trigger: writes one railway.audit_log row per inserted, updated or deleted row (from the statement''s transition tables, one INSERT per statement; an INSERT into schedules or trains without its image, see railway.audit_row_history()) and, for a TRUNCATE, one row per removed schedule or train with its image or one row without image for the other tables, with password hashes masked. SECURITY DEFINER, search_path pinned.';

-- Transition tables are allowed on single-event triggers only: one trigger per operation (the
-- TRUNCATE triggers of 1.0 stay as they are).
CREATE TRIGGER trains_audit_insert AFTER INSERT ON railway.trains
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
CREATE TRIGGER trains_audit_update AFTER UPDATE ON railway.trains
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
CREATE TRIGGER trains_audit_delete AFTER DELETE ON railway.trains
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
CREATE TRIGGER locations_audit_insert AFTER INSERT ON railway.locations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
CREATE TRIGGER locations_audit_update AFTER UPDATE ON railway.locations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
CREATE TRIGGER locations_audit_delete AFTER DELETE ON railway.locations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
CREATE TRIGGER schedules_audit_insert AFTER INSERT ON railway.schedules
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
CREATE TRIGGER schedules_audit_update AFTER UPDATE ON railway.schedules
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
CREATE TRIGGER schedules_audit_delete AFTER DELETE ON railway.schedules
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
CREATE TRIGGER users_audit_insert AFTER INSERT ON railway.users
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
CREATE TRIGGER users_audit_update AFTER UPDATE ON railway.users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
CREATE TRIGGER users_audit_delete AFTER DELETE ON railway.users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
COMMENT ON TRIGGER trains_audit_insert ON railway.trains IS 'Audit: every inserted row, without its image (see railway.audit_row_history()), one INSERT per statement.';
COMMENT ON TRIGGER trains_audit_update ON railway.trains IS 'Audit: every updated row, old and new, one INSERT per statement.';
COMMENT ON TRIGGER trains_audit_delete ON railway.trains IS 'Audit: every deleted row, one INSERT per statement.';
COMMENT ON TRIGGER locations_audit_insert ON railway.locations IS 'Audit: every inserted row, one INSERT per statement.';
COMMENT ON TRIGGER locations_audit_update ON railway.locations IS 'Audit: every updated row, old and new, one INSERT per statement.';
COMMENT ON TRIGGER locations_audit_delete ON railway.locations IS 'Audit: every deleted row, one INSERT per statement.';
COMMENT ON TRIGGER schedules_audit_insert ON railway.schedules IS 'Audit: every inserted row, without its image (see railway.audit_row_history()), one INSERT per statement.';
COMMENT ON TRIGGER schedules_audit_update ON railway.schedules IS 'Audit: every updated row, old and new, one INSERT per statement.';
COMMENT ON TRIGGER schedules_audit_delete ON railway.schedules IS 'Audit: every deleted row, one INSERT per statement.';
COMMENT ON TRIGGER users_audit_insert ON railway.users IS 'Audit: every inserted row (password hashes masked), one INSERT per statement.';
COMMENT ON TRIGGER users_audit_update ON railway.users IS 'Audit: every updated row, old and new (password hashes masked), one INSERT per statement.';
COMMENT ON TRIGGER users_audit_delete ON railway.users IS 'Audit: every deleted row (password hashes masked), one INSERT per statement.';

DELETE FROM railway.schema_manifest
WHERE object_type = 'trigger' AND object_name IN ('trains_audit', 'locations_audit', 'schedules_audit', 'users_audit');
INSERT INTO railway.schema_manifest (object_type, table_name, object_name) VALUES
    ('trigger', 'trains', 'trains_audit_insert'),
    ('trigger', 'trains', 'trains_audit_update'),
    ('trigger', 'trains', 'trains_audit_delete'),
    ('trigger', 'locations', 'locations_audit_insert'),
    ('trigger', 'locations', 'locations_audit_update'),
    ('trigger', 'locations', 'locations_audit_delete'),
    ('trigger', 'schedules', 'schedules_audit_insert'),
    ('trigger', 'schedules', 'schedules_audit_update'),
    ('trigger', 'schedules', 'schedules_audit_delete'),
    ('trigger', 'users', 'users_audit_insert'),
    ('trigger', 'users', 'users_audit_update'),
    ('trigger', 'users', 'users_audit_delete');

-- A schedule's INSERT has no image: a TRUNCATE of schedules records the images of the rows it
-- removes, so it runs before the truncation.
DROP TRIGGER schedules_audit_truncate ON railway.schedules;
CREATE TRIGGER schedules_audit_truncate BEFORE TRUNCATE ON railway.schedules
    FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
COMMENT ON TRIGGER schedules_audit_truncate ON railway.schedules IS 'Audit: every TRUNCATE, before it, with the image of each row it removes.';
-- The same for trains, whose INSERT has no image either (issue 15).
DROP TRIGGER trains_audit_truncate ON railway.trains;
CREATE TRIGGER trains_audit_truncate BEFORE TRUNCATE ON railway.trains
    FOR EACH STATEMENT EXECUTE FUNCTION railway.audit_trigger();
COMMENT ON TRIGGER trains_audit_truncate ON railway.trains IS 'Audit: every TRUNCATE, before it, with the image of each row it removes.';

-- The history of one row as images (issues 12 and 15): the INSERT row of a schedule or a train
-- holds no image, so its image is taken from where it is: the old_row of the row's next change
-- (UPDATE, DELETE or a TRUNCATE's image) when that change is logged under the same id and its
-- old_row is that row (its id the row's); else, when nothing was logged for the id since, the row
-- as it is now; else the row changed its id (an UPDATE of id is logged under the new id, and the
-- next row under the old id is another row's, renumbered into it or inserted with it): the
-- old_row of the first later UPDATE whose old_row has the id (a scan of the log after the INSERT,
-- made only for renumbered rows).
CREATE FUNCTION railway.audit_row_history(table_name text, row_id integer)
    RETURNS TABLE (audit_id bigint, changed_at timestamptz, changed_by text, operation text,
                   old_row jsonb, new_row jsonb)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $function$
SELECT a.id, a.changed_at, a.changed_by, a.operation, a.old_row,
       CASE WHEN a.operation = 'INSERT' AND a.new_row IS NULL AND a.table_name IN ('schedules', 'trains')
            THEN COALESCE(CASE WHEN (a.next_old_row ->> 'id')::integer = a.row_id THEN a.next_old_row END,
                          CASE WHEN NOT a.is_last THEN NULL
                               WHEN a.table_name = 'schedules'
                               THEN (SELECT to_jsonb(s) FROM railway.schedules s WHERE s.id = a.row_id)
                               ELSE (SELECT to_jsonb(t) FROM railway.trains t WHERE t.id = a.row_id) END,
                          (SELECT r.old_row FROM railway.audit_log r
                           WHERE r.id > a.id AND r.table_name = a.table_name AND r.operation = 'UPDATE'
                             AND r.row_id <> a.row_id AND (r.old_row ->> 'id')::integer = a.row_id
                           ORDER BY r.id LIMIT 1))
            ELSE a.new_row END
FROM (SELECT l.id, l.changed_at, l.changed_by, l.operation, l.table_name, l.row_id, l.old_row,
             l.new_row, lead(l.old_row) OVER w AS next_old_row, lead(l.id) OVER w IS NULL AS is_last
      FROM railway.audit_log l
      WHERE l.table_name = $1 AND l.row_id = $2
      WINDOW w AS (ORDER BY l.id)) AS a
ORDER BY a.id
$function$;
COMMENT ON FUNCTION railway.audit_row_history(text, integer) IS
    'The audit rows of one row (table_name as in railway.audit_log, row_id its id), oldest first, with new_row filled in for the INSERT of a schedule or a train (recorded without image): the old_row of the row''s next change, or the row as it is now when nothing changed it since, or, for a row whose id was changed, the old_row of the UPDATE that changed it. For railway_admin.';
REVOKE ALL ON FUNCTION railway.audit_row_history(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION railway.audit_row_history(text, integer) TO railway_admin;

-- Every audited row adds an entry to each index: the history of a row is found by its id alone
-- (table_name is checked on the few rows an id has), and changes by time through a BRIN index,
-- since changed_at grows with the log. Rebuilt once, here, over the log 1.0 wrote.
DROP INDEX railway.idx_audit_log_row;
DROP INDEX railway.idx_audit_log_changed_at;
CREATE INDEX idx_audit_log_row ON railway.audit_log (row_id);
CREATE INDEX idx_audit_log_changed_at ON railway.audit_log USING brin (changed_at) WITH (autosummarize = on);
COMMENT ON INDEX railway.idx_audit_log_row IS 'History of one row (by row_id; the query also names table_name).';
COMMENT ON INDEX railway.idx_audit_log_changed_at IS 'Changes by time (BRIN: changed_at grows with the log).';
