#!/usr/bin/env bash
# Issue 11, item 5: a PL/pgSQL loop that catches 23P01 kept about 55 kB per refused row until
# commit (10,000 refused rows: 10,000 "railway conflict search" contexts, 548 MB). The memory of
# each refused row's search must go with its subtransaction.
source "$(dirname "$0")/lib.sh"
probe_database probe_subxact_leak
probe_role probe_subxact_operator railway_operator
"${PSQL[@]}" <<'SQL' || exit 2
INSERT INTO railway.locations (id, name, code) VALUES (1, 'Davangere', 'DVD'), (2, 'Narasapur', 'NS');
INSERT INTO railway.trains (id, train_number) VALUES (1, '12711');
INSERT INTO railway.schedules (id, train_id, departure_location_id, arrival_location_id,
        scheduled_departure, scheduled_arrival, effective_start_date)
VALUES (1, 1, 1, 2, '2024-01-01 08:00', '2024-01-01 09:00', '2024-01-01');
-- The operator may not read pg_backend_memory_contexts: a measuring function of the probe's.
CREATE FUNCTION public.probe_memory(OUT bytes bigint, OUT railway_contexts bigint)
SECURITY DEFINER SET search_path = pg_catalog LANGUAGE sql AS $$
    SELECT sum(total_bytes)::bigint, count(*) FILTER (WHERE name LIKE 'railway%')
    FROM pg_backend_memory_contexts $$;
GRANT EXECUTE ON FUNCTION public.probe_memory() TO probe_subxact_operator;
SQL
# The issue's loop, as an operator (who may write schedules): 10,000 conflicting inserts, each
# refused and caught, in one transaction; measured before it ends.
out=$(as_role probe_subxact_operator -At <<'SQL' 2>&1
DO $$
DECLARE
    refused int := 0;
    before bigint;
    grew bigint;
    contexts bigint;
BEGIN
    SELECT bytes INTO before FROM public.probe_memory();
    FOR i IN 1..10000 LOOP
        BEGIN
            INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
                    scheduled_departure, scheduled_arrival, effective_start_date)
            VALUES (1, 1, 2, '2024-01-01 08:30', '2024-01-01 09:30', '2024-01-01');
        EXCEPTION WHEN exclusion_violation THEN
            refused := refused + 1;
        END;
    END LOOP;
    SELECT bytes - before, railway_contexts INTO grew, contexts FROM public.probe_memory();
    RAISE NOTICE 'result refused=% grew_bytes=% railway_contexts=%', refused, grew, contexts;
END $$;
SQL
)
echo "$out"
line=$(echo "$out" | grep -o 'result refused=.*') || fail "the loop did not run: $out"
refused=$(echo "$line" | sed 's/.*refused=\([0-9]*\).*/\1/')
grew=$(echo "$line" | sed 's/.*grew_bytes=\(-\?[0-9]*\).*/\1/')
contexts=$(echo "$line" | sed 's/.*railway_contexts=\([0-9]*\).*/\1/')
[ "$refused" = 10000 ] || fail "expected 10,000 refused rows, got $refused"
[ "$contexts" -le 1 ] || fail "$contexts railway contexts are left after 10,000 refused rows"
[ "$grew" -lt $((16 * 1024 * 1024)) ] || fail "the backend grew by $grew bytes for 10,000 refused rows"
echo "10,000 refused rows: backend grew by $((grew / 1024)) kB, $contexts railway contexts left"
