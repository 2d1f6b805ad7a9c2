#!/usr/bin/env bash
# Applies a GTFS-realtime FeedMessage of TripUpdates to the runs of a feed loaded by
# tools/gtfs_import.sh, in one transaction.
#
#   tools/gtfs_rt_import.sh [--json] --feed NAME MESSAGE.pb [DBNAME|URL]
#
#   --feed NAME   the feed the message is for (its name in railway.gtfs_feeds, as loaded)
#   --json        print the whole report (jsonb) instead of the summary
#
# Exit status: 0 applied, every trip update; 3 applied with notices (unknown trips, ADDED trips,
# runs not planned, skipped entities: the report lists each), or not applied because the message
# is older than the last one applied to the feed (status "stale"); 1 refused, nothing changed (not
# a FeedMessage: truncated, not protobuf; no header timestamp, or one more than a day ahead; a
# trip of another feed; a feed not loaded or without timezone); 2 wrong usage. --json's "status"
# says the same: "applied", "applied_with_notices" or "stale".
#
# The database: DBNAME or URL when given, else DATABASE_URL, else the PG* variables.
#
# The message is decoded by the official bindings (npm's gtfs-realtime-bindings, pinned in
# tools/gtfs_rt/package-lock.json and installed by npm ci on first use) into JSON, which psql
# copies (\copy, CSV) into a TEMP table; railway.gtfs_rt_apply(feed, message) applies it. Nothing
# from the message reaches the shell or the psql script: the feed name is a psql variable.
set -euo pipefail

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

feed_name=
json=false
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --feed) feed_name=${2:?--feed needs a name}; shift ;;
        --feed=*) feed_name=${1#--feed=} ;;
        --json) json=true ;;
        -h|--help) usage 0 ;;
        -*) echo "gtfs_rt_import: unknown option $1" >&2; usage ;;
        *) args+=("$1") ;;
    esac
    shift
done
[ ${#args[@]} -ge 1 ] && [ ${#args[@]} -le 2 ] && [ -n "$feed_name" ] || usage
message=${args[0]}
[ -f "$message" ] || { echo "gtfs_rt_import: $message does not exist" >&2; exit 2; }

db_args=()
if [ ${#args[@]} -eq 2 ]; then db_args=(-d "${args[1]}")
elif [ -n "${DATABASE_URL:-}" ]; then db_args=(-d "$DATABASE_URL")
fi

# The decoder: node and the pinned bindings (installed here on first use).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "gtfs_rt_import: installing node and npm (Debian packages nodejs, npm)" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } >&2 ||
        { echo "gtfs_rt_import: node and npm are needed (apt-get install nodejs npm)" >&2; exit 1; }
fi
if [ ! -f "$here/gtfs_rt/node_modules/.package-lock.json" ] ||
   [ "$here/gtfs_rt/package-lock.json" -nt "$here/gtfs_rt/node_modules/.package-lock.json" ]; then
    (cd "$here/gtfs_rt" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
        { echo "gtfs_rt_import: npm ci in tools/gtfs_rt failed" >&2; exit 1; }
fi

work=$(mktemp -d /tmp/railway-gtfs-rt.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod go-rwx "$work"
node "$here/gtfs_rt/decode.mjs" "$message" "$work/message.csv" || exit 1

# Fixed names only in the script (mktemp's folder); the feed name is a psql variable.
cat >"$work/apply.sql" <<SQL
\\set ON_ERROR_STOP 1
SET search_path = pg_catalog, pg_temp;
SET client_encoding = 'UTF8';
SET client_min_messages = warning;
\\timing off
BEGIN;
CREATE TEMP TABLE gtfs_rt_message (message pg_catalog.jsonb NOT NULL) ON COMMIT DROP;
\\copy pg_temp.gtfs_rt_message FROM '$work/message.csv' WITH (FORMAT csv)
CREATE TEMP TABLE gtfs_rt_report ON COMMIT DROP AS
    SELECT railway.gtfs_rt_apply(:'feed', m.message) AS r FROM pg_temp.gtfs_rt_message m;
\\o '$work/status'
\\pset format unaligned
\\pset tuples_only on
SELECT r OPERATOR(pg_catalog.->>) 'status' FROM pg_temp.gtfs_rt_report;
\\o
SQL
if [ "$json" = true ]; then
    echo "SELECT pg_catalog.jsonb_pretty(r) FROM pg_temp.gtfs_rt_report;" >>"$work/apply.sql"
else
    cat >>"$work/apply.sql" <<'SQL'
SELECT pg_catalog.format(E'%s GTFS-realtime message for feed %s (timezone %s), timestamp %s%s\n'
              '  trip updates  %s of %s entities\n'
              '  runs updated  %s: actual departures %s, actual arrivals %s, expected departures %s, expected arrivals %s, cancelled %s\n'
              '  unknown trips %s, added trips %s, runs not planned %s, skipped %s',
              pg_catalog.replace(r OPERATOR(pg_catalog.->>) 'status', '_', ' '), r OPERATOR(pg_catalog.->>) 'feed',
              r OPERATOR(pg_catalog.->>) 'timezone', r OPERATOR(pg_catalog.->>) 'timestamp',
              COALESCE(' (older than the last applied, ' OPERATOR(pg_catalog.||) (r OPERATOR(pg_catalog.->>) 'last_applied')
                       OPERATOR(pg_catalog.||) ': nothing applied)', ''),
              r OPERATOR(pg_catalog.->>) 'trip_updates', r OPERATOR(pg_catalog.->>) 'entities',
              r OPERATOR(pg_catalog.->>) 'runs_updated', r OPERATOR(pg_catalog.->>) 'actual_departures',
              r OPERATOR(pg_catalog.->>) 'actual_arrivals', r OPERATOR(pg_catalog.->>) 'expected_departures',
              r OPERATOR(pg_catalog.->>) 'expected_arrivals', r OPERATOR(pg_catalog.->>) 'cancelled',
              pg_catalog.jsonb_array_length(r OPERATOR(pg_catalog.->) 'unknown_trips'),
              pg_catalog.jsonb_array_length(r OPERATOR(pg_catalog.->) 'added_trips'),
              pg_catalog.jsonb_array_length(r OPERATOR(pg_catalog.->) 'not_planned'),
              pg_catalog.jsonb_array_length(r OPERATOR(pg_catalog.->) 'skipped'))
FROM pg_temp.gtfs_rt_report;
SELECT pg_catalog.format('    unknown trip %s (entity %s)', u OPERATOR(pg_catalog.->>) 'trip_id', u OPERATOR(pg_catalog.->>) 'entity')
FROM pg_temp.gtfs_rt_report, pg_catalog.jsonb_array_elements(r OPERATOR(pg_catalog.->) 'unknown_trips') u;
SELECT pg_catalog.format('    added trip %s (entity %s), not applied', u OPERATOR(pg_catalog.->>) 'trip_id', u OPERATOR(pg_catalog.->>) 'entity')
FROM pg_temp.gtfs_rt_report, pg_catalog.jsonb_array_elements(r OPERATOR(pg_catalog.->) 'added_trips') u;
SELECT pg_catalog.format('    no run of trip %s for service day %s (railway.plan_runs plans runs)', u OPERATOR(pg_catalog.->>) 'trip_id',
                         u OPERATOR(pg_catalog.->>) 'service_day')
FROM pg_temp.gtfs_rt_report, pg_catalog.jsonb_array_elements(r OPERATOR(pg_catalog.->) 'not_planned') u;
SELECT pg_catalog.format('    skipped entity %s%s: %s', u OPERATOR(pg_catalog.->>) 'entity',
                         COALESCE(' (trip ' OPERATOR(pg_catalog.||) (u OPERATOR(pg_catalog.->>) 'trip_id') OPERATOR(pg_catalog.||) ')', ''),
                         u OPERATOR(pg_catalog.->>) 'reason')
FROM pg_temp.gtfs_rt_report, pg_catalog.jsonb_array_elements(r OPERATOR(pg_catalog.->) 'skipped') u;
SQL
fi
echo "COMMIT;" >>"$work/apply.sql"
# The stage folder's name is mktemp's (no quote or backslash can be in it).
[[ "$work" =~ ^/[A-Za-z0-9/._-]+$ ]] || { echo "gtfs_rt_import: unexpected temporary folder $work" >&2; exit 1; }

if ! psql -X -q "${db_args[@]}" -v feed="$feed_name" -f "$work/apply.sql"; then
    echo "gtfs_rt_import: $message was refused; nothing was changed" >&2
    exit 1
fi
status=$(cat "$work/status" 2>/dev/null || true)
case "$status" in
    applied) exit 0 ;;
    applied_with_notices|stale) exit 3 ;;
    *) echo "gtfs_rt_import: no status in the report (\"$status\")" >&2; exit 1 ;;
esac
