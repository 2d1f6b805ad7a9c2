#include "core/calendar.hpp"
#include "core/conflict_sweep.hpp"
#include "core/error.hpp"
#include "core/interrupts.hpp"

#include <gtest/gtest.h>

#include "support.hpp"

#include <algorithm>
#include <random>
#include <tuple>

namespace railway {
namespace {

constexpr int64_t kMinute = kUsecPerMinute;
constexpr int64_t kHour = kUsecPerHour;
constexpr int64_t kDay = kUsecPerDay;
constexpr int32_t kMon = test_support::kMonday2024;

using test_support::pattern;

// (group, id a, id b, window start, window end)
using Found = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t>;

// The result as (group, id a, id b, window start, window end), checking the index invariants.
std::vector<Found> describe(const std::vector<SweepItem>& items,
                            const std::vector<ConflictPair>& pairs) {
    std::vector<Found> found;
    for (const ConflictPair& pair : pairs) {
        EXPECT_LT(items[pair.a].id, items[pair.b].id);
        EXPECT_EQ(items[pair.a].group, items[pair.b].group);
        found.emplace_back(items[pair.a].group, items[pair.a].id, items[pair.b].id,
                           pair.first.start_us, pair.first.end_us);
    }
    return found;
}

// The reference: every pair of the same group through the exact pair test.
std::vector<Found> quadratic(const std::vector<SweepItem>& items) {
    std::vector<Found> found;
    for (size_t i = 0; i < items.size(); ++i) {
        for (size_t j = 0; j < items.size(); ++j) {
            if (items[i].group != items[j].group || items[i].id >= items[j].id) continue;
            if (const std::optional<Window> window =
                    first_conflict(items[i].pattern, items[j].pattern)) {
                found.emplace_back(items[i].group, items[i].id, items[j].id, window->start_us,
                                   window->end_us);
            }
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

TEST(ConflictSweep, EmptyAndSingle) {
    EXPECT_TRUE(find_all_conflicts({}).empty());
    EXPECT_TRUE(find_all_conflicts({{1, 1, pattern(8 * kHour, kHour, 0x7F)}}).empty());
}

TEST(ConflictSweep, OnlyTheSameGroupConflicts) {
    const ServicePattern p = pattern(8 * kHour, kHour, 0x7F);
    const std::vector<SweepItem> items = {{1, 10, p}, {2, 11, p}, {3, 12, p}};
    EXPECT_TRUE(find_all_conflicts(items).empty());
}

TEST(ConflictSweep, PairsAreOrderedAndIndexTheInput) {
    const std::vector<SweepItem> items = {
        {7, 30, pattern(8 * kHour, 2 * kHour, 0x7F)},  // 0
        {3, 5, pattern(22 * kHour, 8 * kHour, 0x10)},  // 1: Friday night
        {7, 20, pattern(9 * kHour, kHour, 0x1F)},      // 2: overlaps 0 on weekdays
        {3, 4, pattern(5 * kHour, 2 * kHour, 0x20)},   // 3: Saturday early, overlaps 1
        {7, 25, pattern(10 * kHour, kHour, 0x7F)},     // 4: back-to-back with 0
        {3, 4, pattern(5 * kHour, 2 * kHour, 0x20)},   // 5: the same row as 3 again
    };
    const std::vector<ConflictPair> pairs = find_all_conflicts(items);
    ASSERT_EQ(pairs.size(), 3u);
    EXPECT_EQ(pairs[0].a, 3u);
    EXPECT_EQ(pairs[0].b, 1u);
    // Saturday 2024-01-06 05:00 to 06:00.
    EXPECT_EQ(pairs[0].first.start_us, (kMon + 5) * kDay + 5 * kHour);
    EXPECT_EQ(pairs[0].first.end_us, (kMon + 5) * kDay + 6 * kHour);
    EXPECT_EQ(pairs[1].a, 5u);
    EXPECT_EQ(pairs[1].b, 1u);
    EXPECT_EQ(pairs[2].a, 2u);
    EXPECT_EQ(pairs[2].b, 0u);
    EXPECT_EQ(pairs[2].first.start_us, kMon * kDay + 9 * kHour);
    EXPECT_EQ(describe(items, pairs), quadratic(items) /* also drops the id 4 / id 4 pair */);
}

TEST(ConflictSweep, BusBlockWithDisjointTripsHasNoConflicts) {
    // 40 trips a day, each 25 minutes with a 5 minute layover, all on the same calendar.
    std::vector<SweepItem> items;
    for (int trip = 0; trip < 40; ++trip) {
        items.push_back({1, trip, pattern(5 * kHour + trip * 30 * kMinute, 25 * kMinute, 0x1F)});
    }
    EXPECT_TRUE(find_all_conflicts(items).empty());
    // One trip that is too long collides with the next one only.
    items[10].pattern.duration_us = 35 * kMinute;
    const std::vector<ConflictPair> pairs = find_all_conflicts(items);
    ASSERT_EQ(pairs.size(), 1u);
    EXPECT_EQ(items[pairs[0].a].id, 10);
    EXPECT_EQ(items[pairs[0].b].id, 11);
}

TEST(ConflictSweep, OneMicrosecondIsEnough) {
    const std::vector<SweepItem> items = {
        {1, 1, pattern(8 * kHour, 2 * kHour + 1, 0x01)},
        {1, 2, pattern(10 * kHour, kHour, 0x01)},
        {1, 3, pattern(6 * kHour, 2 * kHour, 0x01)},  // back-to-back with 1
    };
    const std::vector<ConflictPair> pairs = find_all_conflicts(items);
    ASSERT_EQ(pairs.size(), 1u);
    EXPECT_EQ(pairs[0].first.end_us - pairs[0].first.start_us, 1);
}

TEST(ConflictSweep, WrapAroundTheWeek) {
    const std::vector<SweepItem> items = {
        {1, 1, pattern(23 * kHour, 2 * kHour, 0x40)},  // Sunday 23:00 to Monday 01:00
        {1, 2, pattern(30 * kMinute, kHour, 0x01)},    // Monday 00:30
        {1, 3, pattern(kHour, kHour, 0x01)},           // Monday 01:00: back-to-back with 1
    };
    EXPECT_EQ(describe(items, find_all_conflicts(items)), quadratic(items));
    ASSERT_EQ(find_all_conflicts(items).size(), 2u);  // (1, 2) and (2, 3)
}

TEST(ConflictSweep, WeekLongAndDailyOvernightServices) {
    const std::vector<SweepItem> items = {
        {1, 1, pattern(12 * kHour, 8 * kDay, 0x01)},  // longer than a week: all of it
        {1, 2, pattern(3 * kHour, kHour, 0x08, kMon + 14, kMon + 20)},
        {1, 3, pattern(20 * kHour, 30 * kHour, 0x7F)},         // daily, overlapping itself
        {1, 4, pattern(0, kHour, 0x04, kMon - 30, kMon - 1)},  // ended before 1 and 3 began
    };
    const std::vector<Found> found = describe(items, find_all_conflicts(items));
    EXPECT_EQ(found, quadratic(items));
    EXPECT_EQ(found.size(), 3u);  // 1-2, 1-3, 2-3
}

TEST(ConflictSweep, ShortRangesOnlyOccupyTheirWeekdays) {
    const std::vector<SweepItem> items = {
        {1, 1, pattern(8 * kHour, kHour, 0x7F, kMon, kMon + 2)},      // Mon..Wed only
        {1, 2, pattern(8 * kHour, kHour, 0x7F, kMon + 3, kMon + 3)},  // one Thursday
        {1, 3, pattern(8 * kHour, kHour, 0x08)},                      // every Thursday
    };
    const std::vector<ConflictPair> pairs = find_all_conflicts(items);
    ASSERT_EQ(pairs.size(), 1u);
    EXPECT_EQ(items[pairs[0].a].id, 2);
    EXPECT_EQ(items[pairs[0].b].id, 3);
}

TEST(ConflictSweep, UnrepresentableWindowThrows) {
    const std::vector<SweepItem> items = {
        {1, 1, pattern(23 * kHour, kHour, 0x7F, kMaxDay, kDayInfinity)},
        {1, 2, pattern(23 * kHour + 30 * kMinute, 2 * kHour, 0x7F, kMaxDay - 1, kDayInfinity)},
    };
    try {
        find_all_conflicts(items);
        ADD_FAILURE() << "no error";
    } catch (const Error& error) {
        EXPECT_STREQ(error.sqlstate(), sqlstate::datetime_field_overflow);
    }
}

TEST(ConflictSweep, ConflictsWithOneNewPattern) {
    const ServicePattern candidate = pattern(22 * kHour, 8 * kHour, 0x10);  // Friday night
    const std::vector<ServicePattern> others = {
        pattern(5 * kHour, 2 * kHour, 0x20),  // Saturday early: conflict
        pattern(6 * kHour, 2 * kHour, 0x20),  // Saturday 06:00: back-to-back
        pattern(23 * kHour, kHour, 0x1F),     // weekday 23:00: conflict on Friday
        pattern(5 * kHour, 2 * kHour, 0x40),  // Sunday: none
    };
    const std::vector<std::pair<size_t, Window>> found = conflicts_with(candidate, others);
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].first, 0u);
    EXPECT_EQ(found[0].second,
              (Window{(kMon + 5) * kDay + 5 * kHour, (kMon + 5) * kDay + 6 * kHour}));
    EXPECT_EQ(found[1].first, 2u);
    EXPECT_EQ(found[1].second, (Window{(kMon + 4) * kDay + 23 * kHour, (kMon + 5) * kDay}));
    EXPECT_TRUE(conflicts_with(candidate, {}).empty());
}

ServicePattern random_pattern(std::mt19937_64& random) {
    ServicePattern p{};
    p.departure_us = static_cast<int64_t>(random() % 48) * 30 * kMinute;
    switch (random() % 5) {
        case 0: p.duration_us = static_cast<int64_t>(1 + random() % 8) * 15 * kMinute; break;
        case 1: p.duration_us = static_cast<int64_t>(1 + random() % 48) * kHour; break;
        case 2:
            p.duration_us = static_cast<int64_t>(1 + random() % 10) * kDay +
                            static_cast<int64_t>(random() % kDay);
            break;
        default: p.duration_us = static_cast<int64_t>(1 + random() % 4) * 30 * kMinute; break;
    }
    if (random() % 4 == 0) p.duration_us += 1;  // overlaps of a single microsecond
    p.days = (random() % 3 == 0) ? static_cast<uint8_t>(1u << (random() % 7))
                                 : static_cast<uint8_t>(1 + random() % 127);
    const int64_t first = kMon + static_cast<int64_t>(random() % 60);
    p.first_day = (random() % 5 == 0) ? kDayMinusInfinity : static_cast<int32_t>(first);
    p.last_day = (random() % 5 == 0)
                     ? kDayInfinity
                     : static_cast<int32_t>(first + static_cast<int64_t>(random() % 30));
    return p;
}

TEST(ConflictSweep, RandomTimetablesMatchTheQuadraticLoop) {
    std::mt19937_64 random(314159);
    for (int round = 0; round < 5000; ++round) {
        const size_t count = 1 + random() % 60;
        const int64_t groups = 1 + static_cast<int64_t>(random() % 4);
        std::vector<SweepItem> items;
        std::vector<int64_t> ids(count);
        for (size_t i = 0; i < count; ++i) ids[i] = static_cast<int64_t>(i) * 3 + 1;
        std::shuffle(ids.begin(), ids.end(), random);
        for (size_t i = 0; i < count; ++i) {
            items.push_back({static_cast<int64_t>(random() % static_cast<uint64_t>(groups)), ids[i],
                             random_pattern(random)});
            // Some exact duplicates.
            if (i > 0 && random() % 10 == 0) items.back().pattern = items[random() % i].pattern;
        }
        const std::vector<Found> found = describe(items, find_all_conflicts(items));
        ASSERT_EQ(found, quadratic(items)) << "round " << round;
    }
}

// A group larger than the bit matrix deduplicates its candidates by sorting: same answers.
TEST(ConflictSweep, LargeGroupMatchesTheQuadraticLoop) {
    std::mt19937_64 random(2718);
    std::vector<SweepItem> items;
    for (int64_t i = 0; i < 1500; ++i) items.push_back({7, (i * 7919) % 1500, random_pattern(random)});
    const std::vector<Found> found = describe(items, find_all_conflicts(items));
    ASSERT_FALSE(found.empty());
    EXPECT_EQ(found, quadratic(items));
}

// Items may share an id (not rows of one table): such pairs are skipped, and the others still
// come out in (group, id of a, id of b) order.
TEST(ConflictSweep, RepeatedIdsKeepTheOrder) {
    std::mt19937_64 random(1618);
    for (int round = 0; round < 500; ++round) {
        std::vector<SweepItem> items;
        const size_t count = 2 + random() % 40;
        for (size_t i = 0; i < count; ++i) {
            items.push_back({static_cast<int64_t>(random() % 2), static_cast<int64_t>(random() % 8),
                             random_pattern(random)});
        }
        std::vector<Found> found = describe(items, find_all_conflicts(items));
        EXPECT_TRUE(std::is_sorted(found.begin(), found.end(), [](const Found& x, const Found& y) {
            return std::tie(std::get<0>(x), std::get<1>(x), std::get<2>(x)) <
                   std::tie(std::get<0>(y), std::get<1>(y), std::get<2>(y));
        })) << "round " << round;
        std::sort(found.begin(), found.end());
        ASSERT_EQ(found, quadratic(items)) << "round " << round;
    }
}


// Patterns drawn from everything the sweep's span and footprint must get right: one-day and
// short services, long seasons, -infinity starts and open ends, the extremes of the timestamp
// range, overnight and multi-day runs, on dates from days to decades apart.
ServicePattern wide_random_pattern(std::mt19937_64& random) {
    ServicePattern p{};
    p.departure_us = static_cast<int64_t>(random() % (24 * 12)) * 5 * kMinute;
    switch (random() % 6) {
        case 0: p.duration_us = static_cast<int64_t>(1 + random() % 12) * 5 * kMinute; break;
        case 1: p.duration_us = static_cast<int64_t>(1 + random() % 30) * kHour; break;       // overnight
        case 2: p.duration_us = static_cast<int64_t>(1 + random() % 20) * kDay + static_cast<int64_t>(random() % kDay); break;
        default: p.duration_us = static_cast<int64_t>(1 + random() % 6) * 20 * kMinute; break;
    }
    if (random() % 8 == 0) p.duration_us += 1;
    p.days = (random() % 3 == 0) ? static_cast<uint8_t>(1u << (random() % 7))
                                 : static_cast<uint8_t>(1 + random() % 127);
    // Date scales: a few weeks, a few years, centuries; sometimes near the ends of time.
    static constexpr int64_t kScales[] = {21, 400, 5000, 80000};
    const int64_t scale = kScales[random() % 4];
    int64_t first = kMon + static_cast<int64_t>(random() % static_cast<uint64_t>(scale)) - scale / 2;
    if (random() % 20 == 0) first = kMaxDay - static_cast<int64_t>(random() % 30);
    if (random() % 20 == 0) first = kMinDay + static_cast<int64_t>(random() % 30);
    const int64_t length = (random() % 3 == 0) ? 0 : static_cast<int64_t>(random() % static_cast<uint64_t>(scale));
    p.first_day = (random() % 6 == 0) ? kDayMinusInfinity : static_cast<int32_t>(first);
    p.last_day = (random() % 6 == 0) ? kDayInfinity
                                     : static_cast<int32_t>(std::min<int64_t>(first + length, kMaxDay));
    if (p.last_day < p.first_day) p.last_day = p.first_day;
    return p;
}

// The sweep against the brute-force pairwise test on random timetables of every shape
// (including windows out of the timestamp range: both must agree on throwing).
TEST(ConflictSweep, RandomWideTimetablesMatchTheQuadraticLoop) {
    std::mt19937_64 random(4242);
    for (int round = 0; round < 4000; ++round) {
        const size_t count = 1 + random() % 80;
        std::vector<SweepItem> items;
        for (size_t i = 0; i < count; ++i) {
            items.push_back({static_cast<int64_t>(random() % 2), static_cast<int64_t>(i), wide_random_pattern(random)});
            if (i > 0 && random() % 12 == 0) items.back().pattern = items[random() % i].pattern;
        }
        std::optional<std::vector<Found>> expected;
        try {
            expected = quadratic(items);
        } catch (const Error&) {
        }
        if (!expected) {
            EXPECT_THROW(find_all_conflicts(items), Error) << "round " << round;
            continue;
        }
        ASSERT_EQ(describe(items, find_all_conflicts(items)), *expected) << "round " << round;
    }
}

// One train with many services that cannot conflict: the sweep hands the exact test only a
// few candidates (the old sweep paired all services of the same weekday: 10^7 and more here).
TEST(ConflictSweep, DisjointDatesAndTimesMakeNoCandidates) {
    const auto candidates_of = [](const std::vector<SweepItem>& items) {
        SweepStats stats;
        EXPECT_TRUE(find_all_conflicts(items, &stats).empty());
        return stats.candidates;
    };
    std::vector<SweepItem> items;
    // 20,000 one-day services on distinct dates, 23 hours long.
    for (int32_t i = 0; i < 20000; ++i)
        items.push_back({1, i, pattern(30 * kMinute, 23 * kHour, 0x7F, kMon + i, kMon + i)});
    EXPECT_EQ(candidates_of(items), 0u);
    // 20,000 one-day services on Mondays and Tuesdays only, across 190 years.
    items.clear();
    for (int32_t i = 0; i < 20000; ++i) {
        const int32_t day = kMon - 40000 + (i / 2) * 7 + (i % 2);
        items.push_back({1, i, pattern(30 * kMinute, 23 * kHour, 0x7F, day, day)});
    }
    EXPECT_EQ(candidates_of(items), 0u);
    // 5,000 weekly services of disjoint seasons (each 3 weeks, on every day at 06:00-20:00),
    // the first one from -infinity and the last one open-ended.
    items.clear();
    for (int32_t i = 0; i < 5000; ++i) {
        const int32_t first = i == 0 ? kDayMinusInfinity : kMon + 21 * i;
        const int32_t last = i == 4999 ? kDayInfinity : kMon + 21 * i + 20;
        items.push_back({1, i, pattern(6 * kHour, 14 * kHour, 0x7F, first, last)});
    }
    EXPECT_EQ(candidates_of(items), 0u);
    // 10,000 open-ended daily services at distinct times of day (8.6 s apart, 8 s long):
    // every span overlaps every other, the footprints keep them apart.
    items.clear();
    for (int32_t i = 0; i < 10000; ++i)
        items.push_back({1, i, pattern(int64_t{i} * 8640 * 1000, 8 * kUsecPerSecond, 0x7F, kDayMinusInfinity, kDayInfinity)});
    EXPECT_EQ(candidates_of(items), 0u);
}

// Adversarial: both kinds at once (long services on disjoint times of day, one-day services at
// the same time on distinct dates), where neither a sweep over the week nor one over the dates
// alone avoids a quadratic number of candidates; the conflicts are still exact.
TEST(ConflictSweep, AdversarialMixStaysNearLinear) {
    std::vector<SweepItem> items;
    int64_t id = 0;
    for (int32_t i = 0; i < 3000; ++i)  // open-ended daily, 00:00:00 + 20 s * i, 10 s long
        items.push_back({1, id++, pattern(int64_t{i} * 20 * kUsecPerSecond, 10 * kUsecPerSecond, 0x7F, kDayMinusInfinity, kDayInfinity)});
    for (int32_t i = 0; i < 6000; ++i)  // one-day, 20:00 to 23:00, day after day
        items.push_back({1, id++, pattern(20 * kHour, 3 * kHour, 0x7F, kMon + i, kMon + i)});
    for (int32_t i = 0; i < 3; ++i)  // three real conflicts with the one-day services
        items.push_back({1, id++, pattern(22 * kHour, kHour, 0x7F, kMon + 1000 * i, kMon + 1000 * i)});
    SweepStats stats;
    const std::vector<ConflictPair> pairs = find_all_conflicts(items, &stats);
    ASSERT_EQ(pairs.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(items[pairs[i].a].id, 3000 + 1000 * static_cast<int64_t>(i));
        EXPECT_EQ(items[pairs[i].b].id, 9000 + static_cast<int64_t>(i));
    }
    EXPECT_LE(stats.candidates, 10u);
}

// Every loop polls: a hook that cancels after some polls stops a long sweep.
TEST(ConflictSweep, PollsForInterrupts) {
    static int polls = 0;
    struct Cancelled {};
    std::vector<SweepItem> items;
    for (int32_t i = 0; i < 20000; ++i)
        items.push_back({1, i, pattern(8 * kHour, kHour, 0x7F, kMon + i, kMon + i)});
    polls = 0;
    const InterruptHook previous = set_interrupt_hook([] {
        if (++polls == 10) throw Cancelled{};
    });
    EXPECT_THROW(find_all_conflicts(items), Cancelled);
    set_interrupt_hook(previous);
    EXPECT_EQ(polls, 10);
}

}  // namespace
}  // namespace railway
