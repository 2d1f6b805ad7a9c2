// GTFS service calendars as railway running-day patterns.
//
// A railway schedule row runs on the dates described by (running-day mask, first date, last
// date); a GTFS service runs on an arbitrary set of dates (calendar.txt plus calendar_dates.txt,
// shifted by whole days for trips that depart after 24:00:00). This file turns such a set into
// a few patterns whose date sets are pairwise disjoint and whose union is exactly the set, and
// parses GTFS dates and times.
//
// Conventions: a day number is days since 2000-01-01 (a Saturday); ISO weekdays run from
// Monday = 1 to Sunday = 7; a day mask has bit 0 = Monday ... bit 6 = Sunday.
#pragma once
#include "pure.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace railway {

// Runs on every day D in [first_day, last_day] whose ISO weekday is in `days`. Patterns made
// here are canonical: `days` is never 0 and holds only weekdays that occur in the range, and
// first_day and last_day are themselves running days.
struct DatePattern {
    uint8_t days;
    int32_t first_day;
    int32_t last_day;

    friend bool operator==(const DatePattern& a, const DatePattern& b) {
        return a.days == b.days && a.first_day == b.first_day && a.last_day == b.last_day;
    }
    friend bool operator!=(const DatePattern& a, const DatePattern& b) { return !(a == b); }
};

bool pattern_runs_on(const DatePattern& pattern, int32_t day);

// The sorted distinct dates of a GTFS service: the days of calendar_range (inclusive; absent
// when the service has no calendar.txt row) whose weekday is in calendar_days, plus `added`
// (calendar_dates.txt exception_type 1), minus `removed` (exception_type 2).
// Throws 22023 when a date is both added and removed (GTFS allows one exception per service and
// date), when the range is reversed, or when calendar_days has a bit above Sunday.
std::vector<int32_t> service_dates(uint8_t calendar_days,
                                   std::optional<std::pair<int32_t, int32_t>> calendar_range,
                                   const std::vector<int32_t>& added,
                                   const std::vector<int32_t>& removed);

// The dates of a plain calendar.txt row (no exceptions) as one canonical pattern, without
// listing them: the running days of [first_day, last_day] whose weekday is in `days`; nullopt
// when there is none. The same pattern split_into_patterns(service_dates(...)) gives, in O(1)
// whatever the range (a calendar from year 1 to 9999 included).
std::optional<DatePattern> calendar_pattern(uint8_t days, int32_t first_day, int32_t last_day);

// The pattern of `pattern`'s dates moved by `days` (0 <= days < 10^6).
DatePattern shift_pattern(const DatePattern& pattern, int32_t days);

// Throws 22023 when a date is both added and removed (service_dates' first check), without
// expanding anything.
void check_exceptions(const std::vector<int32_t>& added, const std::vector<int32_t>& removed);

// Every date moved by `days` (a trip whose first departure is 25:30:00 departs the day after its
// service date). Throws 22008 when a date leaves the int32 range.
std::vector<int32_t> shift_dates(const std::vector<int32_t>& dates, int32_t days);

// Pairwise disjoint patterns whose union is exactly `sorted_dates` (sorted, distinct; 22023
// otherwise), ordered by (first_day, last_day, days). Deterministic; few patterns on real
// calendars (see the .cpp for the algorithm), though not always the minimum.
std::vector<DatePattern> split_into_patterns(const std::vector<int32_t>& sorted_dates);

// A GTFS time "H:MM:SS" or "HH:MM:SS" (hours may exceed 23, up to 239, i.e. less than ten days)
// as seconds from 00:00 of the service day. Surrounding spaces are ignored (some feeds pad).
// Throws 22007 for malformed text, 22008 for minutes, seconds or hours out of range.
int64_t parse_gtfs_time(std::string_view text);

// A GTFS date "YYYYMMDD" as a day number. Throws 22007 for malformed text, 22008 for a date that
// does not exist (month 13, February 30, year 0).
int32_t parse_gtfs_date(std::string_view text);

}  // namespace railway
