// Conflicts between runs (issue 13): DESIGN.md section 2's rule on runs, the bounds of the
// trigger's search, and the 23P01 error.
#include "core/runs.hpp"

#include "core/calendar.hpp"
#include "core/service_pattern.hpp"

#include <gtest/gtest.h>

namespace railway {
namespace {

int32_t day(int64_t y, int m, int d) { return static_cast<int32_t>(day_from_civil(y, m, d)); }
int64_t ts(int64_t y, int m, int d, int hh = 0, int mm = 0) {
    return day_from_civil(y, m, d) * kUsecPerDay + hh * kUsecPerHour + mm * kUsecPerMinute;
}
RunSlot slot(int64_t schedule, int32_t run_date, int64_t dep, int64_t arr) { return {schedule, run_date, dep, arr}; }

TEST(RunsConflicts, UntouchedIsThePatternsOccurrenceOnARunningDate) {
    // Weekdays 08:00-09:00 in January 2024 (1 January 2024 is a Monday).
    const ServicePattern p = parse_pattern("08:00 for 01:00 on 12345-- from 2024-01-01 to 2024-01-31");
    EXPECT_TRUE(is_untouched_run(p, day(2024, 1, 3), ts(2024, 1, 3, 8), ts(2024, 1, 3, 9)));
    // Retimed (either end), or on a Saturday, or after the last date: not untouched.
    EXPECT_FALSE(is_untouched_run(p, day(2024, 1, 3), ts(2024, 1, 3, 8, 5), ts(2024, 1, 3, 9, 5)));
    EXPECT_FALSE(is_untouched_run(p, day(2024, 1, 3), ts(2024, 1, 3, 8), ts(2024, 1, 3, 9, 30)));
    EXPECT_FALSE(is_untouched_run(p, day(2024, 1, 6), ts(2024, 1, 6, 8), ts(2024, 1, 6, 9)));
    EXPECT_FALSE(is_untouched_run(p, day(2024, 2, 1), ts(2024, 2, 1, 8), ts(2024, 2, 1, 9)));
}

TEST(RunsConflicts, OverlapOnOneDateConflictsForBothKinds) {
    const RunSlot a = slot(1, day(2025, 1, 6), ts(2025, 1, 6, 8), ts(2025, 1, 6, 10));
    const RunSlot b = slot(2, day(2025, 1, 6), ts(2025, 1, 6, 9), ts(2025, 1, 6, 11));
    EXPECT_TRUE(runs_conflict(TrainKind::kNumbered, a, b));
    EXPECT_TRUE(runs_conflict(TrainKind::kVehicle, a, b));
    EXPECT_TRUE(runs_conflict(TrainKind::kVehicle, b, a));
}

TEST(RunsConflicts, BackToBackDoesNotConflict) {
    const RunSlot a = slot(1, day(2025, 1, 6), ts(2025, 1, 6, 8), ts(2025, 1, 6, 10));
    const RunSlot b = slot(2, day(2025, 1, 6), ts(2025, 1, 6, 10), ts(2025, 1, 6, 11));
    EXPECT_FALSE(runs_conflict(TrainKind::kVehicle, a, b));
    EXPECT_FALSE(runs_conflict(TrainKind::kVehicle, b, a));
}

TEST(RunsConflicts, OvernightRunsOfTwoDatesConflictOnlyForAVehicle) {
    // Friday 22:00 -> Saturday 06:00, and Saturday 05:00 -> 07:00.
    const RunSlot friday = slot(1, day(2025, 1, 3), ts(2025, 1, 3, 22), ts(2025, 1, 4, 6));
    const RunSlot saturday = slot(2, day(2025, 1, 4), ts(2025, 1, 4, 5), ts(2025, 1, 4, 7));
    EXPECT_TRUE(runs_conflict(TrainKind::kVehicle, friday, saturday));
    EXPECT_FALSE(runs_conflict(TrainKind::kNumbered, friday, saturday));
}

TEST(RunsConflicts, SearchBoundsCoverEveryConflictingRun) {
    // Numbered: the run date only, departures from the day before.
    const RunSlot run = slot(1, day(2025, 2, 1), ts(2025, 2, 1, 1), ts(2025, 2, 1, 3));
    RunSearchBounds b = run_search_bounds(TrainKind::kNumbered, run);
    EXPECT_EQ(b.first_date, day(2025, 2, 1));
    EXPECT_EQ(b.last_date, day(2025, 2, 1));
    EXPECT_EQ(b.departure_floor, ts(2025, 1, 31));
    // Vehicle: runs of up to 10 days departing before, a day either side for retimings.
    b = run_search_bounds(TrainKind::kVehicle, run);
    EXPECT_EQ(b.departure_floor, ts(2025, 1, 22, 1));
    EXPECT_EQ(b.first_date, day(2025, 1, 21));
    EXPECT_EQ(b.last_date, day(2025, 2, 2));
    // A run of 31 January 22:00 to 1 February 03:00 is found from the 1 February 01:00 run.
    const RunSlot january = slot(2, day(2025, 1, 31), ts(2025, 1, 31, 22), ts(2025, 2, 1, 3));
    EXPECT_LE(b.first_date, january.run_date);
    EXPECT_GE(january.departure, b.departure_floor);
    EXPECT_LT(january.departure, run.arrival);
    // An arrival at midnight exactly: the last date is the day before's next.
    b = run_search_bounds(TrainKind::kVehicle, slot(1, day(2025, 2, 1), ts(2025, 2, 1, 22), ts(2025, 2, 2)));
    EXPECT_EQ(b.last_date, day(2025, 2, 2));
}

TEST(RunsConflicts, SpanRules) {
    RunRow r{day(2025, 1, 6), "extra", "scheduled", ts(2025, 1, 5, 23), ts(2025, 1, 6, 1), std::nullopt, std::nullopt};
    EXPECT_NO_THROW(check_run_span(r));
    r.planned_departure = ts(2025, 1, 7, 23, 59);
    r.planned_arrival = ts(2025, 1, 8, 1);
    EXPECT_NO_THROW(check_run_span(r));
    r.planned_departure = ts(2025, 1, 8);
    r.planned_arrival = ts(2025, 1, 8, 1);
    try {
        check_run_span(r);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "23514");
        EXPECT_STREQ(e.what(), "Planned departure 2025-01-08 00:00:00 is too far from run date 2025-01-06");
    }
    r.planned_departure = ts(2025, 1, 4, 23, 59);
    EXPECT_THROW(check_run_span(r), Error);
    r.planned_departure = ts(2025, 1, 6, 8);
    r.planned_arrival = r.planned_departure + kMaxRunDuration;
    EXPECT_NO_THROW(check_run_span(r));
    r.planned_arrival += 1;
    EXPECT_THROW(check_run_span(r), Error);
    // Any finite run date: no overflow.
    r.run_date = 2147483000;
    EXPECT_THROW(check_run_span(r), Error);
}

TEST(RunsConflicts, ErrorNamesTheOtherRun) {
    const RunSlot run = slot(5, day(2025, 1, 6), ts(2025, 1, 6, 9), ts(2025, 1, 6, 11));
    const RunSlot other = slot(7, day(2025, 1, 6), ts(2025, 1, 6, 8), ts(2025, 1, 6, 10));
    const Error e = run_conflict_error(TrainKind::kNumbered, run, other, "17239");
    EXPECT_STREQ(e.sqlstate(), "23P01");
    EXPECT_STREQ(e.what(), "Run of schedule 5 on 2025-01-06 conflicts with the run of schedule 7 on 2025-01-06 of train 17239");
    EXPECT_EQ(e.detail(),
              "The run of schedule 7 on 2025-01-06 is planned from 2025-01-06 08:00:00 to 2025-01-06 10:00:00; "
              "this run from 2025-01-06 09:00:00 to 2025-01-06 11:00:00.");
    EXPECT_NE(e.hint().find("numbered train"), std::string::npos);
    EXPECT_NE(run_conflict_error(TrainKind::kVehicle, run, other, "R7").hint().find("vehicle"), std::string::npos);
}

}  // namespace
}  // namespace railway
