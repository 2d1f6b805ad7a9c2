-- Conflicts between runs (issue 13, README "Runs"): a run must not conflict with another run of
-- its train (DESIGN.md section 2: a numbered train's runs of one run date, a vehicle's runs
-- whatever their dates), overnight and across a month boundary, back-to-back allowed, cancelled
-- runs never conflicting, two untouched planned runs consistent; from psql, COPY and prepared
-- statements. The race-free part is proven by test/isolation/specs/runs_conflicts_race.spec.

SET DateStyle = ISO;
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.raised(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text; message text; detail text; hint text;
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN format('%s: %s | %s | %s', state, message, detail, hint);
END $$;

SELECT count(*) >= 0 AS partitions FROM railway.create_run_partitions(2, '2025-01-01');
-- The partitions carry the conflict search's index.
SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'railway.runs_2025_01'::regclass
  AND indexrelid::regclass::text LIKE '%train_departure';

INSERT INTO railway.locations (id, name, code) VALUES (4401, 'Lyon Part-Dieu', 'LPD'), (4402, 'Grenoble', 'GNB');
INSERT INTO railway.trains (id, train_number, kind) VALUES (4401, '4401', 'numbered'), (4402, 'RAKE-4402', 'vehicle');
-- Train 4401 (numbered): 4401 weekdays 08:00-10:00, 4402 weekdays 12:00-13:00, 4405 Saturdays
-- 15:00-16:00. RAKE-4402 (vehicle): 4403 weekdays 22:00 to 03:00 the next day, 4404 weekdays
-- 04:00-05:00. All in the first quarter of 2025.
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (4401, 4401, 4401, 4402, '2025-01-06 08:00', '2025-01-06 10:00', '{t,t,t,t,t,f,f}', '2025-01-01', '2025-03-31'),
       (4402, 4401, 4402, 4401, '2025-01-06 12:00', '2025-01-06 13:00', '{t,t,t,t,t,f,f}', '2025-01-01', '2025-03-31'),
       (4405, 4401, 4401, 4402, '2025-01-11 15:00', '2025-01-11 16:00', '{f,f,f,f,f,t,f}', '2025-01-01', '2025-03-31'),
       (4403, 4402, 4401, 4402, '2025-01-06 22:00', '2025-01-07 03:00', '{t,t,t,t,t,f,f}', '2025-01-01', '2025-03-31'),
       (4404, 4402, 4402, 4401, '2025-01-07 04:00', '2025-01-07 05:00', '{t,t,t,t,t,f,f}', '2025-01-01', '2025-03-31');
SELECT railway.plan_runs('2025-01-06', '2025-02-07', 4401) AS numbered_runs,
       railway.plan_runs('2025-01-06', '2025-02-07', 4402) AS vehicle_runs;
-- Idempotent: the existing runs are not taken for conflicts with themselves.
SELECT railway.plan_runs('2025-01-06', '2025-02-07', 4401) AS numbered_again,
       railway.plan_runs('2025-01-06', '2025-02-07', 4402) AS vehicle_again;

-- 1. Numbered train, one run date: a retiming into the other run is refused, naming it.
SELECT pg_temp.raised($$UPDATE railway.runs SET planned_departure = '2025-01-06 09:30', planned_arrival = '2025-01-06 12:30'
                        WHERE schedule_id = 4402 AND run_date = '2025-01-06'$$);
-- Back-to-back on both sides is not an overlap.
SELECT pg_temp.raised($$UPDATE railway.runs SET planned_departure = '2025-01-06 10:00', planned_arrival = '2025-01-06 12:00'
                        WHERE schedule_id = 4402 AND run_date = '2025-01-06'$$);
-- An extra run (schedule 4405, a Saturday service, on Tuesday) inside the 08:00 run.
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind)
                        VALUES (4405, '2025-01-07', '2025-01-07 09:00', '2025-01-07 09:30', 'extra')$$);
-- Overnight, numbered: the Friday run of 4402 retimed to 23:00 until Saturday 09:00, and an
-- extra run of 4401 on Saturday 08:00: same train, overlapping, but two run dates.
SELECT pg_temp.raised($$UPDATE railway.runs SET planned_departure = '2025-01-10 23:00', planned_arrival = '2025-01-11 09:00'
                        WHERE schedule_id = 4402 AND run_date = '2025-01-10'$$);
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind)
                        VALUES (4401, '2025-01-11', '2025-01-11 08:00', '2025-01-11 10:00', 'extra')$$);
-- ... but the same Saturday's 15:00 run retimed into the extra run is refused.
SELECT pg_temp.raised($$UPDATE railway.runs SET planned_departure = '2025-01-11 09:00', planned_arrival = '2025-01-11 16:00'
                        WHERE schedule_id = 4405 AND run_date = '2025-01-11'$$);

-- 2. Vehicle: overnight across midnight, whatever the run dates. Friday's 22:00 run ends
-- Saturday 03:00; an extra Saturday run at 02:00 collides, one at 03:00 is back-to-back.
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind)
                        VALUES (4404, '2025-01-11', '2025-01-11 02:00', '2025-01-11 04:00', 'extra')$$);
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind)
                        VALUES (4404, '2025-01-11', '2025-01-11 03:00', '2025-01-11 04:00', 'extra')$$);
-- Across the month boundary: the run of Friday 31 January ends 1 February 03:00 (another partition).
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind)
                        VALUES (4404, '2025-02-01', '2025-02-01 01:00', '2025-02-01 02:00', 'extra')$$);
-- Retimed to depart the day before its run date, over the previous run.
SELECT pg_temp.raised($$UPDATE railway.runs SET planned_departure = '2025-01-13 23:30', planned_arrival = '2025-01-14 05:00'
                        WHERE schedule_id = 4404 AND run_date = '2025-01-14'$$);

-- 3. Cancelled runs never conflict: the Monday 13 January 08:00 run cancelled, an extra run takes
-- its place; making the cancelled run active again is then refused.
UPDATE railway.runs SET status = 'cancelled' WHERE schedule_id = 4401 AND run_date = '2025-01-13';
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind)
                        VALUES (4405, '2025-01-13', '2025-01-13 08:30', '2025-01-13 09:30', 'extra')$$);
SELECT pg_temp.raised($$UPDATE railway.runs SET status = 'scheduled' WHERE schedule_id = 4401 AND run_date = '2025-01-13'$$);
-- A cancelled extra run is accepted anywhere.
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind, status)
                        VALUES (4405, '2025-01-14', '2025-01-14 08:30', '2025-01-14 09:30', 'extra', 'cancelled')$$);
-- A run of a cancelled schedule never conflicts either.
UPDATE railway.schedules SET is_cancelled = true, status = 'cancelled' WHERE id = 4402;
SELECT pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind)
                        VALUES (4405, '2025-01-15', '2025-01-15 12:15', '2025-01-15 12:45', 'extra')$$);
UPDATE railway.schedules SET is_cancelled = false, status = 'scheduled' WHERE id = 4402;

-- 4. A plain planned run next to an extra run: the Wednesday 22 January run of 4401 is not
-- there (deleted), an extra run takes 09:00; planning that date again is refused.
DELETE FROM railway.runs WHERE schedule_id = 4401 AND run_date = '2025-01-22';
INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind)
VALUES (4405, '2025-01-22', '2025-01-22 09:00', '2025-01-22 09:30', 'extra');
SELECT pg_temp.raised($$SELECT railway.plan_runs('2025-01-22', '2025-01-22', 4401)$$);

-- 5. Actual times and status are recorded without a search; a retiming is searched.
UPDATE railway.runs SET actual_departure = '2025-01-06 08:02', actual_arrival = '2025-01-06 10:05', status = 'completed'
WHERE schedule_id = 4401 AND run_date = '2025-01-06';
SELECT schedule_id, run_date, planned_departure, planned_arrival, actual_departure, actual_arrival, status, kind
FROM railway.runs WHERE train_id = 4401 AND run_date = '2025-01-06' ORDER BY planned_departure;

-- 6. The span rules that bound the search.
SELECT pg_temp.raised($$UPDATE railway.runs SET planned_departure = '2025-01-29 08:00', planned_arrival = '2025-01-29 10:00'
                        WHERE schedule_id = 4401 AND run_date = '2025-01-27'$$);
SELECT pg_temp.raised($$UPDATE railway.runs SET planned_arrival = '2025-02-07 08:00:01'
                        WHERE schedule_id = 4401 AND run_date = '2025-01-27'$$);

-- 7. COPY: a conflict with a stored run, and between two rows of one COPY.
COPY railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind) FROM stdin;
4405	2025-01-28	2025-01-28 09:59	2025-01-28 10:30	extra
\.
COPY railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind) FROM stdin;
4405	2025-01-29	2025-01-29 10:00	2025-01-29 11:00	extra
4405	2025-01-30	2025-01-30 10:00	2025-01-30 11:00	extra
4404	2025-01-25	2025-01-25 10:00	2025-01-25 11:00	extra
4403	2025-01-25	2025-01-25 10:30	2025-01-25 11:30	extra
\.
SELECT count(*) AS extra_runs_left FROM railway.runs WHERE run_date IN ('2025-01-28', '2025-01-29', '2025-01-30', '2025-01-25') AND kind = 'extra';

-- 8. Prepared statements.
PREPARE retime(timestamp, timestamp, integer, date) AS
    UPDATE railway.runs SET planned_departure = $1, planned_arrival = $2 WHERE schedule_id = $3 AND run_date = $4;
EXECUTE retime('2025-01-20 10:00', '2025-01-20 11:00', 4402, '2025-01-20');
SELECT pg_temp.raised($$EXECUTE retime('2025-01-20 09:59', '2025-01-20 11:00', 4402, '2025-01-20')$$);
PREPARE extra(integer, date, timestamp, timestamp) AS
    INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind) VALUES ($1, $2, $3, $4, 'extra');
EXECUTE extra(4405, '2025-01-21', '2025-01-21 10:00', '2025-01-21 12:00');
SELECT pg_temp.raised($$EXECUTE extra(4405, '2025-01-23', '2025-01-23 12:30', '2025-01-23 12:40')$$);
DEALLOCATE retime;
DEALLOCATE extra;

-- 9. plan_runs checks its runs in bulk against the runs the train has around the window (up to
-- 12 days before and after it). RAKE-4402: an extra run of schedule 4404 from Saturday 8 February
-- 10:00 to Monday 10 February 04:30, before the window of the next plan_runs; planning that week
-- is refused for the Monday 04:00 run it overlaps (nothing is planned).
INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind)
VALUES (4404, '2025-02-08', '2025-02-08 10:00', '2025-02-10 04:30', 'extra');
SELECT pg_temp.raised($$SELECT railway.plan_runs('2025-02-10', '2025-02-14', 4402)$$);
SELECT count(*) AS planned_after_refusal FROM railway.runs WHERE train_id = 4402 AND run_date >= '2025-02-10';
-- Ending at 04:00 it is back-to-back with the Monday run: the week is planned (5 + 5 runs), then
-- nothing more when planned again.
UPDATE railway.runs SET planned_arrival = '2025-02-10 04:00' WHERE schedule_id = 4404 AND run_date = '2025-02-08';
SELECT railway.plan_runs('2025-02-10', '2025-02-14', 4402) AS vehicle_week,
       railway.plan_runs('2025-02-10', '2025-02-14', 4402) AS vehicle_week_again;
-- The numbered train's week (4401 and 4402 on weekdays) and a partial overlap with it.
SELECT railway.plan_runs('2025-02-10', '2025-02-14', 4401) AS numbered_week,
       railway.plan_runs('2025-02-13', '2025-02-17', 4401) AS numbered_overlap;
SELECT schedule_id, count(*), min(run_date), max(run_date), bool_and(kind = 'planned') AS planned
FROM railway.runs WHERE train_id IN (4401, 4402) AND run_date >= '2025-02-10' GROUP BY schedule_id ORDER BY schedule_id;

-- 10. plan_runs writes its checked runs straight into the partitions only where that skips
-- nothing but railway's own triggers; a trigger of the DBA on a partition (here one counting
-- the rows it sees) makes plan_runs INSERT them, and the trigger sees every run.
CREATE TABLE pg_temp.seen (schedule_id integer, run_date date);
CREATE FUNCTION pg_temp.note_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pg_temp.seen VALUES (NEW.schedule_id, NEW.run_date);
    RETURN NULL;
END $$;
CREATE TRIGGER dba_note AFTER INSERT ON railway.runs_2025_03 FOR EACH ROW EXECUTE FUNCTION pg_temp.note_run();
SELECT railway.plan_runs('2025-02-24', '2025-03-07', 4401) AS numbered_two_weeks;
SELECT count(*) AS seen_by_dba_trigger, min(run_date), max(run_date) FROM pg_temp.seen;
DROP TRIGGER dba_note ON railway.runs_2025_03;
-- Row-level security on railway.runs: its policies apply to plan_runs' runs (INSERT path).
ALTER TABLE railway.runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY no_march ON railway.runs FOR ALL TO PUBLIC USING (true) WITH CHECK (run_date < '2025-03-10');
SET row_security = on;
CREATE ROLE railway_test_planner;
GRANT railway_operator TO railway_test_planner;
SET ROLE railway_test_planner;
SELECT pg_temp.raised($$SELECT railway.plan_runs('2025-03-10', '2025-03-14', 4401)$$);
RESET ROLE;
DROP POLICY no_march ON railway.runs;
ALTER TABLE railway.runs DISABLE ROW LEVEL SECURITY;
DROP ROLE railway_test_planner;
SELECT count(*) AS planned_after_policy FROM railway.runs WHERE run_date BETWEEN '2025-03-10' AND '2025-03-14';

-- 11. Runs that can conflict again are checked when it happens (sync_runs, step 4), from today
-- on: a schedule made active again, and a train's kind changed. Dates relative to today; only
-- the SQLSTATE is shown.
SELECT count(*) >= 0 AS partitions FROM railway.create_run_partitions(2, CURRENT_DATE);
INSERT INTO railway.trains (id, train_number, kind) VALUES (4801, '4801', 'numbered'), (4802, '4802', 'numbered');
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (4811, 4801, 4401, 4402, CURRENT_DATE + time '08:00', CURRENT_DATE + time '10:00', '{t,t,t,t,t,t,t}', CURRENT_DATE - 1, CURRENT_DATE + 30),
       (4812, 4801, 4402, 4401, CURRENT_DATE + time '12:00', CURRENT_DATE + time '13:00', '{t,t,t,t,t,t,t}', CURRENT_DATE - 1, CURRENT_DATE + 30),
       (4813, 4801, 4401, 4402, CURRENT_DATE + 100 + time '15:00', CURRENT_DATE + 100 + time '16:00', '{t,t,t,t,t,t,t}', CURRENT_DATE + 100, CURRENT_DATE + 130),
       (4821, 4802, 4401, 4402, CURRENT_DATE + time '22:00', CURRENT_DATE + time '23:00', '{t,t,t,t,t,t,t}', CURRENT_DATE - 1, CURRENT_DATE + 30),
       (4822, 4802, 4402, 4401, CURRENT_DATE + time '01:00', CURRENT_DATE + time '02:00', '{t,t,t,t,t,t,t}', CURRENT_DATE - 1, CURRENT_DATE + 30);
SELECT railway.plan_runs(CURRENT_DATE + 5, CURRENT_DATE + 6, 4801) AS runs_4801,
       railway.plan_runs(CURRENT_DATE + 5, CURRENT_DATE + 6, 4802) AS runs_4802;
-- a) 4812's run in 5 days retimed to 12:30-13:30; 4812 cancelled (its untouched future runs go,
-- the retimed one stays); an extra run 13:00-14:00 that day is then accepted (a cancelled
-- schedule's runs never conflict); making 4812 active again is refused for its retimed run.
UPDATE railway.runs SET planned_departure = run_date + time '12:30', planned_arrival = run_date + time '13:30'
WHERE schedule_id = 4812 AND run_date = CURRENT_DATE + 5;
UPDATE railway.schedules SET is_cancelled = true, status = 'cancelled' WHERE id = 4812;
SELECT left(pg_temp.raised($$INSERT INTO railway.runs (schedule_id, run_date, planned_departure, planned_arrival, kind)
                             VALUES (4813, CURRENT_DATE + 5, CURRENT_DATE + 5 + time '13:00', CURRENT_DATE + 5 + time '14:00', 'extra')$$), 5) AS extra_beside_cancelled;
SELECT left(pg_temp.raised($$UPDATE railway.schedules SET is_cancelled = false, status = 'scheduled' WHERE id = 4812$$), 5) AS reactivated;
SELECT (SELECT is_cancelled FROM railway.schedules WHERE id = 4812) AS still_cancelled;
-- Without the extra run, it is made active again.
DELETE FROM railway.runs WHERE schedule_id = 4813;
SELECT left(pg_temp.raised($$UPDATE railway.schedules SET is_cancelled = false, status = 'scheduled' WHERE id = 4812$$), 5) AS reactivated_alone;
-- b) Numbered train 4802: its run of 4821 in 5 days retimed to end at 01:30 the next day, over
-- the next day's 01:00 run of 4822 (another run date: allowed for a numbered train); made a
-- vehicle, the two runs would overlap: the kind change is refused.
SELECT left(pg_temp.raised($$UPDATE railway.runs SET planned_departure = run_date + time '22:00', planned_arrival = run_date + 1 + time '01:30'
                             WHERE schedule_id = 4821 AND run_date = CURRENT_DATE + 5$$), 5) AS overnight_retiming;
SELECT left(pg_temp.raised($$UPDATE railway.trains SET kind = 'vehicle' WHERE id = 4802$$), 5) AS made_vehicle;
SELECT kind FROM railway.trains WHERE id = 4802;
-- Ending at 01:00 (back-to-back), the change is accepted.
UPDATE railway.runs SET planned_arrival = run_date + 1 + time '01:00' WHERE schedule_id = 4821 AND run_date = CURRENT_DATE + 5;
SELECT left(pg_temp.raised($$UPDATE railway.trains SET kind = 'vehicle' WHERE id = 4802$$), 5) AS made_vehicle_back_to_back;
DELETE FROM railway.runs WHERE train_id IN (4801, 4802);
DELETE FROM railway.schedules WHERE id BETWEEN 4811 AND 4822;
DELETE FROM railway.trains WHERE id IN (4801, 4802);

DELETE FROM railway.runs WHERE train_id IN (4401, 4402);
DELETE FROM railway.schedules WHERE id BETWEEN 4401 AND 4405;
DELETE FROM railway.trains WHERE id IN (4401, 4402);
DELETE FROM railway.locations WHERE id IN (4401, 4402);
-- Drop the partitions this test made, so that later tests start without them.
DO $$
DECLARE p regclass;
BEGIN
    FOR p IN SELECT inhrelid::regclass FROM pg_inherits
             WHERE inhparent = 'railway.runs'::regclass AND inhrelid <> 'railway.runs_default'::regclass LOOP
        EXECUTE format('DROP TABLE %s', p);
    END LOOP;
END $$;
SELECT count(*) AS partitions_left FROM pg_inherits WHERE inhparent = 'railway.runs'::regclass;
