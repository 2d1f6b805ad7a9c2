-- railway upgrade script 1.0 -> 1.1, written by hand and assembled by the Makefile from
-- src/upgrade/1.0--1.1/*.sql in name order (one file per subject, like src/sql).
-- test/integration/upgrade.sh checks that 1.0 with data, updated with this script, has exactly
-- the catalog of a fresh 1.1 and keeps every row.

\echo Use "ALTER EXTENSION railway UPDATE TO '1.1'" to load this file. \quit
