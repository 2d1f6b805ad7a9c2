#!/usr/bin/env bash
# Micro-benchmark of railway.punctuality's 1.1 state type (railway.punctuality_state, an
# expanded object) against 1.0's internal state, in one session, alternating (README
# "Analytics", state types on one server).
#
# Against a running cluster with railway installed (PGHOST/PGPORT set; see test/lib/common.sh):
# creates the database `punctuality_states_bench` with 2,000,000 runs (RAILWAY_BENCH_ROWS) of
# the delay distribution of generate.sql, and scratch.punctuality_1_0: 1.0's CREATE AGGREGATE
# (railway--1.0.sql: STYPE internal, serial/deserial functions) over the 1.0 C symbols the .so
# still serves. Then, in one session (serial plans, jit off, work_mem 64MB so that the 5,000
# groups' hash table fits as in test/bench/analytics/run.sh), RAILWAY_BENCH_ROUNDS rounds
# (default 9), each timing in turn, in alternating order:
#   new   5000: railway.punctuality grouped into 5,000 groups
#   1.0   5000: scratch.punctuality_1_0, the same
#   new   1   : one group (no GROUP BY)
#   1.0   1   : the same
# and prints the median, min and max of each and the median ratio new / 1.0.
# RAILWAY_BENCH_OTHER_LIB=name (a .so in $libdir, e.g. a copy of an earlier build) adds
# scratch.punctuality_other and scratch.punctuality_1_0_other over that library's 1.1 and 1.0
# symbols, timed alternately in a session of their own per round (two builds of one library
# must not be loaded into one backend).
set -euo pipefail
rows=${RAILWAY_BENCH_ROWS:-2000000}
rounds=${RAILWAY_BENCH_ROUNDS:-9}
db=punctuality_states_bench
other=${RAILWAY_BENCH_OTHER_LIB:-}

if [[ -z ${RAILWAY_BENCH_REUSE:-} ]]; then
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v rows="$rows" <<'SQL'
CREATE EXTENSION railway CASCADE;
SELECT setseed(0.42);
CREATE SCHEMA scratch;
CREATE TABLE scratch.runs (g integer NOT NULL, scheduled timestamp NOT NULL, actual timestamp)
    WITH (autovacuum_enabled = off);
INSERT INTO scratch.runs
SELECT 1 + i % 5000, s, s + make_interval(secs => d)
FROM generate_series(1, :rows) AS i,
     LATERAL (SELECT timestamp '2022-01-01' + i * interval '9 seconds', random(), random()) AS r(s, u, v),
     LATERAL (SELECT CASE WHEN u < 0.03 THEN NULL
                          WHEN u < 0.70 THEN (v - 0.35) * 360 + 30 * sin(u * 1000)
                          WHEN u < 0.80 THEN -600 * v
                          WHEN u < 0.97 THEN -ln(1 - v) * 900
                          WHEN u < 0.995 THEN -ln(1 - v) * 10800
                          ELSE 86400 + v * 172800 END) AS x(d);
VACUUM (FREEZE, ANALYZE) scratch.runs;
-- 1.0's aggregate (railway--1.0.sql) over the 1.0 symbols of the same .so.
CREATE FUNCTION scratch.p10_transfn(internal, timestamp, timestamp) RETURNS internal
    AS '$libdir/railway', 'railway_punctuality_transfn' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION scratch.p10_combinefn(internal, internal) RETURNS internal
    AS '$libdir/railway', 'railway_punctuality_combinefn' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION scratch.p10_serialfn(internal) RETURNS bytea
    AS '$libdir/railway', 'railway_punctuality_serialfn' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION scratch.p10_deserialfn(bytea, internal) RETURNS internal
    AS '$libdir/railway', 'railway_punctuality_deserialfn' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION scratch.p10_finalfn(internal) RETURNS railway.punctuality_stats
    AS '$libdir/railway', 'railway_punctuality_finalfn' LANGUAGE C PARALLEL SAFE;
CREATE AGGREGATE scratch.punctuality_1_0(timestamp, timestamp) (
    SFUNC = scratch.p10_transfn, STYPE = internal, SSPACE = 1024,
    FINALFUNC = scratch.p10_finalfn, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = scratch.p10_combinefn, SERIALFUNC = scratch.p10_serialfn,
    DESERIALFUNC = scratch.p10_deserialfn, PARALLEL = SAFE);
SQL
    if [[ -n $other ]]; then
        psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE FUNCTION scratch.po_transfn(railway.punctuality_state, timestamp, timestamp) RETURNS railway.punctuality_state
    AS '\$libdir/$other', 'railway_punctuality_state_transfn' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION scratch.po_combinefn(railway.punctuality_state, railway.punctuality_state) RETURNS railway.punctuality_state
    AS '\$libdir/$other', 'railway_punctuality_state_combinefn' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION scratch.po_finalfn(railway.punctuality_state) RETURNS railway.punctuality_stats
    AS '\$libdir/$other', 'railway_punctuality_state_finalfn' LANGUAGE C PARALLEL SAFE;
CREATE AGGREGATE scratch.punctuality_other(timestamp, timestamp) (
    SFUNC = scratch.po_transfn, STYPE = railway.punctuality_state, SSPACE = 1024,
    FINALFUNC = scratch.po_finalfn, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = scratch.po_combinefn, PARALLEL = SAFE);
CREATE FUNCTION scratch.p10o_transfn(internal, timestamp, timestamp) RETURNS internal
    AS '\$libdir/$other', 'railway_punctuality_transfn' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION scratch.p10o_combinefn(internal, internal) RETURNS internal
    AS '\$libdir/$other', 'railway_punctuality_combinefn' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION scratch.p10o_serialfn(internal) RETURNS bytea
    AS '\$libdir/$other', 'railway_punctuality_serialfn' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION scratch.p10o_deserialfn(bytea, internal) RETURNS internal
    AS '\$libdir/$other', 'railway_punctuality_deserialfn' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION scratch.p10o_finalfn(internal) RETURNS railway.punctuality_stats
    AS '\$libdir/$other', 'railway_punctuality_finalfn' LANGUAGE C PARALLEL SAFE;
CREATE AGGREGATE scratch.punctuality_1_0_other(timestamp, timestamp) (
    SFUNC = scratch.p10o_transfn, STYPE = internal, SSPACE = 1024,
    FINALFUNC = scratch.p10o_finalfn, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = scratch.p10o_combinefn, SERIALFUNC = scratch.p10o_serialfn,
    DESERIALFUNC = scratch.p10o_deserialfn, PARALLEL = SAFE);
SQL
    fi
fi

settings="SET max_parallel_workers_per_gather = 0; SET jit = off; SET work_mem = '64MB';"
grouped() { echo "SELECT sum((p).measured), sum((p).on_time) FROM (SELECT g, $1(scheduled, actual) AS p FROM scratch.runs GROUP BY g) AS x;"; }
single() { echo "SELECT (p).measured, (p).p99_delay_min FROM (SELECT $1(scheduled, actual) AS p FROM scratch.runs) AS x;"; }

declare -a labels=("new 5000" "1.0 5000" "new 1" "1.0 1")
declare -a queries=("$(grouped railway.punctuality)" "$(grouped scratch.punctuality_1_0)"
                    "$(single railway.punctuality)" "$(single scratch.punctuality_1_0)")
# Each timed query records the backend's CPU time (/proc/self/schedstat: nanoseconds on CPU,
# what another engineer's load on the machine disturbs least) and its wall-clock time.
clock="SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS c0, clock_timestamp() AS w0 \\gset"
timed() {  # timed <key> <query>
    echo "$clock"
    echo "$2"
    echo "SELECT '@', $1, (split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint - :c0) / 1e6,"
    echo "       1000 * extract(epoch FROM clock_timestamp() - :'w0'::timestamptz) \\g (format=unaligned tuples_only=on fieldsep=' ')"
}
out=$(mktemp)
{
    echo "$settings"
    for q in "${queries[@]}"; do echo "$q"; done  # warm-up
    for ((r = 0; r < rounds; r++)); do
        if ((r % 2 == 0)); then order="0 1 2 3"; else order="1 0 3 2"; fi
        for i in $order; do timed "$i" "${queries[$i]}"; done
    done
} | psql -X -q -v ON_ERROR_STOP=1 -d "$db" | awk '$1 == "@" { print $2, $3, $4 }' >"$out"
if [[ -n $other ]]; then
    for ((r = 0; r < rounds; r++)); do
        { echo "$settings"; grouped scratch.punctuality_other; single scratch.punctuality_other
          grouped scratch.punctuality_1_0_other; single scratch.punctuality_1_0_other
          if ((r % 2 == 0)); then
              timed 4 "$(grouped scratch.punctuality_other)"; timed 6 "$(grouped scratch.punctuality_1_0_other)"
              timed 5 "$(single scratch.punctuality_other)"; timed 7 "$(single scratch.punctuality_1_0_other)"
          else
              timed 6 "$(grouped scratch.punctuality_1_0_other)"; timed 4 "$(grouped scratch.punctuality_other)"
              timed 7 "$(single scratch.punctuality_1_0_other)"; timed 5 "$(single scratch.punctuality_other)"
          fi; } |
            psql -X -q -v ON_ERROR_STOP=1 -d "$db" | awk '$1 == "@" { print $2, $3, $4 }' >>"$out"
    done
    labels+=("$other new 5000" "$other new 1" "$other 1.0 5000" "$other 1.0 1")
fi
# Medians (min, max) of CPU and wall-clock milliseconds, then the median of the per-round
# ratios new / 1.0 (CPU).
stats() {  # stats <key> <column>: "median (min-max)"
    awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$out" | sort -n |
        awk '{ t[NR] = $1 } END { if (NR) printf "%7.1f (%6.1f-%6.1f)", t[int((NR + 1) / 2)], t[1], t[NR] }'
}
for i in "${!labels[@]}"; do
    printf "%-20s cpu ms %s   wall ms %s\n" "${labels[$i]}" "$(stats "$i" 2)" "$(stats "$i" 3)"
done
for pair in "0 1 5000 groups" "2 3 1 group"; do
    set -- $pair
    awk -v a="$1" -v b="$2" '$1 == a { x[++n] = $2 } $1 == b { y[++m] = $2 } END { for (i = 1; i <= n; i++) print x[i] / y[i] }' "$out" |
        sort -n | awk -v label="$3 $4" '{ t[NR] = $1 } END { printf "ratio new / 1.0 (cpu), %-10s median %.3f   min %.3f   max %.3f\n", label, t[int((NR + 1) / 2)], t[1], t[NR] }'
done
[[ -n ${RAILWAY_BENCH_RAW:-} ]] && cp "$out" "$RAILWAY_BENCH_RAW"
rm -f "$out"
