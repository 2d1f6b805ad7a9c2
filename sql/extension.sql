-- Installing and removing the extension: CREATE EXTENSION railway CASCADE creates the whole
-- schema; DROP EXTENSION railway CASCADE removes everything it created.

SELECT extname, extversion, extrelocatable FROM pg_extension
WHERE extname IN ('railway', 'btree_gist') ORDER BY extname;
-- The schema railway is itself a member of the extension.
SELECT pg_describe_object(classid, objid, objsubid) AS member
FROM pg_depend
WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'railway')
  AND classid = 'pg_namespace'::regclass AND deptype = 'e';

-- Every object of the extension has a comment.
SELECT classid::regclass AS catalog, pg_describe_object(classid, objid, objsubid) AS object
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'railway')
  AND deptype = 'e'
  AND obj_description(objid, classid::regclass::text) IS NULL
  AND classid <> 'pg_type'::regclass  -- table row types and array types carry no comment of their own
ORDER BY 1, 2;

-- The tables are configuration tables (pg_dump carries their rows and sequence positions).
SELECT config_table::text AS config_table
FROM pg_extension, unnest(extconfig::regclass[]) AS config_table
WHERE extname = 'railway' ORDER BY 1;

-- Remove everything.
DROP EXTENSION railway CASCADE;
SELECT count(*) AS railway_schemas FROM pg_namespace WHERE nspname = 'railway';
SELECT count(*) AS railway_functions FROM pg_proc WHERE probin LIKE '%railway%';
SELECT count(*) AS railway_relations FROM pg_class WHERE relname IN ('schedules', 'trains', 'locations', 'users');
SELECT count(*) AS railway_types FROM pg_type WHERE typname LIKE '%service_pattern%' OR typname LIKE '%punctuality%';

-- And back again, the way a user installs it.
DROP EXTENSION btree_gist;
CREATE EXTENSION railway CASCADE;
SELECT extname FROM pg_extension WHERE extname IN ('railway', 'btree_gist') ORDER BY 1;
SELECT count(*) AS tables FROM pg_tables WHERE schemaname = 'railway';
