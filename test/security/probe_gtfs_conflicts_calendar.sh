#!/usr/bin/env bash
# Issue 11, item 3: railway.gtfs_conflicts() (a viewer may call it) on staged TEMP tables whose
# calendar runs every day from year 1 to 9999. Before: each calendar row was listed day by day
# (3.65 million dates, about 20 MB outside PostgreSQL's memory accounting), 10 s for 50 rows past
# a 2 s statement_timeout, out of memory for a few hundred. Defeated when, for 400 such rows, a
# low-privilege viewer's call finishes (or is refused) well within statement_timeout = 2s, and the
# backend's peak memory stays bounded; with an exception on each service the feed is refused
# quickly, naming calendar.txt, its line and the limit. And work within the limit (800 services of
# 2000-2099 with an exception each, listed day by day: about 2 s) is cancelled by
# statement_timeout = 1s within a second.
source "$(dirname "$0")/lib.sh"
probe_database probe_gtfs_calendar
probe_role probe_gtfs_viewer railway_viewer
"${PSQL[@]}" -c "GRANT CONNECT, TEMPORARY ON DATABASE probe_gtfs_calendar TO probe_gtfs_viewer" || exit 2

# $1: 'plain' (no exceptions), 'exceptions' (one removed date per service) or 'century' (800
# services of 2000-2099, each with one removed date).
stage() {
    local count=400 first=00010101 last=99991231 timeout=2s
    [ "$1" = century ] && { count=800 first=20000101 last=20991231 timeout=1s; }
    cat <<SQL
CREATE TEMP TABLE gtfs_stops (line bigint, stop_id text, stop_name text);
INSERT INTO gtfs_stops VALUES (2, 'A', 'Alpha'), (3, 'B', 'Bravo');
CREATE TEMP TABLE gtfs_calendar (line bigint, service_id text, monday text, tuesday text, wednesday text,
    thursday text, friday text, saturday text, sunday text, start_date text, end_date text);
INSERT INTO gtfs_calendar SELECT i + 1, 'S' || i, '1', '1', '1', '1', '1', '1', '1', '$first', '$last'
    FROM generate_series(1, $count) AS i;
CREATE TEMP TABLE gtfs_calendar_dates (line bigint, service_id text, date text, exception_type text);
INSERT INTO gtfs_calendar_dates SELECT i + 1, 'S' || i, '20240101', '2'
    FROM generate_series(1, $count) AS i WHERE '$1' <> 'plain';
CREATE TEMP TABLE gtfs_trips (line bigint, trip_id text, service_id text, trip_short_name text);
INSERT INTO gtfs_trips SELECT i + 1, 'T' || i, 'S' || i, 'TRAIN' FROM generate_series(1, $count) AS i;
CREATE TEMP TABLE gtfs_stop_times (line bigint, trip_id text, arrival_time text, departure_time text,
    stop_id text, stop_sequence text);
INSERT INTO gtfs_stop_times
    SELECT 2 * i, 'T' || i, t, t, 'A', '1' FROM generate_series(1, $count) AS i,
        LATERAL (SELECT to_char(make_interval(secs => 90 * i), 'HH24:MI:SS') AS t) x
    UNION ALL
    SELECT 2 * i + 1, 'T' || i, t, t, 'B', '2' FROM generate_series(1, $count) AS i,
        LATERAL (SELECT to_char(make_interval(secs => 90 * i + 60), 'HH24:MI:SS') AS t) x;
SELECT pg_backend_pid() AS pid \gset
SET statement_timeout = '$timeout';
\timing on
SELECT count(*) AS conflicts FROM railway.gtfs_conflicts();
\timing off
\setenv PROBE_PID :pid
\! grep VmHWM /proc/\$PROBE_PID/status
SQL
}

check() {  # $1 mode, $2 output, $3 exit status
    echo "--- $1 (exit $3)"; echo "$2"
    local ms
    ms=$(echo "$2" | sed -n 's/^Time: \([0-9]*\)\..*/\1/p' | head -n 1)
    if [ "$1" = century ]; then
        echo "$2" | grep -q 57014 || fail "century: not cancelled by statement_timeout = 1s: $2"
        ms=$(echo "$2" | sed -n 's/^Time: \([0-9]*\)\..*/\1/p' | tail -n 1)
        [ -n "$ms" ] && [ "$ms" -lt 2000 ] || fail "century: cancelled after ${ms:-?} ms, not within a second of the timeout"
    elif echo "$2" | grep -q 57014; then
        fail "$1: cancelled by statement_timeout (2 s) instead of finishing quickly"
    elif [ "$1" = plain ]; then
        [ "$3" -eq 0 ] || fail "plain: gtfs_conflicts failed: $2"
        echo "$2" | grep -qE '^ +0$' || fail "plain: expected no conflicts"
        [ -n "$ms" ] && [ "$ms" -lt 1000 ] || fail "plain: took ${ms:-?} ms, not under a second"
    else
        echo "$2" | grep -q '54000' || fail "exceptions: not refused with 54000: $2"
        echo "$2" | grep -q 'calendar.txt line 2: service "S1" runs from 0001-01-01 to 9999-12-31' ||
            fail "exceptions: the refusal does not name the file, line and range: $2"
        echo "$2" | grep -q '36525 days' || fail "exceptions: the refusal does not name the limit"
    fi
    local peak_kb
    peak_kb=$(echo "$2" | sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p')
    [ -n "$peak_kb" ] || fail "$1: could not read the backend's peak memory"
    echo "backend peak resident memory: $((peak_kb / 1024)) MB"
    [ "$peak_kb" -lt $((300 * 1024)) ] || fail "$1: the backend peaked at $((peak_kb / 1024)) MB"
}

for mode in plain exceptions century; do
    out=$(stage "$mode" | as_role probe_gtfs_viewer -v ON_ERROR_STOP=0 -v VERBOSITY=verbose 2>&1)
    check "$mode" "$out" $?
done
echo "gtfs_conflicts on 400 calendars from year 1 to 9999: bounded"
