-- GTFS import: railway.gtfs_load and railway.gtfs_conflicts over a small feed staged by hand the
-- way tools/gtfs_import.sh stages one (TEMP tables gtfs_<file>, text columns named by the
-- header, "line" = the file's line number, the header being line 1).
SET client_min_messages = warning;
SET datestyle = 'ISO, YMD';

-- Nothing staged.
SELECT railway.gtfs_load('nothing');

CREATE TEMP TABLE gtfs_routes (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    route_id text, route_short_name text, route_long_name text, route_type text);
COPY gtfs_routes (route_id, route_short_name, route_long_name, route_type) FROM stdin WITH (FORMAT csv, HEADER true);
route_id,route_short_name,route_long_name,route_type
R1,Local,,2
R2,,Night Owl,3
\.
-- Extra columns and any column order; a station (location_type 1) is not a location; a stop_id
-- longer than 10 characters gets a shortened code.
CREATE TEMP TABLE gtfs_stops (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    stop_lat text, stop_name text, stop_id text, stop_code text, location_type text);
COPY gtfs_stops (stop_lat, stop_name, stop_id, stop_code, location_type) FROM stdin WITH (FORMAT csv, HEADER true);
stop_lat,stop_name,stop_id,stop_code,location_type
37.7,GTFS test North,gt-north-platform-1,GTN,0
37.6,GTFS test Middle,gt-middle-platform-1,,
37.5,GTFS test South,gt-south,GTS,0
37.5,GTFS test South station,gt-south-station,,1
\.
CREATE TEMP TABLE gtfs_calendar (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    service_id text, monday text, tuesday text, wednesday text, thursday text, friday text,
    saturday text, sunday text, start_date text, end_date text);
COPY gtfs_calendar (service_id, monday, tuesday, wednesday, thursday, friday, saturday, sunday, start_date, end_date)
    FROM stdin WITH (FORMAT csv, HEADER true);
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,0,0,20240101,20240331
FRI,0,0,0,0,1,0,0,20240101,20240331
\.
CREATE TEMP TABLE gtfs_calendar_dates (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    service_id text, date text, exception_type text);
COPY gtfs_calendar_dates (service_id, date, exception_type) FROM stdin WITH (FORMAT csv, HEADER true);
service_id,date,exception_type
WK,20240219,2
WK,20240224,1
FRI,20240329,2
EVENT,20240316,1
\.
-- Train 101 runs two trips (trip_short_name); block NIGHT is one vehicle for a Friday-service
-- trip leaving at 25:30 (Saturday 01:30) and an event trip; the loop trip is skipped.
CREATE TEMP TABLE gtfs_trips (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    route_id text, service_id text, trip_id text, trip_short_name text, block_id text);
COPY gtfs_trips (route_id, service_id, trip_id, trip_short_name, block_id) FROM stdin WITH (FORMAT csv, HEADER true);
route_id,service_id,trip_id,trip_short_name,block_id
R1,WK,t101a,101,
R1,WK,t101b,101,
R2,FRI,owl,,NIGHT
R2,EVENT,event,,NIGHT
R1,WK,loop,,
\.
CREATE TEMP TABLE gtfs_stop_times (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    trip_id text, arrival_time text, departure_time text, stop_id text, stop_sequence text);
COPY gtfs_stop_times (trip_id, arrival_time, departure_time, stop_id, stop_sequence) FROM stdin WITH (FORMAT csv, HEADER true);
trip_id,arrival_time,departure_time,stop_id,stop_sequence
t101a,06:00:00,06:00:00,gt-north-platform-1,1
t101a,06:40:00,06:41:00,gt-middle-platform-1,2
t101a,07:30:00,07:30:00,gt-south,3
t101b,,17:05:00,gt-south,10
t101b,18:35:00,,gt-north-platform-1,20
owl,25:30:00,25:30:00,gt-north-platform-1,1
owl,26:15:00,26:15:00,gt-south,2
event,23:10:00,23:10:00,gt-south,1
event, 24:20:00,24:20:00 ,gt-north-platform-1,2
loop,12:00:00,12:00:00,gt-north-platform-1,1
loop,12:30:00,12:30:00,gt-south,2
loop,13:00:00,13:00:00,gt-north-platform-1,3
\.

-- Two conflicting trips: a Monday trip of train 101 overlapping t101a, and a Saturday 01:00 trip
-- of block NIGHT colliding with the Friday-service 25:30 run (Saturday 01:30).
INSERT INTO gtfs_calendar (service_id, monday, tuesday, wednesday, thursday, friday, saturday, sunday, start_date, end_date)
VALUES ('MON', '1', '0', '0', '0', '0', '0', '0', '20240101', '20240331'),
       ('SAT', '0', '0', '0', '0', '0', '1', '0', '20240101', '20240331');
INSERT INTO gtfs_trips (route_id, service_id, trip_id, trip_short_name, block_id)
VALUES ('R1', 'MON', 'extra', '101', ''), ('R2', 'SAT', 'early', '', 'NIGHT');
INSERT INTO gtfs_stop_times (trip_id, arrival_time, departure_time, stop_id, stop_sequence)
VALUES ('extra', '07:00:00', '07:00:00', 'gt-south', '1'),
       ('extra', '07:45:00', '07:45:00', 'gt-north-platform-1', '2'),
       ('early', '01:00:00', '01:00:00', 'gt-south', '1'),
       ('early', '01:50:00', '01:50:00', 'gt-north-platform-1', '2');
SELECT * FROM railway.gtfs_conflicts() ORDER BY train_number;
-- Refused by default, every pair listed; nothing is loaded.
SELECT railway.gtfs_load('gtfs-regress');
SELECT count(*) AS rows_of_refused_feed FROM railway.gtfs_trips WHERE feed = 'gtfs-regress';

-- Without them, the feed loads.
DELETE FROM gtfs_stop_times WHERE trip_id IN ('extra', 'early');
DELETE FROM gtfs_trips WHERE trip_id IN ('extra', 'early');
SELECT * FROM railway.gtfs_conflicts();
SELECT jsonb_pretty(railway.gtfs_load('gtfs-regress'));

SELECT code, name FROM railway.locations WHERE name LIKE 'GTFS test%' ORDER BY code;
SELECT train_number, type, description FROM railway.trains WHERE description LIKE 'gtfs-regress%' ORDER BY train_number;

-- One row per running-day pattern: the weekday service without Presidents' Day (Feb 19) plus
-- Saturday Feb 24; the 25:30 Friday-service trip on Saturdays at 01:30 (not Mar 30: Good Friday
-- Mar 29 is removed); the event trip leaving at 23:10 on its one date.
SELECT g.trip_id, t.train_number, d.code AS dep, a.code AS arr,
       s.scheduled_departure, s.scheduled_arrival,
       railway.format_running_days(s.running_days) AS days,
       s.effective_start_date::date AS first, s.effective_end_date::date AS last
FROM railway.gtfs_trips g
JOIN railway.schedules s ON s.id = g.schedule_id
JOIN railway.trains t ON t.id = s.train_id
JOIN railway.locations d ON d.id = s.departure_location_id
JOIN railway.locations a ON a.id = s.arrival_location_id
WHERE g.feed = 'gtfs-regress'
ORDER BY g.trip_id, s.effective_start_date, s.running_days;

-- runs_on is true on exactly the feed's dates.
SELECT g.trip_id, d::date AS day, to_char(d, 'Dy') AS dow
FROM railway.gtfs_trips g JOIN railway.schedules s ON s.id = g.schedule_id,
     generate_series('2023-12-25'::timestamp, '2024-04-07', '1 day') d
WHERE g.feed = 'gtfs-regress' AND g.trip_id IN ('owl', 'event')
  AND railway.runs_on(railway.service_pattern(s.scheduled_departure, s.scheduled_arrival, s.running_days,
                                              s.effective_start_date, s.effective_end_date), d::date)
ORDER BY 1, 2;
SELECT count(*) AS weekday_runs,
       count(*) FILTER (WHERE d = '2024-02-19') AS on_feb_19,
       count(*) FILTER (WHERE d = '2024-02-24') AS on_feb_24
FROM railway.gtfs_trips g JOIN railway.schedules s ON s.id = g.schedule_id,
     generate_series('2023-12-25'::timestamp, '2024-04-07', '1 day') d
WHERE g.feed = 'gtfs-regress' AND g.trip_id = 't101a'
  AND railway.runs_on(railway.service_pattern(s.scheduled_departure, s.scheduled_arrival, s.running_days,
                                              s.effective_start_date, s.effective_end_date), d::date);

-- The same feed twice is refused.
SELECT railway.gtfs_load('gtfs-regress');

-- A second feed: the two conflicting trips now conflict with the stored schedules of trains 101
-- and NIGHT, and so does a Saturday trip of train 101 at 07:00, on Saturday Feb 24 only (the
-- Saturday the weekday service runs); a Saturday trip at 09:00 is fine. With 'skip' the three
-- are left out and listed, the fourth is loaded.
DELETE FROM gtfs_stop_times;
DELETE FROM gtfs_trips;
INSERT INTO gtfs_trips (route_id, service_id, trip_id, trip_short_name, block_id)
VALUES ('R1', 'MON', 'extra', '101', ''), ('R2', 'SAT', 'early', '', 'NIGHT'), ('R1', 'SAT', 'saturday', '101', ''),
       ('R1', 'SAT', 'fine', '101', '');
INSERT INTO gtfs_stop_times (trip_id, arrival_time, departure_time, stop_id, stop_sequence)
VALUES ('extra', '07:00:00', '07:00:00', 'gt-south', '1'),
       ('extra', '07:45:00', '07:45:00', 'gt-north-platform-1', '2'),
       ('early', '01:00:00', '01:00:00', 'gt-south', '1'),
       ('early', '01:50:00', '01:50:00', 'gt-north-platform-1', '2'),
       ('saturday', '07:00:00', '07:00:00', 'gt-south', '1'),
       ('saturday', '07:45:00', '07:45:00', 'gt-north-platform-1', '2'),
       ('fine', '09:00:00', '09:00:00', 'gt-south', '1'),
       ('fine', '09:45:00', '09:45:00', 'gt-north-platform-1', '2');
SELECT trip_id, other_trip_id, other_schedule_id IS NOT NULL AS stored, train_number, first_conflict
FROM railway.gtfs_conflicts() ORDER BY train_number;
SELECT r #> '{trips}' AS trips, r -> 'schedules' AS schedules, s ->> 'trip_id' AS skipped, s ->> 'train_number' AS train,
       regexp_replace(s ->> 'reason', 'stored schedule [0-9]+', 'stored schedule N') AS reason
FROM railway.gtfs_load('gtfs-regress-2', 'skip') r, jsonb_array_elements(r -> 'skipped_trips') s;
SELECT trip_id FROM railway.gtfs_trips WHERE feed = 'gtfs-regress-2';
SELECT count(*) AS conflicts_after_loading FROM railway.find_conflicts()
WHERE schedule_id IN (SELECT schedule_id FROM railway.gtfs_trips);
SELECT railway.gtfs_load('gtfs-regress-3', 'ignore');

-- Malformed rows with strict => true: the file, the line and the reason; nothing is loaded.
SELECT line, trip_id, stop_sequence FROM gtfs_stop_times ORDER BY line;
UPDATE gtfs_stop_times SET departure_time = '7:61:00' WHERE trip_id = 'extra' AND stop_sequence = '1';
SELECT railway.gtfs_load('gtfs-bad', 'refuse', true);
UPDATE gtfs_stop_times SET departure_time = '07:00:00' WHERE trip_id = 'extra' AND stop_sequence = '1';
INSERT INTO gtfs_stop_times (trip_id, arrival_time, departure_time, stop_id, stop_sequence)
VALUES ('extra', '08:00:00', '08:00:00', 'nowhere', '3');
SELECT railway.gtfs_load('gtfs-bad', 'refuse', true);
UPDATE gtfs_stop_times SET stop_id = 'gt-south', stop_sequence = '1' WHERE stop_id = 'nowhere';
SELECT railway.gtfs_load('gtfs-bad', 'refuse', true);
DELETE FROM gtfs_stop_times WHERE trip_id = 'extra' AND (stop_id = 'gt-south' OR arrival_time = '08:00:00');
SELECT railway.gtfs_load('gtfs-bad', 'refuse', true);
INSERT INTO gtfs_stop_times (trip_id, arrival_time, departure_time, stop_id, stop_sequence)
VALUES ('extra', '', '', 'gt-south', '1');
SELECT railway.gtfs_load('gtfs-bad', 'refuse', true);
UPDATE gtfs_stop_times SET departure_time = '07:00:00' WHERE trip_id = 'extra' AND stop_sequence = '1';
INSERT INTO gtfs_calendar_dates (service_id, date, exception_type) VALUES ('MON', '20240230', '1');
SELECT railway.gtfs_load('gtfs-bad', 'refuse', true);
DELETE FROM gtfs_calendar_dates WHERE service_id = 'MON';
INSERT INTO gtfs_trips (route_id, service_id, trip_id) VALUES ('R9', 'MON', 'lost');
SELECT railway.gtfs_load('gtfs-bad', 'refuse', true);
UPDATE gtfs_trips SET route_id = 'R1', service_id = 'NEVER' WHERE trip_id = 'lost';
SELECT railway.gtfs_load('gtfs-bad', 'refuse', true);
DELETE FROM gtfs_trips WHERE trip_id = 'lost';
ALTER TABLE gtfs_stop_times DROP COLUMN arrival_time;
SELECT railway.gtfs_load('gtfs-bad', 'refuse', true);
ALTER TABLE gtfs_stop_times ADD COLUMN arrival_time text;
CREATE TEMP TABLE gtfs_frequencies (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    trip_id text, start_time text, end_time text, headway_secs text);
INSERT INTO gtfs_frequencies (trip_id, start_time, end_time, headway_secs) VALUES ('extra', '06:00:00', '09:00:00', '600');
SELECT railway.gtfs_load('gtfs-bad');
SELECT count(*) AS rows_of_bad_feed FROM railway.gtfs_trips WHERE feed = 'gtfs-bad';
DROP TABLE gtfs_frequencies;


-- After its schedules are deleted, a feed can be loaded again (its old gtfs_trips rows are
-- cleared); clean up.
DELETE FROM railway.schedules WHERE id IN (SELECT schedule_id FROM railway.gtfs_trips WHERE feed = 'gtfs-regress-2');
SELECT r #> '{trips}' AS trips, r -> 'schedules' AS schedules
FROM railway.gtfs_load('gtfs-regress-2', 'skip') r;
SELECT count(*) AS rows_of_feed FROM railway.gtfs_trips WHERE feed = 'gtfs-regress-2';
-- Not strict (the default): each malformed row or unloadable trip is skipped and listed with
-- its file, line and kind; the other trips load.
UPDATE gtfs_stop_times SET departure_time = '7:61:00' WHERE trip_id = 'extra' AND stop_sequence = '1';
INSERT INTO gtfs_stop_times (trip_id, arrival_time, departure_time, stop_id, stop_sequence)
VALUES ('saturday', '08:00:00', '08:00:00', 'nowhere', '3'), ('ghost', '08:00:00', '08:00:00', 'gt-south', '1');
INSERT INTO gtfs_calendar_dates (service_id, date, exception_type) VALUES ('MON', '20240230', '1');
INSERT INTO gtfs_trips (route_id, service_id, trip_id) VALUES ('R1', 'NEVER', 'lost'), ('R1', 'MON', 'lonely');
INSERT INTO gtfs_stop_times (trip_id, arrival_time, departure_time, stop_id, stop_sequence)
VALUES ('lonely', '08:00:00', '08:00:00', 'gt-south', '1');
DELETE FROM railway.schedules;
CREATE TEMP TABLE lenient AS SELECT railway.gtfs_load('gtfs-lenient', 'skip') AS r;
SELECT r ->> 'status' AS status, r -> 'trips' AS trips, r -> 'notice_counts' AS counts FROM lenient;
SELECT s ->> 'file' AS file, s ->> 'line' AS line, s ->> 'kind' AS kind, s ->> 'trip_id' AS trip_id, s ->> 'reason' AS reason
FROM lenient, jsonb_array_elements((r -> 'skipped_trips') || (r -> 'notices')) s ORDER BY 1, 2;
SELECT DISTINCT trip_id FROM railway.gtfs_trips WHERE feed = 'gtfs-lenient' ORDER BY 1;
SELECT feed, timezone FROM railway.gtfs_feeds ORDER BY feed;
-- Clean up for the following tests (which expect fresh identities, as conflicts.sql leaves them).
TRUNCATE railway.gtfs_trips, railway.gtfs_feeds, railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
DROP TABLE gtfs_routes, gtfs_stops, gtfs_calendar, gtfs_calendar_dates, gtfs_trips, gtfs_stop_times;
