#!/usr/bin/env bash
# Insert benchmark of the validation trigger (issue 4):
#   200,000 schedules of ~10,800 trains (generate.sql) in batches of 1,000, into
#   (a) a copy of railway.schedules with its indexes and no validation,
#   (b) the same with railway's trigger and exclusion constraint,
#   (c) the same with a PL/pgSQL trigger running the guide's validation and OVERLAPS queries;
# the 194 batches of valid rows are multi-row INSERT ... SELECT statements (one transaction
# each); the 6 batches of deliberate conflicts (3%) go row by row, each row in its own
# subtransaction, counting refusals. Then single-row INSERT latency (pgbench, 1 client) for
# (a) and (b), and the GiST index's size against the table's.
# Uses the cluster of the PG* variables if one answers, else starts a throwaway one.
# Not part of the test command. Options: ROUNDS (default 1), LATENCY_SECONDS (default 20).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RAILWAY_ROOT=$(cd "$HERE/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
BIN=$(railway_pg_bin)
ROUNDS=${ROUNDS:-1}
LATENCY_SECONDS=${LATENCY_SECONDS:-20}

started_cluster=
if ! "$BIN/pg_isready" -q 2>/dev/null; then
    railway_build_install
    railway_cluster_start
    started_cluster=1
fi
cleanup() { rm -rf "${work:-}"; [ -n "$started_cluster" ] && railway_cluster_stop; return 0; }
trap cleanup EXIT
export PGDATABASE=${BENCH_DATABASE:-railway_bench}
psql() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
"$BIN/psql" -X -q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE" -c "CREATE DATABASE $PGDATABASE"
psql -c "CREATE EXTENSION railway CASCADE"

railway_log "generating 200,000 schedules"
psql -f "$HERE/generate.sql"

work=$(mktemp -d)
now() { date +%s.%N; }

for round in $(seq 1 "$ROUNDS"); do
    psql -f "$HERE/variants.sql" >/dev/null
    for v in a b c; do
        : >"$work/clean_$v.sql"
        for batch in $(seq 0 193); do
            echo "INSERT INTO bench.$v (train_id, departure_location_id, arrival_location_id, scheduled_departure, scheduled_arrival, running_days, effective_start_date, effective_end_date) SELECT train_id, departure_location_id, arrival_location_id, scheduled_departure, scheduled_arrival, running_days, effective_start_date, effective_end_date FROM bench.staging WHERE batch = $batch ORDER BY seq;" >>"$work/clean_$v.sql"
        done
        psql -c "CHECKPOINT"
        start=$(now)
        psql -f "$work/clean_$v.sql"
        middle=$(now)
        refused=$(psql -At -c "SELECT sum(bench.insert_row_by_row('$v', b)) FROM generate_series(194, 199) b")
        end=$(now)
        rows=$(psql -At -c "SELECT count(*) FROM bench.$v")
        printf '%s %s %.3f %.3f %s %s\n' "$round" "$v" "$(echo "$middle - $start" | bc)" \
            "$(echo "$end - $middle" | bc)" "$refused" "$rows" >>"$work/results"
    done
done

echo
echo "insert benchmark: 194,000 valid rows in 194 batches of 1,000, then 6,000 conflicting rows row by row"
echo "round variant  valid_batches_s  conflict_rows_s  refused  rows_stored"
while read -r round v clean conflict refused rows; do
    printf '%5s %7s %16s %16s %8s %12s\n' "$round" "$v" "$clean" "$conflict" "$refused" "$rows"
done <"$work/results"
awk '{c[$2]+=$3; t[$2]+=$3+$4} END {
    printf "valid batches: (b)/(a) = %.2f   (c)/(b) = %.2f\n", c["b"]/c["a"], c["c"]/c["b"];
    printf "all 200,000:   (b)/(a) = %.2f   (c)/(b) = %.2f\n", t["b"]/t["a"], t["c"]/t["b"] }' "$work/results"

echo
psql -c "SELECT 'b' AS variant, pg_size_pretty(pg_relation_size('bench.b')) AS table_size,
                pg_size_pretty(pg_relation_size('bench.b_no_overlapping_runs')) AS gist_index_size,
                round(pg_relation_size('bench.b_no_overlapping_runs')::numeric / pg_relation_size('bench.b'), 2) AS gist_to_table,
                pg_size_pretty(pg_indexes_size('bench.b')) AS all_indexes_size"

# Single-row INSERT latency: a slot-10 run (free in every ordinary train) on a date of its own.
psql -c "CREATE SEQUENCE IF NOT EXISTS bench.latency_day"
for v in a b; do
    cat >"$work/latency_$v.sql" <<SQL
\set train random(1, 10800)
INSERT INTO bench.$v (train_id, departure_location_id, arrival_location_id, scheduled_departure,
                      scheduled_arrival, running_days, effective_start_date, effective_end_date)
SELECT t.train_id, 1, 2, d + make_interval(mins => t.offset_min + 720), d + make_interval(mins => t.offset_min + 750),
       '{t,t,t,t,t,t,t}', d, d
FROM bench.trains t, (SELECT timestamp '2040-01-01' + make_interval(days => nextval('bench.latency_day')::integer) AS d) x
WHERE t.train_id = :train AND NOT t.long_distance;
SQL
    echo "single-row INSERT latency, variant ($v), 1 client, ${LATENCY_SECONDS}s:"
    "$BIN/pgbench" -n -c 1 -T "$LATENCY_SECONDS" -f "$work/latency_$v.sql" 2>&1 | grep -E 'latency average|tps|failed'
done
