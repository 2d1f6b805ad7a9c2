-- Data of the insert benchmark (run.sh): the conflict issue's timetable, split into the rows
-- that go in batches of 1,000 and the tail that goes row by row.
--
--   psql -v rows=200000 -f generate.sql        (run.sh passes ROWS; the issue's figure: 200,000)
--
-- 1. Loads the conflict benchmark's generator (test/bench/conflicts/generate.sql, its functions
--    created in schema bench), empties the railway tables and loads its 2,000 stations into
--    railway.locations and its trains (bench_generate_trains(rows): rows / 20 of them) into
--    railway.trains: the generator reads them, and the guide's query of variant (c) joins them.
-- 2. bench.staging: bench_generate_schedules(rows), every column it generates (status,
--    is_cancelled and actual times too), with seq = the generated order ((train, schedule)
--    order; about 3% of the rows are perturbed into real conflicts).
-- 3. Decides which rows are valid for both validators, from a scratch table without validation
--    (bench.scratch: each row's service pattern):
--      railway pairs: same train, both active (not cancelled), patterns && (the exclusion
--        constraint's operator: what railway's trigger and constraint refuse);
--      guide pairs: same train, the earlier row (by seq) active, absolute (scheduled_departure,
--        scheduled_arrival) OVERLAPS: bench_guide_pairs() of test/bench/conflicts/baselines.sql,
--        except that the later row may be cancelled: the guide's per-schedule query, which (c)
--        runs on each new row, filters the stored rows on cancellation, not the new one;
--      rule: rows railway's trigger or the tables' CHECKs refuse alone (none expected: inserted
--        once, each under a train of its own, into a table with railway's trigger).
--    For each pair the later row (by seq) goes to the tail; so does a rule-breaking row.
--    tail_reason says why ('railway', 'guide', 'railway+guide', 'rule ...'); NULL = valid.
--    batch: valid rows in seq order, 1,000 per batch (0, 1, ...); tail rows after them, in seq
--    order, 1,000 per batch, each batch one transaction of one subtransaction per row.
-- 4. bench.latency_slots: for the single-row INSERT latency, a train's daily 15-minute slot
--    (from 2040-01-01, open-ended) that no generated schedule of the train meets, so that a
--    one-day run in that slot on a date of its own never conflicts.
-- Deterministic (the generator hashes row numbers). Prints the split and the reasons.
\set ON_ERROR_STOP 1
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
SET search_path = bench, public;
\ir ../conflicts/generate.sql

TRUNCATE railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
INSERT INTO railway.locations (name, code) SELECT * FROM bench_generate_locations();
INSERT INTO railway.trains (train_number, description, type) SELECT * FROM bench_generate_trains(:rows);
ANALYZE railway.locations, railway.trains;

CREATE TABLE bench.staging AS
SELECT g.ordinality::integer AS seq, NULL::integer AS batch, NULL::text AS tail_reason,
       g.train_id, g.departure_location_id, g.arrival_location_id, g.scheduled_departure,
       g.scheduled_arrival, g.actual_departure, g.actual_arrival, g.status, g.is_cancelled,
       g.running_days, g.effective_start_date, g.effective_end_date
FROM bench_generate_schedules(:rows) WITH ORDINALITY AS g;
ALTER TABLE bench.staging ADD PRIMARY KEY (seq);

-- The scratch table: every row, no validation, with its service pattern.
CREATE TABLE bench.scratch AS
SELECT seq, train_id, NOT is_cancelled AND status <> 'cancelled' AS active,
       scheduled_departure, scheduled_arrival,
       railway.service_pattern(scheduled_departure, scheduled_arrival, running_days,
                               effective_start_date, effective_end_date) AS pattern
FROM bench.staging;
CREATE INDEX ON bench.scratch (train_id, seq);
ANALYZE bench.scratch;

CREATE TABLE bench.flagged_pairs AS
SELECT x.seq AS earlier, y.seq AS later,
       x.active AND y.active AND x.pattern OPERATOR(railway.&&) y.pattern AS railway,
       x.active AND (x.scheduled_departure, x.scheduled_arrival)
                    OVERLAPS (y.scheduled_departure, y.scheduled_arrival) AS guide,
       x.active AND y.active AND (x.scheduled_departure, x.scheduled_arrival)
                    OVERLAPS (y.scheduled_departure, y.scheduled_arrival) AS guide_pairs_fn
FROM bench.scratch x JOIN bench.scratch y ON x.train_id = y.train_id AND x.seq < y.seq;
DELETE FROM bench.flagged_pairs WHERE NOT railway AND NOT guide;

UPDATE bench.staging s
SET tail_reason = CASE WHEN f.railway AND f.guide THEN 'railway+guide' WHEN f.railway THEN 'railway' ELSE 'guide' END
FROM (SELECT later, bool_or(railway) AS railway, bool_or(guide) AS guide
      FROM bench.flagged_pairs GROUP BY later) f
WHERE s.seq = f.later;

-- The rules of railway's trigger and the CHECKs, without conflicts: every row once, each under
-- a train of its own, in one statement; if that fails, row by row to find the culprits.
CREATE TABLE bench.rulecheck (LIKE railway.schedules INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY);
CREATE INDEX ON bench.rulecheck (train_id);
CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON bench.rulecheck
    FOR EACH ROW EXECUTE FUNCTION railway.validate_schedule_trigger();
DO $$
DECLARE
    r record;
BEGIN
    BEGIN
        INSERT INTO bench.rulecheck (train_id, departure_location_id, arrival_location_id,
                scheduled_departure, scheduled_arrival, actual_departure, actual_arrival, status,
                is_cancelled, running_days, effective_start_date, effective_end_date)
        SELECT 1000000000 + seq, departure_location_id, arrival_location_id, scheduled_departure,
               scheduled_arrival, actual_departure, actual_arrival, status, is_cancelled,
               running_days, effective_start_date, effective_end_date
        FROM bench.staging ORDER BY seq;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'some generated rows break a rule (%): checking row by row', SQLERRM;
        FOR r IN SELECT * FROM bench.staging ORDER BY seq LOOP
            BEGIN
                INSERT INTO bench.rulecheck (train_id, departure_location_id, arrival_location_id,
                        scheduled_departure, scheduled_arrival, actual_departure, actual_arrival,
                        status, is_cancelled, running_days, effective_start_date, effective_end_date)
                VALUES (1000000000 + r.seq, r.departure_location_id, r.arrival_location_id,
                        r.scheduled_departure, r.scheduled_arrival, r.actual_departure,
                        r.actual_arrival, r.status, r.is_cancelled, r.running_days,
                        r.effective_start_date, r.effective_end_date);
            EXCEPTION WHEN OTHERS THEN
                UPDATE bench.staging SET tail_reason = 'rule ' || SQLSTATE || ': ' || SQLERRM
                WHERE seq = r.seq;
            END;
        END LOOP;
    END;
END $$;
DROP TABLE bench.rulecheck;

-- Batches: the valid rows in seq order, then the tail in seq order, 1,000 rows each.
UPDATE bench.staging s SET batch = b.batch
FROM (SELECT seq, CASE WHEN tail_reason IS NULL
                       THEN (row_number() OVER (PARTITION BY tail_reason IS NULL ORDER BY seq) - 1) / 1000
                       ELSE (SELECT (count(*) + 999) / 1000 FROM bench.staging WHERE tail_reason IS NULL)
                            + (row_number() OVER (PARTITION BY tail_reason IS NULL ORDER BY seq) - 1) / 1000
                  END AS batch
      FROM bench.staging) b
WHERE s.seq = b.seq;
CREATE INDEX ON bench.staging (batch);
VACUUM ANALYZE bench.staging;

-- Single-row latency slots: the first half hour of the day whose daily 15-minute run from
-- 2040-01-01 on (open-ended) meets no generated schedule of the train.
CREATE TABLE bench.latency_slots AS
SELECT row_number() OVER (ORDER BY t.train_id)::integer AS slot_no, t.train_id,
       t.departure_location_id, t.arrival_location_id, f.dep_time
FROM (SELECT DISTINCT ON (train_id) train_id, departure_location_id, arrival_location_id
      FROM bench.staging ORDER BY train_id, seq) t
CROSS JOIN LATERAL (
    SELECT make_interval(mins => 30 * h) AS dep_time
    FROM generate_series(0, 47) AS h
    WHERE NOT EXISTS (
        SELECT FROM bench.scratch s
        WHERE s.train_id = t.train_id AND s.active
          AND s.pattern OPERATOR(railway.&&)
              railway.service_pattern(timestamp '2040-01-01' + make_interval(mins => 30 * h),
                                      timestamp '2040-01-01' + make_interval(mins => 30 * h + 15),
                                      '{t,t,t,t,t,t,t}', timestamp '2040-01-01', NULL))
    ORDER BY h LIMIT 1) f;
CREATE SEQUENCE bench.latency_day;

\echo
\echo 'generated schedules (the conflict benchmark''s generator):'
SELECT count(*) AS rows, count(DISTINCT train_id) AS trains,
       count(*) FILTER (WHERE is_cancelled) AS cancelled,
       count(*) FILTER (WHERE actual_departure IS NOT NULL) AS with_actual_times,
       count(*) FILTER (WHERE effective_end_date IS NULL) AS open_ended
FROM bench.staging;
\echo 'conflicting pairs (same train, earlier row by seq, later row):'
SELECT count(*) FILTER (WHERE railway) AS railway_pairs,
       count(*) FILTER (WHERE guide) AS guide_pairs,
       count(*) FILTER (WHERE railway AND guide) AS both,
       count(*) FILTER (WHERE railway AND NOT guide) AS railway_only_guide_misses,
       count(*) FILTER (WHERE guide AND NOT railway) AS guide_only_false_alarms,
       count(*) FILTER (WHERE guide AND NOT guide_pairs_fn) AS guide_new_row_cancelled
FROM bench.flagged_pairs;
\echo 'the split: valid rows go in batches of 1,000, the tail row by row (tail_reason: which check flags a pair whose later row it is):'
SELECT coalesce(tail_reason, 'valid') AS rows_, count(*) AS count,
       min(batch) AS first_batch, max(batch) AS last_batch
FROM bench.staging GROUP BY tail_reason ORDER BY tail_reason NULLS FIRST;
SELECT count(*) AS latency_slots FROM bench.latency_slots;
