-- Group roles for least-privilege access (README "Roles and what each may do").
-- Roles are cluster-wide, so the extension creates them only if they are missing and never
-- drops them (DROP EXTENSION leaves them, and other databases of the cluster may use them).
-- Each role includes the one below it: railway_admin > railway_operator > railway_viewer.
-- The privileges themselves are granted in 69_privileges.sql, once every object exists.

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'railway_viewer') THEN
        CREATE ROLE railway_viewer NOLOGIN;
        COMMENT ON ROLE railway_viewer IS
            'railway: reads the timetable, analytics and monitoring views; never password hashes.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'railway_operator') THEN
        CREATE ROLE railway_operator NOLOGIN;
        COMMENT ON ROLE railway_operator IS
            'railway: a viewer who also inserts and updates schedules and their actual times.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'railway_admin') THEN
        CREATE ROLE railway_admin NOLOGIN;
        COMMENT ON ROLE railway_admin IS
            'railway: an operator who also manages trains, locations and users and reads the audit log.';
    END IF;
    IF NOT pg_catalog.pg_has_role('railway_operator', 'railway_viewer', 'MEMBER') THEN
        GRANT railway_viewer TO railway_operator;
    END IF;
    IF NOT pg_catalog.pg_has_role('railway_admin', 'railway_operator', 'MEMBER') THEN
        GRANT railway_operator TO railway_admin;
    END IF;
END
$roles$;
