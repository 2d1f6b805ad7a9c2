#!/usr/bin/env python3
"""An independent day-by-day expansion of a GTFS feed, for the GTFS integration tests.

It does not use railway: it reads the feed's CSV files with Python's csv module (blank lines
skipped, short rows read as empty fields), lists every service date (calendar.txt weekdays
between start and end, plus calendar_dates.txt additions, minus removals), and turns every trip
into one concrete [start, end) interval per service date: start = service date 00:00 + the first
stop's departure_time, end = service date 00:00 + the last stop's arrival_time (times may pass
24:00:00). With an agency_timezone (agency.txt), a GTFS time counts from "noon minus 12 h" of the
service date (Python's zoneinfo, not PostgreSQL's zone code): start = the local wall-clock time
of that instant + the departure time, end = start + (last arrival - first departure), which
differs from midnight + time on the days the UTC offset changes. A trip with frequencies.txt rows stands for trips "<trip_id>@<HH:MM:SS>" leaving at
start_time + k * headway_secs (start_time <= t < end_time), its times shifted by t minus its
first departure. Two trips conflict when they have the same vehicle (block_id, else
trip_short_name, else trip_id; a frequency trip without block_id: its own "<trip_id>@..." id)
and two of their intervals overlap (back-to-back does not); a train keyed by trip_short_name or
trip_id is a numbered train (DESIGN.md section 2), whose intervals conflict only when they also
depart on the same date (the calendar date of start), while a block_id is a vehicle, whose
intervals conflict whatever their dates.

Trips the importer skips are left out here too, by the GTFS rules, each counted by kind (see
`skips`): fewer than two usable stop times (one_stop), a GTFS-Flex stop time (flex), an unknown
stop (unknown_stop), a malformed time (bad_time), no time at the first or last stop
(missing_time), arrival before departure, an unknown service, first stop = last stop (loop),
arrival = departure (zero_duration), a service without dates (no_dates).

  gtfs_expand.py occurrences DIR [FROM TO]  trip_id, start, end of every run (sorted), only runs
                                            departing FROM to TO (YYYY-MM-DD) when given
  gtfs_expand.py conflicts DIR [SKIPFILE]   trip_a, trip_b (a < b), vehicle, start and end of
                                            the earliest overlap; trips listed in SKIPFILE
                                            (one trip_id a line) are left out first
  gtfs_expand.py skips DIR                  kind<TAB>count of the trips left out, sorted
  gtfs_expand.py dst DIR                    how many runs leave at another time than midnight +
                                            departure_time (runs near the UTC offset changes)
"""
import csv
import datetime
import os
import re
import sys
import zoneinfo
from collections import Counter, defaultdict

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
TIME = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")


def rows(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8-sig") as f:
        out = []
        for r in csv.DictReader(f):
            row = {(k or "").strip(): (v or "").strip() for k, v in r.items() if k is not None}
            if any(row.values()):
                out.append(row)
        return out


def date(text):
    return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def seconds(text):
    m = TIME.match(text)
    if not m:
        raise ValueError(text)
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


def clock(s):
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def plan(directory):
    """(runs, skips): runs = {trip_id: (vehicle, dep_seconds, arr_seconds, service_id)}."""
    dates = defaultdict(set)
    services = set()
    for r in rows(directory, "calendar.txt"):
        services.add(r["service_id"])
        d, last = date(r["start_date"]), date(r["end_date"])
        while d <= last:
            if r[WEEKDAYS[d.weekday()]] == "1":
                dates[r["service_id"]].add(d)
            d += datetime.timedelta(days=1)
    for r in rows(directory, "calendar_dates.txt"):
        services.add(r["service_id"])
        try:
            day = date(r["date"])
        except ValueError:
            continue
        if r["exception_type"] == "1":
            dates[r["service_id"]].add(day)
        else:
            dates[r["service_id"]].discard(day)
    stops = {r["stop_id"]: r.get("location_type", "") for r in rows(directory, "stops.txt")}
    stop_times = defaultdict(list)
    for r in rows(directory, "stop_times.txt"):
        stop_times[r["trip_id"]].append(r)
    frequencies = defaultdict(list)
    for r in rows(directory, "frequencies.txt"):
        frequencies[r["trip_id"]].append(r)
    runs, skips = {}, Counter()
    for trip in rows(directory, "trips.txt"):
        times = stop_times[trip["trip_id"]]
        if any(r.get("start_pickup_drop_off_window") or r.get("end_pickup_drop_off_window") or
               (not r.get("stop_id") and (r.get("location_id") or r.get("location_group_id"))) for r in times):
            skips["flex"] += 1
            continue
        if any(not r.get("stop_id") for r in times):
            skips["bad_row"] += 1
            continue
        if any(r["stop_id"] not in stops or stops[r["stop_id"]] not in ("", "0") for r in times):
            skips["unknown_stop"] += 1
            continue
        try:
            for r in times:
                for field in ("arrival_time", "departure_time"):
                    if r.get(field):
                        seconds(r[field])
        except ValueError:
            skips["bad_time"] += 1
            continue
        if trip["service_id"] not in services:
            skips["unknown_service"] += 1
            continue
        if len(times) < 2:
            skips["one_stop"] += 1
            continue
        times = sorted(times, key=lambda r: int(r["stop_sequence"]))
        first, last = times[0], times[-1]
        dep_text = first.get("departure_time") or first.get("arrival_time")
        arr_text = last.get("arrival_time") or last.get("departure_time")
        if not dep_text or not arr_text:
            skips["missing_time"] += 1
            continue
        dep, arr = seconds(dep_text), seconds(arr_text)
        if arr < dep:
            skips["arrival_before_departure"] += 1
            continue
        if first["stop_id"] == last["stop_id"]:
            skips["loop"] += 1
            continue
        if arr == dep:
            skips["zero_duration"] += 1
            continue
        vehicle = trip.get("block_id") or trip.get("trip_short_name") or trip["trip_id"]
        if frequencies[trip["trip_id"]]:
            starts = set()
            for f in frequencies[trip["trip_id"]]:
                t, end, headway = seconds(f["start_time"]), seconds(f["end_time"]), int(f["headway_secs"])
                while t < end:
                    starts.add(t)
                    t += headway
            for t in sorted(starts):
                trip_id = f"{trip['trip_id']}@{clock(t)}"
                runs[trip_id] = (trip.get("block_id") or trip_id, t, t + arr - dep, trip["service_id"])
                NUMBERED[trip.get("block_id") or trip_id] = not trip.get("block_id")
        else:
            runs[trip["trip_id"]] = (vehicle, dep, arr, trip["service_id"])
            NUMBERED[vehicle] = not trip.get("block_id")
    # A service without dates (after shifting, a date set is never emptied): no_dates.
    for trip_id in [t for t, r in runs.items() if not dates[r[3]]]:
        del runs[trip_id]
        skips["no_dates"] += 1
    zones = [r["agency_timezone"] for r in rows(directory, "agency.txt") if r.get("agency_timezone")]
    global ZONE
    ZONE = zoneinfo.ZoneInfo(zones[0]) if zones else None
    return runs, dates, skips


ZONE = None
UTC = datetime.timezone.utc
NUMBERED = {}  # train -> True for a numbered train (not keyed by block_id)


def intervals(run, dates, window=None):
    _, dep, arr, service = run
    for d in dates[service]:
        if ZONE is None:
            start = datetime.datetime.combine(d, datetime.time()) + datetime.timedelta(seconds=dep)
        else:
            noon = datetime.datetime.combine(d, datetime.time(12), tzinfo=ZONE).astimezone(UTC)
            instant = noon - datetime.timedelta(hours=12) + datetime.timedelta(seconds=dep)
            start = instant.astimezone(ZONE).replace(tzinfo=None)
        if window and not (window[0] <= start.date() <= window[1]):
            continue
        yield start, start + datetime.timedelta(seconds=arr - dep)


def main():
    command, directory = sys.argv[1], sys.argv[2]
    runs, dates, skips = plan(directory)
    if command == "skips":
        for kind, count in sorted(skips.items()):
            print(f"{kind}\t{count}")
        return
    if command == "dst":
        moved = 0
        for run in runs.values():
            for (start, _), d in zip(intervals(run, dates), dates[run[3]]):
                moved += start != datetime.datetime.combine(d, datetime.time()) + datetime.timedelta(seconds=run[1])
        print(moved)
        return
    if command == "occurrences":
        window = None
        if len(sys.argv) > 4:
            window = (datetime.date.fromisoformat(sys.argv[3]), datetime.date.fromisoformat(sys.argv[4]))
        out = []
        for trip, run in runs.items():
            for start, end in intervals(run, dates, window):
                out.append((trip, start, end))
        for trip, start, end in sorted(out):
            print(f"{trip}\t{start}\t{end}")
        return
    skip = set()
    if len(sys.argv) > 3:
        with open(sys.argv[3]) as f:
            skip = {line.strip() for line in f if line.strip()}
    trips_of = defaultdict(list)
    for trip, run in runs.items():
        if trip not in skip:
            trips_of[run[0]].append(trip)
    earliest = {}
    for vehicle, trips in trips_of.items():
        if len(trips) < 2:
            continue  # one trip never conflicts with itself
        ivs = sorted((start, end, trip) for trip in trips for start, end in intervals(runs[trip], dates))
        # A numbered train's runs can only meet runs departing on the same date: one group per date.
        groups = defaultdict(list)
        for iv in ivs:
            groups[iv[0].date() if NUMBERED.get(vehicle) else None].append(iv)
        for group in groups.values():
            active = []  # intervals that started and have not ended yet
            for start, end, trip in group:
                active = [a for a in active if a[1] > start]
                for other_start, other_end, other in active:
                    if other == trip:
                        continue
                    key = (min(trip, other), max(trip, other))
                    window = (max(start, other_start), min(end, other_end))
                    if key not in earliest or window < earliest[key][1]:
                        earliest[key] = (vehicle, window)
                active.append((start, end, trip))
    for (a, b), (vehicle, (start, end)) in sorted(earliest.items()):
        print(f"{a}\t{b}\t{vehicle}\t{start}\t{end}")


if __name__ == "__main__":
    main()
