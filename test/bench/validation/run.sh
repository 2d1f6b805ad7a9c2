#!/usr/bin/env bash
# Insert benchmark of the validation trigger (issue 4), measured in one run:
#
#   bash test/bench/validation/run.sh            # PG_CONFIG picks the PostgreSQL
#
# Data (generate.sql): 200,000 schedules of the conflict benchmark's generator
# (test/bench/conflicts/generate.sql: 10,000 trains, 20 schedules each, about 3% perturbed into
# real conflicts; every generated column), staged in bench.staging in generated order (seq).
# Every row that is the later one (by seq) of a pair flagged by railway (&&, the exclusion
# constraint's operator) or by the guide's absolute-time OVERLAPS query goes to the tail; the
# other rows are valid for every variant and go first, in batches of 1,000: one multi-row
# INSERT ... SELECT ... ORDER BY seq per batch, one transaction each. Then the tail, row by row,
# each row in its own subtransaction (1,000 rows per transaction), counting refusals (23P01 or
# 23514). Tables (variants.sql), copies of railway.schedules with its columns, CHECKs, identity
# and indexes, no foreign keys:
#   (a)  a       no validation;
#   (a') a_gist  (a) plus a plain GiST index on the exclusion constraint's key and predicate;
#   a_exclude    (a) plus the exclusion constraint alone, no trigger (PostgreSQL's own check);
#   (b)  b       railway's trigger and exclusion constraint;
#   (c)  c       a PL/pgSQL trigger running the guide's validation and conflict queries;
#   (s)  s       the shipped table: (b) plus railway.schedules' audit triggers (writing
#                railway.audit_log);
#   s_row        (b) plus 1.0's row-level PL/pgSQL audit trigger (the shipped table before issue 12).
# Issue 12's goals, against the constraint alone (a_exclude): (b) at most 1.25x, (s) at most 1.5x.
# ROUNDS rounds, fresh tables each round, the variant order rotated each round (a a_gist a_exclude b c,
# a_gist a_exclude b c a, ...), CHECKPOINT before each variant. Reports per round and the medians: valid-
# batch seconds, tail seconds, refused, rows stored; the ratios (b)/(a), (b)/(a'), (c)/(b) on the
# valid batches and on all rows (medians of the per-round ratios) against the goals ((b) at most
# 1.5x (a), (c) at least 3x (b)); the GiST index's size against the table's; then the latency of
# a single-row INSERT (pgbench, 1 client, LATENCY_SECONDS) into the last round's (a) and (b):
# a one-day run of a real train in a daily slot no schedule of that train meets, each on a date
# of its own (2040-01-01 + a sequence), so it never conflicts.
#
# Uses the cluster of the PG* variables if one answers (and prints its shared_buffers), else
# builds and installs the extension (railway_build_install) and starts a throwaway cluster with
# shared_buffers=1GB (the machine has 24 GB; a database server gets at least that), besides the
# throwaway cluster's fsync=off, full_page_writes=off, synchronous_commit=off. Not part of the
# test command. Options (environment): ROUNDS (default 3), LATENCY_SECONDS (default 20),
# ROWS (default 200000, the issue's figure; smaller for quick trials), BENCH_DATABASE
# (default railway_bench, dropped and recreated).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RAILWAY_ROOT=$(cd "$HERE/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
BIN=$(railway_pg_bin)
ROUNDS=${ROUNDS:-3}
LATENCY_SECONDS=${LATENCY_SECONDS:-20}
ROWS=${ROWS:-200000}
VARIANTS=(a a_gist a_exclude b c s s_row)

railway_bench_cluster -c shared_buffers=1GB
work=$(mktemp -d)
cleanup() { rm -rf "$work"; railway_bench_cluster_stop; }
trap cleanup EXIT
railway_fresh_database "${BENCH_DATABASE:-railway_bench}"
psql() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
if [ -n "$RAILWAY_BENCH_OWN_CLUSTER" ]; then
    echo "cluster: throwaway, started by this script, shared_buffers=$(psql -At -c 'SHOW shared_buffers')"
else
    echo "cluster: existing (PG* variables), shared_buffers=$(psql -At -c 'SHOW shared_buffers')"
fi
echo "$(psql -At -c 'SELECT version()'); railway $(psql -At -c "SELECT extversion FROM pg_extension WHERE extname = 'railway'")"

railway_log "generating $ROWS schedules and deciding the valid rows and the tail"
psql -v rows="$ROWS" -f "$HERE/generate.sql"
psql -f "$HERE/variants.sql"
valid_batches=$(psql -At -c "SELECT coalesce(max(batch) + 1, 0) FROM bench.staging WHERE tail_reason IS NULL")
last_batch=$(psql -At -c "SELECT max(batch) FROM bench.staging")
valid_rows=$(psql -At -c "SELECT count(*) FROM bench.staging WHERE tail_reason IS NULL")
tail_rows=$(psql -At -c "SELECT count(*) FROM bench.staging WHERE tail_reason IS NOT NULL")

columns="train_id, departure_location_id, arrival_location_id, scheduled_departure, scheduled_arrival, actual_departure, actual_arrival, status, is_cancelled, running_days, effective_start_date, effective_end_date"
for v in "${VARIANTS[@]}"; do
    : >"$work/valid_$v.sql"
    for batch in $(seq 0 $((valid_batches - 1))); do
        echo "INSERT INTO bench.$v ($columns) SELECT $columns FROM bench.staging WHERE batch = $batch ORDER BY seq;" >>"$work/valid_$v.sql"
    done
    : >"$work/tail_$v.sql"
    for batch in $(seq "$valid_batches" "$last_batch"); do
        echo "SELECT bench.insert_row_by_row('$v', $batch);" >>"$work/tail_$v.sql"
    done
done

now() { date +%s.%N; }
: >"$work/results"
for round in $(seq 1 "$ROUNDS"); do
    psql -c "SET client_min_messages = warning" -c "SELECT bench.make_variants()" >/dev/null
    shift_by=$(( (round - 1) % ${#VARIANTS[@]} ))
    order=("${VARIANTS[@]:$shift_by}" "${VARIANTS[@]:0:$shift_by}")
    railway_log "round $round of $ROUNDS: ${order[*]}"
    for v in "${order[@]}"; do
        psql -c "CHECKPOINT"
        start=$(now)
        psql -f "$work/valid_$v.sql"
        middle=$(now)
        refused=$(psql -At -f "$work/tail_$v.sql" | awk '{s += $1} END {print s + 0}')
        end=$(now)
        rows=$(psql -At -c "SELECT count(*) FROM bench.$v")
        printf '%s %s %.3f %.3f %s %s\n' "$round" "$v" "$(echo "$middle - $start" | bc)" \
            "$(echo "$end - $middle" | bc)" "$refused" "$rows" >>"$work/results"
    done
done

echo
echo "tables:"
for v in "${VARIANTS[@]}"; do
    printf '  %-7s %s\n' "$v" "$(psql -At -c "SELECT bench.describe('$v')")"
done
echo
echo "insert benchmark: $valid_rows valid rows in $valid_batches multi-row INSERTs of up to 1,000 (one transaction each),"
echo "then $tail_rows tail rows one by one (a subtransaction each, 1,000 per transaction); $ROUNDS rounds"
echo
printf '%5s %7s %11s %9s %9s %8s %11s\n' round variant valid_s tail_s all_s refused rows_stored
while read -r round v valid tail refused rows; do
    printf '%5s %7s %11s %9s %9.3f %8s %11s\n' "$round" "$v" "$valid" "$tail" "$(echo "$valid + $tail" | bc)" "$refused" "$rows"
done <"$work/results"
awk -v variants="${VARIANTS[*]}" '
function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ valid[$1, $2] = $3; all[$1, $2] = $3 + $4; if ($1 > maxr) maxr = $1
  vl[$2] = vl[$2] " " $3; tl[$2] = tl[$2] " " $4; al[$2] = al[$2] " " ($3 + $4); rl[$2] = rl[$2] " " $5; sl[$2] = sl[$2] " " $6 }
END {
    n = split(variants, v, " ")
    for (i = 1; i <= n; i++)
        printf "%5s %7s %11.3f %9.3f %9.3f %8d %11d\n", "median", v[i], median(vl[v[i]]), median(tl[v[i]]),
               median(al[v[i]]), median(rl[v[i]]), median(sl[v[i]])
    print ""
    printf "%5s %16s %16s %16s %16s %16s %16s\n", "round", "valid (b)/(a)", "valid (b)/(a'"'"')", "valid (c)/(b)",
           "all (b)/(a)", "all (b)/(a'"'"')", "all (c)/(b)"
    for (r = 1; r <= maxr; r++) {
        printf "%5s %16.2f %16.2f %16.2f %16.2f %16.2f %16.2f\n", r,
               valid[r, "b"] / valid[r, "a"], valid[r, "b"] / valid[r, "a_gist"], valid[r, "c"] / valid[r, "b"],
               all[r, "b"] / all[r, "a"], all[r, "b"] / all[r, "a_gist"], all[r, "c"] / all[r, "b"]
        q1 = q1 " " valid[r, "b"] / valid[r, "a"]; q2 = q2 " " valid[r, "b"] / valid[r, "a_gist"]
        q3 = q3 " " valid[r, "c"] / valid[r, "b"]; q4 = q4 " " all[r, "b"] / all[r, "a"]
        q5 = q5 " " all[r, "b"] / all[r, "a_gist"]; q6 = q6 " " all[r, "c"] / all[r, "b"]
    }
    printf "%5s %16.2f %16.2f %16.2f %16.2f %16.2f %16.2f\n", "median", median(q1), median(q2), median(q3),
           median(q4), median(q5), median(q6)
    for (r = 1; r <= maxr; r++) {
        d1 = d1 " " valid[r, "a_gist"] / valid[r, "a"]; d2 = d2 " " valid[r, "a_exclude"] / valid[r, "a"]
    }
    printf "valid batches against (a), medians: (a'"'"') GiST index %.2f, a_exclude constraint alone %.2f, (b) trigger + constraint %.2f\n",
           median(d1), median(d2), median(q1)
    print ""
    printf "goal (b) <= 1.5 x (a):  valid batches %.2f %s, all rows %.2f %s\n",
           median(q1), (median(q1) <= 1.5 ? "met" : "MISSED"), median(q4), (median(q4) <= 1.5 ? "met" : "MISSED")
    printf "goal (c) >= 3 x (b):    valid batches %.2f %s, all rows %.2f %s\n",
           median(q3), (median(q3) >= 3 ? "met" : "MISSED"), median(q6), (median(q6) >= 3 ? "met" : "MISSED")
}' "$work/results"

awk '
function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ valid[$1, $2] = $3; all[$1, $2] = $3 + $4; if ($1 > maxr) maxr = $1 }
END {
    for (r = 1; r <= maxr; r++) {
        vb = vb " " valid[r, "b"] / valid[r, "a_exclude"]; ab = ab " " all[r, "b"] / all[r, "a_exclude"]
        vs = vs " " valid[r, "s"] / valid[r, "a_exclude"]; as = as " " all[r, "s"] / all[r, "a_exclude"]
        vr = vr " " valid[r, "s_row"] / valid[r, "a_exclude"]; ar = ar " " all[r, "s_row"] / all[r, "a_exclude"]
        va = va " " valid[r, "a"] / valid[r, "a_exclude"]; aa = aa " " all[r, "a"] / all[r, "a_exclude"]
    }
    print ""
    print "against the constraint alone (a_exclude), medians of the per-round ratios:"
    printf "  %-38s valid batches %.2f, all rows %.2f\n", "(a) no validation", median(va), median(aa)
    printf "  %-38s valid batches %.2f, all rows %.2f\n", "(b) trigger + constraint", median(vb), median(ab)
    printf "  %-38s valid batches %.2f, all rows %.2f\n", "(s) shipped: (b) + audit", median(vs), median(as)
    printf "  %-38s valid batches %.2f, all rows %.2f\n", "s_row: (b) + 1.0 row-level audit", median(vr), median(ar)
    printf "goal (b) <= 1.25 x a_exclude: valid batches %.2f %s, all rows %.2f %s\n",
           median(vb), (median(vb) <= 1.25 ? "met" : "MISSED"), median(ab), (median(ab) <= 1.25 ? "met" : "MISSED")
    printf "goal (s) <= 1.5 x a_exclude:  valid batches %.2f %s, all rows %.2f %s\n",
           median(vs), (median(vs) <= 1.5 ? "met" : "MISSED"), median(as), (median(as) <= 1.5 ? "met" : "MISSED")
}' "$work/results"

echo
echo "index sizes after round $ROUNDS (before the latency test):"
psql -c "SELECT v AS variant, pg_size_pretty(pg_relation_size(('bench.' || v)::regclass)) AS table_size,
                pg_size_pretty(pg_relation_size(g::regclass)) AS gist_index_size,
                round(pg_relation_size(g::regclass)::numeric / pg_relation_size(('bench.' || v)::regclass), 2) AS gist_to_table,
                pg_size_pretty(pg_indexes_size(('bench.' || v)::regclass)) AS all_indexes_size
         FROM (VALUES ('b', 'bench.b_no_overlapping_runs'), ('a_gist', 'bench.a_gist_no_overlapping_runs')) AS x(v, g)"

# Single-row INSERT latency: a one-day run of a real train in its free daily slot, each on a
# date of its own (see generate.sql, bench.latency_slots).
slots=$(psql -At -c "SELECT count(*) FROM bench.latency_slots")
for v in a b s; do
    cat >"$work/latency_$v.sql" <<SQL
\set slot random(1, $slots)
INSERT INTO bench.$v (train_id, departure_location_id, arrival_location_id, scheduled_departure,
                      scheduled_arrival, running_days, effective_start_date, effective_end_date)
SELECT s.train_id, s.departure_location_id, s.arrival_location_id, x.d + s.dep_time,
       x.d + s.dep_time + interval '15 minutes', '{t,t,t,t,t,t,t}', x.d, x.d
FROM bench.latency_slots s,
     (SELECT timestamp '2040-01-01' + make_interval(days => nextval('bench.latency_day')::integer) AS d) x
WHERE s.slot_no = :slot;
SQL
    psql -c "CHECKPOINT"
    echo "single-row INSERT latency, variant ($v), 1 client, ${LATENCY_SECONDS}s ($slots trains' free slots):"
    "$BIN/pgbench" -n -c 1 -T "$LATENCY_SECONDS" -f "$work/latency_$v.sql" 2>&1 | grep -E 'transactions actually|latency average|tps|failed' | sed 's/^/  /'
done
