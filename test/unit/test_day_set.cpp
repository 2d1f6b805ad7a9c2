#include "core/day_set.hpp"
#include "core/error.hpp"
#include "core/interrupts.hpp"

#include <gtest/gtest.h>

#include "support.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory_resource>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace railway {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t kInfinity = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinusInfinity = std::numeric_limits<std::int64_t>::min();
// 2024-03-01 00:00:00.
constexpr std::int64_t kMarch2024 = 8'826 * kDay;

DaySet collect(const std::vector<std::int64_t>& timestamps) {
    DaySet set;
    for (const std::int64_t timestamp : timestamps)
        set.add(timestamp);
    return set;
}

// The definition: distinct floor(timestamp / day).
std::int64_t naive_count(const std::vector<std::int64_t>& timestamps) {
    std::set<std::int64_t> days;
    for (const std::int64_t timestamp : timestamps)
        days.insert(timestamp / kDay - (timestamp % kDay < 0 ? 1 : 0));
    return static_cast<std::int64_t>(days.size());
}

DaySet round_trip(const DaySet& set) {
    const std::vector<std::uint8_t> bytes = set.serialize();
    return DaySet::deserialize(bytes.data(), bytes.size());
}

using test_support::expect_error;

// Timestamps as real data has them (a few years, many rows per day), sometimes with a spread
// over centuries or over the whole int64 range.
std::vector<std::int64_t> random_timestamps(std::mt19937_64& random, std::size_t count,
                                            int spread) {
    std::vector<std::int64_t> timestamps;
    timestamps.reserve(count);
    std::uniform_int_distribution<std::int64_t> years(-3 * 365 * kDay, 3 * 365 * kDay);
    std::uniform_int_distribution<std::int64_t> centuries(-300 * 365 * kDay, 300 * 365 * kDay);
    std::uniform_int_distribution<std::int64_t> anything(kMinusInfinity + 1, kInfinity - 1);
    std::uniform_int_distribution<int> kind(0, 99);
    for (std::size_t i = 0; i < count; ++i) {
        const int k = kind(random);
        if (spread >= 2 && k < 5)
            timestamps.push_back(anything(random));
        else if (spread >= 1 && k < 30)
            timestamps.push_back(centuries(random));
        else
            timestamps.push_back(kMarch2024 + years(random));
    }
    return timestamps;
}

TEST(DaySet, EmptySetCountsZero) {
    EXPECT_EQ(DaySet().count(), 0);
    EXPECT_EQ(round_trip(DaySet()).count(), 0);
    EXPECT_EQ(DaySet().serialize().size(), 5u);
}

TEST(DaySet, CountsDistinctCalendarDates) {
    EXPECT_EQ(collect({kMarch2024}).count(), 1);
    EXPECT_EQ(collect({kMarch2024, kMarch2024, kMarch2024 + kDay - 1}).count(), 1);
    EXPECT_EQ(collect({kMarch2024, kMarch2024 + kDay}).count(), 2);
    EXPECT_EQ(collect({kMarch2024 + 5 * kDay, kMarch2024, kMarch2024 + 5 * kDay + 1}).count(), 2);
}

TEST(DaySet, TimestampsBefore2000FloorToTheirOwnDate) {
    EXPECT_EQ(collect({-1, 0}).count(), 2);  // 1999-12-31 23:59:59.999999 and 2000-01-01
    EXPECT_EQ(collect({-1, -kDay}).count(), 1);
    EXPECT_EQ(collect({-kDay - 1, -kDay}).count(), 2);
    // 4714-11-24 BC 00:00 and 23:59, and the last representable moment of 294276-12-31.
    const std::int64_t first_bc_day = -211'813'488'000'000'000;
    EXPECT_EQ(collect({first_bc_day, first_bc_day + kDay - 1}).count(), 1);
    EXPECT_EQ(collect({first_bc_day, 9'223'371'331'200'000'000 - 1}).count(), 2);
}

TEST(DaySet, DatesAcrossBlockBoundaries) {
    const DaySet set = collect({1023 * kDay, 1024 * kDay, -1024 * kDay, -1025 * kDay, 0});
    EXPECT_EQ(set.count(), 5);
    EXPECT_EQ(set.dense_blocks(), 4u);  // blocks -2 to 1
}

TEST(DaySet, TheWindowIsNeverWiderThanTwiceTheDatesPlusOne) {
    // Whatever the order, the window holds at most 2 * (dates + 1) blocks, and at most 64.
    std::mt19937_64 random(23);
    std::uniform_int_distribution<std::int64_t> offset(-40'000, 40'000);
    std::uniform_int_distribution<std::int64_t> day(0, 80'000);
    for (int i = 0; i < 500; ++i) {
        const std::int64_t first = offset(random);
        std::vector<std::int64_t> timestamps = {first * kDay, (first + 32'768) * kDay};
        for (int j = i % 40; j > 0; --j)
            timestamps.push_back((first + day(random)) * kDay);
        std::shuffle(timestamps.begin(), timestamps.end(), random);
        DaySet set;
        std::vector<std::int64_t> so_far;
        for (const std::int64_t timestamp : timestamps) {
            set.add(timestamp);
            so_far.push_back(timestamp);
            EXPECT_LE(set.dense_blocks(), static_cast<std::size_t>(DaySet::kDenseMaxBlocks));
            EXPECT_LE(static_cast<std::int64_t>(set.dense_blocks()), 2 * (set.count() + 1));
        }
        EXPECT_EQ(set.count(), naive_count(timestamps));
        EXPECT_EQ(round_trip(set).count(), set.count());
    }
}

TEST(DaySet, DatesThatGrowTheWindowAfterTheFirstRowsCostLittle) {
    // The attack on hash aggregation: a group created with one date, then dates that would
    // widen the window to 64 blocks (8 KiB). Two dates may take four blocks, no more.
    test_support::CountingResource memory;
    DaySet set(&memory);
    set.add(kMarch2024);
    set.add(kMarch2024 + 60'000 * kDay);
    set.add(kMarch2024 - 3'000 * kDay);
    EXPECT_EQ(set.count(), 3);
    EXPECT_LE(set.dense_blocks(), 8u);
    EXPECT_LE(memory.live, 3 * 600u);
}

TEST(DaySet, MapBlocksMoveIntoTheWindowWhenItGrows) {
    // Early far dates go to the map; once there are dates enough, the window grows over them.
    std::vector<std::int64_t> timestamps = {0, 20'000 * kDay, -20'000 * kDay};
    for (int i = 0; i < 40; ++i)
        timestamps.push_back(i * 1024 * kDay / 2);
    timestamps.push_back(-10 * 1024 * kDay);  // grows the window down over block -20
    DaySet set;
    std::size_t most_sparse = 0;
    for (const std::int64_t timestamp : timestamps) {
        set.add(timestamp);
        most_sparse = std::max(most_sparse, set.sparse_blocks());
    }
    EXPECT_GT(most_sparse, 0u);
    EXPECT_EQ(set.sparse_blocks(), 0u);
    EXPECT_EQ(set.count(), naive_count(timestamps));
    EXPECT_EQ(round_trip(set).serialize(), set.serialize());
}

TEST(DaySet, DatesCenturiesApartAreStillCountedExactly) {
    // Placeholder dates such as 0001-01-01 and 9999-12-31 next to real ones.
    const std::vector<std::int64_t> timestamps = {
        kMarch2024, -730'119 * kDay, 2'921'939 * kDay, kMarch2024 + kDay, -730'119 * kDay};
    const DaySet set = collect(timestamps);
    EXPECT_EQ(set.count(), 4);
    EXPECT_EQ(set.sparse_blocks(), 2u);
    EXPECT_EQ(round_trip(set).count(), 4);
    EXPECT_EQ(round_trip(set).serialize(), set.serialize());
}

TEST(DaySet, ExtremeFiniteTimestamps) {
    const DaySet set =
        collect({kMinusInfinity + 1, kInfinity - 1, kMinusInfinity + 2, kInfinity - kDay});
    EXPECT_EQ(set.count(), 3);
    EXPECT_EQ(round_trip(set).count(), 3);
    EXPECT_EQ(round_trip(set).serialize(), set.serialize());
}

TEST(DaySet, InfiniteTimestampsAreRejected) {
    DaySet set = collect({kMarch2024});
    expect_error([&] { set.add(kInfinity); }, "22008", "infinite timestamp");
    expect_error([&] { set.add(kMinusInfinity); }, "22008", "-infinity");
    EXPECT_EQ(set.count(), 1);
}

TEST(DaySet, MatchesStdSetOnRandomTimestamps) {
    std::mt19937_64 random(42);
    for (int round = 0; round < 60; ++round) {
        const std::size_t count = std::uniform_int_distribution<std::size_t>(0, 5000)(random);
        const std::vector<std::int64_t> timestamps = random_timestamps(random, count, round % 3);
        SCOPED_TRACE(round);
        EXPECT_EQ(collect(timestamps).count(), naive_count(timestamps));
    }
}

TEST(DaySet, SplitSerializeMergeGivesIdenticalResults) {
    std::mt19937_64 random(5);
    for (int round = 0; round < 60; ++round) {
        const std::size_t count = std::uniform_int_distribution<std::size_t>(0, 5000)(random);
        const std::vector<std::int64_t> timestamps = random_timestamps(random, count, round % 3);
        const DaySet whole = collect(timestamps);
        SCOPED_TRACE(round);

        const std::size_t parts = std::uniform_int_distribution<std::size_t>(1, 9)(random);
        std::vector<DaySet> sets(parts);
        std::uniform_int_distribution<std::size_t> pick(0, parts - 1);
        for (const std::int64_t timestamp : timestamps)
            sets[pick(random)].add(timestamp);
        std::vector<DaySet> received;
        for (const DaySet& set : sets)
            received.push_back(round_trip(set));
        std::shuffle(received.begin(), received.end(), random);

        DaySet linear;
        for (const DaySet& set : received)
            linear.merge(set);
        // Merging into a non-empty set, then adding more rows, exercises the row cache.
        DaySet nested = std::move(received.back());
        received.pop_back();
        for (const DaySet& set : received) {
            DaySet copy = set;
            copy.merge(nested);
            nested = std::move(copy);
        }
        nested.add(timestamps.empty() ? kMarch2024 : timestamps.front());

        EXPECT_EQ(linear.count(), whole.count());
        EXPECT_EQ(linear.serialize(), whole.serialize());
        EXPECT_EQ(nested.count(), naive_count(timestamps.empty()
                                                  ? std::vector<std::int64_t>{kMarch2024}
                                                  : timestamps));
    }
}

TEST(DaySet, CopiesAndMovesAreIndependent) {
    DaySet original = collect({kMarch2024});
    DaySet copy = original;
    copy.add(kMarch2024 + kDay);  // same block as the original's cached one
    EXPECT_EQ(original.count(), 1);
    EXPECT_EQ(copy.count(), 2);
    original.add(kMarch2024 + 2 * kDay);
    EXPECT_EQ(original.count(), 2);
    EXPECT_EQ(copy.count(), 2);

    DaySet moved = std::move(copy);
    moved.add(kMarch2024 + 3 * kDay);
    EXPECT_EQ(moved.count(), 3);
    original = moved;
    original.add(kMarch2024 + 4 * kDay);
    EXPECT_EQ(original.count(), 4);
    EXPECT_EQ(moved.count(), 3);
}

TEST(DaySet, InvalidInputIsRejected) {
    const std::vector<std::uint8_t> good = collect({kMarch2024, -kDay}).serialize();
    // Two blocks, each 8 + 2 + 8 bytes: offsets 5 and 23.
    ASSERT_EQ(good.size(), 5u + 2 * 18);
    for (std::size_t size = 0; size < good.size(); ++size)
        expect_error([&] { DaySet::deserialize(good.data(), size); }, "22P03");
    expect_error([] { DaySet::deserialize(nullptr, 0); }, "22P03");

    auto edited = [&](auto edit) {
        std::vector<std::uint8_t> bytes = good;
        edit(bytes);
        return bytes;
    };
    auto put_i64 = [](std::vector<std::uint8_t>& bytes, std::size_t offset, std::int64_t value) {
        for (std::size_t byte = 0; byte < 8; ++byte)
            bytes.at(offset + byte) =
                static_cast<std::uint8_t>(static_cast<std::uint64_t>(value) >> (8 * byte));
    };
    const std::vector<std::pair<std::vector<std::uint8_t>, const char*>> cases = {
        {edited([](auto& b) { b[0] = 9; }), "version"},
        {edited([](auto& b) { b.push_back(0); }), "Trailing"},
        {edited([](auto& b) { b[1] = 3; }), "Too many"},
        {edited([](auto& b) { b[4] = 0xFF; }), "Too many"},
        {edited([&](auto& b) { put_i64(b, 5, 9); }), "ascending"},
        {edited([&](auto& b) { put_i64(b, 23, -1); }), "ascending"},
        {edited([&](auto& b) { put_i64(b, 5, kMinusInfinity); }), "out of range"},
        {edited([&](auto& b) { put_i64(b, 23, std::int64_t{1} << 40); }), "out of range"},
        {edited([](auto& b) { b[13] = 0; b[14] = 0; }), "empty"},
        {edited([&](auto& b) { put_i64(b, 15, 0); }), "zero"},
        {edited([](auto& b) { b[13] |= 0x80; }), "ends too early"},
    };
    for (const auto& [input, why] : cases) {
        const std::vector<std::uint8_t>& bytes = input;  // lambdas cannot capture a binding
        expect_error([&] { DaySet::deserialize(bytes.data(), bytes.size()); }, "22P03", why);
    }
}

TEST(DaySet, MutatedInputIsRejectedOrCanonical) {
    std::mt19937_64 random(13);
    const std::vector<std::uint8_t> good = collect(random_timestamps(random, 300, 2)).serialize();
    std::uniform_int_distribution<std::size_t> offset(0, good.size() - 1);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int trial = 0; trial < 20'000; ++trial) {
        std::vector<std::uint8_t> bytes = good;
        for (int flips = 0; flips <= trial % 3; ++flips)
            bytes[offset(random)] = static_cast<std::uint8_t>(byte(random));
        try {
            EXPECT_EQ(DaySet::deserialize(bytes.data(), bytes.size()).serialize(), bytes);
        } catch (const Error& error) {
            EXPECT_STREQ(error.sqlstate(), "22P03");
        }
    }
}

TEST(DaySet, StaysBoundedOverAMillionRows) {
    std::mt19937_64 random(1);
    std::uniform_int_distribution<std::int64_t> ten_years(0, 3653 * kDay - 1);
    DaySet set;
    for (int i = 0; i < 1'000'000; ++i)
        set.add(kMarch2024 + ten_years(random));
    EXPECT_EQ(set.count(), 3653);
    EXPECT_LE(set.dense_blocks(), 8u);
    EXPECT_EQ(set.sparse_blocks(), 0u);
    EXPECT_LE(set.serialize().size(), 5u + 5 * (10 + 128));
}

TEST(DaySet, CancellationIsPolledOverManyBlocks) {
    // Dates 3 years apart from 1 AD on: one block each, most of them in the map.
    DaySet set;
    for (std::int64_t i = 0; i < 3000; ++i)
        set.add((-730'000 + i * 1100) * kDay);
    static int polls;
    polls = 0;
    const InterruptHook previous = set_interrupt_hook([] { ++polls; });
    const std::vector<std::uint8_t> bytes = set.serialize();
    const int serialize_polls = polls;
    DaySet copy = DaySet::deserialize(bytes.data(), bytes.size());
    const int deserialize_polls = polls - serialize_polls;
    DaySet merged;
    merged.merge(copy);
    set_interrupt_hook(previous);
    EXPECT_GE(serialize_polls, 2);  // one pass to count, one to write: 1 poll per 1024 blocks
    EXPECT_GE(deserialize_polls, 2);
    EXPECT_GE(polls - serialize_polls - deserialize_polls, 2);
    EXPECT_EQ(merged.count(), 3000);
}

using test_support::CountingResource;

TEST(DaySet, AllocatesOnlyFromTheGivenResource) {
    CountingResource memory;
    std::pmr::memory_resource* const previous =
        std::pmr::set_default_resource(std::pmr::null_memory_resource());
    {
        DaySet set(&memory);
        EXPECT_EQ(memory.live, 0u);
        set.add(kMarch2024);
        set.add(-kMarch2024);
        EXPECT_GE(memory.live, 2 * 128u);
        const std::vector<std::uint8_t> bytes = set.serialize();
        DaySet copy = DaySet::deserialize(bytes.data(), bytes.size(), &memory);
        copy.merge(set);
        EXPECT_EQ(copy.count(), 2);
    }
    std::pmr::set_default_resource(previous);
    EXPECT_EQ(memory.live, 0u);
}

}  // namespace
}  // namespace railway
