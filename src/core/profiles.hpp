// The states of railway.hourly_profile(timestamp) -> bigint[24] and
// railway.weekday_profile(boolean[]) -> bigint[7]: fixed arrays of counters (192 and 56 bytes,
// no allocation at all), so they can live directly in the aggregate's memory.
#pragma once
#include "pure.hpp"

#include "calendar.hpp"
#include "running_days.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace railway {

// How many rows fall in each hour of the day: counts()[h] for h:00:00 to h:59:59.
class HourlyProfile {
public:
    static constexpr std::size_t kHours = 24;
    // Version byte of serialize()'s layout.
    static constexpr std::uint8_t kFormatVersion = 1;

    // Counts the hour of a PostgreSQL timestamp (microseconds since 2000-01-01 00:00:00),
    // flooring, so 1999-12-31 23:30 is hour 23. Throws 22008 for -infinity / +infinity.
    void add(std::int64_t timestamp) { ++counts_[hour_of(timestamp)]; }

    // The index in counts() of a timestamp's hour (what add() counts). Throws 22008 for
    // -infinity / +infinity. For the boundary, which counts in place in a flat state.
    static std::size_t hour_of(std::int64_t timestamp) {
        if (timestamp == kTimestampInfinity || timestamp == kTimestampMinusInfinity)
            throw_infinite(timestamp);
        return static_cast<std::size_t>(floor_mod(timestamp, kUsecPerDay) / kUsecPerHour);
    }

    // Adds the counts of `other`. Throws 22003 when a count overflows.
    void merge(const HourlyProfile& other);

    const std::array<std::int64_t, kHours>& counts() const { return counts_; }

    // Layout (version 1): u8 version (1), then the 24 counts as i64 little-endian; 193 bytes.
    std::vector<std::uint8_t> serialize() const;
    // Inverse of serialize(). Throws 22P03 on a wrong size or version, or a negative count.
    static HourlyProfile deserialize(const std::uint8_t* data, std::size_t size);

private:
    [[noreturn]] static void throw_infinite(std::int64_t timestamp);

    std::array<std::int64_t, kHours> counts_{};
};

// How many running-day arrays include each ISO weekday: counts()[0] for Monday ...
// counts()[6] for Sunday.
class WeekdayProfile {
public:
    static constexpr std::size_t kWeekdays = 7;
    // Version byte of serialize()'s layout.
    static constexpr std::uint8_t kFormatVersion = 1;

    // One array, as a day mask (bit 0 = Monday ... bit 6 = Sunday; running_days.hpp) of the
    // elements that are true: a false or NULL element counts for nothing. The boundary checks
    // the array's shape. Throws 22023 when a bit above Sunday is set.
    void add(DayMask days) {
        check_mask(days);
        for (std::size_t day = 0; day < kWeekdays; ++day)
            counts_[day] += (days >> day) & 1;
    }

    // Throws 22023 when a bit above Sunday is set (what add() checks first).
    static void check_mask(DayMask days) {
        if (days > kAllDays)
            throw_bad_mask(days);
    }

    // Adds the counts of `other`. Throws 22003 when a count overflows.
    void merge(const WeekdayProfile& other);

    const std::array<std::int64_t, kWeekdays>& counts() const { return counts_; }

    // Layout (version 1): u8 version (1), then the 7 counts as i64 little-endian; 57 bytes.
    std::vector<std::uint8_t> serialize() const;
    // Inverse of serialize(). Throws 22P03 on a wrong size or version, or a negative count.
    static WeekdayProfile deserialize(const std::uint8_t* data, std::size_t size);

private:
    [[noreturn]] static void throw_bad_mask(DayMask days);

    std::array<std::int64_t, kWeekdays> counts_{};
};

}  // namespace railway
