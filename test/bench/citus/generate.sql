-- Data for the Citus aggregate test and benchmark (test/integration/citus_aggregates.sh,
-- test/bench/citus/aggregates.sh). psql variables: rows (run rows), routes (default 200),
-- distributed (true on a Citus coordinator: the table is distributed by train_id first).
-- Deterministic (no random()): the same rows on the cluster and on the single server.
-- bench_citus.runs: `rows` runs of 5,000 trains, each train on one route (train_id % routes),
-- scheduled every 9 seconds from 2022-01-01, with delays like the analytics benchmark's
-- (3 % without an actual time, most within minutes, a tail of hours, 0.5 % over a day).
\if :{?routes} \else \set routes 200 \endif
\if :{?distributed} \else \set distributed false \endif
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_citus CASCADE;
CREATE SCHEMA bench_citus;
CREATE TABLE bench_citus.runs (
    train_id integer NOT NULL,
    route_id integer NOT NULL,
    scheduled_arrival timestamp NOT NULL,
    actual_arrival timestamp,
    running_days boolean[] NOT NULL
);
\if :distributed
SELECT create_distributed_table('bench_citus.runs', 'train_id', shard_count => 8);
\endif
INSERT INTO bench_citus.runs
SELECT t, t % :routes, s,
       CASE WHEN u < 0.03 THEN NULL
            ELSE s + make_interval(secs => CASE WHEN u < 0.70 THEN (v - 0.35) * 360
                                                WHEN u < 0.80 THEN -600 * v
                                                WHEN u < 0.97 THEN -ln(1 - v) * 900
                                                WHEN u < 0.995 THEN -ln(1 - v) * 10800
                                                ELSE 86400 + v * 172800 END) END,
       ARRAY[true, true, true, true, true, t % 3 = 0, t % 7 = 0]
FROM generate_series(1, :rows) AS i,
     LATERAL (SELECT i % 5000 + 1 AS t, timestamp '2022-01-01' + i * interval '9 seconds' AS s,
                     ((i::bigint * 2654435761) % 1000003) / 1000003.0 AS u,
                     ((i::bigint * 40503 + 7) % 999983) / 999983.0 AS v) AS r;
ANALYZE bench_citus.runs;

-- railway.punctuality as in version 1.0, with an `internal` state (the 1.0 entry points of the
-- module): what Citus can only row-gather, for comparison.
CREATE FUNCTION bench_citus.p_transfn(internal, timestamp, timestamp) RETURNS internal
    AS '$libdir/railway', 'railway_punctuality_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION bench_citus.p_combinefn(internal, internal) RETURNS internal
    AS '$libdir/railway', 'railway_punctuality_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION bench_citus.p_serialfn(internal) RETURNS bytea
    AS '$libdir/railway', 'railway_punctuality_serialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION bench_citus.p_deserialfn(bytea, internal) RETURNS internal
    AS '$libdir/railway', 'railway_punctuality_deserialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION bench_citus.p_finalfn(internal) RETURNS railway.punctuality_stats
    AS '$libdir/railway', 'railway_punctuality_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE bench_citus.punctuality_internal(timestamp, timestamp) (
    SFUNC = bench_citus.p_transfn, STYPE = internal, SSPACE = 1024,
    FINALFUNC = bench_citus.p_finalfn, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = bench_citus.p_combinefn, SERIALFUNC = bench_citus.p_serialfn,
    DESERIALFUNC = bench_citus.p_deserialfn, PARALLEL = SAFE);
