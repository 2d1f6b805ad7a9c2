#!/usr/bin/env bash
# Instruction counts of the validation insert benchmark's variants (variants.sql), with
# valgrind's callgrind: unlike seconds on a shared 2-core VM, they repeat exactly from run to run,
# so they show what a change to the trigger or the GiST classes saves. For each variant: the
# first PREFILL valid batches of generate.sql's rows are inserted into a fresh table normally,
# then the next MEASURE batches (1,000 rows each) run in a single-user backend under callgrind,
# counting only inside standard_ExecutorRun (the INSERTs themselves). Prints instructions per
# inserted row and each variant against (a).
# Builds, installs and starts its own throwaway cluster (it has to stop it for the single-user
# backend). Not part of the test command; needs valgrind. Options (environment): VARIANTS
# (default "a a_gist a_exclude b"), PREFILL (default 120), MEASURE (default 20).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RAILWAY_ROOT=$(cd "$HERE/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
BIN=$(railway_pg_bin)
read -r -a VARIANTS <<<"${VARIANTS:-a a_gist a_exclude b}"
PREFILL=${PREFILL:-120}
MEASURE=${MEASURE:-20}
command -v valgrind >/dev/null || { echo "instructions.sh needs valgrind (apt-get install -y valgrind)" >&2; exit 1; }

railway_build_install
railway_cluster_start -c shared_buffers=1GB
work=$(mktemp -d)
chmod 755 "$work"
[ "$(id -u)" -eq 0 ] && chown postgres: "$work"  # callgrind writes its output as the cluster owner
cleanup() { rm -rf "$work"; railway_cluster_stop; }
trap cleanup EXIT
railway_fresh_database railway_instructions
psql() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
railway_log "generating 200,000 schedules"
psql -v rows=200000 -f "$HERE/generate.sql" >/dev/null
psql -f "$HERE/variants.sql"
psql -c "SET client_min_messages = warning" -c "SELECT bench.make_variants()" >/dev/null
valid_batches=$(psql -At -c "SELECT coalesce(max(batch) + 1, 0) FROM bench.staging WHERE tail_reason IS NULL")
[ $((PREFILL + MEASURE)) -le "$valid_batches" ] || { echo "PREFILL + MEASURE > $valid_batches valid batches" >&2; exit 1; }

columns="train_id, departure_location_id, arrival_location_id, scheduled_departure, scheduled_arrival, actual_departure, actual_arrival, status, is_cancelled, running_days, effective_start_date, effective_end_date"
for v in "${VARIANTS[@]}"; do
    psql -c "INSERT INTO bench.$v ($columns) SELECT $columns FROM bench.staging WHERE batch < $PREFILL ORDER BY seq" \
         -c "VACUUM ANALYZE bench.$v"
    for batch in $(seq "$PREFILL" $((PREFILL + MEASURE - 1))); do
        echo "INSERT INTO bench.$v ($columns) SELECT $columns FROM bench.staging WHERE batch = $batch ORDER BY seq;"
    done >"$work/$v.sql"
done
rows=$(psql -At -c "SELECT count(*) FROM bench.staging WHERE batch >= $PREFILL AND batch < $((PREFILL + MEASURE))")
railway_as_owner "$BIN/pg_ctl" -D "$RAILWAY_CLUSTER_DIR/data" -w -m fast stop >/dev/null

echo "instructions inside standard_ExecutorRun for $rows rows (batches $PREFILL to $((PREFILL + MEASURE - 1))) inserted into tables of $(( PREFILL * 1000 )) rows:"
printf '%-10s %16s %14s %10s\n' variant instructions per_row "vs (a)"
base=
for v in "${VARIANTS[@]}"; do
    railway_as_owner valgrind --tool=callgrind --toggle-collect=standard_ExecutorRun \
        --callgrind-out-file="$work/callgrind.$v" \
        "$BIN/postgres" --single -D "$RAILWAY_CLUSTER_DIR/data" -c shared_buffers=1GB "$PGDATABASE" \
        <"$work/$v.sql" >"$work/$v.log" 2>&1 || true  # its exit status at the end of input is not a verdict
    if grep -qE 'ERROR|FATAL|PANIC' "$work/$v.log" || [ ! -s "$work/callgrind.$v" ]; then
        cat "$work/$v.log" >&2
        exit 1
    fi
    total=$(callgrind_annotate "$work/callgrind.$v" 2>/dev/null | awk '/PROGRAM TOTALS/ && !done {gsub(",", "", $1); print $1; done = 1}')
    [ -n "$base" ] || base=$total
    printf '%-10s %16s %14s %10s\n' "$v" "$total" "$(( total / rows ))" "$(echo "scale=2; $total / $base" | bc)"
done
