-- The pieces of runs on a Citus cluster that exist on one server without Citus:
-- railway.colocated_shard() is NULL for every table (there are no shards), so the runs'
-- triggers keep reading railway.schedules and writing railway.runs; a table named like a
-- shard is not taken for one. test/integration/citus.sh checks the cluster side.

SELECT railway.colocated_shard('railway.runs', 'railway.schedules') AS runs,
       railway.colocated_shard('railway.schedules', 'railway.runs') AS schedules;
CREATE TABLE public.runs_2030_01_102022 (id integer);
SELECT railway.colocated_shard('public.runs_2030_01_102022', 'railway.schedules') AS like_a_shard,
       railway.colocated_shard('public.runs_2030_01_102022', 'railway.trains') AS trains;
DROP TABLE public.runs_2030_01_102022;
-- Everybody may call it (the runs' trigger does, as the writer of the run).
SELECT has_function_privilege('public', 'railway.colocated_shard(regclass, regclass)', 'EXECUTE') AS public_may_call;
