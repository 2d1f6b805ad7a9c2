-- Analytics on runs (issue 13): the four reports count runs (railway.runs) instead of schedule
-- rows; same signatures and result columns as 1.0. These are their final bodies (they replace
-- the PL/pgSQL bodies of 80_citus.sql); src/sql/71_reports.sql has the same text.

-- The native scan of the reports (src/pg/run_reports.cpp, README "Analytics on runs"): one read
-- of the window's runs from the heap, grouped by day, train, route or hour, with the figures the
-- aggregates would give. The reports use it where it applies (railway.run_report_scan()) and
-- their SQL otherwise (row-level security, column privileges only, a Citus coordinator).
CREATE FUNCTION railway.run_report_scan() RETURNS boolean
    AS 'MODULE_PATHNAME', 'railway_run_report_scan'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.run_report_scan() IS
    'Whether the reports read railway.runs natively for the current user: SELECT on railway.runs and railway.schedules, no row-level security for the user on them, railway.runs range-partitioned into plain tables and not distributed by Citus. Otherwise the reports run their SQL.';

CREATE FUNCTION railway.run_report_groups(since date, by text)
    RETURNS TABLE (group_day date, group_train integer, group_departure_location integer,
                   group_arrival_location integer, group_hour integer, runs bigint, completed bigint,
                   delayed bigint, cancelled bigint, operation_days bigint, avg_duration_min float8,
                   departures bigint, avg_delay_min float8, on_time_pct float8, p90_delay_min float8)
    AS 'MODULE_PATHNAME', 'railway_run_report_groups'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION railway.run_report_groups(date, text) IS
    'The runs with a run date from since on, read once from the heap and grouped by ''day'' (group_day: runs, completed, delayed, cancelled = the run or its schedule cancelled, punctuality of the arrivals), ''train'' (group_train: runs, operation_days, avg_duration_min planned, punctuality), ''route'' (the schedule''s group_departure_location and group_arrival_location: runs, punctuality) or ''hour'' (group_hour 0-23: runs planned to arrive in it and their punctuality, departures planned in it): avg_delay_min, on_time_pct (at most 5 minutes late), p90_delay_min as railway.punctuality gives them. What the reports read; 42501 where railway.run_report_scan() is false.';

CREATE OR REPLACE FUNCTION railway.schedule_overview(since timestamp DEFAULT CURRENT_DATE - interval '30 days')
    RETURNS TABLE (date date, total_schedules bigint, completed bigint, delayed bigint,
                   cancelled bigint, avg_delay_minutes float8, on_time_pct float8,
                   p90_delay_min float8)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
BEGIN
    IF railway.run_report_scan() THEN
        RETURN QUERY
        SELECT g.group_day, g.runs, g.completed, g.delayed, g.cancelled, g.avg_delay_min, g.on_time_pct,
               g.p90_delay_min
        FROM railway.run_report_groups(schedule_overview.since::pg_catalog.date, 'day') AS g
        ORDER BY g.group_day DESC;
        RETURN;
    END IF;
    -- PL/pgSQL, not SQL: Citus plans a query with parameters of a PL/pgSQL function, not of
    -- an SQL function ("could not create distributed plan").
    RETURN QUERY
WITH per_day AS (
    SELECT r.run_date AS day,
           count(*) AS total,
           count(*) FILTER (WHERE r.status = 'completed') AS completed,
           count(*) FILTER (WHERE r.status = 'delayed') AS delayed,
           count(*) FILTER (WHERE r.status = 'cancelled') AS cancelled,
           railway.punctuality(r.planned_arrival, r.actual_arrival) AS p
    FROM railway.runs AS r
    WHERE r.run_date >= schedule_overview.since::pg_catalog.date
    GROUP BY r.run_date
), schedule_cancelled AS (
    -- The other runs of the cancelled schedules (few: read through the runs' indexes).
    SELECT r.run_date AS day, count(*) AS cancelled
    FROM railway.schedules AS s
    JOIN railway.runs AS r ON r.train_id = s.train_id AND r.schedule_id = s.id
    WHERE (s.is_cancelled OR s.status = 'cancelled')
      AND r.status <> 'cancelled'
      AND r.run_date >= schedule_overview.since::pg_catalog.date
    GROUP BY r.run_date
)
SELECT d.day, d.total, d.completed, d.delayed, d.cancelled + COALESCE(c.cancelled, 0),
       (d.p).avg_delay_min, (d.p).on_time_pct, (d.p).p90_delay_min
FROM per_day AS d
LEFT JOIN schedule_cancelled AS c ON c.day = d.day
ORDER BY d.day DESC;
END
$function$;
COMMENT ON FUNCTION railway.schedule_overview(timestamp) IS
    'Per run date from the date of `since` on (default 30 days ago), newest first, over the runs (railway.runs): total_schedules (runs), completed and delayed (run status), cancelled (the run or its schedule cancelled), avg_delay_minutes of the arrivals that have an actual time (actual - planned; not diluted by missing ones), on_time_pct (arrival at most 5 minutes late) and p90_delay_min.';

CREATE OR REPLACE FUNCTION railway.train_utilization(since timestamp DEFAULT CURRENT_DATE - interval '30 days')
    RETURNS TABLE (train_number varchar, type varchar, total_trips bigint, operation_days bigint,
                   avg_trip_duration_minutes float8, on_time_pct float8, p90_delay_min float8)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
BEGIN
    IF railway.run_report_scan() THEN
        RETURN QUERY
        SELECT t.train_number, t.type, COALESCE(u.runs, 0), COALESCE(u.operation_days, 0), u.avg_duration_min,
               u.on_time_pct, u.p90_delay_min
        FROM railway.trains AS t
        LEFT JOIN railway.run_report_groups(train_utilization.since::pg_catalog.date, 'train') AS u
               ON u.group_train = t.id
        ORDER BY COALESCE(u.runs, 0) DESC, t.train_number;
        RETURN;
    END IF;
    -- PL/pgSQL, not SQL: Citus plans a query with parameters of a PL/pgSQL function, not of
    -- an SQL function ("could not create distributed plan").
    RETURN QUERY
SELECT t.train_number, t.type, COALESCE(u.trips, 0), COALESCE(u.days, 0), u.duration,
       (u.p).on_time_pct, (u.p).p90_delay_min
FROM railway.trains AS t
LEFT JOIN (SELECT r.train_id,
                  count(*) AS trips,
                  railway.operation_days(r.run_date::timestamp) AS days,
                  -- The mean planned duration in minutes, exact: punctuality's mean "delay" of
                  -- the planned arrival after the planned departure (native; avg(date_part())
                  -- goes through numeric for every run).
                  (railway.punctuality(r.planned_departure, r.planned_arrival)).avg_delay_min AS duration,
                  railway.punctuality(r.planned_arrival, r.actual_arrival) AS p
           FROM railway.runs AS r
           WHERE r.run_date >= train_utilization.since::pg_catalog.date
           GROUP BY r.train_id) AS u ON u.train_id = t.id
ORDER BY COALESCE(u.trips, 0) DESC, t.train_number;
END
$function$;
COMMENT ON FUNCTION railway.train_utilization(timestamp) IS
    'Per train (every train, busiest first), over its runs (railway.runs) with a run date from the date of `since` on (default 30 days ago): total_trips (runs), operation_days (distinct run dates), avg_trip_duration_minutes (planned), on_time_pct and p90_delay_min of the arrivals. A train without runs has 0 trips and NULL figures.';

CREATE OR REPLACE FUNCTION railway.route_performance(since timestamp DEFAULT CURRENT_DATE - interval '30 days')
    RETURNS TABLE (departure_location varchar, departure_code varchar, arrival_location varchar,
                   arrival_code varchar, total_trips bigint, avg_delay_minutes float8,
                   on_time_percentage float8, p90_delay_min float8)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
BEGIN
    IF railway.run_report_scan() THEN
        RETURN QUERY
        SELECT dl.name, dl.code, al.name, al.code, r.runs, r.avg_delay_min, r.on_time_pct, r.p90_delay_min
        FROM railway.run_report_groups(route_performance.since::pg_catalog.date, 'route') AS r
        JOIN railway.locations AS dl ON dl.id = r.group_departure_location
        JOIN railway.locations AS al ON al.id = r.group_arrival_location
        ORDER BY r.runs DESC, dl.code, al.code;
        RETURN;
    END IF;
    -- PL/pgSQL, not SQL: Citus plans a query with parameters of a PL/pgSQL function, not of
    -- an SQL function ("could not create distributed plan").
    RETURN QUERY
SELECT dl.name, dl.code, al.name, al.code, r.trips,
       (r.p).avg_delay_min, (r.p).on_time_pct, (r.p).p90_delay_min
FROM (SELECT s.departure_location_id, s.arrival_location_id,
             count(*) AS trips,
             railway.punctuality(ru.planned_arrival, ru.actual_arrival) AS p
      FROM railway.runs AS ru
      -- LEFT JOIN: the same rows once joined to locations below (a run always has its
      -- schedule), but the planner estimates them right; an inner join on the two columns is
      -- estimated at a few hundred rows, and the grouping then sorts every run.
      LEFT JOIN railway.schedules AS s ON s.train_id = ru.train_id AND s.id = ru.schedule_id
      WHERE ru.run_date >= route_performance.since::pg_catalog.date
      GROUP BY s.departure_location_id, s.arrival_location_id) AS r
JOIN railway.locations AS dl ON dl.id = r.departure_location_id
JOIN railway.locations AS al ON al.id = r.arrival_location_id
ORDER BY r.trips DESC, dl.code, al.code;
END
$function$;
COMMENT ON FUNCTION railway.route_performance(timestamp) IS
    'Per route (departure and arrival location of the schedule) with runs (railway.runs) from the date of `since` on (default 30 days ago), busiest first: names and codes, total_trips (runs), avg_delay_minutes and on_time_percentage (arrival at most 5 minutes late) of the arrivals that have an actual time, and p90_delay_min.';

CREATE OR REPLACE FUNCTION railway.peak_hours(since timestamp DEFAULT CURRENT_DATE - interval '30 days')
    RETURNS TABLE (hour integer, departures bigint, arrivals bigint, on_time_pct float8,
                   p90_delay_min float8)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
BEGIN
    IF railway.run_report_scan() THEN
        RETURN QUERY
        SELECT g.group_hour, g.departures, g.runs, g.on_time_pct, g.p90_delay_min
        FROM railway.run_report_groups(peak_hours.since::pg_catalog.date, 'hour') AS g
        ORDER BY g.group_hour;
        RETURN;
    END IF;
    -- PL/pgSQL, not SQL: Citus plans a query with parameters of a PL/pgSQL function, not of
    -- an SQL function ("could not create distributed plan").
    -- One pass over the runs: per planned arrival hour its count, punctuality and the hourly
    -- profile of its planned departures, summed over the 24 groups afterwards.
    RETURN QUERY
WITH by_arrival AS (
    SELECT date_part('hour', r.planned_arrival)::integer AS arrival_hour,
           count(*) AS arrivals,
           railway.hourly_profile(r.planned_departure) AS departures,
           railway.punctuality(r.planned_arrival, r.actual_arrival) AS p
    FROM railway.runs AS r
    WHERE r.run_date >= peak_hours.since::pg_catalog.date
    GROUP BY 1
), by_departure AS (
    SELECT h.h AS departure_hour, sum(a.departures[h.h + 1])::bigint AS departures
    FROM generate_series(0, 23) AS h(h)
    CROSS JOIN by_arrival AS a
    GROUP BY h.h
)
SELECT h.h, COALESCE(d.departures, 0), COALESCE(a.arrivals, 0), (a.p).on_time_pct, (a.p).p90_delay_min
FROM generate_series(0, 23) AS h(h)
LEFT JOIN by_departure AS d ON d.departure_hour = h.h
LEFT JOIN by_arrival AS a ON a.arrival_hour = h.h
ORDER BY h.h;
END
$function$;
COMMENT ON FUNCTION railway.peak_hours(timestamp) IS
    'Every hour of the day (0-23) over the runs (railway.runs) with a run date from the date of `since` on (default 30 days ago): departures and arrivals planned in that hour, and on_time_pct and p90_delay_min of the arrivals planned in it.';
