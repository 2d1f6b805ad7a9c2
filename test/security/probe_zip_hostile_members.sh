#!/usr/bin/env bash
# Hostile zip members against tools/gtfs_import.sh, which reads a zip's members in place
# (python's zipfile). Each must be refused as the script's header says (exit 1, one
# "gtfs_import: ...; nothing was loaded" line, no Python traceback), with memory bounded:
#   - a member whose deflate stream is corrupt (zlib.error escaped the importer's handlers);
#   - a stops.txt twice in the zip (the importer took the last copy, unzip shows the first:
#     what a reviewer reads is not what is loaded);
#   - a zip bomb: 96 MB of one line without a line break in a small member (the line was read
#     whole before the csv field limit applied: 320 MB of one line took 680 MB of memory);
#   - a zip bomb of blank lines: each became a notice kept in a list (2 million: over 200 MB;
#     335 million, a 320 KB member, exhaust any machine).
# The memory bombs run under ulimit -v 200 MB and never reach a database (a psql that cannot
# connect refuses them after the reading). Sizes small enough for the test command's time, large
# enough that the old reading would exceed the limit.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

work=$(mktemp -d /tmp/railway-probe-zipmem.XXXXXX)
trap 'rm -rf "$work"; probe_cleanup' EXIT
python3 - "$work" <<'PY'
import sys, zipfile
work = sys.argv[1]
good = {"stops.txt": "stop_id,stop_name\na,A\nb,B\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                        "D,1,1,1,1,1,1,1,20250201,20250228\n",
        "trips.txt": "route_id,service_id,trip_id\nR,D,t1\n",
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                          "t1,08:00:00,08:00:00,a,1\nt1,09:00:00,09:00:00,b,2\n"}
with zipfile.ZipFile(f"{work}/deflate.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in good.items():
        z.writestr(name, text * (40 if name == "stops.txt" else 1))
data = bytearray(open(f"{work}/deflate.zip", "rb").read())
at = data.find(b"stops.txt") + len("stops.txt")
data[at:at + 3] = b"\xff\xff\xff"  # an invalid deflate block type
open(f"{work}/deflate.zip", "wb").write(data)
import warnings
warnings.simplefilter("ignore")
with zipfile.ZipFile(f"{work}/twice.zip", "w") as z:
    for name, text in good.items():
        z.writestr(name, text)
    z.writestr("stops.txt", "stop_id,stop_name\nx,X\n")
def bomb(path, chunk, count):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in good.items():
            if name != "stop_times.txt":
                z.writestr(name, text)
        with z.open("stop_times.txt", "w", force_zip64=True) as f:
            f.write(good["stop_times.txt"].encode())
            for _ in range(count):
                f.write(chunk)
bomb(f"{work}/long_line.zip", b"a" * (1 << 24), 6)
bomb(f"{work}/blank_lines.zip", b"\n" * (1 << 20), 2)
PY
[ -s "$work/blank_lines.zip" ] || exit 2

# check NAME EXPECTED_MESSAGE: runs the importer on $work/NAME.zip (memory limited, no database
# reachable) and fails unless it exits 1 with EXPECTED_MESSAGE and no traceback.
check() {
    local rc
    ( ulimit -v 200000; bash "$RAILWAY_ROOT/tools/gtfs_import.sh" --feed "probe-$1" "$work/$1.zip" \
        "postgresql:///none?host=$work/nowhere&connect_timeout=2" ) >"$work/$1.out" 2>&1
    rc=$?
    if grep -q -e Traceback -e MemoryError "$work/$1.out"; then
        fail "$1: the importer crashed: $(grep -e Error "$work/$1.out" | tail -1)"
    fi
    [ $rc -eq 1 ] || fail "$1: exit status $rc, not 1: $(tail -2 "$work/$1.out")"
    grep -q -e "$2" "$work/$1.out" || fail "$1: not refused with \"$2\": $(tail -2 "$work/$1.out")"
    echo "$1: $(grep gtfs_import "$work/$1.out" | head -1)"
}
check deflate "stops.txt: cannot be read from the zip (.*); nothing was loaded"
check twice "stops.txt appears more than once in .*; nothing was loaded"
check long_line "stop_times.txt line 4: longer than 16777216 characters; nothing was loaded"
check blank_lines "was refused; nothing was loaded"
echo "defeated: every hostile member refused with the documented message, memory bounded"
