#include "core/runs.hpp"

#include "core/calendar.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace railway {
namespace {

int32_t day(int64_t y, int m, int d) { return static_cast<int32_t>(day_from_civil(y, m, d)); }
int64_t ts(int64_t y, int m, int d, int hh = 0, int mm = 0) {
    return day_from_civil(y, m, d) * kUsecPerDay + hh * kUsecPerHour + mm * kUsecPerMinute;
}

std::vector<int32_t> dates(const ServicePattern& p, int32_t from, int32_t to) {
    std::vector<int32_t> out;
    for_each_departure(p, from, to, [&](int32_t d) { out.push_back(d); });
    return out;
}

// The reference: every day of the window tested with runs_on.
std::vector<int32_t> brute(const ServicePattern& p, int32_t from, int32_t to) {
    std::vector<int32_t> out;
    for (int32_t d = from; d <= to; ++d)
        if (runs_on(p, d)) out.push_back(d);
    return out;
}

TEST(Runs, WeekdayServiceInAWindow) {
    // Weekdays from Monday 2024-01-01 to Sunday 2024-01-14: ten dates.
    const ServicePattern p = parse_pattern("08:00 for 01:00 on 12345-- from 2024-01-01 to 2024-01-14");
    const std::vector<int32_t> got = dates(p, day(2023, 12, 1), day(2024, 2, 1));
    ASSERT_EQ(got.size(), 10u);
    EXPECT_EQ(got.front(), day(2024, 1, 1));
    EXPECT_EQ(got[4], day(2024, 1, 5));
    EXPECT_EQ(got[5], day(2024, 1, 8));
    EXPECT_EQ(got.back(), day(2024, 1, 12));
    EXPECT_EQ(count_departures(p, day(2023, 12, 1), day(2024, 2, 1)), 10);
}

TEST(Runs, WindowClipsThePattern) {
    const ServicePattern p = parse_pattern("22:00 for 08:00 on ----5-- from 2024-01-01 to infinity");
    // Fridays of March 2024: 1, 8, 15, 22, 29.
    const std::vector<int32_t> got = dates(p, day(2024, 3, 1), day(2024, 3, 31));
    EXPECT_EQ(got, (std::vector<int32_t>{day(2024, 3, 1), day(2024, 3, 8), day(2024, 3, 15),
                                         day(2024, 3, 22), day(2024, 3, 29)}));
    // One-day windows: on a Friday and on a Thursday.
    EXPECT_EQ(dates(p, day(2024, 3, 8), day(2024, 3, 8)).size(), 1u);
    EXPECT_TRUE(dates(p, day(2024, 3, 7), day(2024, 3, 7)).empty());
    // An empty window (to before from) and a window before the service.
    EXPECT_TRUE(dates(p, day(2024, 3, 31), day(2024, 3, 1)).empty());
    EXPECT_TRUE(dates(p, day(2023, 1, 1), day(2023, 12, 31)).empty());
    EXPECT_EQ(count_departures(p, day(2024, 3, 31), day(2024, 3, 1)), 0);
}

TEST(Runs, SinceEverAndOneDayServices) {
    const ServicePattern always = parse_pattern("05:00 for 00:30 on 1234567 from -infinity to infinity");
    EXPECT_EQ(dates(always, day(2024, 2, 1), day(2024, 2, 29)).size(), 29u);  // leap year
    const ServicePattern once = parse_pattern("05:00 for 00:30 on ---4--- from 2024-02-29 to 2024-02-29");
    EXPECT_EQ(dates(once, day(2024, 1, 1), day(2024, 12, 31)), (std::vector<int32_t>{day(2024, 2, 29)}));
}

TEST(Runs, EnumerationEqualsRunsOnForManyPatterns) {
    // Every running-day mask, several date ranges and windows: the enumeration and the count
    // agree with runs_on day by day.
    const int32_t windows[][2] = {{day(2023, 12, 25), day(2024, 3, 3)}, {day(2024, 1, 3), day(2024, 1, 3)},
                                  {day(2024, 1, 1), day(2025, 12, 31)}, {day(2024, 6, 1), day(2024, 5, 1)}};
    for (int mask = 1; mask < 128; ++mask) {
        ServicePattern p = parse_pattern("23:10 for 30:00 on 1234567 from 2024-01-02 to 2024-02-20");
        p.days = static_cast<uint8_t>(mask);
        for (const auto& w : windows) {
            EXPECT_EQ(dates(p, w[0], w[1]), brute(p, w[0], w[1])) << "mask " << mask;
            EXPECT_EQ(count_departures(p, w[0], w[1]), static_cast<int64_t>(brute(p, w[0], w[1]).size()));
        }
        p.last_day = kDayInfinity;
        EXPECT_EQ(dates(p, day(2024, 1, 1), day(2025, 12, 31)), brute(p, day(2024, 1, 1), day(2025, 12, 31)));
    }
}

TEST(Runs, PreviousAndNextDeparture) {
    const ServicePattern p = parse_pattern("08:00 for 01:00 on 1-3---- from 2024-01-03 to 2024-01-31");
    EXPECT_EQ(previous_departure(p, day(2024, 1, 10)), day(2024, 1, 10));  // a Wednesday
    EXPECT_EQ(previous_departure(p, day(2024, 1, 14)), day(2024, 1, 10));  // Sunday -> Wednesday
    EXPECT_EQ(previous_departure(p, day(2024, 1, 2)), std::nullopt);      // before the start
    EXPECT_EQ(previous_departure(p, day(2024, 6, 1)), day(2024, 1, 31));   // after the end
    EXPECT_EQ(previous_departure(p, kDayInfinity), day(2024, 1, 31));
    EXPECT_EQ(previous_departure(p, kDayMinusInfinity), std::nullopt);
    EXPECT_EQ(next_departure(p, day(2024, 1, 11)), day(2024, 1, 15));
}

TEST(Runs, InterruptsArePolledOnLongWindows) {
    static int polls = 0;
    polls = 0;
    const InterruptHook previous = set_interrupt_hook([] { ++polls; });
    const ServicePattern p = parse_pattern("08:00 for 01:00 on 1234567 from -infinity to infinity");
    int64_t n = 0;
    for_each_departure(p, day(2000, 1, 1), day(2000, 1, 1) + 20000, [&](int32_t) { ++n; });
    set_interrupt_hook(previous);
    EXPECT_EQ(n, 20001);
    EXPECT_GE(polls, 4);
    // A hook that throws stops the enumeration.
    set_interrupt_hook([] { throw std::runtime_error("cancel"); });
    EXPECT_THROW(for_each_departure(p, day(2000, 1, 1), day(2000, 1, 1) + 20000, [](int32_t) {}),
                 std::runtime_error);
    set_interrupt_hook(previous);
}

RunRow run(std::string_view kind = "planned", std::string_view status = "scheduled") {
    return RunRow{day(2024, 1, 10), kind, status, ts(2024, 1, 10, 8), ts(2024, 1, 10, 9), std::nullopt,
                  std::nullopt};
}

std::string sqlstate_of(const RunRow& row) {
    try {
        check_run_row(row);
    } catch (const Error& e) {
        return e.sqlstate();
    }
    return "ok";
}

TEST(Runs, RowRules) {
    EXPECT_EQ(sqlstate_of(run()), "ok");
    EXPECT_EQ(sqlstate_of(run("extra", "completed")), "ok");
    EXPECT_EQ(sqlstate_of(run("special")), "23514");
    EXPECT_EQ(sqlstate_of(run("planned", "late")), "23514");
    RunRow r = run();
    r.planned_arrival = r.planned_departure;
    EXPECT_EQ(sqlstate_of(r), "23514");
    r = run();
    r.planned_departure = kTimestampMinusInfinity;
    EXPECT_EQ(sqlstate_of(r), "22008");
    r = run();
    r.actual_departure = ts(2024, 1, 10, 8, 5);
    r.actual_arrival = ts(2024, 1, 10, 8, 4);
    EXPECT_EQ(sqlstate_of(r), "23514");
    r.actual_arrival = ts(2024, 1, 10, 8, 5);  // equal is allowed
    EXPECT_EQ(sqlstate_of(r), "ok");
    r.actual_departure = std::nullopt;         // arrival alone is allowed
    EXPECT_EQ(sqlstate_of(r), "ok");
}

TEST(Runs, PlannedRunOnAnotherDateNamesTheNearestRunningDates) {
    const ServicePattern p = parse_pattern("08:00 for 01:00 on 1-3---- from 2024-01-03 to 2024-01-31");
    RunRow r = run();
    r.run_date = day(2024, 1, 12);  // a Friday
    try {
        check_run_date(r, 7, p);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "23514");
        EXPECT_STREQ(e.what(), "Schedule 7 does not run on 2024-01-12");
        EXPECT_EQ(e.detail(),
                  "Schedule 7 (08:00:00 for 01:00:00 on 1-3---- from 2024-01-03 to 2024-01-31) does not "
                  "run on 2024-01-12; its nearest running dates are 2024-01-10 before and 2024-01-15 after.");
    }
    r.run_date = day(2024, 1, 1);
    try {
        check_run_date(r, 7, p);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(e.detail().find("none before and 2024-01-03 after"), std::string::npos) << e.detail();
    }
    r.run_date = day(2024, 1, 10);
    EXPECT_NO_THROW(check_run_date(r, 7, p));
    r.run_date = day(2024, 1, 12);
    r.kind = "extra";
    EXPECT_NO_THROW(check_run_date(r, 7, p));  // an extra run may be on any date
}

}  // namespace
}  // namespace railway
