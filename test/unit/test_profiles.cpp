#include "core/error.hpp"
#include "core/profiles.hpp"

#include <gtest/gtest.h>

#include "support.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace railway {
namespace {

constexpr std::int64_t kHour = 3'600'000'000;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kInfinity = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinusInfinity = std::numeric_limits<std::int64_t>::min();
// 2024-03-01 00:00:00.
constexpr std::int64_t kMarch2024 = 8'826 * kDay;

using test_support::expect_error;

std::size_t hour_of(std::int64_t timestamp) {
    HourlyProfile profile;
    profile.add(timestamp);
    for (std::size_t hour = 0; hour < HourlyProfile::kHours; ++hour)
        if (profile.counts()[hour] == 1)
            return hour;
    ADD_FAILURE() << "no hour counted for " << timestamp;
    return 99;
}

// Serialized profile whose first count is `first` and the others 0.
template <typename Profile>
std::vector<std::uint8_t> with_first_count(std::int64_t first) {
    std::vector<std::uint8_t> bytes = Profile().serialize();
    for (int byte = 0; byte < 8; ++byte)
        bytes[1 + byte] =
            static_cast<std::uint8_t>(static_cast<std::uint64_t>(first) >> (8 * byte));
    return bytes;
}

TEST(HourlyProfile, CountsTheHourOfTheDay) {
    EXPECT_EQ(hour_of(kMarch2024), 0u);
    EXPECT_EQ(hour_of(kMarch2024 + kHour - 1), 0u);
    EXPECT_EQ(hour_of(kMarch2024 + kHour), 1u);
    EXPECT_EQ(hour_of(kMarch2024 + 13 * kHour + 1234), 13u);
    EXPECT_EQ(hour_of(kMarch2024 + kDay - 1), 23u);
    EXPECT_EQ(hour_of(0), 0u);
}

TEST(HourlyProfile, TimestampsBefore2000Floor) {
    EXPECT_EQ(hour_of(-1), 23u);  // 1999-12-31 23:59:59.999999
    EXPECT_EQ(hour_of(-kHour), 23u);
    EXPECT_EQ(hour_of(-kHour - 1), 22u);
    EXPECT_EQ(hour_of(-kDay), 0u);
    EXPECT_EQ(hour_of(-211'813'488'000'000'000), 0u);  // 4714-11-24 BC 00:00
    EXPECT_EQ(hour_of(kMinusInfinity + 1), hour_of(kMinusInfinity + 1 + 400 * kDay));
}

TEST(HourlyProfile, InfiniteTimestampsAreRejected) {
    HourlyProfile profile;
    expect_error([&] { profile.add(kInfinity); }, "22008", "infinite timestamp");
    expect_error([&] { profile.add(kMinusInfinity); }, "22008", "-infinity");
    EXPECT_EQ(profile.counts(), (std::array<std::int64_t, 24>{}));
}

TEST(HourlyProfile, MatchesANaiveComputationOnRandomTimestamps) {
    std::mt19937_64 random(3);
    std::uniform_int_distribution<std::int64_t> any(kMinusInfinity + 1, kInfinity - 1);
    HourlyProfile profile;
    std::array<std::int64_t, 24> expected{};
    for (int i = 0; i < 100'000; ++i) {
        const std::int64_t timestamp = any(random);
        profile.add(timestamp);
        // Shift by a whole number of days into positive territory, then plain division.
        __extension__ const __int128 shifted = static_cast<__int128>(timestamp) +
                                               static_cast<__int128>(kDay) * 200'000'000;
        ++expected[static_cast<std::size_t>(shifted % kDay / kHour)];
    }
    EXPECT_EQ(profile.counts(), expected);
}

TEST(HourlyProfile, MergeAndSerializationRoundTrip) {
    HourlyProfile a;
    HourlyProfile b;
    HourlyProfile whole;
    for (int i = 0; i < 1000; ++i) {
        const std::int64_t timestamp = kMarch2024 + i * 37 * 60'000'000LL;
        (i % 3 == 0 ? a : b).add(timestamp);
        whole.add(timestamp);
    }
    const std::vector<std::uint8_t> bytes_a = a.serialize();
    const std::vector<std::uint8_t> bytes_b = b.serialize();
    EXPECT_EQ(bytes_a.size(), 193u);
    HourlyProfile merged = HourlyProfile::deserialize(bytes_b.data(), bytes_b.size());
    merged.merge(HourlyProfile::deserialize(bytes_a.data(), bytes_a.size()));
    EXPECT_EQ(merged.counts(), whole.counts());
    EXPECT_EQ(merged.serialize(), whole.serialize());
    merged.merge(HourlyProfile());
    EXPECT_EQ(merged.counts(), whole.counts());
}

TEST(HourlyProfile, InvalidInputIsRejected) {
    const std::vector<std::uint8_t> good = HourlyProfile().serialize();
    for (std::size_t size = 0; size < good.size(); ++size)
        expect_error([&] { HourlyProfile::deserialize(good.data(), size); }, "22P03", "bytes");
    std::vector<std::uint8_t> bytes = good;
    bytes.push_back(0);
    expect_error([&] { HourlyProfile::deserialize(bytes.data(), bytes.size()); }, "22P03");
    bytes = good;
    bytes[0] = 2;
    expect_error([&] { HourlyProfile::deserialize(bytes.data(), bytes.size()); }, "22P03",
                 "version");
    bytes = with_first_count<HourlyProfile>(-1);
    expect_error([&] { HourlyProfile::deserialize(bytes.data(), bytes.size()); }, "22P03",
                 "negative");
    // A weekday profile is not an hourly one.
    bytes = WeekdayProfile().serialize();
    expect_error([&] { HourlyProfile::deserialize(bytes.data(), bytes.size()); }, "22P03");
}

TEST(HourlyProfile, MergeOverflowIsAnError) {
    const std::vector<std::uint8_t> bytes =
        with_first_count<HourlyProfile>(std::numeric_limits<std::int64_t>::max());
    HourlyProfile full = HourlyProfile::deserialize(bytes.data(), bytes.size());
    HourlyProfile one;
    one.add(kMarch2024);
    expect_error([&] { full.merge(one); }, "22003");
    EXPECT_EQ(full.counts()[0], std::numeric_limits<std::int64_t>::max());
}

TEST(WeekdayProfile, CountsEachTrueDay) {
    WeekdayProfile profile;
    profile.add(kAllDays);
    profile.add(0x1F);  // Monday to Friday
    profile.add(0x60);  // weekend
    profile.add(0);     // nothing true (all false or NULL)
    EXPECT_EQ(profile.counts(), (std::array<std::int64_t, 7>{2, 2, 2, 2, 2, 2, 2}));
    profile.add(0x01);
    profile.add(0x40);
    profile.add(0x40);
    EXPECT_EQ(profile.counts(), (std::array<std::int64_t, 7>{3, 2, 2, 2, 2, 2, 4}));
}

TEST(WeekdayProfile, MasksAboveSundayAreRejected) {
    WeekdayProfile profile;
    expect_error([&] { profile.add(0x80); }, "22023", "above Sunday");
    expect_error([&] { profile.add(0xFF); }, "22023");
    EXPECT_EQ(profile.counts(), (std::array<std::int64_t, 7>{}));
}

TEST(WeekdayProfile, MergeAndSerializationRoundTrip) {
    std::mt19937_64 random(9);
    std::uniform_int_distribution<int> mask(0, kAllDays);
    WeekdayProfile parts[3];
    WeekdayProfile whole;
    for (int i = 0; i < 10'000; ++i) {
        const auto days = static_cast<DayMask>(mask(random));
        parts[i % 3].add(days);
        whole.add(days);
    }
    WeekdayProfile merged;
    for (const WeekdayProfile& part : parts) {
        const std::vector<std::uint8_t> bytes = part.serialize();
        EXPECT_EQ(bytes.size(), 57u);
        merged.merge(WeekdayProfile::deserialize(bytes.data(), bytes.size()));
    }
    EXPECT_EQ(merged.counts(), whole.counts());
    EXPECT_EQ(merged.serialize(), whole.serialize());
}

TEST(WeekdayProfile, InvalidInputIsRejected) {
    const std::vector<std::uint8_t> good = WeekdayProfile().serialize();
    for (std::size_t size = 0; size < good.size(); ++size)
        expect_error([&] { WeekdayProfile::deserialize(good.data(), size); }, "22P03");
    std::vector<std::uint8_t> bytes = good;
    bytes[0] = 0;
    expect_error([&] { WeekdayProfile::deserialize(bytes.data(), bytes.size()); }, "22P03",
                 "version");
    bytes = with_first_count<WeekdayProfile>(std::numeric_limits<std::int64_t>::min());
    expect_error([&] { WeekdayProfile::deserialize(bytes.data(), bytes.size()); }, "22P03",
                 "negative");
    bytes = HourlyProfile().serialize();
    expect_error([&] { WeekdayProfile::deserialize(bytes.data(), bytes.size()); }, "22P03");
}

TEST(WeekdayProfile, MergeOverflowIsAnError) {
    const std::vector<std::uint8_t> bytes =
        with_first_count<WeekdayProfile>(std::numeric_limits<std::int64_t>::max());
    WeekdayProfile full = WeekdayProfile::deserialize(bytes.data(), bytes.size());
    WeekdayProfile one;
    one.add(0x01);
    expect_error([&] { full.merge(one); }, "22003");
}

}  // namespace
}  // namespace railway
