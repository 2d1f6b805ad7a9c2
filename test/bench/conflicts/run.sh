#!/usr/bin/env bash
# The conflict benchmark (issue 3): railway.find_conflicts() against a bare scan and against
# plain SQL, at 10,000 / 100,000 / 1,000,000 schedules, plus the pair test's micro-benchmark.
#
#   bash test/bench/conflicts/run.sh           # as root on Debian 12; PG_CONFIG picks the PostgreSQL
#
# Installs what it needs, builds and installs the extension into PG_CONFIG's PostgreSQL, starts
# a throwaway cluster, generates each timetable (generate.sql), times every measurement 3 times
# round robin after one warm-up round (the slow plain-SQL query: 3 times, no warm-up) and prints
# the medians, the ratios and the goals. Checks that railway's pairs whose first conflict falls
# in the one-year horizon equal the plain-SQL pairs at 10k and 100k; exits non-zero when they
# differ (a missed performance goal is reported, not an error: timings on a shared machine vary).
# Options (environment): BENCH_SIZES (default "10000 100000 1000000"), BENCH_SQL_MAX (largest
# size for the plain-SQL baseline, default 100000), BENCH_GUIDE_SAMPLE (schedules checked by the
# guide's query at sizes above 100,000, default 10000), BENCH_RUNS (default 3), BENCH_OUT (a file
# that receives the report too).
set -euo pipefail

RAILWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
cd "$RAILWAY_ROOT"
HERE=test/bench/conflicts

sizes=${BENCH_SIZES:-10000 100000 1000000}
sql_max=${BENCH_SQL_MAX:-100000}
guide_sample=${BENCH_GUIDE_SAMPLE:-10000}
runs=${BENCH_RUNS:-3}
out=${BENCH_OUT:-/dev/null}
started=$(date +%s)

trap 'railway_cluster_stop' EXIT
railway_install_prerequisites

# 1. The pair test in a tight loop: Google Benchmark, release build of the core.
railway_log "micro-benchmarks (build/bench, Release)"
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/bench --target railway_microbench -j"$(nproc)" >/dev/null
build/bench/railway_microbench --benchmark_repetitions="$runs" --benchmark_report_aggregates_only=true \
    --benchmark_format=json >build/bench/microbench.json 2>/dev/null

# 2. The extension and a cluster for it. Parallel query off (the machine has 2 shared cores, and
# find_conflicts is one backend: the bare scan is one backend too), JIT off (it only slows the
# plain-SQL baselines down), no autovacuum or checkpoint in the middle of a timing.
railway_build_install
railway_cluster_start -c shared_buffers=1GB -c work_mem=64MB -c max_parallel_workers_per_gather=0 \
    -c jit=off -c autovacuum=off -c max_wal_size=8GB -c checkpoint_timeout=1h
PSQL=("$(railway_pg_bin)/psql" -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -c 'CREATE EXTENSION railway CASCADE' 2>/dev/null
"${PSQL[@]}" -f "$HERE/generate.sql" -f "$HERE/baselines.sql" -f "$HERE/harness.sql"

for size in $sizes; do
    railway_log "$size schedules: generating"
    "${PSQL[@]}" -v size="$size" >/dev/null <<'SQL'
SELECT bench_measure(:size, ARRAY['generate'], ARRAY[format('SELECT bench_load(%s)', :size)], 1, false);
VACUUM (FREEZE, ANALYZE) railway.locations, railway.trains, railway.schedules;
-- Every page all-visible, so that every scan skips per-tuple visibility checks alike.
SELECT relallvisible = relpages AS all_visible FROM pg_class WHERE oid = 'railway.schedules'::regclass \gset
\if :all_visible
\else
VACUUM (FREEZE) railway.schedules;
\endif
SQL
    step=1
    [ "$size" -gt 100000 ] && step=$(( size / guide_sample ))
    railway_log "$size schedules: timing find_conflicts, the bare scan and the guide's query per schedule (1 in $step)"
    "${PSQL[@]}" -v size="$size" -v step="$step" -v runs="$runs" >/dev/null <<'SQL'
SELECT bench_measure(:size,
    ARRAY['bare scan', 'railway.find_conflicts()', 'guide query per schedule'],
    ARRAY['SELECT count(*), max(running_days::text), max(scheduled_arrival) FROM railway.schedules',
          'SELECT count(*) FROM railway.find_conflicts()',
          format('SELECT checked || ''/'' || reported FROM bench_guide_per_schedule(%s)', :step)],
    :runs);
SQL
    if [ "$size" -le "$sql_max" ]; then
        railway_log "$size schedules: timing the correct plain SQL (one-year horizon)"
        "${PSQL[@]}" -v size="$size" -v runs="$runs" >/dev/null <<'SQL'
SELECT min(effective_start_date)::date AS h0 FROM railway.schedules \gset
SELECT bench_measure(:size, ARRAY['correct plain SQL, 1 year'],
    ARRAY[format($q$SELECT coalesce(string_agg(schedule_id || '-' || other_schedule_id, ' '
                                                ORDER BY schedule_id, other_schedule_id), '')
                     FROM bench_sql_conflicts(%L)$q$, :'h0')],
    :runs, false);
SQL
    fi
    railway_log "$size schedules: answers"
    "${PSQL[@]}" -v size="$size" >/dev/null <<'SQL'
SELECT min(effective_start_date)::date AS h0 FROM railway.schedules \gset
CREATE TEMP TABLE r AS SELECT * FROM railway.find_conflicts();
CREATE TEMP TABLE g AS SELECT * FROM bench_guide_pairs();
INSERT INTO bench_facts
SELECT :size, name, value FROM (VALUES
    ('schedules', (SELECT count(*) FROM railway.schedules)),
    ('trains', (SELECT count(*) FROM railway.trains)),
    ('active same-train pairs', (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM railway.schedules
                                  WHERE NOT is_cancelled AND status <> 'cancelled' GROUP BY train_id) AS x)),
    ('railway pairs', (SELECT count(*) FROM r)),
    ('schedules in a conflict', (SELECT count(*) FROM (SELECT schedule_id FROM r UNION SELECT other_schedule_id FROM r) AS x)),
    ('railway pairs, first conflict in the horizon',
        (SELECT count(*) FROM r WHERE lower(first_conflict) < (:'h0'::date + 365)::timestamp)),
    ('guide pairs (self-join)', (SELECT count(*) FROM g)),
    ('guide pairs that are real conflicts', (SELECT count(*) FROM g JOIN r USING (schedule_id, other_schedule_id))),
    ('real conflicts the guide misses', (SELECT count(*) FROM r LEFT JOIN g USING (schedule_id, other_schedule_id) WHERE g.schedule_id IS NULL)),
    ('railway result rows (every timed run)', (SELECT min(result::bigint) FROM bench_results WHERE size = :size AND label = 'railway.find_conflicts()')),
    ('railway result rows (every timed run, max)', (SELECT max(result::bigint) FROM bench_results WHERE size = :size AND label = 'railway.find_conflicts()'))
) AS f(name, value);
-- The answers' check: on the horizon [h0, h0 + 364] (departure dates; nothing departs before h0),
-- a pair has two overlapping occurrences departing in the horizon exactly when its first
-- conflict (the earliest overlap, which starts at the later of the two departures) starts
-- before h0 + 365. Each timed plain-SQL run's pair list is compared with railway's.
INSERT INTO bench_facts
SELECT :size, 'plain SQL pairs', max(n) FROM (
    SELECT count(*) AS n FROM bench_results b, bench_pair_list(b.result)
    WHERE b.size = :size AND b.label LIKE 'correct plain SQL%' GROUP BY b.run) AS x
HAVING count(*) > 0;
INSERT INTO bench_facts
SELECT :size, 'answers differing from plain SQL', max(n) FROM (
    SELECT b.run, (SELECT count(*) FROM
              (SELECT schedule_id, other_schedule_id FROM r
               WHERE lower(first_conflict) < (:'h0'::date + 365)::timestamp) AS rr
              FULL JOIN bench_pair_list(b.result) AS s USING (schedule_id, other_schedule_id)
              WHERE rr IS NULL OR s IS NULL) AS n
    FROM bench_results b WHERE b.size = :size AND b.label LIKE 'correct plain SQL%') AS x
HAVING count(*) > 0;
SQL
done

# 3. The report.
railway_log "report"
{
echo
echo "## Conflict benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores (shared with other work), $("$(railway_pg_config)" --version)"
echo
echo "Medians of $runs runs (wall time; CPU = this backend's on-CPU time, wait = time it waited for a CPU)."
echo
"${PSQL[@]}" -P footer=off <<'SQL'
\pset format aligned
SELECT to_char(m.size, 'FM9,999,999') AS schedules, m.label AS measurement,
       round(m.wall_ms::numeric, 1) AS wall_ms, round(m.cpu_ms::numeric, 1) AS cpu_ms,
       round(m.wait_ms::numeric, 1) AS wait_ms,
       round(m.min_wall_ms::numeric, 1) || ' .. ' || round(m.max_wall_ms::numeric, 1) AS wall_range_ms,
       CASE WHEN m.label = 'guide query per schedule' THEN
           (SELECT 'checked ' || split_part(min(result), '/', 1) || ' schedules'
                   || CASE WHEN split_part(min(result), '/', 1)::bigint < m.size
                           THEN ', extrapolated to all: ' || round((m.wall_ms * m.size / split_part(min(result), '/', 1)::bigint)::numeric) || ' ms wall, '
                                || round((m.cpu_ms * m.size / split_part(min(result), '/', 1)::bigint)::numeric) || ' ms CPU'
                           ELSE '' END
            FROM bench_results b WHERE b.size = m.size AND b.label = m.label)
       END AS note
FROM bench_medians m
ORDER BY m.size, array_position(ARRAY['generate', 'bare scan', 'railway.find_conflicts()',
                                      'guide query per schedule', 'correct plain SQL, 1 year'], m.label);
\echo
SELECT to_char(size, 'FM9,999,999') AS schedules, name, value FROM bench_facts ORDER BY size, name;
\echo
-- The goals, from the medians (wall; CPU beside it). Guide per schedule: scaled to every schedule.
CREATE TEMP VIEW t AS
SELECT m.size, m.label,
       m.wall_ms * CASE WHEN m.label = 'guide query per schedule'
                        THEN m.size / (SELECT split_part(min(result), '/', 1)::double precision FROM bench_results b
                                       WHERE b.size = m.size AND b.label = m.label) ELSE 1 END AS wall,
       m.cpu_ms * CASE WHEN m.label = 'guide query per schedule'
                       THEN m.size / (SELECT split_part(min(result), '/', 1)::double precision FROM bench_results b
                                      WHERE b.size = m.size AND b.label = m.label) ELSE 1 END AS cpu
FROM bench_medians m;
CREATE TEMP VIEW goals AS
SELECT goal, round(wall::numeric, 2) AS wall_ratio, round(cpu::numeric, 2) AS cpu_ratio, target,
       CASE WHEN wall IS NULL THEN 'not measured'
            WHEN (op = '<=' AND wall <= bound) OR (op = '>=' AND wall >= bound) THEN 'met' ELSE 'MISSED' END AS result
FROM (
    SELECT 'find_conflicts 1M / 100k (10x the rows)' AS goal,
           (SELECT wall FROM t WHERE size = 1000000 AND label = 'railway.find_conflicts()')
         / (SELECT wall FROM t WHERE size = 100000 AND label = 'railway.find_conflicts()') AS wall,
           (SELECT cpu FROM t WHERE size = 1000000 AND label = 'railway.find_conflicts()')
         / (SELECT cpu FROM t WHERE size = 100000 AND label = 'railway.find_conflicts()') AS cpu,
           '<= 12' AS target, '<=' AS op, 12.0 AS bound
    UNION ALL
    SELECT 'find_conflicts 1M / bare scan 1M',
           (SELECT wall FROM t WHERE size = 1000000 AND label = 'railway.find_conflicts()')
         / (SELECT wall FROM t WHERE size = 1000000 AND label = 'bare scan'),
           (SELECT cpu FROM t WHERE size = 1000000 AND label = 'railway.find_conflicts()')
         / (SELECT cpu FROM t WHERE size = 1000000 AND label = 'bare scan'),
           '<= 2', '<=', 2.0
    UNION ALL
    SELECT 'find_conflicts 1M / guide query per schedule 1M',
           (SELECT wall FROM t WHERE size = 1000000 AND label = 'railway.find_conflicts()')
         / (SELECT wall FROM t WHERE size = 1000000 AND label = 'guide query per schedule'),
           (SELECT cpu FROM t WHERE size = 1000000 AND label = 'railway.find_conflicts()')
         / (SELECT cpu FROM t WHERE size = 1000000 AND label = 'guide query per schedule'),
           '<= 1', '<=', 1.0
    UNION ALL
    SELECT 'correct plain SQL / find_conflicts at ' || to_char(s, 'FM9,999,999'),
           (SELECT wall FROM t WHERE size = s AND label = 'correct plain SQL, 1 year')
         / (SELECT wall FROM t WHERE size = s AND label = 'railway.find_conflicts()'),
           (SELECT cpu FROM t WHERE size = s AND label = 'correct plain SQL, 1 year')
         / (SELECT cpu FROM t WHERE size = s AND label = 'railway.find_conflicts()'),
           '>= 100', '>=', 100.0
    FROM unnest(ARRAY[10000, 100000]) AS s
    UNION ALL
    SELECT 'guide query per schedule / find_conflicts at ' || to_char(s, 'FM9,999,999'),
           (SELECT wall FROM t WHERE size = s AND label = 'guide query per schedule')
         / (SELECT wall FROM t WHERE size = s AND label = 'railway.find_conflicts()'),
           (SELECT cpu FROM t WHERE size = s AND label = 'guide query per schedule')
         / (SELECT cpu FROM t WHERE size = s AND label = 'railway.find_conflicts()'),
           '(for information)', '>=', 0.0
    FROM unnest(ARRAY[10000, 100000]) AS s
    UNION ALL
    SELECT 'answers equal to plain SQL at ' || to_char(size, 'FM9,999,999') || ' (pairs differing)',
           value, NULL, '0', '<=', 0.0
    FROM bench_facts WHERE name = 'answers differing from plain SQL'
) AS x;
SELECT * FROM goals;
SQL
echo
echo "Pair test, Google Benchmark (build/bench, Release), median of $runs repetitions:"
jq -r '.benchmarks[] | select(.aggregate_name == "median")
       | "  \(.run_name): \((.items_per_second // 0) / 1e6 | . * 100 | round / 100) M items/s, \(.real_time | . * 100 | round / 100) \(.time_unit)/iteration"
         + (if .conflicting_share then ", conflicting share \(.conflicting_share | . * 1000 | round / 1000)" else "" end)
         + (if .conflicts then ", \(.conflicts) conflicts" else "" end)' build/bench/microbench.json
echo
echo "Total benchmark time: $(( $(date +%s) - started )) s"
} | tee "$out"

differing=$("${PSQL[@]}" -At -c "SELECT coalesce(sum(value), 0) FROM bench_facts WHERE name = 'answers differing from plain SQL'")
if [ "$differing" != "0" ]; then
    echo "FAILED: railway's answers differ from the plain SQL's on the horizon ($differing pairs)" >&2
    exit 1
fi
echo "answers: railway equals the plain SQL on the horizon"
