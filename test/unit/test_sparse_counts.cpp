// SparseCounts: the compact multiset behind punctuality's minutes outside the dense window.
#include "core/error.hpp"
#include "core/sparse_counts.hpp"

#include <gtest/gtest.h>

#include "support.hpp"

#include <cstdint>
#include <map>
#include <random>
#include <utility>
#include <vector>

namespace railway {
namespace {

std::vector<std::pair<std::int64_t, std::int64_t>> contents(
    const SparseCounts& counts, std::int64_t from = SparseCounts::kMinKey,
    std::int64_t to = SparseCounts::kMaxKey + 1) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    counts.for_each([&](std::int64_t key, std::int64_t count) { out.emplace_back(key, count); },
                    from, to);
    return out;
}

std::vector<std::pair<std::int64_t, std::int64_t>> contents(
    const std::map<std::int64_t, std::int64_t>& map) {
    return {map.begin(), map.end()};
}

TEST(SparseCounts, MatchesAMapOnRandomKeysAndCounts) {
    std::mt19937_64 random(5);
    std::uniform_int_distribution<std::int64_t> near(-3000, 3000);
    std::uniform_int_distribution<std::int64_t> far(SparseCounts::kMinKey, SparseCounts::kMaxKey);
    std::uniform_int_distribution<int> kind(0, 9);
    SparseCounts counts;
    std::map<std::int64_t, std::int64_t> want;
    for (int i = 0; i < 200'000; ++i) {
        const std::int64_t key = kind(random) == 0 ? far(random) : near(random);
        const std::int64_t count = kind(random) == 0 ? 1'000 : 1;
        counts.add(key, count);
        want[key] += count;
        if (i % 50'000 == 0) {
            EXPECT_EQ(contents(counts), contents(want));
        }
    }
    EXPECT_EQ(counts.size(), want.size());
    EXPECT_EQ(contents(counts), contents(want));
    // A range, with bounds inside and outside the key range.
    std::map<std::int64_t, std::int64_t> middle(want.lower_bound(-100), want.lower_bound(250));
    EXPECT_EQ(contents(counts, -100, 250), contents(middle));
    EXPECT_EQ(contents(counts, INT64_MIN, INT64_MAX), contents(want));
}

TEST(SparseCounts, CountsBeyondTwentyFourBitsAreExact) {
    SparseCounts counts;
    const std::int64_t escape = static_cast<std::int64_t>(SparseCounts::kCountEscape);
    counts.add(7, escape - 1);
    counts.add(7, 1);  // reaches the escape value: now in the map
    counts.add(7, 5);
    counts.add(-9, std::int64_t{1} << 40);  // large from the start (pending, then merged)
    counts.add(SparseCounts::kMaxKey, escape);
    counts.add(SparseCounts::kMinKey, 1);
    EXPECT_EQ(contents(counts),
              (std::vector<std::pair<std::int64_t, std::int64_t>>{{SparseCounts::kMinKey, 1},
                                                                  {-9, std::int64_t{1} << 40},
                                                                  {7, escape + 5},
                                                                  {SparseCounts::kMaxKey, escape}}));
    counts.add(-9, 3);
    std::vector<std::pair<std::int64_t, std::int64_t>> taken;
    counts.extract(-10, 8, [&](std::int64_t k, std::int64_t c) { taken.emplace_back(k, c); });
    EXPECT_EQ(taken, (std::vector<std::pair<std::int64_t, std::int64_t>>{
                         {-9, (std::int64_t{1} << 40) + 3}, {7, escape + 5}}));
    EXPECT_EQ(counts.size(), 2u);
    counts.add(7, 2);  // a fresh key again
    EXPECT_EQ(contents(counts, 0, 100),
              (std::vector<std::pair<std::int64_t, std::int64_t>>{{7, 2}}));
}

TEST(SparseCounts, KeysOutOfRangeAreRefused) {
    SparseCounts counts;
    test_support::expect_error([&] { counts.add(SparseCounts::kMaxKey + 1, 1); }, "XX000");
    test_support::expect_error([&] { counts.add(0, 0); }, "XX000");
}

TEST(SparseCounts, ExtractMovesEveryKeyOfARangeOnce) {
    SparseCounts counts;
    for (std::int64_t key = -500; key < 500; key += 3)
        counts.add(key, key + 1000);
    std::int64_t total = 0;
    counts.extract(-100, 100, [&](std::int64_t key, std::int64_t count) {
        EXPECT_GE(key, -100);
        EXPECT_LT(key, 100);
        EXPECT_EQ(count, key + 1000);
        total += count;
    });
    EXPECT_EQ(total, 66 * 1000 - 33);  // 66 keys -98, -95, ..., 97, summing to -33
    EXPECT_TRUE(contents(counts, -100, 100).empty());
    EXPECT_EQ(counts.size(), 334u - 66u);
}

TEST(SparseCounts, MemoryIsAboutEightBytesPerDistinctKey) {
    test_support::CountingResource memory;
    SparseCounts counts(&memory);
    std::size_t peak = 0;
    constexpr std::int64_t kKeys = 500'000;
    for (std::int64_t i = 0; i < kKeys; ++i) {
        counts.add((i * 104'729) % kKeys, 1);
        peak = std::max(peak, memory.live);
    }
    EXPECT_EQ(counts.size(), static_cast<std::size_t>(kKeys));  // flushes
    EXPECT_EQ(memory.live, kKeys * 8u);
    EXPECT_LE(peak, kKeys * 18u + 16'384);
    // A repeated key costs only pending entries until the next merge, which adds the counts in
    // place (no new array).
    peak = 0;
    for (int i = 0; i < 100'000; ++i) {
        counts.add(12, 1);
        peak = std::max(peak, memory.live);
    }
    EXPECT_LE(peak, kKeys * 8u + 2 * 16 * (kKeys / 8));
    EXPECT_EQ(counts.size(), static_cast<std::size_t>(kKeys));
    EXPECT_EQ(memory.live, kKeys * 8u);
    EXPECT_EQ(contents(counts, 12, 13),
              (std::vector<std::pair<std::int64_t, std::int64_t>>{{12, 100'001}}));
}

TEST(SparseCounts, MergingPollsForCancellation) {
    SparseCounts counts;
    static int polls;
    polls = 0;
    const InterruptHook previous = set_interrupt_hook([] { ++polls; });
    for (std::int64_t i = 0; i < 200'000; ++i)
        counts.add(i * 2, 1);
    set_interrupt_hook(previous);
    EXPECT_GT(polls, 100);
}

}  // namespace
}  // namespace railway
