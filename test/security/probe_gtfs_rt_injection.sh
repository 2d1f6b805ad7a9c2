#!/usr/bin/env bash
# Issue 13, GTFS-realtime: a hostile FeedMessage and feed name through tools/gtfs_rt_import.sh.
# The message's trip_id, stop_id, start_date and entity id carry SQL (a quote closing a literal
# followed by DROP TABLE), psql meta-commands (\! on a line of its own, after a newline) and
# shell substitutions; the feed name does too. Defeated when no marker file is created, the runs
# table and its rows are intact, the hostile trip is reported as an unknown trip (exit 3), and
# the hostile feed name is refused as a feed that is not loaded (exit 1).
source "$(dirname "$0")/lib.sh"
probe_database probe_gtfs_rt
marker=$(mktemp -u /tmp/railway-probe-gtfs-rt.XXXXXX)
work=$(mktemp -d /tmp/railway-probe-gtfs-rt-work.XXXXXX)
trap 'rm -rf "$work" "$marker"; probe_cleanup' EXIT
data=${RAILWAY_GTFS_DATA:-$RAILWAY_ROOT/../shared/data/gtfs}
[ -d "$data" ] || data=/work/shared/data/gtfs
"$RAILWAY_ROOT/tools/gtfs_import.sh" "$data/caltrain-2023-09.zip" >/dev/null || exit 2
"${PSQL[@]}" -c "SELECT count(*) FROM railway.create_run_partitions(1, '2023-11-01')" \
             -c "SELECT railway.plan_runs('2023-11-07', '2023-11-07')" >/dev/null || exit 2
# The bindings are installed by the tool itself (npm ci on first use): run it once.
"$RAILWAY_ROOT/tools/gtfs_rt_import.sh" --feed caltrain-2023-09 "$data/caltrain-2023-11-07-trip-updates.pb" >/dev/null || exit 2
runs_before=$("${PSQL[@]}" -At -c "SELECT count(*) FROM railway.runs")

hostile="x'); DROP TABLE railway.runs; --
\\! touch $marker
\$(touch $marker) \`touch $marker\` :'feed' :feed"
HOSTILE=$hostile node -e '
const { transit_realtime: rt } = require(process.argv[1]);
const h = process.env.HOSTILE;
const m = rt.FeedMessage.fromObject({ header: { gtfsRealtimeVersion: "2.0", timestamp: 1699420000 },
  entity: [{ id: h, tripUpdate: { trip: { tripId: h, startTime: h },
    stopTimeUpdate: [{ stopId: h, departure: { time: 1699420000 } }] } },
    { id: "2", tripUpdate: { trip: { tripId: "710", startDate: "20231107" },
      stopTimeUpdate: [{ stopId: h, arrival: { time: 1699420000 } }] } }] });
require("fs").writeFileSync(process.argv[2], rt.FeedMessage.encode(m).finish());' \
    "$RAILWAY_ROOT/tools/gtfs_rt/node_modules/gtfs-realtime-bindings/gtfs-realtime.js" "$work/hostile.pb" || exit 2

rc=0; out=$("$RAILWAY_ROOT/tools/gtfs_rt_import.sh" --feed caltrain-2023-09 "$work/hostile.pb" 2>&1) || rc=$?
echo "$out"
[ -e "$marker" ] && fail "a command from the message ran (marker $marker created)"
[ "$("${PSQL[@]}" -At -c "SELECT count(*) FROM railway.runs")" = "$runs_before" ] || fail "runs changed in number"
[ "$rc" -eq 3 ] || fail "the hostile message: exit $rc, expected 3 (an unknown trip)"
grep -qF "unknown trip x'); DROP TABLE railway.runs; --" <<<"$out" || fail "the hostile trip is not reported as unknown"

rc=0; out=$("$RAILWAY_ROOT/tools/gtfs_rt_import.sh" --feed "$hostile" "$data/caltrain-2023-11-07-trip-updates.pb" 2>&1) || rc=$?
echo "$out"
[ -e "$marker" ] && fail "a command from the feed name ran (marker $marker created)"
[ "$rc" -eq 1 ] || fail "the hostile feed name: exit $rc, expected 1"
grep -qF 'is not loaded' <<<"$out" || fail "the hostile feed name is not refused as a feed that is not loaded"
[ "$("${PSQL[@]}" -At -c "SELECT count(*) FROM railway.runs")" = "$runs_before" ] || fail "runs changed in number"
echo "defeated"
exit 0
