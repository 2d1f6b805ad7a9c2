// The GTFS importer's conversion: mapping rules, after-midnight shifts, exact date sets,
// malformed rows (file, line, reason) and conflicting trips, with a randomized cross-check
// against a day-by-day expansion that does not use railway's pattern or conflict code.
#include "core/calendar.hpp"
#include "core/date_patterns.hpp"
#include "core/error.hpp"
#include "core/gtfs_import.hpp"
#include "core/service_pattern.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace {

using railway::Error;
using railway::gtfs::ConflictMode;
using railway::gtfs::FeedBuilder;
using railway::gtfs::Plan;

int32_t day(const std::string& yyyymmdd) { return railway::parse_gtfs_date(yyyymmdd); }

// Independent of the code under test: 2000-01-01 (day 0) is a Saturday; Monday = 0 here.
int weekday0(int64_t d) { return static_cast<int>(((d + 5) % 7 + 7) % 7); }

std::set<int32_t> departure_dates(const railway::gtfs::PlannedTrip& trip) {
    std::set<int32_t> dates;
    for (const railway::ServicePattern& p : trip.patterns)
        for (int64_t d = p.first_day; d <= p.last_day; ++d)
            if (p.days & (1u << weekday0(d))) {
                EXPECT_TRUE(dates.insert(static_cast<int32_t>(d)).second) << "patterns overlap on day " << d;
            }
    return dates;
}

void add_calendar(FeedBuilder& feed, int64_t line, const std::string& service, const std::string& days,
                  const std::string& start, const std::string& end) {
    std::string fields[7];
    for (int i = 0; i < 7; ++i) fields[i] = std::string(1, days[i]);
    const std::string_view views[7] = {fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]};
    feed.add_calendar(line, service, views, start, end);
}

// Two stops, a weekday service and a Friday-only service, and trips added by the test.
FeedBuilder small_feed() {
    FeedBuilder feed;
    feed.add_stop(2, "A", "", "Alpha", "");
    feed.add_stop(3, "B", "", "Bravo", "0");
    feed.add_stop(4, "STATION", "", "Station", "1");
    add_calendar(feed, 2, "WK", "1111100", "20240101", "20240131");
    add_calendar(feed, 3, "FRI", "0000100", "20240101", "20240131");
    return feed;
}

void add_trip(FeedBuilder& feed, int64_t line, const std::string& id, const std::string& service,
              const std::string& block, const std::string& from_time, const std::string& to_time,
              const std::string& short_name = "") {
    feed.add_trip(line, id, "", service, block, short_name);
    feed.add_stop_time(line * 10, id, "1", "A", from_time, from_time);
    feed.add_stop_time(line * 10 + 1, id, "5", "B", to_time, to_time);
}

std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& e) {
        return std::string(e.sqlstate()) + " " + e.what();
    }
    return "no error";
}

TEST(GtfsImport, ShortIds) {
    using railway::gtfs::short_id;
    EXPECT_EQ(short_id("70011", 10), "70011");
    EXPECT_EQ(short_id("0123456789", 10), "0123456789");
    const std::string s = short_id("01234567890", 10);
    EXPECT_EQ(s.size(), 10u);
    EXPECT_EQ(s.substr(0, 4), "012~");
    EXPECT_EQ(s, short_id("01234567890", 10));  // deterministic
    EXPECT_NE(s, short_id("01234567891", 10));
    // Never cuts a UTF-8 character in two: "ééé..." is 2 bytes per character.
    const std::string accented = short_id("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 10);
    EXPECT_EQ(accented.substr(0, 3), "\xC3\xA9~");
    EXPECT_EQ(railway::gtfs::truncate_utf8("\xC3\xA9" "abc", 2), "\xC3\xA9" "a");
    EXPECT_EQ(railway::gtfs::truncate_utf8("abc", 5), "abc");
}

TEST(GtfsImport, LocationsTrainsAndSchedules) {
    FeedBuilder feed = small_feed();
    add_trip(feed, 2, "t1", "WK", "", "08:00:00", "09:30:00", "101");
    add_trip(feed, 3, "t2", "WK", "", "10:00:00", "11:00:00", "101");
    add_trip(feed, 4, "t3", "WK", "", "12:00:00", "13:00:00");
    add_trip(feed, 5, "t4", "WK", "BLK", "14:00:00", "15:00:00", "999");
    const Plan plan = feed.plan(ConflictMode::refuse);
    ASSERT_EQ(plan.locations.size(), 2u);  // the station is not a location
    EXPECT_EQ(plan.ignored_stops, 1u);
    EXPECT_EQ(plan.locations[0].code, "A");
    EXPECT_EQ(plan.locations[0].name, "Alpha");
    ASSERT_EQ(plan.trains.size(), 3u);
    EXPECT_EQ(plan.trains[0].number, "101");  // trip_short_name
    EXPECT_EQ(plan.trains[1].number, "t3");   // trip_id
    EXPECT_EQ(plan.trains[2].number, "BLK");  // block_id wins over trip_short_name
    EXPECT_EQ(plan.trips[1].train, 0u);       // two trips of train 101
    EXPECT_EQ(plan.trips.size(), 4u);
    EXPECT_TRUE(plan.skipped.empty());
    EXPECT_TRUE(plan.conflicts.empty());
    // January 2024 weekdays: one pattern.
    ASSERT_EQ(plan.trips[0].patterns.size(), 1u);
    EXPECT_EQ(railway::format_pattern(plan.trips[0].patterns[0]),
              "08:00:00 for 01:30:00 on 12345-- from 2024-01-01 to 2024-01-31 numbered");
}

TEST(GtfsImport, StopCodes) {
    FeedBuilder feed;
    feed.add_stop(2, "1001", "SF", "San Francisco", "");
    feed.add_stop(3, "1002", "PA", "Palo Alto", "");
    feed.add_stop(4, "1003", "PA", "Palo Alto south", "");  // shared code: stop_id used for both
    feed.add_stop(5, "a-very-long-stop-identifier", "", "Long", "");
    feed.add_stop(6, "x", "", std::string(150, 'n'), "");
    add_calendar(feed, 2, "S", "1111111", "20240101", "20240107");
    const Plan plan = feed.plan(ConflictMode::refuse);
    ASSERT_EQ(plan.locations.size(), 5u);
    EXPECT_EQ(plan.locations[0].code, "SF");
    EXPECT_EQ(plan.locations[1].code, "1002");
    EXPECT_EQ(plan.locations[2].code, "1003");
    EXPECT_EQ(plan.locations[3].code, railway::gtfs::short_id("a-very-long-stop-identifier", 10));
    EXPECT_EQ(plan.locations[3].code.substr(0, 4), "a-v~");
    EXPECT_EQ(plan.locations[4].name.size(), 100u);

    FeedBuilder clash;
    clash.add_stop(2, "1", "X", "One", "");
    clash.add_stop(3, "X", "", "Two", "");
    const Plan lenient = clash.plan(ConflictMode::refuse);  // the second stop is left out, with a notice
    ASSERT_EQ(lenient.notices.size(), 1u);
    EXPECT_EQ(lenient.notices[0].line, 3);
    EXPECT_EQ(lenient.locations.size(), 1u);
    clash.strict = true;
    EXPECT_EQ(error_of([&] { clash.plan(ConflictMode::refuse); }),
              "23505 stops.txt line 3: stop \"X\" and stop \"1\" (line 2) would both get location code \"X\"");
}

// A Friday service day trip leaving at 25:30 departs on Saturdays at 01:30; its arrival at
// 26:10 is 40 minutes later.
TEST(GtfsImport, AfterMidnightShiftsTheDepartureDate) {
    FeedBuilder feed = small_feed();
    add_trip(feed, 2, "late", "FRI", "", "25:30:00", "26:10:00");
    add_trip(feed, 3, "two-days", "FRI", "", "49:00:00", "50:00:00");
    const Plan plan = feed.plan(ConflictMode::refuse);
    ASSERT_EQ(plan.trips.size(), 2u);
    EXPECT_EQ(plan.after_midnight_trips, 2u);
    ASSERT_EQ(plan.trips[0].patterns.size(), 1u);
    // Fridays of January 2024: 5, 12, 19, 26 -> Saturdays 6 ... 27.
    EXPECT_EQ(railway::format_pattern(plan.trips[0].patterns[0]),
              "01:30:00 for 00:40:00 on -----6- from 2024-01-06 to 2024-01-27 numbered");
    EXPECT_EQ(railway::format_pattern(plan.trips[1].patterns[0]),
              "01:00:00 for 01:00:00 on ------7 from 2024-01-07 to 2024-01-28 numbered");
    const std::set<int32_t> expected = {day("20240106"), day("20240113"), day("20240120"), day("20240127")};
    EXPECT_EQ(departure_dates(plan.trips[0]), expected);
}

// GTFS-realtime needs each trip's first and last stop time (stop_id, stop_sequence) and the days
// from its service day to its departure date (departure_s / 24 h).
TEST(GtfsImport, TripsKeepTheirFirstAndLastStop) {
    FeedBuilder feed = small_feed();
    add_trip(feed, 2, "late", "FRI", "", "25:30:00", "26:10:00");
    feed.add_trip(3, "three", "", "WK", "", "");
    feed.add_stop_time(32, "three", "7", "B", "09:00:00", "09:00:00");
    feed.add_stop_time(30, "three", "2", "A", "08:00:00", "08:00:00");
    feed.add_stop_time(31, "three", "4", "B", "08:30:00", "08:30:00");
    const Plan plan = feed.plan(ConflictMode::refuse);
    ASSERT_EQ(plan.trips.size(), 2u);
    EXPECT_EQ(plan.trips[0].first_stop_id, "A");
    EXPECT_EQ(plan.trips[0].first_stop_sequence, 1);
    EXPECT_EQ(plan.trips[0].last_stop_id, "B");
    EXPECT_EQ(plan.trips[0].last_stop_sequence, 5);
    EXPECT_EQ(plan.trips[0].departure_s / 86400, 1);
    EXPECT_EQ(plan.trips[1].first_stop_id, "A");
    EXPECT_EQ(plan.trips[1].first_stop_sequence, 2);
    EXPECT_EQ(plan.trips[1].last_stop_id, "B");
    EXPECT_EQ(plan.trips[1].last_stop_sequence, 7);
    EXPECT_EQ(plan.trips[1].departure_s / 86400, 0);
}

TEST(GtfsImport, CalendarDatesAreExact) {
    FeedBuilder feed = small_feed();
    feed.add_calendar_date(2, "WK", "20240115", "2");  // a holiday removed
    feed.add_calendar_date(3, "WK", "20240120", "1");  // a Saturday added
    feed.add_calendar_date(4, "ONLY", "20240301", "1");  // a service with no calendar.txt row
    add_trip(feed, 2, "t", "WK", "", "23:50:00", "24:20:00");
    add_trip(feed, 3, "u", "ONLY", "", "24:10:00", "25:00:00");
    const Plan plan = feed.plan(ConflictMode::refuse);
    std::set<int32_t> expected;
    for (int32_t d = day("20240101"); d <= day("20240131"); ++d)
        if (weekday0(d) < 5 && d != day("20240115")) expected.insert(d);
    expected.insert(day("20240120"));
    EXPECT_EQ(departure_dates(plan.trips[0]), expected);
    EXPECT_GT(plan.trips[0].patterns.size(), 1u);
    EXPECT_EQ(departure_dates(plan.trips[1]), std::set<int32_t>{day("20240302")});
}

TEST(GtfsImport, SkippedTrips) {
    FeedBuilder feed = small_feed();
    feed.add_calendar_date(2, "EMPTY", "20240101", "2");  // a service whose only row removes a date
    feed.add_trip(2, "loop", "", "WK", "", "");
    feed.add_stop_time(20, "loop", "1", "A", "08:00:00", "08:00:00");
    feed.add_stop_time(21, "loop", "2", "B", "08:30:00", "08:30:00");
    feed.add_stop_time(22, "loop", "3", "A", "09:00:00", "09:00:00");
    add_trip(feed, 3, "instant", "WK", "", "08:00:00", "08:00:00");
    add_trip(feed, 4, "never", "EMPTY", "", "08:00:00", "09:00:00");
    const Plan plan = feed.plan(ConflictMode::refuse);
    EXPECT_TRUE(plan.trips.empty());
    ASSERT_EQ(plan.skipped.size(), 3u);
    EXPECT_EQ(plan.skipped[0].trip_id, "loop");
    EXPECT_NE(plan.skipped[0].reason.find("a loop"), std::string::npos);
    EXPECT_NE(plan.skipped[1].reason.find("arrival after departure"), std::string::npos);
    EXPECT_EQ(plan.skipped[2].reason, "its service \"EMPTY\" has no dates");
}

TEST(GtfsImport, MalformedRowsNameFileAndLine) {
    {
        FeedBuilder feed = small_feed();
        feed.strict = true;
        feed.add_trip(2, "t", "", "WK", "", "");
        EXPECT_EQ(error_of([&] { feed.add_stop_time(7, "t", "1", "A", "08:61:00", "08:00:00"); }),
                  "22008 stop_times.txt line 7: arrival_time: GTFS time \"08:61:00\" is out of range");
        EXPECT_EQ(error_of([&] { feed.add_stop_time(8, "zz", "1", "A", "", ""); }),
                  "23503 stop_times.txt line 8: trip_id \"zz\" is not in trips.txt");
        EXPECT_EQ(error_of([&] { feed.add_stop_time(9, "t", "1", "Q", "", ""); }),
                  "23503 stop_times.txt line 9: stop_id \"Q\" is not in stops.txt");
        EXPECT_EQ(error_of([&] { feed.add_stop_time(9, "t", "1", "STATION", "", ""); }).substr(0, 50),
                  "23503 stop_times.txt line 9: stop_id \"STATION\" is ");
        EXPECT_EQ(error_of([&] { feed.add_stop_time(10, "t", "x1", "A", "", ""); }),
                  "22P02 stop_times.txt line 10: stop_sequence \"x1\" is not a non-negative integer");
        feed.add_stop_time(11, "t", "1", "A", "", "08:00:00");
        EXPECT_EQ(error_of([&] { feed.add_stop_time(12, "t", "1", "B", "", ""); }),
                  "23505 stop_times.txt line 12: trip \"t\" has stop_sequence 1 twice (also on line 11)");
        EXPECT_EQ(error_of([&] { feed.plan(ConflictMode::refuse); }),
                  "22023 trips.txt line 2: trip \"t\" has 1 stop time(s) in stop_times.txt; a trip needs at least 2");
        feed.add_stop_time(13, "t", "2", "B", "", "");
        EXPECT_EQ(error_of([&] { feed.plan(ConflictMode::refuse); }),
                  "23502 stop_times.txt line 13: the last stop of trip \"t\" has neither arrival_time nor departure_time");
        EXPECT_EQ(error_of([&] { feed.add_trip(3, "t", "", "WK", "", ""); }),
                  "23505 trips.txt line 3: trip_id \"t\" appears twice (first on line 2)");
    }
    {
        FeedBuilder feed = small_feed();
        feed.strict = true;
        add_trip(feed, 2, "back", "WK", "", "10:00:00", "09:00:00");
        EXPECT_EQ(error_of([&] { feed.plan(ConflictMode::refuse); }),
                  "22023 stop_times.txt line 21: trip \"back\" arrives at its last stop at 09:00:00, before it "
                  "leaves its first stop at 10:00:00 (line 20)");
    }
    {
        FeedBuilder feed = small_feed();
        feed.strict = true;
        add_trip(feed, 2, "t", "NOPE", "", "10:00:00", "11:00:00");
        EXPECT_EQ(error_of([&] { feed.plan(ConflictMode::refuse); }),
                  "23503 trips.txt line 2: trip \"t\" refers to service_id \"NOPE\", which is in neither "
                  "calendar.txt nor calendar_dates.txt");
    }
    FeedBuilder feed;
    feed.strict = true;
    EXPECT_EQ(error_of([&] { add_calendar(feed, 4, "S", "1121111", "20240101", "20240107"); }),
              "22P02 calendar.txt line 4: wednesday is \"2\", not 0 or 1");
    EXPECT_EQ(error_of([&] { add_calendar(feed, 5, "T", "1111111", "20240101", "20231231"); }),
              "22023 calendar.txt line 5: end_date 2023-12-31 is before start_date 2024-01-01");
    EXPECT_EQ(error_of([&] { feed.add_calendar_date(6, "S", "2024-01-01", "1"); }),
              "22007 calendar_dates.txt line 6: date: invalid GTFS date \"2024-01-01\"");
    EXPECT_EQ(error_of([&] { feed.add_calendar_date(7, "S", "20240101", "3"); }),
              "22P02 calendar_dates.txt line 7: exception_type is \"3\", not 1 (added) or 2 (removed)");
    feed.add_calendar_date(8, "S", "20240101", "1");
    EXPECT_EQ(error_of([&] { feed.add_calendar_date(9, "S", "20240101", "2"); }).substr(0, 80),
              "23505 calendar_dates.txt line 9: service \"S\" has a second exception for 2024-01-");
    EXPECT_EQ(error_of([&] { feed.add_stop(3, "", "", "x", ""); }), "23502 stops.txt line 3: stop_id is empty (GTFS requires it in every row of stops.txt)");
    EXPECT_EQ(error_of([&] { feed.add_stop(3, "s", "", "", ""); }), "23502 stops.txt line 3: stop_name is empty (GTFS requires it in every row of stops.txt)");
    EXPECT_EQ(error_of([] { railway::gtfs::parse_conflict_mode("ignore"); }), "22023 unknown conflict mode \"ignore\"");
}

TEST(GtfsImport, NotStrictSkipsAndReports) {
    FeedBuilder feed = small_feed();
    add_trip(feed, 2, "good", "WK", "", "08:00:00", "09:00:00");
    feed.add_trip(3, "bad", "", "WK", "", "");
    feed.add_stop_time(30, "bad", "1", "A", "", "08:61:00");
    feed.add_stop_time(31, "bad", "2", "B", "09:00:00", "");
    feed.add_trip(4, "one", "", "WK", "", "");
    feed.add_stop_time(40, "one", "1", "A", "", "08:00:00");
    feed.add_trip(5, "flex", "", "WK", "", "");
    feed.add_flex_stop_time(50, "flex");
    feed.add_flex_stop_time(51, "flex");
    feed.add_stop_time(60, "nowhere", "1", "A", "", "08:00:00");
    // A frequency trip: 10:00, 10:20, 10:40 (end exclusive), 40 minutes long: different vehicles.
    add_trip(feed, 6, "freq", "WK", "", "07:00:00", "07:40:00");
    feed.add_frequency(2, "freq", "10:00:00", "11:00:00", "1200", "0");
    const Plan plan = feed.plan(ConflictMode::refuse);
    ASSERT_EQ(plan.skipped.size(), 3u);
    EXPECT_EQ(plan.skipped[0].trip_id, "bad");
    EXPECT_EQ(plan.skipped[0].kind, "bad_time");
    EXPECT_EQ(plan.skipped[0].line, 30);
    EXPECT_EQ(plan.skipped[1].kind, "one_stop");
    EXPECT_EQ(plan.skipped[2].kind, "flex");
    EXPECT_EQ(plan.skipped[2].line, 50);
    ASSERT_EQ(plan.notices.size(), 1u);
    EXPECT_EQ(plan.notices[0].kind, "unknown_reference");
    EXPECT_EQ(plan.notices[0].line, 60);
    ASSERT_EQ(plan.trips.size(), 4u);
    EXPECT_EQ(plan.frequency_trips, 3u);
    EXPECT_EQ(plan.trips[1].trip_id, "freq@10:00:00");
    EXPECT_EQ(plan.trips[3].trip_id, "freq@10:40:00");
    EXPECT_EQ(plan.trips[3].departure_s, 10 * 3600 + 40 * 60);
    EXPECT_EQ(plan.trips[3].arrival_s, 11 * 3600 + 20 * 60);
    EXPECT_TRUE(plan.conflicts.empty());
    EXPECT_EQ(plan.notice_counts().at("flex"), 1u);
}

TEST(GtfsImport, ConflictingTrips) {
    FeedBuilder feed = small_feed();
    add_trip(feed, 2, "a", "WK", "B1", "08:00:00", "09:00:00");
    add_trip(feed, 3, "dup", "WK", "B1", "08:00:00", "09:00:00");    // a duplicate of a
    add_trip(feed, 4, "c", "WK", "B1", "08:30:00", "10:00:00");      // overlaps both
    add_trip(feed, 5, "d", "WK", "B1", "10:00:00", "11:00:00");      // back-to-back with c: fine
    add_trip(feed, 6, "late", "FRI", "B1", "31:30:00", "33:00:00");  // Saturday 07:30-09:00: fine
    add_trip(feed, 7, "e", "WK", "B2", "08:00:00", "09:00:00");      // another vehicle: fine
    feed.add_stored_schedule("B2", 77, railway::parse_pattern("08:30:00 for 01:00:00 on 1------ from 2024-01-15 to infinity"));
    feed.add_stored_schedule("ZZ", 78, railway::parse_pattern("08:30:00 for 01:00:00 on 1234567 from 2024-01-15 to infinity"));

    const Plan keep = feed.plan(ConflictMode::keep);
    ASSERT_EQ(keep.conflicts.size(), 4u);
    EXPECT_EQ(railway::gtfs::describe(keep, keep.conflicts[0]),
              "trip a and trip dup of train B1 both run from 2024-01-01 08:00:00 to 2024-01-01 09:00:00");
    EXPECT_EQ(railway::gtfs::describe(keep, keep.conflicts[1]),
              "trip a and trip c of train B1 both run from 2024-01-01 08:30:00 to 2024-01-01 09:00:00");
    EXPECT_EQ(railway::gtfs::describe(keep, keep.conflicts[2]),
              "trip dup and trip c of train B1 both run from 2024-01-01 08:30:00 to 2024-01-01 09:00:00");
    EXPECT_EQ(railway::gtfs::describe(keep, keep.conflicts[3]),
              "trip e and stored schedule 77 of train B2 both run from 2024-01-15 08:30:00 to 2024-01-15 09:00:00");
    EXPECT_TRUE(keep.skipped.empty());
    EXPECT_EQ(keep.schedules(), 6u);

    const Plan skip = feed.plan(ConflictMode::skip);
    ASSERT_EQ(skip.skipped.size(), 3u);
    EXPECT_EQ(skip.skipped[0].trip_id, "dup");
    EXPECT_EQ(skip.skipped[0].reason,
              "it conflicts with trip a of the same train: both would run from 2024-01-01 08:00:00 to 2024-01-01 09:00:00");
    EXPECT_EQ(skip.skipped[1].trip_id, "c");
    EXPECT_EQ(skip.skipped[2].trip_id, "e");
    EXPECT_EQ(skip.skipped[2].train_number, "B2");
    EXPECT_EQ(skip.schedules(), 3u);
}

// A train keyed by block_id is a vehicle, by trip_short_name or trip_id a numbered train
// (DESIGN.md section 2); a train already stored keeps its kind. The daily 32-hour train in two
// calendar variants (weekdays, weekend) does not conflict as a numbered train, and does as a
// vehicle. A trip of Friday's service day leaving at 25:30 departs on Saturday at 01:30: as a
// numbered train's run it departs on another date than Friday's 22:00 overnight run and does not
// conflict with it (the rule counts departure dates, DESIGN.md section 2); as a vehicle's it does.
TEST(GtfsImport, TrainKindsFollowTheKey) {
    FeedBuilder feed = small_feed();
    add_calendar(feed, 4, "WE", "0000011", "20240101", "20240131");
    add_trip(feed, 2, "n-wk", "WK", "", "20:00:00", "52:00:00", "19");
    add_trip(feed, 3, "n-we", "WE", "", "20:00:00", "52:00:00", "19");
    add_trip(feed, 4, "v-wk", "WK", "RAKE", "20:00:00", "52:00:00", "20");
    add_trip(feed, 5, "v-we", "WE", "RAKE", "20:00:00", "52:00:00", "20");
    add_trip(feed, 6, "s-wk", "WK", "", "20:00:00", "52:00:00", "21");
    add_trip(feed, 7, "s-we", "WE", "", "20:00:00", "52:00:00", "21");
    feed.add_stored_train("21", railway::TrainKind::kVehicle);
    const Plan plan = feed.plan(ConflictMode::keep);
    ASSERT_EQ(plan.trains.size(), 3u);
    EXPECT_EQ(plan.trains[0].kind, railway::TrainKind::kNumbered);
    EXPECT_EQ(plan.trains[1].kind, railway::TrainKind::kVehicle);
    EXPECT_EQ(plan.trains[2].kind, railway::TrainKind::kVehicle);  // stored as a vehicle
    EXPECT_EQ(plan.trips[0].patterns[0].kind, railway::TrainKind::kNumbered);
    EXPECT_EQ(plan.trips[2].patterns[0].kind, railway::TrainKind::kVehicle);
    ASSERT_EQ(plan.conflicts.size(), 2u);
    EXPECT_EQ(railway::gtfs::describe(plan, plan.conflicts[0]),
              "trip v-wk and trip v-we of train RAKE both run from 2024-01-06 20:00:00 to 2024-01-07 04:00:00");
    EXPECT_EQ(railway::gtfs::describe(plan, plan.conflicts[1]),
              "trip s-wk and trip s-we of train 21 both run from 2024-01-06 20:00:00 to 2024-01-07 04:00:00");

    FeedBuilder night = small_feed();
    add_trip(night, 2, "fri-night", "FRI", "", "22:00:00", "30:00:00", "7");  // Fri 22:00 - Sat 06:00
    add_trip(night, 3, "fri-late", "FRI", "", "25:30:00", "26:30:00", "7");   // Sat 01:30 - 02:30
    add_trip(night, 4, "v-night", "FRI", "BUS", "22:00:00", "30:00:00");
    add_trip(night, 5, "v-late", "FRI", "BUS", "25:30:00", "26:30:00");
    const Plan overnight = night.plan(ConflictMode::keep);
    ASSERT_EQ(overnight.conflicts.size(), 1u);
    EXPECT_EQ(railway::gtfs::describe(overnight, overnight.conflicts[0]),
              "trip v-night and trip v-late of train BUS both run from 2024-01-06 01:30:00 to 2024-01-06 02:30:00");
}

// The DETAIL of a refused feed stays readable: at most max_listed pairs, each line cut at
// kMaxDetailLine characters, and a count of those left out (3,000 duplicate trips once made a
// DETAIL of 428 MB).
TEST(GtfsImport, ConflictsDetailIsCapped) {
    FeedBuilder feed = small_feed();
    add_trip(feed, 2, "a", "WK", "B1", "08:00:00", "09:00:00");
    add_trip(feed, 3, "dup", "WK", "B1", "08:00:00", "09:00:00");
    add_trip(feed, 4, "c", "WK", "B1", "08:30:00", "10:00:00");
    const Plan three = feed.plan(ConflictMode::keep);
    ASSERT_EQ(three.conflicts.size(), 3u);
    EXPECT_EQ(railway::gtfs::conflicts_detail(three),
              "trip a and trip dup of train B1 both run from 2024-01-01 08:00:00 to 2024-01-01 09:00:00.\n"
              "trip a and trip c of train B1 both run from 2024-01-01 08:30:00 to 2024-01-01 09:00:00.\n"
              "trip dup and trip c of train B1 both run from 2024-01-01 08:30:00 to 2024-01-01 09:00:00.");
    EXPECT_EQ(railway::gtfs::conflicts_detail(three, 2),
              "trip a and trip dup of train B1 both run from 2024-01-01 08:00:00 to 2024-01-01 09:00:00.\n"
              "trip a and trip c of train B1 both run from 2024-01-01 08:30:00 to 2024-01-01 09:00:00.\n"
              "... and 1 more conflicting pair (railway.gtfs_conflicts() lists them all)");
    EXPECT_EQ(railway::gtfs::conflicts_detail(three, 0),
              "... and 3 more conflicting pairs (railway.gtfs_conflicts() lists them all)");

    // 300 copies of one trip (44,850 pairs), with ids of 10,000 UTF-8 characters.
    FeedBuilder many = small_feed();
    std::string long_id;
    for (int i = 0; i < 10000; ++i) long_id += "\xc3\xa9";  // é
    for (int i = 0; i < 300; ++i)
        add_trip(many, 2 + i, long_id + std::to_string(i), "WK", "B1", "08:00:00", "09:00:00");
    const Plan copies = many.plan(ConflictMode::keep);
    ASSERT_EQ(copies.conflicts.size(), 300u * 299u / 2u);
    const std::string detail = railway::gtfs::conflicts_detail(copies);
    EXPECT_LT(detail.size(), 20u * (2u * railway::gtfs::kMaxDetailLine + 4u) + 100u);
    EXPECT_EQ(std::count(detail.begin(), detail.end(), '\n'), 20);
    EXPECT_EQ(detail.substr(detail.rfind('\n') + 1),
              "... and 44830 more conflicting pairs (railway.gtfs_conflicts() lists them all)");
    const std::string first = detail.substr(0, detail.find('\n'));
    EXPECT_EQ(first.substr(0, 7), "trip \xc3\xa9");
    EXPECT_EQ(first.substr(first.size() - 3), "...");
    EXPECT_EQ(first.size(), 5u + 295u * 2u + 3u);  // "trip " and 295 two-byte characters, cut at 300
}

// ---------------------------------------------------------------------------------------------
// Randomized cross-check: random calendars, exceptions, after-midnight times and vehicles; every
// trip's departure dates and every conflicting pair (with its first window) are compared with a
// brute-force expansion to concrete [start, end) intervals.

struct RandomTrip {
    std::string id, service, block;
    int64_t dep, arr;  // seconds from the service day
};

// A calendar from year 1 to 9999 is one pattern (no day-by-day listing); with exceptions such a
// service would be listed day by day, and is refused, naming the file, the line and the limit.
TEST(GtfsImport, HugeCalendars) {
    FeedBuilder feed = small_feed();
    feed.strict = true;
    add_calendar(feed, 4, "EVER", "1111111", "00010101", "99991231");
    add_trip(feed, 2, "T1", "EVER", "", "08:00:00", "09:00:00");
    add_trip(feed, 3, "T2", "EVER", "", "25:00:00", "26:00:00");  // the day after each date
    const Plan plan = feed.plan(ConflictMode::keep);
    ASSERT_EQ(plan.trips.size(), 2u);
    ASSERT_EQ(plan.trips[0].patterns.size(), 1u);
    EXPECT_EQ(plan.trips[0].patterns[0].first_day, day("00010101"));
    EXPECT_EQ(plan.trips[0].patterns[0].last_day, day("99991231"));
    EXPECT_EQ(plan.trips[0].patterns[0].days, 0x7F);
    EXPECT_EQ(plan.trips[1].patterns[0].first_day, day("00010102"));
    EXPECT_EQ(plan.trips[1].patterns[0].last_day, day("99991231") + 1);

    feed.add_calendar_date(2, "EVER", "20240101", "2");
    EXPECT_EQ(error_of([&] { feed.plan(ConflictMode::keep); }),
              "54000 calendar.txt line 4: service \"EVER\" runs from 0001-01-01 to 9999-12-31 (3652059 days) and "
              "has exceptions in calendar_dates.txt; the importer lists such a service's dates day by day, up to "
              "36525 days (about 100 years)");

    // 2000 to 2099 with a holiday: within the limit.
    FeedBuilder century = small_feed();
    add_calendar(century, 4, "C", "1111100", "20000101", "20991231");
    century.add_calendar_date(2, "C", "20240101", "2");
    add_trip(century, 2, "T1", "C", "", "08:00:00", "09:00:00");
    EXPECT_EQ(century.plan(ConflictMode::keep).trips.at(0).patterns.size(), 2u);
}

TEST(GtfsImportRandom, MatchesDayByDayExpansion) {
    std::mt19937 rng(20240229);
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int round = 0; round < 300; ++round) {
        FeedBuilder feed;
        feed.add_stop(2, "A", "", "Alpha", "");
        feed.add_stop(3, "B", "", "Bravo", "");
        const int32_t base = day("20231201") + uniform(0, 400);
        std::map<std::string, std::set<int32_t>> service_days;  // expected, independently
        const int services = uniform(1, 4);
        int64_t line = 2;
        for (int s = 0; s < services; ++s) {
            const std::string id = "S" + std::to_string(s);
            std::set<int32_t>& days = service_days[id];
            const int64_t first_line = line;
            if (uniform(0, 3) > 0) {
                std::string mask(7, '0');
                for (char& c : mask) c = uniform(0, 2) ? '1' : '0';
                const int32_t first = base + uniform(0, 30);
                const int32_t last = first + uniform(0, 120);
                add_calendar(feed, line++, id, mask, railway::format_date(first).erase(7, 1).erase(4, 1),
                             railway::format_date(last).erase(7, 1).erase(4, 1));
                for (int32_t d = first; d <= last; ++d)
                    if (mask[weekday0(d)] == '1') days.insert(d);
            }
            std::set<int32_t> touched;
            for (int e = uniform(0, 8); e > 0; --e) {
                const int32_t d = base + uniform(0, 160);
                if (!touched.insert(d).second) continue;
                const bool add = uniform(0, 1);
                feed.add_calendar_date(line++, id, railway::format_date(d).erase(7, 1).erase(4, 1), add ? "1" : "2");
                if (add) days.insert(d); else days.erase(d);
            }
            if (line == first_line) add_calendar(feed, line++, id, "0000000", "20240101", "20240101");
        }
        std::vector<RandomTrip> trips;
        const int trip_count = uniform(2, 12);
        for (int t = 0; t < trip_count; ++t) {
            RandomTrip trip;
            trip.id = "T" + std::to_string(t);
            trip.service = "S" + std::to_string(uniform(0, services - 1));
            trip.block = "V" + std::to_string(uniform(0, 2));
            trip.dep = uniform(0, 50 * 3600 / 300) * 300;
            trip.arr = trip.dep + uniform(1, 30 * 3600 / 300) * 300;
            trips.push_back(trip);
            feed.add_trip(line, trip.id, "", trip.service, trip.block, "");
            auto time = [](int64_t s) {
                char b[48];
                std::snprintf(b, sizeof b, "%02lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
                              (long long)(s % 60));
                return std::string(b);
            };
            feed.add_stop_time(line * 10 + 1, trip.id, "3", "A", time(trip.dep), time(trip.dep));
            feed.add_stop_time(line * 10 + 2, trip.id, "9", "B", time(trip.arr), time(trip.arr));
            ++line;
        }
        const Plan plan = feed.plan(ConflictMode::keep);

        // Dates: the service's dates moved by floor(dep / 24 h).
        std::map<std::string, const railway::gtfs::PlannedTrip*> planned;
        for (const auto& trip : plan.trips) planned[trip.trip_id] = &trip;
        struct Interval { int64_t start, end; std::string trip; };
        std::map<std::string, std::vector<Interval>> by_vehicle;
        for (const RandomTrip& trip : trips) {
            std::set<int32_t> expected;
            for (int32_t d : service_days[trip.service]) {
                expected.insert(static_cast<int32_t>(d + trip.dep / 86400));
                by_vehicle[trip.block].push_back(
                    Interval{int64_t{d} * 86400 + trip.dep, int64_t{d} * 86400 + trip.arr, trip.id});
            }
            if (expected.empty()) {
                EXPECT_EQ(planned.count(trip.id), 0u);
                continue;
            }
            ASSERT_EQ(planned.count(trip.id), 1u) << "round " << round << " trip " << trip.id;
            EXPECT_EQ(departure_dates(*planned[trip.id]), expected) << "round " << round << " trip " << trip.id;
        }
        // Conflicts: every overlapping pair of intervals of one vehicle, earliest window per trip pair.
        std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> expected_pairs;
        for (auto& [vehicle, intervals] : by_vehicle)
            for (size_t i = 0; i < intervals.size(); ++i)
                for (size_t j = 0; j < intervals.size(); ++j) {
                    const Interval& x = intervals[i];
                    const Interval& y = intervals[j];
                    if (x.trip >= y.trip || std::max(x.start, y.start) >= std::min(x.end, y.end)) continue;
                    const std::pair<int64_t, int64_t> window{std::max(x.start, y.start), std::min(x.end, y.end)};
                    auto [at, inserted] = expected_pairs.emplace(std::make_pair(x.trip, y.trip), window);
                    if (!inserted && window < at->second) at->second = window;
                }
        std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> actual_pairs;
        for (const auto& conflict : plan.conflicts) {
            std::string a = plan.trips[conflict.trip].trip_id;
            std::string b = plan.trips[*conflict.other_trip].trip_id;
            if (b < a) std::swap(a, b);
            actual_pairs[{a, b}] = {conflict.first.start_us / 1000000, conflict.first.end_us / 1000000};
        }
        EXPECT_EQ(actual_pairs, expected_pairs) << "round " << round;

        // Skipping leaves a conflict-free set that still holds one trip of every conflicting pair.
        const Plan skip = feed.plan(ConflictMode::skip);
        std::set<std::string> left_out;
        for (const auto& s : skip.skipped)
            if (s.reason.rfind("it conflicts", 0) == 0) left_out.insert(s.trip_id);
        for (const std::string& trip : left_out)  // each was left out for a trip that was kept
            EXPECT_TRUE(std::any_of(expected_pairs.begin(), expected_pairs.end(), [&](const auto& p) {
                return (p.first.first == trip && !left_out.count(p.first.second)) ||
                       (p.first.second == trip && !left_out.count(p.first.first));
            })) << "round " << round << ": " << trip << " left out for nothing";
        for (const auto& [pair, window] : expected_pairs)
            EXPECT_FALSE(!left_out.count(pair.first) && !left_out.count(pair.second))
                << "round " << round << ": conflicting " << pair.first << " and " << pair.second << " both kept";
    }
}

}  // namespace

TEST(GtfsImport, NoonMinusTwelveHoursOnDaylightSavingDays) {
    // America/Los_Angeles: 2024-03-10 10:00 UTC (PST to PDT), 2024-11-03 09:00 UTC (PDT to PST).
    const int64_t march10 = railway::parse_gtfs_date("20240310");
    const int64_t november3 = railway::parse_gtfs_date("20241103");
    FeedBuilder feed;
    feed.add_stop(2, "A", "", "Alpha", "");
    feed.add_stop(3, "B", "", "Bravo", "");
    feed.add_calendar_date(2, "SUN", "20240310", "1");
    feed.add_calendar_date(3, "SUN", "20240317", "1");
    feed.add_calendar_date(4, "SAT", "20241102", "1");
    add_trip(feed, 2, "early", "SUN", "", "01:30:00", "02:30:00");  // before the spring change
    add_trip(feed, 3, "late", "SAT", "", "26:30:00", "27:00:00");   // after the autumn change
    feed.set_transitions({{march10 * 86400 + 10 * 3600, -28800, -25200},
                          {november3 * 86400 + 9 * 3600, -25200, -28800}});
    const Plan plan = feed.plan(ConflictMode::refuse);
    ASSERT_EQ(plan.trips.size(), 2u);
    // 2024-03-10: noon PDT minus 12 h is 23:00 PST the day before: 01:30:00 is 00:30 local;
    // 2024-03-17 is an ordinary day.
    ASSERT_EQ(plan.trips[0].patterns.size(), 2u);
    std::vector<std::pair<int32_t, int64_t>> early;
    for (const auto& p : plan.trips[0].patterns) early.emplace_back(p.first_day, p.departure_us / railway::kUsecPerSecond);
    std::sort(early.begin(), early.end());
    EXPECT_EQ(early[0], std::make_pair(static_cast<int32_t>(march10), int64_t{30 * 60}));
    EXPECT_EQ(early[1], std::make_pair(static_cast<int32_t>(march10 + 7), int64_t{90 * 60}));
    EXPECT_EQ(plan.trips[0].patterns[0].duration_us, int64_t{3600} * railway::kUsecPerSecond);
    // Saturday 2024-11-02, 26:30:00: noon PDT minus 12 h is 00:00 PDT; 26.5 h later is 01:30 PST
    // on Sunday (not 02:30).
    ASSERT_EQ(plan.trips[1].patterns.size(), 1u);
    EXPECT_EQ(plan.trips[1].patterns[0].first_day, november3);
    EXPECT_EQ(plan.trips[1].patterns[0].departure_us, int64_t{90 * 60} * railway::kUsecPerSecond);
}
