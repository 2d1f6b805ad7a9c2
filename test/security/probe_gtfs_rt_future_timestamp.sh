#!/usr/bin/env bash
# Review of 1.1's GTFS-realtime: railway.gtfs_rt_apply() took any header timestamp of up to 12
# digits. One hostile (or clock-broken) message with timestamp 999999999999 (year 33658) was
# applied and became the feed's last applied timestamp, so every later, genuine message was
# older, reported "stale" and never applied: the feed was frozen until someone reset
# railway.gtfs_feeds.realtime_timestamp by hand.
# Defeated when the far-future message is refused (nothing changes) and the next genuine
# message is applied.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

probe_database probe_gtfs_rt_future
"${PSQL[@]}" -c "INSERT INTO railway.gtfs_feeds (feed, timezone) VALUES ('probe', 'Europe/Zurich')" >/dev/null || exit 2

message() {  # $1: header timestamp (POSIX seconds)
    echo "{\"header\": {\"gtfsRealtimeVersion\": \"2.0\", \"timestamp\": \"$1\"}, \"entity\": []}"
}
apply() {  # $1: header timestamp; prints the report's status or the error
    psql -X -q -At -v msg="$(message "$1")" 2>&1 <<<"SELECT railway.gtfs_rt_apply('probe', :'msg') ->> 'status';"
}
out=$(apply 999999999999)
echo "message of year 33658: $out"
after=$("${PSQL[@]}" -At -c "SELECT coalesce(realtime_timestamp::text, 'none') FROM railway.gtfs_feeds WHERE feed = 'probe'") || exit 2
echo "last applied timestamp after it: $after"
[ "$after" = none ] || fail "the far-future message became the feed's last applied timestamp ($after)"

now=$(date +%s)
out=$(apply "$now")
echo "genuine message of now: $out"
[ "$out" = applied ] || fail "the genuine message of now was not applied: $out"
exit 0
