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
