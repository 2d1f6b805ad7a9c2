#include "core/calendar.hpp"

#include <gtest/gtest.h>

namespace railway {
namespace {

constexpr int64_t kHour = kUsecPerHour;

TEST(Calendar, FloorDivisionRoundsDown) {
    EXPECT_EQ(floor_div(7, 7), 1);
    EXPECT_EQ(floor_div(6, 7), 0);
    EXPECT_EQ(floor_div(-1, 7), -1);
    EXPECT_EQ(floor_div(-7, 7), -1);
    EXPECT_EQ(floor_div(-8, 7), -2);
    EXPECT_EQ(floor_mod(-1, 7), 6);
    EXPECT_EQ(floor_mod(-7, 7), 0);
    EXPECT_EQ(floor_mod(13, 7), 6);
    EXPECT_EQ(floor_div(INT64_MIN, kUsecPerDay), -106'751'992);
    EXPECT_EQ(floor_mod(INT64_MIN, kUsecPerDay), 71'945'224'192);
}

TEST(Calendar, KnownDayNumbers) {
    EXPECT_EQ(day_from_civil(2000, 1, 1), 0);
    EXPECT_EQ(day_from_civil(1999, 12, 31), -1);
    EXPECT_EQ(day_from_civil(2024, 1, 1), 8766);
    EXPECT_EQ(day_from_civil(2000, 3, 1), 60);  // 2000 is a leap year
    EXPECT_EQ(day_from_civil(1970, 1, 1), -10957);
    // The ends of PostgreSQL's timestamp range.
    EXPECT_EQ(day_from_civil(-4713, 11, 24), kMinDay);
    EXPECT_EQ(day_from_civil(294276, 12, 31), kMaxDay);
    EXPECT_EQ(day_from_civil(294277, 1, 1) * kUsecPerDay, kEndTimestamp);
    EXPECT_EQ(int64_t{kMinDay} * kUsecPerDay, kMinTimestamp);

    const CivilDate min = civil_from_day(kMinDay);
    EXPECT_EQ(min.year, -4713);
    EXPECT_EQ(min.month, 11);
    EXPECT_EQ(min.day, 24);
    const CivilDate max = civil_from_day(kMaxDay);
    EXPECT_EQ(max.year, 294276);
    EXPECT_EQ(max.month, 12);
    EXPECT_EQ(max.day, 31);
}

// Walks day by day and checks each date is the successor of the previous one, and that the two
// conversions agree. Slices around the epoch, the calendar reform era and both ends.
TEST(Calendar, ConsecutiveDaysAreConsecutiveDates) {
    const std::pair<int64_t, int64_t> slices[] = {
        {-800'000, 800'000},
        {kMinDay, kMinDay + 200'000},
        {kMaxDay - 200'000, kMaxDay},
        {int64_t{INT32_MIN} + 1, int64_t{INT32_MIN} + 1000},
        {int64_t{INT32_MAX} - 1000, INT32_MAX - 1}};
    for (const auto& [from, to] : slices) {
        CivilDate previous = civil_from_day(from);
        for (int64_t day = from + 1; day <= to; ++day) {
            const CivilDate date = civil_from_day(day);
            ASSERT_EQ(day_from_civil(date.year, date.month, date.day), day);
            if (previous.day < days_in_month(previous.year, previous.month)) {
                ASSERT_EQ(date.year, previous.year);
                ASSERT_EQ(date.month, previous.month);
                ASSERT_EQ(date.day, previous.day + 1);
            } else if (previous.month < 12) {
                ASSERT_EQ(date.year, previous.year);
                ASSERT_EQ(date.month, previous.month + 1);
                ASSERT_EQ(date.day, 1);
            } else {
                ASSERT_EQ(date.year, previous.year + 1);
                ASSERT_EQ(date.month, 1);
                ASSERT_EQ(date.day, 1);
            }
            previous = date;
        }
    }
}

TEST(Calendar, LeapYears) {
    EXPECT_EQ(days_in_month(2024, 2), 29);
    EXPECT_EQ(days_in_month(2023, 2), 28);
    EXPECT_EQ(days_in_month(2000, 2), 29);
    EXPECT_EQ(days_in_month(1900, 2), 28);
    EXPECT_EQ(days_in_month(0, 2), 29);   // 1 BC
    EXPECT_EQ(days_in_month(-4, 2), 29);  // 5 BC
    EXPECT_EQ(days_in_month(-100, 2), 28);
    EXPECT_EQ(days_in_month(2024, 4), 30);
    EXPECT_EQ(days_in_month(2024, 12), 31);
}

TEST(Calendar, IsoWeekdays) {
    EXPECT_EQ(iso_weekday(0), 6);                              // 2000-01-01 Saturday
    EXPECT_EQ(iso_weekday(-1), 5);                             // 1999-12-31 Friday
    EXPECT_EQ(iso_weekday(day_from_civil(2024, 1, 1)), 1);     // Monday
    EXPECT_EQ(iso_weekday(day_from_civil(2024, 3, 31)), 7);    // Sunday
    EXPECT_EQ(iso_weekday(day_from_civil(-4713, 11, 24)), 1);  // Julian day 0 is a Monday
    EXPECT_EQ(weekday_bit(day_from_civil(2024, 1, 1)), 0x01);
    EXPECT_EQ(weekday_bit(day_from_civil(2024, 1, 7)), 0x40);
    for (int64_t day = -30; day < 30; ++day) EXPECT_EQ(iso_weekday(day + 7), iso_weekday(day));
}

TEST(Calendar, SplitTimestampFloors) {
    DayAndTime parts = split_timestamp(-1);
    EXPECT_EQ(parts.day, -1);
    EXPECT_EQ(parts.time_us, kUsecPerDay - 1);
    parts = split_timestamp(-kUsecPerDay);
    EXPECT_EQ(parts.day, -1);
    EXPECT_EQ(parts.time_us, 0);
    parts = split_timestamp(kMinTimestamp);
    EXPECT_EQ(parts.day, kMinDay);
    EXPECT_EQ(parts.time_us, 0);
    parts = split_timestamp(kEndTimestamp - 1);
    EXPECT_EQ(parts.day, kMaxDay);
    EXPECT_EQ(parts.time_us, kUsecPerDay - 1);
    parts = split_timestamp(8766 * kUsecPerDay + 22 * kHour);
    EXPECT_EQ(parts.day, 8766);
    EXPECT_EQ(parts.time_us, 22 * kHour);

    EXPECT_EQ(timestamp_day(kTimestampMinusInfinity), kDayMinusInfinity);
    EXPECT_EQ(timestamp_day(kTimestampInfinity), kDayInfinity);
    EXPECT_EQ(timestamp_day(-kHour), -1);

    EXPECT_TRUE(is_valid_timestamp(kMinTimestamp));
    EXPECT_FALSE(is_valid_timestamp(kMinTimestamp - 1));
    EXPECT_TRUE(is_valid_timestamp(kEndTimestamp - 1));
    EXPECT_FALSE(is_valid_timestamp(kEndTimestamp));
    EXPECT_FALSE(is_valid_timestamp(kTimestampInfinity));
    EXPECT_FALSE(is_valid_timestamp(kTimestampMinusInfinity));
}

TEST(Calendar, FormatDate) {
    EXPECT_EQ(format_date(0), "2000-01-01");
    EXPECT_EQ(format_date(8766), "2024-01-01");
    EXPECT_EQ(format_date(static_cast<int32_t>(day_from_civil(1, 1, 1))), "0001-01-01");
    EXPECT_EQ(format_date(static_cast<int32_t>(day_from_civil(0, 12, 31))), "0001-12-31 BC");
    EXPECT_EQ(format_date(static_cast<int32_t>(day_from_civil(-43, 3, 15))), "0044-03-15 BC");
    EXPECT_EQ(format_date(kMinDay), "4714-11-24 BC");
    EXPECT_EQ(format_date(kMaxDay), "294276-12-31");
    EXPECT_EQ(format_date(static_cast<int32_t>(day_from_civil(12345, 6, 7))), "12345-06-07");
    EXPECT_EQ(format_date(kDayMinusInfinity), "-infinity");
    EXPECT_EQ(format_date(kDayInfinity), "infinity");
}

TEST(Calendar, ParseDateAccepts) {
    EXPECT_EQ(parse_date("2000-01-01"), 0);
    EXPECT_EQ(parse_date("2024-02-29"), day_from_civil(2024, 2, 29));
    EXPECT_EQ(parse_date("0001-12-31 BC"), day_from_civil(0, 12, 31));
    EXPECT_EQ(parse_date("0044-03-15 \t BC"), day_from_civil(-43, 3, 15));
    EXPECT_EQ(parse_date("4714-11-24 BC"), kMinDay);
    EXPECT_EQ(parse_date("294276-12-31"), kMaxDay);
    EXPECT_EQ(parse_date("12345-06-07"), day_from_civil(12345, 6, 7));
}

TEST(Calendar, ParseDateRejects) {
    // clang-format off
    const char* const kNotDates[] = {
        "", "2024-02-30", "2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10", "2024-01-00",
        "2024-01-32", "0000-01-01", "0000-01-01 BC", "24-01-01", "024-01-01", "2024-1-01",
        "2024-01-1", "2024/01/01", "2024-01-01 bc", "2024-01-01BC", "2024-01-01 BCE", "2024-01-01 ",
        " 2024-01-01", "4714-11-23 BC", "4715-01-01 BC", "294277-01-01", "1234567-01-01",
        "+2024-01-01", "-2024-01-01", "2024-01-01 BC BC", "infinity", "-infinity", "2024-01-01x",
        "2024-0a-01"};
    // clang-format on
    for (const char* text : kNotDates) {
        EXPECT_FALSE(parse_date(text).has_value()) << text;
    }
}

TEST(Calendar, DateTextRoundTrips) {
    for (int64_t day = kMinDay; day <= kMaxDay; day += 9973) {
        const std::string text = format_date(static_cast<int32_t>(day));
        ASSERT_EQ(parse_date(text), day) << text;
    }
    for (int32_t day : {kMinDay, kMinDay + 1, kMaxDay - 1, kMaxDay, -730'120, -730'119, -1, 0, 1}) {
        ASSERT_EQ(parse_date(format_date(day)), day) << format_date(day);
    }
}

TEST(Calendar, FormatClock) {
    EXPECT_EQ(format_clock(0), "00:00:00");
    EXPECT_EQ(format_clock(1), "00:00:00.000001");
    EXPECT_EQ(format_clock(500'000), "00:00:00.5");
    EXPECT_EQ(format_clock(123'456), "00:00:00.123456");
    EXPECT_EQ(format_clock(120'000), "00:00:00.12");
    EXPECT_EQ(format_clock(22 * kHour), "22:00:00");
    EXPECT_EQ(format_clock(kUsecPerDay - 1), "23:59:59.999999");
    EXPECT_EQ(format_clock(50 * kHour + 30 * kUsecPerMinute), "50:30:00");
    EXPECT_EQ(format_clock(100 * kHour + 5 * kUsecPerSecond), "100:00:05");
    EXPECT_EQ(format_clock(INT64_MAX), "2562047788:00:54.775807");
}

TEST(Calendar, ParseClock) {
    EXPECT_EQ(parse_clock("08:00"), 8 * kHour);
    EXPECT_EQ(parse_clock("8:00"), 8 * kHour);
    EXPECT_EQ(parse_clock("08:00:00"), 8 * kHour);
    EXPECT_EQ(parse_clock("00:00:00.5"), 500'000);
    EXPECT_EQ(parse_clock("00:00:00.000001"), 1);
    EXPECT_EQ(parse_clock("23:59:59.999999"), kUsecPerDay - 1);
    EXPECT_EQ(parse_clock("50:30"), 50 * kHour + 30 * kUsecPerMinute);
    EXPECT_EQ(parse_clock("0000000050:30"), 50 * kHour + 30 * kUsecPerMinute);
    EXPECT_EQ(parse_clock("2562047788:00:54.775807"), INT64_MAX);
    // clang-format off
    const char* const kNotClocks[] = {
        "", "08", "08:", "08:0", "08:000", "08:60", "08:00:60", "08:00:0", "08:00:", "08:00:00.",
        "08:00:00.1234567", ":00", "-08:00", "+08:00", "08:00.5", "08 :00", "08:00 ", "a8:00",
        "2562047788:00:54.775808", "2562047789:00", "99999999999999999999999:00", "08:00:00.5x"};
    // clang-format on
    for (const char* text : kNotClocks) {
        EXPECT_FALSE(parse_clock(text).has_value()) << text;
    }
}

TEST(Calendar, ClockTextRoundTrips) {
    for (int64_t us :
         {int64_t{0}, int64_t{1}, int64_t{999'999}, kUsecPerDay - 1, 50 * kHour + 7, INT64_MAX}) {
        EXPECT_EQ(parse_clock(format_clock(us)), us) << us;
    }
}

TEST(Calendar, FormatTimestamp) {
    EXPECT_EQ(format_timestamp(8766 * kUsecPerDay + 8 * kHour), "2024-01-01 08:00:00");
    EXPECT_EQ(format_timestamp(-1), "1999-12-31 23:59:59.999999");
    EXPECT_EQ(format_timestamp(day_from_civil(-43, 3, 15) * kUsecPerDay + 12 * kHour),
              "0044-03-15 12:00:00 BC");
    EXPECT_EQ(format_timestamp(kMinTimestamp), "4714-11-24 00:00:00 BC");
    EXPECT_EQ(format_timestamp(kEndTimestamp - 1), "294276-12-31 23:59:59.999999");
    EXPECT_EQ(format_timestamp(kTimestampMinusInfinity), "-infinity");
    EXPECT_EQ(format_timestamp(kTimestampInfinity), "infinity");
}

}  // namespace
}  // namespace railway
