// The GiST summary of service patterns: it may over-approximate, never under-approximate.
#include "core/calendar.hpp"
#include "core/pattern_summary.hpp"
#include "core/service_pattern.hpp"

#include <gtest/gtest.h>

#include "support.hpp"

#include <algorithm>
#include <random>
#include <vector>

namespace railway {
namespace {

constexpr int64_t kMinute = kUsecPerMinute;
constexpr int64_t kHour = kUsecPerHour;
constexpr int64_t kDay = kUsecPerDay;
constexpr int32_t kMon = test_support::kMonday2024;

using test_support::pattern;

// Departures at any minute (and sometimes a stray microsecond, to hit slot boundaries),
// short, overnight and multi-day journeys, date ranges of days to open-ended.
ServicePattern random_pattern(std::mt19937_64& random) {
    ServicePattern p{};
    p.departure_us = static_cast<int64_t>(random() % (24 * 60)) * kMinute;
    if (random() % 5 == 0) p.departure_us += static_cast<int64_t>(random() % kMinute);
    switch (random() % 5) {
        case 0: p.duration_us = static_cast<int64_t>(1 + random() % 60) * kMinute; break;
        case 1: p.duration_us = static_cast<int64_t>(1 + random() % 30) * kHour; break;
        case 2: p.duration_us = static_cast<int64_t>(1 + random() % 9) * kDay + static_cast<int64_t>(random() % kDay); break;
        default: p.duration_us = static_cast<int64_t>(15 + random() % 240) * kMinute; break;
    }
    if (random() % 4 == 0) p.duration_us += 1;
    p.days = (random() % 3 == 0) ? static_cast<uint8_t>(1u << (random() % 7))
                                 : static_cast<uint8_t>(1 + random() % 127);
    const int64_t first = kMon + static_cast<int64_t>(random() % 120);
    p.first_day = (random() % 6 == 0) ? kDayMinusInfinity : static_cast<int32_t>(first);
    p.last_day = (random() % 4 == 0) ? kDayInfinity
                                     : static_cast<int32_t>(first + static_cast<int64_t>(random() % 60));
    return p;
}

TEST(PatternSummary, EmptyConflictsWithNothing) {
    const PatternSummary empty = empty_summary();
    EXPECT_TRUE(is_empty(empty));
    const PatternSummary daily = summarize(pattern(8 * kHour, kHour, 0x7F));
    EXPECT_FALSE(may_conflict(empty, daily));
    EXPECT_FALSE(may_conflict(daily, empty));
    PatternSummary merged = empty;
    merge(merged, daily);
    EXPECT_EQ(merged, daily);
    EXPECT_EQ(growth(empty, empty), 0.0);
}

TEST(PatternSummary, RangeWithoutARunningDayIsEmpty) {
    // Monday-only, from a Tuesday to the following Sunday: never departs.
    EXPECT_TRUE(is_empty(summarize(pattern(8 * kHour, kHour, 0x01, kMon + 1, kMon + 6))));
}

TEST(PatternSummary, FootprintWrapsAroundSundayMidnight) {
    // Sunday 23:00 for 2 hours occupies Sunday 23:00-24:00 and Monday 00:00-01:00.
    const PatternSummary sunday_night = summarize(pattern(23 * kHour, 2 * kHour, 0x40));
    const PatternSummary monday_early = summarize(pattern(30 * kMinute, 10 * kMinute, 0x01));
    const PatternSummary monday_late = summarize(pattern(2 * kHour, 10 * kMinute, 0x01));
    EXPECT_TRUE(may_conflict(sunday_night, monday_early));
    EXPECT_FALSE(may_conflict(sunday_night, monday_late));
}

TEST(PatternSummary, DisjointSpansDoNotConflict) {
    const PatternSummary january = summarize(pattern(8 * kHour, kHour, 0x7F, kMon, kMon + 30));
    const PatternSummary march = summarize(pattern(8 * kHour, kHour, 0x7F, kMon + 60, kMon + 90));
    EXPECT_FALSE(may_conflict(january, march));
    const PatternSummary open = summarize(pattern(8 * kHour, kHour, 0x7F, kDayMinusInfinity, kDayInfinity));
    EXPECT_TRUE(may_conflict(open, march));
}

TEST(PatternSummary, BackToBackMayShareNoSlot) {
    // 08:00-09:00 and 09:00-10:00 every day: the slot boundary at 09:00 is not shared.
    EXPECT_FALSE(may_conflict(summarize(pattern(8 * kHour, kHour, 0x7F)),
                              summarize(pattern(9 * kHour, kHour, 0x7F))));
}

// The property GiST needs: whenever two patterns conflict, the summary of any set holding
// one may conflict with the other's summary. Random sets, as an inner page would hold them.
TEST(PatternSummary, NeverAFalseNegative) {
    std::mt19937_64 random(271828);
    int conflicting = 0;
    for (int round = 0; round < 3000; ++round) {
        std::vector<ServicePattern> set;
        PatternSummary summary = empty_summary();
        const size_t count = 1 + random() % 12;
        for (size_t i = 0; i < count; ++i) {
            set.push_back(random_pattern(random));
            merge(summary, summarize(set.back()));
        }
        for (int q = 0; q < 10; ++q) {
            const ServicePattern query = random_pattern(random);
            const PatternSummary query_summary = summarize(query);
            for (const ServicePattern& member : set) {
                if (conflicts(member, query)) {
                    ++conflicting;
                    ASSERT_TRUE(may_conflict(summarize(member), query_summary))
                        << format_pattern(member) << " / " << format_pattern(query);
                    ASSERT_TRUE(may_conflict(summary, query_summary))
                        << format_pattern(member) << " / " << format_pattern(query);
                }
            }
        }
    }
    EXPECT_GT(conflicting, 1000);  // the generator does produce conflicts
}

// And it prunes: most non-conflicting pairs of short services are ruled out by the summary.
TEST(PatternSummary, PrunesMostShortServicesThatDoNotConflict) {
    std::mt19937_64 random(1618);
    int disjoint = 0, pruned = 0;
    for (int i = 0; i < 20000; ++i) {
        const ServicePattern a = pattern(static_cast<int64_t>(random() % 96) * 15 * kMinute,
                                         static_cast<int64_t>(1 + random() % 8) * 15 * kMinute,
                                         static_cast<uint8_t>(1u << (random() % 7)));
        const ServicePattern b = pattern(static_cast<int64_t>(random() % 96) * 15 * kMinute,
                                         static_cast<int64_t>(1 + random() % 8) * 15 * kMinute,
                                         static_cast<uint8_t>(1u << (random() % 7)));
        if (conflicts(a, b)) continue;
        ++disjoint;
        if (!may_conflict(summarize(a), summarize(b))) ++pruned;
    }
    // Aligned to whole slots, the footprint test is exact for these.
    EXPECT_EQ(pruned, disjoint);
}

TEST(PatternSummary, GrowthIsZeroForACoveredSummary) {
    PatternSummary big = summarize(pattern(6 * kHour, 12 * kHour, 0x7F, kDayMinusInfinity));
    const PatternSummary inside = summarize(pattern(8 * kHour, kHour, 0x1F, kMon + 10, kMon + 20));
    EXPECT_EQ(growth(big, inside), 0.0);
    EXPECT_GT(growth(inside, big), 0.0);
    EXPECT_GT(summary_size(big), summary_size(inside));
}

// growth() skips building the merged summary; it must still be exactly what merging adds.
TEST(PatternSummary, GrowthIsTheSizeMergingAdds) {
    std::mt19937_64 random(7);
    for (int i = 0; i < 20000; ++i) {
        PatternSummary summary = empty_summary();
        const int merged_count = static_cast<int>(random() % 4);
        for (int k = 0; k < merged_count; ++k) merge(summary, summarize(random_pattern(random)));
        const PatternSummary added = summarize(random_pattern(random));
        PatternSummary merged = summary;
        merge(merged, added);
        const double expected = std::max(0.0, summary_size(merged) - summary_size(summary));
        ASSERT_NEAR(growth(summary, added), expected, 1e-12) << "case " << i;
        ASSERT_GE(growth(summary, added), 0.0);
    }
}

TEST(PatternSummary, SplitSeparatesClustersAndRespectsMinimumFill) {
    std::vector<PatternSummary> entries;
    for (int i = 0; i < 20; ++i) entries.push_back(summarize(pattern(6 * kHour + i * kMinute, kHour, 0x1F)));
    for (int i = 0; i < 20; ++i) entries.push_back(summarize(pattern(18 * kHour + i * kMinute, kHour, 0x60)));
    const std::vector<bool> right = split_summaries(entries);
    ASSERT_EQ(right.size(), entries.size());
    for (int i = 1; i < 20; ++i) EXPECT_EQ(right[i], right[0]);
    for (int i = 21; i < 40; ++i) EXPECT_EQ(right[i], right[20]);
    EXPECT_NE(right[0], right[20]);

    // Identical entries: still a balanced-enough split.
    std::vector<PatternSummary> same(30, summarize(pattern(8 * kHour, kHour, 0x7F)));
    const std::vector<bool> split = split_summaries(same);
    size_t on_right = 0;
    for (bool r : split) on_right += r;
    EXPECT_GE(on_right, 10u);
    EXPECT_LE(on_right, 20u);

    std::mt19937_64 random(42);
    for (int round = 0; round < 50; ++round) {
        std::vector<PatternSummary> mixed;
        const size_t n = 2 + random() % 150;
        for (size_t i = 0; i < n; ++i) mixed.push_back(summarize(random_pattern(random)));
        const std::vector<bool> sides = split_summaries(mixed);
        size_t r = 0;
        for (bool side : sides) r += side;
        EXPECT_GE(r, std::max<size_t>(1, n / 3));
        EXPECT_GE(n - r, std::max<size_t>(1, n / 3));
    }
}

}  // namespace
}  // namespace railway
