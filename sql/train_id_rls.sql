-- the trigger trains_id_referenced (issue 15) replaces what the foreign key
-- schedules_train_id_fkey of 1.0 did: refuse changing the id of a train that schedules
-- reference (the composite key schedules_train_kind_fkey would cascade the change). A foreign
-- key's check reads the referencing table whatever the policies and privileges of the role
-- that updates the train; the trigger must too: a policy hiding the schedules from the admin
-- who updates the train must not let the id change (and cascade into schedules the admin cannot
-- see, leaving their runs on the old id).

SET DateStyle = ISO;
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.raised(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text; message text;
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
    RETURN format('%s: %s', state, message);
END $$;

INSERT INTO railway.locations (id, name, code) VALUES (9401, 'Review C', 'R3C'), (9402, 'Review D', 'R3D');
INSERT INTO railway.trains (id, train_number) VALUES (9401, 'R3-9401'), (9402, 'R3-9402');
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, effective_start_date, effective_end_date)
VALUES (9401, 9401, 9401, 9402, '2026-03-02 08:00', '2026-03-02 10:00', '2026-03-01', '2026-03-31');

-- An admin who sees no schedule of train 9401 (a policy of the DBA).
ALTER TABLE railway.schedules ENABLE ROW LEVEL SECURITY;
CREATE POLICY not_9401 ON railway.schedules FOR SELECT TO PUBLIC USING (train_id <> 9401);
CREATE ROLE railway_test_train_admin;
GRANT railway_admin TO railway_test_train_admin;
SET row_security = on;
SET ROLE railway_test_train_admin;
SELECT count(*) AS schedules_seen FROM railway.schedules WHERE train_id = 9401;
SELECT pg_temp.raised($$UPDATE railway.trains SET id = 9499 WHERE id = 9401$$);
-- The id of a train without schedules still changes.
SELECT pg_temp.raised($$UPDATE railway.trains SET id = 9498 WHERE id = 9402$$);
RESET ROLE;
SELECT id, train_number FROM railway.trains WHERE train_number LIKE 'R3-94%' ORDER BY id;
SELECT id, train_id FROM railway.schedules WHERE id = 9401;

DROP POLICY not_9401 ON railway.schedules;
ALTER TABLE railway.schedules DISABLE ROW LEVEL SECURITY;
DROP ROLE railway_test_train_admin;
DELETE FROM railway.schedules WHERE id = 9401;
DELETE FROM railway.trains WHERE train_number LIKE 'R3-94%';
DELETE FROM railway.locations WHERE id IN (9401, 9402);
