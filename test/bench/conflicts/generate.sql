-- Benchmark timetable generator (not part of the extension): a deterministic, realistic
-- timetable of N schedules for ceil(N/20) trains, for railway.schedules.
--
--   \i test/bench/conflicts/generate.sql                 -- defines the bench_* functions below
--   SELECT bench_load(1000000);                           -- truncates the railway tables, loads
--                                                         -- 2,000 locations, 50,000 trains, 1M schedules
-- or, piece by piece (e.g. an insert benchmark of 200,000 schedules):
--   INSERT INTO railway.locations (name, code) SELECT * FROM bench_generate_locations();
--   INSERT INTO railway.trains (train_number, description, type)
--       SELECT * FROM bench_generate_trains(200000);
--   INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
--           scheduled_departure, scheduled_arrival, actual_departure, actual_arrival, status,
--           is_cancelled, running_days, effective_start_date, effective_end_date)
--       SELECT * FROM bench_generate_schedules(200000);
--
-- Deterministic: every value is a hash of (row number, salt, seed) (hashint8extended), not of
-- random(), so the output does not depend on evaluation order or parallelism, and the first
-- M rows of bench_generate_schedules(N) are bench_generate_schedules(M) for any M <= N
-- (train k always has the same 20 schedules). Rows come in (train, schedule) order.
--
-- The mix (train k gets one kind, 20 schedules each; all dates on or after 2025-01-06,
-- departures on the minute):
--   40% local:     10 weekday (12345--) and 6 weekend (-----67) trips of 30-120 min, open-ended
--                  (30% of trains: one year); 4 Friday/Saturday late-evening summer extras valid
--                  2-10 weeks.
--   25% intercity: 4 daily trips of 2-4.5 h (the last one overnight) in 5 consecutive timetable
--                  periods of 60-120 days, the last open-ended: the same weekly pattern with
--                  different base dates, conflict-free because the date ranges do not meet.
--   15% overnight: a night train (21:00-22:30, 8-10 h) on nights 1-3-5-7 one way and 2-4-6 back,
--                  in 7 periods of 4-12 weeks (last open-ended), and 6 daily daytime shuttles.
--   12% long-distance: multi-day runs Mon (40-44 h), Wed (40-44 h), Fri (36-40 h) in 6 periods
--                  of 6-18 weeks (last open-ended), and 2 one-day Sunday specials.
--    8% freight:   20 single-weekday paths of 3-6 h, open-ended or 1-12 months.
-- Statuses: 2% cancelled (is_cancelled too), 4% delayed and 4% completed with actual times,
-- 3% running. Conflicts (about 3% of the schedules are perturbed, conflict_rate): a trip
-- lengthened into the next one, a timetable period extended into the next one (same pattern,
-- different base dates: the guide's query misses it), a Saturday-only shuttle leaving before
-- Friday's night train has arrived (overnight into a next-day service: missed too), a
-- multi-day run lengthened into the next, a Sunday special during a weekend run's arrival.

-- A uniform number in [0, 1) from (i, salt, seed).
CREATE FUNCTION bench_u(i bigint, salt integer, seed integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (hashint8extended(i, seed::bigint * 1000 + salt) & 2147483647)::double precision
           / 2147483648.0;

-- A whole number in [0, n) from (i, salt, seed).
CREATE FUNCTION bench_pick(i bigint, salt integer, seed integer, n integer) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN floor(bench_u(i, salt, seed) * n)::integer;

-- The kind of train k (same for every N): local, intercity, overnight, long or freight.
CREATE FUNCTION bench_train_kind(k bigint, seed integer) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN bench_u(k, 1, seed) < 0.40 THEN 'local'
                WHEN bench_u(k, 1, seed) < 0.65 THEN 'intercity'
                WHEN bench_u(k, 1, seed) < 0.80 THEN 'overnight'
                WHEN bench_u(k, 1, seed) < 0.92 THEN 'long'
                ELSE 'freight' END;

CREATE FUNCTION bench_train_number(k bigint) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN 'BT' || lpad(k::text, 7, '0');

-- The stations: `count` of them, codes BS0001, BS0002, ...
CREATE FUNCTION bench_generate_locations(count integer DEFAULT 2000)
    RETURNS TABLE (name text, code text)
    LANGUAGE sql IMMUTABLE STRICT
AS $$
    SELECT 'Bench station ' || x, 'BS' || lpad(x::text, 4, '0')
    FROM generate_series(1, count) AS x ORDER BY x
$$;

-- The trains of an N-schedule timetable: ceil(N/20) of them, numbers BT0000001, ...
CREATE FUNCTION bench_generate_trains(n bigint, seed integer DEFAULT 1)
    RETURNS TABLE (train_number text, description text, type text)
    LANGUAGE sql IMMUTABLE STRICT
AS $$
    SELECT bench_train_number(k), 'bench ' || kind || ' train',
           CASE kind WHEN 'local' THEN 'local' WHEN 'freight' THEN 'freight' ELSE 'express' END
    FROM generate_series(1::bigint, (n + 19) / 20) AS k,
         LATERAL (SELECT bench_train_kind(k, seed) AS kind) AS x
    ORDER BY k
$$;

-- The weekly plan of row i (schedule j of train k) in minutes and day offsets from
-- 2025-01-06 (a Monday): departure time of day, duration, running days ('1111100' = Mon-Fri),
-- first and last departure date (NULL = open-ended), direction (0 = outward).
CREATE FUNCTION bench_plan(n bigint, seed integer DEFAULT 1, conflict_rate double precision DEFAULT 0.03)
    RETURNS TABLE (i bigint, k bigint, dep integer, dur integer, days text, start_off integer,
                   end_off integer, dir integer)
    LANGUAGE sql IMMUTABLE STRICT
AS $$
WITH r AS (
    SELECT i, i / 20 + 1 AS k, (i % 20)::integer AS j,
           bench_train_kind(i / 20 + 1, seed) AS kind,
           bench_pick(i / 20 + 1, 4, seed, 28) AS sk,          -- the train's first date
           bench_u(i, 99, seed) < conflict_rate AS perturbed
    FROM generate_series(0::bigint, n - 1) AS i
)
-- local: 10 weekday trips, 6 weekend trips, 4 summer extras (Friday/Saturday late evening).
SELECT i, k,
       CASE WHEN j < 10 THEN 300 + j * 100 + bench_pick(i, 2, seed, 20)
            WHEN j < 16 THEN 420 + (j - 10) * 140 + bench_pick(i, 2, seed, 20)
            WHEN perturbed THEN 1250                          -- before the Friday 20:xx trip ends
            ELSE 1300 + (j - 16) * 35 END,
       CASE WHEN j < 10 THEN 30 + bench_pick(i, 3, seed, 50) + CASE WHEN perturbed AND j < 9 THEN 100 ELSE 0 END
            WHEN j < 16 THEN 60 + bench_pick(i, 3, seed, 60)
            ELSE 20 + bench_pick(i, 3, seed, 15) + CASE WHEN perturbed THEN 20 ELSE 0 END END,
       CASE WHEN j < 10 THEN '1111100' WHEN j < 16 THEN '0000011' ELSE '0000110' END,
       CASE WHEN j < 16 THEN sk ELSE sk + 140 + bench_pick(i, 4, seed, 60) END,
       CASE WHEN j < 16 THEN CASE WHEN bench_u(k, 5, seed) < 0.3 THEN sk + 364 END
            ELSE sk + 140 + bench_pick(i, 4, seed, 60) + 13 + bench_pick(i, 5, seed, 57) END,
       j % 2
FROM r WHERE kind = 'local'
UNION ALL
-- intercity: 4 daily trips (the last overnight) in 5 consecutive periods of 60-120 days.
SELECT i, k,
       360 + t * 300 + bench_pick(k, 10 + t, seed, 40),
       120 + bench_pick(k, 20 + t, seed, 135),
       CASE WHEN t = 0 AND bench_u(k, 25, seed) < 0.3 THEN '1111110' ELSE '1111111' END,
       sk + ps,
       CASE WHEN p < 4 THEN sk + ps + 60 + bench_pick(k, 30 + p, seed, 61) - 1
                            + CASE WHEN perturbed THEN 7 + bench_pick(i, 6, seed, 14) ELSE 0 END END,
       t % 2
FROM r, LATERAL (SELECT j % 4 AS t, j / 4 AS p) AS x,
     LATERAL (SELECT coalesce(sum(60 + bench_pick(k, 30 + q, seed, 61)), 0)::integer AS ps
              FROM generate_series(0, p - 1) AS q) AS y
WHERE kind = 'intercity'
UNION ALL
-- overnight: night runs on nights 1-3-5-7 (out) and 2-4-6 (back) in 7 periods of 4-12 weeks;
-- 6 daily daytime shuttles, or a perturbed Saturday-only one before Friday's night run arrives.
SELECT i, k,
       CASE WHEN j < 14 THEN 1260 + bench_pick(k, 40 + j % 2, seed, 90)
            WHEN perturbed THEN 1260 + bench_pick(k, 40, seed, 90) + 480 + bench_pick(k, 42, seed, 120) - 1440 - 30
            ELSE 600 + (j - 14) * 100 + bench_pick(i, 2, seed, 20) END,
       CASE WHEN j < 14 THEN 480 + bench_pick(k, 42 + j % 2, seed, 120)
            WHEN perturbed THEN 60
            ELSE 30 + bench_pick(i, 3, seed, 46) END,
       CASE WHEN j < 14 THEN CASE j % 2 WHEN 0 THEN '1010101' ELSE '0101010' END
            WHEN perturbed THEN '0000010'
            ELSE '1111111' END,
       CASE WHEN j < 14 THEN sk + ps ELSE sk END,
       CASE WHEN j < 12 THEN sk + ps + 28 + bench_pick(k, 50 + j / 2, seed, 57) - 1 END,
       j % 2
FROM r, LATERAL (SELECT coalesce(sum(28 + bench_pick(k, 50 + q, seed, 57)), 0)::integer AS ps
                 FROM generate_series(0, least(j, 14) / 2 - 1) AS q) AS y
WHERE kind = 'overnight'
UNION ALL
-- long: multi-day runs Mon, Wed, Fri in 6 periods of 6-18 weeks; 2 one-day Sunday specials
-- (perturbed: during the arrival of the Friday run).
SELECT i, k,
       CASE WHEN j >= 18 THEN CASE WHEN perturbed
                                   THEN greatest(720 + bench_pick(k, 64, seed, 60) + 2160 + bench_pick(k, 65, seed, 240) - 2880 - 60, 0)
                                   ELSE 540 END
            WHEN leg = 0 THEN 480 + bench_pick(k, 60, seed, 60)
            WHEN leg = 1 THEN 600 + bench_pick(k, 62, seed, 60)
            ELSE 720 + bench_pick(k, 64, seed, 60) END,
       CASE WHEN j >= 18 THEN CASE WHEN perturbed THEN 180 ELSE 600 END
            WHEN leg = 0 THEN 2400 + bench_pick(k, 61, seed, 240)
            WHEN leg = 1 THEN 2400 + bench_pick(k, 63, seed, 240)
            ELSE 2160 + bench_pick(k, 65, seed, 240) END
       + CASE WHEN perturbed AND j < 18 THEN 1800 ELSE 0 END,
       CASE WHEN j >= 18 THEN '1111111' WHEN leg = 0 THEN '1000000' WHEN leg = 1 THEN '0010000' ELSE '0000100' END,
       CASE WHEN j >= 18 THEN sunday ELSE sk + ps END,
       CASE WHEN j >= 18 THEN sunday
            WHEN j < 15 THEN sk + ps + 42 + bench_pick(k, 70 + j / 3, seed, 85) - 1 END,
       leg % 2
FROM r, LATERAL (SELECT j % 3 AS leg, sk + (6 - sk % 7 + 7) % 7 + 7 * (j - 17) AS sunday) AS x,
     LATERAL (SELECT coalesce(sum(42 + bench_pick(k, 70 + q, seed, 85)), 0)::integer AS ps
              FROM generate_series(0, least(j, 18) / 3 - 1) AS q) AS y
WHERE kind = 'long'
UNION ALL
-- freight: 20 single-weekday paths in 3 slots of 8 hours; perturbed: 8 hours longer.
SELECT i, k,
       (j / 7) * 480 + bench_pick(i, 2, seed, 60),
       180 + bench_pick(i, 3, seed, 180) + CASE WHEN perturbed THEN 480 ELSE 0 END,
       overlay('0000000' PLACING '1' FROM j % 7 + 1),
       sk + bench_pick(i, 4, seed, 200),
       CASE WHEN bench_u(i, 5, seed) >= 0.5 THEN sk + bench_pick(i, 4, seed, 200) + 30 + bench_pick(i, 6, seed, 335) END,
       j % 2
FROM r WHERE kind = 'freight'
$$;

-- N schedules in the column order of railway.schedules (without id), in (train, schedule)
-- order. The trains (bench_generate_trains(N)) and stations (bench_generate_locations())
-- must already be in railway.trains and railway.locations.
CREATE FUNCTION bench_generate_schedules(n bigint, seed integer DEFAULT 1,
                                         conflict_rate double precision DEFAULT 0.03)
    RETURNS TABLE (train_id integer, departure_location_id integer, arrival_location_id integer,
                   scheduled_departure timestamp, scheduled_arrival timestamp,
                   actual_departure timestamp, actual_arrival timestamp, status text,
                   is_cancelled boolean, running_days boolean[], effective_start_date timestamp,
                   effective_end_date timestamp)
    LANGUAGE sql STABLE STRICT
AS $$
WITH stations AS (
    SELECT array_agg(id ORDER BY code) AS ids, count(*)::integer AS count
    FROM railway.locations WHERE code ~ '^BS[0-9]{4}$'
), p AS (
    SELECT plan.*, bench_u(plan.i, 90, seed) AS su, bench_pick(plan.i, 91, seed, 45) AS delay,
           timestamp '2025-01-06' + make_interval(days => plan.start_off, mins => plan.dep) AS dep_ts,
           1 + bench_pick(plan.k, 80, seed, stations.count) AS home,
           1 + (bench_pick(plan.k, 80, seed, stations.count) + bench_pick(plan.k, 81, seed, stations.count - 1) + 1)
               % stations.count AS away,
           stations.ids
    FROM bench_plan(n, seed, conflict_rate) AS plan, stations
)
SELECT t.id, p.ids[CASE p.dir WHEN 0 THEN p.home ELSE p.away END],
       p.ids[CASE p.dir WHEN 0 THEN p.away ELSE p.home END],
       p.dep_ts, p.dep_ts + make_interval(mins => p.dur),
       CASE WHEN p.su >= 0.02 AND p.su < 0.13 THEN p.dep_ts + make_interval(mins => p.delay / 3) END,
       CASE WHEN p.su >= 0.02 AND p.su < 0.10
            THEN p.dep_ts + make_interval(mins => p.dur + p.delay) END,
       CASE WHEN p.su < 0.02 THEN 'cancelled' WHEN p.su < 0.06 THEN 'delayed'
            WHEN p.su < 0.10 THEN 'completed' WHEN p.su < 0.13 THEN 'running' ELSE 'scheduled' END,
       p.su < 0.02,
       string_to_array(translate(p.days, '10', 'tf'), NULL)::boolean[],
       timestamp '2025-01-06' + make_interval(days => p.start_off),
       timestamp '2025-01-06' + make_interval(days => p.end_off)
FROM p JOIN railway.trains AS t ON t.train_number = bench_train_number(p.k)
ORDER BY p.i
$$;

-- Empties the railway tables and loads N schedules, their trains and 2,000 stations; then
-- VACUUM ANALYZE (run separately: not allowed inside a function) makes the timings stable.
CREATE FUNCTION bench_load(n bigint, seed integer DEFAULT 1, conflict_rate double precision DEFAULT 0.03)
    RETURNS bigint
    LANGUAGE plpgsql
AS $$
DECLARE
    loaded bigint;
BEGIN
    TRUNCATE railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
    INSERT INTO railway.locations (name, code) SELECT * FROM bench_generate_locations();
    INSERT INTO railway.trains (train_number, description, type)
        SELECT * FROM bench_generate_trains(n, seed);
    INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
            scheduled_departure, scheduled_arrival, actual_departure, actual_arrival, status,
            is_cancelled, running_days, effective_start_date, effective_end_date)
        SELECT * FROM bench_generate_schedules(n, seed, conflict_rate);
    GET DIAGNOSTICS loaded = ROW_COUNT;
    RETURN loaded;
END
$$;
