-- railway.audit_row_history() fills in the image of a train's or schedule's INSERT (recorded
-- without it) from the row's next change. A row's id can change (an UPDATE of id, allowed on a
-- train no schedule references): that UPDATE is logged under the new id. The INSERT's image must
-- then come from that UPDATE's old_row, never from the next audit row that merely carries the
-- same id (another row renumbered into it, or a new row inserted with it).
INSERT INTO railway.trains (id, train_number, description) VALUES (5, 'R5', 'the first five'), (7, 'R7', 'seven');
UPDATE railway.trains SET id = 6 WHERE id = 5;
UPDATE railway.trains SET id = 5 WHERE id = 7;
-- id 5's INSERT inserted 'the first five' (it became train 6); the UPDATE of id 5 is train 7's.
SELECT operation, old_row ->> 'id' AS old_id, old_row ->> 'description' AS old_description,
       new_row ->> 'id' AS new_id, new_row ->> 'description' AS new_description
FROM railway.audit_row_history('trains', 5);
-- Train 6: the UPDATE that renumbered it; its own INSERT row is under id 5.
SELECT operation, old_row ->> 'id' AS old_id, new_row ->> 'id' AS new_id
FROM railway.audit_row_history('trains', 6);
-- Renumbered away and a new train inserted with the freed id: each INSERT its own image.
INSERT INTO railway.trains (id, train_number, description) VALUES (8, 'R8', 'the first eight');
UPDATE railway.trains SET id = 9 WHERE id = 8;
INSERT INTO railway.trains (id, train_number, description) VALUES (8, 'R8b', 'the second eight');
SELECT operation, new_row ->> 'id' AS new_id, new_row ->> 'description' AS new_description
FROM railway.audit_row_history('trains', 8);
-- Renumbered away and nothing since: the INSERT's image is the renumbering's old_row.
INSERT INTO railway.trains (id, train_number, description) VALUES (40, 'R40', 'forty');
UPDATE railway.trains SET id = 41 WHERE id = 40;
SELECT operation, new_row ->> 'id' AS new_id, new_row ->> 'description' AS new_description
FROM railway.audit_row_history('trains', 40);
-- Unchanged rows still show the row as it is, changed ones their next change's old_row.
INSERT INTO railway.trains (id, train_number, description) VALUES (50, 'R50', 'fifty');
SELECT operation, new_row ->> 'description' AS new_description FROM railway.audit_row_history('trains', 50);
UPDATE railway.trains SET description = 'fifty, changed' WHERE id = 50;
SELECT operation, new_row ->> 'description' AS new_description FROM railway.audit_row_history('trains', 50);
TRUNCATE railway.schedules, railway.trains;
TRUNCATE railway.audit_log RESTART IDENTITY;
