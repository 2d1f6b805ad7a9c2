#include "punctuality.hpp"

#include "error.hpp"
#include "wire.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>
#include <utility>
#include <string>

namespace railway {

namespace {

__extension__ typedef unsigned __int128 UInt128;
using Int128 = PunctualityState::Int128;

// The first window covers the delays of most runs (16 minutes early to 47 late) in 512 bytes.
constexpr std::int64_t kInitialDenseFirst = -16;
constexpr std::int64_t kInitialDenseMinutes = 64;

// The whole minutes of all int64 delays, for validating deserialized minutes.
constexpr std::int64_t kMinMinute =
    floor_div(std::numeric_limits<std::int64_t>::min(), kUsecPerMinute);
constexpr std::int64_t kMaxMinute =
    floor_div(std::numeric_limits<std::int64_t>::max(), kUsecPerMinute);

std::int64_t round_up_to_power_of_two(std::int64_t value) {
    std::int64_t power = 1;
    while (power < value)
        power <<= 1;
    return power;
}

std::string quantity(std::int64_t amount, const char* unit) {
    return std::to_string(amount) + " " + unit + (amount == 1 || amount == -1 ? "" : "s");
}

// "5 minutes", "90 seconds" or "1500 microseconds": the largest unit that is exact.
std::string describe_micros(std::int64_t micros) {
    if (micros % kUsecPerMinute == 0)
        return quantity(micros / kUsecPerMinute, "minute");
    if (micros % kUsecPerSecond == 0)
        return quantity(micros / kUsecPerSecond, "second");
    return quantity(micros, "microsecond");
}

const char* describe_infinity(std::int64_t timestamp) {
    return timestamp > 0 ? "infinity" : "-infinity";
}

bool is_infinite(std::int64_t timestamp) {
    return timestamp == kTimestampMinusInfinity || timestamp == kTimestampInfinity;
}

std::int64_t checked_add(std::int64_t a, std::int64_t b) {
    std::int64_t sum;
    if (__builtin_add_overflow(a, b, &sum))
        throw Error(sqlstate::numeric_value_out_of_range,
                    "punctuality count out of range when combining partial results");
    return sum;
}

std::uint64_t zigzag_encode(std::int64_t value) {
    return (static_cast<std::uint64_t>(value) << 1) ^ (value < 0 ? ~std::uint64_t{0} : 0);
}

std::int64_t zigzag_decode(std::uint64_t code) {
    return static_cast<std::int64_t>((code >> 1) ^ (~(code & 1) + 1));
}

}  // namespace

PunctualityState::PunctualityState(PunctualityState&& other) noexcept
    : on_time_within_(other.on_time_within_),
      runs_(other.runs_),
      measured_(other.measured_),
      on_time_(other.on_time_),
      delay_sum_(other.delay_sum_),
      dense_first_(other.dense_first_),
      dense_(other.dense_),
      dense_size_(other.dense_size_),
      has_on_time_within_(other.has_on_time_within_),
      memory_(other.memory_),
      sparse_(other.sparse_) {
    other.dense_ = nullptr;
    other.dense_size_ = 0;
    other.sparse_ = nullptr;
}

PunctualityState& PunctualityState::operator=(PunctualityState&& other) noexcept {
    if (this != &other) {
        release();
        on_time_within_ = other.on_time_within_;
        runs_ = other.runs_;
        measured_ = other.measured_;
        on_time_ = other.on_time_;
        delay_sum_ = other.delay_sum_;
        dense_first_ = other.dense_first_;
        dense_ = std::exchange(other.dense_, nullptr);
        dense_size_ = std::exchange(other.dense_size_, 0);
        has_on_time_within_ = other.has_on_time_within_;
        memory_ = other.memory_;
        sparse_ = std::exchange(other.sparse_, nullptr);
    }
    return *this;
}

void PunctualityState::release() noexcept {
    if (dense_ != nullptr)
        memory_->deallocate(dense_, dense_size_ * sizeof(std::int64_t), alignof(std::int64_t));
    if (sparse_ != nullptr) {
        sparse_->~SparseCounts();
        memory_->deallocate(sparse_, sizeof(SparseCounts), alignof(SparseCounts));
    }
    dense_ = nullptr;
    dense_size_ = 0;
    sparse_ = nullptr;
}

SparseCounts& PunctualityState::sparse() {
    if (sparse_ == nullptr)
        sparse_ = new (memory_->allocate(sizeof(SparseCounts), alignof(SparseCounts)))
            SparseCounts(memory_);
    return *sparse_;
}

void PunctualityState::fix_on_time_within(std::int64_t on_time_within_micros) {
    if (has_on_time_within_)
        throw Error(sqlstate::invalid_parameter_value,
                    "on_time_within must be the same for every row of one punctuality() call",
                    "An earlier row had " + describe_micros(on_time_within_) + ", this row has " +
                        describe_micros(on_time_within_micros) + ".",
                    "Pass a constant, or group by the threshold.");
    has_on_time_within_ = true;
    on_time_within_ = on_time_within_micros;
}

void PunctualityState::throw_unmeasurable(std::int64_t scheduled, std::int64_t actual) {
    if (is_infinite(scheduled))
        throw Error(sqlstate::datetime_field_overflow,
                    "punctuality cannot measure a delay from an infinite timestamp",
                    std::string("The scheduled timestamp is ") + describe_infinity(scheduled) +
                        ".",
                    "Leave such rows out, for example with WHERE isfinite(scheduled).");
    if (is_infinite(actual))
        throw Error(sqlstate::datetime_field_overflow,
                    "punctuality cannot measure a delay from an infinite timestamp",
                    std::string("The actual timestamp is ") + describe_infinity(actual) + ".",
                    "Leave such rows out, for example with WHERE isfinite(actual).");
    throw Error(sqlstate::datetime_field_overflow, "punctuality delay out of range",
                "actual - scheduled does not fit in an interval.");
}

namespace {

// The widest window allowed for a state of `rows` measured rows: a power of two between
// kInitialDenseMinutes and kDenseMaxMinutes, at most kDenseMinutesPerRow * rows when that is
// more than kInitialDenseMinutes.
std::int64_t dense_limit(std::int64_t rows) {
    const std::int64_t wanted =
        std::min(rows, PunctualityState::kDenseMaxMinutes) * PunctualityState::kDenseMinutesPerRow;
    std::int64_t limit = kInitialDenseMinutes;
    while (limit * 2 <= std::min(wanted, PunctualityState::kDenseMaxMinutes))
        limit *= 2;
    return limit;
}

// A window of `minutes` zeroed counters from `memory`.
std::int64_t* new_window(std::pmr::memory_resource* memory, std::int64_t minutes) {
    const auto count = static_cast<std::size_t>(minutes);
    auto* const window = static_cast<std::int64_t*>(
        memory->allocate(count * sizeof(std::int64_t), alignof(std::int64_t)));
    std::fill_n(window, count, std::int64_t{0});
    return window;
}

}  // namespace

void PunctualityState::count_minute_outside(std::int64_t minute, std::int64_t count,
                                            std::int64_t rows) {
    if (dense_ == nullptr) {
        dense_ = new_window(memory_, kInitialDenseMinutes);
        dense_size_ = kInitialDenseMinutes;
        dense_first_ = kInitialDenseFirst;
        if (minute >= kInitialDenseFirst && minute < kInitialDenseFirst + kInitialDenseMinutes) {
            dense_[minute - kInitialDenseFirst] += count;
            return;
        }
    }
    const std::int64_t size = static_cast<std::int64_t>(dense_size_);
    const std::int64_t needed_first = std::min(dense_first_, minute);
    const std::int64_t needed_end = std::max(dense_first_ + size, minute + 1);
    const std::int64_t needed = needed_end - needed_first;
    const std::int64_t limit = dense_limit(rows);
    if (needed > limit) {
        sparse().add(minute, count);
        return;
    }
    // Doubling keeps the number of regrowths logarithmic. The extra room goes where the window
    // grew, as later delays tend to continue that way; the final size has no later growth, so
    // its room is shared between both sides.
    const std::int64_t grown_size =
        std::min(limit, round_up_to_power_of_two(std::max(2 * size, needed)));
    std::int64_t grown_first;
    if (grown_size == kDenseMaxMinutes)
        grown_first = needed_first - (grown_size - needed) / 2;
    else if (minute < dense_first_)
        grown_first = needed_end - grown_size;
    else
        grown_first = needed_first;
    std::int64_t* const grown = new_window(memory_, grown_size);
    std::copy(dense_, dense_ + size, grown + (dense_first_ - grown_first));
    // Sparse minutes the window now covers move into it (nothing below throws once the
    // pending entries are merged, so the state stays consistent).
    if (sparse_ != nullptr && !sparse_->empty()) {
        try {
            sparse_->extract(grown_first, grown_first + grown_size,
                             [&](std::int64_t m, std::int64_t c) { grown[m - grown_first] += c; });
        } catch (...) {
            memory_->deallocate(grown, static_cast<std::size_t>(grown_size) * sizeof(std::int64_t),
                                alignof(std::int64_t));
            throw;
        }
    }
    memory_->deallocate(dense_, dense_size_ * sizeof(std::int64_t), alignof(std::int64_t));
    dense_ = grown;
    dense_size_ = static_cast<std::uint32_t>(grown_size);
    dense_first_ = grown_first;
    dense_[minute - grown_first] += count;
}

template <typename Visit>
void PunctualityState::for_each_minute(Visit&& visit) const {
    // Sparse minutes all lie outside the dense window: first those below it, then the window,
    // then those above it.
    const auto dense_end = dense_first_ + static_cast<std::int64_t>(dense_size_);
    if (sparse_ != nullptr)
        sparse_->for_each(visit, SparseCounts::kMinKey, dense_first_);
    InterruptPoller poller;
    for (std::size_t i = 0; i < dense_size_; ++i) {
        poller.tick();
        if (dense_[i] != 0)
            visit(dense_first_ + static_cast<std::int64_t>(i), dense_[i]);
    }
    if (sparse_ != nullptr)
        sparse_->for_each(visit, dense_end, SparseCounts::kMaxKey + 1);
}

void PunctualityState::merge(const PunctualityState& other) {
    if (has_on_time_within_ && other.has_on_time_within_ &&
        on_time_within_ != other.on_time_within_)
        throw Error(sqlstate::invalid_parameter_value,
                    "on_time_within must be the same for every row of one punctuality() call",
                    "Partial results with " + describe_micros(on_time_within_) + " and " +
                        describe_micros(other.on_time_within_) + " were combined.",
                    "Pass a constant, or group by the threshold.");
    const std::int64_t runs = checked_add(runs_, other.runs_);
    const std::int64_t measured = checked_add(measured_, other.measured_);
    const std::int64_t on_time = checked_add(on_time_, other.on_time_);
    if (other.has_on_time_within_) {
        has_on_time_within_ = true;
        on_time_within_ = other.on_time_within_;
    }
    runs_ = runs;
    measured_ = measured;
    on_time_ = on_time;
    delay_sum_ += other.delay_sum_;
    other.for_each_minute([this](std::int64_t minute, std::int64_t count) {
        count_minute(minute, count, measured_);
    });
}

PunctualityStats PunctualityState::stats() const {
    PunctualityStats stats;
    stats.runs = runs_;
    stats.measured = measured_;
    stats.on_time = on_time_;
    if (measured_ == 0)
        return stats;

    const double measured = static_cast<double>(measured_);
    stats.on_time_pct = 100.0 * static_cast<double>(on_time_) / measured;
    stats.avg_delay_min = mean_minutes(delay_sum_, measured_);

    // percentile_disc's rank, computed with the same double arithmetic as PostgreSQL
    // (rownum = (int64) ceil(percentile * number_of_rows); the first row when rownum <= 1).
    static constexpr double kFractions[] = {0.5, 0.9, 0.95, 0.99};
    std::optional<double>* const targets[] = {&stats.p50_delay_min, &stats.p90_delay_min,
                                              &stats.p95_delay_min, &stats.p99_delay_min};
    constexpr std::size_t kCount = sizeof(kFractions) / sizeof(kFractions[0]);
    std::int64_t ranks[kCount];
    for (std::size_t i = 0; i < kCount; ++i) {
        const auto rank = static_cast<std::int64_t>(std::ceil(kFractions[i] * measured));
        // The upper clamp only matters beyond 2^53 rows, where (double) measured can round up.
        ranks[i] = std::clamp<std::int64_t>(rank, 1, measured_);
    }

    std::size_t next = 0;
    std::int64_t rows_so_far = 0;
    std::int64_t max_minute = 0;
    for_each_minute([&](std::int64_t minute, std::int64_t count) {
        rows_so_far += count;
        while (next < kCount && ranks[next] <= rows_so_far)
            *targets[next++] = static_cast<double>(minute);
        max_minute = minute;
    });
    stats.max_delay_min = static_cast<double>(max_minute);
    return stats;
}

std::vector<std::uint8_t> PunctualityState::serialize() const {
    std::uint64_t minutes = 0;
    for_each_minute([&](std::int64_t, std::int64_t) { ++minutes; });

    std::vector<std::uint8_t> out;
    out.reserve(2 + 7 * 8 + 10 + static_cast<std::size_t>(minutes) * 3);
    out.push_back(kFormatVersion);
    out.push_back(has_on_time_within_ ? 1 : 0);
    wire::put_le(out, static_cast<std::uint64_t>(on_time_within_));
    wire::put_le(out, static_cast<std::uint64_t>(runs_));
    wire::put_le(out, static_cast<std::uint64_t>(measured_));
    wire::put_le(out, static_cast<std::uint64_t>(on_time_));
    const auto sum_bits = static_cast<UInt128>(delay_sum_);
    wire::put_le(out, static_cast<std::uint64_t>(sum_bits));
    wire::put_le(out, static_cast<std::uint64_t>(sum_bits >> 64));
    wire::put_varint(out, minutes);

    bool first = true;
    std::int64_t previous = 0;
    for_each_minute([&](std::int64_t minute, std::int64_t count) {
        wire::put_varint(out, first ? zigzag_encode(minute)
                              : static_cast<std::uint64_t>(minute - previous - 1));
        wire::put_varint(out, static_cast<std::uint64_t>(count));
        first = false;
        previous = minute;
    });
    return out;
}

PunctualityState PunctualityState::deserialize(const std::uint8_t* data, std::size_t size,
                                               std::pmr::memory_resource* memory) {
    wire::Reader in(data, size, "invalid serialized railway.punctuality state");
    if (in.u8() != kFormatVersion)
        in.fail("Unknown format version.");
    const std::uint8_t flags = in.u8();
    if ((flags & ~1u) != 0)
        in.fail("Unknown flags.");
    PunctualityState state(memory);
    state.has_on_time_within_ = (flags & 1) != 0;
    state.on_time_within_ = in.i64();
    state.runs_ = in.i64();
    state.measured_ = in.i64();
    state.on_time_ = in.i64();
    const std::uint64_t sum_low = in.u64();
    const std::uint64_t sum_high = in.u64();
    state.delay_sum_ = static_cast<Int128>((static_cast<UInt128>(sum_high) << 64) | sum_low);

    if (state.on_time_ < 0 || state.measured_ < state.on_time_ || state.runs_ < state.measured_)
        in.fail("The counts are not 0 <= on_time <= measured <= runs.");
    if (!state.has_on_time_within_ && (state.on_time_within_ != 0 || state.runs_ != 0))
        in.fail("A state without rows has counts or a threshold.");

    // Every entry takes at least two bytes, which bounds the loop by the input size.
    const std::uint64_t minutes = in.varint();
    if (minutes > in.remaining() / 2 || minutes > static_cast<std::uint64_t>(state.measured_))
        in.fail("Too many delay minutes.");

    // Besides the row count, the histogram bounds the delay sum and the on-time count: a row in
    // minute m has a delay in [m, m + 1) minutes.
    std::int64_t rows = 0;
    Int128 lowest_sum = 0;
    Int128 highest_sum = 0;
    std::int64_t surely_on_time = 0;
    std::int64_t maybe_on_time = 0;
    std::int64_t minute = 0;
    InterruptPoller poller;
    for (std::uint64_t entry = 0; entry < minutes; ++entry) {
        poller.tick();
        const std::uint64_t code = in.varint();
        if (entry == 0) {
            minute = zigzag_decode(code);
            if (minute < kMinMinute || minute > kMaxMinute)
                in.fail("A delay minute is out of range.");
        } else {
            if (code >= static_cast<std::uint64_t>(kMaxMinute - minute))
                in.fail("A delay minute is out of range.");
            minute += 1 + static_cast<std::int64_t>(code);
        }
        const std::uint64_t count = in.varint();
        if (count == 0 || count > static_cast<std::uint64_t>(state.measured_ - rows))
            in.fail("The delay minutes do not add up to the measured count.");
        const auto rows_in_minute = static_cast<std::int64_t>(count);
        rows += rows_in_minute;
        const Int128 first_micro = static_cast<Int128>(minute) * kUsecPerMinute;
        const Int128 last_micro = first_micro + kUsecPerMinute - 1;
        lowest_sum += first_micro * rows_in_minute;
        highest_sum += last_micro * rows_in_minute;
        if (last_micro <= state.on_time_within_)
            surely_on_time += rows_in_minute;
        if (first_micro <= state.on_time_within_)
            maybe_on_time += rows_in_minute;
        state.count_minute(minute, rows_in_minute, state.measured_);
    }
    if (in.remaining() != 0)
        in.fail("Trailing bytes.");
    if (rows != state.measured_)
        in.fail("The delay minutes do not add up to the measured count.");
    if (state.delay_sum_ < lowest_sum || state.delay_sum_ > highest_sum)
        in.fail("The delay sum does not match the delay minutes.");
    if (state.on_time_ < surely_on_time || state.on_time_ > maybe_on_time)
        in.fail("The on-time count does not match the delay minutes.");
    return state;
}

std::int64_t PunctualityState::on_time_within_from_interval(std::int32_t months, std::int32_t days,
                                                            std::int64_t time_micros) {
    const Int128 micros = static_cast<Int128>(time_micros) +
                          static_cast<Int128>(days) * kUsecPerDay +
                          static_cast<Int128>(months) * 30 * kUsecPerDay;
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    return static_cast<std::int64_t>(std::clamp<Int128>(micros, kMin, kMax));
}

}  // namespace railway
