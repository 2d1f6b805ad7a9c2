#!/usr/bin/env bash
# Review of 1.1's runs: railway.validate_run_trigger() (C, executable by everyone who may use
# schema railway) read a row's columns by name without checking the table or their types. A
# railway_viewer login attached it to a TEMP table of its own with a status column of type
# integer: the trigger read the integer as a pointer to text, the backend died of SIGSEGV and the
# postmaster restarted every session of the cluster (a viewer's denial of service).
# Defeated when the INSERTs into the viewer's own tables (a plain one, and a partition of its own
# partitioned table) fail with an error and the server keeps running.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

probe_database probe_run_trigger_own_table
probe_role probe_runtrig_viewer railway_viewer
"${PSQL[@]}" <<'SQL' >/dev/null || exit 2
INSERT INTO railway.locations (name, code) VALUES ('A', 'PA'), ('B', 'PB');
INSERT INTO railway.trains (train_number) VALUES ('PROBE1');
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
    scheduled_departure, scheduled_arrival, effective_start_date, effective_end_date)
SELECT t.id, (SELECT id FROM railway.locations WHERE code = 'PA'),
       (SELECT id FROM railway.locations WHERE code = 'PB'),
       '2026-03-02 08:00', '2026-03-02 09:00', '2026-03-02', '2026-12-31'
FROM railway.trains t WHERE t.train_number = 'PROBE1';
SQL
train=$("${PSQL[@]}" -At -c "SELECT id FROM railway.trains WHERE train_number = 'PROBE1'") || exit 2
schedule=$("${PSQL[@]}" -At -c "SELECT id FROM railway.schedules") || exit 2

# attack LABEL SQL: the viewer's INSERT must fail with an ERROR, not kill its backend.
attack() {
    local out
    out=$(as_role probe_runtrig_viewer 2>&1 <<<"$2")
    echo "$1: $out"
    echo "$out" | grep -qi 'server closed the connection\|terminated abnormally\|connection to server was lost' \
        && fail "$1: the viewer's INSERT into its own table crashed the server"
    "${PSQL[@]}" -At -c "SELECT 1" >/dev/null 2>&1 || { sleep 5; fail "$1: the server does not answer after the viewer's INSERT"; }
    echo "$out" | grep -q 'ERROR' || fail "$1: the trigger accepted the viewer's own table"
}

columns="train_id integer, schedule_id integer, run_date date, planned_departure timestamp,
    planned_arrival timestamp, actual_departure timestamp, actual_arrival timestamp,
    status integer, kind integer"
attack "plain table, status and kind integers" "
CREATE TEMP TABLE runs ($columns);
CREATE TRIGGER validate BEFORE INSERT ON pg_temp.runs FOR EACH ROW
    EXECUTE FUNCTION railway.validate_run_trigger();
INSERT INTO pg_temp.runs VALUES ($train, $schedule, '2026-03-03', NULL, NULL, NULL, NULL, 12345, 678);"
attack "partition of the viewer's partitioned table" "
CREATE TEMP TABLE runs ($columns) PARTITION BY RANGE (run_date);
CREATE TEMP TABLE runs_2026 PARTITION OF runs FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TRIGGER validate BEFORE INSERT ON pg_temp.runs FOR EACH ROW
    EXECUTE FUNCTION railway.validate_run_trigger();
INSERT INTO pg_temp.runs VALUES ($train, $schedule, '2026-03-03', NULL, NULL, NULL, NULL, 12345, 678);"
exit 0
