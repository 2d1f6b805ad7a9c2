
-- DROP EXTENSION railway without CASCADE refuses while railway's tables hold rows
-- (src/pg/drop_guard.cpp): the timetable, the users and the audit log are members of the
-- extension and would go with it. ENABLE ALWAYS: it fires under session_replication_role =
-- replica too.
CREATE FUNCTION railway.guard_drop_extension() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'railway_guard_drop_extension'
    LANGUAGE C;
COMMENT ON FUNCTION railway.guard_drop_extension() IS
    'Event trigger function: refuses DROP EXTENSION railway without CASCADE while a railway table holds rows, naming the tables; CASCADE proceeds.';
REVOKE ALL ON FUNCTION railway.guard_drop_extension() FROM PUBLIC;

CREATE EVENT TRIGGER railway_guard_drop ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION')
    EXECUTE FUNCTION railway.guard_drop_extension();
ALTER EVENT TRIGGER railway_guard_drop ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER railway_guard_drop IS
    'Keeps DROP EXTENSION railway (without CASCADE) from deleting the timetable, users and audit log while they hold rows.';
