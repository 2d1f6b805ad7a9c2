-- GTFS import (tools/gtfs_import.sh): a published feed staged in TEMP tables becomes locations,
-- trains and schedules, in the caller's transaction; railway.gtfs_trips remembers which trip
-- each schedule row came from.

CREATE TABLE railway.gtfs_trips (
    schedule_id  integer NOT NULL,
    feed         text    NOT NULL,
    trip_id      text    NOT NULL,
    service_id   text    NOT NULL,
    loaded_at    timestamp NOT NULL DEFAULT now(),
    CONSTRAINT gtfs_trips_pkey PRIMARY KEY (schedule_id)
);
-- Deliberately no foreign key to railway.schedules: TRUNCATE railway.schedules keeps working as
-- before. A row whose schedule is gone means nothing (join on schedule_id); gtfs_load ignores
-- such rows and clears them when their feed is loaded again.
CREATE INDEX idx_gtfs_trips_feed_trip ON railway.gtfs_trips (feed, trip_id);
COMMENT ON TABLE railway.gtfs_trips IS
    'The GTFS trip each imported schedule row came from (a trip whose dates need several running-day patterns has several rows). Rows whose schedule was deleted are ignored (not a foreign key, so that TRUNCATE of railway.schedules keeps working).';
COMMENT ON COLUMN railway.gtfs_trips.schedule_id IS 'The schedule row (railway.schedules.id).';
COMMENT ON COLUMN railway.gtfs_trips.feed IS 'Name the feed was loaded under (by default the file or folder name without .zip).';
COMMENT ON COLUMN railway.gtfs_trips.trip_id IS 'trip_id in the feed''s trips.txt.';
COMMENT ON COLUMN railway.gtfs_trips.service_id IS 'service_id of the trip (calendar.txt / calendar_dates.txt).';
COMMENT ON COLUMN railway.gtfs_trips.loaded_at IS 'When the feed was loaded.';
COMMENT ON INDEX railway.idx_gtfs_trips_feed_trip IS 'Schedule rows of a feed''s trip.';
SELECT pg_catalog.pg_extension_config_dump('railway.gtfs_trips', '');

CREATE FUNCTION railway.gtfs_load(feed text, conflicts text DEFAULT 'refuse') RETURNS jsonb
    AS 'MODULE_PATHNAME', 'railway_gtfs_load'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
-- Issue 15: real feeds load. A malformed row or a trip that cannot become a schedule is skipped
-- and reported (file, line, kind, reason, trip) unless strict; frequencies.txt trips are expanded;
-- each loaded feed keeps its agency_timezone in railway.gtfs_feeds.
COMMENT ON FUNCTION railway.gtfs_load(text, text) IS
    'Loads the GTFS feed staged in this session''s TEMP tables gtfs_stops, gtfs_trips, gtfs_stop_times, gtfs_calendar, gtfs_calendar_dates (and optionally gtfs_routes, gtfs_frequencies, gtfs_agency, gtfs_notices) into locations, trains and schedules, and returns a report; the same as gtfs_load(feed, conflicts, false): a malformed row or a trip that cannot become a schedule is skipped and listed with its file, line and reason. Conflicting trips of one train: conflicts => ''refuse'' (default) refuses the feed listing every pair, ''skip'' loads the other trips and lists those left out, ''keep'' loads them all.';

CREATE FUNCTION railway.gtfs_load(feed text, conflicts text, strict boolean) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'railway_gtfs_load'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION railway.gtfs_load(text, text, boolean) IS
    'gtfs_load(feed, conflicts) with strict => true: the first malformed row or trip that cannot become a schedule refuses the whole feed (file, line, reason), as before 1.1; strict => false skips and lists them. The report''s status is loaded or loaded_with_notices; a feed with nothing loadable is refused.';

CREATE TABLE railway.gtfs_feeds (
    feed       text      NOT NULL,
    timezone   text,
    loaded_at  timestamp NOT NULL DEFAULT now(),
    CONSTRAINT gtfs_feeds_pkey PRIMARY KEY (feed)
);
COMMENT ON TABLE railway.gtfs_feeds IS
    'Each GTFS feed loaded (railway.gtfs_trips.feed) and the timezone its times are in: the runs of its schedules are in that local time.';
COMMENT ON COLUMN railway.gtfs_feeds.feed IS 'Name the feed was loaded under (railway.gtfs_trips.feed).';
COMMENT ON COLUMN railway.gtfs_feeds.timezone IS 'agency_timezone of the feed''s agency.txt (an IANA name PostgreSQL knows), NULL when the feed gives none; the schedules'' timestamps are local times of this zone.';
COMMENT ON COLUMN railway.gtfs_feeds.loaded_at IS 'When the feed was last loaded.';
SELECT pg_catalog.pg_extension_config_dump('railway.gtfs_feeds', '');
INSERT INTO railway.schema_manifest (object_type, table_name, object_name) VALUES
    ('table', 'gtfs_feeds', 'gtfs_feeds'),
    ('index', 'gtfs_feeds', 'gtfs_feeds_pkey'),
    ('constraint', 'gtfs_feeds', 'gtfs_feeds_pkey');

CREATE TYPE railway.gtfs_conflict AS (
    trip_id text,
    other_trip_id text,
    other_schedule_id integer,
    train_number text,
    first_conflict tsrange
);
COMMENT ON TYPE railway.gtfs_conflict IS
    'A conflicting pair in a staged GTFS feed: two trips of one train (other_trip_id), or a trip and a stored schedule of its train (other_schedule_id), and the earliest window in which both would run.';

CREATE FUNCTION railway.gtfs_conflicts() RETURNS SETOF railway.gtfs_conflict
    AS 'MODULE_PATHNAME', 'railway_gtfs_conflicts'
    LANGUAGE C STABLE PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION railway.gtfs_conflicts() IS
    'The conflicting trip pairs of the GTFS feed staged in this session''s TEMP tables (the same check railway.gtfs_load makes), without loading anything.';
