#!/usr/bin/env bash
# The Seattle-area GTFS feed (Sound Transit and King County Marine: 3,888 trips on 458 blocks,
# after-midnight runs) loaded with tools/gtfs_import.sh and checked against an independent
# day-by-day expansion of the same feed (test/integration/gtfs_expand.py, which does not use
# railway):
#   1. the feed loads (in seconds) and every loaded trip runs at exactly the expansion's
#      [start, end) intervals: railway.occurrences over its schedule rows, all dates;
#   2. railway.find_conflicts() equals the expansion's conflicting trip pairs (none in the real
#      feed);
#   3. a variant of the feed with conflicts written in (a duplicated trip, an overlapping trip
#      of the same block, a Friday-service 24:50 trip colliding with a Saturday 01:00 trip) is
#      refused by default listing exactly the expansion's pairs with their first overlap,
#      nothing loaded; --skip-conflicting loads the rest (conflict-free, leaving out only trips
#      of those pairs); --keep-conflicting, in a database whose validation is bypassed as for an
#      audit, gives find_conflicts() pairs equal to the expansion's.
# Runs against the cluster in PGHOST/PGPORT/PGUSER (test/run_all.sh starts one).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
feed_zip=${RAILWAY_GTFS_DATA:-$root/../shared/data/gtfs}/seattle-area-2017-11-16.zip
[ -f "$feed_zip" ] || feed_zip=/work/shared/data/gtfs/seattle-area-2017-11-16.zip
expand="python3 $root/test/integration/gtfs_expand.py"
work=$(mktemp -d /tmp/railway-gtfs-seattle.XXXXXX)
dbs=(railway_gtfs_seattle railway_gtfs_refused railway_gtfs_skip railway_gtfs_keep)
cleanup() { for db in "${dbs[@]}"; do dropdb --if-exists "$db" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAILED: $*"; exit 1; }
for db in "${dbs[@]}"; do
    dropdb --if-exists "$db"
    createdb "$db"
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION railway CASCADE'
done
q() { local db=$1; shift; psql -X -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$feed_zip" "$work/seattle"

# The occurrences of every loaded trip, as railway sees them.
occurrences_sql="SELECT g.trip_id, lower(o), upper(o)
FROM railway.gtfs_trips g JOIN railway.schedules s ON s.id = g.schedule_id
CROSS JOIN LATERAL railway.occurrences(
    railway.service_pattern(s.scheduled_departure, s.scheduled_arrival, s.running_days,
                            s.effective_start_date, s.effective_end_date),
    s.effective_start_date::date, s.effective_end_date::date) o"
# find_conflicts() as trip pairs (a < b) with the earliest window over their schedule rows.
conflicts_sql="SELECT a, b, train, (array_agg(lo ORDER BY lo, hi))[1], (array_agg(hi ORDER BY lo, hi))[1]
FROM (SELECT least(x.trip_id COLLATE \"C\", y.trip_id) AS a, greatest(x.trip_id COLLATE \"C\", y.trip_id) AS b,
             f.train_number AS train, lower(f.first_conflict) AS lo, upper(f.first_conflict) AS hi
      FROM railway.find_conflicts() f
      JOIN railway.gtfs_trips x ON x.schedule_id = f.schedule_id
      JOIN railway.gtfs_trips y ON y.schedule_id = f.other_schedule_id) p
GROUP BY a, b, train ORDER BY a, b"
sorted() { LC_ALL=C sort; }

# 1. The real feed loads, and runs exactly where the expansion says.
start=$(date +%s%N)
"$root/tools/gtfs_import.sh" "$feed_zip" railway_gtfs_seattle | tee "$work/report.txt"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
echo "Seattle loaded in ${elapsed_ms} ms"
[ "$elapsed_ms" -lt 30000 ] || fail "loading Seattle took ${elapsed_ms} ms"
grep -q 'trips      3888 loaded (0 of them from frequencies.txt) of 3888 in trips.txt; 0 skipped; 32 leave after midnight' "$work/report.txt" || fail "unexpected report"
grep -q 'trains     458 (458 new, 0 already there; numbered by block_id 458' "$work/report.txt" || fail "trains are not the 458 blocks"
# Blocks are vehicles (DESIGN.md section 2): their runs conflict whatever their dates.
[ "$(q railway_gtfs_seattle -c "SELECT count(*) FROM railway.trains WHERE kind = 'vehicle'")" = 458 ] || fail "the blocks are not vehicles"
[ "$(q railway_gtfs_seattle -c 'SELECT count(DISTINCT trip_id) FROM railway.gtfs_trips')" = 3888 ] || fail "trips missing"
# Locations: Seattle has no stop_code, so codes are the stop_ids; names are the stop names.
python3 - "$work/seattle/stops.txt" >"$work/stops.expected" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8-sig")):
    print(f"{r['stop_id']}\t{r['stop_name']}")
PY
q railway_gtfs_seattle -F $'\t' -c 'SELECT code, name FROM railway.locations' | sorted >"$work/stops.actual"
diff <(sorted <"$work/stops.expected") "$work/stops.actual" >/dev/null || fail "locations differ from stops.txt"

$expand occurrences "$work/seattle" | sorted >"$work/occ.expected"
q railway_gtfs_seattle -F $'\t' -c "$occurrences_sql" | sorted >"$work/occ.actual"
echo "runs: $(wc -l <"$work/occ.expected") expected, $(wc -l <"$work/occ.actual") loaded"
[ -s "$work/occ.expected" ] || fail "expansion is empty"
diff "$work/occ.expected" "$work/occ.actual" | head -n 20
cmp -s "$work/occ.expected" "$work/occ.actual" || fail "loaded runs differ from the feed's"

# 2. find_conflicts() against the expansion's conflicting pairs.
$expand conflicts "$work/seattle" >"$work/pairs.expected"
q railway_gtfs_seattle -F $'\t' -c "$conflicts_sql" >"$work/pairs.actual"
echo "conflicting pairs: $(wc -l <"$work/pairs.expected") in the expansion, $(wc -l <"$work/pairs.actual") from find_conflicts()"
diff "$work/pairs.expected" "$work/pairs.actual" || fail "find_conflicts() differs from the expansion"

# 3. A variant with conflicts written in.
cp -r "$work/seattle" "$work/variant"
python3 - "$work/variant" <<'PY'
import csv, sys
d = sys.argv[1]
def read(name):
    with open(f"{d}/{name}", newline="", encoding="utf-8-sig") as f:
        r = csv.DictReader(f); return r.fieldnames, list(r)
def write(name, fields, rows):
    with open(f"{d}/{name}", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\r\n"); w.writeheader(); w.writerows(rows)
tf, trips = read("trips.txt"); sf, times = read("stop_times.txt")
t0 = next(t for t in trips if t["service_id"] == "14336")          # a Saturday trip
own = sorted((s for s in times if s["trip_id"] == t0["trip_id"]), key=lambda s: int(s["stop_sequence"]))
first, last = own[0], own[-1]
def clock(s): return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
def secs(t): h, m, s = t.split(":"); return int(h) * 3600 + int(m) * 60 + int(s)
def trip(trip_id, service, block, stops):
    trips.append(dict(t0, trip_id=trip_id, service_id=service, block_id=block))
    for n, (stop, at) in enumerate(stops, 1):
        times.append(dict(first, trip_id=trip_id, stop_id=stop, stop_sequence=str(n),
                          arrival_time=clock(at), departure_time=clock(at)))
# A duplicated trip, and a trip of the same block starting 10 minutes after it.
trips.append(dict(t0, trip_id="dup-" + t0["trip_id"]))
times.extend(dict(s, trip_id="dup-" + t0["trip_id"]) for s in own)
dep = secs(first["departure_time"])
trip("overlap", "14336", t0["block_id"], [(last["stop_id"], dep + 600), (first["stop_id"], dep + 1800)])
# Block LATE: Friday service 24:50-25:40 (Saturday 00:50-01:40) collides with the Saturday
# 01:00 trip; the Saturday 00:10-00:50 trip is back-to-back with it, not a conflict.
a, b = first["stop_id"], last["stop_id"]
trip("late-fri", "15662", "LATE", [(a, 24 * 3600 + 50 * 60), (b, 25 * 3600 + 40 * 60)])
trip("early-sat", "14336", "LATE", [(b, 3600), (a, 2 * 3600)])
trip("sat-back", "14336", "LATE", [(b, 10 * 60), (a, 50 * 60)])
write("trips.txt", tf, trips); write("stop_times.txt", sf, times)
PY
$expand conflicts "$work/variant" >"$work/vpairs.expected"
cat "$work/vpairs.expected"
grep -q $'early-sat\tlate-fri\tLATE\t2017-12-02 01:00:00\t2017-12-02 01:40:00' "$work/vpairs.expected" \
    || fail "the expansion does not see the after-midnight conflict"
grep -q 'sat-back' "$work/vpairs.expected" && fail "back-to-back counted as a conflict"

# 3a. Refused by default: every pair listed, nothing loaded.
if "$root/tools/gtfs_import.sh" "$work/variant" railway_gtfs_refused >"$work/refused.out" 2>&1; then
    fail "the variant with conflicts was loaded"
fi
cat "$work/refused.out"
n=$(wc -l <"$work/vpairs.expected")
grep -q "has $n conflicting pairs of trips of the same train; nothing was loaded" "$work/refused.out" \
    || fail "refusal does not count $n pairs"
sed -n 's/^\(DETAIL: *\| *\)trip \(.*\) and trip \(.*\) of train \(.*\) both run from \(.*\) to \(.*\)\.$/\2\t\3\t\4\t\5\t\6/p' \
    "$work/refused.out" | awk -F'\t' -v OFS='\t' '{ if ($1 > $2) { t = $1; $1 = $2; $2 = t } print }' \
    | sorted >"$work/vpairs.refused"
diff <(sorted <"$work/vpairs.expected") "$work/vpairs.refused" || fail "refused pairs differ from the expansion"
[ "$(q railway_gtfs_refused -c 'SELECT (SELECT count(*) FROM railway.schedules) + (SELECT count(*) FROM railway.trains) + (SELECT count(*) FROM railway.locations)')" = 0 ] \
    || fail "a refused feed left rows behind"

# 3b. --skip-conflicting: the rest loads, conflict-free; only trips of conflicting pairs are left out.
# Loaded with notices (the skipped trips): exit status 3.
status=0; "$root/tools/gtfs_import.sh" --skip-conflicting "$work/variant" railway_gtfs_skip >"$work/skip.out" || status=$?
cat "$work/skip.out"; [ "$status" = 3 ] || fail "--skip-conflicting exited with $status, not 3 (loaded with notices)"
q railway_gtfs_skip -c "SELECT DISTINCT trip_id FROM railway.gtfs_trips" | sorted >"$work/kept"
python3 - "$work/variant/trips.txt" "$work/kept" >"$work/left_out" <<'PY'
import csv, sys
kept = {l.strip() for l in open(sys.argv[2])}
for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8-sig")):
    if r["trip_id"] not in kept: print(r["trip_id"])
PY
echo "left out: $(tr '\n' ' ' <"$work/left_out")"
[ -s "$work/left_out" ] || fail "nothing was left out"
while read -r trip; do
    cut -f1,2 "$work/vpairs.expected" | tr '\t' '\n' | grep -qxF "$trip" || fail "$trip was left out but conflicts with nothing"
    grep -q "trip $trip (train .*): it conflicts with" "$work/skip.out" || fail "$trip left out without being listed"
done <"$work/left_out"
[ "$(q railway_gtfs_skip -c 'SELECT count(*) FROM railway.find_conflicts()')" = 0 ] || fail "skip mode loaded conflicts"
[ -z "$($expand conflicts "$work/variant" "$work/left_out")" ] || fail "the kept trips conflict in the expansion"

# 3c. --keep-conflicting into a database whose validation is bypassed (as for an audit of rows
# loaded before the rules existed): find_conflicts() finds exactly the expansion's pairs.
q railway_gtfs_keep <<'SQL' >/dev/null
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = 'railway.schedules'::regclass AND contype = 'x' LOOP
        EXECUTE format('ALTER TABLE railway.schedules DROP CONSTRAINT %I', c.conname);
    END LOOP;
END $$;
ALTER TABLE railway.schedules DISABLE TRIGGER USER;
SQL
"$root/tools/gtfs_import.sh" --keep-conflicting "$work/variant" railway_gtfs_keep >"$work/keep.out"
q railway_gtfs_keep -F $'\t' -c "$conflicts_sql" >"$work/vpairs.actual"
diff "$work/vpairs.expected" "$work/vpairs.actual" || fail "find_conflicts() differs from the expansion on the variant"
echo "Seattle: runs and conflicts equal the day-by-day expansion"
