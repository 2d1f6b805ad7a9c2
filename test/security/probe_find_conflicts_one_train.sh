#!/usr/bin/env bash
# Issue 11, item 3: railway.find_conflicts() on 20,000 one-day services of one train, none
# conflicting. Before: 4 to 24 s and up to 2.1 GB, quadratic and uncancellable, because the sweep
# paired every two services of a train whose weekly footprints met, whatever their dates.
# Defeated when each shape below (distinct dates; the same two weekdays across 190 years, 23
# hours long; 5,000 three-week seasons; 3,000 open-ended daily services at distinct times) is
# answered in under 2 s for the whole table and for the train, with the backend's peak memory
# bounded. No stored timetable makes the sweep run longer than a second (the exclusion constraint
# keeps conflicting pairs out of the table, and the candidates are bounded by the rectangles'
# intersections), so this probe asserts the time; the sweep's interrupt polling is tested by
# the unit test ConflictSweep.PollsForInterrupts and by probe_gtfs_conflicts_calendar.
source "$(dirname "$0")/lib.sh"
probe_database probe_one_train
"${PSQL[@]}" -c "INSERT INTO railway.locations (name, code) VALUES ('A', 'PA'), ('B', 'PB')" \
    -c "INSERT INTO railway.trains (train_number) VALUES ('PROBE1')" || exit 2

insert() {  # $1: SELECT giving (departure, arrival, start, end)
    "${PSQL[@]}" -c "TRUNCATE railway.schedules CASCADE" -c "
        INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id,
            scheduled_departure, scheduled_arrival, effective_start_date, effective_end_date)
        SELECT (SELECT id FROM railway.trains WHERE train_number = 'PROBE1'),
               (SELECT id FROM railway.locations WHERE code = 'PA'),
               (SELECT id FROM railway.locations WHERE code = 'PB'), dep, arr, s, e FROM ($1) AS x(dep, arr, s, e)" \
        || exit 2
}

measure() {  # $1: label
    local out ms peak_kb
    out=$(PGOPTIONS="-c statement_timeout=10s" "${PSQL[@]}" 2>&1 <<'SQL'
SELECT pg_backend_pid() AS pid \gset
\setenv PROBE_PID :pid
\timing on
SELECT count(*) AS all_trains FROM railway.find_conflicts();
SELECT count(*) AS one_train FROM railway.find_conflicts((SELECT id FROM railway.trains WHERE train_number = 'PROBE1'));
\timing off
\! grep VmHWM /proc/$PROBE_PID/status
SQL
    )
    echo "--- $1"; echo "$out"
    echo "$out" | grep -q ERROR && fail "$1: find_conflicts failed"
    [ "$(echo "$out" | grep -cE '^ +0$')" -eq 2 ] || fail "$1: expected no conflicts"
    for ms in $(echo "$out" | sed -n 's/^Time: \([0-9]*\)\..*/\1/p'); do
        [ "$ms" -lt 2000 ] || fail "$1: find_conflicts took $ms ms"
    done
    peak_kb=$(echo "$out" | sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p')
    [ -n "$peak_kb" ] && [ "$peak_kb" -lt $((300 * 1024)) ] || fail "$1: backend peak memory ${peak_kb:-?} kB"
}

insert "SELECT d + time '08:00', d + time '09:00', d, d
        FROM generate_series(date '2000-01-01', date '2000-01-01' + 19999, interval '1 day') AS g(d)"
measure "20,000 one-day services on distinct dates"

insert "SELECT d + time '00:30', d + time '23:30', d, d FROM generate_series(0, 19999) AS i,
        LATERAL (SELECT date '1900-01-01' + (i / 2) * 7 + (i % 2) AS d) y"
measure "20,000 one-day services on Mondays and Tuesdays across 190 years"

insert "SELECT d + time '06:00', d + time '20:00', d, d + 20 FROM generate_series(0, 4999) AS i,
        LATERAL (SELECT date '2000-01-03' + 21 * i AS d) y"
measure "5,000 daily services of disjoint three-week seasons"

insert "SELECT timestamp '2024-01-01' + make_interval(secs => 20 * i), timestamp '2024-01-01' + make_interval(secs => 20 * i + 10),
        timestamp '-infinity', NULL::timestamp FROM generate_series(0, 2999) AS i"
measure "3,000 open-ended daily services at distinct times"
echo "find_conflicts on one train: fast in every shape"
