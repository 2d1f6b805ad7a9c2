// GTFS service dates and their split into railway running-day patterns.
#include "core/date_patterns.hpp"
#include "core/error.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace {

using railway::DatePattern;
using railway::Error;

constexpr uint8_t kMon = 1, kTue = 2, kWed = 4, kThu = 8, kFri = 16, kSat = 32, kSun = 64;
constexpr uint8_t kWeekdays = kMon | kTue | kWed | kThu | kFri;
constexpr uint8_t kWeekend = kSat | kSun;
constexpr uint8_t kDaily = kWeekdays | kWeekend;

// "2024-02-29" as a day number.
int32_t day(std::string iso) {
    iso.erase(std::remove(iso.begin(), iso.end(), '-'), iso.end());
    return railway::parse_gtfs_date(iso);
}

// Independent of the code under test: 2000-01-01 (day 0) is a Saturday.
int iso_weekday(int64_t d) { return static_cast<int>(((d + 5) % 7 + 7) % 7) + 1; }
uint8_t bit_of(int64_t d) { return static_cast<uint8_t>(1u << (iso_weekday(d) - 1)); }

// The mask of the next day(s): Sunday wraps to Monday.
uint8_t rotate_days(uint8_t days, int by) {
    return static_cast<uint8_t>(((days << by) | (days >> (7 - by))) & 0x7F);
}

std::vector<int32_t> dates_of(const DatePattern& p) {
    std::vector<int32_t> dates;
    for (int64_t d = p.first_day; d <= p.last_day; ++d)
        if (p.days & bit_of(d)) dates.push_back(static_cast<int32_t>(d));
    return dates;
}

std::vector<int32_t> calendar(uint8_t days, const std::string& first, const std::string& last,
                              const std::vector<int32_t>& added = {},
                              const std::vector<int32_t>& removed = {}) {
    return railway::service_dates(days, std::make_pair(day(first), day(last)), added, removed);
}

// The split is a partition of exactly `dates` into canonical patterns. Returns a failure message.
testing::AssertionResult IsExactPartition(const std::vector<int32_t>& dates,
                                          const std::vector<DatePattern>& patterns) {
    std::vector<int32_t> covered;
    for (const DatePattern& p : patterns) {
        if (p.days == 0 || p.days > 0x7F || p.first_day > p.last_day ||
            !(p.days & bit_of(p.first_day)) || !(p.days & bit_of(p.last_day)))
            return testing::AssertionFailure() << "non-canonical pattern days=" << int{p.days}
                                               << " [" << p.first_day << ", " << p.last_day << "]";
        const std::vector<int32_t> own = dates_of(p);
        uint8_t seen = 0;
        for (int32_t d : own) seen |= bit_of(d);
        if (seen != p.days)
            return testing::AssertionFailure()
                   << "mask " << int{p.days} << " has a weekday "
                   << "missing from [" << p.first_day << ", " << p.last_day << "]";
        for (int32_t d : own)
            if (!railway::pattern_runs_on(p, d))
                return testing::AssertionFailure() << "pattern_runs_on disagrees on " << d;
        covered.insert(covered.end(), own.begin(), own.end());
    }
    std::sort(covered.begin(), covered.end());
    if (std::adjacent_find(covered.begin(), covered.end()) != covered.end())
        return testing::AssertionFailure()
               << "two patterns share date " << *std::adjacent_find(covered.begin(), covered.end());
    if (covered != dates)
        return testing::AssertionFailure()
               << "union has " << covered.size() << " dates, input has " << dates.size();
    for (size_t k = 1; k < patterns.size(); ++k) {
        const DatePattern& a = patterns[k - 1];
        const DatePattern& b = patterns[k];
        if (std::make_tuple(a.first_day, a.last_day, a.days) >
            std::make_tuple(b.first_day, b.last_day, b.days))
            return testing::AssertionFailure() << "patterns out of order";
    }
    return testing::AssertionSuccess();
}

std::vector<DatePattern> split_checked(const std::vector<int32_t>& dates) {
    std::vector<DatePattern> patterns = railway::split_into_patterns(dates);
    EXPECT_TRUE(IsExactPartition(dates, patterns));
    return patterns;
}

template <typename F>
void expect_error(F&& call, const std::string& sqlstate, const std::string& message_part) {
    try {
        call();
        ADD_FAILURE() << "no error; expected SQLSTATE " << sqlstate;
    } catch (const Error& e) {
        EXPECT_EQ(e.sqlstate(), sqlstate) << e.what();
        EXPECT_NE(std::string(e.what()).find(message_part), std::string::npos)
            << "message: " << e.what();
    }
}

// 2024 US holidays that a weekday service (Caltrain, King County Metro) does not run.
std::vector<int32_t> us_holidays_2024() {
    return {day("2024-01-01"), day("2024-01-15"), day("2024-02-19"), day("2024-05-27"),
            day("2024-07-04"), day("2024-09-02"), day("2024-11-28"), day("2024-12-25")};
}

// ---------------------------------------------------------------------------------------------

TEST(DatePatternParse, GtfsDates) {
    EXPECT_EQ(railway::parse_gtfs_date("20000101"), 0);
    EXPECT_EQ(railway::parse_gtfs_date("19991231"), -1);
    EXPECT_EQ(railway::parse_gtfs_date("20000301"), 60);  // 2000 is a leap year
    EXPECT_EQ(railway::parse_gtfs_date("20010101"), 366);
    EXPECT_EQ(railway::parse_gtfs_date("21000301") - railway::parse_gtfs_date("21000228"), 1);
    EXPECT_EQ(railway::parse_gtfs_date("20240301") - railway::parse_gtfs_date("20240229"), 1);
    EXPECT_EQ(railway::parse_gtfs_date(" 20240101 "), day("2024-01-01"));
    EXPECT_EQ(iso_weekday(day("2024-12-25")), 3);  // a Wednesday
    EXPECT_EQ(iso_weekday(day("1970-01-01")), 4);  // a Thursday

    const std::string format = railway::sqlstate::invalid_datetime_format;
    const std::string range = railway::sqlstate::datetime_field_overflow;
    expect_error([] { railway::parse_gtfs_date("2024-01-01"); }, format, "\"2024-01-01\"");
    expect_error([] { railway::parse_gtfs_date("2024011"); }, format, "2024011");
    expect_error([] { railway::parse_gtfs_date(""); }, format, "GTFS date");
    expect_error([] { railway::parse_gtfs_date("2024O101"); }, format, "2024O101");
    expect_error([] { railway::parse_gtfs_date("20241301"); }, range, "20241301");
    expect_error([] { railway::parse_gtfs_date("20240001"); }, range, "20240001");
    expect_error([] { railway::parse_gtfs_date("20240100"); }, range, "20240100");
    expect_error([] { railway::parse_gtfs_date("20240431"); }, range, "20240431");
    expect_error([] { railway::parse_gtfs_date("20230229"); }, range, "20230229");
    expect_error([] { railway::parse_gtfs_date("21000229"); }, range, "21000229");
    expect_error([] { railway::parse_gtfs_date("00000101"); }, range, "00000101");
    expect_error([] { railway::parse_gtfs_date(std::string(1000, '9')); }, format, "...");
}

TEST(DatePatternParse, GtfsTimes) {
    EXPECT_EQ(railway::parse_gtfs_time("0:00:00"), 0);
    EXPECT_EQ(railway::parse_gtfs_time("8:05:09"), 8 * 3600 + 5 * 60 + 9);
    EXPECT_EQ(railway::parse_gtfs_time("08:05:09"), 8 * 3600 + 5 * 60 + 9);
    EXPECT_EQ(railway::parse_gtfs_time(" 6:25:00"), 6 * 3600 + 25 * 60);
    EXPECT_EQ(railway::parse_gtfs_time("23:59:59"), 86399);
    EXPECT_EQ(railway::parse_gtfs_time("24:00:00"), 86400);
    EXPECT_EQ(railway::parse_gtfs_time("25:30:00"), 86400 + 5400);
    EXPECT_EQ(railway::parse_gtfs_time("49:00:00"), 2 * 86400 + 3600);
    EXPECT_EQ(railway::parse_gtfs_time("239:59:59"), 240 * 3600 - 1);

    const std::string format = railway::sqlstate::invalid_datetime_format;
    const std::string range = railway::sqlstate::datetime_field_overflow;
    for (const char* bad : {"", "  ", "8:5:00", "08:05", "8:05:00:00", "-1:00:00", ":05:00",
                            "aa:bb:cc", "8:05:0x", "8.05.00", "1000:00:00", "8 :05:00"})
        expect_error([bad] { railway::parse_gtfs_time(bad); }, format,
                     std::string("\"") + bad + "\"");
    for (const char* bad : {"8:60:00", "8:00:60", "240:00:00", "999:59:59"})
        expect_error([bad] { railway::parse_gtfs_time(bad); }, range,
                     std::string("\"") + bad + "\"");
}

TEST(DatePatternServiceDates, CalendarAdditionsRemovals) {
    // Mon/Wed in the first two weeks of 2024, one removal, one addition, one useless removal.
    const std::vector<int32_t> dates =
        calendar(kMon | kWed, "2024-01-01", "2024-01-14", {day("2024-01-06"), day("2024-01-06")},
                 {day("2024-01-03"), day("2024-01-04"), day("2024-03-01")});
    EXPECT_EQ(dates, (std::vector<int32_t>{day("2024-01-01"), day("2024-01-06"), day("2024-01-08"),
                                           day("2024-01-10")}));
    // calendar_dates.txt only (no calendar.txt row), unsorted input.
    EXPECT_EQ(railway::service_dates(0, std::nullopt, {day("2024-05-02"), day("2024-05-01")}, {}),
              (std::vector<int32_t>{day("2024-05-01"), day("2024-05-02")}));
    // An all-zero calendar.txt row contributes nothing.
    EXPECT_TRUE(calendar(0, "2024-01-01", "2024-12-31").empty());
    EXPECT_TRUE(railway::service_dates(0, std::nullopt, {}, {}).empty());
    // A one-day range.
    EXPECT_EQ(calendar(kDaily, "2024-02-29", "2024-02-29"),
              (std::vector<int32_t>{day("2024-02-29")}));
    EXPECT_TRUE(calendar(kSun, "2024-02-29", "2024-02-29").empty());
}

TEST(DatePatternServiceDates, Errors) {
    const std::string invalid = railway::sqlstate::invalid_parameter_value;
    expect_error(
        [] {
            calendar(kMon, "2024-01-01", "2024-02-01", {day("2024-01-20")}, {day("2024-01-20")});
        },
        invalid, "2024-01-20");
    expect_error([] { calendar(kMon, "2024-02-01", "2024-01-01"); }, invalid, "2024-01-01");
    expect_error([] { calendar(0x80 | kMon, "2024-01-01", "2024-02-01"); }, invalid, "129");
}

TEST(DatePatternShift, AcrossWeekAndYear) {
    EXPECT_TRUE(railway::shift_dates({}, 1).empty());
    // A Friday service's 25:30:00 trips depart on Saturdays.
    const std::vector<int32_t> fridays = calendar(kFri, "2024-01-01", "2024-03-31");
    const std::vector<int32_t> saturdays = railway::shift_dates(fridays, 1);
    EXPECT_EQ(saturdays, calendar(kSat, "2024-01-01", "2024-04-01"));
    EXPECT_EQ(split_checked(saturdays),
              (std::vector<DatePattern>{{kSat, day("2024-01-06"), day("2024-03-30")}}));
    // Sunday + 1 crosses into the next ISO week; New Year's Eve + 1 into the next year.
    EXPECT_EQ(railway::shift_dates({day("2023-12-31")}, 1),
              (std::vector<int32_t>{day("2024-01-01")}));
    EXPECT_EQ(railway::shift_dates({day("2023-02-28"), day("2024-02-28")}, 1),
              (std::vector<int32_t>{day("2023-03-01"), day("2024-02-29")}));
    EXPECT_EQ(railway::shift_dates({day("2024-03-01")}, -1),
              (std::vector<int32_t>{day("2024-02-29")}));
    expect_error([] { railway::shift_dates({2147483600}, 100); },
                 railway::sqlstate::datetime_field_overflow, "100");
}

TEST(DatePatternShift, WeekdayServiceAfterMidnight) {
    const std::vector<int32_t> weekdays =
        calendar(kWeekdays, "2024-01-01", "2024-12-31", {}, us_holidays_2024());
    // +1 day: Tuesday to Saturday, the holidays move along; +2: Wednesday to Sunday.
    const auto plain = split_checked(weekdays);
    ASSERT_EQ(plain.size(), 8u);
    EXPECT_EQ(plain.front(), (DatePattern{kWeekdays, day("2024-01-02"), day("2024-01-12")}));
    // Christmas Day is a Wednesday; Thursday 26 to Tuesday 31 December has no other.
    EXPECT_EQ(plain.back(), (DatePattern{kWeekdays & ~kWed, day("2024-12-26"), day("2024-12-31")}));
    for (int32_t shift : {1, 2}) {
        const auto shifted = split_checked(railway::shift_dates(weekdays, shift));
        ASSERT_EQ(shifted.size(), plain.size());
        for (size_t k = 0; k < plain.size(); ++k) {
            EXPECT_EQ(shifted[k].days, rotate_days(plain[k].days, shift));
            EXPECT_EQ(shifted[k].first_day, plain[k].first_day + shift);
            EXPECT_EQ(shifted[k].last_day, plain[k].last_day + shift);
        }
    }
    EXPECT_EQ(split_checked(railway::shift_dates(weekdays, 2)).front().days,
              kWed | kThu | kFri | kSat | kSun);
    // A weekend service shifted by one runs Sunday and Monday: one pattern across week boundaries.
    EXPECT_EQ(
        split_checked(railway::shift_dates(calendar(kWeekend, "2024-01-01", "2024-12-31"), 1)),
        (std::vector<DatePattern>{{kSun | kMon, day("2024-01-07"), day("2024-12-30")}}));
}

TEST(DatePatternSplit, TrivialSets) {
    EXPECT_TRUE(railway::split_into_patterns({}).empty());
    EXPECT_EQ(split_checked({day("2024-02-29")}),
              (std::vector<DatePattern>{{kThu, day("2024-02-29"), day("2024-02-29")}}));
    // Dates less than a week apart share a pattern (Friday and Tuesday: no Saturday to Monday).
    EXPECT_EQ(split_checked({day("2024-03-01"), day("2024-03-05")}),
              (std::vector<DatePattern>{{kFri | kTue, day("2024-03-01"), day("2024-03-05")}}));
    // Dates more than a week apart, none a week after another: one pattern each.
    EXPECT_EQ(
        split_checked({day("2024-03-01"), day("2024-03-12"), day("2024-03-27"), day("2024-04-11")})
            .size(),
        4u);
    // Every Sunday of March 2024.
    EXPECT_EQ(split_checked(calendar(kSun, "2024-03-01", "2024-03-31")),
              (std::vector<DatePattern>{{kSun, day("2024-03-03"), day("2024-03-31")}}));
    // Ranges shorter than a week: the mask only holds the weekdays that occur.
    EXPECT_EQ(
        split_checked(calendar(kDaily, "2024-03-01", "2024-03-03")),
        (std::vector<DatePattern>{{kFri | kSat | kSun, day("2024-03-01"), day("2024-03-03")}}));
    EXPECT_EQ(split_checked(calendar(kWeekdays, "2024-03-06", "2024-03-12")),
              (std::vector<DatePattern>{{kWeekdays, day("2024-03-06"), day("2024-03-12")}}));
}

TEST(DatePatternSplit, WeekdayYear) {
    EXPECT_EQ(split_checked(calendar(kWeekdays, "2024-01-01", "2024-12-31")),
              (std::vector<DatePattern>{{kWeekdays, day("2024-01-01"), day("2024-12-31")}}));
    // Removals at the first or last date trim the range.
    EXPECT_EQ(
        split_checked(calendar(kWeekdays, "2024-01-01", "2024-12-31", {}, {day("2024-01-01")})),
        (std::vector<DatePattern>{{kWeekdays, day("2024-01-02"), day("2024-12-31")}}));
    EXPECT_EQ(split_checked(calendar(kWeekdays, "2024-01-01", "2024-12-31", {},
                                     {day("2024-12-31"), day("2024-12-30")})),
              (std::vector<DatePattern>{{kWeekdays, day("2024-01-01"), day("2024-12-27")}}));
    // One holiday inside cuts the range in two.
    EXPECT_EQ(
        split_checked(calendar(kWeekdays, "2024-01-01", "2024-12-31", {}, {day("2024-07-04")})),
        (std::vector<DatePattern>{{kWeekdays, day("2024-01-01"), day("2024-07-03")},
                                  {kWeekdays, day("2024-07-05"), day("2024-12-31")}}));
    // US holidays: New Year's Day trims, the seven others each cut once.
    EXPECT_EQ(split_checked(calendar(kWeekdays, "2024-01-01", "2024-12-31", {}, us_holidays_2024()))
                  .size(),
              8u);
}

TEST(DatePatternSplit, ExtraDays) {
    const std::vector<int32_t> extra_saturdays{day("2024-03-16"), day("2024-06-22"),
                                               day("2024-11-09")};
    const auto patterns =
        split_checked(calendar(kWeekdays, "2024-01-01", "2024-12-31", extra_saturdays));
    ASSERT_EQ(patterns.size(), 4u);
    EXPECT_NE(std::find(patterns.begin(), patterns.end(),
                        DatePattern{kWeekdays, day("2024-01-01"), day("2024-12-31")}),
              patterns.end());
    // Extra Saturdays in consecutive weeks make one pattern.
    EXPECT_EQ(split_checked(calendar(kWeekdays, "2024-01-01", "2024-12-31",
                                     {day("2024-06-01"), day("2024-06-08"), day("2024-06-15")}))
                  .size(),
              2u);
    // Weekday service all year with weekends in summer.
    EXPECT_EQ(split_checked(railway::service_dates(
                  kWeekdays, std::make_pair(day("2024-01-01"), day("2024-12-31")),
                  calendar(kWeekend, "2024-06-01", "2024-08-31"), {})),
              (std::vector<DatePattern>{{kWeekdays, day("2024-01-01"), day("2024-12-31")},
                                        {kWeekend, day("2024-06-01"), day("2024-08-31")}}));
}

TEST(DatePatternSplit, LeapDayAndYearBoundary) {
    EXPECT_EQ(split_checked(calendar(kDaily, "2024-02-01", "2024-02-29")),
              (std::vector<DatePattern>{{kDaily, day("2024-02-01"), day("2024-02-29")}}));
    EXPECT_EQ(split_checked(calendar(kDaily, "2023-12-15", "2024-01-15")),
              (std::vector<DatePattern>{{kDaily, day("2023-12-15"), day("2024-01-15")}}));
    // Daily service without the leap day: two patterns.
    EXPECT_EQ(
        split_checked(calendar(kDaily, "2024-02-01", "2024-03-31", {}, {day("2024-02-29")})).size(),
        2u);
    // A Thursday service over a leap day and a year end.
    EXPECT_EQ(split_checked(calendar(kThu, "2023-12-01", "2024-03-31")),
              (std::vector<DatePattern>{{kThu, day("2023-12-07"), day("2024-03-28")}}));
}

TEST(DatePatternSplit, RejectsUnsortedInput) {
    const std::string invalid = railway::sqlstate::invalid_parameter_value;
    expect_error([] { railway::split_into_patterns({3, 2}); }, invalid, "sorted");
    expect_error([] { railway::split_into_patterns({3, 3}); }, invalid, "distinct");
}

TEST(DatePatternSplit, RunsOn) {
    const DatePattern p{kMon | kFri, day("2024-01-01"), day("2024-01-12")};
    EXPECT_TRUE(railway::pattern_runs_on(p, day("2024-01-01")));
    EXPECT_FALSE(railway::pattern_runs_on(p, day("2024-01-02")));
    EXPECT_TRUE(railway::pattern_runs_on(p, day("2024-01-12")));
    EXPECT_FALSE(railway::pattern_runs_on(p, day("2024-01-15")));
    EXPECT_FALSE(railway::pattern_runs_on(p, day("2023-12-29")));
}

// The pattern counts of typical feed calendars, printed and pinned.
TEST(DatePatternSplit, TypicalCalendarCounts) {
    const auto holidays = us_holidays_2024();
    // A weekend/holiday service also runs on the weekday holidays.
    const std::vector<int32_t> weekend_plus_holidays =
        calendar(kWeekend, "2024-01-01", "2024-12-31", holidays);
    std::vector<int32_t> holidays_removed_twice = holidays;
    holidays_removed_twice.push_back(day("2024-11-29"));  // day after Thanksgiving
    holidays_removed_twice.push_back(day("2024-12-24"));  // Christmas Eve
    const std::vector<int32_t> saturday_service =
        calendar(kSat, "2024-01-01", "2024-12-31", {}, {day("2024-07-06")});

    struct Case {
        const char* name;
        std::vector<int32_t> dates;
        size_t expected;
    };
    const std::vector<Case> cases{
        {"weekday service, one year", calendar(kWeekdays, "2024-01-01", "2024-12-31"), 1},
        {"weekday service, 8 US holidays removed",
         calendar(kWeekdays, "2024-01-01", "2024-12-31", {}, holidays), 8},
        {"weekday service, 10 holidays removed (two adjacent pairs)",
         calendar(kWeekdays, "2024-01-01", "2024-12-31", {}, holidays_removed_twice), 8},
        {"weekday service + 3 extra Saturdays",
         calendar(kWeekdays, "2024-01-01", "2024-12-31",
                  {day("2024-03-16"), day("2024-06-22"), day("2024-11-09")}),
         4},
        {"weekend service + 8 weekday holidays", weekend_plus_holidays, 9},
        {"Saturday service, one Saturday removed", saturday_service, 2},
        {"weekday service to 2099 (open-ended feed)",
         calendar(kWeekdays, "2024-01-01", "2099-12-31"), 1},
        {"weekday service, shifted +1 (after-midnight trips)",
         railway::shift_dates(calendar(kWeekdays, "2024-01-01", "2024-12-31", {}, holidays), 1), 8},
        {"every Sunday of a month", calendar(kSun, "2024-03-01", "2024-03-31"), 1},
        {"5 scattered dates",
         {day("2024-01-03"), day("2024-02-14"), day("2024-02-24"), day("2024-05-05"),
          day("2024-09-30")},
         5},
        {"empty", {}, 0},
    };
    for (const Case& c : cases) {
        const size_t count = split_checked(c.dates).size();
        std::cout << "[ patterns ] " << count << "  " << c.name << " (" << c.dates.size()
                  << " dates)\n";
        EXPECT_EQ(count, c.expected) << c.name;
    }
}

// ---------------------------------------------------------------------------------------------
// Randomized cross-check.

class Random {
public:
    explicit Random(uint32_t seed) : engine_(seed) {}
    // Uniform enough in [low, high]; mt19937's output is the same on every platform.
    int32_t between(int32_t low, int32_t high) {
        return low + static_cast<int32_t>(engine_() % static_cast<uint32_t>(high - low + 1));
    }
    bool chance(int percent) { return between(0, 99) < percent; }

private:
    std::mt19937 engine_;
};

std::vector<int32_t> random_dates(Random& rng, int32_t base, int32_t window, int count) {
    std::vector<int32_t> dates;
    for (int k = 0; k < count; ++k) dates.push_back(base + rng.between(0, window - 1));
    return dates;
}

// What a feed produces: a calendar, a few exceptions, possibly an after-midnight shift.
std::vector<int32_t> random_calendar(Random& rng) {
    const int32_t first = day("2023-06-01") + rng.between(0, 400);
    const int32_t length = rng.chance(25) ? rng.between(1, 7) : rng.between(8, 500);
    auto mask = static_cast<uint8_t>(rng.between(0, 127));
    if (rng.chance(60)) mask = rng.chance(70) ? kWeekdays : (rng.chance(50) ? kWeekend : kSat);
    std::vector<int32_t> added = random_dates(rng, first - 10, length + 20, rng.between(0, 6));
    std::vector<int32_t> removed = random_dates(rng, first - 3, length + 6, rng.between(0, 12));
    std::sort(removed.begin(), removed.end());
    added.erase(std::remove_if(added.begin(), added.end(),
                               [&](int32_t d) {
                                   return std::binary_search(removed.begin(), removed.end(), d);
                               }),
                added.end());
    const std::vector<int32_t> dates =
        railway::service_dates(mask, std::make_pair(first, first + length - 1), added, removed);
    return rng.chance(20) ? railway::shift_dates(dates, rng.between(1, 2)) : dates;
}

std::vector<int32_t> random_sparse(Random& rng) {
    std::vector<int32_t> dates =
        random_dates(rng, day("2024-01-01"), rng.between(1, 200), rng.between(0, 30));
    std::sort(dates.begin(), dates.end());
    dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
    return dates;
}

// Each day of a short window with a random density: the least calendar-like sets.
std::vector<int32_t> random_dense(Random& rng) {
    const int32_t first = day("2024-01-01") + rng.between(-3, 3);
    const int density = rng.between(10, 95);
    std::vector<int32_t> dates;
    for (int32_t d = first, end = first + rng.between(1, 60); d < end; ++d)
        if (rng.chance(density)) dates.push_back(d);
    return dates;
}

// The fewest patterns that partition a small set (at most 16 dates), by exhaustive search.
size_t optimal_count(const std::vector<int32_t>& dates) {
    const size_t n = dates.size();
    std::vector<uint32_t> candidates;  // index sets of the valid patterns
    for (size_t i = 0; i < n; ++i)
        for (size_t j = i; j < n; ++j) {
            // Per weekday, the dates of [dates[i], dates[j]] in the set; weekdays with a day
            // missing from the set cannot be in a pattern over this range.
            std::array<uint32_t, 7> members{};
            uint8_t usable = 0x7F;
            for (int32_t d = dates[i]; d <= dates[j]; ++d) {
                const auto at = std::lower_bound(dates.begin(), dates.end(), d);
                if (at != dates.end() && *at == d)
                    members[iso_weekday(d) - 1] |= 1u << (at - dates.begin());
                else
                    usable &= static_cast<uint8_t>(~bit_of(d));
            }
            const uint8_t ends = bit_of(dates[i]) | bit_of(dates[j]);
            if ((usable & ends) != ends) continue;
            for (unsigned days = usable; days != 0; days = (days - 1) & usable) {
                if ((days & ends) != ends) continue;
                uint32_t set = 0;
                for (int w = 0; w < 7; ++w)
                    if (days & (1u << w)) set |= members[w];
                candidates.push_back(set);
            }
        }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    const uint32_t all = (1u << n) - 1;
    constexpr size_t kUnknown = ~size_t{0};
    std::vector<size_t> memo(size_t{1} << n, kUnknown);  // covered set -> fewest for the rest
    auto solve = [&](auto&& self, uint32_t covered) -> size_t {
        if (covered == all) return 0;
        if (memo[covered] != kUnknown) return memo[covered];
        uint32_t lowest = 1;
        while (covered & lowest) lowest <<= 1;
        size_t best = n;
        for (uint32_t members : candidates)
            if ((members & lowest) && !(members & covered))
                best = std::min(best, 1 + self(self, covered | members));
        return memo[covered] = best;
    };
    return solve(solve, 0);
}

TEST(DatePatternRandom, ExactPartitions) {
    struct Generator {
        const char* name;
        std::vector<int32_t> (*make)(Random&);
        int sets;
    };
    const Generator generators[] = {{"calendar", random_calendar, 3000},
                                    {"sparse", random_sparse, 3000},
                                    {"dense", random_dense, 3000}};
    uint32_t seed = 1;
    for (const Generator& g : generators) {
        Random rng(seed++);
        size_t patterns = 0, dates = 0;
        for (int k = 0; k < g.sets; ++k) {
            const std::vector<int32_t> set = g.make(rng);
            const std::vector<DatePattern> split = railway::split_into_patterns(set);
            ASSERT_TRUE(IsExactPartition(set, split)) << g.name << " set " << k;
            ASSERT_EQ(split, railway::split_into_patterns(set)) << "not deterministic";
            ASSERT_LE(split.size(), set.size());
            patterns += split.size();
            dates += set.size();
        }
        std::cout << "[ patterns ] " << g.name << ": " << g.sets << " sets, " << dates << " dates, "
                  << patterns << " patterns\n";
    }
}

// A holiday-riddled calendar never needs more than one pattern per exception plus one.
TEST(DatePatternRandom, CalendarWithExceptionsBound) {
    Random rng(7);
    for (int k = 0; k < 2000; ++k) {
        const auto mask = static_cast<uint8_t>(rng.between(1, 127));
        const int32_t first = day("2024-01-01") + rng.between(0, 6);
        const int32_t last = first + rng.between(0, 400);
        std::vector<int32_t> removed =
            random_dates(rng, first, last - first + 1, rng.between(0, 10));
        std::sort(removed.begin(), removed.end());
        std::vector<int32_t> added;
        for (int32_t d : random_dates(rng, first - 5, last - first + 11, rng.between(0, 5)))
            if (!std::binary_search(removed.begin(), removed.end(), d)) added.push_back(d);
        const std::vector<int32_t> set =
            railway::service_dates(mask, std::make_pair(first, last), added, removed);
        const std::vector<DatePattern> split = split_checked(set);
        EXPECT_LE(split.size(), removed.size() + added.size() + 1)
            << "mask " << int{mask} << " set " << k;
    }
}

// Against the exhaustive optimum on small sets.
TEST(DatePatternRandom, NearOptimalOnSmallSets) {
    Random rng(11);
    size_t optimal = 0, one_more = 0, total_extra = 0;
    constexpr int kSets = 1500;
    for (int k = 0; k < kSets; ++k) {
        std::vector<int32_t> set;
        const int32_t first = day("2024-01-01") + rng.between(0, 6);
        const int density = rng.between(20, 90);
        for (int32_t d = first, end = first + rng.between(1, 35); d < end && set.size() < 14; ++d)
            if (rng.chance(density)) set.push_back(d);
        const size_t found = split_checked(set).size();
        const size_t best = optimal_count(set);
        ASSERT_GE(found, best);
        EXPECT_LE(found, best + 2) << "set " << k;
        optimal += found == best;
        one_more += found == best + 1;
        total_extra += found - best;
    }
    std::cout << "[ patterns ] small sets: " << optimal << "/" << kSets << " optimal, " << one_more
              << " one above, " << total_extra << " patterns above optimum in total\n";
    EXPECT_GE(optimal * 100, kSets * 80u);
}

}  // namespace

namespace {

// A plain calendar row is one pattern computed without listing its dates: the same pattern the
// day-by-day path (service_dates, shift_dates, split_into_patterns) gives, shifted or not.
TEST(DatePatternCalendar, PlainCalendarMatchesTheDayByDayPath) {
    std::mt19937_64 random(8080);
    for (int round = 0; round < 20000; ++round) {
        const auto days = static_cast<uint8_t>(random() % 128);
        const auto first = static_cast<int32_t>(8000 + random() % 400);
        const int64_t lengths[] = {1, 3, 7, 12, 40, 400};
        const auto last = static_cast<int32_t>(first + static_cast<int64_t>(random() % static_cast<uint64_t>(lengths[random() % 6])));
        const auto shift = static_cast<int32_t>(random() % 10);
        const std::vector<int32_t> dates =
            railway::shift_dates(railway::service_dates(days, std::make_pair(first, last), {}, {}), shift);
        const std::vector<DatePattern> expected = railway::split_into_patterns(dates);
        std::vector<DatePattern> got;
        if (const std::optional<DatePattern> plain = railway::calendar_pattern(days, first, last))
            got.push_back(railway::shift_pattern(*plain, shift));
        ASSERT_EQ(got, expected) << "round " << round << " days " << int(days) << " " << first << ".." << last
                                 << " shift " << shift;
    }
}

// Year 1 to 9999, every day: one pattern, at once.
TEST(DatePatternCalendar, TenThousandYears) {
    const int32_t first = railway::parse_gtfs_date("00010101");
    const int32_t last = railway::parse_gtfs_date("99991231");
    const std::optional<DatePattern> plain = railway::calendar_pattern(0x7F, first, last);
    ASSERT_TRUE(plain.has_value());
    EXPECT_EQ(*plain, (DatePattern{0x7F, first, last}));
    EXPECT_FALSE(railway::calendar_pattern(0, first, last).has_value());
    EXPECT_FALSE(railway::calendar_pattern(0x01, 0, 1).has_value());  // a Saturday and a Sunday
}

}  // namespace
