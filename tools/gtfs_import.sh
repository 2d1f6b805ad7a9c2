#!/usr/bin/env bash
# Loads a GTFS feed (a .zip or a folder) into railway, in one transaction.
#
#   tools/gtfs_import.sh [options] FEED.zip|FEED_DIR [DBNAME|URL]
#
#   --skip-conflicting   load the trips that do not conflict and list those left out
#   --keep-conflicting   load every trip, conflicting ones too (for auditing a feed with
#                        railway.find_conflicts(); the validation trigger, where installed,
#                        refuses them)
#   --strict             refuse the whole feed for its first malformed row or trip (the
#                        importer's behaviour before 1.1) instead of skipping it with a notice
#   --feed NAME          the name recorded in railway.gtfs_trips (default: the file or folder
#                        name without .zip); a feed already loaded under that name is refused
#   --json               print the whole report (jsonb) instead of the summary
#
# Exit status: 0 loaded, every row and trip of the feed; 3 loaded with notices (rows or trips
# skipped, blank lines, short rows: the report lists each with file, line and reason); 1 refused,
# nothing loaded (a required file or column missing, nothing loadable, conflicts by default, a
# malformed row with --strict); 2 wrong usage. --json's "status" says the same: "loaded" or
# "loaded_with_notices" (a refused feed prints no report).
#
# The database: DBNAME or URL when given, else DATABASE_URL, else the PG* variables. The
# extension must be installed there (CREATE EXTENSION railway CASCADE).
#
# In one psql session and transaction: every file the importer reads is normalised by python3's
# csv module (RFC 4180 quoting, CRLF/LF, UTF-8 BOM; blank lines left out, short rows padded,
# both reported as notices with file and line; unknown files and columns ignored) and copied
# (COPY, CSV) into a TEMP table gtfs_<file> with a "line" column, then
# railway.gtfs_load(feed, conflicts, strict) validates every row, converts and inserts: a row or
# trip that cannot become a schedule is skipped and reported (file, line, reason, trip). Any
# error rolls everything back: nothing is half-loaded.
#
# Nothing from the feed is written unquoted into the psql script: psql reads normalised copies
# of fixed names in the importer's temporary folder (a path or folder name from the zip never
# appears in the script), only the fixed column names the loader reads are staged (the feed's
# header is never written into the script), and the feed name and mode are psql variables
# (:'feed'). The script pins search_path to pg_catalog, pg_temp and names every function and
# operator with its schema: objects planted in public cannot run as the importing user.
set -euo pipefail

usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

mode=refuse
strict=false
feed_name=
json=false
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --skip-conflicting) mode=skip ;;
        --keep-conflicting) mode=keep ;;
        --strict) strict=true ;;
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

# postgres reads nothing itself (\copy goes through psql), but keep the files private anyway.
chmod go-rwx "$work"

# The script for psql: the feed's files (read from the zip itself, or from the folder; a zip or
# folder may keep them in a subfolder: the one with stops.txt) normalised into clean CSV
# (python3's csv module reads them as real feeds are: RFC 4180 quoting, quoted commas and line breaks, CRLF/LF, a UTF-8 BOM;
# blank and whitespace-only lines are left out and rows shorter than the header padded with
# empty fields, each reported with its file and line as a notice), then one TEMP table per file
# filled with COPY. Only the columns the loader reads are staged; other files and columns are
# ignored. Every staged row keeps its line in the file (the header being line 1).
mkdir "$work/stage"
python3 - "$feed" "$work/stage" "$json" "$strict" >"$work/load.sql" <<'PY'
import csv, io, lzma, os, re, sys, zipfile, zlib
feed, stage, as_json, strict = sys.argv[1:5]
strict = strict == "true"
# The files and columns the loader reads (fixed names: nothing from the feed's header is ever
# written into the script).
files = {
    "agency": ["agency_id", "agency_timezone"],
    "routes": ["route_id", "route_short_name", "route_long_name"],
    "stops": ["stop_id", "stop_code", "stop_name", "location_type"],
    "calendar": ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                 "start_date", "end_date"],
    "calendar_dates": ["service_id", "date", "exception_type"],
    "trips": ["trip_id", "route_id", "service_id", "block_id", "trip_short_name"],
    "stop_times": ["trip_id", "stop_sequence", "stop_id", "arrival_time", "departure_time",
                   "start_pickup_drop_off_window", "end_pickup_drop_off_window", "location_id",
                   "location_group_id"],
    "frequencies": ["trip_id", "start_time", "end_time", "headway_secs", "exact_times"],
}
csv.field_size_limit(1 << 24)
# A physical line longer than this is refused before it is read whole: a zip member of a few
# hundred kilobytes can decompress to gigabytes without a line break (memory stays bounded by
# this, not by the member's size).
max_line = (1 << 24) + 2
# What a member that cannot be decompressed raises (a corrupt deflate or lzma stream, a
# truncated member, a bad CRC, an encrypted or unsupported member).
unreadable = (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, zlib.error, lzma.LZMAError)

# The only path written into the script is the stage folder's (mktemp's name): refuse anything
# that psql could read as more than a file name.
if not re.fullmatch(r"/[A-Za-z0-9/._-]+", stage):
    sys.exit(f"gtfs_import: unexpected temporary folder {stage!r}")

# The feed's files: a member of the zip is read from the zip (nothing extracted: a path in the
# zip never becomes a path here), a folder's file from the folder. The files are those beside
# stops.txt: at the top, else in a folder just below it (the first by name).
def stops_prefix(paths):
    found = sorted((p.count("/"), p) for p in paths if p.rsplit("/", 1)[-1] == "stops.txt" and p.count("/") <= 1)
    if not found:
        sys.exit(f"gtfs_import: no stops.txt in {feed}")
    return found[0][1][:-len("stops.txt")]

if os.path.isdir(feed):
    paths = ["stops.txt"] if os.path.isfile(os.path.join(feed, "stops.txt")) else [
        folder + "/stops.txt" for folder in os.listdir(feed)
        if os.path.isfile(os.path.join(feed, folder, "stops.txt"))]
    prefix = stops_prefix(paths)
    def open_file(file):
        path = os.path.join(feed, prefix + file)
        return open(path, newline="", encoding="utf-8-sig") if os.path.isfile(path) else None
else:
    try:
        archive = zipfile.ZipFile(feed)
        names = [m.filename for m in archive.infolist() if not m.is_dir()]
        members = {m.filename: m for m in archive.infolist() if not m.is_dir()}
    except (zipfile.BadZipFile, OSError, ValueError):
        sys.exit(f"gtfs_import: {feed} is not a readable zip file")
    prefix = stops_prefix(members)
    # A name twice in the zip: which copy is the feed's depends on the tool that reads it (the
    # importer would take the last, unzip the first): refused rather than guessed.
    for name in files:
        if names.count(prefix + name + ".txt") > 1:
            sys.exit(f"gtfs_import: {name}.txt appears more than once in {feed}; nothing was loaded")
    def open_file(file):
        member = members.get(prefix + file)
        if member is None:
            return None
        return io.TextIOWrapper(archive.open(member), newline="", encoding="utf-8-sig")

def literal(text):
    return "'" + text.replace("'", "''") + "'"

def refuse(message):
    sys.exit("gtfs_import: " + message + "; nothing was loaded")

# (file, line, kind, reason), written as they come (a feed of blank lines must not fill memory).
notices_file = open(os.path.join(stage, "notices.csv"), "w", newline="", encoding="utf-8")
notices = csv.writer(notices_file, lineterminator="\n")
def notice(file, line, kind, reason):
    if strict:
        refuse(f"{file} line {line}: {reason} (--strict)")
    notices.writerow((file, line, kind, reason))

# The lines of `f`, each read with a bound (a line past max_line refuses the feed).
def bounded_lines(f, file):
    number = 0
    while True:
        line = f.readline(max_line)
        if not line:
            return
        number += 1
        if len(line) == max_line and not line.endswith(("\n", "\r")):
            refuse(f"{file} line {number}: longer than {max_line - 2} characters")
        yield line

# pg_catalog first and nothing after it but pg_temp (never searched for functions and operators):
# objects planted in public cannot run as the importing user; every name is qualified anyway.
out = ["\\set ON_ERROR_STOP 1", "SET search_path = pg_catalog, pg_temp;", "SET client_encoding = 'UTF8';",
       "SET client_min_messages = warning;", "\\timing off", "BEGIN;"]
for name, wanted in files.items():
    file = name + ".txt"
    try:
        source = open_file(file)
    except unreadable as e:
        refuse(f"{file}: cannot be read from the zip ({e})")
    if source is None:
        continue
    target = os.path.join(stage, name + ".csv")
    header, end = None, 0
    try:
        with source as f, open(target, "w", newline="", encoding="utf-8") as g:
            reader = csv.reader(bounded_lines(f, file))
            writer = csv.writer(g, lineterminator="\n")
            header, positions, end = None, None, 0
            for record in reader:
                line, end = end + 1, reader.line_num  # a quoted field may span lines
                if header is None:
                    header = [c.strip() for c in record]
                    if not any(header):
                        break  # an empty file: as if absent (the loader says which required file is missing)
                    for column in wanted:
                        if header.count(column) > 1:
                            refuse(f"{file} line 1: column {column!r} appears twice")
                    present = [c for c in wanted if c in header]
                    positions = [header.index(c) for c in present]
                    continue
                if not any(field.strip() for field in record):
                    notice(file, line, "blank_line", "blank line ignored" if len(record) <= 1 else
                           "line of empty fields ignored")
                    continue
                if len(record) < len(header):
                    notice(file, line, "short_row", f"row has {len(record)} fields, the header {len(header)}; "
                           "the missing fields read as empty")
                    record = record + [""] * (len(header) - len(record))
                elif len(record) > len(header):
                    notice(file, line, "long_row", f"row has {len(record)} fields, the header {len(header)}; "
                           "the fields past the header are ignored")
                writer.writerow([line] + [record[p] for p in positions])
    except UnicodeDecodeError as e:
        refuse(f"{file}: not UTF-8 ({e.reason} at byte {e.start} of a line near line {end + 1})")
    except csv.Error as e:
        refuse(f"{file} line {end + 1}: {e}")
    except unreadable as e:
        refuse(f"{file}: cannot be read from the zip ({e})")
    if header is None or not any(header):
        continue
    table = "pg_temp.gtfs_" + name
    # Only the columns of the file that the loader reads: a column the file lacks is absent
    # (the loader reads it as '' when optional, refuses the feed when required).
    out.append(f"CREATE TEMP TABLE {table} (line pg_catalog.int8 NOT NULL"
               + "".join(f', "{c}" pg_catalog.text' for c in present) + ") ON COMMIT DROP;")
    columns = ", ".join(["line"] + [f'"{c}"' for c in present])
    out.append(f"\\copy {table} ({columns}) FROM {literal(target)} WITH (FORMAT csv)")
# Notices of the reading (blank lines, short rows), for the loader's report.
notices_file.close()
out.append("CREATE TEMP TABLE pg_temp.gtfs_notices (file pg_catalog.text, line pg_catalog.int8, "
           "kind pg_catalog.text, reason pg_catalog.text) ON COMMIT DROP;")
out.append(f"\\copy pg_temp.gtfs_notices FROM {literal(os.path.join(stage, 'notices.csv'))} WITH (FORMAT csv)")
# The feed name and the mode are psql variables (psql -v), quoted by psql as literals.
out.append("CREATE TEMP TABLE pg_temp.gtfs_report ON COMMIT DROP AS "
           "SELECT railway.gtfs_load(:'feed', :'mode', :'strict'::pg_catalog.bool) AS r;")
# The status for the exit code, into a file of a fixed name in the stage folder.
out.append(f"\\o {literal(os.path.join(stage, 'status'))}\n\\pset format unaligned\n\\pset tuples_only on\n"
           "SELECT r OPERATOR(pg_catalog.->>) 'status' FROM pg_temp.gtfs_report;\n\\o")
if as_json == "true":
    out.append("\\pset format unaligned\n\\pset tuples_only on\nSELECT pg_catalog.jsonb_pretty(r) FROM pg_temp.gtfs_report;")
else:
    out.append(r"""\pset format unaligned
\pset tuples_only on
SELECT pg_catalog.format(E'%s GTFS feed %s (conflicts: %s; timezone %s)\n'
              '  locations  %s (%s new, %s already there; %s stops.txt rows that are stations or other non-stops left out)\n'
              '  trains     %s (%s new, %s already there; numbered by block_id %s, trip_short_name %s, trip_id %s)\n'
              '  trips      %s loaded (%s of them from frequencies.txt) of %s in trips.txt; %s skipped; %s leave after midnight of their service day\n'
              '  schedules  %s rows, departure dates %s to %s',
              pg_catalog.replace(r OPERATOR(pg_catalog.->>) 'status', '_', ' '),
              r OPERATOR(pg_catalog.->>) 'feed', r OPERATOR(pg_catalog.->>) 'conflicts',
              COALESCE(r OPERATOR(pg_catalog.->>) 'timezone', 'not given'),
              r OPERATOR(pg_catalog.#>>) '{locations,loaded}', r OPERATOR(pg_catalog.#>>) '{locations,new}',
              r OPERATOR(pg_catalog.#>>) '{locations,existing}', r OPERATOR(pg_catalog.#>>) '{locations,ignored_stops}',
              r OPERATOR(pg_catalog.#>>) '{trains,loaded}', r OPERATOR(pg_catalog.#>>) '{trains,new}',
              r OPERATOR(pg_catalog.#>>) '{trains,existing}', r OPERATOR(pg_catalog.#>>) '{trains,numbered_by_block_id}',
              r OPERATOR(pg_catalog.#>>) '{trains,numbered_by_trip_short_name}',
              r OPERATOR(pg_catalog.#>>) '{trains,numbered_by_trip_id}',
              r OPERATOR(pg_catalog.#>>) '{trips,loaded}', r OPERATOR(pg_catalog.#>>) '{trips,from_frequencies}',
              r OPERATOR(pg_catalog.#>>) '{trips,in_feed}',
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
SELECT pg_catalog.format('    trip %s (train %s): %s [%s line %s]', s OPERATOR(pg_catalog.->>) 'trip_id',
              CASE WHEN s OPERATOR(pg_catalog.->>) 'train_number' OPERATOR(pg_catalog.<>) ''
                   THEN s OPERATOR(pg_catalog.->>) 'train_number' END,
              s OPERATOR(pg_catalog.->>) 'reason', s OPERATOR(pg_catalog.->>) 'file', s OPERATOR(pg_catalog.->>) 'line')
FROM pg_temp.gtfs_report, pg_catalog.jsonb_array_elements(r OPERATOR(pg_catalog.->) 'skipped_trips') s;
SELECT pg_catalog.format('  row notices (%s):', pg_catalog.jsonb_array_length(r OPERATOR(pg_catalog.->) 'notices'))
FROM pg_temp.gtfs_report
WHERE pg_catalog.jsonb_array_length(r OPERATOR(pg_catalog.->) 'notices') OPERATOR(pg_catalog.>) 0;
SELECT pg_catalog.format('    %s line %s: %s', n OPERATOR(pg_catalog.->>) 'file', n OPERATOR(pg_catalog.->>) 'line',
              n OPERATOR(pg_catalog.->>) 'reason')
FROM pg_temp.gtfs_report, pg_catalog.jsonb_array_elements(r OPERATOR(pg_catalog.->) 'notices') n;
SELECT pg_catalog.format('  notices by kind: %s', pg_catalog.string_agg(pg_catalog.format('%s %s', k, v), ', ' ORDER BY k))
FROM pg_temp.gtfs_report, pg_catalog.jsonb_each_text(r OPERATOR(pg_catalog.->) 'notice_counts') AS e(k, v)
HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 0;""")
out.append("COMMIT;")
print("\n".join(out))
PY

start=$(date +%s%N)
if ! psql -X -q "${db_args[@]}" -v feed="$feed_name" -v mode="$mode" -v strict="$strict" -f "$work/load.sql"; then
    echo "gtfs_import: $feed was refused; nothing was loaded" >&2
    exit 1
fi
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ "$json" = true ] || printf '  took %d.%02d s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 10))
status=$(cat "$work/stage/status" 2>/dev/null || true)
case "$status" in
    loaded) exit 0 ;;
    loaded_with_notices) exit 3 ;;
    *) echo "gtfs_import: no status in the report (\"$status\")" >&2; exit 1 ;;
esac
