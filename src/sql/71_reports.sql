-- The operations guide's analytics reports (README "Reports"), built on the native aggregates.
-- A report aggregates the schedules whose scheduled_departure >= since (default: the last 30
-- days): each such schedule row is one run, and its delay is actual_arrival - scheduled_arrival
-- (the table keeps one actual time per schedule, that of the latest run). A schedule without an
-- actual arrival counts as a run but in no delay figure (the guide counted it as 0 minutes late).
--
-- Privileges: the functions keep PostgreSQL's default EXECUTE for PUBLIC, like every railway
-- function that is not restricted in 69_privileges.sql; only the railway roles have USAGE on the
-- schema, and the reports run with the caller's rights, reading schedules, trains and locations,
-- which railway_viewer may read.

CREATE FUNCTION railway.schedule_overview(since timestamp DEFAULT CURRENT_DATE - interval '30 days')
    RETURNS TABLE (date date, total_schedules bigint, completed bigint, delayed bigint,
                   cancelled bigint, avg_delay_minutes float8, on_time_pct float8,
                   p90_delay_min float8)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
BEGIN
    -- PL/pgSQL, not SQL: Citus plans a query with parameters of a PL/pgSQL function, not of
    -- an SQL function ("could not create distributed plan").
    RETURN QUERY
SELECT d.day, d.total, d.completed, d.delayed, d.cancelled,
       (d.p).avg_delay_min, (d.p).on_time_pct, (d.p).p90_delay_min
FROM (SELECT s.scheduled_departure::pg_catalog.date AS day,
             count(*) AS total,
             count(*) FILTER (WHERE s.status = 'completed') AS completed,
             count(*) FILTER (WHERE s.status = 'delayed') AS delayed,
             count(*) FILTER (WHERE s.is_cancelled OR s.status = 'cancelled') AS cancelled,
             railway.punctuality(s.scheduled_arrival, s.actual_arrival) AS p
      FROM railway.schedules AS s
      WHERE s.scheduled_departure >= schedule_overview.since
      GROUP BY 1) AS d
ORDER BY d.day DESC;
END
$function$;
COMMENT ON FUNCTION railway.schedule_overview(timestamp) IS
    'Per departure date since `since` (default 30 days ago), newest first: total_schedules, completed, delayed, cancelled (is_cancelled or status cancelled), avg_delay_minutes of the arrivals that have an actual time (not diluted by missing ones), on_time_pct (arrival at most 5 minutes late) and p90_delay_min.';

CREATE FUNCTION railway.train_utilization(since timestamp DEFAULT CURRENT_DATE - interval '30 days')
    RETURNS TABLE (train_number varchar, type varchar, total_trips bigint, operation_days bigint,
                   avg_trip_duration_minutes float8, on_time_pct float8, p90_delay_min float8)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
BEGIN
    -- PL/pgSQL, not SQL: Citus plans a query with parameters of a PL/pgSQL function, not of
    -- an SQL function ("could not create distributed plan").
    RETURN QUERY
SELECT t.train_number, t.type, COALESCE(u.trips, 0), COALESCE(u.days, 0), u.duration,
       (u.p).on_time_pct, (u.p).p90_delay_min
FROM railway.trains AS t
LEFT JOIN (SELECT s.train_id,
                  count(*) AS trips,
                  railway.operation_days(s.scheduled_departure) AS days,
                  avg(date_part('epoch', s.scheduled_arrival - s.scheduled_departure) / 60) AS duration,
                  railway.punctuality(s.scheduled_arrival, s.actual_arrival) AS p
           FROM railway.schedules AS s
           WHERE s.scheduled_departure >= train_utilization.since
           GROUP BY s.train_id) AS u ON u.train_id = t.id
ORDER BY COALESCE(u.trips, 0) DESC, t.train_number;
END
$function$;
COMMENT ON FUNCTION railway.train_utilization(timestamp) IS
    'Per train (every train, busiest first), over its schedules departing since `since` (default 30 days ago): total_trips, operation_days (distinct departure dates), avg_trip_duration_minutes (timetabled), on_time_pct and p90_delay_min of the arrivals. A train without trips has 0 trips and NULL figures.';

CREATE FUNCTION railway.route_performance(since timestamp DEFAULT CURRENT_DATE - interval '30 days')
    RETURNS TABLE (departure_location varchar, departure_code varchar, arrival_location varchar,
                   arrival_code varchar, total_trips bigint, avg_delay_minutes float8,
                   on_time_percentage float8, p90_delay_min float8)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
BEGIN
    -- PL/pgSQL, not SQL: Citus plans a query with parameters of a PL/pgSQL function, not of
    -- an SQL function ("could not create distributed plan").
    RETURN QUERY
SELECT dl.name, dl.code, al.name, al.code, r.trips,
       (r.p).avg_delay_min, (r.p).on_time_pct, (r.p).p90_delay_min
FROM (SELECT s.departure_location_id, s.arrival_location_id,
             count(*) AS trips,
             railway.punctuality(s.scheduled_arrival, s.actual_arrival) AS p
      FROM railway.schedules AS s
      WHERE s.scheduled_departure >= route_performance.since
      GROUP BY s.departure_location_id, s.arrival_location_id) AS r
JOIN railway.locations AS dl ON dl.id = r.departure_location_id
JOIN railway.locations AS al ON al.id = r.arrival_location_id
ORDER BY r.trips DESC, dl.code, al.code;
END
$function$;
COMMENT ON FUNCTION railway.route_performance(timestamp) IS
    'Per route (departure and arrival location) with schedules departing since `since` (default 30 days ago), busiest first: names and codes, total_trips, avg_delay_minutes and on_time_percentage (arrival at most 5 minutes late) of the arrivals that have an actual time, and p90_delay_min.';

CREATE FUNCTION railway.peak_hours(since timestamp DEFAULT CURRENT_DATE - interval '30 days')
    RETURNS TABLE (hour integer, departures bigint, arrivals bigint, on_time_pct float8,
                   p90_delay_min float8)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
BEGIN
    -- PL/pgSQL, not SQL: Citus plans a query with parameters of a PL/pgSQL function, not of
    -- an SQL function ("could not create distributed plan").
    RETURN QUERY
WITH profile AS (
    SELECT railway.hourly_profile(s.scheduled_departure) AS departures,
           railway.hourly_profile(s.scheduled_arrival) AS arrivals
    FROM railway.schedules AS s
    WHERE s.scheduled_departure >= peak_hours.since
), punctual AS (
    SELECT date_part('hour', s.scheduled_arrival)::integer AS arrival_hour,
           railway.punctuality(s.scheduled_arrival, s.actual_arrival) AS p
    FROM railway.schedules AS s
    WHERE s.scheduled_departure >= peak_hours.since
    GROUP BY 1
)
SELECT h.h, pr.departures[h.h + 1], pr.arrivals[h.h + 1], (pu.p).on_time_pct, (pu.p).p90_delay_min
FROM generate_series(0, 23) AS h(h)
CROSS JOIN profile AS pr
LEFT JOIN punctual AS pu ON pu.arrival_hour = h.h
ORDER BY h.h;
END
$function$;
COMMENT ON FUNCTION railway.peak_hours(timestamp) IS
    'Every hour of the day (0-23) over the schedules departing since `since` (default 30 days ago): departures and arrivals timetabled in that hour, and on_time_pct and p90_delay_min of the arrivals timetabled in it.';
