#!/usr/bin/env python3
"""An independent day-by-day expansion of a GTFS feed, for the GTFS integration tests.

It does not use railway: it reads the feed's CSV files with Python's csv module, lists every
service date (calendar.txt weekdays between start and end, plus calendar_dates.txt additions,
minus removals), and turns every trip into one concrete [start, end) interval per service date:
start = service date 00:00 + the first stop's departure_time, end = service date 00:00 + the
last stop's arrival_time (times may pass 24:00:00). Two trips conflict when they have the same
train (block_id, else trip_short_name, else trip_id) and two of their intervals overlap
(back-to-back does not); a train keyed by trip_short_name or trip_id is a numbered train
(DESIGN.md section 2), whose intervals conflict only when they also depart on the same date
(the calendar date of start), while a block_id is a vehicle, whose intervals conflict whatever
their dates.

  gtfs_expand.py occurrences DIR            trip_id, start, end of every run (sorted)
  gtfs_expand.py conflicts DIR [SKIPFILE]   trip_a, trip_b (a < b), vehicle, start and end of
                                            the earliest overlap; trips listed in SKIPFILE
                                            (one trip_id a line) are left out first
"""
import csv
import datetime
import os
import sys
from collections import defaultdict

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def rows(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [{k.strip(): (v or "").strip() for k, v in r.items()} for r in csv.DictReader(f)]


def date(text):
    return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def seconds(text):
    h, m, s = text.split(":")
    return int(h) * 3600 + int(m) * 60 + int(s)


def runs(directory):
    dates = defaultdict(set)
    for r in rows(directory, "calendar.txt"):
        d, last = date(r["start_date"]), date(r["end_date"])
        while d <= last:
            if r[WEEKDAYS[d.weekday()]] == "1":
                dates[r["service_id"]].add(d)
            d += datetime.timedelta(days=1)
    for r in rows(directory, "calendar_dates.txt"):
        if r["exception_type"] == "1":
            dates[r["service_id"]].add(date(r["date"]))
        else:
            dates[r["service_id"]].discard(date(r["date"]))
    stop_times = defaultdict(list)
    for r in rows(directory, "stop_times.txt"):
        stop_times[r["trip_id"]].append(r)
    result = []  # (train, numbered, trip_id, start, end)
    for trip in rows(directory, "trips.txt"):
        times = sorted(stop_times[trip["trip_id"]], key=lambda r: int(r["stop_sequence"]))
        first, last = times[0], times[-1]
        dep = seconds(first["departure_time"] or first["arrival_time"])
        arr = seconds(last["arrival_time"] or last["departure_time"])
        vehicle = trip.get("block_id") or trip.get("trip_short_name") or trip["trip_id"]
        numbered = not trip.get("block_id")
        for d in dates[trip["service_id"]]:
            midnight = datetime.datetime.combine(d, datetime.time())
            result.append((vehicle, numbered, trip["trip_id"], midnight + datetime.timedelta(seconds=dep),
                           midnight + datetime.timedelta(seconds=arr)))
    return result


def main():
    command, directory = sys.argv[1], sys.argv[2]
    if command == "occurrences":
        for _, _, trip, start, end in sorted(runs(directory), key=lambda r: (r[2], r[3], r[4])):
            print(f"{trip}\t{start}\t{end}")
        return
    skip = set()
    if len(sys.argv) > 3:
        with open(sys.argv[3]) as f:
            skip = {line.strip() for line in f if line.strip()}
    # A numbered train's runs can only meet runs departing on the same date: one group per date.
    by_vehicle = defaultdict(list)
    for vehicle, numbered, trip, start, end in runs(directory):
        if trip not in skip:
            by_vehicle[(vehicle, start.date() if numbered else None)].append((start, end, trip))
    earliest = {}
    for (vehicle, _), intervals in by_vehicle.items():
        intervals.sort()
        active = []  # intervals that started and have not ended yet
        for start, end, trip in intervals:
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
