#include "profiles.hpp"

#include "error.hpp"
#include "wire.hpp"

#include <string>

namespace railway {

namespace {

template <std::size_t N>
void add_counts(std::array<std::int64_t, N>& mine, const std::array<std::int64_t, N>& theirs,
                const char* aggregate) {
    std::array<std::int64_t, N> sums;
    for (std::size_t i = 0; i < N; ++i)
        if (__builtin_add_overflow(mine[i], theirs[i], &sums[i]))
            throw Error(sqlstate::numeric_value_out_of_range,
                        std::string(aggregate) +
                            " count out of range when combining partial results");
    mine = sums;
}

template <std::size_t N>
std::vector<std::uint8_t> serialize_counts(std::uint8_t version,
                                           const std::array<std::int64_t, N>& counts) {
    std::vector<std::uint8_t> out;
    out.reserve(1 + 8 * N);
    out.push_back(version);
    for (const std::int64_t count : counts)
        wire::put_le(out, static_cast<std::uint64_t>(count));
    return out;
}

template <std::size_t N>
std::array<std::int64_t, N> deserialize_counts(std::uint8_t version, const std::uint8_t* data,
                                               std::size_t size, const char* aggregate) {
    const std::string message = std::string("invalid serialized ") + aggregate + " state";
    if (size != 1 + 8 * N)
        throw Error(sqlstate::invalid_binary_representation, message,
                    "Expected " + std::to_string(1 + 8 * N) + " bytes, got " +
                        std::to_string(size) + ".");
    if (data[0] != version)
        throw Error(sqlstate::invalid_binary_representation, message,
                    "Unknown format version.");
    wire::Reader in(data + 1, size - 1, message.c_str());
    std::array<std::int64_t, N> counts;
    for (std::size_t i = 0; i < N; ++i) {
        counts[i] = in.i64();
        if (counts[i] < 0)
            throw Error(sqlstate::invalid_binary_representation, message, "A count is negative.");
    }
    return counts;
}

}  // namespace

void HourlyProfile::throw_infinite(std::int64_t timestamp) {
    throw Error(sqlstate::datetime_field_overflow,
                "hourly_profile cannot take the hour of an infinite timestamp",
                std::string("The timestamp is ") + (timestamp > 0 ? "infinity." : "-infinity."),
                "Leave such rows out, for example with WHERE isfinite(...).");
}

void HourlyProfile::merge(const HourlyProfile& other) {
    add_counts(counts_, other.counts_, "hourly_profile");
}

std::vector<std::uint8_t> HourlyProfile::serialize() const {
    return serialize_counts(kFormatVersion, counts_);
}

HourlyProfile HourlyProfile::deserialize(const std::uint8_t* data, std::size_t size) {
    HourlyProfile profile;
    profile.counts_ =
        deserialize_counts<kHours>(kFormatVersion, data, size, "railway.hourly_profile");
    return profile;
}

void WeekdayProfile::throw_bad_mask(DayMask days) {
    throw Error(sqlstate::invalid_parameter_value, "weekday_profile got an invalid day mask",
                "Mask " + std::to_string(days) + " has a bit above Sunday (bit 6).");
}

void WeekdayProfile::merge(const WeekdayProfile& other) {
    add_counts(counts_, other.counts_, "weekday_profile");
}

std::vector<std::uint8_t> WeekdayProfile::serialize() const {
    return serialize_counts(kFormatVersion, counts_);
}

WeekdayProfile WeekdayProfile::deserialize(const std::uint8_t* data, std::size_t size) {
    WeekdayProfile profile;
    profile.counts_ =
        deserialize_counts<kWeekdays>(kFormatVersion, data, size, "railway.weekday_profile");
    return profile;
}

}  // namespace railway
