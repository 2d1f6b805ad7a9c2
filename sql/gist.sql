-- The GiST operator class railway.service_pattern_ops: on random timetables an index scan for
-- && returns exactly what a sequential scan returns (consistent() never drops a conflicting
-- pattern, and its leaf answer is exact, so no recheck is needed), alone and with btree_gist's
-- = on a train column; and an exclusion constraint built on it leaves no conflicting pair.

SELECT setseed(0.4711);

-- Random patterns: departures on any minute, journeys of minutes to days (overnight and
-- multi-day), any running days, effective ranges of days to open-ended.
CREATE TABLE gist_patterns AS
SELECT i AS id, (1 + floor(random() * 40))::integer AS train, railway.service_pattern(
           dep, dep + make_interval(mins => (1 + floor(random() * (CASE WHEN random() < 0.15 THEN 3000 ELSE 300 END)))::integer),
           ARRAY[random() < 0.6, random() < 0.6, random() < 0.6, random() < 0.6, random() < 0.6, random() < 0.6, true],
           start_date, CASE WHEN random() < 0.3 THEN NULL ELSE start_date + make_interval(days => floor(random() * 200)::integer) END) AS p
FROM (SELECT i, timestamp '2024-01-01' + make_interval(mins => floor(random() * 1440)::integer) AS dep,
             timestamp '2024-01-01' + make_interval(days => floor(random() * 365)::integer) AS start_date
      FROM generate_series(1, 4000) AS i) AS g;
CREATE TABLE gist_queries AS SELECT id AS query_id, train, p FROM gist_patterns WHERE id % 20 = 0;
UPDATE gist_queries SET p = railway.service_pattern('2024-06-01 04:30', '2024-06-01 05:10', '{f,f,f,f,f,t,f}', '2024-01-01', NULL)
WHERE query_id = 20;  -- and one hand-written query

ANALYZE gist_patterns;

-- The answers of a sequential scan.
SET enable_indexscan = off; SET enable_bitmapscan = off;
CREATE TEMP TABLE seq_answers AS
SELECT q.query_id, t.id FROM gist_queries q JOIN gist_patterns t ON t.p OPERATOR(railway.&&) q.p;
CREATE TEMP TABLE seq_train_answers AS
SELECT q.query_id, t.id FROM gist_queries q JOIN gist_patterns t ON t.train = q.train AND t.p OPERATOR(railway.&&) q.p;
RESET enable_indexscan; RESET enable_bitmapscan;

-- The same through an index on the pattern, as an index scan and as a bitmap scan, then
-- through an index on (train, pattern).
CREATE INDEX gist_patterns_p ON gist_patterns USING gist (p);
SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off;
EXPLAIN (COSTS OFF)
SELECT q.query_id, t.id FROM gist_queries q JOIN gist_patterns t ON t.p OPERATOR(railway.&&) q.p;
CREATE TEMP TABLE index_answers AS
SELECT q.query_id, t.id FROM gist_queries q JOIN gist_patterns t ON t.p OPERATOR(railway.&&) q.p;
SET enable_bitmapscan = on; SET enable_indexscan = off;
CREATE TEMP TABLE bitmap_answers AS
SELECT q.query_id, t.id FROM gist_queries q JOIN gist_patterns t ON t.p OPERATOR(railway.&&) q.p;
SET enable_bitmapscan = off; SET enable_indexscan = on;
DROP INDEX gist_patterns_p;
CREATE INDEX gist_patterns_train_p ON gist_patterns USING gist (train, p);
EXPLAIN (COSTS OFF)
SELECT q.query_id, t.id FROM gist_queries q JOIN gist_patterns t ON t.train = q.train AND t.p OPERATOR(railway.&&) q.p;
CREATE TEMP TABLE index_train_answers AS
SELECT q.query_id, t.id FROM gist_queries q JOIN gist_patterns t ON t.train = q.train AND t.p OPERATOR(railway.&&) q.p;
CREATE TEMP TABLE index2_answers AS
SELECT q.query_id, t.id FROM gist_queries q JOIN gist_patterns t ON t.p OPERATOR(railway.&&) q.p;
RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_indexscan; RESET enable_hashjoin; RESET enable_mergejoin;

SELECT (SELECT count(*) FROM seq_answers) > 10000 AS many_conflicts,
       (SELECT count(*) FROM seq_answers) < 200 * 4000 / 2 AS not_everything,
       (SELECT count(*) FROM seq_train_answers) > 200 AS many_train_conflicts;
SELECT 'index' AS scan, count(*) AS differences
FROM ((TABLE seq_answers EXCEPT TABLE index_answers) UNION ALL (TABLE index_answers EXCEPT TABLE seq_answers)) d
UNION ALL
SELECT 'bitmap', count(*)
FROM ((TABLE seq_answers EXCEPT TABLE bitmap_answers) UNION ALL (TABLE bitmap_answers EXCEPT TABLE seq_answers)) d
UNION ALL
SELECT 'pattern on (train, pattern)', count(*)
FROM ((TABLE seq_answers EXCEPT TABLE index2_answers) UNION ALL (TABLE index2_answers EXCEPT TABLE seq_answers)) d
UNION ALL
SELECT 'train and pattern', count(*)
FROM ((TABLE seq_train_answers EXCEPT TABLE index_train_answers) UNION ALL (TABLE index_train_answers EXCEPT TABLE seq_train_answers)) d;
-- The hand-written query: a Saturday 04:30-05:10 run from 2024-01-01, open-ended.
SELECT count(*) = (SELECT count(*) FROM seq_answers WHERE query_id = 20) AS same_for_saturday_query
FROM index_answers WHERE query_id = 20;

-- The index stays correct as rows are deleted and the tree is vacuumed.
DELETE FROM gist_patterns WHERE id % 3 = 0;
VACUUM gist_patterns;
SET enable_seqscan = off; SET enable_bitmapscan = off;
SELECT count(*) AS differences_after_delete FROM (
    (SELECT q.query_id, t.id FROM gist_queries q JOIN gist_patterns t ON t.p OPERATOR(railway.&&) q.p
     EXCEPT SELECT a.query_id, a.id FROM seq_answers a WHERE a.id % 3 <> 0)
    UNION ALL
    (SELECT a.query_id, a.id FROM seq_answers a WHERE a.id % 3 <> 0
     EXCEPT SELECT q.query_id, t.id FROM gist_queries q JOIN gist_patterns t ON t.p OPERATOR(railway.&&) q.p)) d;
RESET enable_seqscan; RESET enable_bitmapscan;

-- An exclusion constraint on (train WITH =, pattern WITH &&): insert the random patterns one
-- by one, keeping those it accepts; no pair of the same train conflicts afterwards, and every
-- refused row did conflict with a kept one.
CREATE TABLE gist_excluded (id integer, train integer, p railway.service_pattern,
    EXCLUDE USING gist (train WITH =, p WITH OPERATOR(railway.&&)));
-- Inserts every random pattern into `target`, in id order, each in its own subtransaction;
-- returns the ids the exclusion constraint refused.
CREATE FUNCTION pg_temp.insert_each_pattern(target regclass) RETURNS SETOF integer
LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
    FOR r IN SELECT * FROM gist_patterns ORDER BY id LOOP
        BEGIN
            EXECUTE format('INSERT INTO %s VALUES ($1, $2, $3)', target) USING r.id, r.train, r.p;
        EXCEPTION WHEN exclusion_violation THEN
            RETURN NEXT r.id;
        END;
    END LOOP;
END $$;
CREATE TEMP TABLE gist_refused AS SELECT pg_temp.insert_each_pattern('gist_excluded') AS id;
SELECT count(*) > 100 AS some_kept, (SELECT count(*) > 100 FROM gist_refused) AS some_refused FROM gist_excluded;
SET enable_indexscan = off; SET enable_bitmapscan = off;
SELECT count(*) AS conflicting_pairs_kept
FROM gist_excluded a JOIN gist_excluded b ON a.train = b.train AND a.id < b.id AND a.p OPERATOR(railway.&&) b.p;
SELECT count(*) AS refused_without_reason
FROM gist_refused r JOIN gist_patterns g USING (id)
WHERE NOT EXISTS (SELECT FROM gist_excluded e WHERE e.train = g.train AND e.p OPERATOR(railway.&&) g.p);
RESET enable_indexscan; RESET enable_bitmapscan;

-- railway.train_id_ops, the class of the train column of schedules_no_overlapping_runs
-- (integer ids, = only): on 20,000 rows with NULLs, negative ids and both extremes, each
-- index scan for = returns what a sequential scan returns; IS NULL is served too; other
-- comparisons are not.
CREATE TABLE gist_ids AS
SELECT i AS id, CASE WHEN i % 97 = 0 THEN NULL ELSE hashint4(i) % 3000 END AS train
FROM generate_series(1, 20000) AS i;
INSERT INTO gist_ids VALUES (20001, -2147483648), (20002, 2147483647), (20003, 0), (20004, 2147483647);
CREATE INDEX gist_ids_train ON gist_ids USING gist (train railway.train_id_ops);
ANALYZE gist_ids;
CREATE TEMP TABLE id_queries AS
SELECT q FROM generate_series(-3001, 3001) AS q UNION ALL VALUES (-2147483648), (2147483647);
SET enable_seqscan = off; SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT q, (SELECT count(*) FROM gist_ids WHERE train = q) FROM id_queries;
CREATE TEMP TABLE index_counts AS SELECT q, (SELECT count(*) FROM gist_ids WHERE train = q) AS n FROM id_queries;
EXPLAIN (COSTS OFF) SELECT count(*) FROM gist_ids WHERE train IS NULL;
SELECT count(*) AS null_trains FROM gist_ids WHERE train IS NULL;
EXPLAIN (COSTS OFF) SELECT count(*) FROM gist_ids WHERE train < 5;
RESET enable_seqscan; RESET enable_bitmapscan;
SET enable_indexscan = off; SET enable_bitmapscan = off;
SELECT count(*) AS queries, sum(n) AS rows_found,
       count(*) FILTER (WHERE n <> (SELECT count(*) FROM gist_ids WHERE train = q)) AS mismatches,
       (SELECT n FROM index_counts WHERE q = 2147483647) AS at_max,
       (SELECT n FROM index_counts WHERE q = -2147483648) AS at_min
FROM index_counts;
RESET enable_indexscan; RESET enable_bitmapscan;

-- The exclusion constraint with railway.train_id_ops on the train decides every row as the
-- one with btree_gist's class did.
CREATE TABLE gist_excluded_ids (id integer, train integer, p railway.service_pattern,
    EXCLUDE USING gist (train railway.train_id_ops WITH =, p WITH OPERATOR(railway.&&)));
CREATE TEMP TABLE gist_refused_ids AS SELECT pg_temp.insert_each_pattern('gist_excluded_ids') AS id;
SELECT (SELECT count(*) FROM gist_excluded_ids) AS kept,
       (SELECT count(*) FROM (SELECT id FROM gist_excluded EXCEPT SELECT id FROM gist_excluded_ids) AS d)
     + (SELECT count(*) FROM (SELECT id FROM gist_excluded_ids EXCEPT SELECT id FROM gist_excluded) AS d)
       AS decided_differently;
SELECT 'x'::railway.id_range_key;
DROP TABLE gist_ids, gist_excluded_ids;

-- The key type exists only inside indexes.
SELECT 'x'::railway.service_pattern_gist_key;

DROP TABLE gist_patterns, gist_queries, gist_excluded;
