#!/usr/bin/env bash
# pg_dump / pg_restore carry railway's rows: a database with trains, locations, users and
# schedules is dumped (custom format), restored into a fresh database, and holds the same rows;
# the identity sequences continue after the highest id.
# Runs against the cluster in PGHOST/PGPORT/PGUSER (test/run_all.sh starts one).
set -euo pipefail

src=railway_dump_src
dst=railway_dump_dst
dump=$(mktemp /tmp/railway-dump.XXXXXX)
trap 'rm -f "$dump"; dropdb --if-exists "$src"; dropdb --if-exists "$dst"' EXIT

dropdb --if-exists "$src"; dropdb --if-exists "$dst"
createdb "$src"
psql -X -q -v ON_ERROR_STOP=1 -d "$src" <<'SQL'
CREATE EXTENSION railway CASCADE;
INSERT INTO railway.locations (name, code) VALUES
    ('Davangere', 'DVD'), ('Gudur Junction', 'GDR.KI'), ('Narasapur', 'NS'),
    ('Vijayawada Junction', 'BZA'), ('Machilipatnam', 'MTM'), ('Chirala', 'COA');
INSERT INTO railway.trains (train_number, description, type) VALUES
    ('12711', 'Pinakini Express', 'express'), ('17401', 'Machilipatnam local', 'local'),
    ('F100', 'Container freight', 'freight');
INSERT INTO railway.users (username, password, role) VALUES ('planner', 'scrypt$1$2$3', 'operator');
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, running_days, effective_start_date,
        effective_end_date, status, is_cancelled, actual_departure, actual_arrival)
VALUES (1, 4, 3, '2024-01-01 06:00', '2024-01-01 09:30', '{t,t,t,t,t,f,f}', '2024-01-01', NULL, 'completed',
        false, '2024-01-01 06:02', '2024-01-01 09:41'),
       (2, 4, 5, '2024-01-05 22:00', '2024-01-06 01:15', '{f,f,f,f,t,f,f}', '2024-01-01', '2024-12-31',
        'scheduled', false, NULL, NULL),
       (3, 2, 6, '2024-03-01 23:30', '2024-03-03 04:00', '{t,t,t,t,t,t,t}', '2024-03-01', '2024-03-31',
        'cancelled', true, NULL, NULL);
-- A gap in the ids: the restored sequence must continue after the highest one.
DELETE FROM railway.users;
INSERT INTO railway.users (username, password) VALUES ('viewer1', 'scrypt$4$5$6');
SQL

pg_dump -Fc -f "$dump" "$src"
createdb "$dst"
pg_restore --exit-on-error -d "$dst" "$dump"

snapshot() {
    psql -X -At -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
SELECT 'locations', md5(string_agg(l::text, ';' ORDER BY id)) FROM railway.locations l;
SELECT 'trains', md5(string_agg(t::text, ';' ORDER BY id)) FROM railway.trains t;
SELECT 'users', md5(string_agg(u::text, ';' ORDER BY id)) FROM railway.users u;
SELECT 'schedules', md5(string_agg(s::text, ';' ORDER BY id)) FROM railway.schedules s;
SELECT 'counts', (SELECT count(*) FROM railway.locations), (SELECT count(*) FROM railway.trains),
       (SELECT count(*) FROM railway.users), (SELECT count(*) FROM railway.schedules);
SQL
}
before=$(snapshot "$src")
after=$(snapshot "$dst")
echo "$after"
if [ "$before" != "$after" ]; then
    echo "restored rows differ:"; diff <(echo "$before") <(echo "$after"); exit 1
fi
[ "$(psql -X -At -d "$dst" -c 'SELECT count(*) FROM railway.schedules')" = 3 ] || { echo "no rows restored"; exit 1; }

# The identity sequences continue after the highest id (users: 1 was deleted, 2 is in use).
next_user=$(psql -X -Atq -v ON_ERROR_STOP=1 -d "$dst" \
    -c "INSERT INTO railway.users (username, password) VALUES ('new', 'scrypt\$7\$8\$9') RETURNING id")
next_schedule=$(psql -X -Atq -v ON_ERROR_STOP=1 -d "$dst" -c "INSERT INTO railway.schedules
    (train_id, departure_location_id, arrival_location_id, scheduled_departure, scheduled_arrival,
     effective_start_date) VALUES (1, 1, 2, '2024-01-01 12:00', '2024-01-01 13:00', '2024-01-01') RETURNING id")
echo "next user id $next_user, next schedule id $next_schedule"
[ "$next_user" = 3 ] && [ "$next_schedule" = 4 ] || { echo "sequences did not continue"; exit 1; }
echo "dump and restore carried every row"
