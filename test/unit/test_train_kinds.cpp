// Numbered trains and vehicles (DESIGN.md section 2): the two conflict rules of conflicts() /
// first_conflicting_days() / first_conflict(), the kind in the text form, and the sweep.
#include "core/calendar.hpp"
#include "core/conflict_sweep.hpp"
#include "core/service_pattern.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <random>

namespace railway {
namespace {

constexpr int64_t kHour = kUsecPerHour;
constexpr int64_t kDay = kUsecPerDay;
constexpr TrainKind kNumbered = TrainKind::kNumbered;
constexpr TrainKind kVehicle = TrainKind::kVehicle;

int32_t date(int64_t year, int month, int day) {
    return static_cast<int32_t>(day_from_civil(year, month, day));
}
int64_t at(int64_t year, int month, int day, int64_t hour = 0) {
    return day_from_civil(year, month, day) * kDay + hour * kHour;
}

// "12345--" -> mask.
uint8_t mask(const char* days) {
    uint8_t result = 0;
    for (int i = 0; i < 7; ++i) {
        if (days[i] != '-') result |= static_cast<uint8_t>(1u << i);
    }
    return result;
}

ServicePattern pattern(TrainKind kind, int64_t departure, int64_t duration, const char* days,
                       int32_t first = date(2024, 1, 1), int32_t last = kDayInfinity) {
    ServicePattern p = test_support::pattern(departure, duration, mask(days), first, last);
    p.kind = kind;
    return p;
}

// The daily 32-hour long-distance train, its timetable split into two calendar variants: the
// weekday rows and the weekend rows, both departing 20:00. Friday's run (arriving Sunday 04:00)
// is still on the line when Saturday's departs.
TEST(TrainKinds, DailyThirtyTwoHourTrainWithTwoVariantsIsNoConflictWhenNumbered) {
    const ServicePattern weekdays = pattern(kNumbered, 20 * kHour, 32 * kHour, "12345--");
    const ServicePattern weekend = pattern(kNumbered, 20 * kHour, 32 * kHour, "-----67");
    EXPECT_FALSE(conflicts(weekdays, weekend));
    EXPECT_FALSE(conflicts(weekend, weekdays));
    EXPECT_FALSE(first_conflict(weekdays, weekend).has_value());
    // A daily row beside the weekend row is a real duplicate: both depart on Saturdays.
    const ServicePattern daily = pattern(kNumbered, 20 * kHour, 32 * kHour, "1234567");
    const auto days = first_conflicting_days(daily, weekend);
    ASSERT_TRUE(days.has_value());
    EXPECT_EQ(days->day_a, date(2024, 1, 6));
    EXPECT_EQ(days->day_b, date(2024, 1, 6));
}

TEST(TrainKinds, DailyThirtyTwoHourTrainWithTwoVariantsConflictsAsAVehicle) {
    const ServicePattern weekdays = pattern(kVehicle, 20 * kHour, 32 * kHour, "12345--");
    const ServicePattern weekend = pattern(kVehicle, 20 * kHour, 32 * kHour, "-----67");
    ASSERT_TRUE(conflicts(weekdays, weekend));
    // The earliest overlap: Friday 5 January's weekday run [Fri 20:00, Sun 04:00) with
    // Saturday's weekend run [Sat 20:00, Mon 04:00), i.e. [Sat 20:00, Sun 04:00).
    const auto window = first_conflict(weekdays, weekend);
    ASSERT_TRUE(window.has_value());
    EXPECT_EQ(window->start_us, at(2024, 1, 6, 20));
    EXPECT_EQ(window->end_us, at(2024, 1, 7, 4));
}

// Two calendar variants of a numbered train that both run on the same date do conflict.
TEST(TrainKinds, NumberedVariantsDepartingOnTheSameDateConflict) {
    const ServicePattern summer =
        pattern(kNumbered, 20 * kHour, 32 * kHour, "1234567", date(2024, 6, 1), date(2024, 9, 30));
    const ServicePattern autumn =
        pattern(kNumbered, 21 * kHour, 32 * kHour, "1234567", date(2024, 9, 30), date(2024, 12, 31));
    const auto days = first_conflicting_days(summer, autumn);
    ASSERT_TRUE(days.has_value());
    EXPECT_EQ(days->day_a, date(2024, 9, 30));
    EXPECT_EQ(days->day_b, date(2024, 9, 30));
    const auto window = first_conflict(summer, autumn);
    ASSERT_TRUE(window.has_value());
    EXPECT_EQ(window->start_us, at(2024, 9, 30, 21));
    EXPECT_EQ(window->end_us, at(2024, 10, 2, 4));
}

// Overnight, across midnight: Friday 22:00 -> Saturday 06:00, and a Saturday-only 05:00 run.
TEST(TrainKinds, OvernightRunMeetsNextMorningsRunOnlyAsAVehicle) {
    for (const TrainKind kind : {kNumbered, kVehicle}) {
        const ServicePattern night = pattern(kind, 22 * kHour, 8 * kHour, "----5--");
        const ServicePattern morning = pattern(kind, 5 * kHour, 2 * kHour, "-----6-");
        EXPECT_EQ(conflicts(night, morning), kind == kVehicle) << kind_name(kind);
        EXPECT_EQ(conflicts(morning, night), kind == kVehicle) << kind_name(kind);
        if (kind == kVehicle) {
            const auto window = first_conflict(night, morning);
            ASSERT_TRUE(window.has_value());
            EXPECT_EQ(window->start_us, at(2024, 1, 6, 5));
            EXPECT_EQ(window->end_us, at(2024, 1, 6, 6));
        }
    }
}

// Overnight, same departure date: 22:00 for 8 hours and 23:30 for 1 hour, every day.
TEST(TrainKinds, OvernightRunsDepartingOnTheSameDateConflictForBothKinds) {
    for (const TrainKind kind : {kNumbered, kVehicle}) {
        const ServicePattern a = pattern(kind, 22 * kHour, 8 * kHour, "1234567");
        const ServicePattern b = pattern(kind, 23 * kHour + 30 * 60 * 1000000LL, kHour, "1234567");
        const auto window = first_conflict(a, b);
        ASSERT_TRUE(window.has_value()) << kind_name(kind);
        EXPECT_EQ(window->start_us, at(2024, 1, 1, 23) + 30 * 60 * 1000000LL);
        EXPECT_EQ(window->end_us, at(2024, 1, 2, 0) + 30 * 60 * 1000000LL);
    }
    // An overnight run that reaches past midnight into the next date's run of the other row,
    // but not into its own date's: a vehicle conflict only.
    for (const TrainKind kind : {kNumbered, kVehicle}) {
        const ServicePattern late = pattern(kind, 23 * kHour, 3 * kHour, "1234567");  // to 02:00
        const ServicePattern early = pattern(kind, 1 * kHour, kHour, "1234567");      // 01:00-02:00
        EXPECT_EQ(conflicts(late, early), kind == kVehicle) << kind_name(kind);
    }
}

// A numbered train's legs (one row per leg, departing on the same date, back to back) do not
// conflict: the same number and date twice without overlap is allowed (README says why).
TEST(TrainKinds, NumberedLegsOnTheSameDateWithoutOverlapDoNotConflict) {
    const ServicePattern first_leg = pattern(kNumbered, 8 * kHour, 2 * kHour, "1234567");
    const ServicePattern second_leg = pattern(kNumbered, 10 * kHour, 2 * kHour, "1234567");
    EXPECT_FALSE(conflicts(first_leg, second_leg));
    const ServicePattern overlapping_leg = pattern(kNumbered, 9 * kHour, 2 * kHour, "1234567");
    EXPECT_TRUE(conflicts(first_leg, overlapping_leg));
}

// A pair of mixed kinds is judged by the vehicle rule (the transient state of a kind change).
TEST(TrainKinds, MixedKindsUseTheVehicleRule) {
    const ServicePattern night = pattern(kNumbered, 22 * kHour, 8 * kHour, "----5--");
    const ServicePattern morning = pattern(kVehicle, 5 * kHour, 2 * kHour, "-----6-");
    EXPECT_TRUE(conflicts(night, morning));
    EXPECT_TRUE(conflicts(morning, night));
    EXPECT_FALSE(same_date_rule(night, morning));
}

TEST(TrainKinds, MakePatternKeepsTheKind) {
    const ServicePattern numbered = make_pattern(at(2024, 1, 1, 20), at(2024, 1, 3, 4), 0x7F,
                                                 at(2024, 1, 1), std::nullopt, kNumbered);
    EXPECT_EQ(numbered.kind, kNumbered);
    const ServicePattern plain =
        make_pattern(at(2024, 1, 1, 20), at(2024, 1, 3, 4), 0x7F, at(2024, 1, 1), std::nullopt);
    EXPECT_EQ(plain.kind, kVehicle);
    EXPECT_NE(numbered, plain);
}

TEST(TrainKinds, TextFormCarriesTheKind) {
    const ServicePattern numbered = pattern(kNumbered, 20 * kHour, 32 * kHour, "12345--");
    EXPECT_EQ(format_pattern(numbered), "20:00:00 for 32:00:00 on 12345-- from 2024-01-01 to infinity numbered");
    EXPECT_EQ(parse_pattern(format_pattern(numbered)), numbered);
    const ServicePattern vehicle = pattern(kVehicle, 20 * kHour, 32 * kHour, "12345--");
    EXPECT_EQ(format_pattern(vehicle), "20:00:00 for 32:00:00 on 12345-- from 2024-01-01 to infinity");
    EXPECT_EQ(parse_pattern("20:00 for 32:00 on 12345-- from 2024-01-01 to infinity vehicle"), vehicle);
    EXPECT_EQ(parse_pattern("20:00 for 32:00 on 12345-- from 2024-01-01 BC to 2024-12-31 BC numbered").kind,
              kNumbered);
    test_support::expect_error(
        [] { parse_pattern("20:00 for 32:00 on 12345-- from 2024-01-01 to infinity bus"); }, "22P02",
        "\"numbered\", \"vehicle\" or end of input at position 56");
    test_support::expect_error(
        [] { parse_pattern("20:00 for 32:00 on 12345-- from 2024-01-01 to infinity numbered x"); }, "22P02",
        "end of input at position 65");
    EXPECT_EQ(parse_kind("numbered"), kNumbered);
    EXPECT_EQ(parse_kind("vehicle"), kVehicle);
    EXPECT_FALSE(parse_kind("Numbered").has_value());
}

// Both rules against enumeration: every pair of occurrences departing in a four-week window of
// patterns whose dates lie inside it.
TEST(TrainKinds, BothRulesAgreeWithEnumeration) {
    std::mt19937_64 random(12);
    const int32_t first = date(2024, 3, 4);
    for (int trial = 0; trial < 20000; ++trial) {
        ServicePattern p[2];
        for (ServicePattern& q : p) {
            const int32_t start = first + static_cast<int32_t>(random() % 14);
            q = test_support::pattern(static_cast<int64_t>(random() % 96) * 15 * 60 * 1000000LL,
                                      static_cast<int64_t>(1 + random() % 288) * 15 * 60 * 1000000LL,
                                      static_cast<uint8_t>(1 + random() % 127), start,
                                      start + static_cast<int32_t>(random() % 10));
        }
        const TrainKind kind = random() % 2 ? kNumbered : kVehicle;
        p[0].kind = p[1].kind = kind;
        bool expected = false;
        for (int32_t da = p[0].first_day; da <= p[0].last_day && !expected; ++da) {
            if (!runs_on(p[0], da)) continue;
            for (int32_t db = p[1].first_day; db <= p[1].last_day && !expected; ++db) {
                if (!runs_on(p[1], db) || (kind == kNumbered && da != db)) continue;
                const Window a = occurrence(p[0], da), b = occurrence(p[1], db);
                expected = a.start_us < b.end_us && b.start_us < a.end_us;
            }
        }
        ASSERT_EQ(conflicts(p[0], p[1]), expected)
            << format_pattern(p[0]) << " / " << format_pattern(p[1]);
        ASSERT_EQ(conflicts(p[1], p[0]), expected);
    }
}

// The sweep takes each item's rule from its pattern.
TEST(TrainKinds, SweepUsesEachTrainsRule) {
    std::vector<SweepItem> items;
    // Train 1, numbered: the 32-hour train's two variants. Train 2, a vehicle: the same.
    items.push_back({1, 10, pattern(kNumbered, 20 * kHour, 32 * kHour, "12345--")});
    items.push_back({1, 11, pattern(kNumbered, 20 * kHour, 32 * kHour, "-----67")});
    items.push_back({2, 20, pattern(kVehicle, 20 * kHour, 32 * kHour, "12345--")});
    items.push_back({2, 21, pattern(kVehicle, 20 * kHour, 32 * kHour, "-----67")});
    // Train 3, numbered: two rows on the same dates that overlap.
    items.push_back({3, 30, pattern(kNumbered, 8 * kHour, 2 * kHour, "1234567")});
    items.push_back({3, 31, pattern(kNumbered, 9 * kHour, 2 * kHour, "1234567")});
    const std::vector<ConflictPair> pairs = find_all_conflicts(items);
    ASSERT_EQ(pairs.size(), 2u);
    EXPECT_EQ(items[pairs[0].a].id, 20);
    EXPECT_EQ(items[pairs[0].b].id, 21);
    EXPECT_EQ(items[pairs[1].a].id, 30);
    EXPECT_EQ(items[pairs[1].b].id, 31);
}

}  // namespace
}  // namespace railway
