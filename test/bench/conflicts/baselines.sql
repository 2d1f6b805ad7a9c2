-- The plain-SQL baselines that railway.find_conflicts() is measured against (benchmark only,
-- not part of the extension).

-- What the application does today: the operations guide's conflict check, run once per
-- schedule (as when each schedule is saved). Absolute (scheduled_departure, scheduled_arrival)
-- pairs compared with OVERLAPS; running_days and effective dates ignored, so it is wrong
-- (misses real conflicts, reports false ones), but it is the reference for cost. Runs it for
-- the schedules whose id is a multiple of `step` (1: every schedule) and returns how many
-- schedules were checked and how many conflicting rows were reported in all. The query is
-- planned once and re-executed (PL/pgSQL caches the plan), as a prepared statement would be,
-- and the rows are fetched (no round trips: a lower bound for the application's cost).
CREATE FUNCTION bench_guide_per_schedule(step integer DEFAULT 1,
                                         OUT checked bigint, OUT reported bigint)
    LANGUAGE plpgsql
    SET search_path = railway, pg_catalog
AS $$
DECLARE
    s record;
    c record;
BEGIN
    checked := 0;
    reported := 0;
    FOR s IN SELECT id, train_id, scheduled_departure, scheduled_arrival
             FROM railway.schedules WHERE id % step = 0 ORDER BY id LOOP
        checked := checked + 1;
        FOR c IN
            SELECT sc.*, t.train_number, dl.name AS departure_location, al.name AS arrival_location
            FROM schedules sc
            JOIN trains t ON sc.train_id = t.id
            JOIN locations dl ON sc.departure_location_id = dl.id
            JOIN locations al ON sc.arrival_location_id = al.id
            WHERE sc.train_id = s.train_id
              AND sc.id <> s.id
              AND sc.status <> 'cancelled'
              AND NOT sc.is_cancelled
              AND (sc.scheduled_departure, sc.scheduled_arrival)
                  OVERLAPS (s.scheduled_departure, s.scheduled_arrival)
        LOOP
            reported := reported + 1;
        END LOOP;
    END LOOP;
END
$$;

-- The guide's query as one self-join: the pairs it reports (for the answers' comparison).
CREATE FUNCTION bench_guide_pairs()
    RETURNS TABLE (schedule_id integer, other_schedule_id integer)
    LANGUAGE sql STABLE
AS $$
    SELECT a.id, b.id
    FROM railway.schedules a JOIN railway.schedules b
      ON a.train_id = b.train_id AND a.id < b.id
    WHERE NOT a.is_cancelled AND a.status <> 'cancelled'
      AND NOT b.is_cancelled AND b.status <> 'cancelled'
      AND (a.scheduled_departure, a.scheduled_arrival) OVERLAPS (b.scheduled_departure, b.scheduled_arrival)
$$;

-- The correct detection in plain SQL, over a horizon: every departure date D in
-- [h0, h0 + days - 1] (DESIGN.md section 2: effective dates, running_days[isodow(D)]) gives the
-- occurrence [D + departure time of day, + duration); two active schedules of the same train
-- conflict when two of their occurrences overlap (&&: half-open ranges, back-to-back is not an
-- overlap). The join is on (train, calendar day touched) and then on range overlap: two
-- overlapping occurrences share an instant, hence a day, so no pair is lost, and each day's
-- join stays small (a join on train_id alone compares every occurrence of a train with every
-- other: hundreds of times slower).
CREATE FUNCTION bench_sql_conflicts(h0 date, days integer DEFAULT 365)
    RETURNS TABLE (schedule_id integer, other_schedule_id integer)
    LANGUAGE sql STABLE
AS $$
    WITH occurrences AS (
        SELECT s.id, s.train_id,
               tsrange(d + s.scheduled_departure::time,
                       d + s.scheduled_departure::time + (s.scheduled_arrival - s.scheduled_departure)) AS r
        FROM railway.schedules s,
             LATERAL (SELECT h0 + x AS d
                      FROM generate_series(greatest(s.effective_start_date::date - h0, 0),
                                           least(coalesce(s.effective_end_date::date - h0, days - 1), days - 1)) AS x) AS g
        WHERE NOT s.is_cancelled AND s.status <> 'cancelled'
          AND s.running_days[extract(isodow FROM g.d)::integer]
    ), by_day AS (
        SELECT o.id, o.train_id, o.r, day
        FROM occurrences o,
             LATERAL generate_series(date_trunc('day', lower(o.r)), upper(o.r) - interval '1 microsecond',
                                     interval '1 day') AS day
    )
    SELECT DISTINCT a.id, b.id
    FROM by_day a JOIN by_day b
      ON a.train_id = b.train_id AND a.day = b.day AND a.id < b.id AND a.r && b.r
$$;
