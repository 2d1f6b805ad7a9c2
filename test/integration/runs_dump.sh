#!/usr/bin/env bash
# Runs survive pg_dump / pg_restore (issue 13). A database with schedules, monthly partitions of
# railway.runs made by railway.create_run_partitions() after CREATE EXTENSION, planned runs,
# recorded actual times (also through schedules, trigger record_run), a retimed, a cancelled and
# two extra runs, a partition made later after a gap of months, and the audit rows of runs is
#   1. dumped with pg_dump -Fc and restored with pg_restore (no error at all) into a new database,
#   2. dumped as plain SQL with --column-inserts and restored with psql -v ON_ERROR_STOP=1,
# and each time holds the same runs (every column), the same partitions with their bounds,
# primary keys, indexes, triggers (the cloned audit triggers too) and comments, the same audit
# rows of runs (none added by the restore), and the rules trigger still refuses a bad run and fills in
# a new one. The partitions are not extension members, so pg_dump dumps them as ordinary tables
# attached to the extension's railway.runs (README "Runs", "Backup").
# Runs against the cluster in PGHOST/PGPORT/PGUSER (test/run_all.sh starts one).
set -euo pipefail

src=railway_runs_dump_src
dbs=("$src" railway_runs_dump_fc railway_runs_dump_sql)
work=$(mktemp -d /tmp/railway-runs-dump.XXXXXX)
trap 'rm -rf "$work"; for db in "${dbs[@]}"; do dropdb --if-exists "$db" 2>/dev/null || true; done' EXIT
for db in "${dbs[@]}"; do dropdb --if-exists "$db" 2>/dev/null; done

psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$@"; }

createdb "$src"
psql_db "$src" -o /dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION railway CASCADE;
INSERT INTO railway.locations (name, code) VALUES ('Vijayawada Junction', 'BZA'), ('Narasapur', 'NS');
INSERT INTO railway.trains (train_number) VALUES ('17239'), ('F100');
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (1, 1, 2, '2025-01-06 08:00', '2025-01-06 09:30', '{t,t,t,t,t,f,f}', '2025-01-01', '2025-03-31'),
       (2, 2, 1, '2025-01-03 22:00', '2025-01-04 06:00', '{f,f,f,f,t,f,f}', '2025-01-01', NULL);
SELECT count(*) FROM railway.create_run_partitions(3, '2025-01-01');
SELECT railway.plan_runs('2025-01-01', '2025-04-30');
UPDATE railway.runs SET actual_departure = planned_departure + interval '3 minutes',
                        actual_arrival = planned_arrival + interval '7 minutes', status = 'completed'
WHERE run_date < '2025-02-01';
UPDATE railway.runs SET planned_departure = '2025-02-04 08:20', planned_arrival = '2025-02-04 09:50'
WHERE schedule_id = 1 AND run_date = '2025-02-04';
INSERT INTO railway.runs (schedule_id, run_date, kind) VALUES (1, '2025-02-08', 'extra');
UPDATE railway.runs SET status = 'cancelled' WHERE schedule_id = 2 AND run_date = '2025-01-10';
-- The guide's application records Friday 7 February's departure on its schedule row.
UPDATE railway.schedules SET actual_departure = '2025-02-07 22:04', status = 'running' WHERE id = 2;
-- A partition made later, after a gap of months, with an extra run in it.
SELECT count(*) FROM railway.create_run_partitions(0, '2025-09-01');
INSERT INTO railway.runs (schedule_id, run_date, kind) VALUES (2, '2025-09-03', 'extra');
SQL

runs() {
    psql -X -At -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
SELECT 'runs', count(*), md5(string_agg(r::text, ';' ORDER BY schedule_id, run_date)) FROM railway.runs r;
SELECT 'partition', c.relname, pg_get_expr(c.relpartbound, c.oid), obj_description(c.oid, 'pg_class'),
       (SELECT count(*) FROM railway.runs WHERE tableoid = c.oid),
       (SELECT string_agg(pg_get_indexdef(indexrelid), '; ' ORDER BY indexrelid::regclass::text)
        FROM pg_index WHERE indrelid = c.oid),
       (SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = c.oid)
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'railway.runs'::regclass ORDER BY 2;
SELECT 'audit', count(*), md5(string_agg(format('%s %s %s %s %s', operation, row_id, changed_by, old_row, new_row), ';' ORDER BY id))
FROM railway.audit_log WHERE table_name = 'runs';
SQL
}
same() {  # same <what> <expected> <got>
    if [ "$2" != "$3" ]; then echo "$1 differ:"; diff <(echo "$2") <(echo "$3") || true; exit 1; fi
}
# The rules still hold in a restored database: a planned run on a Saturday is refused, a new
# extra run gets its train and planned times.
rules_hold() {
    local out
    out=$(psql -X -At -d "$1" -c "INSERT INTO railway.runs (schedule_id, run_date) VALUES (1, '2025-03-01')" 2>&1 || true)
    case "$out" in *"Schedule 1 does not run on 2025-03-01"*) ;; *) echo "$1: rule not enforced: $out"; exit 1 ;; esac
    out=$(psql -X -At -v ON_ERROR_STOP=1 -d "$1" -c "INSERT INTO railway.runs (schedule_id, run_date, kind) VALUES (2, '2025-03-02', 'extra') RETURNING train_id, planned_departure, planned_arrival")
    same "$1 filled-in run" "2|2025-03-02 22:00:00|2025-03-03 06:00:00" "$(echo "$out" | head -1)"
}

expected=$(runs "$src")
echo "$expected" | grep -q '^runs|83|' || { echo "unexpected source: $expected"; exit 1; }
[ "$(echo "$expected" | grep -c '^partition')" -eq 6 ] || { echo "expected 6 partitions: $expected"; exit 1; }
echo "$expected" | grep -q '^partition|runs_2025_09|.*|runs_audit_delete,runs_audit_insert,runs_audit_update,validate_run$' \
    || { echo "the later partition lacks its triggers: $expected"; exit 1; }
# Audited: the retiming, the cancellation and the two extra runs (not the planned runs, not the
# actual times recorded).
echo "$expected" | grep -q '^audit|4|' || { echo "expected 4 audit rows of runs: $expected"; exit 1; }
psql -X -At -d "$src" -c "SELECT actual_departure FROM railway.runs WHERE schedule_id = 2 AND run_date = '2025-02-07'" \
    | grep -qx '2025-02-07 22:04:00' || { echo "the schedule's actual departure is not on its run"; exit 1; }

# 1. pg_dump -Fc / pg_restore: no error at all (pg_restore exits non-zero on any).
pg_dump -Fc -d "$src" -f "$work/runs.dump"
createdb railway_runs_dump_fc
pg_restore -d railway_runs_dump_fc "$work/runs.dump"
same "runs after pg_restore" "$expected" "$(runs railway_runs_dump_fc)"
rules_hold railway_runs_dump_fc
echo "pg_dump -Fc / pg_restore: every run and partition restored, rules enforced"

# 2. Plain SQL with --column-inserts, restored with psql stopping at the first error.
pg_dump --column-inserts -d "$src" -f "$work/runs.sql"
createdb railway_runs_dump_sql
psql -X -q -v ON_ERROR_STOP=1 -d railway_runs_dump_sql -f "$work/runs.sql" >/dev/null
same "runs after the plain dump" "$expected" "$(runs railway_runs_dump_sql)"
rules_hold railway_runs_dump_sql
echo "pg_dump --column-inserts / psql: every run and partition restored, rules enforced"
