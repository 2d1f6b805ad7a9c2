// Dates, times of day and timestamps in PostgreSQL's own representation, so that values cross
// the boundary unchanged:
//   - a timestamp is int64 microseconds since 2000-01-01 00:00:00 (local railway time, no time
//     zones); INT64_MIN is -infinity and INT64_MAX is +infinity;
//   - a day number is int32 days since 2000-01-01 (a Saturday); INT32_MIN is -infinity and
//     INT32_MAX is +infinity.
// Dates are proleptic Gregorian; a year <= 0 is printed the PostgreSQL way, "YYYY-MM-DD BC"
// with YYYY = 1 - year (year 0 is 1 BC).
#pragma once
#include "pure.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace railway {

inline constexpr int64_t kUsecPerSecond = 1'000'000;
inline constexpr int64_t kUsecPerMinute = 60 * kUsecPerSecond;
inline constexpr int64_t kUsecPerHour = 60 * kUsecPerMinute;
inline constexpr int64_t kUsecPerDay = 24 * kUsecPerHour;

inline constexpr int64_t kTimestampMinusInfinity = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kTimestampInfinity = std::numeric_limits<int64_t>::max();
inline constexpr int32_t kDayMinusInfinity = std::numeric_limits<int32_t>::min();
inline constexpr int32_t kDayInfinity = std::numeric_limits<int32_t>::max();

// PostgreSQL's finite timestamp range: [4714-11-24 BC 00:00, 294277-01-01 00:00).
inline constexpr int64_t kMinTimestamp = -211'813'488'000'000'000;
inline constexpr int64_t kEndTimestamp = 9'223'371'331'200'000'000;  // exclusive
// The day numbers of those timestamps: 4714-11-24 BC and 294276-12-31.
inline constexpr int32_t kMinDay = static_cast<int32_t>(kMinTimestamp / kUsecPerDay);
inline constexpr int32_t kMaxDay = static_cast<int32_t>(kEndTimestamp / kUsecPerDay - 1);
static_assert(kMinDay == -2'451'545 && kMaxDay == 106'751'982);

// Division and remainder rounding toward -infinity (C++ rounds toward zero). divisor > 0.
constexpr int64_t floor_div(int64_t value, int64_t divisor) {
    const int64_t quotient = value / divisor;
    return (value % divisor < 0) ? quotient - 1 : quotient;
}
constexpr int64_t floor_mod(int64_t value, int64_t divisor) {
    const int64_t remainder = value % divisor;
    return remainder < 0 ? remainder + divisor : remainder;
}

// A proleptic Gregorian date. `year` is astronomical: 0 is 1 BC, -1 is 2 BC.
struct CivilDate {
    int64_t year;
    int month;  // 1..12
    int day;    // 1..31
};

// Any day number, however far out (int64 so callers can step past the int32 range).
CivilDate civil_from_day(int64_t day);
// The day number of a date; month and day must be valid for the year.
int64_t day_from_civil(int64_t year, int month, int day);
int days_in_month(int64_t year, int month);

// ISO weekday of a day number: Monday = 1 ... Sunday = 7.
constexpr int iso_weekday(int64_t day) {
    return static_cast<int>(floor_mod(day + 5, 7)) + 1;  // day 0 is a Saturday (6)
}
// The bit of a day mask (bit 0 = Monday) that a day number's weekday selects.
constexpr uint8_t weekday_bit(int64_t day) {
    return static_cast<uint8_t>(1u << (iso_weekday(day) - 1));
}

constexpr bool is_valid_timestamp(int64_t ts) { return ts >= kMinTimestamp && ts < kEndTimestamp; }

// A finite timestamp as (day number, microseconds since that day's midnight), flooring, so
// that 1999-12-31 23:00 is (-1, 23 h) and not (0, -1 h).
struct DayAndTime {
    int32_t day;
    int64_t time_us;  // [0, kUsecPerDay)
};
DayAndTime split_timestamp(int64_t ts);

// The day number of a timestamp, flooring; infinities map to the day infinities.
int32_t timestamp_day(int64_t ts);

// "2024-01-31", "0044-03-15 BC", "12345-01-01"; "-infinity" / "infinity" for the infinities.
std::string format_date(int32_t day);

// Inverse of format_date for finite dates of the timestamp range [kMinDay, kMaxDay]:
// "YYYY-MM-DD" (4 to 6 digit year) optionally followed by whitespace and "BC". Nothing else
// (no surrounding whitespace, no infinities); nullopt when the text is not such a date.
std::optional<int32_t> parse_date(std::string_view text);

// "HH:MM:SS" with ".ffffff" appended only when the fraction is nonzero, trailing zeros
// trimmed (as PostgreSQL prints times). Hours are at least two digits and unbounded, so the
// same function prints a time of day and a duration such as "50:30:00". Requires us >= 0.
std::string format_clock(int64_t us);

// Inverse of format_clock: hours (one or more digits), ":MM", then optionally ":SS" and
// optionally ".f" with one to six fraction digits. nullopt when malformed or when the value
// does not fit in int64 microseconds.
std::optional<int64_t> parse_clock(std::string_view text);

// "2024-01-31 08:00:00", "0044-03-15 12:00:00 BC", "-infinity", "infinity" (for messages).
std::string format_timestamp(int64_t ts);

}  // namespace railway
