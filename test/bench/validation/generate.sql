-- The benchmark timetable: 200,000 schedules of about 10,800 trains, in the spirit of the
-- conflict benchmark's generator (test/bench/conflicts, written separately; to be unified).
--
-- Each ordinary train owns a grid of 20 departure slots, 72 minutes apart from a random
-- offset; a schedule uses one slot and lasts 20 to 70 minutes, so a train's schedules never
-- meet whatever their running days and dates (the last slot of the day often runs past
-- midnight: overnight services). 5% of the trains are long-distance: a Monday and a Thursday
-- service of 30 to 50 hours (multi-day), whose first run is on its start date (so that even
-- the guide's absolute-time OVERLAPS query, benchmark (c), sees no conflict among valid rows). Running days: daily, weekdays, weekends or random;
-- effective ranges: 2 weeks to 3 years, 35% open-ended. Slot 10 stays free for the
-- single-row latency test. 3% of the rows are deliberate conflicts: a copy of an existing
-- schedule cut to 15 minutes (so it overlaps every run of the original); they come last, in
-- their own batches.
--
-- Creates bench.staging(seq, batch, conflicting, <the schedules columns>); deterministic.
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
SELECT setseed(0.2024);

CREATE TABLE bench.trains AS
SELECT t AS train_id, (random() < 0.05) AS long_distance, floor(random() * 72)::integer AS offset_min
FROM generate_series(1, 10800) AS t;

CREATE TABLE bench.valid AS
-- Ordinary trains: 19 or 20 of slots 0..19 minus slot 10 (enough to reach 194,000 rows).
SELECT t.train_id,
       1 + floor(random() * 400)::integer AS departure_location_id,
       timestamp '2024-01-01' + make_interval(mins => t.offset_min + 72 * s) AS dep_time,
       make_interval(mins => 20 + floor(random() * 51)::integer) AS duration,
       (CASE floor(random() * 4)::integer
            WHEN 0 THEN '{t,t,t,t,t,t,t}' WHEN 1 THEN '{t,t,t,t,t,f,f}' WHEN 2 THEN '{f,f,f,f,f,t,t}'
            ELSE ARRAY[random() < 0.5, random() < 0.5, random() < 0.5, random() < 0.5, random() < 0.5, random() < 0.5, true] END)::boolean[] AS running_days,
       floor(random() * 730)::integer AS start_offset,
       CASE WHEN random() < 0.35 THEN NULL ELSE 14 + floor(random() * 1080)::integer END AS length_days
FROM bench.trains t, generate_series(0, 19) AS s
WHERE NOT t.long_distance AND s <> 10
UNION ALL
-- Long-distance trains: Monday and Thursday 10:00 services of 30 to 50 hours.
SELECT t.train_id, 1 + floor(random() * 400)::integer,
       timestamp '2024-01-01 10:00' + make_interval(days => d),
       make_interval(hours => 30 + floor(random() * 21)::integer),
       CASE d WHEN 0 THEN '{t,f,f,f,f,f,f}'::boolean[] ELSE '{f,f,f,t,f,f,f}'::boolean[] END,
       7 * floor(random() * 104)::integer + d,  -- starts on its weekday (2024-01-01 is a Monday)
       CASE WHEN random() < 0.35 THEN NULL ELSE 14 + floor(random() * 1080)::integer END
FROM bench.trains t, (VALUES (0), (3)) AS days(d)
WHERE t.long_distance;

CREATE TABLE bench.staging (
    seq integer, batch integer, conflicting boolean,
    train_id integer, departure_location_id integer, arrival_location_id integer,
    scheduled_departure timestamp, scheduled_arrival timestamp, running_days boolean[],
    effective_start_date timestamp, effective_end_date timestamp);

-- 194,000 valid rows in random order, then 6,000 conflicting copies.
INSERT INTO bench.staging
SELECT row_number() OVER (ORDER BY random()), 0, false, train_id, departure_location_id,
       1 + (departure_location_id % 400), start_date + (dep_time - date_trunc('day', dep_time)),
       start_date + (dep_time - date_trunc('day', dep_time)) + duration, running_days, start_date,
       CASE WHEN length_days IS NULL THEN NULL ELSE start_date + make_interval(days => length_days) END
FROM (SELECT *, timestamp '2024-01-01' + make_interval(days => start_offset) AS start_date
      FROM bench.valid ORDER BY random() LIMIT 194000) v;
INSERT INTO bench.staging
SELECT 194000 + row_number() OVER (ORDER BY random()), 0, true, train_id, departure_location_id,
       arrival_location_id, scheduled_departure, scheduled_departure + interval '15 minutes',
       running_days, effective_start_date, effective_end_date
FROM (SELECT * FROM bench.staging ORDER BY random() LIMIT 6000) s;
UPDATE bench.staging SET batch = (seq - 1) / 1000;
CREATE INDEX ON bench.staging (batch);
ANALYZE bench.staging;
DROP TABLE bench.valid;

SELECT count(*) AS rows, count(DISTINCT train_id) AS trains, count(*) FILTER (WHERE conflicting) AS conflicting,
       count(*) FILTER (WHERE scheduled_arrival::date > scheduled_departure::date) AS overnight_or_multiday,
       count(*) FILTER (WHERE effective_end_date IS NULL) AS open_ended
FROM bench.staging;
