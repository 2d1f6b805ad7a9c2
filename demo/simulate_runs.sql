-- Simulated actual times for the demo's analytics: every Caltrain schedule row that runs in the
-- week of Monday 2018-06-18 gets the actual departure and arrival of its latest run that week,
-- with realistic delays (most trains within a few minutes, some 5-15 minutes late, a few badly
-- late, delays growing a little along the line), and status completed or delayed.
-- scheduled_departure / scheduled_arrival are moved to that run's date (same time of day and
-- duration: the recurrence does not change), so that actual - scheduled is the run's delay, as
-- in the operations guide's reports. Deterministic: setseed.
SELECT setseed(0.2018);

WITH latest AS (
    SELECT s.id, max(lower(o)) AS departs, s.scheduled_arrival - s.scheduled_departure AS journey
    FROM railway.schedules s
    JOIN railway.gtfs_trips g ON g.schedule_id = s.id AND g.feed = 'caltrain'
    CROSS JOIN LATERAL railway.occurrences(
        railway.service_pattern(s.scheduled_departure, s.scheduled_arrival, s.running_days,
                                s.effective_start_date, s.effective_end_date),
        '2018-06-18', '2018-06-24') o
    GROUP BY s.id
), delayed AS (
    SELECT id, departs, journey,
           CASE WHEN r < 0.70 THEN random() * 180          -- on time: up to 3 minutes
                WHEN r < 0.90 THEN 180 + random() * 420    -- 3 to 10 minutes
                WHEN r < 0.97 THEN 600 + random() * 900    -- 10 to 25 minutes
                ELSE 1500 + random() * 2100                -- 25 to 60 minutes
           END * interval '1 second' AS late
    FROM (SELECT *, random() AS r FROM latest ORDER BY id) x
)
UPDATE railway.schedules s
SET scheduled_departure = d.departs,
    scheduled_arrival = d.departs + d.journey,
    actual_departure = date_trunc('second', d.departs + d.late),
    actual_arrival = date_trunc('second', d.departs + d.journey + d.late * (1 + random() * 0.3)),
    status = CASE WHEN d.late > interval '5 minutes' THEN 'delayed' ELSE 'completed' END
FROM delayed d
WHERE s.id = d.id;
