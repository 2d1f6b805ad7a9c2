#!/usr/bin/env bash
# Issue 11, item 1: escalation to superuser through search_path. An operator who may CREATE in
# public plants public.<>(varchar, varchar) (and a few look-alikes of what railway's queries
# use) whose function makes the operator a superuser when a superuser calls it. A superuser
# with the default search_path then calls railway.find_conflicts(train_id),
# railway.find_conflicts() and railway.validate_schedule(id): the operator must stay an
# ordinary role and no planted function may run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

probe_database railway_probe_spi_escalation
probe_role probe_spi_op railway_operator
"${PSQL[@]}" <<'SQL' || exit 2
GRANT CREATE ON SCHEMA public TO probe_spi_op;
INSERT INTO railway.locations (id, name, code) VALUES (1, 'North', 'NTH'), (2, 'South', 'STH');
INSERT INTO railway.trains (id, train_number) VALUES (1, '501');
INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id, scheduled_departure,
        scheduled_arrival, running_days, effective_start_date, effective_end_date)
VALUES (1, 1, 2, '2024-01-01 08:00', '2024-01-01 09:00', '{t,t,t,t,t,f,f}', '2024-01-01', '2024-12-31'),
       (1, 2, 1, '2024-01-01 10:00', '2024-01-01 11:00', '{t,t,t,t,t,f,f}', '2024-01-01', '2024-12-31');
SQL

# The attacker's plants, made by the attacker's own login.
as_role probe_spi_op <<'SQL' || exit 2
CREATE FUNCTION public.probe_spi_escalate(varchar, varchar) RETURNS boolean
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'PLANTED public.<>(varchar, varchar) RAN as %', current_user;
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE probe_spi_op SUPERUSER';
    END IF;
    RETURN $1::pg_catalog.text OPERATOR(pg_catalog.<>) $2::pg_catalog.text;
END $$;
CREATE OPERATOR public.<> (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.probe_spi_escalate);
CREATE FUNCTION public.probe_spi_escalate_eq(integer, integer) RETURNS boolean
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'PLANTED public.=(integer, integer) RAN as %', current_user;
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE probe_spi_op SUPERUSER';
    END IF;
    RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
-- A better match than pg_catalog's int4 = int4[] (ANY) is not possible; this one is for "id = $1"
-- should the superuser's search_path list public before pg_catalog.
CREATE OPERATOR public.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.probe_spi_escalate_eq);
SQL

check_not_superuser() {
    local super
    super=$("${PSQL[@]}" -At -c "SELECT rolsuper FROM pg_roles WHERE rolname = 'probe_spi_op'") || exit 2
    [ "$super" = f ] || fail "probe_spi_op became a superuser after $1"
}

# The superuser with the default search_path ("$user", public), then with public first.
for path in '"$user", public' 'public, pg_catalog'; do
    for call in "SELECT * FROM railway.find_conflicts(1)" "SELECT * FROM railway.find_conflicts()" \
                "SELECT railway.validate_schedule(s.id) FROM railway.schedules s"; do
        out=$("${PSQL[@]}" -c "SET search_path = $path" -c "$call" 2>&1) || fail "$call failed: $out"
        echo "$out" | grep -q PLANTED && fail "a planted operator ran in $call (search_path $path): $out"
        check_not_superuser "$call (search_path $path)"
    done
done
echo "no planted operator ran; probe_spi_op is not a superuser"
