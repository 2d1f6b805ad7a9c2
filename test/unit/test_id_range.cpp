// The keys of the train id GiST operator class: ranges of ids, their penalty and split.
#include "core/id_range.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

namespace railway {
namespace {

TEST(IdRange, ContainsAndMerge) {
    IdRange r{5, 5};
    EXPECT_TRUE(contains(r, 5));
    EXPECT_FALSE(contains(r, 4));
    merge(r, IdRange{9, 9});
    EXPECT_EQ(r, (IdRange{5, 9}));
    merge(r, IdRange{-3, 0});
    EXPECT_EQ(r, (IdRange{-3, 9}));
    EXPECT_TRUE(contains(r, 7));
    EXPECT_FALSE(contains(r, 10));
}

TEST(IdRange, WideningIsZeroInsideAndTheGrowthOutside) {
    const IdRange r{10, 20};
    EXPECT_EQ(widening(r, IdRange{10, 10}), 0.0);
    EXPECT_EQ(widening(r, IdRange{12, 18}), 0.0);
    EXPECT_EQ(widening(r, IdRange{25, 25}), 5.0);
    EXPECT_EQ(widening(r, IdRange{3, 3}), 7.0);
    EXPECT_EQ(widening(r, IdRange{0, 30}), 20.0);
    // The extremes do not overflow.
    constexpr int32_t lo = std::numeric_limits<int32_t>::min();
    constexpr int32_t hi = std::numeric_limits<int32_t>::max();
    EXPECT_EQ(widening(IdRange{0, 0}, IdRange{lo, hi}), static_cast<double>(hi) - lo);
}

TEST(IdRange, SplitKeepsEqualIdsTogetherWhenItCan) {
    // 19 rows each of trains 1..6 (as on a leaf page): the cut falls between two trains.
    std::vector<IdRange> entries;
    for (int round = 0; round < 19; ++round) {
        for (int32_t train = 1; train <= 6; ++train) entries.push_back(IdRange{train, train});
    }
    const std::vector<bool> right = split_id_ranges(entries);
    ASSERT_EQ(right.size(), entries.size());
    bool side_of[7];
    for (size_t i = 0; i < entries.size(); ++i) side_of[entries[i].lower] = right[i];
    size_t on_right = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        EXPECT_EQ(right[i], side_of[entries[i].lower]) << "train " << entries[i].lower << " on both sides";
        on_right += right[i];
    }
    EXPECT_GE(on_right, entries.size() / 3);
    EXPECT_LE(on_right, entries.size() - entries.size() / 3);
    // Lower ids left, higher right.
    EXPECT_FALSE(side_of[1]);
    EXPECT_TRUE(side_of[6]);
}

TEST(IdRange, SplitOfIdenticalEntriesIsStillBalanced) {
    const std::vector<IdRange> same(50, IdRange{7, 7});
    const std::vector<bool> right = split_id_ranges(same);
    size_t on_right = 0;
    for (bool r : right) on_right += r;
    EXPECT_EQ(on_right, 25u);
}

TEST(IdRange, SplitSeparatesOrderedRangesAndFillsBothSides) {
    std::mt19937 random(3);
    for (int trial = 0; trial < 2000; ++trial) {
        const size_t n = 2 + random() % 200;
        std::vector<IdRange> entries;
        for (size_t i = 0; i < n; ++i) {
            const int32_t lower = static_cast<int32_t>(random() % 1000) - 500;
            entries.push_back(IdRange{lower, lower + static_cast<int32_t>(random() % 20)});
        }
        const std::vector<bool> right = split_id_ranges(entries);
        size_t on_right = 0;
        int32_t max_left_lower = std::numeric_limits<int32_t>::min();
        int32_t min_right_lower = std::numeric_limits<int32_t>::max();
        for (size_t i = 0; i < n; ++i) {
            on_right += right[i];
            if (right[i]) min_right_lower = std::min(min_right_lower, entries[i].lower);
            else max_left_lower = std::max(max_left_lower, entries[i].lower);
        }
        ASSERT_GE(on_right, 1u);
        ASSERT_LE(on_right, n - 1);
        ASSERT_GE(on_right, n / 2 - n / 6) << n;
        ASSERT_LE(on_right, n - n / 2 + n / 6) << n;
        ASSERT_LE(max_left_lower, min_right_lower);  // ordered by lower bound
    }
}

}  // namespace
}  // namespace railway
