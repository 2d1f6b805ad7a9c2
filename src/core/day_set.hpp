// The state of railway.operation_days(timestamp): the set of calendar dates (day numbers,
// days since 2000-01-01, flooring so that 1999-12-31 23:00 is day -1) of the rows, as
// bitmaps of 1024-day blocks (2.8 years in 128 bytes).
//
// Memory bound. The blocks live in two places:
//   - a dense window of consecutive blocks, whose length W is a power of two with
//     1 <= W <= min(64, 2 * (distinct dates + 1)) (kDenseMaxBlocks: 65,536 days, 179 years), so
//     at most 64 * 128 bytes = 8 KiB and at most 256 bytes per distinct date, plus 256. It starts at the
//     first row's block and grows (doubling) to cover a further block when the window,
//     extended to that block, fits in that limit; the blocks of the map it then covers move
//     into it;
//   - a sorted map with one node per block outside the window that holds a date (a 128-byte
//     bitmap, an 8-byte key and a red-black tree node header: 168 bytes with libstdc++, 272
//     bytes in a PostgreSQL AllocSet), at most one per distinct date.
// So: size <= sizeof(DaySet) + min(8 KiB, 256 B * dates) + 272 B * (blocks holding a date
// outside the window): at most about 530 bytes per distinct date (so per row) however the rows
// are ordered, and never more than the blocks the dates span. The worst case, dates spread
// over the whole finite timestamp range (4714 BC to 294276 AD, 106,645 blocks, so at least
// that many rows), is about 28 MiB; typical data (a few decades of dates, more than 32 rows)
// needs no map node at all.
//
// add() for a date in the window (the common case) is a few arithmetic operations and a bit
// set, with no allocation, no map lookup and no dependence on the order of the rows.
//
// All memory comes from the std::pmr::memory_resource given at construction (see
// punctuality.hpp for why).
#pragma once
#include "pure.hpp"

#include "calendar.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory_resource>
#include <vector>

namespace railway {

class DaySet {
public:
    static constexpr std::int64_t kDaysPerBlock = 1024;
    // Widest span of blocks kept in the dense window (65,536 days, 179 years).
    static constexpr std::int64_t kDenseMaxBlocks = 64;
    // The window holds at most this many blocks per distinct date (and at least one block).
    static constexpr std::int64_t kDenseBlocksPerDay = 2;
    // Version byte of serialize()'s layout.
    static constexpr std::uint8_t kFormatVersion = 1;

    explicit DaySet(std::pmr::memory_resource* memory = std::pmr::get_default_resource());

    // Adds the date of a PostgreSQL timestamp (microseconds since 2000-01-01 00:00:00).
    // Throws 22008 for -infinity / +infinity (INT64_MIN / INT64_MAX), which have no date.
    void add(std::int64_t timestamp) {
        if (timestamp == kTimestampInfinity || timestamp == kTimestampMinusInfinity)
            throw_infinite(timestamp);
        const std::int64_t day = floor_div(timestamp, kUsecPerDay);
        const std::int64_t block = floor_div(day, kDaysPerBlock);
        Bitmap& bits = bitmap(block);
        const auto bit = static_cast<std::uint64_t>(day - block * kDaysPerBlock);
        std::uint64_t& word = bits[bit / 64];
        const std::uint64_t mask = std::uint64_t{1} << (bit % 64);
        days_ += (word & mask) == 0;
        word |= mask;
    }

    // Adds the dates of `other` (a different object).
    void merge(const DaySet& other);

    // The number of distinct dates.
    std::int64_t count() const { return days_; }

    // Layout (version 1), integers little-endian:
    //   u8   version (1)
    //   u32  number of blocks B
    //   B blocks in ascending order of block number (block b holds days [1024 b, 1024 b + 1024)):
    //     i64  block number
    //     u16  word mask: bit w set when word w of the bitmap is nonzero (never 0)
    //     u64  each nonzero word, in order of w; bit i of word w is day 1024 b + 64 w + i
    // So a block costs 10 bytes plus 8 per 64-day word that holds a date.
    std::vector<std::uint8_t> serialize() const;

    // Inverse of serialize(). Throws 22P03 on anything serialize() cannot have produced.
    static DaySet deserialize(
        const std::uint8_t* data, std::size_t size,
        std::pmr::memory_resource* memory = std::pmr::get_default_resource());

    // Introspection for tests of the memory bound.
    std::size_t dense_blocks() const { return dense_.size(); }
    std::size_t sparse_blocks() const { return sparse_.size(); }

private:
    static constexpr std::size_t kWordsPerBlock = kDaysPerBlock / 64;
    using Bitmap = std::array<std::uint64_t, kWordsPerBlock>;

    // The bitmap of a block, created (all zero) when the block holds no date yet.
    Bitmap& bitmap(std::int64_t block) {
        // Unsigned arithmetic: one comparison checks both ends of the window.
        const std::uint64_t index =
            static_cast<std::uint64_t>(block) - static_cast<std::uint64_t>(dense_first_);
        return index < dense_.size() ? dense_[index] : bitmap_outside_window(block);
    }
    // The window grown to cover the block, or a node of the sparse map.
    Bitmap& bitmap_outside_window(std::int64_t block);
    [[noreturn]] static void throw_infinite(std::int64_t timestamp);

    // Calls visit(block, bitmap) for every block holding a date, in ascending order.
    template <typename Visit>
    void for_each_block(Visit&& visit) const;

    // dense_[i] is block dense_first_ + i; empty until the first row.
    std::int64_t dense_first_ = 0;
    std::pmr::vector<Bitmap> dense_;
    // Blocks outside the dense window (never one inside it: growing the window moves them in).
    std::pmr::map<std::int64_t, Bitmap> sparse_;
    std::int64_t days_ = 0;
};

}  // namespace railway
