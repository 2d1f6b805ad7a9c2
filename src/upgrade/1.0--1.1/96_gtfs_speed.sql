-- Issue 15, GTFS import speed (the same as the end of src/sql/12_train_kinds.sql and its rows in
-- src/sql/63_health.sql and src/sql/68_train_kinds_manifest.sql; keep them equal).
-- train_kind is NOT NULL, so schedules_train_kind_fkey already
-- checks every schedule's train_id; the plain key schedules_train_id_fkey (train_id) of 1.0 was
-- a second check of the same train per inserted row. It is gone on one server (railway.distribute()
-- adds it back on a Citus cluster, where the composite key is checked only at commit). What it
-- did that the composite key does not: refuse a change of a referenced train's id (the composite
-- key cascades updates, for the kind); trains_id_referenced keeps refusing it.
ALTER TABLE railway.schedules DROP CONSTRAINT schedules_train_id_fkey;

-- SECURITY DEFINER: as the foreign key's check, it reads every schedule, whatever the policies
-- and privileges of the role that updates the train (a policy hiding a train's schedules from
-- that role let the id change and cascade into them).
CREATE FUNCTION railway.refuse_referenced_train_id_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF EXISTS (SELECT FROM railway.schedules s WHERE s.train_id OPERATOR(pg_catalog.=) OLD.id) THEN
        RAISE EXCEPTION 'update or delete on table "trains" violates foreign key constraint "schedules_train_kind_fkey" on table "schedules"'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = pg_catalog.format('Key (id, kind)=(%s, %s) is still referenced from table "schedules".', OLD.id, OLD.kind),
                  HINT = 'A train''s id does not change while schedules reference it (its kind does, and follows to them).',
                  SCHEMA = 'railway', TABLE = 'trains', CONSTRAINT = 'schedules_train_kind_fkey';
    END IF;
    RETURN NEW;
END
$function$;
COMMENT ON FUNCTION railway.refuse_referenced_train_id_change() IS
    'Trigger of trains_id_referenced: refuses (23503) changing the id of a train that schedules reference, as the foreign key on train_id alone did before 1.1. SECURITY DEFINER (as a foreign key''s check, it sees every schedule), search_path pinned.';
REVOKE ALL ON FUNCTION railway.refuse_referenced_train_id_change() FROM PUBLIC;
CREATE TRIGGER trains_id_referenced BEFORE UPDATE OF id ON railway.trains
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION railway.refuse_referenced_train_id_change();
COMMENT ON TRIGGER trains_id_referenced ON railway.trains IS
    'A referenced train keeps its id (schedules_train_kind_fkey would cascade the change to its schedules).';
DELETE FROM railway.schema_manifest
WHERE object_type = 'constraint' AND table_name = 'schedules' AND object_name = 'schedules_train_id_fkey';
INSERT INTO railway.schema_manifest (object_type, table_name, object_name) VALUES
    ('trigger', 'trains', 'trains_id_referenced');
