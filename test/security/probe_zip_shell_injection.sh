#!/usr/bin/env bash
# Issue 11, item 2: a GTFS zip whose paths or header fields carry psql meta-commands. The
# importer writes what it finds in the zip into the psql script it generates; a folder named
# "x<newline>\! <command> #" (or a header column with a line break) must not run <command>: the
# importer refuses the feed or loads it safely, and the command never runs. A folder whose name
# has a single quote (an ordinary name) still loads.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

probe_database railway_probe_spi_zip
work=$(mktemp -d /tmp/railway-probe-zip.XXXXXX)
# The commands name the file through an environment variable: a zip path cannot hold a "/".
export PWNED=$work/pwned

# make_zip ZIP FOLDER [STOPS_HEADER]: a tiny valid feed inside FOLDER/ of ZIP (its trip is
# named as the zip, so that the feeds do not conflict with one another).
make_zip() {
    python3 - "$@" <<'PY'
import sys, zipfile
path, folder = sys.argv[1], sys.argv[2]
trip = path.rsplit("/", 1)[-1]
stops_header = sys.argv[3] if len(sys.argv) > 3 else "stop_id,stop_name"
files = {
    "stops.txt": stops_header + "\nA,Alpha\nB,Beta\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                    "S,1,1,1,1,1,0,0,20240101,20240131\n",
    "trips.txt": "route_id,service_id,trip_id\nR,S,T1\n".replace("T1", trip),
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                      "T1,08:00:00,08:00:00,A,1\nT1,09:00:00,09:00:00,B,2\n".replace("T1", trip),
}
with zipfile.ZipFile(path, "w") as z:
    # A folder name with a line break: the part before it names a real file (stops in COPY's
    # text format, as the WITH clause is cut off), so that the \copy line the break cuts short
    # succeeds and psql goes on to the next line.
    for brk in ("\n", "\r"):
        if brk in folder:
            z.writestr(folder.split(brk)[0], "A\tAlpha\nB\tBeta\n")
    for name, text in files.items():
        z.writestr(folder + "/" + name, text)
PY
}

# import NAME ZIP: runs the importer as the superuser; prints its output; never fails itself.
import() {
    local out
    out=$(bash "$RAILWAY_ROOT/tools/gtfs_import.sh" --feed "$1" "$2" 2>&1)
    echo "import $1: exit $?: $out"
}

newline=$'\n'
cr=$'\r'
make_zip "$work/folder.zip" "x${newline}\\! touch \$PWNED-folder #"
import folder "$work/folder.zip"
[ -e "$PWNED-folder" ] && fail "a folder name in the zip ran a shell command"

make_zip "$work/cr.zip" "y${cr}\\! touch \$PWNED-cr #"
import cr "$work/cr.zip"
[ -e "$PWNED-cr" ] && fail "a folder name with a carriage return ran a shell command"

make_zip "$work/quote.zip" "x' \\! touch \$PWNED-quote #"
import quote "$work/quote.zip"
[ -e "$PWNED-quote" ] && fail "a folder name with a quote ran a shell command"

make_zip "$work/header.zip" "tiny" "stop_id,stop_name,\"a${cr}\\! touch \$PWNED-header #\""
import header "$work/header.zip"
[ -e "$PWNED-header" ] && fail "a header column of stops.txt ran a shell command"

# The feed name lands in the script too.
make_zip "$work/plain1.zip" "tiny"
make_zip "$work/plain2.zip" "tiny"
import "n${newline}\\! touch \$PWNED-feed #" "$work/plain1.zip"
[ -e "$PWNED-feed" ] && fail "the feed name ran a shell command"
import "n'\\\\'; SELECT pg_catalog.pg_sleep(0); \\! touch \$PWNED-feed2 #" "$work/plain2.zip"
[ -e "$PWNED-feed2" ] && fail "the feed name ran a shell command"

# An ordinary folder name with a single quote loads.
make_zip "$work/obrien.zip" "o'brien feed"
out=$(bash "$RAILWAY_ROOT/tools/gtfs_import.sh" --feed obrien "$work/obrien.zip" 2>&1) \
    || fail "a feed in a folder named with a quote was refused: $out"
loaded=$("${PSQL[@]}" -At -c "SELECT count(*) FROM railway.gtfs_trips WHERE feed = 'obrien'") || exit 2
[ "$loaded" = 1 ] || fail "the feed in a folder named with a quote loaded $loaded trips, not 1"
ls "$work" | grep -q pwned && fail "a command ran: $(ls "$work")"
echo "no command ran; the feed in o'brien feed/ loaded"
