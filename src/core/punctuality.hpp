// The state of railway.punctuality(scheduled, actual [, on_time_within]): counts, an exact sum
// of delays and a histogram of whole delay minutes, from which the aggregate's result is
// computed exactly (no sampling, no approximation).
//
// Semantics (DESIGN.md section 3). Per row:
//   - scheduled NULL: the row is ignored (it still fixes on_time_within, see below);
//   - scheduled set: runs += 1; if actual is also set, measured += 1 and the delay
//     actual - scheduled (microseconds, negative = early) is recorded;
//   - on_time += 1 when delay <= on_time_within.
// Results: avg_delay_min is the mean of the delays in minutes, divided in long double from the
// exact sum (kept in 128 bits, so no rounding accumulates over rows). The percentiles and max
// are taken on whole minutes floor(delay_seconds / 60) (so 30 s early is -1) and equal
// PostgreSQL's percentile_disc over those minutes: the value of rank
// (int64) ceil(p * (double) measured), at least 1, in ascending order.
// Every figure except runs, measured and on_time is NULL when measured == 0.
//
// on_time_within is fixed for one aggregate call: the first row fixes it and a row or a partial
// state with a different value is an error (22023), so that the result never depends on which
// row a parallel worker happened to see first.
//
// Memory bound. The histogram has two parts:
//   - a dense window of int64 counters, one per minute, whose width W is a power of two with
//     64 <= W <= min(16384, max(64, 2 * measured)) (kDenseMaxMinutes: 11.4 days, 128 KiB). It
//     starts as minutes [-16, +48) (512 bytes, enough for most runs) and grows (doubling) to
//     cover a further minute when the window extended to that minute fits in that limit. So
//     the window is never wider than twice the rows of the state (8 bytes per minute: at most
//     16 bytes per measured row) and never larger than 128 KiB;
//   - SparseCounts (sparse_counts.hpp, 120 bytes, allocated on the first minute outside the
//     window) for the minutes outside the window: 8 bytes per distinct
//     minute, plus pending entries of 16 bytes (at most max(256, minutes / 8) of them in a
//     vector of at most twice that capacity; each stands for at least one row), plus a 48-byte node for a minute with more than
//     16.7 million rows. When the window grows, the sparse minutes it now covers move into it,
//     so a minute is counted in exactly one of the two.
// So: size <= sizeof(PunctualityState) (88) + sizeof(SparseCounts) + min(128 KiB, 16 B * measured) + 8 B * (distinct
// minutes outside the window) + min(8 KiB + 4 B * (distinct minutes outside the window),
// 32 B * rows outside the window), ignoring the 48-byte nodes above; a merge of pending
// entries briefly adds another 8 B per distinct minute outside the window. Each part is at
// most a constant times the measured rows, so a state grows with its input at no more than
// about 48 bytes per row in the worst case (like array_agg), and with the number of distinct
// delay minutes, never with the rows themselves once the minutes repeat. Exact percentiles need
// every distinct minute, so no bound can be independent of them. add() on a minute inside the
// window (the common case) is a few arithmetic operations and one increment, with no
// allocation; outside it, an append to the pending entries (sorted and merged in batches).
//
// All memory comes from the std::pmr::memory_resource given at construction, so the
// PostgreSQL boundary can hand in a resource backed by the aggregate memory context (then a
// context reset frees everything and hash aggregation sees the memory) or destroy the state in
// a context reset callback.
#pragma once
#include "pure.hpp"

#include "calendar.hpp"
#include "sparse_counts.hpp"

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <vector>

namespace railway {

// One row of railway.punctuality_stats. Optional fields are SQL NULL.
struct PunctualityStats {
    std::int64_t runs = 0;
    std::int64_t measured = 0;
    std::int64_t on_time = 0;
    std::optional<double> on_time_pct;
    std::optional<double> avg_delay_min;
    std::optional<double> p50_delay_min;
    std::optional<double> p90_delay_min;
    std::optional<double> p95_delay_min;
    std::optional<double> p99_delay_min;
    std::optional<double> max_delay_min;
};

// The mean of `count` (> 0) delays whose exact sum in microseconds is `sum_micros`, in minutes:
// the sum divided once in long double, then rounded to double. railway.punctuality's
// avg_delay_min, also for callers that need only the mean (the reports' mean trip duration).
__extension__ inline double mean_minutes(__int128 sum_micros, std::int64_t count) {
    const __int128 denominator = static_cast<__int128>(count) * kUsecPerMinute;
    return static_cast<double>(static_cast<long double>(sum_micros) / static_cast<long double>(denominator));
}

class PunctualityState {
public:
    __extension__ typedef __int128 Int128;  // __extension__: keeps -Wpedantic quiet

    // The SQL default on_time_within, '5 minutes'.
    static constexpr std::int64_t kDefaultOnTimeWithinMicros = 5 * kUsecPerMinute;
    // Widest span of minutes counted densely (2^14 minutes, 11.4 days, 128 KiB).
    static constexpr std::int64_t kDenseMaxMinutes = std::int64_t{1} << 14;
    // The window is at most this many minutes per measured row (and at least 64 wide).
    static constexpr std::int64_t kDenseMinutesPerRow = 2;
    // Version byte of serialize()'s layout.
    static constexpr std::uint8_t kFormatVersion = 1;

    explicit PunctualityState(
        std::pmr::memory_resource* memory = std::pmr::get_default_resource()) noexcept
        : memory_(memory) {}
    // A state owns its window and its sparse minutes (both from its memory resource); moving
    // one takes them over (and the resource with them), copying is not needed.
    PunctualityState(PunctualityState&& other) noexcept;
    PunctualityState& operator=(PunctualityState&& other) noexcept;
    PunctualityState(const PunctualityState&) = delete;
    PunctualityState& operator=(const PunctualityState&) = delete;
    ~PunctualityState() { release(); }

    // One row. Timestamps are PostgreSQL's: microseconds since 2000-01-01 00:00:00, with
    // INT64_MIN / INT64_MAX meaning -infinity / +infinity. Throws 22023 when on_time_within
    // differs from the value fixed by an earlier row, 22008 when a delay would be measured from
    // an infinite timestamp or does not fit in 64 bits (PostgreSQL's "interval out of range").
    void add(std::optional<std::int64_t> scheduled, std::optional<std::int64_t> actual,
             std::int64_t on_time_within_micros = kDefaultOnTimeWithinMicros) {
        if (!has_on_time_within_ || on_time_within_micros != on_time_within_)
            fix_on_time_within(on_time_within_micros);
        if (!scheduled)
            return;
        if (!actual) {
            ++runs_;
            return;
        }
        // Everything that can throw comes before the counts change.
        const std::int64_t delay = measure_delay(*scheduled, *actual);
        count_minute(floor_div(delay, kUsecPerMinute), 1, measured_ + 1);
        ++runs_;
        ++measured_;
        on_time_ += delay <= on_time_within_;
        delay_sum_ += delay;
    }

    // Adds the rows of `other` (a different object) to this state; the result is the same as
    // if all rows had been added to one state, in any order. Throws 22023 when both states
    // have fixed different on_time_within values, 22003 when a count overflows.
    void merge(const PunctualityState& other);

    PunctualityStats stats() const;

    // Layout (version 1), integers little-endian:
    //   u8   version (1)
    //   u8   flags: bit 0 = on_time_within is fixed; other bits 0
    //   i64  on_time_within in microseconds (0 when not fixed)
    //   i64  runs, i64 measured, i64 on_time
    //   u64  low and i64 high half of the 128-bit delay sum in microseconds
    //   varint  number of distinct delay minutes K
    //   K entries in ascending minute order: varint minute, varint count (>= 1), where the
    //   first minute is zigzag-encoded and each further one is stored as the gap
    //   minute - previous_minute - 1.
    // Varints are unsigned LEB128 (7 bits per byte, least significant first, at most 10 bytes).
    std::vector<std::uint8_t> serialize() const;

    // Inverse of serialize(). Throws 22P03 on anything serialize() cannot have produced,
    // including counts that contradict each other (the histogram must hold exactly `measured`
    // rows, the delay sum and on_time must be possible for those minutes).
    static PunctualityState deserialize(
        const std::uint8_t* data, std::size_t size,
        std::pmr::memory_resource* memory = std::pmr::get_default_resource());

    // PostgreSQL's interval comparison (interval_cmp_value: a month is 30 days, a day 24 hours)
    // turned into microseconds for on_time_within, saturated to the int64 range.
    static std::int64_t on_time_within_from_interval(std::int32_t months, std::int32_t days,
                                                     std::int64_t time_micros);

    // Introspection for tests of the memory bound.
    std::size_t dense_minutes() const { return dense_size_; }
    std::size_t sparse_minutes() const { return sparse_ != nullptr ? sparse_->size() : 0; }
    // Bytes held by the histogram (the window and the sparse minutes), for tests.
    std::size_t histogram_bytes() const {
        return dense_size_ * sizeof(std::int64_t) +
               (sparse_ != nullptr ? sizeof(SparseCounts) + sparse_->bytes() : 0);
    }

private:
    static std::int64_t measure_delay(std::int64_t scheduled, std::int64_t actual) {
        std::int64_t delay;
        if (scheduled == kTimestampInfinity || scheduled == kTimestampMinusInfinity ||
            actual == kTimestampInfinity || actual == kTimestampMinusInfinity ||
            __builtin_sub_overflow(actual, scheduled, &delay))
            throw_unmeasurable(scheduled, actual);
        return delay;
    }

    // Counts `count` rows in `minute`; `rows` is the number of measured rows of the state once
    // these are counted (what bounds the window).
    void count_minute(std::int64_t minute, std::int64_t count, std::int64_t rows) {
        // Unsigned arithmetic: one comparison checks both ends of the window.
        const std::uint64_t index =
            static_cast<std::uint64_t>(minute) - static_cast<std::uint64_t>(dense_first_);
        if (index < dense_size_)
            dense_[index] += count;
        else
            count_minute_outside(minute, count, rows);
    }

    void count_minute_outside(std::int64_t minute, std::int64_t count, std::int64_t rows);
    void fix_on_time_within(std::int64_t on_time_within_micros);
    [[noreturn]] static void throw_unmeasurable(std::int64_t scheduled, std::int64_t actual);

    // Calls visit(minute, count) for every minute with a count, in ascending order.
    template <typename Visit>
    void for_each_minute(Visit&& visit) const;

    // The sparse minutes, created on the first minute outside the window.
    SparseCounts& sparse();
    // Gives the window and the sparse minutes back to the memory resource.
    void release() noexcept;

    // Layout: a state is the per-group value of hash aggregation, so it is kept small (88
    // bytes: 5,000 groups' states and windows should stay in the caches) and the fields every
    // add() reads come first, together (on_time_within_ to has_on_time_within_: 72 bytes).
    // The delay sum is only 8-byte aligned (no padding before it).
    __extension__ typedef __int128 PackedInt128 __attribute__((aligned(8)));
    std::int64_t on_time_within_ = 0;
    std::int64_t runs_ = 0;
    std::int64_t measured_ = 0;
    std::int64_t on_time_ = 0;
    PackedInt128 delay_sum_ = 0;  // microseconds; |sum| <= measured * 2^63 < 2^127
    // dense_[i] counts minute dense_first_ + i for i < dense_size_; nullptr (size 0) until the
    // first measured row.
    std::int64_t dense_first_ = 0;
    std::int64_t* dense_ = nullptr;
    std::uint32_t dense_size_ = 0;  // at most kDenseMaxMinutes
    bool has_on_time_within_ = false;
    std::pmr::memory_resource* memory_;
    // Minutes outside the dense window (never one inside it: growing the window moves them
    // in); nullptr until the first such minute (most states never have one).
    SparseCounts* sparse_ = nullptr;
};

}  // namespace railway
