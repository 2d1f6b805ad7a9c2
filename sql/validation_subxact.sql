-- Memory of the validation trigger's conflict search in subtransactions (issue 11, item 5):
-- a PL/pgSQL loop that catches 23P01 row after row must not keep the memory of each refused
-- row's search until the transaction ends (before: a "railway conflict search" context of
-- about 55 kB per refused row, 548 MB for 10,000 rows).

INSERT INTO railway.locations (id, name, code) VALUES (1, 'Davangere', 'DVD'), (2, 'Narasapur', 'NS');
INSERT INTO railway.trains (id, train_number) VALUES (1, '12711');
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (1, 1, 1, 2, '2024-01-01 08:00', '2024-01-01 09:00', '2024-01-01');

-- Tries `tries` conflicting inserts, each in its own subtransaction (the EXCEPTION block),
-- within one transaction; returns how many were refused, the railway contexts left and the
-- growth of the backend's memory, measured before the transaction ends.
CREATE FUNCTION pg_temp.refuse_many(tries int, OUT refused int, OUT railway_contexts bigint, OUT grew_mb bigint)
LANGUAGE plpgsql AS $$
DECLARE
    before bigint;
BEGIN
    SELECT sum(total_bytes) INTO before FROM pg_backend_memory_contexts;
    refused := 0;
    FOR i IN 1..tries LOOP
        BEGIN
            INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
                    scheduled_departure, scheduled_arrival, effective_start_date)
            VALUES (1000 + i, 1, 1, 2, '2024-01-01 08:30', '2024-01-01 09:30', '2024-01-01');
        EXCEPTION WHEN exclusion_violation THEN
            refused := refused + 1;
        END;
    END LOOP;
    SELECT count(*) FILTER (WHERE name LIKE 'railway%'),
           (sum(total_bytes) - before) / (1024 * 1024)
    INTO railway_contexts, grew_mb FROM pg_backend_memory_contexts;
END $$;

-- 5,000 refused rows: no context left behind, and the backend grows by less than 8 MB
-- (before: 5,000 contexts and about 270 MB).
SELECT refused, railway_contexts, grew_mb < 8 AS bounded FROM pg_temp.refuse_many(5000);

-- Subtransactions that commit (one-day services of another train on 200 different days): the
-- scan of each is ended at its commit.
INSERT INTO railway.trains (id, train_number) VALUES (2, '07501');
DO $$
BEGIN
    FOR i IN 1..200 LOOP
        BEGIN
            INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
                    scheduled_departure, scheduled_arrival, effective_start_date, effective_end_date)
            VALUES (5000 + i, 2, 1, 2, '2024-02-01 08:00'::timestamp + i * interval '1 day',
                    '2024-02-01 09:00'::timestamp + i * interval '1 day',
                    '2024-02-01'::timestamp + i * interval '1 day',
                    '2024-02-01'::timestamp + i * interval '1 day');
        EXCEPTION WHEN exclusion_violation THEN
            NULL;
        END;
    END LOOP;
END $$;
SELECT count(*) AS contexts_left FROM pg_backend_memory_contexts WHERE name LIKE 'railway%';
SELECT count(*) AS schedules FROM railway.schedules;

-- Clean up for the following tests.
TRUNCATE railway.schedules, railway.trains, railway.locations RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
