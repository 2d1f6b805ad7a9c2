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
