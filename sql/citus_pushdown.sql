-- The pieces of issue 14's push-down that exist on one server without Citus:
-- railway.find_conflicts_in_shard (what each worker runs for find_conflicts() on a cluster)
-- gives the pairs of find_conflicts() as conflict records; it reads only railway.schedules or a
-- table named like one of its shards; railway.health() has no checks.cluster without Citus and
-- railway.cluster_nodes() is NULL. test/integration/citus.sh checks the cluster side.

SET DateStyle = ISO;

ALTER TABLE railway.schedules DISABLE TRIGGER validate_schedule;
SELECT pg_get_constraintdef(oid) AS no_overlapping_runs FROM pg_constraint
WHERE conrelid = 'railway.schedules'::regclass AND conname = 'schedules_no_overlapping_runs' \gset
ALTER TABLE railway.schedules DROP CONSTRAINT schedules_no_overlapping_runs;

INSERT INTO railway.locations (id, name, code) OVERRIDING SYSTEM VALUE VALUES
    (1, 'Vijayawada Junction', 'BZA'), (2, 'Narasapur', 'NS');
INSERT INTO railway.trains (id, train_number) OVERRIDING SYSTEM VALUE VALUES (1, '101'), (2, '202');
-- Train 101: a daily and a weekday service an hour apart (a conflict), a cancelled one.
-- Train 202 (a vehicle): a Friday overnight run and a Saturday early run (a conflict).
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date,
        effective_end_date, status, is_cancelled)
OVERRIDING SYSTEM VALUE VALUES
    (1, 1, 1, 2, '2024-01-01 08:00', '2024-01-01 10:00', '{t,t,t,t,t,t,t}', '2024-01-01', NULL, 'scheduled', false),
    (2, 1, 2, 1, '2024-01-01 09:00', '2024-01-01 11:00', '{t,t,t,t,t,f,f}', '2024-01-01', NULL, 'running', false),
    (3, 1, 1, 2, '2024-01-01 09:30', '2024-01-01 10:30', '{t,t,t,t,t,t,t}', '2024-01-01', NULL, 'cancelled', true),
    (5, 2, 1, 2, '2024-01-05 22:00', '2024-01-06 06:00', '{f,f,f,f,t,f,f}', '2024-01-01', NULL, 'scheduled', false),
    (6, 2, 2, 1, '2024-01-06 05:00', '2024-01-06 07:00', '{f,f,f,f,f,t,f}', '2024-01-01', '2024-12-31', 'delayed', false);
UPDATE railway.trains SET kind = 'vehicle' WHERE id = 2;

SELECT * FROM railway.find_conflicts();
-- The same pairs as records: "schedule other train first_start first_end", microseconds since
-- 2000-01-01 (2024-01-01 09:00 is 757414800 s after it).
SELECT railway.find_conflicts_in_shard('railway.schedules');
SELECT r[1]::int AS schedule_id, r[2]::int AS other_schedule_id, r[3]::int AS train_id,
       tsrange(timestamp '2000-01-01' + r[4]::bigint * interval '1 microsecond',
               timestamp '2000-01-01' + r[5]::bigint * interval '1 microsecond') AS first_conflict
FROM regexp_split_to_table(rtrim(railway.find_conflicts_in_shard('railway.schedules'), E'\n'), E'\n') AS line,
     string_to_array(line, ' ') AS r
EXCEPT
SELECT schedule_id, other_schedule_id, train_id, first_conflict FROM railway.find_conflicts();

-- Nothing else: another railway table, a catalog, a look-alike name, NULL.
SELECT railway.find_conflicts_in_shard('railway.trains');
SELECT railway.find_conflicts_in_shard('pg_catalog.pg_class');
CREATE TABLE railway.schedules_12x (LIKE railway.schedules);
SELECT railway.find_conflicts_in_shard('railway.schedules_12x');
DROP TABLE railway.schedules_12x;
SELECT railway.find_conflicts_in_shard(NULL) IS NULL AS strict;

-- A role that may not read the schedules gets the denial, not an empty answer.
CREATE ROLE regress_railway_pushdown;
GRANT USAGE ON SCHEMA railway TO regress_railway_pushdown;
SET ROLE regress_railway_pushdown;
SELECT railway.find_conflicts_in_shard('railway.schedules');
RESET ROLE;
REVOKE USAGE ON SCHEMA railway FROM regress_railway_pushdown;
DROP ROLE regress_railway_pushdown;

-- Without Citus: no checks.cluster, and cluster_nodes() is NULL.
SELECT railway.health() -> 'checks' ? 'cluster' AS has_cluster,
       jsonb_object_keys(railway.health() -> 'checks') AS checks ORDER BY 2;
SELECT railway.cluster_nodes() IS NULL AS no_cluster;

TRUNCATE railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
ALTER TABLE railway.schedules ADD CONSTRAINT schedules_no_overlapping_runs :no_overlapping_runs;
ALTER TABLE railway.schedules ENABLE TRIGGER validate_schedule;
