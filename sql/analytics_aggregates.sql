-- The analytics aggregates (DESIGN.md section 3, README "Analytics"), each compared with its
-- plain-SQL equivalent on the same rows: empty and all-NULL input, one row, early arrivals,
-- delays over a day, infinite timestamps; GROUP BY, FILTER, window frames, parallel plans
-- (Partial Aggregate) and partitioned tables.

-- Runs of three lines, every 7 min 13 s from 2024-03-01 05:00. Delays (seconds): mostly -60 to
-- +339, some early by up to 5 minutes, some up to 4 hours late, some more than a day late; every
-- 23rd run has no actual time and every 211th no scheduled time.
CREATE TABLE analytics_runs (
    id integer PRIMARY KEY,
    line text NOT NULL,
    scheduled timestamp,
    actual timestamp
);
INSERT INTO analytics_runs
SELECT i, (ARRAY['north', 'south', 'east'])[i % 3 + 1], s,
       CASE WHEN i % 23 = 0 THEN NULL
            ELSE coalesce(s, timestamp '2024-03-01') + make_interval(secs => CASE
                WHEN i % 101 = 0 THEN 86400 + (i * 37) % 7200
                WHEN i % 13 = 0 THEN (i * 131) % 14400
                WHEN i % 7 = 0 THEN -((i * 17) % 300)
                ELSE (i * 7919) % 400 - 60 END) END
FROM generate_series(1, 3000) AS i,
     LATERAL (SELECT CASE WHEN i % 211 = 0 THEN NULL
                          ELSE timestamp '2024-03-01 05:00' + i * interval '7 minutes 13 seconds' END) AS t(s);
CREATE VIEW analytics_delays AS
SELECT id, line, scheduled, actual, actual - scheduled AS delay,
       floor(extract(epoch FROM actual - scheduled) / 60) AS delay_min
FROM analytics_runs;

-- The plain-SQL figures of DESIGN.md section 3 for the rows of analytics_delays WHERE cond.
CREATE FUNCTION pg_temp.plain(cond text, within interval DEFAULT '5 minutes')
    RETURNS railway.punctuality_stats LANGUAGE plpgsql AS $$
DECLARE
    r railway.punctuality_stats;
BEGIN
    EXECUTE format($q$
        SELECT count(scheduled), count(delay), count(*) FILTER (WHERE delay <= $1),
               100.0::float8 * count(*) FILTER (WHERE delay <= $1) / nullif(count(delay), 0),
               avg(extract(epoch FROM delay)) / 60,
               percentile_disc(0.5) WITHIN GROUP (ORDER BY delay_min),
               percentile_disc(0.9) WITHIN GROUP (ORDER BY delay_min),
               percentile_disc(0.95) WITHIN GROUP (ORDER BY delay_min),
               percentile_disc(0.99) WITHIN GROUP (ORDER BY delay_min),
               max(delay_min)
        FROM analytics_delays WHERE %s$q$, cond) INTO r USING within;
    RETURN r;
END $$;
-- railway.punctuality on the same rows (the two-argument form when within is NULL).
CREATE FUNCTION pg_temp.native(cond text, within interval DEFAULT NULL)
    RETURNS railway.punctuality_stats LANGUAGE plpgsql AS $$
DECLARE
    r railway.punctuality_stats;
BEGIN
    IF within IS NULL THEN
        EXECUTE format('SELECT (railway.punctuality(scheduled, actual)).* FROM analytics_delays WHERE %s', cond) INTO r;
    ELSE
        EXECUTE format('SELECT (railway.punctuality(scheduled, actual, $1)).* FROM analytics_delays WHERE %s', cond)
            INTO r USING within;
    END IF;
    RETURN r;
END $$;
-- Equal, except that the two means (exact seconds divided once; numeric avg) may differ in the
-- last bits of a double.
CREATE FUNCTION pg_temp.same(a railway.punctuality_stats, b railway.punctuality_stats)
    RETURNS boolean LANGUAGE sql AS $$
SELECT coalesce((a.runs, a.measured, a.on_time, a.on_time_pct, a.p50_delay_min, a.p90_delay_min,
                 a.p95_delay_min, a.p99_delay_min, a.max_delay_min)
                IS NOT DISTINCT FROM
                (b.runs, b.measured, b.on_time, b.on_time_pct, b.p50_delay_min, b.p90_delay_min,
                 b.p95_delay_min, b.p99_delay_min, b.max_delay_min)
            AND (a.avg_delay_min IS NULL) = (b.avg_delay_min IS NULL)
            AND (a.avg_delay_min IS NULL
                 OR abs(a.avg_delay_min - b.avg_delay_min) <= 1e-9 * greatest(1, abs(b.avg_delay_min))),
            false)
$$;
-- Runs a statement and reports ok or the SQLSTATE and message of its error.
CREATE FUNCTION pg_temp.try(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- The data: 3000 rows, 14 without a scheduled time, 130 without an actual one.
SELECT count(*) AS rows, count(scheduled) AS scheduled, count(actual) AS actual,
       count(delay) AS measured, count(*) FILTER (WHERE delay < interval '0') AS early,
       count(*) FILTER (WHERE delay > interval '1 day') AS over_a_day,
       min(delay_min) AS min_delay_min, max(delay_min) AS max_delay_min
FROM analytics_delays;

-- punctuality against plain SQL, on the whole set and on the edge cases.
SELECT cond, pg_temp.native(cond) AS punctuality, pg_temp.same(pg_temp.native(cond), pg_temp.plain(cond)) AS same
FROM (VALUES ('true'),                              -- everything
             ('false'),                             -- no rows: zero counts, NULL figures
             ('actual IS NULL'),                    -- nothing measured: runs only
             ('scheduled IS NULL'),                 -- no scheduled time: not even a run
             ('actual IS NULL AND scheduled IS NULL'),
             ('id = 7'),                            -- one run, 119 s early: minute -2
             ('id = 10'),                           -- one run, 330 s late: minute 5, not on time
             ('id = 1'),                            -- one run, 7919 % 400 - 60 = 259 s: minute 4
             ('delay < interval ''0'''),            -- only early runs
             ('delay > interval ''1 day'''),        -- only runs over a day late
             ('line = ''north''')) AS c(cond);

-- The three-argument form: on_time_within (a month is 30 days, as in interval comparison).
SELECT within, (pg_temp.native('true', within)).on_time AS on_time,
       (pg_temp.native('true', within)).on_time_pct AS on_time_pct,
       pg_temp.same(pg_temp.native('true', within), pg_temp.plain('true', within)) AS same
FROM (VALUES (interval '5 minutes'), (interval '0'), (interval '-1 minute'), (interval '90 seconds'),
             (interval '1 hour'), (interval '1 day 1 hour'), (interval '1 mon')) AS w(within);
-- The two-argument form is the three-argument one with '5 minutes'.
SELECT railway.punctuality(scheduled, actual) = railway.punctuality(scheduled, actual, '5 minutes') AS same_default
FROM analytics_runs;

-- GROUP BY and FILTER.
SELECT line, railway.punctuality(scheduled, actual) AS punctuality,
       pg_temp.same(railway.punctuality(scheduled, actual), pg_temp.plain(format('line = %L', line))) AS same,
       (railway.punctuality(scheduled, actual) FILTER (WHERE id % 2 = 0)).runs AS even_runs,
       pg_temp.same(railway.punctuality(scheduled, actual) FILTER (WHERE id % 2 = 0),
                    pg_temp.plain(format('line = %L AND id %% 2 = 0', line))) AS same_filtered
FROM analytics_runs GROUP BY line ORDER BY line;

-- Window frames: the final function is called after every row and leaves the state as it is.
-- A moving frame of three rows (PostgreSQL recomputes the aggregate for each frame: there is
-- no inverse transition function)...
SELECT count(*) AS rows,
       count(*) FILTER (WHERE NOT pg_temp.same(w.p, pg_temp.plain(format('id BETWEEN %s AND %s', w.id - 2, w.id)))) AS different
FROM (SELECT id, railway.punctuality(scheduled, actual) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS p
      FROM analytics_runs WHERE id <= 300) AS w;
SELECT id, delay_min, railway.punctuality(scheduled, actual) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
FROM analytics_delays WHERE id BETWEEN 20 AND 24 ORDER BY id;
-- ... a growing frame (the same state gets more rows after each final call) ...
SELECT count(*) AS rows,
       count(*) FILTER (WHERE NOT pg_temp.same(w.p, pg_temp.plain(format('id <= %s', w.id)))) AS different
FROM (SELECT id, railway.punctuality(scheduled, actual) OVER (ORDER BY id) AS p
      FROM analytics_runs WHERE id <= 300) AS w;
-- ... and partitions with the other aggregates.
SELECT line, id,
       railway.operation_days(scheduled) OVER w AS days,
       railway.hourly_profile(scheduled) OVER w AS hours
FROM analytics_runs WHERE id IN (3, 6, 9, 300, 600) WINDOW w AS (PARTITION BY line ORDER BY id)
ORDER BY line, id;

-- operation_days against COUNT(DISTINCT DATE(...)), hourly_profile against a count per hour,
-- weekday_profile against a count per element; with GROUP BY and FILTER.
SELECT line, railway.operation_days(scheduled) AS days,
       railway.operation_days(scheduled) = count(DISTINCT scheduled::date) AS same_days,
       railway.operation_days(actual) FILTER (WHERE id > 1500) = count(DISTINCT actual::date) FILTER (WHERE id > 1500) AS same_filtered,
       railway.hourly_profile(actual) AS arrivals_per_hour,
       railway.hourly_profile(actual) = ARRAY(SELECT count(r.actual) FILTER (WHERE extract(hour FROM r.actual) = h)
                                              FROM generate_series(0, 23) AS h
                                              LEFT JOIN analytics_runs AS r ON r.line = g.line
                                              GROUP BY h ORDER BY h) AS same_hours
FROM analytics_runs AS g GROUP BY line ORDER BY line;
SELECT railway.operation_days(t) AS none_days, railway.hourly_profile(t) AS none_hours,
       railway.weekday_profile(d) AS none_weekdays
FROM (SELECT NULL::timestamp, NULL::boolean[] FROM analytics_runs WHERE id <= 3) AS x(t, d);
SELECT railway.operation_days(t) AS empty_days, railway.hourly_profile(t) AS empty_hours,
       railway.weekday_profile(d) AS empty_weekdays
FROM (SELECT NULL::timestamp, NULL::boolean[] WHERE false) AS x(t, d);
-- Before 2000 and across midnight: dates and hours floor (23:59:59.999999 is 23, not 0).
SELECT railway.operation_days(t) AS days, count(DISTINCT t::date) AS plain_days,
       (railway.hourly_profile(t))[24] AS at_23, (railway.hourly_profile(t))[1] AS at_0
FROM (VALUES (timestamp '1999-12-31 23:59:59.999999'), ('2000-01-01 00:00'), ('1066-10-14 23:30'),
             ('4713-01-01 00:00 BC'), ('294276-12-31 23:59:59.999999')) AS v(t);
-- weekday_profile: days[1] counts the arrays that run on Mondays, etc.
CREATE TEMP TABLE analytics_days AS
SELECT i, CASE WHEN i % 17 = 0 THEN NULL
               ELSE ARRAY[i % 2 = 0, i % 3 = 0, i % 5 <> 0, true, i % 4 = 1, i % 7 = 0, false] END AS days
FROM generate_series(1, 500) AS i;
SELECT railway.weekday_profile(days) AS weekdays,
       railway.weekday_profile(days) = ARRAY(SELECT count(*) FILTER (WHERE a.days[d])
                                             FROM generate_series(1, 7) AS d CROSS JOIN analytics_days AS a
                                             GROUP BY d ORDER BY d) AS same,
       railway.weekday_profile(days) FILTER (WHERE i <= 10) AS first_ten
FROM analytics_days;
SELECT railway.weekday_profile(running_days) AS a_week
FROM (VALUES ('{t,t,t,t,t,f,f}'::boolean[]), ('{f,f,f,f,f,t,t}'), ('{t,f,f,f,f,f,f}'),
             (railway.parse_running_days('1-3-5-7'))) AS v(running_days);

-- Errors and edge cases: never a crash, a clear message and SQLSTATE.
SELECT statement, pg_temp.try(statement) AS result FROM (VALUES
    ('SELECT railway.punctuality(s, a) FROM (VALUES (timestamp ''infinity'', timestamp ''2024-01-01'')) AS v(s, a)'),
    ('SELECT railway.punctuality(s, a) FROM (VALUES (timestamp ''2024-01-01'', timestamp ''-infinity'')) AS v(s, a)'),
    ('SELECT railway.punctuality(s, a) FROM (VALUES (timestamp ''294276-12-31'', timestamp ''4713-01-01 BC'')) AS v(s, a)'),
    ('SELECT railway.punctuality(scheduled, actual, NULL) FROM analytics_runs'),
    ('SELECT railway.punctuality(scheduled, actual, make_interval(mins => id % 2)) FROM analytics_runs'),
    ('SELECT railway.operation_days(t) FROM (VALUES (timestamp ''2024-01-01''), (''infinity'')) AS v(t)'),
    ('SELECT railway.hourly_profile(t) FROM (VALUES (timestamp ''-infinity'')) AS v(t)'),
    ('SELECT railway.weekday_profile(d) FROM (VALUES (''{t,t}''::boolean[])) AS v(d)'),
    ('SELECT railway.weekday_profile(d) FROM (VALUES (''{t,NULL,t,t,t,t,t}''::boolean[])) AS v(d)'),
    ('SELECT railway.weekday_profile(d) FROM (VALUES (''{{t,t,t,t,t,t,t}}''::boolean[])) AS v(d)'),
    ('SELECT railway.weekday_profile(d) FROM (VALUES (''[0:6]={t,t,t,t,t,t,t}''::boolean[])) AS v(d)')
) AS t(statement);
-- An infinite scheduled time without an actual one is a run with nothing to measure (as
-- count(scheduled) counts it). Delays of any size that fits an interval are measured exactly;
-- a microsecond early is minute -1.
SELECT railway.punctuality(s, a) AS infinite_scheduled_not_measured
FROM (VALUES (timestamp 'infinity', NULL::timestamp), ('-infinity', NULL)) AS v(s, a);
SELECT railway.punctuality(s, a) AS extreme_delays,
       max(floor(extract(epoch FROM a - s) / 60)) AS plain_max_delay_min
FROM (VALUES (timestamp '2024-01-01', timestamp '100000-01-01'), ('2024-01-01 12:00', '2024-01-01 11:59:59.999999')) AS v(s, a);
-- On time is delay <= on_time_within, to the microsecond.
SELECT railway.punctuality(s, s + d) AS at_the_limit
FROM (VALUES (timestamp '2024-01-01 10:00', interval '5 minutes'), ('2024-01-01 11:00', interval '5 minutes 0.000001 seconds')) AS v(s, d);
-- Delays of 100 days (beyond the dense window of the histogram) among short ones.
SELECT railway.punctuality(s, s + make_interval(days => 100 * (i % 2), secs => 90)) AS far_delays
FROM generate_series(1, 1000) AS i, LATERAL (SELECT timestamp '2024-01-01' + i * interval '1 hour') AS t(s);

-- Parallel aggregation: Partial Aggregate in the workers, states serialized, combined by the
-- leader; the same results as the serial plan.
CREATE TEMP TABLE analytics_serial AS
SELECT railway.punctuality(scheduled, actual) AS p, railway.punctuality(scheduled, actual, '1 hour') AS p_hour,
       railway.operation_days(scheduled) AS days, railway.hourly_profile(scheduled) AS hours,
       railway.weekday_profile(ARRAY[id % 2 = 0, id % 3 = 0, true, false, false, false, id % 5 = 0]) AS weekdays
FROM analytics_runs;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SET force_parallel_mode = on;
EXPLAIN (COSTS OFF)
SELECT railway.punctuality(scheduled, actual), railway.punctuality(scheduled, actual, '1 hour'),
       railway.operation_days(scheduled), railway.hourly_profile(scheduled),
       railway.weekday_profile(ARRAY[id % 2 = 0, id % 3 = 0, true, false, false, false, id % 5 = 0])
FROM analytics_runs;
SELECT s.p = x.p AND s.p_hour = x.p_hour AND s.days = x.days AND s.hours = x.hours
       AND s.weekdays = x.weekdays AS same_as_serial
FROM analytics_serial AS s,
     (SELECT railway.punctuality(scheduled, actual) AS p, railway.punctuality(scheduled, actual, '1 hour') AS p_hour,
             railway.operation_days(scheduled) AS days, railway.hourly_profile(scheduled) AS hours,
             railway.weekday_profile(ARRAY[id % 2 = 0, id % 3 = 0, true, false, false, false, id % 5 = 0]) AS weekdays
      FROM analytics_runs) AS x;
-- Grouped, with a parallel hash aggregate.
SET enable_sort = off;
EXPLAIN (COSTS OFF)
SELECT line, railway.punctuality(scheduled, actual) FROM analytics_runs GROUP BY line;
SELECT line, pg_temp.same(railway.punctuality(scheduled, actual), pg_temp.plain(format('line = %L', line))) AS same
FROM analytics_runs GROUP BY line ORDER BY line;
RESET enable_sort;
RESET force_parallel_mode;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;

-- Partitioned tables: per-partition partial aggregates combined, and whole groups per partition.
CREATE TABLE analytics_runs_by_line (LIKE analytics_runs) PARTITION BY LIST (line);
CREATE TABLE analytics_runs_north PARTITION OF analytics_runs_by_line FOR VALUES IN ('north');
CREATE TABLE analytics_runs_south PARTITION OF analytics_runs_by_line FOR VALUES IN ('south');
CREATE TABLE analytics_runs_east PARTITION OF analytics_runs_by_line FOR VALUES IN ('east');
INSERT INTO analytics_runs_by_line SELECT * FROM analytics_runs;
ANALYZE analytics_runs_by_line;
SET enable_partitionwise_aggregate = on;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF)
SELECT railway.punctuality(scheduled, actual), railway.operation_days(scheduled) FROM analytics_runs_by_line;
SELECT p.p = s.p AND p.days = s.days AS same_as_unpartitioned
FROM (SELECT railway.punctuality(scheduled, actual) AS p, railway.operation_days(scheduled) AS days
      FROM analytics_runs_by_line) AS p,
     analytics_serial AS s;
SELECT line, pg_temp.same(railway.punctuality(scheduled, actual), pg_temp.plain(format('line = %L', line))) AS same
FROM analytics_runs_by_line GROUP BY line ORDER BY line;
RESET max_parallel_workers_per_gather;
RESET enable_partitionwise_aggregate;

DROP TABLE analytics_runs_by_line;
DROP VIEW analytics_delays;
DROP TABLE analytics_runs;
