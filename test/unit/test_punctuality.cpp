#include "core/error.hpp"
#include "core/interrupts.hpp"
#include "core/punctuality.hpp"

#include <gtest/gtest.h>

#include "support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory_resource>
#include <optional>
#include <random>
#include <vector>

namespace railway {
namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kDay = 24 * 60 * kMinute;
constexpr std::int64_t kFiveMinutes = PunctualityState::kDefaultOnTimeWithinMicros;
constexpr std::int64_t kInfinity = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinusInfinity = std::numeric_limits<std::int64_t>::min();
// 2024-03-01 08:00:00 in PostgreSQL's representation.
constexpr std::int64_t kMorning = 8'826LL * kDay + 8 * 60 * kMinute;

using Int128 = PunctualityState::Int128;

struct Row {
    std::optional<std::int64_t> scheduled;
    std::optional<std::int64_t> actual;
};

Row delayed(std::int64_t delay) { return {kMorning, kMorning + delay}; }

PunctualityState aggregate(const std::vector<Row>& rows,
                           std::int64_t on_time_within = kFiveMinutes) {
    PunctualityState state;
    for (const Row& row : rows)
        state.add(row.scheduled, row.actual, on_time_within);
    return state;
}

// What the SQL definition computes, the slow and obvious way: every whole-minute delay in a
// sorted vector and percentile_disc's rank formula.
PunctualityStats naive_stats(const std::vector<Row>& rows, std::int64_t on_time_within) {
    PunctualityStats stats;
    std::vector<std::int64_t> minutes;
    Int128 sum = 0;
    for (const Row& row : rows) {
        if (!row.scheduled)
            continue;
        ++stats.runs;
        if (!row.actual)
            continue;
        const std::int64_t delay = *row.actual - *row.scheduled;
        ++stats.measured;
        stats.on_time += delay <= on_time_within;
        sum += delay;
        minutes.push_back(delay / kMinute - (delay % kMinute < 0 ? 1 : 0));
    }
    if (minutes.empty())
        return stats;
    std::sort(minutes.begin(), minutes.end());
    const auto n = static_cast<std::int64_t>(minutes.size());
    auto disc = [&](double fraction) {
        const auto rownum = static_cast<std::int64_t>(std::ceil(fraction * static_cast<double>(n)));
        return static_cast<double>(minutes[static_cast<std::size_t>(rownum <= 1 ? 0 : rownum - 1)]);
    };
    stats.on_time_pct = 100.0 * static_cast<double>(stats.on_time) / static_cast<double>(n);
    stats.avg_delay_min = static_cast<double>(static_cast<long double>(sum) / n / kMinute);
    stats.p50_delay_min = disc(0.5);
    stats.p90_delay_min = disc(0.9);
    stats.p95_delay_min = disc(0.95);
    stats.p99_delay_min = disc(0.99);
    stats.max_delay_min = static_cast<double>(minutes.back());
    return stats;
}

// Everything must match exactly, except the mean, which two different (both correct)
// roundings may put one unit in the last place apart.
void expect_same(const PunctualityStats& got, const PunctualityStats& want) {
    EXPECT_EQ(got.runs, want.runs);
    EXPECT_EQ(got.measured, want.measured);
    EXPECT_EQ(got.on_time, want.on_time);
    EXPECT_EQ(got.on_time_pct, want.on_time_pct);
    ASSERT_EQ(got.avg_delay_min.has_value(), want.avg_delay_min.has_value());
    if (want.avg_delay_min) {
        EXPECT_DOUBLE_EQ(*got.avg_delay_min, *want.avg_delay_min);
    }
    EXPECT_EQ(got.p50_delay_min, want.p50_delay_min);
    EXPECT_EQ(got.p90_delay_min, want.p90_delay_min);
    EXPECT_EQ(got.p95_delay_min, want.p95_delay_min);
    EXPECT_EQ(got.p99_delay_min, want.p99_delay_min);
    EXPECT_EQ(got.max_delay_min, want.max_delay_min);
}

// The results of two states built from the same rows in different ways are bit-identical.
void expect_identical(const PunctualityStats& got, const PunctualityStats& want) {
    expect_same(got, want);
    EXPECT_EQ(got.avg_delay_min, want.avg_delay_min);
}

using test_support::expect_error;

PunctualityState round_trip(const PunctualityState& state) {
    const std::vector<std::uint8_t> bytes = state.serialize();
    return PunctualityState::deserialize(bytes.data(), bytes.size());
}

// Realistic delays: mostly a few minutes either way, a tail of hours, rare days; some early
// arrivals by a few seconds (so -1 minute occurs) and rows without actual or scheduled time.
std::vector<Row> realistic_rows(std::mt19937_64& random, std::size_t count) {
    std::vector<Row> rows;
    rows.reserve(count);
    std::uniform_int_distribution<std::int64_t> day(-3650, 3650);
    std::uniform_int_distribution<int> kind(0, 99);
    std::uniform_int_distribution<std::int64_t> small(-3 * kMinute, 20 * kMinute);
    std::uniform_int_distribution<std::int64_t> hours(0, 6 * 60 * kMinute);
    std::uniform_int_distribution<std::int64_t> days(0, 3 * kDay);
    for (std::size_t i = 0; i < count; ++i) {
        const std::int64_t scheduled = kMorning + day(random) * kDay;
        const int k = kind(random);
        if (k == 0) {
            rows.push_back({std::nullopt, scheduled});
            continue;
        }
        if (k <= 3) {
            rows.push_back({scheduled, std::nullopt});
            continue;
        }
        const std::int64_t delay = k <= 90 ? small(random) : k <= 98 ? hours(random) : days(random);
        rows.push_back({scheduled, scheduled + delay});
    }
    return rows;
}

// Delays from all over the int64 range as well as realistic ones, to exercise the sparse map.
std::vector<Row> wild_rows(std::mt19937_64& random, std::size_t count) {
    std::vector<Row> rows = realistic_rows(random, count);
    std::uniform_int_distribution<std::int64_t> far(-400 * kDay, 400 * kDay);
    std::uniform_int_distribution<std::int64_t> anywhere(-(std::int64_t{1} << 61),
                                                         std::int64_t{1} << 61);
    std::uniform_int_distribution<int> kind(0, 9);
    for (Row& row : rows) {
        if (!row.scheduled || !row.actual)
            continue;
        const int k = kind(random);
        if (k == 0)
            row.actual = *row.scheduled + far(random);
        else if (k == 1)
            row = {anywhere(random), anywhere(random)};
    }
    return rows;
}

TEST(Punctuality, EmptyStateHasCountsZeroAndFiguresNull) {
    const PunctualityStats stats = PunctualityState().stats();
    expect_identical(stats, PunctualityStats{});
    EXPECT_FALSE(stats.on_time_pct);
    EXPECT_FALSE(stats.max_delay_min);
    expect_identical(round_trip(PunctualityState()).stats(), PunctualityStats{});
}

TEST(Punctuality, OneRow) {
    const PunctualityStats stats = aggregate({delayed(3 * kMinute)}).stats();
    EXPECT_EQ(stats.runs, 1);
    EXPECT_EQ(stats.measured, 1);
    EXPECT_EQ(stats.on_time, 1);
    EXPECT_EQ(stats.on_time_pct, 100.0);
    EXPECT_EQ(stats.avg_delay_min, 3.0);
    EXPECT_EQ(stats.p50_delay_min, 3.0);
    EXPECT_EQ(stats.p90_delay_min, 3.0);
    EXPECT_EQ(stats.p95_delay_min, 3.0);
    EXPECT_EQ(stats.p99_delay_min, 3.0);
    EXPECT_EQ(stats.max_delay_min, 3.0);
}

TEST(Punctuality, RowsWithoutActualCountAsRunsOnly) {
    const PunctualityStats stats =
        aggregate({{kMorning, std::nullopt}, {kMorning, std::nullopt}, {kMorning, std::nullopt}})
            .stats();
    EXPECT_EQ(stats.runs, 3);
    EXPECT_EQ(stats.measured, 0);
    EXPECT_EQ(stats.on_time, 0);
    EXPECT_FALSE(stats.on_time_pct);
    EXPECT_FALSE(stats.avg_delay_min);
    EXPECT_FALSE(stats.p50_delay_min);
    EXPECT_FALSE(stats.p99_delay_min);
    EXPECT_FALSE(stats.max_delay_min);
}

TEST(Punctuality, RowsWithoutScheduledAreIgnored) {
    const PunctualityStats stats =
        aggregate({{std::nullopt, kMorning}, {std::nullopt, std::nullopt}, delayed(0)}).stats();
    EXPECT_EQ(stats.runs, 1);
    EXPECT_EQ(stats.measured, 1);
}

TEST(Punctuality, UnmeasuredRowsDoNotDiluteTheDelay) {
    // The operations guide's CASE ... ELSE 0 would report an average of 5 here.
    const PunctualityStats stats =
        aggregate({delayed(10 * kMinute), {kMorning, std::nullopt}}).stats();
    EXPECT_EQ(stats.avg_delay_min, 10.0);
    EXPECT_EQ(stats.on_time_pct, 0.0);
}

TEST(Punctuality, WholeMinutesFloorSoEarlyArrivalsAreNegative) {
    const std::vector<std::pair<std::int64_t, double>> cases = {
        {-30 * kSecond, -1.0}, {-1, -1.0},        {-60 * kSecond, -1.0},
        {-61 * kSecond, -2.0}, {0, 0.0},          {59 * kSecond + 999'999, 0.0},
        {60 * kSecond, 1.0},   {-kDay, -1440.0},  {-kDay - 1, -1441.0}};
    for (const auto& [delay, minute] : cases) {
        const PunctualityStats stats = aggregate({delayed(delay)}).stats();
        EXPECT_EQ(stats.max_delay_min, minute) << delay;
        EXPECT_EQ(stats.p50_delay_min, minute) << delay;
        EXPECT_DOUBLE_EQ(*stats.avg_delay_min, static_cast<double>(delay) / kMinute) << delay;
    }
}

TEST(Punctuality, AverageIsExactWhileMinutesAreWhole) {
    const PunctualityStats stats =
        aggregate({delayed(-30 * kSecond), delayed(90 * kSecond), delayed(30 * kSecond)}).stats();
    EXPECT_DOUBLE_EQ(*stats.avg_delay_min, 0.5);  // (-0.5 + 1.5 + 0.5) / 3
    EXPECT_EQ(stats.p50_delay_min, 0.0);          // minutes -1, 0, 1
    EXPECT_EQ(stats.max_delay_min, 1.0);
}

TEST(Punctuality, PercentilesFollowPercentileDiscRanks) {
    // Delays of 1..100 minutes: rank ceil(p * 100) is the value itself.
    std::vector<Row> rows;
    for (int minute = 100; minute >= 1; --minute)
        rows.push_back(delayed(minute * kMinute + 17 * kSecond));
    PunctualityStats stats = aggregate(rows).stats();
    EXPECT_EQ(stats.p50_delay_min, 50.0);
    EXPECT_EQ(stats.p90_delay_min, 90.0);
    EXPECT_EQ(stats.p95_delay_min, 95.0);
    EXPECT_EQ(stats.p99_delay_min, 99.0);
    EXPECT_EQ(stats.max_delay_min, 100.0);

    // Three rows 0, 10, 20: ranks ceil(1.5) = 2, ceil(2.7) = 3, ...
    stats = aggregate({delayed(20 * kMinute), delayed(0), delayed(10 * kMinute)}).stats();
    EXPECT_EQ(stats.p50_delay_min, 10.0);
    EXPECT_EQ(stats.p90_delay_min, 20.0);
    EXPECT_EQ(stats.p99_delay_min, 20.0);

    // Two rows: p50 has rank ceil(1.0) = 1, the lower one (nearest rank, no interpolation).
    stats = aggregate({delayed(7 * kMinute), delayed(3 * kMinute)}).stats();
    EXPECT_EQ(stats.p50_delay_min, 3.0);
    EXPECT_EQ(stats.p90_delay_min, 7.0);
}

TEST(Punctuality, OnTimeIncludesTheThresholdItself) {
    PunctualityStats stats = aggregate({delayed(kFiveMinutes), delayed(kFiveMinutes + 1)}).stats();
    EXPECT_EQ(stats.on_time, 1);
    EXPECT_EQ(stats.on_time_pct, 50.0);

    stats = aggregate({delayed(-kMinute), delayed(-kMinute - 1), delayed(0)}, -kMinute).stats();
    EXPECT_EQ(stats.on_time, 2);

    stats = aggregate({delayed(0), delayed(1)}, 0).stats();
    EXPECT_EQ(stats.on_time, 1);

    // Early arrivals are on time.
    stats = aggregate({delayed(-kDay)}).stats();
    EXPECT_EQ(stats.on_time, 1);
}

TEST(Punctuality, OnTimePercentageIsAPlainRatio) {
    const PunctualityStats stats =
        aggregate({delayed(0), delayed(0), delayed(kDay), {kMorning, std::nullopt}}).stats();
    EXPECT_EQ(stats.on_time_pct, 100.0 * 2 / 3);
}

TEST(Punctuality, DelaysOverADayJoinTheDenseWindowOnceThereAreRowsEnough) {
    std::vector<Row> rows = {delayed(0), delayed(26 * 60 * kMinute), delayed(-2 * kDay)};
    PunctualityState state = aggregate(rows);
    // Three rows may not widen the window beyond 64 minutes: the far delays are sparse.
    EXPECT_EQ(state.sparse_minutes(), 2u);
    EXPECT_EQ(state.dense_minutes(), 64u);
    for (int i = 0; i < 5000; ++i) {
        rows.push_back(delayed(i % 20 * kMinute));
        state.add(rows.back().scheduled, rows.back().actual);
    }
    // These grow the window (up, then down) over both sparse minutes.
    for (const std::int64_t delay : {30 * 60 * kMinute, -49 * 60 * kMinute}) {
        rows.push_back(delayed(delay));
        state.add(rows.back().scheduled, rows.back().actual);
    }
    EXPECT_EQ(state.sparse_minutes(), 0u);
    EXPECT_LE(state.dense_minutes(), 8192u);
    const PunctualityStats stats = state.stats();
    expect_same(stats, naive_stats(rows, kFiveMinutes));
    EXPECT_EQ(stats.max_delay_min, 30.0 * 60);
    expect_identical(round_trip(state).stats(), stats);
}

TEST(Punctuality, DelaysBeyondTheDenseWindowAreStillExact) {
    // 100 days late, 60 days early: together more than 45.5 days apart from the rest.
    std::vector<Row> rows = {delayed(100 * kDay + 5 * kSecond), delayed(-60 * kDay - kSecond),
                             delayed(2 * kMinute), delayed(100 * kDay + 5 * kSecond)};
    for (int i = 0; i < 96; ++i)
        rows.push_back(delayed(i % 10 * kMinute));
    const PunctualityState state = aggregate(rows);
    EXPECT_GT(state.sparse_minutes(), 0u);
    EXPECT_LE(state.dense_minutes(), static_cast<std::size_t>(PunctualityState::kDenseMaxMinutes));
    const PunctualityStats stats = state.stats();
    expect_same(stats, naive_stats(rows, kFiveMinutes));
    EXPECT_EQ(stats.max_delay_min, 100.0 * 1440);
    EXPECT_EQ(stats.p99_delay_min, 100.0 * 1440);
    EXPECT_EQ(stats.p50_delay_min, 4.0);
    expect_identical(round_trip(state).stats(), stats);
}

TEST(Punctuality, AnOutlierFirstRowDoesNotPushOrdinaryDelaysOutOfTheWindow) {
    std::vector<Row> rows = {delayed(200 * kDay)};
    for (int i = 0; i < 1000; ++i)
        rows.push_back(delayed((i % 50 - 5) * kMinute));
    const PunctualityState state = aggregate(rows);
    EXPECT_EQ(state.sparse_minutes(), 1u);
    EXPECT_EQ(state.dense_minutes(), 64u);
}

TEST(Punctuality, TheWindowIsNeverWiderThanTwiceTheRows) {
    constexpr std::int64_t kReach = 40'000;  // minutes either way
    std::mt19937_64 random(17);
    std::vector<std::vector<std::int64_t>> orders = {
        {kReach, -kReach},
        {-kReach, kReach},
        {0, 40, 1000, 20'000, -kReach, kReach},
        {-100, -5000, -16'000, kReach, -kReach},
    };
    std::uniform_int_distribution<std::int64_t> minute(-kReach, kReach);
    for (int i = 0; i < 200; ++i) {
        std::vector<std::int64_t> order(static_cast<std::size_t>(2 + i * 7 % 300));
        for (std::int64_t& m : order)
            m = minute(random) / (1 + i % 5);
        orders.push_back(order);
    }
    for (const auto& order : orders) {
        PunctualityState state;
        std::vector<Row> rows;
        for (const std::int64_t m : order) {
            rows.push_back({kMorning, kMorning + m * kMinute + 59 * kSecond});
            state.add(rows.back().scheduled, rows.back().actual);
            const auto measured = static_cast<std::int64_t>(rows.size());
            EXPECT_LE(state.dense_minutes(),
                      static_cast<std::size_t>(PunctualityState::kDenseMaxMinutes));
            EXPECT_LE(static_cast<std::int64_t>(state.dense_minutes()),
                      std::max<std::int64_t>(64, 2 * measured));
        }
        expect_same(state.stats(), naive_stats(rows, kFiveMinutes));
        expect_identical(round_trip(state).stats(), state.stats());
    }
}

TEST(Punctuality, DelaysThatWidenAfterTheFirstRowCostLittle) {
    // The attack on hash aggregation: a group created with an ordinary delay, then delays that
    // used to widen the window to 512 KiB. Memory now follows the rows.
    test_support::CountingResource memory;
    PunctualityState state(&memory);
    state.add(kMorning, kMorning);
    state.add(kMorning, kMorning + 40'000 * kMinute);
    state.add(kMorning, kMorning - 20'000 * kMinute);
    EXPECT_EQ(state.dense_minutes(), 64u);
    EXPECT_LE(memory.live, 1024u);
    EXPECT_EQ(state.stats().max_delay_min, 40'000.0);
}

TEST(Punctuality, MemoryFollowsDistinctMinutesAtAboutTenBytesEach) {
    // A million distinct delay minutes, in a scattered order: exact percentiles need them all,
    // at 8 bytes each plus the pending entries (the old map took about 80 bytes each).
    test_support::CountingResource memory;
    PunctualityState state(&memory);
    constexpr std::int64_t kRows = 1'000'000;
    std::size_t peak = 0;
    for (std::int64_t i = 0; i < kRows; ++i) {
        const std::int64_t m = (i * 7919) % kRows * 3;
        state.add(kMorning, kMorning + m * kMinute);
        peak = std::max(peak, memory.live);
    }
    const PunctualityStats stats = state.stats();
    EXPECT_EQ(stats.max_delay_min, 3.0 * (kRows - 1));
    EXPECT_EQ(stats.p50_delay_min, 3.0 * (kRows / 2 - 1));
    EXPECT_LE(memory.live, static_cast<std::size_t>(kRows) * 11 + 200'000);
    EXPECT_LE(peak, static_cast<std::size_t>(kRows) * 19 + 200'000);  // during a merge
    EXPECT_EQ(state.histogram_bytes(), memory.live);
}

TEST(Punctuality, CancellationIsPolledWhileSerializing) {
    PunctualityState state;
    for (std::int64_t i = 0; i < 100'000; ++i)
        state.add(kMorning, kMorning + i * 5 * kMinute);
    static int polls;
    polls = 0;
    const InterruptHook previous = set_interrupt_hook([] { ++polls; });
    const std::vector<std::uint8_t> bytes = state.serialize();
    const int serialize_polls = polls;
    const PunctualityState copy = PunctualityState::deserialize(bytes.data(), bytes.size());
    const int deserialize_polls = polls - serialize_polls;
    PunctualityState merged;
    merged.merge(copy);
    set_interrupt_hook(previous);
    EXPECT_GT(serialize_polls, 50);
    EXPECT_GT(deserialize_polls, 50);
    EXPECT_GT(polls - serialize_polls - deserialize_polls, 50);
    expect_identical(merged.stats(), state.stats());
}

TEST(Punctuality, ExtremeButFiniteDelays) {
    const std::int64_t lowest = kMinusInfinity + 1;
    const std::int64_t highest = kInfinity - 1;
    const std::vector<Row> rows = {{0, highest}, {0, lowest}, {-1, highest - 1}, {highest, -1}};
    const PunctualityState state = aggregate(rows);
    expect_same(state.stats(), naive_stats(rows, kFiveMinutes));
    expect_identical(round_trip(state).stats(), state.stats());
}

TEST(Punctuality, InfiniteTimestampsAreRejectedNamingTheArgument) {
    PunctualityState state;
    expect_error([&] { state.add(kInfinity, kMorning); }, "22008", "scheduled");
    expect_error([&] { state.add(kMinusInfinity, kMorning); }, "22008", "-infinity");
    expect_error([&] { state.add(kMorning, kInfinity); }, "22008", "actual");
    expect_error([&] { state.add(kMorning, kMinusInfinity); }, "22008", "infinite timestamp");
    // No delay is measured without an actual time, so nothing is wrong.
    state.add(kInfinity, std::nullopt);
    EXPECT_EQ(state.stats().runs, 1);
    EXPECT_EQ(state.stats().measured, 0);
}

TEST(Punctuality, DelayOverflowIsAnError) {
    PunctualityState state;
    expect_error([&] { state.add(kMinusInfinity + 1, kInfinity - 1); }, "22008", "out of range");
    EXPECT_EQ(state.stats().runs, 0);  // a failed add() changes nothing
}

TEST(Punctuality, OnTimeWithinIsFixedForTheWholeAggregate) {
    PunctualityState state;
    state.add(std::nullopt, std::nullopt, 10 * kMinute);  // even a row without times fixes it
    state.add(kMorning, kMorning, 10 * kMinute);
    expect_error([&] { state.add(kMorning, kMorning, 5 * kMinute); }, "22023", "10 minutes");

    PunctualityState other;
    other.add(kMorning, kMorning, 90 * kSecond);
    expect_error([&] { state.merge(other); }, "22023", "90 seconds");

    // A state that never saw a row takes the other's threshold.
    PunctualityState empty;
    empty.merge(state);
    expect_error([&] { empty.add(kMorning, kMorning, 5 * kMinute); }, "22023");
    empty.add(kMorning, kMorning + 10 * kMinute, 10 * kMinute);
    EXPECT_EQ(empty.stats().on_time, 2);
    state.merge(PunctualityState());
    EXPECT_EQ(state.stats().measured, 1);
}

TEST(Punctuality, OnTimeWithinFromInterval) {
    EXPECT_EQ(PunctualityState::on_time_within_from_interval(0, 0, 5 * kMinute), kFiveMinutes);
    EXPECT_EQ(PunctualityState::on_time_within_from_interval(0, 1, -kMinute), kDay - kMinute);
    EXPECT_EQ(PunctualityState::on_time_within_from_interval(1, 0, 0), 30 * kDay);
    EXPECT_EQ(PunctualityState::on_time_within_from_interval(-2, 3, 4), -57 * kDay + 4);
    const auto max32 = std::numeric_limits<std::int32_t>::max();
    const auto min32 = std::numeric_limits<std::int32_t>::min();
    EXPECT_EQ(PunctualityState::on_time_within_from_interval(max32, max32, kInfinity), kInfinity);
    EXPECT_EQ(PunctualityState::on_time_within_from_interval(min32, min32, kMinusInfinity),
              kMinusInfinity);
}

TEST(Punctuality, MatchesTheNaiveDefinitionOnRandomRows) {
    std::mt19937_64 random(20240301);
    for (int round = 0; round < 60; ++round) {
        const std::size_t count = std::uniform_int_distribution<std::size_t>(0, 3000)(random);
        const std::vector<Row> rows =
            round % 2 == 0 ? realistic_rows(random, count) : wild_rows(random, count);
        const std::int64_t on_time_within =
            std::uniform_int_distribution<std::int64_t>(-2 * kMinute, 15 * kMinute)(random);
        SCOPED_TRACE(round);
        expect_same(aggregate(rows, on_time_within).stats(), naive_stats(rows, on_time_within));
    }
}

TEST(Punctuality, SplitSerializeMergeGivesIdenticalResults) {
    std::mt19937_64 random(7);
    for (int round = 0; round < 40; ++round) {
        const std::size_t count = std::uniform_int_distribution<std::size_t>(0, 4000)(random);
        const std::vector<Row> rows =
            round % 2 == 0 ? realistic_rows(random, count) : wild_rows(random, count);
        const PunctualityState whole = aggregate(rows);
        SCOPED_TRACE(round);

        // Random parts, as parallel workers would see them, each sent through serialization.
        const std::size_t parts = std::uniform_int_distribution<std::size_t>(1, 9)(random);
        std::vector<PunctualityState> states(parts);
        std::uniform_int_distribution<std::size_t> pick(0, parts - 1);
        for (const Row& row : rows)
            states[pick(random)].add(row.scheduled, row.actual);
        std::vector<PunctualityState> received;
        for (const PunctualityState& state : states)
            received.push_back(round_trip(state));
        std::shuffle(received.begin(), received.end(), random);

        // Combined left to right and as a tree: associativity and commutativity.
        PunctualityState linear;
        for (const PunctualityState& state : received)
            linear.merge(state);
        while (received.size() > 1) {
            std::vector<PunctualityState> next;
            for (std::size_t i = 0; i + 1 < received.size(); i += 2) {
                next.push_back(std::move(received[i + 1]));
                next.back().merge(received[i]);
            }
            if (received.size() % 2 == 1)
                next.push_back(std::move(received.back()));
            received = std::move(next);
        }

        expect_identical(linear.stats(), whole.stats());
        expect_identical(received.front().stats(), whole.stats());
        // The layout is canonical: equal contents serialize to equal bytes.
        EXPECT_EQ(linear.serialize(), whole.serialize());
        EXPECT_EQ(received.front().serialize(), whole.serialize());
    }
}

TEST(Punctuality, SerializedStateIsCompact) {
    std::vector<Row> rows;
    for (int i = 0; i < 10'000; ++i)
        rows.push_back(delayed(i % 30 * kMinute));
    const std::vector<std::uint8_t> bytes = aggregate(rows).serialize();
    EXPECT_LE(bytes.size(), 60u + 30 * 3);
    EXPECT_EQ(bytes[0], PunctualityState::kFormatVersion);
}

TEST(Punctuality, TruncatedOrExtendedInputIsRejected) {
    std::mt19937_64 random(3);
    const std::vector<std::uint8_t> bytes = aggregate(wild_rows(random, 300)).serialize();
    for (std::size_t size = 0; size < bytes.size(); ++size)
        expect_error([&] { PunctualityState::deserialize(bytes.data(), size); }, "22P03");
    std::vector<std::uint8_t> longer = bytes;
    longer.push_back(0);
    expect_error([&] { PunctualityState::deserialize(longer.data(), longer.size()); }, "22P03",
                 "Trailing");
    expect_error([] { PunctualityState::deserialize(nullptr, 0); }, "22P03");
}

TEST(Punctuality, InconsistentStatesAreRejected) {
    const std::vector<std::uint8_t> good =
        aggregate({delayed(kMinute), delayed(3 * kMinute + 1), {kMorning, std::nullopt}})
            .serialize();
    ASSERT_NO_THROW(PunctualityState::deserialize(good.data(), good.size()));
    auto with = [&](std::size_t offset, std::uint8_t value) {
        std::vector<std::uint8_t> bytes = good;
        bytes.at(offset) = value;
        return bytes;
    };
    // Offsets: 0 version, 1 flags, 2 threshold, 10 runs, 18 measured, 26 on_time, 34 sum low,
    // 42 sum high, 50 number of minutes, then (minute, count) varints.
    const std::vector<std::pair<std::vector<std::uint8_t>, const char*>> cases = {
        {with(0, 2), "version"},
        {with(1, 3), "flags"},
        {with(1, 0), "without rows"},
        {with(10, 1), "counts"},          // runs < measured
        {with(26, 3), "counts"},          // on_time > measured
        {with(26, 0), "on-time"},         // both delays are within 5 minutes
        {with(5, 0), "on-time"},          // a 14.8 s threshold makes both late
        {with(37, 0), "sum"},             // sum too small for minutes 1 and 3
        {with(43, 1), "sum"},             // sum far too large
        {with(50, 3), "minutes"},         // more entries than bytes
        {with(52, 0), "count"},           // an entry with count 0
        {with(52, 2), "add up"},          // three rows in the histogram, two measured
    };
    for (const auto& [input, why] : cases) {
        const std::vector<std::uint8_t>& bytes = input;  // lambdas cannot capture a binding
        expect_error([&] { PunctualityState::deserialize(bytes.data(), bytes.size()); }, "22P03",
                     why);
    }

    // Overlong varint for the number of minutes (0x82 0x00 instead of 0x02).
    std::vector<std::uint8_t> overlong = good;
    overlong[50] = 0x82;
    overlong.insert(overlong.begin() + 51, 0x00);
    expect_error([&] { PunctualityState::deserialize(overlong.data(), overlong.size()); },
                 "22P03", "shortest");
}

TEST(Punctuality, MutatedInputIsRejectedOrCanonical) {
    std::mt19937_64 random(11);
    const std::vector<std::uint8_t> good = aggregate(wild_rows(random, 200)).serialize();
    std::uniform_int_distribution<std::size_t> offset(0, good.size() - 1);
    std::uniform_int_distribution<int> byte(0, 255);
    int accepted = 0;
    for (int trial = 0; trial < 20'000; ++trial) {
        std::vector<std::uint8_t> bytes = good;
        const int flips = 1 + trial % 3;
        for (int f = 0; f < flips; ++f)
            bytes[offset(random)] = static_cast<std::uint8_t>(byte(random));
        try {
            const PunctualityState state =
                PunctualityState::deserialize(bytes.data(), bytes.size());
            // Whatever is accepted is a state serialize() would have written.
            EXPECT_EQ(state.serialize(), bytes);
            ++accepted;
        } catch (const Error& error) {
            EXPECT_STREQ(error.sqlstate(), "22P03");
        }
    }
    EXPECT_LT(accepted, 20'000);
    // Pure noise.
    for (int trial = 0; trial < 20'000; ++trial) {
        std::vector<std::uint8_t> noise(static_cast<std::size_t>(trial % 120));
        for (std::uint8_t& b : noise)
            b = static_cast<std::uint8_t>(byte(random));
        if (!noise.empty())
            noise[0] = PunctualityState::kFormatVersion;
        try {
            PunctualityState::deserialize(noise.data(), noise.size());
        } catch (const Error& error) {
            EXPECT_STREQ(error.sqlstate(), "22P03");
        }
    }
}

TEST(Punctuality, StateSizeStaysBoundedOverAMillionRows) {
    std::mt19937_64 random(1);
    std::lognormal_distribution<double> lateness(1.0, 1.2);  // minutes; median ~2.7
    std::uniform_int_distribution<std::int64_t> early(-5 * kMinute, 0);
    std::uniform_int_distribution<std::int64_t> day(0, 5 * 365);
    std::uniform_int_distribution<int> kind(0, 999);
    PunctualityState state;
    std::vector<std::uint8_t> after_1000;
    for (int i = 0; i < 1'000'000; ++i) {
        const std::int64_t scheduled = kMorning + day(random) * kDay;
        const int k = kind(random);
        std::int64_t delay;
        if (k < 200)
            delay = early(random);
        else if (k < 999)
            delay = static_cast<std::int64_t>(std::min(lateness(random), 2000.0) * kMinute);
        else
            delay = 60 * kDay;  // a data-entry error two months off, always the same
        state.add(scheduled, scheduled + delay);
    }
    EXPECT_EQ(state.stats().measured, 1'000'000);
    EXPECT_LE(state.dense_minutes(), 4096u);
    EXPECT_EQ(state.sparse_minutes(), 1u);
    EXPECT_LT(state.serialize().size(), 4096u);
}

using test_support::CountingResource;

TEST(Punctuality, AllocatesOnlyFromTheGivenResource) {
    CountingResource memory;
    std::pmr::memory_resource* const previous =
        std::pmr::set_default_resource(std::pmr::null_memory_resource());
    {
        PunctualityState state(&memory);
        EXPECT_EQ(memory.total, 0u);  // construction allocates nothing
        state.add(kMorning, kMorning + kMinute);
        state.add(kMorning, kMorning + 200 * kDay);
        EXPECT_GT(memory.live, 64 * sizeof(std::int64_t));
        const std::vector<std::uint8_t> bytes = state.serialize();
        PunctualityState copy = PunctualityState::deserialize(bytes.data(), bytes.size(), &memory);
        PunctualityState moved(std::move(copy));
        moved.merge(state);
        EXPECT_EQ(moved.stats().measured, 4);
    }
    std::pmr::set_default_resource(previous);
    EXPECT_EQ(memory.live, 0u);
}

TEST(Punctuality, StateIsSmallAndTakesNothingBeforeItsFirstMeasuredRow) {
    // The per-group value of hash aggregation: 88 bytes, no allocation for a state without
    // measured rows, the sparse minutes only once a minute falls outside the window.
    EXPECT_LE(sizeof(PunctualityState), 88u);
    test_support::CountingResource memory;
    PunctualityState state(&memory);
    state.add(kMorning, std::nullopt);
    EXPECT_EQ(memory.live, 0u);
    state.add(kMorning, kMorning + 3 * kMinute);
    EXPECT_EQ(memory.live, 64 * sizeof(std::int64_t));
    state.add(kMorning, kMorning + 100'000 * kMinute);
    EXPECT_EQ(state.sparse_minutes(), 1u);
    EXPECT_EQ(state.histogram_bytes(), memory.live);
}

TEST(Punctuality, MovingAStateTakesItsMemoryOver) {
    test_support::CountingResource memory;
    {
        PunctualityState state(&memory);
        for (std::int64_t m : {-3, 0, 2, 90'000})
            state.add(kMorning, kMorning + m * kMinute);
        const PunctualityStats before = state.stats();  // (merges the pending outlier first)
        const std::size_t held = memory.live;
        PunctualityState moved(std::move(state));
        EXPECT_EQ(memory.live, held);
        expect_identical(moved.stats(), before);
        PunctualityState other(&memory);
        other.add(kMorning, kMorning + 7 * kMinute);
        other = std::move(moved);  // frees other's window
        EXPECT_EQ(memory.live, held);
        expect_identical(other.stats(), before);
    }
    EXPECT_EQ(memory.live, 0u);
}


}  // namespace
}  // namespace railway
