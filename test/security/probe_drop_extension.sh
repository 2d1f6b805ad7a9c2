#!/usr/bin/env bash
# Issue 11, item 4: a plain DROP EXTENSION railway deleted the timetable, the users and the
# audit log (extension members). It must refuse while they hold rows, and CASCADE must work.
source "$(dirname "$0")/lib.sh"
probe_database probe_drop_extension
"${PSQL[@]}" -f "$RAILWAY_ROOT/demo/sample_timetable.sql" >/dev/null || exit 2
out=$("${PSQL[@]}" -v VERBOSITY=verbose -c "DROP EXTENSION railway" 2>&1)
echo "$out"
echo "$out" | grep -q '2BP01' || fail "DROP EXTENSION railway was not refused with 2BP01"
echo "$out" | grep -q 'CASCADE' || fail "the refusal does not name CASCADE"
[ "$(psql -X -At -c "SELECT count(*) FROM railway.schedules")" -gt 0 ] || fail "the schedules are gone"
"${PSQL[@]}" -c "DROP EXTENSION railway CASCADE" || fail "DROP EXTENSION railway CASCADE failed"
[ "$(psql -X -At -c "SELECT count(*) FROM pg_extension WHERE extname = 'railway'")" = 0 ] \
    || fail "CASCADE did not drop the extension"
echo "refused without CASCADE, dropped with it"
