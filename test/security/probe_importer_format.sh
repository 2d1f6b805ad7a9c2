#!/usr/bin/env bash
# Issue 11, item 1 (importer): a role that may CREATE in public plants
# public.format(text, VARIADIC text[]) (a better match than pg_catalog.format(text, VARIADIC
# "any") for the importer's report) and look-alikes of other functions the importer's script
# calls; a superuser then imports a feed with tools/gtfs_import.sh. The import must work and no
# planted function may run: the role must stay an ordinary role.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

probe_database railway_probe_spi_importer
probe_role probe_spi_planter railway_operator
"${PSQL[@]}" -c "GRANT CREATE ON SCHEMA public TO probe_spi_planter" || exit 2
# The database's sessions put public before pg_catalog: even exact matches of pg_catalog's own
# operators and functions lose to the plants unless the importer pins its own path.
"${PSQL[@]}" -c "ALTER DATABASE $PGDATABASE SET search_path = public, pg_catalog" || exit 2

as_role probe_spi_planter <<'SQL' || exit 2
CREATE FUNCTION public.probe_spi_escalate() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'PLANTED function RAN as %', current_user;
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE probe_spi_planter SUPERUSER';
    END IF;
END $$;
CREATE FUNCTION public.format(text, VARIADIC text[]) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM public.probe_spi_escalate(); RETURN 'planted format'; END $$;
CREATE FUNCTION public.format(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM public.probe_spi_escalate(); RETURN 'planted format'; END $$;
CREATE FUNCTION public.jsonb_array_length(jsonb) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN PERFORM public.probe_spi_escalate(); RETURN 1; END $$;
CREATE FUNCTION public.jsonb_pretty(jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM public.probe_spi_escalate(); RETURN 'planted'; END $$;
CREATE FUNCTION public.probe_spi_arrow(jsonb, text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM public.probe_spi_escalate(); RETURN 'planted'; END $$;
CREATE OPERATOR public.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = public.probe_spi_arrow);
CREATE FUNCTION public.probe_spi_path(jsonb, text[]) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM public.probe_spi_escalate(); RETURN 'planted'; END $$;
CREATE OPERATOR public.#>> (LEFTARG = jsonb, RIGHTARG = text[], FUNCTION = public.probe_spi_path);
CREATE FUNCTION public.probe_spi_get(jsonb, text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN PERFORM public.probe_spi_escalate(); RETURN '[]'; END $$;
CREATE OPERATOR public.-> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = public.probe_spi_get);
CREATE FUNCTION public.probe_spi_concat(text, text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM public.probe_spi_escalate(); RETURN 'planted'; END $$;
CREATE OPERATOR public.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = public.probe_spi_concat);
CREATE FUNCTION public.probe_spi_gt(integer, integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM public.probe_spi_escalate(); RETURN true; END $$;
CREATE OPERATOR public.> (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.probe_spi_gt);
CREATE FUNCTION public.jsonb_array_elements(jsonb) RETURNS SETOF jsonb LANGUAGE plpgsql AS $$
BEGIN PERFORM public.probe_spi_escalate(); RETURN NEXT '{}'::jsonb; END $$;
SQL

feed=$(mktemp -d /tmp/railway-probe-feed.XXXXXX)
trap 'rm -rf "$feed"; probe_cleanup' EXIT
mkdir "$feed/tiny"
printf 'stop_id,stop_name\nA,Alpha\nB,Beta\n' >"$feed/tiny/stops.txt"
printf 'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nS,1,1,1,1,1,0,0,20240101,20240131\n' >"$feed/tiny/calendar.txt"
printf 'route_id,service_id,trip_id\nR,S,T1\n' >"$feed/tiny/trips.txt"
printf 'trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,08:00:00,08:00:00,A,1\nT1,09:00:00,09:00:00,B,2\n' >"$feed/tiny/stop_times.txt"

for option in "" --json; do
    out=$(bash "$RAILWAY_ROOT/tools/gtfs_import.sh" $option --feed "tiny$option" "$feed/tiny" 2>&1) \
        || fail "the import failed: $out"
    echo "$out"
    echo "$out" | grep -q PLANTED && fail "a planted function ran during the import: $out"
    echo "$out" | grep -q planted && fail "the import's report came from a planted function: $out"
    super=$("${PSQL[@]}" -At -c "SELECT rolsuper FROM pg_roles WHERE rolname = 'probe_spi_planter'") || exit 2
    [ "$super" = f ] || fail "probe_spi_planter became a superuser during the import"
    loaded=$("${PSQL[@]}" -At -c "SELECT count(*) FROM railway.gtfs_trips WHERE feed = 'tiny$option'") || exit 2
    [ "$loaded" = 1 ] || fail "expected the import to load 1 trip, found $loaded"
    "${PSQL[@]}" -c "DELETE FROM railway.gtfs_trips" -c "DELETE FROM railway.schedules" || exit 2
done
echo "no planted function ran; the feed was loaded"
