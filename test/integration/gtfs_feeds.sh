#!/usr/bin/env bash
# Every real feed in ../shared/data/gtfs/ through tools/gtfs_import.sh (issue 15), each in a
# database of its own in one cluster, two at a time, each checked against the independent
# day-by-day expansion (test/integration/gtfs_expand.py, which does not use railway):
#   1. the exit status says loaded (0), loaded with notices (3) or refused (1: ctran-flex.zip,
#      whose trips are all GTFS-Flex), and the report's counts of skipped trips by kind equal the
#      expansion's;
#   2. every loaded run (railway.occurrences of every schedule row) equals the expansion's runs
#      (for the two largest feeds, the runs departing in their first 14 days);
#   3. railway.find_conflicts() equals the expansion's conflicting trip pairs.
# Then corrupted copies of a small feed, one imperfection each (short row, blank lines, one-stop
# trip, bad time, unknown stop), load with the notice naming the file and the line.
# RAILWAY_GTFS_FEEDS=GLOB checks only the feeds matching it (gtfs-example is the corrupted copies' base).
# Runs against the cluster in PGHOST/PGPORT/PGUSER (test/run_all.sh starts one).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=${RAILWAY_GTFS_DATA:-$root/../shared/data/gtfs}
[ -d "$data" ] || data=/work/shared/data/gtfs
work=$(mktemp -d /tmp/railway-gtfs-feeds.XXXXXX)
cleanup() {
    for db in $(psql -X -At -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE 'railway_feed_%'"); do
        dropdb --if-exists "$db" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
export root work

check_feed() {
    set -euo pipefail
    local zip=$1 name db dir out status expected
    name=$(basename "$zip" .zip)
    db=railway_feed_${name//-/_}
    dir=$work/$name
    out=$work/$name.out
    fail() { echo "FAILED ($name): $*"; exit 1; }
    q() { psql -X -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
    dropdb --if-exists "$db" 2>/dev/null
    createdb "$db"
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION railway CASCADE'
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$dir"
    [ -f "$dir/stops.txt" ] || dir=$(dirname "$(find "$dir" -maxdepth 2 -name stops.txt -print -quit)")
    local expand="python3 $root/test/integration/gtfs_expand.py"
    $expand skips "$dir" >"$work/$name.skips.expected"
    start=$(date +%s%N)
    status=0
    "$root/tools/gtfs_import.sh" --json "$zip" "$db" >"$out" 2>&1 || status=$?
    local ms=$((($(date +%s%N) - start) / 1000000))
    if [ "$name" = ctran-flex ]; then
        [ "$status" = 1 ] || fail "exit status $status, expected 1 (every trip is GTFS-Flex)"
        grep -q 'has no trip that can become a schedule' "$out" || fail "no refusal message"
        grep -q 'notices: flex 1389' "$out" || fail "the refusal does not count the flex trips"
        echo "$name: refused in $ms ms: all 1389 trips GTFS-Flex"
        return 0
    fi
    expected=0
    [ -s "$work/$name.skips.expected" ] && expected=3
    python3 - "$out" >"$work/$name.counts" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(r["status"])
for kind, n in sorted(r["notice_counts"].items()):
    print(f"{kind}\t{n}")
PY
    [ "$status" = "$expected" ] || [ "$status" = 3 ] || fail "exit status $status, expected $expected"
    # The trip kinds of the report (row notices such as short_row are counted apart).
    grep -v -E '^(loaded|loaded_with_notices|blank_line|short_row|long_row|duplicate|unknown_reference)\b' \
        "$work/$name.counts" >"$work/$name.skips.actual" || true
    diff "$work/$name.skips.expected" "$work/$name.skips.actual" || fail "skipped trips differ from the expansion"
    local window=() sql_from="s.effective_start_date::date" sql_to="s.effective_end_date::date"
    local first
    first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["first_date"])' "$out")
    case "$name" in
        wmata-2026|cdmx-corredores)
            local last
            last=$(date -d "$first + 13 days" +%F)
            window=("$first" "$last"); sql_from="'$first'::date"; sql_to="'$last'::date" ;;
    esac
    $expand occurrences "$dir" "${window[@]}" | LC_ALL=C sort >"$work/$name.occ.expected"
    q -F $'\t' -c "SELECT g.trip_id, lower(o), upper(o)
        FROM railway.gtfs_trips g JOIN railway.schedules s ON s.id = g.schedule_id
        CROSS JOIN LATERAL railway.occurrences(
            railway.service_pattern(s.scheduled_departure, s.scheduled_arrival, s.running_days,
                                    s.effective_start_date, s.effective_end_date), $sql_from, $sql_to) o" \
        | LC_ALL=C sort >"$work/$name.occ.actual"
    [ -s "$work/$name.occ.expected" ] || fail "the expansion is empty"
    cmp -s "$work/$name.occ.expected" "$work/$name.occ.actual" || {
        diff "$work/$name.occ.expected" "$work/$name.occ.actual" | head -n 10
        fail "loaded runs differ from the expansion"
    }
    $expand conflicts "$dir" >"$work/$name.pairs.expected"
    q -F $'\t' -c "SELECT a, b, train, (array_agg(lo ORDER BY lo, hi))[1], (array_agg(hi ORDER BY lo, hi))[1]
        FROM (SELECT least(x.trip_id COLLATE \"C\", y.trip_id) AS a, greatest(x.trip_id COLLATE \"C\", y.trip_id) AS b,
                     f.train_number AS train, lower(f.first_conflict) AS lo, upper(f.first_conflict) AS hi
              FROM railway.find_conflicts() f
              JOIN railway.gtfs_trips x ON x.schedule_id = f.schedule_id
              JOIN railway.gtfs_trips y ON y.schedule_id = f.other_schedule_id) p
        GROUP BY a, b, train ORDER BY a, b" >"$work/$name.pairs.actual"
    diff "$work/$name.pairs.expected" "$work/$name.pairs.actual" || fail "find_conflicts() differs from the expansion"
    echo "$name: loaded in $ms ms ($(head -1 "$work/$name.counts"); $(tail -n +2 "$work/$name.counts" | tr '\t\n' ' ')); $(wc -l <"$work/$name.occ.actual") runs${window:+ (${window[0]} to ${window[1]})} and $(wc -l <"$work/$name.pairs.actual") conflicting pairs equal the expansion"
}
export -f check_feed

# Largest first, two at a time.
ls -S "$data"/${RAILWAY_GTFS_FEEDS:-*}.zip | xargs -P 2 -I{} bash -c 'check_feed "$1"' _ {} || { echo "FAILED: a feed"; exit 1; }

fail() { echo "FAILED: $*"; exit 1; }
[ -d "$work/trimet-2-routes-2021" ] && [ -d "$work/gtfs-example" ] || { echo "GTFS feeds: the feeds checked equal the expansion"; exit 0; }

# Daylight-saving change days: a copy of the TriMet feed (America/Los_Angeles, after-midnight
# trips) with a service's date moved onto the Saturdays before both 2021-22 changes.
# GTFS times count from noon minus 12 h: runs near the change leave an hour earlier or later
# than midnight + time; the expansion (Python's zoneinfo) must see such runs, and the loaded
# runs and conflicts must equal it.
dst=$work/dst-trimet
cp -r "$work/trimet-2-routes-2021" "$dst"
python3 - "$dst" <<'PY'
import csv, sys
d = sys.argv[1]
with open(f"{d}/calendar_dates.txt", newline="", encoding="utf-8-sig") as f:
    reader = csv.DictReader(f); fields = reader.fieldnames; rows = list(reader)
# Y.607 (New Year's Eve: trips leaving at 26:00-28:59, i.e. 02:00-04:59 the next morning) moved
# from 2021-12-31 onto the Saturdays before both changes: in autumn its runs leave during the
# repeated hour or an hour earlier than midnight + time, in spring an hour later.
# It replaces the Saturday services of 2021-11-06 (which would share its blocks).
rows = [r for r in rows if r["service_id"] != "Y.607" and r["date"] != "20211106"]
rows += [dict({k: "" for k in fields}, service_id="Y.607", date=day, exception_type="1") for day in ("20211106", "20220312")]
with open(f"{d}/calendar_dates.txt", "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=fields); w.writeheader(); w.writerows(rows)
PY
moved=$(python3 "$root/test/integration/gtfs_expand.py" dst "$dst")
[ "$moved" -gt 0 ] || fail "no run of the DST variant leaves at another time than midnight + time"
dropdb --if-exists railway_feed_dst 2>/dev/null; createdb railway_feed_dst
psql -X -q -v ON_ERROR_STOP=1 -d railway_feed_dst -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION railway CASCADE'
# railway's times are local wall-clock times: in the repeated autumn hour, a block's runs at
# 01:xx PDT and 01:xx PST overlap. The expansion sees the same pairs; the import refuses them by
# default and loads the rest with --skip-conflicting.
python3 "$root/test/integration/gtfs_expand.py" conflicts "$dst" >"$work/dst.pairs.expected"
[ -s "$work/dst.pairs.expected" ] || fail "DST variant: the expansion sees no conflict in the repeated hour"
if "$root/tools/gtfs_import.sh" "$dst" railway_feed_dst >"$work/dst.out" 2>&1; then fail "DST variant: conflicts were loaded"; fi
grep -q "has $(wc -l <"$work/dst.pairs.expected") conflicting pairs" "$work/dst.out" || { cat "$work/dst.out"; fail "DST variant: refusal differs from the expansion's pairs"; }
status=0; "$root/tools/gtfs_import.sh" --skip-conflicting "$dst" railway_feed_dst >"$work/dst.out" 2>&1 || status=$?
[ "$status" = 3 ] || { cat "$work/dst.out"; fail "DST variant: --skip-conflicting exited with $status"; }
sed -n 's/^    trip \([^ ]*\) (train .*): it conflicts with .*/\1/p' "$work/dst.out" >"$work/dst.left_out"
python3 "$root/test/integration/gtfs_expand.py" occurrences "$dst" \
    | awk -F'\t' 'NR == FNR { out[$1] = 1; next } !($1 in out)' "$work/dst.left_out" - | LC_ALL=C sort >"$work/dst.occ.expected"
psql -X -At -F $'\t' -d railway_feed_dst -c "SELECT g.trip_id, lower(o), upper(o)
    FROM railway.gtfs_trips g JOIN railway.schedules s ON s.id = g.schedule_id
    CROSS JOIN LATERAL railway.occurrences(
        railway.service_pattern(s.scheduled_departure, s.scheduled_arrival, s.running_days,
                                s.effective_start_date, s.effective_end_date),
        s.effective_start_date::date, s.effective_end_date::date) o" | LC_ALL=C sort >"$work/dst.occ.actual"
cmp -s "$work/dst.occ.expected" "$work/dst.occ.actual" || {
    diff "$work/dst.occ.expected" "$work/dst.occ.actual" | head -n 10; fail "DST variant: loaded runs differ from the expansion"; }
[ "$(psql -X -At -d railway_feed_dst -c 'SELECT count(*) FROM railway.find_conflicts()')" = 0 ] || fail "DST variant: conflicts loaded"
[ -z "$(python3 "$root/test/integration/gtfs_expand.py" conflicts "$dst" "$work/dst.left_out")" ] || fail "DST variant: kept trips conflict in the expansion"
[ "$(psql -X -At -d railway_feed_dst -c "SELECT timezone FROM railway.gtfs_feeds")" = America/Los_Angeles ] || fail "the feed's timezone was not kept"
echo "DST variant of trimet: $(wc -l <"$work/dst.occ.actual") runs equal the expansion, $moved of them moved by the offset change; $(wc -l <"$work/dst.pairs.expected") pairs overlap in the repeated hour (refused, then skipped: $(wc -l <"$work/dst.left_out") trips)"

# Corrupted copies of the example feed, one imperfection each: the notice names file and line.
base=$work/gtfs-example
corrupt() {  # corrupt NAME PYTHON: a copy of the example feed changed by PYTHON (d = its folder)
    rm -rf "$work/c-$1"; cp -r "$base" "$work/c-$1"
    python3 -c "import sys; d = sys.argv[1]; $2" "$work/c-$1"
    dropdb --if-exists "railway_feed_c_$1" 2>/dev/null; createdb "railway_feed_c_$1"
    psql -X -q -v ON_ERROR_STOP=1 -d "railway_feed_c_$1" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION railway CASCADE'
    local status=0
    "$root/tools/gtfs_import.sh" "$work/c-$1" "railway_feed_c_$1" >"$work/c-$1.out" 2>&1 || status=$?
    [ "$status" = 3 ] || { cat "$work/c-$1.out"; fail "$1: exit status $status, not 3 (loaded with notices)"; }
}
expect() { grep -qF -- "$2" "$work/c-$1.out" || { cat "$work/c-$1.out"; fail "$1: no notice \"$2\""; }; echo "corrupted copy $1: $2"; }
append='add = lambda name, text: open(f"{d}/{name}", "a", newline="").write(text)'
corrupt blank "$append; add('routes.txt', '\r\n   \r\n'); add('calendar_dates.txt', '\r\n')"
expect blank 'routes.txt line 7: blank line ignored'
expect blank 'routes.txt line 8: blank line ignored'
expect blank 'calendar_dates.txt line 4: blank line ignored'
corrupt short "$append; add('stops.txt', 'SHORT,Short stop\n')"
expect short 'stops.txt line 11: row has 2 fields, the header 7'
corrupt onestop "$append; add('trips.txt', 'AB,FULLW,LONE,,,,\n'); add('stop_times.txt', 'LONE,6:00:00,6:00:00,BEATTY_AIRPORT,1\n')"
expect onestop 'trip LONE (train LONE): trip "LONE" has 1 stop time(s) in stop_times.txt; a trip needs at least 2 [trips.txt line 13]'
corrupt badtime "$append; add('trips.txt', 'AB,FULLW,BADT,,,,\n'); add('stop_times.txt', 'BADT,6:00:00,6:00:00,BEATTY_AIRPORT,1\nBADT,6:61:00,6:61:00,BULLFROG,2\n')"
expect badtime 'arrival_time: GTFS time "6:61:00" is out of range [stop_times.txt line 31]'
corrupt unknownstop "$append; add('trips.txt', 'AB,FULLW,LOST,,,,\n'); add('stop_times.txt', 'LOST,6:00:00,6:00:00,BEATTY_AIRPORT,1\nLOST,7:00:00,7:00:00,NOWHERE,2\n')"
expect unknownstop 'stop_id "NOWHERE" is not in stops.txt [stop_times.txt line 31]'
echo "GTFS feeds: every feed loads with its notices; runs and conflicts equal the expansion"
