#!/usr/bin/env bash
# Loads a GTFS feed (a .zip or a folder) into railway, in one transaction.
#
#   tools/gtfs_import.sh [options] FEED.zip|FEED_DIR [DBNAME|URL]
#
#   --skip-conflicting   load the trips that do not conflict and list those left out
#   --keep-conflicting   load every trip, conflicting ones too (for auditing a feed with
#                        railway.find_conflicts(); the validation trigger, where installed,
#                        refuses them)
#   --feed NAME          the name recorded in railway.gtfs_trips (default: the file or folder
#                        name without .zip); a feed already loaded under that name is refused
#   --json               print the whole report (jsonb) instead of the summary
#
# The database: DBNAME or URL when given, else DATABASE_URL, else the PG* variables. The
# extension must be installed there (CREATE EXTENSION railway CASCADE).
#
# In one psql session and transaction: every file the importer reads is copied (CSV, header
# row; columns mapped by name, so extra columns and any order are fine; UTF-8 BOM and CRLF line
# ends are handled) into a TEMP table gtfs_<file> with a "line" column, then
# railway.gtfs_load(feed, conflicts) validates every row, converts and inserts. Any error (a
# malformed file or row: file, line and reason; conflicting trips by default) rolls everything
# back: nothing is half-loaded.
#
# Nothing from the feed is written unquoted into the psql script: psql reads the files through
# links of fixed names in the importer's temporary folder (a path or folder name from the zip never
# appears in the script), header fields are quoted identifiers (a field with a control character
# is refused), and the feed name and mode are psql variables (:'feed'). The script pins
# search_path to pg_catalog, pg_temp and names every function and operator with its schema:
# objects planted in public cannot run as the importing user.
set -euo pipefail

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

mode=refuse
feed_name=
json=false
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --skip-conflicting) mode=skip ;;
        --keep-conflicting) mode=keep ;;
        --feed) feed_name=${2:?--feed needs a name}; shift ;;
        --feed=*) feed_name=${1#--feed=} ;;
        --json) json=true ;;
        -h|--help) usage 0 ;;
        -*) echo "gtfs_import: unknown option $1" >&2; usage ;;
        *) args+=("$1") ;;
    esac
    shift
done
[ ${#args[@]} -ge 1 ] && [ ${#args[@]} -le 2 ] || usage
feed=${args[0]}
[ -e "$feed" ] || { echo "gtfs_import: $feed does not exist" >&2; exit 2; }
[ -n "$feed_name" ] || feed_name=$(basename "${feed%/}" .zip)

db_args=()
if [ ${#args[@]} -eq 2 ]; then db_args=(-d "${args[1]}")
elif [ -n "${DATABASE_URL:-}" ]; then db_args=(-d "$DATABASE_URL")
fi

work=$(mktemp -d /tmp/railway-gtfs.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The folder holding the feed's files (a zip may keep them in a subfolder).
if [ -d "$feed" ]; then
    dir=$(cd "$feed" && pwd)
else
    python3 - "$feed" "$work/feed" <<'PY' || { echo "gtfs_import: $feed is not a readable zip file" >&2; exit 1; }
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
    dir=$work/feed
fi
if [ ! -f "$dir/stops.txt" ]; then
    found=$(find "$dir" -maxdepth 2 -name stops.txt -print -quit)
    [ -n "$found" ] || { echo "gtfs_import: no stops.txt in $feed" >&2; exit 1; }
    dir=$(dirname "$found")
fi
# postgres reads nothing itself (\copy goes through psql), but keep the files private anyway.
chmod -R go-rwx "$work"

# The script for psql: staging tables from each file's header, COPY, load, report.
mkdir "$work/stage"
python3 - "$dir" "$work/stage" "$json" >"$work/load.sql" <<'PY'
import csv, io, os, re, sys
directory, stage, as_json = sys.argv[1:4]
files = ["routes", "stops", "calendar", "calendar_dates", "trips", "stop_times", "frequencies"]

# The only path written into the script is the stage folder's (mktemp's name): refuse anything
# that psql could read as more than a file name.
if not re.fullmatch(r"/[A-Za-z0-9/._-]+", stage):
    sys.exit(f"gtfs_import: unexpected temporary folder {stage!r}")

def literal(text):
    return "'" + text.replace("'", "''") + "'"

def ident(name):
    return '"' + name.replace('"', '""') + '"'

# pg_catalog first and nothing after it but pg_temp (never searched for functions and operators):
# objects planted in public cannot run as the importing user; every name is qualified anyway.
out = ["\\set ON_ERROR_STOP 1", "SET search_path = pg_catalog, pg_temp;", "SET client_encoding = 'UTF8';",
       "SET client_min_messages = warning;", "\\timing off", "BEGIN;"]
for name in files:
    source = os.path.join(directory, name + ".txt")
    if not os.path.isfile(source):
        continue
    # psql reads the file through a link of a fixed name: the feed's own path (a folder name
    # from a zip may hold a line break and a psql meta-command) never enters the script.
    path = os.path.join(stage, name + ".txt")
    os.symlink(os.path.abspath(source), path)
    with open(source, "rb") as f:
        first = f.readline()
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    try:
        header_line = first.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        sys.exit(f"gtfs_import: {name}.txt line 1: the header is not UTF-8")
    if not header_line.strip():
        continue  # an empty file: as if absent (the loader says which required file is missing)
    header = [c.strip() for c in next(csv.reader(io.StringIO(header_line)))]
    for column in header:
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in column):
            sys.exit(f"gtfs_import: {name}.txt line 1: column {column!r} has a control character")
        if not column or column == "line" or header.count(column) > 1:
            why = "is empty" if not column else ("is reserved" if column == "line" else "appears twice")
            sys.exit(f"gtfs_import: {name}.txt line 1: column {column!r} {why}")
    table = "pg_temp.gtfs_" + name
    columns = ", ".join(ident(c) for c in header)
    out.append(f"CREATE TEMP TABLE {table} (line pg_catalog.int8 GENERATED ALWAYS AS IDENTITY (START WITH 2), "
               + ", ".join(ident(c) + " pg_catalog.text" for c in header) + ") ON COMMIT DROP;")
    # The header row (with or without BOM) is skipped by COPY; columns are mapped by name.
    out.append(f"\\copy {table} ({columns}) FROM {literal(path)} WITH (FORMAT csv, HEADER true)")
# The feed name and the mode are psql variables (psql -v), quoted by psql as literals.
out.append("CREATE TEMP TABLE pg_temp.gtfs_report ON COMMIT DROP AS SELECT railway.gtfs_load(:'feed', :'mode') AS r;")
if as_json == "true":
    out.append("\\pset format unaligned\n\\pset tuples_only on\nSELECT pg_catalog.jsonb_pretty(r) FROM pg_temp.gtfs_report;")
else:
    out.append(r"""\pset format unaligned
\pset tuples_only on
SELECT pg_catalog.format(E'loaded GTFS feed %s (conflicts: %s)\n'
              '  locations  %s (%s new, %s already there; %s stops.txt rows that are stations or other non-stops left out)\n'
              '  trains     %s (%s new, %s already there; numbered by block_id %s, trip_short_name %s, trip_id %s)\n'
              '  trips      %s of %s loaded, %s skipped; %s leave after midnight of their service day\n'
              '  schedules  %s rows, departure dates %s to %s',
              r OPERATOR(pg_catalog.->>) 'feed', r OPERATOR(pg_catalog.->>) 'conflicts',
              r OPERATOR(pg_catalog.#>>) '{locations,loaded}', r OPERATOR(pg_catalog.#>>) '{locations,new}',
              r OPERATOR(pg_catalog.#>>) '{locations,existing}', r OPERATOR(pg_catalog.#>>) '{locations,ignored_stops}',
              r OPERATOR(pg_catalog.#>>) '{trains,loaded}', r OPERATOR(pg_catalog.#>>) '{trains,new}',
              r OPERATOR(pg_catalog.#>>) '{trains,existing}', r OPERATOR(pg_catalog.#>>) '{trains,numbered_by_block_id}',
              r OPERATOR(pg_catalog.#>>) '{trains,numbered_by_trip_short_name}',
              r OPERATOR(pg_catalog.#>>) '{trains,numbered_by_trip_id}',
              r OPERATOR(pg_catalog.#>>) '{trips,loaded}', r OPERATOR(pg_catalog.#>>) '{trips,in_feed}',
              r OPERATOR(pg_catalog.#>>) '{trips,skipped}', r OPERATOR(pg_catalog.#>>) '{trips,after_midnight}',
              r OPERATOR(pg_catalog.->>) 'schedules', COALESCE(r OPERATOR(pg_catalog.->>) 'first_date', '-'),
              COALESCE(r OPERATOR(pg_catalog.->>) 'last_date', '-'))
FROM pg_temp.gtfs_report;
SELECT pg_catalog.format('  conflicting trip pairs (%s):',
                         pg_catalog.jsonb_array_length(r OPERATOR(pg_catalog.->) 'conflicting_pairs'))
FROM pg_temp.gtfs_report
WHERE pg_catalog.jsonb_array_length(r OPERATOR(pg_catalog.->) 'conflicting_pairs') OPERATOR(pg_catalog.>) 0;
SELECT pg_catalog.format('    trip %s and %s of train %s, first %s', c OPERATOR(pg_catalog.->>) 'trip_id',
              COALESCE('trip ' OPERATOR(pg_catalog.||) (c OPERATOR(pg_catalog.->>) 'other_trip_id'),
                       'stored schedule ' OPERATOR(pg_catalog.||) (c OPERATOR(pg_catalog.->>) 'other_schedule_id')),
              c OPERATOR(pg_catalog.->>) 'train_number', c OPERATOR(pg_catalog.->>) 'first_conflict')
FROM pg_temp.gtfs_report, pg_catalog.jsonb_array_elements(r OPERATOR(pg_catalog.->) 'conflicting_pairs') c;
SELECT pg_catalog.format('  skipped trips (%s):', pg_catalog.jsonb_array_length(r OPERATOR(pg_catalog.->) 'skipped_trips'))
FROM pg_temp.gtfs_report
WHERE pg_catalog.jsonb_array_length(r OPERATOR(pg_catalog.->) 'skipped_trips') OPERATOR(pg_catalog.>) 0;
SELECT pg_catalog.format('    trip %s (train %s): %s', s OPERATOR(pg_catalog.->>) 'trip_id',
              CASE WHEN s OPERATOR(pg_catalog.->>) 'train_number' OPERATOR(pg_catalog.<>) ''
                   THEN s OPERATOR(pg_catalog.->>) 'train_number' END,
              s OPERATOR(pg_catalog.->>) 'reason')
FROM pg_temp.gtfs_report, pg_catalog.jsonb_array_elements(r OPERATOR(pg_catalog.->) 'skipped_trips') s;""")
out.append("COMMIT;")
print("\n".join(out))
PY

start=$(date +%s%N)
if ! psql -X -q "${db_args[@]}" -v feed="$feed_name" -v mode="$mode" -f "$work/load.sql"; then
    echo "gtfs_import: $feed was refused; nothing was loaded" >&2
    exit 1
fi
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ "$json" = true ] || printf '  took %d.%02d s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 10))
