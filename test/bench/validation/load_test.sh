#!/usr/bin/env bash
# Race load test of the validation trigger and the exclusion constraint (issue 4): 8 pgbench
# clients for 60 seconds insert random schedules into railway.schedules (2,000 trains, so
# that sessions often write the same train at the same moment; a share of the rows conflict,
# and about 2% break a rule on purpose). Each insert runs in bench.try_insert(), which counts
# 23P01 and 23514 refusals and lets every other error through, so that pgbench reports it
# (a failed or aborted client). Afterwards railway.find_conflicts() must return no pair.
# Uses the cluster of the PG* variables if one answers, else starts a throwaway one.
# Not part of the test command. Options: CLIENTS (8), DURATION (seconds, 60), TRAINS (2000).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RAILWAY_ROOT=$(cd "$HERE/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
BIN=$(railway_pg_bin)
CLIENTS=${CLIENTS:-8}
DURATION=${DURATION:-60}  # not SECONDS: bash counts that one up by itself
TRAINS=${TRAINS:-2000}

railway_bench_cluster
work=$(mktemp -d)
cleanup() { rm -rf "$work"; railway_bench_cluster_stop; }
trap cleanup EXIT
railway_fresh_database "${BENCH_DATABASE:-railway_load}"
psql() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
psql <<SQL
INSERT INTO railway.locations (name, code) SELECT 'Station ' || i, 'S' || i FROM generate_series(1, 50) AS i;
INSERT INTO railway.trains (train_number) SELECT 'T' || i FROM generate_series(1, $TRAINS) AS i;
CREATE SCHEMA bench;
CREATE TABLE bench.outcomes (outcome text, at timestamptz DEFAULT clock_timestamp());
CREATE FUNCTION bench.try_insert(train integer, departure timestamp, minutes integer, days boolean[],
                                 start_date timestamp, weeks integer, broken boolean)
RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN
    INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
            scheduled_departure, scheduled_arrival, running_days, effective_start_date, effective_end_date)
    VALUES (train, 1 + train % 50, 1 + (train + 1) % 50, departure,
            departure + make_interval(mins => CASE WHEN broken THEN -minutes ELSE minutes END),
            days, start_date, CASE WHEN weeks = 0 THEN NULL ELSE start_date + make_interval(weeks => weeks) END);
    INSERT INTO bench.outcomes (outcome) VALUES ('stored');
    RETURN 'stored';
EXCEPTION WHEN exclusion_violation OR check_violation THEN
    INSERT INTO bench.outcomes (outcome) VALUES (SQLSTATE);
    RETURN SQLSTATE;
END \$\$;
SQL

cat >"$work/insert.sql" <<SQL
\set train random(1, $TRAINS)
\set minute random(0, 1439)
\set minutes random(10, 180)
\set day random(0, 364)
\set weeks random(0, 52)
\set broken random(1, 50)
SELECT bench.try_insert(:train, timestamp '2024-01-01' + make_interval(mins => :minute), :minutes,
    ARRAY[random() < 0.3, random() < 0.3, random() < 0.3, random() < 0.3, random() < 0.3, random() < 0.3, true],
    timestamp '2024-01-01' + make_interval(days => :day), :weeks, :broken = 1);
SQL

railway_log "pgbench: $CLIENTS clients, ${DURATION}s"
"$BIN/pgbench" -n -c "$CLIENTS" -j "$CLIENTS" -T "$DURATION" -f "$work/insert.sql" >"$work/pgbench.log" 2>&1 || true
cat "$work/pgbench.log"

psql <<'SQL'
SELECT outcome, count(*) FROM bench.outcomes GROUP BY 1 ORDER BY 1;
SELECT count(*) AS schedules_stored FROM railway.schedules;
SELECT count(*) AS conflicting_pairs FROM railway.find_conflicts();
SQL
pairs=$(psql -At -c "SELECT count(*) FROM railway.find_conflicts()")
other=$(psql -At -c "SELECT count(*) FROM bench.outcomes WHERE outcome NOT IN ('stored', '23P01', '23514')")
refused=$(psql -At -c "SELECT count(*) FROM bench.outcomes WHERE outcome = '23P01'")
if [ "$pairs" = 0 ] && [ "$other" = 0 ] && [ "$refused" -gt 0 ] \
   && grep -q 'number of failed transactions: 0 ' "$work/pgbench.log" \
   && ! grep -qiE 'aborted|error' "$work/pgbench.log"; then
    echo "load test: PASSED (no conflicting pair stored, every refusal 23P01 or 23514, no other error)"
else
    echo "load test: FAILED"; exit 1
fi
