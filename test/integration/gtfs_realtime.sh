#!/usr/bin/env bash
# GTFS-realtime TripUpdates (issue 13) through tools/gtfs_rt_import.sh: caltrain-2023-09.zip is
# loaded, its runs of 2023-11-07 to 2023-11-09 planned, and the real message
# caltrain-2023-11-07-trip-updates.pb applied. The expected rows were read by hand from its .json
# decoding (header timestamp 1699405534 = 2023-11-08 01:05:34 UTC = 2023-11-07 17:05:34 in
# America/Los_Angeles, PST, UTC-8 since 2023-11-05):
#   1. every run the message touches, with its actual / expected times in local time; updates
#      that begin mid-trip (trip 124 from stop_sequence 20) give no departure, updates that end
#      before the last stop (128, 129, 414, 712) no arrival; the report's counts; exit 0;
#   2. the same message again changes nothing; an older message is "stale" (exit 3) and changes
#      nothing;
#   3. a newer message built with the same bindings: the arrival of 710 becomes actual (its
#      expected time cleared), 711 CANCELED, an ADDED trip and an unknown trip reported (exit 3),
#      the after-midnight trip 146 (24:03:00 of service day 2023-11-07) found by start_date and,
#      in the next message, without start_date by the message's timestamp;
#   4. bad messages (truncated, not protobuf, a trip of another feed) are refused (exit 1) and
#      change nothing; --json prints the report.
# Runs against the cluster in PGHOST/PGPORT/PGUSER (test/run_all.sh starts one).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=${RAILWAY_GTFS_DATA:-$root/../shared/data/gtfs}
[ -d "$data" ] || data=/work/shared/data/gtfs
feed_zip=$data/caltrain-2023-09.zip
message=$data/caltrain-2023-11-07-trip-updates.pb
work=$(mktemp -d /tmp/railway-gtfs-rt.XXXXXX)
db=railway_gtfs_realtime
cleanup() { dropdb --if-exists "$db" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAILED: $*"; exit 1; }
q() { psql -X -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
rt() { "$root/tools/gtfs_rt_import.sh" "$@"; }

dropdb --if-exists "$db" 2>/dev/null
createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION railway CASCADE'
"$root/tools/gtfs_import.sh" "$feed_zip" "$db" >/dev/null || fail "caltrain-2023-09.zip did not load"
"$root/tools/gtfs_import.sh" --feed other "$data/gtfs-example.zip" "$db" >/dev/null || [ $? -eq 3 ] ||
    fail "gtfs-example.zip did not load"
q -c "SELECT count(*) FROM railway.create_run_partitions(1, '2023-11-01')" >/dev/null
[ "$(q -c "SELECT railway.plan_runs('2023-11-07', '2023-11-09')")" -gt 0 ] || fail "plan_runs planned nothing"
# The runs with any real-time data: trip, run date, actual/expected departure/arrival, status.
state_sql="SELECT g.trip_id, r.run_date, r.actual_departure, r.expected_departure, r.actual_arrival,
                  r.expected_arrival, r.status
           FROM railway.runs r JOIN railway.gtfs_trips g ON g.schedule_id = r.schedule_id
           WHERE g.feed = 'caltrain-2023-09'
             AND (r.actual_departure IS NOT NULL OR r.expected_departure IS NOT NULL OR r.actual_arrival IS NOT NULL
                  OR r.expected_arrival IS NOT NULL OR r.status <> 'scheduled')
           ORDER BY 1, 2"
state() { q -F ' ' -c "$state_sql"; }

# 1. The real message. Read by hand from the .json (POSIX time -> local PST):
#   710  stop_sequence 1 (its first stop) departure 1699405519 = 17:05:19, not after 17:05:34:
#        actual departure; stop_sequence 7 (its last) arrival 1699409416 = 18:10:16: expected.
#   124  the update begins at stop_sequence 20 (departure 1699405504, passed, but mid-trip):
#        no departure; stop_sequence 23, its last stop, arrival 1699406518 = 17:21:58: expected.
#   125  begins at 17 (no departure); 22 (its last) arrival 1699407196 = 17:33:16.
#   128  stop_sequence 1 departure 1699407420 = 17:37:00: expected; the update ends at
#        stop_sequence 20 of 23: no arrival. Likewise 129 (ends at 18 of 23), 414 (9 of 13)
#        and 712 (6 of 7): expected departure only.
#   311, 312, 412, 413, 711: start at stop_sequence 1 after 17:05:34 and end at their last stop:
#        both expected. 126, 127, 308, 310, 410, 411, 709 begin mid-trip: arrival only.
rc=0; out=$(rt --feed caltrain-2023-09 "$message" "$db") || rc=$?
[ "$rc" -eq 0 ] || fail "the real message: exit $rc, expected 0: $out"
expected_state="124 2023-11-07    2023-11-07 17:21:58 scheduled
125 2023-11-07    2023-11-07 17:33:16 scheduled
126 2023-11-07    2023-11-07 18:25:00 scheduled
127 2023-11-07    2023-11-07 18:33:16 scheduled
128 2023-11-07  2023-11-07 17:37:00   scheduled
129 2023-11-07  2023-11-07 17:43:00   scheduled
308 2023-11-07    2023-11-07 17:39:28 scheduled
310 2023-11-07    2023-11-07 18:40:01 scheduled
311 2023-11-07  2023-11-07 17:21:00  2023-11-07 18:43:23 scheduled
312 2023-11-07  2023-11-07 17:27:00  2023-11-07 18:58:46 scheduled
410 2023-11-07    2023-11-07 18:17:51 scheduled
411 2023-11-07    2023-11-07 17:59:04 scheduled
412 2023-11-07  2023-11-07 17:10:00  2023-11-07 18:28:17 scheduled
413 2023-11-07  2023-11-07 17:42:00  2023-11-07 18:59:28 scheduled
414 2023-11-07  2023-11-07 18:10:00   scheduled
709 2023-11-07    2023-11-07 18:05:06 scheduled
710 2023-11-07 2023-11-07 17:05:19   2023-11-07 18:10:16 scheduled
711 2023-11-07  2023-11-07 17:57:00  2023-11-07 19:04:49 scheduled
712 2023-11-07  2023-11-07 18:04:00   scheduled"
got=$(state)
[ "$got" = "$expected_state" ] || fail "runs after the real message:
$(diff <(echo "$expected_state") <(echo "$got"))"
for line in "applied GTFS-realtime message for feed caltrain-2023-09 (timezone America/Los_Angeles), timestamp 2023-11-07T17:05:34" \
            "  trip updates  19 of 19 entities" \
            "  runs updated  19: actual departures 1, actual arrivals 0, expected departures 9, expected arrivals 15, cancelled 0" \
            "  unknown trips 0, added trips 0, runs not planned 0, skipped 0"; do
    grep -qxF -- "$line" <<<"$out" || fail "the report lacks the line \"$line\": $out"
done
[ "$(q -c "SELECT realtime_timestamp AT TIME ZONE 'UTC' FROM railway.gtfs_feeds WHERE feed = 'caltrain-2023-09'")" = "2023-11-08 01:05:34" ] ||
    fail "the feed's last applied timestamp is not the message's"

# 2. The same message again: nothing changes. An older one: stale, exit 3, nothing changes.
rc=0; rt --feed caltrain-2023-09 "$message" "$db" >/dev/null || rc=$?
[ "$rc" -eq 0 ] && [ "$(state)" = "$expected_state" ] || fail "the same message again: exit $rc or rows changed"

# Messages built with the official bindings (the decoder's own package).
bindings=$root/tools/gtfs_rt/node_modules/gtfs-realtime-bindings/gtfs-realtime.js
make_message() {  # make_message OUT.pb JSON (a FeedMessage as the bindings' fromObject takes it)
    node -e '
const { transit_realtime: rt } = require(process.argv[1]);
const m = rt.FeedMessage.fromObject(JSON.parse(process.argv[3]));
require("fs").writeFileSync(process.argv[2], rt.FeedMessage.encode(m).finish());' "$bindings" "$1" "$2"
}
# 1699405000 = 16:56:40 local, before the applied message.
make_message "$work/old.pb" '{"header": {"gtfsRealtimeVersion": "2.0", "timestamp": 1699405000},
  "entity": [{"id": "1", "tripUpdate": {"trip": {"tripId": "710", "startDate": "20231107"},
    "stopTimeUpdate": [{"stopSequence": 7, "arrival": {"time": 1699409000}}]}}]}'
rc=0; out=$(rt --feed caltrain-2023-09 --json "$work/old.pb" "$db") || rc=$?
[ "$rc" -eq 3 ] || fail "an older message: exit $rc, expected 3"
[ "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' <<<"$out")" = stale ] ||
    fail "an older message is not reported stale: $out"
[ "$(state)" = "$expected_state" ] || fail "an older message changed runs"

# 3. A newer message: 1699410000 = 18:20:00 local.
#   710: arrival at stop_sequence 7 at 1699409400 = 18:10:00, passed: actual; expected cleared.
#   711: CANCELED. 999: unknown. 'extra-1': ADDED. 146 (leaves 70012 at 24:03:00 of service day
#   2023-11-07, so its run is 2023-11-08): departure predicted at 1699430670 = 2023-11-08 00:04:30.
make_message "$work/newer.pb" '{"header": {"gtfsRealtimeVersion": "2.0", "timestamp": 1699410000},
  "entity": [
    {"id": "a", "tripUpdate": {"trip": {"tripId": "710", "startDate": "20231107"},
      "stopTimeUpdate": [{"stopSequence": 7, "stopId": "70262", "arrival": {"time": 1699409400}}]}},
    {"id": "b", "tripUpdate": {"trip": {"tripId": "711", "startDate": "20231107", "scheduleRelationship": "CANCELED"}}},
    {"id": "c", "tripUpdate": {"trip": {"tripId": "999", "startDate": "20231107"},
      "stopTimeUpdate": [{"stopSequence": 1, "departure": {"time": 1699410600}}]}},
    {"id": "d", "tripUpdate": {"trip": {"tripId": "extra-1", "startDate": "20231107", "scheduleRelationship": "ADDED"},
      "stopTimeUpdate": [{"stopSequence": 1, "departure": {"time": 1699410600}}]}},
    {"id": "e", "tripUpdate": {"trip": {"tripId": "146", "startDate": "20231107"},
      "stopTimeUpdate": [{"stopSequence": 1, "departure": {"time": 1699430670}}]}}]}'
rc=0; out=$(rt --feed caltrain-2023-09 "$work/newer.pb" "$db") || rc=$?
[ "$rc" -eq 3 ] || fail "the newer message: exit $rc, expected 3 (unknown and added trips): $out"
for line in "applied with notices GTFS-realtime message for feed caltrain-2023-09 (timezone America/Los_Angeles), timestamp 2023-11-07T18:20:00" \
            "  runs updated  3: actual departures 0, actual arrivals 1, expected departures 1, expected arrivals 0, cancelled 1" \
            "  unknown trips 1, added trips 1, runs not planned 0, skipped 0" \
            "    unknown trip 999 (entity c)" \
            "    added trip extra-1 (entity d), not applied"; do
    grep -qxF -- "$line" <<<"$out" || fail "the newer message's report lacks \"$line\": $out"
done
expected_newer=$(sed -e 's/^710 .*/710 2023-11-07 2023-11-07 17:05:19  2023-11-07 18:10:00  scheduled/' \
                     -e 's/^711 .*/711 2023-11-07  2023-11-07 17:57:00  2023-11-07 19:04:49 cancelled/' <<<"$expected_state")
expected_newer=$(printf '%s\n%s' "146 2023-11-08  2023-11-08 00:04:30   scheduled" "$expected_newer" | LC_ALL=C sort)
got=$(state | LC_ALL=C sort)
[ "$got" = "$expected_newer" ] || fail "runs after the newer message:
$(diff <(echo "$expected_newer") <(echo "$got"))"

# Without start_date: the run whose service day holds the timestamp. At 1699430700 = 2023-11-08
# 00:05:00 local, trip 146's runs of service days 2023-11-07 (run 2023-11-08 00:03) and
# 2023-11-08 (run 2023-11-09 00:03) are candidates: the first is meant (the nearest); its
# departure at 1699430640 = 00:04:00 is passed: actual.
make_message "$work/nodate.pb" '{"header": {"gtfsRealtimeVersion": "2.0", "timestamp": 1699430700},
  "entity": [{"id": "1", "tripUpdate": {"trip": {"tripId": "146"},
    "stopTimeUpdate": [{"stopSequence": 1, "departure": {"time": 1699430640}}]}}]}'
rc=0; rt --feed caltrain-2023-09 "$work/nodate.pb" "$db" >/dev/null || rc=$?
[ "$rc" -eq 0 ] || fail "the message without start_date: exit $rc"
[ "$(q -c "SELECT r.run_date || ' ' || r.actual_departure || ' ' || (r.expected_departure IS NULL)
           FROM railway.runs r JOIN railway.gtfs_trips g ON g.schedule_id = r.schedule_id
           WHERE g.feed = 'caltrain-2023-09' AND g.trip_id = '146' AND r.actual_departure IS NOT NULL")" = \
  "2023-11-08 2023-11-08 00:04:00 true" ] || fail "trip 146 without start_date did not get its run of 2023-11-08"
snapshot=$(q -c "SELECT md5(string_agg(r::text, ',' ORDER BY schedule_id, run_date)) FROM railway.runs r")
feeds=$(q -c "SELECT realtime_timestamp FROM railway.gtfs_feeds WHERE feed = 'caltrain-2023-09'")

# 4. Bad messages: refused, exit 1, nothing changed.
head -c 1000 "$message" >"$work/truncated.pb"
printf 'this is not a protobuf message\n' >"$work/text.pb"
make_message "$work/other.pb" '{"header": {"gtfsRealtimeVersion": "2.0", "timestamp": 1699440000},
  "entity": [
    {"id": "1", "tripUpdate": {"trip": {"tripId": "712", "startDate": "20231107"},
      "stopTimeUpdate": [{"stopSequence": 7, "arrival": {"time": 1699413000}}]}},
    {"id": "2", "tripUpdate": {"trip": {"tripId": "AB1", "startDate": "20231107"},
      "stopTimeUpdate": [{"stopSequence": 1, "departure": {"time": 1699440000}}]}}]}'
for bad in truncated text other; do
    rc=0; err=$(rt --feed caltrain-2023-09 "$work/$bad.pb" "$db" 2>&1) || rc=$?
    [ "$rc" -eq 1 ] || fail "$bad.pb: exit $rc, expected 1: $err"
    case $bad in
        truncated|text) grep -q "not a GTFS-realtime FeedMessage" <<<"$err" || fail "$bad.pb: unclear error: $err" ;;
        other) grep -q 'trip "AB1" of the GTFS-realtime message is a trip of feed "other", not of "caltrain-2023-09"' <<<"$err" ||
                   fail "other.pb: unclear error: $err" ;;
    esac
    [ "$(q -c "SELECT md5(string_agg(r::text, ',' ORDER BY schedule_id, run_date)) FROM railway.runs r")" = "$snapshot" ] ||
        fail "$bad.pb changed runs"
    [ "$(q -c "SELECT realtime_timestamp FROM railway.gtfs_feeds WHERE feed = 'caltrain-2023-09'")" = "$feeds" ] ||
        fail "$bad.pb changed the feed's last applied timestamp"
done
rc=0; rt --feed no-such-feed "$message" "$db" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "a feed that is not loaded: exit $rc, expected 1"
rc=0; rt "$message" "$db" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "no --feed: exit $rc, expected 2"
echo "gtfs_realtime: ok"
