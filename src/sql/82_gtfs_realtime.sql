-- GTFS-realtime TripUpdates (issue 13; README "GTFS-realtime"): tools/gtfs_rt_import.sh decodes
-- a FeedMessage with the official bindings and passes it, as jsonb, to railway.gtfs_rt_apply(),
-- which records actual and expected times and cancellations on the runs of a loaded feed.

ALTER TABLE railway.runs ADD COLUMN expected_departure timestamp;
ALTER TABLE railway.runs ADD COLUMN expected_arrival timestamp;
COMMENT ON COLUMN railway.runs.expected_departure IS
    'Predicted departure (local time) from the latest real-time message, while the run has not left: NULL when unknown or once actual_departure is recorded.';
COMMENT ON COLUMN railway.runs.expected_arrival IS
    'Predicted arrival (local time) from the latest real-time message, while the run has not arrived: NULL when unknown or once actual_arrival is recorded.';

ALTER TABLE railway.gtfs_trips ADD COLUMN first_stop_id text;
ALTER TABLE railway.gtfs_trips ADD COLUMN first_stop_sequence integer;
ALTER TABLE railway.gtfs_trips ADD COLUMN last_stop_id text;
ALTER TABLE railway.gtfs_trips ADD COLUMN last_stop_sequence integer;
ALTER TABLE railway.gtfs_trips ADD COLUMN service_day_offset integer;
COMMENT ON COLUMN railway.gtfs_trips.first_stop_id IS 'stop_id of the trip''s first stop time (lowest stop_sequence); NULL for a feed loaded before 1.1.';
COMMENT ON COLUMN railway.gtfs_trips.first_stop_sequence IS 'stop_sequence of the trip''s first stop time.';
COMMENT ON COLUMN railway.gtfs_trips.last_stop_id IS 'stop_id of the trip''s last stop time (highest stop_sequence).';
COMMENT ON COLUMN railway.gtfs_trips.last_stop_sequence IS 'stop_sequence of the trip''s last stop time.';
COMMENT ON COLUMN railway.gtfs_trips.service_day_offset IS 'Days from the trip''s service day (GTFS start_date) to its runs'' run_date: 1 for a trip leaving at 24:00:00 or later, else 0.';

ALTER TABLE railway.gtfs_feeds ADD COLUMN realtime_timestamp timestamptz;
COMMENT ON COLUMN railway.gtfs_feeds.realtime_timestamp IS
    'Header timestamp of the last GTFS-realtime message applied (railway.gtfs_rt_apply); an older message is not applied.';

CREATE FUNCTION railway.gtfs_rt_apply(feed text, message jsonb) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp
AS $function$
-- message: a GTFS-realtime FeedMessage as the official bindings' toObject() gives it
-- (camelCase fields, 64-bit integers as strings, enums as names). See the COMMENT.
DECLARE
    zone text;
    last_applied timestamptz;
    header_ts timestamptz;
    header_local timestamp;
    entity jsonb;
    trip jsonb;
    the_trip text;
    relationship text;
    start_date date;
    found_schedules integer;
    other_feed text;
    run_schedule integer;
    run_day date;
    run_planned_departure timestamp;
    run_planned_arrival timestamp;
    run_actual_departure timestamp;
    run_actual_arrival timestamp;
    run_status text;
    first_id text; first_seq integer; last_id text; last_seq integer;
    stu jsonb;
    dep_event timestamp;
    arr_event timestamp;
    updates integer := 0;
    updated_runs integer := 0;
    actual_departures integer := 0;
    actual_arrivals integer := 0;
    expected_departures integer := 0;
    expected_arrivals integer := 0;
    cancelled integer := 0;
    unknown jsonb := '[]';
    added jsonb := '[]';
    skipped jsonb := '[]';
    not_planned jsonb := '[]';
    new_actual_departure timestamp;
    new_actual_arrival timestamp;
    new_expected_departure timestamp;
    new_expected_arrival timestamp;
    changed boolean;
    at_stop boolean;
BEGIN
    SELECT f.timezone, f.realtime_timestamp INTO zone, last_applied
    FROM railway.gtfs_feeds f WHERE f.feed OPERATOR(pg_catalog.=) gtfs_rt_apply.feed
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'GTFS feed "%" is not loaded', feed USING ERRCODE = 'undefined_object',
            HINT = 'Load it with tools/gtfs_import.sh; railway.gtfs_feeds lists the loaded feeds.';
    END IF;
    IF zone IS NULL THEN
        RAISE EXCEPTION 'GTFS feed "%" has no timezone (agency_timezone)', feed USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'GTFS-realtime times are POSIX times; the feed''s timezone turns them into its runs'' local times.',
            HINT = 'Load the feed again with tools/gtfs_import.sh (1.1 keeps agency_timezone).';
    END IF;
    IF pg_catalog.jsonb_typeof(message) OPERATOR(pg_catalog.<>) 'object'
       OR pg_catalog.jsonb_typeof(message OPERATOR(pg_catalog.->) 'header') IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'not a GTFS-realtime FeedMessage: no header' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (message OPERATOR(pg_catalog.#>>) '{header,timestamp}') IS NULL
       OR (message OPERATOR(pg_catalog.#>>) '{header,timestamp}') OPERATOR(pg_catalog.!~) '^[0-9]{1,12}$' THEN
        RAISE EXCEPTION 'the GTFS-realtime message has no header timestamp' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Without it an event time cannot be told to be actual (passed) or expected.';
    END IF;
    header_ts := pg_catalog.to_timestamp((message OPERATOR(pg_catalog.#>>) '{header,timestamp}')::pg_catalog.float8);
    header_local := header_ts AT TIME ZONE zone;
    -- A header timestamp in the future would make every later message older, so stale: one
    -- message with a far-future timestamp (hostile or a broken clock) froze the feed for good.
    -- A day of clock skew is allowed.
    IF header_ts OPERATOR(pg_catalog.>) (pg_catalog.now() OPERATOR(pg_catalog.+) interval '1 day') THEN
        RAISE EXCEPTION 'the GTFS-realtime message''s header timestamp % is more than a day in the future', header_local
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Applied, it would make every later message stale; nothing was applied.',
                  HINT = 'Check the clock of the feed''s producer.';
    END IF;

    IF last_applied IS NOT NULL AND header_ts OPERATOR(pg_catalog.<) last_applied THEN
        RETURN pg_catalog.jsonb_build_object(
            'status', 'stale', 'feed', feed, 'timezone', zone,
            'timestamp', header_local, 'last_applied', last_applied AT TIME ZONE zone,
            'entities', COALESCE(pg_catalog.jsonb_array_length(message OPERATOR(pg_catalog.->) 'entity'), 0),
            'trip_updates', 0, 'runs_updated', 0, 'actual_departures', 0, 'actual_arrivals', 0,
            'expected_departures', 0, 'expected_arrivals', 0, 'cancelled', 0,
            'unknown_trips', '[]'::jsonb, 'added_trips', '[]'::jsonb, 'not_planned', '[]'::jsonb,
            'skipped', '[]'::jsonb);
    END IF;

    -- A trip of another feed: the message is for another feed. Refused before anything changes.
    SELECT g.trip_id, g.feed INTO the_trip, other_feed
    FROM pg_catalog.jsonb_array_elements(COALESCE(message OPERATOR(pg_catalog.->) 'entity', '[]')) e(v)
    JOIN railway.gtfs_trips g
      ON g.trip_id OPERATOR(pg_catalog.=) (e.v OPERATOR(pg_catalog.#>>) '{tripUpdate,trip,tripId}')
     AND g.feed OPERATOR(pg_catalog.<>) gtfs_rt_apply.feed
    WHERE NOT EXISTS (SELECT FROM railway.gtfs_trips h
                      WHERE h.feed OPERATOR(pg_catalog.=) gtfs_rt_apply.feed
                        AND h.trip_id OPERATOR(pg_catalog.=) g.trip_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'trip "%" of the GTFS-realtime message is a trip of feed "%", not of "%"', the_trip, other_feed, feed
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The message is for another feed; nothing was applied.',
                  HINT = 'Give the feed the message belongs to (--feed).';
    END IF;

    FOR entity IN SELECT v FROM pg_catalog.jsonb_array_elements(COALESCE(message OPERATOR(pg_catalog.->) 'entity', '[]')) e(v) LOOP
        trip := entity OPERATOR(pg_catalog.#>) '{tripUpdate,trip}';
        IF trip IS NULL THEN
            skipped := skipped OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'entity', entity OPERATOR(pg_catalog.->>) 'id', 'reason', 'not a trip update'));
            CONTINUE;
        END IF;
        updates := updates OPERATOR(pg_catalog.+) 1;
        the_trip := trip OPERATOR(pg_catalog.->>) 'tripId';
        relationship := COALESCE(trip OPERATOR(pg_catalog.->>) 'scheduleRelationship', 'SCHEDULED');
        IF (entity OPERATOR(pg_catalog.->>) 'isDeleted') OPERATOR(pg_catalog.=) 'true' THEN
            skipped := skipped OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'entity', entity OPERATOR(pg_catalog.->>) 'id', 'trip_id', the_trip, 'reason', 'entity deleted'));
            CONTINUE;
        END IF;
        IF relationship OPERATOR(pg_catalog.=) 'ADDED' THEN
            added := added OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'entity', entity OPERATOR(pg_catalog.->>) 'id', 'trip_id', the_trip,
                'start_date', trip OPERATOR(pg_catalog.->>) 'startDate', 'start_time', trip OPERATOR(pg_catalog.->>) 'startTime'));
            CONTINUE;
        END IF;
        IF relationship OPERATOR(pg_catalog.<>) ALL (ARRAY['SCHEDULED', 'CANCELED']) OR the_trip IS NULL THEN
            skipped := skipped OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'entity', entity OPERATOR(pg_catalog.->>) 'id', 'trip_id', the_trip,
                'reason', CASE WHEN the_trip IS NULL THEN 'no trip_id'
                               ELSE 'schedule_relationship ' OPERATOR(pg_catalog.||) relationship OPERATOR(pg_catalog.||) ' is not applied' END));
            CONTINUE;
        END IF;
        -- A frequency-based trip was loaded as "<trip_id>@<start time>".
        IF NOT EXISTS (SELECT FROM railway.gtfs_trips g WHERE g.feed OPERATOR(pg_catalog.=) gtfs_rt_apply.feed
                       AND g.trip_id OPERATOR(pg_catalog.=) the_trip)
           AND (trip OPERATOR(pg_catalog.->>) 'startTime') IS NOT NULL THEN
            the_trip := the_trip OPERATOR(pg_catalog.||) '@' OPERATOR(pg_catalog.||) (trip OPERATOR(pg_catalog.->>) 'startTime');
        END IF;
        SELECT pg_catalog.count(*) INTO found_schedules FROM railway.gtfs_trips g
        JOIN railway.schedules s ON s.id OPERATOR(pg_catalog.=) g.schedule_id
        WHERE g.feed OPERATOR(pg_catalog.=) gtfs_rt_apply.feed AND g.trip_id OPERATOR(pg_catalog.=) the_trip;
        IF found_schedules OPERATOR(pg_catalog.=) 0 THEN
            unknown := unknown OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'entity', entity OPERATOR(pg_catalog.->>) 'id', 'trip_id', trip OPERATOR(pg_catalog.->>) 'tripId'));
            CONTINUE;
        END IF;

        -- The run: start_date (the service day) + the trip's offset; without start_date, the run of
        -- service day L-1 or L (L: the message's local date) whose planned departure is nearest.
        IF (trip OPERATOR(pg_catalog.->>) 'startDate') IS NOT NULL THEN
            IF (trip OPERATOR(pg_catalog.->>) 'startDate') OPERATOR(pg_catalog.!~) '^[0-9]{8}$' THEN
                RAISE EXCEPTION 'trip "%": start_date "%" is not YYYYMMDD', the_trip, trip OPERATOR(pg_catalog.->>) 'startDate'
                    USING ERRCODE = 'invalid_datetime_format';
            END IF;
            start_date := pg_catalog.to_date(trip OPERATOR(pg_catalog.->>) 'startDate', 'YYYYMMDD');
            SELECT r.schedule_id, r.run_date, r.planned_departure, r.planned_arrival, r.actual_departure, r.actual_arrival,
                   r.status, g.first_stop_id, g.first_stop_sequence, g.last_stop_id, g.last_stop_sequence
              INTO run_schedule, run_day, run_planned_departure, run_planned_arrival, run_actual_departure,
                   run_actual_arrival, run_status, first_id, first_seq, last_id, last_seq
            FROM railway.gtfs_trips g
            JOIN railway.runs r ON r.schedule_id OPERATOR(pg_catalog.=) g.schedule_id
             AND r.run_date OPERATOR(pg_catalog.=) (start_date OPERATOR(pg_catalog.+) COALESCE(g.service_day_offset, 0))
            WHERE g.feed OPERATOR(pg_catalog.=) gtfs_rt_apply.feed AND g.trip_id OPERATOR(pg_catalog.=) the_trip
            LIMIT 1
            FOR UPDATE OF r;
        ELSE
            start_date := NULL;
            SELECT r.schedule_id, r.run_date, r.planned_departure, r.planned_arrival, r.actual_departure, r.actual_arrival,
                   r.status, g.first_stop_id, g.first_stop_sequence, g.last_stop_id, g.last_stop_sequence
              INTO run_schedule, run_day, run_planned_departure, run_planned_arrival, run_actual_departure,
                   run_actual_arrival, run_status, first_id, first_seq, last_id, last_seq
            FROM railway.gtfs_trips g
            JOIN railway.runs r ON r.schedule_id OPERATOR(pg_catalog.=) g.schedule_id
             AND r.run_date OPERATOR(pg_catalog.-) COALESCE(g.service_day_offset, 0)
                 OPERATOR(pg_catalog.>=) (header_local::date OPERATOR(pg_catalog.-) 1)
             AND r.run_date OPERATOR(pg_catalog.-) COALESCE(g.service_day_offset, 0)
                 OPERATOR(pg_catalog.<=) header_local::date
            WHERE g.feed OPERATOR(pg_catalog.=) gtfs_rt_apply.feed AND g.trip_id OPERATOR(pg_catalog.=) the_trip
            ORDER BY pg_catalog.abs(EXTRACT(EPOCH FROM r.planned_departure OPERATOR(pg_catalog.-) header_local)), r.run_date DESC
            LIMIT 1
            FOR UPDATE OF r;
        END IF;
        IF NOT FOUND THEN
            not_planned := not_planned OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'entity', entity OPERATOR(pg_catalog.->>) 'id', 'trip_id', the_trip,
                'service_day', COALESCE(start_date, header_local::date)));
            CONTINUE;
        END IF;

        IF relationship OPERATOR(pg_catalog.=) 'CANCELED' THEN
            IF run_status OPERATOR(pg_catalog.<>) 'cancelled' THEN
                UPDATE railway.runs r SET status = 'cancelled'
                WHERE r.schedule_id OPERATOR(pg_catalog.=) run_schedule AND r.run_date OPERATOR(pg_catalog.=) run_day;
                cancelled := cancelled OPERATOR(pg_catalog.+) 1;
                updated_runs := updated_runs OPERATOR(pg_catalog.+) 1;
            END IF;
            CONTINUE;
        END IF;

        -- The events at the run's first and last stop (matched by stop_sequence when the update
        -- gives it, else by stop_id); a skipped stop or one without a time gives nothing.
        dep_event := NULL;
        arr_event := NULL;
        FOR stu IN SELECT v FROM pg_catalog.jsonb_array_elements(COALESCE(entity OPERATOR(pg_catalog.#>) '{tripUpdate,stopTimeUpdate}', '[]')) e(v) LOOP
            CONTINUE WHEN COALESCE(stu OPERATOR(pg_catalog.->>) 'scheduleRelationship', 'SCHEDULED') OPERATOR(pg_catalog.<>) 'SCHEDULED';
            at_stop := CASE WHEN (stu OPERATOR(pg_catalog.->>) 'stopSequence') IS NOT NULL
                            THEN (stu OPERATOR(pg_catalog.->>) 'stopSequence')::pg_catalog.int8 OPERATOR(pg_catalog.=) first_seq
                            ELSE (stu OPERATOR(pg_catalog.->>) 'stopId') OPERATOR(pg_catalog.=) first_id END;
            IF at_stop THEN
                dep_event := CASE
                    WHEN (stu OPERATOR(pg_catalog.#>>) '{departure,time}') IS NOT NULL
                         AND (stu OPERATOR(pg_catalog.#>>) '{departure,time}') OPERATOR(pg_catalog.<>) '0'
                        THEN pg_catalog.to_timestamp((stu OPERATOR(pg_catalog.#>>) '{departure,time}')::pg_catalog.float8) AT TIME ZONE zone
                    WHEN (stu OPERATOR(pg_catalog.#>>) '{departure,delay}') IS NOT NULL
                        THEN run_planned_departure OPERATOR(pg_catalog.+)
                             pg_catalog.make_interval(secs => (stu OPERATOR(pg_catalog.#>>) '{departure,delay}')::pg_catalog.float8)
                    END;
            END IF;
            at_stop := CASE WHEN (stu OPERATOR(pg_catalog.->>) 'stopSequence') IS NOT NULL
                            THEN (stu OPERATOR(pg_catalog.->>) 'stopSequence')::pg_catalog.int8 OPERATOR(pg_catalog.=) last_seq
                            ELSE (stu OPERATOR(pg_catalog.->>) 'stopId') OPERATOR(pg_catalog.=) last_id END;
            IF at_stop THEN
                arr_event := CASE
                    WHEN (stu OPERATOR(pg_catalog.#>>) '{arrival,time}') IS NOT NULL
                         AND (stu OPERATOR(pg_catalog.#>>) '{arrival,time}') OPERATOR(pg_catalog.<>) '0'
                        THEN pg_catalog.to_timestamp((stu OPERATOR(pg_catalog.#>>) '{arrival,time}')::pg_catalog.float8) AT TIME ZONE zone
                    WHEN (stu OPERATOR(pg_catalog.#>>) '{arrival,delay}') IS NOT NULL
                        THEN run_planned_arrival OPERATOR(pg_catalog.+)
                             pg_catalog.make_interval(secs => (stu OPERATOR(pg_catalog.#>>) '{arrival,delay}')::pg_catalog.float8)
                    END;
            END IF;
        END LOOP;
        IF first_seq IS NULL AND first_id IS NULL THEN
            skipped := skipped OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'entity', entity OPERATOR(pg_catalog.->>) 'id', 'trip_id', the_trip,
                'reason', 'the feed was loaded without its trips'' first and last stops (before 1.1): load it again'));
            CONTINUE;
        END IF;

        -- Not after the message's timestamp: actual; later: expected. An actual time replaces the
        -- expected one (set to NULL) and is never replaced by an expected one.
        new_actual_departure := run_actual_departure;
        new_actual_arrival := run_actual_arrival;
        new_expected_departure := NULL;
        new_expected_arrival := NULL;
        SELECT r.expected_departure, r.expected_arrival INTO new_expected_departure, new_expected_arrival
        FROM railway.runs r WHERE r.schedule_id OPERATOR(pg_catalog.=) run_schedule AND r.run_date OPERATOR(pg_catalog.=) run_day;
        changed := false;
        IF dep_event IS NOT NULL THEN
            IF dep_event OPERATOR(pg_catalog.<=) header_local THEN
                new_actual_departure := dep_event;
                new_expected_departure := NULL;
                actual_departures := actual_departures OPERATOR(pg_catalog.+) 1;
                changed := true;
            ELSIF run_actual_departure IS NULL THEN
                new_expected_departure := dep_event;
                expected_departures := expected_departures OPERATOR(pg_catalog.+) 1;
                changed := true;
            END IF;
        END IF;
        IF arr_event IS NOT NULL THEN
            IF arr_event OPERATOR(pg_catalog.<=) header_local THEN
                new_actual_arrival := arr_event;
                new_expected_arrival := NULL;
                actual_arrivals := actual_arrivals OPERATOR(pg_catalog.+) 1;
                changed := true;
            ELSIF run_actual_arrival IS NULL THEN
                new_expected_arrival := arr_event;
                expected_arrivals := expected_arrivals OPERATOR(pg_catalog.+) 1;
                changed := true;
            END IF;
        END IF;
        IF changed THEN
            UPDATE railway.runs r
               SET actual_departure = new_actual_departure, actual_arrival = new_actual_arrival,
                   expected_departure = new_expected_departure, expected_arrival = new_expected_arrival
             WHERE r.schedule_id OPERATOR(pg_catalog.=) run_schedule AND r.run_date OPERATOR(pg_catalog.=) run_day;
            updated_runs := updated_runs OPERATOR(pg_catalog.+) 1;
        END IF;
    END LOOP;

    UPDATE railway.gtfs_feeds f SET realtime_timestamp = header_ts WHERE f.feed OPERATOR(pg_catalog.=) gtfs_rt_apply.feed;

    RETURN pg_catalog.jsonb_build_object(
        'status', CASE WHEN pg_catalog.jsonb_array_length(unknown) OPERATOR(pg_catalog.+) pg_catalog.jsonb_array_length(added)
                            OPERATOR(pg_catalog.+) pg_catalog.jsonb_array_length(skipped)
                            OPERATOR(pg_catalog.+) pg_catalog.jsonb_array_length(not_planned) OPERATOR(pg_catalog.=) 0
                       THEN 'applied' ELSE 'applied_with_notices' END,
        'feed', feed, 'timezone', zone, 'timestamp', header_local,
        'entities', COALESCE(pg_catalog.jsonb_array_length(message OPERATOR(pg_catalog.->) 'entity'), 0),
        'trip_updates', updates, 'runs_updated', updated_runs,
        'actual_departures', actual_departures, 'actual_arrivals', actual_arrivals,
        'expected_departures', expected_departures, 'expected_arrivals', expected_arrivals,
        'cancelled', cancelled,
        'unknown_trips', unknown, 'added_trips', added, 'not_planned', not_planned, 'skipped', skipped);
END
$function$;
COMMENT ON FUNCTION railway.gtfs_rt_apply(text, jsonb) IS
    'Applies a GTFS-realtime FeedMessage of TripUpdates (jsonb as the official bindings'' toObject gives it; tools/gtfs_rt_import.sh) to the runs of a loaded feed: an event at a run''s first or last stop not after the header timestamp is its actual departure or arrival, a later one its expected departure or arrival; CANCELED cancels the run; ADDED and unknown trips are reported; a message older than the last applied one changes nothing (status stale), one whose header timestamp is more than a day in the future is refused. Returns a report.';
REVOKE ALL ON FUNCTION railway.gtfs_rt_apply(text, jsonb) FROM PUBLIC;
