-- Numbered trains and vehicles (DESIGN.md section 2, issue 12). A train says which it is in
-- railway.trains.kind; each schedule carries a copy in train_kind, because the exclusion
-- constraint may read only the row's own columns: the composite foreign key keeps the copy in
-- step (ON UPDATE CASCADE), and the validation trigger fills it in.

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

-- Issue 15 (GTFS import speed): train_kind is NOT NULL, so schedules_train_kind_fkey already
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
