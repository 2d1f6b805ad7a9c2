#!/usr/bin/env bash
# find_conflicts() on a Citus cluster (issue 14): time and bytes moved to the coordinator.
#
#   PG_CONFIG=... bash test/bench/citus/find_conflicts.sh    # railway installed in PG_CONFIG's PostgreSQL
#
# Builds or reuses Citus (test/lib/citus.sh), starts a coordinator and two workers, distributes
# railway, loads BENCH_SIZE (default 200000) schedules of test/bench/conflicts/generate.sql
# through the coordinator (validation bypassed: the generator writes conflicts in on purpose),
# and times `SELECT ... FROM railway.find_conflicts()` BENCH_RUNS times (default 3) after one
# warm-up, pushed down per shard (the statement alone) and gathered (in a transaction block:
# every active schedule through the distributed query, what it always did before the push-down).
# Bytes moved to the coordinator: gathered, "Tuple data received from nodes" of EXPLAIN ANALYZE
# of the query that reads every active schedule; pushed down, the length of the workers'
# answers (railway.find_conflicts_in_shard over every shard). Prints a Markdown section for
# test/bench/citus/RESULTS.md.
set -euo pipefail

RAILWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
source "$RAILWAY_ROOT/test/lib/citus.sh"
size=${BENCH_SIZE:-200000}
runs=${BENCH_RUNS:-3}

citus_build_install || { echo "Citus cannot be built here: no benchmark" >&2; exit 2; }
tmp=$(mktemp -d /tmp/railway-bench-citus.XXXXXX)
trap 'citus_cluster_stop; rm -rf "$tmp"' EXIT
citus_cluster_start 2 >/dev/null
coord() { citus_psql "${CITUS_PORTS[0]}" -At "$@"; }

coord -c 'SELECT railway.distribute()' >/dev/null
coord -f "$RAILWAY_ROOT/test/bench/conflicts/generate.sql" >/dev/null
started=$(date +%s)
coord -v size="$size" >/dev/null <<'SQL'
SET citus.enable_unsafe_triggers = on;
ALTER TABLE railway.schedules DISABLE TRIGGER validate_schedule;
ALTER TABLE railway.schedules DROP CONSTRAINT schedules_no_overlapping_runs;
SET citus.multi_shard_modify_mode = sequential;
INSERT INTO railway.locations (name, code) SELECT * FROM bench_generate_locations();
INSERT INTO railway.trains (train_number, description, type) SELECT * FROM bench_generate_trains(:size);
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, actual_departure, actual_arrival, status,
        is_cancelled, running_days, effective_start_date, effective_end_date)
    SELECT * FROM bench_generate_schedules(:size);
VACUUM ANALYZE railway.schedules;
SQL
loaded=$(( $(date +%s) - started ))
n=$(coord -c 'SELECT count(*) FROM railway.schedules')
shards=$(coord -c "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'railway.schedules'::regclass")
q="SELECT count(*) || ' pairs, md5 ' || md5(string_agg(f::text, ',')) FROM railway.find_conflicts() f"
# timed <mode>: one line per run, "ms answer"; mode "pushed" runs the statement alone (pushed
# down per shard), mode "gathered" in a transaction block (every active schedule through the
# distributed query to the coordinator: what find_conflicts() did before the push-down).
timed() {
    local i begin=() commit=()
    [ "$1" = gathered ] && begin=(-c BEGIN) && commit=(-c COMMIT)
    for i in $(seq 0 "$runs"); do
        coord -c '\timing on' "${begin[@]}" -c "$q" "${commit[@]}" | awk -v run="$i" '
            /pairs, md5/ { answer = $0; want = 1; next }
            /^Time:/ { if (want) { ms = $2; want = 0 } }
            END { if (run > 0) print ms, answer }'
    done
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
timed pushed >"$tmp/pushed"
timed gathered >"$tmp/gathered"
gathered=$(coord -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
    SELECT id, train_id, scheduled_departure, scheduled_arrival, running_days, effective_start_date,
           effective_end_date, train_kind FROM railway.schedules
    WHERE NOT is_cancelled AND status <> 'cancelled'" | grep -m1 'Tuple data received from nodes' | sed 's/.*: //')
pushdown=$(coord -c "SELECT CASE WHEN to_regprocedure('railway.find_conflicts_in_shard(regclass)') IS NULL THEN 'n/a (no railway.find_conflicts_in_shard)'
    ELSE (SELECT sum(octet_length(result)) || ' bytes' FROM run_command_on_shards('railway.schedules',
          'SELECT railway.find_conflicts_in_shard(''%s''::pg_catalog.regclass)')) END")

echo
echo "### find_conflicts() on the cluster, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores (shared), railway $(git -C "$RAILWAY_ROOT" rev-parse --short HEAD)"
echo
echo "$n schedules (generate.sql, $size) over $shards shards on 2 workers (loaded in ${loaded} s); median of $runs runs:"
echo
for mode in pushed gathered; do
    case $mode in
        pushed) label="pushed down per shard (railway.find_conflicts_in_shard on the workers)" ;;
        gathered) label="every active schedule gathered to the coordinator (in a transaction block; before the push-down, always)" ;;
    esac
    echo "- $label: median $(cut -d' ' -f1 "$tmp/$mode" | median) ms (runs: $(cut -d' ' -f1 "$tmp/$mode" | tr '\n' ' ' | sed 's/ $//')), answer: $(cut -d' ' -f2- "$tmp/$mode" | sort -u | tr '\n' ';')"
done
echo "- bytes to the coordinator, gathered: tuple data received from nodes (EXPLAIN ANALYZE of the query reading every active schedule) $gathered"
echo "- bytes to the coordinator, pushed down: the workers' answers (railway.find_conflicts_in_shard's text, every shard) $pushdown"
