#!/usr/bin/env bash
# The Caltrain GTFS feed (commuter rail: trip_short_name is the train number, no block_id,
# weekday/weekend/extra services and one-day special services) through tools/gtfs_import.sh:
#   1. it loads; locations are its stops (code = stop_code), trains its train numbers; every
#      trip runs at exactly the intervals of an independent day-by-day expansion
#      (gtfs_expand.py); find_conflicts() and the expansion agree (no conflicts);
#   2. the same feed with a UTF-8 BOM, LF instead of CRLF line ends, columns in another order
#      and an extra column loads to the same rows;
#   3. a malformed row is refused with its file, line and reason, and a broken CSV row with
#      COPY's own file and line; nothing is loaded either time;
#   4. trains keyed by trip_short_name are numbered trains (DESIGN.md section 2): a variant with
#      a duplicated trip and after-midnight trips of one train number is refused listing exactly
#      the expansion's pairs (same departure date and overlapping, not a night run meeting the
#      next date's run), and loaded with --keep-conflicting with validation bypassed,
#      find_conflicts() gives the same pairs.
# Runs against the cluster in PGHOST/PGPORT/PGUSER (test/run_all.sh starts one).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
feed_zip=${RAILWAY_GTFS_DATA:-$root/../shared/data/gtfs}/caltrain-2018-06.zip
[ -f "$feed_zip" ] || feed_zip=/work/shared/data/gtfs/caltrain-2018-06.zip
expand="python3 $root/test/integration/gtfs_expand.py"
work=$(mktemp -d /tmp/railway-gtfs-caltrain.XXXXXX)
dbs=(railway_gtfs_caltrain railway_gtfs_caltrain2 railway_gtfs_bad railway_gtfs_numbered railway_gtfs_numbered_keep)
cleanup() { for db in "${dbs[@]}"; do dropdb --if-exists "$db" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAILED: $*"; exit 1; }
for db in "${dbs[@]}"; do
    dropdb --if-exists "$db" 2>/dev/null
    createdb "$db"
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION railway CASCADE'
done
q() { local db=$1; shift; psql -X -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
sorted() { LC_ALL=C sort; }
occurrences_sql="SELECT g.trip_id, lower(o), upper(o), t.train_number, d.code, a.code
FROM railway.gtfs_trips g JOIN railway.schedules s ON s.id = g.schedule_id
JOIN railway.trains t ON t.id = s.train_id
JOIN railway.locations d ON d.id = s.departure_location_id
JOIN railway.locations a ON a.id = s.arrival_location_id
CROSS JOIN LATERAL railway.occurrences(
    railway.service_pattern(s.scheduled_departure, s.scheduled_arrival, s.running_days,
                            s.effective_start_date, s.effective_end_date),
    s.effective_start_date::date, s.effective_end_date::date) o"

python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$feed_zip" "$work/caltrain"

# 1. Load and compare.
"$root/tools/gtfs_import.sh" --feed caltrain "$feed_zip" railway_gtfs_caltrain | tee "$work/report.txt"
grep -q 'trips      185 loaded (0 of them from frequencies.txt) of 185 in trips.txt; 0 skipped' "$work/report.txt" || fail "not every trip loaded"
grep -q 'numbered by block_id 0, trip_short_name 146, trip_id 0' "$work/report.txt" || fail "trains are not the train numbers"
[ "$(q railway_gtfs_caltrain -c "SELECT count(*) FROM railway.trains WHERE kind = 'numbered'")" = 146 ] || fail "the trains are not numbered trains"
python3 - "$work/caltrain" >"$work/mapping.expected" <<'PY'
import csv, sys
d = sys.argv[1]
stops = {r["stop_id"]: r for r in csv.DictReader(open(f"{d}/stops.txt", newline="", encoding="utf-8-sig"))}
for r in stops.values():
    print(f"location\t{r['stop_code']}\t{r['stop_name']}")
for r in csv.DictReader(open(f"{d}/trips.txt", newline="", encoding="utf-8-sig")):
    print(f"train\t{r['trip_short_name']}")
PY
{ q railway_gtfs_caltrain -F $'\t' -c "SELECT 'location', code, name FROM railway.locations"
  q railway_gtfs_caltrain -F $'\t' -c "SELECT 'train', t.train_number FROM railway.trains t JOIN railway.schedules s ON s.train_id = t.id JOIN railway.gtfs_trips g ON g.schedule_id = s.id GROUP BY t.train_number, g.trip_id"
} | sorted >"$work/mapping.actual"
diff <(sorted <"$work/mapping.expected") "$work/mapping.actual" || fail "locations or trains differ from the feed"

# The expansion's runs, with each trip's train number and first/last stop codes.
python3 - "$work/caltrain" <(python3 "$root/test/integration/gtfs_expand.py" occurrences "$work/caltrain") \
    >"$work/occ.expected" <<'PY'
import csv, sys
d = sys.argv[1]
def rows(n): return list(csv.DictReader(open(f"{d}/{n}", newline="", encoding="utf-8-sig")))
code = {r["stop_id"]: r["stop_code"] for r in rows("stops.txt")}
ends = {}
for r in rows("stop_times.txt"):
    seq = int(r["stop_sequence"]); e = ends.setdefault(r["trip_id"], [None, None])
    if e[0] is None or seq < e[0][0]: e[0] = (seq, r["stop_id"])
    if e[1] is None or seq > e[1][0]: e[1] = (seq, r["stop_id"])
train = {r["trip_id"]: r["trip_short_name"] for r in rows("trips.txt")}
for line in open(sys.argv[2]):
    trip, start, end = line.rstrip("\n").split("\t")
    print(f"{trip}\t{start}\t{end}\t{train[trip]}\t{code[ends[trip][0][1]]}\t{code[ends[trip][1][1]]}")
PY
sorted <"$work/occ.expected" >"$work/occ.expected.sorted"
q railway_gtfs_caltrain -F $'\t' -c "$occurrences_sql" | sorted >"$work/occ.actual"
echo "runs: $(wc -l <"$work/occ.expected.sorted") expected, $(wc -l <"$work/occ.actual") loaded"
[ -s "$work/occ.actual" ] || fail "nothing loaded"
diff "$work/occ.expected.sorted" "$work/occ.actual" | head -n 20
cmp -s "$work/occ.expected.sorted" "$work/occ.actual" || fail "loaded runs differ from the feed's"
[ -z "$($expand conflicts "$work/caltrain")" ] || fail "the expansion finds conflicts in Caltrain"
[ "$(q railway_gtfs_caltrain -c 'SELECT count(*) FROM railway.find_conflicts()')" = 0 ] || fail "find_conflicts() finds conflicts"

# 2. BOM, LF line ends, another column order, an extra column.
cp -r "$work/caltrain" "$work/variant"
python3 - "$work/variant" <<'PY'
import csv, sys
d = sys.argv[1]
for name in ["stops.txt", "calendar.txt", "trips.txt", "stop_times.txt"]:
    with open(f"{d}/{name}", newline="", encoding="utf-8-sig") as f:
        r = csv.DictReader(f); fields = list(reversed(r.fieldnames)) + ["x_extra"]; rows = list(r)
    with open(f"{d}/{name}", "w", newline="", encoding="utf-8-sig" if name == "stops.txt" else "utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for row in rows: w.writerow(dict(row, x_extra="ignored, \"quoted\""))
PY
head -c 3 "$work/variant/stops.txt" | od -An -tx1 | grep -q 'ef bb bf' || fail "no BOM written"
"$root/tools/gtfs_import.sh" --feed caltrain "$work/variant" railway_gtfs_caltrain2 >/dev/null
q railway_gtfs_caltrain2 -F $'\t' -c "$occurrences_sql" | sorted >"$work/occ.variant"
cmp -s "$work/occ.actual" "$work/occ.variant" || fail "the reformatted feed loads differently"

# 3. Malformed rows.
cp -r "$work/caltrain" "$work/bad"
sed -i '17s/^\([^,]*\),\([^,]*\),[^,]*,/\1,\2,4:93:00,/' "$work/bad/stop_times.txt"
grep -q '4:93:00' "$work/bad/stop_times.txt" || fail "could not break line 17"
if "$root/tools/gtfs_import.sh" --strict "$work/bad" railway_gtfs_bad >"$work/bad.out" 2>&1; then fail "a malformed feed was loaded"; fi
cat "$work/bad.out"
grep -q 'ERROR:  stop_times.txt line 17: departure_time: GTFS time "4:93:00" is out of range' "$work/bad.out" \
    || fail "the refusal does not name file, line and reason"
grep -q 'nothing was loaded' "$work/bad.out" || fail "the script does not say nothing was loaded"
cp "$work/caltrain/stop_times.txt" "$work/bad/stop_times.txt"
sed -i '5s/^\([^,]*,[^,]*\),[^\r]*/\1/' "$work/bad/trips.txt"
# A row shorter than its header: refused with --strict, else padded with a notice.
if "$root/tools/gtfs_import.sh" --strict "$work/bad" railway_gtfs_bad >"$work/bad.out" 2>&1; then fail "a short row was loaded with --strict"; fi
cat "$work/bad.out"
grep -q 'trips.txt line 5: row has 2 fields' "$work/bad.out" || fail "the refusal does not name the file and line"
[ "$(q railway_gtfs_bad -c 'SELECT (SELECT count(*) FROM railway.locations) + (SELECT count(*) FROM railway.trains)')" = 0 ] \
    || fail "a refused feed left rows behind"
# 4. Numbered trains: conflicts written into a variant.
cp -r "$work/caltrain" "$work/numbered"
python3 - "$work/numbered" <<'PY'
import csv, sys
d = sys.argv[1]
def read(name):
    with open(f"{d}/{name}", newline="", encoding="utf-8-sig") as f:
        r = csv.DictReader(f); return r.fieldnames, list(r)
def write(name, fields, rows):
    with open(f"{d}/{name}", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\r\n"); w.writeheader(); w.writerows(rows)
tf, trips = read("trips.txt"); sf, times = read("stop_times.txt")
t0 = trips[0]
own = sorted((s for s in times if s["trip_id"] == t0["trip_id"]), key=lambda s: int(s["stop_sequence"]))
first, last = own[0], own[-1]
def clock(s): return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
def trip(trip_id, short_name, stops):
    trips.append(dict(t0, trip_id=trip_id, trip_short_name=short_name))
    for n, (stop, at) in enumerate(stops, 1):
        times.append(dict(first, trip_id=trip_id, stop_id=stop, stop_sequence=str(n),
                          arrival_time=clock(at), departure_time=clock(at)))
# The same train number twice on every date of its service.
trips.append(dict(t0, trip_id="dup-" + t0["trip_id"]))
times.extend(dict(s, trip_id="dup-" + t0["trip_id"]) for s in own)
# Train 999 on t0's service: 23:30-25:30 (departs D), 24:10-24:40 (departs D+1 at 00:10) and
# 00:30-01:00 (departs D). The night run meets the next service day's 00:30 run and its own
# 24:10 run, departing on another date: no conflict for a numbered train. The 24:10 run of
# service day D and the 00:30 run of service day D+1 both depart on D+1 and overlap: a conflict.
a, b = first["stop_id"], last["stop_id"]
trip("night-999", "999", [(a, 23 * 3600 + 30 * 60), (b, 25 * 3600 + 30 * 60)])
trip("late-999", "999", [(b, 24 * 3600 + 10 * 60), (a, 24 * 3600 + 40 * 60)])
trip("early-999", "999", [(b, 30 * 60), (a, 3600)])
write("trips.txt", tf, trips); write("stop_times.txt", sf, times)
PY
$expand conflicts "$work/numbered" >"$work/npairs.expected"
cat "$work/npairs.expected"
grep -q $'\tdup-' "$work/npairs.expected" || fail "the expansion does not see the duplicated trip"
grep -q $'^early-999\tlate-999\t999\t' "$work/npairs.expected" || fail "the expansion does not see the same-date after-midnight conflict"
grep -q 'night-999' "$work/npairs.expected" && fail "a numbered train's night run counted against another date's run"
if "$root/tools/gtfs_import.sh" "$work/numbered" railway_gtfs_numbered >"$work/numbered.out" 2>&1; then
    fail "the numbered variant with conflicts was loaded"
fi
sed -n 's/^\(DETAIL: *\| *\)trip \(.*\) and trip \(.*\) of train \(.*\) both run from \(.*\) to \(.*\)\.$/\2\t\3\t\4\t\5\t\6/p' \
    "$work/numbered.out" | awk -F'\t' -v OFS='\t' '{ if ($1 > $2) { t = $1; $1 = $2; $2 = t } print }' \
    | sorted >"$work/npairs.refused"
diff <(sorted <"$work/npairs.expected") "$work/npairs.refused" || fail "refused pairs differ from the expansion"
q railway_gtfs_numbered_keep <<'SQL' >/dev/null
ALTER TABLE railway.schedules DROP CONSTRAINT schedules_no_overlapping_runs;
ALTER TABLE railway.schedules DISABLE TRIGGER USER;
SQL
"$root/tools/gtfs_import.sh" --keep-conflicting "$work/numbered" railway_gtfs_numbered_keep >"$work/nkeep.out"
conflicts_sql="SELECT a, b, train, (array_agg(lo ORDER BY lo, hi))[1], (array_agg(hi ORDER BY lo, hi))[1]
FROM (SELECT least(x.trip_id COLLATE \"C\", y.trip_id) AS a, greatest(x.trip_id COLLATE \"C\", y.trip_id) AS b,
             f.train_number AS train, lower(f.first_conflict) AS lo, upper(f.first_conflict) AS hi
      FROM railway.find_conflicts() f
      JOIN railway.gtfs_trips x ON x.schedule_id = f.schedule_id
      JOIN railway.gtfs_trips y ON y.schedule_id = f.other_schedule_id) p
GROUP BY a, b, train ORDER BY a, b"
q railway_gtfs_numbered_keep -F $'\t' -c "$conflicts_sql" >"$work/npairs.actual"
diff "$work/npairs.expected" "$work/npairs.actual" || fail "find_conflicts() differs from the expansion on the numbered variant"
echo "Caltrain: locations, trains and runs equal the feed's; numbered-train conflicts equal the expansion's"
