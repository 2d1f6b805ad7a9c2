-- Issue 12: the objects of src/sql/12_train_kinds.sql in the schema manifest (railway.health()).
INSERT INTO railway.schema_manifest (object_type, table_name, object_name) VALUES
    ('constraint', 'trains', 'check_train_kind'),
    ('constraint', 'trains', 'trains_id_kind_key'),
    ('index', 'trains', 'trains_id_kind_key'),
    ('constraint', 'schedules', 'schedules_train_kind_fkey'),
    ('trigger', 'trains', 'trains_id_referenced');
