-- Issue 12 (a cheaper insert path): the statement-level audit triggers of src/sql/62_audit.sql in
-- the schema manifest (railway.health()); they replace the row-level <table>_audit triggers of 1.0.
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
