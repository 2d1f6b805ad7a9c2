-- Simulated actual times for the demo's analytics, on the runs (railway.runs) of the week of
-- Monday 2018-06-18 that demo/run.sh planned with railway.plan_runs: realistic delays (most
-- trains within a few minutes, some 5-15 minutes late, a few badly late, delays growing a little
-- along the line), status completed or delayed, and about one run in a hundred cancelled (no
-- actual times). The schedules are not touched: a schedule is the plan, a run is one day of it.
-- Deterministic: setseed, and the runs taken in (schedule, date) order.
SELECT setseed(0.2018);

WITH drawn AS (
    SELECT r.schedule_id, r.run_date, r.planned_departure, r.planned_arrival,
           random() AS r, random() AS s, random() AS growth
    FROM railway.runs r
    JOIN railway.gtfs_trips g ON g.schedule_id = r.schedule_id AND g.feed = 'caltrain'
    WHERE r.run_date BETWEEN '2018-06-18' AND '2018-06-24'
    ORDER BY r.schedule_id, r.run_date
), delayed AS (
    SELECT schedule_id, run_date, planned_departure, planned_arrival, r, growth,
           CASE WHEN r < 0.70 THEN s * 180          -- on time: up to 3 minutes
                WHEN r < 0.90 THEN 180 + s * 420    -- 3 to 10 minutes
                WHEN r < 0.97 THEN 600 + s * 900    -- 10 to 25 minutes
                ELSE 1500 + s * 2100                -- 25 to 60 minutes
           END * interval '1 second' AS late
    FROM drawn
)
UPDATE railway.runs u
SET actual_departure = CASE WHEN d.r >= 0.01 THEN date_trunc('second', d.planned_departure + d.late) END,
    actual_arrival = CASE WHEN d.r >= 0.01 THEN date_trunc('second', d.planned_arrival + d.late * (1 + d.growth * 0.3)) END,
    status = CASE WHEN d.r < 0.01 THEN 'cancelled'
                  WHEN d.late > interval '5 minutes' THEN 'delayed' ELSE 'completed' END
FROM delayed d
WHERE u.schedule_id = d.schedule_id AND u.run_date = d.run_date;
