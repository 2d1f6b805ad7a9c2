-- railway install script, assembled by the Makefile from src/sql/*.sql in name order.
-- Conventions: plain CREATE (never CREATE OR REPLACE), a COMMENT on every object, every SQL
-- function body pins its search_path, functions are IMMUTABLE/STABLE STRICT PARALLEL SAFE
-- where that is true.

\echo Use "CREATE EXTENSION railway CASCADE" to load this file. \quit

-- The schema belongs to the extension: DROP EXTENSION railway removes it with everything in it.
CREATE SCHEMA railway;
COMMENT ON SCHEMA railway IS
    'railway: timetable of trains, locations and recurring schedules, with exact conflict detection, validation and analytics.';

CREATE FUNCTION railway.version() RETURNS text
    AS 'MODULE_PATHNAME', 'railway_version'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.version() IS
    'Version of the loaded railway module (the shared library, which may differ from the installed SQL version during an upgrade).';
