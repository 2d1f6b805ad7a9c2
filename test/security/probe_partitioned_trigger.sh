#!/usr/bin/env bash
# Issue 11, item 6: the validation trigger on a user's partitioned table checked a row only
# against its own partition (two conflicting schedules in two partitions were both stored), and
# searched a partial exclusion index without checking its predicate (a user's
# EXCLUDE ... WHERE (depot = 'north') let conflicting 'south' rows in).
source "$(dirname "$0")/lib.sh"
probe_database probe_partitioned_trigger
"${PSQL[@]}" <<'SQL' || exit 2
CREATE TABLE timetable (id integer NOT NULL, depot text NOT NULL, train integer NOT NULL,
                        departs timestamp NOT NULL, arrives timestamp NOT NULL) PARTITION BY LIST (depot);
CREATE TABLE timetable_north PARTITION OF timetable FOR VALUES IN ('north');
CREATE TABLE timetable_south PARTITION OF timetable FOR VALUES IN ('south');
CREATE INDEX ON timetable (train);
CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON timetable FOR EACH ROW
EXECUTE FUNCTION railway.validate_schedule_trigger('train_id=train', 'scheduled_departure=departs',
                                                   'scheduled_arrival=arrives');
CREATE TABLE depots (id integer NOT NULL, depot text NOT NULL, train integer NOT NULL,
                     departs timestamp NOT NULL, arrives timestamp NOT NULL,
    EXCLUDE USING gist (train railway.train_id_ops WITH =,
        railway.service_pattern(departs, arrives, '{t,t,t,t,t,t,t}', departs, departs) WITH OPERATOR(railway.&&))
        WHERE (depot = 'north'));
CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON depots FOR EACH ROW
EXECUTE FUNCTION railway.validate_schedule_trigger('train_id=train', 'scheduled_departure=departs',
                                                   'scheduled_arrival=arrives');
SQL
# Two conflicting runs of train 7 in two partitions (and straight into a partition).
psql -X -q -c "INSERT INTO timetable VALUES (1, 'north', 7, '2024-03-01 08:00', '2024-03-01 09:00')" || exit 2
psql -X -q -c "INSERT INTO timetable VALUES (2, 'south', 7, '2024-03-01 08:30', '2024-03-01 09:30')" 2>&1
psql -X -q -c "INSERT INTO timetable_south VALUES (3, 'south', 7, '2024-03-01 08:45', '2024-03-01 09:45')" 2>&1
stored=$(psql -X -At -c "SELECT count(*) FROM timetable WHERE train = 7")
[ "$stored" = 1 ] || fail "$stored conflicting runs of train 7 are stored across the partitions"
# Two conflicting 'south' runs beside a partial exclusion constraint on 'north'.
psql -X -q -c "INSERT INTO depots VALUES (1, 'south', 7, '2024-03-01 08:00', '2024-03-01 09:00')" || exit 2
psql -X -q -c "INSERT INTO depots VALUES (2, 'south', 7, '2024-03-01 08:30', '2024-03-01 09:30')" 2>&1
stored=$(psql -X -At -c "SELECT count(*) FROM depots WHERE train = 7")
[ "$stored" = 1 ] || fail "$stored conflicting 'south' runs are stored beside the partial index"
echo "conflicts across partitions and outside a partial index were refused"
