#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/service_pattern.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <tuple>

namespace railway {
namespace {

__extension__ typedef __int128 int128;

constexpr int64_t kMinute = kUsecPerMinute;
constexpr int64_t kHour = kUsecPerHour;
constexpr int64_t kDay = kUsecPerDay;

int32_t date(int64_t year, int month, int day) {
    return static_cast<int32_t>(day_from_civil(year, month, day));
}
int64_t at(int64_t year, int month, int day, int64_t hour = 0, int64_t minute = 0) {
    return day_from_civil(year, month, day) * kDay + hour * kHour + minute * kMinute;
}

// "12345--" -> mask, written out here so the tests do not depend on the code under test.
uint8_t mask(const char* days) {
    uint8_t result = 0;
    for (int i = 0; i < 7; ++i) {
        if (days[i] != '-') result |= static_cast<uint8_t>(1u << i);
    }
    return result;
}

ServicePattern pattern(int64_t departure, int64_t duration, const char* days, int32_t first,
                       int32_t last) {
    ServicePattern p{};
    p.departure_us = departure;
    p.duration_us = duration;
    p.days = mask(days);
    p.first_day = first;
    p.last_day = last;
    return p;
}

// 2024-01-01 is a Monday; these are the days of that week.
const int32_t kMon = date(2024, 1, 1);
const int32_t kFri = date(2024, 1, 5);
const int32_t kSat = date(2024, 1, 6);

template <class Body>
void expect_error(Body body, const char* sqlstate, const char* message = nullptr) {
    try {
        body();
        ADD_FAILURE() << "no error, expected SQLSTATE " << sqlstate;
    } catch (const Error& error) {
        EXPECT_STREQ(error.sqlstate(), sqlstate) << error.what();
        if (message) {
            EXPECT_STREQ(error.what(), message);
        }
        EXPECT_FALSE(error.detail().empty()) << error.what();
    }
}

// ---------------------------------------------------------------------------------------------
// The reference: every occurrence of a against every occurrence of b, day by day, written
// without the code under test (own weekday arithmetic, own overlap test).

// Monday = 0 ... Sunday = 6; day 0 is a Saturday.
int brute_weekday_index(int64_t day) { return static_cast<int>(((day % 7) + 7 + 5) % 7); }

struct BruteConflict {
    int128 start, end;
    int64_t day_a, day_b;
    bool operator<(const BruteConflict& o) const {
        return std::tie(start, end, day_a, day_b) < std::tie(o.start, o.end, o.day_a, o.day_b);
    }
};

// Departure days of a in [a_from, a_to], of b within `band` days of a's (or any, with a huge band).
std::optional<BruteConflict> brute_first_conflict(const ServicePattern& a, const ServicePattern& b,
                                                  int64_t a_from, int64_t a_to, int64_t band) {
    const int64_t a_first = std::max<int64_t>({a.first_day, kMinDay, a_from});
    const int64_t a_last = std::min<int64_t>({a.last_day, kMaxDay, a_to});
    const int64_t b_first = std::max<int64_t>(b.first_day, kMinDay);
    const int64_t b_last = std::min<int64_t>(b.last_day, kMaxDay);
    std::optional<BruteConflict> best;
    for (int64_t day_a = a_first; day_a <= a_last; ++day_a) {
        if (!(a.days >> brute_weekday_index(day_a) & 1)) continue;
        const int128 start_a = int128{day_a} * kDay + a.departure_us,
                     end_a = start_a + a.duration_us;
        for (int64_t day_b = std::max(b_first, day_a - band);
             day_b <= std::min(b_last, day_a + band); ++day_b) {
            if (!(b.days >> brute_weekday_index(day_b) & 1)) continue;
            const int128 start_b = int128{day_b} * kDay + b.departure_us,
                         end_b = start_b + b.duration_us;
            if (start_a < end_b && start_b < end_a) {
                const BruteConflict found{std::max(start_a, start_b), std::min(end_a, end_b), day_a,
                                          day_b};
                if (!best || found < *best) best = found;
            }
        }
    }
    return best;
}

// Exact for any ranges when both durations are at most max_duration_days days: overlapping
// occurrences depart at most band = max_duration_days + 1 days apart, and the earliest pair
// (Da, Db) has Da - 7 < a's first day or Db - 7 < b's first day (else the pair a week earlier
// would conflict too), so Da lies within 7 + 2 * band days of the lowest possible Da.
std::optional<BruteConflict> brute_any_range(const ServicePattern& a, const ServicePattern& b,
                                             int64_t max_duration_days) {
    const int64_t band = max_duration_days + 1;
    const int64_t low = std::max<int64_t>(std::max<int64_t>(a.first_day, kMinDay),
                                          std::max<int64_t>(b.first_day, kMinDay) - band);
    return brute_first_conflict(a, b, low, low + 7 + 2 * band, band);
}

void expect_matches(const ServicePattern& a, const ServicePattern& b,
                    const std::optional<BruteConflict>& expected) {
    SCOPED_TRACE(format_pattern(a) + "  vs  " + format_pattern(b));
    ASSERT_EQ(conflicts(a, b), expected.has_value());
    ASSERT_EQ(conflicts(b, a), expected.has_value());
    const std::optional<ConflictDays> days = first_conflicting_days(a, b);
    ASSERT_EQ(days.has_value(), expected.has_value());
    if (!expected) return;
    EXPECT_EQ(days->day_a, expected->day_a);
    EXPECT_EQ(days->day_b, expected->day_b);
    if (expected->end < kEndTimestamp) {
        const std::optional<Window> window = first_conflict(a, b);
        ASSERT_TRUE(window.has_value());
        EXPECT_EQ(window->start_us, static_cast<int64_t>(expected->start));
        EXPECT_EQ(window->end_us, static_cast<int64_t>(expected->end));
        EXPECT_EQ(first_conflict(b, a), window);
    } else {
        expect_error([&] { first_conflict(a, b); }, sqlstate::datetime_field_overflow);
    }
}

void expect_matches_brute_force(const ServicePattern& a, const ServicePattern& b) {
    expect_matches(a, b, brute_first_conflict(a, b, INT64_MIN, INT64_MAX, INT64_MAX / 2));
}

Window window_at(int64_t start, int64_t end) { return Window{start, end}; }

// ---------------------------------------------------------------------------------------------
// Construction and validation

TEST(ServicePattern, MakePatternTakesTimeOfDayDurationAndDates) {
    const ServicePattern p = make_pattern(at(2024, 1, 5, 22), at(2024, 1, 6, 6), mask("----5--"),
                                          at(2024, 1, 1, 13), at(2024, 12, 31, 9));
    EXPECT_EQ(p.departure_us, 22 * kHour);
    EXPECT_EQ(p.duration_us, 8 * kHour);
    EXPECT_EQ(p.first_day, kMon);
    EXPECT_EQ(p.last_day, date(2024, 12, 31));
    EXPECT_EQ(p.days, mask("----5--"));
    for (uint8_t byte : p.pad) EXPECT_EQ(byte, 0);
    EXPECT_NO_THROW(validate(p));
}

TEST(ServicePattern, MakePatternBeforeTheEpochFloors) {
    const ServicePattern p = make_pattern(at(1999, 12, 31, 22), at(2000, 1, 1, 1), 0x7F,
                                          at(1999, 12, 31, 23), std::nullopt);
    EXPECT_EQ(p.departure_us, 22 * kHour);
    EXPECT_EQ(p.duration_us, 3 * kHour);
    EXPECT_EQ(p.first_day, -1);
    EXPECT_EQ(p.last_day, kDayInfinity);
}

TEST(ServicePattern, MakePatternInfiniteDateRange) {
    ServicePattern p = make_pattern(at(2024, 1, 1, 8), at(2024, 1, 1, 9), 0x7F,
                                    kTimestampMinusInfinity, kTimestampInfinity);
    EXPECT_EQ(p.first_day, kDayMinusInfinity);
    EXPECT_EQ(p.last_day, kDayInfinity);
    EXPECT_NO_THROW(validate(p));
    p = make_pattern(at(2024, 1, 1, 8), at(2024, 1, 1, 9), 0x7F, kTimestampMinusInfinity,
                     at(2024, 1, 1));
    EXPECT_EQ(p.last_day, kMon);
}

TEST(ServicePattern, MakePatternOneDayServiceIsAllowed) {
    // Same date, end timestamp even earlier in the day: the rule compares dates.
    const ServicePattern p = make_pattern(at(2024, 1, 1, 8), at(2024, 1, 1, 9), 0x7F,
                                          at(2024, 1, 1, 12), at(2024, 1, 1, 6));
    EXPECT_EQ(p.first_day, p.last_day);
    EXPECT_TRUE(runs_on(p, kMon));
    EXPECT_FALSE(runs_on(p, kMon + 1));
}

TEST(ServicePattern, MakePatternErrors) {
    const int64_t dep = at(2024, 1, 1, 8), arr = at(2024, 1, 1, 9), start = at(2024, 1, 1);
    expect_error([&] { make_pattern(kTimestampInfinity, arr, 0x7F, start, std::nullopt); },
                 sqlstate::datetime_field_overflow);
    expect_error([&] { make_pattern(kTimestampMinusInfinity, arr, 0x7F, start, std::nullopt); },
                 sqlstate::datetime_field_overflow);
    expect_error([&] { make_pattern(dep, kTimestampInfinity, 0x7F, start, std::nullopt); },
                 sqlstate::datetime_field_overflow);
    expect_error([&] { make_pattern(kEndTimestamp, kEndTimestamp + 1, 0x7F, start, std::nullopt); },
                 sqlstate::datetime_field_overflow);
    expect_error([&] { make_pattern(dep, dep, 0x7F, start, std::nullopt); },
                 sqlstate::check_violation, "Arrival must be after departure");
    expect_error([&] { make_pattern(arr, dep, 0x7F, start, std::nullopt); },
                 sqlstate::check_violation, "Arrival must be after departure");
    expect_error([&] { make_pattern(kMinTimestamp, kEndTimestamp - 1, 0x7F, start, std::nullopt); },
                 sqlstate::datetime_field_overflow);
    expect_error([&] { make_pattern(dep, arr, 0, start, std::nullopt); },
                 sqlstate::check_violation,
                 "running_days must have at least one running day");
    expect_error([&] { make_pattern(dep, arr, 0x81, start, std::nullopt); },
                 sqlstate::invalid_parameter_value);
    expect_error([&] { make_pattern(dep, arr, 0x80, start, std::nullopt); },
                 sqlstate::check_violation);
    expect_error([&] { make_pattern(dep, arr, 0x7F, kTimestampInfinity, std::nullopt); },
                 sqlstate::check_violation);
    expect_error([&] { make_pattern(dep, arr, 0x7F, start, kTimestampMinusInfinity); },
                 sqlstate::check_violation);
    expect_error([&] { make_pattern(dep, arr, 0x7F, start, at(2023, 12, 31, 23, 59)); },
                 sqlstate::check_violation, "End date must be after start date");
    expect_error([&] { make_pattern(dep, arr, 0x7F, kEndTimestamp, std::nullopt); },
                 sqlstate::datetime_field_overflow);
    expect_error([&] { make_pattern(dep, arr, 0x7F, start, kMinTimestamp - 1); },
                 sqlstate::datetime_field_overflow);
    try {
        make_pattern(arr, dep, 0x7F, start, std::nullopt);
    } catch (const Error& error) {
        EXPECT_EQ(error.detail(),
                  "scheduled_arrival 2024-01-01 08:00:00 is not after scheduled_departure "
                  "2024-01-01 09:00:00.");
        EXPECT_FALSE(error.hint().empty());
    }
}

TEST(ServicePattern, MakePatternLongestJourney) {
    const ServicePattern p = make_pattern(kMinTimestamp, kMinTimestamp + INT64_MAX, 0x7F,
                                          kTimestampMinusInfinity, std::nullopt);
    EXPECT_EQ(p.duration_us, INT64_MAX);
    EXPECT_EQ(p.departure_us, 0);
}

TEST(ServicePattern, ValidateRejectsEachBadField) {
    const ServicePattern good = pattern(8 * kHour, kHour, "1234567", kMon, kDayInfinity);
    EXPECT_NO_THROW(validate(good));
    EXPECT_NO_THROW(validate(pattern(0, 1, "------7", kDayMinusInfinity, kDayInfinity)));
    EXPECT_NO_THROW(validate(pattern(kDay - 1, INT64_MAX, "1------", kMinDay, kMaxDay)));
    EXPECT_NO_THROW(validate(pattern(kDay - 1, INT64_MAX, "1------", kMaxDay, kMaxDay)));

    const auto bad = [&](auto change) {
        ServicePattern p = good;
        change(p);
        expect_error([&] { validate(p); }, sqlstate::invalid_binary_representation);
    };
    bad([](ServicePattern& p) { p.departure_us = -1; });
    bad([](ServicePattern& p) { p.departure_us = kDay; });
    bad([](ServicePattern& p) { p.duration_us = 0; });
    bad([](ServicePattern& p) { p.duration_us = INT64_MIN; });
    bad([](ServicePattern& p) { p.first_day = kMinDay - 1; });
    bad([](ServicePattern& p) { p.first_day = kDayInfinity; });
    bad([](ServicePattern& p) { p.last_day = kMaxDay + 1; });
    bad([](ServicePattern& p) { p.last_day = kDayMinusInfinity; });
    bad([](ServicePattern& p) { p.last_day = p.first_day - 1; });
    bad([](ServicePattern& p) { p.days = 0; });
    bad([](ServicePattern& p) { p.days = 0xFF; });
    for (int i = 0; i < 6; ++i) bad([i](ServicePattern& p) { p.pad[i] = 1; });
    bad([](ServicePattern& p) { p.kind = static_cast<TrainKind>(2); });
}

TEST(ServicePattern, EqualityIsByteEquality) {
    const ServicePattern a = pattern(8 * kHour, kHour, "12345--", kMon, kDayInfinity);
    ServicePattern b;
    std::memcpy(&b, &a, sizeof a);
    EXPECT_EQ(a, b);
    b.days = mask("1234567");
    EXPECT_NE(a, b);
}

// ---------------------------------------------------------------------------------------------
// Departure dates

TEST(ServicePattern, RunsOnChecksWeekdayAndRange) {
    const ServicePattern p = pattern(8 * kHour, kHour, "1-3-5--", kMon, kMon + 13);
    EXPECT_TRUE(runs_on(p, kMon));
    EXPECT_FALSE(runs_on(p, kMon + 1));
    EXPECT_TRUE(runs_on(p, kMon + 2));
    EXPECT_TRUE(runs_on(p, kFri));
    EXPECT_FALSE(runs_on(p, kSat));
    EXPECT_TRUE(runs_on(p, kMon + 11));   // the second Friday
    EXPECT_FALSE(runs_on(p, kMon + 14));  // past the last day
    EXPECT_FALSE(runs_on(p, kMon - 7));   // before the first
    EXPECT_FALSE(runs_on(p, kDayMinusInfinity));
    EXPECT_FALSE(runs_on(p, kDayInfinity));
}

TEST(ServicePattern, RunsOnOpenRangesStopAtTheTimestampRange) {
    const ServicePattern p = pattern(0, kHour, "1234567", kDayMinusInfinity, kDayInfinity);
    EXPECT_TRUE(runs_on(p, kMinDay));
    EXPECT_TRUE(runs_on(p, kMaxDay));
    EXPECT_FALSE(runs_on(p, kMinDay - 1));
    EXPECT_FALSE(runs_on(p, kMaxDay + 1));
    EXPECT_FALSE(runs_on(p, kDayMinusInfinity));
    EXPECT_FALSE(runs_on(p, kDayInfinity));
}

TEST(ServicePattern, NextDeparture) {
    // Mondays and Wednesdays, from a Wednesday to the Monday two weeks later.
    const ServicePattern p = pattern(8 * kHour, kHour, "1-3----", kMon + 2, kMon + 14);
    EXPECT_EQ(next_departure(p, kDayMinusInfinity), kMon + 2);
    EXPECT_EQ(next_departure(p, kMon - 100), kMon + 2);
    EXPECT_EQ(next_departure(p, kMon + 2), kMon + 2);
    EXPECT_EQ(next_departure(p, kMon + 3), kMon + 7);
    EXPECT_EQ(next_departure(p, kMon + 10), kMon + 14);
    EXPECT_EQ(next_departure(p, kMon + 15), std::nullopt);
    EXPECT_EQ(next_departure(p, kDayInfinity), std::nullopt);

    // Sundays only, in a range without a Sunday.
    const ServicePattern sunday_only = pattern(0, kHour, "------7", kMon, kMon + 5);
    EXPECT_EQ(next_departure(sunday_only, kDayMinusInfinity), std::nullopt);

    const ServicePattern forever = pattern(0, kHour, "1234567", kDayMinusInfinity, kDayInfinity);
    EXPECT_EQ(next_departure(forever, kDayMinusInfinity), kMinDay);
    EXPECT_EQ(next_departure(forever, kMaxDay), kMaxDay);
    EXPECT_EQ(next_departure(forever, kMaxDay + 1), std::nullopt);

    // The first departure of a weekly service near the top of the range.
    const ServicePattern monday = pattern(0, kHour, "1------", kDayMinusInfinity, kDayInfinity);
    const int32_t last_monday = kMaxDay - (iso_weekday(kMaxDay) - 1);
    EXPECT_EQ(next_departure(monday, last_monday), last_monday);
    EXPECT_EQ(next_departure(monday, last_monday + 1), std::nullopt);
}

TEST(ServicePattern, Occurrence) {
    const ServicePattern p = pattern(22 * kHour, 8 * kHour, "----5--", kMon, kDayInfinity);
    EXPECT_EQ(occurrence(p, kFri), window_at(at(2024, 1, 5, 22), at(2024, 1, 6, 6)));

    const ServicePattern late =
        pattern(23 * kHour, kHour, "1234567", kDayMinusInfinity, kDayInfinity);
    EXPECT_EQ(occurrence(late, kMinDay).start_us, kMinTimestamp + 23 * kHour);
    EXPECT_EQ(occurrence(late, kMaxDay - 1).end_us, kEndTimestamp - kDay);
    // Ends at 294277-01-01 00:00, which is not a timestamp any more.
    expect_error([&] { occurrence(late, kMaxDay); }, sqlstate::datetime_field_overflow);
    const ServicePattern shorter =
        pattern(23 * kHour, kHour - 1, "1234567", kDayMinusInfinity, kDayInfinity);
    EXPECT_EQ(occurrence(shorter, kMaxDay).end_us, kEndTimestamp - 1);
    expect_error([&] { occurrence(late, kMinDay - 1); }, sqlstate::datetime_field_overflow);
    expect_error([&] { occurrence(late, kDayInfinity); }, sqlstate::datetime_field_overflow);
}

// ---------------------------------------------------------------------------------------------
// Conflicts: the cases of DESIGN.md section 2

TEST(ServicePattern, OvernightFridayHitsSaturdayMorning) {
    const ServicePattern friday_night = make_pattern(at(2024, 1, 5, 22), at(2024, 1, 6, 6),
                                                     mask("----5--"), at(2024, 1, 1), std::nullopt);
    const ServicePattern saturday_early = make_pattern(
        at(2024, 1, 6, 5), at(2024, 1, 6, 7), mask("-----6-"), at(2024, 1, 1), std::nullopt);
    EXPECT_TRUE(conflicts(friday_night, saturday_early));
    EXPECT_EQ(first_conflict(friday_night, saturday_early),
              window_at(at(2024, 1, 6, 5), at(2024, 1, 6, 6)));
    EXPECT_EQ(first_conflict(saturday_early, friday_night),
              window_at(at(2024, 1, 6, 5), at(2024, 1, 6, 6)));
    const std::optional<ConflictDays> days = first_conflicting_days(friday_night, saturday_early);
    ASSERT_TRUE(days);
    EXPECT_EQ(days->day_a, kFri);
    EXPECT_EQ(days->day_b, kSat);

    // The guide's absolute OVERLAPS would also miss this: a Sunday-only 05:00 run does not collide.
    const ServicePattern sunday_early =
        pattern(5 * kHour, 2 * kHour, "------7", kMon, kDayInfinity);
    EXPECT_FALSE(conflicts(friday_night, sunday_early));
}

TEST(ServicePattern, WeekdaysAndWeekendsAtTheSameHoursDoNotConflict) {
    const ServicePattern weekdays = pattern(8 * kHour, 2 * kHour, "12345--", kMon, kDayInfinity);
    const ServicePattern weekends = pattern(8 * kHour, 2 * kHour, "-----67", kMon, kDayInfinity);
    EXPECT_FALSE(conflicts(weekdays, weekends));
    EXPECT_EQ(first_conflict(weekdays, weekends), std::nullopt);
}

TEST(ServicePattern, SameWeeklyPatternWithDifferentBaseDatesConflicts) {
    // The absolute timestamps are a year apart, the recurring services are not.
    const ServicePattern a =
        make_pattern(at(2023, 3, 1, 9), at(2023, 3, 1, 10), 0x7F, at(2023, 3, 1), std::nullopt);
    const ServicePattern b = make_pattern(at(2024, 3, 1, 9, 30), at(2024, 3, 1, 10, 30), 0x7F,
                                          at(2024, 3, 1), std::nullopt);
    EXPECT_TRUE(conflicts(a, b));
    EXPECT_EQ(first_conflict(a, b), window_at(at(2024, 3, 1, 9, 30), at(2024, 3, 1, 10)));
}

TEST(ServicePattern, BackToBackIsNotAConflict) {
    const ServicePattern morning = pattern(8 * kHour, 2 * kHour, "1234567", kMon, kDayInfinity);
    const ServicePattern late_morning =
        pattern(10 * kHour, 2 * kHour, "1234567", kMon, kDayInfinity);
    EXPECT_FALSE(conflicts(morning, late_morning));
    EXPECT_FALSE(conflicts(late_morning, morning));
    // One microsecond more is.
    const ServicePattern longer = pattern(8 * kHour, 2 * kHour + 1, "1234567", kMon, kDayInfinity);
    EXPECT_TRUE(conflicts(longer, late_morning));
    EXPECT_EQ(first_conflict(longer, late_morning),
              window_at(at(2024, 1, 1, 10), at(2024, 1, 1, 10) + 1));
    // Back-to-back across midnight and across the week: Sunday 20:00 + 28 h ends Monday 24:00.
    const ServicePattern sunday_long =
        pattern(20 * kHour, 28 * kHour, "------7", kMon, kDayInfinity);
    const ServicePattern tuesday_midnight = pattern(0, kHour, "-2-----", kMon, kDayInfinity);
    EXPECT_FALSE(conflicts(sunday_long, tuesday_midnight));
    const ServicePattern monday_late = pattern(23 * kHour, kHour, "1------", kMon, kDayInfinity);
    EXPECT_EQ(first_conflict(sunday_long, monday_late),
              window_at(at(2024, 1, 8, 23), at(2024, 1, 9)));
}

TEST(ServicePattern, MultiDayJourneys) {
    // Monday 10:00 for 50 hours, until Wednesday 12:00.
    const ServicePattern long_haul = pattern(10 * kHour, 50 * kHour, "1------", kMon, kDayInfinity);
    const ServicePattern wednesday =
        pattern(8 * kHour, 2 * kHour + 30 * kMinute, "--3----", kMon, kDayInfinity);
    EXPECT_EQ(first_conflict(long_haul, wednesday),
              window_at(at(2024, 1, 3, 8), at(2024, 1, 3, 10, 30)));
    const ServicePattern thursday = pattern(8 * kHour, 2 * kHour, "---4---", kMon, kDayInfinity);
    EXPECT_FALSE(conflicts(long_haul, thursday));
    // A weekly service longer than a week overlaps itself-like services every day of the week.
    const ServicePattern cruise = pattern(12 * kHour, 8 * kDay, "1------", kMon, kDayInfinity);
    const ServicePattern sunday = pattern(12 * kHour, kHour, "------7", kMon + 7, kMon + 7 + 6);
    EXPECT_EQ(first_conflict(cruise, sunday), window_at(at(2024, 1, 14, 12), at(2024, 1, 14, 13)));
    // The pair test does not know rows: a pattern that runs conflicts with itself, first on its
    // first occurrence.
    EXPECT_EQ(first_conflict(cruise, cruise), window_at(at(2024, 1, 1, 12), at(2024, 1, 9, 12)));
}

TEST(ServicePattern, RangesShorterThanAWeek) {
    // Runs only on Mondays, but its range is Tuesday..Sunday: it never runs at all.
    const ServicePattern never = pattern(8 * kHour, kHour, "1------", kMon + 1, kMon + 6);
    const ServicePattern daily =
        pattern(8 * kHour, kHour, "1234567", kDayMinusInfinity, kDayInfinity);
    EXPECT_FALSE(conflicts(never, daily));
    EXPECT_EQ(next_departure(never, kDayMinusInfinity), std::nullopt);
    // A three-day range Fri..Sun against a Monday-only service: no common date.
    const ServicePattern weekend_only = pattern(8 * kHour, kHour, "1234567", kFri, kFri + 2);
    const ServicePattern mondays =
        pattern(8 * kHour, kHour, "1------", kDayMinusInfinity, kDayInfinity);
    EXPECT_FALSE(conflicts(weekend_only, mondays));
    // ... but a Sunday night run into Monday morning does reach it.
    const ServicePattern sunday_night = pattern(23 * kHour, 10 * kHour, "1234567", kFri, kFri + 2);
    EXPECT_EQ(first_conflict(sunday_night, mondays),
              window_at(at(2024, 1, 8, 8), at(2024, 1, 8, 9)));
}

TEST(ServicePattern, FirstAndLastDayOfARange) {
    const ServicePattern until_friday = pattern(8 * kHour, kHour, "1234567", kMon, kFri);
    const ServicePattern from_friday = pattern(8 * kHour, kHour, "1234567", kFri, kDayInfinity);
    const ServicePattern from_saturday = pattern(8 * kHour, kHour, "1234567", kSat, kDayInfinity);
    EXPECT_EQ(first_conflict(until_friday, from_friday),
              window_at(at(2024, 1, 5, 8), at(2024, 1, 5, 9)));
    EXPECT_FALSE(conflicts(until_friday, from_saturday));
    // The last Friday departure, running overnight, does reach Saturday's first departure.
    const ServicePattern overnight_until_friday =
        pattern(22 * kHour, 11 * kHour, "1234567", kMon, kFri);
    EXPECT_EQ(first_conflict(overnight_until_friday, from_saturday),
              window_at(at(2024, 1, 6, 8), at(2024, 1, 6, 9)));
}

TEST(ServicePattern, OpenAndInfiniteRanges) {
    const ServicePattern always =
        pattern(8 * kHour, kHour, "1234567", kDayMinusInfinity, kDayInfinity);
    const ServicePattern until_2000 =
        pattern(8 * kHour + 30 * kMinute, kHour, "1234567", kDayMinusInfinity, 0);
    // The earliest conflict is on the first day of the timestamp range.
    EXPECT_EQ(first_conflict(always, until_2000),
              window_at(kMinTimestamp + 8 * kHour + 30 * kMinute, kMinTimestamp + 9 * kHour));
    const ServicePattern since_2024 =
        pattern(8 * kHour + 30 * kMinute, kHour, "1234567", kMon, kDayInfinity);
    EXPECT_FALSE(conflicts(until_2000, since_2024));
    EXPECT_EQ(first_conflict(always, since_2024),
              window_at(at(2024, 1, 1, 8, 30), at(2024, 1, 1, 9)));
}

TEST(ServicePattern, ExtremeDays) {
    const ServicePattern first_day = pattern(0, kHour, "1234567", kMinDay, kMinDay);
    const ServicePattern since_ever =
        pattern(0, 2 * kHour, "1234567", kDayMinusInfinity, kMinDay + 3);
    EXPECT_EQ(first_conflict(first_day, since_ever),
              window_at(kMinTimestamp, kMinTimestamp + kHour));

    // The very last day: the window fits only if it ends before 294277-01-01.
    const ServicePattern last_day = pattern(22 * kHour, kHour, "1234567", kMaxDay, kDayInfinity);
    const ServicePattern last_days =
        pattern(21 * kHour, 2 * kHour, "1234567", kMaxDay - 3, kMaxDay);
    EXPECT_EQ(first_conflict(last_day, last_days),
              window_at(kEndTimestamp - 2 * kHour, kEndTimestamp - kHour));
    const ServicePattern to_the_end = pattern(23 * kHour, kHour, "1234567", kMaxDay, kDayInfinity);
    EXPECT_FALSE(conflicts(to_the_end, last_day));  // back-to-back
    const ServicePattern past_the_end =
        pattern(23 * kHour + 30 * kMinute, 2 * kHour, "1234567", kMaxDay - 1, kDayInfinity);
    EXPECT_TRUE(conflicts(to_the_end, past_the_end));
    expect_error([&] { first_conflict(to_the_end, past_the_end); },
                 sqlstate::datetime_field_overflow);

    // Longest possible durations from both ends of the range.
    const ServicePattern everything =
        pattern(0, INT64_MAX, "1234567", kDayMinusInfinity, kDayInfinity);
    EXPECT_TRUE(conflicts(everything, first_day));
    EXPECT_EQ(first_conflict(everything, first_day),
              window_at(kMinTimestamp, kMinTimestamp + kHour));
    EXPECT_TRUE(conflicts(everything, last_day));
    EXPECT_EQ(first_conflict(everything, everything),
              window_at(kMinTimestamp, kMinTimestamp + INT64_MAX));
    const ServicePattern last_monday =
        pattern(kDay - 1, INT64_MAX, "1------", kMaxDay - 7, kMaxDay);
    EXPECT_TRUE(conflicts(last_monday, last_day));
    EXPECT_FALSE(conflicts(last_monday, first_day));
}

TEST(ServicePattern, ConflictsNeverThrowsOnArbitraryBytes) {
    std::mt19937_64 random(7);
    for (int i = 0; i < 200'000; ++i) {
        ServicePattern a, b;
        uint64_t words[8];
        for (uint64_t& word : words) word = random();
        std::memcpy(&a, words, sizeof a);
        std::memcpy(&b, words + 4, sizeof b);
        if (i % 2) {  // make a few fields plausible so that the arithmetic is reached
            a.departure_us = static_cast<int64_t>(words[0] % kDay);
            b.departure_us = static_cast<int64_t>(words[4] % kDay);
            a.days |= 1;
            b.days |= 1;
        }
        const bool result = conflicts(a, b);
        EXPECT_EQ(first_conflicting_days(a, b).has_value(), result);
    }
}

// ---------------------------------------------------------------------------------------------
// Randomized cross-checks against the day-by-day reference

int64_t random_departure(std::mt19937_64& random) {
    if (random() % 4 == 0) return static_cast<int64_t>(random() % kDay);
    // Quarter hours make back-to-back and exact overlaps likely.
    return static_cast<int64_t>(random() % 96) * 15 * kMinute;
}

int64_t random_duration(std::mt19937_64& random, int64_t max_days) {
    const int64_t cap = max_days * kDay;
    const int64_t quarters = static_cast<int64_t>(random() % (4 * 24 * 8));  // up to 8 days
    int64_t duration = 0;
    switch (random() % 6) {
        case 0: duration = (1 + quarters % 24) * 15 * kMinute; break;   // a short hop
        case 1: duration = (24 + quarters % 96) * 15 * kMinute; break;  // overnight
        case 2: duration = (1 + quarters) * 15 * kMinute; break;        // multi-day
        case 3: duration = (1 + quarters % 8) * kDay; break;            // whole days
        case 4: duration = 1 + static_cast<int64_t>(random() % static_cast<uint64_t>(cap)); break;
        default: duration = (1 + quarters % 3) * kHour; break;
    }
    return std::min(duration, cap);
}

uint8_t random_mask(std::mt19937_64& random) {
    switch (random() % 4) {
        case 0: return static_cast<uint8_t>(1u << (random() % 7));  // one day a week
        case 1: return 0x7F;
        default: return static_cast<uint8_t>(1 + random() % 127);
    }
}

// A short range (at most max_length days) starting near `base`.
ServicePattern random_short_pattern(std::mt19937_64& random, int64_t base, int64_t max_length,
                                    int64_t max_days) {
    ServicePattern p{};
    p.departure_us = random_departure(random);
    p.duration_us = random_duration(random, max_days);
    p.days = random_mask(random);
    const int64_t first = base + static_cast<int64_t>(random() % 21);
    p.first_day = static_cast<int32_t>(first);
    p.last_day = static_cast<int32_t>(
        first + static_cast<int64_t>(random() % static_cast<uint64_t>(max_length)));
    return p;
}

TEST(ServicePattern, RandomShortRangesMatchBruteForce) {
    std::mt19937_64 random(20240101);
    for (int i = 0; i < 300'000; ++i) {
        const int64_t base = (i % 3 == 0) ? 8766 : (i % 3 == 1) ? kMinDay : kMaxDay - 60;
        const ServicePattern a = random_short_pattern(random, base, 1 + i % 40, 10);
        const ServicePattern b = random_short_pattern(random, base, 1 + (i / 7) % 40, 10);
        expect_matches_brute_force(a, b);
        if (HasFatalFailure() || HasNonfatalFailure()) return;
    }
}

TEST(ServicePattern, RandomLongAndInfiniteRangesMatchBruteForce) {
    std::mt19937_64 random(42);
    constexpr int64_t kMaxDurationDays = 10;
    const auto long_range = [&](ServicePattern& p, int64_t base) {
        switch (random() % 4) {
            case 0: p.first_day = kDayMinusInfinity; break;
            case 1:
                p.first_day = static_cast<int32_t>(base + static_cast<int64_t>(random() % 3000));
                break;
            default:
                p.first_day = static_cast<int32_t>(base + static_cast<int64_t>(random() % 30));
                break;
        }
        const int64_t from = std::max<int64_t>(p.first_day, base);
        p.last_day = (random() % 3 == 0)
                         ? kDayInfinity
                         : static_cast<int32_t>(from + static_cast<int64_t>(random() % 4000));
    };
    for (int i = 0; i < 150'000; ++i) {
        const int64_t base = (i % 4 == 3) ? kMinDay : 8766;
        ServicePattern a = random_short_pattern(random, base, 1, kMaxDurationDays);
        ServicePattern b = random_short_pattern(random, base, 1, kMaxDurationDays);
        long_range(a, base);
        long_range(b, base);
        expect_matches(a, b, brute_any_range(a, b, kMaxDurationDays));
        if (HasFatalFailure() || HasNonfatalFailure()) return;
    }
}

// ---------------------------------------------------------------------------------------------
// Text form

TEST(ServicePattern, FormatExample) {
    const ServicePattern p = pattern(22 * kHour, 8 * kHour, "12345--", kMon, date(2024, 12, 31));
    EXPECT_EQ(format_pattern(p), "22:00:00 for 08:00:00 on 12345-- from 2024-01-01 to 2024-12-31");
    EXPECT_EQ(parse_pattern("22:00:00 for 08:00:00 on 12345-- from 2024-01-01 to 2024-12-31"), p);
}

TEST(ServicePattern, CanonicalTextRoundTrips) {
    for (const char* text : {
             "22:00:00 for 08:00:00 on 12345-- from 2024-01-01 to 2024-12-31",
             "00:00:00 for 00:00:00.000001 on ------7 from -infinity to infinity",
             "23:59:59.999999 for 50:30:00 on 1-3-5-7 from 0044-03-15 BC to 0001-01-01",
             "07:15:30.5 for 100:00:00.25 on -2----- from 4714-11-24 BC to 294276-12-31",
             "12:00:00 for 2562047788:00:54.775807 on 1234567 from 2000-02-29 to infinity",
             "06:00:00 for 01:00:00 on 1------ from 0001-12-31 BC to 0001-12-31 BC",
             "06:00:00 for 24:00:00 on -----67 from -infinity to 2024-01-01",
             "06:00:00 for 01:00:00 on 1234567 from 12345-06-07 to 12345-06-07",
         }) {
        const ServicePattern p = parse_pattern(text);
        EXPECT_NO_THROW(validate(p)) << text;
        EXPECT_EQ(format_pattern(p), text);
    }
}

TEST(ServicePattern, ParseToleratesWhitespaceAndMissingSeconds) {
    const ServicePattern expected =
        parse_pattern("22:00:00 for 08:00:00 on 12345-- from 2024-01-01 to 2024-12-31");
    EXPECT_EQ(
        parse_pattern("  22:00 \t for\n08:00   on 12345--  from  2024-01-01\r\n to 2024-12-31  "),
        expected);
    EXPECT_EQ(parse_pattern("22:00 for 8:00 on 12345-- from 2024-01-01 to 2024-12-31"), expected);
    EXPECT_EQ(
        parse_pattern("22:00:00.000000 for 08:00:00.0 on 12345-- from 2024-01-01 to 2024-12-31"),
        expected);
    EXPECT_EQ(
        parse_pattern("00:00 for 1:00 on 1234567 from 0044-03-15   BC to 0044-03-15 BC").first_day,
        day_from_civil(-43, 3, 15));
}

std::string parse_error_message(std::string_view text) {
    try {
        parse_pattern(text);
    } catch (const Error& error) {
        EXPECT_STREQ(error.sqlstate(), sqlstate::invalid_text_representation) << text;
        EXPECT_FALSE(error.detail().empty());
        EXPECT_FALSE(error.hint().empty());
        return error.what();
    }
    ADD_FAILURE() << "accepted: " << text;
    return {};
}

TEST(ServicePattern, ParseErrorsSayWhatWasExpectedWhere) {
    const std::string prefix = "invalid input syntax for type railway.service_pattern: expected ";
    const std::pair<const char*, const char*> cases[] = {
        {"", "a departure time of day HH:MM[:SS[.ffffff]] before 24:00 at position 1"},
        {"24:00:00 for 08:00:00 on 12345-- from 2024-01-01 to 2024-12-31",
         "a departure time of day HH:MM[:SS[.ffffff]] before 24:00 at position 1"},
        {"22:00:00 xx 08:00:00 on 12345-- from 2024-01-01 to 2024-12-31", "\"for\" at position 10"},
        {"22:00:00for 08:00:00 on 12345-- from 2024-01-01 to 2024-12-31",
         "a departure time of day HH:MM[:SS[.ffffff]] before 24:00 at position 1"},
        {"22:00:00 for 00:00:00 on 12345-- from 2024-01-01 to 2024-12-31",
         "a duration greater than zero at position 14"},
        {"22:00:00 for 8h on 12345-- from 2024-01-01 to 2024-12-31",
         "a duration H:MM[:SS[.ffffff]] at position 14"},
        {"22:00:00 for 08:00:00 at 12345-- from 2024-01-01 to 2024-12-31", "\"on\" at position 23"},
        {"22:00:00 for 08:00:00 on 12354-- from 2024-01-01 to 2024-12-31",
         "running days such as 12345-- (digit i or '-' at position i) at position 26"},
        {"22:00:00 for 08:00:00 on ------- from 2024-01-01 to 2024-12-31",
         "at least one running day at position 26"},
        {"22:00:00 for 08:00:00 on 12345-- since 2024-01-01 to 2024-12-31",
         "\"from\" at position 34"},
        {"22:00:00 for 08:00:00 on 12345-- from infinity to 2024-12-31",
         "a first date YYYY-MM-DD[ BC] or -infinity at position 39"},
        {"22:00:00 for 08:00:00 on 12345-- from 2024-02-30 to 2024-12-31",
         "a first date YYYY-MM-DD[ BC] or -infinity at position 39"},
        {"22:00:00 for 08:00:00 on 12345-- from 2024-01-01 until 2024-12-31",
         "\"to\" at position 50"},
        {"22:00:00 for 08:00:00 on 12345-- from 2024-01-01 bc to 2024-12-31",
         "\"to\" at position 50"},
        {"22:00:00 for 08:00:00 on 12345-- from 2024-01-01 to -infinity",
         "a last date YYYY-MM-DD[ BC] or infinity at position 53"},
        {"22:00:00 for 08:00:00 on 12345-- from 2024-01-01 to",
         "a last date YYYY-MM-DD[ BC] or infinity at position 52"},
        {"22:00:00 for 08:00:00 on 12345-- from 2024-01-01 to 2023-12-31",
         "a first date on or before the last date at position 39"},
        {"22:00:00 for 08:00:00 on 12345-- from 2024-01-01 to 2024-12-31 x",
         "\"numbered\", \"vehicle\" or end of input at position 64"},
        {"22:00:00 for 08:00:00 on 12345-- from 2024-01-01 to 2024-12-31 numbered x",
         "end of input at position 73"},
        {"22:00:00 for 08:00:00 on 12345-- from 2024-01-01 to 2024-12-31 BC",
         "a first date on or before the last date at position 39"},
    };
    for (const auto& [text, expected] : cases)
        EXPECT_EQ(parse_error_message(text), prefix + expected) << text;

    const std::string with_nul("22:00:00 for 08:00:00\0 on 12345-- from 2024-01-01 to 2024-12-31",
                               63);
    EXPECT_EQ(parse_error_message(with_nul),
              prefix + "a duration H:MM[:SS[.ffffff]] at position 14");
    parse_error_message("\xff\xfe 22:00");
}

TEST(ServicePattern, RandomPatternsRoundTripThroughText) {
    std::mt19937_64 random(99);
    for (int i = 0; i < 20'000; ++i) {
        ServicePattern p{};
        p.departure_us = static_cast<int64_t>(random() % kDay);
        p.duration_us = (i % 5 == 0) ? static_cast<int64_t>(1 + random() % INT64_MAX)
                                     : static_cast<int64_t>(1 + random() % (100 * kDay));
        p.days = static_cast<uint8_t>(1 + random() % 127);
        const int64_t span = int64_t{kMaxDay} - kMinDay + 1;
        const int64_t x = kMinDay + static_cast<int64_t>(random() % static_cast<uint64_t>(span));
        const int64_t y = kMinDay + static_cast<int64_t>(random() % static_cast<uint64_t>(span));
        p.first_day = (i % 7 == 0) ? kDayMinusInfinity : static_cast<int32_t>(std::min(x, y));
        p.last_day = (i % 11 == 0) ? kDayInfinity : static_cast<int32_t>(std::max(x, y));
        const std::string text = format_pattern(p);
        ASSERT_EQ(parse_pattern(text), p) << text;
    }
}

TEST(ServicePattern, MutatedTextIsRejectedOrRoundTrips) {
    std::mt19937_64 random(5);
    const std::string seed = "23:59:59.5 for 50:30:00 on 1-3-5-7 from 0044-03-15 BC to 2024-12-31";
    const std::string alphabet = "0123456789:.- BCfortnmiy\t\xff";
    for (int i = 0; i < 50'000; ++i) {
        std::string text = seed;
        for (int edits = 1 + static_cast<int>(random() % 3); edits > 0; --edits) {
            const size_t position = random() % (text.size() + 1);
            const char c = alphabet[random() % alphabet.size()];
            switch (random() % 3) {
                case 0: text.insert(position, 1, c); break;
                case 1:
                    if (position < text.size()) text.erase(position, 1);
                    break;
                default:
                    if (position < text.size()) text[position] = c;
                    break;
            }
        }
        try {
            const ServicePattern p = parse_pattern(text);
            validate(p);
            ASSERT_EQ(parse_pattern(format_pattern(p)), p) << text;
        } catch (const Error& error) {
            ASSERT_STREQ(error.sqlstate(), sqlstate::invalid_text_representation) << text;
        }
    }
}

}  // namespace
}  // namespace railway
