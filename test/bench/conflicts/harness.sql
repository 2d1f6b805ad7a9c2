-- Timing harness of the conflict benchmark (benchmark only, not part of the extension).
-- Each measurement is taken inside the server: wall time from clock_timestamp(), and the
-- backend's own CPU time and run-queue wait from /proc/self/schedstat (Linux; superuser), so
-- that a machine shared with other work shows up as wait rather than hiding in the wall time.

CREATE TABLE bench_results (
    size     bigint NOT NULL,           -- schedules in railway.schedules
    label    text   NOT NULL,
    run      integer NOT NULL,
    wall_ms  double precision NOT NULL,
    cpu_ms   double precision,          -- on-CPU time of this backend
    wait_ms  double precision,          -- time this backend was runnable but waiting for a CPU
    result   text                       -- the query's first column, for the answers' check
);

-- (on-CPU ns, run-queue wait ns) of this backend, NULL where /proc/self/schedstat is unreadable.
CREATE FUNCTION bench_schedstat() RETURNS bigint[]
    LANGUAGE plpgsql
AS $$
BEGIN
    RETURN (string_to_array(btrim(pg_read_file('/proc/self/schedstat')), ' '))[1:2]::bigint[];
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$$;

-- Runs each query `runs` times, round robin (query 1, query 2, ..., query 1, ...), so that
-- queries compared with each other see the same load; with `warmup`, one untimed round first.
-- Each query must return one row; its first column is kept as text in bench_results.result.
CREATE FUNCTION bench_measure(size bigint, labels text[], queries text[], runs integer DEFAULT 3,
                              warmup boolean DEFAULT true)
    RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    t0 timestamptz;
    t1 timestamptz;
    s0 bigint[];
    s1 bigint[];
    answer text;
BEGIN
    FOR r IN CASE WHEN warmup THEN 0 ELSE 1 END .. runs LOOP
        FOR q IN 1 .. array_length(queries, 1) LOOP
            s0 := bench_schedstat();
            t0 := clock_timestamp();
            EXECUTE queries[q] INTO answer;
            t1 := clock_timestamp();
            s1 := bench_schedstat();
            IF r > 0 THEN
                INSERT INTO bench_results
                VALUES (size, labels[q], r, extract(epoch FROM t1 - t0) * 1000,
                        (s1[1] - s0[1]) / 1e6, (s1[2] - s0[2]) / 1e6, answer);
            END IF;
        END LOOP;
    END LOOP;
END
$$;

-- Medians (of 3 runs: the middle one) per size and label.
CREATE VIEW bench_medians AS
    SELECT size, label, count(*) AS runs,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY wall_ms) AS wall_ms,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu_ms) AS cpu_ms,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_ms) AS wait_ms,
           min(wall_ms) AS min_wall_ms, max(wall_ms) AS max_wall_ms
    FROM bench_results GROUP BY size, label;

-- Other figures of a run (pair counts, answer checks): one row per (size, name).
CREATE TABLE bench_facts (
    size  bigint NOT NULL,
    name  text   NOT NULL,
    value double precision,
    PRIMARY KEY (size, name)
);

-- The pairs of a pair list 'a-b a-b ...' (as the timed plain-SQL query returns them).
CREATE FUNCTION bench_pair_list(list text)
    RETURNS TABLE (schedule_id integer, other_schedule_id integer)
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT split_part(p, '-', 1)::integer, split_part(p, '-', 2)::integer
    FROM string_to_table(nullif(list, ''), ' ') AS p
$$;
