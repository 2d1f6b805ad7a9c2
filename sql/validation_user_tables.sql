-- The validation trigger on a user's own tables (issue 11, item 6): a partitioned table is
-- searched as a whole, whichever partition the row lands in, and an index whose predicate
-- leaves active rows out is not used for the search. Then the trigger's train locks: one per
-- train, bounded per transaction (issue 11, item 8).

SET DateStyle = ISO;
\set SHOW_CONTEXT never
CREATE SCHEMA vut;

-- A timetable partitioned by depot, with the trigger on the partitioned table (cloned to each
-- partition). No exclusion constraint: the trigger alone keeps conflicts out.
CREATE TABLE vut.timetable (
    id integer NOT NULL, depot text NOT NULL, train integer NOT NULL,
    departs timestamp NOT NULL, arrives timestamp NOT NULL
) PARTITION BY LIST (depot);
CREATE TABLE vut.timetable_north PARTITION OF vut.timetable FOR VALUES IN ('north');
-- A partition whose columns sit elsewhere (created on its own with a dropped column, then
-- attached): the trigger reads each partition by its own attribute numbers.
CREATE TABLE vut.timetable_south (spare integer, train integer NOT NULL, id integer NOT NULL,
                                  arrives timestamp NOT NULL, departs timestamp NOT NULL,
                                  depot text NOT NULL);
ALTER TABLE vut.timetable_south DROP COLUMN spare;
ALTER TABLE vut.timetable ATTACH PARTITION vut.timetable_south FOR VALUES IN ('south');
-- A sub-partitioned branch: its leaves belong to the same tree.
CREATE TABLE vut.timetable_east PARTITION OF vut.timetable FOR VALUES IN ('east', 'east-2')
    PARTITION BY LIST (depot);
CREATE TABLE vut.timetable_east_1 PARTITION OF vut.timetable_east FOR VALUES IN ('east');
CREATE TABLE vut.timetable_east_2 PARTITION OF vut.timetable_east FOR VALUES IN ('east-2');
CREATE INDEX ON vut.timetable (train);
CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON vut.timetable FOR EACH ROW
EXECUTE FUNCTION railway.validate_schedule_trigger('train_id=train', 'scheduled_departure=departs',
                                                   'scheduled_arrival=arrives');

-- Train 7 runs 08:00-09:00 from the north depot.
INSERT INTO vut.timetable VALUES (1, 'north', 7, '2024-03-01 08:00', '2024-03-01 09:00');
-- The same train at 08:30 from the south depot: the row goes to another partition, and
-- conflicts all the same (before: both were stored).
INSERT INTO vut.timetable VALUES (2, 'south', 7, '2024-03-01 08:30', '2024-03-01 09:30');
-- Straight into the partition, the same.
INSERT INTO vut.timetable_south VALUES (7, 3, '2024-03-01 09:30', '2024-03-01 08:45', 'south');
-- And into a leaf of the sub-partitioned branch.
INSERT INTO vut.timetable VALUES (4, 'east-2', 7, '2024-03-01 07:30', '2024-03-01 08:01');
-- In the other direction: a row in the south partition refuses a later one in the north.
INSERT INTO vut.timetable VALUES (5, 'south', 7, '2024-03-01 12:00', '2024-03-01 13:00');
INSERT INTO vut.timetable VALUES (6, 'north', 7, '2024-03-01 12:59', '2024-03-01 13:30');
-- Not a conflict: another train, or the same train at another hour, in any partition.
INSERT INTO vut.timetable VALUES (7, 'south', 8, '2024-03-01 08:30', '2024-03-01 09:30'),
                                 (8, 'east', 7, '2024-03-01 10:00', '2024-03-01 11:00');
-- Two conflicting rows of one statement, in two partitions: the second is refused.
INSERT INTO vut.timetable VALUES (9, 'north', 9, '2024-03-02 08:00', '2024-03-02 09:00'),
                                 (10, 'east', 9, '2024-03-02 08:30', '2024-03-02 09:30');
-- An update that moves a row to another partition is checked against the others, not
-- against itself: train 7's 10:00 run, from the east depot to the north, one hour later...
UPDATE vut.timetable SET depot = 'north', departs = departs + interval '1 hour',
                         arrives = arrives + interval '1 hour' WHERE id = 8;
-- ...and, one hour later again, into the south depot's 12:00 run: refused.
UPDATE vut.timetable SET depot = 'south', departs = departs + interval '1 hour',
                         arrives = arrives + interval '1 hour' WHERE id = 8;
SELECT tableoid::regclass AS partition, id, train, departs, arrives FROM vut.timetable ORDER BY id;

-- A partial exclusion constraint: the user's constraint only covers the north depot.
CREATE TABLE vut.depots (
    id integer NOT NULL, depot text NOT NULL, train integer NOT NULL,
    departs timestamp NOT NULL, arrives timestamp NOT NULL,
    EXCLUDE USING gist (train railway.train_id_ops WITH =,
        railway.service_pattern(departs, arrives, '{t,t,t,t,t,t,t}', departs, departs) WITH OPERATOR(railway.&&))
        WHERE (depot = 'north')
);
CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON vut.depots FOR EACH ROW
EXECUTE FUNCTION railway.validate_schedule_trigger('train_id=train', 'scheduled_departure=departs',
                                                   'scheduled_arrival=arrives');
INSERT INTO vut.depots VALUES (1, 'south', 7, '2024-03-01 08:00', '2024-03-01 09:00');
-- Conflicts with the south row, which the partial index does not hold: refused (before: the
-- trigger searched that index only, found nothing, and both rows were stored).
INSERT INTO vut.depots VALUES (2, 'south', 7, '2024-03-01 08:30', '2024-03-01 09:30');
INSERT INTO vut.depots VALUES (3, 'north', 7, '2024-03-01 08:15', '2024-03-01 08:45');
-- North rows are still checked (by the trigger, then by the constraint).
INSERT INTO vut.depots VALUES (4, 'north', 8, '2024-03-01 08:00', '2024-03-01 09:00');
INSERT INTO vut.depots VALUES (5, 'north', 8, '2024-03-01 08:30', '2024-03-01 09:30');
SELECT id, depot, train FROM vut.depots ORDER BY id;

-- The cancellation predicate of railway's own constraint leaves out only cancelled rows: an
-- index with it is used, and a cancelled row never conflicts.
CREATE TABLE vut.cancellable (
    id integer NOT NULL, train integer NOT NULL, departs timestamp NOT NULL, arrives timestamp NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'scheduled', is_cancelled boolean NOT NULL DEFAULT false,
    EXCLUDE USING gist (train railway.train_id_ops WITH =,
        railway.service_pattern(departs, arrives, '{t,t,t,t,t,t,t}', departs, departs) WITH OPERATOR(railway.&&))
        WHERE (NOT is_cancelled AND status <> 'cancelled')
);
CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON vut.cancellable FOR EACH ROW
EXECUTE FUNCTION railway.validate_schedule_trigger('train_id=train', 'scheduled_departure=departs',
                                                   'scheduled_arrival=arrives');
INSERT INTO vut.cancellable VALUES (1, 7, '2024-03-01 08:00', '2024-03-01 09:00', 'cancelled', true);
INSERT INTO vut.cancellable VALUES (2, 7, '2024-03-01 08:30', '2024-03-01 09:30');
INSERT INTO vut.cancellable VALUES (3, 7, '2024-03-01 09:00', '2024-03-01 10:00');
-- Reactivating the cancelled row brings it into conflict with row 2.
UPDATE vut.cancellable SET status = 'scheduled', is_cancelled = false WHERE id = 1;
SELECT id, status FROM vut.cancellable ORDER BY id;

-- Locks. A transaction that writes many trains of a user's table holds one advisory lock per
-- train (class 21057) and its table lock (class 21058), up to 64 trains; then one exclusive
-- lock on the whole table instead of more train locks.
CREATE TABLE vut.bulk (id integer NOT NULL, train integer NOT NULL,
                       departs timestamp NOT NULL, arrives timestamp NOT NULL);
CREATE INDEX ON vut.bulk (train);
CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON vut.bulk FOR EACH ROW
EXECUTE FUNCTION railway.validate_schedule_trigger('train_id=train', 'scheduled_departure=departs',
                                                   'scheduled_arrival=arrives');
BEGIN;
INSERT INTO vut.bulk SELECT g, g, '2024-03-01 08:00', '2024-03-01 09:00' FROM generate_series(1, 10) AS g;
SELECT objsubid, mode, count(*) FROM pg_locks
WHERE locktype = 'advisory' AND pid = pg_backend_pid() GROUP BY 1, 2 ORDER BY 1, 2;
INSERT INTO vut.bulk SELECT g, g, '2024-03-01 08:00', '2024-03-01 09:00' FROM generate_series(11, 2000) AS g;
SELECT objsubid, mode, count(*) FROM pg_locks
WHERE locktype = 'advisory' AND pid = pg_backend_pid() GROUP BY 1, 2 ORDER BY 1, 2;
COMMIT;
-- The same train twice in one transaction: one lock.
BEGIN;
INSERT INTO vut.bulk VALUES (3001, 1, '2024-03-02 08:00', '2024-03-02 09:00'),
                            (3002, 1, '2024-03-03 08:00', '2024-03-03 09:00');
SELECT objsubid, mode, count(*) FROM pg_locks
WHERE locktype = 'advisory' AND pid = pg_backend_pid() GROUP BY 1, 2 ORDER BY 1, 2;
COMMIT;

-- railway.schedules locks the train's row in railway.trains instead: a bulk load of 2,000
-- trains holds no advisory lock at all (before: up to 1,024), and each train's row is locked.
INSERT INTO railway.locations (id, name, code) VALUES (1, 'Davangere', 'DVD'), (2, 'Narasapur', 'NS');
INSERT INTO railway.trains (id, train_number) SELECT g, 'B' || g FROM generate_series(1, 2000) AS g;
BEGIN;
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
SELECT g, 1, 2, '2024-03-01 08:00', '2024-03-01 09:00', '2024-03-01' FROM generate_series(1, 2000) AS g;
SELECT count(*) AS advisory_locks FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();
SELECT count(*) FILTER (WHERE xmax = pg_current_xact_id()::xid) AS trains_locked FROM railway.trains;
COMMIT;
-- A train without its row (the foreign key refuses the schedule anyway) falls back to the
-- advisory lock; the error is the foreign key's.
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (99999, 1, 2, '2024-03-01 08:00', '2024-03-01 09:00', '2024-03-01');

-- Clean up for the following tests.
DROP SCHEMA vut CASCADE;
TRUNCATE railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
