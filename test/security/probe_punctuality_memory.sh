#!/usr/bin/env bash
# Issue 11, item 3: aggregate states that grow after their group was created escape hash
# aggregation's memory limit (PostgreSQL 15 checks it only when it creates a group).
#   - railway.punctuality grouped, delays that widen after the groups were created: 1 GB for
#     6,000 rows with work_mem = 4MB (each state's dense window grew to 512 KiB);
#   - one group with 5 million distinct delay minutes: 391 MB (a 48-byte map node per minute);
#   - railway.operation_days grouped, dates that widen the window after creation (8 KiB each).
# Defeated when each grouped query stays within a few tens of MB (or spills) and the 5 million
# minutes take at most 12 bytes each (exact percentiles need every distinct minute).
# Run as a railway_viewer login, as the attacker would. Prints the figures it measured.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

probe_database probe_punctuality_memory
probe_role probe_punct_viewer railway_viewer

# hash_usage SQL: "<memory kB> <disk kB>" of the query's HashAggregate (EXPLAIN ANALYZE).
hash_usage() {
    local plan
    plan=$(as_role probe_punct_viewer -At \
        -c "SET work_mem = '4MB'" -c "SET max_parallel_workers_per_gather = 0" \
        -c "SET enable_sort = off" -c "SET jit = off" \
        -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $1") || fail "query failed: $plan"
    echo "$plan" | grep -q 'HashAggregate' || fail "no HashAggregate in the plan: $plan"
    local memory disk
    memory=$(echo "$plan" | sed -n 's/.*Memory Usage: \([0-9]*\)kB.*/\1/p' | head -n 1)
    disk=$(echo "$plan" | sed -n 's/.*Disk Usage: \([0-9]*\)kB.*/\1/p' | head -n 1)
    echo "${memory:-0} ${disk:-0}"
}

# check LABEL LIMIT_KB SQL: the HashAggregate's memory must stay within LIMIT_KB.
check() {
    local label=$1 limit=$2 sql=$3 usage memory disk
    usage=$(hash_usage "$sql") || { echo "$usage"; exit 1; }
    read -r memory disk <<<"$usage"
    echo "$label: HashAggregate memory ${memory} kB, disk ${disk} kB (limit ${limit} kB)"
    [ "$memory" -gt 0 ] || fail "$label: no memory figure in the plan"
    [ "$memory" -le "$limit" ] || fail "$label: ${memory} kB of hash memory with work_mem = 4MB"
}

# 2,000 groups created by their first row (delay 0), then rows 40,000 minutes late and
# 20,000 minutes early: the issue's 1 GB.
check "punctuality, 6,000 rows widening 2,000 groups" 32768 "
SELECT g, railway.punctuality(s, s + d * interval '1 minute')
FROM (SELECT i % 2000 AS g, timestamp '2026-01-01' AS s,
             CASE i / 2000 WHEN 0 THEN 0 WHEN 1 THEN 40000 ELSE -20000 END AS d
      FROM generate_series(0, 5999) i) t
GROUP BY g"

# 200 groups of 30 rows each, every row further out than the one before, alternating sides.
check "punctuality, 6,000 rows widening 200 groups step by step" 32768 "
SELECT g, railway.punctuality(s, s + d * interval '1 minute')
FROM (SELECT i % 200 AS g, timestamp '2026-01-01' AS s,
             (i / 200) * 1500 * (CASE WHEN (i / 200) % 2 = 0 THEN 1 ELSE -1 END) AS d
      FROM generate_series(0, 5999) i) t
GROUP BY g"

# operation_days: 6,000 groups created with one date, then a date 160 years later.
check "operation_days, 12,000 rows widening 6,000 groups" 16384 "
SELECT g, railway.operation_days(s + d * interval '1 day')
FROM (SELECT i % 6000 AS g, timestamp '2026-01-01' AS s,
             CASE i / 6000 WHEN 0 THEN 0 ELSE 60000 END AS d
      FROM generate_series(0, 11999) i) t
GROUP BY g"

# One group with 5 million distinct delay minutes, in order and scattered: 8 bytes each plus
# the pending entries, so at most 12 bytes each (60,000 kB); it was 391 MB.
check "punctuality, 5 million distinct minutes in ascending order" 60000 "
SELECT g, railway.punctuality(s, s + d * interval '1 minute')
FROM (SELECT i % 1 AS g, timestamp '2026-01-01' AS s, i AS d
      FROM generate_series(1, 5000000) i) t
GROUP BY g"
check "punctuality, 5 million distinct minutes scattered" 60000 "
SELECT g, railway.punctuality(s, s + d * interval '1 minute')
FROM (SELECT i % 1 AS g, timestamp '2026-01-01' AS s, ((i::bigint * 7919) % 5000011) * 3 AS d
      FROM generate_series(1, 5000000) i) t
GROUP BY g"

# The figures are still exact.
got=$(as_role probe_punct_viewer -At -c "
SELECT (p).measured, (p).p50_delay_min, (p).p99_delay_min, (p).max_delay_min
FROM (SELECT railway.punctuality(timestamp '2026-01-01', timestamp '2026-01-01' + ((i::bigint * 7919) % 5000011) * 3 * interval '1 minute') AS p
      FROM generate_series(1, 5000000) i) t") || fail "query failed: $got"
want=$(as_role probe_punct_viewer -At -c "
SELECT count(*), percentile_disc(0.5) WITHIN GROUP (ORDER BY m), percentile_disc(0.99) WITHIN GROUP (ORDER BY m), max(m)
FROM (SELECT ((i::bigint * 7919) % 5000011) * 3 AS m FROM generate_series(1, 5000000) i) t") || fail "query failed: $want"
echo "5 million scattered minutes: railway $got, percentile_disc $want"
[ "$got" = "$want" ] || fail "punctuality ($got) differs from percentile_disc ($want)"
echo "defeated: grouped states stay within hash memory; 5 million distinct minutes take at most 12 bytes each"
